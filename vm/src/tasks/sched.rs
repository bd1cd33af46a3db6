//! The scheduler: which task runs, when reactions run, what a poll does
//! (resolving futures and queueing their reactions: reactions.rs).
//!
//! Tasks that run "at once" (async bodies, `^^async` calls, callbacks on
//! resolved futures) sit on the activation stack above the task that started
//! them; only the top runs. Resolutions queue their reactions as one batch,
//! in registration order. A poll is the boundary between two `run` calls:
//! what completed meanwhile was queued by `complete`, and a task preempted
//! by its budget lets the queued reactions go first.

use std::rc::Rc;

use crate::events::{Def, Ended, Here, SpawnSite, TaskName, event};
use crate::future::{Future, TaskId};
use crate::request::{Completion, Request, RequestKind, Target, Ticket};
use crate::task::{AwaitMode, Batch, Fiber, Job, Task, TaskKind};
use crate::value::Value;
use crate::vm::{Location, Step, Thrown, Uncaught, UncaughtKind, Vm};

/// Asked by a built-in, done by the interpreter once the built-in returned.
pub(crate) enum AfterNative {
    /// Run this callable with these arguments as a callback task, at once
    /// (reacting to the future with this id).
    Spawn(Value, Vec<Value>, u64),
    /// A blocking operation was started: stop until it completes.
    Block,
    /// `.complete`/`.fail` resolved a future: its reactions run now, then
    /// the running code continues.
    React,
}

impl Vm {
    /// Executes at most `budget` instructions across the ready tasks.
    pub fn run(&mut self, budget: u64) -> Step {
        let step = self.run_slice(budget);
        // Every poll boundary sees the releases of dropped closures applied.
        self.scopes.drain_pending();
        step
    }

    fn run_slice(&mut self, budget: u64) -> Step {
        if let Some(r) = &self.result {
            return Step::Finished(r.clone());
        }
        if self.blocking_op.is_some() {
            return Step::Blocked;
        }
        if let Some(done) = self.resume_blocked.take() {
            self.deliver(done);
            // What completed during the blocking operation goes first.
            self.preempted = true;
        }
        self.poll();
        self.new_activation();
        let limit_left = self
            .config
            .max_instructions
            .map(|m| m.saturating_sub(self.executed));
        let capped = limit_left.is_some_and(|l| l <= budget);
        let mut left = limit_left.map_or(budget, |l| budget.min(l));
        loop {
            if let Some(r) = &self.result {
                return Step::Finished(r.clone());
            }
            if self.needs_job() {
                if self.start_next_job() {
                    continue;
                }
                if self.runnable_top() {
                    self.interrupted = None;
                } else if let Some(step) = self.idle() {
                    return step;
                } else {
                    continue;
                }
            }
            let before = left;
            let r = self.exec(&mut left);
            self.executed += before - left;
            match r {
                Ok(crate::interp::Exit::Budget) if capped => {
                    let limit = self.config.max_instructions.unwrap_or_default();
                    return self.fatal(format!("instruction limit of {limit} exceeded"));
                }
                Ok(crate::interp::Exit::Budget) => {
                    self.preempted = true;
                    return Step::Yielded;
                }
                Ok(crate::interp::Exit::Done(v)) => self.task_ended(Ok(v)),
                Ok(crate::interp::Exit::Suspended) => self.task_suspended(),
                Ok(crate::interp::Exit::Blocked) => return Step::Blocked,
                Ok(crate::interp::Exit::Reacting) => self.yield_to_reactions(),
                Err(t) => self.raise(t),
            }
        }
    }

    /// Operations started since the last call, for the driver to perform.
    pub fn take_requests(&mut self) -> Vec<Request> {
        std::mem::take(&mut self.requests)
    }

    /// The driver's answer to an operation.
    pub fn complete(&mut self, ticket: Ticket, result: Completion) {
        self.outstanding -= 1;
        event!(
            "gene::io",
            "op.completed",
            op = ticket.id,
            ok = result.is_ok()
        );
        match ticket.target {
            Target::Future(f) => {
                let outcome = result.map_err(Value::string);
                self.fresh = true;
                self.delivering = true;
                self.resolve(&f, outcome);
                self.delivering = false;
            }
            Target::Blocking => {
                self.blocking_op = None;
                self.resume_blocked = Some(result.map_err(Value::string));
            }
        }
    }

    /// Checking mode: `audit_roots` also sees the futures the driver holds.
    pub fn set_checking(&mut self, on: bool) {
        self.checking = on;
    }

    /// A blocking operation holds the VM until it completes.
    pub fn is_blocking(&self) -> bool {
        self.blocking_op.is_some()
    }

