//! The interpreter loop. Stackless: Gene calls push a `Frame` and continue in
//! the same loop, so execution can stop after any instruction and resume.

mod call;
mod cold;
mod elements;

use std::rc::Rc;

use crate::bytecode::{FoldOp, Op};
use crate::events::{At, ThrowSite, event};
use crate::function::Closure;
use crate::members;
use crate::ops;
use crate::scope::UseAfterFree;
use crate::statehash::Site;
use crate::value::{Range, Value};
use crate::vm::{Frame, Location, Thrown, Uncaught, UncaughtKind, Vm};

/// What a cold instruction asks of the main loop.
enum Flow {
    Next,
    /// The top frame (or the running task) changed.
    Reload,
    /// The task waits (`await` on a pending future); its pc is saved.
    Suspend,
    /// A blocking operation was started.
    Block,
    /// Reactions to a resolution go first.
    React,
}

/// Why `exec` returned.
pub(crate) enum Exit {
    /// The budget is spent.
    Budget,
    /// The task's bottom frame returned this value.
    Done(Value),
    /// The task waits on a future.
    Suspended,
    /// The task waits on a blocking operation.
    Blocked,
    /// The task lets the reactions of a resolution it made run first.
    Reacting,
}

/// What a call did.
pub(crate) enum Called {
    /// A Gene frame was pushed.
    Frame,
    /// A built-in ran; its result is on the stack.
    Value,
    /// Another task is now running (it was started at once).
    Switched,
    /// A built-in started a blocking operation.
    Blocked,
    /// A built-in resolved a future whose reactions run now.
    Reacting,
}

