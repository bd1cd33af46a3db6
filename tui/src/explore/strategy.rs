//! `explore --strategy random|pct|exhaustive` (docs/exploring.md,
//! "Strategies"): how each run's decisions are made, and the coverage
//! every strategy reports.
//!
//! - `random`: each seed's own schedule and swarm fault plan;
//! - `pct`: each seed's PCT priorities (`gene_sim::strategy::pct`), with
//!   the seed's swarm fault plan;
//! - `exhaustive`: every distinct decision sequence of one configuration
//!   (`--seed`, the fault flags, no swarm plan), depth first, with sleep
//!   sets (`gene_sim::strategy::exhaustive`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use gene_sim::RunConfig;
use gene_sim::decide::StrategyHandle;
use gene_sim::schedule_file::ScheduleFile;
use gene_sim::strategy::exhaustive::Exhaustive;
use gene_sim::strategy::pct::{CountPicks, Pct};
use gene_sim::strategy::prefix::Prefix;
use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};

use super::assertions::{Key, Seen, Tally};
use super::{Outcome, Plan, SeedRun, Shard, Summary};

/// `--strategy`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StrategyArg {
    /// Each seed draws its schedule and its swarm fault plan.
    #[default]
    Random,
    /// Probabilistic concurrency testing: per seed, random priorities and
    /// --depth - 1 priority change points.
    Pct,
    /// Every distinct schedule of one configuration, depth first, with
    /// partial-order reduction.
    Exhaustive,
}

/// The strategy options of `explore`.
#[derive(clap::Args, Debug, Clone)]
pub struct StrategyArgs {
    /// How each run's decisions are made (docs/exploring.md, "Strategies").
    #[arg(long, value_enum, default_value_t = StrategyArg::Random)]
    pub strategy: StrategyArg,
    /// pct: the depth of the bugs sought (d - 1 priority change points per run).
    #[arg(long, value_name = "D", value_parser = clap::value_parser!(u64).range(1..=64))]
    pub depth: Option<u64>,
    /// pct: the picks a run makes (k), among which the change points fall
    /// (default: counted in a run of the first seed).
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub steps: Option<u64>,
    /// exhaustive: the most schedules to run [default: 100000].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub max_schedules: Option<u64>,
    /// exhaustive: run every decision sequence, without partial-order reduction.
    #[arg(long)]
    pub no_reduction: bool,
}

/// The strategy of a plan, with its parameters (as a shard file records
/// it: `{"name": "pct", "depth": 2, "steps": 40}`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "lowercase", deny_unknown_fields)]
pub enum Kind {
    #[default]
    Random,
    /// PCT of depth `depth` over `steps` picks.
    Pct { depth: u64, steps: u64 },
    Exhaustive {
        #[serde(rename = "max_schedules")]
        max: u64,
        #[serde(rename = "reduction")]
        reduce: bool,
    },
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Random => "random",
            Kind::Pct { .. } => "pct",
            Kind::Exhaustive { .. } => "exhaustive",
        }
    }
}

impl std::fmt::Display for Kind {
    /// `random`, `pct (depth 2, steps 40)`, `exhaustive (max-schedules
    /// 100000, reduction)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Kind::Random => f.write_str("random"),
            Kind::Pct { depth, steps } => write!(f, "pct (depth {depth}, steps {steps})"),
            Kind::Exhaustive { max, reduce } => write!(
                f,
                "exhaustive (max-schedules {max}, {})",
                if reduce { "reduction" } else { "no reduction" }
            ),
        }
    }
}

const DEFAULT_MAX_SCHEDULES: u64 = 100_000;

