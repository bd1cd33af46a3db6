//! The instruction set and compiled code units.
//!
//! A stack machine with frame registers: a frame's registers are the first
//! `nregs` slots of its window on the operand stack (lexical variables that no
//! closure can capture, plus hidden loop state); temporaries sit above them.
//! Capturable variables live in arena scopes, addressed by (hops, slot)
//! resolved at compile time.

use std::rc::Rc;

use crate::function::FnProto;
use crate::symbol::Sym;
use crate::value::{Span, Value};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    // Constants and stack shuffling.
    Const(u32),
    Int(i32),
    Nil,
    True,
    False,
    Pop,
    Dup,
    /// Drops `n` values below the top one.
    PopUnder(u32),

    // Variables.
    LoadReg(u32),
    /// Stores the top into a register, keeping it on the stack.
    StoreReg(u32),
    LoadScope(u16, u16),
    StoreScope(u16, u16),
    /// Starts an arena scope under the frame's current one.
    ScopeStart,
    ScopeEnd,
    /// Namespace lookup through the inline cache with this index.
    LoadName(u32),
    /// The frame's current namespace.
    LoadNs,
    /// Stores the top into the current namespace under a name, keeping it.
    DefineName(Sym),

    // Control.
    Jump(u32),
    JumpIfFalse(u32),
    JumpIfTrue(u32),
    /// Advances the iteration over the collection in a register (its index
    /// in the next register): pushes the next item, or jumps when done.
    ForNext(u32, u32),
    /// `reg += 1` for integer counters.
    IncReg(u32),
    /// Jumps when `reg_a >= reg_b` (repeat counters).
    JumpIfGe(u32, u32, u32),

    // Fused forms of common sequences (see `compiler::peephole`).
    /// StoreReg + Pop.
    SetReg(u32),
    /// StoreScope + Pop.
    SetScope(u16, u16),
    /// Int(k) + Add.
    AddInt(i32),
    /// LoadReg(r) + AddInt(k).
    RegAddInt(u32, i32),
    /// `reg += k` in place: RegAddInt(r, k) + SetReg(r).
    IncRegBy(u32, i32),
    /// LoadReg(r) + Add.
    AddReg(u32),
    /// Int(k) + a comparison.
    CmpInt(Cmp, i32),
    /// LoadReg(r) + CmpInt.
    RegCmpInt(u32, Cmp, i32),
    /// A comparison + JumpIfFalse.
    JumpUnless(Cmp, u32),
    /// CmpInt + JumpIfFalse.
    JumpUnlessInt(Cmp, i32, u32),
    /// RegCmpInt + JumpIfFalse.
    JumpUnlessRegInt(u32, Cmp, i32, u32),
    /// LoadName + JumpIfNotCallable.
    LoadCallee(u32, u32),
    /// LoadReg(a) + AddReg(b): pushes `reg_a + reg_b`.
    RegAddReg(u32, u32),
    /// `reg_a += reg_b` in place: RegAddReg(a, b) + SetReg(a).
    IncRegByReg(u32, u32),
    /// The back edge of a `while` whose condition is one
    /// JumpUnlessRegInt(r, cmp, k, _) at the loop's start, rotated: jumps
    /// to the body (the instruction after the condition) while the
    /// condition holds, else falls through to the loop's exit.
    JumpIfRegInt(u32, Cmp, i32, u32),
    /// LoadReg(r) + GetChild(i).
    RegGetChild(u32, i32),
    /// LoadReg(r) + GetMember(name).
    RegGetMember(u32, Sym),
    /// Dup + GetMember(name): reads a member of the top, keeping it.
    DupGetMember(Sym),
    /// `reg_r/i = top`, keeping the top: an assignment to an element of
    /// a register's value whose right side cannot change the register.
    SetRegChild(u32, i32),
    /// `reg_r/name = top`, keeping the top.
    SetRegMember(u32, Sym),
    /// SetRegChild + Pop.
    SetRegChildPop(u32, i32),
    /// SetRegMember + Pop.
    SetRegMemberPop(u32, Sym),
    /// SetChild(i) + Pop.
    SetChildPop(i32),
    /// SetMember(name) + Pop.
    SetMemberPop(Sym),

    // Operators.
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Neg,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    /// `&&` / `||`: both operands evaluated, returns one of them.
    And,
    Or,
    /// Variadic prefix arithmetic: `(+ a b c)`; operator, argument count.
    Fold(FoldOp, u32),

    // Data.
    MakeArray(u32),
    /// Appends the top to the array below it.
    ArrayPush,
    /// Appends every item of the top (array, gene children, range) to the array below.
    ArrayExtend,
    /// Keys in the constant (an array of symbols), values on the stack.
    MakeMap(u32),
    /// Shape constant: `(head ^keys... n)`; head, prop values, children on the stack.
    MakeGene(u32),
    MakeRange,

    // Members and children.
    GetMember(Sym),
    GetChild(i32),
    /// `(./ target key default)`: key and default on the stack; nil/default when missing.
    Select,
    SetMember(Sym),
    SetChild(i32),
    /// Zero or more arguments: the target is below them.
    CallMethod(Sym, u32),

    // Functions and calls.
    MakeClosure(u32),
    /// Jumps unless the top is something callable with evaluated arguments.
    JumpIfNotCallable(u32),
    Call(u32),
    TailCall(u32),
    /// Callee, then one array of arguments.
    CallArgs,
    /// Callee, then a map of named arguments, then the positional ones.
    CallNamed(u32),
    /// Replaces a non-callable head with the gene of it and the unevaluated
    /// arguments in this constant.
    QuotedCall(u32),
    Return,

    // Exceptions.
    TryStart(u32),
    /// Pops the handler (or catch marker) on top of the handler stack.
    TryEnd,
    /// Entering a `catch` handler: pops the caught value into a marker on the
    /// handler stack, which `$ex` reads until a `TryEnd` pops it.
    CatchBegin,
    /// `$ex`: the value of the innermost catch marker of this task, or nil.
    LoadEx,
    Throw,
    /// Throws the top again, keeping the location of its first throw.
    Rethrow,
    /// Raises a compile-time error (constant: message) at run time, so `try` can catch it.
    Fail(u32),

    // Async.
    /// Starts the closure on top as a task, at once; leaves its future.
    Async,
    /// Waits for the future on top; leaves its value or throws its failure.
    Await,
    /// Waits until nothing is pending anywhere (`$await_all`).
    AwaitAll,
    /// `(new Class args...)`: the class is below the arguments.
    New(u32),

    // Namespaces and evaluation.
    NsBegin(Sym),
    NsEnd,
    /// Evaluates the top again; the constant lists the visible variables
    /// (see `Compiler::visible_vars`) so that a symbol can name one.
    Eval(u32),
    Parse,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FoldOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// The program text a unit was compiled from, for error locations.
