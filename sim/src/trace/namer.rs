//! Names for a run that records no trace: a sink that feeds the records
//! naming needs (`Naming::NOTED`) to a `Naming`, and passes every event on
//! to the recorder when there is one. It lets `gene-trace run` name its
//! unobserved failures (`Report::unobserved_names`) the way the trace tools
//! do, with one naming rule (`names`).

use std::cell::RefCell;
use std::rc::Rc;

use gene_vm::sink::Event;

use super::names::Naming;
use super::read::Names;
use super::record::{Sink, record_of};

#[derive(Default)]
struct State {
    names: Names,
    naming: Naming,
    /// The kinds naming ignores, a bit per kind (`Kind::index`): those
    /// events are not looked at again.
    ignored: u64,
}

/// Builds a run's `Naming` from its events; clones share it.
#[derive(Clone, Default)]
pub struct Namer {
    state: Rc<RefCell<State>>,
    /// The recorder, if the run is recorded too.
    inner: Option<Rc<dyn Sink>>,
}

impl Namer {
    /// A namer that passes every event on to `inner`.
    pub fn new(inner: Option<Rc<dyn Sink>>) -> Namer {
        Namer {
            state: Rc::default(),
            inner,
        }
    }

    /// The names so far.
    pub fn naming(&self) -> Naming {
        self.state.borrow().naming.clone()
    }
}

impl Sink for Namer {
    fn event(&self, event: &Event<'_>) {
        if let Some(i) = &self.inner {
            i.event(event);
        }
        let bit = 1u64 << event.kind.index();
        let mut st = self.state.borrow_mut();
        if st.ignored & bit != 0 {
            return;
        }
        match record_of(&mut st.names, event, Naming::NOTED) {
            Some(r) => st.naming.note(&r),
            None => st.ignored |= bit,
        }
    }

    fn begin_poll(&self, index: u64, time: u64) {
        if let Some(i) = &self.inner {
            i.begin_poll(index, time);
        }
    }

    fn end_poll(&self, state_hash: u64, delivered: usize) {
        if let Some(i) = &self.inner {
            i.end_poll(state_hash, delivered);
        }
    }

    fn end_run(&self, fields: &str) {
        if let Some(i) = &self.inner {
            i.end_run(fields);
        }
    }
}
