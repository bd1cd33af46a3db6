//! The compiler: one pass from read forms to bytecode.
//!
//! Lexical variables are resolved at compile time. Each region that upstream
//! gives a scope tracker (top level, function bodies, `if` and its branches,
//! `for`/`repeat` iterations) gets a `Tracker`; a `try`'s body, handler and
//! `finally` declare into the enclosing one, as upstream's do. A tracker
//! whose region contains a closure is an *arena* tracker: its variables live in
//! an arena scope (started at region entry if it declares any), addressed by
//! (hops, slot). Any other tracker keeps its variables in frame registers.

pub mod bytecode;
mod calls;
pub mod disasm;
mod forms;
mod functions;
mod peephole;
mod scan;
mod try_form;
pub(crate) mod unsupported;

use std::cell::RefCell;
use std::rc::Rc;

use crate::bytecode::{Code, Op, Source};
use crate::function::FnProto;
use crate::symbol::{Sym, sym};
use crate::value::{Span, Value};

/// Deeper forms compile to a run-time error instead of recursing further.
pub const MAX_NESTING: u32 = 300;

/// Arrays and maps nested deeper (only a value built at run time and
/// `eval`ed can be: the reader stops at the same depth) compile to a
/// run-time error.
pub const MAX_DATA_NESTING: u32 = crate::reader::MAX_DEPTH as u32;

/// The inline-cache table that `Op::LoadName` indexes; owned by the VM.
pub trait NameTable {
    fn name_slot(&mut self, name: Sym) -> u32;
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Loc {
    Reg(u32),
    Slot(u16),
}

struct Tracker {
    vars: Vec<(Sym, Loc)>,
    arena: bool,
    materialized: bool,
    next_slot: u16,
    reg_mark: u32,
}

struct LoopCtx {
    breaks: Vec<usize>,
    continues: Vec<usize>,
    /// Backward continue target, when known at loop start.
    continue_pc: Option<usize>,
    temps: u32,
    trackers: usize,
    unwind: usize,
}

enum Unwind {
    /// A `try` handler is installed.
    Handler,
    /// A `finally` to run on the way out; the trackers visible at the `try`.
    Finally {
        forms: Vec<Value>,
        trackers: usize,
        locs: FinallyLocs,
    },
    /// Inside a `finally`: jumps out of it are ignored (upstream).
    FinallyBody,
}

/// The locations a `finally` declares into its `try`'s tracker, in order.
/// The finally is compiled once per way out (normal end, after the handler,
/// on a rethrow, inlined at each `return`/`break`/`continue`); every copy
/// declares into these same locations, so code after the `try` reads what
/// whichever copy ran wrote.
type FinallyLocs = Rc<RefCell<Vec<Loc>>>;

/// A finally copy being compiled: its declarations at tracker depth
/// `trackers` take `locs[next..]` in turn.
struct Replay {
    trackers: usize,
    locs: FinallyLocs,
    next: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    TopLevel,
    Function,
}

struct FnCtx {
    code: Code,
    kind: Kind,
    trackers: Vec<Tracker>,
    next_reg: u32,
    loops: Vec<LoopCtx>,
    unwind: Vec<Unwind>,
    replays: Vec<Replay>,
    temps: u32,
    last_span: Span,
    /// The pc of the latest jump target: no fusing across it.
    barrier: usize,
    /// Non-callable call heads, compiled out of line at the end:
    /// (the LoadCallee/JumpIfNotCallable to patch, gene constant, resume pc).
    cold: Vec<(usize, u32, usize, Span)>,
}

pub struct Compiler<'a> {
    names: &'a mut dyn NameTable,
    source: Rc<Source>,
    fns: Vec<FnCtx>,
    depth: u32,
    /// Arrays and maps being compiled, one inside the next.
    data_depth: u32,
    /// Span of the innermost gene being compiled.
    span: Span,
    /// Evaluated code: every op is at this span.
    fixed_span: bool,
    /// Where the unit's paths were read (none for evaluated code).
    paths: Option<&'a crate::reader::PathSpans>,
}

/// Where the forms of a unit are.
pub enum UnitSpans<'a> {
    /// Read from the unit's source: where each top-level form starts, and
    /// where each path is.
    Forms(&'a [Span], &'a crate::reader::PathSpans),
    /// Built or read at run time (`eval`): everything at this site.
    At(Span),
}