    /// Tells the VM the virtual time, in nanoseconds since the run began.
    pub fn set_time(&mut self, nanos: u64) {
        self.now_nanos = nanos;
    }

    /// Chooses among ready batches (a seeded schedule); FIFO without one.
    pub fn set_chooser(&mut self, chooser: Box<dyn crate::choice::Chooser>) {
        self.chooser = Some(chooser);
    }

    // ---- built-ins' side ----

    /// Starts an operation; a non-blocking one gives the future it completes.
    pub(crate) fn request(&mut self, kind: RequestKind, blocking: bool) -> Value {
        self.stats.operations += 1;
        let id = self.stats.operations;
        self.outstanding += 1;
        let (target, result) = if blocking {
            self.blocking_op = Some(id);
            self.after_native = Some(AfterNative::Block);
            (Target::Blocking, Value::Nil)
        } else {
            let f = self.new_future_quietly();
            if self.checking {
                // The driver holds the ticket: let the audit find the future.
                self.op_futures.push(Rc::downgrade(&f));
            }
            (Target::Future(f.clone()), Value::Future(f))
        };
        match &kind {
            RequestKind::Sleep { nanos } => event!(
                "gene::io",
                "op.started",
                op = id,
                op_kind = "sleep",
                nanos = *nanos,
                blocking,
                future = future_id(&result),
                at = Here(self)
            ),
            RequestKind::Read { path } => event!(
                "gene::io",
                "op.started",
                op = id,
                op_kind = "read",
                path = path.as_str(),
                blocking,
                future = future_id(&result),
                at = Here(self)
            ),
            RequestKind::Write { path, data } => event!(
                "gene::io",
                "op.started",
                op = id,
                op_kind = "write",
                path = path.as_str(),
                bytes = data.len(),
                blocking,
                future = future_id(&result),
                at = Here(self)
            ),
        }
        let key = self.keyed.then(|| {
            let at = Here(self).to_string();
            let base = format!("{}@{}", kind.name(), crate::choice::without_column(&at));
            let ordinal = self.next_ordinal(&base);
            crate::choice::with_ordinal(base, ordinal).into()
        });
        self.touch_write(crate::footprint::Resource::Requests);
        self.requests.push(Request {
            id,
            kind,
            blocking,
            ticket: Ticket { id, target },
            key,
        });
        result
    }

    /// Starts `callee(args)` as a new task on top of the current one. The
    /// caller has already left the task's future (if any) where it belongs.
    /// `reacts_to`: for a callback, the id of the future it reacts to.
    ///
    /// The new task sits on the ones below: it counts towards `max_depth`
    /// as one more level, plus its frames. Past the limit no task starts
    /// and the caller gets the `stack overflow` to raise.
    pub(crate) fn spawn(
        &mut self,
        callee: Value,
        args: Vec<Value>,
        kind: TaskKind,
        future: Option<Rc<Future>>,
        reacts_to: u64,
    ) -> Result<(), Value> {
        self.touch_write(crate::footprint::Resource::Spawns);
        if let Value::Native(n) = &callee {
            // A built-in callback runs to its end right here.
            event!("gene::callback", "callback.native", reacts_to);
            let f = n.f;
            let r = f(self, &args);
            self.after_native = None;
            if let Err(e) = r {
                self.callback_failed(e, None);
            }
            return Ok(());
        }
        let below = self.check_nesting()?;
        self.stats.tasks += 1;
        let id = self.stats.tasks;
        self.state
            .event(crate::statehash::Site::Task, id, TaskEvent::Spawned as u64);
        let body = match &callee {
            Value::Function(c) => Some(&*c.proto),
            _ => None,
        };
        let task_name = TaskName(SpawnSite::now(self, kind, body));
        event!(
            "gene::task",
            "task.spawned",
            task = id,
            parent = self.top().unwrap_or(0),
            task_kind = kind.name(),
            future = future.as_ref().map_or(0, |f| f.id),
            reacts_to,
            name = task_name.arg(),
            def = Def(body),
            at = SpawnSite::now(self, kind, body)
        );
        let origin = (
            match &callee {
                Value::Function(c) => Some(c.proto.clone()),
                _ => None,
            },
            self.frames
                .last()
                .map(|fr| (fr.code.clone(), fr.pc.saturating_sub(1))),
        );
        let mut task = Task {
            fiber: Fiber::default(),
            future,
            kind,
            blocked: false,
            body: origin.0,
            site: origin.1,
            key: None,
        };
        if self.keyed {
            let base = crate::choice::task_base_key(&task);
            let ordinal = self.next_ordinal(&base);
            task.key = Some(crate::choice::with_ordinal(base, ordinal).into());
        }
        self.tasks.insert(id, task);
        self.active.push(id);
        self.load_fiber(id);
        self.set_below(below);
        self.stack.push(callee);
        self.stack.extend(args);
        if let Err(e) = self.enter(0, None) {
            self.raise(Thrown::error(e));
        }
        Ok(())
    }

