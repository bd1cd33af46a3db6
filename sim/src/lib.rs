//! gene-sim: the world gene-vm runs in. For now, the driver that runs a
//! program to its end, passing its output on as it goes.

use std::io::Write;

use gene_vm::{Step, Value, Vm, VmConfig};

/// How a run is driven.
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub vm: VmConfig,
    /// Instructions between two polls of the event loop.
    pub poll_every: u64,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            vm: VmConfig::default(),
            poll_every: 100,
        }
    }
}

/// How a run ended: its value, or the rendered error for stderr.
pub type Outcome = Result<Value, String>;

/// Runs a program to its end, writing its output to `out` at every poll.
pub fn run(name: &str, text: &str, config: &RunConfig, out: &mut dyn Write) -> Outcome {
    let mut vm = Vm::new(config.vm.clone());
    vm.load(name, text).map_err(|e| e.render())?;
    loop {
        let step = vm.run(config.poll_every);
        let printed = vm.take_output();
        if !printed.is_empty() {
            // Output is best effort: a closed pipe must not stop the program.
            let _ = out.write_all(printed.as_bytes());
        }
        if let Step::Finished(r) = step {
            let _ = out.flush();
            return r.map_err(|u| u.render());
        }
    }
}

/// Runs a program and returns its output and outcome.
pub fn run_captured(name: &str, text: &str, config: &RunConfig) -> (String, Outcome) {
    let mut out = Vec::new();
    let r = run(name, text, config, &mut out);
    (String::from_utf8_lossy(&out).into_owned(), r)
}
