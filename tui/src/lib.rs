//! Shared pieces of the `gene` and `gene-trace` command-line tools.

pub mod diff;
pub mod export;
pub mod replay;

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use gene_sim::faults::{FaultConfig, FaultPlan};
use gene_sim::{Report, RunConfig, Schedule};
use gene_vm::{AwaitMode, VmConfig};

/// How a run is set up: limits, and the world it runs in.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// End the run with an error after this many VM instructions.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_instructions: Option<u64>,
    /// Nested calls beyond this (counting tasks started at once, such as
    /// `^^async` calls, and their frames) raise a catchable "stack overflow".
    #[arg(long, value_name = "N", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_depth: u64,
    /// Seed of every random choice: latency jitter, faults, schedule.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    /// Order of same-instant timers and ready tasks.
    #[arg(long, value_enum, default_value_t = ScheduleArg::Fifo)]
    pub schedule: ScheduleArg,
    /// Instructions between two polls of the event loop.
    #[arg(long, value_name = "N", default_value_t = 100,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub poll_every: u64,
    /// What `await` on a pending future does.
    #[arg(long = "await", value_enum, default_value_t = AwaitArg::Suspend)]
    pub await_mode: AwaitArg,
    /// A fault plan (TOML: fail_nth, fail_paths, fail_probability,
    /// short_read_probability, short_read_paths); the flags below add to it.
    #[arg(long, value_name = "FILE")]
    pub faults: Option<PathBuf>,
    /// Fail the Nth I/O operation (reads and writes, from 1); repeatable.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub fail_nth: Vec<u64>,
    /// Fail I/O on paths matching this pattern (`*` matches anything); repeatable.
    #[arg(long, value_name = "GLOB")]
    pub fail_path: Vec<String>,
    /// Fail each I/O operation with this probability.
    #[arg(long, value_name = "P")]
    pub fail_probability: Option<f64>,
    /// Cut each read short with this probability.
    #[arg(long, value_name = "P")]
    pub short_read_probability: Option<f64>,
    /// The directory the simulated file system overlays (default: the working directory).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// What `gene/time/now` reads at virtual time zero, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 0.0)]
    pub start_time: f64,
    /// Draw the fault plan from the seed, as `explore` does.
    #[arg(long)]
    pub swarm: bool,
    /// The real clock and real files instead of the simulation.
    #[arg(long)]
    pub real: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ScheduleArg {
    /// Start order.
    Fifo,
    /// A permutation drawn from the seed.
    Random,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AwaitArg {
    /// The task suspends; others run.
    Suspend,
    /// The task holds the VM; only callbacks run until its future resolves.
    Blocking,
}

impl RunArgs {
    // `..VmConfig::default()` fills gene-vm's test-only `mutation` field
    // when the tests' feature is on, and nothing otherwise.
    #[allow(clippy::needless_update)]
    pub fn config(&self) -> Result<RunConfig, String> {
        if !self.start_time.is_finite() || self.start_time < 0.0 {
            return Err(format!(
                "--start-time must be a non-negative number of seconds, got {}",
                self.start_time
            ));
        }
        let mut faults = match &self.faults {
            Some(path) => FaultConfig::from_toml_file(path)?,
            None => FaultConfig::new(),
        };
        for &n in &self.fail_nth {
            faults = faults.with_fail_nth(n);
        }
        for p in &self.fail_path {
            faults = faults.with_fail_path(p.clone());
        }
        if let Some(p) = self.fail_probability {
            faults = faults.with_fail_probability(p);
        }
        if let Some(q) = self.short_read_probability {
            faults = faults.with_short_read_probability(q);
        }
        let faults = if self.swarm {
            FaultPlan::swarm_of_seed(self.seed)
        } else {
            FaultPlan::new(faults)?
        };
        let root = match &self.root {
            Some(r) => r.clone(),
            None => std::env::current_dir()
                .map_err(|e| format!("cannot read the working directory: {e}"))?,
        };
        Ok(RunConfig {
            vm: VmConfig {
                max_depth: self.max_depth as usize,
                max_instructions: self.max_instructions,
                await_mode: match self.await_mode {
                    AwaitArg::Suspend => AwaitMode::Suspend,
                    AwaitArg::Blocking => AwaitMode::Blocking,
                },
                start_secs: self.start_time,
                ..VmConfig::default()
            },
            poll_every: self.poll_every,
            seed: self.seed,
            schedule: match self.schedule {
                ScheduleArg::Fifo => Schedule::Fifo,
                ScheduleArg::Random => Schedule::Random,
            },
            faults,
            root,
            real: self.real,
            ..RunConfig::default()
        })
    }
}

pub mod checks;
pub mod explore;

/// Reads a program from a file, or from stdin when no path (or `-`) is given.
pub fn read_program(path: Option<&str>) -> Result<(String, String), String> {
    match path {
        Some(p) if p != "-" => std::fs::read(p)
            .map_err(|e| format!("cannot read {p}: {e}"))
            .map(|b| (p.to_string(), String::from_utf8_lossy(&b).into_owned())),
        _ => {
            let mut b = Vec::new();
            io::stdin()
                .read_to_end(&mut b)
                .map_err(|e| format!("cannot read stdin: {e}"))?;
            Ok((
                "<stdin>".to_string(),
                String::from_utf8_lossy(&b).into_owned(),
            ))
        }
    }
}

/// What to do besides printing the program's own output.
#[derive(Clone, Debug, Default)]
pub struct Extras {
    /// The `--stats` summary, on stderr.
    pub stats: bool,
    /// A warning per unobserved failure, on stderr.
    pub unobserved: bool,
    /// Record the trace into this file.
    pub trace: Option<PathBuf>,
}

/// Runs a program with its output on stdout; errors go to stderr, status 1.
pub fn run_program(
    name: &str,
    text: &str,
    args: &RunArgs,
    extras: &Extras,
) -> (ExitCode, Option<Report>) {
    let config = match args.config() {
        Ok(c) => c,
        Err(e) => return (fail(&e), None),
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let trace: Option<Box<dyn Write + Send>> = match &extras.trace {
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Some(Box::new(io::BufWriter::new(f))),
            Err(e) => {
                return (
                    fail(&format!("cannot create {}: {e}", path.display())),
                    None,
                );
            }
        },
        None => None,
    };
    let report = match gene_sim::run_traced(name, text, &config, &mut out, trace) {
        Ok(r) => r,
        Err(e) => {
            eprint!("{}", e.render());
            return (ExitCode::from(1), None);
        }
    };
    let _ = out.flush();
    if extras.unobserved {
        for v in &report.unobserved {
            let mut s = String::new();
            gene_vm::display::write_quoted(&mut s, v);
            eprintln!("warning: unobserved failure: {s}");
        }
    }
    if extras.stats {
        eprint!("{}", report.summary());
    }
    let mut code = match &report.result {
        Ok(_) => ExitCode::SUCCESS,
        Err(u) => {
            eprint!("{}", u.render());
            ExitCode::from(1)
        }
    };
    if let (Some(e), Some(path)) = (&report.trace_error, &extras.trace) {
        eprintln!("error: writing the trace to {} failed: {e}", path.display());
        code = ExitCode::from(1);
    }
    (code, Some(report))
}

/// Prints a tool error (not a program error) and returns status 1.
pub fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(1)
}
