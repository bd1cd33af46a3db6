//! Operations the VM asks its driver to perform (DESIGN.md, "The VM is
//! sans-IO"): the VM never sleeps, reads or writes; it is told the results.

/// An operation's identity: a counter, stable across runs.
pub type OpId = u64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestKind {
    /// A timer: complete after this many nanoseconds of (virtual) time.
    Sleep {
        nanos: u64,
    },
    Read {
        path: String,
    },
    Write {
        path: String,
        data: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub id: OpId,
    pub kind: RequestKind,
    /// The task that started it waits and nothing else runs meanwhile
    /// (`gene/sleep`, `gene/io/read`): complete it at once, advancing the
    /// clock by its cost.
    pub blocking: bool,
}

/// What an operation produced: a value (nil for sleeps and writes, the text
/// for reads), or the failure message.
pub type Completion = Result<crate::value::Value, String>;
