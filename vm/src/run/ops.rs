//! Operators on values: arithmetic with upstream's int/float rules (checked,
//! never wrapping), comparisons and equality.

use std::rc::Rc;

use rustc_hash::FxHashSet;

use crate::bytecode::Cmp;
use crate::value::Value;

pub fn type_error(op: &str, a: &Value, b: &Value) -> Value {
    Value::exception(&format!(
        "not a number: cannot apply `{op}` to {} and {}",
        a.kind_name(),
        b.kind_name()
    ))
}

fn overflow() -> Value {
    Value::exception("integer overflow")
}

#[inline]
fn floats(a: &Value, b: &Value) -> Option<(f64, f64)> {
    let f = |v: &Value| match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(x) => Some(*x),
        _ => None,
    };
    Some((f(a)?, f(b)?))
}

#[inline]
pub fn add(a: &Value, b: &Value) -> Result<Value, Value> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.checked_add(*y).map(Value::Int).ok_or_else(overflow),
        _ => floats(a, b)
            .map(|(x, y)| Value::Float(x + y))
            .ok_or_else(|| type_error("+", a, b)),
    }
}

#[inline]
pub fn sub(a: &Value, b: &Value) -> Result<Value, Value> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.checked_sub(*y).map(Value::Int).ok_or_else(overflow),
        _ => floats(a, b)
            .map(|(x, y)| Value::Float(x - y))
            .ok_or_else(|| type_error("-", a, b)),
    }
}

pub fn mul(a: &Value, b: &Value) -> Result<Value, Value> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.checked_mul(*y).map(Value::Int).ok_or_else(overflow),
        _ => floats(a, b)
            .map(|(x, y)| Value::Float(x * y))
            .ok_or_else(|| type_error("*", a, b)),
    }
}

/// `/` always gives a float (upstream); division by zero gives inf or nan.
pub fn div(a: &Value, b: &Value) -> Result<Value, Value> {
    floats(a, b)
        .map(|(x, y)| Value::Float(x / y))
        .ok_or_else(|| type_error("/", a, b))
}

pub fn rem(a: &Value, b: &Value) -> Result<Value, Value> {
    match (a, b) {
        (Value::Int(_), Value::Int(0)) => Err(Value::exception("division by zero in `%`")),
        (Value::Int(x), Value::Int(y)) => x.checked_rem(*y).map(Value::Int).ok_or_else(overflow),
        _ => floats(a, b)
            .map(|(x, y)| Value::Float(x % y))
            .ok_or_else(|| type_error("%", a, b)),
    }
}

pub fn pow(a: &Value, b: &Value) -> Result<Value, Value> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) if *y >= 0 => int_pow(*x, *y).ok_or_else(overflow),
        _ => floats(a, b)
            .map(|(x, y)| Value::Float(x.powf(y)))
            .ok_or_else(|| type_error("**", a, b)),
    }
}

/// `x ** y` for `y >= 0`, None on overflow. Bases 0, 1 and -1 never
/// overflow, whatever the exponent (it may not fit `checked_pow`'s u32).
fn int_pow(x: i64, y: i64) -> Option<Value> {
    match x {
        0 => Some(Value::Int(i64::from(y == 0))),
        1 => Some(Value::Int(1)),
        -1 => Some(Value::Int(if y % 2 == 0 { 1 } else { -1 })),
        _ => u32::try_from(y)
            .ok()
            .and_then(|y| x.checked_pow(y))
            .map(Value::Int),
    }
}

pub fn neg(a: &Value) -> Result<Value, Value> {
    match a {
        Value::Int(x) => x.checked_neg().map(Value::Int).ok_or_else(overflow),
        Value::Float(x) => Ok(Value::Float(-x)),
        _ => Err(Value::exception(&format!(
            "not a number: cannot negate {}",
            a.kind_name()
        ))),
    }
}

/// `<` and friends: numbers only, ints and floats mixed.
#[inline]
pub fn compare(op: &str, a: &Value, b: &Value) -> Result<std::cmp::Ordering, Value> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(x.cmp(y)),
        _ => match floats(a, b) {
            Some((x, y)) => x
                .partial_cmp(&y)
                .ok_or_else(|| Value::exception("cannot compare nan")),
            None => Err(type_error(op, a, b)),
        },
    }
}

