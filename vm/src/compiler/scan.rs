//! Pre-scans that decide, before a region is compiled, how its variables are
//! stored: in frame registers, or in an arena scope that closures can capture.

use crate::symbol::{Sym, sym};
use crate::value::Value;

fn head_sym(v: &Value) -> Option<(Sym, std::cell::Ref<'_, crate::value::Gene>)> {
    if let Value::Gene(g) = v {
        let g = g.borrow();
        if let Value::Symbol(s) = g.head {
            return Some((s, g));
        }
    }
    None
}

/// Does a form create something that can outlive the frame and see its
/// variables: a function, block, async body?
pub fn creates_closure(v: &Value) -> bool {
    let Value::Gene(g) = v else {
        return false;
    };
    let g = g.borrow();
    if let Value::Symbol(s) = g.head {
        if matches!(
            s,
            sym::FN | sym::FNX | sym::FNXX | sym::ARROW | sym::MACRO | sym::ASYNC
        ) {
            return true;
        }
        if s == sym::QUOTE {
            return false;
        }
    }
    matches!(g.children.first(), Some(Value::Symbol(s)) if *s == sym::ARROW)
}

/// Does any form in the region (at any depth) create a closure?
pub fn contains_closure(forms: &[Value]) -> bool {
    forms.iter().any(|f| closure_in(f, 0))
}

fn closure_in(v: &Value, depth: u32) -> bool {
    if depth > super::MAX_NESTING {
        return false;
    }
    match v {
        Value::Gene(g) => {
            if creates_closure(v) {
                return true;
            }
            let g = g.borrow();
            if matches!(g.head, Value::Symbol(s) if s == sym::QUOTE) {
                return false;
            }
            closure_in(&g.head, depth + 1)
                || g.props.values().any(|p| closure_in(p, depth + 1))
                || g.children.iter().any(|c| closure_in(c, depth + 1))
        }
        Value::Array(a) => a.borrow().iter().any(|c| closure_in(c, depth + 1)),
        Value::Map(m) => m.borrow().values().any(|c| closure_in(c, depth + 1)),
        _ => false,
    }
}

/// Does the region declare a lexical variable in its own tracker (not in a
/// nested one)? Mirrors which forms the compiler gives a tracker.
pub fn declares_vars(forms: &[Value]) -> bool {
    forms.iter().any(|f| declares(f, 0))
}

fn declares(v: &Value, depth: u32) -> bool {
    if depth > super::MAX_NESTING {
        return false;
    }
    match v {
        Value::Gene(_) => {
            if creates_closure(v) {
                return false;
            }
            if let Some((s, g)) = head_sym(v) {
                match s {
                    sym::VAR => {
                        return matches!(g.children.first(), Some(Value::Symbol(_)))
                            || g.children.iter().skip(1).any(|c| declares(c, depth + 1));
                    }
                    sym::IF | sym::FOR | sym::REPEAT | sym::QUOTE => return false,
                    _ => {}
                }
            }
            let Value::Gene(g) = v else { unreachable!() };
            let g = g.borrow();
            declares(&g.head, depth + 1)
                || g.props.values().any(|p| declares(p, depth + 1))
                || g.children.iter().any(|c| declares(c, depth + 1))
        }
        Value::Array(a) => a.borrow().iter().any(|c| declares(c, depth + 1)),
        Value::Map(m) => m.borrow().values().any(|c| declares(c, depth + 1)),
        _ => false,
    }
}
