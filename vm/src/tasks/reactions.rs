//! Resolving futures and queueing their reactions (DESIGN.md, "Async
//! semantics"): a resolution queues its callbacks and waiting tasks as one
//! batch, in registration order; a reaction registered while that batch
//! drains joins it at the end; `.complete`/`.fail` run their reactions at
//! once (a hold); an async task's future adopts a future its body returns.
//! Which batch runs when is the scheduler's business (sched.rs).

use std::collections::VecDeque;
use std::rc::Rc;

use crate::events::{Here, event};
use crate::future::{Future, FutureState, Reaction};
use crate::sched::AfterNative;
use crate::task::{AwaitMode, Batch, Hold, Job};
use crate::value::{Exception, Value};
use crate::vm::Vm;

impl Vm {
    pub(crate) fn new_future(&mut self) -> Rc<Future> {
        let f = self.new_future_quietly();
        event!(
            "gene::future",
            "future.created",
            future = f.id,
            at = Here(self)
        );
        f
    }

    /// A future whose creation another record reports (`op.started`).
    pub(crate) fn new_future_quietly(&mut self) -> Rc<Future> {
        self.stats.futures += 1;
        Rc::new(Future::new(self.stats.futures))
    }

    /// Resolves a future and queues its reactions, in registration order.
    pub(crate) fn resolve(&mut self, f: &Rc<Future>, outcome: Result<Value, Value>) {
        let adopters = self.resolve_one(f, &outcome);
        // A chain of adoptions can be as long as the program ran: resolve
        // it in a loop, depth first in registration order, as recursion would.
        let mut todo: Vec<Rc<Future>> = adopters.into_iter().rev().collect();
        while let Some(g) = todo.pop() {
            let more = self.resolve_one(&g, &outcome);
            todo.extend(more.into_iter().rev());
        }
    }

    /// Resolves `f` and queues its reactions; returns the futures that
    /// adopted it, for the caller to resolve the same way.
    fn resolve_one(&mut self, f: &Rc<Future>, outcome: &Result<Value, Value>) -> Vec<Rc<Future>> {
        self.touch_write(crate::footprint::Resource::Future(f.id));
        if !f.is_pending() {
            return Vec::new();
        }
        *f.state.borrow_mut() = match outcome {
            Ok(v) => FutureState::Success(v.clone()),
            Err(e) => FutureState::Failure(e.clone()),
        };
        if self.state.on {
            let (Ok(v) | Err(v)) = &outcome;
            let site = crate::statehash::Site::Resolved;
            self.state
                .write(site, f.id << 1 | outcome.is_ok() as u64, v);
        }
        #[allow(unused_mut)]
        let mut reactions = std::mem::take(&mut *f.reactions.borrow_mut()).into_vec();
        #[cfg(feature = "mutations")]
        self.mutate_reactions(&mut reactions);
        let (Ok(value) | Err(value)) = &outcome;
        event!(
            "gene::future",
            "future.resolved",
            future = f.id,
            ok = outcome.is_ok(),
            value = crate::sink::Arg::Quoted(value),
            reactions = reactions.len()
        );
        if outcome.is_err()
            && !f.observed.get()
            && !reactions.iter().any(|r| {
                matches!(
                    r,
                    Reaction::Waiter(_)
                        | Reaction::Adopt(_)
                        | Reaction::Callback {
                            on_success: false,
                            ..
                        }
                )
            })
        {
            event!("gene::future", "future.unobserved", future = f.id);
            self.unobserved.push(f.clone());
        }
        let mut batch = Batch {
            future: Some(f.clone()),
            jobs: VecDeque::new(),
        };
        let mut adopters = Vec::new();
        for r in reactions {
            match r {
                Reaction::Adopt(g) => adopters.push(g),
                r => batch.jobs.extend(reaction_job(r, outcome, f.id)),
            }
        }
        if !batch.jobs.is_empty() {
            f.draining.set(true);
            if let Some(held) = &mut self.holding {
                held.push_back(batch);
            } else if self.delivering {
                self.queue.push_back(batch);
            } else {
                self.micro.push_back(batch);
            }
        }
        adopters
    }

