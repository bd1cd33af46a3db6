//! `gene/sim/always` and `gene/sim/sometimes` under `explore --strategy
//! pct` and `--strategy exhaustive`: every run is tallied, a failed
//! `always` names its place and its first failing run, whose printed
//! command (a schedule file, not a seed) really replays the failure, and
//! the merge of shards prints the unsharded report.

mod common;
use common::{GENE_TRACE, gene_trace, scratch, shell_words, text, tool};

/// Two read-modify-writes spanning awaits: when bob writes last, alice's
/// withdrawal is lost and the `always` fails.
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
(println "balance" balance)
"#;

/// Four tasks; the first to run after the sleep is `first`. The `always`
/// fails when task 1 is first: in the 7th to 12th of the 24 orders, depth
/// first.
const FIRST: &str = r#"(var first -1)
(fn ^^async go [i]
  (await (gene/sleep_async 5))
  (if (first == -1) (first = i)))
(await (go 0) (go 1) (go 2) (go 3))
(gene/sim/always (first != 1) "task 1 is not first")
(gene/sim/sometimes (first == 3) "task 3 can be first")
(println first)
"#;

const STRATEGIES: [&[&str]; 2] = [&["exhaustive"], &["pct", "--seeds", "40"]];

fn program(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn explore(args: &[&str]) -> (String, std::process::Output) {
    let out = gene_trace(&[&["explore"][..], args].concat(), "");
    (text(&out.stdout), out)
}

/// The report's line that starts (after its indent) with `start`, and the
/// one after it.
fn line_and_next(report: &str, start: &str) -> (String, String) {
    let lines: Vec<&str> = report.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.trim_start().starts_with(start))
        .unwrap_or_else(|| panic!("{start:?} in {report}"));
    (
        lines[i].to_string(),
        lines.get(i + 1).unwrap_or(&"").to_string(),
    )
}

