//! Pre-scans that decide, before a region is compiled, how its variables are
//! stored: in frame registers, or in an arena scope that closures can capture.

use std::rc::Rc;

use rustc_hash::FxHashSet;

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

/// The forms of a region, walked with an explicit stack: a form built at
/// run time (`eval`) can nest deeper than the native stack allows, and can
/// contain itself. Each array, map and gene is visited once.
struct Walk {
    work: Vec<Value>,
    seen: FxHashSet<usize>,
}

impl Walk {
    fn new(forms: &[Value]) -> Walk {
        Walk {
            work: forms.iter().rev().cloned().collect(),
            seen: FxHashSet::default(),
        }
    }

    /// The next form not visited before.
    fn next(&mut self) -> Option<Value> {
        while let Some(v) = self.work.pop() {
            let ptr = match &v {
                Value::Gene(g) => Rc::as_ptr(g) as *const () as usize,
                Value::Array(a) => Rc::as_ptr(a) as *const () as usize,
                Value::Map(m) => Rc::as_ptr(m) as *const () as usize,
                _ => return Some(v),
            };
            if self.seen.insert(ptr) {
                return Some(v);
            }
        }
        None
    }

    /// Queues the elements of an array or map.
    fn elements(&mut self, v: &Value) {
        match v {
            Value::Array(a) => self.work.extend(a.borrow().iter().rev().cloned()),
            Value::Map(m) => self.work.extend(m.borrow().values().rev().cloned()),
            _ => {}
        }
    }

    /// Queues a gene's head, property values and children.
    fn parts(&mut self, g: &crate::value::Gene) {
        self.work.extend(g.children.iter().rev().cloned());
        self.work.extend(g.props.values().rev().cloned());
        self.work.push(g.head.clone());
    }
}

/// Does any form in the region (at any depth) create a closure?
pub fn contains_closure(forms: &[Value]) -> bool {
    let mut walk = Walk::new(forms);
    while let Some(v) = walk.next() {
        match &v {
            Value::Gene(g) => {
                if creates_closure(&v) {
                    return true;
                }
                let g = g.borrow();
                if !matches!(g.head, Value::Symbol(s) if s == sym::QUOTE) {
                    walk.parts(&g);
                }
            }
            other => walk.elements(other),
        }
    }
    false
}

/// Does the region declare a lexical variable in its own tracker (not in a
/// nested one)? Mirrors which forms the compiler gives a tracker.
pub fn declares_vars(forms: &[Value]) -> bool {
    let mut walk = Walk::new(forms);
    while let Some(v) = walk.next() {
        let Value::Gene(g) = &v else {
            walk.elements(&v);
            continue;
        };
        if creates_closure(&v) {
            continue;
        }
        if let Some((s, g)) = head_sym(&v) {
            match s {
                sym::VAR => {
                    if matches!(g.children.first(), Some(Value::Symbol(_))) {
                        return true;
                    }
                    walk.work.extend(g.children.iter().skip(1).rev().cloned());
                    continue;
                }
                // `try`'s body, handler and finally open no scope (as
                // upstream): what they declare is the enclosing tracker's.
                sym::IF | sym::FOR | sym::REPEAT | sym::QUOTE => continue,
                _ => {}
            }
        }
        walk.parts(&g.borrow());
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::read_all;

    fn forms(src: &str) -> Vec<Value> {
        read_all(src).expect("reads")
    }

    #[test]
    fn scans_find_closures_and_vars_at_any_depth() {
        // Deeper than the compiler's nesting limit: the old scans gave up
        // (answered false) past it.
        let mut v = forms("(fn f [] 1)").remove(0);
        for _ in 0..100_000 {
            v = Value::array(vec![v]);
        }
        assert!(contains_closure(std::slice::from_ref(&v)));
        let mut w = forms("(var x 1)").remove(0);
        for _ in 0..100_000 {
            w = Value::array(vec![w]);
        }
        assert!(declares_vars(std::slice::from_ref(&w)));
        assert!(!declares_vars(std::slice::from_ref(&v)));
        assert!(!contains_closure(std::slice::from_ref(&w)));
    }

    #[test]
    fn scans_end_on_cyclic_forms() {
        let a = Value::array(vec![Value::Int(1)]);
        if let Value::Array(rc) = &a {
            rc.borrow_mut().push(a.clone());
        }
        assert!(!contains_closure(std::slice::from_ref(&a)));
        assert!(!declares_vars(std::slice::from_ref(&a)));
        if let Value::Array(rc) = &a {
            rc.borrow_mut().clear();
        }
    }

    #[test]
    fn scans_keep_their_rules() {
        assert!(contains_closure(&forms("(if a [(fn [] 1)])")));
        assert!(!contains_closure(&forms("(quote (fn [] 1))")));
        assert!(declares_vars(&forms("(do (var x 1))")));
        assert!(!declares_vars(&forms("(if true (var x 1))")));
        assert!(!declares_vars(&forms("(fn f [] (var x 1))")));
        assert!(declares_vars(&forms("(try (var x 1) catch * 2)")));
        assert!(declares_vars(&forms("(try 1 catch * (var x 1))")));
        assert!(declares_vars(&forms("(try 1 catch * 2 finally (var y 1))")));
        assert!(declares_vars(&forms("(var [a] (var b 1))")));
    }
}
