//! The registry of failed futures that had no reaction when they failed:
//! each is reported at the end of the run unless something observes it
//! later (an `await`, a failure callback, an adoption).
//!
//! Observed entries are dropped as the registry grows (whenever it doubles
//! since the last pruning), so a run that fails and catches millions of
//! futures holds O(live) of them, not all of them until the end. The same
//! doubling rule prunes checking mode's list of operation futures.

use std::rc::{Rc, Weak};

use crate::future::{Future, FutureState};
use crate::value::Value;

/// Nothing is pruned below this length: small runs never pay for it.
const PRUNE_FLOOR: usize = 64;

#[derive(Debug)]
pub(crate) struct Unobserved {
    /// In the order they failed, the order of the report.
    entries: Vec<Rc<Future>>,
    prune_at: usize,
}

impl Default for Unobserved {
    fn default() -> Self {
        Unobserved {
            entries: Vec::new(),
            prune_at: PRUNE_FLOOR,
        }
    }
}

impl Unobserved {
    pub fn push(&mut self, f: Rc<Future>) {
        if self.entries.len() >= self.prune_at {
            self.entries.retain(|f| !f.observed.get());
            self.prune_at = (self.entries.len() * 2).max(PRUNE_FLOOR);
        }
        self.entries.push(f);
    }

    /// Entries held now, observed ones not yet pruned included.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Rc<Future>> {
        self.entries.iter()
    }

    /// The failures still unobserved, in the order they failed.
    fn still_unobserved(&self) -> impl Iterator<Item = &Rc<Future>> {
        self.entries.iter().filter(|f| !f.observed.get())
    }

    pub fn failures(&self) -> Vec<Value> {
        self.still_unobserved()
            .filter_map(|f| match &*f.state.borrow() {
                FutureState::Failure(e) => Some(e.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn ids(&self) -> Vec<u64> {
        self.still_unobserved().map(|f| f.id).collect()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

/// Checking mode's weak list of operation futures, pruned of the resolved
/// and dropped ones whenever it doubles.
#[derive(Debug)]
pub(crate) struct OpFutures {
    entries: Vec<Weak<Future>>,
    prune_at: usize,
}

impl Default for OpFutures {
    fn default() -> Self {
        OpFutures {
            entries: Vec::new(),
            prune_at: PRUNE_FLOOR,
        }
    }
}

impl OpFutures {
    pub fn push(&mut self, f: Weak<Future>) {
        if self.entries.len() >= self.prune_at {
            self.prune();
            self.prune_at = (self.entries.len() * 2).max(PRUNE_FLOOR);
        }
        self.entries.push(f);
    }

    /// Drops the futures that resolved or that nothing holds any more.
    pub fn prune(&mut self) {
        self.entries
            .retain(|w| w.upgrade().is_some_and(|f| f.is_pending()));
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn live(&self) -> impl Iterator<Item = Rc<Future>> + '_ {
        self.entries.iter().filter_map(Weak::upgrade)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(id: u64) -> Rc<Future> {
        let f = Rc::new(Future::new(id));
        *f.state.borrow_mut() = FutureState::Failure(Value::Int(id as i64));
        f
    }

    #[test]
    fn observed_failures_are_released_as_the_registry_grows() {
        let mut r = Unobserved::default();
        for id in 1..=100_000 {
            let f = failed(id);
            r.push(f.clone());
            f.observed.set(true);
        }
        assert!(r.len() <= 2 * PRUNE_FLOOR, "registry holds {}", r.len());
        assert!(r.ids().is_empty());
    }

    #[test]
    fn unobserved_failures_survive_pruning_in_failure_order() {
        let mut r = Unobserved::default();
        for id in 1..=1000 {
            let f = failed(id);
            r.push(f.clone());
            f.observed.set(id % 100 != 0);
        }
        assert_eq!(r.ids(), (1..=10).map(|k| k * 100).collect::<Vec<u64>>());
        assert_eq!(r.failures().len(), 10);
    }

    #[test]
    fn operation_futures_are_released_once_resolved() {
        let mut ops = OpFutures::default();
        let mut held = Vec::new();
        for id in 1..=10_000 {
            let f = Rc::new(Future::new(id));
            ops.push(Rc::downgrade(&f));
            *f.state.borrow_mut() = FutureState::Success(Value::Nil);
            held.push(f);
        }
        assert!(ops.len() <= 2 * PRUNE_FLOOR, "list holds {}", ops.len());
    }
}
