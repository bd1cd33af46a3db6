//! Routing the VM's events (`gene_vm::sink`) to the run's sink: the
//! recorder, the collector or the namer. The VM hands each event to the
//! sink of the thread it runs on, so concurrent runs on other threads
//! (explore's jobs) record apart.

use std::rc::Rc;

use gene_vm::sink::{Event, EventSink};

use super::record::Sink;

/// The VM's sink, forwarding to ours.
struct Route(Rc<dyn Sink>);

impl EventSink for Route {
    fn event(&self, event: &Event<'_>) {
        self.0.event(event);
    }
}

/// Runs `f` with this thread's events going to `sink`.
pub fn with_sink<T>(sink: Rc<dyn Sink>, f: impl FnOnce() -> T) -> T {
    gene_vm::sink::with_sink(Rc::new(Route(sink)), f)
}
