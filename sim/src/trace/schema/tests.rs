//! The schema's rules, one record at a time, and the document's kind table
//! against the schema.

use super::*;
use crate::trace::read::Record;

/// Checks `lines` in order: the error of the first rejected one.
fn validate(lines: &[&str]) -> Result<(), String> {
    let mut v = Validator::default();
    let mut p = crate::trace::read::LineParser::default();
    for (i, l) in lines.iter().enumerate() {
        let r = p.parse(l).map_err(|e| format!("record {}: {e}", i + 1))?;
        v.check(&r).map_err(|e| format!("record {}: {e}", i + 1))?;
    }
    Ok(())
}

/// Parses record lines in order without validating them.
fn parse(lines: &[&str]) -> Vec<Record> {
    let mut p = crate::trace::read::LineParser::default();
    lines
        .iter()
        .map(|l| p.parse(l).expect("a JSON record"))
        .collect()
}

const BEGIN: &str = r#"{"kind":"poll.begin","poll":0,"t":0}"#;

#[test]
fn schema_accepts_a_well_formed_prefix() {
    validate(&[
        BEGIN,
        r#"{"kind":"op.started","op":1,"op_kind":"sleep","nanos":5,"blocking":false,"future":1,"at":"a.gene:1:2"}"#,
        r#"{"kind":"task.spawned","task":2,"parent":1,"task_kind":"async","future":1,"reacts_to":0,"name":"f","def":"a.gene:1:1","at":"a.gene:2:1"}"#,
        r#"{"kind":"poll.end","delivered":0,"hash":"0123456789abcdef"}"#,
        r#"{"kind":"poll.begin","poll":1,"t":5}"#,
    ])
    .unwrap();
}

#[test]
fn schema_accepts_fields_in_any_order() {
    validate(&[
        BEGIN,
        r#"{"hash":"0123456789abcdef","delivered":3,"kind":"poll.end"}"#,
    ])
    .unwrap();
}

#[test]
fn schema_rejects_a_task_spawned_twice() {
    let spawn = r#"{"kind":"task.spawned","task":2,"parent":1,"task_kind":"async","future":0,"reacts_to":0,"name":"f","def":"","at":""}"#;
    let e = validate(&[BEGIN, spawn, spawn]).unwrap_err();
    assert!(
        e.contains("record 3") && e.contains("task 2 is made a second time"),
        "{e}"
    );
}

