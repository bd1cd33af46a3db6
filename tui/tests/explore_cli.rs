//! `gene-trace explore` as a user runs it: every flag takes effect or is
//! refused, every outcome names the command that reproduces it, outputs
//! are whole on request and never look alike when they differ, endless
//! seeds are outcomes of their own.

mod common;
use common::{GENE_TRACE, gene_trace, repo_file, scratch, shell_words, text, tool};

/// One outcome block of the report.
#[derive(Debug)]
struct Shown {
    result: String,
    reproduce: String,
    lines: Vec<String>,
}

fn outcomes(report: &str) -> Vec<Shown> {
    let mut list: Vec<Shown> = Vec::new();
    for l in report.lines() {
        if let Some(rest) = l.strip_prefix("  outcome ") {
            let result = rest.split_once("): ").unwrap().1;
            let result = result.rsplit_once("  [").unwrap().0.to_string();
            list.push(Shown {
                result,
                reproduce: String::new(),
                lines: Vec::new(),
            });
        } else if let Some(cmd) = l.strip_prefix("    reproduce: ") {
            list.last_mut().unwrap().reproduce = cmd.to_string();
        } else if let Some(line) = l.strip_prefix("    | ") {
            list.last_mut().unwrap().lines.push(line.to_string());
        }
    }
    list
}

fn explore(args: &[&str]) -> (String, std::process::Output) {
    let out = gene_trace(&[&["explore"][..], args].concat(), "");
    (text(&out.stdout), out)
}

const PROGRAM: &str = r##"
(var balance 100)
(fn ^^async withdraw [who amount]
  (await (gene/sleep_async 10))
  (var seen balance)
  (await (gene/sleep_async 5))
  (balance = (seen - amount))
  (println who "withdrew" amount "leaving" balance))
