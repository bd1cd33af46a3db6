//! What the replay works out once from the whole trace, on first use:
//! the task each record belongs to, the width of the events pane's kind
//! column, and which polls have events or faults. (Names are the story's:
//! `Story::naming`.)

use gene_sim::trace::names::Naming;
use gene_sim::trace::read::Record;

use super::super::index::Replay;
use super::super::state::Origin;

/// The widest kind column the events pane gives (longer kinds are cut).
pub const MAX_KIND_WIDTH: usize = 32;

pub struct Derived {
    /// By operation id: the task that started it (0: none).
    op_task: Vec<u32>,
    /// By future id: the task it is the result of, or whose operation
    /// completes it (0: none).
    future_task: Vec<u32>,
    /// The longest kind in the trace (at most `MAX_KIND_WIDTH`).
    pub kind_width: usize,
    /// Polls with events besides their `poll.begin` / `poll.end`, in order.
    pub nonempty: Vec<usize>,
    /// Each poll's events besides its markers (what the header and the
    /// timeline count), so that a frame does not count them again.
    pub events: Vec<u32>,
    /// Polls with a fault (a failed operation) or an error (an uncaught
    /// exception ending a task, a failed callback, a scope underflow): the
    /// header's `faults` and `errors` counts.
    pub faults: Vec<usize>,
}

/// Whether a record counts in the header's faults or errors.
pub fn is_fault(r: &Record) -> bool {
    match &*r.kind {
        "op.completed" | "task.finished" => r.bool("ok") == Some(false),
        "callback.failed" | "scope.underflow" => true,
        _ => false,
    }
}

/// A poll marker, not an event: `poll.begin` and `poll.end`.
pub fn is_marker(r: &Record) -> bool {
    matches!(&*r.kind, "poll.begin" | "poll.end")
}

impl Derived {
    pub fn of(replay: &Replay) -> Derived {
        let records = replay.records();
        let mut kind_width = 0;
        for r in records {
            kind_width = kind_width.max(r.kind.chars().count());
        }
        // Operations and futures only grow: the end state knows them all.
        let end = replay.state_at_record(records.len());
        let mut op_task = vec![0; end.ops.len() + 1];
        for o in &end.ops {
            if let Some(slot) = op_task.get_mut(o.id as usize) {
                *slot = o.task;
            }
        }
        let mut future_task = vec![0; end.futures.len() + 1];
        for f in &end.futures {
            let t = match f.origin {
                Origin::Task(t) => t,
                Origin::Op(o) => op_task.get(o as usize).copied().unwrap_or(0),
                Origin::None => 0,
            };
            if let Some(slot) = future_task.get_mut(f.id as usize) {
                *slot = t;
            }
        }
        let mut nonempty = Vec::new();
        let mut faults = Vec::new();
        let mut events = Vec::with_capacity(replay.polls());
        for p in 0..replay.polls() {
            let rs = replay.trace.poll(p);
            let n = rs.iter().filter(|r| !is_marker(r)).count();
            events.push(n as u32);
            if n > 0 {
                nonempty.push(p);
            }
            if rs.iter().any(is_fault) {
                faults.push(p);
            }
        }
        Derived {
            op_task,
            future_task,
            kind_width: kind_width.clamp(1, MAX_KIND_WIDTH),
            nonempty,
            events,
            faults,
        }
    }

    /// The task a record belongs to: its `task` field; for `op.*` the task
    /// that started the operation; for `future.resolved` and
    /// `future.unobserved` the task whose result (or whose operation's
    /// result) the future is. None for the others.
    pub fn task_of(&self, r: &Record) -> Option<u64> {
        if let Some(t) = r.u64("task").filter(|&t| t != 0) {
            return Some(t);
        }
        let get = |v: &[u32], id: Option<u64>| {
            id.and_then(|i| v.get(usize::try_from(i).ok()?).copied())
                .filter(|&t| t != 0)
                .map(u64::from)
        };
        if r.kind.starts_with("op.") {
            return get(&self.op_task, r.u64("op"));
        }
        if matches!(&*r.kind, "future.resolved" | "future.unobserved") {
            return get(&self.future_task, r.u64("future"));
        }
        None
    }

    /// A task as the events pane shows it: `deposit#2`, `main#1`.
    pub fn task_label(naming: &Naming, id: u64) -> String {
        let name = naming.task(id);
        if name == format!("task {id}") {
            format!("task#{id}")
        } else {
            format!("{name}#{id}")
        }
    }
}
