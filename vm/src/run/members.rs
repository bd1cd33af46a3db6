//! Members, children, iteration and methods of values.

use std::rc::Rc;

use crate::future::{Future, FutureState};
use crate::limits;
use crate::symbol::{Sym, sym};
use crate::value::Value;
use crate::vm::Vm;

fn err(msg: String) -> Value {
    Value::exception(&msg)
}

/// `a/b`: a map key, gene property, namespace member or exception field.
pub fn get_member(v: &Value, name: Sym) -> Result<Value, Value> {
    match v {
        Value::Map(m) => m
            .borrow()
            .get(&name)
            .cloned()
            .ok_or_else(|| err(format!("key not found: {name}"))),
        Value::Gene(g) => Ok(g.borrow().props.get(&name).cloned().unwrap_or(Value::Nil)),
        Value::Namespace(ns) => match (ns.get(name), ns.builtin) {
            (Some(v), _) => Ok(v),
            // A built-in this VM does not have (upstream's `gene/os/exec`,
            // `gene/json/parse`, `genex/http`, ...): say so, rather than
            // hand on a nil that fails later with a vaguer message.
            (None, Some(_))
                if name.with_name(crate::compiler::unsupported::reported_at_the_call) =>
            {
                Ok(Value::Nil)
            }
            (None, Some(path)) => Err(err(format!(
                "`{path}/{name}` is not supported (this VM has no such built-in)"
            ))),
            (None, None) => Ok(Value::Nil),
        },
        Value::Exception(e) if name == sym::MESSAGE => {
            Ok(Value::Str(std::rc::Rc::new(Box::from(&*e.message))))
        }
        other => Err(err(format!(
            "cannot read member `{name}` of {}",
            other.kind_name()
        ))),
    }
}

fn index(len: usize, i: i64) -> Option<usize> {
    let i = if i < 0 { len as i64 + i } else { i };
    (0..len as i64).contains(&i).then_some(i as usize)
}

/// `a/0`: an array element or gene child; negative counts from the end.
pub fn get_child(v: &Value, i: i64) -> Result<Value, Value> {
    let out_of_range = |len: usize| err(format!("index {i} out of range (length {len})"));
    match v {
        Value::Array(a) => {
            let a = a.borrow();
            index(a.len(), i)
                .map(|i| a[i].clone())
                .ok_or_else(|| out_of_range(a.len()))
        }
        Value::Gene(g) => {
            let g = g.borrow();
            let c = &g.children;
            index(c.len(), i)
                .map(|i| c[i].clone())
                .ok_or_else(|| out_of_range(c.len()))
        }
        other => Err(err(format!("cannot index {} with {i}", other.kind_name()))),
    }
}

/// `(./ target key)`: like a member or child read, but None when missing.
pub fn select(target: &Value, key: &Value) -> Option<Value> {
    match key {
        Value::Int(i) => get_child(target, *i).ok(),
        Value::Symbol(s) => member_or_none(target, *s),
        Value::Str(s) => member_or_none(target, Sym::new(s)),
        _ => None,
    }
}

fn member_or_none(target: &Value, name: Sym) -> Option<Value> {
    match target {
        Value::Map(m) => m.borrow().get(&name).cloned(),
        Value::Gene(g) => g.borrow().props.get(&name).cloned(),
        Value::Namespace(ns) => ns.get(name),
        _ => None,
    }
}

/// Sets a map key or gene property; a new one may not take the map or
/// gene past `max_elements` entries.
pub fn set_member(target: &Value, name: Sym, v: Value, max_elements: usize) -> Result<(), Value> {
    match target {
        Value::Map(m) => {
            let mut m = m.borrow_mut();
            if !m.contains_key(&name) {
                limits::check_elements("a map", m.len() + 1, max_elements)?;
            }
            m.insert(name, v);
            Ok(())
        }
        Value::Gene(g) => {
            let mut g = g.borrow_mut();
            if !g.props.contains_key(&name) {
                limits::check_elements("a gene", g.props.len() + 1, max_elements)?;
            }
            g.props.insert(name, v);
            Ok(())
        }
        other => Err(err(format!(
            "cannot set member `{name}` of {}",
            other.kind_name()
        ))),
    }
}

pub fn set_child(target: &Value, i: i64, v: Value) -> Result<(), Value> {
    let out_of_range = |len: usize| err(format!("index {i} out of range (length {len})"));
    match target {
        Value::Array(a) => {
            let mut a = a.borrow_mut();
            let len = a.len();
            let i = index(len, i).ok_or_else(|| out_of_range(len))?;
            a[i] = v;
            Ok(())
        }
        Value::Gene(g) => {
            let mut g = g.borrow_mut();
            let len = g.children.len();
            let i = index(len, i).ok_or_else(|| out_of_range(len))?;
            g.children[i] = v;
            Ok(())
        }
        other => Err(err(format!(
            "cannot set child {i} of {}",
            other.kind_name()
        ))),
    }
}

