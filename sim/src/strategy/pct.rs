//! PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi
//! and Nagarakatte, ASPLOS 2010), over the decision point's picks.
//!
//! Per run, seeded by the run's seed:
//! - every candidate (a task, or a same-instant completion) gets a random
//!   priority when it is first offered, distinct from all others, by its
//!   stable key; all are above `depth`;
//! - `depth - 1` change points are drawn among the first `steps` picks
//!   (distinct);
//! - at each pick the candidate with the highest priority runs; at the
//!   `i`-th change point, the candidate that would run gets priority
//!   `depth - i`, below every initial one, and the pick is made again.
//!
//! Coins, cuts and jitter stay the seed's (its swarm fault plan).
//!
//! The guarantee: if a bug needs `d` specific ordering constraints (its
//! depth), with `n` candidates and `k` picks per run, one run with depth
//! `d` finds it with probability at least `1 / (n * k^(d-1))`.

use std::collections::BTreeMap;

use super::PrefixDigest;
use crate::decide::{Point, Strategy};
use crate::rng::{SimRng, Stream};

pub struct Pct {
    rng: SimRng,
    depth: u64,
    /// Picks made so far in this run.
    step: u64,
    /// The picks (1-based) at which priorities change, ascending.
    changes: Vec<u64>,
    /// Changes applied so far.
    changed: u64,
    priorities: BTreeMap<(Point, String), u64>,
    pub digest: PrefixDigest,
}

impl Pct {
    /// The strategy of one run: `depth >= 1`, `steps >= 1` (the number of
    /// picks a run makes, estimated).
    pub fn new(seed: u64, depth: u64, steps: u64) -> Pct {
        // Its own stream: a mix of the seed, so that it is not the
        // schedule stream's copy.
        let mut rng = SimRng::new(seed ^ 0x7063_745f_7063_7421, Stream::Schedule);
        let steps = steps.max(1);
        let want = (depth.saturating_sub(1)).min(steps) as usize;
        let mut changes: Vec<u64> = Vec::with_capacity(want);
        while changes.len() < want {
            let c = rng.below(steps) + 1;
            if !changes.contains(&c) {
                changes.push(c);
            }
        }
        changes.sort_unstable();
        Pct {
            rng,
            depth: depth.max(1),
            step: 0,
            changes,
            changed: 0,
            priorities: BTreeMap::new(),
            digest: PrefixDigest::default(),
        }
    }

    /// A fresh initial priority: random, above `depth`, distinct.
    fn fresh(&mut self) -> u64 {
        loop {
            let p = self.rng.next_u64() | (1 << 63);
            if !self.priorities.values().any(|&q| q == p) {
                return p;
            }
        }
    }

    fn priority(&mut self, point: Point, key: String) -> u64 {
        if let Some(&p) = self.priorities.get(&(point, key.clone())) {
            return p;
        }
        let p = self.fresh();
        self.priorities.insert((point, key), p);
        p
    }

    fn highest(&mut self, point: Point, n: usize, key: &mut dyn FnMut(usize) -> String) -> usize {
        let mut best = (0, 0);
        for i in 0..n {
            let p = self.priority(point, key(i));
            if i == 0 || p > best.1 {
                best = (i, p);
            }
        }
        best.0
    }
}

impl Strategy for Pct {
    fn pick(
        &mut self,
        point: Point,
        n: usize,
        _seeded: usize,
        key: &mut dyn FnMut(usize) -> String,
    ) -> usize {
        self.step += 1;
        let mut i = self.highest(point, n, key);
        if self.changes.get(self.changed as usize) == Some(&self.step) {
            self.changed += 1;
            let low = self.depth - self.changed;
            self.priorities.insert((point, key(i)), low);
            i = self.highest(point, n, key);
        }
        self.digest.note(point, i as u64, n as u64);
        i
    }

    fn value(&mut self, point: Point, _key: &str, seeded: u64, bound: u64) -> u64 {
        self.digest.note(point, seeded, bound);
        seeded
    }
}

/// Counts a run's picks, deciding as the seed does (PCT's `k`).
#[derive(Debug, Default)]
pub struct CountPicks {
    pub picks: u64,
}

impl Strategy for CountPicks {
    fn pick(
        &mut self,
        _point: Point,
        _n: usize,
        seeded: usize,
        _key: &mut dyn FnMut(usize) -> String,
    ) -> usize {
        self.picks += 1;
        seeded
    }

    fn value(&mut self, _point: Point, _key: &str, seeded: u64, _bound: u64) -> u64 {
        seeded
    }

    fn needs_keys(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(i: usize) -> String {
        format!("t{i}")
    }

    #[test]
    fn without_change_points_the_highest_priority_always_runs() {
        let mut p = Pct::new(7, 1, 10);
        let first = p.pick(Point::Task, 4, 0, &mut keys);
        for _ in 0..20 {
            assert_eq!(p.pick(Point::Task, 4, 0, &mut keys), first);
        }
    }

    #[test]
    fn a_change_point_lowers_the_running_candidate_below_all() {
        // depth 2, one pick per run: the change point is the first pick.
        let mut p = Pct::new(3, 2, 1);
        let mut plain = Pct::new(3, 1, 1);
        let top = plain.pick(Point::Task, 3, 0, &mut keys);
        let after = p.pick(Point::Task, 3, 0, &mut keys);
        assert_ne!(top, after);
        // The lowered one never runs again while another is offered.
        for _ in 0..5 {
            assert_ne!(p.pick(Point::Task, 3, 0, &mut keys), top);
        }
    }

    #[test]
    fn seeds_give_different_priorities() {
        let firsts: std::collections::BTreeSet<usize> = (0..40)
            .map(|s| Pct::new(s, 1, 5).pick(Point::Task, 5, 0, &mut keys))
            .collect();
        assert!(firsts.len() > 2, "{firsts:?}");
    }
}
