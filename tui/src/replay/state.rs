//! The run's state at a point of its trace, rebuilt by applying records in
//! order: futures, tasks, scopes, operations and the output so far.
//!
//! `State` is plain data (no pointers into the trace besides record
//! indices), so that a clone is a copy of a few dense vectors: checkpoints
//! are cheap to take and to restore. Entities are indexed by their id, which
//! the recorder takes from counters of the run (docs/trace-format.md).

use gene_sim::trace::read::Record;

mod apply;
mod decode;
mod undo;

pub use decode::*;

/// "No record": an index that is never valid.
pub const NONE: u32 = u32::MAX;

/// How far beyond the known entities an id may jump before the record is
/// taken as garbage (ids are counters, so they grow one at a time).
const ID_SLACK: u64 = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FutureStatus {
    Pending,
    Succeeded,
    Failed,
}

/// What a future is the result of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Made by code (`gene/future`, a failed callback, ...): not known.
    None,
    /// Completed by the world: operation `op`.
    Op(u32),
    /// The result of task `task`.
    Task(u32),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FutureInfo {
    pub id: u32,
    pub status: FutureStatus,
    /// Record index of `future.created` (NONE if only referenced).
    pub created: u32,
    /// Record index of `future.resolved`: its value is there.
    pub resolved: u32,
    pub origin: Origin,
    /// Tasks suspended on it now.
    pub waiters: u32,
    /// Callbacks registered on it.
    pub callbacks: u32,
    /// Reactions it had when it resolved.
    pub reactions: u32,
    /// Read by an `await` after resolving, or given a failure reaction.
    pub observed: bool,
    /// It failed with nothing to react.
    pub unobserved: bool,
    /// The future whose outcome it adopted (0: none).
    pub adopted: u32,
}

