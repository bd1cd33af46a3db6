//! What the trace tells beyond the state at a poll: where each task is
//! parked and where it ended, which records a future woke, the shared
//! variables' histories, and what went wrong (the warnings).
//!
//! Built once when the replay opens, in one pass over the records, and
//! read-only after: every question is a lookup or a binary search by record
//! index, so that stepping stays as cheap as before. The names are the
//! trace's one naming rule (`gene_sim::trace::names`), and what counts as
//! an uncaught exception is the export's (`export::Fates`).

use std::collections::BTreeMap;

use gene_sim::trace::location;
use gene_sim::trace::names::Naming;
use gene_sim::trace::read::{Record, Trace};
use rustc_hash::FxHashMap;

use super::state::{NONE, State, TaskStatus};
use crate::export::Fates;

mod warnings;

pub use warnings::{Warning, WarningKind};

/// A shared variable: one arena scope's variable, or a namespace member
/// (`scope` 0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Var {
    pub name: String,
    pub scope: u64,
    /// The name, with its scope when another variable has the same name.
    pub label: String,
    /// `var.written` records, ascending.
    pub writes: Vec<u32>,
    /// `var.read` records, ascending.
    pub reads: Vec<u32>,
}

/// An `eval`'s text, as `source.added` gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalSource {
    pub name: String,
    pub site: String,
    /// None when the recorder left it out (too long).
    pub text: Option<String>,
}

pub struct Story {
    pub naming: Naming,
    /// Per task id: its `task.awaiting`/`task.awaiting_all` records.
    awaits: Lists,
    /// Per task id: `task.spawned`, `task.finished` and its last throw that
    /// no handler took (NONE when none).
    spawned: Vec<u32>,
    finished: Vec<u32>,
    threw: Vec<u32>,
    /// Per future id: the `task.resumed` records of the tasks it woke and
    /// the `task.spawned` records of the callbacks it ran.
    woke: Lists,
    pub vars: Vec<Var>,
    /// The `var.*` records and the variable each names (an index into
    /// `vars`), by record index, ascending.
    var_of: Vec<(u32, u32)>,
    pub evals: Vec<EvalSource>,
    pub warnings: Vec<Warning>,
}

fn slot<T: Clone>(v: &mut Vec<T>, id: u64, empty: T) -> Option<&mut T> {
    // Ids are counters (the reader checks they grow one at a time), so this
    // never sizes a vector by a hostile number.
    let id = usize::try_from(id).ok()?;
    if id >= v.len() {
        v.resize(id + 1, empty);
    }
    v.get_mut(id)
}

