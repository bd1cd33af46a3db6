//! Shrinking a failing run to the few decisions that make it fail
//! (docs/exploring.md, "Shrinking").
//!
//! The model:
//!
//! - A run is its configuration (the seed's swarm plan and the flags) and
//!   its list of decisions (`gene_sim::decide`). Every decision has a
//!   default: a pick takes the first candidate (start order, as under
//!   fifo), a coin says no, a cut or a jitter is 0.
//! - The items shrinking removes are the run's *non-default* decisions. A
//!   subset of them is replayed as a sparse schedule file
//!   (`ScheduleFile::sparse`): the kept decisions are made where they
//!   match, every other decision takes its default. The subset "fails the
//!   same way" when the replay has the target failure ([`Failure`], by
//!   `failure::has`): the same broken invariant kind, `always` location,
//!   uncaught exception or unexpected output.
//! - First every fault is dropped at once (fewer faults beat fewer picks
//!   only when they tie in size, and a schedule without faults is the
//!   simpler story); then ddmin (`gene_sim::shrink`) removes chunks until
//!   no single decision can go.
//! - The result is re-derived from the shrunk run's own decisions (so that
//!   its `(time N)` counts are the replayed run's, not the original's) and
//!   checked to fail again; it is written with the program's `source`
//!   lines, so that it survives edits that move lines.
//! - Bounds: at most [`MAX_TESTS`] replays, and `--shrink-time` seconds of
//!   wall time. Within them the result depends only on the program, the
//!   options and the failing run; a result cut short by the time bound
//!   says so, and may differ between machines.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use gene_sim::RunConfig;
use gene_sim::decide::Decision;
use gene_sim::schedule_file::{Entry, Mode, ScheduleFile};
use gene_sim::trace::read::Record;
use serde::{Deserialize, Serialize};

use super::failure::{self, Failure};
use super::{Plan, SeedRun, Summary};

/// The most replays one shrink makes.
pub const MAX_TESTS: usize = 2000;

/// What a shrink found, as the report and the JSON shard file show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shrunk {
    /// The failure kept while shrinking.
    pub failure: Failure,
    /// The failing run's seed (its swarm plan is part of the repro).
    pub seed: u64,
    /// Whether the repro keeps the seed's swarm plan (`--swarm`); without
    /// it, `flags` stand for its probabilities.
    pub swarm: bool,
    pub flags: Vec<String>,
    /// The number of non-default decisions after each step, from the
    /// failing run's to the result's.
    pub steps: Vec<usize>,
    /// Replays made.
    pub tests: usize,
    /// What stopped shrinking early: `time` or `tests`; None when the
    /// result is 1-minimal.
    pub cut_short: Option<String>,
    /// The schedule file, as text.
    pub file: String,
    /// One sentence per decision left.
    pub decisions: Vec<String>,
    /// Why shrinking could not start, if it could not.
    pub error: Option<String>,
}

/// The bounds of one shrink.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub time: Duration,
    pub tests: usize,
}