pub(super) fn fatal(message: String) -> Thrown {
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
    pub(crate) fn uncaught(&self, t: Thrown) -> Uncaught {
        Uncaught {
            location: t.location.or_else(|| self.location()),
            value: t.value,
            kind: t.kind,
            notes: Vec::new(),
        }
    }

    /// Sends a thrown value to the innermost handler, unwinding frames and
    /// scopes down to it; without one, the run ends.
    pub(crate) fn unwind(&mut self, t: Thrown) -> Result<(), Uncaught> {
        let catchable = t.kind != UncaughtKind::Fatal;
        let handled = catchable && self.handlers.iter().any(|h| h.ex.is_none());
        event!(
            "gene::exception",
            "exception.thrown",
            task = self.active.last().copied().unwrap_or(0),
            value = crate::sink::Arg::Quoted(&t.value),
            handled,
            at = ThrowSite(self, t.location.as_ref()),
            backtrace = %if handled { String::new() } else { crate::events::Backtrace(self).to_string() }
        );
        // Catch markers on the way are dropped: their handlers are left.
        while self.handlers.last().is_some_and(|h| h.ex.is_some()) {
            self.handlers.pop();
        }
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

    pub(crate) fn exec(&mut self, left: &mut u64) -> Result<Exit, Thrown> {
        // The budget lives in a register; every exit writes it back.
        let mut fuel = *left;
        // One pass of this loop per frame activation, so that the inner loop
        // can hold the code as a plain slice.
        'frames: loop {
            let frame = self.frames.last().expect("a frame to run");
            let code = frame.code.clone();
            let ops: &[Op] = &code.ops;
            let mut pc = frame.pc;
            let mut base = frame.base;

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
            // The top frame changed: continue in it, without touching the
            // code's count when it runs the same code (recursion).
            macro_rules! reload {
                () => {{
                    let f = self.frames.last().expect("frame");
                    if Rc::ptr_eq(&f.code, &code) {
                        pc = f.pc;
                        base = f.base;
                        continue;
                    }
                    continue 'frames;
                }};
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
                let op = &ops[pc];
                pc += 1;
                match *op {
                    Op::Const(k) => self.stack.push(code.consts[k as usize].clone()),
                    Op::Int(i) => self.stack.push(Value::Int(i as i64)),
                    Op::Nil => self.stack.push(Value::Nil),
                    Op::True => self.stack.push(Value::Bool(true)),
                    Op::False => self.stack.push(Value::Bool(false)),
                    Op::Pop => {
                        pop!().discard();
                    }
                    Op::LoadReg(r) => {
                        let v = self.stack[base + r as usize].clone();
                        self.stack.push(v);
                    }
                    Op::StoreReg(r) => {
                        let v = top!().clone();
                        #[cfg(feature = "mutations")]
                        let v = self.hidden_write(v);
                        if self.state.on {
                            self.state.write(Site::Register, r as u64, &v);
                        }
                        Value::put(&mut self.stack[base + r as usize], v);
                    }
                    Op::LoadScope(hops, slot) => {
                        let scope = self.frames.last().expect("frame").scope;
                        let id = match self.scopes.up(scope, hops) {
                            Ok(id) => id,
                            Err(e) => throw!(freed(e)),
                        };
                        let v = self.scopes.get(id, slot);
                        if self.watch_reads {
                            self.note_read(id, slot, &v, &code, pc - 1);
                        }
                        self.stack.push(v);
                    }
                    Op::StoreScope(hops, slot) => {
                        let scope = self.frames.last().expect("frame").scope;
                        let id = match self.scopes.up(scope, hops) {
                            Ok(id) => id,
                            Err(e) => throw!(freed(e)),
                        };
                        let v = top!().clone();
                        if self.state.on {
                            self.state.write(Site::Scope, slot as u64, &v);
                        }
                        self.note_write(id, &v, &code, pc - 1);
                        if self.footprint.is_some() {
                            let serial = self.scopes.entry(id).serial;
                            self.touch_write(crate::footprint::Resource::Var(serial, slot));
                        }
                        self.scopes.set(id, slot, v);
                    }
                    Op::ScopeStart => {
                        let f = self.frames.last_mut().expect("frame");
                        f.scope = self
                            .scopes
                            .alloc(f.scope, Vec::new(), At(&code, pc - 1).into());
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
                        #[cfg(feature = "mutations")]
                        let v = self.hidden_write(v);
                        if self.state.on {
                            self.state.write(Site::Register, r as u64, &v);
                        }
                        Value::put(&mut self.stack[base + r as usize], v);
                    }
                    Op::SetScope(hops, slot) => {
                        let scope = self.frames.last().expect("frame").scope;
                        let id = match self.scopes.up(scope, hops) {
                            Ok(id) => id,
                            Err(e) => throw!(freed(e)),
                        };
                        let v = pop!();
                        if self.state.on {
                            self.state.write(Site::Scope, slot as u64, &v);
                        }
                        self.note_write(id, &v, &code, pc - 1);
                        if self.footprint.is_some() {
                            let serial = self.scopes.entry(id).serial;
                            self.touch_write(crate::footprint::Resource::Var(serial, slot));
                        }
                        self.scopes.set(id, slot, v);
                    }
                    Op::AddInt(k) => {
                        let a = self.stack.last_mut().expect("operand");
                        if let Value::Int(x) = a
                            && let Some(n) = x.checked_add(k as i64)
                        {
                            *x = n;
                            continue;
                        }
                        let r = int_or!(a, k, ops::add);
                        Value::put(self.stack.last_mut().expect("operand"), r);
                    }
                    Op::RegAddInt(r, k) => {
                        let v = int_or!(&self.stack[base + r as usize], k, ops::add);
                        self.stack.push(v);
                    }
                    Op::IncRegBy(r, k) => {
                        // An integer register is updated in place.
                        if let Value::Int(x) = &mut self.stack[base + r as usize]
                            && let Some(n) = x.checked_add(k as i64)
                        {
                            *x = n;
                            if self.state.on {
                                self.state.write(Site::Register, r as u64, &Value::Int(n));
                            }
                            continue;
                        }
                        let v = int_or!(&self.stack[base + r as usize], k, ops::add);
                        if self.state.on {
                            self.state.write(Site::Register, r as u64, &v);
                        }
                        Value::put(&mut self.stack[base + r as usize], v);
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
                        Value::put(self.stack.last_mut().expect("operand"), v);
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
                        a.discard();
                        b.discard();
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
                    Op::Jump(t) => pc = t as usize,
                    Op::JumpIfRegInt(r, c, k, t) => {
                        match ops::cmp_int(c, &self.stack[base + r as usize], k) {
                            Ok(true) => pc = t as usize,
                            Ok(false) => {}
                            // Reported where the condition is written: the
                            // instruction before the body.
                            Err(e) => {
                                pc = t as usize;
                                throw!(Thrown::error(e));
                            }
                        }
                    }
                    Op::RegAddReg(a, b) => {
                        let (x, y) = (
                            &self.stack[base + a as usize],
                            &self.stack[base + b as usize],
                        );
                        let v = match (x, y) {
                            (Value::Int(x), Value::Int(y)) if x.checked_add(*y).is_some() => {
                                Value::Int(x + y)
                            }
                            _ => tri!(ops::add(x, y)),
                        };
                        self.stack.push(v);
                    }
                    Op::IncRegByReg(a, b) => {
                        // Integers are added in place (the deliberate bug
                        // `HiddenWrite` takes the general path).
                        if !cfg!(feature = "mutations")
                            && let Value::Int(y) = self.stack[base + b as usize]
                            && let Value::Int(x) = &mut self.stack[base + a as usize]
                            && let Some(n) = x.checked_add(y)
                        {
                            *x = n;
                            if self.state.on {
                                self.state.write(Site::Register, a as u64, &Value::Int(n));
                            }
                            continue;
                        }
                        // Not two integers, or an overflow: the general rule.
                        let v = tri!(ops::add(
                            &self.stack[base + a as usize],
                            &self.stack[base + b as usize]
                        ));
                        #[cfg(feature = "mutations")]
                        let v = self.hidden_write(v);
                        if self.state.on {
                            self.state.write(Site::Register, a as u64, &v);
                        }
                        Value::put(&mut self.stack[base + a as usize], v);
                    }
                    Op::RegGetChild(r, i) => {
                        let v = tri!(elements::get_child(&self.stack[base + r as usize], i));
                        self.stack.push(v);
                    }
                    Op::RegGetMember(r, name) => {
                        let v = tri!(elements::get_member(&self.stack[base + r as usize], name));
                        self.stack.push(v);
                    }
                    Op::DupGetMember(name) => {
                        let v = tri!(elements::get_member(top!(), name));
                        self.stack.push(v);
                    }
                    Op::SetRegChildPop(r, i) => {
                        let v = pop!();
                        // The target stays in its register: no `Rc` traffic.
                        let target = &self.stack[base + r as usize];
                        if let Some(v) = elements::set_element_inline(self.state.on, target, i, v) {
                            let target = &self.stack[base + r as usize];
                            tri!(elements::set_child(&mut self.state, target, i, v));
                        }
                    }
                    Op::SetRegMemberPop(r, name) => {
                        let v = pop!();
                        let target = &self.stack[base + r as usize];
                        if let Some(v) = elements::set_member_inline(self.state.on, target, name, v)
                        {
                            let target = self.stack[base + r as usize].clone();
                            tri!(self.set_member_value(&target, name, v));
                            target.discard();
                        }
                    }
                    Op::SetChildPop(i) => {
                        let v = pop!();
                        let target = pop!();
                        tri!(self.set_child_value(&target, i, v));
                        target.discard();
                    }
                    Op::SetMemberPop(name) => {
                        let v = pop!();
                        let target = pop!();
                        tri!(self.set_member_value(&target, name, v));
                        target.discard();
                    }
                    Op::JumpIfFalse(t) => {
                        let c = pop!();
                        let t_ = c.is_truthy();
                        c.discard();
                        if !t_ {
                            pc = t as usize;
                        }
                    }
                    Op::JumpIfTrue(t) => {
                        let c = pop!();
                        let t_ = c.is_truthy();
                        c.discard();
                        if t_ {
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
                                if self.state.on {
                                    self.state.write(Site::Register, r as u64, &v);
                                }
                                Value::put(&mut self.stack[i], Value::Int(idx + 1));
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
                        if self.state.on {
                            let v = self.stack[base + r as usize].clone();
                            self.state.write(Site::Register, r as u64, &v);
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
                        // In place: no replace-and-drop of the integer.
                        if let (Value::Int(x), Value::Int(y)) = (&mut *a, &b)
                            && let Some(r) = x.checked_add(*y)
                        {
                            *x = r;
                        } else {
                            let r = tri!(ops::add(a, &b));
                            Value::put(self.stack.last_mut().expect("operand"), r);
                        }
                        b.discard();
                    }
                    Op::Sub => {
                        let b = pop!();
                        let a = self.stack.last_mut().expect("operand");
                        if let (Value::Int(x), Value::Int(y)) = (&mut *a, &b)
                            && let Some(r) = x.checked_sub(*y)
                        {
                            *x = r;
                        } else {
                            let r = tri!(ops::sub(a, &b));
                            Value::put(self.stack.last_mut().expect("operand"), r);
                        }
                        b.discard();
                    }
                    Op::Lt => {
                        let b = pop!();
                        let a = self.stack.last_mut().expect("operand");
                        let r = match (&*a, &b) {
                            (Value::Int(x), Value::Int(y)) => x < y,
                            _ => tri!(ops::compare("<", a, &b)).is_lt(),
                        };
                        Value::put(self.stack.last_mut().expect("operand"), Value::Bool(r));
                        b.discard();
                    }
                    Op::MakeClosure(idx) => {
                        let f = self.frames.last().expect("frame");
                        let (scope, ns) = (f.scope, f.ns.clone());
                        #[cfg(feature = "mutations")]
                        if self.config.mutation == Some(crate::mutation::Mutation::MissingRetain) {
                            self.scopes.forget_next_capture();
                        }
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
                        // A plain Gene function, the usual callee, enters
                        // its frame without the dispatch on the callee.
                        if matches!(&self.stack[callee], Value::Function(c) if !c.proto.is_async) {
                            tri!(self.enter(callee, None));
                            reload!();
                        }
                        match tri!(self.call_plain(callee)) {
                            Called::Value => {}
                            Called::Frame | Called::Switched => reload!(),
                            Called::Blocked => return Ok(Exit::Blocked),
                            Called::Reacting => return Ok(Exit::Reacting),
                        }
                    }
                    Op::TailCall(argc) => {
                        save_pc!();
                        let callee = self.stack.len() - argc as usize - 1;
                        if matches!(&self.stack[callee], Value::Function(c) if !c.proto.is_async) {
                            // Replace this frame: move callee and arguments down.
                            let f = self.frames.pop().expect("frame");
                            self.release_frame_scopes(&f);
                            let n = self.frames.len();
                            while self.handlers.last().is_some_and(|h| h.frame >= n) {
                                self.handlers.pop();
                            }
                            self.stack.drain(f.ret..callee);
                            match self.call_plain(f.ret) {
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
                        } else {
                            match tri!(self.call_plain(callee)) {
                                Called::Value => {}
                                Called::Frame | Called::Switched => reload!(),
                                Called::Blocked => return Ok(Exit::Blocked),
                                Called::Reacting => return Ok(Exit::Reacting),
                            }
                        }
                    }
                    Op::Return => {
                        let v = pop!();
                        let f = self.frames.pop().expect("frame");
                        if f.scope != f.entry_scope {
                            self.release_frame_scopes(&f);
                        }
                        self.scopes.drain_pending();
                        let n = self.frames.len();
                        while self.handlers.last().is_some_and(|h| h.frame >= n) {
                            self.handlers.pop();
                        }
                        self.stack.truncate(f.ret);
                        if self.frames.is_empty() {
                            *left = fuel;
                            // The last instruction before the `Return`: the
                            // body's last expression.
                            self.ended_at = Some((f.code, pc.saturating_sub(2)));
                            return Ok(Exit::Done(v));
                        }
                        self.stack.push(v);
                        reload!();
                    }
                    other => {
                        save_pc!();
                        match self.cold(other, &code, base) {
                            Ok(Flow::Next) => {}
                            Ok(Flow::Reload) => reload!(),
                            Ok(Flow::Suspend) => return Ok(Exit::Suspended),
                            Ok(Flow::Block) => return Ok(Exit::Blocked),
                            Ok(Flow::React) => return Ok(Exit::Reacting),
                            Err(t) => return Err(t),
                        }
                    }
                }
            }
        }
    }
}

#[cfg(feature = "mutations")]
impl Vm {
    /// Mutation `HiddenWrite`.
    fn hidden_write(&self, v: Value) -> Value {
        match v {
            Value::Int(42)
                if self.odd_run
                    && self.config.mutation == Some(crate::mutation::Mutation::HiddenWrite) =>
            {
                Value::Int(43)
            }
            v => v,
        }
    }
}

pub(super) fn stack_overflow(limit: usize) -> Value {
    Value::exception(&format!("stack overflow: more than {limit} nested calls"))
}

pub(super) fn make_range(start: &Value, end: &Value, step: &Value) -> Result<Value, Value> {
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

pub(super) fn fold(f: FoldOp, args: &[Value]) -> Result<Value, Value> {
    type Binary = fn(&Value, &Value) -> Result<Value, Value>;
    let (op, unit): (Binary, Value) = match f {
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
