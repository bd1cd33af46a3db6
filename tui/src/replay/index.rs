//! Moving through a trace: the state at the end of any poll, from the
//! nearest checkpoint of rebuilt state plus the records after it.
//!
//! Checkpoints are taken at poll boundaries every `gap` records. Their total
//! size is kept under a budget: when it would be passed, every other
//! checkpoint is dropped and the gap doubles, so a big trace keeps a few,
//! evenly spaced. A step forward applies the next poll's records to the
//! current state; a step back restores the checkpoint before the target and
//! applies the records from there.
//!
//! Records are decoded once into 16-byte `Op`s: replaying them touches one
//! dense array instead of the records' scattered fields, several times
//! faster. While indexing, each op also gets what it takes to undo it (the
//! refcount, status or stack position it replaced), so a step back takes
//! back the records of one poll instead of replaying from a checkpoint.

use gene_sim::trace::read::{Record, Trace};

use super::state::{IRREVERSIBLE, Kind, Op, State};

/// Records between two checkpoints, to begin with.
pub const FIRST_GAP: usize = 4096;
/// Bytes all checkpoints together may hold.
pub const CHECKPOINT_BUDGET: usize = 16 << 20;

struct Checkpoint {
    /// `state.applied`: a poll's end.
    state: State,
}

pub struct Replay {
    pub trace: Trace,
    checkpoints: Vec<Checkpoint>,
    gap: usize,
    /// The state at the end of `poll`.
    state: State,
    poll: usize,
    /// Virtual time at the start of each poll.
    poll_times: Vec<u64>,
    blocking_await: bool,
    /// Each record, decoded once.
    ops: Vec<Op>,
}

/// What indexing computes, before it takes the trace in.
struct Parts {
    checkpoints: Vec<Checkpoint>,
    gap: usize,
    state: State,
    poll_times: Vec<u64>,
    blocking_await: bool,
    ops: Vec<Op>,
}

impl Replay {
    /// Indexes a trace (one pass over its records) and stands at poll 0.
    pub fn new(trace: Trace) -> Replay {
        Replay::with_budget(trace, FIRST_GAP, CHECKPOINT_BUDGET)
    }

    pub fn with_budget(trace: Trace, first_gap: usize, budget: usize) -> Replay {
        let parts = Replay::index(&trace, first_gap, budget);
        Replay::assemble(trace, parts)
    }

    /// Indexes a trace, then lets `side` read it (the replay's story:
    /// names, histories, warnings). One thread after the other: on a
    /// second thread the story took 0.03 s off the open of a 1M-record
    /// trace but added 10 MiB to its peak (the allocator keeps the pages a
    /// thread frees for that thread), which then passed the 300 MiB budget
    /// (BENCHMARKS.md, "2026-12-03, third session").
    pub fn new_with<T>(trace: Trace, side: impl FnOnce(&Trace) -> T) -> (Replay, T) {
        let parts = Replay::index(&trace, FIRST_GAP, CHECKPOINT_BUDGET);
        let t = side(&trace);
        (Replay::assemble(trace, parts), t)
    }

    fn index(trace: &Trace, first_gap: usize, budget: usize) -> Parts {
        let blocking_await = trace.blocking_await();
        let poll_times = trace
            .polls
            .iter()
            .scan(0u64, |last, r| {
                if let Some(rec) = trace.records.get(r.start)
                    && r.start < r.end
                {
                    *last = rec.t;
                }
                Some(*last)
            })
            .collect();
        let mut ops = decode(&trace.records);
        let mut gap = first_gap.max(1);
        let mut checkpoints = vec![Checkpoint {
            state: State::new(blocking_await),
        }];
        let mut bytes = checkpoints[0].state.heap_bytes();
        let mut state = State::new(blocking_await);
        for range in &trace.polls {
            for i in range.clone() {
                state.apply_recording(i, &mut ops[i]);
            }
            let last = checkpoints.last().map_or(0, |c| c.state.applied);
            if state.applied - last < gap {
                continue;
            }
            if bytes + state.heap_bytes() > budget && checkpoints.len() > 1 {
                // Keep checkpoints 0, 2, 4, ...: the gap doubles.
                let mut i = 0;
                checkpoints.retain(|_| {
                    i += 1;
                    i % 2 == 1
                });
                gap *= 2;
                bytes = checkpoints.iter().map(|c| c.state.heap_bytes()).sum();
                let last = checkpoints.last().map_or(0, |c| c.state.applied);
                if state.applied - last < gap {
                    continue;
                }
            }
            let mut copy = state.clone();
            set_clock(&mut copy, &trace.records);
            shrink(&mut copy);
            bytes += copy.heap_bytes();
            checkpoints.push(Checkpoint { state: copy });
        }
        Parts {
            checkpoints,
            gap,
            state,
            poll_times,
            blocking_await,
            ops,
        }
    }

    fn assemble(trace: Trace, p: Parts) -> Replay {
        let mut replay = Replay {
            trace,
            checkpoints: p.checkpoints,
            gap: p.gap,
            state: p.state,
            poll: 0,
            poll_times: p.poll_times,
            blocking_await: p.blocking_await,
            ops: p.ops,
        };
        let last = replay.polls().saturating_sub(1);
        replay.poll = last;
        replay.seek(0);
        replay
    }

