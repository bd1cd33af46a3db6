//! `gene-trace export --format jsonl`: docs/trace-format.md's example runs
//! as documented, every record of a recorded trace comes out with its
//! position, and `--clock` with jsonl is a usage error.

mod common;
use common::{GENE_TRACE, repo_file, scratch, text};
use gene_sim::trace::read::{Field, read_file};
use serde_json::Value;
use std::process::Command;

/// The program and the output of the document's "Plain JSON lines".
fn documented() -> (String, String) {
    let doc = std::fs::read_to_string(repo_file("docs/trace-format.md")).unwrap();
    let section = doc
        .split("## Plain JSON lines")
        .nth(1)
        .expect("trace-format.md has a Plain JSON lines section");
    let block = |fence: &str| {
        section
            .split(fence)
            .nth(1)
            .and_then(|s| s.split("```").next())
            .unwrap_or_else(|| panic!("the section has a {fence} block"))
            .to_string()
    };
    (block("```lisp\n"), block("```json\n"))
}

fn run_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(GENE_TRACE)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn the_documented_example_prints_what_the_document_says() {
    let (program, expected) = documented();
    let dir = scratch("jsonl-doc");
    std::fs::write(dir.join("hello.gene"), program).unwrap();
    let out = run_in(&dir, &["run", "--trace", "hello.jsonl", "hello.gene"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run_in(&dir, &["export", "--format", "jsonl", "hello.jsonl", "-"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), expected);
}

#[test]
fn every_record_comes_out_with_its_position_and_fields() {
    let dir = scratch("jsonl-all");
    let race = repo_file("fixtures/examples/race.gene");
    let out = run_in(
        &dir,
        &["run", "--seed", "7", "--trace", "race.jsonl", &race],
    );
    assert!(out.status.code().is_some(), "{}", text(&out.stderr));
    let out = run_in(
        &dir,
        &["export", "--format", "jsonl", "race.jsonl", "race.plain"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let trace = read_file(&dir.join("race.jsonl")).unwrap();
    assert!(trace.is_complete());
    let plain = std::fs::read_to_string(dir.join("race.plain")).unwrap();
    let lines: Vec<&str> = plain.lines().collect();
    assert_eq!(lines.len(), trace.records.len());
    let mut polls = 0;
    for (line, r) in lines.iter().zip(&trace.records) {
        let v: Value = serde_json::from_str(line).unwrap();
        let obj = v.as_object().unwrap();
        let keys: Vec<&str> = obj.keys().map(|k| k.as_str()).take(4).collect();
        assert_eq!(keys, ["seq", "t", "poll", "kind"], "{line}");
        assert_eq!(v["seq"].as_u64(), Some(r.seq), "{line}");
        assert_eq!(v["t"].as_u64(), Some(r.t), "{line}");
        assert_eq!(v["poll"].as_u64(), Some(r.poll), "{line}");
        assert_eq!(v["kind"].as_str(), Some(&*r.kind), "{line}");
        assert_eq!(obj.len(), 4 + r.fields.len(), "{line}");
        for (k, f) in &r.fields {
            let want = match f {
                Field::Int(i) => Value::from(*i),
                Field::Bool(b) => Value::from(*b),
                Field::Text(s) => Value::from(s.as_str()),
            };
            assert_eq!(v[&**k], want, "{k} in {line}");
        }
        polls += usize::from(&*r.kind == "poll.begin");
    }
    assert!(polls > 1, "a trace of several polls");
}

#[test]
fn clock_with_jsonl_is_a_usage_error() {
    let dir = scratch("jsonl-clock");
    std::fs::write(dir.join("p.gene"), "(println 1)\n").unwrap();
    let out = run_in(&dir, &["run", "--trace", "p.jsonl", "p.gene"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for clock in ["seq", "virtual"] {
        let out = run_in(
            &dir,
            &[
                "export", "--format", "jsonl", "--clock", clock, "p.jsonl", "-",
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{clock}");
        assert!(
            text(&out.stderr).contains("--clock applies to --format chrome only"),
            "{}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty());
    }
}