/// The `idx`-th item of something `for` can iterate, None past the end.
pub fn nth_item(coll: &Value, idx: i64) -> Result<Option<Value>, Value> {
    let i = idx as usize;
    match coll {
        Value::Array(a) => Ok(a.borrow().get(i).cloned()),
        Value::Gene(g) => Ok(g.borrow().children.get(i).cloned()),
        Value::Range(r) => {
            let v = idx.checked_mul(r.step).and_then(|d| r.start.checked_add(d));
            Ok(
                v.filter(|v| if r.step > 0 { *v <= r.end } else { *v >= r.end })
                    .map(Value::Int),
            )
        }
        other => Err(err(format!("cannot iterate over {}", other.kind_name()))),
    }
}

/// Every item, for spreading into arrays and argument lists.
pub fn items(v: &Value) -> Result<Vec<Value>, Value> {
    match v {
        Value::Array(a) => Ok(a.borrow().clone()),
        Value::Gene(g) => Ok(g.borrow().children.clone()),
        Value::Range(_) => {
            let mut out = Vec::new();
            while let Some(x) = nth_item(v, out.len() as i64)? {
                if out.len() >= 10_000_000 {
                    return Err(err("range too large to spread".into()));
                }
                out.push(x);
            }
            Ok(out)
        }
        Value::Nil => Ok(Vec::new()),
        other => Err(err(format!("cannot spread {}", other.kind_name()))),
    }
}

fn arity(name: Sym, args: &[Value], n: usize) -> Result<(), Value> {
    if args.len() == n {
        Ok(())
    } else {
        Err(err(format!(
            ".{name} takes {n} argument(s), got {}",
            args.len()
        )))
    }
}

/// `(target .name args...)` and `target/.name`.
pub fn call_method(vm: &mut Vm, target: &Value, name: Sym, args: &[Value]) -> Result<Value, Value> {
    let m = name.name();
    match (target, &*m) {
        (Value::Str(s), "length") => {
            arity(name, args, 0)?;
            Ok(Value::Int(s.len() as i64))
        }
        (Value::Str(s), "append") => {
            let max = vm.config.max_string_bytes;
            limits::check_string(s.len(), max)?;
            let mut out = String::from(&***s);
            for a in args {
                limits::write_display(&mut out, a, max)?;
            }
            Ok(Value::string(out))
        }
        (Value::Str(s), "to_upper") => {
            arity(name, args, 0)?;
            // ASCII only (the length never changes: no size check), as upstream's: `straße` gives `STRAßE`.
            Ok(Value::string(s.to_ascii_uppercase()))
        }
        (Value::Str(s), "to_lower") => {
            arity(name, args, 0)?;
            Ok(Value::string(s.to_ascii_lowercase()))
        }
        (Value::Array(_), "get") => {
            arity(name, args, 1)?;
            match &args[0] {
                Value::Int(i) => get_child(target, *i),
                other => Err(err(format!(
                    ".get takes an integer index, got {}",
                    other.kind_name()
                ))),
            }
        }
        (Value::Exception(e), "message") => {
            arity(name, args, 0)?;
            Ok(Value::str(&e.message))
        }
        (Value::Future(f), _) => {
            future_method(vm, f, &m, args).map(|v| v.unwrap_or_else(|| target.clone()))
        }
        _ => Err(err(format!("no method `.{m}` on {}", target.kind_name()))),
    }
}

/// Methods of futures; `None` means "the future itself".
fn future_method(
    vm: &mut Vm,
    f: &Rc<Future>,
    m: &str,
    args: &[Value],
) -> Result<Option<Value>, Value> {
    match m {
        "state" => Ok(Some(Value::Symbol(Sym::new(f.state_name())))),
        "value" => Ok(Some(match &*f.state.borrow() {
            FutureState::Pending => Value::Nil,
            FutureState::Success(v) | FutureState::Failure(v) => v.clone(),
        })),
        "complete" | "fail" => {
            if !f.is_pending() {
                return Err(err("Future already completed".into()));
            }
            let v = args.first().cloned().unwrap_or(Value::Nil);
            let outcome = if m == "complete" {
                Ok(v)
            } else if args.is_empty() {
                Err(Value::exception("Future failed"))
            } else {
                Err(crate::reactions::exception_object(&v))
            };
            vm.resolve_now(f, outcome);
            Ok(Some(Value::Nil))
        }
        "on_success" | "on_failure" => {
            let cb = args.first().cloned().unwrap_or(Value::Nil);
            if !matches!(cb, Value::Function(_) | Value::Native(_)) {
                return Err(err(format!(
                    ".{m} expects a function or block, got {}",
                    cb.kind_name()
                )));
            }
            vm.on_resolved(f, m == "on_success", cb)?;
            Ok(None)
        }
        _ => Err(err(format!("no method `.{m}` on VkFuture"))),
    }
}
