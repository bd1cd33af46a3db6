//! Special forms: the decision order of gene-language.md section 2.2, then
//! `var`, `if`, loops, functions, `try`, namespaces and friends.

use std::rc::Rc;

use super::unsupported::{UNSUPPORTED_FORMS, unsupported_builtin};
use super::{Compiler, Kind, LoopCtx, Unwind, scan};
use crate::bytecode::Op;
use crate::symbol::{Sym, sym};
use crate::value::{Gene, Value};

pub(super) fn is_sym(v: Option<&Value>, s: Sym) -> bool {
    match v {
        Some(Value::Symbol(x)) => *x == s,
        // The reader splits `./` like a path: [".", ""].
        Some(Value::Complex(parts)) if s == sym::SELECTOR => {
            parts.len() == 2 && parts[0] == sym::DOT && parts[1].with_name(str::is_empty)
        }
        _ => false,
    }
}

const INFIX: [Sym; 12] = [
    sym::PLUS,
    sym::MINUS,
    sym::MUL,
    sym::DIV,
    sym::MOD,
    sym::POW,
    sym::LT,
    sym::LE,
    sym::GT,
    sym::GE,
    sym::EQ,
    sym::NE,
];

/// Heads that keep an operator child from being read as infix.
const NOT_INFIX_HEADS: [Sym; 14] = [
    sym::VAR,
    sym::IF,
    sym::FN,
    sym::FNX,
    sym::FNXX,
    sym::MACRO,
    sym::DO,
    sym::LOOP,
    sym::WHILE,
    sym::FOR,
    sym::NS,
    sym::CLASS,
    sym::TRY,
    sym::THROW,
];

