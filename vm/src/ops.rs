//! Operators on values: arithmetic with upstream's int/float rules (checked,
//! never wrapping), comparisons and equality.

use std::rc::Rc;

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
pub fn equal(a: &Value, b: &Value) -> bool {
    equal_depth(a, b, 0)
}

fn equal_depth(a: &Value, b: &Value, depth: u32) -> bool {
    if depth > 200 {
        return false;
    }
    let eq = |x: &Value, y: &Value| equal_depth(x, y, depth + 1);
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Symbol(x), Value::Symbol(y)) => x == y,
        (Value::Complex(x), Value::Complex(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            Rc::ptr_eq(x, y) || {
                let (x, y) = (x.borrow(), y.borrow());
                x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| eq(p, q))
            }
        }
        (Value::Map(x), Value::Map(y)) => {
            Rc::ptr_eq(x, y) || {
                let (x, y) = (x.borrow(), y.borrow());
                x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| eq(v, w)))
            }
        }
        (Value::Gene(x), Value::Gene(y)) => {
            Rc::ptr_eq(x, y) || {
                let (x, y) = (x.borrow(), y.borrow());
                eq(&x.head, &y.head)
                    && x.children.len() == y.children.len()
                    && x.children
                        .iter()
                        .zip(y.children.iter())
                        .all(|(p, q)| eq(p, q))
                    && x.props.len() == y.props.len()
                    && x.props
                        .iter()
                        .all(|(k, v)| y.props.get(k).is_some_and(|w| eq(v, w)))
            }
        }
        (Value::Range(x), Value::Range(y)) => x == y,
        (Value::Function(x), Value::Function(y)) => Rc::ptr_eq(x, y),
        (Value::Native(x), Value::Native(y)) => Rc::ptr_eq(x, y),
        (Value::Namespace(x), Value::Namespace(y)) => Rc::ptr_eq(x, y),
        (Value::Exception(x), Value::Exception(y)) => Rc::ptr_eq(x, y),
        (Value::Future(x), Value::Future(y)) => Rc::ptr_eq(x, y),
        (Value::Class(x), Value::Class(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
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
