//! Recounting scope references by walking values, to check the stored
//! reference counts (DESIGN.md, "Scopes and refcounts").

use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::future::{FutureState, Reaction};
use crate::scope::{NO_SCOPE, ScopeArena, ScopeId};
use crate::value::Value;

/// References to scopes found by walking values.
#[derive(Default)]
pub(crate) struct Recount {
    pub counts: FxHashMap<ScopeId, u32>,
    /// Heap objects already walked, by address: each holds its references once.
    seen: FxHashSet<usize>,
    work: Vec<Value>,
}

impl Recount {
    pub fn add(&mut self, scope: ScopeId) {
        if scope != NO_SCOPE {
            *self.counts.entry(scope).or_default() += 1;
        }
    }

    fn first_visit<T: ?Sized>(&mut self, rc: &Rc<T>) -> bool {
        self.seen.insert(Rc::as_ptr(rc) as *const () as usize)
    }

    /// Counts every closure reachable from `v` (each closure once).
    pub fn walk(&mut self, v: &Value) {
        self.work.push(v.clone());
        while let Some(v) = self.work.pop() {
            match &v {
                Value::Function(c) if self.first_visit(c) => {
                    if let Some(s) = &c.scope {
                        self.add(s.id);
                    }
                    self.work.push(Value::Namespace(c.ns.clone()));
                }
                Value::Namespace(ns) if self.first_visit(ns) => {
                    self.work.extend(ns.members.borrow().values().cloned());
                }
                Value::Array(a) if self.first_visit(a) => {
                    self.work.extend(a.borrow().iter().cloned())
                }
                Value::Map(m) if self.first_visit(m) => {
                    self.work.extend(m.borrow().values().cloned())
                }
                Value::Gene(g) if self.first_visit(g) => {
                    let g = g.borrow();
                    self.work.push(g.head.clone());
                    self.work.extend(g.props.values().cloned());
                    self.work.extend(g.children.iter().cloned());
                }
                Value::Exception(e) if self.first_visit(e) => self.work.push(e.value.clone()),
                Value::Future(f) if self.first_visit(f) => {
                    if let FutureState::Success(x) | FutureState::Failure(x) = &*f.state.borrow() {
                        self.work.push(x.clone());
                    }
                    for r in f.reactions.borrow().iter() {
                        match r {
                            Reaction::Callback { f, .. } => self.work.push(f.clone()),
                            Reaction::Adopt(g) => self.work.push(Value::Future(g.clone())),
                            Reaction::Waiter(_) => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// A scope whose stored count differs from the references found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Miscount {
    pub scope: u64,
    pub stored: u32,
    pub found: u32,
}

impl ScopeArena {
    /// With every root gone, the references to live scopes can only come
    /// from the live scopes themselves (parent links, closures in their
    /// variables). Any other count is a leak or an over-release.
    pub(crate) fn audit_garbage(&self) -> Vec<Miscount> {
        let mut r = Recount::default();
        for (_, e) in self.live_entries() {
            r.add(e.parent);
            for v in &e.vars {
                r.walk(v);
            }
        }
        self.live_entries()
            .filter_map(|(id, e)| {
                let found = r.counts.get(&id).copied().unwrap_or(0);
                (found != e.rc).then_some(Miscount {
                    scope: e.serial,
                    stored: e.rc,
                    found,
                })
            })
            .collect()
    }
}