    // ---- scheduling ----

    pub(crate) fn top(&self) -> Option<TaskId> {
        self.active.last().copied()
    }

    /// The top task can run now.
    fn runnable_top(&self) -> bool {
        self.top().is_some_and(|t| !self.tasks[&t].blocked)
    }

    fn needs_job(&self) -> bool {
        if !self.runnable_top() {
            return true;
        }
        // Blocking mode: jobs go above the interrupted or completing task.
        let top = self.top();
        self.interrupted.is_some_and(|t| Some(t) == top)
            || self
                .holds
                .last()
                .is_some_and(|h| h.completer.is_some() && h.completer == top)
    }

    /// Makes `t`'s fiber the loaded one.
    pub(crate) fn load_fiber(&mut self, t: TaskId) {
        // The tasks under `t` may have changed even when `t` stays loaded.
        self.forget_below();
        if self.loaded == Some(t) {
            return;
        }
        self.new_activation();
        self.unload_fiber();
        self.swap_fiber(t);
        self.loaded = Some(t);
    }

    /// Parks the loaded fiber back in its task (if the task still exists).
    fn unload_fiber(&mut self) {
        if let Some(old) = self.loaded.take()
            && self.tasks.contains_key(&old)
        {
            self.swap_fiber(old);
        }
    }

    fn swap_fiber(&mut self, t: TaskId) {
        let task = self.tasks.get_mut(&t).expect("task");
        std::mem::swap(&mut self.stack, &mut task.fiber.stack);
        std::mem::swap(&mut self.frames, &mut task.fiber.frames);
        std::mem::swap(&mut self.handlers, &mut task.fiber.handlers);
    }

    /// At a poll: a preempted task lets the queued reactions go first.
    fn poll(&mut self) {
        // Only what this poll delivered interrupts running code; reactions
        // queued by running code, and older jobs, wait until it yields.
        let fresh = std::mem::take(&mut self.fresh);
        if !std::mem::take(&mut self.preempted) || !fresh || self.queue.is_empty() {
            return;
        }
        match self.await_mode {
            AwaitMode::Suspend => {
                let stack = std::mem::take(&mut self.active);
                event!(
                    "gene::task",
                    "task.preempted",
                    task = stack.last().copied().unwrap_or(0)
                );
                self.queue.push_back(Batch::of(Job::Continue(stack)));
            }
            AwaitMode::Blocking => self.interrupted = self.top(),
        }
    }

    /// Picks the next job that may start now: the reactions of a
    /// `.complete` (innermost first, strictly in order) and then the code
    /// that completed; then reactions to resolutions made by running code
    /// (JavaScript's microtasks); then completions delivered by the world.
    fn pick_job(&mut self) -> Option<Job> {
        while let Some(hold) = self.holds.last_mut() {
            if let Some(batch) = hold.batches.front_mut() {
                let job = batch.jobs.pop_front();
                if batch.jobs.is_empty() {
                    if let Some(f) = &batch.future {
                        f.draining.set(false);
                    }
                    hold.batches.pop_front();
                }
                match job {
                    // Blocking mode: a waiter below the completer cannot run
                    // yet; it waits among the other reactions.
                    Some(Job::Resume(t, outcome)) if self.await_mode == AwaitMode::Blocking => {
                        self.micro.push_back(Batch::of(Job::Resume(t, outcome)));
                        continue;
                    }
                    Some(job) => return Some(job),
                    None => continue,
                }
            }
            let hold = self.holds.pop().expect("a hold");
            if !hold.cont.is_empty() {
                return Some(Job::Continue(hold.cont));
            }
            if hold.completer.is_some() {
                // Blocking mode: the completer is active again.
                return None;
            }
        }
        self.pick_from(true).or_else(|| self.pick_from(false))
    }

