//! The source of `eval`'d code. The value an `eval` runs has no positions
//! of its own (it may have been built at run time), so its quoted form
//! becomes a source text, `eval#N`, announced in the trace by a
//! `source.added` record with the `eval`'s site; the code is compiled from
//! that text read back, so trace locations point into it. When the text
//! does not read back as the same value (it holds a function, a future, a
//! namespace: things with no written form), the code is compiled from the
//! value with every location at the `eval`'s site, as before.
//!
//! Errors in evaluated code are reported at the `eval` (`Vm::location`).

use std::rc::Rc;

use crate::bytecode::{Code, Source};
use crate::compiler::{UnitSpans, compile_unit};
use crate::events::{At, event};
use crate::value::Value;
use crate::vm::Vm;

/// The longest `eval` text a `source.added` record holds; a longer one is
/// recorded by its length only.
pub const MAX_EVAL_TEXT: usize = 64 << 10;

impl Vm {
    /// Compiles `v` for the `eval` at `pc` of `code`.
    pub(crate) fn compile_eval(&mut self, code: &Code, pc: usize, v: Value) -> Rc<Code> {
        let outer = code.source.clone().expect("source");
        let site = code.span_at(pc);
        let mut text = String::new();
        let fits = crate::display::write_quoted_within(&mut text, &v, self.config.max_string_bytes);
        let read = if fits {
            crate::reader::read_all_located(&text).ok()
        } else {
            None
        };
        let same = read
            .as_ref()
            .is_some_and(|r| r.forms.len() == 1 && crate::ops::equal(&r.forms[0], &v));
        let Some(read) = read.filter(|_| same) else {
            return compile_unit(&mut self.names, outer, &[v], UnitSpans::At(site));
        };
        self.evals += 1;
        let name: Rc<str> = Rc::from(format!("eval#{}", self.evals));
        event!(
            "gene::source",
            "source.added",
            source = &*name,
            site = At(code, pc),
            bytes = text.len(),
            text = if text.len() <= MAX_EVAL_TEXT {
                text.as_str()
            } else {
                ""
            }
        );
        let source = Rc::new(Source {
            name,
            text: Rc::from(text.as_str()),
            site: Some((outer, site)),
        });
        compile_unit(
            &mut self.names,
            source,
            &read.forms,
            UnitSpans::Forms(&read.starts, &read.paths),
        )
    }
}
