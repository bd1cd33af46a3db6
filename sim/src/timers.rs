//! The timer queue, ordered by `(deadline_ns, sequence)`.
//!
//! `sequence` is the insertion order, so timers with equal deadlines pop in
//! the order they were pushed (FIFO). A seeded-random schedule can permute
//! such ties with [`TimerQueue::pop_due_with`]; groups of different deadlines
//! always stay in deadline order.
//!
//! Many timers share a deadline (a million timers of 1..=1000 ms have a
//! thousand), so the queue is a min-heap of distinct deadlines, each with a
//! FIFO bucket: a push onto an existing deadline is `O(1)`, a new deadline
//! `O(log d)`, and the heap stays small and cache-friendly.
//!
//! What a million timers cost is mostly memory traffic, not ordering (see
//! BENCHMARKS.md): so the due timers are drained into the caller's buffer
//! ([`TimerQueue::pop_due_into`]) instead of a fresh vector per poll, and the
//! storage of emptied buckets is kept for the next new deadlines (at most
//! [`SPARE_BUCKETS`] of them, each of at most [`SPARE_CAPACITY`] timers).
//! Allocating while the completed operations are being freed is what made
//! the allocator consolidate its free lists, a cache miss per freed block.
//!
//! The queue as it was before is kept as the test oracle (`oracle.rs`,
//! compared in `props.rs`).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rustc_hash::FxHashMap;

#[cfg(test)]
mod oracle;
#[cfg(test)]
mod props;

/// Picks which of the remaining same-deadline items goes next.
type Chooser<'a, T> = &'a mut dyn FnMut(&[T]) -> usize;

/// The most emptied buckets a queue keeps for reuse.
pub const SPARE_BUCKETS: usize = 32;

/// The largest bucket (in timers) whose storage is kept for reuse: a bucket
/// that once held a million timers gives its memory back.
pub const SPARE_CAPACITY: usize = 4096;

/// Identifies one pushed timer: its insertion sequence number. Ids are
/// unique within one queue and increase with every push.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimerId(pub u64);

/// Pending timers, each carrying an item of type `T` (typically the id of
/// the operation to complete when it fires).
pub struct TimerQueue<T> {
    /// Each deadline that has a bucket, once.
    deadlines: BinaryHeap<Reverse<u64>>,
    /// Looked up by deadline only, never iterated: order comes from the heap.
    buckets: FxHashMap<u64, VecDeque<T>>,
    /// Emptied buckets, kept for their storage (never holding items).
    spare: Vec<VecDeque<T>>,
    len: usize,
    next_seq: u64,
}

impl<T> Default for TimerQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> std::fmt::Debug for TimerQueue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimerQueue")
            .field("len", &self.len)
            .field("next_deadline", &self.peek_deadline())
            .field("next_seq", &self.next_seq)
            .finish()
    }
}