impl Story {
    pub fn of(trace: &Trace, blocking: bool) -> Story {
        let mut s = Story {
            naming: Naming::new(),
            awaits: Lists::default(),
            spawned: Vec::new(),
            finished: Vec::new(),
            threw: Vec::new(),
            woke: Lists::default(),
            vars: Vec::new(),
            var_of: Vec::new(),
            evals: Vec::new(),
            warnings: Vec::new(),
        };
        // Keyed by the records' own texts: no allocation per record. (Only
        // looked up, never iterated: its order cannot show.)
        let mut var_ids: FxHashMap<(u64, &str), u32> = FxHashMap::default();
        // The future each task waits on now (0: none, or `$await_all`).
        let mut waiting: Vec<u64> = Vec::new();
        // (id, record) pairs, gathered in record order, then grouped.
        let mut awaits: Vec<(u32, u32)> = Vec::new();
        let mut woke: Vec<(u32, u32)> = Vec::new();
        for (i, r) in trace.records.iter().enumerate() {
            s.naming.note(r);
            let i32 = i as u32;
            let task = || r.u64("task").unwrap_or(0);
            match &*r.kind {
                "task.spawned" => {
                    if let Some(x) = slot(&mut s.spawned, task(), NONE) {
                        *x = i32;
                    }
                    if let Some(f) = r.u64("reacts_to").filter(|&f| f > 0) {
                        woke.push((f as u32, i32));
                    }
                }
                "task.awaiting" | "task.awaiting_all" => {
                    let task = task();
                    awaits.push((task as u32, i32));
                    if let Some(w) = slot(&mut waiting, task, 0) {
                        *w = r.u64("future").unwrap_or(0);
                    }
                }
                "task.resumed" => {
                    let f = slot(&mut waiting, task(), 0).map_or(0, std::mem::take);
                    if f > 0 {
                        woke.push((f as u32, i32));
                    }
                }
                "task.finished" => {
                    if let Some(x) = slot(&mut s.finished, task(), NONE) {
                        *x = i32;
                    }
                }
                "exception.thrown" if r.bool("handled") == Some(false) => {
                    if let Some(x) = slot(&mut s.threw, task(), NONE) {
                        *x = i32;
                    }
                }
                "var.written" | "var.read" => {
                    let name = r.str("var").unwrap_or("?");
                    let scope = r.u64("scope").unwrap_or(0);
                    let next = s.vars.len() as u32;
                    let v = *var_ids.entry((scope, name)).or_insert(next);
                    if v == next {
                        s.vars.push(Var {
                            label: name.to_string(),
                            name: name.to_string(),
                            scope,
                            writes: Vec::new(),
                            reads: Vec::new(),
                        });
                    }
                    let var = &mut s.vars[v as usize];
                    if &*r.kind == "var.written" {
                        var.writes.push(i32);
                    } else {
                        var.reads.push(i32);
                    }
                    s.var_of.push((i32, v));
                }
                "source.added" => s.evals.push(EvalSource {
                    name: r.str("source").unwrap_or("eval").to_string(),
                    site: r.str("site").unwrap_or_default().to_string(),
                    text: r.str("text").filter(|t| !t.is_empty()).map(str::to_string),
                }),
                _ => {}
            }
        }
        s.awaits = Lists::of(awaits);
        s.woke = Lists::of(woke);
        // Two variables of one name: say which scope each is.
        let mut by_name: BTreeMap<&str, usize> = BTreeMap::new();
        for v in &s.vars {
            *by_name.entry(v.name.as_str()).or_default() += 1;
        }
        let twins: Vec<bool> = s
            .vars
            .iter()
            .map(|v| by_name[v.name.as_str()] > 1)
            .collect();
        for (v, twin) in s.vars.iter_mut().zip(twins) {
            if twin {
                v.label = match v.scope {
                    0 => format!("{} (namespace)", v.name),
                    n => format!("{} (scope {n})", v.name),
                };
            }
        }
        // What an exception's fate is takes a pass of its own: only when
        // something failed.
        let failed = trace.records.iter().any(|r| {
            matches!(
                &*r.kind,
                "exception.thrown" | "future.unobserved" | "callback.failed"
            )
        });
        let fates = if failed {
            Fates::of(trace, blocking)
        } else {
            Fates::default()
        };
        s.warnings = warnings::find(&s, trace, &fates);
        s
    }

    /// The last `task.awaiting`/`task.awaiting_all` of `task` before record
    /// `applied` (an index: the state after `records[..applied]`).
    pub fn last_await(&self, task: u64, applied: usize) -> Option<usize> {
        let a = self.awaits.get(task);
        let k = a.partition_point(|&i| (i as usize) < applied);
        k.checked_sub(1).map(|k| a[k] as usize)
    }

    pub fn spawned(&self, task: u64) -> Option<usize> {
        get_index(&self.spawned, task)
    }

    /// The task's `task.finished`, when it is before `applied`.
    pub fn finished(&self, task: u64, applied: usize) -> Option<usize> {
        get_index(&self.finished, task).filter(|&i| i < applied)
    }

    /// The record of the future's wake-ups: tasks resumed and callbacks run.
    pub fn woke(&self, future: u64) -> &[u32] {
        self.woke.get(future)
    }

    /// The variable a `var.written`/`var.read` record names.
    pub fn var_of(&self, record: usize) -> Option<usize> {
        let k = self
            .var_of
            .binary_search_by_key(&(record as u32), |&(i, _)| i)
            .ok()?;
        Some(self.var_of[k].1 as usize)
    }

    /// Where a task is parked (when it waits), or where it ended (when it
    /// has), before record `applied`: `suspended at race.gene:9 (await f6)`,
    /// `ended at race.gene:12`, `failed at race.gene:8`.
    pub fn whereabouts(&self, records: &[Record], state: &State, task: u64) -> Option<String> {
        let info = state.task(task)?;
        let applied = state.applied;
        match info.status {
            TaskStatus::Suspended(_) | TaskStatus::AwaitingAll => {
                let at = self
                    .last_await(task, applied)
                    .and_then(|i| records[i].str("at"))
                    .map(location::short)
                    .unwrap_or_else(|| "?".into());
                Some(match info.status {
                    TaskStatus::Suspended(f) => format!("suspended at {at} (await f{f})"),
                    _ => format!("suspended at {at} ($await_all)"),
                })
            }
            TaskStatus::Done { ok } => {
                let at = self.end_site(records, task, applied)?;
                Some(if ok {
                    format!("ended at {}", location::short(at))
                } else {
                    format!("failed at {}", location::short(at))
                })
            }
            _ => None,
        }
    }

