//! Exhaustive exploration: every distinct decision sequence, depth first,
//! by re-running the program from its start with a forced prefix of
//! choices and, past it, the first choice not yet explored.
//!
//! The tree: a node per decision of a run, in order: a pick (`task`,
//! `timer`) among its candidates, or a fault coin (`fail`, `short`) with
//! its two values. Cuts and jitter are the seed's (`--seed`), not
//! branches. After a run, the deepest node with a choice left takes it
//! and the nodes below go; when none has, every schedule was run.
//!
//! Partial-order reduction: sleep sets ([`super::por`]) over the steps'
//! footprints; a candidate asleep at a node is not run there (it is
//! *pruned*: equivalent to a schedule run). A run that reaches a node
//! where every candidate sleeps is a reordering of one already run: it
//! stops branching and is not counted as a schedule (it is pruned too).
//! After a fault coin, nothing sleeps (its consequences are not traced).
//!
//! Same-instant deliveries (`timer` picks) are reduced further: their
//! orders are all one. A delivery runs no code: it resolves the
//! operation's own future and queues its reactions, so two deliveries
//! commute, and every order of the reactions they queue is explored at the
//! `task` picks that follow. With reduction, a `timer` node runs its first
//! choice only; the others are pruned.
//!
//! Shards (`--shard i/n`): the subtrees are split by decision prefix. The
//! root's subtree belongs to every shard; at a node owned by the shards
//! `S` with `c` choices, choice `j` belongs to the shards at positions
//! `p` of `S` with `p % c == j` when `|S| >= c`, else to `S[j % |S|]`
//! alone. A shard runs only its choices, and counts a run when it is the
//! first owner of the run's whole path: the shards together run every
//! schedule once (pruning stays within a shard, so they may run more than
//! one unsharded exploration).

use gene_vm::footprint::Footprint;

use super::PrefixDigest;
use super::por::{SleepSet, Step};
use crate::decide::{Point, Strategy};

struct Node {
    point: Point,
    /// Candidates' keys (picks), empty for coins.
    keys: Vec<String>,
    n: usize,
    chosen: usize,
    done: Vec<bool>,
    /// The steps explored from here before `chosen`.
    explored: Vec<Step>,
    sleep: SleepSet,
    /// The footprint of the step `chosen` starts, in this run.
    step: Option<Footprint>,
    /// Who this node's subtree belongs to.
    owners: Owners,
}

impl Node {
    fn asleep(&self, c: usize) -> bool {
        self.point.is_pick() && self.sleep.contains(self.point, &self.keys[c])
    }

    /// With reduction, a `timer` node runs its first choice only.
    fn one_order(&self, reduce: bool) -> bool {
        reduce && self.point == Point::Timer
    }
}

/// The part of `owners` that choice `c` of `n` belongs to.
fn split(owners: &[u64], n: usize, c: usize) -> Vec<u64> {
    if owners.len() <= 1 {
        owners.to_vec()
    } else if owners.len() >= n {
        owners
            .iter()
            .enumerate()
            .filter(|(p, _)| p % n == c)
            .map(|(_, &s)| s)
            .collect()
    } else {
        vec![owners[c % owners.len()]]
    }
}

/// Who a subtree belongs to: shards (`--shard`), then, once one shard owns
/// it, that shard's jobs (threads). Shards split first, so what a shard
/// runs does not depend on its jobs.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Owners {
    shards: Vec<u64>,
    jobs: Vec<u64>,
}

impl Owners {
    fn child(&self, n: usize, c: usize) -> Owners {
        if self.shards.len() > 1 {
            Owners {
                shards: split(&self.shards, n, c),
                jobs: self.jobs.clone(),
            }
        } else {
            Owners {
                shards: self.shards.clone(),
                jobs: split(&self.jobs, n, c),
            }
        }
    }

    fn has(&self, me: (u64, u64)) -> bool {
        self.shards.contains(&me.0) && self.jobs.contains(&me.1)
    }

    fn first(&self) -> Option<(u64, u64)> {
        Some((*self.shards.first()?, *self.jobs.first()?))
    }
}

