//! `gene-trace diff A B`: where two traces part (two seeds, or one seed on
//! two builds). Polls are aligned by index; records are compared by kind,
//! virtual time and fields (not by `seq`, which an earlier difference
//! shifts). The report gives the first poll that differs, both sides'
//! records there with some context before, then a summary of what differs
//! from there on: polls, records by kind, output, the run's result. A
//! record's line shows neither `t` nor `poll`, so under a pair of lines
//! that read the same the report says what differs (`t`).
//!
//! Exit status: 0 when the records are equal (header differences, such as
//! the seed or the tool's version, are reported but do not count), 1 when
//! they differ or a trace is damaged or not a trace (a damaged one is
//! compared up to the damage), 2 on bad usage or a file that cannot be
//! opened.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use gene_sim::trace::names::Naming;
use gene_sim::trace::read::{Record, Trace, read_file};

use crate::replay::ui::{field_text, format_nanos};

#[derive(Args, Debug, Clone)]
pub struct DiffArgs {
    /// The first trace.
    pub a: PathBuf,
    /// The second trace.
    pub b: PathBuf,
    /// Records of context shown before the first difference.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub context: usize,
}

pub fn main(args: &DiffArgs) -> ExitCode {
    let read = |p: &PathBuf| {
        read_file(p).map_err(|e| {
            if e.cannot_open() {
                eprintln!("error: {e}");
                2u8
            } else {
                eprintln!("error: cannot read {} as a trace: {e}", p.display());
                1u8
            }
        })
    };
    let (a, b) = match (read(&args.a), read(&args.b)) {
        (Ok(a), Ok(b)) => (a, b),
        // A file that cannot be opened is a usage error, whatever the other.
        (Err(x), Err(y)) => return ExitCode::from(x.max(y)),
        (Err(x), _) | (_, Err(x)) => return ExitCode::from(x),
    };
    let mut damaged = false;
    for (name, t) in [(&args.a, &a), (&args.b, &b)] {
        if let Some(e) = &t.error {
            damaged = true;
            eprintln!(
                "error: {} is damaged at {e}; comparing the {} records before it",
                name.display(),
                t.records.len()
            );
        } else if !t.is_complete() {
            eprintln!(
                "warning: {} has no run.end (a crashed or cut run); comparing its {} records",
                name.display(),
                t.records.len()
            );
        }
    }
    let names = (args.a.display().to_string(), args.b.display().to_string());
    let (report, equal) = diff(&a, &b, &names, args.context);
    if let Err(code) = crate::output::print(&report) {
        return code;
    }
    if equal && !damaged {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Same event: kind, time and fields (not seq, not poll).
fn same(a: &Record, b: &Record) -> bool {
    a.kind == b.kind && a.t == b.t && a.fields == b.fields
}

/// A record's line: its fields, each task and future id followed by its
/// name in that trace (`task=2(deposit)`, `future=3(sleep 10ms @a.gene:6)`)
/// where the trace names it.
fn line(r: &Record, names: &Naming) -> String {
    let mut fields = String::new();
    for (k, v) in &r.fields {
        if !fields.is_empty() {
            fields.push(' ');
        }
        let _ = write!(fields, "{k}={v}");
        let id = v.as_u64().filter(|&id| id > 0);
        let name = match (&**k, id) {
            ("task" | "parent", Some(t)) => names.task(t),
            ("future" | "reacts_to", Some(f)) => names.future(f),
            ("by", Some(f)) if &*r.kind == "future.adopted" => names.future(f),
            _ => continue,
        };
        if name != format!("task {v}") && name != format!("future {v}") {
            let _ = write!(fields, "({name})");
        }
    }
    format!("#{:<6} {:<19} {fields}", r.seq, r.kind)
        .trim_end()
        .to_string()
}

/// The first poll whose records differ between the traces (kind, time and
/// fields), or that only one of them has: where `diff` and `replay
/// --against` say two runs part.
pub fn first_divergent_poll(a: &Trace, b: &Trace) -> Option<usize> {
    let n = a.polls.len().max(b.polls.len());
    (0..n).find(|&p| {
        let (x, y) = (a.poll(p), b.poll(p));
        x.len() != y.len()
            || x.iter().zip(y).any(|(x, y)| !same(x, y))
            || (p >= a.polls.len()) != (p >= b.polls.len())
    })
}

/// The report, and whether the traces' records are equal.
pub fn diff(a: &Trace, b: &Trace, names: &(String, String), context: usize) -> (String, bool) {
    let mut out = String::new();
    let o = &mut out;
    let _ = writeln!(
        o,
        "A: {}  ({} polls, {} records)",
        names.0,
        a.polls.len(),
        a.records.len()
    );
    let _ = writeln!(
        o,
        "B: {}  ({} polls, {} records)",
        names.1,
        b.polls.len(),
        b.records.len()
    );
    header_notes(o, a, b);
    let names = (Naming::of(&a.records), Naming::of(&b.records));

    let Some(p) = first_divergent_poll(a, b) else {
        let _ = writeln!(
            o,
            "\nthe traces are equal: {} polls, {} records",
            a.polls.len(),
            a.records.len()
        );
        return (out, true);
    };

    // The first divergent poll.
    let (x, y) = (a.poll(p), b.poll(p));
    let side = |t: &Trace, rs: &[Record]| {
        if p >= t.polls.len() {
            "no such poll (the trace ended)".to_string()
        } else {
            format!(
                "t={}, {} records",
                format_nanos(rs.first().map_or(0, |r| r.t)),
                rs.len()
            )
        }
    };
    let _ = writeln!(o, "\nfirst divergent poll: {p}");
    let _ = writeln!(o, "  A: {}", side(a, x));
    let _ = writeln!(o, "  B: {}", side(b, y));

    // Context: the records before it (equal on both sides).
    let start = a.polls.get(p).map_or(a.records.len(), |r| r.start);
    let before = &a.records[start.saturating_sub(context)..start];
    if !before.is_empty() {
        let _ = writeln!(o, "\nbefore it (same on both sides):");
        for r in before {
            let _ = writeln!(o, "    {}", line(r, &names.0));
        }
    }
    let _ = writeln!(o, "\npoll {p} (\"  \" both, \"- \" only A, \"+ \" only B):");
    for l in poll_diff(x, y, &names, 60) {
        let _ = writeln!(o, "{l}");
    }

    summary(o, a, b, p);
    (out, false)
}

fn header_notes(o: &mut String, a: &Trace, b: &Trace) {
    let mut notes = Vec::new();
    if a.seed() != b.seed() {
        let seed = |t: &Trace| t.seed().map_or("none".to_string(), |s| s.to_string());
        notes.push(format!("seed {} vs {}", seed(a), seed(b)));
    }
    let prog = |t: &Trace| t.header.get("program").cloned();
    if prog(a) != prog(b) {
        let sha = |t: &Trace| {
            t.header
                .get("program")
                .and_then(|p| p.get("sha256"))
                .and_then(|s| s.as_str())
                .map(|s| s[..s.len().min(12)].to_string())
                .unwrap_or_default()
        };
        notes.push(format!(
            "program {} ({}) vs {} ({})",
            a.program_name().unwrap_or("?"),
            sha(a),
            b.program_name().unwrap_or("?"),
            sha(b)
        ));
    }
    let (ca, cb) = (a.header.get("config"), b.header.get("config"));
    if ca != cb
        && let (Some(serde_json::Value::Object(ca)), Some(serde_json::Value::Object(cb))) = (ca, cb)
    {
        for (k, v) in ca {
            if cb.get(k) != Some(v) {
                notes.push(format!(
                    "config {k}: {v} vs {}",
                    cb.get(k).map_or("-".into(), |v| v.to_string())
                ));
            }
        }
    }
    if a.header.get("tool") != b.header.get("tool") {
        notes.push(format!(
            "tool {} vs {}",
            a.header.get("tool").unwrap_or(&serde_json::Value::Null),
            b.header.get("tool").unwrap_or(&serde_json::Value::Null)
        ));
    }
    if !notes.is_empty() {
        let _ = writeln!(o, "headers differ (not counted): {}", notes.join("; "));
    }
}

/// A line diff of two polls' records: the longest common subsequence when
/// it is small enough to compute, else the common prefix and suffix.
fn poll_diff<'a>(
    x: &'a [Record],
    y: &'a [Record],
    names: &(Naming, Naming),
    max_lines: usize,
) -> Vec<String> {
    let pre = x.iter().zip(y).take_while(|(a, b)| same(a, b)).count();
    let suf = x[pre..]
        .iter()
        .rev()
        .zip(y[pre..].iter().rev())
        .take_while(|(a, b)| same(a, b))
        .count();
    let (mx, my) = (&x[pre..x.len() - suf], &y[pre..y.len() - suf]);
    let mut ops: Vec<(char, &'a Record)> = Vec::new();
    for r in &x[..pre] {
        ops.push((' ', r));
    }
    if mx.len() * my.len() <= 4_000_000 {
        // LCS table, from the end.
        let (n, m) = (mx.len(), my.len());
        let mut t = vec![0u32; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                t[i * (m + 1) + j] = if same(&mx[i], &my[j]) {
                    t[(i + 1) * (m + 1) + j + 1] + 1
                } else {
                    t[(i + 1) * (m + 1) + j].max(t[i * (m + 1) + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        let (mut minus, mut plus): (Vec<&Record>, Vec<&Record>) = (Vec::new(), Vec::new());
        // A run of changes shows A's and B's records in pairs.
        let flush = |ops: &mut Vec<(char, &'a Record)>,
                     minus: &mut Vec<&'a Record>,
                     plus: &mut Vec<&'a Record>| {
            let n = minus.len().max(plus.len());
            for k in 0..n {
                if let Some(r) = minus.get(k) {
                    ops.push(('-', r));
                }
                if let Some(r) = plus.get(k) {
                    ops.push(('+', r));
                }
            }
            minus.clear();
            plus.clear();
        };
        while i < n || j < m {
            if i < n && j < m && same(&mx[i], &my[j]) {
                flush(&mut ops, &mut minus, &mut plus);
                ops.push((' ', &mx[i]));
                i += 1;
                j += 1;
            } else if i < n && (j == m || t[(i + 1) * (m + 1) + j] >= t[i * (m + 1) + j + 1]) {
                minus.push(&mx[i]);
                i += 1;
            } else {
                plus.push(&my[j]);
                j += 1;
            }
        }
        flush(&mut ops, &mut minus, &mut plus);
    } else {
        ops.extend(mx.iter().map(|r| ('-', r)));
        ops.extend(my.iter().map(|r| ('+', r)));
    }
    for r in &x[x.len() - suf..] {
        ops.push((' ', r));
    }
    // Show the changes with up to 3 equal records around each run of them.
    let changed: Vec<bool> = ops.iter().map(|(c, _)| *c != ' ').collect();
    let near = |i: usize| {
        let lo = i.saturating_sub(3);
        let hi = (i + 4).min(ops.len());
        changed[lo..hi].iter().any(|&c| c)
    };
    let mut lines = Vec::new();
    let mut skipped = 0;
    for (i, (c, r)) in ops.iter().enumerate() {
        // A pair that prints the same: say what differs.
        let hidden = match (i.checked_sub(1).map(|p| ops[p]), *c) {
            (Some(('-', a)), '+') => hidden_difference(a, r),
            _ => None,
        };
        if !near(i) {
            skipped += 1;
            continue;
        }
        if skipped > 0 {
            lines.push(format!("    … {skipped} equal records"));
            skipped = 0;
        }
        let (who, names) = match c {
            '-' => ("A ", &names.0),
            '+' => ("B ", &names.1),
            _ => ("  ", &names.0),
        };
        lines.push(format!("  {c} {who}{}", line(r, names)));
        if let Some(h) = hidden {
            lines.push(format!("        {h}"));
        }
    }
    if skipped > 0 {
        lines.push(format!("    … {skipped} equal records"));
    }
    if lines.len() > max_lines {
        let more = lines.len() - max_lines;
        lines.truncate(max_lines);
        lines.push(format!("    … {more} more lines"));
    }
    lines
}

/// What differs between two records whose lines read the same (`line`
/// shows neither `t` nor `poll`), or None when their lines differ.
fn hidden_difference(a: &Record, b: &Record) -> Option<String> {
    if a.kind != b.kind || field_text(a) != field_text(b) || same(a, b) {
        return None;
    }
    let mut what = Vec::new();
    if a.t != b.t {
        what.push(format!(
            "t: A {}, B {}",
            format_nanos(a.t),
            format_nanos(b.t)
        ));
    }
    if a.fields != b.fields {
        // The same text from different fields: their order, or values
        // that print alike.
        let keys = |r: &Record| {
            r.fields
                .iter()
                .map(|(k, _)| k.to_string())
                .collect::<Vec<_>>()
        };
        what.push(format!(
            "fields: A {}, B {}",
            keys(a).join(","),
            keys(b).join(",")
        ));
    }
    Some(format!("(the two differ only in {})", what.join("; ")))
}

fn output_lines(t: &Trace) -> Vec<String> {
    let mut lines = vec![String::new()];
    for r in t.records.iter().filter(|r| &*r.kind == "output") {
        let text = r.str("text").unwrap_or("");
        let mut parts = text.split('\n');
        if let Some(first) = parts.next() {
            lines.last_mut().expect("a line").push_str(first);
        }
        for p in parts {
            lines.push(p.to_string());
        }
        if r.bool("newline").unwrap_or(true) {
            lines.push(String::new());
        }
    }
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

fn summary(o: &mut String, a: &Trace, b: &Trace, from: usize) {
    let _ = writeln!(o, "\nfrom poll {from} on:");
    let common = a.polls.len().min(b.polls.len());
    let differing = (from..common)
        .filter(|&p| {
            let (x, y) = (a.poll(p), b.poll(p));
            x.len() != y.len() || x.iter().zip(y).any(|(x, y)| !same(x, y))
        })
        .count();
    let _ = writeln!(
        o,
        "  polls: A has {}, B has {}; of the {} polls from here that both have, {differing} differ",
        a.polls.len(),
        b.polls.len(),
        common.saturating_sub(from)
    );
    fn count(t: &Trace, from: usize) -> BTreeMap<&str, usize> {
        let mut m: BTreeMap<&str, usize> = BTreeMap::new();
        let tail = t.polls.get(from).map_or(t.records.len(), |r| r.start);
        for r in &t.records[tail..] {
            *m.entry(&*r.kind).or_default() += 1;
        }
        m
    }
    let (ka, kb) = (count(a, from), count(b, from));
    let mut kinds: Vec<&str> = ka.keys().chain(kb.keys()).copied().collect();
    kinds.sort_unstable();
    kinds.dedup();
    let diffs: Vec<String> = kinds
        .iter()
        .filter(|k| ka.get(*k) != kb.get(*k))
        .map(|k| {
            format!(
                "    {k:<19} {:>7} → {}",
                ka.get(k).unwrap_or(&0),
                kb.get(k).unwrap_or(&0)
            )
        })
        .collect();
    if diffs.is_empty() {
        let _ = writeln!(o, "  records by kind: the same counts (A → B)");
    } else {
        let _ = writeln!(o, "  records by kind that differ (A → B):");
        for d in diffs {
            let _ = writeln!(o, "{d}");
        }
    }
    let (oa, ob) = (output_lines(a), output_lines(b));
    match oa.iter().zip(&ob).position(|(x, y)| x != y) {
        Some(i) => {
            let _ = writeln!(o, "  output: first differs at line {}:", i + 1);
            let _ = writeln!(o, "    A: {}", oa[i]);
            let _ = writeln!(o, "    B: {}", ob[i]);
        }
        None if oa.len() != ob.len() => {
            let _ = writeln!(
                o,
                "  output: A printed {} lines, B {} (the shorter is a prefix of the other)",
                oa.len(),
                ob.len()
            );
        }
        None => {
            let _ = writeln!(o, "  output: the same ({} lines)", oa.len());
        }
    }
    let end = |t: &Trace| {
        t.records
            .iter()
            .rev()
            .find(|r| &*r.kind == "run.end")
            .cloned()
    };
    match (end(a), end(b)) {
        (Some(x), Some(y)) if same(&x, &y) => {
            let _ = writeln!(o, "  result: the same ({})", result_text(&x));
        }
        (x, y) => {
            let show = |r: &Option<Record>| {
                r.as_ref()
                    .map_or("no run.end (the trace stops early)".into(), result_text)
            };
            let _ = writeln!(o, "  result:");
            let _ = writeln!(o, "    A: {}", show(&x));
            let _ = writeln!(o, "    B: {}", show(&y));
            if let (Some(x), Some(y)) = (&x, &y) {
                let mut fields: Vec<String> = Vec::new();
                if x.t != y.t {
                    fields.push(format!("t {} → {}", format_nanos(x.t), format_nanos(y.t)));
                }
                fields.extend(x.fields.iter().filter(|(k, v)| y.get(k) != Some(v)).map(
                    |(k, v)| {
                        format!(
                            "{k} {v} → {}",
                            y.get(k).map_or("-".into(), |v| v.to_string())
                        )
                    },
                ));
                if !fields.is_empty() {
                    let _ = writeln!(o, "    differing: {}", fields.join(", "));
                }
            }
        }
    }
    let hash = |t: &Trace| {
        t.records
            .iter()
            .rev()
            .find(|r| &*r.kind == "poll.end")
            .and_then(|r| r.str("hash").map(str::to_string))
            .unwrap_or_else(|| "-".into())
    };
    let _ = writeln!(o, "  last state hash: A {}, B {}", hash(a), hash(b));
}

fn result_text(r: &Record) -> String {
    let ok = r.bool("ok") == Some(true);
    format!(
        "{} {} after {}",
        if ok { "ok" } else { "failed:" },
        r.str("value").unwrap_or(""),
        format_nanos(r.u64("elapsed").unwrap_or(0))
    )
}
