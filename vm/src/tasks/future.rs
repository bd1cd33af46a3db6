//! Futures: resolved at most once, with reactions (callbacks and waiting
//! tasks) run in the order they were registered (DESIGN.md, "Async
//! semantics").

use std::cell::{Cell, RefCell};

use crate::value::Value;

/// A task's identity: a counter, stable across runs.
pub type TaskId = u64;

#[derive(Debug, Clone)]
pub enum FutureState {
    Pending,
    Success(Value),
    Failure(Value),
}

/// What reacts to a future's resolution.
#[derive(Debug, Clone)]
pub enum Reaction {
    /// `.on_success` (`on_success` true) or `.on_failure` callback.
    Callback { on_success: bool, f: Value },
    /// A task suspended in `await` on this future.
    Waiter(TaskId),
    /// A future that adopted this one (an async body returned it).
    Adopt(std::rc::Rc<Future>),
}

#[derive(Debug)]
pub struct Future {
    /// Creation number: stable across runs.
    pub id: u64,
    pub state: RefCell<FutureState>,
    pub reactions: RefCell<Vec<Reaction>>,
    /// Someone awaited it or registered a failure callback.
    pub observed: Cell<bool>,
    /// Resolved, with reactions queued that have not all started: later
    /// awaits and callbacks queue behind them.
    pub draining: Cell<bool>,
}

impl Future {
    pub fn new(id: u64) -> Future {
        Future {
            id,
            state: RefCell::new(FutureState::Pending),
            reactions: RefCell::new(Vec::new()),
            observed: Cell::new(false),
            draining: Cell::new(false),
        }
    }

    pub fn is_pending(&self) -> bool {
        matches!(*self.state.borrow(), FutureState::Pending)
    }

    /// `pending`, `success` or `failure`, as `.state` gives it.
    pub fn state_name(&self) -> &'static str {
        match *self.state.borrow() {
            FutureState::Pending => "pending",
            FutureState::Success(_) => "success",
            FutureState::Failure(_) => "failure",
        }
    }

    /// Upstream's printed form: `<Future FsPending>`.
    pub fn display_name(&self) -> &'static str {
        match *self.state.borrow() {
            FutureState::Pending => "<Future FsPending>",
            FutureState::Success(_) => "<Future FsSuccess>",
            FutureState::Failure(_) => "<Future FsFailure>",
        }
    }
}
