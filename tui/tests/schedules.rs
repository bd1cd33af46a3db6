//! Schedule files (docs/schedules.md): a run's decisions written out and
//! replayed, as a user does it, from the directory holding the program.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{GENE_TRACE, repo_file, scratch, text};

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(GENE_TRACE)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run gene-trace")
}

/// The records after the header (which names the schedule file when one
/// is given).
fn records(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().skip(1).map(str::to_string).collect()
}

/// Records without the state hash of `poll.end` (it mixes in the
/// position of the schedule stream, which a FIFO run does not draw from).
fn without_hashes(records: &[String]) -> Vec<String> {
    records
        .iter()
        // `["pe",DELIVERED,"HASH"]`: the hash is the last field.
        .map(|r| match (r.starts_with("[\"pe\","), r.rfind(',')) {
            (true, Some(i)) => r[..i].to_string(),
            _ => r.clone(),
        })
        .collect()
}

/// Copies repository programs into a fresh directory, under plain names.
fn programs(test: &str, files: &[&str]) -> std::path::PathBuf {
    let dir = scratch(test);
    for f in files {
        let name = Path::new(f).file_name().unwrap();
        std::fs::copy(repo_file(f), dir.join(name)).unwrap();
    }
    dir
}

const PROGRAMS: [&str; 6] = [
    "fixtures/examples/race.gene",
    "fixtures/async/10_same_deadline_fifo.gene",
    "fixtures/async/13_callbacks_and_tasks_in_registration_order.gene",
    "fixtures/async/17_multi_await_timers_in_order.gene",
    "fixtures/async/35_one_future_many_awaiters.gene",
    "fixtures/async/03_concurrent_tasks_sleep_together.gene",
];

#[test]
fn a_seed_and_the_schedule_file_written_from_it_give_the_same_trace() {
    let dir = programs("seed-as-schedule", &PROGRAMS);
    let mut decisions = 0;
    for f in PROGRAMS {
        let name = Path::new(f).file_name().unwrap().to_str().unwrap();
        for seed in 0..12u64 {
            let seed = seed.to_string();
            let common = ["run", name, "--seed", &seed, "--swarm"];
            let a = run_in(
                &dir,
                &[
                    &common[..],
                    &["--schedule", "random", "--trace", "a.jsonl"],
                    &["--write-schedule", "s.schedule"],
                ]
                .concat(),
            );
            let b = run_in(
                &dir,
                &[
                    &common[..],
                    &["--schedule", "random", "--trace", "b.jsonl"],
                    &["--schedule-file", "s.schedule"],
                ]
                .concat(),
            );
            // FIFO with the file: every pick comes from the file.
            let c = run_in(
                &dir,
                &[
                    &common[..],
                    &["--schedule", "fifo", "--trace", "c.jsonl"],
                    &["--schedule-file", "s.schedule"],
                ]
                .concat(),
            );
            let (ra, rb, rc) = (
                records(&dir.join("a.jsonl")),
                records(&dir.join("b.jsonl")),
                records(&dir.join("c.jsonl")),
            );
            assert_eq!(ra, rb, "{name} seed {seed}: random with its own file");
            assert_eq!(
                without_hashes(&ra),
                without_hashes(&rc),
                "{name} seed {seed}: fifo with the random run's file"
            );
            assert_eq!(a.stdout, b.stdout);
            assert_eq!(a.stdout, c.stdout);
            for o in [&b, &c] {
                assert!(
                    !text(&o.stderr).contains("schedule file"),
                    "{name} seed {seed}: the file was followed to its end: {}",
                    text(&o.stderr)
                );
            }
            let file = std::fs::read_to_string(dir.join("s.schedule")).unwrap();
            // Entries are the lines that are not comments, blank, the mode
            // directive or the program's `source` lines.
            let entries = file
                .lines()
                .filter(|l| {
                    !(l.trim().is_empty()
                        || l.starts_with('#')
                        || l.starts_with("source ")
                        || l.starts_with("mode "))
                })
                .count();
            let recorded = ra.iter().filter(|r| r.starts_with("[\"d\",")).count();
            assert_eq!(
                entries, recorded,
                "{name} seed {seed}: one entry per decision record"
            );
            decisions += entries;
        }
    }
    // The property has something to bite on: the runs made choices.
    assert!(decisions > 100, "only {decisions} decisions");
}

#[test]
fn a_fifo_run_with_a_random_runs_file_differs_from_plain_fifo() {
    // The oracle of the test above is not vacuous: for race.gene some seed
    // reorders the withdrawals, which plain FIFO never does.
    let dir = programs("file-changes-fifo", &["fixtures/examples/race.gene"]);
    let fifo = run_in(&dir, &["run", "race.gene"]);
    let flipped = (0..20u64).any(|seed| {
        let seed = seed.to_string();
        run_in(
            &dir,
            &["run", "race.gene", "--seed", &seed, "--schedule", "random"],
        );
        run_in(
            &dir,
            &[
                "run",
                "race.gene",
                "--seed",
                &seed,
                "--schedule",
                "random",
                "--write-schedule",
                "s.schedule",
            ],
        );
        let replayed = run_in(&dir, &["run", "race.gene", "--schedule-file", "s.schedule"]);
        replayed.stdout != fifo.stdout
    });
    assert!(flipped, "no seed's schedule file changed the FIFO run");
}

