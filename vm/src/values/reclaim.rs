//! Dropping values without recursion.
//!
//! A value nested 300,000 deep (arrays in arrays, a gene's child, a future's
//! value, an exception wrapping a value, a closure whose code holds a value)
//! would, with Rust's drop glue, free itself one native stack frame per
//! level and overflow the stack. Instead, every heap payload that holds
//! values takes out, when it is dropped, the children it owns alone (those
//! whose drop would free another such payload) and hands them to a
//! thread-local queue; the outermost drop empties the queue in a loop. The
//! native stack stays a few frames deep whatever the depth of the value.
//! Shared children go through the queue too: a payload held twice by its
//! parent (`(s = [s s])` in a loop) is freed by the second of those drops,
//! which in place would recurse once per level. Values that hold no values
//! (numbers, strings, symbols, ranges) drop in place as before.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::function::FnProto;
use crate::future::{Future, FutureState, Reaction};
use crate::namespace::Namespace;
use crate::value::Value;

thread_local! {
    /// Values waiting to be dropped by the outermost drop.
    static QUEUE: RefCell<Vec<Value>> = const { RefCell::new(Vec::new()) };
    /// Some drop on this thread is emptying the queue.
    static DRAINING: Cell<bool> = const { Cell::new(false) };
}

/// Could dropping `v` free a payload that holds other values? (Shared or
/// not: a second reference in the same parent frees it as surely.)
#[inline]
fn frees_nested(v: &Value) -> bool {
    matches!(
        v,
        Value::Array(_)
            | Value::Map(_)
            | Value::Gene(_)
            | Value::Function(_)
            | Value::Namespace(_)
            | Value::Exception(_)
            | Value::Future(_)
    )
}

/// Moves `v` into `found` when dropping it would free a nested payload.
#[inline]
fn take_nested(v: &mut Value, found: &mut Vec<Value>) {
    if frees_nested(v) {
        found.push(std::mem::take(v));
    }
}

/// Takes the owned nested children out of `values` and drops them
/// iteratively; what is left drops in place with its holder.
#[inline]
pub(crate) fn release<'a>(values: impl IntoIterator<Item = &'a mut Value>) {
    let mut found = Vec::new();
    for v in values {
        take_nested(v, &mut found);
    }
    if !found.is_empty() {
        defer(found);
    }
}

/// Resets the draining flag even if a drop panics.
struct Draining;

impl Drop for Draining {
    fn drop(&mut self) {
        DRAINING.with(|d| d.set(false));
    }
}

/// Drops `found`: queued for the outermost drop when one is running,
/// otherwise this is the outermost and empties the queue.
#[inline(never)]
fn defer(mut found: Vec<Value>) {
    let Ok(draining) = DRAINING.try_with(|d| d.replace(true)) else {
        // The thread is exiting and its locals are gone: drop in place.
        return;
    };
    if draining {
        // Should the queue be gone (thread exit), `found` drops in place.
        let _ = QUEUE.try_with(|q| q.borrow_mut().append(&mut found));
        return;
    }
    let _guard = Draining;
    let mut work = found;
    loop {
        while let Some(v) = work.pop() {
            drop(v);
        }
        // What those drops queued; `work` is empty, so the swap loses nothing.
        let more = QUEUE.try_with(|q| std::mem::swap(&mut *q.borrow_mut(), &mut work));
        if more.is_err() || work.is_empty() {
            return;
        }
    }
}

impl Drop for Future {
    fn drop(&mut self) {
        let mut found = Vec::new();
        if let FutureState::Success(v) | FutureState::Failure(v) = self.state.get_mut() {
            take_nested(v, &mut found);
        }
        for r in std::mem::take(self.reactions.get_mut()).into_vec() {
            match r {
                Reaction::Callback { mut f, .. } => take_nested(&mut f, &mut found),
                Reaction::Adopt(g) => found.push(Value::Future(g)),
                Reaction::Waiter(_) => {}
            }
        }
        if !found.is_empty() {
            defer(found);
        }
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        release(self.members.get_mut().values_mut());
    }
}

