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
    /// Scopes in the order they were first counted (for `reachable`).
    found: Vec<ScopeId>,
    /// Heap objects already walked, by address: each holds its references once.
    seen: FxHashSet<usize>,
    work: Vec<Value>,
    /// Values visited: the cost of the recount.
    visits: u64,
}

impl Recount {
    pub fn add(&mut self, scope: ScopeId) {
        if scope != NO_SCOPE {
            let n = self.counts.entry(scope).or_default();
            if *n == 0 {
                self.found.push(scope);
            }
            *n += 1;
        }
    }

    fn first_visit<T: ?Sized>(&mut self, rc: &Rc<T>) -> bool {
        self.seen.insert(Rc::as_ptr(rc) as *const () as usize)
    }

    /// Counts every closure reachable from `v` (each closure once).
    pub fn walk(&mut self, v: &Value) {
        self.work.push(v.clone());
        while let Some(v) = self.work.pop() {
            self.visits += 1;
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
    /// With only `roots` left (the run's result), the references to live
    /// scopes can only come from the roots and the live scopes themselves
    /// (parent links, closures in their variables). Any other count is a
    /// leak or an over-release.
    pub(crate) fn audit_garbage(&self, roots: &[Value]) -> Vec<Miscount> {
        let mut r = Recount::default();
        for v in roots {
            r.walk(v);
        }
        for (_, e) in self.live_entries() {
            r.add(e.parent);
            for v in &e.vars {
                r.walk(v);
            }
        }
        self.miscounts(&r)
    }

    /// The live scopes whose stored count differs from the recount.
    fn miscounts(&self, r: &Recount) -> Vec<Miscount> {
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

impl ScopeArena {
    /// The scopes reachable from `roots`: through closures, parents, and the
    /// closures in reachable scopes' variables.
    pub(crate) fn reachable(&self, roots: &[Value]) -> FxHashSet<ScopeId> {
        let mut r = Recount::default();
        for v in roots {
            r.walk(v);
        }
        // Each scope is expanded once, and the walk records which scopes
        // it met for the first time: linear in what is reachable.
        let mut seen = FxHashSet::default();
        let mut todo = std::mem::take(&mut r.found);
        while let Some(s) = todo.pop() {
            if s == NO_SCOPE || !seen.insert(s) {
                continue;
            }
            let e = self.entry(s);
            todo.push(e.parent);
            for v in &e.vars {
                r.walk(v);
            }
            todo.append(&mut r.found);
        }
        seen
    }
}

/// Checking mode spends at most this many recount visits per unit of the
/// run's own work (instructions and polls) since the last recount.
const AUDIT_SHARE: u64 = 8;

impl crate::vm::Vm {
    /// Checking mode, once per poll: recounts (`audit_roots`) when the
    /// run's work since the last recount pays for it, or when `force`d.
    /// A recount costs O(live values), so recounting every poll would be
    /// O(polls x heap), quadratic when the heap grows with the run (4,000
    /// waiting tasks: 1,000 polls, each walking all of them). Recounting
    /// when the work done since covers the last recount's cost / AUDIT_SHARE
    /// keeps the total linear in the run's work, and still recounts every
    /// poll while the heap is small. Returns None when it did not recount.
    pub fn audit_if_due(&mut self, force: bool) -> Option<Vec<Miscount>> {
        self.audit_work += 1;
        let work = self.audit_work + (self.executed - self.audit_executed);
        if !force && work.saturating_mul(AUDIT_SHARE) < self.audit_cost {
            return None;
        }
        Some(self.audit_roots())
    }

    /// Recounts every live scope's references from the roots (every task's
    /// frames and operand stack, namespaces, inline caches, queued jobs,
    /// pending failures, other live scopes) and returns the scopes whose
    /// stored count differs. For checking mode, at poll boundaries.
    pub fn audit_roots(&mut self) -> Vec<Miscount> {
        self.scopes.drain_pending();
        let mut r = Recount::default();
        let fibers = std::iter::once((&self.frames, &self.stack)).chain(
            self.tasks
                .values()
                .map(|t| (&t.fiber.frames, &t.fiber.stack)),
        );
        for (frames, stack) in fibers {
            for f in frames {
                // A frame holds one reference on each scope it started.
                let mut s = f.scope;
                while s != NO_SCOPE && s != f.entry_scope {
                    r.add(s);
                    s = self.scopes.entry(s).parent;
                }
            }
            for v in stack {
                r.walk(v);
            }
        }
        for ns in [&self.module, &self.global, &self.gene, &self.genex] {
            r.walk(&Value::Namespace(ns.clone()));
        }
        for slot in &self.names.slots {
            r.walk(&slot.value);
        }
        let held = self.holds.iter().flat_map(|h| h.batches.iter());
        let pending = self.pending_hold.iter().flatten();
        for job in self
            .queue
            .iter()
            .chain(self.micro.iter())
            .chain(held)
            .chain(pending)
            .flat_map(|b| b.jobs.iter())
        {
            match job {
                crate::task::Job::Callback(f, arg, _) => {
                    r.walk(f);
                    r.walk(arg);
                }
                crate::task::Job::Resume(_, Ok(v) | Err(v)) => r.walk(v),
                crate::task::Job::Continue(_) => {}
            }
        }
        for f in self.unobserved.iter() {
            r.walk(&Value::Future(f.clone()));
        }
        // Futures of outstanding operations: the driver's tickets hold them.
        self.op_futures.prune();
        for f in self.op_futures.live() {
            r.walk(&Value::Future(f));
        }
        if let Some(Ok(v) | Err(v)) = &self.resume_blocked {
            r.walk(v);
        }
        for (_, e) in self.scopes.live_entries() {
            r.add(e.parent);
            for v in &e.vars {
                r.walk(v);
            }
        }
        self.audit_cost = r.visits + self.scopes.live as u64;
        self.audit_work = 0;
        self.audit_executed = self.executed;
        self.scopes.miscounts(&r)
    }
}
