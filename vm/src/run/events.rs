//! Trace events. The VM reports what happens as typed events (`sink`): a
//! kind and its fields, handed to the thread's sink; a recorder (in
//! gene-sim) turns them into trace records. Ids are the VM's own counters
//! (tasks, futures, operations, scope serials), so a trace is a function of
//! the run. With no sink installed, an event costs a flag test: its fields
//! (the locations and value summaries below included) are computed only
//! when a recorder listens.
//!
//! Locations (`at`) are `file:line:col` of the instruction that caused the
//! event, in the source its unit was compiled from (an `eval`'d text has a
//! source of its own, `eval#N`, announced by a `source.added` record).

use std::fmt;

use crate::bytecode::Code;
use crate::display::write_quoted_within;
use crate::value::{Span, Value};
use crate::vm::Vm;

/// `event!("gene::future", "future.created", future = id, at = Here(vm))`:
/// the area (documentation only), the record kind, and its fields in the
/// format's order (`%` for a field formatted by the sink).
macro_rules! event {
    ($target:literal, $kind:tt $(, $($fields:tt)*)?) => {
        if $crate::run::sink::recording() {
            $crate::run::sink::emit(
                $crate::run::sink::kind!($kind),
                &$crate::run::sink::event_fields!([] $($($fields)*)?),
            );
        }
    };
}

pub(crate) use event;

/// The location of the instruction at `pc` of `code`, as `file:line:col`
/// (empty when the unit has no source or the instruction no span).
pub(crate) struct At<'a>(pub &'a Code, pub usize);

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_at(f, self.0, self.0.span_at(self.1))
    }
}

/// No place (an empty location field).
const NOWHERE: crate::sink::Loc<'static> = crate::sink::Loc {
    file: "",
    line: 0,
    col: 0,
};

/// The place of the instruction at `pc` of `code`, for an event's field.
fn loc(code: &Code, pc: usize) -> crate::sink::Loc<'_> {
    span_loc(code, code.span_at(pc))
}

/// `span` of `code`'s source, for an event's field (as `write_at` writes it).
fn span_loc(code: &Code, span: Span) -> crate::sink::Loc<'_> {
    match &code.source {
        Some(s) if span != Span::default() => crate::sink::Loc {
            file: &s.name,
            line: span.line,
            col: span.col,
        },
        _ => NOWHERE,
    }
}

/// A recorded location, for an event's field (none without a span).
fn location_loc(l: &crate::vm::Location) -> crate::sink::Loc<'_> {
    if l.span == Span::default() {
        return NOWHERE;
    }
    crate::sink::Loc {
        file: &l.source.name,
        line: l.span.line,
        col: l.span.col,
    }
}

impl<'a> From<At<'a>> for crate::sink::Arg<'a> {
    fn from(at: At<'a>) -> Self {
        crate::sink::Arg::Location(loc(at.0, at.1))
    }
}

impl<'a> From<Here<'a>> for crate::sink::Arg<'a> {
    fn from(here: Here<'a>) -> Self {
        crate::sink::Arg::Location(here.loc())
    }
}

fn write_at(f: &mut fmt::Formatter<'_>, code: &Code, span: Span) -> fmt::Result {
    match &code.source {
        Some(s) if span != Span::default() => {
            // Two writes, not the formatting machinery of three arguments:
            // nearly every record carries a location.
            f.write_str(&s.name)?;
            let mut buf = [0u8; 22];
            let mut n = push_colon_u32(&mut buf, 0, span.line);
            n = push_colon_u32(&mut buf, n, span.col);
            f.write_str(std::str::from_utf8(&buf[..n]).unwrap_or_default())
        }
        _ => Ok(()),
    }
}

/// Writes `:` and `v` in decimal at `buf[at..]`; where they end.
fn push_colon_u32(buf: &mut [u8; 22], at: usize, v: u32) -> usize {
    let len = v.checked_ilog10().unwrap_or(0) as usize + 1;
    buf[at] = b':';
    let mut v = v;
    for i in (0..len).rev() {
        buf[at + 1 + i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    at + 1 + len
}

/// Where the running task is: the top frame's last instruction (its saved
/// pc, so only for events raised outside the interpreter's inner loop).
pub(crate) struct Here<'a>(pub &'a Vm);

impl<'a> Here<'a> {
    fn loc(&self) -> crate::sink::Loc<'a> {
        match self.0.frames.last() {
            Some(fr) => loc(&fr.code, fr.pc.saturating_sub(1)),
            None => NOWHERE,
        }
    }
}

