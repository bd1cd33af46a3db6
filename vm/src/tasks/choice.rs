//! The VM's one choice: which ready batch runs next, when several may.
//!
//! The VM does not decide; it asks its [`Chooser`] (the driver's decision
//! point, `gene_sim::decide`), telling it how many candidates there are and
//! giving it a way to name each one by a *stable key*: a name that depends
//! on the program's structure, not on counters that any unrelated change
//! renumbers. Keys are made only when the chooser asks for them, so a run
//! that neither records nor replays decisions pays nothing for them.
//!
//! Keys (docs/schedules.md):
//! - a task resumed from `await`: the task's key, its name as the trace
//!   gives it (`withdraw`, `async@race.gene:12`), then `@` and the spawn
//!   site when the name has none (`withdraw@race.gene:14`), then `#k` for
//!   the k-th task (k >= 2) with that same key;
//! - a callback about to run: `callback@` and its body's line, then `#k`
//!   for the k-th such callback among the candidates;
//! - an operation (`Request::key`): its kind, `@`, the line of the call
//!   that started it, then `#k` for the k-th operation of that kind started
//!   there (`sleep@race.gene:7#2`).
//!
//! Locations in keys are `file:line`, without the column: an edit within
//! a line keeps them, and sites on one line differ by ordinal.
//!
//! Task ordinals are counted at spawn, in spawn order, once keys are on
//! ([`Vm::set_keyed`]): they do not change when unrelated tasks are added
//! elsewhere in the program.

use std::fmt::Write as _;

use crate::events::{Body, SpawnSite, TaskName};
use crate::task::{Job, Task, TaskKind};
use crate::vm::Vm;

/// Chooses among `n >= 2` candidates; `key(i)` names candidate `i`.
pub trait Chooser {
    /// The index (in `0..n`) of the candidate to run.
    fn choose(&mut self, n: usize, key: &mut dyn FnMut(usize) -> String) -> usize;
}

/// A chooser from a plain function of the number of candidates (tests, and
/// choices that need no keys).
impl<F: FnMut(usize) -> usize> Chooser for F {
    fn choose(&mut self, n: usize, _key: &mut dyn FnMut(usize) -> String) -> usize {
        self(n)
    }
}

/// A task's key without its ordinal: `withdraw@race.gene:14`,
/// `async@race.gene:12`, `main`.
pub(crate) fn task_base_key(task: &Task) -> String {
    if task.kind == TaskKind::Main {
        return "main".to_string();
    }
    let site = SpawnSite {
        here: task.site.as_ref().map(|(c, pc)| (&**c, *pc)),
        kind: task.kind,
        body: task.body.as_deref(),
    };
    let mut key = TaskName(site).to_string();
    if !key.contains('@') {
        let at = site.loc().to_string();
        if !at.is_empty() {
            let _ = write!(key, "@{}", without_column(&at));
        }
    }
    key
}

/// `race.gene:12:5` -> `race.gene:12`: keys name lines, so that an edit
/// within a line keeps them (two sites on one line differ by ordinal).
pub(crate) fn without_column(at: &str) -> &str {
    match at.rsplit_once(':') {
        Some((head, col)) if head.contains(':') && col.bytes().all(|b| b.is_ascii_digit()) => head,
        _ => at,
    }
}

/// Appends `#k` for an ordinal k >= 2.
pub(crate) fn with_ordinal(mut key: String, ordinal: u32) -> String {
    if ordinal >= 2 {
        let _ = write!(key, "#{ordinal}");
    }
    key
}

impl Vm {
    /// Keys on: tasks get ordinals at spawn, operations keys in their
    /// requests (`Request::key`), so that a chooser can name candidates and
    /// a driver can name operations.
    pub fn set_keyed(&mut self, on: bool) {
        self.keyed = on;
    }

    /// The ordinal of the next task or operation with base key `base`.
    pub(crate) fn next_ordinal(&mut self, base: &str) -> u32 {
        let n = self.ordinals.entry(base.to_string()).or_insert(0);
        *n = n.saturating_add(1);
        *n
    }

    /// Asks the chooser which of `n` candidate batches runs: of the queue
    /// (`micro`: the reactions' queue), all of it or the `eligible` ones.
    /// FIFO (the first) without a chooser.
    pub(crate) fn choose_among(
        &mut self,
        micro: bool,
        eligible: Option<&[usize]>,
        n: usize,
    ) -> usize {
        let Some(mut chooser) = self.chooser.take() else {
            return 0;
        };
        let mut keys: Option<Vec<String>> = None;
        let vm = &*self;
        let mut key = |i: usize| {
            let keys = keys.get_or_insert_with(|| vm.candidate_keys(micro, eligible, n));
            keys.get(i).cloned().unwrap_or_default()
        };
        let i = chooser.choose(n, &mut key);
        self.chooser = Some(chooser);
        i.min(n - 1)
    }

    /// The keys of the candidates, in candidate order.
    fn candidate_keys(&self, micro: bool, eligible: Option<&[usize]>, n: usize) -> Vec<String> {
        let queue = if micro { &self.micro } else { &self.queue };
        let mut callbacks: rustc_hash::FxHashMap<String, u32> = Default::default();
        (0..n)
            .map(|j| {
                let index = eligible.map_or(j, |e| e[j]);
                match queue.get(index).and_then(|b| b.jobs.front()) {
                    Some(Job::Resume(t, _)) => match self.tasks.get(t) {
                        Some(task) => match &task.key {
                            Some(key) => key.to_string(),
                            None => task_base_key(task),
                        },
                        None => format!("task{t}"),
                    },
                    Some(Job::Callback(f, _, _)) => {
                        let mut key = "callback".to_string();
                        if let crate::value::Value::Function(c) = f {
                            let at = Body(&c.proto.code).to_string();
                            let _ = write!(key, "@{}", without_column(&at));
                        }
                        let k = callbacks.entry(key.clone()).or_insert(0);
                        *k += 1;
                        with_ordinal(key, *k)
                    }
                    Some(Job::Continue(_)) => "continue".to_string(),
                    None => "none".to_string(),
                }
            })
            .collect()
    }
}