impl Drop for FnProto {
    /// A prototype's constants can hold run-time values (code that `eval`
    /// compiled from a value), and so can its parameters' defaults.
    fn drop(&mut self) {
        let defaults = self.params.iter_mut().filter_map(|p| p.default.as_mut());
        match Rc::get_mut(&mut self.code) {
            Some(code) => release(defaults.chain(code.consts.iter_mut())),
            None => release(defaults),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::symbol::Sym;
    use crate::value::{Exception, Gene, PropMap};

    const DEEP: usize = 300_000;

    /// Builds `DEEP` levels of `wrap` around nil and drops the result; the
    /// test thread's default stack overflows long before that with
    /// recursive drop glue.
    fn drop_deep(mut wrap: impl FnMut(Value) -> Value) {
        let mut v = Value::Nil;
        for _ in 0..DEEP {
            v = wrap(v);
        }
        drop(v);
    }

    #[test]
    fn deep_arrays_drop_without_recursion() {
        drop_deep(|v| Value::array(vec![v]));
    }

    /// Each level holds the one below twice (`(s = [s s])` in a loop): the
    /// second reference frees it. A few thousand bytes of memory, 300,000
    /// levels deep.
    #[test]
    fn doubly_held_children_drop_without_recursion() {
        drop_deep(|v| Value::array(vec![v.clone(), v]));
        drop_deep(|v| {
            let mut m = PropMap::default();
            m.insert(Sym::new("a"), v.clone());
            m.insert(Sym::new("b"), v);
            Value::map(m)
        });
    }

    #[test]
    fn deep_maps_drop_without_recursion() {
        drop_deep(|v| {
            let mut m = PropMap::default();
            m.insert(Sym::new("a"), v);
            Value::map(m)
        });
    }

    #[test]
    fn deep_genes_drop_without_recursion() {
        drop_deep(|v| {
            Value::gene(Gene {
                head: Value::Symbol(Sym::new("_")),
                children: vec![v],
                ..Gene::default()
            })
        });
        drop_deep(|v| {
            Value::gene(Gene {
                head: v,
                ..Gene::default()
            })
        });
    }

    #[test]
    fn deep_exceptions_drop_without_recursion() {
        drop_deep(|v| {
            Value::Exception(Rc::new(Exception {
                message: Rc::from("m"),
                value: v,
            }))
        });
    }

    #[test]
    fn deep_futures_drop_without_recursion() {
        drop_deep(|v| {
            let f = Future::new(0);
            *f.state.borrow_mut() = FutureState::Success(v);
            Value::Future(Rc::new(f))
        });
        // A chain of adoptions.
        let mut f = Rc::new(Future::new(0));
        for _ in 0..DEEP {
            let g = Future::new(0);
            g.reactions.borrow_mut().push(Reaction::Adopt(f));
            f = Rc::new(g);
        }
        drop(f);
    }

    #[test]
    fn deep_namespaces_drop_without_recursion() {
        drop_deep(|v| {
            let ns = Namespace::new("n");
            ns.set(Sym::new("x"), v);
            Value::Namespace(ns)
        });
    }

    #[test]
    fn mixed_deep_values_drop_without_recursion() {
        let mut i = 0;
        drop_deep(|v| {
            i += 1;
            match i % 3 {
                0 => Value::array(vec![Value::Int(1), v, Value::str("s")]),
                1 => {
                    let mut m = PropMap::default();
                    m.insert(Sym::new("k"), v);
                    Value::map(m)
                }
                _ => Value::Exception(Rc::new(Exception {
                    message: Rc::from("m"),
                    value: v,
                })),
            }
        });
    }

    #[test]
    fn deep_values_debug_print_without_recursion() {
        let mut v = Value::Int(0);
        for _ in 0..DEEP {
            v = Value::array(vec![v]);
        }
        let s = format!("{v:?}");
        assert!(
            s.starts_with("Array([[[") && s.ends_with("]]])"),
            "{}",
            &s[..20]
        );
        let mut e = Value::Nil;
        for _ in 0..DEEP {
            e = Value::Exception(Rc::new(Exception {
                message: Rc::from("m"),
                value: e,
            }));
        }
        assert!(format!("{e:?}").contains("(Exception \"m\")"));
    }

    #[test]
    fn shared_children_survive_their_holder() {
        let shared = Value::array(vec![Value::Int(7)]);
        let holder = Value::array(vec![shared.clone(), Value::array(vec![shared.clone()])]);
        drop(holder);
        assert_eq!(crate::display::display(&shared), "[7]");
        let Value::Array(rc) = &shared else {
            unreachable!()
        };
        assert_eq!(Rc::strong_count(rc), 1);
    }
}
