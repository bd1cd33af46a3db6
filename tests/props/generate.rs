//! The generator: proptest strategies for a context-free "raw" AST (choices
//! are indices, so every raw tree is valid and shrinks well), and the
//! resolver that turns a raw tree into a concrete [`Program`]: it picks the
//! variables each index refers to among those in scope, gives every label,
//! name and message a unique number, and degrades a statement whose choice
//! has nothing to refer to (an await with no future in scope) to a print.

use std::rc::Rc;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;

use super::ast::{Arg, Block, Faults, Func, FutExpr, Kind, PATH_PREFIX, Program, Ret, Stmt};

/// Which programs to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenConfig {
    /// Sleep durations: a small set so that ties are common, or distinct
    /// durations (no two sleeps of a program last the same).
    pub durations: Durations,
    /// Tasks (async blocks, async and plain functions, callbacks) may await.
    /// Without, only the main code awaits, and the two await modes must
    /// print the same.
    pub task_awaits: bool,
    /// Reads, writes and a fault plan.
    pub io: bool,
    /// Nesting depth of blocks (async blocks, try, callbacks).
    pub depth: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durations {
    /// 0, 10, 20 or 30 ms.
    Ties,
    /// Distinct, irregular durations.
    Distinct,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            durations: Durations::Ties,
            task_awaits: true,
            io: true,
            depth: 2,
        }
    }
}

impl GenConfig {
    /// Programs where the schedule rarely has a choice to make.
    pub fn tie_free() -> Self {
        GenConfig {
            durations: Durations::Distinct,
            ..GenConfig::default()
        }
    }

    /// Programs where only the main code awaits.
    pub fn main_awaits_only() -> Self {
        GenConfig {
            task_awaits: false,
            ..GenConfig::default()
        }
    }
}

const TIE_DURATIONS: [u64; 4] = [0, 10, 20, 30];

/// Pairwise distinct, and sums of a few rarely coincide.
const DISTINCT_DURATIONS: [u64; 40] = [
    3, 7, 13, 19, 29, 37, 43, 53, 61, 71, 79, 89, 101, 107, 113, 131, 139, 151, 163, 173, 181, 193,
    199, 211, 223, 233, 241, 251, 263, 271, 281, 293, 307, 317, 331, 337, 349, 359, 367, 379,
];

/// A statement before resolution.
#[derive(Clone, Debug)]
pub enum RStmt {
    Print,
    PrintVar(Index),
    Let(u8),
    /// `(var z (gene/sleep_async d))`.
    Timer(u8),
    /// `(await (gene/sleep_async d))`.
    Sleep(u8),
    /// Await a future in scope, printing its value.
    Await(Index),
    /// An async block bound to a new variable.
    Spawn(Vec<RStmt>),
    /// Call a function defined earlier; bind the result or not.
    Call(Index, Vec<Index>, bool),
    Throw,
    Try(Vec<RStmt>, Vec<RStmt>, Option<Vec<RStmt>>),
    Complete(Index, u8),
    Fail(Index),
    OnSuccess(Index, Vec<RCb>),
    OnFailure(Index, Vec<RCb>),
    /// Await a write, then await a read of the same file and print it.
    WriteRead,
    /// Read a file that does not exist: awaited at once (true) or bound.
    ReadMissing(bool),
}

/// What a callback does after printing its argument.
#[derive(Clone, Debug)]
pub enum RCb {
    Print,
    Complete(Index, u8),
    Fail(Index),
    Throw,
}

#[derive(Clone, Debug)]
pub struct RFunc {
    pub is_async: bool,
    /// One entry per parameter: true for a future, false for an int.
    pub params: Vec<bool>,
    /// `(var ...)` declared first in the body.
    pub locals: Vec<u8>,
    pub body: Vec<RStmt>,
    /// A plain function may end with an async block (which captures its
    /// scope) instead of an int.
    pub ret_task: Option<Vec<RStmt>>,
}

/// Completes or fails a promise after a delay, from a task or from a timer
/// callback, at the start of the main code.
#[derive(Clone, Debug)]
pub struct RCompleter {
    pub delay: u8,
    pub fail: bool,
    pub value: u8,
    pub from_task: bool,
}

#[derive(Clone, Debug)]
pub struct RProgram {
    pub promises: u8,
    /// One per promise (extra ones are ignored).
    pub completers: Vec<Option<RCompleter>>,
    pub funcs: Vec<RFunc>,
    pub main: Vec<RStmt>,
    pub fail_nth: Vec<u8>,
    pub fail_path: Option<Index>,
}

