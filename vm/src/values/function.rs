//! Function prototypes (compiled once) and closures (a prototype plus the
//! scope and namespace it was created in).

use std::rc::Rc;

use crate::bytecode::Code;
use crate::namespace::Namespace;
use crate::scope::{NO_SCOPE, ScopeId, ScopeRef};
use crate::symbol::Sym;
use crate::value::Value;

#[derive(Debug, Clone)]
pub enum ParamKind {
    Positional,
    /// `b...`: the remaining positional arguments, as an array.
    Rest,
    /// `^a`: taken from the call's properties.
    Named,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: Sym,
    pub kind: ParamKind,
    /// Upstream binds the default's unevaluated form.
    pub default: Option<Value>,
}

#[derive(Debug)]
pub struct FnProto {
    pub name: Rc<str>,
    /// Where the function is written (its `fn` form).
    pub span: crate::value::Span,
    pub is_block: bool,
    pub is_async: bool,
    pub params: Vec<Param>,
    /// Every parameter is positional without a default: the fast call path.
    pub simple: bool,
    /// The body's variables live in an arena scope started at call time.
    pub body_scope: bool,
    pub code: Rc<Code>,
}

#[derive(Debug)]
pub struct Closure {
    pub proto: Rc<FnProto>,
    pub scope: Option<ScopeRef>,
    pub ns: Rc<Namespace>,
}

impl Closure {
    #[inline]
    pub fn scope_id(&self) -> ScopeId {
        self.scope.as_ref().map_or(NO_SCOPE, |s| s.id)
    }
}
