//! Invariant checkers: functions over a finished run's records (DESIGN.md,
//! "Invariant checkers"), used by the fixture runner, the property tests and
//! `explore`.

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::names::Naming;
use super::read::Record;

/// A broken invariant, at the record that shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub rule: &'static str,
    pub seq: u64,
    pub poll: u64,
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{}] record {} (poll {}): {}",
            self.rule, self.seq, self.poll, self.message
        )
    }
}

/// What reacts to a future, as the trace shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reaction {
    Callback { on_success: bool },
    Waiter(u64),
}

impl Reaction {
    /// `a success callback`, `deposit (task 3)'s await`.
    fn text(&self, names: &Naming) -> String {
        match self {
            Reaction::Callback { on_success: true } => "a success callback".into(),
            Reaction::Callback { on_success: false } => "a failure callback".into(),
            Reaction::Waiter(t) => format!("{}'s await", names.task_ref(*t)),
        }
    }
}

/// Items for a message: `a, b, c`.
fn list<T: ToString>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Default)]
struct FutureState {
    /// `Some(ok)` once resolved.
    resolved: Option<bool>,
    /// Registered while pending, in order.
    registered: Vec<Reaction>,
    /// Still to start after the resolution, in order.
    expected: VecDeque<Reaction>,
    observed: bool,
}

#[derive(Default)]
struct Checker {
    out: Vec<Violation>,
    futures: BTreeMap<u64, FutureState>,
    /// What each suspended task waits on (0: `$await_all`).
    waiting: BTreeMap<u64, u64>,
    /// Live scopes and their counts, recounted from the events.
    scopes: BTreeMap<u64, u64>,
    freed: BTreeSet<u64>,
    last_t: u64,
    /// At-once callbacks registered on resolved futures, not yet started.
    at_once: VecDeque<(u64, bool)>,
    /// What the messages call tasks and futures, built only when `naming`.
    names: Naming,
    naming: bool,
}

/// Checks every invariant on a run's records, and that each record keeps
/// to the format's schema (records read from a file were validated by the
/// reader; records collected in memory are validated here).
pub fn check(records: &[Record]) -> Vec<Violation> {
    // Runs are checked by the thousand (`explore`) and rarely break an
    // invariant: name things only for a run that does.
    let found = check_with(records, false);
    if found.is_empty() {
        return found;
    }
    check_with(records, true)
}

/// Checks every invariant on a run's records as they come, one at a time
/// (`gene-trace check` reads a trace file as a stream), naming things in
/// the messages as `check` does: it holds a few entries per task, future
/// and scope, not the records.
pub fn check_stream<R: Borrow<Record>>(records: impl IntoIterator<Item = R>) -> Vec<Violation> {
    check_with(records, true)
}

fn check_with<R: Borrow<Record>>(
    records: impl IntoIterator<Item = R>,
    naming: bool,
) -> Vec<Violation> {
    let mut c = Checker {
        naming,
        ..Checker::default()
    };
    let mut schema = Some(super::schema::Validator::default());
    // The last record, when it is `run.end`.
    let mut end: Option<Record> = None;
    for r in records {
        let r = r.borrow();
        if let Some(v) = &mut schema
            && let Err(message) = v.check(r)
        {
            // The first contradiction is enough: later ones follow from it.
            c.fail("schema", r, message);
            schema = None;
        }
        c.record(r);
        end = (&*r.kind == "run.end").then(|| r.clone());
    }
    if let Some(end) = &end {
        c.end(end);
    }
    c.out
}

impl Checker {
    fn fail(&mut self, rule: &'static str, r: &Record, message: String) {
        self.out.push(Violation {
            rule,
            seq: r.seq,
            poll: r.poll,
            message,
        });
    }