impl Compiler<'_> {
    pub(super) fn gene(&mut self, g: &Gene, tail: bool) {
        let ch = &g.children;
        let head_sym = match &g.head {
            Value::Symbol(s) => Some(*s),
            _ => None,
        };
        // 1. selectors
        if is_sym(Some(&g.head), sym::SELECTOR) {
            return self.selector(ch);
        }
        if is_sym(ch.first(), sym::SELECTOR) {
            let mut args = vec![g.head.clone()];
            args.extend(ch[1..].iter().cloned());
            return self.selector(&args);
        }
        // 2. ranges
        if ch.len() == 2 && is_sym(ch.first(), sym::DOTDOT) {
            self.expr(&g.head, false);
            self.f().temps += 1;
            self.expr(&ch[1], false);
            self.f().temps -= 1;
            self.emit(Op::Int(1));
            self.emit(Op::MakeRange);
            return;
        }
        // 3. `(-1)`
        if ch.is_empty() && g.props.is_empty() && matches!(g.head, Value::Int(_) | Value::Float(_))
        {
            return self.expr(&g.head, false);
        }
        // 4. quote and literal gene constructors
        if head_sym == Some(sym::QUOTE) {
            let v = ch.first().cloned().unwrap_or(Value::Nil);
            let k = self.constant(v);
            self.emit(Op::Const(k));
            return;
        }
        if head_sym == Some(sym::UNDERSCORE) {
            return self.literal_gene(Value::Symbol(sym::UNDERSCORE), g);
        }
        if let Value::Gene(h) = &g.head {
            let h = h.borrow();
            if matches!(h.head, Value::Symbol(s) if s == sym::QUOTE) {
                let ty = h.children.first().cloned().unwrap_or(Value::Nil);
                drop(h);
                return self.literal_gene(ty, g);
            }
        }
        // 5. infix
        if let Some(Value::Symbol(op)) = ch.first()
            && INFIX.contains(op)
            && !head_sym.is_some_and(|h| NOT_INFIX_HEADS.contains(&h))
            // `(import * from "m")` is upstream's import, not a product.
            && !head_sym.is_some_and(|h| h.with_name(|n| UNSUPPORTED_FORMS.contains(&n)))
        {
            let mut args = vec![g.head.clone()];
            args.extend(ch[1..].iter().cloned());
            return self.operator(*op, &args);
        }
        // 6. prefix operators
        if let Some(h) = head_sym
            && INFIX.contains(&h)
        {
            return self.operator(h, ch);
        }
        // 7. assignment, logic, blocks with parameters, method calls
        if let Some(Value::Symbol(s)) = ch.first() {
            match *s {
                sym::ASSIGN | sym::ADD_ASSIGN | sym::SUB_ASSIGN => {
                    return self.assign(&g.head, *s, &ch[1..]);
                }
                sym::AND | sym::OR => return self.logic(&g.head, ch),
                sym::ARROW => return self.closure_form(Some(&g.head), &ch[1..], true, false, None),
                _ => {}
            }
            let name = s.name();
            if let Some(m) = name
                .strip_prefix('.')
                .filter(|m| !m.is_empty() && !m.starts_with('.') && *m != "/")
            {
                return self.method_call(&g.head, Sym::new(m), &ch[1..]);
            }
        }
        // `(x/.m args...)` with arguments: the method call `(x .m args...)`.
        if let Value::Complex(parts) = &g.head
            && !ch.is_empty()
            && self.path_method_call(parts, ch)
        {
            return;
        }
        // 8. special forms
        if let Some(h) = head_sym {
            match h {
                sym::VAR => return self.var_form(ch),
                sym::IF => return self.if_form(ch, tail),
                sym::DO => return self.body(ch, tail),
                sym::LOOP => return self.loop_form(None, ch),
                sym::WHILE => {
                    let (cond, body) = ch
                        .split_first()
                        .map_or((Value::Nil, &[][..]), |(c, b)| (c.clone(), b));
                    return self.loop_form(Some(cond), body);
                }
                sym::REPEAT => return self.repeat_form(g),
                sym::FOR => return self.for_form(ch),
                sym::BREAK => return self.break_form(ch.first()),
                sym::CONTINUE => return self.continue_form(),
                sym::FN => return self.fn_form(g),
                sym::FNX => {
                    let (params, body) = ch
                        .split_first()
                        .map_or((None, &[][..]), |(p, b)| (Some(p), b));
                    return match params {
                        Some(p) => self.closure_form(Some(p), body, false, false, None),
                        None => self.fail("fnx needs an argument list"),
                    };
                }
                sym::FNXX => return self.closure_form(None, ch, false, false, None),
                sym::ARROW => return self.closure_form(None, ch, true, false, None),
                sym::RETURN => return self.return_form(ch.first()),
                sym::TRY => return self.try_form(ch),
                sym::THROW => {
                    match ch.first() {
                        Some(v) => self.expr(v, false),
                        None => {
                            self.emit(Op::Nil);
                        }
                    }
                    self.emit(Op::Throw);
                    return;
                }
                sym::NS => return self.ns_form(ch),
                sym::VOID => {
                    for c in ch {
                        self.expr(c, false);
                        self.emit(Op::Pop);
                    }
                    self.emit(Op::Nil);
                    return;
                }
                sym::EVAL => {
                    if ch.is_empty() {
                        self.emit(Op::Nil);
                    }
                    for (i, c) in ch.iter().enumerate() {
                        if i > 0 {
                            self.emit(Op::Pop);
                        }
                        self.expr(c, false);
                        let k = self.visible_vars();
                        self.emit(Op::Eval(k));
                    }
                    return;
                }
                sym::DOLLAR_PARSE => {
                    match ch.first() {
                        Some(v) => self.expr(v, false),
                        None => {
                            self.emit(Op::Nil);
                        }
                    }
                    self.emit(Op::Parse);
                    return;
                }
                sym::RANGE => {
                    for i in 0..3 {
                        match ch.get(i) {
                            Some(v) => self.expr(v, false),
                            None if i == 2 => {
                                self.emit(Op::Int(1));
                            }
                            None => {
                                self.emit(Op::Nil);
                            }
                        }
                        self.f().temps += 1;
                    }
                    self.f().temps -= 3;
                    self.emit(Op::MakeRange);
                    return;
                }
                sym::ASYNC => {
                    let [body] = ch.as_slice() else {
                        return self.fail("async takes exactly one expression");
                    };
                    let idx = self.function(
                        Rc::from("<async>"),
                        Vec::new(),
                        std::slice::from_ref(body),
                        false,
                        false,
                    );
                    self.emit(Op::MakeClosure(idx));
                    self.emit(Op::Async);
                    return;
                }
                sym::AWAIT => {
                    if ch.is_empty() {
                        return self.fail("await needs a future");
                    }
                    if let [f] = ch.as_slice() {
                        self.expr(f, false);
                        self.emit(Op::Await);
                        return;
                    }
                    // Every future first (so their operations run
                    // concurrently), then each awaited in order.
                    let regs: Vec<u32> = ch.iter().map(|_| self.alloc_reg()).collect();
                    for (c, &r) in ch.iter().zip(&regs) {
                        self.expr(c, false);
                        self.emit(Op::SetReg(r));
                    }
                    for &r in &regs {
                        self.emit(Op::LoadReg(r));
                        self.emit(Op::Await);
                        self.f().temps += 1;
                    }
                    self.f().temps -= regs.len() as u32;
                    self.f().next_reg -= regs.len() as u32;
                    self.emit(Op::MakeArray(regs.len() as u32));
                    return;
                }
                sym::DOLLAR_AWAIT_ALL => {
                    self.emit(Op::AwaitAll);
                    return;
                }
                sym::NEW => {
                    let Some((class, args)) = ch.split_first() else {
                        return self.fail("new needs a class");
                    };
                    self.expr(class, false);
                    self.f().temps += 1;
                    for a in args {
                        self.expr(a, false);
                        self.f().temps += 1;
                    }
                    self.f().temps -= 1 + args.len() as u32;
                    self.emit(Op::New(args.len() as u32));
                    return;
                }
                sym::SPREAD => {
                    return self.fail(if ch.len() == 1 {
                        "`(... x)` spreads only into an array or a call's arguments"
                    } else {
                        "`...` takes one form to spread"
                    });
                }
                _ if h.with_name(|n| UNSUPPORTED_FORMS.contains(&n)) => {
                    return self.fail(format!("`{h}` is not supported"));
                }
                _ => {}
            }
        }
        // 9. calls
        let lexical = head_sym.is_some_and(|h| self.resolve(h).is_some());
        if let Some((name, n)) = unsupported_builtin(&g.head).filter(|_| !lexical) {
            match &g.head {
                Value::Complex(parts) => self.path(parts, n),
                head => self.expr(head, false),
            }
            let defined = self.emit(Op::JumpIfTrue(0));
            self.fail(format!("`{name}` is not supported"));
            self.patch(defined);
        }
        self.call(g, tail);
    }

    fn selector(&mut self, args: &[Value]) {
        if args.len() < 2 || args.len() > 3 {
            return self.fail("a selector takes a target, a key and an optional default");
        }
        for a in args {
            self.expr(a, false);
            self.f().temps += 1;
        }
        if args.len() == 2 {
            self.emit(Op::Nil);
        }
        self.f().temps -= args.len() as u32;
        self.emit(Op::Select);
    }

    fn literal_gene(&mut self, ty: Value, g: &Gene) {
        let k = self.constant(ty);
        self.emit(Op::Const(k));
        self.f().temps += 1;
        let mut shape: Vec<Value> = g.props.keys().map(|k| Value::Symbol(*k)).collect();
        for v in g.props.values() {
            self.expr(v, false);
            self.f().temps += 1;
        }
        for c in &g.children {
            self.expr(c, false);
            self.f().temps += 1;
        }
        self.f().temps -= 1 + (g.props.len() + g.children.len()) as u32;
        shape.push(Value::Int(g.children.len() as i64));
        let k = self.constant(Value::array(shape));
        self.emit(Op::MakeGene(k));
    }

    fn var_form(&mut self, ch: &[Value]) {
        match ch.first() {
            Some(Value::Symbol(name)) => {
                match ch.get(1) {
                    Some(v) => self.expr(v, false),
                    None => {
                        self.emit(Op::Nil);
                    }
                }
                self.declare(*name);
            }
            Some(Value::Complex(parts)) if parts.len() == 2 && parts[0] == sym::DOLLAR_NS => {
                match ch.get(1) {
                    Some(v) => self.expr(v, false),
                    None => {
                        self.emit(Op::Nil);
                    }
                }
                self.emit(Op::DefineName(parts[1]));
            }
            _ => self.fail("var needs a variable name"),
        }
    }

    fn if_form(&mut self, ch: &[Value], tail: bool) {
        let is_kw = |v: &Value| matches!(v, Value::Symbol(s) if *s == sym::THEN || *s == sym::ELSE || *s == sym::ELIF);
        // Normalise into (negated, condition, then-forms) clauses plus else-forms.
        let mut clauses: Vec<(bool, Value, Vec<Value>)> = Vec::new();
        let mut else_forms: Option<Vec<Value>> = None;
        if ch.len() == 3 && !is_sym(ch.first(), sym::NOT) && !is_kw(&ch[1]) && !is_kw(&ch[2]) {
            clauses.push((false, ch[0].clone(), vec![ch[1].clone()]));
            else_forms = Some(vec![ch[2].clone()]);
        } else {
            let mut i = 0;
            loop {
                let neg = is_sym(ch.get(i), sym::NOT);
                if neg {
                    i += 1;
                }
                let Some(cond) = ch.get(i).cloned() else {
                    return self.fail("if needs a condition");
                };
                i += 1;
                if is_sym(ch.get(i), sym::THEN) {
                    i += 1;
                }
                let start = i;
                while i < ch.len() && !is_sym(ch.get(i), sym::ELIF) && !is_sym(ch.get(i), sym::ELSE)
                {
                    i += 1;
                }
                clauses.push((neg, cond, ch[start..i].to_vec()));
                if is_sym(ch.get(i), sym::ELIF) {
                    i += 1;
                    continue;
                }
                if is_sym(ch.get(i), sym::ELSE) {
                    else_forms = Some(ch[i + 1..].to_vec());
                }
                break;
            }
        }
        // The whole `if` is a tracker (for its conditions); each branch is another.
        let conds: Vec<Value> = clauses.iter().map(|c| c.1.clone()).collect();
        let whole = [Value::array(ch.to_vec())];
        self.open_region(&conds, &whole);
        let mut ends = Vec::new();
        for (neg, cond, forms) in &clauses {
            self.expr(cond, false);
            let skip = self.emit(if *neg {
                Op::JumpIfTrue(0)
            } else {
                Op::JumpIfFalse(0)
            });
            self.branch(forms, tail);
            ends.push(self.emit(Op::Jump(0)));
            self.patch(skip);
        }
        match &else_forms {
            Some(forms) => self.branch(forms, tail),
            None => {
                self.emit(Op::Nil);
            }
        }
        for e in ends {
            self.patch(e);
        }
        self.close_region();
    }

    fn branch(&mut self, forms: &[Value], tail: bool) {
        self.open_region(forms, forms);
        self.body(forms, tail);
        self.close_region();
    }

    /// `loop` (no condition) and `while`.
    fn loop_form(&mut self, cond: Option<Value>, body: &[Value]) {
        let start = self.label();
        let temps = self.f().temps;
        let trackers = self.f().trackers.len();
        let unwind = self.f().unwind.len();
        self.f().loops.push(LoopCtx {
            breaks: Vec::new(),
            continues: Vec::new(),
            continue_pc: Some(start),
            temps,
            trackers,
            unwind,
        });
        let exit = cond.map(|c| {
            self.expr(&c, false);
            self.emit(Op::JumpIfFalse(0))
        });
        for f in body {
            self.expr(f, false);
            self.emit(Op::Pop);
        }
        // A condition that is one register-against-integer test is tested
        // again at the bottom (loop rotation): one jump per iteration.
        let back = match exit.map(|e| (e, self.f().code.ops[e])) {
            Some((e, Op::JumpUnlessRegInt(r, c, k, _))) if e == start => {
                Op::JumpIfRegInt(r, c, k, start as u32 + 1)
            }
            _ => Op::Jump(start as u32),
        };
        self.emit(back);
        if let Some(exit) = exit {
            self.patch(exit);
        }
        self.emit(Op::Nil);
        self.end_loop();
    }

    fn end_loop(&mut self) {
        let l = self.f().loops.pop().expect("loop");
        for b in l.breaks {
            self.patch(b);
        }
    }

    fn repeat_form(&mut self, g: &Gene) {
        if !g.props.is_empty() {
            return self.fail("repeat ^index/^total: not yet implemented");
        }
        let Some((count, body)) = g.children.split_first() else {
            return self.fail("repeat needs a count");
        };
        self.expr(count, false);
        let limit = self.alloc_reg();
        let i = self.alloc_reg();
        self.emit(Op::StoreReg(limit));
        self.emit(Op::Pop);
        self.emit(Op::Int(0));
        self.emit(Op::StoreReg(i));
        self.emit(Op::Pop);
        let top = self.label();
        let exit = self.emit(Op::JumpIfGe(i, limit, 0));
        self.iteration(body, None);
        self.emit(Op::IncReg(i));
        self.emit(Op::Jump(top as u32));
        self.patch(exit);
        self.emit(Op::Nil);
        self.end_loop();
        self.f().next_reg -= 2;
    }

    fn for_form(&mut self, ch: &[Value]) {
        let (Some(Value::Symbol(var)), true, Some(coll)) =
            (ch.first(), is_sym(ch.get(1), sym::IN), ch.get(2))
        else {
            return self.fail("for needs the form (for x in collection body...)");
        };
        let var = *var;
        self.expr(coll, false);
        // ForNext keeps the index in the register after the collection's.
        let coll_reg = self.alloc_reg();
        let idx = self.alloc_reg();
        self.emit(Op::StoreReg(coll_reg));
        self.emit(Op::Pop);
        self.emit(Op::Int(0));
        self.emit(Op::StoreReg(idx));
        self.emit(Op::Pop);
        let top = self.label();
        let next = self.emit(Op::ForNext(coll_reg, 0));
        self.f().temps += 1;
        self.iteration(&ch[3..], Some(var));
        self.emit(Op::Jump(top as u32));
        self.patch(next);
        self.emit(Op::Nil);
        self.end_loop();
        self.f().next_reg -= 2;
    }

    /// One loop iteration in its own tracker; `var` receives the item (on the stack).
    fn iteration(&mut self, body: &[Value], var: Option<Sym>) {
        let temps = self.f().temps - var.map_or(0, |_| 1);
        let unwind = self.f().unwind.len();
        let mut decl = Vec::new();
        if let Some(v) = var {
            let mut g = Gene {
                head: Value::Symbol(sym::VAR),
                ..Default::default()
            };
            g.children.push(Value::Symbol(v));
            decl.push(Value::gene(g));
        }
        let region: Vec<Value> = decl.iter().chain(body.iter()).cloned().collect();
        // The scope (if any) starts before the loop variable is stored.
        let arena = scan::contains_closure(&region);
        let materialized = arena && scan::declares_vars(&region);
        self.push_tracker(arena, materialized);
        if materialized {
            self.emit(Op::ScopeStart);
        }
        let trackers = self.f().trackers.len() - 1;
        self.f().loops.push(LoopCtx {
            breaks: Vec::new(),
            continues: Vec::new(),
            continue_pc: None,
            temps,
            trackers,
            unwind,
        });
        if let Some(v) = var {
            self.declare(v);
            self.emit(Op::Pop);
            self.f().temps -= 1;
        }
        for f in body {
            self.expr(f, false);
            self.emit(Op::Pop);
        }
        let conts = std::mem::take(&mut self.f().loops.last_mut().expect("loop").continues);
        for c in conts {
            self.patch(c);
        }
        self.close_region();
    }

    fn break_form(&mut self, value: Option<&Value>) {
        let Some(l) = self.f().loops.last() else {
            return self.fail("break outside a loop");
        };
        let (temps, trackers, unwind) = (l.temps, l.trackers, l.unwind);
        if self.jump_ignored(unwind) {
            self.emit(Op::Nil);
            return;
        }
        match value {
            Some(v) => self.expr(v, false),
            None => {
                self.emit(Op::Nil);
            }
        }
        self.leave(unwind, Some(trackers));
        let extra = self.f().temps - temps;
        if extra > 0 {
            self.emit(Op::PopUnder(extra));
        }
        let j = self.emit(Op::Jump(0));
        self.f().loops.last_mut().expect("loop").breaks.push(j);
    }

    fn continue_form(&mut self) {
        let Some(l) = self.f().loops.last() else {
            return self.fail("continue outside a loop");
        };
        let (temps, trackers, unwind, target) = (l.temps, l.trackers, l.unwind, l.continue_pc);
        if self.jump_ignored(unwind) {
            self.emit(Op::Nil);
            return;
        }
        self.leave(unwind, Some(trackers));
        let extra = self.f().temps - temps;
        for _ in 0..extra {
            self.emit(Op::Pop);
        }
        match target {
            Some(pc) => {
                self.emit(Op::Jump(pc as u32));
            }
            None => {
                let j = self.emit(Op::Jump(0));
                self.f().loops.last_mut().expect("loop").continues.push(j);
            }
        }
        // Unreachable, but the expression must leave a value.
        self.emit(Op::Nil);
    }

    /// Jumps out of a `finally` are ignored, as upstream does.
    fn jump_ignored(&mut self, unwind: usize) -> bool {
        self.f().unwind[unwind..]
            .iter()
            .any(|u| matches!(u, Unwind::FinallyBody))
    }

    /// Emits what leaving the constructs above `unwind` takes, innermost
    /// first: handler pops and inlined finally blocks (each compiled where its
    /// `try` was, after ending the scopes opened since), then, when `target`
    /// is given, the scope ends down to that tracker depth. The value being
    /// carried out stays on top of the stack.
    fn leave(&mut self, unwind: usize, target: Option<usize>) {
        let mut ended = self.f().trackers.len();
        for i in (unwind..self.f().unwind.len()).rev() {
            match &self.f().unwind[i] {
                Unwind::Handler => {
                    self.emit(Op::TryEnd);
                }
                Unwind::Finally {
                    forms,
                    trackers: at,
                    locs,
                } => {
                    let (forms, at, locs) = (forms.clone(), *at, locs.clone());
                    self.end_scopes(at, ended);
                    ended = ended.min(at);
                    let mut hidden = self.f().trackers.split_off(ended);
                    let outer = self.f().unwind.split_off(i);
                    let regs = self.f().next_reg;
                    self.run_finally(&Some((forms, locs)));
                    // Registers the copy took must outlive the hidden trackers.
                    let now = self.f().next_reg;
                    if now > regs {
                        for t in &mut hidden {
                            t.reg_mark = t.reg_mark.max(now);
                        }
                    }
                    self.f().unwind.extend(outer);
                    self.f().trackers.extend(hidden);
                }
                Unwind::FinallyBody => {}
            }
        }
        if let Some(target) = target {
            self.end_scopes(target, ended);
        }
    }

    /// Ends the materialized scopes of trackers `from..to`.
    fn end_scopes(&mut self, from: usize, to: usize) {
        if from >= to {
            return;
        }
        let n = self.f().trackers[from..to]
            .iter()
            .filter(|t| t.materialized)
            .count();
        for _ in 0..n {
            self.emit(Op::ScopeEnd);
        }
    }

    fn return_form(&mut self, value: Option<&Value>) {
        if self.f().kind == Kind::TopLevel {
            return self.fail("Return from top level");
        }
        if self.jump_ignored(0) {
            self.emit(Op::Nil);
            return;
        }
        match value {
            Some(v) => self.expr(v, false),
            None => {
                self.emit(Op::Nil);
            }
        }
        // Return itself ends the frame's scopes; only finally blocks matter.
        self.leave(0, None);
        self.emit(Op::Return);
    }

    fn ns_form(&mut self, ch: &[Value]) {
        let Some(Value::Symbol(name)) = ch.first() else {
            return self.fail("ns needs a name");
        };
        self.emit(Op::NsBegin(*name));
        self.f().temps += 1;
        self.body(&ch[1..], false);
        self.emit(Op::Pop);
        self.f().temps -= 1;
        self.emit(Op::NsEnd);
    }
}