#[test]
fn a_failed_always_names_its_place_and_its_first_run_replays_it() {
    let dir = scratch("assert-strat");
    let prog = program(&dir, "race.gene", RACE);
    for strategy in STRATEGIES {
        let exhaustive = strategy[0] == "exhaustive";
        let out_dir = dir.join(format!("out-{}", strategy[0]));
        let out_dir_s = out_dir.display().to_string();
        let args = [
            &[prog.as_str(), "--outcomes-dir", &out_dir_s, "--strategy"][..],
            strategy,
        ]
        .concat();
        let (report, out) = explore(&args);
        assert_eq!(out.status.code(), Some(1), "{strategy:?}: {report}");
        assert!(
            report.contains(
                "assertions: 1 always reached (1 failed), 2 sometimes reached (1 never held), 1 never reached"
            ),
            "{strategy:?}: {report}"
        );
        let (failed, first) = line_and_next(&report, "always failed:");
        assert!(
            failed.contains(&format!("\"alice's withdrawal counts\" at {prog}:9:1")),
            "{failed}"
        );
        let runs = if exhaustive { "schedule" } else { "seed" };
        let label = format!("    first {runs} ");
        assert!(first.starts_with(&label), "{strategy:?}: {first}");
        let (number, command) = first[label.len()..].split_once(": ").unwrap();
        let number: u64 = number.parse().unwrap();
        let schedule = out_dir.join("always-1.schedule");
        assert!(
            command.ends_with(&format!("--schedule-file {}", schedule.display())),
            "{command}"
        );
        assert!(schedule.exists(), "{command}");
        // The first failing run: the first of the outcomes in which bob
        // wrote last (an outcome's every run ends alike).
        let lost = report
            .lines()
            .filter(|l| l.starts_with("  outcome "))
            .zip(report.split("\n  outcome ").skip(1))
            .filter(|(_, body)| body.contains("| balance 50"))
            .map(|(l, _)| {
                let e_g = l.split_once(&format!("e.g. {runs} ")).unwrap().1;
                e_g.split_once(')').unwrap().0.parse::<u64>().unwrap()
            })
            .min();
        assert_eq!(Some(number), lost, "{report}");
        // Its command replays the failing assertion.
        let trace = dir.join(format!("always-{}.jsonl", strategy[0]));
        let trace_s = trace.display().to_string();
        let words = shell_words(command);
        assert_eq!(words[..2], ["gene-trace", "run"], "{command}");
        let mut run_args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        run_args.extend(["--trace", &trace_s]);
        let run = tool(GENE_TRACE, &run_args, "");
        assert_eq!(text(&run.stdout).lines().last(), Some("balance 50"));
        let recorded = std::fs::read_to_string(&trace).unwrap();
        assert!(
            recorded.contains(r#"["as","always",0,"alice's withdrawal counts","9:1"]"#),
            "{command}: {recorded}"
        );
        // Shrunk like any failure (an exhaustive run's seed is the plan's).
        let seed = if exhaustive { 0 } else { number };
        assert!(
            report.contains(&format!(
                "\nshrunk failed always at {prog}:9:1 (seed {seed}): "
            )),
            "{report}"
        );
        // "bob's is lost" held in some run: not reported.
        assert!(!report.contains("bob's is lost"), "{report}");
        let (never, _) = line_and_next(&report, "sometimes never held:");
        assert!(never.contains("\"nothing is lost\""), "{never}");
        let (unreached, _) = line_and_next(&report, "sometimes never reached:");
        assert!(
            unreached.contains(&format!("\"overdrawn\" at {prog}:12:19: no {runs} ran it")),
            "{unreached}"
        );
        // Without --outcomes-dir, the schedule is shown under the command.
        let (shown, _) =
            explore(&[&[prog.as_str(), "--no-shrink", "--strategy"][..], strategy].concat());
        let (_, next) = line_and_next(&shown, "always failed:");
        assert!(
            next.ends_with(" --schedule-file always-1.schedule"),
            "{next}"
        );
        assert!(
            shown.contains("\n    schedule (always-1.schedule):\n    > "),
            "{shown}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_always_that_never_fails_passes() {
    let dir = scratch("assert-strat-ok");
    let ok = RACE.replace("(balance != 50)", "(balance <= 100)");
    let prog = program(&dir, "ok.gene", &ok);
    for strategy in STRATEGIES {
        let (report, out) = explore(&[&[prog.as_str(), "--strategy"][..], strategy].concat());
        assert_eq!(out.status.code(), Some(0), "{strategy:?}: {report}");
        assert!(
            report.contains("assertions: 1 always reached (0 failed), "),
            "{strategy:?}: {report}"
        );
        assert!(!report.contains("always failed"), "{report}");
        assert!(!report.contains("shrunk"), "{report}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn merged_shards_with_assertions_print_the_unsharded_report() {
    let dir = scratch("assert-strat-merge");
    let race = program(&dir, "race.gene", RACE);
    let first = program(&dir, "first.gene", FIRST);
    let cases: [&[&str]; 4] = [
        &[&race, "--strategy", "pct", "--seeds", "60"],
        &[&race, "--strategy", "exhaustive"],
        &[&first, "--strategy", "exhaustive", "--no-reduction"],
        // Stopped by the bound: the tallies are the first 10 schedules'.
        &[
            &first,
            "--strategy",
            "exhaustive",
            "--no-reduction",
            "--max-schedules",
            "10",
        ],
    ];
    for args in cases {
        let (whole, out) = explore(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {whole}");
        assert!(whole.contains("  always failed: "), "{whole}");
        if args.contains(&"10") {
            // Schedules 7 to 10 of the first 10 put task 1 first.
            assert!(
                whole.contains("in 4 of the 10 schedule(s) that reached it"),
                "{whole}"
            );
            assert!(whole.contains("    first schedule 7: "), "{whole}");
            assert!(
                whole.contains("sometimes never held: \"task 3 can be first\""),
                "{whole}"
            );
        }
        for jobs in ["1", "3"] {
            let files: Vec<String> = [2, 3, 1]
                .iter()
                .map(|i| {
                    let path = dir.join(format!("shard-{i}-{jobs}.json"));
                    let path = path.display().to_string();
                    let shard = format!("{i}/3");
                    let extra = [
                        "--shard", &shard, "--jobs", jobs, "--format", "json", "--output", &path,
                    ];
                    let (stdout, out) = explore(&[args, &extra[..]].concat());
                    assert!(stdout.is_empty(), "{stdout}");
                    assert!(
                        matches!(out.status.code(), Some(0 | 1)),
                        "{}",
                        text(&out.stderr)
                    );
                    path
                })
                .collect();
            let mut merge = vec!["--merge"];
            merge.extend(files.iter().map(String::as_str));
            let (merged, merged_out) = explore(&merge);
            assert_eq!(merged, whole, "{args:?} --jobs {jobs}, merged");
            assert_eq!(merged_out.status.code(), Some(1), "{args:?}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// docs/exploring.md's capture of the assertion lines under exhaustive is
/// what the race prints (run as `race.gene` in its directory).
#[test]
fn the_documented_exhaustive_assertion_lines_are_printed() {
    let dir = scratch("assert-strat-doc");
    program(&dir, "race.gene", RACE);
    let doc = std::fs::read_to_string(common::repo_file("docs/exploring.md")).unwrap();
    let block = doc
        .split("```text\n")
        .find(|b| b.contains("first schedule "))
        .and_then(|b| b.split("```").next())
        .expect("the capture in docs/exploring.md");
    let out = std::process::Command::new(GENE_TRACE)
        .args(["explore", "race.gene", "--strategy", "exhaustive"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let report = text(&out.stdout);
    assert!(report.contains(block), "{report}\nthe capture:\n{block}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An exhaustive shard whose schedules' assertion letters disagree with
/// its tallies is refused as damaged (status 1), naming the assertion.
#[test]
fn merge_refuses_a_shard_whose_schedules_disagree_with_its_tallies() {
    let dir = scratch("assert-strat-damaged");
    let race = program(&dir, "race.gene", RACE);
    let path = dir.join("whole.json").display().to_string();
    let (_, out) = explore(&[
        &race,
        "--strategy",
        "exhaustive",
        "--format",
        "json",
        "--output",
        &path,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let good = std::fs::read_to_string(&path).unwrap();
    let v: serde_json::Value = serde_json::from_str(&good).unwrap();
    let letters: Vec<&str> = v["exhaustive"]["schedules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["assertions"].as_str().unwrap())
        .collect();
    // One letter per assertion reached: the always, then the sometimes.
    assert!(letters.iter().any(|l| l.starts_with('f')), "{letters:?}");
    assert!(letters.iter().any(|l| l.starts_with('h')), "{letters:?}");
    let (merged, out) = explore(&["--merge", &path]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(merged.contains("  always failed: "), "{merged}");
    for (from, to, says) in [
        (
            "\"assertions\": \"f",
            "\"assertions\": \"h",
            "its tally is not its schedules'",
        ),
        (
            "\"assertions\": \"f",
            "\"assertions\": \"x",
            "assertions \"x",
        ),
    ] {
        let bad = good.replacen(from, to, 1);
        assert_ne!(bad, good);
        std::fs::write(&path, bad).unwrap();
        let (stdout, out) = explore(&["--merge", &path]);
        assert_eq!(out.status.code(), Some(1), "{stdout}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("a damaged shard file: ") && stderr.contains(says),
            "{stderr}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