impl fmt::Display for Here<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.frames.last() {
            Some(fr) => At(&fr.code, fr.pc.saturating_sub(1)).fmt(f),
            None => Ok(()),
        }
    }
}

/// Where a function's body starts (its first located instruction).
pub(crate) struct Body<'a>(pub &'a Code);

/// Where `code`'s body starts, for an event's field.
fn body_loc(code: &Code) -> crate::sink::Loc<'_> {
    span_loc(
        code,
        code.spans.first().map(|&(_, s)| s).unwrap_or_default(),
    )
}

impl<'a> From<Body<'a>> for crate::sink::Arg<'a> {
    fn from(body: Body<'a>) -> Self {
        crate::sink::Arg::Location(body_loc(body.0))
    }
}

impl fmt::Display for Body<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let span = self.0.spans.first().map(|&(_, s)| s).unwrap_or_default();
        write_at(f, self.0, span)
    }
}

/// The call chain of the running task, innermost first, as
/// `file:line:col < file:line:col < ...`: at most `SHOWN` frames, the
/// rest counted.
pub(crate) struct Backtrace<'a>(pub &'a Vm);

impl fmt::Display for Backtrace<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 16;
        let frames = &self.0.frames;
        let mut first = true;
        for fr in frames.iter().rev().take(SHOWN) {
            if !first {
                f.write_str(" < ")?;
            }
            first = false;
            At(&fr.code, fr.pc.saturating_sub(1)).fmt(f)?;
        }
        if frames.len() > SHOWN {
            write!(f, " < ({} more)", frames.len() - SHOWN)?;
        }
        Ok(())
    }
}

/// The longest value summary in a trace record, in bytes.
pub const SUMMARY_BYTES: usize = 80;

/// A value's quoted form, cut at `SUMMARY_BYTES` (ending in `…` when cut):
/// formatting stops at the cap, so a huge value costs no more than a small
/// one. The values the language prints by kind alone (`VkFunction`, as
/// upstream does) are summarized with their names: `<fn deposit>`, `<fn>`
/// (anonymous), `<block>`, `<native sleep_async>`, `<ns app>`,
/// `<class Account>`.
pub(crate) struct Summary<'a>(pub &'a Value);

impl<'a> From<Summary<'a>> for crate::sink::Arg<'a> {
    fn from(s: Summary<'a>) -> Self {
        crate::sink::Arg::Value(s.0)
    }
}

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Value::Nil => f.write_str("nil"),
            Value::Bool(b) => f.write_str(if *b { "true" } else { "false" }),
            Value::Int(i) => write!(f, "{i}"),
            Value::Function(c) if c.proto.is_block => f.write_str("<block>"),
            Value::Function(c) if c.proto.name.is_empty() || c.proto.name.starts_with('<') => {
                f.write_str("<fn>")
            }
            Value::Function(c) => write!(f, "<fn {}>", Cut(&c.proto.name)),
            Value::Native(n) => write!(f, "<native {}>", Cut(n.name)),
            Value::Namespace(ns) => write!(f, "<ns {}>", Cut(&ns.name)),
            Value::Class(c) => write!(f, "<class {}>", Cut(c.name)),
            v => {
                let mut s = String::new();
                if !write_quoted_within(&mut s, v, SUMMARY_BYTES) || s.len() > SUMMARY_BYTES {
                    let mut cut = SUMMARY_BYTES - 3;
                    while !s.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    s.truncate(cut);
                    s.push('…');
                }
                f.write_str(&s)
            }
        }
    }
}

/// A name in a summary, cut to keep the summary within `SUMMARY_BYTES`.
struct Cut<'a>(&'a str);

impl fmt::Display for Cut<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX: usize = SUMMARY_BYTES - 12;
        if self.0.len() <= MAX {
            return f.write_str(self.0);
        }
        let mut cut = MAX - 3;
        while !self.0.is_char_boundary(cut) {
            cut -= 1;
        }
        write!(f, "{}…", &self.0[..cut])
    }
}

/// A task's name (docs/trace-format.md, "Names"): the function's for a
/// call of a named `^^async` function or a named callback, otherwise its
/// kind and where its code is: `async@race.gene:12` (the `async` form),
/// `callback@race.gene:20` (the callback's body).
pub(crate) struct TaskName<'a>(pub SpawnSite<'a>);

