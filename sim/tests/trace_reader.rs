//! The trace reader against the recorder and against hostile files: every
//! record the recorder writes for the fixture corpus validates against the
//! schema and equals the one collected in memory, and crafted traces (absurd polls, seqs and ids, an over-long
//! line) give a line-numbered error instead of an allocation sized by a
//! number in the file.

use std::path::{Path, PathBuf};

use gene_sim::RunConfig;
use gene_sim::trace::read::{Limits, read, read_file, read_file_with, read_line_bounded};
use gene_sim::trace::schema::Validator;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

use gene_sim::trace::SharedBuf as Shared;

#[test]
fn recorder_output_validates_against_the_schema_for_every_fixture() {
    let root = fixtures();
    let files = gene_sim::fixture::gene_files(&root);
    assert!(files.len() > 50);
    let config = RunConfig {
        root: root.clone(),
        ..RunConfig::default()
    };
    let mut kinds = std::collections::BTreeSet::new();
    for path in &files {
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        // The records as collected in memory...
        let Ok((_, collected)) =
            gene_sim::run_collected(&name, &text, &config, &mut std::io::sink())
        else {
            continue;
        };
        let mut v = Validator::default();
        for r in &collected.records {
            if let Err(e) = v.check(r) {
                panic!("{name}: record {}: {e}", r.seq);
            }
            kinds.insert(r.kind.to_string());
        }
        assert!(v.ended(), "{name}: no run.end");
        // ... and as written and read back.
        let buf = Shared::default();
        gene_sim::run_traced(
            &name,
            &text,
            &config,
            &mut std::io::sink(),
            Some(Box::new(buf.clone())),
        )
        .unwrap();
        let bytes = buf.0.lock().unwrap().clone();
        let trace = read(&bytes[..]).unwrap();
        assert_eq!(trace.error, None, "{name}");
        assert!(trace.is_complete(), "{name}");
        // Both ways give the same records: the collector and the recorder
        // make them each their own way, from the same events.
        let (a, b) = (&collected.records, &trace.records);
        assert_eq!(a.len(), b.len(), "{name}");
        for (x, y) in a.iter().zip(b.iter()) {
            assert_eq!(x, y, "{name}: record {}", x.seq);
        }
    }
    // The corpus exercises most of the format.
    assert!(kinds.len() >= 20, "{kinds:?}");
}

/// A temporary trace file, removed when dropped.
struct TempTrace(PathBuf);

impl TempTrace {
    fn new(name: &str, body: &[u8]) -> TempTrace {
        let path = std::env::temp_dir().join(format!(
            "gene-trace-reader-{}-{name}.jsonl",
            std::process::id()
        ));
        let mut text = br#"{"format":"gene-trace","version":3,"seed":0}"#.to_vec();
        text.push(b'\n');
        text.extend_from_slice(body);
        std::fs::write(&path, text).unwrap();
        TempTrace(path)
    }
}