#[test]
fn a_schedule_file_survives_unrelated_changes_to_the_program() {
    let dir = programs("survives", &["fixtures/examples/race.gene"]);
    // Find a seed where bob withdraws first.
    let seed = (0..50u64)
        .find(|s| {
            let out = run_in(
                &dir,
                &[
                    "run",
                    "race.gene",
                    "--seed",
                    &s.to_string(),
                    "--schedule",
                    "random",
                    "--write-schedule",
                    "s.schedule",
                ],
            );
            text(&out.stdout).starts_with("bob")
        })
        .expect("a seed where bob goes first");
    let original = std::fs::read_to_string(dir.join("race.gene")).unwrap();
    // Unrelated edits: a renamed parameter within a line, an extra task
    // and more output after the race.
    let edited = original
        .replace("[who amount]", "[who amt]")
        .replace("(balance = (seen - amount))", "(balance = (seen - amt))")
        + "(await (async (println \"an unrelated task\")))\n";
    assert_ne!(edited, original);
    std::fs::write(dir.join("race.gene"), edited).unwrap();
    let replayed = run_in(&dir, &["run", "race.gene", "--schedule-file", "s.schedule"]);
    let out = text(&replayed.stdout);
    assert!(
        out.starts_with("bob"),
        "seed {seed}'s order is kept after the edit: {out}"
    );
    assert!(out.contains("an unrelated task"), "{out}");
    assert!(
        !text(&replayed.stderr).contains("left the schedule file"),
        "{}",
        text(&replayed.stderr)
    );
    // An edit that moves every line: the file's `source` lines carry the
    // keys to where their lines went, and the note says so.
    let now = std::fs::read_to_string(dir.join("race.gene")).unwrap();
    let moved = format!("(println \"a new first line\")\n{now}");
    std::fs::write(dir.join("race.gene"), moved).unwrap();
    let replayed = run_in(&dir, &["run", "race.gene", "--schedule-file", "s.schedule"]);
    let (out, err) = (text(&replayed.stdout), text(&replayed.stderr));
    assert!(
        out.starts_with("a new first line\nbob"),
        "seed {seed}'s order is kept after the lines moved: {out}"
    );
    assert!(!err.contains("left the schedule file"), "{err}");
    assert!(
        err.contains(
            "note: the program changed since s.schedule was written: race.gene:7 is now race.gene:8"
        ),
        "{err}"
    );
}

#[test]
fn a_run_that_leaves_its_file_says_where_and_goes_on_with_the_seed() {
    let dir = programs("leaves", &["fixtures/examples/race.gene"]);
    std::fs::write(
        dir.join("s.schedule"),
        "# gene-trace schedule 1\ntask nobody@race.gene:99\n",
    )
    .unwrap();
    let out = run_in(&dir, &["run", "race.gene", "--schedule-file", "s.schedule"]);
    assert!(out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("note: left the schedule file at line 2, after 0 decisions: it names task nobody@race.gene:99, the run offers timer sleep@race.gene:7, sleep@race.gene:7#2"),
        "{err}"
    );
    // FIFO goes on: the same output as without the file.
    let plain = run_in(&dir, &["run", "race.gene"]);
    assert_eq!(out.stdout, plain.stdout);
    // A file with decisions the run never reaches says so too.
    std::fs::write(
        dir.join("long.schedule"),
        "timer sleep@race.gene:7#2\n".repeat(9),
    )
    .unwrap();
    let out = run_in(
        &dir,
        &["run", "race.gene", "--schedule-file", "long.schedule"],
    );
    let err = text(&out.stderr);
    assert!(
        err.contains("note: left the schedule file at line "),
        "{err}"
    );
}

#[test]
fn bad_schedule_files_and_options_are_clear_errors() {
    let dir = programs("bad", &["fixtures/examples/race.gene"]);
    std::fs::write(dir.join("bad.schedule"), "task a\nfail read@x:1 maybe\n").unwrap();
    let out = run_in(
        &dir,
        &["run", "race.gene", "--schedule-file", "bad.schedule"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr).trim_end(),
        "error: expected `yes` or `no`\n --> bad.schedule:2:15\n  |\n2 | fail read@x:1 maybe\n  |               ^"
    );
    let out = run_in(
        &dir,
        &["run", "race.gene", "--schedule-file", "missing.schedule"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read missing.schedule"));
    let out = run_in(&dir, &["run", "race.gene", "--schedule-file", "."]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let out = run_in(
        &dir,
        &[
            "run",
            "race.gene",
            "--real",
            "--schedule-file",
            "bad.schedule",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("need the simulation"),
        "{}",
        text(&out.stderr)
    );
    let out = run_in(&dir, &["run", "race.gene", "--write-schedule", "race.gene"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read(dir.join("race.gene")).unwrap(),
        std::fs::read(repo_file("fixtures/examples/race.gene")).unwrap(),
        "the program is not overwritten"
    );
}
