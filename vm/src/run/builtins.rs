//! The `gene` namespace: built-in functions visible from every program.

use std::rc::Rc;

use crate::display;
use crate::events::{Here, event};
use crate::limits;
use crate::namespace::Namespace;
use crate::native::{Native, NativeFn};
use crate::request::RequestKind;
use crate::symbol::Sym;
use crate::value::{Class, Value};
use crate::vm::Vm;

pub fn install(gene: &Namespace) {
    let natives: [(&'static str, NativeFn); 8] = [
        ("println", println),
        ("print", print),
        ("assert", assert),
        ("not", not),
        ("#Str", interpolate),
        ("sleep", sleep),
        ("sleep_async", sleep_async),
        ("complete_future", complete_future),
    ];
    define(gene, &natives);
    gene.set(
        Sym::new("Future"),
        Value::Class(Rc::new(Class { name: "Future" })),
    );
    let io = Namespace::builtin("io", "gene/io");
    define(
        &io,
        &[
            ("read", read),
            ("write", write),
            ("read_async", read_async),
            ("write_async", write_async),
        ],
    );
    gene.set(Sym::new("io"), Value::Namespace(io));
    let time = Namespace::builtin("time", "gene/time");
    define(&time, &[("now", now)]);
    gene.set(Sym::new("time"), Value::Namespace(time));
    gene.set(
        Sym::new("sim"),
        Value::Namespace(crate::run::assertions::namespace()),
    );
}

fn define(ns: &Namespace, natives: &[(&'static str, NativeFn)]) {
    for &(name, f) in natives {
        ns.set(Sym::new(name), Value::Native(Rc::new(Native { name, f })));
    }
}

fn error(msg: String) -> Value {
    Value::exception(&msg)
}

/// A duration argument: an int is milliseconds, a float seconds (upstream).
fn duration(name: &str, v: Option<&Value>) -> Result<u64, Value> {
    /// A hundred years of nanoseconds: anything longer is a mistake.
    const MAX_NANOS: f64 = 100.0 * 365.0 * 86_400.0 * 1e9;
    let nanos = match v {
        Some(Value::Int(ms)) => *ms as f64 * 1e6,
        Some(Value::Float(s)) => *s * 1e9,
        Some(other) => {
            return Err(error(format!(
                "{name} expects a duration in ms, got {}",
                other.kind_name()
            )));
        }
        None => return Err(error(format!("{name} expects a duration in ms"))),
    };
    if nanos.is_nan() || nanos < 0.0 {
        return Err(error(format!(
            "{name}: negative or invalid duration {}",
            display::display(v.expect("arg"))
        )));
    }
    if nanos > MAX_NANOS {
        return Err(error(format!(
            "{name}: duration {} is too long",
            display::display(v.expect("arg"))
        )));
    }
    Ok(nanos.round() as u64)
}

fn path(name: &str, v: Option<&Value>) -> Result<String, Value> {
    match v {
        Some(Value::Str(s)) => Ok(s.to_string()),
        Some(other) => Err(error(format!(
            "{name} expects a string path, got {}",
            other.kind_name()
        ))),
        None => Err(error(format!("{name} expects a path"))),
    }
}

fn content(name: &str, v: Option<&Value>) -> Result<String, Value> {
    match v {
        Some(Value::Str(s)) => Ok(s.to_string()),
        Some(other) => Err(error(format!(
            "{name} expects string content, got {}",
            other.kind_name()
        ))),
        None => Err(error(format!("{name} expects a path and content"))),
    }
}

/// A sleep's duration, refused when it would end past the last instant of
/// virtual time (`TIME_END_NANOS`, about 292 years).
fn timer(vm: &Vm, name: &str, v: Option<&Value>) -> Result<u64, Value> {
    let nanos = duration(name, v)?;
    if vm
        .now_nanos
        .checked_add(nanos)
        .is_none_or(|end| end > crate::vm::TIME_END_NANOS)
    {
        return Err(error(format!(
            "{name}: the timer would fire past the end of virtual time"
        )));
    }
    Ok(nanos)
}

fn sleep(vm: &mut Vm, args: &[Value]) -> Result<Value, Value> {
    let nanos = timer(vm, "gene/sleep", args.first())?;
    Ok(vm.request(RequestKind::Sleep { nanos }, true))
}

fn sleep_async(vm: &mut Vm, args: &[Value]) -> Result<Value, Value> {
    let nanos = timer(vm, "gene/sleep_async", args.first())?;
    Ok(vm.request(RequestKind::Sleep { nanos }, false))
}

fn read(vm: &mut Vm, args: &[Value]) -> Result<Value, Value> {
    let path = path("gene/io/read", args.first())?;
    Ok(vm.request(RequestKind::Read { path }, true))
}

fn read_async(vm: &mut Vm, args: &[Value]) -> Result<Value, Value> {
    let path = path("gene/io/read_async", args.first())?;
    Ok(vm.request(RequestKind::Read { path }, false))
}

fn write(vm: &mut Vm, args: &[Value]) -> Result<Value, Value> {
    let path = path("gene/io/write", args.first())?;
    let data = content("gene/io/write", args.get(1))?;
    Ok(vm.request(RequestKind::Write { path, data }, true))
}

fn write_async(vm: &mut Vm, args: &[Value]) -> Result<Value, Value> {
    let path = path("gene/io/write_async", args.first())?;
    let data = content("gene/io/write_async", args.get(1))?;
    Ok(vm.request(RequestKind::Write { path, data }, false))
}

/// Seconds of virtual time since the configured start instant.
fn now(vm: &mut Vm, _args: &[Value]) -> Result<Value, Value> {
    Ok(Value::Float(vm.now_secs()))
}

fn complete_future(vm: &mut Vm, args: &[Value]) -> Result<Value, Value> {
    let target = args.first().cloned().unwrap_or(Value::Nil);
    crate::members::call_method(
        vm,
        &target,
        Sym::new("complete"),
        args.get(1..).unwrap_or(&[]),
    )
}

/// The printed line, within the string size limit.
fn joined(vm: &Vm, args: &[Value]) -> Result<String, Value> {
    let max = vm.config.max_string_bytes;
    let mut s = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        limits::write_display(&mut s, a, max)?;
    }
    Ok(s)
}

fn println(vm: &mut Vm, args: &[Value]) -> Result<Value, Value> {
    let mut s = joined(vm, args)?;
    event!(
        "gene::output",
        "output",
        text = s.as_str(),
        newline = true,
        at = Here(vm)
    );
    s.push('\n');
    vm.print(&s);
    Ok(Value::Nil)
}

fn print(vm: &mut Vm, args: &[Value]) -> Result<Value, Value> {
    let s = joined(vm, args)?;
    event!(
        "gene::output",
        "output",
        text = s.as_str(),
        newline = false,
        at = Here(vm)
    );
    vm.print(&s);
    Ok(Value::Nil)
}

fn assert(_vm: &mut Vm, args: &[Value]) -> Result<Value, Value> {
    match args.first() {
        Some(c) if c.is_truthy() => Ok(Value::Nil),
        _ => Err(match args.get(1) {
            Some(msg) => Value::exception(&display::display(msg)),
            None => Value::exception("Assertion failed"),
        }),
    }
}

fn not(_vm: &mut Vm, args: &[Value]) -> Result<Value, Value> {
    Ok(Value::Bool(!args.first().is_some_and(Value::is_truthy)))
}

/// `#"a #{x} b"` reads as `(#Str "a " x " b")`.
fn interpolate(vm: &mut Vm, args: &[Value]) -> Result<Value, Value> {
    let mut s = String::new();
    for a in args {
        limits::write_display(&mut s, a, vm.config.max_string_bytes)?;
    }
    Ok(Value::string(s))
}