    fn record(&mut self, r: &Record) {
        if self.naming {
            self.names.note(r);
        }
        if r.t < self.last_t {
            self.fail(
                "time-monotonic",
                r,
                format!("virtual time goes back from {} to {}", self.last_t, r.t),
            );
        }
        self.last_t = r.t;
        let id = |k: &str| r.u64(k).unwrap_or(0);
        match &*r.kind {
            "future.resolved" => {
                let (f, ok) = (id("future"), r.bool("ok").unwrap_or(false));
                let st = self.futures.entry(f).or_default();
                if st.resolved.is_some() {
                    let f = self.names.future_ref(f);
                    self.fail("resolve-once", r, format!("{f} resolves a second time"));
                    return;
                }
                st.resolved = Some(ok);
                st.expected = st
                    .registered
                    .iter()
                    .copied()
                    .filter(|x| match x {
                        Reaction::Callback { on_success } => *on_success == ok,
                        Reaction::Waiter(_) => true,
                    })
                    .collect();
                if !ok
                    && st
                        .registered
                        .iter()
                        .any(|x| !matches!(x, Reaction::Callback { on_success: true }))
                {
                    st.observed = true;
                }
            }
            "callback.registered" => {
                let (f, on_success) = (id("future"), r.bool("on_success").unwrap_or(true));
                let pending = r.bool("pending").unwrap_or(true);
                let st = self.futures.entry(f).or_default();
                if !on_success {
                    st.observed = true;
                }
                match (pending, st.resolved) {
                    (true, None) => st.registered.push(Reaction::Callback { on_success }),
                    (true, Some(_)) => {
                        let f = self.names.future_ref(f);
                        self.fail(
                            "reaction-order",
                            r,
                            format!("callback registered as pending on resolved {f}"),
                        );
                    }
                    (false, None) => {
                        let f = self.names.future_ref(f);
                        self.fail(
                            "resolve-once",
                            r,
                            format!("{f} is resolved, but no record says so"),
                        );
                    }
                    (false, Some(ok)) if ok == on_success => {
                        self.at_once.push_back((f, on_success))
                    }
                    (false, Some(_)) => {}
                }
            }
            "task.awaiting" => {
                let (t, f) = (id("task"), id("future"));
                self.waiting.insert(t, f);
                let st = self.futures.entry(f).or_default();
                st.observed = true;
                if st.resolved.is_some() {
                    let (t, f) = (self.names.task_ref(t), self.names.future_ref(f));
                    self.fail(
                        "await-order",
                        r,
                        format!("{t} suspends on {f}, already resolved"),
                    );
                } else {
                    st.registered.push(Reaction::Waiter(t));
                }
            }
            "task.awaiting_all" => {
                self.waiting.insert(id("task"), 0);
            }
            "task.resumed" => {
                let t = id("task");
                let Some(f) = self.waiting.remove(&t) else {
                    let t = self.names.task_ref(t);
                    self.fail("await-order", r, format!("{t} resumes without waiting"));
                    return;
                };
                if f == 0 {
                    return;
                }
                let ok = r.bool("ok").unwrap_or(true);
                let (tn, fname) = (self.names.task_ref(t), self.names.future_ref(f));
                match self.futures.get(&f).and_then(|st| st.resolved) {
                    None => self.fail(
                        "await-order",
                        r,
                        format!("{tn} resumes before {fname} resolved"),
                    ),
                    Some(resolved_ok) if resolved_ok != ok => self.fail(
                        "await-order",
                        r,
                        format!(
                            "{tn} resumes with ok={ok} but {fname} resolved with ok={resolved_ok}"
                        ),
                    ),
                    Some(_) => self.reaction_started(r, f, Reaction::Waiter(t)),
                }
            }
            "task.spawned" if r.str("task_kind") == Some("callback") => self.callback_started(r),
            "callback.native" => self.callback_started(r),
            "future.observed" | "future.adopted" => {
                self.futures.entry(id("future")).or_default().observed = true;
            }
            "scope.created" => {
                let s = id("scope");
                self.scopes.insert(s, 1);
            }
            "scope.retained" | "scope.released" => {
                let (s, rc) = (id("scope"), id("rc"));
                let Some(count) = self.scopes.get_mut(&s) else {
                    let what = if self.freed.contains(&s) {
                        "freed"
                    } else {
                        "unknown"
                    };
                    self.fail(
                        "use-after-free",
                        r,
                        format!("{} of {what} scope {s}", r.kind),
                    );
                    return;
                };
                let expected = if &*r.kind == "scope.retained" {
                    *count + 1
                } else {
                    count.wrapping_sub(1)
                };
                *count = expected;
                if rc != expected {
                    self.fail(
                        "refcount",
                        r,
                        format!("scope {s} count is {rc}, its events say {expected}"),
                    );
                }
            }
            "scope.freed" => {
                let s = id("scope");
                match self.scopes.remove(&s) {
                    Some(0) => {
                        self.freed.insert(s);
                    }
                    Some(n) => self.fail(
                        "refcount",
                        r,
                        format!("scope {s} freed with {n} references"),
                    ),
                    None => self.fail(
                        "use-after-free",
                        r,
                        format!("scope {s} freed twice or never created"),
                    ),
                }
            }
            "scope.underflow" => {
                self.fail(
                    "refcount",
                    r,
                    format!("scope {} released below zero", id("scope")),
                );
            }
            _ => {}
        }
    }