impl TaskName<'_> {
    /// The name as an event's field: the function's name as it is, without
    /// the formatting machinery, when there is one.
    pub fn arg(&self) -> crate::sink::Arg<'_> {
        match self.0.body {
            Some(p) if !p.name.starts_with('<') => crate::sink::Arg::Str(&p.name),
            _ => crate::sink::Arg::Display(self),
        }
    }
}

impl fmt::Display for TaskName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.0.body
            && !p.name.starts_with('<')
        {
            return f.write_str(&p.name);
        }
        let at = self.0.loc().to_string();
        // file:line, without the column.
        let line = match at.rsplit_once(':') {
            Some((head, _)) => head,
            None => &at,
        };
        write!(f, "{}@{line}", self.0.kind.name())
    }
}

/// Where a task's record points: the spawn (the `async` form or the
/// `^^async` call) for an async task, the callback's body for a callback
/// (which starts where a resolution happens, not where it was written).
#[derive(Clone, Copy)]
pub(crate) struct SpawnSite<'a> {
    /// The spawning instruction (its code and pc), if any.
    pub here: Option<(&'a Code, usize)>,
    pub kind: crate::task::TaskKind,
    pub body: Option<&'a crate::function::FnProto>,
}

impl<'a> SpawnSite<'a> {
    /// A spawn by the running task, now.
    pub fn now(
        vm: &'a Vm,
        kind: crate::task::TaskKind,
        body: Option<&'a crate::function::FnProto>,
    ) -> SpawnSite<'a> {
        SpawnSite {
            here: vm
                .frames
                .last()
                .map(|fr| (&*fr.code, fr.pc.saturating_sub(1))),
            kind,
            body,
        }
    }
}

impl<'a> SpawnSite<'a> {
    /// Where the task's record points.
    pub fn loc(&self) -> crate::sink::Loc<'a> {
        match (self.kind, self.body, self.here) {
            (crate::task::TaskKind::Callback, Some(p), _) => body_loc(&p.code),
            (_, _, Some((code, pc))) => loc(code, pc),
            _ => NOWHERE,
        }
    }
}

impl<'a> From<SpawnSite<'a>> for crate::sink::Arg<'a> {
    fn from(site: SpawnSite<'a>) -> Self {
        crate::sink::Arg::Location(site.loc())
    }
}

/// Where a function is defined (its body's first location); empty for a
/// built-in.
pub(crate) struct Def<'a>(pub Option<&'a crate::function::FnProto>);

impl<'a> From<Def<'a>> for crate::sink::Arg<'a> {
    fn from(def: Def<'a>) -> Self {
        crate::sink::Arg::Location(match def.0 {
            Some(p) => span_loc(&p.code, p.span),
            None => NOWHERE,
        })
    }
}

/// Where a throw happened: its recorded location (a rethrow keeps the
/// first), else the running instruction.
pub(crate) struct ThrowSite<'a>(pub &'a Vm, pub Option<&'a crate::vm::Location>);

impl<'a> From<ThrowSite<'a>> for crate::sink::Arg<'a> {
    fn from(site: ThrowSite<'a>) -> Self {
        crate::sink::Arg::Location(match site.1 {
            Some(l) if l.span != Span::default() => location_loc(l),
            _ => Here(site.0).loc(),
        })
    }
}

/// Where the task that just ended ended: where it returned from its
/// bottom frame, or, when it ended with an uncaught exception, where that
/// was thrown (`Uncaught::location`: its throw, or the call that raised it).
pub(crate) struct Ended<'a>(
    pub Option<&'a (std::rc::Rc<Code>, usize)>,
    pub Option<&'a crate::vm::Location>,
);

impl<'a> From<Ended<'a>> for crate::sink::Arg<'a> {
    fn from(ended: Ended<'a>) -> Self {
        crate::sink::Arg::Location(match (ended.1, ended.0) {
            (Some(l), _) => location_loc(l),
            (None, None) => NOWHERE,
            (None, Some((code, pc))) => loc(code, *pc),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::push_colon_u32;

    #[test]
    fn colon_numbers_match_display() {
        for (a, b) in [(0, 0), (1, 9), (10, 99), (12_345, 7), (u32::MAX, u32::MAX)] {
            let mut buf = [0u8; 22];
            let n = push_colon_u32(&mut buf, 0, a);
            let n = push_colon_u32(&mut buf, n, b);
            assert_eq!(std::str::from_utf8(&buf[..n]).unwrap(), format!(":{a}:{b}"));
        }
    }
}
