//! Where the VM's trace events go: typed events (a kind and its fields, in
//! the order docs/trace-format.md lists them) handed to the sink of the
//! current thread, with no `tracing` dispatch and no visitor. With no sink
//! installed an event costs one thread-local flag test (`recording`): its
//! fields, the locations and value summaries among them, are not computed.
//!
//! The kinds are the trace format's (gene-sim's `trace::schema::KINDS`, in
//! the same order: a test there holds the two lists equal), so a sink finds
//! a kind's spec by its index.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

/// A record kind of the trace format, in `schema::KINDS`'s order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    PollBegin,
    PollEnd,
    OpStarted,
    OpCompleted,
    FutureCreated,
    FutureResolved,
    FutureObserved,
    FutureUnobserved,
    FutureAdopted,
    CallbackRegistered,
    CallbackNative,
    CallbackFailed,
    TaskSpawned,
    TaskAwaiting,
    TaskAwaitingAll,
    TaskResumed,
    TaskPreempted,
    TaskContinued,
    TaskFinished,
    ExceptionThrown,
    ScopeCreated,
    ScopeRetained,
    ScopeReleased,
    ScopeFreed,
    ScopeUnderflow,
    Output,
    VarWritten,
    VarRead,
    SourceAdded,
    Assertion,
    Decision,
    RunEnd,
}

impl Kind {
    /// Every kind, in order.
    pub const ALL: [Kind; 32] = [
        Kind::PollBegin,
        Kind::PollEnd,
        Kind::OpStarted,
        Kind::OpCompleted,
        Kind::FutureCreated,
        Kind::FutureResolved,
        Kind::FutureObserved,
        Kind::FutureUnobserved,
        Kind::FutureAdopted,
        Kind::CallbackRegistered,
        Kind::CallbackNative,
        Kind::CallbackFailed,
        Kind::TaskSpawned,
        Kind::TaskAwaiting,
        Kind::TaskAwaitingAll,
        Kind::TaskResumed,
        Kind::TaskPreempted,
        Kind::TaskContinued,
        Kind::TaskFinished,
        Kind::ExceptionThrown,
        Kind::ScopeCreated,
        Kind::ScopeRetained,
        Kind::ScopeReleased,
        Kind::ScopeFreed,
        Kind::ScopeUnderflow,
        Kind::Output,
        Kind::VarWritten,
        Kind::VarRead,
        Kind::SourceAdded,
        Kind::Assertion,
        Kind::Decision,
        Kind::RunEnd,
    ];

    /// The kind's position in `ALL` (and in the schema's table).
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A field's value.
#[derive(Clone, Copy)]
pub enum Arg<'a> {
    U64(u64),
    Bool(bool),
    Str(&'a str),
    /// Text that the sink formats only when it takes the event (value
    /// summaries, names).
    Display(&'a dyn fmt::Display),
    /// A place in the program, which a sink can write without the
    /// formatting machinery (nearly every record has one).
    Location(Loc<'a>),
    /// A value, summarized as [`Summarized`] displays it (an integer, the
    /// common case, a sink can write without the formatting machinery).
    Value(&'a crate::value::Value),
    /// A value in full, as [`crate::display::Quoted`] displays it (nil,
    /// booleans and integers without the formatting machinery).
    Quoted(&'a crate::value::Value),
}

/// A value's summary in a record: its quoted form, cut at
/// `events::SUMMARY_BYTES`.
pub struct Summarized<'a>(pub &'a crate::value::Value);

impl fmt::Display for Summarized<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&crate::events::Summary(self.0), f)
    }
}

/// A place in a program: `file:line:col`; no place when `file` is empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Loc<'a> {
    pub file: &'a str,
    pub line: u32,
    pub col: u32,
}

impl fmt::Display for Loc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.file.is_empty() {
            return Ok(());
        }
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

impl<'a> From<Loc<'a>> for Arg<'a> {
    fn from(v: Loc<'a>) -> Self {
        Arg::Location(v)
    }
}

impl From<u64> for Arg<'_> {
    fn from(v: u64) -> Self {
        Arg::U64(v)
    }
}

