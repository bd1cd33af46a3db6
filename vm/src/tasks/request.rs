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

#[derive(Debug)]
pub struct Request {
    pub id: OpId,
    pub kind: RequestKind,
    /// The task that started it waits and nothing else runs meanwhile
    /// (`gene/sleep`, `gene/io/read`): complete it at once, advancing the
    /// clock by its cost.
    pub blocking: bool,
    /// Give it back to `Vm::complete` with the result.
    pub ticket: Ticket,
    /// Its stable key (`sleep@race.gene:7#2`: kind, site, ordinal at that
    /// site; see `choice`), when keys are on (`Vm::set_keyed`).
    pub key: Option<std::rc::Rc<str>>,
}

/// What an operation completes, opaque to the driver: handing it back
/// spares the VM a lookup (like io_uring's `user_data`).
#[derive(Debug)]
pub struct Ticket {
    pub id: OpId,
    pub(crate) target: Target,
}

impl Ticket {
    /// Reads the future this ticket completes, and nothing else: a driver
    /// about to complete a batch touches every ticket first, so that the
    /// futures' cache misses overlap instead of each completion waiting for
    /// memory in turn (a million timers completed in deadline order visit
    /// their futures in no order of allocation).
    pub fn prefetch(&self) {
        if let Target::Future(f) = &self.target {
            std::hint::black_box(f.is_pending());
        }
    }
}

#[derive(Debug)]
pub(crate) enum Target {
    Future(std::rc::Rc<crate::future::Future>),
    /// A blocking operation: the task at the top of the activation stack.
    Blocking,
}

/// What an operation produced: a value (nil for sleeps and writes, the text
/// for reads), or the failure message.
pub type Completion = Result<crate::value::Value, String>;

impl RequestKind {
    /// `sleep`, `read` or `write`: the word its key and records use.
    pub fn name(&self) -> &'static str {
        match self {
            RequestKind::Sleep { .. } => "sleep",
            RequestKind::Read { .. } => "read",
            RequestKind::Write { .. } => "write",
        }
    }
}
