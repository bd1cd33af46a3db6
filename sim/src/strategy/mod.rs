//! Exploration strategies (`explore --strategy`): sources of decisions
//! that take the seed's place through the decision point's hook
//! (`decide::Strategy`).
//!
//! - [`prefix::Prefix`]: the seed decides (`random`); it only notes the
//!   first decisions, for coverage;
//! - [`pct::Pct`]: probabilistic concurrency testing;
//! - [`exhaustive::Exhaustive`]: every distinct decision sequence, depth
//!   first, with sleep sets ([`por`]).

pub mod exhaustive;
pub mod pct;
pub mod por;
pub mod prefix;

use std::hash::{Hash, Hasher};

use crate::decide::Point;

/// How many decisions a run's coverage prefix holds.
pub const PREFIX_LEN: usize = 8;

/// A digest of a run's first [`PREFIX_LEN`] decisions, as (point, chosen
/// index, alternatives): two runs with the same digest took the same first
/// decisions.
#[derive(Clone, Debug, Default)]
pub struct PrefixDigest {
    taken: Vec<(Point, u64, u64)>,
}

impl PrefixDigest {
    pub fn note(&mut self, point: Point, chosen: u64, alternatives: u64) {
        if self.taken.len() < PREFIX_LEN {
            self.taken.push((point, chosen, alternatives));
        }
    }

    /// The digest.
    pub fn finish(&self) -> u64 {
        let mut h = rustc_hash::FxHasher::default();
        self.taken.hash(&mut h);
        h.finish()
    }
}
