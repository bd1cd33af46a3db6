//! The interpreter loop. Stackless: Gene calls push a `Frame` and continue in
//! the same loop, so execution can stop after any instruction and resume.

use std::rc::Rc;

use crate::bytecode::{FoldOp, Op};
use crate::function::{Closure, ParamKind};
use crate::members;
use crate::ops;
use crate::reader;
use crate::scope::UseAfterFree;
use crate::value::{Gene, PropMap, Range, Value};
use crate::vm::{Frame, Handler, Location, Step, Thrown, Uncaught, UncaughtKind, Vm};

enum Exit {
    Budget,
    Done(Value),
}

fn fatal(message: String) -> Thrown {
    Thrown {
        value: Value::exception(&message),
        kind: UncaughtKind::Fatal,
        location: None,
    }
}

fn freed(e: UseAfterFree) -> Thrown {
    fatal(format!("VM fault: use of freed scope #{}", e.0))
}

impl Vm {
    pub(crate) fn run_slice(&mut self, budget: u64) -> Step {
        let limit_left = self
            .config
            .max_instructions
            .map(|m| m.saturating_sub(self.executed));
        let capped = limit_left.is_some_and(|l| l <= budget);
        let mut left = limit_left.map_or(budget, |l| budget.min(l));
        loop {
            let before = left;
            let r = self.exec(&mut left);
            self.executed += before - left;
            match r {
                Ok(Exit::Budget) if capped => {
                    let limit = self.config.max_instructions.unwrap_or_default();
                    let t = fatal(format!("instruction limit of {limit} exceeded"));
                    let u = self.uncaught(t);
                    return self.finish(Err(u));
                }
                Ok(Exit::Budget) => return Step::Yielded,
                Ok(Exit::Done(v)) => return self.finish(Ok(v)),
                Err(t) => {
                    if let Err(u) = self.unwind(t) {
                        return self.finish(Err(u));
                    }
                }
            }
        }
    }

    fn finish(&mut self, r: Result<Value, Uncaught>) -> Step {
        // Unwind whatever is left so every scope the run holds is released.
        while let Some(f) = self.frames.pop() {
            self.release_frame_scopes(&f);
        }
        self.handlers.clear();
        self.stack.clear();
        self.scopes.drain_pending();
        self.result = Some(r.clone());
        Step::Finished(r)
    }

    fn uncaught(&self, t: Thrown) -> Uncaught {
        Uncaught {
            location: t.location.or_else(|| self.location()),
            value: t.value,
            kind: t.kind,
        }
    }

    /// Sends a thrown value to the innermost handler, unwinding frames and
    /// scopes down to it; without one, the run ends.
    fn unwind(&mut self, t: Thrown) -> Result<(), Uncaught> {
        let catchable = t.kind != UncaughtKind::Fatal;
        let Some(h) = self.handlers.pop().filter(|_| catchable) else {
            return Err(self.uncaught(t));
        };
        let location = t.location.or_else(|| self.location());
        while self.frames.len() > h.frame + 1 {
            let f = self.frames.pop().expect("frame");
            self.release_frame_scopes(&f);
        }
        let f = self.frames.last_mut().expect("handler frame");
        let mut s = f.scope;
        f.scope = h.scope;
        f.ns = h.ns;
        f.pc = h.pc;
        while s != h.scope {
            let parent = self.scopes.entry(s).parent;
            self.scopes.release(s);
            s = parent;
        }
        self.scopes.drain_pending();
        self.stack.truncate(h.stack);
        self.stack.push(t.value);
        self.caught_at = location;
        Ok(())
    }

    pub(crate) fn release_frame_scopes(&mut self, f: &Frame) {
        let mut s = f.scope;
        while s != f.entry_scope {
            let parent = self.scopes.entry(s).parent;
            self.scopes.release(s);
            s = parent;
        }
    }