    fn pick_from(&mut self, micro: bool) -> Option<Job> {
        let top = self.top();
        let only_callbacks = self.interrupted.is_some_and(|t| Some(t) == top);
        let queue = if micro { &self.micro } else { &self.queue };
        let i = if self.await_mode == AwaitMode::Suspend {
            // Every batch may start when no task is active, none otherwise:
            // no scan of the queue, which can hold a batch per waiting task.
            match (top, queue.len()) {
                (Some(_), _) | (None, 0) => return None,
                (None, 1) => 0,
                (None, n) => self.choose_among(micro, None, n),
            }
        } else {
            let eligible: Vec<usize> = queue
                .iter()
                .enumerate()
                .filter(|(_, b)| match b.jobs.front() {
                    Some(Job::Callback(..)) => true,
                    Some(Job::Resume(t, _)) => {
                        Some(*t) == top && !only_callbacks && self.tasks[t].blocked
                    }
                    _ => false,
                })
                .map(|(i, _)| i)
                .collect();
            match eligible.len() {
                0 => return None,
                1 => eligible[0],
                n => eligible[self.choose_among(micro, Some(&eligible), n)],
            }
        };
        let queue = if micro {
            &mut self.micro
        } else {
            &mut self.queue
        };
        let batch = &mut queue[i];
        let job = batch.jobs.pop_front();
        if batch.jobs.is_empty() {
            if let Some(f) = &batch.future {
                f.draining.set(false);
            }
            queue.remove(i);
        }
        job
    }

    /// Starts the next eligible job; false when there is none.
    fn start_next_job(&mut self) -> bool {
        let Some(job) = self.pick_job() else {
            return false;
        };
        match job {
            Job::Resume(t, outcome) => {
                if !self.tasks.contains_key(&t) {
                    return true;
                }
                if self.await_mode == AwaitMode::Suspend {
                    self.active.push(t);
                }
                self.tasks.get_mut(&t).expect("task").blocked = false;
                self.state
                    .event(crate::statehash::Site::Task, t, TaskEvent::Resumed as u64);
                event!("gene::task", "task.resumed", task = t, ok = outcome.is_ok());
                self.load_fiber(t);
                self.deliver(outcome);
            }
            Job::Callback(f, arg, reacts_to) => {
                if let Err(e) = self.spawn(f, vec![arg], TaskKind::Callback, None, reacts_to) {
                    self.callback_failed(e, None);
                }
            }
            Job::Continue(stack) => {
                event!(
                    "gene::task",
                    "task.continued",
                    task = stack.last().copied().unwrap_or(0)
                );
                self.active = stack;
                if let Some(t) = self.top() {
                    self.load_fiber(t);
                }
            }
        }
        true
    }

    /// Gives the loaded task the outcome it waited for.
    fn deliver(&mut self, outcome: Result<Value, Value>) {
        match outcome {
            Ok(v) => self.stack.push(v),
            Err(e) => {
                let kind = UncaughtKind::of(&e);
                self.raise(Thrown {
                    value: e,
                    kind,
                    location: None,
                });
            }
        }
    }

    /// Throws in the loaded task: to its handler, or it ends with the error.
    pub(crate) fn raise(&mut self, t: Thrown) {
        match self.unwind(t) {
            Ok(()) => {}
            Err(u) if u.kind == UncaughtKind::Fatal => {
                self.finish(Err(u));
            }
            Err(u) => self.task_ended(Err(u)),
        }
    }

    /// Nothing can start and the top cannot run.
    fn idle(&mut self) -> Option<Step> {
        if self.blocking_op.is_some() || self.outstanding > 0 {
            return Some(Step::Blocked);
        }
        // Nothing is pending anywhere: `$await_all` is satisfied.
        if !self.all_waiters.is_empty() {
            let jobs = self
                .all_waiters
                .drain(..)
                .map(|t| Job::Resume(t, Ok(Value::Nil)))
                .collect();
            self.queue.push_back(Batch { future: None, jobs });
            return None;
        }
        let r = match self.main_result.clone() {
            Some(r) => r,
            None => {
                let (location, notes) = self.waiting_tasks();
                Err(Uncaught {
                    value: Value::exception(
                        "deadlock: every task waits on a future that nothing will resolve",
                    ),
                    kind: UncaughtKind::Fatal,
                    location,
                    notes,
                })
            }
        };
        Some(self.finish(r))
    }

