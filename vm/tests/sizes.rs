//! The sizes the interpreter's speed depends on, pinned: every value on the
//! operand stack and in a register is a `Value`, and every instruction
//! fetched is an `Op`. Growing either slows every instruction (more memory
//! traffic per push, per register, per fetch), so a change that grows one
//! must update this test on purpose (and BENCHMARKS.md's figures).

use std::mem::size_of;

use gene_vm::Value;
use gene_vm::bytecode::Op;

#[test]
fn a_value_is_two_words() {
    assert_eq!(size_of::<Value>(), 16);
    // The empty variant costs nothing extra: `Option<Value>` fits too.
    assert_eq!(size_of::<Option<Value>>(), 16);
}

#[test]
fn an_instruction_is_sixteen_bytes() {
    assert_eq!(size_of::<Op>(), 16);
}
