//! `gene-trace explore`: one program under many seeds. Each seed draws a
//! random schedule and a swarm fault plan; every run's trace goes through
//! the invariant checkers; runs are grouped by outcome (output and result).

use std::collections::BTreeMap;
use std::time::Instant;

use gene_sim::faults::FaultPlan;
use gene_sim::trace::check;
use gene_sim::{RunConfig, Schedule};
use sha2::{Digest, Sha256};

/// How one seed went.
#[derive(Clone, Debug)]
pub struct SeedRun {
    pub seed: u64,
    /// Digest of the output and the result.
    pub outcome: String,
    pub output: String,
    /// `ok`, or the error's first line.
    pub result: String,
    pub violations: Vec<String>,
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

/// The configuration of one seed: the base, with the seed's random
/// schedule and swarm fault plan.
pub fn seed_config(base: &RunConfig, seed: u64) -> RunConfig {
    RunConfig {
        seed,
        schedule: Schedule::Random,
        faults: FaultPlan::swarm_of_seed(seed),
        ..base.clone()
    }
}

fn run_seed(name: &str, text: &str, base: &RunConfig, seed: u64) -> SeedRun {
    let config = seed_config(base, seed);
    let mut out = Vec::new();
    let (result, violations) = match gene_sim::run_collected(name, text, &config, &mut out) {
        Ok((report, trace)) => {
            let mut v: Vec<String> = check::check(&trace.records)
                .iter()
                .map(|v| v.to_string())
                .collect();
            let result = match &report.result {
                Ok(_) => "ok".to_string(),
                Err(u) => {
                    if u.message().contains("VM fault") {
                        v.push(format!("[vm-fault] {}", u.message()));
                    }
                    format!("error: {}", u.message())
                }
            };
            (result, v)
        }
        Err(e) => (format!("error: {}", e.error.message), Vec::new()),
    };
    let output = String::from_utf8_lossy(&out).into_owned();
    let digest = Sha256::digest(format!("{output}\u{0}{result}").as_bytes());
    let outcome: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    SeedRun {
        seed,
        outcome,
        output,
        result,
        violations,
    }
}

/// Runs the shard's seeds among `0..seeds` on `jobs` threads; the result is
/// in seed order whatever the number of jobs.
pub fn explore(
    name: &str,
    text: &str,
    base: &RunConfig,
    seeds: u64,
    jobs: usize,
    shard: Shard,
) -> Vec<SeedRun> {
    let mine: Vec<u64> = (0..seeds)
        .filter(|s| s % shard.count == shard.index - 1)
        .collect();
    let jobs = jobs.clamp(1, mine.len().max(1));
    let mut runs: Vec<SeedRun> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..jobs)
            .map(|j| {
                let mine = &mine;
                scope.spawn(move || {
                    mine.iter()
                        .skip(j)
                        .step_by(jobs)
                        .map(|&s| run_seed(name, text, base, s))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    runs.sort_by_key(|r| r.seed);
    runs
}

/// The text `explore` prints: outcomes with counts and a seed each, then
/// violations with the command that reproduces and traces them.
pub fn report(
    file: &str,
    runs: &[SeedRun],
    shard: Shard,
    repro_flags: &str,
    started: Instant,
) -> String {
    let mut out = String::new();
    let secs = started.elapsed().as_secs_f64();
    out.push_str(&format!(
        "explored {} seeds of {file} (shard {}/{}) in {secs:.2} s ({:.0} seeds/s)\n",
        runs.len(),
        shard.index,
        shard.count,
        runs.len() as f64 / secs.max(1e-9)
    ));
    // Outcomes in order of their first seed.
    let mut outcomes: BTreeMap<&str, (usize, &SeedRun)> = BTreeMap::new();
    for r in runs {
        outcomes.entry(&r.outcome).or_insert((0, r)).0 += 1;
    }
    let mut list: Vec<_> = outcomes.values().collect();
    list.sort_by_key(|(_, r)| r.seed);
    out.push_str(&format!("{} distinct outcome(s):\n", list.len()));
    for (i, (count, r)) in list.iter().enumerate() {
        out.push_str(&format!(
            "  outcome {} ({count} seeds, e.g. seed {}): {}\n",
            i + 1,
            r.seed,
            r.result
        ));
        let lines: Vec<&str> = r.output.lines().collect();
        for l in lines.iter().take(6) {
            out.push_str(&format!("    | {l}\n"));
        }
        if lines.len() > 6 {
            out.push_str(&format!("    | ... ({} more lines)\n", lines.len() - 6));
        }
    }
    let broken: Vec<&SeedRun> = runs.iter().filter(|r| !r.violations.is_empty()).collect();
    if broken.is_empty() {
        out.push_str("no invariant violations\n");
    } else {
        out.push_str(&format!(
            "invariant violations in {} seed(s):\n",
            broken.len()
        ));
        for r in broken {
            for v in &r.violations {
                out.push_str(&format!("  seed {}: {v}\n", r.seed));
            }
            out.push_str(&format!(
                "    reproduce: gene-trace run {file} --seed {} --schedule random --swarm{repro_flags} --trace seed-{}.jsonl\n",
                r.seed, r.seed
            ));
        }
    }
    out
}

/// `gene-trace explore FILE --seeds N [--jobs J] [--shard i/n]`.
#[derive(clap::Args, Debug)]
pub struct ExploreArgs {
    pub file: String,
    /// How many seeds (0..N) to run.
    #[arg(long, value_name = "N", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub seeds: u64,
    /// Threads to run seeds on (default: the machine's cores).
    #[arg(long, value_name = "J", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub jobs: Option<u64>,
    /// Run only the seeds `s` with `s % n == i - 1`, to split an exploration
    /// across CI jobs or machines.
    #[arg(long, value_name = "i/n", default_value = "1/1")]
    pub shard: Shard,
    #[command(flatten)]
    pub run: Box<crate::RunArgs>,
}

pub fn main(args: &ExploreArgs) -> std::process::ExitCode {
    let started = Instant::now();
    let (name, text) = match crate::read_program(Some(&args.file)) {
        Ok(p) => p,
        Err(e) => return crate::fail(&e),
    };
    let base = match args.run.config() {
        Ok(c) => c,
        Err(e) => return crate::fail(&e),
    };
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |j| j as usize,
    );
    let runs = explore(&name, &text, &base, args.seeds, jobs, args.shard);
    print!(
        "{}",
        report(
            &args.file,
            &runs,
            args.shard,
            &repro_flags(&args.run),
            started
        )
    );
    if runs.iter().any(|r| !r.violations.is_empty()) {
        std::process::ExitCode::from(1)
    } else {
        std::process::ExitCode::SUCCESS
    }
}

/// The options of `args` that differ from the defaults, for reproduction.
fn repro_flags(args: &crate::RunArgs) -> String {
    let mut f = String::new();
    if args.poll_every != 100 {
        f.push_str(&format!(" --poll-every {}", args.poll_every));
    }
    if matches!(args.await_mode, crate::AwaitArg::Blocking) {
        f.push_str(" --await blocking");
    }
    if let Some(root) = &args.root {
        f.push_str(&format!(" --root {}", root.display()));
    }
    if let Some(n) = args.max_instructions {
        f.push_str(&format!(" --max-instructions {n}"));
    }
    if args.max_depth != 10_000 {
        f.push_str(&format!(" --max-depth {}", args.max_depth));
    }
    if args.start_time != 0.0 {
        f.push_str(&format!(" --start-time {}", args.start_time));
    }
    f
}