#[derive(Debug)]
pub struct Source {
    pub name: Rc<str>,
    pub text: Rc<str>,
    /// For the text of an `eval` (`eval#N`): where the `eval` ran. Errors
    /// are reported there; trace locations point into the text.
    pub site: Option<(Rc<Source>, Span)>,
}

/// One compiled unit: a function body, a file's top level, or eval'd code.
#[derive(Debug, Default)]
pub struct Code {
    pub ops: Vec<Op>,
    pub consts: Vec<Value>,
    pub protos: Vec<Rc<FnProto>>,
    /// (first pc, span) pairs, sorted by pc.
    pub spans: Vec<(u32, Span)>,
    pub source: Option<Rc<Source>>,
    pub nregs: u32,
    /// (pc, variable) of every scope-slot load and store, sorted by pc: the
    /// names that `var.written`/`var.read` trace records carry.
    pub var_names: Vec<(u32, crate::symbol::Sym)>,
}

impl Code {
    /// The variable a scope-slot load or store at `pc` names.
    pub fn var_at(&self, pc: usize) -> Option<crate::symbol::Sym> {
        let i = self.var_names.partition_point(|&(p, _)| (p as usize) < pc);
        match self.var_names.get(i) {
            Some(&(p, name)) if p as usize == pc => Some(name),
            _ => None,
        }
    }

    /// The source position of the instruction at `pc`.
    pub fn span_at(&self, pc: usize) -> Span {
        let i = self.spans.partition_point(|&(p, _)| p as usize <= pc);
        if i == 0 {
            Span::default()
        } else {
            self.spans[i - 1].1
        }
    }
}
