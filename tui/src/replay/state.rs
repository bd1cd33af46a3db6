//! The run's state at a point of its trace, rebuilt by applying records in
//! order: futures, tasks, scopes, operations and the output so far.
//!
//! `State` is plain data (no pointers into the trace besides record
//! indices), so that a clone is a copy of a few dense vectors: checkpoints
//! are cheap to take and to restore. Entities are indexed by their id, which
//! the recorder takes from counters of the run (docs/trace-format.md).

use gene_sim::trace::read::Record;

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
    /// Poll of its last change.
    pub changed: u64,
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
    pub changed: u64,
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
    pub changed: u64,
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
                changed: 0,
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
        debug_assert_eq!(index, self.applied);
        self.applied = index + 1;
        self.poll = r.poll;
        self.time = r.t;
        let at = index as u32;
        let poll = r.poll;
        let id = |k: &str| r.u64(k).unwrap_or(0);
        match &*r.kind {
            "poll.begin" | "poll.end" | "callback.native" => {}
            "op.started" => {
                let task = self.running();
                let Some(op) = slot(&mut self.ops, id("op"), |id| OpInfo {
                    id,
                    kind: OpKind::Other,
                    future: 0,
                    blocking: false,
                    started: NONE,
                    completed: NONE,
                    ok: false,
                    task: 0,
                }) else {
                    return self.skip();
                };
                op.kind = match r.str("op_kind") {
                    Some("sleep") => OpKind::Sleep,
                    Some("read") => OpKind::Read,
                    Some("write") => OpKind::Write,
                    _ => OpKind::Other,
                };
                op.future = id("future") as u32;
                op.blocking = r.bool("blocking").unwrap_or(false);
                op.started = at;
                op.task = task;
                let (op_id, future) = (op.id, op.future);
                if future != 0
                    && let Some(f) = self.future_mut(future as u64)
                {
                    f.origin = Origin::Op(op_id);
                    f.changed = poll;
                }
            }
            "op.completed" => {
                let ok = r.bool("ok").unwrap_or(true);
                let Some(op) = self.op_mut(id("op")) else {
                    return self.skip();
                };
                op.completed = at;
                op.ok = ok;
                if !ok {
                    self.faults += 1;
                }
            }
            "future.created" => {
                let Some(f) = self.future_mut(id("future")) else {
                    return self.skip();
                };
                f.created = at;
                f.changed = poll;
            }
            "future.resolved" => {
                let ok = r.bool("ok").unwrap_or(true);
                let reactions = id("reactions") as u32;
                let Some(f) = self.future_mut(id("future")) else {
                    return self.skip();
                };
                f.status = if ok {
                    FutureStatus::Succeeded
                } else {
                    FutureStatus::Failed
                };
                f.resolved = at;
                f.reactions = reactions;
                f.changed = poll;
            }
            "future.observed" => match self.future_mut(id("future")) {
                Some(f) => {
                    f.observed = true;
                    f.changed = poll;
                }
                None => self.skip(),
            },
            "future.unobserved" => match self.future_mut(id("future")) {
                Some(f) => {
                    f.unobserved = true;
                    f.changed = poll;
                }
                None => self.skip(),
            },
            "future.adopted" => {
                // `by` takes the outcome of `future`.
                let (g, by) = (id("future"), id("by"));
                if let Some(f) = self.future_mut(g) {
                    f.observed = true;
                    f.changed = poll;
                }
                match self.future_mut(by) {
                    Some(f) => {
                        f.adopted = g as u32;
                        f.changed = poll;
                    }
                    None => self.skip(),
                }
            }
            "callback.registered" => {
                let on_success = r.bool("on_success").unwrap_or(true);
                match self.future_mut(id("future")) {
                    Some(f) => {
                        f.callbacks += 1;
                        if !on_success {
                            f.observed = true;
                        }
                        f.changed = poll;
                    }
                    None => self.skip(),
                }
            }
            "callback.failed" => self.errors += 1,
            "task.spawned" => {
                let (t, future, reacts_to) =
                    (id("task"), id("future") as u32, id("reacts_to") as u32);
                let parent = id("parent") as u32;
                let kind = match r.str("task_kind") {
                    Some("async") => TaskKind::Async,
                    Some("callback") => TaskKind::Callback,
                    Some("main") => TaskKind::Main,
                    _ => TaskKind::Other,
                };
                let Some(task) = self.task_mut(t) else {
                    return self.skip();
                };
                task.parent = parent;
                task.kind = kind;
                task.future = future;
                task.reacts_to = reacts_to;
                task.spawned = at;
                let t = task.id;
                if future != 0
                    && let Some(f) = self.future_mut(future as u64)
                    && f.origin == Origin::None
                {
                    f.origin = Origin::Task(t);
                }
                self.push_active(t, poll);
            }
            "task.awaiting" | "task.awaiting_all" => {
                let future = id("future") as u32;
                let all = &*r.kind == "task.awaiting_all";
                let Some(task) = self.task_mut(id("task")) else {
                    return self.skip();
                };
                task.status = if all {
                    TaskStatus::AwaitingAll
                } else {
                    TaskStatus::Suspended(future)
                };
                task.changed = poll;
                let t = task.id;
                if !all && let Some(f) = self.future_mut(future as u64) {
                    f.waiters += 1;
                    f.changed = poll;
                }
                if !self.blocking_await {
                    self.remove_active(t, poll);
                }
            }
            "task.resumed" => {
                let Some(task) = self.task_mut(id("task")) else {
                    return self.skip();
                };
                let (t, before) = (task.id, task.status);
                task.status = TaskStatus::Ready;
                task.changed = poll;
                if let TaskStatus::Suspended(f) = before
                    && let Some(f) = self.future_mut(f as u64)
                {
                    f.waiters = f.waiters.saturating_sub(1);
                    f.changed = poll;
                }
                self.push_active(t, poll);
            }
            "task.preempted" => {
                let stack = std::mem::take(&mut self.active);
                for &t in &stack {
                    if let Some(task) = self.task_mut(t as u64) {
                        task.status = TaskStatus::Preempted;
                        task.changed = poll;
                    }
                }
                self.preempted.push(stack);
            }
            "task.continued" => {
                let t = id("task") as u32;
                let at = self
                    .preempted
                    .iter()
                    .position(|s| s.last() == Some(&t))
                    .unwrap_or(0);
                if at < self.preempted.len() {
                    let stack = self.preempted.remove(at);
                    let mut active = std::mem::take(&mut self.active);
                    active.extend(stack);
                    self.active = active;
                    self.restatus_active(poll);
                } else {
                    self.push_active(t, poll);
                }
            }
            "task.finished" => {
                let ok = r.bool("ok").unwrap_or(true);
                let Some(task) = self.task_mut(id("task")) else {
                    return self.skip();
                };
                task.status = TaskStatus::Done { ok };
                task.finished = at;
                task.changed = poll;
                let t = task.id;
                if !ok {
                    self.errors += 1;
                }
                self.remove_active(t, poll);
            }
            "exception.thrown" => {
                let handled = r.bool("handled").unwrap_or(true);
                if let Some(task) = self.task_mut(id("task")) {
                    task.throws += 1;
                    if !handled {
                        task.uncaught += 1;
                    }
                    task.changed = poll;
                }
            }
            "scope.created" => {
                let parent = id("parent") as u32;
                let Some(s) = self.scope_mut(id("scope")) else {
                    return self.skip();
                };
                s.parent = parent;
                s.created = at;
                s.rc = 1;
                s.changed = poll;
            }
            "scope.retained" | "scope.released" => {
                let rc = id("rc") as u32;
                let Some(s) = self.scope_mut(id("scope")) else {
                    return self.skip();
                };
                s.rc = rc;
                s.changed = poll;
            }
            "scope.freed" => {
                let Some(s) = self.scope_mut(id("scope")) else {
                    return self.skip();
                };
                s.freed = at;
                s.rc = 0;
                s.changed = poll;
            }
            "scope.underflow" => {
                let Some(s) = self.scope_mut(id("scope")) else {
                    return self.skip();
                };
                s.underflows += 1;
                s.changed = poll;
                self.errors += 1;
            }
            "output" => self.outputs += 1,
            "run.end" => {
                self.run_end = at;
                self.active.clear();
            }
            _ => self.skip(),
        }
    }

    fn skip(&mut self) {
        self.skipped += 1;
    }

    fn future_mut(&mut self, id: u64) -> Option<&mut FutureInfo> {
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
            changed: 0,
        })
    }

    fn task_mut(&mut self, id: u64) -> Option<&mut TaskInfo> {
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
            changed: 0,
        })
    }

    fn scope_mut(&mut self, id: u64) -> Option<&mut ScopeInfo> {
        slot(&mut self.scopes, id, |id| ScopeInfo {
            id,
            parent: 0,
            rc: 0,
            created: NONE,
            freed: NONE,
            underflows: 0,
            changed: 0,
        })
    }

    fn op_mut(&mut self, id: u64) -> Option<&mut OpInfo> {
        if id == 0 || id > self.ops.len() as u64 {
            return None;
        }
        self.ops.get_mut(id as usize - 1)
    }

    /// `t` starts or goes on, on top of the running task.
    fn push_active(&mut self, t: u32, poll: u64) {
        if let Some(i) = self.active.iter().position(|&a| a == t) {
            self.active.remove(i);
        }
        self.active.push(t);
        self.restatus_active(poll);
    }

    fn remove_active(&mut self, t: u32, poll: u64) {
        if let Some(i) = self.active.iter().rposition(|&a| a == t) {
            self.active.remove(i);
        }
        self.restatus_active(poll);
    }

    /// The top of the stack runs; the tasks under it are ready.
    fn restatus_active(&mut self, poll: u64) {
        let n = self.active.len();
        for i in 0..n {
            let t = self.active[i];
            let top = i + 1 == n;
            if let Some(task) = get_mut(&mut self.tasks, t as u64) {
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
                    task.changed = poll;
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

fn get_mut<T>(v: &mut [T], id: u64) -> Option<&mut T> {
    if id == 0 {
        return None;
    }
    v.get_mut(usize::try_from(id - 1).ok()?)
}

/// The entry of `id`, made (with the ones before it) when new. None for id
/// 0 and for ids far beyond the known ones.
fn slot<T>(v: &mut Vec<T>, id: u64, make: impl Fn(u32) -> T) -> Option<&mut T> {
    if id == 0 || id > v.len() as u64 + ID_SLACK || id > u32::MAX as u64 {
        return None;
    }
    while (v.len() as u64) < id {
        let next = v.len() as u32 + 1;
        v.push(make(next));
    }
    v.get_mut(id as usize - 1)
}
