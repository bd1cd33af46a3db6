//! Trace events. The VM reports what happens as `tracing` events with
//! structured fields under `gene::*` targets; a recorder (in gene-sim) turns
//! them into trace records. Ids are the VM's own counters (tasks, futures,
//! operations, scope serials), so a trace is a function of the run. With no
//! subscriber listening, an event costs a disabled-callsite check.

/// `event!("gene::future", "created", future = id)`: every event has a `kind`.
macro_rules! event {
    ($target:literal, $kind:literal $(, $($fields:tt)*)?) => {
        ::tracing::event!(target: $target, ::tracing::Level::TRACE, kind = $kind $(, $($fields)*)?)
    };
}

pub(crate) use event;