/// `==`: ints and floats never equal each other (upstream); strings by
/// value; collections structurally; other objects by identity.
///
/// Collections compare with an explicit work list, so any depth of nesting
/// compares in full. A pair of collections met again while comparing (a
/// cycle, or a shared part) counts as equal there: two cyclic values are
/// equal when unrolling them never finds a difference.
pub fn equal(a: &Value, b: &Value) -> bool {
    match shallow_equal(a, b) {
        Some(eq) => eq,
        None => equal_collections(a, b),
    }
}

/// Equality that needs no look inside collections; `None` for two
/// distinct collections of the same kind.
#[inline]
fn shallow_equal(a: &Value, b: &Value) -> Option<bool> {
    Some(match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Symbol(x), Value::Symbol(y)) => x == y,
        (Value::Complex(x), Value::Complex(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => return Rc::ptr_eq(x, y).then_some(true),
        (Value::Map(x), Value::Map(y)) => return Rc::ptr_eq(x, y).then_some(true),
        (Value::Gene(x), Value::Gene(y)) => return Rc::ptr_eq(x, y).then_some(true),
        (Value::Range(x), Value::Range(y)) => x == y,
        (Value::Function(x), Value::Function(y)) => Rc::ptr_eq(x, y),
        (Value::Native(x), Value::Native(y)) => Rc::ptr_eq(x, y),
        (Value::Namespace(x), Value::Namespace(y)) => Rc::ptr_eq(x, y),
        (Value::Exception(x), Value::Exception(y)) => Rc::ptr_eq(x, y),
        (Value::Future(x), Value::Future(y)) => Rc::ptr_eq(x, y),
        (Value::Class(x), Value::Class(y)) => Rc::ptr_eq(x, y),
        _ => false,
    })
}

fn addr<T: ?Sized>(rc: &Rc<T>) -> usize {
    Rc::as_ptr(rc) as *const () as usize
}

/// Compares two collections of the same kind, iteratively.
#[inline(never)]
fn equal_collections(a: &Value, b: &Value) -> bool {
    let mut work = vec![(a.clone(), b.clone())];
    // Pairs already compared or being compared.
    let mut seen: FxHashSet<(usize, usize)> = FxHashSet::default();
    // Compares what needs no look inside; queues two collections.
    fn queue(x: &Value, y: &Value, work: &mut Vec<(Value, Value)>) -> bool {
        match shallow_equal(x, y) {
            Some(eq) => eq,
            None => {
                work.push((x.clone(), y.clone()));
                true
            }
        }
    }
    while let Some((x, y)) = work.pop() {
        match (&x, &y) {
            (Value::Array(p), Value::Array(q)) => {
                if !seen.insert((addr(p), addr(q))) {
                    continue;
                }
                let (p, q) = (p.borrow(), q.borrow());
                if p.len() != q.len()
                    || !p.iter().zip(q.iter()).all(|(i, j)| queue(i, j, &mut work))
                {
                    return false;
                }
            }
            (Value::Map(p), Value::Map(q)) => {
                if !seen.insert((addr(p), addr(q))) {
                    continue;
                }
                let (p, q) = (p.borrow(), q.borrow());
                if p.len() != q.len()
                    || !p
                        .iter()
                        .all(|(k, v)| q.get(k).is_some_and(|w| queue(v, w, &mut work)))
                {
                    return false;
                }
            }
            (Value::Gene(p), Value::Gene(q)) => {
                if !seen.insert((addr(p), addr(q))) {
                    continue;
                }
                let (p, q) = (p.borrow(), q.borrow());
                let same = queue(&p.head, &q.head, &mut work)
                    && p.children.len() == q.children.len()
                    && p.children
                        .iter()
                        .zip(q.children.iter())
                        .all(|(i, j)| queue(i, j, &mut work))
                    && p.props.len() == q.props.len()
                    && p.props
                        .iter()
                        .all(|(k, v)| q.props.get(k).is_some_and(|w| queue(v, w, &mut work)));
                if !same {
                    return false;
                }
            }
            // Only collections of one kind are queued.
            _ => {
                if shallow_equal(&x, &y) != Some(true) {
                    return false;
                }
            }
        }
    }
    true
}

