//! Running a generated program on the VM, and reporting a disagreement with
//! everything needed to reproduce it.

use std::fmt::Write as _;
use std::path::PathBuf;

use gene_sim::faults::{FaultConfig, FaultPlan};
use gene_sim::{RunConfig, Schedule};
use gene_vm::{AwaitMode, VmConfig};

use super::ast::{Program, print_program};
use super::model::Prediction;

/// A generous safety net: generated programs run a few thousand
/// instructions at most.
const MAX_INSTRUCTIONS: u64 = 5_000_000;
/// Larger than any generated program: polls happen only when every task
/// waits, never because a budget ran out.
pub const POLL_EVERY: u64 = 1_000_000_000;

/// How a run is set up, besides the program (and its fault plan).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setup {
    pub schedule: Schedule,
    pub seed: u64,
    pub await_mode: AwaitMode,
}

impl Setup {
    pub const FIFO: Setup = Setup {
        schedule: Schedule::Fifo,
        seed: 0,
        await_mode: AwaitMode::Suspend,
    };

    pub fn random(seed: u64) -> Setup {
        Setup {
            schedule: Schedule::Random,
            seed,
            await_mode: AwaitMode::Suspend,
        }
    }

    pub fn blocking() -> Setup {
        Setup {
            await_mode: AwaitMode::Blocking,
            ..Setup::FIFO
        }
    }
}

/// What the VM did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observed {
    pub lines: Vec<String>,
    pub result: Result<(), String>,
    pub elapsed_nanos: u64,
    /// Display form of each unobserved failure, sorted.
    pub unobserved: Vec<String>,
    /// Scope audit findings (`Debug` of each miscount).
    pub miscounts: Vec<String>,
    pub live_scopes: usize,
}

impl Observed {
    /// The run ended with an internal error of the VM.
    pub fn vm_fault(&self) -> bool {
        matches!(&self.result, Err(m) if m.contains("VM fault"))
    }
}

/// The directory the simulated file system overlays. Generated paths are
/// plain names that exist nowhere, and writes stay in memory.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn run_config(prog: &Program, setup: Setup) -> RunConfig {
    let mut faults = FaultConfig::new();
    for &n in &prog.faults.fail_nth {
        faults = faults.with_fail_nth(n);
    }
    for p in &prog.faults.fail_paths {
        faults = faults.with_fail_path(p.clone());
    }
    RunConfig {
        vm: VmConfig {
            max_instructions: Some(MAX_INSTRUCTIONS),
            await_mode: setup.await_mode,
            ..VmConfig::default()
        },
        poll_every: POLL_EVERY,
        seed: setup.seed,
        schedule: setup.schedule,
        faults: FaultPlan::new(faults).expect("a valid fault plan"),
        root: root(),
        ..RunConfig::default()
    }
}

/// Runs a program on the VM in the simulated world.
pub fn run_vm(prog: &Program, setup: Setup) -> Observed {
    run_vm_with(prog, &run_config(prog, setup))
}

/// Runs a program on the VM with this configuration.
pub fn run_vm_with(prog: &Program, config: &RunConfig) -> Observed {
    let src = print_program(prog);
    let mut out = Vec::new();
    let report = match gene_sim::run("prop.gene", &src, config, &mut out) {
        Ok(r) => r,
        Err(e) => panic!("a generated program does not load: {}\n{src}", e.render()),
    };
    let text = String::from_utf8_lossy(&out);
    let mut unobserved: Vec<String> = report
        .unobserved
        .iter()
        .map(gene_vm::display::display)
        .collect();
    unobserved.sort();
    Observed {
        lines: text.lines().map(str::to_string).collect(),
        result: report.result.map(|_| ()).map_err(|u| u.message()),
        elapsed_nanos: report.elapsed_nanos,
        unobserved,
        miscounts: report
            .closing
            .miscounts
            .iter()
            .map(|m| format!("{m:?}"))
            .collect(),
        live_scopes: report.closing.live,
    }
}

/// The `gene-trace` command line that reruns `prog` (saved as `file`) the
/// same way, with a trace.
pub fn command(prog: &Program, setup: Setup, file: &str) -> String {
    let mut c = format!(
        "gene-trace run --seed {} --schedule {} --poll-every {POLL_EVERY}",
        setup.seed,
        match setup.schedule {
            Schedule::Fifo => "fifo",
            Schedule::Random => "random",
        }
    );
    if setup.await_mode == AwaitMode::Blocking {
        c.push_str(" --await blocking");
    }
    for n in &prog.faults.fail_nth {
        let _ = write!(c, " --fail-nth {n}");
    }
    for p in &prog.faults.fail_paths {
        let _ = write!(c, " --fail-path {p}");
    }
    let _ = write!(c, " --root {} {file} --trace out.jsonl", root().display());
    c
}

/// Saves the program where a failing property can point to it, and gives
/// the path. Each property has one file, overwritten by every failing case,
/// so that after shrinking it holds the minimal one.
pub fn save(prog: &Program, property: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("props");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{property}.gene"));
    let _ = std::fs::write(&path, print_program(prog));
    path.display().to_string()
}

fn show_prediction(out: &mut String, p: &Prediction) {
    for l in &p.lines {
        let _ = writeln!(out, "  {l}");
    }
    let _ = writeln!(out, "  result: {:?}", p.result);
    let _ = writeln!(out, "  elapsed: {} ns", p.elapsed_nanos);
    let _ = writeln!(out, "  unobserved: {:?}", p.unobserved);
}

fn show_observed(out: &mut String, o: &Observed) {
    for l in &o.lines {
        let _ = writeln!(out, "  {l}");
    }
    let _ = writeln!(out, "  result: {:?}", o.result);
    let _ = writeln!(out, "  elapsed: {} ns", o.elapsed_nanos);
    let _ = writeln!(out, "  unobserved: {:?}", o.unobserved);
    if !o.miscounts.is_empty() || o.live_scopes != 0 {
        let _ = writeln!(
            out,
            "  scope audit: {} live, miscounts {:?}",
            o.live_scopes, o.miscounts
        );
    }
}

/// The message of a failing property: what differs, the program, how to
/// rerun it, and both sides.
pub fn report(
    property: &str,
    what: &str,
    prog: &Program,
    setup: Setup,
    expected: Option<&Prediction>,
    expected_observed: Option<&Observed>,
    actual: &Observed,
) -> String {
    let file = save(prog, property);
    let mut m = String::new();
    let _ = writeln!(m, "{property}: {what}");
    let _ = writeln!(m, "--- program ({file}) ---");
    m.push_str(&print_program(prog));
    let _ = writeln!(
        m,
        "--- config: schedule {:?}, seed {}, await {:?}, poll_every {POLL_EVERY}, faults {:?}",
        setup.schedule, setup.seed, setup.await_mode, prog.faults
    );
    let _ = writeln!(m, "--- reproduce and trace:");
    let _ = writeln!(
        m,
        "  cd {} && {}",
        root().display(),
        command(prog, setup, &file)
    );
    if let Some(p) = expected {
        let _ = writeln!(m, "--- expected (model) ---");
        show_prediction(&mut m, p);
    }
    if let Some(o) = expected_observed {
        let _ = writeln!(m, "--- expected (VM, reference setup) ---");
        show_observed(&mut m, o);
    }
    let _ = writeln!(m, "--- actual (VM) ---");
    show_observed(&mut m, actual);
    m
}
