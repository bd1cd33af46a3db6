//! Taking back the last record applied, for stepping backwards.

use super::*;

impl State {
    /// Takes back `op`, the last record applied (`index`), as recorded by
    /// `apply_recording`. Leaves `poll` and `time` to the caller.
    pub fn unapply(&mut self, index: usize, op: Op) {
        debug_assert_eq!(index + 1, self.applied);
        debug_assert_eq!(op.flags & IRREVERSIBLE, 0);
        self.applied = index;
        let flag = op.flags & FLAG != 0;
        let prior_observed = op.flags & PRIOR_OBSERVED != 0;
        match op.kind {
            Kind::PollBegin | Kind::PollEnd | Kind::CallbackNative | Kind::Other => {}
            Kind::OpStarted => {
                self.ops.pop();
                if op.flags & MADE_FUTURE != 0 {
                    self.futures.pop();
                } else if op.b != 0
                    && let Some(f) = get_mut(&mut self.futures, op.b)
                {
                    f.origin = Origin::None;
                }
            }
            Kind::OpCompleted => {
                if let Some(o) = get_mut(&mut self.ops, op.a) {
                    o.completed = NONE;
                    o.ok = false;
                }
                if !flag {
                    self.faults -= 1;
                }
            }
            Kind::FutureCreated => {
                self.futures.pop();
            }
            Kind::FutureResolved => {
                if let Some(f) = get_mut(&mut self.futures, op.a) {
                    f.status = FutureStatus::Pending;
                    f.resolved = NONE;
                    f.reactions = 0;
                }
            }
            Kind::FutureObserved => {
                if let Some(f) = get_mut(&mut self.futures, op.a) {
                    f.observed = prior_observed;
                }
            }
            Kind::FutureUnobserved => {
                if let Some(f) = get_mut(&mut self.futures, op.a) {
                    f.unobserved = prior_observed;
                }
            }
            Kind::FutureAdopted => {
                if let Some(f) = get_mut(&mut self.futures, op.b) {
                    f.adopted = 0;
                }
                if let Some(f) = get_mut(&mut self.futures, op.a) {
                    f.observed = prior_observed;
                }
            }
            Kind::CallbackRegistered => {
                if let Some(f) = get_mut(&mut self.futures, op.a) {
                    f.callbacks -= 1;
                    f.observed = prior_observed;
                }
            }
            Kind::CallbackFailed => self.errors -= 1,
            Kind::TaskSpawned => {
                self.tasks.pop();
                if op.flags & ORIGIN_SET != 0
                    && let Some(f) = get_mut(&mut self.futures, op.c)
                {
                    f.origin = Origin::None;
                }
                if let Some(i) = self.active.iter().rposition(|&a| a == op.a) {
                    self.active.remove(i);
                }
                self.restatus_active();
            }
            Kind::TaskAwaiting | Kind::TaskAwaitingAll | Kind::TaskFinished => {
                if op.kind == Kind::TaskAwaiting
                    && let Some(f) = get_mut(&mut self.futures, op.b)
                {
                    f.waiters -= 1;
                    f.observed = prior_observed;
                }
                if op.kind == Kind::TaskFinished {
                    if !flag {
                        self.errors -= 1;
                    }
                    if let Some(t) = get_mut(&mut self.tasks, op.a) {
                        t.finished = NONE;
                    }
                }
                if let Some(t) = get_mut(&mut self.tasks, op.a) {
                    t.status = TaskStatus::Ready;
                }
                let on_stack = self.active.contains(&op.a);
                if !on_stack {
                    let at = (op.c as usize - 1).min(self.active.len());
                    self.active.insert(at, op.a);
                }
                self.restatus_active();
            }
            Kind::TaskResumed => {
                let prior = decode_status(op.b % 8, op.c);
                let was_at = (op.b / 8) as usize;
                if let Some(i) = self.active.iter().rposition(|&a| a == op.a) {
                    self.active.remove(i);
                }
                if was_at > 0 {
                    let at = (was_at - 1).min(self.active.len());
                    self.active.insert(at, op.a);
                }
                if let TaskStatus::Suspended(f) = prior
                    && let Some(f) = get_mut(&mut self.futures, f)
                {
                    f.waiters += 1;
                }
                if let Some(t) = get_mut(&mut self.tasks, op.a) {
                    t.status = prior;
                }
                self.restatus_active();
            }
            Kind::TaskPreempted => {
                let stack = self.preempted.pop().unwrap_or_default();
                self.active = stack;
                self.restatus_active();
            }
            Kind::TaskContinued => {
                let stack = self.active.split_off(op.c as usize);
                for &t in &stack {
                    if let Some(task) = get_mut(&mut self.tasks, t)
                        && !task.status.is_done()
                    {
                        task.status = TaskStatus::Preempted;
                    }
                }
                self.preempted.insert(op.b as usize, stack);
                self.restatus_active();
            }
            Kind::ExceptionThrown => {
                if let Some(t) = get_mut(&mut self.tasks, op.a) {
                    t.throws -= 1;
                    if !flag {
                        t.uncaught -= 1;
                    }
                }
            }
            Kind::ScopeCreated => {
                self.scopes.pop();
            }
            Kind::ScopeRetained | Kind::ScopeReleased => {
                if let Some(s) = get_mut(&mut self.scopes, op.a) {
                    s.rc = op.c;
                }
            }
            Kind::ScopeFreed => {
                if let Some(s) = get_mut(&mut self.scopes, op.a) {
                    s.freed = NONE;
                    s.rc = op.c;
                }
            }
            Kind::ScopeUnderflow => {
                if let Some(s) = get_mut(&mut self.scopes, op.a) {
                    s.underflows -= 1;
                }
                self.errors -= 1;
            }
            Kind::Output => self.outputs -= 1,
            Kind::VarWritten
            | Kind::VarRead
            | Kind::SourceAdded
            | Kind::Decision
            | Kind::Assertion => {}
            Kind::RunEnd => self.run_end = NONE,
        }
    }
}
