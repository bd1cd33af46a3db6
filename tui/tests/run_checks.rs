//! `run --check` and `run --check-determinism` are a plain run plus their
//! checks: the same output, trace, stats, messages and status, and a
//! default budget.

mod common;
use common::{gene_trace, scratch, text};

const CHECKS: [&[&str]; 3] = [
    &["--check"],
    &["--check-determinism"],
    &["--check", "--check-determinism"],
];

fn with(flags: &[&str], more: &[&'static str]) -> Vec<String> {
    std::iter::once("run")
        .chain(flags.iter().copied())
        .chain(more.iter().copied())
        .map(String::from)
        .collect()
}

fn run(args: &[String], stdin: &str) -> std::process::Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    gene_trace(&args, stdin)
}

#[test]
fn checked_runs_fail_like_a_plain_run() {
    for prog in [
        "(println \"hi\")\n(throw \"boom\")\n",
        "(println \"hi\")\n(await (new gene/Future))\n",
    ] {
        let plain = gene_trace(&["run"], prog);
        assert_eq!(plain.status.code(), Some(1));
        for flags in CHECKS {
            let out = run(&with(flags, &[]), prog);
            assert_eq!(out.status.code(), Some(1), "{flags:?} {prog}");
            assert_eq!(text(&out.stdout), "hi\n", "{flags:?}: the program's output");
            let err = text(&out.stderr);
            assert!(
                err.starts_with(&text(&plain.stderr)),
                "{flags:?}: the plain run's message first:\n{err}"
            );
        }
    }
    // A limit, too.
    for flags in CHECKS {
        let out = run(&with(flags, &["--max-instructions", "5000"]), "(loop 1)");
        assert_eq!(out.status.code(), Some(1), "{flags:?}");
        assert!(text(&out.stderr).contains("instruction limit of 5000 exceeded"));
    }
}

#[test]
fn checked_runs_print_the_output_and_pass_a_good_program() {
    let prog = "(var a (gene/sleep_async 5)) (await a) (println \"done\")";
    for flags in CHECKS {
        let out = run(&with(flags, &[]), prog);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{flags:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stdout), "done\n");
    }
}

#[test]
fn checked_runs_honour_trace_and_stats() {
    let dir = scratch("checked-trace");
    let prog = "(await (gene/sleep_async 100) (gene/sleep_async 100)) (println 1)";
    let plain = dir.join("plain.jsonl");
    gene_trace(&["run", "--trace", plain.to_str().unwrap()], prog);
    let plain = std::fs::read(plain).unwrap();
    for flags in CHECKS {
        let file = dir.join("checked.jsonl");
        let _ = std::fs::remove_file(&file);
        let mut args = with(flags, &["--stats", "--trace"]);
        args.push(file.to_str().unwrap().to_string());
        let out = run(&args, prog);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{flags:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains("virtual time: 100ms"),
            "{flags:?}: --stats"
        );
        let traced = std::fs::read(&file).expect("the trace is written");
        // The same records as a plain run's (the header records the
        // checked run's budget).
        let records = |t: &[u8]| {
            text(t)
                .lines()
                .skip(1)
                .map(String::from)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            records(&traced),
            records(&plain),
            "{flags:?}: the first run's trace"
        );
        let checked = gene_trace(&["check", file.to_str().unwrap()], "");
        assert_eq!(checked.status.code(), Some(0), "{}", text(&checked.stdout));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn checked_runs_have_a_default_budget() {
    // An endless loop ends at the default budget instead of growing the
    // kept trace without bound.
    for flags in CHECKS {
        let out = run(&with(flags, &[]), "(loop 1)");
        assert_eq!(out.status.code(), Some(1), "{flags:?}");
        assert!(
            text(&out.stderr).contains("instruction limit of 50000000 exceeded"),
            "{flags:?}: {}",
            text(&out.stderr)
        );
    }
    // --max-instructions replaces it.
    let out = gene_trace(
        &["run", "--check", "--max-instructions", "1000"],
        "(loop 1)",
    );
    assert!(text(&out.stderr).contains("instruction limit of 1000 exceeded"));
}
