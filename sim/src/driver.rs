//! The event loop that drives the VM: run a budget of instructions, hand the
//! started operations to the world, poll, and when every task waits, move
//! time to the next completion.

use std::io::Write;
use std::path::PathBuf;

use gene_vm::{Closing, LoadError, Stats, Step, Uncaught, Value, Vm, VmConfig};

use crate::faults::FaultPlan;
use crate::fs::OverlayFs;
use crate::latency::LatencyModel;
use crate::real::RealWorld;
use crate::world::{Schedule, SimWorld, World};

/// Everything a run depends on besides the program.
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub vm: VmConfig,
    /// Instructions between two polls of the event loop.
    pub poll_every: u64,
    pub seed: u64,
    pub schedule: Schedule,
    pub latency: LatencyModel,
    pub faults: FaultPlan,
    /// The directory the simulated file system overlays.
    pub root: PathBuf,
    /// The real clock and real files instead of the simulation.
    pub real: bool,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            vm: VmConfig::default(),
            poll_every: 100,
            seed: 0,
            schedule: Schedule::Fifo,
            latency: LatencyModel::default(),
            faults: FaultPlan::default(),
            root: PathBuf::from("."),
            real: false,
        }
    }
}

/// How a run went.
#[derive(Debug)]
pub struct Report {
    pub result: Result<Value, Uncaught>,
    /// Virtual (or, with `--real`, wall) nanoseconds from start to end.
    pub elapsed_nanos: u64,
    pub polls: u64,
    pub stats: Stats,
    /// Failures nobody awaited or handled.
    pub unobserved: Vec<Value>,
    pub peak_scopes: usize,
    /// The end-of-run scope audit: cycles collected, refcount errors found.
    pub closing: Closing,
}

impl Report {
    /// The `--stats` summary.
    pub fn summary(&self) -> String {
        let s = &self.stats;
        format!(
            "virtual time: {}\npolls: {}\noperations: {}\nfutures: {}\ntasks: {} ({} still waiting at the end)\nunobserved failures: {}\npeak live scopes: {}\nscopes kept alive by cycles: {}\n",
            format_nanos(self.elapsed_nanos),
            self.polls,
            s.operations,
            s.futures,
            s.tasks,
            s.abandoned_tasks,
            self.unobserved.len(),
            self.peak_scopes,
            self.closing.cycles,
        )
    }
}

/// `100ms`, `1.5s`, `250us`: the shortest exact form.
pub fn format_nanos(n: u64) -> String {
    match n {
        0 => "0ms".into(),
        n if n % 1_000_000 == 0 => format!("{}ms", n / 1_000_000),
        n if n % 1_000 == 0 => format!("{}us", n / 1_000),
        n => format!("{n}ns"),
    }
}

/// Runs a program to its end, writing its output to `out` at every poll.
pub fn run(
    name: &str,
    text: &str,
    config: &RunConfig,
    out: &mut dyn Write,
) -> Result<Report, LoadError> {
    let mut vm = Vm::new(config.vm.clone());
    vm.load(name, text)?;
    if config.real {
        Ok(drive(&mut vm, RealWorld::default(), config.poll_every, out))
    } else {
        let world = SimWorld::new(
            config.seed,
            config.schedule,
            OverlayFs::new(config.root.clone()),
            config.latency,
            config.faults.clone(),
        );
        if let Some(chooser) = world.chooser() {
            vm.set_chooser(chooser);
        }
        Ok(drive(&mut vm, world, config.poll_every, out))
    }
}

fn drive(vm: &mut Vm, mut world: impl World, poll_every: u64, out: &mut dyn Write) -> Report {
    let mut polls = 0;
    loop {
        vm.set_time(world.now());
        let step = vm.run(poll_every);
        let printed = vm.take_output();
        if !printed.is_empty() {
            // Output is best effort: a closed pipe must not stop the program.
            let _ = out.write_all(printed.as_bytes());
        }
        for req in vm.take_requests() {
            if let Some((ticket, done)) = world.start(req) {
                vm.complete(ticket, done);
            }
        }
        match step {
            Step::Finished(result) => {
                let _ = out.flush();
                let unobserved = vm.unobserved_failures();
                return Report {
                    result,
                    elapsed_nanos: world.now(),
                    polls,
                    stats: vm.stats().clone(),
                    unobserved,
                    peak_scopes: vm.live_scopes().1,
                    closing: vm.close(),
                };
            }
            Step::Yielded => {}
            Step::Blocked => {
                // A blocking operation was completed above; otherwise wait
                // for the next completion (the VM reports a deadlock when
                // there is none).
                if !vm.is_blocking() {
                    world.advance();
                }
            }
        }
        polls += 1;
        for (ticket, done) in world.due() {
            vm.complete(ticket, done);
        }
    }
}
