//! `gene-trace explore`: one program under many seeds. Each seed draws its
//! schedule (random by default) and its swarm fault plan, to which the
//! fault flags add; every run's trace goes through the invariant checkers;
//! runs are grouped by outcome (output and result). Each seed has a budget
//! (`crate::budget`), so an endless program is a "did not finish" outcome.

pub mod assertions;
pub mod expect;
pub mod failure;
pub mod json;
pub mod merge;
pub mod report;
pub mod shrink;
pub mod strategy;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use gene_sim::faults::{FaultConfig, FaultPlan};
use gene_sim::trace::check;
use gene_sim::{RunConfig, Schedule};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use report::ReportOptions;

/// How one seed went.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SeedRun {
    pub seed: u64,
    /// Digest of the output and the result (12 hex digits).
    pub outcome: String,
    pub output: String,
    /// `ok`, `error: ...` (the error's message), or `did not finish: ...`
    /// (the budget it ran out of).
    pub result: String,
    /// The run ran out of its budget.
    pub unfinished: bool,
    pub violations: Vec<String>,
    /// What the run said of each assertion it reached.
    #[serde(default)]
    pub assertions: Vec<assertions::Seen>,
    /// The plan expects an output, and this is not it.
    #[serde(default)]
    pub unexpected_output: bool,
    /// The run's decisions, when its strategy is replayed by schedule
    /// file (pct, exhaustive).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "json::decisions"
    )]
    pub decisions: Vec<gene_sim::decide::Decision>,
    /// A digest of its first decisions (coverage, `strategy.rs`).
    #[serde(default)]
    pub prefix: u64,
}

/// Which seeds a shard runs: `i/n` (1-based) takes the seeds `s` with
/// `s % n == i - 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("--shard expects i/n with 1 <= i <= n, got {s:?}");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u64, u64) =
            (i.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?);
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// What an exploration runs: which seeds, and how each is set up.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The seeds `first_seed..first_seed + seeds`.
    pub first_seed: u64,
    pub seeds: u64,
    /// Random: schedules and faults; fifo: faults only.
    pub schedule: Schedule,
    /// The fault flags, added to each seed's swarm plan.
    pub extra_faults: FaultConfig,
    /// The output every seed should print, if any.
    pub expected: Option<expect::Expected>,
    /// How each run's decisions are made (`--strategy`).
    pub strategy: strategy::Kind,
}

impl Plan {
    /// Seeds `0..seeds`, random schedules, swarm plans only.
    pub fn seeds(seeds: u64) -> Plan {
        Plan {
            first_seed: 0,
            seeds,
            schedule: Schedule::Random,
            extra_faults: FaultConfig::new(),
            expected: None,
            strategy: strategy::Kind::Random,
        }
    }
}

/// The configuration of one seed: the base, with the plan's schedule and
/// the seed's swarm fault plan plus the plan's own faults (what `run --seed
/// S --swarm` with the same flags builds).
pub fn seed_config(base: &RunConfig, plan: &Plan, seed: u64) -> Result<RunConfig, String> {
    // Exhaustive exploration explores one configuration: no swarm plan.
    let swarm = match plan.strategy {
        strategy::Kind::Exhaustive { .. } => FaultConfig::new(),
        _ => FaultPlan::swarm_of_seed(seed).config().clone(),
    };
    Ok(RunConfig {
        seed,
        schedule: plan.schedule,
        faults: FaultPlan::new(swarm.merged_with(&plan.extra_faults))?,
        // The checkers need no decisions (see `RunConfig::record_decisions`).
        record_decisions: false,
        ..base.clone()
    })
}

fn run_seed(name: &str, text: &str, base: &RunConfig, plan: &Plan, seed: u64) -> SeedRun {
    let chosen = strategy::SeedStrategy::new(plan, seed);
    let mut run = match seed_config(base, plan, seed) {
        Ok(mut config) => {
            chosen.apply(&mut config);
            run_config(name, text, &config, plan, seed)
        }
        Err(e) => run_result(plan, seed, Err(format!("error: {e}")), Vec::new()),
    };
    run.prefix = chosen.prefix();
    run
}