    fn exec(&mut self, left: &mut u64) -> Result<Exit, Thrown> {
        // The budget lives in a register; every exit writes it back.
        let mut fuel = *left;
        // One pass of this loop per frame activation, so that the inner loop
        // can hold the code as a plain slice.
        'frames: loop {
            let frame = self.frames.last().expect("a frame to run");
            let code = frame.code.clone();
            let ops: &[Op] = &code.ops;
            let mut pc = frame.pc;
            let base = frame.base;

            macro_rules! save_pc {
                () => {{
                    *left = fuel;
                    self.frames.last_mut().expect("frame").pc = pc
                }};
            }
            macro_rules! throw {
                ($t:expr) => {{
                    save_pc!();
                    return Err($t);
                }};
            }
            macro_rules! tri {
                ($r:expr) => {
                    match $r {
                        Ok(v) => v,
                        Err(e) => throw!(Thrown::error(e)),
                    }
                };
            }
            // The top frame changed: continue in it.
            macro_rules! reload {
                () => {
                    continue 'frames
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

            macro_rules! int_or {
                ($slot:expr, $k:expr, $f:expr) => {{
                    match &*$slot {
                        Value::Int(x) if x.checked_add($k as i64).is_some() => {
                            Value::Int(*x + $k as i64)
                        }
                        other => tri!($f(other, &Value::Int($k as i64))),
                    }
                }};
            }

            loop {
                if fuel == 0 {
                    save_pc!();
                    return Ok(Exit::Budget);
                }
                fuel -= 1;
                let op = ops[pc];
                pc += 1;
                match op {
                    Op::Const(k) => self.stack.push(code.consts[k as usize].clone()),
                    Op::Int(i) => self.stack.push(Value::Int(i as i64)),
                    Op::Nil => self.stack.push(Value::Nil),
                    Op::True => self.stack.push(Value::Bool(true)),
                    Op::False => self.stack.push(Value::Bool(false)),
                    Op::Pop => {
                        self.stack.pop();
                    }
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
                    Op::LoadReg(r) => {
                        let v = self.stack[base + r as usize].clone();
                        self.stack.push(v);
                    }
                    Op::StoreReg(r) => {
                        let v = top!().clone();
                        self.stack[base + r as usize] = v;
                    }
                    Op::LoadScope(hops, slot) => {
                        let scope = self.frames.last().expect("frame").scope;
                        let id = match self.scopes.up(scope, hops) {
                            Ok(id) => id,
                            Err(e) => throw!(freed(e)),
                        };
                        let v = self.scopes.get(id, slot);
                        self.stack.push(v);
                    }
                    Op::StoreScope(hops, slot) => {
                        let scope = self.frames.last().expect("frame").scope;
                        let id = match self.scopes.up(scope, hops) {
                            Ok(id) => id,
                            Err(e) => throw!(freed(e)),
                        };
                        let v = top!().clone();
                        self.scopes.set(id, slot, v);
                    }
                    Op::ScopeStart => {
                        let f = self.frames.last_mut().expect("frame");
                        f.scope = self.scopes.alloc(f.scope, Vec::new());
                    }
                    Op::ScopeEnd => {
                        let f = self.frames.last_mut().expect("frame");
                        let s = f.scope;
                        f.scope = self.scopes.entry(s).parent;
                        self.scopes.release(s);
                        self.scopes.drain_pending();
                    }
                    Op::LoadName(slot) => {
                        let v = self.load_name(slot);
                        self.stack.push(v);
                    }
                    Op::LoadCallee(slot, t) => {
                        let v = self.load_name(slot);
                        if !matches!(v, Value::Function(_) | Value::Native(_)) {
                            pc = t as usize;
                        }
                        self.stack.push(v);
                    }
                    Op::SetReg(r) => {
                        let v = pop!();
                        self.stack[base + r as usize] = v;
                    }
                    Op::SetScope(hops, slot) => {
                        let scope = self.frames.last().expect("frame").scope;
                        let id = match self.scopes.up(scope, hops) {
                            Ok(id) => id,
                            Err(e) => throw!(freed(e)),
                        };
                        let v = pop!();
                        self.scopes.set(id, slot, v);
                    }
                    Op::AddInt(k) => {
                        let a = self.stack.last_mut().expect("operand");
                        let r = int_or!(a, k, ops::add);
                        *self.stack.last_mut().expect("operand") = r;
                    }
                    Op::RegAddInt(r, k) => {
                        let v = int_or!(&self.stack[base + r as usize], k, ops::add);
                        self.stack.push(v);
                    }
                    Op::IncRegBy(r, k) => {
                        let v = int_or!(&self.stack[base + r as usize], k, ops::add);
                        self.stack[base + r as usize] = v;
                    }
                    Op::AddReg(r) => {
                        let b = &self.stack[base + r as usize];
                        let a = &self.stack[self.stack.len() - 1];
                        let v = match (a, b) {
                            (Value::Int(x), Value::Int(y)) if x.checked_add(*y).is_some() => {
                                Value::Int(x + y)
                            }
                            _ => tri!(ops::add(a, b)),
                        };
                        *self.stack.last_mut().expect("operand") = v;
                    }
                    Op::CmpInt(c, k) => {
                        let a = pop!();
                        let r = tri!(ops::cmp_int(c, &a, k));
                        self.stack.push(Value::Bool(r));
                    }
                    Op::RegCmpInt(r, c, k) => {
                        let v = tri!(ops::cmp_int(c, &self.stack[base + r as usize], k));
                        self.stack.push(Value::Bool(v));
                    }
                    Op::JumpUnless(c, t) => {
                        let b = pop!();
                        let a = pop!();
                        if !tri!(ops::cmp(c, &a, &b)) {
                            pc = t as usize;
                        }
                    }
                    Op::JumpUnlessInt(c, k, t) => {
                        let a = pop!();
                        if !tri!(ops::cmp_int(c, &a, k)) {
                            pc = t as usize;
                        }
                    }
                    Op::JumpUnlessRegInt(r, c, k, t) => {
                        if !tri!(ops::cmp_int(c, &self.stack[base + r as usize], k)) {
                            pc = t as usize;
                        }
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
                    Op::Jump(t) => pc = t as usize,
                    Op::JumpIfFalse(t) => {
                        if !pop!().is_truthy() {
                            pc = t as usize;
                        }
                    }
                    Op::JumpIfTrue(t) => {
                        if pop!().is_truthy() {
                            pc = t as usize;
                        }
                    }
                    Op::ForNext(r, exit) => {
                        let (c, i) = (base + r as usize, base + r as usize + 1);
                        let Value::Int(idx) = self.stack[i] else {
                            throw!(fatal("VM fault: loop index is not an integer".into()));
                        };
                        match tri!(members::nth_item(&self.stack[c], idx)) {
                            Some(v) => {
                                self.stack[i] = Value::Int(idx + 1);
                                self.stack.push(v);
                            }
                            None => pc = exit as usize,
                        }
                    }
                    Op::IncReg(r) => {
                        let slot = &mut self.stack[base + r as usize];
                        if let Value::Int(i) = slot {
                            *i += 1;
                        }
                    }
                    Op::JumpIfGe(a, b, t) => {
                        let (x, y) = (
                            &self.stack[base + a as usize],
                            &self.stack[base + b as usize],
                        );
                        let done = match (x, y) {
                            (Value::Int(x), Value::Int(y)) => x >= y,
                            _ => {
                                let ord = tri!(ops::compare("repeat", x, y).map_err(|_| {
                                    Value::exception(&format!(
                                        "repeat count must be a number, got {}",
                                        y.kind_name()
                                    ))
                                }));
                                ord.is_ge()
                            }
                        };
                        if done {
                            pc = t as usize;
                        }
                    }
                    Op::Add => {
                        let b = pop!();
                        let a = self.stack.last_mut().expect("operand");
                        match (&*a, &b) {
                            (Value::Int(x), Value::Int(y)) if x.checked_add(*y).is_some() => {
                                *a = Value::Int(x + y);
                            }
                            _ => {
                                let r = tri!(ops::add(a, &b));
                                *self.stack.last_mut().expect("operand") = r;
                            }
                        }
                    }
                    Op::Sub => {
                        let b = pop!();
                        let a = self.stack.last_mut().expect("operand");
                        match (&*a, &b) {
                            (Value::Int(x), Value::Int(y)) if x.checked_sub(*y).is_some() => {
                                *a = Value::Int(x - y);
                            }
                            _ => {
                                let r = tri!(ops::sub(a, &b));
                                *self.stack.last_mut().expect("operand") = r;
                            }
                        }
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
                    Op::Lt => {
                        let b = pop!();
                        let a = self.stack.last_mut().expect("operand");
                        if let (Value::Int(x), Value::Int(y)) = (&*a, &b) {
                            *a = Value::Bool(x < y);
                        } else {
                            let ord = tri!(ops::compare("<", a, &b));
                            *self.stack.last_mut().expect("operand") = Value::Bool(ord.is_lt());
                        }
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
                        let items = self.stack.split_off(self.stack.len() - n as usize);
                        self.stack.push(Value::array(items));
                    }
                    Op::ArrayPush => {
                        let v = pop!();
                        if let Value::Array(a) = top!() {
                            a.borrow_mut().push(v);
                        }
                    }
                    Op::ArrayExtend => {
                        let v = pop!();
                        let items = tri!(members::items(&v));
                        if let Value::Array(a) = top!() {
                            a.borrow_mut().extend(items);
                        }
                    }
                    Op::MakeMap(k) => {
                        let Value::Array(keys) = &code.consts[k as usize] else {
                            throw!(fatal("VM fault: bad map shape".into()));
                        };
                        let keys = keys.borrow();
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
                        if let Value::Namespace(ns) = &target {
                            self.ns_set(ns, name, v.clone());
                        } else {
                            tri!(members::set_member(&target, name, v.clone()));
                        }
                        self.stack.push(v);
                    }
                    Op::SetChild(i) => {
                        let v = pop!();
                        let target = pop!();
                        tri!(members::set_child(&target, i as i64, v.clone()));
                        self.stack.push(v);
                    }
                    Op::CallMethod(name, argc) => {
                        let args = self.stack.split_off(self.stack.len() - argc as usize);
                        let target = pop!();
                        save_pc!();
                        let r = tri!(members::call_method(self, &target, name, &args));
                        self.stack.push(r);
                    }
                    Op::MakeClosure(idx) => {
                        let f = self.frames.last().expect("frame");
                        let (scope, ns) = (f.scope, f.ns.clone());
                        let closure = Closure {
                            proto: code.protos[idx as usize].clone(),
                            scope: self.scopes.capture(scope),
                            ns,
                        };
                        self.stack.push(Value::Function(Rc::new(closure)));
                    }
                    Op::JumpIfNotCallable(t) => {
                        if !matches!(top!(), Value::Function(_) | Value::Native(_)) {
                            pc = t as usize;
                        }
                    }
                    Op::Call(argc) => {
                        save_pc!();
                        let callee = self.stack.len() - argc as usize - 1;
                        if tri!(self.call(callee, None)) {
                            reload!();
                        }
                    }
                    Op::TailCall(argc) => {
                        save_pc!();
                        let callee = self.stack.len() - argc as usize - 1;
                        if matches!(self.stack[callee], Value::Function(_)) {
                            // Replace this frame: move callee and arguments down.
                            let f = self.frames.pop().expect("frame");
                            self.release_frame_scopes(&f);
                            let n = self.frames.len();
                            while self.handlers.last().is_some_and(|h| h.frame >= n) {
                                self.handlers.pop();
                            }
                            self.stack.drain(f.ret..callee);
                            match self.call(f.ret, None) {
                                Ok(_) => {}
                                Err(e) => {
                                    *left = fuel;
                                    // The frame is gone; report at the caller's call.
                                    return Err(Thrown {
                                        value: e,
                                        kind: UncaughtKind::Error,
                                        location: Some(Location {
                                            source: code.source.clone().expect("source"),
                                            span: code.span_at(pc - 1),
                                        }),
                                    });
                                }
                            }
                            reload!();
                        } else if tri!(self.call(callee, None)) {
                            reload!();
                        }
                    }
                    Op::CallArgs => {
                        save_pc!();
                        let args = pop!();
                        let items = tri!(members::items(&args));
                        let callee = self.stack.len() - 1;
                        self.stack.extend(items);
                        if tri!(self.call(callee, None)) {
                            reload!();
                        }
                    }
                    Op::CallNamed(argc) => {
                        save_pc!();
                        let at = self.stack.len() - argc as usize - 1;
                        let named = match self.stack.remove(at) {
                            Value::Map(m) => m.borrow().clone(),
                            _ => PropMap::default(),
                        };
                        let callee = self.stack.len() - argc as usize - 1;
                        if tri!(self.call(callee, Some(named))) {
                            reload!();
                        }
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
                    Op::Return => {
                        let v = pop!();
                        let f = self.frames.pop().expect("frame");
                        self.release_frame_scopes(&f);
                        self.scopes.drain_pending();
                        let n = self.frames.len();
                        while self.handlers.last().is_some_and(|h| h.frame >= n) {
                            self.handlers.pop();
                        }
                        self.stack.truncate(f.ret);
                        if self.frames.is_empty() {
                            *left = fuel;
                            return Ok(Exit::Done(v));
                        }
                        self.stack.push(v);
                        reload!();
                    }
                    Op::TryStart(t) => {
                        let f = self.frames.last().expect("frame");
                        self.handlers.push(Handler {
                            frame: self.frames.len() - 1,
                            stack: self.stack.len(),
                            scope: f.scope,
                            ns: f.ns.clone(),
                            pc: t as usize,
                        });
                    }
                    Op::TryEnd => {
                        self.handlers.pop();
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
                        let kind = if matches!(v, Value::Exception(_)) {
                            UncaughtKind::Error
                        } else {
                            UncaughtKind::Thrown
                        };
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
                        if let Value::Symbol(name) = v {
                            if let Some(found) =
                                tri!(self.lexical(&code.consts[k as usize], name, base))
                            {
                                self.stack.push(found);
                                continue;
                            }
                        }
                        match v {
                            Value::Symbol(_)
                            | Value::Complex(_)
                            | Value::Gene(_)
                            | Value::Array(_)
                            | Value::Map(_) => {
                                save_pc!();
                                if self.frames.len() >= self.config.max_depth {
                                    throw!(Thrown::error(stack_overflow(self.config.max_depth)));
                                }
                                let source = code.source.clone().expect("source");
                                let unit =
                                    crate::compiler::compile_unit(&mut self.names, source, &[v]);
                                let ns = self.frames.last().expect("frame").ns.clone();
                                self.push_unit(unit, ns);
                                reload!();
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
                        let r = tri!(reader::read_first(text).map_err(|e| Value::exception(
                            &format!("$parse: {} at {}:{}", e.message, e.span.line, e.span.col)
                        )));
                        self.stack.push(r.unwrap_or(Value::Nil));
                    }
                }
            }
        }
    }

    /// Calls the callable at stack index `callee` with the arguments above
    /// it. A Gene function gets a new frame (returns true); a built-in runs
    /// at once and leaves its result in the callee's place.
    fn call(&mut self, callee: usize, named: Option<PropMap>) -> Result<bool, Value> {
        match &self.stack[callee] {
            Value::Function(c) => {
                let c = c.clone();
                if self.frames.len() >= self.config.max_depth {
                    return Err(stack_overflow(self.config.max_depth));
                }
                let proto = &c.proto;
                let base = callee + 1;
                if proto.simple && named.is_none() {
                    self.stack.resize(base + proto.params.len(), Value::Nil);
                } else {
                    self.bind_args(&c, base, named.unwrap_or_default());
                }
                let entry_scope = c.scope_id();
                if entry_scope != crate::scope::NO_SCOPE {
                    self.scopes.check(entry_scope).map_err(|e| {
                        Value::exception(&format!("VM fault: use of freed scope #{}", e.0))
                    })?;
                }
                let scope = if proto.body_scope {
                    let vars = self.stack.split_off(base);
                    self.scopes.alloc(entry_scope, vars)
                } else {
                    entry_scope
                };
                self.stack
                    .resize(base + proto.code.nregs as usize, Value::Nil);
                self.frames.push(Frame {
                    code: proto.code.clone(),
                    pc: 0,
                    base,
                    ret: callee,
                    entry_scope,
                    scope,
                    ns: c.ns.clone(),
                });
                Ok(true)
            }
            Value::Native(n) => {
                let f = n.f;
                let args = self.stack.split_off(callee + 1);
                self.stack.pop();
                let r = f(self, &args)?;
                self.stack.push(r);
                Ok(false)
            }
            other => Err(Value::exception(&format!(
                "{} is not callable",
                other.kind_name()
            ))),
        }
    }

    /// A namespace lookup through its inline cache.
    #[inline]
    fn load_name(&mut self, slot: u32) -> Value {
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
    fn lexical(
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
    fn bind_args(&mut self, c: &Closure, base: usize, named: PropMap) {
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

fn stack_overflow(limit: usize) -> Value {
    Value::exception(&format!("stack overflow: more than {limit} nested calls"))
}

fn make_range(start: &Value, end: &Value, step: &Value) -> Result<Value, Value> {
    match (start, end, step) {
        (Value::Int(start), Value::Int(end), Value::Int(step)) => {
            if *step == 0 {
                return Err(Value::exception("a range step cannot be 0"));
            }
            Ok(Value::Range(Rc::new(Range {
                start: *start,
                end: *end,
                step: *step,
            })))
        }
        _ => Err(Value::exception(&format!(
            "a range needs integers, got {} .. {}",
            start.kind_name(),
            end.kind_name()
        ))),
    }
}

fn fold(f: FoldOp, args: &[Value]) -> Result<Value, Value> {
    let (op, unit): (fn(&Value, &Value) -> Result<Value, Value>, Value) = match f {
        FoldOp::Add => (ops::add, Value::Int(0)),
        FoldOp::Sub => (ops::sub, Value::Int(0)),
        FoldOp::Mul => (ops::mul, Value::Int(1)),
        FoldOp::Div => (ops::div, Value::Int(1)),
    };
    match args {
        [] => Ok(unit),
        [x] if f == FoldOp::Div => ops::div(&Value::Int(1), x),
        [x] => op(&unit, x).and(Ok(x.clone())),
        [first, rest @ ..] => rest.iter().try_fold(first.clone(), |acc, x| op(&acc, x)),
    }
}
