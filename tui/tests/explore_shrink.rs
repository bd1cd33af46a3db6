//! Shrinking (docs/exploring.md, "Shrinking"): `explore` reduces the first
//! failing run of each kind to the few decisions that make it fail, writes
//! them as a sparse schedule file, and the file replays the failure, also
//! after unrelated edits to the program.

mod common;
use common::{scratch, text};
use std::path::Path;
use std::process::{Command, Output};

const GENE_TRACE: &str = env!("CARGO_BIN_EXE_gene-trace");

/// Ten workers wake at one instant and save a file each; the `always`
/// fails only when worker 7 runs before worker 2 and worker 4's save
/// fails: two specific decisions among dozens.
const TEN: &str = r#"(var two_done false)
(var seven_first false)
(var four_failed false)
(fn ^^async worker [id]
  (await (gene/sleep_async 10))
  (if (id == 2) (two_done = true))
  (if (id == 7) (seven_first = (not two_done)))
  (try
    (await (gene/io/write_async #"out-#{id}.txt" "saved"))
  catch *
    (if (id == 4) (four_failed = true)))
  id)
(var tasks [])
(for i in (1 .. 10)
  (tasks = [tasks... (worker i)]))
(for t in tasks (await t))
(gene/sim/always (not (seven_first && four_failed)) "worker 4's save survives worker 7 going first")
(println "done")
"#;

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(GENE_TRACE)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run gene-trace")
}

/// The report's lines after `prefix`, for the first shrunk failure.
fn field<'a>(report: &'a str, prefix: &str) -> &'a str {
    report
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` in:\n{report}"))
}

/// The entries of a schedule file (not comments, `mode` or `source`).
fn entries(file: &str) -> Vec<&str> {
    file.lines()
        .filter(|l| {
            !(l.trim().is_empty()
                || l.starts_with('#')
                || l.starts_with("mode ")
                || l.starts_with("source "))
        })
        .collect()
}

/// Whether the trace at `path` has the ten-worker `always` failing.
fn always_failed(path: &Path) -> bool {
    gene_sim::trace::read::read_file(path)
        .unwrap()
        .records
        .iter()
        .any(|r| &*r.kind == "assertion" && r.bool("held") == Some(false))
}

/// Runs the report's `replay:` command in `dir` (it names the program and
/// the files relative to it).
fn replay(dir: &Path, report: &str) -> Output {
    let command = field(report, "    replay: ");
    let words: Vec<&str> = command.split(' ').collect();
    assert_eq!(words[0], "gene-trace", "{command}");
    run_in(dir, &words[1..])
}

#[test]
fn a_ten_task_failure_with_faults_shrinks_to_two_decisions_that_replay_after_edits() {
    let dir = scratch("shrink-ten");
    std::fs::write(dir.join("ten.gene"), TEN).unwrap();
    let args = [
        "explore",
        "ten.gene",
        "--seeds",
        "300",
        "--fail-probability",
        "0.2",
    ];
    let out = run_in(&dir, &args);
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    let head = field(&report, "shrunk failed always at ten.gene:17:1 (seed ");
    // The failing run had many non-default decisions; two are left.
    let sizes: Vec<usize> = head
        .split(": ")
        .nth(1)
        .unwrap()
        .split(" non-default")
        .next()
        .unwrap()
        .split(" -> ")
        .map(|n| n.parse().unwrap())
        .collect();
    assert!(sizes[0] > 10, "{head}");
    assert!(*sizes.last().unwrap() <= 2, "{head}");
    let schedule = field(&report, "    schedule: ");
    let file = std::fs::read_to_string(dir.join(schedule)).unwrap();
    assert!(file.contains("mode sparse\n"), "{file}");
    assert!(entries(&file).len() <= 2, "{file}");
    assert!(
        entries(&file).iter().any(|e| e.starts_with("fail ")),
        "the fault is one of them: {file}"
    );
    let why = field(&report, "    why: ");
    assert!(why.contains("failed (an injected fault)"), "{why}");

    // The replay fails the same way.
    let traced = dir.join(schedule.replace(".schedule", ".jsonl"));
    let again = replay(&dir, &report);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(always_failed(&traced), "{}", text(&again.stderr));
    assert!(
        !text(&again.stderr).contains("schedule file"),
        "every entry was taken: {}",
        text(&again.stderr)
    );

    // Unrelated edits: a println at the top moves every line, a new task
    // adds picks and operations. The file still replays the failure.
    let edited = format!(
        "(println \"a new first line\")\n\
         (var other (async (do (await (gene/sleep_async 10)) (println \"unrelated\"))))\n\
         {TEN}(await other)\n"
    );
    std::fs::write(dir.join("ten.gene"), edited).unwrap();
    std::fs::remove_file(&traced).unwrap();
    let edited_run = replay(&dir, &report);
    let (stdout, stderr) = (text(&edited_run.stdout), text(&edited_run.stderr));
    assert!(stdout.contains("unrelated"), "{stdout}");
    assert!(stderr.contains("the program changed since"), "{stderr}");
    assert!(always_failed(&traced), "after the edits: {stderr}");

    // Without the edits' help the file would not have matched: the same
    // file with its `source` lines taken out no longer fails.
    let bare: String = file
        .lines()
        .filter(|l| !l.starts_with("source "))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.join("bare.schedule"), bare).unwrap();
    std::fs::remove_file(&traced).unwrap();
    let command = field(&report, "    replay: ").replace(schedule, "bare.schedule");
    let words: Vec<&str> = command.split(' ').collect();
    run_in(&dir, &words[1..]);
    assert!(!always_failed(&traced), "the relocation is what kept it");
}

#[test]
fn shrinking_is_deterministic_and_no_shrink_turns_it_off() {
    let dir = scratch("shrink-det");
    std::fs::write(dir.join("ten.gene"), TEN).unwrap();
    let args = [
        "explore",
        "ten.gene",
        "--seeds",
        "120",
        "--fail-probability",
        "0.2",
    ];
    let first = run_in(&dir, &args);
    let file = std::fs::read(dir.join("ten.shrunk-1.schedule")).unwrap();
    std::fs::remove_file(dir.join("ten.shrunk-1.schedule")).unwrap();
    let second = run_in(&dir, &[&args[..], &["--jobs", "1"]].concat());
    assert_eq!(text(&first.stdout), text(&second.stdout));
    assert_eq!(
        file,
        std::fs::read(dir.join("ten.shrunk-1.schedule")).unwrap()
    );
    std::fs::remove_file(dir.join("ten.shrunk-1.schedule")).unwrap();

    let off = run_in(&dir, &[&args[..], &["--no-shrink"]].concat());
    assert_eq!(off.status.code(), Some(1));
    assert!(
        !text(&off.stdout).contains("shrunk"),
        "{}",
        text(&off.stdout)
    );
    assert!(!dir.join("ten.shrunk-1.schedule").exists());
    // The shrunk section is all --no-shrink takes away.
    let without: String = text(&first.stdout)
        .split_inclusive('\n')
        .filter(|l| !l.starts_with("shrunk ") && !l.starts_with("    schedule: "))
        .filter(|l| !l.starts_with("    replay: ") && !l.starts_with("    why: "))
        .collect();
    assert_eq!(without, text(&off.stdout));
}

#[test]
fn shrunk_schedules_go_to_the_outcomes_directory_and_bad_bounds_are_refused() {
    let dir = scratch("shrink-dir");
    std::fs::write(dir.join("ten.gene"), TEN).unwrap();
    let out = run_in(
        &dir,
        &[
            "explore",
            "ten.gene",
            "--seeds",
            "100",
            "--fail-probability",
            "0.2",
            "--outcomes-dir",
            "out",
        ],
    );
    let report = text(&out.stdout);
    assert_eq!(
        field(&report, "    schedule: "),
        "out/ten.shrunk-1.schedule"
    );
    assert!(dir.join("out/ten.shrunk-1.schedule").is_file());
    assert!(!dir.join("ten.shrunk-1.schedule").exists());
    for bad in ["0", "-1", "ten", "86401"] {
        let flag = format!("--shrink-time={bad}");
        let out = run_in(&dir, &["explore", "ten.gene", &flag]);
        assert_eq!(out.status.code(), Some(2), "--shrink-time {bad}");
        assert!(
            text(&out.stderr).contains("--shrink-time"),
            "{}",
            text(&out.stderr)
        );
    }
}
