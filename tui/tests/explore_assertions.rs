//! The program's assertions and expected output in `explore`: a failed
//! `gene/sim/always` names its location, counts and a command that
//! reproduces it; a `sometimes` no seed satisfied is named, reached or not;
//! `--expect-output` or `# Expected:` makes any other output a failing
//! outcome; every failure makes the status 1.

mod common;
use common::{GENE, GENE_TRACE, gene_trace, scratch, shell_words, text, tool};

const RACE: &str = r#"(var balance 100)
(fn ^^async withdraw [who amount]
  (await (gene/sleep_async 10))
  (var seen balance)
  (await (gene/sleep_async 5))
  (balance = (seen - amount))
  (println who "withdrew" amount "leaving" balance))
(await (withdraw "alice" 30) (withdraw "bob" 50))
(gene/sim/always (balance != 50) "alice's withdrawal counts")
(gene/sim/sometimes (balance == 70) "bob's is lost")
(gene/sim/sometimes (balance == 20) "nothing is lost")
(if (balance < 0) (gene/sim/sometimes true "overdrawn"))
"#;

fn program(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn failed_always_and_unsatisfied_sometimes_are_reported() {
    let dir = scratch("explore-assert");
    let prog = program(&dir, "race.gene", RACE);
    let out = gene_trace(&["explore", &prog, "--seeds", "40"], "");
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains(
            "assertions: 1 always reached (1 failed), 2 sometimes reached (1 never held), 1 never reached"
        ),
        "{report}"
    );
    let line = |start: &str| {
        report
            .lines()
            .find(|l| l.trim_start().starts_with(start))
            .unwrap_or_else(|| panic!("{start} in {report}"))
            .to_string()
    };
    let failed = line("always failed:");
    assert!(
        failed.contains(&format!("\"alice's withdrawal counts\" at {prog}:9:1")),
        "{failed}"
    );
    // The count is the seeds that saved 50 (alice lost): their outcome's.
    let lost: u64 = report
        .lines()
        .filter(|l| l.starts_with("  outcome "))
        .zip(
            report
                .lines()
                .filter(|l| l.starts_with("    | "))
                .skip(1)
                .step_by(2),
        )
        .filter(|(_, second)| second.ends_with("leaving 50"))
        .map(|(h, _)| {
            h.split('(')
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .parse::<u64>()
                .unwrap()
        })
        .sum();
    assert!(
        failed.contains(&format!("in {lost} of the 40 seed(s)")),
        "{failed}: {lost}"
    );
    let first = line("first seed");
    let cmd = first.split_once(": ").unwrap().1;
    let trace = dir.join("t.jsonl");
    let words = shell_words(cmd);
    let mut args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    args.extend(["--trace", trace.to_str().unwrap()]);
    tool(GENE_TRACE, &args, "");
    let recorded = gene_sim::trace::read::read_file(&trace).unwrap();
    assert!(
        recorded.records.iter().any(|r| &*r.kind == "assertion"
            && r.bool("held") == Some(false)
            && r.str("message") == Some("alice's withdrawal counts")),
        "the command reproduces the failure: {cmd}"
    );
    assert!(
        line("sometimes never held:").contains("\"nothing is lost\" at"),
        "{report}"
    );
    assert!(
        line("sometimes never held:").contains("reached in 40 seed(s)"),
        "{report}"
    );
    let unreached = line("sometimes never reached:");
    assert!(
        unreached.contains(&format!("\"overdrawn\" at {prog}:12:19")),
        "{unreached}"
    );
    assert!(
        !report.contains("bob's is lost\" at"),
        "satisfied: not reported\n{report}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn assertions_that_hold_leave_the_status_zero() {
    let dir = scratch("explore-assert-ok");
    let prog = program(
        &dir,
        "ok.gene",
        "(var n 1)\n(gene/sim/always (n > 0) \"positive\")\n(gene/sim/sometimes (n == 1) \"one\")\n",
    );
    let out = gene_trace(&["explore", &prog, "--seeds", "5"], "");
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(report.contains("assertions: 1 always reached (0 failed), 1 sometimes reached (0 never held), 0 never reached"), "{report}");
    // Plain runs only record them, in both binaries.
    for bin in [GENE, GENE_TRACE] {
        let run = tool(bin, &["run", &prog], "");
        assert_eq!(run.status.code(), Some(0), "{bin}");
    }
    let bad = program(
        &dir,
        "bad.gene",
        "(println 1)\n(gene/sim/sometimes true 5)\n",
    );
    for bin in [GENE, GENE_TRACE] {
        let run = tool(bin, &["run", &bad], "");
        assert_eq!(run.status.code(), Some(1), "{bin}");
        let err = text(&run.stderr);
        assert!(
            err.contains("gene/sim/sometimes expects a string message, got VkInt"),
            "{err}"
        );
        assert!(err.contains(&format!("{bad}:2:1")), "{err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn expected_output_makes_any_other_a_failing_outcome() {
    let dir = scratch("explore-expect");
    let two = "(fn ^^async w [x] (await (gene/sleep_async 1)) (println x))\n(await (w 1) (w 2))\n";
    let prog = program(&dir, "two.gene", two);
    let want = program(&dir, "want.txt", "1\n\n  2\n");
    let out = gene_trace(
        &["explore", &prog, "--seeds", "30", "--expect-output", &want],
        "",
    );
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains(&format!(
            "expected output: 2 line(s), from --expect-output {want}"
        )),
        "{report}"
    );
    assert_eq!(
        report.matches("    failing: unexpected output").count(),
        1,
        "{report}"
    );
    assert!(report.contains("1 failing outcome(s) of 2"), "{report}");
    // Under fifo only the expected order: status 0.
    let fifo = gene_trace(
        &[
            "explore",
            &prog,
            "--seeds",
            "5",
            "--expect-output",
            &want,
            "--schedule",
            "fifo",
        ],
        "",
    );
    assert_eq!(fifo.status.code(), Some(0), "{}", text(&fifo.stdout));
    // The program's own `# Expected:` lines do the same; both is refused.
    let directive = program(
        &dir,
        "dir.gene",
        &format!("{two}# Expected: 1\n# Expected: 2\n"),
    );
    let out = gene_trace(&["explore", &directive, "--seeds", "30"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("from # Expected:"));
    let both = gene_trace(&["explore", &directive, "--expect-output", &want], "");
    assert_eq!(both.status.code(), Some(2));
    assert!(
        text(&both.stderr).contains("drop one"),
        "{}",
        text(&both.stderr)
    );
    let missing = gene_trace(&["explore", &prog, "--expect-output", "/no/such/file"], "");
    assert_eq!(missing.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_uncaught_exception_is_a_failing_outcome() {
    let dir = scratch("explore-throw");
    let prog = program(&dir, "t.gene", "(println 1)\n(throw \"boom\")\n");
    let out = gene_trace(&["explore", &prog, "--seeds", "3"], "");
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains("    failing: uncaught exception"),
        "{report}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn readme_assertion_capture_is_what_explore_prints() {
    let readme = std::fs::read_to_string(common::repo_file("README.md")).unwrap();
    let capture = readme
        .split("```text\nassertions: ")
        .nth(1)
        .expect("README's assertions capture");
    let shown = format!("assertions: {}", &capture[..capture.find("```").unwrap()]);
    let dir = scratch("explore-assert-readme");
    program(&dir, "race.gene", RACE);
    let out = std::process::Command::new(GENE_TRACE)
        .args(["explore", "race.gene", "--seeds", "40"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let report = text(&out.stdout);
    assert!(
        report.contains(&shown),
        "README shows:\n{shown}\nexplore printed:\n{report}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