    /// The batch of a resolved future's reactions, while it drains.
    fn draining_batch(&mut self, f: &Rc<Future>) -> Option<&mut Batch> {
        let mine = |b: &&mut Batch| b.future.as_ref().is_some_and(|g| Rc::ptr_eq(f, g));
        self.holds
            .iter_mut()
            .flat_map(|h| h.batches.iter_mut())
            .chain(self.micro.iter_mut())
            .chain(self.queue.iter_mut())
            .find(mine)
    }

    /// Adds a reaction to a resolved future whose earlier reactions have not
    /// all started: it goes behind them. False when there is no such batch.
    pub(crate) fn join_draining(&mut self, f: &Rc<Future>, r: Reaction) -> bool {
        if !f.draining.get() {
            return false;
        }
        let outcome = match &*f.state.borrow() {
            FutureState::Success(v) => Ok(v.clone()),
            FutureState::Failure(e) => Err(e.clone()),
            FutureState::Pending => return false,
        };
        let job = reaction_job(r, &outcome, f.id);
        match self.draining_batch(f) {
            Some(batch) => {
                batch.jobs.extend(job);
                true
            }
            None => false,
        }
    }

    /// Resolves a future from running code (`.complete`, `.fail`): its
    /// reactions run at once, before the running code continues.
    pub(crate) fn resolve_now(&mut self, f: &Rc<Future>, outcome: Result<Value, Value>) {
        self.holding = Some(VecDeque::new());
        self.resolve(f, outcome);
        let batches = self.holding.take().unwrap_or_default();
        if !batches.is_empty() {
            self.pending_hold = Some(batches);
            self.after_native = Some(AfterNative::React);
        }
    }

    /// The running code lets the reactions of its resolution run first.
    pub(crate) fn yield_to_reactions(&mut self) {
        let batches = self.pending_hold.take().unwrap_or_default();
        let hold = match self.await_mode {
            AwaitMode::Suspend => Hold {
                batches,
                cont: std::mem::take(&mut self.active),
                completer: None,
            },
            AwaitMode::Blocking => Hold {
                batches,
                cont: Vec::new(),
                completer: self.top(),
            },
        };
        self.holds.push(hold);
    }

    /// Registers a callback; on a resolved future it runs at once.
    /// Past `max_depth`, a callback that would run at once (it starts a
    /// task on top of this code) is refused with `stack overflow` before
    /// it counts as registered.
    pub(crate) fn on_resolved(
        &mut self,
        f: &Rc<Future>,
        on_success: bool,
        cb: Value,
    ) -> Result<(), Value> {
        let at_once = matches!(cb, Value::Function(_))
            && !f.draining.get()
            && matches!(
                (&*f.state.borrow(), on_success),
                (FutureState::Success(_), true) | (FutureState::Failure(_), false)
            );
        if at_once {
            self.check_nesting()?;
        }
        if !on_success {
            f.observed.set(true);
        }
        event!(
            "gene::callback",
            "callback.registered",
            future = f.id,
            on_success,
            pending = f.is_pending(),
            at = Here(self)
        );
        if self.join_draining(
            f,
            Reaction::Callback {
                on_success,
                f: cb.clone(),
            },
        ) {
            return Ok(());
        }
        let state = f.state.borrow().clone();
        match (state, on_success) {
            (FutureState::Pending, _) => f
                .reactions
                .borrow_mut()
                .push(Reaction::Callback { on_success, f: cb }),
            (FutureState::Success(v), true) => {
                self.after_native = Some(AfterNative::Spawn(cb, vec![v], f.id))
            }
            (FutureState::Failure(e), false) => {
                self.after_native = Some(AfterNative::Spawn(cb, vec![exception_object(&e)], f.id))
            }
            _ => {}
        }
        Ok(())
    }

