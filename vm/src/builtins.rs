//! The `gene` namespace: built-in functions visible from every program.

use std::rc::Rc;

use crate::display;
use crate::namespace::Namespace;
use crate::native::{Native, NativeFn};
use crate::symbol::Sym;
use crate::value::Value;
use crate::vm::Vm;

pub fn install(gene: &Namespace) {
    let natives: [(&'static str, NativeFn); 5] = [
        ("println", println),
        ("print", print),
        ("assert", assert),
        ("not", not),
        ("#Str", interpolate),
    ];
    for (name, f) in natives {
        gene.set(Sym::new(name), Value::Native(Rc::new(Native { name, f })));
    }
}

fn joined(args: &[Value]) -> String {
    let mut s = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        display::write_display(&mut s, a);
    }
    s
}

fn println(vm: &mut Vm, args: &[Value]) -> Result<Value, Value> {
    let mut s = joined(args);
    s.push('\n');
    vm.print(&s);
    Ok(Value::Nil)
}

fn print(vm: &mut Vm, args: &[Value]) -> Result<Value, Value> {
    vm.print(&joined(args));
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
fn interpolate(_vm: &mut Vm, args: &[Value]) -> Result<Value, Value> {
    let mut s = String::new();
    for a in args {
        display::write_display(&mut s, a);
    }
    Ok(Value::string(s))
}
