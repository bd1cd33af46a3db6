//! What went wrong in a run, each with the record where it arose: uncaught
//! exceptions and unobserved failures, tasks that never finished, deadlock
//! cycles among them, and scope counts that went wrong.

use std::collections::BTreeMap;

use gene_sim::trace::location;
use gene_sim::trace::read::Trace;

use super::Story;
use crate::export::{Ending, Fates};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum WarningKind {
    Uncaught,
    Unobserved,
    Deadlock,
    NeverFinished,
    Scopes,
    RunFailed,
}

impl WarningKind {
    pub fn name(self) -> &'static str {
        match self {
            WarningKind::Uncaught => "uncaught",
            WarningKind::Unobserved => "unobserved",
            WarningKind::Deadlock => "deadlock",
            WarningKind::NeverFinished => "unfinished",
            WarningKind::Scopes => "scopes",
            WarningKind::RunFailed => "run failed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub kind: WarningKind,
    pub text: String,
    /// The record it arose at (an index): Enter jumps there.
    pub record: usize,
}

/// The most warnings the pane lists; the last line says how many more.
pub const MAX_WARNINGS: usize = 10_000;

pub fn find(story: &Story, trace: &Trace, fates: &Fates) -> Vec<Warning> {
    let records = &trace.records;
    let mut out = Vec::new();
    let at = |i: usize| {
        records[i]
            .str("at")
            .filter(|a| !a.is_empty())
            .map(|a| format!(" at {}", location::short(a)))
            .unwrap_or_default()
    };
    // Uncaught exceptions, at their first throw, in the order thrown.
    let mut uncaught: Vec<_> = fates.uncaught.iter().collect();
    uncaught.sort_unstable_by_key(|(i, _)| **i);
    let mut explained = Vec::new();
    for (&i, u) in uncaught {
        let value = records[i].str("value").unwrap_or("?");
        let (kind, text) = match &u.ending {
            Ending::Run => (
                WarningKind::Uncaught,
                format!(
                    "uncaught exception {value}{} ended the run (in {})",
                    at(i),
                    story.naming.task(records[i].u64("task").unwrap_or(0))
                ),
            ),
            Ending::Unobserved(f) => {
                explained.push(*f);
                (
                    WarningKind::Unobserved,
                    format!("{}: {value}", u.ending.text(&story.naming)),
                )
            }
        };
        out.push(Warning {
            kind,
            text,
            record: i,
        });
    }
    // Failures nothing observed that no throw explains (a callback's, a
    // `new gene/Future` failed by code).
    let mut marked: BTreeMap<u64, usize> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        if &*r.kind == "future.unobserved"
            && let Some(f) = r.u64("future")
        {
            marked.entry(f).or_insert(i);
        }
    }
    explained.sort_unstable();
    let mut lost: Vec<u64> = fates.unobserved.iter().copied().collect();
    lost.sort_unstable();
    for f in lost
        .into_iter()
        .filter(|f| explained.binary_search(f).is_err())
    {
        if let Some(&record) = marked.get(&f) {
            out.push(Warning {
                kind: WarningKind::Unobserved,
                text: format!("unobserved failure of {}", story.naming.failure(f)),
                record,
            });
        }
    }
    // At the end of a complete run: tasks that never finished, and the
    // cycles of tasks waiting on each other's results.
    if trace.is_complete() {
        let tasks = story.spawned.len().max(2);
        let end = records.len();
        let waits_on = |t: u64| -> Option<u64> {
            if story.finished(t, end).is_some() {
                return None;
            }
            let a = story.last_await(t, end)?;
            let f = records[a].u64("future")?;
            story.naming.task_of(f)
        };
        // Each task waits on at most one other, so the waits form chains
        // that may end in a cycle: one walk per chain, each task visited
        // once (0: not yet, 1: on the walk, 2: done).
        let mut in_cycle = vec![false; tasks];
        let mut mark = vec![0u8; tasks];
        for start in 1..tasks as u64 {
            let mut path = Vec::new();
            let mut t = start;
            let mut again = None;
            while mark.get(t as usize) == Some(&0) {
                mark[t as usize] = 1;
                path.push(t);
                match waits_on(t) {
                    Some(next) if mark.get(next as usize) == Some(&1) => {
                        again = Some(next);
                        break;
                    }
                    Some(next) => t = next,
                    None => break,
                }
            }
            if let Some(t) = again
                && let Some(k) = path.iter().position(|&p| p == t)
            {
                let cycle = &path[k..];
                for &p in cycle {
                    in_cycle[p as usize] = true;
                }
                let names: Vec<String> = cycle
                    .iter()
                    .chain([&t])
                    .map(|&p| {
                        let site = story.last_await(p, end).map(at).unwrap_or_default();
                        format!("{}{site}", story.naming.task(p))
                    })
                    .collect();
                out.push(Warning {
                    kind: WarningKind::Deadlock,
                    text: format!("deadlock: {}", names.join(" waits on ")),
                    record: story.last_await(t, end).unwrap_or(0),
                });
            }
            for p in path {
                mark[p as usize] = 2;
            }
        }
        for t in 1..tasks as u64 {
            let spawned = story.spawned(t);
            if t != 1 && spawned.is_none() {
                continue;
            }
            if story.finished(t, end).is_some() || in_cycle[t as usize] {
                continue;
            }
            let (text, record) = match story.last_await(t, end) {
                Some(a) => (
                    format!(
                        "{} never finished: suspended{} on {}",
                        story.naming.task(t),
                        at(a),
                        records[a]
                            .u64("future")
                            .map_or("$await_all".into(), |f| story.naming.future(f))
                    ),
                    a,
                ),
                None => (
                    format!("{} never finished", story.naming.task(t)),
                    spawned.unwrap_or(0),
                ),
            };
            out.push(Warning {
                kind: WarningKind::NeverFinished,
                text,
                record,
            });
        }
    }
    for (i, r) in records.iter().enumerate() {
        match &*r.kind {
            "scope.underflow" => out.push(Warning {
                kind: WarningKind::Scopes,
                text: format!(
                    "scope {} released after it was freed (a VM bug)",
                    r.u64("scope").unwrap_or(0)
                ),
                record: i,
            }),
            "run.end" => {
                let miscounts = r.u64("miscounts").unwrap_or(0);
                if miscounts > 0 {
                    out.push(Warning {
                        kind: WarningKind::Scopes,
                        text: format!(
                            "{miscounts} scope counts differ from the recount at the end of the run"
                        ),
                        record: i,
                    });
                }
                if r.bool("ok") == Some(false)
                    && !out.iter().any(|w| w.kind == WarningKind::Uncaught)
                {
                    out.push(Warning {
                        kind: WarningKind::RunFailed,
                        text: format!("the run failed: {}", r.str("value").unwrap_or("?")),
                        record: i,
                    });
                }
            }
            _ => {}
        }
        if out.len() >= MAX_WARNINGS {
            break;
        }
    }
    out.sort_by_key(|w| (w.record, w.kind));
    out.truncate(MAX_WARNINGS);
    out
}