    /// Completes an async task's future with its value, adopting a future.
    pub(crate) fn settle(&mut self, f: &Rc<Future>, v: Value) {
        match v {
            Value::Future(g) if !Rc::ptr_eq(f, &g) => {
                g.observed.set(true);
                event!("gene::future", "future.adopted", future = g.id, by = f.id);
                let state = g.state.borrow().clone();
                match state {
                    FutureState::Pending => {
                        g.reactions.borrow_mut().push(Reaction::Adopt(f.clone()))
                    }
                    FutureState::Success(v) => self.resolve(f, Ok(v)),
                    FutureState::Failure(e) => self.resolve(f, Err(e)),
                }
            }
            v => self.resolve(f, Ok(v)),
        }
    }

    /// A callback threw: nobody can observe it, so it is reported. The
    /// failure is held by a future of its own, and the trace records that
    /// future's whole life (created, failed, unobserved) so that a reader
    /// sees it fail instead of an id that appears only in `run.end`.
    /// `at`: where it threw, when known.
    pub(crate) fn callback_failed(&mut self, e: Value, at: Option<&crate::vm::Location>) {
        event!(
            "gene::callback",
            "callback.failed",
            value = crate::sink::Arg::Quoted(&e)
        );
        let f = self.new_future_quietly();
        event!(
            "gene::future",
            "future.created",
            future = f.id,
            at = crate::events::ThrowSite(self, at)
        );
        event!(
            "gene::future",
            "future.resolved",
            future = f.id,
            ok = false,
            value = crate::sink::Arg::Quoted(&e),
            reactions = 0usize
        );
        event!("gene::future", "future.unobserved", future = f.id);
        *f.state.borrow_mut() = FutureState::Failure(e);
        self.unobserved.push(f);
    }
}

#[cfg(feature = "mutations")]
impl Vm {
    /// Reverses the callbacks or the waiters among `reactions`, keeping the
    /// positions the other kind holds.
    fn mutate_reactions(&mut self, reactions: &mut [Reaction]) {
        use crate::mutation::Mutation;
        if self.config.mutation == Some(Mutation::SeedInBatch)
            && let Some(choose) = &mut self.chooser
        {
            for i in (1..reactions.len()).rev() {
                let j = choose.choose(i + 1, &mut |_| String::new()).min(i);
                reactions.swap(i, j);
            }
            return;
        }
        let callbacks: fn(&Reaction) -> bool = |r| matches!(r, Reaction::Callback { .. });
        let pick: fn(&Reaction) -> bool = match self.config.mutation {
            Some(Mutation::CallbacksReversed) => callbacks,
            Some(Mutation::WaitersReversed) => |r| matches!(r, Reaction::Waiter(_)),
            Some(Mutation::Nondeterministic) if self.odd_run => callbacks,
            Some(Mutation::BlockingCallbacksReversed) if self.await_mode == AwaitMode::Blocking => {
                callbacks
            }
            _ => return,
        };
        let slots: Vec<usize> = (0..reactions.len())
            .filter(|&i| pick(&reactions[i]))
            .collect();
        let picked: Vec<Reaction> = slots.iter().rev().map(|&i| reactions[i].clone()).collect();
        for (&i, r) in slots.iter().zip(picked) {
            reactions[i] = r;
        }
    }
}

/// The job a reaction becomes once its future resolved with `outcome`
/// (none for a callback of the other outcome).
fn reaction_job(r: Reaction, outcome: &Result<Value, Value>, future: u64) -> Option<Job> {
    match (r, outcome) {
        (
            Reaction::Callback {
                on_success: true,
                f,
            },
            Ok(v),
        ) => Some(Job::Callback(f, v.clone(), future)),
        (
            Reaction::Callback {
                on_success: false,
                f,
            },
            Err(e),
        ) => Some(Job::Callback(f, exception_object(e), future)),
        (Reaction::Waiter(t), outcome) => Some(Job::Resume(t, outcome.clone())),
        _ => None,
    }
}

/// What a failure callback receives: an exception object whose `.message`
/// is the thrown value's text.
pub(crate) fn exception_object(e: &Value) -> Value {
    match e {
        Value::Exception(_) => e.clone(),
        other => Value::Exception(Rc::new(Exception {
            message: Rc::from(crate::display::display(other).as_str()),
            value: other.clone(),
        })),
    }
}