fn callback() -> impl Strategy<Value = RCb> {
    prop_oneof![
        2 => Just(RCb::Print),
        2 => (any::<Index>(), 0u8..10).prop_map(|(i, v)| RCb::Complete(i, v)),
        1 => any::<Index>().prop_map(RCb::Fail),
        1 => Just(RCb::Throw),
    ]
}

fn leaf(cfg: GenConfig) -> BoxedStrategy<RStmt> {
    let io = if cfg.io { 1 } else { 0 };
    prop_oneof![
        4 => Just(RStmt::Print),
        1 => any::<Index>().prop_map(RStmt::PrintVar),
        1 => (0u8..10).prop_map(RStmt::Let),
        1 => any::<u8>().prop_map(RStmt::Timer),
        3 => any::<u8>().prop_map(RStmt::Sleep),
        5 => any::<Index>().prop_map(RStmt::Await),
        4 => (any::<Index>(), vec(any::<Index>(), 2), any::<bool>())
            .prop_map(|(f, a, b)| RStmt::Call(f, a, b)),
        2 => Just(RStmt::Throw),
        2 => (any::<Index>(), 0u8..10).prop_map(|(i, v)| RStmt::Complete(i, v)),
        1 => any::<Index>().prop_map(RStmt::Fail),
        io => Just(RStmt::WriteRead),
        io => any::<bool>().prop_map(RStmt::ReadMissing),
    ]
    .boxed()
}

/// Statements nested up to `depth` blocks deep.
pub fn stmt(cfg: GenConfig, depth: u32) -> BoxedStrategy<RStmt> {
    let leaf = leaf(cfg);
    if depth == 0 {
        return leaf;
    }
    let inner = stmt(cfg, depth - 1);
    let body = vec(inner.clone(), 0..4);
    let small = vec(inner.clone(), 0..2);
    prop_oneof![
        8 => leaf,
        3 => body.clone().prop_map(RStmt::Spawn),
        2 => (vec(inner, 1..3), small.clone(), proptest::option::of(small))
            .prop_map(|(b, c, f)| RStmt::Try(b, c, f)),
        1 => (any::<Index>(), vec(callback(), 0..3)).prop_map(|(i, c)| RStmt::OnSuccess(i, c)),
        1 => (any::<Index>(), vec(callback(), 0..3)).prop_map(|(i, c)| RStmt::OnFailure(i, c)),
    ]
    .boxed()
}

fn func(cfg: GenConfig) -> impl Strategy<Value = RFunc> {
    let body = vec(stmt(cfg, cfg.depth.saturating_sub(1)), 0..4);
    (
        any::<bool>(),
        vec(any::<bool>(), 0..=2),
        vec(0u8..10, 0..=2),
        body.clone(),
        proptest::option::weighted(0.5, body),
    )
        .prop_map(|(is_async, params, locals, body, ret_task)| RFunc {
            is_async,
            params,
            locals,
            body,
            ret_task: if is_async { None } else { ret_task },
        })
}

/// Raw programs.
pub fn raw_program(cfg: GenConfig) -> impl Strategy<Value = RProgram> {
    let faults = if cfg.io {
        (
            vec(1u8..=6, 0..=2),
            proptest::option::weighted(0.25, any::<Index>()),
        )
            .boxed()
    } else {
        Just((Vec::new(), None)).boxed()
    };
    let completer = (
        any::<u8>(),
        prop::bool::weighted(0.2),
        0u8..10,
        any::<bool>(),
    )
        .prop_map(|(delay, fail, value, from_task)| RCompleter {
            delay,
            fail,
            value,
            from_task,
        });
    // Main statements, often guarded by a try so that a throw does not end
    // the run at once.
    let top = stmt(cfg, cfg.depth);
    let main_stmt = prop_oneof![
        1 => top.clone(),
        1 => vec(top, 1..4).prop_map(|b| RStmt::Try(b, Vec::new(), None)),
    ];
    (
        (0u8..=3, vec(proptest::option::weighted(0.8, completer), 3)),
        vec(func(cfg), 0..=3),
        vec(main_stmt, 2..10),
        faults,
    )
        .prop_map(
            |((promises, completers), funcs, main, (fail_nth, fail_path))| RProgram {
                promises,
                completers,
                funcs,
                main,
                fail_nth,
                fail_path,
            },
        )
}

/// The longest program [`program`] gives, in lines of Gene.
pub const MAX_LINES: usize = 60;

