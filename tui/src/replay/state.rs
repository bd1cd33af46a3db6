//! The run's state at a point of its trace, rebuilt by applying records in
//! order: futures, tasks, scopes, operations and the output so far.
//!
//! `State` is plain data (no pointers into the trace besides record
//! indices), so that a clone is a copy of a few dense vectors: checkpoints
//! are cheap to take and to restore. Entities are indexed by their id, which
//! the recorder takes from counters of the run (docs/trace-format.md).

use gene_sim::trace::read::Record;

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

    /// Applies record `index` (which must be the next one: `applied`).
    pub fn apply(&mut self, index: usize, r: &Record) {
        self.apply_op(index, Op::decode(Kind::of(&r.kind), r));
        self.poll = r.poll;
        self.time = r.t;
    }

    /// Applies `op` like `apply_op`, and writes into it what `unapply`
    /// needs to take it back (or marks it `IRREVERSIBLE`).
    pub fn apply_recording(&mut self, index: usize, op: &mut Op) {
        let lens = (
            self.futures.len(),
            self.tasks.len(),
            self.scopes.len(),
            self.ops.len(),
        );
        let skipped = self.skipped;
        let mut ok = true;
        let mut flags = 0u8;
        let mut c = op.c;
        let mut b = op.b;
        let observed = |s: &State, id: u32| s.future(id as u64).is_some_and(|f| f.observed);
        // Where `t` is on the running stack (1-based; 0: not there).
        let position = |s: &State, t: u32| {
            s.active
                .iter()
                .rposition(|&a| a == t)
                .map_or(0, |i| i as u32 + 1)
        };
        match op.kind {
            Kind::OpStarted => {
                if op.b != 0
                    && self
                        .future(op.b as u64)
                        .is_some_and(|f| f.origin != Origin::None)
                {
                    ok = false;
                }
                if op.b != 0 && op.b as usize == lens.0 + 1 {
                    flags |= MADE_FUTURE;
                } else if op.b != 0 && self.future(op.b as u64).is_some_and(|f| f.created == NONE) {
                    ok = false;
                }
            }
            Kind::OpCompleted => {
                ok = self
                    .op(op.a as u64)
                    .is_some_and(|o| o.completed == NONE && !o.ok);
            }
            Kind::FutureResolved => {
                ok = self.future(op.a as u64).is_some_and(|f| {
                    f.status == FutureStatus::Pending && f.resolved == NONE && f.reactions == 0
                });
            }
            Kind::FutureObserved | Kind::CallbackRegistered if observed(self, op.a) => {
                flags |= PRIOR_OBSERVED;
            }
            Kind::FutureUnobserved if self.future(op.a as u64).is_some_and(|f| f.unobserved) => {
                flags |= PRIOR_OBSERVED;
            }
            Kind::FutureAdopted => {
                if observed(self, op.a) {
                    flags |= PRIOR_OBSERVED;
                }
                ok = self.future(op.b as u64).is_some_and(|f| f.adopted == 0);
            }
            Kind::TaskSpawned => {
                let future = if (op.flags >> 1) & 3 == 2 { 0 } else { op.c };
                if future != 0
                    && self
                        .future(future as u64)
                        .is_some_and(|f| f.origin == Origin::None)
                {
                    flags |= ORIGIN_SET;
                }
                ok = !self.active.contains(&op.a);
            }
            Kind::TaskAwaiting | Kind::TaskAwaitingAll | Kind::TaskFinished => {
                let p = position(self, op.a);
                ok = p != 0;
                if op.kind == Kind::TaskAwaiting && observed(self, op.b) {
                    flags |= PRIOR_OBSERVED;
                }
                if op.kind == Kind::TaskAwaiting && self.future(op.b as u64).is_none() {
                    ok = false;
                }
                c = p;
            }
            Kind::TaskResumed => match self.task(op.a as u64) {
                Some(t) => {
                    let (tag, x) = encode_status(t.status);
                    b = tag + 8 * position(self, op.a);
                    c = x;
                    if let TaskStatus::Suspended(f) = t.status {
                        ok = self.future(f as u64).is_some_and(|f| f.waiters > 0);
                    }
                }
                None => ok = false,
            },
            Kind::TaskContinued => {
                match self.preempted.iter().position(|s| s.last() == Some(&op.a)) {
                    Some(i) => {
                        b = i as u32;
                        c = self.active.len() as u32;
                        // Its tasks are preempted (or done) until now.
                        ok = self.preempted[i].iter().all(|&t| {
                            self.task(t as u64).is_some_and(|t| {
                                matches!(t.status, TaskStatus::Preempted | TaskStatus::Done { .. })
                            })
                        });
                    }
                    None => ok = false,
                }
            }
            Kind::ScopeRetained | Kind::ScopeReleased => match self.scope(op.a as u64) {
                Some(s) => c = s.rc,
                None => ok = false,
            },
            Kind::ScopeFreed => match self.scope(op.a as u64) {
                Some(s) if s.freed == NONE => c = s.rc,
                _ => ok = false,
            },
            Kind::RunEnd => ok = self.run_end == NONE && self.active.is_empty(),
            _ => {}
        }
        self.apply_op(index, *op);
        // Only a creation may add an entity: itself, as the next id.
        let grown = (
            self.futures.len() - lens.0,
            self.tasks.len() - lens.1,
            self.scopes.len() - lens.2,
            self.ops.len() - lens.3,
        );
        let expected = match op.kind {
            Kind::FutureCreated if op.a as usize == lens.0 + 1 => (1, 0, 0, 0),
            Kind::TaskSpawned if op.a as usize == lens.1 + 1 => (0, 1, 0, 0),
            Kind::ScopeCreated if op.a as usize == lens.2 + 1 => (0, 0, 1, 0),
            Kind::OpStarted if op.a as usize == lens.3 + 1 => {
                ((flags & MADE_FUTURE != 0) as usize, 0, 0, 1)
            }
            Kind::FutureCreated | Kind::TaskSpawned | Kind::ScopeCreated | Kind::OpStarted => {
                (9, 9, 9, 9)
            }
            _ => (0, 0, 0, 0),
        };
        if grown != expected || self.skipped != skipped {
            ok = false;
        }
        op.flags |= flags | if ok { 0 } else { IRREVERSIBLE };
        if ok {
            op.b = b;
            op.c = c;
        }
    }

    /// Applies a decoded record. Leaves `poll` and `time` to the caller.
    pub fn apply_op(&mut self, index: usize, op: Op) {
        debug_assert_eq!(index, self.applied);
        self.applied = index + 1;
        let at = index as u32;
        let flag = op.flags & FLAG != 0;
        match op.kind {
            Kind::PollBegin | Kind::PollEnd | Kind::CallbackNative => {}
            Kind::OpStarted => {
                let task = self.running();
                let Some(o) = slot(&mut self.ops, op.a, new_op) else {
                    return self.skip();
                };
                o.kind = match (op.flags >> 1) & 3 {
                    1 => OpKind::Sleep,
                    2 => OpKind::Read,
                    3 => OpKind::Write,
                    _ => OpKind::Other,
                };
                o.future = op.b;
                o.blocking = flag;
                o.started = at;
                o.task = task;
                let id = o.id;
                if op.b != 0
                    && let Some(f) = self.future_mut(op.b)
                {
                    f.origin = Origin::Op(id);
                    // Made here when the trace has no `future.created` for it.
                    if f.created == NONE {
                        f.created = at;
                    }
                }
            }
            Kind::OpCompleted => {
                let Some(o) = get_mut(&mut self.ops, op.a) else {
                    return self.skip();
                };
                o.completed = at;
                o.ok = flag;
                if !flag {
                    self.faults += 1;
                }
            }
            Kind::FutureCreated => match self.future_mut(op.a) {
                Some(f) => f.created = at,
                None => self.skip(),
            },
            Kind::FutureResolved => match self.future_mut(op.a) {
                Some(f) => {
                    f.status = if flag {
                        FutureStatus::Succeeded
                    } else {
                        FutureStatus::Failed
                    };
                    f.resolved = at;
                    f.reactions = op.b;
                }
                None => self.skip(),
            },
            Kind::FutureObserved => match self.future_mut(op.a) {
                Some(f) => f.observed = true,
                None => self.skip(),
            },
            Kind::FutureUnobserved => match self.future_mut(op.a) {
                Some(f) => f.unobserved = true,
                None => self.skip(),
            },
            Kind::FutureAdopted => {
                // `by` (b) takes the outcome of `future` (a).
                if let Some(f) = self.future_mut(op.a) {
                    f.observed = true;
                }
                match self.future_mut(op.b) {
                    Some(f) => f.adopted = op.a,
                    None => self.skip(),
                }
            }
            Kind::CallbackRegistered => match self.future_mut(op.a) {
                Some(f) => {
                    f.callbacks += 1;
                    // A failure callback observes the failure.
                    if !flag {
                        f.observed = true;
                    }
                }
                None => self.skip(),
            },
            Kind::CallbackFailed => self.errors += 1,
            Kind::TaskSpawned => {
                let kind = match (op.flags >> 1) & 3 {
                    1 => TaskKind::Async,
                    2 => TaskKind::Callback,
                    3 => TaskKind::Main,
                    _ => TaskKind::Other,
                };
                // c is the result future, or (callbacks) the future reacted to.
                let (future, reacts_to) = if kind == TaskKind::Callback {
                    (0, op.c)
                } else {
                    (op.c, 0)
                };
                let Some(task) = self.task_mut(op.a) else {
                    return self.skip();
                };
                task.parent = op.b;
                task.kind = kind;
                task.future = future;
                task.reacts_to = reacts_to;
                task.spawned = at;
                task.status = TaskStatus::Ready;
                let t = task.id;
                if future != 0
                    && let Some(f) = self.future_mut(future)
                    && f.origin == Origin::None
                {
                    f.origin = Origin::Task(t);
                }
                self.push_active(t);
            }
            Kind::TaskAwaiting | Kind::TaskAwaitingAll => {
                let all = op.kind == Kind::TaskAwaitingAll;
                let Some(task) = self.task_mut(op.a) else {
                    return self.skip();
                };
                task.status = if all {
                    TaskStatus::AwaitingAll
                } else {
                    TaskStatus::Suspended(op.b)
                };
                let t = task.id;
                if !all && let Some(f) = self.future_mut(op.b) {
                    f.waiters += 1;
                    f.observed = true;
                }
                if !self.blocking_await {
                    self.remove_active(t);
                }
            }
            Kind::TaskResumed => {
                let Some(task) = self.task_mut(op.a) else {
                    return self.skip();
                };
                let (t, before) = (task.id, task.status);
                task.status = TaskStatus::Ready;
                if let TaskStatus::Suspended(f) = before
                    && let Some(f) = self.future_mut(f)
                {
                    f.waiters = f.waiters.saturating_sub(1);
                }
                self.push_active(t);
            }
            Kind::TaskPreempted => {
                let stack = std::mem::take(&mut self.active);
                for &t in &stack {
                    if let Some(task) = self.task_mut(t)
                        && !task.status.is_done()
                    {
                        task.status = TaskStatus::Preempted;
                    }
                }
                self.preempted.push(stack);
            }
            Kind::TaskContinued => {
                let t = op.a;
                match self.preempted.iter().position(|s| s.last() == Some(&t)) {
                    Some(i) => {
                        let stack = self.preempted.remove(i);
                        self.active.extend(stack);
                        self.restatus_active();
                    }
                    None => {
                        if let Some(task) = self.task_mut(t) {
                            task.status = TaskStatus::Ready;
                        }
                        self.push_active(t);
                    }
                }
            }
            Kind::TaskFinished => {
                let Some(task) = self.task_mut(op.a) else {
                    return self.skip();
                };
                task.status = TaskStatus::Done { ok: flag };
                task.finished = at;
                let t = task.id;
                if !flag {
                    self.errors += 1;
                }
                self.remove_active(t);
            }
            Kind::ExceptionThrown => {
                if let Some(task) = self.task_mut(op.a) {
                    task.throws += 1;
                    if !flag {
                        task.uncaught += 1;
                    }
                }
            }
            Kind::ScopeCreated => match self.scope_mut(op.a) {
                Some(s) => {
                    s.parent = op.b;
                    s.created = at;
                    s.rc = 1;
                }
                None => self.skip(),
            },
            Kind::ScopeRetained | Kind::ScopeReleased => match self.scope_mut(op.a) {
                Some(s) => s.rc = op.b,
                None => self.skip(),
            },
            Kind::ScopeFreed => match self.scope_mut(op.a) {
                Some(s) => {
                    s.freed = at;
                    s.rc = 0;
                }
                None => self.skip(),
            },
            Kind::ScopeUnderflow => {
                match self.scope_mut(op.a) {
                    Some(s) => s.underflows += 1,
                    None => self.skip(),
                }
                self.errors += 1;
            }
            Kind::Output => self.outputs += 1,
            // Shown from the records themselves (the variables pane).
            Kind::VarWritten | Kind::VarRead | Kind::SourceAdded => {}
            Kind::RunEnd => {
                self.run_end = at;
                self.active.clear();
            }
            Kind::Other => self.skip(),
        }
    }

    fn skip(&mut self) {
        self.skipped += 1;
    }

    fn future_mut(&mut self, id: u32) -> Option<&mut FutureInfo> {
        slot(&mut self.futures, id, |id| FutureInfo {
            id,
            status: FutureStatus::Pending,
            created: NONE,
            resolved: NONE,
            origin: Origin::None,
            waiters: 0,
            callbacks: 0,
            reactions: 0,
            observed: false,
            unobserved: false,
            adopted: 0,
        })
    }

    fn task_mut(&mut self, id: u32) -> Option<&mut TaskInfo> {
        slot(&mut self.tasks, id, |id| TaskInfo {
            id,
            parent: 0,
            kind: TaskKind::Other,
            status: TaskStatus::Ready,
            future: 0,
            reacts_to: 0,
            spawned: NONE,
            finished: NONE,
            throws: 0,
            uncaught: 0,
        })
    }

    fn scope_mut(&mut self, id: u32) -> Option<&mut ScopeInfo> {
        slot(&mut self.scopes, id, |id| ScopeInfo {
            id,
            parent: 0,
            rc: 0,
            created: NONE,
            freed: NONE,
            underflows: 0,
        })
    }

    /// `t` starts or goes on, on top of the running task.
    fn push_active(&mut self, t: u32) {
        if let Some(i) = self.active.iter().position(|&a| a == t) {
            self.active.remove(i);
        }
        self.active.push(t);
        self.restatus_active();
    }

    fn remove_active(&mut self, t: u32) {
        if let Some(i) = self.active.iter().rposition(|&a| a == t) {
            self.active.remove(i);
        }
        self.restatus_active();
    }

    /// The top of the stack runs; the tasks under it are ready.
    fn restatus_active(&mut self) {
        let n = self.active.len();
        for i in 0..n {
            let t = self.active[i];
            let top = i + 1 == n;
            if let Some(task) = get_mut(&mut self.tasks, t) {
                if task.status.is_done() {
                    continue;
                }
                // With blocking awaits, a waiting task stays on the stack.
                let waiting = matches!(
                    task.status,
                    TaskStatus::Suspended(_) | TaskStatus::AwaitingAll
                );
                let new = if waiting && self.blocking_await {
                    task.status
                } else if top {
                    TaskStatus::Running
                } else {
                    TaskStatus::Ready
                };
                if new != task.status {
                    task.status = new;
                }
            }
        }
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