    /// For a deadlock: the first waiting task's await site, and one line per
    /// waiting task (id order, at most `SHOWN`): its id, kind and where its
    /// top frame stopped, its `await`.
    fn waiting_tasks(&self) -> (Option<Location>, Vec<String>) {
        const SHOWN: usize = 20;
        let mut ids: Vec<TaskId> = self.tasks.keys().copied().collect();
        ids.sort_unstable();
        let mut first = None;
        let mut notes = Vec::new();
        for &id in &ids {
            let task = &self.tasks[&id];
            let frames = if self.loaded == Some(id) {
                &self.frames
            } else {
                &task.fiber.frames
            };
            let site = frames.last().and_then(|f| {
                Some(Location {
                    source: f.code.source.clone()?,
                    span: f.code.span_at(f.pc.saturating_sub(1)),
                })
            });
            if notes.len() < SHOWN {
                notes.push(match &site {
                    Some(l) => format!(
                        "{} waits at {}:{}:{}",
                        task.label(id),
                        l.source.name,
                        l.span.line,
                        l.span.col
                    ),
                    None => format!("{} waits", task.label(id)),
                });
            }
            if first.is_none() {
                first = site;
            }
        }
        if ids.len() > SHOWN {
            notes.push(format!("... and {} more waiting tasks", ids.len() - SHOWN));
        }
        (first, notes)
    }

    fn task_suspended(&mut self) {
        let t = self.top().unwrap_or(0);
        self.state
            .event(crate::statehash::Site::Task, t, TaskEvent::Suspended as u64);
        match self.await_mode {
            AwaitMode::Suspend => {
                self.active.pop();
                if let Some(t) = self.top() {
                    self.load_fiber(t);
                }
            }
            AwaitMode::Blocking => {
                let t = self.top().expect("a running task");
                self.tasks.get_mut(&t).expect("task").blocked = true;
            }
        }
    }

    fn task_ended(&mut self, result: Result<Value, Uncaught>) {
        let t = self.active.pop().expect("a running task");
        // Whatever the task still holds (after an uncaught error) goes now.
        while let Some(f) = self.frames.pop() {
            self.release_frame_scopes(&f);
        }
        self.stack.clear();
        self.handlers.clear();
        self.loaded = None;
        let task = self.tasks.remove(&t).expect("task");
        self.state
            .event(crate::statehash::Site::Task, t, TaskEvent::Ended as u64);
        event!(
            "gene::task",
            "task.finished",
            task = t,
            ok = result.is_ok(),
            at = Ended(
                self.ended_at.as_ref(),
                result.as_ref().err().and_then(|u| u.location.as_ref())
            )
        );
        self.ended_at = None;
        match (task.kind, result) {
            (TaskKind::Main, Ok(v)) => self.main_result = Some(Ok(v)),
            (TaskKind::Main, Err(u)) => {
                self.finish(Err(u));
                return;
            }
            (_, Ok(v)) => {
                if let Some(f) = &task.future {
                    self.settle(f, v);
                }
            }
            #[cfg(feature = "mutations")]
            (_, Err(_))
                if self.config.mutation == Some(crate::mutation::Mutation::DroppedFailure) =>
            {
                if let Some(f) = &task.future {
                    self.resolve(f, Ok(Value::Nil));
                }
            }
            (_, Err(u)) => match &task.future {
                Some(f) => self.resolve(f, Err(u.value)),
                None => self.callback_failed(u.value, u.location.as_ref()),
            },
        }
        self.scopes.drain_pending();
        if let Some(top) = self.top() {
            self.load_fiber(top);
        }
    }

    fn fatal(&mut self, message: String) -> Step {
        let u = Uncaught {
            value: Value::exception(&message),
            kind: UncaughtKind::Fatal,
            location: self.location(),
            notes: Vec::new(),
        };
        self.finish(Err(u))
    }

    /// Ends the run: every task's frames and scopes are released.
    pub(crate) fn finish(&mut self, r: Result<Value, Uncaught>) -> Step {
        if self.result.is_none() {
            self.unload_fiber();
            while let Some(f) = self.frames.pop() {
                self.release_frame_scopes(&f);
            }
            self.stack.clear();
            self.handlers.clear();
            let mut ids: Vec<TaskId> = self.tasks.keys().copied().collect();
            ids.sort_unstable();
            self.stats.abandoned_tasks = ids.len() as u64;
            for id in ids {
                let mut task = self.tasks.remove(&id).expect("task");
                while let Some(f) = task.fiber.frames.pop() {
                    self.release_frame_scopes(&f);
                }
            }
            self.active.clear();
            self.queue.clear();
            self.micro.clear();
            self.holds.clear();
            self.all_waiters.clear();
            self.outstanding = 0;
            self.scopes.drain_pending();
            self.result = Some(r);
        }
        Step::Finished(self.result.clone().expect("result"))
    }
}

/// Task changes, as the state hash sees them.
#[derive(Clone, Copy)]
enum TaskEvent {
    Spawned = 1,
    Suspended = 2,
    Resumed = 3,
    Ended = 4,
}

fn future_id(v: &Value) -> u64 {
    match v {
        Value::Future(f) => f.id,
        _ => 0,
    }
}