impl FutureInfo {
    /// Failed, and nothing has observed the failure so far. A failure with
    /// nothing to react (`unobserved`) that an `await` or a failure
    /// callback reads later is observed after all, as `run.end` counts it.
    pub fn unobserved_now(&self) -> bool {
        self.unobserved && !self.observed
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskKind {
    Main,
    Async,
    Callback,
    Other,
}

impl TaskKind {
    pub fn name(self) -> &'static str {
        match self {
            TaskKind::Main => "main",
            TaskKind::Async => "async",
            TaskKind::Callback => "callback",
            TaskKind::Other => "?",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskStatus {
    Running,
    /// On the stack under the running task, or queued to go on.
    Ready,
    /// Preempted by a poll's deliveries; goes on later.
    Preempted,
    /// Waiting on a pending future.
    Suspended(u32),
    /// Waiting in `$await_all`.
    AwaitingAll,
    /// Finished: `ok` false with an uncaught exception.
    Done {
        ok: bool,
    },
}

impl TaskStatus {
    pub fn describe(self) -> String {
        match self {
            TaskStatus::Running => "running".into(),
            TaskStatus::Ready => "ready".into(),
            TaskStatus::Preempted => "ready (preempted)".into(),
            TaskStatus::Suspended(f) => format!("suspended on future {f}"),
            TaskStatus::AwaitingAll => "suspended in $await_all".into(),
            TaskStatus::Done { ok: true } => "done".into(),
            TaskStatus::Done { ok: false } => "done (uncaught exception)".into(),
        }
    }

    pub fn is_done(self) -> bool {
        matches!(self, TaskStatus::Done { .. })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskInfo {
    pub id: u32,
    pub parent: u32,
    pub kind: TaskKind,
    pub status: TaskStatus,
    /// Its result future (0: none).
    pub future: u32,
    /// For a callback: the future it reacts to.
    pub reacts_to: u32,
    /// Record index of `task.spawned` (NONE for the main task).
    pub spawned: u32,
    /// Record index of `task.finished`.
    pub finished: u32,
    /// Exceptions thrown in it so far, and how many no handler took.
    pub throws: u32,
    pub uncaught: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeInfo {
    pub id: u32,
    pub parent: u32,
    pub rc: u32,
    pub created: u32,
    /// Record index of `scope.freed`.
    pub freed: u32,
    pub underflows: u32,
}

impl ScopeInfo {
    pub fn live(&self) -> bool {
        self.freed == NONE
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    Sleep,
    Read,
    Write,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpInfo {
    pub id: u32,
    pub kind: OpKind,
    pub future: u32,
    pub blocking: bool,
    /// Record index of `op.started` (the path, the nanos are there).
    pub started: u32,
    pub completed: u32,
    pub ok: bool,
    /// The task that started it (0: none running).
    pub task: u32,
}

/// The state after a number of records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    /// Records applied: the state is the one after `records[..applied]`.
    pub applied: usize,
    /// Poll and virtual time of the last record applied.
    pub poll: u64,
    pub time: u64,
    /// `await` blocks the task instead of suspending it (header's config).
    pub blocking_await: bool,
    pub futures: Vec<FutureInfo>,
    pub tasks: Vec<TaskInfo>,
    pub scopes: Vec<ScopeInfo>,
    pub ops: Vec<OpInfo>,
    /// Running tasks, innermost last: the last one runs.
    pub active: Vec<u32>,
    /// Stacks of preempted tasks waiting to go on.
    pub preempted: Vec<Vec<u32>>,
    /// `output` records so far.
    pub outputs: u32,
    /// Failed operations so far.
    pub faults: u32,
    /// Uncaught exceptions and callback failures so far.
    pub errors: u32,
    /// Record index of `run.end`.
    pub run_end: u32,
    /// Records that named an id far beyond the known ones, or had an
    /// unknown kind: skipped.
    pub skipped: u32,
}

impl State {
    /// The state before any record: the main task (task 1) runs.
    pub fn new(blocking_await: bool) -> State {
        State {
            applied: 0,
            poll: 0,
            time: 0,
            blocking_await,
            futures: Vec::new(),
            tasks: vec![TaskInfo {
                id: 1,
                parent: 0,
                kind: TaskKind::Main,
                status: TaskStatus::Running,
                future: 0,
                reacts_to: 0,
                spawned: NONE,
                finished: NONE,
                throws: 0,
                uncaught: 0,
            }],
            scopes: Vec::new(),
            ops: Vec::new(),
            active: vec![1],
            preempted: Vec::new(),
            outputs: 0,
            faults: 0,
            errors: 0,
            run_end: NONE,
            skipped: 0,
        }
    }

    pub fn future(&self, id: u64) -> Option<&FutureInfo> {
        get(&self.futures, id)
    }

    pub fn task(&self, id: u64) -> Option<&TaskInfo> {
        get(&self.tasks, id)
    }

    pub fn scope(&self, id: u64) -> Option<&ScopeInfo> {
        get(&self.scopes, id)
    }

    pub fn op(&self, id: u64) -> Option<&OpInfo> {
        get(&self.ops, id)
    }

    /// The running task (0: none).
    pub fn running(&self) -> u32 {
        self.active.last().copied().unwrap_or(0)
    }

    /// Bytes this state holds, for the checkpoint budget.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        self.futures.capacity() * size_of::<FutureInfo>()
            + self.tasks.capacity() * size_of::<TaskInfo>()
            + self.scopes.capacity() * size_of::<ScopeInfo>()
            + self.ops.capacity() * size_of::<OpInfo>()
            + self.active.capacity() * 4
            + self
                .preempted
                .iter()
                .map(|s| s.capacity() * 4 + 24)
                .sum::<usize>()
            + size_of::<State>()
    }
}

fn get<T>(v: &[T], id: u64) -> Option<&T> {
    if id == 0 {
        return None;
    }
    v.get(usize::try_from(id - 1).ok()?)
}

fn get_mut<T>(v: &mut [T], id: u32) -> Option<&mut T> {
    if id == 0 {
        return None;
    }
    v.get_mut(id as usize - 1)
}

fn new_op(id: u32) -> OpInfo {
    OpInfo {
        id,
        kind: OpKind::Other,
        future: 0,
        blocking: false,
        started: NONE,
        completed: NONE,
        ok: false,
        task: 0,
    }
}

/// The entry of `id`, made (with the ones before it) when new. None for id
/// 0 and for ids far beyond the known ones.
fn slot<T>(v: &mut Vec<T>, id: u32, make: impl Fn(u32) -> T) -> Option<&mut T> {
    if id == 0 || id as u64 > v.len() as u64 + ID_SLACK {
        return None;
    }
    while (v.len() as u64) < id as u64 {
        let next = v.len() as u32 + 1;
        v.push(make(next));
    }
    v.get_mut(id as usize - 1)
}

/// A task's status as two numbers, for `Op` (undo information).
fn encode_status(s: TaskStatus) -> (u32, u32) {
    match s {
        TaskStatus::Running => (0, 0),
        TaskStatus::Ready => (1, 0),
        TaskStatus::Preempted => (2, 0),
        TaskStatus::Suspended(f) => (3, f),
        TaskStatus::AwaitingAll => (4, 0),
        TaskStatus::Done { ok } => (5, ok as u32),
    }
}

fn decode_status(tag: u32, x: u32) -> TaskStatus {
    match tag {
        0 => TaskStatus::Running,
        1 => TaskStatus::Ready,
        2 => TaskStatus::Preempted,
        3 => TaskStatus::Suspended(x),
        4 => TaskStatus::AwaitingAll,
        _ => TaskStatus::Done { ok: x != 0 },
    }
}