impl From<u32> for Arg<'_> {
    fn from(v: u32) -> Self {
        Arg::U64(u64::from(v))
    }
}

impl From<usize> for Arg<'_> {
    fn from(v: usize) -> Self {
        Arg::U64(v as u64)
    }
}

impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Str(v)
    }
}

/// One event: its kind and its fields, named, in the format's order.
pub struct Event<'a> {
    pub kind: Kind,
    pub fields: &'a [(&'static str, Arg<'a>)],
}

/// What takes the events of a thread.
pub trait EventSink {
    fn event(&self, event: &Event<'_>);
}

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static SINK: RefCell<Option<Rc<dyn EventSink>>> = const { RefCell::new(None) };
}

/// Whether this thread's events go anywhere: the one test an event costs
/// when nothing records.
#[inline(always)]
pub fn recording() -> bool {
    ON.with(Cell::get)
}

/// Hands an event to this thread's sink (callers test `recording` first,
/// so that fields are computed only for a sink).
#[inline(never)]
pub fn emit(kind: Kind, fields: &[(&'static str, Arg<'_>)]) {
    SINK.with(|s| {
        if let Some(s) = &*s.borrow() {
            s.event(&Event { kind, fields });
        }
    });
}

/// Runs `f` with this thread's events going to `sink`; the previous sink
/// (if any) is restored afterwards, also when `f` panics.
pub fn with_sink<T>(sink: Rc<dyn EventSink>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Rc<dyn EventSink>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            ON.with(|on| on.set(previous.is_some()));
            SINK.with(|s| *s.borrow_mut() = previous);
        }
    }
    let _restore = Restore(SINK.with(|s| s.borrow_mut().replace(sink)));
    ON.with(|on| on.set(true));
    f()
}

/// `kind!("op.started")`: the kind of a format name, at compile time.
macro_rules! kind {
    ("poll.begin") => {
        $crate::run::sink::Kind::PollBegin
    };
    ("poll.end") => {
        $crate::run::sink::Kind::PollEnd
    };
    ("op.started") => {
        $crate::run::sink::Kind::OpStarted
    };
    ("op.completed") => {
        $crate::run::sink::Kind::OpCompleted
    };
    ("future.created") => {
        $crate::run::sink::Kind::FutureCreated
    };
    ("future.resolved") => {
        $crate::run::sink::Kind::FutureResolved
    };
    ("future.observed") => {
        $crate::run::sink::Kind::FutureObserved
    };
    ("future.unobserved") => {
        $crate::run::sink::Kind::FutureUnobserved
    };
    ("future.adopted") => {
        $crate::run::sink::Kind::FutureAdopted
    };
    ("callback.registered") => {
        $crate::run::sink::Kind::CallbackRegistered
    };
    ("callback.native") => {
        $crate::run::sink::Kind::CallbackNative
    };
    ("callback.failed") => {
        $crate::run::sink::Kind::CallbackFailed
    };
    ("task.spawned") => {
        $crate::run::sink::Kind::TaskSpawned
    };
    ("task.awaiting") => {
        $crate::run::sink::Kind::TaskAwaiting
    };
    ("task.awaiting_all") => {
        $crate::run::sink::Kind::TaskAwaitingAll
    };
    ("task.resumed") => {
        $crate::run::sink::Kind::TaskResumed
    };
    ("task.preempted") => {
        $crate::run::sink::Kind::TaskPreempted
    };
    ("task.continued") => {
        $crate::run::sink::Kind::TaskContinued
    };
    ("task.finished") => {
        $crate::run::sink::Kind::TaskFinished
    };
    ("exception.thrown") => {
        $crate::run::sink::Kind::ExceptionThrown
    };
    ("scope.created") => {
        $crate::run::sink::Kind::ScopeCreated
    };
    ("scope.retained") => {
        $crate::run::sink::Kind::ScopeRetained
    };
    ("scope.released") => {
        $crate::run::sink::Kind::ScopeReleased
    };
    ("scope.freed") => {
        $crate::run::sink::Kind::ScopeFreed
    };
    ("scope.underflow") => {
        $crate::run::sink::Kind::ScopeUnderflow
    };
    ("output") => {
        $crate::run::sink::Kind::Output
    };
    ("var.written") => {
        $crate::run::sink::Kind::VarWritten
    };
    ("var.read") => {
        $crate::run::sink::Kind::VarRead
    };
    ("source.added") => {
        $crate::run::sink::Kind::SourceAdded
    };
    ("assertion") => {
        $crate::run::sink::Kind::Assertion
    };
}

