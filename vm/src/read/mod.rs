//! Reading: source text to forms (values), and rendering errors with the
//! source line and a caret.

pub mod diagnostic;
pub mod reader;