/// Compiles a file's (or eval'd) top-level forms into a unit.
pub fn compile_unit<'a>(
    names: &'a mut dyn NameTable,
    source: Rc<Source>,
    forms: &[Value],
    spans: UnitSpans<'a>,
) -> Rc<Code> {
    let (span, fixed_span, starts, paths) = match spans {
        UnitSpans::Forms(s, p) => (s.first().copied().unwrap_or_default(), false, s, Some(p)),
        UnitSpans::At(at) => (at, true, &[][..], None),
    };
    let mut c = Compiler {
        names,
        source,
        fns: Vec::new(),
        depth: 0,
        span,
        fixed_span,
        data_depth: 0,
        paths,
    };
    let arena = scan::contains_closure(forms);
    let materialized = arena && scan::declares_vars(forms);
    c.fns.push(FnCtx::new(Kind::TopLevel));
    c.push_tracker(arena, materialized);
    if materialized {
        c.emit(Op::ScopeStart);
    }
    if forms.is_empty() {
        c.emit(Op::Nil);
    }
    for (i, f) in forms.iter().enumerate() {
        // A top-level symbol or path has no span of its own.
        if let Some(&at) = starts.get(i) {
            c.span = at;
        }
        c.expr(f, false);
        if i + 1 < forms.len() {
            c.emit(Op::Pop);
        }
    }
    // The frame's scopes are released by Return.
    c.emit(Op::Return);
    let f = c.fns.pop().expect("top-level context");
    Rc::new(c.finish(f))
}

impl FnCtx {
    fn new(kind: Kind) -> Self {
        FnCtx {
            code: Code::default(),
            kind,
            trackers: Vec::new(),
            next_reg: 0,
            loops: Vec::new(),
            unwind: Vec::new(),
            replays: Vec::new(),
            temps: 0,
            last_span: Span::default(),
            barrier: 0,
            cold: Vec::new(),
        }
    }
}

