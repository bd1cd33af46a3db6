//! The scope arena. Scopes that a closure can capture live here with explicit
//! reference counts (DESIGN.md, "Scopes and refcounts"); scopes nobody can
//! capture are frame registers and never reach the arena.
//!
//! Who holds a reference: a frame holds one on each scope it started; a child
//! scope holds one on its parent; a closure holds one on the scope it was
//! created in. Closures are `Rc` values that can be dropped anywhere, so their
//! release is queued (`ScopeRef::drop`) and applied by the VM at its next
//! safe point; until then a count is too high, never too low.

use std::cell::RefCell;
use std::rc::Rc;

use crate::events::event;
use crate::value::Value;

/// Index of a scope in the arena; `NO_SCOPE` is the empty chain.
pub type ScopeId = u32;
pub const NO_SCOPE: ScopeId = u32::MAX;

#[derive(Debug)]
pub struct ScopeEntry {
    pub rc: u32,
    pub parent: ScopeId,
    pub vars: Vec<Value>,
    /// Creation number: stable across runs, never reused.
    pub serial: u64,
    pub alive: bool,
}

type Pending = Rc<RefCell<Vec<ScopeId>>>;

#[derive(Debug, Default)]
pub struct ScopeArena {
    entries: Vec<ScopeEntry>,
    free: Vec<ScopeId>,
    pending: Pending,
    pub live: usize,
    pub peak: usize,
    pub created: u64,
    #[cfg(feature = "mutations")]
    forget_capture: bool,
}

/// A counted reference held by a closure. Dropping it queues a release.
#[derive(Debug)]
pub struct ScopeRef {
    pub id: ScopeId,
    pending: Pending,
}

impl Drop for ScopeRef {
    fn drop(&mut self) {
        self.pending.borrow_mut().push(self.id);
    }
}

/// Using a scope that was freed: always a VM bug, reported as a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UseAfterFree(pub ScopeId);

impl ScopeArena {
    /// A new scope with one reference (the caller's) under `parent`.
    /// `at`: where in the program (for the trace).
    pub fn alloc(
        &mut self,
        parent: ScopeId,
        vars: Vec<Value>,
        at: crate::sink::Arg<'_>,
    ) -> ScopeId {
        let mut parent_serial = 0;
        if parent != NO_SCOPE {
            let p = &mut self.entries[parent as usize];
            p.rc += 1;
            parent_serial = p.serial;
            event!("gene::scope", "scope.retained", scope = p.serial, rc = p.rc);
        }
        self.created += 1;
        event!(
            "gene::scope",
            "scope.created",
            scope = self.created,
            parent = parent_serial,
            at
        );
        self.live += 1;
        self.peak = self.peak.max(self.live);
        let entry = ScopeEntry {
            rc: 1,
            parent,
            vars,
            serial: self.created,
            alive: true,
        };
        match self.free.pop() {
            Some(id) => {
                self.entries[id as usize] = entry;
                id
            }
            None => {
                self.entries.push(entry);
                (self.entries.len() - 1) as ScopeId
            }
        }
    }

    /// A reference for a new closure.
    pub fn capture(&mut self, id: ScopeId) -> Option<ScopeRef> {
        if id == NO_SCOPE {
            return None;
        }
        let e = &mut self.entries[id as usize];
        #[cfg(feature = "mutations")]
        if std::mem::take(&mut self.forget_capture) {
            return Some(ScopeRef {
                id,
                pending: self.pending.clone(),
            });
        }
        e.rc += 1;
        event!("gene::scope", "scope.retained", scope = e.serial, rc = e.rc);
        Some(ScopeRef {
            id,
            pending: self.pending.clone(),
        })
    }

    /// Drops one reference; frees the scope (and releases its parent) at zero.
    pub fn release(&mut self, mut id: ScopeId) {
        while id != NO_SCOPE {
            let e = &mut self.entries[id as usize];
            if !e.alive || e.rc == 0 {
                // A refcount bug: reported, never wrapped around.
                event!("gene::scope", "scope.underflow", scope = e.serial);
                break;
            }
            e.rc -= 1;
            event!("gene::scope", "scope.released", scope = e.serial, rc = e.rc);
            if e.rc > 0 {
                break;
            }
            event!("gene::scope", "scope.freed", scope = e.serial);
            e.alive = false;
            let parent = e.parent;
            let vars = std::mem::take(&mut e.vars);
            self.free.push(id);
            self.live -= 1;
            // Dropping the values may queue releases of other scopes.
            drop(vars);
            id = parent;
        }
    }

    /// Applies the releases queued by dropped closures.
    #[inline]
    pub fn drain_pending(&mut self) {
        if self.pending.borrow().is_empty() {
            return;
        }
        self.drain_pending_slow();
    }

    #[inline(never)]
    fn drain_pending_slow(&mut self) {
        loop {
            let batch = std::mem::take(&mut *self.pending.borrow_mut());
            if batch.is_empty() {
                return;
            }
            for id in batch {
                self.release(id);
            }
        }
    }

    #[inline]
    pub fn check(&self, id: ScopeId) -> Result<(), UseAfterFree> {
        match self.entries.get(id as usize) {
            Some(e) if e.alive => Ok(()),
            _ => Err(UseAfterFree(id)),
        }
    }

    /// The scope `hops` parents above `id`.
    #[inline]
    pub fn up(&self, mut id: ScopeId, hops: u16) -> Result<ScopeId, UseAfterFree> {
        for _ in 0..hops {
            self.check(id)?;
            id = self.entries[id as usize].parent;
        }
        self.check(id)?;
        Ok(id)
    }

    #[inline]
    pub fn get(&self, id: ScopeId, slot: u16) -> Value {
        self.entries[id as usize]
            .vars
            .get(slot as usize)
            .cloned()
            .unwrap_or(Value::Nil)
    }

    #[inline]
    pub fn set(&mut self, id: ScopeId, slot: u16, v: Value) {
        let vars = &mut self.entries[id as usize].vars;
        let slot = slot as usize;
        if slot >= vars.len() {
            vars.resize(slot + 1, Value::Nil);
        }
        vars[slot] = v;
    }

    /// The next capture takes no reference (mutation `MissingRetain`).
    #[cfg(feature = "mutations")]
    pub fn forget_next_capture(&mut self) {
        self.forget_capture = true;
    }

    /// Breaks the cycles that keep unreachable scopes alive: once nothing
    /// outside the arena (but the scopes in `keep`) holds a scope, emptying
    /// live scopes' variables drops the closures that hold them. Returns how
    /// many scopes that freed.
    pub fn collect_cycles(&mut self, keep: &rustc_hash::FxHashSet<ScopeId>) -> usize {
        let before = self.live;
        // One pass suffices: emptying a scope frees others, and no scope
        // passed over (dead, already empty, or kept) can fill up again, as
        // no code runs meanwhile. Each scope is visited once: linear.
        for id in 0..self.entries.len() {
            let e = &mut self.entries[id];
            if !e.alive || e.vars.is_empty() || keep.contains(&(id as ScopeId)) {
                continue;
            }
            let vars = std::mem::take(&mut e.vars);
            drop(vars);
            self.drain_pending();
        }
        before - self.live
    }

    /// The live scopes, in arena order.
    pub fn live_entries(&self) -> impl Iterator<Item = (ScopeId, &ScopeEntry)> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.alive)
            .map(|(i, e)| (i as ScopeId, e))
    }

    pub fn entry(&self, id: ScopeId) -> &ScopeEntry {
        &self.entries[id as usize]
    }
}
