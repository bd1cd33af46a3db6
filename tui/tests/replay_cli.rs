//! `gene-trace diff`, `export` and `replay` as a user runs them: output,
//! exit status, errors. (The replay's screens are in tests/replay.rs.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/replay_fixtures");

fn fixture(name: &str) -> PathBuf {
    Path::new(DIR).join(name)
}

fn gene_trace(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gene-trace"))
        .args(args)
        .current_dir(DIR)
        .stdin(Stdio::null())
        .output()
        .expect("run gene-trace")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gene-replay-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

// ---- diff ----

#[test]
fn diff_of_equal_traces_exits_0() {
    let out = gene_trace(&["diff", "demo.jsonl", "demo.jsonl"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("the traces are equal: 6 polls, 80 records"));
}

#[test]
fn diff_shows_the_first_divergent_poll_then_a_summary() {
    let out = gene_trace(&["diff", "demo_ok.jsonl", "demo.jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    // Poll 3 ends in another state (the fault plan differs); the failed
    // write itself completes in poll 4.
    assert!(stdout.contains("first divergent poll: 3"), "{stdout}");
    assert!(
        stdout.contains("  - A #54     poll.end            delivered=1 hash=4169919b62702725"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  + B #54     poll.end            delivered=1 hash=59c70657ae8c3e43"),
        "{stdout}"
    );
    // Ids carry the names the trace gives them.
    assert!(
        stdout.contains(
            "task.awaiting       task=2(deposit) future=7(write balance.txt @demo.gene:8)"
        ),
        "{stdout}"
    );
    insta::assert_snapshot!("diff_demo_ok_vs_fault", stdout);
    // The other way round: the same poll, signs swapped.
    let out = gene_trace(&["diff", "demo.jsonl", "demo_ok.jsonl", "--context", "1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout)
            .contains("  - A #54     poll.end            delivered=1 hash=59c70657ae8c3e43")
    );
}

#[test]
fn diff_names_the_time_when_records_differ_only_in_it() {
    // B: poll 5 a nanosecond later (format v3 writes `t` on poll.begin only,
    // so every record of the poll moves with it).
    let full = std::fs::read_to_string(fixture("demo.jsonl")).unwrap();
    let begin = "{\"kind\":\"poll.begin\",\"poll\":5,\"t\":30000000}";
    assert_eq!(full.matches(begin).count(), 1);
    let later = full.replace(begin, &begin.replace("30000000", "30000001"));
    assert_ne!(later, full);
    let b = scratch("later.jsonl");
    std::fs::write(&b, later).unwrap();
    let out = gene_trace(&["diff", "demo.jsonl", b.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("first divergent poll: 5"), "{stdout}");
    // Each pair reads the same but for its seq; the line under it says why
    // they differ.
    let pair = "  - A #78     scope.released      scope=1 rc=0\n  \
                + B #78     scope.released      scope=1 rc=0\n        \
                (the two differ only in t: A 30ms, B 30.000001ms)\n";
    assert!(stdout.contains(pair), "{stdout}");
    assert_eq!(
        stdout
            .matches("(the two differ only in t: A 30ms, B 30.000001ms)")
            .count(),
        17,
        "every record of poll 5 (#64 to #80): {stdout}"
    );
    // And the result, equal but for its time.
    assert!(
        stdout.contains("    differing: t 30ms → 30.000001ms\n"),
        "{stdout}"
    );
    // Records that differ in what they print get no such line.
    let out = gene_trace(&["diff", "demo_ok.jsonl", "demo.jsonl"]);
    assert!(!text(&out.stdout).contains("differ only in"));
}

#[test]
fn diff_of_a_trace_and_its_prefix() {
    let full = std::fs::read_to_string(fixture("demo.jsonl")).unwrap();
    let cut: String = full.lines().take(40).map(|l| format!("{l}\n")).collect();
    let short = scratch("short.jsonl");
    std::fs::write(&short, cut).unwrap();
    let out = gene_trace(&["diff", "demo.jsonl", short.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("first divergent poll: 2"), "{stdout}");
    assert!(
        stdout.contains("no run.end (the trace stops early)"),
        "{stdout}"
    );
}

#[test]
fn diff_usage_errors_and_unreadable_files_exit_2() {
    let out = gene_trace(&["diff", "demo.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    let out = gene_trace(&["diff", "demo.jsonl", "missing.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: cannot open missing.jsonl: No such file or directory (os error 2)\n"
    );
}

#[test]
fn diff_of_a_file_that_is_not_a_trace_exits_1() {
    let out = gene_trace(&["diff", "demo.gene", "demo.jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("line 1: the header is not JSON"),
        "{}",
        text(&out.stderr)
    );
}

// ---- export ----

/// Checks the Trace Event Format's structure; returns the events.
fn check_chrome(json: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
    let events = v["traceEvents"].as_array().expect("traceEvents").clone();
    assert!(v["otherData"].is_object());
    let mut starts: BTreeMap<u64, (String, String)> = BTreeMap::new();
    let mut finishes: BTreeMap<u64, (String, String)> = BTreeMap::new();
    let mut named: BTreeSet<u64> = BTreeSet::new();
    let mut used: BTreeSet<u64> = BTreeSet::new();
    for e in &events {
        let ph = e["ph"].as_str().expect("ph");
        assert!(e["name"].is_string(), "{e}");
        assert_eq!(e["pid"], 1, "{e}");
        let tid = e["tid"].as_u64().expect("tid");
        match ph {
            "M" => {
                if e["name"] == "thread_name" {
                    named.insert(tid);
                }
            }
            "X" => {
                assert!(e["ts"].as_f64().unwrap() >= 0.0);
                assert!(e["dur"].as_f64().expect("dur") >= 0.0, "{e}");
                used.insert(tid);
            }
            "i" => {
                assert!(e["ts"].is_number());
                assert_eq!(e["s"], "t");
                used.insert(tid);
            }
            "s" | "f" => {
                let id = e["id"].as_u64().expect("flow id");
                let key = (
                    e["name"].as_str().unwrap().to_string(),
                    e["cat"].as_str().unwrap().to_string(),
                );
                let map = if ph == "s" {
                    &mut starts
                } else {
                    &mut finishes
                };
                assert!(map.insert(id, key).is_none(), "flow id {id} used twice");
                if ph == "f" {
                    assert_eq!(e["bp"], "e");
                }
                used.insert(tid);
            }
            other => panic!("unexpected phase {other}"),
        }
    }
    assert_eq!(starts, finishes, "every flow starts and finishes");
    assert!(
        used.is_subset(&named),
        "every track is named: {used:?} vs {named:?}"
    );
    events
}

#[test]
fn export_writes_chrome_trace_json() {
    let out_file = scratch("demo.json");
    let out = gene_trace(&[
        "export",
        "--format",
        "chrome",
        "demo.jsonl",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let events = check_chrome(&std::fs::read_to_string(&out_file).unwrap());
    let count = |ph: &str, cat: &str| {
        events
            .iter()
            .filter(|e| e["ph"] == ph && e["cat"] == cat)
            .count()
    };
    assert_eq!(count("X", "poll"), 6, "a slice per poll");
    assert!(count("X", "task") >= 4, "task runs");
    assert_eq!(count("s", "io"), 5, "one arrow per operation");
    assert_eq!(
        count("s", "wake"),
        5,
        "one arrow per task woken by a resolution"
    );
    assert_eq!(
        count("s", "callback"),
        1,
        "the callback started by bob's future"
    );
    let faults: Vec<_> = events.iter().filter(|e| e["cat"] == "fault").collect();
    assert_eq!(faults.len(), 1);
    assert_eq!(faults[0]["ph"], "i");
    assert_eq!(
        faults[0]["name"],
        "fault: write balance.txt @demo.gene:8 failed"
    );
    // Virtual time in microseconds: the fault is at t=21000000ns, and its
    // poll's records are spread a few nanoseconds apart from there.
    assert_eq!(faults[0]["args"]["t"], 21000000);
    let ts = faults[0]["ts"].as_f64().unwrap();
    assert!((21000.0..21000.1).contains(&ts), "{ts}");
    // Tasks are tracks: tid = task id.
    let tracks: BTreeSet<u64> = events
        .iter()
        .filter(|e| e["cat"] == "task")
        .map(|e| e["tid"].as_u64().unwrap())
        .collect();
    assert_eq!(tracks, BTreeSet::from([1, 2, 3, 4]));
}

#[test]
fn export_with_the_seq_clock_to_stdout() {
    let out = gene_trace(&["export", "--clock", "seq", "demo.jsonl", "-"]);
    assert_eq!(out.status.code(), Some(0));
    let events = check_chrome(&text(&out.stdout));
    let polls: Vec<f64> = events
        .iter()
        .filter(|e| e["cat"] == "poll")
        .map(|e| e["dur"].as_f64().unwrap())
        .collect();
    assert!(
        polls.iter().all(|&d| d > 0.0),
        "with seq as the clock, polls have a width: {polls:?}"
    );
}

#[test]
fn export_of_a_damaged_trace_exports_its_prefix_and_exits_1() {
    let full = std::fs::read_to_string(fixture("demo.jsonl")).unwrap();
    // Cut in the middle of a line: the last line is damaged.
    let short = scratch("cut.jsonl");
    std::fs::write(&short, &full[..full.len() / 2]).unwrap();
    let out = gene_trace(&["export", short.to_str().unwrap(), "-"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("error: "),
        "{}",
        text(&out.stderr)
    );
    check_chrome(&text(&out.stdout));
    // Cut at a line end: a crashed run's prefix, exported with a warning.
    let cut: String = full.lines().take(40).map(|l| format!("{l}\n")).collect();
    let prefix = scratch("prefix.jsonl");
    std::fs::write(&prefix, cut).unwrap();
    let out = gene_trace(&["export", prefix.to_str().unwrap(), "-"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).starts_with("warning: "),
        "{}",
        text(&out.stderr)
    );
    check_chrome(&text(&out.stdout));
    let out = gene_trace(&["export", "missing.jsonl", "-"]);
    assert_eq!(out.status.code(), Some(2));
    let out = gene_trace(&["export", "--format", "svg", "demo.jsonl", "-"]);
    assert_eq!(out.status.code(), Some(2));
}

// ---- replay ----

#[test]
fn replay_needs_a_terminal_and_an_existing_file() {
    let out = gene_trace(&["replay", "demo.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("replay needs a terminal"),
        "{}",
        text(&out.stderr)
    );
    let out = gene_trace(&["replay", "missing.jsonl", "--at", "3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("error: cannot open missing.jsonl"));
}

#[test]
fn the_fixture_traces_are_readable_and_whole() {
    for name in ["demo.jsonl", "demo_ok.jsonl"] {
        let t = gene_sim::trace::read::read_file(&fixture(name)).unwrap();
        assert!(t.error.is_none(), "{name}");
        assert_eq!(t.program_name(), Some("demo.gene"));
    }
}
