//! The concrete AST of generated async programs, and its pretty-printer to
//! Gene source.
//!
//! Every name is unique in a program (so scoping never depends on shadowing)
//! and every observable effect is a `println` of a unique label, so the
//! order of output lines is the oracle. Labels start with a letter that
//! says who printed them:
//!
//! | prefix | printed by |
//! |---|---|
//! | `p` | a plain print (`(println "p3")`, or with an int variable) |
//! | `a` | an `await` that returned (`(println "a4" (await t2))`) |
//! | `c` | a `catch` handler (`(println "c5" $ex)`) |
//! | `s` | an `.on_success` callback (`(println "s6" v6)`) |
//! | `f` | an `.on_failure` callback (`(println "f7" v7/.message)`) |

use std::fmt::Write as _;
use std::rc::Rc;

/// A statement list, shared between the AST and the model's frames.
pub type Stmts = Rc<Vec<Stmt>>;

/// A whole program: promises, then functions, then the main code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    /// `(var pN (new gene/Future))`, visible everywhere.
    pub promises: Vec<String>,
    pub funcs: Vec<Func>,
    pub main: Stmts,
    /// The fault plan the run uses.
    pub faults: Faults,
}

/// I/O faults injected by the world (`RunConfig.faults`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// 1-based numbers of the I/O operations that fail.
    pub fail_nth: Vec<u64>,
    /// Exact paths every operation on which fails.
    pub fail_paths: Vec<String>,
}

/// `(fn ^^async name [params] body... result)` or a plain function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Func {
    pub name: String,
    pub is_async: bool,
    pub params: Vec<(String, Kind)>,
    pub body: Stmts,
    pub ret: Ret,
}

/// What a function gives back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ret {
    /// An int literal.
    Int(i64),
    /// `(async (do ...))` as the last form: the function returns the task's
    /// future, and the task keeps the function's scope alive.
    Task(Block),
}

impl Ret {
    /// The kind of value the function gives (an async function always
    /// gives a future, whatever its `Ret`).
    pub fn kind(&self) -> Kind {
        match self {
            Ret::Int(_) => Kind::Int,
            Ret::Task(_) => Kind::Fut,
        }
    }
}

/// The body of an `(async (do ... result))`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub body: Stmts,
    pub result: i64,
}

/// What a variable holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Int,
    Fut,
}

/// An expression that gives a future.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FutExpr {
    /// A variable holding a future.
    Var(String),
    /// `(gene/sleep_async ms)`.
    Sleep(u64),
    /// `(gene/io/read_async "path")`.
    Read(String),
    /// `(gene/io/write_async "path" "text")`.
    Write(String, String),
    /// `(new gene/Future v)`: already successful.
    Resolved(i64),
}

/// A call argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    Int(i64),
    Fut(FutExpr),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stmt {
    /// `(println "L")`.
    Print(String),
    /// `(println "L" v)`: any variable's value.
    PrintVar(String, String),
    /// `(println "L" v/.message)`: a failure callback's exception.
    PrintMsg(String, String),
    /// `(var n 5)`.
    Let(String, i64),
    /// `(var x EXPR)`.
    Bind(String, FutExpr),
    /// `(var t (async (do ... result)))`.
    Spawn(String, Block),
    /// `(gN args...)` or `(var d (gN args...))`; `func` indexes
    /// `Program.funcs`, whose names are `g0`, `g1`, ...
    Call {
        dest: Option<String>,
        func: usize,
        args: Vec<Arg>,
    },
    /// `(await EXPR)`, or `(println "L" (await EXPR))` with a label.
    Await(Option<String>, FutExpr),
    /// `(throw "msg")`.
    Throw(String),
    /// `(try body... catch * (println "L" $ex) catch... finally fin...)`.
    Try {
        body: Stmts,
        label: String,
        catch: Stmts,
        finally: Option<Stmts>,
    },
    /// `(p .complete v)`.
    Complete(String, i64),
    /// `(p .fail "msg")`.
    Fail(String, String),
    /// `(x .on_success (param -> body...))`; the body starts with a print.
    OnSuccess {
        fut: String,
        param: String,
        body: Stmts,
    },
    /// `(x .on_failure (param -> body...))`.
    OnFailure {
        fut: String,
        param: String,
        body: Stmts,
    },
}

/// The prefix of the file names generated programs read and write: plain
/// names in the overlay's root that exist nowhere on disk (writes stay in
/// memory).
pub const PATH_PREFIX: &str = "gtprop_";

