//! Async: futures and their reactions, tasks and the scheduler, the
//! operations the VM asks its driver to perform, and the registry of
//! unobserved failures.

pub mod choice;
pub mod footprint;
pub mod future;
pub(crate) mod reactions;
pub mod request;
pub(crate) mod sched;
pub mod task;
pub(crate) mod unobserved;