impl<T> TimerQueue<T> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty queue with room for `n` distinct deadlines.
    pub fn with_capacity(n: usize) -> Self {
        TimerQueue {
            deadlines: BinaryHeap::with_capacity(n),
            buckets: FxHashMap::with_capacity_and_hasher(n, Default::default()),
            spare: Vec::new(),
            len: 0,
            next_seq: 0,
        }
    }

    /// Adds a timer firing at `deadline` (virtual ns).
    pub fn push(&mut self, deadline: u64, item: T) -> TimerId {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.len += 1;
        let bucket = self.buckets.entry(deadline).or_insert_with(|| {
            self.deadlines.push(Reverse(deadline));
            self.spare.pop().unwrap_or_default()
        });
        bucket.push_back(item);
        TimerId(seq)
    }

    /// The earliest deadline, if any timer is pending. `O(1)`.
    pub fn peek_deadline(&self) -> Option<u64> {
        self.deadlines.peek().map(|d| d.0)
    }

    /// Number of pending timers.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no timer is pending.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Emptied buckets kept for reuse (at most [`SPARE_BUCKETS`]).
    pub fn spare_buckets(&self) -> usize {
        self.spare.len()
    }

    /// Removes and returns the earliest timer if its deadline is `<= now`,
    /// in `(deadline, sequence)` order.
    pub fn pop_next_due(&mut self, now: u64) -> Option<(u64, T)> {
        let deadline = self.peek_deadline().filter(|d| *d <= now)?;
        let bucket = self
            .buckets
            .get_mut(&deadline)
            .expect("a bucket per deadline");
        let item = bucket.pop_front().expect("buckets are never empty");
        if bucket.is_empty() {
            let bucket = self.buckets.remove(&deadline).expect("just seen");
            self.deadlines.pop();
            self.recycle(bucket);
        }
        self.len -= 1;
        Some((deadline, item))
    }

    /// The earliest bucket if its deadline is `<= now`, taken out of the
    /// queue: its timers in push order.
    fn take_due_bucket(&mut self, now: u64) -> Option<(u64, VecDeque<T>)> {
        let Reverse(deadline) = self.deadlines.peek().copied().filter(|d| d.0 <= now)?;
        self.deadlines.pop();
        let bucket = self
            .buckets
            .remove(&deadline)
            .expect("a bucket per deadline");
        self.len -= bucket.len();
        Some((deadline, bucket))
    }

    /// Keeps an emptied bucket's storage for a later deadline, within the
    /// limits ([`SPARE_BUCKETS`], [`SPARE_CAPACITY`]); frees it otherwise.
    fn recycle(&mut self, mut bucket: VecDeque<T>) {
        if self.spare.len() < SPARE_BUCKETS && bucket.capacity() <= SPARE_CAPACITY {
            bucket.clear();
            self.spare.push(bucket);
        }
    }

    /// Removes every timer with deadline `<= now` and appends their items to
    /// `out` in `(deadline, sequence)` order; returns how many. Allocates
    /// nothing when `out` has room.
    pub fn pop_due_into(&mut self, now: u64, out: &mut Vec<T>) -> usize {
        self.drain_due(now, out, None)
    }

    /// Like [`pop_due_into`](Self::pop_due_into), with each group of equal
    /// deadlines permuted by `chooser` as [`pop_due_with`](Self::pop_due_with)
    /// describes.
    pub fn pop_due_with_into(
        &mut self,
        now: u64,
        chooser: &mut dyn FnMut(usize) -> usize,
        out: &mut Vec<T>,
    ) -> usize {
        self.drain_due(now, out, Some(&mut |rest: &[T]| chooser(rest.len())))
    }

    /// Like [`pop_due_with_into`](Self::pop_due_with_into), with the chooser
    /// shown the remaining candidates themselves (so that it can name them),
    /// not only their number: the same shuffle, the same calls.
    pub fn pop_due_keyed_into(
        &mut self,
        now: u64,
        chooser: &mut dyn FnMut(&[T]) -> usize,
        out: &mut Vec<T>,
    ) -> usize {
        self.drain_due(now, out, Some(chooser))
    }

    fn drain_due(
        &mut self,
        now: u64,
        out: &mut Vec<T>,
        mut chooser: Option<Chooser<'_, T>>,
    ) -> usize {
        let before = out.len();
        while let Some((_, mut bucket)) = self.take_due_bucket(now) {
            let start = out.len();
            out.extend(bucket.drain(..));
            if let Some(choose) = chooser.as_mut() {
                shuffle(&mut out[start..], choose);
            }
            self.recycle(bucket);
        }
        out.len() - before
    }

    /// Removes every timer with deadline `<= now` and returns them in
    /// `(deadline, sequence)` order: by deadline, ties in push order.
    pub fn pop_due(&mut self, now: u64) -> Vec<(u64, T)> {
        let mut out = Vec::new();
        while let Some((deadline, mut bucket)) = self.take_due_bucket(now) {
            out.extend(bucket.drain(..).map(|item| (deadline, item)));
            self.recycle(bucket);
        }
        out
    }

    /// Like [`pop_due`](Self::pop_due), but within each group of timers that
    /// share a deadline the order is chosen by `chooser`; groups stay in
    /// deadline order.
    ///
    /// For a group of `k` timers (in push order) this is a Fisher–Yates
    /// shuffle: for `i` in `0..k-1`, `chooser(k - i)` picks which of the
    /// remaining `k - i` timers goes at position `i`. So `chooser` is called
    /// only with `n >= 2` (never for a group of one, and never for a group's
    /// last slot), and a chooser that always returns 0 gives exactly
    /// [`pop_due`](Self::pop_due)'s order. A return value `>= n` is reduced
    /// modulo `n` (never a panic). A uniform chooser, such as
    /// `|n| rng.below(n as u64) as usize`, gives every order of a group with
    /// equal probability.
    pub fn pop_due_with(
        &mut self,
        now: u64,
        chooser: &mut dyn FnMut(usize) -> usize,
    ) -> Vec<(u64, T)> {
        let mut out = Vec::new();
        while let Some((deadline, mut bucket)) = self.take_due_bucket(now) {
            let start = out.len();
            out.extend(bucket.drain(..).map(|item| (deadline, item)));
            shuffle(&mut out[start..], &mut |rest: &[(u64, T)]| {
                chooser(rest.len())
            });
            self.recycle(bucket);
        }
        out
    }
}

