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
        match named {
            None => self.call_plain(callee),
            Some(named) if matches!(&self.stack[callee], Value::Function(c) if !c.proto.is_async) => {
                self.enter(callee, Some(&named))
            }
            // Only Gene functions take named arguments; the others drop
            // them after the call, as before.
            Some(named) => {
                let r = self.call_plain(callee);
                drop(named);
                r
            }
        }
    }

    /// `call` without named arguments.
    #[inline]
    pub(crate) fn call_plain(&mut self, callee: usize) -> Result<Called, Value> {
        match &self.stack[callee] {
            Value::Function(c) if c.proto.is_async => {
                // A `^^async` function runs as a new task, at once.
                self.check_nesting()?;
                let mut items = self.stack.split_off(callee).into_iter();
                let f = self.new_future();
                self.stack.push(Value::Future(f.clone()));
                let callee = items.next().expect("callee");
                self.spawn(callee, items.collect(), TaskKind::Async, Some(f), 0)?;
                Ok(Called::Switched)
            }
            Value::Function(_) => self.enter(callee, None),
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
                        self.spawn(cb, args, TaskKind::Callback, None, reacts_to)?;
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
    #[inline(always)]
    pub(crate) fn enter(
        &mut self,
        callee: usize,
        named: Option<&PropMap>,
    ) -> Result<Called, Value> {
        if self.frames.len() >= self.frame_limit && self.too_deep() {
            return Err(stack_overflow(self.config.max_depth));
        }
        let Value::Function(c) = &self.stack[callee] else {
            return Err(Value::exception("VM fault: entering a non-function"));
        };
        let proto = &c.proto;
        let (nparams, nregs) = (proto.params.len(), proto.code.nregs as usize);
        let (simple, body_scope) = (proto.simple, proto.body_scope);
        let (code, ns, entry_scope) = (proto.code.clone(), c.ns.clone(), c.scope_id());
        let base = callee + 1;
        // `named` is borrowed: the plain call has no drop glue to run.
        match named {
            None if simple => {
                if self.stack.len() != base + nparams {
                    self.stack.resize(base + nparams, Value::Nil);
                }
            }
            named => {
                let c = c.clone();
                let none = PropMap::default();
                self.bind_args(&c, base, named.unwrap_or(&none));
            }
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
            // Created at the call.
            match self.frames.last() {
                Some(f) => {
                    let at = crate::events::At(&f.code, f.pc.saturating_sub(1));
                    self.scopes.alloc(entry_scope, vars, at.into())
                }
                // A task's first call: where its body starts.
                None => self
                    .scopes
                    .alloc(entry_scope, vars, crate::events::Body(&code).into()),
            }
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

    // ---- the depth limit ----
    //
    // `max_depth` bounds the frames of the running code plus those of every
    // task it runs on top of (an async call or a callback on a resolved
    // future runs at once, as a task above its caller's), and each such task
    // counts one more. So recursion through `^^async` calls or through
    // callbacks that re-register themselves overflows like plain recursion.

    /// The frames and tasks the loaded fiber sits on: every active task
    /// but the loaded one counts its frames plus one, and so does every
    /// task a `.complete` set aside until its reactions ran (`holds`).
    /// Stops counting at the limit, past which the exact figure does not
    /// matter.
    fn nesting_below(&self) -> usize {
        let mut n = 0;
        let held = self.holds.iter().flat_map(|h| h.cont.iter());
        for t in held.chain(self.active.iter()) {
            if Some(*t) == self.loaded {
                continue;
            }
            n += self.tasks.get(t).map_or(0, |t| t.fiber.frames.len()) + 1;
            if n >= self.config.max_depth {
                break;
            }
        }
        n
    }

    /// The depth the running code is at, working it out after a switch.
    fn depth(&mut self) -> usize {
        let below = match self.below {
            Some(b) => b,
            None => {
                let b = self.nesting_below();
                self.set_below(b);
                b
            }
        };
        below + self.frames.len()
    }

    /// Records what the loaded fiber sits on.
    pub(crate) fn set_below(&mut self, below: usize) {
        self.below = Some(below);
        self.frame_limit = self.config.max_depth.saturating_sub(below);
    }

    /// The loaded fiber or the tasks under it changed: the next call works
    /// `below` out again.
    pub(crate) fn forget_below(&mut self) {
        self.below = None;
        self.frame_limit = 0;
    }

    /// The slow half of the depth check: the loaded fiber is at its frame
    /// limit, or the limit is not known.
    #[inline(never)]
    fn too_deep(&mut self) -> bool {
        self.depth() >= self.config.max_depth
    }

    /// Whether one more frame would pass `max_depth`.
    #[inline]
    pub(crate) fn at_depth_limit(&mut self) -> bool {
        self.frames.len() >= self.frame_limit && self.too_deep()
    }

    /// Whether a task may start on top of the running code; gives the
    /// depth it would sit on, or the `stack overflow` to raise.
    pub(crate) fn check_nesting(&mut self) -> Result<usize, Value> {
        let below = self.depth() + 1;
        if below >= self.config.max_depth {
            return Err(stack_overflow(self.config.max_depth));
        }
        Ok(below)
    }

    /// A namespace lookup through its inline cache.
    #[inline(always)]
    pub(super) fn load_name(&mut self, slot: u32) -> Value {
        let ns = &self.frames.last().expect("frame").ns;
        let e = &self.names.slots[slot as usize];
        if e.epoch == self.names.epoch && std::ptr::eq(e.ns, Rc::as_ptr(ns)) {
            // Functions, the usual callees, are cloned inline.
            if let Value::Function(f) = &e.value {
                return Value::Function(f.clone());
            }
            return e.value.clone();
        }
        self.load_name_slow(slot)
    }

    /// A cache miss: looks the name up and refills the cache entry.
    #[inline(never)]
    fn load_name_slow(&mut self, slot: u32) -> Value {
        let ns = self.frames.last().expect("frame").ns.clone();
        let e = &self.names.slots[slot as usize];
        let v = self.lookup(&ns, e.name);
        if self.footprint.is_some() {
            let name = e.name.name();
            self.touch_value(crate::footprint::Resource::Member(&ns.name, &name), &v);
        }
        let e = &mut self.names.slots[slot as usize];
        // Collecting footprints, every lookup is a miss, so that each is seen.
        e.epoch = if self.footprint.is_some() {
            self.names.epoch.wrapping_sub(1)
        } else {
            self.names.epoch
        };
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
    pub(super) fn bind_args(&mut self, c: &Closure, base: usize, named: &PropMap) {
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

#[cfg(test)]
mod tests {
    use crate::vm::{Step, Vm, VmConfig};

    /// Runs a program that does no I/O: its output, and its value or the
    /// uncaught error's message.
    fn run(src: &str, max_depth: usize) -> (String, Result<String, String>) {
        let mut vm = Vm::new(VmConfig {
            max_depth,
            ..VmConfig::default()
        });
        assert!(vm.load("t.gene", src).is_ok(), "loads");
        loop {
            match vm.run(1_000_000) {
                Step::Yielded => {}
                Step::Blocked => panic!("a program without I/O blocked"),
                Step::Finished(r) => {
                    let r = r
                        .map(|v| crate::display::display(&v))
                        .map_err(|u| u.message());
                    return (vm.take_output(), r);
                }
            }
        }
    }

    const ASYNC_REC: &str = "(fn ^^async f [n] (if (n == 0) 0 else (1 + (await (f (n - 1))))))";

    #[test]
    fn async_recursion_counts_against_max_depth() {
        // Each level is a task (one) plus its frame (one), on top of the
        // main task (its frame, plus one).
        let (_, r) = run(&format!("{ASYNC_REC} (await (f 40))"), 100);
        assert_eq!(r, Ok("40".into()));
        let (_, r) = run(&format!("{ASYNC_REC} (await (f 60))"), 100);
        assert!(r.unwrap_err().starts_with("stack overflow"));
        // Unbounded: it used to grow until memory ran out.
        let src = "(fn ^^async f [n] (1 + (await (f (n + 1))))) (await (f 0))";
        assert!(
            run(src, 10_000)
                .1
                .unwrap_err()
                .starts_with("stack overflow")
        );
    }

    #[test]
    fn async_recursion_overflow_is_catchable_in_the_task() {
        let src = "(fn ^^async f [n]
                     (try (1 + (await (f (n + 1))))
                     catch * (println \"caught at\" n $ex/.message) 0))
                   (await (f 0))";
        let (out, r) = run(src, 100);
        assert_eq!(
            out,
            "caught at 48 stack overflow: more than 100 nested calls\n"
        );
        assert_eq!(r, Ok("48".into()));
    }

    #[test]
    fn async_blocks_count_against_max_depth() {
        let (_, r) = run("(fn f [n] (async (f (n + 1)))) (await (f 0))", 100);
        assert!(r.unwrap_err().starts_with("stack overflow"));
    }

    #[test]
    fn self_registering_callbacks_count_against_max_depth() {
        // A callback on a resolved future runs at once, above its caller;
        // past the limit the registration raises, inside the callback.
        let src = "(var done (new gene/Future 0))
                   (var count 0)
                   (fn cb [v]
                     (count += 1)
                     (try (done .on_success cb)
                     catch * (println \"registration failed:\" $ex/.message)))
                   (done .on_success cb)
                   count";
        let (out, r) = run(src, 100);
        assert_eq!(
            out,
            "registration failed: stack overflow: more than 100 nested calls\n"
        );
        // Each level: the callback task, its frame and the frame of `try`.
        let n: usize = r.unwrap().parse().unwrap();
        assert!((25..=50).contains(&n), "{n}");
        // Uncaught, it fails the callback that registered (reported as
        // unobserved), and the program goes on.
        let src = "(var done (new gene/Future 0))
                   (fn cb [v] (done .on_success cb))
                   (done .on_success cb)
                   \"went on\"";
        assert_eq!(run(src, 10_000).1, Ok("went on".into()));
    }

    #[test]
    fn a_resumed_task_gets_the_depth_it_resumes_at() {
        // The innermost of 40 nested tasks (80 levels) waits; when it
        // resumes, nothing is under it, so recursing 90 deep is fine.
        let src = "(var gate (new gene/Future))
                   (fn rec [n] (if (n == 0) 0 else (1 + (rec (n - 1)))))
                   (fn ^^async f [n]
                     (if (n == 0) (do (await gate) (rec 90)) else (await (f (n - 1)))))
                   (var r (f 40))
                   (gate .complete 1)
                   (await r)";
        assert_eq!(run(src, 100).1, Ok("90".into()));
    }
}
