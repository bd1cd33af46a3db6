//! Tasks: each has its own fiber (operand stack, frames, handlers), so a task
//! can stop at an `await` and resume later in the same interpreter loop.

use std::rc::Rc;

use crate::future::{Future, TaskId};
use crate::value::Value;
use crate::vm::{Frame, Handler};

/// The execution state of one task.
#[derive(Default)]
pub(crate) struct Fiber {
    pub stack: Vec<Value>,
    pub frames: Vec<Frame>,
    pub handlers: Vec<Handler>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TaskKind {
    Main,
    /// `(async e)` or a `^^async` call.
    Async,
    /// A reaction callback.
    Callback,
}

impl TaskKind {
    pub fn name(self) -> &'static str {
        match self {
            TaskKind::Main => "main",
            TaskKind::Async => "async",
            TaskKind::Callback => "callback",
        }
    }
}

pub(crate) struct Task {
    /// Parked state; empty while the task is active.
    pub fiber: Fiber,
    /// Resolved when the task ends (async tasks).
    pub future: Option<Rc<Future>>,
    pub kind: TaskKind,
    /// In blocking-await mode: waiting, on the activation stack, for its future.
    pub blocked: bool,
    /// What names it (`events::TaskName`) in messages: its function, and
    /// the instruction that spawned it.
    pub body: Option<Rc<crate::function::FnProto>>,
    pub site: Option<(Rc<crate::bytecode::Code>, usize)>,
    /// Its stable key with its ordinal among the tasks of that key
    /// (`withdraw@race.gene:14#2`, `choice`), made once at its spawn when
    /// keys are on; None when they were off (then its key is its base key).
    pub key: Option<std::rc::Rc<str>>,
}

impl Task {
    /// `withdraw (task 3)`, `main (task 1)`: the name its `task.spawned`
    /// record gives, and its number.
    pub fn label(&self, id: TaskId) -> String {
        let name = match self.kind {
            TaskKind::Main => "main".to_string(),
            kind => crate::events::TaskName(crate::events::SpawnSite {
                here: self.site.as_ref().map(|(c, pc)| (&**c, *pc)),
                kind,
                body: self.body.as_deref(),
            })
            .to_string(),
        };
        format!("{name} (task {id})")
    }
}

/// How `await` on a pending future behaves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AwaitMode {
    /// The task suspends; other tasks, callbacks and the event loop go on.
    #[default]
    Suspend,
    /// The seeds' design: the awaiting task keeps the VM; only callbacks run
    /// (at polls) until its future resolves.
    Blocking,
}

/// Something ready to run.
#[derive(Debug)]
pub(crate) enum Job {
    /// Resume a task suspended in `await` with the future's outcome.
    Resume(TaskId, Result<Value, Value>),
    /// Run a callback with its argument, as a new task (reacting to the
    /// future with this id).
    Callback(Value, Value, u64),
    /// Continue an activation stack preempted at a poll.
    Continue(Vec<TaskId>),
}

/// Jobs that must start in order: the reactions of one resolution (or a
/// single continuation).
#[derive(Debug, Default)]
pub(crate) struct Batch {
    /// The future whose reactions these are; late reactions join them.
    pub future: Option<Rc<Future>>,
    pub jobs: std::collections::VecDeque<Job>,
}

impl Batch {
    pub fn of(job: Job) -> Batch {
        Batch {
            future: None,
            jobs: std::collections::VecDeque::from([job]),
        }
    }
}

/// A resolution made by `.complete`/`.fail`: its reactions run at once, in
/// order, then the code that completed continues. Holds nest like calls.
#[derive(Debug)]
pub(crate) struct Hold {
    pub batches: std::collections::VecDeque<Batch>,
    /// Suspend mode: the completer's activation stack, to continue after.
    pub cont: Vec<TaskId>,
    /// Blocking mode: the completer, which stays active underneath.
    pub completer: Option<TaskId>,
}
