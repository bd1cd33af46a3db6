//! The default budget of the runs that repeat or keep a program's trace
//! (`run --check`, `run --check-determinism`, each seed of `explore`): an
//! endless program must end there as a "did not finish", never hang the
//! tool or grow its memory without bound. A plain `run` has no default
//! budget. `--max-instructions N` (and `--max-memory BYTES`) replace the
//! defaults, so a larger value lifts them.

use gene_sim::RunConfig;
use gene_vm::{Uncaught, UncaughtKind};

/// VM instructions of a checked run (`run --check`, `--check-determinism`).
pub const CHECK_INSTRUCTIONS: u64 = 50_000_000;
/// Memory a checked run may allocate, trace included: 1 GiB.
pub const CHECK_MEMORY: u64 = 1 << 30;
/// VM instructions of each seed of `explore`.
pub const EXPLORE_INSTRUCTIONS: u64 = 5_000_000;
/// Memory each seed of `explore` may allocate, trace included: 256 MiB
/// (one seed runs on each job's thread).
pub const EXPLORE_MEMORY: u64 = 256 << 20;

/// Fills the limits the command line left unset.
pub fn apply(config: &mut RunConfig, instructions: u64, memory: u64) {
    config.vm.max_instructions.get_or_insert(instructions);
    config.max_memory.get_or_insert(memory);
}

/// Whether a run ended because it ran out of its budget (an instruction or
/// memory limit) rather than by itself.
pub fn did_not_finish(u: &Uncaught) -> bool {
    let m = u.message();
    matches!(u.kind, UncaughtKind::Fatal)
        && !m.contains("VM fault")
        && (m.contains("limit") || m.contains("memory"))
}
