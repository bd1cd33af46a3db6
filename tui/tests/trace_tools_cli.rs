//! `gene-trace check`, `diff`, `export` and `replay` on traces a user may
//! hand them: whole, cut, damaged, contradicting the schema, hostile or
//! missing. The verdicts and exit statuses follow one table (README):
//! 0 success, 1 a negative verdict or a damaged/incomplete trace, 2 usage
//! errors and input that cannot be opened; messages carry no Rust debug text.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn gene_trace(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gene-trace"))
        .args(args)
        .current_dir(dir())
        .stdin(Stdio::null())
        .output()
        .expect("run gene-trace")
}

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("gene-trace-tools-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const PROGRAM: &str = "(var f (async (throw \"x\")))\n(try (await f) catch * (println \"caught\"))\n(var g (gene/sleep_async 5))\n(g .on_success (-> (println \"callback\")))\n(await g)\n(println \"done\")\n";

/// A whole trace of PROGRAM under `seed`, as lines (header first).
fn recorded(name: &str, seed: u64) -> Vec<String> {
    // Tests run in parallel and share the folder: write the program under
    // a name of its own, then rename it into place (atomic), so that no
    // run reads a half-written file.
    let prog = dir().join("prog.gene");
    let tmp = dir().join(format!("prog.gene.{name}.tmp"));
    std::fs::write(&tmp, PROGRAM).unwrap();
    std::fs::rename(&tmp, &prog).unwrap();
    let out = gene_trace(&[
        "run",
        "prog.gene",
        "--seed",
        &seed.to_string(),
        "--trace",
        name,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::fs::read_to_string(dir().join(name))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write(name: &str, lines: &[String]) -> String {
    let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(dir().join(name), body).unwrap();
    name.to_string()
}

fn assert_no_debug_text(s: &str) {
    assert!(!s.contains("Some("), "{s}");
    assert!(!s.contains("None"), "{s}");
}

#[test]
fn check_of_a_whole_trace_holds() {
    recorded("whole.jsonl", 0);
    let out = gene_trace(&["check", "whole.jsonl"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "whole.jsonl: every invariant holds\n");
}

#[test]
fn check_of_an_incomplete_trace_exits_1_unless_prefixes_are_allowed() {
    let mut lines = recorded("full.jsonl", 0);
    assert!(lines.pop().unwrap().starts_with("[\"end\","));
    let t = write("no_end.jsonl", &lines);
    let out = gene_trace(&["check", &t]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error: no_end.jsonl: the trace is incomplete"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let out = gene_trace(&["check", "--allow-incomplete", &t]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("incomplete trace"));
    // Allowing a prefix does not allow damage.
    let mut damaged = lines.clone();
    let last = damaged.pop().unwrap();
    damaged.push(last[..last.len() / 2].to_string());
    let t = write("damaged.jsonl", &damaged);
    let out = gene_trace(&["check", "--allow-incomplete", &t]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("[format] line"),
        "{}",
        text(&out.stdout)
    );
}

/// The trace's first `at` lines (the header is line 0), then `line`.
fn with_record(lines: &[String], at: usize, line: &str) -> Vec<String> {
    let mut out = lines[..at].to_vec();
    out.push(line.to_string());
    out
}

#[test]
fn check_rejects_records_that_contradict_the_schema() {
    let lines = recorded("base.jsonl", 0);
    let spawn = lines
        .iter()
        .position(|l| l.starts_with("[\"ts\","))
        .expect("a spawn");
    let again = lines[spawn].clone();
    let hash_at = lines
        .iter()
        .position(|l| l.starts_with("[\"pe\","))
        .unwrap();
    let bad_hash = regex_free_replace_hash(&lines[hash_at], "XYZ");
    // Format 4 leaves out trailing defaults: `delivered` reads as 0, and
    // the hash is missing.
    let no_field = "[\"pe\"]".to_string();
    for (name, trace, what) in [
        (
            "dup.jsonl",
            with_record(&lines, spawn + 1, &again),
            "made a second time",
        ),
        (
            "hash.jsonl",
            with_record(&lines, hash_at, &bad_hash),
            "hexadecimal",
        ),
        (
            "missing.jsonl",
            with_record(&lines, hash_at, &no_field),
            "without its \"hash\" field",
        ),
        (
            "kind.jsonl",
            with_record(&lines, 1, "[\"poll.started\"]"),
            "unknown record code",
        ),
        (
            "poll.jsonl",
            with_record(&lines, 1, "[\"pb\",4000000000,0]"),
            "poll 4000000000",
        ),
    ] {
        let t = write(name, &trace);
        let out = gene_trace(&["check", &t]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("[format] line") && stdout.contains(what),
            "{name}: {stdout}"
        );
        assert_no_debug_text(&stdout);
        // The other tools refuse it the same way, without an abort.
        let out = gene_trace(&["diff", "base.jsonl", &t]);
        assert_eq!(out.status.code(), Some(1), "diff {name}");
        assert!(text(&out.stderr).contains("is damaged at line"), "{name}");
        let out = gene_trace(&["export", &t, "-"]);
        assert_eq!(out.status.code(), Some(1), "export {name}");
    }
}

/// `line`, a poll.end (`["pe",delivered,"hash"]`), with its hash
/// replaced by `hash`.
fn regex_free_replace_hash(line: &str, hash: &str) -> String {
    let at = line.rfind(",\"").unwrap() + 2;
    let end = at + line[at..].find('"').unwrap();
    format!("{}{hash}{}", &line[..at], &line[end..])
}

#[test]
fn missing_or_unopenable_traces_exit_2_in_every_tool() {
    recorded("ok.jsonl", 0);
    let sub = dir().join("a_directory");
    std::fs::create_dir_all(&sub).unwrap();
    for missing in ["no_such.jsonl", "a_directory"] {
        for args in [
            vec!["check", missing],
            vec!["diff", "ok.jsonl", missing],
            vec!["diff", missing, "ok.jsonl"],
            vec!["export", missing, "-"],
            vec!["replay", missing],
        ] {
            let out = gene_trace(&args);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{args:?}: {}",
                text(&out.stderr)
            );
            let err = text(&out.stderr);
            assert!(
                err.starts_with(&format!("error: cannot open {missing}")),
                "{args:?}: {err}"
            );
            assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        }
    }
}

#[test]
fn an_older_trace_version_is_named_in_every_tool() {
    let t = write(
        "v2.jsonl",
        &["{\"format\":\"gene-trace\",\"version\":2}".to_string()],
    );
    recorded("ok2.jsonl", 0);
    for args in [
        vec!["check", &t],
        vec!["diff", "ok2.jsonl", &t],
        vec!["export", &t, "-"],
    ] {
        let out = gene_trace(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = text(&out.stderr);
        assert!(
            err.contains("this trace is format version 2; this tool reads versions 3 and 4 only"),
            "{args:?}: {err}"
        );
        assert_no_debug_text(&err);
    }
}

#[test]
fn diff_names_seeds_without_debug_text() {
    recorded("s17.jsonl", 17);
    recorded("s28.jsonl", 28);
    let out = gene_trace(&["diff", "s17.jsonl", "s28.jsonl"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("seed 17 vs 28"), "{stdout}");
    assert_no_debug_text(&stdout);
    // A header without a seed says so in words.
    let mut lines = recorded("s0.jsonl", 0);
    lines[0] = lines[0].replace("\"seed\":0,", "");
    let t = write("noseed.jsonl", &lines);
    let out = gene_trace(&["diff", "s17.jsonl", &t]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("seed 17 vs none"), "{stdout}");
    assert_no_debug_text(&stdout);
}

/// `check` names the tasks and futures in what it finds (the trace's own
/// names, `gene_sim::trace::names`), with their numbers.
#[test]
fn check_names_tasks_and_futures_in_its_findings() {
    // PROGRAM awaits its async block's failure: run.end claiming it
    // unobserved contradicts the trace.
    let mut lines = recorded("named_base.jsonl", 0);
    // `["end",ok,value,elapsed,polls,operations,futures,tasks,abandoned,
    // peak_scopes]`: cycle_scopes and miscounts (0) and unobserved ("")
    // are trailing defaults, left out.
    let end = lines.pop().unwrap();
    assert_eq!(end.matches(',').count(), 9, "{end}");
    lines.push(end.replace(']', r#",0,0,"1"]"#));
    let t = write("claims_unobserved.jsonl", &lines);
    let out = gene_trace(&["check", &t]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("async@prog.gene:1 (future 1) was observed, yet reported unobserved"),
        "{stdout}"
    );
    // A failure nobody observed, left out of run.end: named by its task,
    // where that is written and where it threw.
    let prog = dir().join("lost.gene");
    std::fs::write(
        &prog,
        "(fn ^^async withdraw [n]\n  (throw \"no\"))\n(withdraw 1)\n(gene/sleep 5)\n",
    )
    .unwrap();
    let out = gene_trace(&["run", "lost.gene", "--trace", "lost.jsonl"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut lines: Vec<String> = std::fs::read_to_string(dir().join("lost.jsonl"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    // Unobserved is run.end's last field.
    let end = lines.pop().unwrap();
    assert!(end.ends_with(r#","1"]"#), "{end}");
    lines.push(end.replace(r#","1"]"#, r#",""]"#));
    let t = write("unreported.jsonl", &lines);
    let out = gene_trace(&["check", &t]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "[failure-observed] record 15 (poll 1): unobserved failure of withdraw (lost.gene:1) \
             at lost.gene:2 (future 1), not reported"
        ),
        "{stdout}"
    );
}