/// The state of an exhaustive exploration, kept across its runs.
pub struct Exhaustive {
    nodes: Vec<Node>,
    /// Decisions seen in this run.
    cursor: usize,
    /// The node whose step the run is in.
    current: Option<usize>,
    /// Every candidate at a node of this run sleeps: it branches no more.
    blocked: bool,
    /// This shard and job (0-based), and how many of each.
    me: (u64, u64),
    shards: u64,
    jobs: u64,
    /// This run goes down a choice that is another's, only for its first
    /// step's footprint (which its later siblings' sleep sets need): from
    /// this node on it does not branch, and it is not counted.
    probing: Option<usize>,
    /// Branches not run because they sleep, and runs that stopped at a
    /// node where all did.
    pub pruned: u64,
    /// Use sleep sets (off: every decision sequence is run).
    pub reduce: bool,
    pub digest: PrefixDigest,
    /// The choices of this run's decisions, in order (for its schedule).
    pub taken: Vec<(Point, String, u64)>,
}

impl Exhaustive {
    /// Shard `shard.0` (1-based) of `shard.1`, job `job.0` (0-based) of
    /// `job.1`.
    pub fn new(shard: (u64, u64), job: (u64, u64)) -> Exhaustive {
        Exhaustive {
            nodes: Vec::new(),
            cursor: 0,
            current: None,
            blocked: false,
            me: (shard.0.saturating_sub(1), job.0),
            shards: shard.1.max(1),
            jobs: job.1.max(1),
            probing: None,
            pruned: 0,
            reduce: true,
            digest: PrefixDigest::default(),
            taken: Vec::new(),
        }
    }

    /// Call before each run.
    pub fn begin_run(&mut self) {
        self.cursor = 0;
        self.current = None;
        self.blocked = false;
        self.probing = None;
        self.digest = PrefixDigest::default();
        self.taken.clear();
    }

    fn owners_of_next(&self) -> Owners {
        match self.nodes.last() {
            None => Owners {
                shards: (0..self.shards).collect(),
                jobs: (0..self.jobs).collect(),
            },
            Some(p) => p.owners.child(p.n, p.chosen),
        }
    }

    /// After a run: whether it counts as one of this job's schedules (it
    /// was not pruned, nor a probe, and its path is this job's).
    pub fn counts(&self) -> bool {
        !self.blocked && self.probing.is_none() && self.owners_of_next().first() == Some(self.me)
    }

    /// This run's path: the choice made at each node, in order (depth-first
    /// order is the paths' order).
    pub fn path(&self) -> Vec<u32> {
        self.nodes.iter().map(|n| n.chosen as u32).collect()
    }

    /// Moves to the next schedule; false when every one was run.
    pub fn advance(&mut self) -> bool {
        let reduce = self.reduce;
        while let Some(node) = self.nodes.last_mut() {
            let c = node.chosen;
            node.done[c] = true;
            let footprint = node.step.take().unwrap_or_else(Footprint::everything);
            if node.point.is_pick() {
                node.explored.push(Step {
                    point: node.point,
                    key: node.keys[c].clone(),
                    footprint,
                });
            }
            // Every sibling is run, a probe for the ones that are another's.
            let next =
                (0..node.n).find(|&c| !node.done[c] && !node.asleep(c) && !node.one_order(reduce));
            if let Some(c) = next {
                node.chosen = c;
                return true;
            }
            // The node's first owner counts what its sleep set pruned.
            if node.owners.first() == Some(self.me) {
                let skipped = (0..node.n).filter(|&c| !node.done[c]).count();
                self.pruned += skipped as u64;
            }
            self.nodes.pop();
        }
        false
    }

    /// A decision of this run: the forced prefix's, or a new node's first
    /// choice that is this shard's and not asleep.
    fn decide(&mut self, point: Point, n: usize, keys: &mut dyn FnMut() -> Vec<String>) -> usize {
        let i = self.cursor;
        self.cursor += 1;
        if self.blocked || self.probing.is_some_and(|p| i > p) {
            self.current = None;
            return 0;
        }
        if i < self.nodes.len() {
            let node = &self.nodes[i];
            if node.point == point && node.n == n {
                self.current = Some(i);
                if !node.owners.child(n, node.chosen).has(self.me) {
                    self.probing = Some(i);
                }
                return node.chosen;
            }
            // The run left the tree (it cannot, being deterministic): the
            // rest is rebuilt from here.
            self.nodes.truncate(i);
        }
        let sleep = match self.nodes.last() {
            Some(p) if self.reduce && p.point.is_pick() => {
                let taken = p.step.clone().unwrap_or_else(Footprint::everything);
                p.sleep.after(&p.explored, &taken)
            }
            _ => SleepSet::default(),
        };
        let owners = self.owners_of_next();
        let mut node = Node {
            point,
            keys: if point.is_pick() { keys() } else { Vec::new() },
            n,
            chosen: 0,
            done: vec![false; n],
            explored: Vec::new(),
            sleep,
            step: None,
            owners,
        };
        match (0..n).find(|&c| !node.asleep(c)) {
            Some(c) => {
                node.chosen = c;
                if !node.owners.child(n, c).has(self.me) {
                    self.probing = Some(i);
                }
                self.nodes.push(node);
                self.current = Some(i);
                c
            }
            None => {
                self.blocked = true;
                self.current = None;
                if node.owners.first() == Some(self.me) {
                    self.pruned += 1;
                }
                0
            }
        }
    }
}

