//! Footprints: what a stretch of the run touched that another task could
//! also touch, for partial-order reduction (`explore --strategy
//! exhaustive`). The VM tells, the simulation decides: the VM adds the
//! resources it touches to a shared [`Footprint`] while one is set
//! ([`Vm::set_footprint`]); the decision point takes it at each decision,
//! as the footprint of the step since the last one.
//!
//! Resources are numbers (stable across runs: hashes of scope serials and
//! slots, of namespace and member names, of future ids):
//! - arena variables (read, written) and namespace members (read, written);
//!   a read of a variable holding a mutable container (array, map, object)
//!   counts as a write, since the reader may change what it holds;
//! - output: every print writes it;
//! - the run's operations: every request writes one resource (requests
//!   get ordinals and ids in start order, and files are among them);
//! - spawns: every spawn writes one resource (tasks get ordinals);
//! - futures: resolving one writes it, awaiting one reads it.
//!
//! Off (no footprint), each site costs one `Option` test; the namespace
//! cache stays on.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use crate::value::Value;
use crate::vm::Vm;

/// The resources one step read and wrote (sorted, deduplicated by
/// [`Footprint::take`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Footprint {
    pub reads: Vec<u64>,
    pub writes: Vec<u64>,
    /// Touches everything (a step the VM cannot describe, e.g. a fault or
    /// jitter decision's consequences): dependent with every step.
    pub all: bool,
}

/// The kinds of resource, mixed into each resource's number.
#[derive(Hash)]
pub enum Resource<'a> {
    Var(u64, u16),
    Member(&'a str, &'a str),
    Output,
    Requests,
    Spawns,
    Future(u64),
}

impl Resource<'_> {
    pub fn id(&self) -> u64 {
        let mut h = rustc_hash::FxHasher::default();
        self.hash(&mut h);
        h.finish()
    }
}

impl Footprint {
    /// A footprint dependent with every other.
    pub fn everything() -> Footprint {
        Footprint {
            all: true,
            ..Footprint::default()
        }
    }

    /// Empties this footprint into a sorted, deduplicated one.
    pub fn take(&mut self) -> Footprint {
        let mut f = std::mem::take(self);
        f.reads.sort_unstable();
        f.reads.dedup();
        f.writes.sort_unstable();
        f.writes.dedup();
        f
    }

    /// Adds `other`'s resources to this one.
    pub fn extend(&mut self, other: &Footprint) {
        self.reads.extend_from_slice(&other.reads);
        self.writes.extend_from_slice(&other.writes);
        self.all |= other.all;
    }

    /// Two steps are independent when neither writes what the other reads
    /// or writes (both footprints sorted, as [`Footprint::take`] gives).
    pub fn independent(&self, other: &Footprint) -> bool {
        !self.all
            && !other.all
            && !meets(&self.writes, &other.writes)
            && !meets(&self.writes, &other.reads)
            && !meets(&self.reads, &other.writes)
    }
}

/// Whether two sorted lists share an element.
fn meets(a: &[u64], b: &[u64]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

impl Vm {
    /// Collects footprints into `f` (None: off).
    pub fn set_footprint(&mut self, f: Option<Rc<RefCell<Footprint>>>) {
        self.footprint = f;
    }

    /// Whether footprints are collected.
    pub fn footprinting(&self) -> bool {
        self.footprint.is_some()
    }

    #[inline]
    pub(crate) fn touch_read(&self, r: Resource) {
        if let Some(f) = &self.footprint {
            f.borrow_mut().reads.push(r.id());
        }
    }

    #[inline]
    pub(crate) fn touch_write(&self, r: Resource) {
        if let Some(f) = &self.footprint {
            f.borrow_mut().writes.push(r.id());
        }
    }

    /// A read of a variable holding `v`: a write when `v` is a container
    /// the reader may change.
    #[inline]
    pub(crate) fn touch_value(&self, r: Resource, v: &Value) {
        if self.footprint.is_some() {
            if mutable(v) {
                self.touch_write(r);
            } else {
                self.touch_read(r);
            }
        }
    }
}

fn mutable(v: &Value) -> bool {
    matches!(
        v,
        Value::Array(_) | Value::Map(_) | Value::Gene(_) | Value::Namespace(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(reads: &[u64], writes: &[u64]) -> Footprint {
        Footprint {
            reads: reads.to_vec(),
            writes: writes.to_vec(),
            all: false,
        }
        .take()
    }

    #[test]
    fn steps_conflict_on_a_write() {
        assert!(fp(&[1, 2], &[]).independent(&fp(&[2, 3], &[])));
        assert!(!fp(&[1], &[2]).independent(&fp(&[2], &[])));
        assert!(!fp(&[], &[5]).independent(&fp(&[], &[5])));
        assert!(fp(&[], &[5]).independent(&fp(&[], &[6])));
        assert!(!Footprint::everything().independent(&fp(&[], &[])));
    }
}
