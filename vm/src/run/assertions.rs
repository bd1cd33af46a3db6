//! `gene/sim/always` and `gene/sim/sometimes`: assertions a program makes
//! about every run (Antithesis style). A run does nothing with them but
//! record an `assertion` event (docs/trace-format.md) with where it was
//! made, its message and whether its condition held; `gene-trace explore`
//! reports every `always` that failed in some run and every `sometimes`
//! that no run satisfied. Both return nil.

use std::rc::Rc;

use crate::events::{Here, event};
use crate::namespace::Namespace;
use crate::native::{Native, NativeFn};
use crate::symbol::Sym;
use crate::value::Value;
use crate::vm::Vm;

/// The `gene/sim` namespace, with both assertions.
pub fn namespace() -> Rc<Namespace> {
    let sim = Namespace::builtin("sim", "gene/sim");
    let natives: [(&'static str, NativeFn); 2] = [("always", always), ("sometimes", sometimes)];
    for (name, f) in natives {
        sim.set(Sym::new(name), Value::Native(Rc::new(Native { name, f })));
    }
    sim
}

/// The condition's truth and the message, or the error for a wrong call.
fn arguments<'a>(name: &str, args: &'a [Value]) -> Result<(bool, &'a str), Value> {
    let [cond, message] = args else {
        return Err(Value::exception(&format!(
            "gene/sim/{name} expects a condition and a message, got {} argument(s)",
            args.len()
        )));
    };
    match message {
        Value::Str(s) => Ok((cond.is_truthy(), s)),
        other => Err(Value::exception(&format!(
            "gene/sim/{name} expects a string message, got {}",
            other.kind_name()
        ))),
    }
}

fn always(vm: &mut Vm, args: &[Value]) -> Result<Value, Value> {
    assertion(vm, "always", args)
}

fn sometimes(vm: &mut Vm, args: &[Value]) -> Result<Value, Value> {
    assertion(vm, "sometimes", args)
}

/// Records the assertion `kind` (`always` or `sometimes`) and returns nil.
fn assertion(vm: &mut Vm, kind: &'static str, args: &[Value]) -> Result<Value, Value> {
    let (held, message) = arguments(kind, args)?;
    event!(
        "gene::assertion",
        "assertion",
        assertion = kind,
        held = held,
        message = message,
        at = Here(vm)
    );
    Ok(Value::Nil)
}
