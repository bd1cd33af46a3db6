//! The value size limits (`VmConfig::max_string_bytes`, `max_elements`):
//! an operation that would build a string or collection beyond them raises
//! a catchable exception instead of growing until an allocation fails and
//! the process aborts. The run's memory bound (gene-sim's driver) covers
//! everything else, such as many small values.

use crate::display;
use crate::value::Value;

/// Default of `VmConfig::max_string_bytes`: 256 MiB.
pub const DEFAULT_MAX_STRING_BYTES: usize = 256 << 20;
/// Default of `VmConfig::max_elements`: 16 Mi items.
pub const DEFAULT_MAX_ELEMENTS: usize = 16 << 20;

/// The exception for a string that would pass `max` bytes.
pub fn string_too_long(max: usize) -> Value {
    Value::exception(&format!(
        "value too large: a string of more than {max} bytes (the value size limit)"
    ))
}

/// The exception for a collection that would pass `max` items.
pub fn too_many_elements(kind: &str, max: usize) -> Value {
    Value::exception(&format!(
        "value too large: {kind} of more than {max} elements (the value size limit)"
    ))
}

/// Fails when a string of `len` bytes is too long.
pub fn check_string(len: usize, max: usize) -> Result<(), Value> {
    if len > max {
        Err(string_too_long(max))
    } else {
        Ok(())
    }
}

/// Fails when a collection of `len` items is too large.
pub fn check_elements(kind: &str, len: usize, max: usize) -> Result<(), Value> {
    if len > max {
        Err(too_many_elements(kind, max))
    } else {
        Ok(())
    }
}

/// Appends the display form of `v` to `out`, failing (with `out` cut
/// short) once `out` would pass `max` bytes.
pub fn write_display(out: &mut String, v: &Value, max: usize) -> Result<(), Value> {
    if display::write_display_within(out, v, max) {
        Ok(())
    } else {
        Err(string_too_long(max))
    }
}