(await (withdraw "alice" 30) (withdraw "bob" 50))
(try
  (await (gene/io/write_async "balance.txt" #"#{balance}"))
  (println "saved" (gene/io/read "balance.txt"))
catch *
  (println "save failed:" $ex))
(try (gene/io/write "log.txt" "x") catch * (loop 1))
(if (balance == 50) (throw "lost bob"))
"##;

#[test]
fn every_outcome_line_reproduces_its_outcome() {
    let dir = scratch("explore-repro");
    let prog = dir.join("prog.gene");
    std::fs::write(&prog, PROGRAM).unwrap();
    let out_dir = dir.join("out");
    let (report, out) = explore(&[
        prog.to_str().unwrap(),
        "--seed",
        "10",
        "--seeds",
        "40",
        "--short-read-probability",
        "0.5",
        "--root",
        dir.to_str().unwrap(),
        "--outcomes-dir",
        out_dir.to_str().unwrap(),
    ]);
    // Some seeds end with an uncaught exception: failing outcomes, status 1.
    assert_eq!(out.status.code(), Some(1), "{report}{}", text(&out.stderr));
    assert!(
        report.contains("    failing: uncaught exception"),
        "{report}"
    );
    let list = outcomes(&report);
    let results: Vec<&str> = list.iter().map(|o| o.result.as_str()).collect();
    for kind in ["ok", "error: ", "did not finish: "] {
        assert!(
            results.iter().any(|r| r.starts_with(kind)),
            "{kind} among {results:?}"
        );
    }
    for (k, o) in list.iter().enumerate() {
        assert!(
            o.reproduce.contains("--short-read-probability 0.5"),
            "the fault flags matter: {}",
            o.reproduce
        );
        let words = shell_words(&o.reproduce);
        assert_eq!(words[0], "gene-trace");
        let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        let run = tool(GENE_TRACE, &args, "");
        let full = std::fs::read_to_string(out_dir.join(format!("outcome-{}.txt", k + 1))).unwrap();
        assert_eq!(text(&run.stdout), full, "{}", o.reproduce);
        if o.result == "ok" {
            assert_eq!(run.status.code(), Some(0), "{}", o.reproduce);
        } else {
            assert_eq!(run.status.code(), Some(1), "{}", o.reproduce);
            let message = o
                .result
                .strip_prefix("error: ")
                .or_else(|| o.result.strip_prefix("did not finish: "))
                .unwrap();
            assert!(
                text(&run.stderr).contains(message),
                "{}: {message} in {}",
                o.reproduce,
                text(&run.stderr)
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn explore_seed_schedule_and_fault_flags_take_effect() {
    let race = repo_file("fixtures/examples/race.gene");
    let (report, _) = explore(&[&race, "--seed", "1000", "--seeds", "5"]);
    assert!(report.contains("seeds 1000..=1004"), "{report}");
    assert!(report.contains("e.g. seed 1000)"), "{report}");

    let first_lines = |report: &str| -> Vec<String> {
        outcomes(report)
            .into_iter()
            .map(|o| o.lines[0].clone())
            .collect()
    };
    let (random, _) = explore(&[&race, "--seeds", "60"]);
    assert!(first_lines(&random).iter().any(|l| l.starts_with("bob")));
    let (fifo, _) = explore(&[&race, "--seeds", "60", "--schedule", "fifo"]);
    assert!(
        first_lines(&fifo).iter().all(|l| l.starts_with("alice")),
        "fifo keeps the start order: {fifo}"
    );
    assert!(
        outcomes(&fifo).len() > 1,
        "fifo still explores the faults: {fifo}"
    );
    let dir = scratch("explore-faults");
    let plan = dir.join("plan.toml");
    std::fs::write(&plan, "fail_paths = [\"balance.txt\"]\n").unwrap();
    for flags in [
        &["--fail-path", "balance.*"][..],
        &["--faults", plan.to_str().unwrap()],
    ] {
        let (report, _) = explore(&[&[race.as_str(), "--seeds", "30"][..], flags].concat());
        for o in outcomes(&report) {
            assert!(
                o.lines.last().unwrap().starts_with("save failed"),
                "{flags:?}: {report}"
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn explore_refuses_the_flags_it_cannot_honour() {
    let race = repo_file("fixtures/examples/race.gene");
    for flag in ["--real", "--swarm"] {
        let dir = scratch("explore-real");
        let out = tool(GENE_TRACE, &["explore", &race, "--seeds", "3", flag], "");
        assert_eq!(out.status.code(), Some(2), "{flag}");
        assert!(text(&out.stderr).starts_with("error: "), "{flag}");
        assert!(out.stdout.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

const SEVEN_LINES: &str = r#"
(repeat 6 (println "same"))
(fn ^^async w [who] (await (gene/sleep_async 10)) (print who))
(await (w "a") (w "b"))
(println)
"#;

#[test]
fn truncated_outcomes_never_look_identical() {
    let dir = scratch("explore-cut");
    let prog = dir.join("seven.gene");
    std::fs::write(&prog, SEVEN_LINES).unwrap();
    let (report, _) = explore(&[prog.to_str().unwrap(), "--seeds", "20"]);
    let list = outcomes(&report);
    assert_eq!(list.len(), 2, "{report}");
    assert_ne!(list[0].lines, list[1].lines, "{report}");
    assert!(report.contains("(line 7)"), "{report}");
    let (full, _) = explore(&[prog.to_str().unwrap(), "--seeds", "20", "--full"]);
    let list = outcomes(&full);
    assert_eq!(list[0].lines.len(), 7, "{full}");
    let mut last: Vec<&str> = list.iter().map(|o| o.lines[6].as_str()).collect();
    last.sort_unstable();
    assert_eq!(last, ["ab", "ba"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_endless_seed_is_a_did_not_finish_outcome() {
    let dir = scratch("explore-loop");
    let prog = dir.join("loop.gene");
    std::fs::write(&prog, "(println \"start\") (loop 1)").unwrap();
    let (report, out) = explore(&[prog.to_str().unwrap(), "--seeds", "3", "--seed", "7"]);
    assert_eq!(out.status.code(), Some(0), "{report}");
    let list = outcomes(&report);
    assert_eq!(list.len(), 1, "{report}");
    assert!(
        list[0]
            .result
            .starts_with("did not finish: instruction limit of"),
        "{report}"
    );
    assert!(report.contains("e.g. seed 7)"), "{report}");
    assert!(list[0].reproduce.contains("--max-instructions"), "{report}");
    // --max-instructions sets the budget.
    let (report, _) = explore(&[
        prog.to_str().unwrap(),
        "--seeds",
        "2",
        "--max-instructions",
        "1000",
    ]);
    assert!(
        report.contains("instruction limit of 1000 exceeded"),
        "{report}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn explore_is_quiet_when_stderr_is_not_a_terminal() {
    let race = repo_file("fixtures/examples/race.gene");
    let out = tool(GENE_TRACE, &["explore", &race, "--seeds", "20"], "");
    // The race's `# Expected:` lines fail some outcomes.
    assert_eq!(out.status.code(), Some(1));
    // No progress drawing: only the line of the time taken.
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("explore: 20 seeds in ") && err.ends_with(" seeds/s)\n"),
        "{err}"
    );
    assert!(!err.contains('\u{1b}'), "{err}");
}

#[test]
fn explore_shows_progress_on_a_terminal() {
    use std::io::Read;
    use std::os::fd::FromRawFd;
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty fills two descriptors; no name, termios or size.
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(r, 0, "openpty");
    // SAFETY: both descriptors are ours and open.
    let (master, slave) = unsafe {
        (
            std::fs::File::from_raw_fd(master),
            std::fs::File::from_raw_fd(slave),
        )
    };
    let dir = scratch("explore-tty");
    let prog = dir.join("loop.gene");
    std::fs::write(&prog, "(loop 1)").unwrap();
    let mut child = std::process::Command::new(GENE_TRACE)
        .args([
            "explore",
            prog.to_str().unwrap(),
            "--seeds",
            "6",
            "--jobs",
            "1",
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(slave)
        .spawn()
        .unwrap();
    let reader = std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut master = master;
        // Ends with EIO once the child closed the terminal.
        let _ = master.read_to_end(&mut seen);
        seen
    });
    let status = child.wait().unwrap();
    assert!(status.success());
    let seen = text(&reader.join().unwrap());
    for part in ["/6 seeds", "/s", "1 outcomes", "ETA"] {
        assert!(seen.contains(part), "{part:?} in {seen:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn explore_of_a_program_that_does_not_compile_fails_once() {
    let dir = scratch("explore-syntax");
    let prog = dir.join("bad.gene");
    std::fs::write(&prog, "(println \"open").unwrap();
    let (report, out) = explore(&[prog.to_str().unwrap(), "--seeds", "3"]);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(report.is_empty());
    assert!(
        text(&out.stderr).contains("unterminated string"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