/// The failing runs to shrink: the first (lowest seed) of each kind of
/// failure in the summary.
pub fn targets(summary: &Summary) -> Vec<(Failure, SeedRun)> {
    let mut found: Vec<(Failure, SeedRun)> = Vec::new();
    let mut note = |f: Failure, run: &SeedRun| match found.iter_mut().find(|(g, _)| *g == f) {
        Some((_, have)) if run.seed < have.seed => *have = run.clone(),
        Some(_) => {}
        None => found.push((f, run.clone())),
    };
    for run in &summary.violations {
        note(Failure::Invariant, run);
    }
    for (key, tally) in &summary.assertions {
        if let Some(run) = &tally.first_failed
            && key.kind == "always"
        {
            note(Failure::Always(key.at.clone()), run);
        }
    }
    for o in &summary.outcomes {
        for f in [Failure::Exception, Failure::UnexpectedOutput] {
            if failure::has(&o.first, &f) {
                note(f, &o.first);
            }
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// Shrinks each target (see [`targets`]).
pub fn shrink_all(
    program: (&str, &str),
    base: &RunConfig,
    plan: &Plan,
    summary: &Summary,
    limits: Limits,
) -> Vec<Shrunk> {
    targets(summary)
        .into_iter()
        .map(|(f, run)| shrink(program, base, plan, &run, f, limits))
        .collect()
}

/// The seed's configuration; without `swarm`, its swarm plan's fixed
/// faults (`fail_nth`) are left out and only its probabilities kept, so
/// that every fault is a decision (see [`swarm_flags`]).
fn config_of(base: &RunConfig, plan: &Plan, seed: u64, swarm: bool) -> Result<RunConfig, String> {
    let mut config = super::seed_config(base, plan, seed)?;
    if !swarm {
        let merged = config.faults.config();
        let mut faults = plan.extra_faults.clone();
        faults.fail_probability = merged.fail_probability;
        faults.short_read_probability = merged.short_read_probability;
        config.faults = gene_sim::faults::FaultPlan::new(faults)?;
    }
    Ok(config)
}

/// The flags that stand for `--swarm` when the shrunk run does without the
/// swarm plan's fixed faults: its probabilities, where the command line
/// did not give them.
fn swarm_flags(base: &RunConfig, plan: &Plan, seed: u64) -> Vec<String> {
    let Ok(config) = super::seed_config(base, plan, seed) else {
        return Vec::new();
    };
    let merged = config.faults.config();
    let mut out = Vec::new();
    if plan.extra_faults.fail_probability == 0.0 && merged.fail_probability != 0.0 {
        out.extend([
            "--fail-probability".into(),
            merged.fail_probability.to_string(),
        ]);
    }
    if plan.extra_faults.short_read_probability == 0.0 && merged.short_read_probability != 0.0 {
        out.extend([
            "--short-read-probability".into(),
            merged.short_read_probability.to_string(),
        ]);
    }
    out
}

/// One replay: the run's configuration with `file` deciding.
fn replay(
    (name, text): (&str, &str),
    base: &RunConfig,
    plan: &Plan,
    (seed, swarm): (u64, bool),
    file: ScheduleFile,
    log: bool,
) -> SeedRun {
    match config_of(base, plan, seed, swarm) {
        Ok(mut config) => {
            config.strategy = None;
            config.schedule_file = Some(file);
            config.log_decisions = log;
            super::run_config(name, text, &config, plan, seed)
        }
        // The exploration ran this seed's configuration: it is valid.
        Err(e) => super::run_result(plan, seed, Err(format!("error: {e}")), Vec::new()),
    }
}

/// The run's decisions: its own, when its strategy kept them, else those
/// of a rerun of its seed.
fn decisions_of(program: (&str, &str), base: &RunConfig, plan: &Plan, run: &SeedRun) -> SeedRun {
    if !run.decisions.is_empty() {
        return run.clone();
    }
    let chosen = super::strategy::SeedStrategy::new(plan, run.seed);
    match super::seed_config(base, plan, run.seed) {
        Ok(mut config) => {
            chosen.apply(&mut config);
            config.log_decisions = true;
            super::run_config(program.0, program.1, &config, plan, run.seed)
        }
        Err(e) => super::run_result(plan, run.seed, Err(format!("error: {e}")), Vec::new()),
    }
}

/// A fault names its operation by site and ordinal (`write@a.gene:12#5`,
/// the fifth write started there), and the ordinal depends on the order
/// the tasks ran in. So a pick may stay only to keep a fault on the right
/// operation: try each pick's removal with each fault moved to another
/// ordinal of its site (as many as the failing run started there).
fn retarget(
    mut current: Vec<Entry>,
    log: &[Decision],
    fails: &mut dyn FnMut(&[Entry]) -> bool,
) -> Vec<Entry> {
    'again: loop {
        for i in (0..current.len()).filter(|&i| current[i].point.is_pick()) {
            let mut without = current.clone();
            without.remove(i);
            for j in (0..without.len()).filter(|&j| !without[j].point.is_pick()) {
                let site = site_of(&without[j].key).to_string();
                let ordinals = log
                    .iter()
                    .filter(|d| d.point == without[j].point && site_of(&d.key) == site)
                    .count()
                    .min(MAX_ORDINALS);
                for k in 1..=ordinals {
                    let mut moved = without.clone();
                    moved[j].key = if k == 1 {
                        site.clone()
                    } else {
                        format!("{site}#{k}")
                    };
                    moved[j].time = 1;
                    if moved[j].key != without[j].key && fails(&moved) {
                        current = moved;
                        continue 'again;
                    }
                }
            }
        }
        return current;
    }
}

/// The most ordinals [`retarget`] tries for one fault.
const MAX_ORDINALS: usize = 64;

/// An operation's key without its ordinal: `write@a.gene:12#5` ->
/// `write@a.gene:12`.
fn site_of(key: &str) -> &str {
    match key.rsplit_once('#') {
        Some((head, k)) if !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()) => head,
        _ => key,
    }
}

/// A sparse file of `entries`.
fn sparse(entries: Vec<Entry>) -> ScheduleFile {
    ScheduleFile {
        mode: Mode::Sparse,
        entries,
        sources: Vec::new(),
    }
}

fn non_default(log: &[Decision]) -> Vec<usize> {
    (0..log.len()).filter(|&i| !log[i].is_default()).collect()
}

/// Shrinks `run`, which fails with `target`.
pub fn shrink(
    program: (&str, &str),
    base: &RunConfig,
    plan: &Plan,
    run: &SeedRun,
    target: Failure,
    limits: Limits,
) -> Shrunk {
    // An exhaustive run is numbered by its schedule; its configuration is
    // the plan's first seed's.
    let seeded;
    let run = if matches!(plan.strategy, super::strategy::Kind::Exhaustive { .. }) {
        seeded = SeedRun {
            seed: plan.first_seed,
            ..run.clone()
        };
        &seeded
    } else {
        run
    };
    let started = Instant::now();
    let mut out = Shrunk {
        failure: target.clone(),
        seed: run.seed,
        swarm: true,
        flags: Vec::new(),
        steps: Vec::new(),
        tests: 0,
        cut_short: None,
        file: String::new(),
        decisions: Vec::new(),
        error: None,
    };
    let logged = decisions_of(program, base, plan, run);
    if !failure::has(&logged, &target) {
        out.error = Some("the failure does not happen again when its run is repeated".into());
        return out;
    }
    let log = logged.decisions;
    let items = ScheduleFile::sparse(&log, &non_default(&log)).entries;
    out.steps.push(items.len());
    let mut timed_out = false;
    let mut tests = 0usize;
    // Without the swarm plan's fixed faults, if the run still fails: then
    // every fault left is a decision, which shrinking can take away.
    let exhaustive = matches!(plan.strategy, super::strategy::Kind::Exhaustive { .. });
    let swarm = exhaustive || {
        tests += 1;
        let file = sparse(items.clone());
        !failure::has(
            &replay(program, base, plan, (run.seed, false), file, false),
            &target,
        )
    };
    out.swarm = swarm;
    if !swarm {
        out.flags = swarm_flags(base, plan, run.seed);
    }
    let mut out_of_tests = false;
    let mut fails = |entries: &[Entry]| -> bool {
        if started.elapsed() >= limits.time {
            timed_out = true;
            return false;
        }
        // One budget for every pass (ddmin, relaxing, re-targeting).
        if tests >= limits.tests {
            out_of_tests = true;
            return false;
        }
        tests += 1;
        let file = sparse(entries.to_vec());
        failure::has(
            &replay(program, base, plan, (run.seed, swarm), file, false),
            &target,
        )
    };
    if !fails(&items) {
        out.tests = tests;
        out.error = Some(if timed_out {
            "--shrink-time ran out before the first replay".into()
        } else if out_of_tests {
            "the bound on replays ran out before the first replay".into()
        } else {
            "its decisions, replayed from a schedule file, do not fail the same way".into()
        });
        return out;
    }
    // Without any fault, if that still fails.
    let picks: Vec<Entry> = items
        .iter()
        .filter(|e| e.point.is_pick())
        .cloned()
        .collect();
    let mut current = items.clone();
    if picks.len() < items.len() && fails(&picks) {
        current = picks;
        out.steps.push(current.len());
    }
    let mut cut = false;
    let mut step =
        |current: Vec<Entry>, out: &mut Shrunk, fails: &mut dyn FnMut(&[Entry]) -> bool| {
            let shrunk = gene_sim::shrink::ddmin(current, limits.tests, fails);
            out.steps.extend(shrunk.steps.iter().skip(1));
            cut |= shrunk.cut_short;
            shrunk.items
        };
    current = step(current, &mut out, &mut fails);
    // Each entry names the default it overrides and counts its matches;
    // relaxed ("choose K at the first pick that offers it"), entries that
    // only set up a later one's `before` can go too.
    let relaxed: Vec<Entry> = current
        .iter()
        .map(|e| Entry {
            before: None,
            time: 1,
            ..e.clone()
        })
        .collect();
    if relaxed != current && fails(&relaxed) {
        // ddmin only removes: the relaxed list is never longer.
        current = step(relaxed, &mut out, &mut fails);
    }
    current = retarget(current, &log, &mut fails);
    out.steps.push(current.len());
    out.steps.dedup();
    out.tests = tests;
    if timed_out {
        out.cut_short = Some("time".into());
    } else if cut || out_of_tests {
        out.cut_short = Some("tests".into());
    }
    let mut file = sparse(current);
    // Re-derive the file from the shrunk run's own decisions: each entry
    // then names the default it overrode there, and counts its matches
    // in that run.
    let again = replay(program, base, plan, (run.seed, swarm), file.clone(), true);
    let rederived = ScheduleFile::sparse(&again.decisions, &non_default(&again.decisions));
    out.tests += 2;
    if rederived.entries.len() <= file.entries.len()
        && failure::has(
            &replay(
                program,
                base,
                plan,
                (run.seed, swarm),
                rederived.clone(),
                false,
            ),
            &target,
        )
    {
        file = rederived;
    }
    out.decisions = explain(program, base, plan, (run.seed, swarm), &file);
    let about = format!(
        "{}, seed {}, shrunk to the decisions that make it fail ({})",
        program.0,
        run.seed,
        target.describe()
    );
    out.file = file.with_sources(program.0, program.1).render(&about);
    out
}

/// One sentence per decision of `file`, from a recorded replay: what was
/// chosen over what, and where the program was.
fn explain(
    (name, text): (&str, &str),
    base: &RunConfig,
    plan: &Plan,
    (seed, swarm): (u64, bool),
    file: &ScheduleFile,
) -> Vec<String> {
    let Ok(mut config) = config_of(base, plan, seed, swarm) else {
        return Vec::new();
    };
    config.strategy = None;
    config.schedule_file = Some(file.clone());
    config.record_decisions = true;
    let mut sink = Vec::new();
    let Ok((_, trace)) = gene_sim::run_collected(name, text, &config, &mut sink) else {
        return Vec::new();
    };
    let records = &trace.records;
    let mut entries = file.entries.iter();
    let mut out = Vec::new();
    for (i, r) in records.iter().enumerate() {
        if &*r.kind != "decision" || r.u64("value").unwrap_or(0) == 0 {
            continue;
        }
        let Some(entry) = entries.next() else { break };
        out.push(sentence(entry, r, &records[i + 1..]));
    }
    out
}

/// Where the chosen task went on after a task pick: the first later
/// record of the task that resumed that names a place in the program.
fn next_place(after: &[Record]) -> Option<String> {
    let task = after
        .iter()
        .take_while(|r| &*r.kind != "decision")
        .find(|r| &*r.kind == "task.resumed" || &*r.kind == "task.continued")?
        .u64("task")?;
    let at = after
        .iter()
        .filter(|r| r.u64("task") == Some(task))
        .find_map(|r| r.str("at"))?;
    // `file:line:col` -> `file:line`.
    Some(match at.rsplit_once(':') {
        Some((head, col)) if col.bytes().all(|b| b.is_ascii_digit()) => head.to_string(),
        _ => at.to_string(),
    })
}

fn sentence(entry: &Entry, r: &Record, after: &[Record]) -> String {
    use gene_sim::decide::Point;
    let key = r.str("key").unwrap_or(&entry.key);
    let value = r.u64("value").unwrap_or(0);
    // Timers and faults name their line in their key; a task's key names
    // its spawn, so say where it went on.
    let place = if entry.point == Point::Task {
        next_place(after)
            .map(|p| format!(" at {p}"))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let over = entry
        .before
        .as_deref()
        .map(|b| format!(" before {} {b}", entry.point.name()))
        .unwrap_or_default();
    match entry.point {
        Point::Task => format!("task {key} ran{over}{place}"),
        Point::Timer => format!("timer {key} was delivered{over}"),
        Point::Fail => format!("operation {key} failed (an injected fault)"),
        Point::Short => format!("read {key} was cut short"),
        Point::Cut => format!("read {key} returned {value} byte(s)"),
        Point::Jitter => format!("operation {key} was delayed {value} ns more"),
    }
}

/// The report's section for the shrunk failures.
pub fn report(out: &mut String, shrunk: &[Shrunk], o: &super::report::ReportOptions) {
    for (k, s) in shrunk.iter().enumerate() {
        let _ = writeln!(
            out,
            "shrunk {} (seed {}): {}",
            s.failure.describe(),
            s.seed,
            match &s.error {
                Some(e) => format!("not shrunk: {e}"),
                None => format!(
                    "{} non-default decision(s), {} replays{}",
                    s.steps
                        .iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join(" -> "),
                    s.tests,
                    match s.cut_short.as_deref() {
                        Some("time") => ", stopped by --shrink-time",
                        Some(_) => ", stopped by the bound on replays",
                        None => "",
                    }
                ),
            }
        );
        if s.error.is_some() {
            continue;
        }
        let path = shrunk_path(o, k + 1);
        let run = SeedRun {
            seed: s.seed,
            ..SeedRun::default()
        };
        let stem = path.strip_suffix(".schedule").unwrap_or(&path);
        let mut words = super::report::repro_words(o, &run);
        if !s.swarm {
            words.retain(|w| w != "--swarm");
            words.extend(s.flags.iter().map(|f| super::report::shell_word(f)));
        }
        let _ = writeln!(out, "    schedule: {path}");
        let _ = writeln!(
            out,
            "    replay: {} --schedule-file {} --trace {}",
            words.join(" "),
            super::report::shell_word(&path),
            super::report::shell_word(&format!("{stem}.jsonl"))
        );
        let _ = writeln!(out, "    why: {}", paragraph(s));
    }
}

/// The explanation: the failure and each decision left.
pub fn paragraph(s: &Shrunk) -> String {
    let failure = s.failure.describe();
    if s.decisions.is_empty() {
        return format!(
            "the run fails ({failure}) with every decision at its default (ready order, no fault, no jitter): the schedule does not matter"
        );
    }
    format!(
        "the run fails ({failure}) when {}; every other decision is the default (ready order, no fault, no jitter)",
        join_and(&s.decisions)
    )
}

fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{}, and {last}", init.join(", ")),
    }
}

