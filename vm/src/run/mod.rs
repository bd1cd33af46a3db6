//! Running: the VM's state and driver-facing API, the interpreter loop,
//! operators, members and methods, built-ins, value limits, trace events,
//! and the test-only deliberate bugs.

pub mod assertions;
pub mod builtins;
pub mod eval_source;
pub(crate) mod events;
pub(crate) mod interp;
pub mod limits;
pub mod members;
#[cfg(feature = "mutations")]
pub mod mutation;
pub mod native;
pub mod ops;
pub mod sink;
pub mod vm;
mod watch;