/// A fused comparison.
#[inline]
pub fn cmp(c: Cmp, a: &Value, b: &Value) -> Result<bool, Value> {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        return Ok(cmp_ord(c, x.cmp(y)));
    }
    Ok(match c {
        Cmp::Eq => equal(a, b),
        Cmp::Ne => !equal(a, b),
        Cmp::Lt => compare("<", a, b)?.is_lt(),
        Cmp::Le => compare("<=", a, b)?.is_le(),
        Cmp::Gt => compare(">", a, b)?.is_gt(),
        Cmp::Ge => compare(">=", a, b)?.is_ge(),
    })
}

/// A fused comparison with an integer constant.
#[inline]
pub fn cmp_int(c: Cmp, a: &Value, k: i32) -> Result<bool, Value> {
    match a {
        Value::Int(x) => Ok(cmp_ord(c, x.cmp(&(k as i64)))),
        _ => cmp(c, a, &Value::Int(k as i64)),
    }
}

#[inline]
fn cmp_ord(c: Cmp, o: std::cmp::Ordering) -> bool {
    match c {
        Cmp::Lt => o.is_lt(),
        Cmp::Le => o.is_le(),
        Cmp::Gt => o.is_gt(),
        Cmp::Ge => o.is_ge(),
        Cmp::Eq => o.is_eq(),
        Cmp::Ne => o.is_ne(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::symbol::Sym;
    use crate::value::{Gene, PropMap};

    fn deep(depth: usize, leaf: Value, wrap: impl Fn(Value) -> Value) -> Value {
        let mut v = leaf;
        for _ in 0..depth {
            v = wrap(v);
        }
        v
    }

    fn arr(v: Value) -> Value {
        Value::array(vec![Value::Int(1), v])
    }

    #[test]
    fn deep_equality_is_never_a_wrong_false() {
        // The old comparison gave up past 200 levels and answered false.
        for depth in [199, 201, 300_000] {
            let a = deep(depth, Value::Int(0), arr);
            let b = deep(depth, Value::Int(0), arr);
            assert!(equal(&a, &b), "depth {depth}");
            let c = deep(depth, Value::Int(9), arr);
            assert!(!equal(&a, &c), "depth {depth}");
        }
        let map = |v: Value| {
            let mut m = PropMap::default();
            m.insert(Sym::new("a"), v);
            Value::map(m)
        };
        assert!(equal(
            &deep(100_000, Value::Nil, map),
            &deep(100_000, Value::Nil, map)
        ));
        let gene = |v: Value| {
            Value::gene(Gene {
                head: Value::Symbol(Sym::new("_")),
                children: vec![v],
                ..Gene::default()
            })
        };
        assert!(equal(
            &deep(100_000, Value::Nil, gene),
            &deep(100_000, Value::Nil, gene)
        ));
        assert!(!equal(
            &deep(100_000, Value::Nil, gene),
            &deep(100_001, Value::Nil, gene)
        ));
    }

    #[test]
    fn shared_parts_compare_in_linear_time() {
        // Each level holds the one below twice: 2^60 paths, 60 pairs.
        let twice = |v: Value| Value::array(vec![v.clone(), v]);
        let a = deep(60, Value::Int(0), twice);
        let b = deep(60, Value::Int(0), twice);
        assert!(equal(&a, &b));
        assert!(!equal(&a, &deep(60, Value::Int(1), twice)));
    }

    #[test]
    fn cyclic_values_compare_without_looping() {
        let cyc = |tail: i64| {
            let a = Value::array(vec![Value::Int(tail)]);
            if let Value::Array(rc) = &a {
                rc.borrow_mut().push(a.clone());
            }
            a
        };
        let (a, b, c) = (cyc(1), cyc(1), cyc(2));
        assert!(equal(&a, &b));
        assert!(!equal(&a, &c));
        for v in [&a, &b, &c] {
            if let Value::Array(rc) = v {
                rc.borrow_mut().clear();
            }
        }
    }

    #[test]
    fn equality_kinds() {
        assert!(!equal(&Value::Int(1), &Value::Float(1.0)));
        assert!(equal(&Value::str("a"), &Value::str("a")));
        let a = Value::array(vec![Value::str("x"), Value::Float(1.5)]);
        assert!(equal(&a, &a.clone()));
        assert!(!equal(&a, &Value::array(vec![Value::str("x")])));
        assert!(!equal(&a, &Value::Nil));
        let e = Value::exception("m");
        assert!(equal(&e, &e.clone()));
        assert!(!equal(&e, &Value::exception("m")));
    }
}
