//! The seed's own decisions (`explore --strategy random`), noted for
//! coverage: the strategy returns the seed's draw at every decision and
//! keeps a digest of the first few.

use super::PrefixDigest;
use crate::decide::{Point, Strategy};

/// Decides as the seed does; notes the run's first decisions.
#[derive(Debug, Default)]
pub struct Prefix {
    pub digest: PrefixDigest,
}

impl Strategy for Prefix {
    fn pick(
        &mut self,
        point: Point,
        n: usize,
        seeded: usize,
        _key: &mut dyn FnMut(usize) -> String,
    ) -> usize {
        self.digest.note(point, seeded as u64, n as u64);
        seeded
    }

    fn value(&mut self, point: Point, _key: &str, seeded: u64, bound: u64) -> u64 {
        self.digest.note(point, seeded, bound);
        seeded
    }

    fn needs_keys(&self) -> bool {
        false
    }
}