/// One run of `config`, checked.
pub fn run_config(name: &str, text: &str, config: &RunConfig, plan: &Plan, seed: u64) -> SeedRun {
    let mut out = Vec::new();
    let ran = gene_sim::run_records(name, text, config, &mut out)
        .map_err(|e| format!("error: {}", e.error.message));
    run_result(plan, seed, ran, out)
}

pub(super) fn run_result(
    plan: &Plan,
    seed: u64,
    ran: Result<(gene_sim::Report, Vec<gene_sim::trace::read::Record>), String>,
    out: Vec<u8>,
) -> SeedRun {
    let mut decisions = Vec::new();
    let mut seen = Vec::new();
    let (result, unfinished, violations) = match ran {
        Ok((mut report, records)) => {
            decisions = std::mem::take(&mut report.decisions);
            seen = assertions::of_records(&records);
            let mut v: Vec<String> = check::check(&records)
                .iter()
                .map(|v| v.to_string())
                .collect();
            match &report.result {
                Ok(_) => ("ok".to_string(), false, v),
                Err(u) if crate::budget::did_not_finish(u) => {
                    (format!("did not finish: {}", u.message()), true, v)
                }
                Err(u) => {
                    if u.message().contains("VM fault") {
                        v.push(format!("[vm-fault] {}", u.message()));
                    }
                    (format!("error: {}", u.message()), false, v)
                }
            }
        }
        Err(e) => (e, false, Vec::new()),
    };
    let output = String::from_utf8_lossy(&out).into_owned();
    let digest = Sha256::digest(format!("{output}\u{0}{result}").as_bytes());
    let outcome: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    let unexpected_output = plan.expected.as_ref().is_some_and(|e| !e.matches(&output));
    SeedRun {
        seed,
        outcome,
        output,
        result,
        unfinished,
        violations,
        assertions: seen,
        unexpected_output,
        decisions,
        prefix: 0,
    }
}

/// One distinct outcome: how many seeds gave it, and the first of them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Outcome {
    pub count: u64,
    pub first: SeedRun,
}

/// What an exploration found, the same whatever the number of jobs (and,
/// merged, of shards).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Seeds run (this shard's).
    pub runs: u64,
    /// Distinct outcomes, in order of their first seed.
    pub outcomes: Vec<Outcome>,
    /// The seeds that broke an invariant, in seed order.
    pub violations: Vec<SeedRun>,
    /// Every assertion some seed reached, in key order, with its tally.
    #[serde(default)]
    pub assertions: Vec<(assertions::Key, assertions::Tally)>,
    /// The runs' distinct decision prefixes (coverage).
    #[serde(default)]
    pub prefixes: std::collections::BTreeSet<u64>,
    /// The first failure of each kind, shrunk (`shrink.rs`), in failure
    /// order; empty under `--no-shrink`.
    #[serde(default)]
    pub shrunk: Vec<shrink::Shrunk>,
}

impl Summary {
    /// Whether any seed failed (`failure::failure`): what makes `explore`
    /// exit 1.
    pub fn failed(&self) -> bool {
        !self.violations.is_empty()
            || self
                .assertions
                .iter()
                .any(|(k, t)| k.kind == "always" && t.failed > 0)
            || self
                .outcomes
                .iter()
                .any(|o| failure::outcome_failure(&o.first).is_some())
    }
}

/// A progress bar on stderr when it is a terminal, else a hidden one.
pub fn progress_bar(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:30} {pos}/{len} seeds, {per_sec}, {msg}, ETA {eta}")
    {
        bar.set_style(style);
    }
    bar.set_message("0 outcomes");
    bar
}

