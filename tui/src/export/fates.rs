//! What became of each exception and each unobserved failure, found in one
//! pass over the trace before the export writes anything.
//!
//! An exception travels: thrown in a task with no handler there
//! (`exception.thrown` with `handled` false), it ends the task
//! (`task.finished`, `ok` false) and fails the task's result future; an
//! `await` on that future throws it again in the awaiting task
//! (`task.resumed` with `ok` false, or `future.observed` by an `await` on a
//! future that failed already), and so on. It is *uncaught* when it ends
//! nowhere caught: it ends the main task (the run fails with it), or the
//! future it fails stays unobserved to the end (`run.end`'s `unobserved`;
//! still unobserved at the end of a trace without `run.end`). A handler
//! that takes it on the way (`handled` true), a failure callback, or an
//! `await` that catches it, is not uncaught. The exception is named by its
//! first throw: the export marks that record.
//!
//! The export finds them in its first pass over the trace
//! ([`FatesFinder`], record by record); the replay over its records in
//! memory ([`Fates::of`]).

use gene_sim::trace::names::Naming;
use gene_sim::trace::read::{Record, Trace};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::replay::state::{Origin, State, TaskKind, TaskStatus};

/// How an uncaught exception ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// It ended the main task, and so the run.
    Run,
    /// It failed this future, which nothing observed.
    Unobserved(u64),
}

impl Ending {
    /// `the run failed with it`, `unobserved failure of withdraw
    /// (race.gene:6) at race.gene:10 (future 3)`.
    pub fn text(&self, names: &Naming) -> String {
        match self {
            Ending::Run => "the run failed with it".into(),
            Ending::Unobserved(f) => format!("unobserved failure of {}", names.failure_ref(*f)),
        }
    }
}

/// An uncaught exception: how it ended, and the tasks it went through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uncaught {
    pub ending: Ending,
    pub through: Vec<u64>,
}

#[derive(Default)]
pub struct Fates {
    /// The first throws of uncaught exceptions, by record index.
    pub uncaught: FxHashMap<usize, Uncaught>,
    /// Failed futures nothing observed by the end.
    pub unobserved: FxHashSet<u64>,
}

/// An exception on its way: the index of its first throw, and the tasks it
/// went through.
#[derive(Clone)]
struct Flight {
    origin: usize,
    through: Vec<u64>,
}

/// Finds the fates from the records given to `note` in order, one at a
/// time (the export reads the trace as a stream): it holds a few entries
/// per task and future, not the records.
pub struct FatesFinder {
    state: State,
    /// The exception thrown into a task by a failed await, until it is
    /// thrown there.
    incoming: FxHashMap<u64, Flight>,
    /// The exception a task has thrown with no handler, until it ends.
    thrown: FxHashMap<u64, Flight>,
    /// The exception a task ended with.
    ended: FxHashMap<u64, Flight>,
    /// The exception each failed future holds.
    failed: FxHashMap<u64, Flight>,
    /// A callback task that ended with an exception, until
    /// `callback.failed`; then the failure goes to the next future that
    /// fails (the records after `callback.failed` make it).
    callback_threw: Option<Flight>,
    callback_failure: Option<Flight>,
    unobserved_at_end: Option<FxHashSet<u64>>,
    uncaught: FxHashMap<usize, Uncaught>,
}

impl Fates {
    /// The fates of a whole trace's records.
    pub fn of(trace: &Trace, blocking: bool) -> Fates {
        let mut finder = FatesFinder::new(blocking);
        for r in &trace.records {
            finder.note(r);
        }
        finder.finish()
    }
}

impl FatesFinder {
    pub fn new(blocking: bool) -> FatesFinder {
        FatesFinder {
            state: State::new(blocking),
            incoming: FxHashMap::default(),
            thrown: FxHashMap::default(),
            ended: FxHashMap::default(),
            failed: FxHashMap::default(),
            callback_threw: None,
            callback_failure: None,
            unobserved_at_end: None,
            uncaught: FxHashMap::default(),
        }
    }

    /// Takes in the next record.
    pub fn note(&mut self, r: &Record) {
        let i = self.state.applied;
        let state = &self.state;
        match &*r.kind {
            "task.resumed" if r.bool("ok") == Some(false) => {
                let t = r.u64("task").unwrap_or(0);
                if let Some(TaskStatus::Suspended(f)) = state.task(t).map(|x| x.status)
                    && let Some(flight) = self.failed.get(&u64::from(f))
                {
                    self.incoming.insert(t, flight.clone());
                }
            }
            "future.observed" => {
                let f = r.u64("future").unwrap_or(0);
                if let Some(flight) = self.failed.get(&f) {
                    self.incoming
                        .insert(u64::from(state.running()), flight.clone());
                }
            }
            "exception.thrown" => {
                let t = r.u64("task").unwrap_or(0);
                let flight = self.incoming.remove(&t);
                if r.bool("handled") == Some(false) {
                    let mut flight = flight.unwrap_or(Flight {
                        origin: i,
                        through: Vec::new(),
                    });
                    if flight.through.last() != Some(&t) {
                        flight.through.push(t);
                    }
                    self.thrown.insert(t, flight);
                }
            }
            "task.finished" => {
                let t = r.u64("task").unwrap_or(0);
                let flight = self.thrown.remove(&t);
                if r.bool("ok") == Some(false)
                    && let Some(flight) = flight
                {
                    if t == 1 {
                        self.uncaught.insert(
                            flight.origin,
                            Uncaught {
                                ending: Ending::Run,
                                through: flight.through.clone(),
                            },
                        );
                    }
                    if state.task(t).is_some_and(|x| x.kind == TaskKind::Callback) {
                        self.callback_threw = Some(flight.clone());
                    }
                    self.ended.insert(t, flight);
                }
            }
            "callback.failed" => self.callback_failure = self.callback_threw.take(),
            "future.resolved" if r.bool("ok") == Some(false) => {
                let f = r.u64("future").unwrap_or(0);
                let info = state.future(f);
                let flight = match info.map(|x| (x.origin, x.adopted)) {
                    Some((Origin::Task(t), _)) => self.ended.get(&u64::from(t)).cloned(),
                    Some((_, a)) if a != 0 => self.failed.get(&u64::from(a)).cloned(),
                    _ => self.callback_failure.take(),
                };
                if let Some(flight) = flight {
                    self.failed.insert(f, flight);
                }
            }
            "run.end" => {
                self.unobserved_at_end = Some(
                    r.str("unobserved")
                        .unwrap_or("")
                        .split(',')
                        .filter_map(|s| s.trim().parse().ok())
                        .collect(),
                );
            }
            _ => {}
        }
        self.state.apply(i, r);
    }

    /// The fates, once every record was taken in.
    pub fn finish(self) -> Fates {
        let FatesFinder {
            state,
            failed,
            unobserved_at_end,
            mut uncaught,
            ..
        } = self;
        // A trace without run.end: what is unobserved at its end.
        let unobserved: FxHashSet<u64> = unobserved_at_end.unwrap_or_else(|| {
            state
                .futures
                .iter()
                .filter(|f| f.unobserved_now())
                .map(|f| u64::from(f.id))
                .collect()
        });
        let mut lost: Vec<u64> = unobserved.iter().copied().collect();
        lost.sort_unstable();
        for f in lost {
            if let Some(flight) = failed.get(&f) {
                uncaught.entry(flight.origin).or_insert_with(|| Uncaught {
                    ending: Ending::Unobserved(f),
                    through: flight.through.clone(),
                });
            }
        }
        Fates {
            uncaught,
            unobserved,
        }
    }
}
