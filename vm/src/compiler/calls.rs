//! Calls, operators, assignment and method calls.

use super::{Compiler, Kind};
use crate::bytecode::{FoldOp, Op};
use crate::symbol::{Sym, sym};
use crate::value::{Gene, Value};

impl Compiler<'_> {
    /// `(f args...)`: decided at run time by what `f` is. Callables get
    /// evaluated arguments; anything else becomes a gene of the unevaluated
    /// forms (upstream's rule).
    pub(super) fn call(&mut self, g: &Gene, tail: bool) {
        self.expr(&g.head, false);
        self.f().temps += 1;
        let alt = self.emit(Op::JumpIfNotCallable(0));
        let spread = g.children.iter().any(|c| Self::spread_of(c).is_some());
        if spread {
            self.array(&g.children);
            self.emit(Op::CallArgs);
        } else if !g.props.is_empty() {
            let keys: Vec<Value> = g.props.keys().map(|k| Value::Symbol(*k)).collect();
            for v in g.props.values() {
                self.expr(v, false);
                self.f().temps += 1;
            }
            self.f().temps -= g.props.len() as u32;
            let k = self.constant(Value::array(keys));
            self.emit(Op::MakeMap(k));
            self.f().temps += 1;
            for c in &g.children {
                self.expr(c, false);
                self.f().temps += 1;
            }
            self.f().temps -= 1 + g.children.len() as u32;
            self.emit(Op::CallNamed(g.children.len() as u32));
        } else {
            for c in &g.children {
                self.expr(c, false);
                self.f().temps += 1;
            }
            self.f().temps -= g.children.len() as u32;
            let argc = g.children.len() as u32;
            let tail = tail && self.f().kind == Kind::Function && self.f().unwind.is_empty();
            self.emit(if tail {
                Op::TailCall(argc)
            } else {
                Op::Call(argc)
            });
        }
        let quoted = Gene {
            head: Value::Nil,
            props: g.props.clone(),
            children: g.children.clone(),
            span: g.span,
        };
        let k = self.constant(Value::gene(quoted));
        // The non-callable path returns here; it is compiled out of line.
        let resume = self.label();
        let span = self.span;
        self.f().cold.push((alt, k, resume, span));
        self.f().temps -= 1;
    }

    /// Prefix operators (infix forms are rewritten to these).
    pub(super) fn operator(&mut self, op: Sym, args: &[Value]) {
        let binary = match op {
            sym::PLUS => Op::Add,
            sym::MINUS => Op::Sub,
            sym::MUL => Op::Mul,
            sym::DIV => Op::Div,
            sym::MOD => Op::Mod,
            sym::POW => Op::Pow,
            sym::LT => Op::Lt,
            sym::LE => Op::Le,
            sym::GT => Op::Gt,
            sym::GE => Op::Ge,
            sym::EQ => Op::Eq,
            _ => Op::Ne,
        };
        let fold = match op {
            sym::PLUS => Some(FoldOp::Add),
            sym::MINUS => Some(FoldOp::Sub),
            sym::MUL => Some(FoldOp::Mul),
            sym::DIV => Some(FoldOp::Div),
            _ => None,
        };
        match (args.len(), fold) {
            (2, _) => {
                self.expr(&args[0], false);
                self.f().temps += 1;
                self.expr(&args[1], false);
                self.f().temps -= 1;
                self.emit(binary);
            }
            (1, Some(FoldOp::Sub)) => {
                self.expr(&args[0], false);
                self.emit(Op::Neg);
            }
            (n, Some(f)) => {
                for a in args {
                    self.expr(a, false);
                    self.f().temps += 1;
                }
                self.f().temps -= n as u32;
                self.emit(Op::Fold(f, n as u32));
            }
            (n, None) => self.fail(format!("`{op}` takes 2 operands, got {n}")),
        }
    }

    /// `(a && b)`, `(a || b && c)`: every operand evaluated, left to right.
    pub(super) fn logic(&mut self, first: &Value, ch: &[Value]) {
        self.expr(first, false);
        let mut i = 0;
        while i < ch.len() {
            let op = match &ch[i] {
                Value::Symbol(s) if *s == sym::AND => Op::And,
                Value::Symbol(s) if *s == sym::OR => Op::Or,
                _ => return self.fail("expected && or || between operands"),
            };
            let Some(rhs) = ch.get(i + 1) else {
                return self.fail("&& and || need an operand on each side");
            };
            self.f().temps += 1;
            self.expr(rhs, false);
            self.f().temps -= 1;
            self.emit(op);
            i += 2;
        }
    }

    /// `(x = e)`, `(x += e)`, `(a/b/0 = e)`, `($ns/x = e)`.
    pub(super) fn assign(&mut self, target: &Value, op: Sym, rest: &[Value]) {
        let Some(value) = rest.first() else {
            return self.fail(format!("`{op}` needs a value"));
        };
        let arith = match op {
            sym::ADD_ASSIGN => Some(Op::Add),
            sym::SUB_ASSIGN => Some(Op::Sub),
            _ => None,
        };
        match target {
            Value::Symbol(s) => {
                let Some((load, store)) = self.resolve(*s) else {
                    return self.fail(format!(
                        "cannot assign to `{s}`: it is not a declared variable"
                    ));
                };
                if let Some(a) = arith {
                    self.emit_var(load, *s);
                    self.f().temps += 1;
                    self.expr(value, false);
                    self.f().temps -= 1;
                    self.emit(a);
                } else {
                    self.expr(value, false);
                }
                self.emit_var(store, *s);
            }
            Value::Complex(parts)
                if let Some(r) = self.register_target(parts)
                    && writes_no_variable(value) =>
            {
                // `(a/0 = e)` with `a` in a register: the element is written
                // through the register, after `e`, which cannot change `a`.
                let last = *parts.last().expect("parts");
                let index = last.name().parse::<i32>().ok();
                if let Some(a) = arith {
                    match index {
                        Some(i) => self.emit(Op::RegGetChild(r, i)),
                        None => self.emit(Op::RegGetMember(r, last)),
                    };
                    self.f().temps += 1;
                    self.expr(value, false);
                    self.f().temps -= 1;
                    self.emit(a);
                } else {
                    self.expr(value, false);
                }
                match index {
                    Some(i) => self.emit(Op::SetRegChild(r, i)),
                    None => self.emit(Op::SetRegMember(r, last)),
                };
            }
            Value::Complex(parts) => {
                let last = *parts.last().expect("parts");
                self.path(parts, parts.len() - 1);
                self.f().temps += 1;
                let index = last.name().parse::<i32>().ok();
                if let Some(a) = arith {
                    self.emit(Op::Dup);
                    self.f().temps += 1;
                    match index {
                        Some(i) => self.emit(Op::GetChild(i)),
                        None => self.emit(Op::GetMember(last)),
                    };
                    self.expr(value, false);
                    self.f().temps -= 1;
                    self.emit(a);
                } else {
                    self.expr(value, false);
                }
                self.f().temps -= 1;
                match index {
                    Some(i) => self.emit(Op::SetChild(i)),
                    None => self.emit(Op::SetMember(last)),
                };
            }
            _ => self.fail("can only assign to a name or a path"),
        }
    }

    /// The register of `a` in a two-part path `a/k`, when `a` is a
    /// variable of this function held in a register.
    fn register_target(&mut self, parts: &[Sym]) -> Option<u32> {
        let [first, _] = parts else { return None };
        if first.with_name(|s| s.is_empty()) {
            return None;
        }
        match self.resolve(*first) {
            Some((Op::LoadReg(r), _)) => Some(r),
            _ => None,
        }
    }

    /// `(a/b/.m args...)`, when the path ends with a method: the method
    /// call `(a/b .m args...)`, so that `(items/.get 0)` is item 0 as
    /// upstream's testsuite means it (without arguments, `(x/.m)` stays the
    /// one-element gene of upstream's rule). False when the path does not
    /// end with a method.
    pub(super) fn path_method_call(&mut self, parts: &[Sym], args: &[Value]) -> bool {
        let (Some(last), true) = (parts.last(), parts.len() >= 2) else {
            return false;
        };
        let name = last.name();
        let Some(m) = name
            .strip_prefix('.')
            .filter(|m| !m.is_empty() && !m.starts_with('.'))
        else {
            return false;
        };
        if args.iter().any(|a| Self::spread_of(a).is_some()) {
            return false;
        }
        self.path(parts, parts.len() - 1);
        self.f().temps += 1;
        for a in args {
            self.expr(a, false);
            self.f().temps += 1;
        }
        self.f().temps -= 1 + args.len() as u32;
        self.emit(Op::CallMethod(Sym::new(m), args.len() as u32));
        true
    }

    /// `(obj .m args...)`.
    pub(super) fn method_call(&mut self, target: &Value, name: Sym, args: &[Value]) {
        self.expr(target, false);
        self.f().temps += 1;
        for a in args {
            self.expr(a, false);
            self.f().temps += 1;
        }
        self.f().temps -= 1 + args.len() as u32;
        self.emit(Op::CallMethod(name, args.len() as u32));
    }
}

/// Whether evaluating `v` cannot assign or declare a variable of the
/// function compiling it: no assignment, declaration, binding form or
/// `eval` anywhere in it (calls are fine: a register is out of reach of
/// other functions). Conservative: it looks at symbols only.
fn writes_no_variable(v: &Value) -> bool {
    const WRITERS: &[&str] = &[
        "=", "+=", "-=", "*=", "/=", "var", "for", "fn", "fnx", "fnxx", "macro", "eval", "$eval",
        "loop", "while", "repeat", "try", "ns", "do", "if", "case",
    ];
    let mut stack = vec![v.clone()];
    while let Some(v) = stack.pop() {
        match &v {
            Value::Symbol(s) if s.with_name(|n| WRITERS.contains(&n)) => return false,
            Value::Complex(parts) if parts.iter().any(|p| p.with_name(|n| n == "eval")) => {
                return false;
            }
            Value::Gene(g) => {
                let g = g.borrow();
                stack.push(g.head.clone());
                stack.extend(g.props.values().cloned());
                stack.extend(g.children.iter().cloned());
            }
            Value::Array(a) => stack.extend(a.borrow().iter().cloned()),
            Value::Map(m) => stack.extend(m.borrow().values().cloned()),
            _ => {}
        }
    }
    true
}
