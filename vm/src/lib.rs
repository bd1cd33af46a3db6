//! gene-vm: the Gene language. Reader, compiler, and a stackless bytecode VM
//! that never performs I/O itself (see DESIGN.md, "The VM is sans-IO").
//!
//! The sources are grouped by stage: `read/` (text to forms), `compiler/`
//! (forms to bytecode), `values/` (runtime values and scopes), `run/` (the
//! interpreter and the VM), `tasks/` (futures, tasks, the scheduler). Each
//! module is also re-exported here under its own name.

pub mod compiler;
pub mod read;
pub mod run;
pub mod tasks;
pub mod values;

pub use compiler::{bytecode, disasm};
pub use read::{diagnostic, reader};
#[cfg(feature = "mutations")]
pub use run::mutation;
pub use run::{builtins, limits, members, native, ops, sink, vm};
pub(crate) use run::{events, interp};
pub use tasks::{choice, footprint, future, request, task};
pub(crate) use tasks::{reactions, sched, unobserved};
pub use values::{audit, display, function, namespace, scope, symbol, value};
pub(crate) use values::{reclaim, statehash};

pub use request::{Completion, OpId, Request, RequestKind, Ticket};
pub use symbol::{Sym, sym};
pub use task::AwaitMode;
pub use value::{Gene, Span, Value};
pub use vm::{Closing, LoadError, Stats, Step, Uncaught, UncaughtKind, Vm, VmConfig};