impl Compiler<'_> {
    fn f(&mut self) -> &mut FnCtx {
        self.fns.last_mut().expect("function context")
    }

    fn finish(&mut self, mut f: FnCtx) -> Code {
        // Out-of-line paths for heads that turn out not to be callable.
        for (at, k, resume, span) in std::mem::take(&mut f.cold) {
            let pc = f.code.ops.len() as u32;
            f.code.ops[at] = match f.code.ops[at] {
                Op::LoadCallee(slot, _) => Op::LoadCallee(slot, pc),
                _ => Op::JumpIfNotCallable(pc),
            };
            f.code.spans.push((pc, span));
            f.code.ops.push(Op::QuotedCall(k));
            f.code.ops.push(Op::Jump(resume as u32));
        }
        peephole::thread_jumps(&mut f.code.ops);
        f.code.source = Some(self.source.clone());
        f.code
    }

    /// The current pc as a jump target.
    fn label(&mut self) -> usize {
        let pc = self.pc();
        self.f().barrier = pc;
        pc
    }

    fn pc(&mut self) -> usize {
        self.f().code.ops.len()
    }

    fn emit(&mut self, op: Op) -> usize {
        if let Some(at) = self.fuse(op) {
            return at;
        }
        let span = self.span;
        let f = self.f();
        if span != f.last_span && span != Span::default() {
            let pc = f.code.ops.len() as u32;
            f.code.spans.push((pc, span));
            f.last_span = span;
        }
        f.code.ops.push(op);
        f.code.ops.len() - 1
    }

    /// Emits a variable's load or store; a scope slot's keeps its name.
    pub(super) fn emit_var(&mut self, op: Op, name: Sym) -> usize {
        let pc = self.emit(op);
        if matches!(op, Op::LoadScope(..) | Op::StoreScope(..)) {
            self.f().code.var_names.push((pc as u32, name));
        }
        pc
    }

    /// Points the jump at `at` to the current end of code.
    fn patch(&mut self, at: usize) {
        let target = self.label() as u32;
        let op = &mut self.f().code.ops[at];
        *op = peephole::retarget(*op, target);
    }

    fn constant(&mut self, v: Value) -> u32 {
        let consts = &mut self.f().code.consts;
        consts.push(v);
        (consts.len() - 1) as u32
    }

    fn fail(&mut self, message: impl Into<String>) {
        let k = self.constant(Value::string(message.into()));
        self.emit(Op::Fail(k));
    }

    // ---- trackers and variables ----

    fn push_tracker(&mut self, arena: bool, materialized: bool) {
        let reg_mark = self.f().next_reg;
        self.f().trackers.push(Tracker {
            vars: Vec::new(),
            arena,
            materialized,
            next_slot: 0,
            reg_mark,
        });
    }

    /// Opens a tracker for a region; starts its arena scope when needed.
    fn open_region(&mut self, forms: &[Value], closure_region: &[Value]) {
        let arena = scan::contains_closure(closure_region);
        let materialized = arena && scan::declares_vars(forms);
        self.push_tracker(arena, materialized);
        if materialized {
            self.emit(Op::ScopeStart);
        }
    }

    fn close_region(&mut self) {
        let t = self.f().trackers.pop().expect("tracker");
        self.f().next_reg = t.reg_mark;
        if t.materialized {
            self.emit(Op::ScopeEnd);
        }
    }

    fn alloc_reg(&mut self) -> u32 {
        let f = self.f();
        let r = f.next_reg;
        f.next_reg += 1;
        f.code.nregs = f.code.nregs.max(f.next_reg);
        r
    }

    /// Declares `name` in the innermost tracker; the value is on the stack.
    fn declare(&mut self, name: Sym) {
        let n = self.f().replays.len();
        let Some(loc) = self.take_loc(n) else {
            self.fail("internal: variable in an unmaterialized scope");
            return;
        };
        self.f()
            .trackers
            .last_mut()
            .expect("tracker")
            .vars
            .push((name, loc));
        match loc {
            Loc::Reg(r) => self.emit(Op::StoreReg(r)),
            Loc::Slot(s) => self.emit_var(Op::StoreScope(0, s), name),
        };
    }

    /// The location for the next declaration in the innermost tracker: the
    /// one the `k`-th innermost finally copy replays, else a new one.
    fn take_loc(&mut self, k: usize) -> Option<Loc> {
        let depth = self.f().trackers.len();
        if k == 0 || self.f().replays[k - 1].trackers != depth {
            return self.fresh_loc();
        }
        let r = &mut self.f().replays[k - 1];
        let i = r.next;
        r.next += 1;
        let known = r.locs.borrow().get(i).copied();
        if known.is_some() {
            return known;
        }
        let loc = self.take_loc(k - 1)?;
        self.f().replays[k - 1].locs.borrow_mut().push(loc);
        Some(loc)
    }

    fn fresh_loc(&mut self) -> Option<Loc> {
        let t = self.f().trackers.last_mut().expect("tracker");
        if t.arena {
            if !t.materialized {
                return None;
            }
            t.next_slot += 1;
            Some(Loc::Slot(t.next_slot - 1))
        } else {
            Some(Loc::Reg(self.alloc_reg()))
        }
    }

    /// Finds a lexical variable: the op to load it and the op to store it.
    fn resolve(&mut self, name: Sym) -> Option<(Op, Op)> {
        let mut hops: u32 = 0;
        for (fi, f) in self.fns.iter().enumerate().rev() {
            let innermost_fn = fi == self.fns.len() - 1;
            for t in f.trackers.iter().rev() {
                if let Some(&(_, loc)) = t.vars.iter().rev().find(|(n, _)| *n == name) {
                    return match loc {
                        Loc::Reg(r) if innermost_fn => Some((Op::LoadReg(r), Op::StoreReg(r))),
                        // Registers of an enclosing function are out of reach.
                        Loc::Reg(_) => None,
                        Loc::Slot(s) => {
                            let h = hops as u16;
                            Some((Op::LoadScope(h, s), Op::StoreScope(h, s)))
                        }
                    };
                }
                if t.materialized {
                    hops += 1;
                }
            }
        }
        None
    }

    /// The lexical variables visible here, for `eval` of a symbol: a
    /// constant array of `[name register]` or `[name hops slot]` entries,
    /// innermost first.
    fn visible_vars(&mut self) -> u32 {
        let mut seen = Vec::new();
        let mut table = Vec::new();
        let mut hops: u16 = 0;
        let innermost = self.fns.len() - 1;
        for (fi, f) in self.fns.iter().enumerate().rev() {
            for t in f.trackers.iter().rev() {
                for &(name, loc) in t.vars.iter().rev() {
                    if seen.contains(&name) {
                        continue;
                    }
                    let entry = match loc {
                        Loc::Reg(r) if fi == innermost => {
                            vec![Value::Symbol(name), Value::Int(r as i64)]
                        }
                        Loc::Reg(_) => continue,
                        Loc::Slot(s) => vec![
                            Value::Symbol(name),
                            Value::Int(hops as i64),
                            Value::Int(s as i64),
                        ],
                    };
                    seen.push(name);
                    table.push(Value::array(entry));
                }
                if t.materialized {
                    hops += 1;
                }
            }
        }
        self.constant(Value::array(table))
    }

    // ---- expressions ----

    /// Compiles forms as a body: all but the last value dropped; nil if empty.
    fn body(&mut self, forms: &[Value], tail: bool) {
        if forms.is_empty() {
            self.emit(Op::Nil);
            return;
        }
        let last = forms.len() - 1;
        for (i, f) in forms.iter().enumerate() {
            if i == last {
                self.expr(f, tail);
            } else {
                self.expr(f, false);
                self.emit(Op::Pop);
            }
        }
    }

    /// Compiles one form; it leaves exactly one value on the stack.
    fn expr(&mut self, v: &Value, tail: bool) {
        match v {
            Value::Nil => {
                self.emit(Op::Nil);
            }
            Value::Bool(true) => {
                self.emit(Op::True);
            }
            Value::Bool(false) => {
                self.emit(Op::False);
            }
            Value::Int(i) if i32::try_from(*i).is_ok() => {
                self.emit(Op::Int(*i as i32));
            }
            Value::Symbol(s) => self.symbol(*s),
            Value::Complex(parts) => {
                // A path can raise (a missing key): it is located at itself.
                let saved = self.span;
                if let Some(&at) = self
                    .paths
                    .and_then(|p| p.get(&crate::reader::path_key(parts)))
                {
                    self.span = at;
                }
                self.path(parts, parts.len());
                self.span = saved;
            }
            // A value built at run time (`eval`) can nest arrays and maps
            // without limit: they count towards the nesting limit too.
            Value::Array(_) | Value::Map(_) if self.data_depth >= MAX_DATA_NESTING => {
                self.fail("form nested too deeply");
            }
            Value::Array(a) => {
                let items = a.borrow().clone();
                self.data_depth += 1;
                self.array(&items);
                self.data_depth -= 1;
            }
            Value::Map(m) => {
                self.data_depth += 1;
                let m = m.borrow().clone();
                let keys: Vec<Value> = m.keys().map(|k| Value::Symbol(*k)).collect();
                for v in m.values() {
                    self.expr(v, false);
                    self.f().temps += 1;
                }
                self.f().temps -= m.len() as u32;
                let k = self.constant(Value::array(keys));
                self.emit(Op::MakeMap(k));
                self.data_depth -= 1;
            }
            Value::Gene(g) => {
                if self.depth >= MAX_NESTING {
                    self.fail("form nested too deeply");
                    return;
                }
                let saved = self.span;
                let span = g.borrow().span;
                if span != Span::default() && !self.fixed_span {
                    self.span = span;
                }
                self.depth += 1;
                let g = g.borrow().clone();
                self.gene(&g, tail);
                self.depth -= 1;
                self.span = saved;
            }
            other => {
                let k = self.constant(other.clone());
                self.emit(Op::Const(k));
            }
        }
    }

    fn symbol(&mut self, s: Sym) {
        if let Some((load, _)) = self.resolve(s) {
            self.emit_var(load, s);
            return;
        }
        match s {
            sym::SELF => {
                self.emit(Op::Nil);
            }
            sym::DOLLAR_NS => {
                self.emit(Op::LoadNs);
            }
            sym::DOLLAR_EX => {
                self.emit(Op::LoadEx);
            }
            sym::DOLLAR_AWAIT_ALL => {
                self.emit(Op::AwaitAll);
            }
            sym::SPREAD => {
                self.fail("`...` has nothing to spread (write `x...` or `(... x)`)");
            }
            _ if s.with_name(|n| n.len() > 3 && n.ends_with("...")) => {
                self.fail(format!(
                    "`{s}` spreads only into an array or a call's arguments"
                ));
            }
            _ if s.with_name(|n| n.len() >= 3 && n.starts_with('\'') && n.ends_with('\'')) => {
                self.fail(format!("character literals are not supported: `{s}`"));
            }
            _ if s.with_name(|n| n.starts_with('@')) => {
                self.fail(format!("`@` selectors are not supported: `{s}`"));
            }
            _ => {
                let name = s.name();
                if let Some(rest) = name.strip_prefix('$').filter(|r| !r.is_empty()) {
                    // `$name` is `gene/name`.
                    let slot = self.names.name_slot(sym::GENE);
                    self.emit(Op::LoadName(slot));
                    self.emit(Op::GetMember(Sym::new(rest)));
                } else {
                    let slot = self.names.name_slot(s);
                    self.emit(Op::LoadName(slot));
                }
            }
        }
    }

    /// Evaluates the first `n` parts of a complex symbol.
    fn path(&mut self, parts: &[Sym], n: usize) {
        let first = parts[0];
        if n >= 2
            && first == sym::GENE
            && parts[1].with_name(|p| p == "ex")
            && self.resolve(first).is_none()
        {
            // `$ex` is sugar for `gene/ex`.
            self.emit(Op::LoadEx);
            for &p in &parts[2..n] {
                self.path_step(p);
            }
            return;
        }
        if first.with_name(|s| s.is_empty()) {
            self.emit(Op::Nil); // a leading `/` is `self`
        } else {
            self.symbol(first);
        }
        for &p in &parts[1..n] {
            self.path_step(p);
        }
    }

    fn path_step(&mut self, p: Sym) {
        let name = p.name();
        if name.ends_with("...") {
            return self.fail(format!(
                "`{name}` spreads only into an array or a call's arguments"
            ));
        }
        if let Ok(i) = name.parse::<i32>() {
            self.emit(Op::GetChild(i));
        } else if let Some(m) = name
            .strip_prefix('.')
            .filter(|m| !m.is_empty() && *m != "..")
        {
            self.emit(Op::CallMethod(Sym::new(m), 0));
        } else {
            self.emit(Op::GetMember(p));
        }
    }

    /// A spread element: `x...` or `(... x)`; returns the form to spread.
    fn spread_of(v: &Value) -> Option<Value> {
        match v {
            Value::Symbol(s) => {
                let n = s.name();
                n.strip_suffix("...")
                    .filter(|r| !r.is_empty())
                    .map(|r| Value::Symbol(Sym::new(r)))
            }
            Value::Gene(g) => {
                let g = g.borrow();
                match (&g.head, g.children.as_slice()) {
                    (Value::Symbol(s), [x]) if *s == sym::SPREAD => Some(x.clone()),
                    _ => None,
                }
            }
            // `a/b...` and `a/b/...` spread `a/b`.
            Value::Complex(parts) => {
                let last = parts.last()?.name();
                let mut stem: Vec<Sym> = parts[..parts.len() - 1].to_vec();
                match last.strip_suffix("...") {
                    Some("") => {}
                    Some(r) => stem.push(Sym::new(r)),
                    None => return None,
                }
                match stem.as_slice() {
                    [] => None,
                    [one] => Some(Value::Symbol(*one)),
                    _ => Some(Value::Complex(Rc::new(stem))),
                }
            }
            _ => None,
        }
    }

    fn array(&mut self, items: &[Value]) {
        if items.iter().any(|i| Self::spread_of(i).is_some()) {
            self.emit(Op::MakeArray(0));
            self.f().temps += 1;
            for i in items {
                match Self::spread_of(i) {
                    Some(x) => {
                        self.expr(&x, false);
                        self.emit(Op::ArrayExtend);
                    }
                    None => {
                        self.expr(i, false);
                        self.emit(Op::ArrayPush);
                    }
                }
            }
            self.f().temps -= 1;
        } else {
            for i in items {
                self.expr(i, false);
                self.f().temps += 1;
            }
            self.f().temps -= items.len() as u32;
            self.emit(Op::MakeArray(items.len() as u32));
        }
    }

    /// Compiles a nested function body into a prototype.
    fn function(
        &mut self,
        name: Rc<str>,
        params: Vec<crate::function::Param>,
        body: &[Value],
        is_block: bool,
        is_async: bool,
    ) -> u32 {
        let arena = scan::contains_closure(body);
        let body_scope = arena && (!params.is_empty() || scan::declares_vars(body));
        self.fns.push(FnCtx::new(Kind::Function));
        self.push_tracker(arena, body_scope);
        for p in &params {
            let loc = if arena {
                let t = self.f().trackers.last_mut().expect("tracker");
                t.next_slot += 1;
                Loc::Slot(t.next_slot - 1)
            } else {
                Loc::Reg(self.alloc_reg())
            };
            self.f()
                .trackers
                .last_mut()
                .expect("tracker")
                .vars
                .push((p.name, loc));
        }
        let saved_depth = self.depth;
        self.body(body, true);
        self.depth = saved_depth;
        self.emit(Op::Return);
        let f = self.fns.pop().expect("function context");
        let code = Rc::new(self.finish(f));
        let simple = params.iter().all(|p| {
            matches!(p.kind, crate::function::ParamKind::Positional) && p.default.is_none()
        });
        let proto = Rc::new(FnProto {
            span: self.span,
            name,
            is_block,
            is_async,
            params,
            simple,
            body_scope,
            code,
        });
        let protos = &mut self.f().code.protos;
        protos.push(proto);
        (protos.len() - 1) as u32
    }
}
