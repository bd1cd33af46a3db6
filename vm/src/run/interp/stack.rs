//! Pushing integers and functions onto the operand stack as their two
//! parts.
//!
//! `Vec::push` builds its value in a temporary (a one-byte tag store and
//! an eight-byte payload store) and copies it into place with one 16-byte
//! load: that load cannot be forwarded from the two narrower stores and
//! waits for them to reach the cache (a store-forwarding stall, on every
//! call in `fib`). These write the tag and the payload straight into the
//! slot, which `Value`'s `repr(u8)` layout allows: the tag is the first
//! byte, the payload is at offset 8. Hand-written because no crate offers
//! a `Vec` push with this code shape.

use std::rc::Rc;

use crate::function::Closure;
use crate::value::{FUNCTION_TAG, INT_TAG, Value};

/// Pushes `Value::Int(n)`.
#[inline(always)]
pub(super) fn push_int(stack: &mut Vec<Value>, n: i64) {
    let slot = reserve_one(stack);
    // SAFETY: `slot` is allocated and unused (`reserve_one`); `Value` is
    // `repr(u8)`, so `Int`'s tag is its first byte and its `i64` sits at
    // offset 8 (the payload's alignment); both are written before the
    // length covers the slot.
    unsafe {
        slot.write(INT_TAG);
        slot.add(8).cast::<i64>().write(n);
        stack.set_len(stack.len() + 1);
    }
}

/// Pushes `Value::Function(f)`.
#[inline(always)]
pub(super) fn push_function(stack: &mut Vec<Value>, f: Rc<Closure>) {
    let slot = reserve_one(stack);
    // SAFETY: as in `push_int`: `Function`'s tag is the first byte, its
    // `Rc` (moved in, so its count is unchanged) sits at offset 8.
    unsafe {
        slot.write(FUNCTION_TAG);
        slot.add(8).cast::<Rc<Closure>>().write(f);
        stack.set_len(stack.len() + 1);
    }
}

/// The unused slot just past the stack's end, as bytes; there is room for
/// it after this returns.
#[inline(always)]
fn reserve_one(stack: &mut Vec<Value>) -> *mut u8 {
    if stack.len() == stack.capacity() {
        grow(stack);
    }
    // SAFETY: `len < capacity`, so the slot at `len` is inside the
    // allocation.
    unsafe { stack.as_mut_ptr().add(stack.len()).cast::<u8>() }
}

#[cold]
#[inline(never)]
fn grow(stack: &mut Vec<Value>) {
    stack.reserve(1);
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::{push_function, push_int};
    use crate::function::Closure;
    use crate::value::Value;
    use crate::vm::{Vm, VmConfig};

    /// A closure made by running a program that evaluates to one.
    fn closure() -> Rc<Closure> {
        let mut vm = Vm::new(VmConfig::default());
        assert!(vm.load("t.gene", "(fn f [x] x) f").is_ok(), "loads");
        match vm.run(1_000_000) {
            crate::vm::Step::Finished(Ok(Value::Function(f))) => f,
            _ => panic!("the program gives its function"),
        }
    }

    /// Integers (every bit pattern that matters: signs, extremes) and
    /// functions read back as what was pushed, in order, across the
    /// stack's growth; the functions' counts stay exact (moved in, dropped
    /// once with the stack).
    #[test]
    fn pushed_parts_read_back_as_the_values() {
        let f = closure();
        let ints = [0, 1, -1, 2, i64::MIN, i64::MAX, 0x0102_0304_0506_0708];
        let mut stack = Vec::new();
        for round in 0..200 {
            for &n in &ints {
                push_int(&mut stack, n ^ round);
            }
            push_function(&mut stack, f.clone());
            stack.push(Value::str("s"));
        }
        assert_eq!(Rc::strong_count(&f), 201);
        let mut it = stack.iter();
        for round in 0..200 {
            for &n in &ints {
                assert!(matches!(it.next(), Some(Value::Int(m)) if *m == n ^ round));
            }
            assert!(matches!(it.next(), Some(Value::Function(g)) if Rc::ptr_eq(g, &f)));
            assert!(matches!(it.next(), Some(Value::Str(s)) if &***s == "s"));
        }
        assert!(it.next().is_none());
        drop(stack);
        assert_eq!(Rc::strong_count(&f), 1);
    }
}