/// Pretty-prints a program as Gene source.
pub fn print_program(p: &Program) -> String {
    let mut out = String::new();
    for name in &p.promises {
        let _ = writeln!(out, "(var {name} (new gene/Future))");
    }
    for f in &p.funcs {
        let params: Vec<&str> = f.params.iter().map(|(n, _)| n.as_str()).collect();
        let _ = writeln!(
            out,
            "(fn {}{} [{}]",
            if f.is_async { "^^async " } else { "" },
            f.name,
            params.join(" ")
        );
        print_stmts(&mut out, &f.body, 1);
        indent(&mut out, 1);
        match &f.ret {
            Ret::Int(v) => {
                let _ = write!(out, "{v}");
            }
            Ret::Task(b) => print_block(&mut out, b, 1),
        }
        out.push_str(")\n");
    }
    print_stmts(&mut out, &p.main, 0);
    out
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn print_stmts(out: &mut String, stmts: &[Stmt], depth: usize) {
    for s in stmts {
        indent(out, depth);
        print_stmt(out, s, depth);
        out.push('\n');
    }
}

/// `(async (do\n body...\n result))`, starting at the current column.
fn print_block(out: &mut String, b: &Block, depth: usize) {
    if b.body.is_empty() {
        let _ = write!(out, "(async (do {}))", b.result);
        return;
    }
    out.push_str("(async (do\n");
    print_stmts(out, &b.body, depth + 1);
    indent(out, depth + 1);
    let _ = write!(out, "{}))", b.result);
}

fn fut_expr(e: &FutExpr) -> String {
    match e {
        FutExpr::Var(n) => n.clone(),
        FutExpr::Sleep(ms) => format!("(gene/sleep_async {ms})"),
        FutExpr::Read(p) => format!("(gene/io/read_async \"{p}\")"),
        FutExpr::Write(p, t) => format!("(gene/io/write_async \"{p}\" \"{t}\")"),
        FutExpr::Resolved(v) => format!("(new gene/Future {v})"),
    }
}

fn print_callback(
    out: &mut String,
    method: &str,
    fut: &str,
    param: &str,
    body: &[Stmt],
    depth: usize,
) {
    let _ = write!(out, "({fut} .{method} ({param} ->");
    if body.len() == 1 {
        out.push(' ');
        print_stmt(out, &body[0], depth + 1);
    } else {
        out.push('\n');
        for (i, s) in body.iter().enumerate() {
            indent(out, depth + 1);
            print_stmt(out, s, depth + 1);
            if i + 1 < body.len() {
                out.push('\n');
            }
        }
    }
    out.push_str("))");
}

fn print_stmt(out: &mut String, s: &Stmt, depth: usize) {
    match s {
        Stmt::Print(l) => {
            let _ = write!(out, "(println \"{l}\")");
        }
        Stmt::PrintVar(l, v) => {
            let _ = write!(out, "(println \"{l}\" {v})");
        }
        Stmt::PrintMsg(l, v) => {
            let _ = write!(out, "(println \"{l}\" {v}/.message)");
        }
        Stmt::Let(n, v) => {
            let _ = write!(out, "(var {n} {v})");
        }
        Stmt::Bind(n, e) => {
            let _ = write!(out, "(var {n} {})", fut_expr(e));
        }
        Stmt::Spawn(n, b) => {
            let _ = write!(out, "(var {n} ");
            print_block(out, b, depth);
            out.push(')');
        }
        Stmt::Call { dest, func, args } => {
            let mut call = format!("(g{func}");
            for a in args {
                call.push(' ');
                match a {
                    Arg::Int(v) => call.push_str(&v.to_string()),
                    Arg::Fut(e) => call.push_str(&fut_expr(e)),
                }
            }
            call.push(')');
            match dest {
                Some(d) => {
                    let _ = write!(out, "(var {d} {call})");
                }
                None => out.push_str(&call),
            }
        }
        Stmt::Await(None, e) => {
            let _ = write!(out, "(await {})", fut_expr(e));
        }
        Stmt::Await(Some(l), e) => {
            let _ = write!(out, "(println \"{l}\" (await {}))", fut_expr(e));
        }
        Stmt::Throw(m) => {
            let _ = write!(out, "(throw \"{m}\")");
        }
        Stmt::Try {
            body,
            label,
            catch,
            finally,
        } => {
            out.push_str("(try\n");
            print_stmts(out, body, depth + 1);
            indent(out, depth);
            out.push_str("catch *\n");
            indent(out, depth + 1);
            let _ = writeln!(out, "(println \"{label}\" $ex)");
            print_stmts(out, catch, depth + 1);
            if let Some(fin) = finally {
                indent(out, depth);
                out.push_str("finally\n");
                print_stmts(out, fin, depth + 1);
            }
            // Close on the last line printed.
            if out.ends_with('\n') {
                out.pop();
            }
            out.push(')');
        }
        Stmt::Complete(p, v) => {
            let _ = write!(out, "({p} .complete {v})");
        }
        Stmt::Fail(p, m) => {
            let _ = write!(out, "({p} .fail \"{m}\")");
        }
        Stmt::OnSuccess { fut, param, body } => {
            print_callback(out, "on_success", fut, param, body, depth)
        }
        Stmt::OnFailure { fut, param, body } => {
            print_callback(out, "on_failure", fut, param, body, depth)
        }
    }
}
