//! `gene-trace explore --strategy random|pct|exhaustive` as a user runs
//! it. The oracles come from outside the strategy under test: what
//! thousands of random seeds find, the permutations of independent prints,
//! the unsharded or single-job exploration, and `gene-trace run` replaying
//! each reported schedule.

mod common;
use std::collections::BTreeSet;

use common::{GENE_TRACE, gene_trace, repo_file, scratch, shell_words, text, tool};

/// Fails with the first line where two reports differ.
fn same(got: &str, want: &str, what: &str) {
    if got != want {
        let at = got.lines().zip(want.lines()).position(|(a, b)| a != b);
        let line = |r: &str| at.and_then(|i| r.lines().nth(i)).unwrap_or("").to_string();
        panic!(
            "{what}: reports differ at line {at:?}:\n  got:  {}\n  want: {}\n({} vs {} lines)",
            line(got),
            line(want),
            got.lines().count(),
            want.lines().count()
        );
    }
}

fn explore(args: &[&str]) -> (String, std::process::Output) {
    let out = gene_trace(&[&["explore"][..], args].concat(), "");
    (text(&out.stdout), out)
}

/// An outcome as a `--full` report shows it: its result and its output.
type Shown = (String, Vec<String>);

/// The outcomes of a `--full` report, in report order.
fn outcomes(report: &str) -> Vec<Shown> {
    let mut list: Vec<Shown> = Vec::new();
    for l in report.lines() {
        if let Some(rest) = l.strip_prefix("  outcome ") {
            let result = rest.split_once("): ").unwrap().1;
            let result = result.rsplit_once("  [").unwrap().0.to_string();
            list.push((result, Vec::new()));
        } else if let Some(line) = l.strip_prefix("    | ") {
            list.last_mut().unwrap().1.push(line.to_string());
        }
    }
    list
}

fn outcome_set(report: &str) -> BTreeSet<Shown> {
    outcomes(report).into_iter().collect()
}

/// The schedules (or seeds) the report's first line says were run.
fn runs(report: &str) -> u64 {
    let first = report.lines().next().unwrap();
    let n = first.strip_prefix("explored ").unwrap().split(' ').next();
    n.unwrap().parse().unwrap()
}

/// The per-outcome counts: `(N schedules, ...` / `(N seeds, ...`.
fn counts(report: &str) -> Vec<u64> {
    report
        .lines()
        .filter_map(|l| l.strip_prefix("  outcome "))
        .map(|l| {
            let n = l.split_once(" (").unwrap().1.split(' ').next();
            n.unwrap().parse().unwrap()
        })
        .collect()
}

