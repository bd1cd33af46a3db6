//! Calls: binding arguments, entering frames, built-ins, name lookups.

use std::rc::Rc;

use super::{Called, stack_overflow};
use crate::function::{Closure, ParamKind};
use crate::sched::AfterNative;
use crate::task::TaskKind;
use crate::value::{PropMap, Value};
use crate::vm::{Frame, Vm};

impl Vm {
    /// Calls the callable at stack index `callee` with the arguments above
    /// it. A Gene function gets a new frame (returns true); a built-in runs
    /// at once and leaves its result in the callee's place.
    #[inline]
    pub(crate) fn call(&mut self, callee: usize, named: Option<PropMap>) -> Result<Called, Value> {
        match &self.stack[callee] {
            Value::Function(c) if c.proto.is_async => {
                // A `^^async` function runs as a new task, at once.
                let mut items = self.stack.split_off(callee).into_iter();
                let f = self.new_future();
                self.stack.push(Value::Future(f.clone()));
                let callee = items.next().expect("callee");
                self.spawn(callee, items.collect(), TaskKind::Async, Some(f), 0);
                Ok(Called::Switched)
            }
            Value::Function(_) => self.enter(callee, named),
            Value::Native(n) => {
                let f = n.f;
                let mut args = std::mem::take(&mut self.args);
                args.extend(self.stack.drain(callee + 1..));
                self.stack.pop();
                let r = f(self, &args);
                args.clear();
                self.args = args;
                let after = self.after_native.take();
                self.stack.push(r?);
                Ok(match after {
                    None => Called::Value,
                    Some(AfterNative::Spawn(cb, args, reacts_to)) => {
                        self.spawn(cb, args, TaskKind::Callback, None, reacts_to);
                        Called::Switched
                    }
                    Some(AfterNative::Block) => {
                        self.stack.pop();
                        Called::Blocked
                    }
                    Some(AfterNative::React) => Called::Reacting,
                })
            }
            other => Err(Value::exception(&format!(
                "{} is not callable",
                other.kind_name()
            ))),
        }
    }

    /// Pushes a frame for the closure at stack index `callee`, binding the
    /// arguments above it.
    pub(crate) fn enter(&mut self, callee: usize, named: Option<PropMap>) -> Result<Called, Value> {
        let Value::Function(c) = &self.stack[callee] else {
            return Err(Value::exception("VM fault: entering a non-function"));
        };
        if self.frames.len() >= self.config.max_depth {
            return Err(stack_overflow(self.config.max_depth));
        }
        let proto = &c.proto;
        let (nparams, nregs) = (proto.params.len(), proto.code.nregs as usize);
        let (simple, body_scope) = (proto.simple && named.is_none(), proto.body_scope);
        let (code, ns, entry_scope) = (proto.code.clone(), c.ns.clone(), c.scope_id());
        let base = callee + 1;
        if simple {
            if self.stack.len() != base + nparams {
                self.stack.resize(base + nparams, Value::Nil);
            }
        } else {
            let c = c.clone();
            self.bind_args(&c, base, named.unwrap_or_default());
        }
        if self.state.on {
            for (i, v) in self.stack[base..].iter().enumerate() {
                self.state
                    .write(crate::statehash::Site::Argument, i as u64, v);
            }
        }
        if entry_scope != crate::scope::NO_SCOPE {
            self.scopes
                .check(entry_scope)
                .map_err(|e| Value::exception(&format!("VM fault: use of freed scope #{}", e.0)))?;
        }
        let scope = if body_scope {
            let vars = self.stack.split_off(base);
            self.scopes.alloc(entry_scope, vars)
        } else {
            entry_scope
        };
        if self.stack.len() != base + nregs {
            self.stack.resize(base + nregs, Value::Nil);
        }
        self.frames.push(Frame {
            code,
            pc: 0,
            base,
            ret: callee,
            entry_scope,
            scope,
            ns,
        });
        Ok(Called::Frame)
    }

    /// A namespace lookup through its inline cache.
    #[inline]
    pub(super) fn load_name(&mut self, slot: u32) -> Value {
        let ns = &self.frames.last().expect("frame").ns;
        let e = &self.names.slots[slot as usize];
        if e.epoch == self.names.epoch && std::ptr::eq(e.ns, Rc::as_ptr(ns)) {
            return e.value.clone();
        }
        let ns = ns.clone();
        let v = self.lookup(&ns, e.name);
        let e = &mut self.names.slots[slot as usize];
        e.epoch = self.names.epoch;
        e.ns = Rc::as_ptr(&ns);
        e.value = v.clone();
        v
    }

    /// Reads a lexical variable by name through an `Op::Eval` table.
    pub(super) fn lexical(
        &self,
        table: &Value,
        name: crate::symbol::Sym,
        base: usize,
    ) -> Result<Option<Value>, Value> {
        let Value::Array(table) = table else {
            return Ok(None);
        };
        for entry in table.borrow().iter() {
            let Value::Array(e) = entry else { continue };
            let e = e.borrow();
            if !matches!(e.first(), Some(Value::Symbol(n)) if *n == name) {
                continue;
            }
            return Ok(match e[1..] {
                [Value::Int(r)] => Some(self.stack[base + r as usize].clone()),
                [Value::Int(h), Value::Int(s)] => {
                    let scope = self.frames.last().expect("frame").scope;
                    let id = self.scopes.up(scope, h as u16).map_err(|e| {
                        Value::exception(&format!("VM fault: use of freed scope #{}", e.0))
                    })?;
                    Some(self.scopes.get(id, s as u16))
                }
                _ => None,
            });
        }
        Ok(None)
    }

    /// The general argument binding: defaults, rest and named parameters.
    pub(super) fn bind_args(&mut self, c: &Closure, base: usize, named: PropMap) {
        let mut args = self.stack.split_off(base).into_iter();
        for p in &c.proto.params {
            let v = match p.kind {
                ParamKind::Positional => args.next(),
                ParamKind::Rest => Some(Value::array(args.by_ref().collect())),
                ParamKind::Named => named.get(&p.name).cloned(),
            };
            let v = v.or_else(|| p.default.clone()).unwrap_or(Value::Nil);
            self.stack.push(v);
        }
    }
}