/// Concrete programs (resolved raw programs) of at most [`MAX_LINES`] lines.
pub fn program(cfg: GenConfig) -> impl Strategy<Value = Program> {
    raw_program(cfg)
        .prop_map(move |r| resolve(&r, cfg))
        .prop_filter("at most MAX_LINES lines", |p| {
            super::ast::print_program(p).lines().count() <= MAX_LINES
        })
}

/// Turns a raw program into a concrete one. Deterministic.
pub fn resolve(r: &RProgram, cfg: GenConfig) -> Program {
    let mut rs = Resolver {
        cfg,
        next: 0,
        scopes: Vec::new(),
        promises: Vec::new(),
        sigs: Vec::new(),
        in_task: false,
        sleeps: 0,
        paths: Vec::new(),
    };
    rs.promises = (0..r.promises).map(|_| rs.name("p")).collect();
    let globals: Vec<(String, Kind)> = rs.promises.iter().map(|p| (p.clone(), Kind::Fut)).collect();
    let mut funcs = Vec::new();
    for (i, f) in r.funcs.iter().enumerate() {
        let params: Vec<(String, Kind)> = f
            .params
            .iter()
            .map(|&fut| {
                let kind = if fut { Kind::Fut } else { Kind::Int };
                (rs.name("a"), kind)
            })
            .collect();
        rs.scopes = vec![globals.clone(), params.clone()];
        // Plain functions may be called from tasks: they count as task code.
        rs.in_task = true;
        let mut body = Vec::new();
        for &v in &f.locals {
            let n = rs.name("n");
            rs.declare(&n, Kind::Int);
            body.push(Stmt::Let(n, i64::from(v)));
        }
        body.extend(rs.stmts(&f.body));
        let ret = match &f.ret_task {
            Some(t) => {
                rs.scopes.push(Vec::new());
                let mut tb = Vec::new();
                // The task outlives the call: it waits, then reads the
                // function's variables.
                if rs.cfg.task_awaits {
                    let d = rs.duration(0);
                    tb.push(Stmt::Await(None, FutExpr::Sleep(d)));
                }
                let ints = rs.visible(Kind::Int);
                if let Some(v) = ints.last() {
                    let l = rs.name("p");
                    tb.push(Stmt::PrintVar(l, v.clone()));
                }
                tb.extend(rs.stmts(t));
                rs.scopes.pop();
                let result = rs.number();
                Ret::Task(Block {
                    body: Rc::new(tb),
                    result,
                })
            }
            None => Ret::Int(rs.number()),
        };
        rs.sigs.push((
            f.params
                .iter()
                .map(|&fut| if fut { Kind::Fut } else { Kind::Int })
                .collect(),
            if f.is_async { Kind::Fut } else { ret.kind() },
        ));
        funcs.push(Func {
            name: format!("g{i}"),
            is_async: f.is_async,
            params,
            body: Rc::new(body),
            ret,
        });
    }
    rs.scopes = vec![globals, Vec::new()];
    rs.in_task = false;
    let mut main = Vec::new();
    let promises = rs.promises.clone();
    for (p, c) in promises.iter().zip(&r.completers) {
        if let Some(c) = c {
            rs.completer(p, c, &mut main);
        }
    }
    main.extend(rs.stmts(&r.main));
    let mut fail_paths = Vec::new();
    if let Some(i) = &r.fail_path
        && !rs.paths.is_empty()
    {
        fail_paths.push(rs.paths[i.index(rs.paths.len())].clone());
    }
    let mut fail_nth: Vec<u64> = r.fail_nth.iter().map(|&n| u64::from(n)).collect();
    fail_nth.sort_unstable();
    fail_nth.dedup();
    Program {
        promises: rs.promises,
        funcs,
        main: Rc::new(main),
        faults: Faults {
            fail_nth,
            fail_paths,
        },
    }
}

struct Resolver {
    cfg: GenConfig,
    next: usize,
    /// Variables in scope, innermost last.
    scopes: Vec<Vec<(String, Kind)>>,
    promises: Vec<String>,
    /// Functions resolved so far: parameter kinds and result kind.
    sigs: Vec<(Vec<Kind>, Kind)>,
    /// Resolving code that may run in a task other than main.
    in_task: bool,
    sleeps: usize,
    paths: Vec<String>,
}

impl Resolver {
    fn number(&mut self) -> i64 {
        self.next += 1;
        self.next as i64
    }

