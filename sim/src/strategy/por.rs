//! Partial-order reduction by sleep sets (Godefroid, 1996), over steps:
//! a step is what a run does from one decision to the next, named by the
//! candidate the decision chose, with the footprint the run collected for
//! it (`gene_vm::footprint`).
//!
//! After the subtree of candidate `a` at a node is explored, `a` goes to
//! sleep in the subtrees of its later siblings `b`, and stays asleep down a
//! path as long as each step taken is independent of `a`'s. A sleeping
//! candidate is not chosen: every schedule that runs it there is a
//! reordering of independent steps of one already explored, with the same
//! outcome.

use gene_vm::footprint::Footprint;

use crate::decide::Point;

/// A step, by the decision that starts it.
#[derive(Clone, Debug)]
pub struct Step {
    pub point: Point,
    pub key: String,
    pub footprint: Footprint,
}

/// The candidates asleep at a node.
#[derive(Clone, Debug, Default)]
pub struct SleepSet {
    pub asleep: Vec<Step>,
}

impl SleepSet {
    /// Whether the candidate `key` at `point` sleeps.
    pub fn contains(&self, point: Point, key: &str) -> bool {
        self.asleep.iter().any(|s| s.point == point && s.key == key)
    }

    /// The sleep set after taking a step with footprint `taken`, from a
    /// node whose sleep set is `self` and whose siblings explored before
    /// are `explored`: the sleepers and those siblings whose steps are
    /// independent of the step taken.
    pub fn after(&self, explored: &[Step], taken: &Footprint) -> SleepSet {
        SleepSet {
            asleep: self
                .asleep
                .iter()
                .chain(explored)
                .filter(|s| s.footprint.independent(taken))
                .cloned()
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(key: &str, writes: &[u64]) -> Step {
        Step {
            point: Point::Task,
            key: key.into(),
            footprint: Footprint {
                reads: vec![],
                writes: writes.to_vec(),
                all: false,
            },
        }
    }

    #[test]
    fn an_explored_sibling_sleeps_until_a_dependent_step() {
        let explored = [step("a", &[1])];
        let s = SleepSet::default().after(&explored, &step("b", &[2]).footprint);
        assert!(s.contains(Point::Task, "a"));
        assert!(!s.contains(Point::Timer, "a"));
        let woken = s.after(&[], &step("c", &[1]).footprint);
        assert!(!woken.contains(Point::Task, "a"));
        let dependent = SleepSet::default().after(&explored, &step("b", &[1]).footprint);
        assert!(dependent.asleep.is_empty());
    }
}
