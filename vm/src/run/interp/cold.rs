//! The instructions that are not on the hot path, out of line so that the
//! main loop stays small enough for its state to live in registers.

use super::{Called, Flow, fatal, fold, make_range, stack_overflow};
use crate::bytecode::{Code, Op};
use crate::events::{Here, event};
use crate::future::{FutureState, Reaction};
use crate::limits;
use crate::members;
use crate::ops;
use crate::reader;
use crate::sched::AfterNative;
use crate::task::TaskKind;
use crate::value::{Gene, PropMap, Value};
use crate::vm::{Handler, Thrown, UncaughtKind, Vm};

impl Vm {
    /// Runs one cold instruction. The frame's pc is already saved.
    #[inline(never)]
    pub(super) fn cold(&mut self, op: Op, code: &Code, base: usize) -> Result<Flow, Thrown> {
        macro_rules! throw {
            ($t:expr) => {
                return Err($t)
            };
        }
        macro_rules! tri {
            ($r:expr) => {
                match $r {
                    Ok(v) => v,
                    Err(e) => throw!(Thrown::error(e)),
                }
            };
        }
        macro_rules! pop {
            () => {
                self.stack.pop().expect("operand")
            };
        }
        macro_rules! top {
            () => {
                self.stack.last().expect("operand")
            };
        }
        macro_rules! binary {
            ($f:expr) => {{
                let b = pop!();
                let a = pop!();
                let r = tri!($f(&a, &b));
                self.stack.push(r);
            }};
        }
        macro_rules! compare {
            ($name:literal, $test:expr) => {{
                let b = pop!();
                let a = pop!();
                let ord = tri!(ops::compare($name, &a, &b));
                self.stack.push(Value::Bool($test(ord)));
            }};
        }
        match op {
            Op::Dup => {
                let v = top!().clone();
                self.stack.push(v);
            }
            Op::PopUnder(n) => {
                let v = pop!();
                let len = self.stack.len() - n as usize;
                self.stack.truncate(len);
                self.stack.push(v);
            }
            Op::LoadNs => {
                let ns = self.frames.last().expect("frame").ns.clone();
                self.stack.push(Value::Namespace(ns));
            }
            Op::DefineName(name) => {
                let ns = self.frames.last().expect("frame").ns.clone();
                let v = top!().clone();
                self.ns_set(&ns, name, v);
            }
            Op::Mul => binary!(ops::mul),
            Op::Div => binary!(ops::div),
            Op::Mod => binary!(ops::rem),
            Op::Pow => binary!(ops::pow),
            Op::Neg => {
                let a = pop!();
                let r = tri!(ops::neg(&a));
                self.stack.push(r);
            }
            Op::Le => compare!("<=", |o: std::cmp::Ordering| o.is_le()),
            Op::Gt => compare!(">", |o: std::cmp::Ordering| o.is_gt()),
            Op::Ge => compare!(">=", |o: std::cmp::Ordering| o.is_ge()),
            Op::Eq => {
                let b = pop!();
                let a = pop!();
                self.stack.push(Value::Bool(ops::equal(&a, &b)));
            }
            Op::Ne => {
                let b = pop!();
                let a = pop!();
                self.stack.push(Value::Bool(!ops::equal(&a, &b)));
            }
            Op::And => {
                let b = pop!();
                let a = pop!();
                self.stack.push(if a.is_truthy() { b } else { a });
            }
            Op::Or => {
                let b = pop!();
                let a = pop!();
                self.stack.push(if a.is_truthy() { a } else { b });
            }
            Op::Fold(f, n) => {
                let args = self.stack.split_off(self.stack.len() - n as usize);
                let r = tri!(fold(f, &args));
                self.stack.push(r);
            }
            Op::MakeArray(n) => {
                let max = self.config.max_elements;
                tri!(limits::check_elements("an array", n as usize, max));
                let items = self.stack.split_off(self.stack.len() - n as usize);
                self.stack.push(Value::array(items));
            }
            Op::ArrayPush => {
                let v = pop!();
                let max = self.config.max_elements;
                if let Value::Array(a) = top!() {
                    let mut a = a.borrow_mut();
                    tri!(limits::check_elements("an array", a.len() + 1, max));
                    a.push(v);
                }
            }
            Op::ArrayExtend => {
                let v = pop!();
                let max = self.config.max_elements;
                if matches!(v, Value::Nil) {
                    // Upstream aborts: "... can only spread arrays".
                    throw!(Thrown::error(Value::exception("cannot spread nil")));
                }
                let items = tri!(members::items(&v));
                if let Value::Array(a) = top!() {
                    let mut a = a.borrow_mut();
                    tri!(limits::check_elements(
                        "an array",
                        a.len() + items.len(),
                        max
                    ));
                    a.extend(items);
                }
            }
            Op::MakeMap(k) => {
                let Value::Array(keys) = &code.consts[k as usize] else {
                    throw!(fatal("VM fault: bad map shape".into()));
                };
                let keys = keys.borrow();
                tri!(limits::check_elements(
                    "a map",
                    keys.len(),
                    self.config.max_elements
                ));
                let values = self.stack.split_off(self.stack.len() - keys.len());
                let mut m = PropMap::default();
                for (k, v) in keys.iter().zip(values) {
                    if let Value::Symbol(k) = k {
                        m.insert(*k, v);
                    }
                }
                self.stack.push(Value::map(m));
            }
            Op::MakeGene(k) => {
                let Value::Array(shape) = &code.consts[k as usize] else {
                    throw!(fatal("VM fault: bad gene shape".into()));
                };
                let shape = shape.borrow();
                let Some((Value::Int(n), keys)) = shape.split_last() else {
                    throw!(fatal("VM fault: bad gene shape".into()));
                };
                let max = self.config.max_elements;
                tri!(limits::check_elements("a gene", *n as usize, max));
                tri!(limits::check_elements("a gene", keys.len(), max));
                let children = self.stack.split_off(self.stack.len() - *n as usize);
                let values = self.stack.split_off(self.stack.len() - keys.len());
                let head = pop!();
                let mut props = PropMap::default();
                for (k, v) in keys.iter().zip(values) {
                    if let Value::Symbol(k) = k {
                        props.insert(*k, v);
                    }
                }
                self.stack.push(Value::gene(Gene {
                    head,
                    props,
                    children,
                    span: Default::default(),
                }));
            }
            Op::MakeRange => {
                let step = pop!();
                let end = pop!();
                let start = pop!();
                let r = tri!(make_range(&start, &end, &step));
                self.stack.push(r);
            }
            Op::GetMember(name) => {
                let v = pop!();
                let r = tri!(members::get_member(&v, name));
                self.stack.push(r);
            }
            Op::GetChild(i) => {
                let v = pop!();
                let r = tri!(members::get_child(&v, i as i64));
                self.stack.push(r);
            }
            Op::Select => {
                let default = pop!();
                let key = pop!();
                let target = pop!();
                self.stack
                    .push(members::select(&target, &key).unwrap_or(default));
            }
            Op::SetMember(name) => {
                let v = pop!();
                let target = pop!();
                tri!(self.set_member_value(&target, name, v.clone()));
                self.stack.push(v);
            }
            Op::SetRegChild(r, i) => {
                let v = top!().clone();
                let target = self.stack[base + r as usize].clone();
                tri!(self.set_child_value(&target, i, v));
            }
            Op::SetRegMember(r, name) => {
                let v = top!().clone();
                let target = self.stack[base + r as usize].clone();
                tri!(self.set_member_value(&target, name, v));
            }
            Op::SetChild(i) => {
                let v = pop!();
                let target = pop!();
                tri!(self.set_child_value(&target, i, v.clone()));
                self.stack.push(v);
            }
            Op::CallMethod(name, argc) => {
                let args = self.stack.split_off(self.stack.len() - argc as usize);
                let target = pop!();
                let r = members::call_method(self, &target, name, &args);
                let after = self.after_native.take();
                self.stack.push(tri!(r));
                match after {
                    Some(AfterNative::Spawn(cb, args, reacts_to)) => {
                        tri!(self.spawn(cb, args, TaskKind::Callback, None, reacts_to));
                        return Ok(Flow::Reload);
                    }
                    Some(AfterNative::React) => return Ok(Flow::React),
                    _ => {}
                }
            }
            Op::CallArgs => {
                let args = pop!();
                let items = tri!(members::items(&args));
                let callee = self.stack.len() - 1;
                self.stack.extend(items);
                return Ok(match tri!(self.call_plain(callee)) {
                    Called::Value => Flow::Next,
                    Called::Frame | Called::Switched => Flow::Reload,
                    Called::Blocked => Flow::Block,
                    Called::Reacting => Flow::React,
                });
            }
            Op::CallNamed(argc) => {
                let at = self.stack.len() - argc as usize - 1;
                let named = match self.stack.remove(at) {
                    Value::Map(m) => m.borrow().clone(),
                    _ => PropMap::default(),
                };
                let callee = self.stack.len() - argc as usize - 1;
                return Ok(match tri!(self.call(callee, Some(named))) {
                    Called::Value => Flow::Next,
                    Called::Frame | Called::Switched => Flow::Reload,
                    Called::Blocked => Flow::Block,
                    Called::Reacting => Flow::React,
                });
            }
            Op::QuotedCall(k) => {
                let head = pop!();
                let Value::Gene(shape) = &code.consts[k as usize] else {
                    throw!(fatal("VM fault: bad call shape".into()));
                };
                let shape = shape.borrow();
                self.stack.push(Value::gene(Gene {
                    head,
                    props: shape.props.clone(),
                    children: shape.children.clone(),
                    span: shape.span,
                }));
            }
            Op::TryStart(t) => {
                let f = self.frames.last().expect("frame");
                self.handlers.push(Handler {
                    frame: self.frames.len() - 1,
                    stack: self.stack.len(),
                    scope: f.scope,
                    ns: f.ns.clone(),
                    pc: t as usize,
                    ex: None,
                });
            }
            Op::TryEnd => {
                self.handlers.pop();
            }
            Op::CatchBegin => {
                let v = pop!();
                let f = self.frames.last().expect("frame");
                self.handlers.push(Handler {
                    frame: self.frames.len() - 1,
                    stack: self.stack.len(),
                    scope: f.scope,
                    ns: f.ns.clone(),
                    pc: usize::MAX,
                    ex: Some(v),
                });
            }
            Op::LoadEx => {
                let ex = self.handlers.iter().rev().find_map(|h| h.ex.clone());
                self.stack.push(ex.unwrap_or(Value::Nil));
            }
            Op::Throw => {
                let v = pop!();
                throw!(Thrown {
                    value: v,
                    kind: UncaughtKind::Thrown,
                    location: None,
                });
            }
            Op::Rethrow => {
                let v = pop!();
                let kind = UncaughtKind::of(&v);
                throw!(Thrown {
                    value: v,
                    kind,
                    location: self.caught_at.take(),
                });
            }
            Op::Fail(k) => {
                let msg = code.consts[k as usize]
                    .as_str()
                    .unwrap_or("error")
                    .to_string();
                throw!(Thrown::error(Value::exception(&msg)));
            }
            Op::NsBegin(name) => {
                let f = self.frames.last().expect("frame");
                let old = f.ns.clone();
                let ns = crate::namespace::Namespace::new(&name.name());
                self.ns_set(&old, name, Value::Namespace(ns.clone()));
                self.frames.last_mut().expect("frame").ns = ns;
                self.stack.push(Value::Namespace(old));
            }
            Op::NsEnd => {
                let old = pop!();
                if let Value::Namespace(old) = old {
                    let f = self.frames.last_mut().expect("frame");
                    let current = std::mem::replace(&mut f.ns, old);
                    self.stack.push(Value::Namespace(current));
                }
            }
            Op::Eval(k) => {
                let v = pop!();
                if let Value::Symbol(name) = v
                    && let Some(found) = tri!(self.lexical(&code.consts[k as usize], name, base))
                {
                    self.stack.push(found);
                    return Ok(Flow::Next);
                }
                match v {
                    Value::Symbol(_)
                    | Value::Complex(_)
                    | Value::Gene(_)
                    | Value::Array(_)
                    | Value::Map(_) => {
                        if self.at_depth_limit() {
                            throw!(Thrown::error(stack_overflow(self.config.max_depth)));
                        }
                        let pc = self.frames.last().expect("frame").pc;
                        let unit = self.compile_eval(code, pc.saturating_sub(1), v);
                        let ns = self.frames.last().expect("frame").ns.clone();
                        self.push_unit(unit, ns);
                        return Ok(Flow::Reload);
                    }
                    other => self.stack.push(other),
                }
            }
            Op::Parse => {
                let v = pop!();
                let Some(text) = v.as_str() else {
                    throw!(Thrown::error(Value::exception(&format!(
                        "$parse expects a string, got {}",
                        v.kind_name()
                    ))));
                };
                let r = tri!(
                    reader::read_first(text).map_err(|e| Value::exception(&format!(
                        "$parse: {} at {}:{}",
                        e.message, e.span.line, e.span.col
                    )))
                );
                self.stack.push(r.unwrap_or(Value::Nil));
            }
            Op::Async => {
                let closure = pop!();
                tri!(self.check_nesting());
                let f = self.new_future();
                self.stack.push(Value::Future(f.clone()));
                tri!(self.spawn(closure, Vec::new(), TaskKind::Async, Some(f), 0));
                return Ok(Flow::Reload);
            }
            Op::Await => {
                let v = pop!();
                let Value::Future(f) = v else {
                    throw!(Thrown::error(Value::exception(&format!(
                        "await expects a Future, got {}",
                        v.kind_name()
                    ))));
                };
                f.observed.set(true);
                self.touch_read(crate::footprint::Resource::Future(f.id));
                let me = *self.active.last().expect("a running task");
                if self.join_draining(&f, Reaction::Waiter(me)) {
                    // Resolved, but earlier reactions still run first.
                    event!(
                        "gene::task",
                        "task.awaiting",
                        task = me,
                        future = f.id,
                        late = true,
                        at = Here(self)
                    );
                    return Ok(Flow::Suspend);
                }
                let state = f.state.borrow().clone();
                if !matches!(state, FutureState::Pending) {
                    event!(
                        "gene::future",
                        "future.observed",
                        future = f.id,
                        by = "await"
                    );
                }
                match state {
                    FutureState::Success(v) => self.stack.push(v),
                    FutureState::Failure(e) => {
                        let kind = UncaughtKind::of(&e);
                        throw!(Thrown {
                            value: e,
                            kind,
                            location: None,
                        });
                    }
                    FutureState::Pending => {
                        let me = *self.active.last().expect("a running task");
                        event!(
                            "gene::task",
                            "task.awaiting",
                            task = me,
                            future = f.id,
                            late = false,
                            at = Here(self)
                        );
                        f.reactions.borrow_mut().push(Reaction::Waiter(me));
                        return Ok(Flow::Suspend);
                    }
                }
            }
            Op::AwaitAll => {
                let me = *self.active.last().expect("a running task");
                event!(
                    "gene::task",
                    "task.awaiting_all",
                    task = me,
                    at = Here(self)
                );
                self.all_waiters.push(me);
                return Ok(Flow::Suspend);
            }
            Op::New(argc) => {
                let args = self.stack.split_off(self.stack.len() - argc as usize);
                let class = pop!();
                match &class {
                    Value::Class(c) if c.name == "Future" => {
                        let f = self.new_future();
                        if let Some(v) = args.first() {
                            self.resolve(&f, Ok(v.clone()));
                        }
                        self.stack.push(Value::Future(f));
                    }
                    other => throw!(Thrown::error(Value::exception(&format!(
                        "cannot instantiate {}",
                        other.kind_name()
                    )))),
                }
            }
            other => throw!(fatal(format!(
                "VM fault: {other:?} is not a cold instruction"
            ))),
        }
        Ok(Flow::Next)
    }
}