    /// Where a finished task ended: its last expression, or for a task that
    /// failed, its uncaught throw.
    pub fn end_site<'r>(
        &self,
        records: &'r [Record],
        task: u64,
        applied: usize,
    ) -> Option<&'r str> {
        let fin = self.finished(task, applied)?;
        let at = records[fin].str("at").filter(|a| !a.is_empty());
        at.or_else(|| {
            let t = get_index(&self.threw, task)?;
            records[t].str("at").filter(|a| !a.is_empty())
        })
    }

    /// The record the location of a task points at now: where it waits, or
    /// where it ended, or where it was spawned.
    pub fn task_site(&self, state: &State, task: u64) -> Option<usize> {
        let info = state.task(task)?;
        let applied = state.applied;
        match info.status {
            TaskStatus::Suspended(_) | TaskStatus::AwaitingAll => self.last_await(task, applied),
            TaskStatus::Done { ok } => {
                let fin = self.finished(task, applied)?;
                if ok {
                    Some(fin)
                } else {
                    get_index(&self.threw, task)
                        .filter(|&t| t < applied)
                        .or(Some(fin))
                }
            }
            _ => self.spawned(task),
        }
    }

    /// The variable's last write before `applied`.
    pub fn value_at(&self, var: usize, applied: usize) -> Option<usize> {
        let w = &self.vars.get(var)?.writes;
        let k = w.partition_point(|&i| (i as usize) < applied);
        k.checked_sub(1).map(|k| w[k] as usize)
    }

    /// The write before record `write` of the same variable.
    pub fn previous_write(&self, write: usize) -> Option<usize> {
        let v = self.var_of(write)?;
        self.value_at(v, write)
    }

    /// The variable's reads and writes, in order.
    pub fn history(&self, var: usize) -> Vec<usize> {
        let Some(v) = self.vars.get(var) else {
            return Vec::new();
        };
        let mut all: Vec<usize> = v
            .writes
            .iter()
            .chain(&v.reads)
            .map(|&i| i as usize)
            .collect();
        all.sort_unstable();
        all
    }

    /// The variable named `name` (its label or its plain name).
    pub fn find_var(&self, name: &str) -> Option<usize> {
        let name = name.trim();
        self.vars
            .iter()
            .position(|v| v.label == name)
            .or_else(|| self.vars.iter().position(|v| v.name == name))
    }

    /// Whether a `var.written` record changes its variable's value (its
    /// first write always does).
    pub fn changes(&self, records: &[Record], write: usize) -> bool {
        let now = records[write].str("value");
        match self.previous_write(write) {
            Some(p) => records[p].str("value") != now,
            None => true,
        }
    }
}

/// Lists of record indices by id, in one allocation: a list per task or
/// future as its own `Vec` would cost more than its records.
#[derive(Default)]
struct Lists {
    /// Where id `k`'s list starts in `items` (`starts[k]..starts[k + 1]`).
    starts: Vec<u32>,
    items: Vec<u32>,
}

impl Lists {
    /// From (id, record) pairs in record order.
    fn of(mut pairs: Vec<(u32, u32)>) -> Lists {
        // Stable: each id's records stay in order.
        pairs.sort_by_key(|&(id, _)| id);
        let ids = pairs.last().map_or(0, |&(id, _)| id as usize + 1);
        let mut starts = vec![0u32; ids + 1];
        for &(id, _) in &pairs {
            starts[id as usize + 1] += 1;
        }
        for k in 1..starts.len() {
            starts[k] += starts[k - 1];
        }
        Lists {
            starts,
            items: pairs.into_iter().map(|(_, i)| i).collect(),
        }
    }

    fn get(&self, id: u64) -> &[u32] {
        let Ok(k) = usize::try_from(id) else {
            return &[];
        };
        match (self.starts.get(k), self.starts.get(k + 1)) {
            (Some(&a), Some(&b)) => &self.items[a as usize..b as usize],
            _ => &[],
        }
    }
}

fn get_index(v: &[u32], id: u64) -> Option<usize> {
    v.get(id as usize)
        .copied()
        .filter(|&i| i != NONE)
        .map(|i| i as usize)
}