#[test]
fn schema_rejects_every_duplicate_creation() {
    for (kind, rest) in [
        ("future.created", r#""future":1,"at":"""#),
        ("scope.created", r#""scope":1,"parent":0,"at":"a.gene:3:4""#),
        (
            "op.started",
            r#""op":1,"op_kind":"read","path":"a","blocking":true,"future":0,"at":"""#,
        ),
    ] {
        let line = format!(r#"{{"kind":"{kind}",{rest}}}"#);
        let e = validate(&[BEGIN, &line, &line]).unwrap_err();
        assert!(e.contains("a second time"), "{kind}: {e}");
    }
}

#[test]
fn schema_rejects_a_missing_required_field() {
    let e = validate(&[BEGIN, r#"{"kind":"poll.end","delivered":0}"#]).unwrap_err();
    assert!(e.contains("without its \"hash\" field"), "{e}");
    // A field the operation's kind needs: a sleep without nanos.
    let e = validate(&[
        BEGIN,
        r#"{"kind":"op.started","op":1,"op_kind":"sleep","blocking":false,"future":0}"#,
    ])
    .unwrap_err();
    assert!(e.contains("\"nanos\""), "{e}");
}

#[test]
fn schema_rejects_a_malformed_hash() {
    for hash in [
        "0123456789ABCDEF",
        "0123456789abcde",
        "0123456789abcdef0",
        "0123456789abcdeg",
        "",
    ] {
        let line = format!(r#"{{"kind":"poll.end","delivered":0,"hash":"{hash}"}}"#);
        let e = validate(&[BEGIN, &line]).unwrap_err();
        assert!(e.contains("16 lowercase hexadecimal digits"), "{hash}: {e}");
    }
    let e = validate(&[BEGIN, r#"{"kind":"poll.end","delivered":0,"hash":12}"#]).unwrap_err();
    assert!(e.contains("hexadecimal"), "{e}");
}

#[test]
fn schema_rejects_wrong_field_types() {
    for (line, what) in [
        (
            r#"{"kind":"output","text":"x","newline":1}"#,
            "true or false",
        ),
        (r#"{"kind":"output","text":5,"newline":true}"#, "a string"),
        (
            r#"{"kind":"poll.end","delivered":-1,"hash":"0123456789abcdef"}"#,
            "non-negative",
        ),
        (
            r#"{"kind":"op.started","op":1,"op_kind":"nap","nanos":1,"blocking":false,"future":0}"#,
            "one of sleep, read, write",
        ),
    ] {
        let e = validate(&[BEGIN, line]).unwrap_err();
        assert!(e.contains(what), "{line}: {e}");
    }
}

#[test]
fn schema_rejects_unknown_kinds_and_fields() {
    let e = validate(&[BEGIN, r#"{"kind":"task.teleported","task":1}"#]).unwrap_err();
    assert!(e.contains("unknown record kind \"task.teleported\""), "{e}");
    let e = validate(&[BEGIN, r#"{"kind":"poll.begin","poll":0,"t":0,"extra":1}"#]).unwrap_err();
    assert!(e.contains("no field \"extra\""), "{e}");
}

#[test]
fn schema_rejects_ids_no_record_made() {
    // Absurd ids, as a hostile file has them, and ids one past the counter.
    for line in [
        r#"{"kind":"task.finished","task":4000000000,"ok":true}"#,
        r#"{"kind":"future.created","future":4000000000}"#,
        r#"{"kind":"scope.freed","scope":1}"#,
        r#"{"kind":"task.awaiting","task":1,"future":1}"#,
        r#"{"kind":"run.end","ok":true,"value":"nil","elapsed":0,"polls":1,"operations":0,"futures":0,"tasks":1,"abandoned_tasks":0,"peak_scopes":0,"cycle_scopes":0,"miscounts":0,"unobserved":"7"}"#,
    ] {
        let e = validate(&[BEGIN, line]).unwrap_err();
        assert!(
            e.contains("no earlier record made") || e.contains("the next"),
            "{line}: {e}"
        );
    }
}

#[test]
fn schema_rejects_polls_that_skip_or_go_back() {
    let e = validate(&[BEGIN, r#"{"kind":"poll.begin","poll":4000000000,"t":0}"#]).unwrap_err();
    assert!(e.contains("poll 4000000000 follows poll 0"), "{e}");
    let e = validate(&[
        BEGIN,
        r#"{"kind":"poll.begin","poll":1,"t":0}"#,
        r#"{"kind":"poll.begin","poll":0,"t":0}"#,
    ])
    .unwrap_err();
    assert!(e.contains("goes back"), "{e}");
    let e = validate(&[r#"{"kind":"poll.begin","poll":7,"t":0}"#]).unwrap_err();
    assert!(e.contains("not poll 0"), "{e}");
}

#[test]
fn poll_begin_carries_its_poll_and_time_and_no_record_its_seq() {
    let r = parse(&[
        r#"{"kind":"poll.begin","poll":0,"t":0}"#,
        r#"{"kind":"poll.end","delivered":0,"hash":"0123456789abcdef"}"#,
        r#"{"kind":"poll.begin","poll":1,"t":5000}"#,
        r#"{"kind":"output","text":"x","newline":true,"at":""}"#,
    ]);
    let placed: Vec<_> = r.iter().map(|r| (r.seq, r.poll, r.t)).collect();
    assert_eq!(placed, [(1, 0, 0), (2, 0, 0), (3, 1, 5000), (4, 1, 5000)]);
    assert!(r[2].fields.is_empty(), "poll and t are not fields");
    for (line, what) in [
        (r#"{"kind":"poll.begin","t":0}"#, "without its \"poll\""),
        (r#"{"kind":"poll.begin","poll":0}"#, "without its \"t\""),
        (r#"{"kind":"poll.begin","poll":-1,"t":0}"#, "non-negative"),
        (r#"{"kind":"poll.begin","poll":0,"t":"0"}"#, "non-negative"),
    ] {
        let e = validate(&[line]).unwrap_err();
        assert!(e.contains(what), "{line}: {e}");
    }
    // Version 2's per-record fields are not fields of any kind.
    let e = validate(&[
        BEGIN,
        r#"{"kind":"poll.end","seq":2,"delivered":0,"hash":"0123456789abcdef"}"#,
    ])
    .unwrap_err();
    assert!(e.contains("poll.end has no field \"seq\""), "{e}");
}

#[test]
fn schema_rejects_records_after_run_end() {
    let end = r#"{"kind":"run.end","ok":true,"value":"nil","elapsed":0,"polls":1,"operations":0,"futures":0,"tasks":1,"abandoned_tasks":0,"peak_scopes":0,"cycle_scopes":0,"miscounts":0,"unobserved":""}"#;
    validate(&[BEGIN, end]).unwrap();
    let e = validate(&[BEGIN, end, r#"{"kind":"poll.begin","poll":0,"t":0}"#]).unwrap_err();
    assert!(e.contains("after run.end"), "{e}");
}

/// The rows of the document's kind table: kind, and the backquoted words
/// of its fields column.
fn doc_rows() -> Vec<(String, Vec<String>)> {
    let doc = include_str!("../../../../docs/trace-format.md");
    let table = doc
        .split("| kind | fields | meaning |")
        .nth(1)
        .expect("the kind table");
    table
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').collect();
            let kind = cells[1].trim().trim_matches('`').to_string();
            let words = cells[2]
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect();
            (kind, words)
        })
        .collect()
}

#[test]
fn schema_and_document_list_the_same_kinds_and_fields() {
    let rows = doc_rows();
    let doc_kinds: Vec<&str> = rows.iter().map(|(k, _)| k.as_str()).collect();
    let kinds: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
    assert_eq!(
        doc_kinds, kinds,
        "docs/trace-format.md's kind table vs schema::KINDS"
    );
    for (kind, words) in &rows {
        let spec = super::kind(kind).unwrap();
        for field in spec.fields {
            assert!(
                words.iter().any(|w| w == field.name),
                "the document does not list {kind}'s field `{}`",
                field.name
            );
        }
        for w in words {
            let is_field = spec.field(w).is_some();
            let is_word = spec
                .fields
                .iter()
                .any(|f| matches!(f.ty, Type::Word(ws) if ws.contains(&w.as_str())));
            assert!(
                is_field || is_word,
                "the document lists `{w}` for {kind}, which the schema does not have"
            );
        }
    }
}

#[test]
fn invariant_checker_reports_schema_contradictions_of_collected_records() {
    let records = parse(&[
        BEGIN,
        r#"{"kind":"poll.end","delivered":0,"hash":"not a hash"}"#,
    ]);
    let v = crate::trace::check::check(&records);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].rule, "schema");
    assert_eq!(v[0].seq, 2);
}

#[test]
fn the_vms_kinds_are_the_schemas_in_its_order() {
    let vm: Vec<String> = gene_vm::sink::Kind::ALL
        .iter()
        .map(|k| format!("{k:?}"))
        .collect();
    // `TaskAwaitingAll` is `task.awaiting_all`: the names without their
    // punctuation, compared letter by letter.
    let schema: Vec<String> = KINDS
        .iter()
        .map(|k| k.name.replace(['.', '_'], ""))
        .collect();
    let vm_lower: Vec<String> = vm.iter().map(|k| k.to_lowercase()).collect();
    assert_eq!(vm_lower, schema);
    for (i, k) in gene_vm::sink::Kind::ALL.iter().enumerate() {
        assert_eq!(k.index(), i);
        assert_eq!(of(*k).name, KINDS[i].name);
    }
}

#[test]
fn kind_codes_are_distinct_and_fields_differ_in_length_or_letters_at_the_ends() {
    let mut codes: Vec<&str> = KINDS.iter().map(|k| k.code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), KINDS.len(), "a code names two kinds");
    // The recorder matches an event's fields to the spec's by length and
    // first and last letters (`record::same_name`).
    for k in KINDS {
        let mut shapes: Vec<(usize, u8, u8)> = k
            .fields
            .iter()
            .map(|f| {
                let b = f.name.as_bytes();
                (b.len(), b[0], b[b.len() - 1])
            })
            .collect();
        shapes.sort_unstable();
        shapes.dedup();
        assert_eq!(shapes.len(), k.fields.len(), "{}", k.name);
    }
}

#[test]
fn the_documents_code_table_is_the_schemas() {
    let doc = include_str!("../../../../docs/trace-format.md");
    let table = doc
        .split("| code | kind | code | kind | code | kind |")
        .nth(1)
        .expect("the code table");
    let mut pairs: Vec<(String, String)> = Vec::new();
    for line in table.lines().skip(2).take_while(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line
            .split('|')
            .map(|c| c.trim().trim_matches('`'))
            .collect();
        for pair in cells[1..cells.len() - 1].chunks(2) {
            if let [code, kind] = pair
                && !code.is_empty()
            {
                pairs.push((code.to_string(), kind.to_string()));
            }
        }
    }
    let mut want: Vec<(String, String)> = KINDS
        .iter()
        .map(|k| (k.code.to_string(), k.name.to_string()))
        .collect();
    pairs.sort();
    want.sort();
    assert_eq!(pairs, want);
}

#[test]
fn format_4_lines_read_as_the_records_of_format_3() {
    let v3 = parse(&[
        BEGIN,
        r#"{"kind":"op.started","op":1,"op_kind":"sleep","nanos":5,"blocking":false,"future":1,"at":"prog.gene:1:8"}"#,
        r#"{"kind":"op.started","op":2,"op_kind":"write","path":"a b","bytes":0,"blocking":true,"future":0,"at":"eval#1:2:3"}"#,
        r#"{"kind":"future.resolved","future":1,"ok":true,"value":"nil","reactions":0}"#,
        r#"{"kind":"output","text":"say \"hi\"\n","newline":false,"at":""}"#,
    ]);
    let v4 = parse(&[
        r#"["pb",0,0]"#,
        r#"["os",1,"sleep",5,0,1,"1:8"]"#,
        r#"["os",2,"write","a b",0,1,0,"eval#1:2:3"]"#,
        r#"["fr",1,1,"nil"]"#,
        r#"["o","say \"hi\"\n"]"#,
    ]);
    assert_eq!(v3, v4);
}

#[test]
fn format_4_rejects_unknown_codes_extra_fields_and_missing_ids() {
    let e = validate(&[BEGIN, r#"["zz",1]"#]).unwrap_err();
    assert!(e.contains("unknown record code \"zz\""), "{e}");
    let e = validate(&[BEGIN, r#"["oc",0,1,7]"#]).unwrap_err();
    assert!(e.contains("more fields than its kind has"), "{e}");
    let e = validate(&[BEGIN, r#"["fc"]"#]).unwrap_err();
    assert!(
        e.contains("future.created without its \"future\" field"),
        "{e}"
    );
    let e = validate(&[BEGIN, r#"["oc",0,2]"#]).unwrap_err();
    assert!(e.contains("\"ok\" is the number 2"), "{e}");
    let e = validate(&[BEGIN, r#"["oc",0,1"#]).unwrap_err();
    assert!(e.contains("truncated record"), "{e}");
    let e = validate(&[BEGIN, r#"{"kind":"op.completed"}"#, r#"["oc"]"#]).unwrap_err();
    assert!(e.starts_with("record 2"), "{e}");
}

#[test]
fn schema_rejects_a_field_given_twice_in_or_out_of_order() {
    for line in [
        r#"{"kind":"poll.end","delivered":0,"delivered":0,"hash":"0000000000000000"}"#,
        r#"{"kind":"poll.end","delivered":0,"hash":"0000000000000000","delivered":0}"#,
        r#"{"kind":"poll.end","hash":"0000000000000000","delivered":0,"hash":"0000000000000000"}"#,
    ] {
        let e = validate(&[BEGIN, line]).unwrap_err();
        assert!(
            e.contains("field \"delivered\" appears twice")
                || e.contains("field \"hash\" appears twice"),
            "{line}: {e}"
        );
    }
}

#[test]
fn every_kind_fits_the_in_order_table() {
    for k in KINDS {
        assert!(
            k.fields.len() <= MAX_FIELDS,
            "{} has {} fields",
            k.name,
            k.fields.len()
        );
    }
}
