//! Shared variables in the trace (docs/trace-format.md, `var.written` and
//! `var.read`).
//!
//! The variables several tasks or closures can see are the ones in arena
//! scopes (a closure can capture them) and namespace members. Every write
//! to one is a `var.written` record with the new value, summarized
//! (`events::Summary`). A task's first read of an arena variable since it
//! last started running (a poll's slice, or a switch to it) is a `var.read`
//! record: what a read-modify-write across an `await` read is visible, and
//! a loop over a captured counter costs one record per activation, not one
//! per iteration. Values that live only in one frame's registers are not
//! recorded: nothing else can see them.
//!
//! Reads are watched only while a run is recorded (`Vm::set_watch_reads`);
//! writes cost an event callsite check when nothing records.

use crate::bytecode::Code;
use crate::events::{At, Here, Summary, event};
use crate::namespace::Namespace;
use crate::scope::ScopeId;
use crate::symbol::Sym;
use crate::value::Value;
use crate::vm::Vm;

/// A namespace member's name: `member`, or `ns/member` outside the
/// program's own namespace.
struct MemberName<'a>(&'a Namespace, Sym, bool);

impl std::fmt::Display for MemberName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.2 {
            write!(f, "{}/{}", self.0.name, self.1.name())
        } else {
            f.write_str(&self.1.name())
        }
    }
}

impl Vm {
    /// Watches reads of shared variables (while recording).
    pub fn set_watch_reads(&mut self, on: bool) {
        self.watch_reads = on;
        self.reads_seen.clear();
    }

    /// A new activation: its first reads are recorded again.
    pub(crate) fn new_activation(&mut self) {
        if self.watch_reads {
            self.reads_seen.clear();
        }
    }

    /// `var.written`: the arena slot of scope `id` that the store at `pc`
    /// names gets `v`.
    #[inline]
    pub(crate) fn note_write(&self, id: ScopeId, v: &Value, code: &Code, pc: usize) {
        if !crate::sink::recording() {
            return;
        }
        // The name as a string field: no formatting machinery per record.
        let name = code.var_at(pc).map(Sym::name);
        event!(
            "gene::var",
            "var.written",
            task = self.top().unwrap_or(0),
            var = name.as_deref().unwrap_or("?"),
            scope = self.scopes.entry(id).serial,
            value = Summary(v),
            at = At(code, pc)
        );
    }

    /// `var.read`, once per variable and activation.
    #[cold]
    pub(crate) fn note_read(&mut self, id: ScopeId, slot: u16, v: &Value, code: &Code, pc: usize) {
        let serial = self.scopes.entry(id).serial;
        self.touch_value(crate::footprint::Resource::Var(serial, slot), v);
        if !self.reads_seen.insert((serial, slot)) {
            return;
        }
        if !crate::sink::recording() {
            return;
        }
        let name = code.var_at(pc).map(Sym::name);
        event!(
            "gene::var",
            "var.read",
            task = self.top().unwrap_or(0),
            var = name.as_deref().unwrap_or("?"),
            scope = serial,
            value = Summary(v),
            at = At(code, pc)
        );
    }

    /// `var.written` of a namespace member (scope 0).
    pub(crate) fn note_member_write(&self, ns: &Namespace, name: Sym, v: &Value) {
        if !crate::sink::recording() {
            return;
        }
        let qualified = !std::ptr::eq(ns, &*self.module);
        let (member, own) = (MemberName(ns, name, qualified), name.name());
        event!(
            "gene::var",
            "var.written",
            task = self.top().unwrap_or(0),
            // The program's own members by name, without the formatting
            // machinery.
            var = if qualified {
                crate::sink::Arg::Display(&member)
            } else {
                crate::sink::Arg::Str(&own)
            },
            scope = 0u64,
            value = Summary(v),
            at = Here(self)
        );
    }
}
