//! gene-vm: the Gene language. Reader, compiler, and a stackless bytecode VM
//! that never performs I/O itself (see DESIGN.md, "The VM is sans-IO").

pub mod diagnostic;
pub mod display;
mod events;
pub mod function;
pub mod future;
pub mod namespace;
pub mod native;
pub mod reader;
pub mod symbol;
pub mod value;

pub use symbol::{Sym, sym};
pub use value::{Gene, Span, Value};
pub mod audit;
pub mod builtins;
pub mod bytecode;
pub mod compiler;
pub mod disasm;
mod interp;
pub mod limits;
pub mod members;
#[cfg(feature = "mutations")]
pub mod mutation;
pub mod ops;
mod reclaim;
pub mod scope;
mod statehash;
pub mod vm;

mod reactions;
pub mod request;
mod sched;
pub mod task;
mod unobserved;

pub use request::{Completion, OpId, Request, RequestKind, Ticket};
pub use task::AwaitMode;
pub use vm::{Closing, LoadError, Stats, Step, Uncaught, UncaughtKind, Vm, VmConfig};