/// Refuses the combinations that make no sense (`seeds_given`: --seeds
/// was given). The PCT steps are filled in later ([`count_steps`]).
pub fn kind(
    a: &StrategyArgs,
    run: &crate::RunArgs,
    seeds_given: bool,
) -> Result<Kind, &'static str> {
    let pct_only = a.depth.is_some() || a.steps.is_some();
    let exhaustive_only = a.max_schedules.is_some() || a.no_reduction;
    match a.strategy {
        StrategyArg::Random if pct_only => Err("--depth and --steps need --strategy pct"),
        StrategyArg::Pct if exhaustive_only => {
            Err("--max-schedules and --no-reduction need --strategy exhaustive")
        }
        StrategyArg::Random if exhaustive_only => {
            Err("--max-schedules and --no-reduction need --strategy exhaustive")
        }
        StrategyArg::Exhaustive if pct_only => Err("--depth and --steps need --strategy pct"),
        StrategyArg::Pct | StrategyArg::Exhaustive if run.schedule.is_some() => Err(
            "--schedule is for --strategy random: pct and exhaustive make every pick themselves",
        ),
        StrategyArg::Pct if a.depth == Some(1) && a.steps.is_some() => Err(
            "--steps places the change points, and --depth 1 has none: drop --steps or raise --depth",
        ),
        StrategyArg::Exhaustive if seeds_given => Err(
            "--seeds makes no sense with --strategy exhaustive: it runs every schedule of one configuration (choose it with --seed)",
        ),
        StrategyArg::Random => Ok(Kind::Random),
        StrategyArg::Pct => Ok(Kind::Pct {
            depth: a.depth.unwrap_or(2),
            steps: a.steps.unwrap_or(0),
        }),
        StrategyArg::Exhaustive => Ok(Kind::Exhaustive {
            max: a.max_schedules.unwrap_or(DEFAULT_MAX_SCHEDULES),
            reduce: !a.no_reduction,
        }),
    }
}

/// PCT's `k`: the picks of the first seed's run (at least 1).
pub fn count_steps(name: &str, text: &str, base: &RunConfig, plan: &Plan) -> u64 {
    let counter = Arc::new(Mutex::new(CountPicks::default()));
    if let Ok(mut config) = super::seed_config(base, plan, plan.first_seed) {
        config.strategy = Some(StrategyHandle(counter.clone()));
        let _ = gene_sim::run_records(name, text, &config, &mut std::io::sink());
    }
    let picks = counter.lock().map_or(0, |c| c.picks);
    picks.max(1)
}

/// The strategy of one seed's run under a random or PCT plan, and how to
/// read its coverage prefix after the run.
pub enum SeedStrategy {
    Random(Arc<Mutex<Prefix>>),
    Pct(Arc<Mutex<Pct>>),
}

impl SeedStrategy {
    pub fn new(plan: &Plan, seed: u64) -> SeedStrategy {
        match plan.strategy {
            Kind::Pct { depth, steps } => {
                SeedStrategy::Pct(Arc::new(Mutex::new(Pct::new(seed, depth, steps))))
            }
            _ => SeedStrategy::Random(Arc::default()),
        }
    }

    /// Sets the strategy into `config`.
    pub fn apply(&self, config: &mut RunConfig) {
        config.strategy = Some(match self {
            SeedStrategy::Random(s) => StrategyHandle(s.clone()),
            SeedStrategy::Pct(s) => {
                // Its runs are replayed by schedule file: keep the decisions.
                config.log_decisions = true;
                StrategyHandle(s.clone())
            }
        });
    }

    /// The run's coverage prefix digest.
    pub fn prefix(&self) -> u64 {
        match self {
            SeedStrategy::Random(s) => s.lock().map_or(0, |s| s.digest.finish()),
            SeedStrategy::Pct(s) => s.lock().map_or(0, |s| s.digest.finish()),
        }
    }
}

/// What an exhaustive exploration adds to its summary.
#[derive(Clone, Debug, Default)]
pub struct ExhaustiveStats {
    pub pruned: u64,
    /// Every schedule was run (the bound did not stop it).
    pub complete: bool,
    /// The outcomes (by digest) whose first schedule, in depth-first
    /// order, is in the last tenth of the schedules run.
    pub late: u64,
    /// Each schedule's path, in depth-first order: schedule `k` is
    /// `paths[k - 1]`.
    pub paths: Vec<Vec<u32>>,
}

/// One job's exhaustive share; joined ([`join`]), one shard's (its
/// shard file holds its summary and its schedules, `json::Exhaustive`).
#[derive(Clone, Debug, Default)]
pub struct Part {
    pub runs: u64,
    /// Outcome digest -> (count, its first run, the path of that run).
    pub outcomes: BTreeMap<String, (u64, SeedRun, Vec<u32>)>,
    pub violations: Vec<(Vec<u32>, SeedRun)>,
    pub prefixes: BTreeSet<u64>,
    /// Every counted run's path, in order (depth first: ascending), its
    /// outcome digest, its prefix digest and what it said of each
    /// assertion it reached.
    pub paths: Vec<(Vec<u32>, String, u64, Vec<Seen>)>,
    /// Each assertion that failed: its first failing run (by path) and
    /// that run's path.
    pub first_failed: BTreeMap<Key, (Vec<u32>, SeedRun)>,
    pub pruned: u64,
    pub complete: bool,
}