impl Strategy for Exhaustive {
    fn pick(
        &mut self,
        point: Point,
        n: usize,
        _seeded: usize,
        key: &mut dyn FnMut(usize) -> String,
    ) -> usize {
        let c = self.decide(point, n, &mut || (0..n).map(&mut *key).collect());
        self.digest.note(point, c as u64, n as u64);
        if self.record() {
            self.taken.push((point, key(c), c as u64));
        }
        c
    }

    fn value(&mut self, point: Point, key: &str, seeded: u64, bound: u64) -> u64 {
        let v = if point.is_coin() && bound == 2 {
            self.decide(point, 2, &mut Vec::new) as u64
        } else {
            seeded
        };
        self.digest.note(point, v, bound);
        if self.record() {
            self.taken.push((point, key.to_string(), v));
        }
        v
    }

    fn footprints(&self) -> bool {
        self.reduce
    }

    fn step(&mut self, footprint: Footprint) {
        if let Some(i) = self.current
            && let Some(node) = self.nodes.get_mut(i)
        {
            let mut f = node.step.take().unwrap_or_default();
            f.extend(&footprint);
            node.step = Some(f.take());
        }
    }
}

impl Exhaustive {
    /// Whether this run's decisions are kept ([`Exhaustive::taken`]): for
    /// the first runs only (a schedule is needed for each new outcome; the
    /// caller keeps the ones it needs), bounded.
    fn record(&self) -> bool {
        self.taken.len() < 100_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a toy "program": `depth` picks among `n` with the given
    /// footprint per step (by key), and counts runs.
    fn explore(
        n: usize,
        depth: usize,
        writes: &dyn Fn(usize) -> Vec<u64>,
        shard: (u64, u64),
        job: (u64, u64),
    ) -> (u64, u64) {
        let mut e = Exhaustive::new(shard, job);
        let mut runs = 0;
        loop {
            e.begin_run();
            for _ in 0..depth {
                let c = e.pick(Point::Task, n, 0, &mut |i| format!("t{i}"));
                e.step(
                    Footprint {
                        reads: vec![],
                        writes: writes(c),
                        all: false,
                    }
                    .take(),
                );
            }
            if e.counts() {
                runs += 1;
            }
            if !e.advance() {
                return (runs, e.pruned);
            }
        }
    }

    #[test]
    fn dependent_steps_give_every_sequence() {
        assert_eq!(explore(3, 2, &|_| vec![1], (1, 1), (0, 1)), (9, 0));
    }

    #[test]
    fn independent_steps_are_run_once_per_set() {
        // Two picks among 3 independent candidates: the unordered pairs
        // {a,a}, {a,b}... with repetition: 3 + 3 = 6 of the 9 sequences.
        let (runs, pruned) = explore(3, 2, &|c| vec![c as u64 + 10], (1, 1), (0, 1));
        assert_eq!(runs, 6);
        assert_eq!(pruned, 3);
    }

    #[test]
    fn shards_and_jobs_split_the_schedules_and_the_pruning() {
        let writes = |c: usize| vec![(c % 2) as u64];
        let whole = explore(4, 3, &writes, (1, 1), (0, 1));
        assert!(whole.1 > 0, "{whole:?}");
        for count in 1..6 {
            for jobs in 1..4 {
                let mut total = (0, 0);
                for i in 1..=count {
                    for j in 0..jobs {
                        let (r, p) = explore(4, 3, &writes, (i, count), (j, jobs));
                        total = (total.0 + r, total.1 + p);
                    }
                }
                assert_eq!(total, whole, "{count} shards, {jobs} jobs");
            }
        }
    }
}
