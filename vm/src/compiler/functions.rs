//! Function definitions: `fn` (named, with or without an argument list),
//! the closures of `fn`, `fnx`, `fnxx` and blocks, and argument lists.

use std::rc::Rc;

use super::Compiler;
use crate::bytecode::Op;
use crate::function::{Param, ParamKind};
use crate::symbol::{Sym, sym};
use crate::value::{Gene, Value};

impl Compiler<'_> {
    pub(super) fn fn_form(&mut self, g: &Gene) {
        let is_async = matches!(g.props.get(&sym::ASYNC), Some(v) if v.is_truthy());
        let ch = &g.children;
        let Some(name) = ch.first() else {
            return self.fail("fn needs a name");
        };
        let Some(after_name) = ch.get(1) else {
            return self.fail("fn needs an argument list");
        };
        // `(fn name (body...) ...)`: a gene where the argument list belongs
        // starts the body of a function with no parameters.
        let (params, body) = match after_name {
            Value::Gene(_) => (None, &ch[1..]),
            p => (Some(p), &ch[2..]),
        };
        let display_name: Rc<str> = match name {
            Value::Symbol(s) => s.name(),
            Value::Str(s) => Rc::from(&***s),
            Value::Complex(parts) => parts.last().expect("parts").name(),
            _ => return self.fail("fn name must be a symbol or a string"),
        };
        match name {
            Value::Complex(parts) => {
                // Stored in the namespace the prefix names.
                self.path(parts, parts.len() - 1);
                self.f().temps += 1;
                self.closure_form(params, body, false, is_async, Some(display_name));
                self.f().temps -= 1;
                self.emit(Op::SetMember(*parts.last().expect("parts")));
            }
            Value::Str(s) => {
                self.closure_form(params, body, false, is_async, Some(display_name));
                self.emit(Op::DefineName(Sym::new(s)));
            }
            Value::Symbol(s) => {
                self.closure_form(params, body, false, is_async, Some(display_name));
                self.emit(Op::DefineName(*s));
            }
            _ => {}
        }
    }

    /// `fn`, `fnx`, `fnxx` and blocks: compiles the body, pushes the closure.
    pub(super) fn closure_form(
        &mut self,
        params: Option<&Value>,
        body: &[Value],
        is_block: bool,
        is_async: bool,
        name: Option<Rc<str>>,
    ) {
        let params = match params.map(parse_params).transpose() {
            Ok(p) => p.unwrap_or_default(),
            Err(e) => return self.fail(e),
        };
        let name = name.unwrap_or_else(|| Rc::from(if is_block { "<block>" } else { "<fn>" }));
        let idx = self.function(name, params, body, is_block, is_async);
        self.emit(Op::MakeClosure(idx));
    }
}

/// Parses an argument list: `_`, `[]`, `a`, or `[a b = 2 ^named rest...]`.
pub(super) fn parse_params(v: &Value) -> Result<Vec<Param>, String> {
    let positional = |name| Param {
        name,
        kind: ParamKind::Positional,
        default: None,
    };
    match v {
        Value::Symbol(s) if *s == sym::UNDERSCORE => Ok(Vec::new()),
        Value::Symbol(s) => Ok(vec![param_named(*s).unwrap_or_else(|| positional(*s))]),
        Value::Array(items) => {
            let items = items.borrow();
            let mut out: Vec<Param> = Vec::new();
            let mut i = 0;
            while i < items.len() {
                match &items[i] {
                    Value::Symbol(s) if *s == sym::ASSIGN => {
                        let (Some(last), Some(d)) = (out.last_mut(), items.get(i + 1)) else {
                            return Err(
                                "`=` in an argument list needs a name before and a default after"
                                    .into(),
                            );
                        };
                        last.default = Some(d.clone());
                        i += 2;
                        continue;
                    }
                    Value::Symbol(s) => out.push(param_named(*s).unwrap_or_else(|| positional(*s))),
                    other => {
                        return Err(format!(
                            "argument list entries must be names, got {}",
                            crate::display::display(other)
                        ));
                    }
                }
                i += 1;
            }
            Ok(out)
        }
        Value::Gene(_) => Err(
            "an argument list must be _, a name or an array; got a gene (write `[]` for none)"
                .into(),
        ),
        other => Err(format!(
            "an argument list must be _, a name or an array; got {}",
            crate::display::display(other)
        )),
    }
}

fn param_named(s: Sym) -> Option<Param> {
    let n = s.name();
    if let Some(rest) = n.strip_suffix("...").filter(|r| !r.is_empty()) {
        return Some(Param {
            name: Sym::new(rest),
            kind: ParamKind::Rest,
            default: None,
        });
    }
    n.strip_prefix('^')
        .filter(|r| !r.is_empty())
        .map(|r| Param {
            name: Sym::new(r),
            kind: ParamKind::Named,
            default: None,
        })
}