    /// Number of polls.
    pub fn polls(&self) -> usize {
        self.trace.polls.len()
    }

    /// The current poll.
    pub fn poll(&self) -> usize {
        self.poll
    }

    /// The state at the end of the current poll.
    pub fn state(&self) -> &State {
        &self.state
    }

    pub fn records(&self) -> &[Record] {
        &self.trace.records
    }

    /// The current poll's records.
    pub fn poll_records(&self) -> &[Record] {
        self.trace.poll(self.poll)
    }

    /// Index of the first record of poll `p` (or where it would be).
    pub fn poll_start(&self, p: usize) -> usize {
        self.trace
            .polls
            .get(p)
            .map_or(self.trace.records.len(), |r| r.start)
    }

    /// Virtual time at the start of poll `p`.
    pub fn poll_time(&self, p: usize) -> u64 {
        self.poll_times.get(p).copied().unwrap_or(0)
    }

    /// The first poll at or after virtual time `t` (the last poll if none).
    pub fn poll_at_time(&self, t: u64) -> usize {
        let p = self.poll_times.partition_point(|&x| x < t);
        p.min(self.polls().saturating_sub(1))
    }

    /// The poll holding record index `i`.
    pub fn poll_of_record(&self, i: usize) -> usize {
        self.trace.records.get(i).map_or(0, |r| r.poll as usize)
    }

    /// Number of checkpoints, and records between two of them.
    pub fn checkpoints(&self) -> (usize, usize) {
        (self.checkpoints.len(), self.gap)
    }

    /// Bytes held by the checkpoints.
    pub fn checkpoint_bytes(&self) -> usize {
        self.checkpoints.iter().map(|c| c.state.heap_bytes()).sum()
    }

    /// Bytes the index holds besides the trace: decoded records, poll
    /// times, checkpoints and the current state.
    pub fn index_bytes(&self) -> usize {
        self.ops.capacity() * std::mem::size_of::<Op>()
            + self.poll_times.capacity() * 8
            + self.checkpoint_bytes()
            + self.state.heap_bytes()
    }

    /// Records that cannot be taken back (an odd trace): stepping back
    /// over one restores a checkpoint instead.
    pub fn irreversible(&self) -> usize {
        self.ops
            .iter()
            .filter(|o| o.flags & IRREVERSIBLE != 0)
            .count()
    }

    /// Moves to poll `p` (clamped to the trace).
    pub fn seek(&mut self, p: usize) {
        if self.polls() == 0 {
            self.poll = 0;
            return;
        }
        let p = p.min(self.polls() - 1);
        let target = self.trace.polls[p].end;
        let current = std::mem::replace(&mut self.state, State::new(self.blocking_await));
        self.state = self.state_after(target, Some(current));
        self.poll = p;
    }

    /// The state after `records[..target]`: from `current` forwards, or
    /// backwards by taking records back, or from the checkpoint before
    /// `target`, whichever touches fewer records.
    fn state_after(&self, target: usize, current: Option<State>) -> State {
        let k = self
            .checkpoints
            .partition_point(|c| c.state.applied <= target)
            .saturating_sub(1);
        let checkpoint = &self.checkpoints[k].state;
        // Restoring a checkpoint costs a copy of it: count that as records.
        let from_checkpoint = target - checkpoint.applied + checkpoint.heap_bytes() / 64;
        let mut state = match current {
            Some(s) if s.applied <= target && target - s.applied <= from_checkpoint => s,
            Some(mut s)
                if s.applied > target
                    && s.applied - target <= from_checkpoint
                    && self.ops[target..s.applied]
                        .iter()
                        .all(|o| o.flags & IRREVERSIBLE == 0) =>
            {
                for i in (target..s.applied).rev() {
                    s.unapply(i, self.ops[i]);
                }
                s
            }
            other => {
                drop(other);
                checkpoint.clone()
            }
        };
        for i in state.applied..target {
            state.apply_op(i, self.ops[i]);
        }
        set_clock(&mut state, &self.trace.records);
        state
    }

    /// The state after `records[..target]`, computed aside (for details).
    pub fn state_at_record(&self, target: usize) -> State {
        self.state_after(target.min(self.trace.records.len()), None)
    }
}

fn shrink(s: &mut State) {
    s.futures.shrink_to_fit();
    s.tasks.shrink_to_fit();
    s.scopes.shrink_to_fit();
    s.ops.shrink_to_fit();
}

/// Decodes the records; they share their kind's `Arc`, so a kind is
/// looked up once per distinct pointer.
fn decode(records: &[Record]) -> Vec<Op> {
    let mut out = Vec::with_capacity(records.len());
    let mut seen: Vec<(*const u8, Kind)> = Vec::new();
    for r in records {
        let ptr = r.kind.as_ptr();
        let k = match seen.iter().find(|(p, _)| *p == ptr) {
            Some(&(_, k)) => k,
            None => {
                let k = Kind::of(&r.kind);
                if seen.len() < 64 {
                    seen.push((ptr, k));
                }
                k
            }
        };
        out.push(Op::decode(k, r));
    }
    out
}

/// Poll and time of the last record applied.
fn set_clock(state: &mut State, records: &[Record]) {
    let last = state.applied.checked_sub(1).and_then(|i| records.get(i));
    state.poll = last.map_or(0, |r| r.poll);
    state.time = last.map_or(0, |r| r.t);
}