/// The parts as one (each path is one part's): what [`summarize`] makes
/// of them is what it makes of the parts.
pub fn join(parts: Vec<Part>) -> Part {
    let mut all = Part {
        complete: !parts.is_empty(),
        ..Part::default()
    };
    for part in parts {
        all.runs += part.runs;
        all.pruned += part.pruned;
        all.complete &= part.complete;
        all.prefixes.extend(part.prefixes);
        all.paths.extend(part.paths);
        all.violations.extend(part.violations);
        for (key, (path, run)) in part.first_failed {
            note_failed(&mut all.first_failed, key, path, run);
        }
        for (digest, (count, run, path)) in part.outcomes {
            match all.outcomes.get_mut(&digest) {
                Some(have) => {
                    have.0 += count;
                    if path < have.2 {
                        (have.1, have.2) = (run, path);
                    }
                }
                None => {
                    all.outcomes.insert(digest, (count, run, path));
                }
            }
        }
    }
    all.paths.sort_by(|a, b| a.0.cmp(&b.0));
    all.violations.sort_by(|a, b| a.0.cmp(&b.0));
    all
}

/// Keeps `run` as the first failure of `key` unless one at an earlier path
/// is kept.
fn note_failed(
    map: &mut BTreeMap<Key, (Vec<u32>, SeedRun)>,
    key: Key,
    path: Vec<u32>,
    run: SeedRun,
) {
    match map.get_mut(&key) {
        Some(have) if path < have.0 => *have = (path, run),
        Some(_) => {}
        None => {
            map.insert(key, (path, run));
        }
    }
}

/// The summary of the parts (of jobs, or of shards), bounded to the first
/// `max` schedules in depth-first order.
pub fn summarize(parts: Vec<Part>, max: u64) -> (Summary, ExhaustiveStats) {
    merge(bound(parts, max))
}