    /// A callback task (or built-in callback) started: at once, or as a reaction.
    fn callback_started(&mut self, r: &Record) {
        let f = r.u64("reacts_to").unwrap_or(0);
        if let Some(i) = self.at_once.iter().position(|(g, _)| *g == f) {
            self.at_once.remove(i);
            return;
        }
        let on_success = self
            .futures
            .get(&f)
            .and_then(|st| st.resolved)
            .unwrap_or(true);
        self.reaction_started(r, f, Reaction::Callback { on_success });
    }

    fn reaction_started(&mut self, r: &Record, f: u64, what: Reaction) {
        let st = self.futures.entry(f).or_default();
        let next = match st.expected.front() {
            Some(next) if *next == what => {
                st.expected.pop_front();
                return;
            }
            next => next.copied(),
        };
        let (fname, what) = (self.names.future_ref(f), what.text(&self.names));
        let message = match next {
            Some(next) => format!(
                "{fname}: {what} started before {}, registered earlier",
                next.text(&self.names)
            ),
            None => format!("{fname}: {what} started, but none was due"),
        };
        self.fail("reaction-order", r, message);
    }

    fn end(&mut self, end: &Record) {
        let completed = end.bool("ok").unwrap_or(false);
        let reported: BTreeSet<u64> = end
            .str("unobserved")
            .unwrap_or("")
            .split(',')
            .filter_map(|s| s.parse().ok())
            .collect();
        let futures = std::mem::take(&mut self.futures);
        for (f, st) in &futures {
            if completed && !st.expected.is_empty() {
                let never = list(st.expected.iter().map(|x| x.text(&self.names)));
                let f = self.names.future_ref(*f);
                self.fail(
                    "reaction-order",
                    end,
                    format!("{f}: reactions never ran: {never}"),
                );
            }
            if st.resolved == Some(false) && !st.observed && !reported.contains(f) {
                let f = self.names.failure_ref(*f);
                self.fail(
                    "failure-observed",
                    end,
                    format!("unobserved failure of {f}, not reported"),
                );
            }
            if reported.contains(f) && st.observed {
                let f = self.names.future_ref(*f);
                self.fail(
                    "failure-observed",
                    end,
                    format!("{f} was observed, yet reported unobserved"),
                );
            }
        }
        if completed && !self.at_once.is_empty() {
            self.fail(
                "reaction-order",
                end,
                format!(
                    "callbacks never ran: {}",
                    list(self.at_once.iter().map(|(f, ok)| format!(
                        "a {} callback on {}",
                        if *ok { "success" } else { "failure" },
                        self.names.future_ref(*f)
                    )))
                ),
            );
        }
        if end.u64("miscounts").unwrap_or(0) > 0 {
            self.fail(
                "refcount",
                end,
                "the end-of-run audit found miscounted scopes".into(),
            );
        }
        if !self.scopes.is_empty() {
            let live: Vec<_> = self.scopes.keys().collect();
            self.fail(
                "scopes-freed",
                end,
                format!("scopes never freed: {}", list(live)),
            );
        }
    }
}