/// The Fisher–Yates shuffle of one group of equal deadlines (see
/// [`TimerQueue::pop_due_with`]).
fn shuffle<X>(group: &mut [X], chooser: &mut dyn FnMut(&[X]) -> usize) {
    let k = group.len();
    for i in 0..k.saturating_sub(1) {
        let n = k - i;
        let j = i + chooser(&group[i..]) % n;
        group.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_deadline_then_insertion_order() {
        let mut q = TimerQueue::new();
        assert!(q.is_empty());
        assert_eq!(q.peek_deadline(), None);
        let a = q.push(30, "a");
        let b = q.push(10, "b");
        let c = q.push(20, "c");
        let d = q.push(10, "d");
        let e = q.push(10, "e");
        assert!(a < b && b < c && c < d && d < e);
        assert_eq!(q.len(), 5);
        assert_eq!(q.peek_deadline(), Some(10));
        assert_eq!(q.pop_due(5), vec![]);
        assert_eq!(q.pop_due(10), vec![(10, "b"), (10, "d"), (10, "e")]);
        assert_eq!(q.peek_deadline(), Some(20));
        assert_eq!(q.pop_due(u64::MAX), vec![(20, "c"), (30, "a")]);
        assert!(q.is_empty());
    }

    #[test]
    fn pop_next_due_respects_now() {
        let mut q = TimerQueue::new();
        q.push(5, 1);
        q.push(5, 2);
        q.push(7, 3);
        assert_eq!(q.pop_next_due(4), None);
        assert_eq!(q.pop_next_due(5), Some((5, 1)));
        assert_eq!(q.pop_next_due(5), Some((5, 2)));
        assert_eq!(q.pop_next_due(5), None);
        assert_eq!(q.pop_next_due(9), Some((7, 3)));
        assert_eq!(q.pop_next_due(9), None);
    }

    #[test]
    fn chooser_zero_is_fifo_and_groups_stay_in_deadline_order() {
        let mut q = TimerQueue::new();
        for (i, d) in [3u64, 1, 3, 2, 1, 3].into_iter().enumerate() {
            q.push(d, i);
        }
        let mut calls = Vec::new();
        let got = q.pop_due_with(3, &mut |n| {
            calls.push(n);
            0
        });
        assert_eq!(got, vec![(1, 1), (1, 4), (2, 3), (3, 0), (3, 2), (3, 5)]);
        // Group of 2 at t=1: one call with 2; group of 1 at t=2: none;
        // group of 3 at t=3: calls with 3 then 2.
        assert_eq!(calls, vec![2, 3, 2]);
    }

    #[test]
    fn chooser_permutes_ties() {
        let mut q = TimerQueue::new();
        for i in 0..4 {
            q.push(100, i);
        }
        q.push(50, 99);
        // Always take the last remaining: reverses each group.
        let got = q.pop_due_with(100, &mut |n| n - 1);
        assert_eq!(got, vec![(50, 99), (100, 3), (100, 0), (100, 1), (100, 2)]);
        // Fisher-Yates with "last" picks: [0,1,2,3] -> swap(0,3) [3,1,2,0]
        // -> swap(1,3) [3,0,2,1] -> swap(2,3) [3,0,1,2].
    }

    #[test]
    fn out_of_range_choice_is_reduced_not_a_panic() {
        let mut q = TimerQueue::new();
        q.push(1, 'a');
        q.push(1, 'b');
        let got = q.pop_due_with(1, &mut |_| usize::MAX);
        // usize::MAX % 2 == 1: swap.
        assert_eq!(got, vec![(1, 'b'), (1, 'a')]);
    }

    #[test]
    fn every_permutation_is_reachable() {
        // Enumerate all chooser answers for a group of 3: 3 * 2 = 6 orders.
        let mut seen = std::collections::BTreeSet::new();
        for first in 0..3 {
            for second in 0..2 {
                let mut q = TimerQueue::new();
                for i in 0..3 {
                    q.push(0, i);
                }
                let mut answers = [first, second].into_iter();
                let got = q.pop_due_with(0, &mut |_| answers.next().unwrap());
                seen.insert(got.into_iter().map(|(_, x)| x).collect::<Vec<_>>());
            }
        }
        assert_eq!(seen.len(), 6);
    }

    #[test]
    fn a_million_timers() {
        const N: u64 = 1_000_000;
        let mut q = TimerQueue::with_capacity(N as usize);
        // A scrambled deadline order with many ties (deadlines 0..1000).
        for i in 0..N {
            let d = (i.wrapping_mul(2_654_435_761)) % 1000;
            q.push(d, i);
        }
        assert_eq!(q.len(), N as usize);
        assert_eq!(q.peek_deadline(), Some(0));
        let half = q.pop_due(499);
        assert_eq!(half.len(), 500_000);
        let rest = q.pop_due(u64::MAX);
        assert_eq!(rest.len(), 500_000);
        assert!(q.is_empty());
        for w in half.windows(2).chain(rest.windows(2)) {
            let ((d0, i0), (d1, i1)) = (w[0], w[1]);
            assert!(d0 < d1 || (d0 == d1 && i0 < i1));
        }
    }

    #[test]
    fn emptied_buckets_are_reused_within_the_limits() {
        let mut q = TimerQueue::new();
        for d in 0..(SPARE_BUCKETS as u64 + 10) {
            q.push(d, d);
        }
        let mut out = Vec::new();
        assert_eq!(q.pop_due_into(u64::MAX, &mut out), SPARE_BUCKETS + 10);
        assert_eq!(q.spare_buckets(), SPARE_BUCKETS);
        // A spare bucket comes back empty: a new deadline holds only its own.
        q.push(500, 7);
        assert_eq!(q.spare_buckets(), SPARE_BUCKETS - 1);
        assert_eq!(q.pop_due(u64::MAX), vec![(500, 7)]);
        // A bucket beyond SPARE_CAPACITY gives its memory back.
        let mut q = TimerQueue::new();
        for i in 0..=SPARE_CAPACITY as u64 {
            q.push(1, i);
        }
        out.clear();
        q.pop_due_into(1, &mut out);
        assert_eq!(q.spare_buckets(), 0);
        assert_eq!(out, (0..=SPARE_CAPACITY as u64).collect::<Vec<_>>());
    }

    #[test]
    fn pop_due_into_appends_and_shuffles_like_pop_due_with() {
        let mut a = TimerQueue::new();
        let mut b = TimerQueue::new();
        for (i, d) in [3u64, 1, 3, 2, 1, 3].into_iter().enumerate() {
            a.push(d, i);
            b.push(d, i);
        }
        let mut out = vec![99];
        assert_eq!(a.pop_due_with_into(3, &mut |n| n - 1, &mut out), 6);
        let want: Vec<usize> = b
            .pop_due_with(3, &mut |n| n - 1)
            .into_iter()
            .map(|(_, x)| x)
            .collect();
        assert_eq!(out[0], 99);
        assert_eq!(out[1..], want[..]);
        assert_eq!(want, vec![4, 1, 3, 5, 0, 2]);
    }
}