/// Writes `text` to `dir/name`; its path.
fn program(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// Three read-modify-writes spanning awaits at overlapping instants, no
/// I/O (no fault can touch it): several outcomes, all from the order.
const THREE: &str = r#"
(var balance 100)
(fn ^^async withdraw [who amount first second]
  (await (gene/sleep_async first))
  (var seen balance)
  (await (gene/sleep_async second))
  (balance = (seen - amount))
  (println who "withdrew" amount "leaving" balance))
(await (withdraw "alice" 30 10 5) (withdraw "bob" 50 15 5) (withdraw "carol" 10 10 10))
(println "balance" balance)
"#;

/// `k` tasks that each print their own line after the same sleep.
fn printers(k: usize) -> String {
    let mut p = String::from(
        "(fn ^^async say [who]\n  (await (gene/sleep_async 5))\n  (println who))\n(await",
    );
    for i in 0..k {
        p.push_str(&format!(" (say \"task-{i}\")"));
    }
    p.push_str(")\n");
    p
}

/// `k` tasks that share nothing and print nothing.
fn quiet(k: usize) -> String {
    let mut p = String::from(
        "(fn ^^async idle [n]\n  (var x n)\n  (await (gene/sleep_async 5))\n  (x = (x + 1)))\n(await",
    );
    for i in 0..k {
        p.push_str(&format!(" (idle {i})"));
    }
    p.push_str(")\n");
    p
}

#[test]
fn exhaustive_finds_what_two_thousand_random_seeds_find() {
    let dir = scratch("strat-vs-random");
    let race = repo_file("fixtures/examples/race.gene");
    let three = program(&dir, "three.gene", THREE);
    let random = |args: &[&str]| {
        let (report, out) = explore(
            &[
                args,
                &["--seeds", "2000", "--schedule", "random", "--full"][..],
            ]
            .concat(),
        );
        assert_eq!(runs(&report), 2000, "{report}{}", text(&out.stderr));
        outcome_set(&report)
    };
    let exhaustive = |args: &[&str]| {
        let (report, out) = explore(&[args, &["--strategy", "exhaustive", "--full"][..]].concat());
        assert!(report.contains("explored all "), "{report}");
        // The report's counts agree with themselves: every schedule run is
        // in one outcome, and the outcome count is the outcomes listed.
        let counts = counts(&report);
        assert_eq!(counts.iter().sum::<u64>(), runs(&report), "{report}");
        assert!(
            report.contains(&format!("{} distinct outcome(s):", counts.len())),
            "{report}"
        );
        assert!(
            report.contains(&format!("explored all {} schedules (", runs(&report))),
            "{report}"
        );
        assert!(
            text(&out.stderr).contains(" schedules/s)"),
            "{}",
            text(&out.stderr)
        );
        outcome_set(&report)
    };

    // race.gene without faults: random seeds draw swarm fault plans, so
    // its fault-free outcomes are the ones whose save was not failed.
    let found = exhaustive(&[&race]);
    let fault_free: BTreeSet<Shown> = random(&[&race])
        .into_iter()
        .filter(|(_, lines)| !lines.iter().any(|l| l.contains("injected fault")))
        .collect();
    assert_eq!(found, fault_free);
    let first_lines: BTreeSet<&str> = found.iter().map(|(_, l)| l[0].as_str()).collect();
    assert_eq!(
        first_lines.len(),
        2,
        "both orders of the withdrawals: {found:?}"
    );

    // With the save failed on every run, the swarm plans change nothing:
    // the two strategies see the same faults, and only the order differs.
    let failing = [race.as_str(), "--fail-path", "balance.txt"];
    assert_eq!(exhaustive(&failing), random(&failing));

    // No I/O at all: nothing but the order can differ.
    let found = exhaustive(&[&three]);
    assert!(found.len() > 2, "{found:?}");
    assert_eq!(found, random(&[&three]));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn no_reduction_runs_more_schedules_and_finds_the_same_outcomes() {
    let dir = scratch("strat-no-reduction");
    let race = repo_file("fixtures/examples/race.gene");
    let three = program(&dir, "three.gene", THREE);
    let four = program(&dir, "four.gene", &printers(4));
    for file in [&race, &three, &four] {
        let (reduced, _) = explore(&[file, "--strategy", "exhaustive", "--full"]);
        let (every, _) = explore(&[file, "--strategy", "exhaustive", "--full", "--no-reduction"]);
        assert!(reduced.contains("partial-order reduction)"), "{reduced}");
        assert!(every.contains("no reduction)"), "{every}");
        assert!(every.contains("(0 pruned as equivalent)"), "{every}");
        assert!(runs(&every) >= runs(&reduced), "{file}: {every}{reduced}");
        assert_eq!(outcome_set(&every), outcome_set(&reduced), "{file}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every order of `items`.
fn permutations(items: &[String]) -> Vec<Vec<String>> {
    if items.is_empty() {
        return vec![Vec::new()];
    }
    let mut all = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut p in permutations(&rest) {
            p.insert(0, first.clone());
            all.push(p);
        }
    }
    all
}

#[test]
fn every_print_order_of_independent_tasks_is_an_outcome() {
    let dir = scratch("strat-orders");
    let k = 4;
    let file = program(&dir, "printers.gene", &printers(k));
    let (report, out) = explore(&[&file, "--strategy", "exhaustive", "--full"]);
    assert_eq!(out.status.code(), Some(0), "{report}");
    let lines: Vec<String> = (0..k).map(|i| format!("task-{i}")).collect();
    let want: BTreeSet<Shown> = permutations(&lines)
        .into_iter()
        .map(|p| ("ok".to_string(), p))
        .collect();
    assert_eq!(want.len(), 24, "4!");
    let got = outcome_set(&report);
    assert_eq!(got, want, "{report}");
    assert_eq!(outcomes(&report).len(), 24, "each order once: {report}");
    assert!(report.contains("explored all "), "{report}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn reduction_prunes_the_orders_of_tasks_that_share_nothing() {
    let dir = scratch("strat-quiet");
    let file = program(&dir, "quiet.gene", &quiet(4));
    let (reduced, _) = explore(&[&file, "--strategy", "exhaustive"]);
    let (every, _) = explore(&[&file, "--strategy", "exhaustive", "--no-reduction"]);
    for report in [&reduced, &every] {
        assert!(report.contains("explored all "), "{report}");
        assert!(report.contains("1 distinct outcome(s):"), "{report}");
        assert_eq!(outcomes(report).len(), 1, "{report}");
    }
    // Without reduction every order of the 4 starts and of the 4 wake-ups
    // is run: at least 4! of them.
    assert!(runs(&every) >= 24, "{every}");
    assert!(
        runs(&reduced) * 10 <= runs(&every),
        "far fewer: {} vs {}",
        runs(&reduced),
        runs(&every)
    );
    assert!(!reduced.contains("(0 pruned as equivalent)"), "{reduced}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn exhaustive_results_do_not_depend_on_jobs_or_shards() {
    let dir = scratch("strat-jobs");
    let race = repo_file("fixtures/examples/race.gene");
    let three = program(&dir, "three.gene", THREE);
    let four = program(&dir, "four.gene", &printers(4));
    // Two schedules in all: with 3 shards or more, some path belongs to
    // several shards, and only its first may count it.
    let pair = program(&dir, "two.gene", &printers(2));
    for file in [&race, &three, &four, &pair] {
        for reduction in [&[][..], &["--no-reduction"][..]] {
            let args = [
                &[file.as_str(), "--strategy", "exhaustive", "--full"][..],
                reduction,
            ]
            .concat();
            let (whole, _) = explore(&[&args[..], &["--jobs", "1"]].concat());
            let (two, _) = explore(&[&args[..], &["--jobs", "2"]].concat());
            same(&two, &whole, &format!("--jobs 2 {args:?}"));
            let want = outcome_set(&whole);
            for n in [2u64, 3, 5] {
                let mut union = BTreeSet::new();
                let mut sum = 0;
                for i in 1..=n {
                    let shard = format!("{i}/{n}");
                    let (part, _) =
                        explore(&[&args[..], &["--shard", &shard, "--jobs", "2"]].concat());
                    assert!(part.contains(&format!("shard {shard}, ")), "{part}");
                    assert!(part.contains("explored all "), "{part}");
                    sum += runs(&part);
                    union.extend(outcome_set(&part));
                }
                assert_eq!(union, want, "{args:?} in {n} shards");
                assert_eq!(sum, runs(&whole), "{args:?} in {n} shards");
            }
        }
    }
    // Stopped by the bound, the schedules run are still the first ones in
    // depth-first order, whatever the jobs (and the threads' timing: each
    // bounded run is repeated).
    let quiet = program(&dir, "quiet.gene", &quiet(4));
    let bounded: [(&str, &[&str], u64); 4] = [
        (&four, &["--no-reduction"], 100),
        (&three, &[], 5),
        (&quiet, &[], 5),
        (&race, &[], 2),
    ];
    for (file, flags, max) in bounded {
        let max_s = max.to_string();
        let args = [
            &[file, "--strategy", "exhaustive", "--max-schedules", &max_s][..],
            flags,
        ]
        .concat();
        let (one, _) = explore(&[&args[..], &["--jobs", "1"]].concat());
        assert!(one.contains("not every schedule was explored"), "{one}");
        assert_eq!(runs(&one), max, "{one}");
        for jobs in ["2", "2", "2", "3"] {
            let (other, _) = explore(&[&args[..], &["--jobs", jobs]].concat());
            same(&other, &one, &format!("--jobs {jobs} {args:?}"));
        }
    }
    // A bound of exactly the schedules there are stops nothing, whatever
    // the jobs.
    let (all, _) = explore(&[&three, "--strategy", "exhaustive"]);
    let total = runs(&all).to_string();
    for jobs in ["1", "2", "2", "2", "3"] {
        let args = [
            &three,
            "--strategy",
            "exhaustive",
            "--max-schedules",
            &total,
            "--jobs",
            jobs,
        ];
        let (exact, _) = explore(&args);
        same(&exact, &all, &format!("{args:?}"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The shards `--shard i/n` of `args` as `--format json` files in `dir`,
/// in the order given (shards merge in any order); their paths.
fn shard_files(dir: &std::path::Path, args: &[&str], order: &[u64]) -> Vec<String> {
    let n = order.len();
    order
        .iter()
        .map(|i| {
            let path = dir.join(format!("shard-{i}.json")).display().to_string();
            let shard = format!("{i}/{n}");
            let extra = ["--shard", &shard, "--format", "json", "--output", &path];
            let (stdout, out) = explore(&[args, &extra[..]].concat());
            assert!(stdout.is_empty(), "{stdout}");
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "{}",
                text(&out.stderr)
            );
            path
        })
        .collect()
}

#[test]
fn merged_pct_and_exhaustive_shards_print_the_unsharded_report() {
    let dir = scratch("strat-merge");
    let race = repo_file("fixtures/examples/race.gene");
    let three = program(&dir, "three.gene", THREE);
    let four = program(&dir, "four.gene", &printers(4));
    // Every order but the first fails, in every shard: the merge keeps the
    // shrink of the first failing schedule in depth-first order (another
    // shard's, shrunk from more decisions, says `2 -> 1`).
    let expected = "# Expected: alice withdrew 30 leaving 70\n# Expected: carol withdrew 10 leaving 90\n# Expected: bob withdrew 50 leaving 50\n# Expected: balance 50\n";
    let strict = program(&dir, "strict.gene", &format!("{THREE}{expected}"));
    let cases: [&[&str]; 8] = [
        &[&race, "--strategy", "pct", "--seeds", "90"],
        &[&strict, "--strategy", "exhaustive"],
        &[
            &three,
            "--strategy",
            "pct",
            "--depth",
            "3",
            "--seeds",
            "40",
            "--seed",
            "5",
        ],
        &[&race, "--strategy", "exhaustive"],
        &[&three, "--strategy", "exhaustive", "--full"],
        &[&four, "--strategy", "exhaustive", "--no-reduction"],
        // Stopped by the bound: the first 5 (or 100) of all the shards'.
        &[&three, "--strategy", "exhaustive", "--max-schedules", "5"],
        &[
            &four,
            "--strategy",
            "exhaustive",
            "--no-reduction",
            "--max-schedules",
            "100",
        ],
    ];
    for args in cases {
        let (whole, out) = explore(args);
        assert!(whole.matches("  outcome ").count() > 1, "{whole}");
        let files = shard_files(&dir, args, &[2, 3, 1]);
        // A shard's file does not depend on its jobs (exhaustive joins
        // them).
        for jobs in ["1", "3"] {
            let again = dir.join(format!("jobs-{jobs}"));
            std::fs::create_dir_all(&again).unwrap();
            let other = shard_files(&again, &[args, &["--jobs", jobs][..]].concat(), &[2, 3, 1]);
            for (a, b) in files.iter().zip(&other) {
                let same = std::fs::read(a).unwrap() == std::fs::read(b).unwrap();
                assert!(same, "{args:?} --jobs {jobs}: {b} differs from {a}");
            }
        }
        let mut merge = vec!["--merge"];
        merge.extend(files.iter().map(String::as_str));
        let (merged, merged_out) = explore(&merge);
        same(&merged, &whole, &format!("{args:?} merged"));
        assert_eq!(merged_out.status.code(), out.status.code(), "{args:?}");
        if args[0] == strict {
            assert!(
                whole.contains("\nshrunk unexpected output (seed 0): 1 non-default"),
                "{whole}"
            );
        }
        if args[0] == race {
            // race.gene breaks its # Expected: lines: shrunk, like the run.
            assert_eq!(out.status.code(), Some(1), "{whole}");
            assert!(whole.contains("\nshrunk unexpected output"), "{whole}");
        }
        if args.contains(&"exhaustive") {
            let ends = ["explored all ", "stopped by --max-schedules "];
            assert!(ends.iter().any(|e| whole.contains(e)), "{whole}");
            // The shards split the schedules (each runs up to the bound of
            // its own).
            let shard_runs: Vec<u64> = files
                .iter()
                .map(|f| {
                    let v: serde_json::Value =
                        serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
                    v["summary"]["runs"].as_u64().unwrap()
                })
                .collect();
            assert!(
                shard_runs
                    .iter()
                    .all(|&r| r < runs(&whole) || whole.contains("stopped by")),
                "{args:?}: {shard_runs:?}"
            );
            assert!(
                shard_runs.iter().sum::<u64>() >= runs(&whole),
                "{args:?}: {shard_runs:?}"
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn merged_shards_write_the_outcome_and_shrunk_schedules_of_the_run() {
    let dir = scratch("strat-merge-files");
    let race = repo_file("fixtures/examples/race.gene");
    let out_dir = dir.join("out");
    let out_dir_s = out_dir.display().to_string();
    let files_of = |d: &std::path::Path| -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        all.sort();
        all
    };
    for strategy in [&["pct", "--seeds", "60"][..], &["exhaustive"]] {
        let args = [
            &[race.as_str(), "--outcomes-dir", &out_dir_s, "--strategy"][..],
            strategy,
        ]
        .concat();
        let (whole, _) = explore(&args);
        let want = files_of(&out_dir);
        assert!(
            want.iter().any(|(n, _)| n == "race.shrunk-1.schedule"),
            "{want:?}"
        );
        assert!(
            want.iter().any(|(n, _)| n == "outcome-2.schedule"),
            "{want:?}"
        );
        std::fs::remove_dir_all(&out_dir).unwrap();
        let files = shard_files(&dir, &args, &[1, 2, 3]);
        // The shards write no outcome files: their numbers would be the
        // shard's, not the report's.
        assert!(!out_dir.exists(), "{:?}", files_of(&out_dir));
        let mut merge = vec!["--merge"];
        merge.extend(files.iter().map(String::as_str));
        let (merged, _) = explore(&merge);
        same(&merged, &whole, &format!("{strategy:?}"));
        assert_eq!(files_of(&out_dir), want, "{strategy:?}");
        std::fs::remove_dir_all(&out_dir).unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn max_schedules_stops_and_says_not_every_schedule_was_explored() {
    let race = repo_file("fixtures/examples/race.gene");
    let (all, _) = explore(&[&race, "--strategy", "exhaustive"]);
    let total = runs(&all);
    assert!(total > 2, "{all}");
    let (stopped, out) = explore(&[&race, "--strategy", "exhaustive", "--max-schedules", "2"]);
    assert_eq!(runs(&stopped), 2, "{stopped}");
    assert_eq!(counts(&stopped).iter().sum::<u64>(), 2, "{stopped}");
    assert!(
        stopped.contains(
            "stopped by --max-schedules 2: the first 2 schedules run, 2 distinct outcomes so far; not every schedule was explored"
        ),
        "{stopped}"
    );
    assert!(!stopped.contains("explored all"), "{stopped}");
    assert!(
        text(&out.stderr).contains("explore: 2 schedules in "),
        "{}",
        text(&out.stderr)
    );
    // A bound of exactly the schedules there are stops nothing.
    let exact = total.to_string();
    let (bounded, _) = explore(&[&race, "--strategy", "exhaustive", "--max-schedules", &exact]);
    assert!(
        bounded.contains(&format!("explored all {total} schedules")),
        "{bounded}"
    );
    assert!(!bounded.contains("not every schedule"), "{bounded}");
}

/// Runs each outcome's `reproduce:` command: it prints that outcome's
/// whole output (DIR/outcome-K.txt) and exits as the outcome ended.
fn check_reproduce(report: &str, dir: &std::path::Path) {
    let commands: Vec<&str> = report
        .lines()
        .filter_map(|l| l.strip_prefix("    reproduce: "))
        .collect();
    assert_eq!(commands.len(), outcomes(report).len(), "{report}");
    assert!(!commands.is_empty(), "{report}");
    for (k, command) in commands.iter().enumerate() {
        let schedule = dir.join(format!("outcome-{}.schedule", k + 1));
        assert!(
            command.ends_with(&format!("--schedule-file {}", schedule.display())),
            "{command}"
        );
        assert!(schedule.exists(), "{command}");
        let words = shell_words(command);
        assert_eq!(words[0], "gene-trace");
        let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        let run = tool(GENE_TRACE, &args, "");
        let want = std::fs::read_to_string(dir.join(format!("outcome-{}.txt", k + 1))).unwrap();
        assert_eq!(text(&run.stdout), want, "{command}: {}", text(&run.stderr));
        assert_eq!(
            run.status.code(),
            Some(0),
            "{command}: {}",
            text(&run.stderr)
        );
    }
}

#[test]
fn pct_finds_both_orders_reproducibly_and_each_outcome_replays() {
    let dir = scratch("strat-pct");
    let race = repo_file("fixtures/examples/race.gene");
    let out_dir = dir.join("out");
    let out_dir_s = out_dir.display().to_string();
    let args = [
        race.as_str(),
        "--strategy",
        "pct",
        "--depth",
        "2",
        "--seeds",
        "200",
        "--outcomes-dir",
        &out_dir_s,
    ];
    let (report, out) = explore(&args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "some outcomes break # Expected:"
    );
    assert!(
        report.contains("pct: depth 2, change points among the first "),
        "{report}"
    );
    assert_eq!(runs(&report), 200, "{report}");
    let mut first_lines = BTreeSet::new();
    for k in 1..=outcomes(&report).len() {
        let output = std::fs::read_to_string(out_dir.join(format!("outcome-{k}.txt"))).unwrap();
        first_lines.insert(output.lines().next().unwrap().to_string());
    }
    assert_eq!(
        first_lines,
        BTreeSet::from([
            "alice withdrew 30 leaving 70".to_string(),
            "bob withdrew 50 leaving 50".to_string()
        ]),
        "{report}"
    );
    let (again, _) = explore(&args);
    same(&again, &report, "pct twice");
    check_reproduce(&report, &out_dir);
    // Exhaustive outcomes replay alike.
    let ex_dir = dir.join("ex");
    let ex_dir_s = ex_dir.display().to_string();
    let three = program(&dir, "three.gene", THREE);
    let (report, _) = explore(&[
        &three,
        "--strategy",
        "exhaustive",
        "--outcomes-dir",
        &ex_dir_s,
    ]);
    check_reproduce(&report, &ex_dir);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn strategy_flags_that_do_not_apply_are_refused() {
    let race = repo_file("fixtures/examples/race.gene");
    let cases: &[(&[&str], &str)] = &[
        (&["--depth", "2"], "--depth and --steps need --strategy pct"),
        (&["--steps", "4"], "--depth and --steps need --strategy pct"),
        (
            &["--strategy", "exhaustive", "--depth", "2"],
            "need --strategy pct",
        ),
        (
            &["--strategy", "exhaustive", "--steps", "2"],
            "need --strategy pct",
        ),
        (&["--max-schedules", "2"], "need --strategy exhaustive"),
        (&["--no-reduction"], "need --strategy exhaustive"),
        (
            &["--strategy", "pct", "--max-schedules", "2"],
            "need --strategy exhaustive",
        ),
        (
            &["--strategy", "pct", "--no-reduction"],
            "need --strategy exhaustive",
        ),
        (
            &["--strategy", "pct", "--depth", "0"],
            "'--depth <D>': 0 is not in 1..=64",
        ),
        (
            &["--strategy", "pct", "--steps", "0"],
            "'--steps <K>': 0 is not in",
        ),
        (
            &["--strategy", "pct", "--depth", "1", "--steps", "4"],
            "--depth 1 has none",
        ),
        (
            &["--strategy", "exhaustive", "--swarm"],
            "--swarm makes no sense with --strategy exhaustive",
        ),
        (
            &["--strategy", "exhaustive", "--max-schedules", "0"],
            "'--max-schedules <N>': 0 is not in",
        ),
        (
            &["--strategy", "exhaustive", "--seeds", "5"],
            "--seeds makes no sense with --strategy exhaustive",
        ),
        (
            &["--strategy", "pct", "--schedule", "random"],
            "--schedule is for --strategy random",
        ),
        (
            &["--strategy", "exhaustive", "--schedule", "fifo"],
            "--schedule is for --strategy random",
        ),
        (
            &["--strategy", "sideways"],
            "[possible values: random, pct, exhaustive]",
        ),
    ];
    for (flags, message) in cases {
        let out = gene_trace(&[&["explore", race.as_str()][..], flags].concat(), "");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {err}");
        assert!(err.starts_with("error: "), "{flags:?}: {err}");
        assert!(err.contains(message), "{flags:?}: {message} in {err}");
        assert!(out.stdout.is_empty(), "{flags:?}");
    }
}
