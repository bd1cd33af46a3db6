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

/// A future's reactions. Most futures (1M sleeps, say) never get one, so
/// the list is a single pointer, null until the first push: a bare `Vec`
/// would cost 24 bytes in every future.
// The box is the point: 8 bytes inline instead of a `Vec`'s 24.
#[allow(clippy::box_collection)]
#[derive(Debug, Default)]
pub struct Reactions(Option<Box<Vec<Reaction>>>);

impl Reactions {
    pub fn push(&mut self, r: Reaction) {
        self.0.get_or_insert_with(Default::default).push(r);
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Reaction> {
        self.0.as_deref().map_or(&[][..], |v| &v[..]).iter()
    }

    /// The reactions, in registration order.
    pub fn into_vec(self) -> Vec<Reaction> {
        self.0.map_or_else(Vec::new, |b| *b)
    }
}

#[derive(Debug)]
pub struct Future {
    /// Creation number: stable across runs.
    pub id: u64,
    pub state: RefCell<FutureState>,
    pub reactions: RefCell<Reactions>,
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
            reactions: RefCell::new(Reactions::default()),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// One `Rc<Future>` per sleep: keep the allocation (this plus the 16-byte
    /// `Rc` header) at 80 bytes.
    #[test]
    fn future_size() {
        assert_eq!(std::mem::size_of::<Reactions>(), 8);
        assert_eq!(std::mem::size_of::<Future>(), 64);
    }
}