/// Where the k-th shrunk schedule goes: in `--outcomes-dir`, else in the
/// current directory.
pub fn shrunk_path(o: &super::report::ReportOptions, k: usize) -> String {
    let stem = std::path::Path::new(o.file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "program".into());
    let name = format!("{stem}.shrunk-{k}.schedule");
    match o.outcomes_dir {
        Some(dir) => dir.join(name).display().to_string(),
        None => name,
    }
}

/// Writes each shrunk schedule where the report says it is.
pub fn write(shrunk: &[Shrunk], o: &super::report::ReportOptions) -> Result<(), String> {
    for (k, s) in shrunk.iter().enumerate() {
        if s.error.is_some() {
            continue;
        }
        let path = shrunk_path(o, k + 1);
        std::fs::write(&path, &s.file).map_err(|e| {
            format!(
                "cannot write the shrunk schedule {path}: {e} (give --outcomes-dir DIR for another place, or --no-shrink)"
            )
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two tasks race to win; the run throws when b wins.
    const RACE: &str = "(var winner 0)
(var a (async (do (await (gene/sleep_async 1)) (if (winner == 0) (winner = 1)))))
(var b (async (do (await (gene/sleep_async 1)) (if (winner == 0) (winner = 2)))))
(await a b)
(if (winner == 2) (throw \"b won\"))
";

    fn failing() -> (Plan, RunConfig, SeedRun) {
        let plan = Plan::seeds(40);
        let base = RunConfig::default();
        let bar = indicatif::ProgressBar::hidden();
        let shard = super::super::Shard { index: 1, count: 1 };
        let summary = super::super::explore("p.gene", RACE, &base, &plan, 1, shard, &bar);
        let (f, run) = targets(&summary)
            .into_iter()
            .next()
            .expect("a failing seed");
        assert_eq!(f, Failure::Exception);
        (plan, base, run)
    }

    #[test]
    fn shrinks_to_the_one_pick_and_its_bounds_cut_it_short() {
        let (plan, base, run) = failing();
        let program = ("p.gene", RACE);
        let roomy = Limits {
            time: Duration::from_secs(60),
            tests: MAX_TESTS,
        };
        let s = shrink(program, &base, &plan, &run, Failure::Exception, roomy);
        assert_eq!(s.error, None);
        assert_eq!(s.cut_short, None);
        assert_eq!(s.steps.last(), Some(&1), "{:?}", s.steps);
        assert!(s.file.contains("mode sparse\n"), "{}", s.file);
        // No time: not one replay is made.
        let none = Limits {
            time: Duration::ZERO,
            ..roomy
        };
        let s = shrink(program, &base, &plan, &run, Failure::Exception, none);
        assert_eq!(
            s.error.as_deref(),
            Some("--shrink-time ran out before the first replay")
        );
        // The budget counts every replay: one is spent on the swarm check.
        let one = Limits { tests: 1, ..roomy };
        let s = shrink(program, &base, &plan, &run, Failure::Exception, one);
        assert_eq!(
            s.error.as_deref(),
            Some("the bound on replays ran out before the first replay")
        );
        // Two: the first check passes, shrinking stops at the bound.
        let two = Limits { tests: 2, ..roomy };
        let s = shrink(program, &base, &plan, &run, Failure::Exception, two);
        assert_eq!(s.error, None);
        assert_eq!(s.cut_short.as_deref(), Some("tests"), "{:?}", s.steps);
    }
}
