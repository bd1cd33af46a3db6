//! Applying a record to the state: what each kind of record changes.

use super::*;

impl State {
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
            Kind::VarWritten
            | Kind::VarRead
            | Kind::SourceAdded
            | Kind::Decision
            | Kind::Assertion => {}
            Kind::RunEnd => {
                self.run_end = at;
                self.active.clear();
            }
            Kind::Other => self.skip(),
        }
    }

    pub(super) fn skip(&mut self) {
        self.skipped += 1;
    }

    pub(super) fn future_mut(&mut self, id: u32) -> Option<&mut FutureInfo> {
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

    pub(super) fn task_mut(&mut self, id: u32) -> Option<&mut TaskInfo> {
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

    pub(super) fn scope_mut(&mut self, id: u32) -> Option<&mut ScopeInfo> {
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
    pub(super) fn push_active(&mut self, t: u32) {
        if let Some(i) = self.active.iter().position(|&a| a == t) {
            self.active.remove(i);
        }
        self.active.push(t);
        self.restatus_active();
    }

    pub(super) fn remove_active(&mut self, t: u32) {
        if let Some(i) = self.active.iter().rposition(|&a| a == t) {
            self.active.remove(i);
        }
        self.restatus_active();
    }

    /// The top of the stack runs; the tasks under it are ready.
    pub(super) fn restatus_active(&mut self) {
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
