//! Built-in functions implemented in Rust.

use crate::value::Value;
use crate::vm::Vm;

/// A built-in: arguments in, a value or a thrown value out.
pub type NativeFn = fn(&mut Vm, &[Value]) -> Result<Value, Value>;

pub struct Native {
    pub name: &'static str,
    pub f: NativeFn,
}

impl std::fmt::Debug for Native {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<native {}>", self.name)
    }
}
