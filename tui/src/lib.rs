//! Shared pieces of the `gene` and `gene-trace` command-line tools.

pub mod args;
pub mod budget;
pub mod diff;
pub mod export;
pub mod help;
pub mod output;
pub mod paths;
pub mod replay;
mod run;
pub mod test_runner;

pub use run::{Extras, run_program, trace_file};

use std::io::{self, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use gene_sim::faults::{FaultConfig, FaultPlan};
use gene_sim::{RunConfig, Schedule};
use gene_vm::{AwaitMode, VmConfig};

/// How a run is set up: limits, and the world it runs in.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// End the run with an error after this many VM instructions (default:
    /// none; 50,000,000 with --check or --check-determinism; 5,000,000 a
    /// seed in explore).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_instructions: Option<u64>,
    /// Nested calls beyond this (counting tasks started at once, such as
    /// `^^async` calls, and their frames) raise a catchable "stack overflow".
    #[arg(long, value_name = "N", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_depth: u64,
    /// End the run with an error once it holds more than this much memory
    /// (bytes; suffixes K, M, G, T are powers of 1024).
    #[arg(long, value_name = "SIZE", default_value = "4G", value_parser = parse_size_arg)]
    pub max_memory: u64,
    /// Building a string longer than this raises a catchable "value too
    /// large" (bytes; suffixes K, M, G, T).
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = parse_size_arg)]
    pub max_string_size: u64,
    /// Building an array, map or gene with more items than this raises a
    /// catchable "value too large".
    #[arg(long, value_name = "N", default_value_t = gene_vm::limits::DEFAULT_MAX_ELEMENTS as u64,
          value_parser = clap::value_parser!(u64).range(1..=1 << 40))]
    pub max_elements: u64,
    /// Seed of every random choice: latency jitter, faults, schedule.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    /// Order of same-instant timers and ready tasks [default: fifo; explore: random].
    #[arg(long, value_enum)]
    pub schedule: Option<ScheduleArg>,
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
    /// Fail I/O on paths matching this pattern, as the program wrote the
    /// path: `*` matches within a path component, `**` across components,
    /// `**/` zero or more directories; repeatable.
    #[arg(long, value_name = "GLOB")]
    pub fail_path: Vec<String>,
    /// Fail each I/O operation with this probability.
    #[arg(long, value_name = "P", value_parser = crate::args::probability)]
    pub fail_probability: Option<f64>,
    /// Cut each read short with this probability.
    #[arg(long, value_name = "P", value_parser = crate::args::probability)]
    pub short_read_probability: Option<f64>,
    /// The directory the simulated file system reads [default: the nearest
    /// ancestor of the working directory holding .git, else the working
    /// directory]; reading a file outside it fails, writes stay in memory.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The program's working directory, which relative paths resolve
    /// against; inside the root [default: the working directory, or the
    /// root when that lies outside it].
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<PathBuf>,
    /// What `gene/time/now` reads at virtual time zero, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 0.0,
          value_parser = crate::args::seconds)]
    pub start_time: f64,
    /// Draw the fault plan from the seed, as `explore` does; the fault
    /// flags add to it.
    #[arg(long)]
    pub swarm: bool,
    /// The real clock and real files instead of the simulation.
    #[arg(long)]
    pub real: bool,
    /// The longest file a read may return, in bytes; longer files raise a
    /// catchable error.
    #[arg(long, value_name = "BYTES", default_value_t = gene_sim::fs::DEFAULT_MAX_READ_SIZE,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_read_size: u64,
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
    /// The fault plan of `--faults` and the fault flags.
    pub fn fault_config(&self) -> Result<FaultConfig, String> {
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
        Ok(faults)
    }

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
        let faults = self.fault_config()?;
        let faults = if self.swarm {
            let swarm = FaultPlan::swarm_of_seed(self.seed).config().clone();
            FaultPlan::new(swarm.merged_with(&faults))?
        } else {
            FaultPlan::new(faults)?
        };
        let here = std::env::current_dir()
            .map_err(|e| format!("cannot read the working directory: {e}"))?;
        let (root, cwd) =
            crate::paths::world_dirs(&here, self.root.as_deref(), self.cwd.as_deref())?;
        Ok(RunConfig {
            vm: VmConfig {
                max_depth: self.max_depth as usize,
                max_instructions: self.max_instructions,
                await_mode: match self.await_mode {
                    AwaitArg::Suspend => AwaitMode::Suspend,
                    AwaitArg::Blocking => AwaitMode::Blocking,
                },
                start_secs: self.start_time,
                max_string_bytes: usize::try_from(self.max_string_size).unwrap_or(usize::MAX),
                max_elements: usize::try_from(self.max_elements).unwrap_or(usize::MAX),
                ..VmConfig::default()
            },
            poll_every: self.poll_every,
            seed: self.seed,
            schedule: match self.schedule {
                Some(ScheduleArg::Random) => Schedule::Random,
                Some(ScheduleArg::Fifo) | None => Schedule::Fifo,
            },
            faults,
            root,
            cwd,
            real: self.real,
            max_read_size: self.max_read_size,
            max_memory: Some(self.max_memory),
            ..RunConfig::default()
        })
    }
}

