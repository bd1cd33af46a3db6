//! The timer queue as it was before the bucket recycling and the
//! allocation-free drain (a min-heap of distinct deadlines, each with a FIFO
//! bucket), kept unchanged as the test oracle for [`super::TimerQueue`]: the
//! property test in `super::props` checks that both give the same timers in
//! the same order for random sequences of operations.

#![allow(dead_code)]

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rustc_hash::FxHashMap;

use super::TimerId;

/// Pending timers, each carrying an item of type `T` (typically the id of
/// the operation to complete when it fires).
pub struct OracleQueue<T> {
    /// Each deadline that has a bucket, once.
    deadlines: BinaryHeap<Reverse<u64>>,
    /// Looked up by deadline only, never iterated: order comes from the heap.
    buckets: FxHashMap<u64, VecDeque<T>>,
    len: usize,
    next_seq: u64,
}

impl<T> Default for OracleQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> std::fmt::Debug for OracleQueue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OracleQueue")
            .field("len", &self.len)
            .field("next_deadline", &self.peek_deadline())
            .field("next_seq", &self.next_seq)
            .finish()
    }
}

impl<T> OracleQueue<T> {
    /// An empty queue.
    pub fn new() -> Self {
        OracleQueue {
            deadlines: BinaryHeap::new(),
            buckets: FxHashMap::default(),
            len: 0,
            next_seq: 0,
        }
    }

    /// An empty queue with room for `n` distinct deadlines.
    pub fn with_capacity(n: usize) -> Self {
        OracleQueue {
            deadlines: BinaryHeap::with_capacity(n),
            buckets: FxHashMap::with_capacity_and_hasher(n, Default::default()),
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
            VecDeque::new()
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
            self.buckets.remove(&deadline);
            self.deadlines.pop();
        }
        self.len -= 1;
        Some((deadline, item))
    }

    /// Removes every timer with deadline `<= now` and returns them in
    /// `(deadline, sequence)` order: by deadline, ties in push order.
    pub fn pop_due(&mut self, now: u64) -> Vec<(u64, T)> {
        let mut out = Vec::new();
        while let Some(Reverse(deadline)) = self.deadlines.peek().copied().filter(|d| d.0 <= now) {
            self.deadlines.pop();
            let bucket = self
                .buckets
                .remove(&deadline)
                .expect("a bucket per deadline");
            self.len -= bucket.len();
            out.extend(bucket.into_iter().map(|item| (deadline, item)));
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
        let mut out = self.pop_due(now);
        let mut start = 0;
        while start < out.len() {
            let deadline = out[start].0;
            let end = out[start..]
                .iter()
                .position(|(d, _)| *d != deadline)
                .map_or(out.len(), |p| start + p);
            let group = &mut out[start..end];
            let k = group.len();
            for i in 0..k.saturating_sub(1) {
                let n = k - i;
                let j = i + chooser(n) % n;
                group.swap(i, j);
            }
            start = end;
        }
        out
    }
}