/// Runs the shard's seeds of the plan on `jobs` threads, one outcome per
/// distinct output and result, kept as they come (memory grows with the
/// outcomes, not the seeds).
pub fn explore(
    name: &str,
    text: &str,
    base: &RunConfig,
    plan: &Plan,
    jobs: usize,
    shard: Shard,
    progress: &ProgressBar,
) -> Summary {
    // Every seed's run shares one memo of the disk lookups (`gene_sim::disk`).
    let mut shared = base.clone();
    shared.disk.get_or_insert_with(Default::default);
    let base = &shared;
    let mine = ShardSeeds::new(plan, shard);
    let jobs = jobs.clamp(1, usize::try_from(mine.len()).unwrap_or(usize::MAX).max(1));
    let next = AtomicUsize::new(0);
    let seen: Mutex<FxHashSet<String>> = Mutex::default();
    let parts: Vec<Summary> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..jobs)
            .map(|_| {
                let (mine, next, seen) = (&mine, &next, &seen);
                scope.spawn(move || {
                    let mut part = Partial::default();
                    while let Some(s) = mine.get(next.fetch_add(1, Ordering::Relaxed) as u64) {
                        let run = run_seed(name, text, base, plan, s);
                        let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
                        if seen.insert(run.outcome.clone()) {
                            progress.set_message(format!("{} outcomes", seen.len()));
                        }
                        drop(seen);
                        progress.inc(1);
                        part.add(run);
                    }
                    part.done()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    progress.finish_and_clear();
    merge(parts)
}

/// The seeds of a plan that a shard runs, by index (no list in memory).
#[derive(Clone, Copy, Debug)]
pub struct ShardSeeds {
    start: u64,
    end: u64,
    step: u64,
}

impl ShardSeeds {
    pub fn new(plan: &Plan, shard: Shard) -> ShardSeeds {
        let end = plan.first_seed.saturating_add(plan.seeds);
        let want = shard.index - 1;
        let offset = (want + shard.count - plan.first_seed % shard.count) % shard.count;
        ShardSeeds {
            start: plan.first_seed.saturating_add(offset),
            end,
            step: shard.count,
        }
    }

    /// How many seeds.
    pub fn len(&self) -> u64 {
        if self.start >= self.end {
            0
        } else {
            (self.end - self.start).div_ceil(self.step)
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `k`th seed.
    pub fn get(&self, k: u64) -> Option<u64> {
        (k < self.len()).then(|| self.start + k * self.step)
    }
}

/// One job's share, keyed by outcome digest.
#[derive(Default)]
struct Partial {
    runs: u64,
    prefixes: std::collections::BTreeSet<u64>,
    outcomes: BTreeMap<String, Outcome>,
    violations: Vec<SeedRun>,
    assertions: BTreeMap<assertions::Key, assertions::Tally>,
}

impl Partial {
    fn add(&mut self, run: SeedRun) {
        self.runs += 1;
        assertions::add(&mut self.assertions, &run);
        self.prefixes.insert(run.prefix);
        if !run.violations.is_empty() {
            self.violations.push(run.clone());
        }
        self.outcomes
            .entry(run.outcome.clone())
            .and_modify(|o| o.count += 1)
            .or_insert(Outcome {
                count: 1,
                first: run,
            });
    }

    fn done(self) -> Summary {
        Summary {
            runs: self.runs,
            outcomes: self.outcomes.into_values().collect(),
            violations: self.violations,
            assertions: self.assertions.into_iter().collect(),
            prefixes: self.prefixes,
            shrunk: Vec::new(),
        }
    }
}

/// The summary of all the parts (of jobs, or of shards).
pub fn merge(parts: Vec<Summary>) -> Summary {
    let mut all: BTreeMap<String, Outcome> = BTreeMap::new();
    let mut tallies = BTreeMap::new();
    let mut summary = Summary::default();
    for part in parts {
        summary.runs += part.runs;
        assertions::merge(&mut tallies, part.assertions);
        summary.prefixes.extend(part.prefixes);
        summary.shrunk.extend(part.shrunk);
        summary.violations.extend(part.violations);
        for o in part.outcomes {
            match all.get_mut(&o.first.outcome) {
                Some(have) => {
                    have.count += o.count;
                    if o.first.seed < have.first.seed {
                        have.first = o.first;
                    }
                }
                None => {
                    all.insert(o.first.outcome.clone(), o);
                }
            }
        }
    }
    summary.outcomes = all.into_values().collect();
    summary.assertions = tallies.into_iter().collect();
    // Each shard shrank its first failure of each kind: the lowest seed's
    // is the one an unsharded exploration shrinks.
    summary
        .shrunk
        .sort_by(|a, b| (&a.failure, a.seed).cmp(&(&b.failure, b.seed)));
    summary
        .shrunk
        .dedup_by(|later, first| later.failure == first.failure);
    summary.outcomes.sort_by_key(|o| o.first.seed);
    summary.violations.sort_by_key(|r| r.seed);
    summary
}

/// What `explore` writes: the text report, or the shard's results as JSON.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExploreFormat {
    /// The report (outcomes, violations, assertions).
    #[default]
    Text,
    /// The results as one JSON document, for `explore --merge`.
    Json,
}

/// `gene-trace explore FILE [--seeds N] [--seed S] [--jobs J] [--shard i/n] ...`.
#[derive(clap::Args, Debug)]
pub struct ExploreArgs {
    /// The program (a `.gene` file) to run under every seed.
    #[arg(required_unless_present = "merge")]
    pub file: Option<String>,
    /// How many seeds to run: S..S+N, where S is --seed (default 0)
    /// [default: 1000].
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub seeds: Option<u64>,
    /// Threads to run seeds on (default: the machine's cores).
    #[arg(long, value_name = "J", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub jobs: Option<u64>,
    /// Run only the seeds `s` with `s % n == i - 1`, to split an exploration
    /// across CI jobs or machines.
    #[arg(long, value_name = "i/n", default_value = "1/1")]
    pub shard: Shard,
    /// Print each outcome's whole output (default: its first 6 lines).
    #[arg(long)]
    pub full: bool,
    /// Write each outcome's whole output to DIR/outcome-K.txt; under pct
    /// and exhaustive also each outcome's, failed always's and violation's
    /// schedule (outcome-K, always-K, violation-K.schedule). Shrunk
    /// schedules go to DIR too (else to the current directory).
    #[arg(long, value_name = "DIR")]
    pub outcomes_dir: Option<std::path::PathBuf>,
    /// Do not shrink the first failure of each kind.
    #[arg(long)]
    pub no_shrink: bool,
    /// The most wall time each shrink takes, in seconds (a shrink also
    /// stops after 2000 replays).
    #[arg(long, value_name = "SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub shrink_time: u64,
    /// Every seed must print this file's lines (blank lines and white space
    /// aside, as `# Expected:` is judged); any other output is a failing
    /// outcome. Refused when the program has `# Expected:` lines.
    #[arg(long, value_name = "FILE")]
    pub expect_output: Option<std::path::PathBuf>,
    /// `json`: write this shard's results as JSON (to --output, else
    /// standard output), for `explore --merge`.
    #[arg(long, value_enum, default_value_t = ExploreFormat::Text)]
    pub format: ExploreFormat,
    /// The file `--format json` writes.
    #[arg(long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    /// Combine the `--format json` files of every shard into the report
    /// the unsharded exploration prints (alone: no other option).
    #[arg(long, value_name = "FILE", num_args = 1.., exclusive = true)]
    pub merge: Vec<std::path::PathBuf>,
    #[command(flatten)]
    pub strategy: strategy::StrategyArgs,
    #[command(flatten)]
    pub run: Box<crate::RunArgs>,
}

/// The run options that mean something else in `explore`, refused.
fn refused(args: &ExploreArgs) -> Option<&'static str> {
    if args.run.real {
        Some("explore runs only in the simulation: --real is not supported")
    } else if args.run.swarm && args.strategy.strategy == strategy::StrategyArg::Exhaustive {
        Some(
            "--swarm makes no sense with --strategy exhaustive: it explores one configuration, whose fault coins come from the fault flags",
        )
    } else if args.run.swarm {
        Some("explore always draws each seed's swarm fault plan: drop --swarm")
    } else if args.output.is_some() && args.format != ExploreFormat::Json {
        Some(
            "--output writes the --format json results: add --format json (the text report goes to standard output)",
        )
    } else {
        None
    }
}

/// The schedule the seeds draw (random unless `--schedule fifo`).
pub fn schedule_of(args: &crate::RunArgs) -> Schedule {
    match args.schedule {
        Some(crate::ScheduleArg::Fifo) => Schedule::Fifo,
        Some(crate::ScheduleArg::Random) | None => Schedule::Random,
    }
}

/// 1 when any seed failed (`failure::failure`), else 0.
pub fn status(summary: &Summary) -> std::process::ExitCode {
    if summary.failed() {
        std::process::ExitCode::from(1)
    } else {
        std::process::ExitCode::SUCCESS
    }
}

/// The words of the command line after `explore`.
fn command_words() -> Vec<String> {
    let all: Vec<String> = std::env::args().collect();
    let at = all
        .iter()
        .position(|w| w == "explore")
        .map_or(all.len(), |i| i + 1);
    all[at..].to_vec()
}

pub fn main(args: &ExploreArgs) -> std::process::ExitCode {
    if !args.merge.is_empty() {
        return merge::main(&args.merge);
    }
    let started = Instant::now();
    if let Some(e) = refused(args) {
        return crate::args::usage(e);
    }
    let Some(file) = args.file.as_deref() else {
        return crate::args::usage("explore needs a program FILE (or --merge FILE...)");
    };
    let (name, text) = match crate::read_program(Some(file)) {
        Ok(p) => p,
        Err(e) => return crate::args::usage(&e),
    };
    let expect_file = match &args.expect_output {
        Some(p) => match crate::read_input(p, "an expected output", crate::MAX_PROGRAM_BYTES) {
            Ok(t) => Some((p.display().to_string(), t)),
            Err(e) => return crate::args::usage(&e),
        },
        None => None,
    };
    let expected = match expect::expected(
        &text,
        expect_file.as_ref().map(|(p, t)| (p.as_str(), t.as_str())),
    ) {
        Ok(e) => e,
        Err(e) => return crate::args::usage(&e),
    };
    // A program that does not compile fails every seed alike: say so once.
    if let Err(e) = gene_vm::Vm::new(Default::default()).compile(&name, &text) {
        eprint!("{}", e.render());
        return std::process::ExitCode::from(1);
    }
    let (mut base, extra_faults) = match args.run.config().and_then(|c| {
        let f = args.run.fault_config()?;
        Ok((c, f))
    }) {
        Ok(c) => c,
        Err(e) => return crate::args::usage(&e),
    };
    crate::budget::apply(
        &mut base,
        crate::budget::EXPLORE_INSTRUCTIONS,
        crate::budget::EXPLORE_MEMORY,
    );
    // Every run of this exploration (seeds, exhaustive schedules, pct's
    // step count, shrinking's replays) shares one memo of the disk lookups.
    base.disk.get_or_insert_with(Default::default);
    let kind = match strategy::kind(&args.strategy, &args.run, args.seeds.is_some()) {
        Ok(k) => k,
        Err(e) => return crate::args::usage(e),
    };
    let exhaustive = matches!(kind, strategy::Kind::Exhaustive { .. });
    let seeds = if exhaustive {
        1
    } else {
        args.seeds.unwrap_or(1000)
    };
    if args.run.seed.checked_add(seeds).is_none() {
        return crate::args::usage("--seed plus --seeds passes the largest seed");
    }
    let mut plan = Plan {
        first_seed: args.run.seed,
        seeds,
        strategy: kind,
        schedule: if exhaustive {
            Schedule::Fifo
        } else {
            schedule_of(&args.run)
        },
        extra_faults,
        expected,
    };
    if let strategy::Kind::Pct { depth, steps: 0 } = plan.strategy {
        let steps = strategy::count_steps(&name, &text, &base, &plan);
        plan.strategy = strategy::Kind::Pct { depth, steps };
    }
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |j| j as usize,
    );
    let mut inputs = vec![std::path::Path::new(file)];
    inputs.extend(args.run.faults.as_deref());
    inputs.extend(args.expect_output.as_deref());
    if let Some(dir) = &args.outcomes_dir
        && let Err(e) = report::check_outcomes_dir(dir, &inputs)
    {
        return crate::args::usage(&e);
    }
    if let Some(out) = &args.output
        && let Err(e) = crate::paths::check_output("--output", out, &inputs)
    {
        return crate::args::usage(&e);
    }
    let declared = assertions::declared(&name, &text);
    let (mut summary, exhaustive_run) = if let strategy::Kind::Exhaustive { max, .. } =
        plan.strategy
    {
        let bar = progress_bar(max);
        let part = strategy::explore_exhaustive(&name, &text, &base, &plan, jobs, args.shard, &bar);
        let (summary, stats) = strategy::summarize(vec![part.clone()], max);
        (summary, Some((part, stats)))
    } else {
        let bar = progress_bar(ShardSeeds::new(&plan, args.shard).len());
        let summary = explore(&name, &text, &base, &plan, jobs, args.shard, &bar);
        (summary, None)
    };
    let closing = match (&exhaustive_run, plan.strategy) {
        (Some((_, stats)), strategy::Kind::Exhaustive { max, .. }) => Some(
            strategy::coverage(&summary, stats.late) + &strategy::verdict(&summary, stats, max),
        ),
        _ => None,
    };
    let secs = started.elapsed().as_secs_f64();
    if !args.no_shrink {
        let limits = shrink::Limits {
            time: std::time::Duration::from_secs(args.shrink_time),
            tests: shrink::MAX_TESTS,
        };
        summary.shrunk = shrink::shrink_all((&name, &text), &base, &plan, &summary, limits);
    }
    let runs = if exhaustive { "schedules" } else { "seeds" };
    eprintln!(
        "explore: {} {runs} in {secs:.2} s ({:.0} {runs}/s)",
        summary.runs,
        summary.runs as f64 / secs.max(1e-9)
    );
    let options = ReportOptions {
        file,
        shard: args.shard,
        plan: &plan,
        args: &args.run,
        base: &base,
        full: args.full,
        outcomes_dir: args.outcomes_dir.as_deref(),
        declared: &declared,
    };
    // A shard's JSON holds its outcomes (numbered within the shard); the
    // merge writes them, numbered as the report numbers them.
    if let Some(dir) = &args.outcomes_dir
        && args.format == ExploreFormat::Text
        && let Err(e) =
            report::write_outcomes(dir, &summary, &inputs).and_then(|()| match plan.strategy {
                strategy::Kind::Random => Ok(()),
                _ => strategy::write_schedules(dir, &summary, &name, &text),
            })
    {
        return crate::fail(&e);
    }
    // A shard's JSON holds its shrunk schedules; the merge writes them.
    if args.format == ExploreFormat::Text
        && let Err(e) = shrink::write(&summary.shrunk, &options)
    {
        return crate::fail(&e);
    }
    let text = match args.format {
        ExploreFormat::Text => report::report(&summary, &options, closing.as_deref()),
        ExploreFormat::Json => json::write(
            &json::Context {
                name: &name,
                text: &text,
                command: json::shared_command(&command_words()),
                plan: &plan,
                shard: args.shard,
                max_instructions: base.vm.max_instructions,
                max_memory: base.max_memory,
                declared: &declared,
                exhaustive: exhaustive_run.map(|(part, _)| json::Exhaustive::of(&part)),
            },
            &summary,
        ),
    };
    match args.output.as_ref().filter(|p| p.as_os_str() != "-") {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                return crate::fail(&format!("cannot write {}: {e}", path.display()));
            }
        }
        None => {
            if let Err(code) = crate::output::print(&text) {
                return code;
            }
        }
    }
    status(&summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_seeds_are_the_filtered_range() {
        for first in [0u64, 1, 5, 7, 1000] {
            for n in 1..12u64 {
                for count in 1..5 {
                    for index in 1..=count {
                        let plan = Plan {
                            first_seed: first,
                            ..Plan::seeds(n)
                        };
                        let seeds = ShardSeeds::new(&plan, Shard { index, count });
                        let got: Vec<u64> = (0..seeds.len()).filter_map(|k| seeds.get(k)).collect();
                        let want: Vec<u64> = (first..first + n)
                            .filter(|s| s % count == index - 1)
                            .collect();
                        assert_eq!(got, want, "{first} {n} {index}/{count}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_summary_does_not_depend_on_the_jobs() {
        let text =
            "(fn ^^async w [x] (await (gene/sleep_async 1)) (print x)) (await (w 1) (w 2) (w 3))";
        let base = RunConfig::default();
        let plan = Plan::seeds(40);
        let shard = Shard { index: 1, count: 1 };
        let hidden = ProgressBar::hidden();
        let key = |s: &Summary| -> Vec<(u64, u64, String)> {
            s.outcomes
                .iter()
                .map(|o| (o.count, o.first.seed, o.first.outcome.clone()))
                .collect()
        };
        let one = explore("p.gene", text, &base, &plan, 1, shard, &hidden);
        let four = explore("p.gene", text, &base, &plan, 4, shard, &hidden);
        assert_eq!(one.runs, 40);
        assert!(one.outcomes.len() > 1, "the schedules differ");
        assert_eq!(key(&one), key(&four));
    }
}