pub mod check_trace;

/// A byte count flag: `1048576`, `512M`, `4G` (at least 1 byte).
pub(crate) fn parse_size_arg(s: &str) -> Result<u64, String> {
    match gene_sim::memory::parse_size(s)? {
        0 => Err("must be at least 1 byte".into()),
        n => Ok(n),
    }
}

pub mod checks;
pub mod explore;

/// The largest program the tools read, in bytes.
pub const MAX_PROGRAM_BYTES: u64 = 64 * 1024 * 1024;

/// Reads a program from a file, or from stdin when no path (or `-`) is
/// given. Only a regular file of at most `MAX_PROGRAM_BYTES` is read: a
/// FIFO or a device is refused at once instead of blocking or reading
/// forever (the simulated file system's rules, `gene_sim::regular_file`).
/// Reads an input file that must be a regular file of at most `max` bytes
/// (`what` it is, for the message: `a program`, `a schedule file`).
pub fn read_input(path: &std::path::Path, what: &str, max: u64) -> Result<String, String> {
    use gene_sim::regular_file::{self, Refusal};
    let p = path.display();
    match regular_file::read(path, max) {
        Ok(text) => Ok(text),
        Err(Refusal::NotRegular(kind)) => {
            Err(format!("cannot read {p}: it is {kind}, not a regular file"))
        }
        Err(Refusal::TooLarge(max)) => Err(format!(
            "cannot read {p}: larger than the limit of {max} bytes for {what}"
        )),
        Err(Refusal::CannotOpen) => Err(match std::fs::metadata(path) {
            Err(e) => format!("cannot read {p}: {e}"),
            Ok(_) => format!("cannot read {p}: not a readable file"),
        }),
    }
}

pub fn read_program(path: Option<&str>) -> Result<(String, String), String> {
    match path {
        Some(p) if p != "-" => read_input(std::path::Path::new(p), "a program", MAX_PROGRAM_BYTES)
            .map(|t| (p.to_string(), t)),
        _ => {
            let mut b = Vec::new();
            io::stdin()
                .take(MAX_PROGRAM_BYTES + 1)
                .read_to_end(&mut b)
                .map_err(|e| format!("cannot read stdin: {e}"))?;
            if b.len() as u64 > MAX_PROGRAM_BYTES {
                return Err(format!(
                    "cannot read stdin: larger than the limit of {MAX_PROGRAM_BYTES} bytes for a program"
                ));
            }
            let text = match String::from_utf8(b) {
                Ok(t) => t,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            };
            Ok(("<stdin>".to_string(), text))
        }
    }
}

/// Prints a tool error (not a program error) and returns status 1.
pub fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(1)
}