    /// A fresh name or label with this prefix.
    fn name(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}{}", self.next)
    }

    fn declare(&mut self, n: &str, k: Kind) {
        self.scopes
            .last_mut()
            .expect("a scope")
            .push((n.to_string(), k));
    }

    fn visible(&self, k: Kind) -> Vec<String> {
        self.scopes
            .iter()
            .flatten()
            .filter(|(_, kind)| *kind == k)
            .map(|(n, _)| n.clone())
            .collect()
    }

    fn pick(&self, k: Kind, i: &Index) -> Option<String> {
        let v = self.visible(k);
        (!v.is_empty()).then(|| v[i.index(v.len())].clone())
    }

    fn duration(&mut self, d: u8) -> u64 {
        self.sleeps += 1;
        match self.cfg.durations {
            Durations::Ties => TIE_DURATIONS[usize::from(d) % TIE_DURATIONS.len()],
            Durations::Distinct => DISTINCT_DURATIONS[(self.sleeps - 1) % DISTINCT_DURATIONS.len()],
        }
    }

    fn may_await(&self) -> bool {
        self.cfg.task_awaits || !self.in_task
    }

    fn block(&mut self, raw: &[RStmt]) -> Vec<Stmt> {
        self.scopes.push(Vec::new());
        let s = self.stmts(raw);
        self.scopes.pop();
        s
    }

    fn stmts(&mut self, raw: &[RStmt]) -> Vec<Stmt> {
        let mut out = Vec::new();
        for r in raw {
            self.stmt(r, &mut out);
        }
        out
    }

    fn print(&mut self, out: &mut Vec<Stmt>) {
        let l = self.name("p");
        out.push(Stmt::Print(l));
    }

    fn stmt(&mut self, r: &RStmt, out: &mut Vec<Stmt>) {
        match r {
            RStmt::Print => self.print(out),
            RStmt::PrintVar(i) => match self.pick(Kind::Int, i) {
                Some(v) => {
                    let l = self.name("p");
                    out.push(Stmt::PrintVar(l, v));
                }
                None => self.print(out),
            },
            RStmt::Let(v) => {
                let n = self.name("n");
                self.declare(&n, Kind::Int);
                out.push(Stmt::Let(n, i64::from(*v)));
            }
            RStmt::Timer(d) => {
                let n = self.name("z");
                let d = self.duration(*d);
                self.declare(&n, Kind::Fut);
                out.push(Stmt::Bind(n, FutExpr::Sleep(d)));
            }
            RStmt::Sleep(d) => {
                let d = self.duration(*d);
                if self.may_await() {
                    out.push(Stmt::Await(None, FutExpr::Sleep(d)));
                } else {
                    let n = self.name("z");
                    self.declare(&n, Kind::Fut);
                    out.push(Stmt::Bind(n, FutExpr::Sleep(d)));
                }
            }
            RStmt::Await(i) => match self.pick(Kind::Fut, i) {
                Some(f) if self.may_await() => {
                    let l = self.name("a");
                    out.push(Stmt::Await(Some(l), FutExpr::Var(f)));
                }
                _ => self.print(out),
            },
            RStmt::Spawn(body) => {
                let was = std::mem::replace(&mut self.in_task, true);
                // Every task says when it starts.
                let mut body = {
                    let mut start = Vec::new();
                    self.print(&mut start);
                    start.extend(self.block(body));
                    start
                };
                self.in_task = was;
                let n = self.name("t");
                let result = self.number();
                self.declare(&n, Kind::Fut);
                body.shrink_to_fit();
                out.push(Stmt::Spawn(
                    n,
                    Block {
                        body: Rc::new(body),
                        result,
                    },
                ));
            }
            RStmt::Call(fi, args, bind) => {
                if self.sigs.is_empty() {
                    return self.print(out);
                }
                let func = fi.index(self.sigs.len());
                let (params, result) = self.sigs[func].clone();
                let mut a = Vec::new();
                for (k, kind) in params.iter().enumerate() {
                    let choice = &args[k % args.len()];
                    a.push(match kind {
                        Kind::Int => Arg::Int(self.number()),
                        Kind::Fut => match self.pick(Kind::Fut, choice) {
                            Some(f) => Arg::Fut(FutExpr::Var(f)),
                            None => Arg::Fut(FutExpr::Resolved(self.number())),
                        },
                    });
                }
                let dest = bind.then(|| {
                    let n = self.name(if result == Kind::Fut { "t" } else { "n" });
                    self.declare(&n, result);
                    n
                });
                out.push(Stmt::Call {
                    dest,
                    func,
                    args: a,
                });
            }
            RStmt::Throw => {
                let m = self.name("e");
                out.push(Stmt::Throw(m));
            }
            RStmt::Try(body, catch, finally) => {
                let mut body = self.block(body);
                if body.is_empty() {
                    self.print(&mut body);
                }
                let label = self.name("c");
                let catch = self.block(catch);
                let finally = finally.as_ref().map(|f| Rc::new(self.block(f)));
                out.push(Stmt::Try {
                    body: Rc::new(body),
                    label,
                    catch: Rc::new(catch),
                    finally,
                });
            }
            RStmt::Complete(i, v) => match self.promise(i) {
                Some(p) => out.push(Stmt::Complete(p, i64::from(*v))),
                None => self.print(out),
            },
            RStmt::Fail(i) => match self.promise(i) {
                Some(p) => {
                    let m = self.name("m");
                    out.push(Stmt::Fail(p, m));
                }
                None => self.print(out),
            },
            RStmt::OnSuccess(i, cbs) | RStmt::OnFailure(i, cbs) => {
                let Some(fut) = self.pick(Kind::Fut, i) else {
                    return self.print(out);
                };
                let success = matches!(r, RStmt::OnSuccess(..));
                let param = self.name("v");
                let l = self.name(if success { "s" } else { "f" });
                let mut body = vec![if success {
                    Stmt::PrintVar(l, param.clone())
                } else {
                    Stmt::PrintMsg(l, param.clone())
                }];
                for cb in cbs {
                    match cb {
                        RCb::Print => self.print(&mut body),
                        RCb::Complete(i, v) => match self.promise(i) {
                            Some(p) => body.push(Stmt::Complete(p, i64::from(*v))),
                            None => self.print(&mut body),
                        },
                        RCb::Fail(i) => match self.promise(i) {
                            Some(p) => {
                                let m = self.name("m");
                                body.push(Stmt::Fail(p, m));
                            }
                            None => self.print(&mut body),
                        },
                        RCb::Throw => {
                            let m = self.name("e");
                            body.push(Stmt::Throw(m));
                        }
                    }
                }
                let body = Rc::new(body);
                out.push(if success {
                    Stmt::OnSuccess { fut, param, body }
                } else {
                    Stmt::OnFailure { fut, param, body }
                });
            }
            RStmt::WriteRead => {
                let n = self.next + 1;
                let path = format!("{PATH_PREFIX}w{n}.txt");
                let text = format!("w{n}");
                self.next += 1;
                self.paths.push(path.clone());
                if self.may_await() {
                    out.push(Stmt::Await(None, FutExpr::Write(path.clone(), text)));
                    let l = self.name("a");
                    out.push(Stmt::Await(Some(l), FutExpr::Read(path)));
                } else {
                    let w = self.name("w");
                    self.declare(&w, Kind::Fut);
                    out.push(Stmt::Bind(w, FutExpr::Write(path, text)));
                }
            }
            RStmt::ReadMissing(at_once) => {
                let n = self.number();
                let path = format!("{PATH_PREFIX}m{n}.txt");
                self.paths.push(path.clone());
                if *at_once && self.may_await() {
                    let l = self.name("a");
                    out.push(Stmt::Await(Some(l), FutExpr::Read(path)));
                } else {
                    let r = self.name("r");
                    self.declare(&r, Kind::Fut);
                    out.push(Stmt::Bind(r, FutExpr::Read(path)));
                }
            }
        }
    }

    fn completer(&mut self, p: &str, c: &RCompleter, out: &mut Vec<Stmt>) {
        let d = self.duration(c.delay);
        let resolve = if c.fail {
            let m = self.name("m");
            Stmt::Fail(p.to_string(), m)
        } else {
            Stmt::Complete(p.to_string(), i64::from(c.value))
        };
        if c.from_task && self.cfg.task_awaits {
            let n = self.name("t");
            let result = self.number();
            out.push(Stmt::Spawn(
                n,
                Block {
                    body: Rc::new(vec![Stmt::Await(None, FutExpr::Sleep(d)), resolve]),
                    result,
                },
            ));
        } else {
            let z = self.name("z");
            let param = self.name("v");
            out.push(Stmt::Bind(z.clone(), FutExpr::Sleep(d)));
            out.push(Stmt::OnSuccess {
                fut: z,
                param,
                body: Rc::new(vec![resolve]),
            });
        }
    }

    fn promise(&self, i: &Index) -> Option<String> {
        (!self.promises.is_empty()).then(|| self.promises[i.index(self.promises.len())].clone())
    }
}
