//! Records decoded once into 16-byte operations for `State`.

use super::*;

/// A record's kind, decoded once.
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
    /// A choice of the simulated world: no state of the run changes.
    Decision,
    /// A `gene/sim/always` or `gene/sim/sometimes`: no state changes.
    Assertion,
    RunEnd,
    /// A kind this version does not know: skipped.
    Other,
}

impl Kind {
    pub fn of(kind: &str) -> Kind {
        match kind {
            "poll.begin" => Kind::PollBegin,
            "poll.end" => Kind::PollEnd,
            "op.started" => Kind::OpStarted,
            "op.completed" => Kind::OpCompleted,
            "future.created" => Kind::FutureCreated,
            "future.resolved" => Kind::FutureResolved,
            "future.observed" => Kind::FutureObserved,
            "future.unobserved" => Kind::FutureUnobserved,
            "future.adopted" => Kind::FutureAdopted,
            "callback.registered" => Kind::CallbackRegistered,
            "callback.native" => Kind::CallbackNative,
            "callback.failed" => Kind::CallbackFailed,
            "task.spawned" => Kind::TaskSpawned,
            "task.awaiting" => Kind::TaskAwaiting,
            "task.awaiting_all" => Kind::TaskAwaitingAll,
            "task.resumed" => Kind::TaskResumed,
            "task.preempted" => Kind::TaskPreempted,
            "task.continued" => Kind::TaskContinued,
            "task.finished" => Kind::TaskFinished,
            "exception.thrown" => Kind::ExceptionThrown,
            "scope.created" => Kind::ScopeCreated,
            "scope.retained" => Kind::ScopeRetained,
            "scope.released" => Kind::ScopeReleased,
            "scope.freed" => Kind::ScopeFreed,
            "scope.underflow" => Kind::ScopeUnderflow,
            "output" => Kind::Output,
            "var.written" => Kind::VarWritten,
            "var.read" => Kind::VarRead,
            "source.added" => Kind::SourceAdded,
            "decision" => Kind::Decision,
            "assertion" => Kind::Assertion,
            "run.end" => Kind::RunEnd,
            _ => Kind::Other,
        }
    }
}

/// `Op::flags`: the record's boolean (`ok`, `blocking`, `on_success`,
/// `handled`); bits 1-2 are the op or task kind.
pub const FLAG: u8 = 1;
/// Set by `apply_recording`: the flag `unapply` restores (a future's
/// `observed`, or `unobserved`).
pub const PRIOR_OBSERVED: u8 = 1 << 3;
/// Set by `apply_recording`: a task's spawn set its future's origin.
pub const ORIGIN_SET: u8 = 1 << 4;
/// Set by `apply_recording`: `unapply` cannot take this record back (an
/// odd trace); stepping back over it restores a checkpoint instead.
pub const IRREVERSIBLE: u8 = 1 << 5;
/// Set by `apply_recording`: an `op.started` made its future (the trace
/// has no `future.created` for it).
pub const MADE_FUTURE: u8 = 1 << 6;

/// A record decoded for `State`: its kind, a flag and up to three numbers
/// (16 bytes, so a trace's worth of them replays from memory quickly).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Op {
    pub kind: Kind,
    pub flags: u8,
    pub a: u32,
    pub b: u32,
    pub c: u32,
}

impl Op {
    pub fn decode(kind: Kind, r: &Record) -> Op {
        let n = |k: &str| r.u64(k).map_or(0, |v| u32::try_from(v).unwrap_or(u32::MAX));
        let b = |k: &str, default: bool| r.bool(k).unwrap_or(default);
        let (flag, a, b_, c) = match kind {
            Kind::OpStarted => (b("blocking", false), n("op"), n("future"), 0),
            Kind::OpCompleted => (b("ok", true), n("op"), 0, 0),
            Kind::FutureCreated | Kind::FutureObserved | Kind::FutureUnobserved => {
                (false, n("future"), 0, 0)
            }
            Kind::FutureResolved => (b("ok", true), n("future"), n("reactions"), 0),
            Kind::FutureAdopted => (false, n("future"), n("by"), 0),
            Kind::CallbackRegistered => (b("on_success", true), n("future"), 0, 0),
            Kind::TaskSpawned => {
                let (future, reacts_to) = (n("future"), n("reacts_to"));
                let c = if r.str("task_kind") == Some("callback") {
                    reacts_to
                } else {
                    future
                };
                (false, n("task"), n("parent"), c)
            }
            Kind::TaskAwaiting => (false, n("task"), n("future"), 0),
            Kind::TaskAwaitingAll | Kind::TaskResumed | Kind::TaskContinued => {
                (false, n("task"), 0, 0)
            }
            Kind::TaskFinished => (b("ok", true), n("task"), 0, 0),
            Kind::ExceptionThrown => (b("handled", true), n("task"), 0, 0),
            Kind::ScopeCreated => (false, n("scope"), n("parent"), 0),
            Kind::ScopeRetained | Kind::ScopeReleased => (false, n("scope"), n("rc"), 0),
            Kind::ScopeFreed | Kind::ScopeUnderflow => (false, n("scope"), 0, 0),
            _ => (false, 0, 0, 0),
        };
        let sub = match (kind, r.str("op_kind"), r.str("task_kind")) {
            (Kind::OpStarted, Some("sleep"), _) => 1,
            (Kind::OpStarted, Some("read"), _) => 2,
            (Kind::OpStarted, Some("write"), _) => 3,
            (Kind::TaskSpawned, _, Some("async")) => 1,
            (Kind::TaskSpawned, _, Some("callback")) => 2,
            (Kind::TaskSpawned, _, Some("main")) => 3,
            _ => 0,
        };
        Op {
            kind,
            flags: flag as u8 | (sub << 1),
            a,
            b: b_,
            c,
        }
    }
}