/// The fields of `event!` as `(name, Arg)` pairs: `name = value`,
/// `name = %displayed`, or `name` for a variable of that name.
macro_rules! event_fields {
    ([$($out:tt)*]) => { [$($out)*] };
    ([$($out:tt)*] $name:ident = %$e:expr, $($rest:tt)*) => {
        $crate::run::sink::event_fields!([$($out)* (stringify!($name), $crate::run::sink::Arg::Display(&$e)),] $($rest)*)
    };
    ([$($out:tt)*] $name:ident = %$e:expr) => {
        [$($out)* (stringify!($name), $crate::run::sink::Arg::Display(&$e))]
    };
    ([$($out:tt)*] $name:ident = $e:expr, $($rest:tt)*) => {
        $crate::run::sink::event_fields!([$($out)* (stringify!($name), $crate::run::sink::Arg::from($e)),] $($rest)*)
    };
    ([$($out:tt)*] $name:ident = $e:expr) => {
        [$($out)* (stringify!($name), $crate::run::sink::Arg::from($e))]
    };
    ([$($out:tt)*] $name:ident, $($rest:tt)*) => {
        $crate::run::sink::event_fields!([$($out)* (stringify!($name), $crate::run::sink::Arg::from($name)),] $($rest)*)
    };
    ([$($out:tt)*] $name:ident) => {
        [$($out)* (stringify!($name), $crate::run::sink::Arg::from($name))]
    };
}

pub(crate) use {event_fields, kind};

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Seen(RefCell<Vec<String>>);

    impl EventSink for Seen {
        fn event(&self, e: &Event<'_>) {
            let fields: Vec<String> = e
                .fields
                .iter()
                .map(|(k, v)| match v {
                    Arg::U64(n) => format!("{k}={n}"),
                    Arg::Bool(b) => format!("{k}={b}"),
                    Arg::Str(s) => format!("{k}={s}"),
                    Arg::Display(d) => format!("{k}=%{d}"),
                    Arg::Location(l) => format!("{k}=@{l}"),
                    Arg::Value(v) => format!("{k}=${}", Summarized(v)),
                    Arg::Quoted(v) => format!("{k}=%{}", crate::display::Quoted(v)),
                })
                .collect();
            self.0
                .borrow_mut()
                .push(format!("{:?} {}", e.kind, fields.join(" ")));
        }
    }

    #[test]
    fn events_reach_the_sink_only_inside_with_sink() {
        let computed = Cell::new(0);
        let counted = || {
            computed.set(computed.get() + 1);
            7u64
        };
        let blocking = true;
        let emit_one = || {
            crate::events::event!("gene::io", "op.completed", op = counted(), ok = false, blocking, at = %"x:1:2");
        };
        emit_one();
        assert_eq!(computed.get(), 0, "no sink: fields are not computed");
        let seen = Rc::new(Seen::default());
        with_sink(seen.clone(), emit_one);
        assert!(!recording(), "the sink is gone after with_sink");
        emit_one();
        assert_eq!(computed.get(), 1);
        assert_eq!(
            *seen.0.borrow(),
            ["OpCompleted op=7 ok=false blocking=true at=%x:1:2"]
        );
    }

    #[test]
    fn a_panic_restores_the_previous_sink() {
        let outer = Rc::new(Seen::default());
        with_sink(outer.clone(), || {
            let inner = Rc::new(Seen::default());
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                with_sink(inner.clone(), || panic!("boom"))
            }));
            assert!(r.is_err());
            assert!(recording());
            emit(Kind::Output, &[]);
            assert!(inner.0.borrow().is_empty());
        });
        assert_eq!(*outer.0.borrow(), ["Output "]);
        assert!(!recording());
    }
}