/// Runs every schedule of the shard (see `gene_sim::strategy::exhaustive`)
/// on `jobs` threads, up to `max` schedules in all: the first `max` in
/// depth-first order, whatever the jobs. Each job runs up to `max` of its
/// own (and one more, to know whether there is one), and the merge keeps
/// the first `max` of them all; a shared count would let the threads'
/// timing choose which schedules are run. Shards split alike, so the
/// merge of the shards' parts (`--merge`) keeps the first `max` of the
/// unsharded exploration. Returns the shard's part, which [`summarize`]
/// makes the report of.
#[allow(clippy::too_many_arguments)]
pub fn explore_exhaustive(
    name: &str,
    text: &str,
    base: &RunConfig,
    plan: &Plan,
    jobs: usize,
    shard: Shard,
    progress: &ProgressBar,
) -> Part {
    let (max, reduce) = match plan.strategy {
        Kind::Exhaustive { max, reduce } => (max, reduce),
        _ => (DEFAULT_MAX_SCHEDULES, true),
    };
    let jobs = jobs.max(1) as u64;
    let parts: Vec<Part> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..jobs)
            .map(|j| {
                scope.spawn(move || {
                    let e = Arc::new(Mutex::new(Exhaustive::new(
                        (shard.index, shard.count),
                        (j, jobs),
                    )));
                    if let Ok(mut e) = e.lock() {
                        e.reduce = reduce;
                    }
                    let mut part = Part {
                        runs: 0,
                        outcomes: BTreeMap::new(),
                        violations: Vec::new(),
                        prefixes: BTreeSet::new(),
                        paths: Vec::new(),
                        first_failed: BTreeMap::new(),
                        pruned: 0,
                        complete: false,
                    };
                    let config = match super::seed_config(base, plan, plan.first_seed) {
                        Ok(mut c) => {
                            c.strategy = Some(StrategyHandle(e.clone()));
                            c.log_decisions = true;
                            c
                        }
                        Err(_) => return part,
                    };
                    loop {
                        e.lock().unwrap_or_else(|p| p.into_inner()).begin_run();
                        let run = super::run_config(name, text, &config, plan, plan.first_seed);
                        let mut e = e.lock().unwrap_or_else(|p| p.into_inner());
                        if e.counts() {
                            if part.runs >= max {
                                // A schedule past the bound: not all were run.
                                break;
                            }
                            progress.inc(1);
                            part.runs += 1;
                            let path = e.path();
                            let prefix = e.digest.finish();
                            part.prefixes.insert(prefix);
                            if !run.violations.is_empty() {
                                part.violations.push((path.clone(), run.clone()));
                            }
                            part.paths.push((
                                path.clone(),
                                run.outcome.clone(),
                                prefix,
                                run.assertions.clone(),
                            ));
                            for s in run.assertions.iter().filter(|s| s.failed) {
                                // Paths ascend: the job's first is its earliest.
                                part.first_failed.entry(s.key.clone()).or_insert_with(|| {
                                    (
                                        path.clone(),
                                        SeedRun {
                                            output: String::new(),
                                            ..run.clone()
                                        },
                                    )
                                });
                            }
                            part.outcomes
                                .entry(run.outcome.clone())
                                .and_modify(|o| o.0 += 1)
                                .or_insert((1, run, path));
                        }
                        if !e.advance() {
                            part.complete = true;
                            break;
                        }
                    }
                    part.pruned = e.lock().map_or(0, |e| e.pruned);
                    part
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    progress.finish_and_clear();
    join(bound(parts, max))
}

/// Keeps, of all the parts' schedules, the first `max` in depth-first
/// order (each part's are a prefix of its own): what one job, stopped by
/// the bound, runs. Marks the parts incomplete when it drops any.
fn bound(mut parts: Vec<Part>, max: u64) -> Vec<Part> {
    let total: u64 = parts.iter().map(|p| p.runs).sum();
    if total <= max {
        return parts;
    }
    let mut all: Vec<&Vec<u32>> = parts
        .iter()
        .flat_map(|p| p.paths.iter().map(|(path, ..)| path))
        .collect();
    all.sort();
    let Some(last) = usize::try_from(max - 1).ok().and_then(|i| all.get(i)) else {
        return parts;
    };
    let last = (*last).clone();
    for part in &mut parts {
        let keep = part.paths.partition_point(|(p, ..)| *p <= last);
        part.paths.truncate(keep);
        part.runs = keep as u64;
        part.complete = false;
        part.prefixes = part.paths.iter().map(|(_, _, prefix, _)| *prefix).collect();
        part.violations.retain(|(p, _)| *p <= last);
        part.first_failed.retain(|_, (p, _)| *p <= last);
        let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
        for (_, digest, ..) in &part.paths {
            *counts.entry(digest.as_str()).or_default() += 1;
        }
        let counts: BTreeMap<String, u64> = counts
            .into_iter()
            .map(|(d, n)| (d.to_string(), n))
            .collect();
        part.outcomes.retain(|digest, o| match counts.get(digest) {
            Some(&n) => {
                o.0 = n;
                true
            }
            None => false,
        });
    }
    parts
}

fn merge(parts: Vec<Part>) -> (Summary, ExhaustiveStats) {
    let mut all: BTreeMap<String, (u64, SeedRun, Vec<u32>)> = BTreeMap::new();
    let mut summary = Summary::default();
    let mut stats = ExhaustiveStats {
        complete: !parts.is_empty(),
        ..Default::default()
    };
    let mut violations = Vec::new();
    for part in &parts {
        summary.runs += part.runs;
        stats.pruned += part.pruned;
        stats.complete &= part.complete;
        summary.prefixes.extend(&part.prefixes);
        violations.extend(part.violations.iter().cloned());
        for (digest, (count, run, path)) in &part.outcomes {
            match all.get_mut(digest) {
                Some(have) => {
                    have.0 += count;
                    if *path < have.2 {
                        (have.1, have.2) = (run.clone(), path.clone());
                    }
                }
                None => {
                    all.insert(digest.clone(), (*count, run.clone(), path.clone()));
                }
            }
        }
    }
    // Ranks in depth-first order: each part's paths ascend.
    let rank = |p: &Vec<u32>| -> u64 {
        parts
            .iter()
            .map(|part| part.paths.partition_point(|(q, ..)| q < p) as u64)
            .sum()
    };
    let mut outcomes: Vec<(u64, Outcome)> = all
        .into_values()
        .map(|(count, first, path)| {
            (
                rank(&path),
                Outcome {
                    count,
                    first: SeedRun { seed: 0, ..first },
                },
            )
        })
        .collect();
    outcomes.sort_by_key(|(r, _)| *r);
    let tail = summary.runs - summary.runs / 10;
    stats.late = outcomes.iter().filter(|(r, _)| *r >= tail).count() as u64;
    for (r, o) in &mut outcomes {
        // The schedule's number, 1-based, in depth-first order.
        o.first.seed = *r + 1;
    }
    summary.outcomes = outcomes.into_iter().map(|(_, o)| o).collect();
    violations.sort_by(|a, b| a.0.cmp(&b.0));
    summary.assertions = tallies(&parts, rank);
    let mut paths: Vec<Vec<u32>> = parts
        .iter()
        .flat_map(|p| p.paths.iter().map(|(path, ..)| path.clone()))
        .collect();
    paths.sort();
    stats.paths = paths;
    summary.violations = violations
        .into_iter()
        .map(|(p, mut r)| {
            r.seed = rank(&p) + 1;
            r
        })
        .collect();
    (summary, stats)
}

/// The assertion tallies of the parts' schedules: each failed one's
/// first run is its first failing schedule in depth-first order,
/// numbered as the report numbers schedules (`rank` + 1).
fn tallies(parts: &[Part], rank: impl Fn(&Vec<u32>) -> u64) -> Vec<(Key, Tally)> {
    let mut map: BTreeMap<Key, Tally> = BTreeMap::new();
    let mut first: BTreeMap<Key, (Vec<u32>, SeedRun)> = BTreeMap::new();
    for part in parts {
        for (.., seen) in &part.paths {
            for s in seen {
                let t = map.entry(s.key.clone()).or_default();
                t.reached += 1;
                t.held += u64::from(s.held);
                t.failed += u64::from(s.failed);
            }
        }
        for (key, (path, run)) in &part.first_failed {
            note_failed(&mut first, key.clone(), path.clone(), run.clone());
        }
    }
    for (key, (path, run)) in first {
        if let Some(t) = map.get_mut(&key) {
            t.first_failed = Some(SeedRun {
                seed: rank(&path) + 1,
                ..run
            });
        }
    }
    map.into_iter().collect()
}

/// The outcomes found by the last tenth of a random or PCT shard's seeds.
pub fn late_outcomes(summary: &Summary, plan: &Plan, shard: Shard) -> u64 {
    let mine = super::ShardSeeds::new(plan, shard);
    let n = mine.len();
    let Some(from) = mine.get(n - n / 10) else {
        return 0;
    };
    summary
        .outcomes
        .iter()
        .filter(|o| o.first.seed >= from)
        .count() as u64
}

/// The coverage lines of the report.
pub fn coverage(summary: &Summary, late: u64) -> String {
    let mut out = String::new();
    let tenth = summary.runs / 10;
    let _ = writeln!(
        out,
        "coverage: {} distinct outcome(s), {} distinct decision prefixes (first {} decisions), {late} new outcome(s) in the last tenth ({tenth} runs)",
        summary.outcomes.len(),
        summary.prefixes.len(),
        gene_sim::strategy::PREFIX_LEN,
    );
    out
}

/// The closing line of an exhaustive exploration.
pub fn verdict(summary: &Summary, stats: &ExhaustiveStats, max: u64) -> String {
    if stats.complete {
        format!(
            "explored all {} schedules ({} pruned as equivalent): {} distinct outcomes\n",
            summary.runs,
            stats.pruned,
            summary.outcomes.len()
        )
    } else {
        // No pruned count: how far each job pruned past the bound depends
        // on the jobs.
        format!(
            "stopped by --max-schedules {max}: the first {} schedules run, {} distinct outcomes so far; not every schedule was explored\n",
            summary.runs,
            summary.outcomes.len()
        )
    }
}

/// A run's decisions as a schedule file, with the `source` lines of the
/// program `name` (none when `text` is empty).
pub fn schedule_text(run: &SeedRun, about: &str, name: &str, text: &str) -> String {
    ScheduleFile::write(&run.decisions, about, name, text)
}

/// The report's first line under pct and exhaustive (None: random's).
pub fn header(summary: &Summary, o: &super::report::ReportOptions) -> Option<String> {
    match o.plan.strategy {
        Kind::Random => None,
        Kind::Pct { depth, steps } => Some(format!(
            "explored {} seeds of {} (seeds {}..={}, shard {}/{}, pct: depth {depth}, change points among the first {steps} picks)\n",
            summary.runs,
            o.file,
            o.plan.first_seed,
            o.plan.first_seed + o.plan.seeds - 1,
            o.shard.index,
            o.shard.count,
        )),
        Kind::Exhaustive { reduce, .. } => Some(format!(
            "explored {} schedules of {} (exhaustive, seed {}, shard {}/{}, {})\n",
            summary.runs,
            o.file,
            o.plan.first_seed,
            o.shard.index,
            o.shard.count,
            if reduce {
                "partial-order reduction"
            } else {
                "no reduction"
            },
        )),
    }
}

/// How to reproduce an outcome of pct or exhaustive: its decisions as a
/// schedule file (written to the outcomes directory, or shown), and the
/// command that replays it.
pub fn repro_lines(o: &super::report::ReportOptions, run: &SeedRun, k: usize) -> String {
    schedule_repro(o, run, &format!("outcome-{k}.schedule"), "reproduce", "")
}

/// The name of the schedule file of the `k`th failed `always` (in the
/// report's order) of a pct or exhaustive exploration.
pub fn always_file(k: usize) -> String {
    format!("always-{k}.schedule")
}

/// The name of the schedule file of the `k`th run that broke an
/// invariant, of a pct or exhaustive exploration.
pub fn violation_file(k: usize) -> String {
    format!("violation-{k}.schedule")
}

/// `    LABEL: COMMAND --schedule-file FILE EXTRA`, the command that
/// replays `run`'s decisions from the schedule file `file_name` (in the
/// outcomes directory, where it is written; else in the current
/// directory, its lines shown below the command).
pub fn schedule_repro(
    o: &super::report::ReportOptions,
    run: &SeedRun,
    file_name: &str,
    label: &str,
    extra: &str,
) -> String {
    let mut out = String::new();
    let path = match o.outcomes_dir {
        Some(dir) => dir.join(file_name).display().to_string(),
        None => file_name.to_string(),
    };
    // An exhaustive run's number is its schedule's; its seed is the plan's.
    let seeded = SeedRun {
        seed: match o.plan.strategy {
            Kind::Exhaustive { .. } => o.plan.first_seed,
            _ => run.seed,
        },
        ..run.clone()
    };
    let command = format!(
        "{} --schedule-file {}{extra}",
        super::report::repro_command(o, &seeded),
        super::report::shell_word(&path)
    );
    let _ = writeln!(out, "    {label}: {command}");
    if o.outcomes_dir.is_none() {
        let _ = writeln!(out, "    schedule ({path}):");
        for line in schedule_text(run, "", "", "").lines() {
            if !line.starts_with('#') && !line.trim().is_empty() {
                let _ = writeln!(out, "    > {line}");
            }
        }
    }
    out
}

/// Writes the schedule of each outcome of pct or exhaustive to
/// DIR/outcome-K.schedule.
pub fn write_schedules(
    dir: &std::path::Path,
    summary: &Summary,
    file: &str,
    program: &str,
) -> Result<(), String> {
    for (i, o) in summary.outcomes.iter().enumerate() {
        let path = dir.join(format!("outcome-{}.schedule", i + 1));
        let text = schedule_text(
            &o.first,
            &format!("outcome {} of {file}", i + 1),
            file,
            program,
        );
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let always = super::assertions::failed(&summary.assertions);
    let runs = always
        .iter()
        .enumerate()
        .filter_map(|(k, (key, t))| {
            let about = format!(
                "the first run of {file} where the always at {} failed",
                key.at
            );
            Some((always_file(k + 1), about, t.first_failed.as_ref()?))
        })
        .chain(summary.violations.iter().enumerate().map(|(k, r)| {
            let about = format!("run {} of {file}, which broke an invariant", r.seed);
            (violation_file(k + 1), about, r)
        }));
    for (name, about, run) in runs {
        let path = dir.join(name);
        let text = schedule_text(run, &about, file, program);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}