impl Drop for TempTrace {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

const BEGIN: &str = "{\"kind\":\"poll.begin\",\"poll\":0,\"t\":0}\n";

#[test]
fn reader_rejects_numbers_that_would_size_allocations() {
    for (name, line, what) in [
        (
            "poll",
            r#"{"kind":"poll.begin","poll":4000000000,"t":0}"#,
            "poll 4000000000",
        ),
        (
            "seq",
            r#"{"kind":"poll.end","seq":4000000000,"delivered":0,"hash":"0123456789abcdef"}"#,
            "no field \"seq\"",
        ),
        (
            "task",
            r#"{"kind":"task.spawned","task":4000000000,"parent":1,"task_kind":"async","future":0,"reacts_to":0}"#,
            "next task id is 2",
        ),
        (
            "scope",
            r#"{"kind":"scope.retained","scope":4000000000,"rc":2}"#,
            "scope 4000000000",
        ),
        (
            "future",
            r#"{"kind":"future.resolved","future":4294967295,"ok":true,"value":"1","reactions":4000000000}"#,
            "future 4294967295",
        ),
    ] {
        let t = TempTrace::new(name, format!("{BEGIN}{line}\n").as_bytes());
        let trace = read_file(&t.0).unwrap();
        let e = trace.error.clone().expect("an error");
        assert_eq!(e.line, 3, "{name}: {e}");
        assert!(e.message.contains(what), "{name}: {e}");
        assert_eq!(trace.records.len(), 1, "the record before it stays");
        assert_eq!(trace.polls.len(), 1);
        assert!(!trace.is_complete());
    }
}

#[test]
fn reader_rejects_a_line_longer_than_its_limit() {
    let limit = 64 << 20;
    let mut body = BEGIN.as_bytes().to_vec();
    body.extend(std::iter::repeat_n(b'x', limit + 1));
    body.push(b'\n');
    let t = TempTrace::new("long", &body);
    let limits = Limits {
        max_line_bytes: limit,
    };
    let trace = read_file_with(&t.0, &limits).unwrap();
    let e = trace.error.expect("an error");
    assert_eq!(e.line, 3);
    assert!(e.message.contains("longer than 67108864 bytes"), "{e}");
    assert_eq!(trace.records.len(), 1);
    // A header longer than the limit is refused too.
    let small = Limits { max_line_bytes: 8 };
    let e = read_file_with(&t.0, &small).err().expect("an error");
    assert_eq!(e.line, 1);
    assert!(e.message.contains("longer than 8 bytes"), "{e}");
}

#[test]
fn bounded_line_reader_holds_at_most_the_limit() {
    let mut buf = Vec::new();
    let mut input: &[u8] = b"abc\nabcd\r\nabcde\nab";
    let mut lines = Vec::new();
    let mut errors = 0;
    loop {
        match read_line_bounded(&mut input, &mut buf, 4) {
            Ok(true) => lines.push(String::from_utf8(buf.clone()).unwrap()),
            Ok(false) => break,
            Err(_) => {
                errors += 1;
                assert!(
                    buf.len() <= 6,
                    "it stopped reading at the limit and a line end"
                );
            }
        }
    }
    // Exactly the limit is fine; one more is not; the line end does not count.
    assert_eq!(lines, ["abc", "abcd", "ab"]);
    assert_eq!(errors, 1);
}

#[test]
fn reader_names_both_versions_and_opens_only_files() {
    let path =
        std::env::temp_dir().join(format!("gene-trace-reader-{}-v2.jsonl", std::process::id()));
    std::fs::write(&path, "{\"format\":\"gene-trace\",\"version\":2}\n").unwrap();
    let e = read_file(&path).err().expect("an error");
    let _ = std::fs::remove_file(&path);
    assert_eq!(
        e.to_string(),
        "line 1: this trace is format version 2; this tool reads versions 3 and 4 only \
         (record it again with `gene-trace run --trace`)"
    );
    let e = read_file(&std::env::temp_dir()).err().expect("an error");
    assert!(e.cannot_open() && e.message.contains("directory"), "{e}");
    let e = read_file(Path::new("/no/such/trace.jsonl"))
        .err()
        .expect("an error");
    assert!(e.cannot_open(), "{e}");
}

/// Every record that program code causes says where (docs/trace-format.md,
/// "Locations"): over the whole fixture corpus, each record of a kind with
/// an `at` field has a non-empty one that parses, naming the program or
/// an `eval#N` text announced before, within that text's lines (a task
/// that ended by throwing included: its `task.finished` is at the throw).
#[test]
fn every_record_caused_by_code_carries_a_location_for_every_fixture() {
    use gene_sim::trace::location;
    let root = fixtures();
    let config = RunConfig {
        root: root.clone(),
        ..RunConfig::default()
    };
    let mut located = std::collections::BTreeMap::<String, usize>::new();
    for path in gene_sim::fixture::gene_files(&root) {
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok((_, collected)) =
            gene_sim::run_collected(&name, &text, &config, &mut std::io::sink())
        else {
            continue;
        };
        let mut sources = vec![(name.clone(), text.lines().count().max(1))];
        for r in &collected.records {
            if &*r.kind == "source.added" {
                let t = r.str("text").unwrap_or_default();
                sources.push((
                    r.str("source").unwrap().to_string(),
                    t.lines().count().max(1),
                ));
            }
            let Some(at) = r.str("at") else { continue };
            let loc = location::parse(at).unwrap_or_else(|| {
                panic!(
                    "{name}: record {} ({}) has no location: {at:?}",
                    r.seq, r.kind
                )
            });
            let lines = sources
                .iter()
                .find(|(s, _)| s == loc.file)
                .unwrap_or_else(|| panic!("{name}: record {}: unknown source in {at}", r.seq))
                .1;
            assert!(
                loc.line as usize <= lines,
                "{name}: record {}: {at} is past the source's {lines} lines",
                r.seq
            );
            *located.entry(r.kind.to_string()).or_default() += 1;
        }
    }
    // The corpus reaches every kind that has a location.
    let with_at: Vec<&str> = gene_sim::trace::schema::KINDS
        .iter()
        .filter(|k| k.field("at").is_some())
        .map(|k| k.name)
        .collect();
    for k in with_at {
        assert!(
            located.contains_key(k),
            "no fixture has a located {k}: {located:?}"
        );
    }
}

/// `var.written` summarizes the values the language prints by kind alone
/// (`VkFunction`) with their names (docs/trace-format.md, "Shared
/// variables"); inside a container they stay as the language prints them.
#[test]
fn written_functions_namespaces_and_classes_are_summarized_by_name() {
    let text = "(fn deposit [x] x)\n(var box 0)\n(var k (fnx [] (box = deposit)))\n(k)\n\
                (box = (fnx [y] y))\n(box = gene/sleep_async)\n(box = gene)\n\
                (box = gene/Future)\n(box = [deposit 1])\n";
    let (_, trace) =
        gene_sim::run_collected("k.gene", text, &RunConfig::default(), &mut std::io::sink())
            .expect("it compiles");
    let values: Vec<&str> = trace
        .records
        .iter()
        .filter(|r| &*r.kind == "var.written")
        .map(|r| r.str("value").unwrap())
        .collect();
    assert_eq!(
        values,
        [
            "<fn deposit>",
            "0",
            "<fn>",
            "<fn deposit>",
            "<fn>",
            "<native sleep_async>",
            "<ns gene>",
            "<class Future>",
            "[VkFunction 1]"
        ]
    );
}
