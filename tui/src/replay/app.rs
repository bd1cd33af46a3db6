//! The replay's model: where we are, what is selected, what the keys do.
//! Nothing here touches the terminal or the clock: the event loop feeds
//! keys and elapsed time in, `ui` draws what is here.

use std::collections::BTreeMap;
use std::sync::Arc;

use gene_sim::trace::read::{Record, Trace};
use regex::Regex;

use super::against::Against;
use super::index::Replay;
use super::state::{FutureStatus, State, TaskStatus};
use super::story::Story;

mod breaks;
mod derived;
mod empty;
mod explain;
mod jump;
mod keys;
mod marks;
mod search;
mod source;
mod task_filter;

pub use derived::{Derived, MAX_KIND_WIDTH, is_fault, is_marker};
pub use explain::Jumps;
pub use marks::Marks;
pub use source::Source;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Events,
    Futures,
    Tasks,
    Scopes,
    Output,
    Source,
    Variables,
    Warnings,
}

pub const PANES: [Pane; 8] = [
    Pane::Events,
    Pane::Futures,
    Pane::Tasks,
    Pane::Variables,
    Pane::Scopes,
    Pane::Warnings,
    Pane::Output,
    Pane::Source,
];

impl Pane {
    pub fn name(self) -> &'static str {
        match self {
            Pane::Events => "events",
            Pane::Futures => "futures",
            Pane::Tasks => "tasks",
            Pane::Scopes => "scopes",
            Pane::Output => "output",
            Pane::Source => "source",
            Pane::Variables => "variables",
            Pane::Warnings => "warnings",
        }
    }
}

/// Play speeds, in polls per second.
pub const SPEEDS: [u32; 10] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000];

/// What a breakpoint waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BreakOn {
    /// A future resolves, succeeding or failing (any future when None).
    FutureResolves(Option<u64>),
    FutureFails(Option<u64>),
    /// A scope's refcount reaches 0.
    ScopeFreed(Option<u64>),
    /// A task suspends on a future (or in `$await_all`).
    TaskSuspends(Option<u64>),
    /// Virtual time reaches `t` nanoseconds.
    TimePasses(u64),
    /// A shared variable gets a value different from its last one.
    VarChanges(String),
    /// A shared variable is written this value (its summary, as shown).
    VarEquals(String, String),
}

pub const BREAK_MENU: [&str; 7] = [
    "a future resolves (succeeds or fails)",
    "a future fails",
    "a scope's refcount reaches 0",
    "a task suspends",
    "virtual time passes t",
    "a variable changes",
    "a variable is set to a value",
];

impl BreakOn {
    fn id_matches(want: Option<u64>, r: &Record, key: &str) -> bool {
        want.is_none() || r.u64(key) == want
    }

    /// Whether record `r` hits it (`t_before`: the virtual time of the poll
    /// before `r`'s, None for the first poll).
    pub fn hit(&self, r: &Record, t_before: Option<u64>) -> bool {
        match self {
            BreakOn::FutureResolves(id) => {
                &*r.kind == "future.resolved" && Self::id_matches(*id, r, "future")
            }
            BreakOn::FutureFails(id) => {
                &*r.kind == "future.resolved"
                    && r.bool("ok") == Some(false)
                    && Self::id_matches(*id, r, "future")
            }
            BreakOn::ScopeFreed(id) => {
                (&*r.kind == "scope.freed"
                    || (&*r.kind == "scope.released" && r.u64("rc") == Some(0)))
                    && Self::id_matches(*id, r, "scope")
            }
            BreakOn::TaskSuspends(id) => {
                matches!(&*r.kind, "task.awaiting" | "task.awaiting_all")
                    && Self::id_matches(*id, r, "task")
            }
            BreakOn::TimePasses(t) => r.t >= *t && t_before.is_none_or(|b| b < *t),
            // Whether the value changed takes the story: see `App::break_hits`.
            BreakOn::VarChanges(v) => &*r.kind == "var.written" && r.str("var") == Some(v),
            BreakOn::VarEquals(v, value) => {
                &*r.kind == "var.written"
                    && r.str("var") == Some(v)
                    && r.str("value") == Some(value)
            }
        }
    }

    pub fn describe(&self) -> String {
        let id = |what: &str, id: &Option<u64>| match id {
            Some(i) => format!("{what} {i}"),
            None => format!("any {what}"),
        };
        match self {
            BreakOn::FutureResolves(i) => format!("{} resolves", id("future", i)),
            BreakOn::FutureFails(i) => format!("{} fails", id("future", i)),
            BreakOn::ScopeFreed(i) => format!("{} reaches refcount 0", id("scope", i)),
            BreakOn::TaskSuspends(i) => format!("{} suspends", id("task", i)),
            BreakOn::TimePasses(t) => format!("time passes {}", super::ui::format_nanos(*t)),
            BreakOn::VarChanges(v) => format!("{v} changes"),
            BreakOn::VarEquals(v, value) => format!("{v} == {value}"),
        }
    }
}

/// What the details popup shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Future(u32),
    Task(u32),
    Scope(u32),
    /// A record, by index.
    Record(usize),
    /// A shared variable (its index in the story).
    Var(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    Search,
    Jump,
    /// The argument of a breakpoint (the menu's item).
    Break(usize),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Prompt {
        kind: PromptKind,
        input: String,
    },
    Filter {
        cursor: usize,
    },
    Break {
        cursor: usize,
    },
    Help,
    Details {
        target: Target,
        related: Vec<usize>,
        /// The selected history row (an index into `related`): Enter
        /// jumps to its record.
        scroll: usize,
    },
}

#[derive(Clone, Debug)]
pub struct Search {
    pub text: String,
    pub regex: Regex,
    /// Taken as a regex (else as text, ignoring case).
    pub regex_mode: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

/// The replay and everything about how it is looked at.
pub struct App {
    pub replay: Replay,
    pub trace_name: String,
    pub source: Result<Source, String>,
    pub focus: Pane,
    pub mode: Mode,
    /// Index of the selected event among the current poll's shown ones.
    pub event_sel: usize,
    /// Selected entity ids in the tables.
    pub future_sel: u32,
    pub task_sel: u32,
    pub scope_sel: u32,
    /// Output lines scrolled up from the end; source lines scrolled down.
    pub output_scroll: usize,
    /// The source pane's lines scrolled from where it follows.
    pub source_scroll: isize,
    /// Tables show only live entities (pending futures, unfinished tasks,
    /// live scopes).
    pub live_only: bool,
    /// Kinds the events pane hides.
    pub hidden: Vec<Arc<str>>,
    /// Kinds in the trace with their counts (made on first use).
    pub kinds: Option<Vec<(Arc<str>, usize)>>,
    pub search: Option<Search>,
    /// The search prompt takes a regex instead of text.
    pub regex_mode: bool,
    pub breaks: Vec<BreakOn>,
    pub playing: bool,
    pub speed: usize,
    play_credit: f64,
    pub message: Option<Message>,
    pub quit: bool,
    /// Record indices of `output` records.
    outputs: Vec<u32>,
    /// Entities the current poll's records name: highlighted.
    pub touched: Touched,
    /// Where things happened, who woke whom, variables, warnings.
    pub story: Story,
    /// Selected rows of the variables and warnings panes.
    pub var_sel: usize,
    pub warn_sel: usize,
    /// The back/forward jump list.
    pub jumps: Jumps,
    /// The trace given with `--against`, to compare with.
    pub against: Option<Against>,
    /// Columns the events pane's fields are scrolled right by (`<` `>`).
    pub hscroll: usize,
    /// The events pane shows only this task's records (`t`).
    pub task_filter: Option<u64>,
    /// Stepping, play and the timeline skip polls with no events (`e`).
    pub skip_empty: bool,
    /// Polls the timeline marks: search and breakpoint hits.
    pub marks: Marks,
    derived: std::cell::OnceCell<Derived>,
    /// Lines the help popup is scrolled down by.
    pub help_scroll: usize,
}

/// Ids named by a poll's records, sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Touched {
    pub futures: Vec<u32>,
    pub tasks: Vec<u32>,
    pub scopes: Vec<u32>,
}

impl Touched {
    fn of(records: &[Record], state: &State) -> Touched {
        let mut t = Touched::default();
        let id = |r: &Record, k: &str| {
            r.u64(k)
                .and_then(|i| u32::try_from(i).ok())
                .filter(|&i| i != 0)
        };
        for r in records {
            for k in ["future", "by"] {
                t.futures.extend(id(r, k));
            }
            if &*r.kind == "op.completed"
                && let Some(op) = r.u64("op").and_then(|o| state.op(o))
                && op.future != 0
            {
                t.futures.push(op.future);
            }
            t.tasks.extend(id(r, "task"));
            if &*r.kind == "task.spawned" {
                t.tasks.extend(id(r, "parent"));
            }
            t.scopes.extend(id(r, "scope"));
            if &*r.kind == "scope.created" {
                t.scopes.extend(id(r, "parent"));
            }
        }
        for v in [&mut t.futures, &mut t.tasks, &mut t.scopes] {
            v.sort_unstable();
            v.dedup();
        }
        t
    }

    pub fn future(&self, id: u32) -> bool {
        self.futures.binary_search(&id).is_ok()
    }

    pub fn task(&self, id: u32) -> bool {
        self.tasks.binary_search(&id).is_ok()
    }

    pub fn scope(&self, id: u32) -> bool {
        self.scopes.binary_search(&id).is_ok()
    }
}

impl App {
    pub fn new(trace: Trace, trace_name: &str, source: Result<Source, String>) -> App {
        let blocking = trace.blocking_await();
        let (replay, (story, outputs)) = Replay::new_with(trace, |t| {
            let outputs = t
                .records
                .iter()
                .enumerate()
                .filter(|(_, r)| &*r.kind == "output")
                .map(|(i, _)| i as u32)
                .collect();
            (Story::of(t, blocking), outputs)
        });
        let source = source.map(|s| s.with_evals(&story.evals));
        let touched = Touched::of(replay.poll_records(), replay.state());
        App {
            replay,
            trace_name: trace_name.to_string(),
            source,
            focus: Pane::Events,
            mode: Mode::Normal,
            event_sel: 0,
            future_sel: 1,
            task_sel: 1,
            scope_sel: 1,
            output_scroll: 0,
            source_scroll: 0,
            live_only: false,
            hidden: Vec::new(),
            kinds: None,
            search: None,
            regex_mode: false,
            breaks: Vec::new(),
            playing: false,
            speed: 3,
            play_credit: 0.0,
            message: None,
            quit: false,
            outputs,
            touched,
            story,
            var_sel: 0,
            warn_sel: 0,
            jumps: Jumps::default(),
            against: None,
            hscroll: 0,
            task_filter: None,
            skip_empty: false,
            marks: Marks::default(),
            derived: std::cell::OnceCell::new(),
            help_scroll: 0,
        }
    }

    /// What is worked out once from the whole trace (on first use).
    pub fn derived(&self) -> &Derived {
        self.derived.get_or_init(|| Derived::of(&self.replay))
    }

    pub fn state(&self) -> &State {
        self.replay.state()
    }

    pub fn poll(&self) -> usize {
        self.replay.poll()
    }

    pub fn last_poll(&self) -> usize {
        self.replay.polls().saturating_sub(1)
    }

    /// Why the trace stops early, if it does.
    pub fn warning(&self) -> Option<String> {
        let e = self.replay.trace.error.as_ref()?;
        Some(format!(
            "trace cut short at {e}; showing the {} records before it",
            self.replay.records().len()
        ))
    }

    /// Moves to poll `p`.
    pub fn goto(&mut self, p: usize) {
        let p = p.min(self.last_poll());
        if p != self.poll() {
            self.replay.seek(p);
            self.touched = Touched::of(self.replay.poll_records(), self.replay.state());
            self.event_sel = 0;
            self.output_scroll = 0;
            self.source_scroll = 0;
            // A message about where we were is stale here.
            self.message = None;
        }
    }

    fn step(&mut self, delta: isize) {
        let p = self.step_target(self.poll(), delta);
        self.goto(p);
    }

    /// The current poll's records that the filter shows, as record indices.
    pub fn shown_events(&self) -> Vec<usize> {
        let start = self.replay.poll_start(self.poll());
        self.replay
            .poll_records()
            .iter()
            .enumerate()
            .filter(|(_, r)| self.is_shown(r))
            .map(|(i, _)| start + i)
            .collect()
    }

    /// The selected event (a record index).
    pub fn selected_event(&self) -> Option<usize> {
        let shown = self.shown_events();
        shown
            .get(self.event_sel.min(shown.len().saturating_sub(1)))
            .copied()
    }

    /// Events of the current poll besides its begin and end.
    pub fn poll_event_count(&self, p: usize) -> usize {
        self.derived().events.get(p).map_or(0, |&n| n as usize)
    }

    /// Ids shown by a table, in order.
    pub fn table_ids(&self, pane: Pane) -> Vec<u32> {
        let s = self.state();
        let live = self.live_only;
        match pane {
            Pane::Futures => s
                .futures
                .iter()
                .filter(|f| !live || f.status == FutureStatus::Pending)
                .map(|f| f.id)
                .collect(),
            Pane::Tasks => s
                .tasks
                .iter()
                .filter(|t| !live || !t.status.is_done())
                .map(|t| t.id)
                .collect(),
            Pane::Scopes => s
                .scopes
                .iter()
                .filter(|c| !live || c.live())
                .map(|c| c.id)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The selected row of a table (its index in `table_ids`).
    pub fn table_row(&self, pane: Pane, ids: &[u32]) -> usize {
        let sel = match pane {
            Pane::Futures => self.future_sel,
            Pane::Tasks => self.task_sel,
            _ => self.scope_sel,
        };
        ids.partition_point(|&i| i < sel)
            .min(ids.len().saturating_sub(1))
    }

    fn move_table(&mut self, pane: Pane, delta: isize) {
        let ids = self.table_ids(pane);
        if ids.is_empty() {
            return;
        }
        let row = self.table_row(pane, &ids);
        let row = row.saturating_add_signed(delta).min(ids.len() - 1);
        let id = ids[row];
        match pane {
            Pane::Futures => self.future_sel = id,
            Pane::Tasks => self.task_sel = id,
            _ => self.scope_sel = id,
        }
    }

    /// The output so far as lines, the last `n` of them after scrolling
    /// back `scroll` lines; each with whether the current poll printed it.
    pub fn output_lines(&self, n: usize, scroll: usize) -> (Vec<(String, bool)>, usize) {
        let applied = self.state().applied;
        let count = self.outputs.partition_point(|&i| (i as usize) < applied);
        let poll_start = self.replay.poll_start(self.poll());
        let records = self.replay.records();
        let want = n + scroll;
        let mut lines: Vec<(String, bool)> = Vec::new();
        let mut open = false; // the last line has no newline yet
        // Walk back until enough complete lines are collected.
        let mut pieces: Vec<(usize, &str, bool)> = Vec::new();
        let mut newlines = 0;
        for &i in self.outputs[..count].iter().rev() {
            let r = &records[i as usize];
            let nl = r.bool("newline").unwrap_or(true);
            if nl {
                newlines += 1;
            }
            pieces.push((i as usize, r.str("text").unwrap_or(""), nl));
            if newlines > want {
                break;
            }
        }
        for (i, text, nl) in pieces.into_iter().rev() {
            let now = i >= poll_start;
            for (k, part) in text.split('\n').enumerate() {
                if k > 0 || !open {
                    lines.push((String::new(), false));
                }
                let last = lines.last_mut().expect("a line");
                last.0.push_str(part);
                last.1 |= now;
            }
            open = !nl;
        }
        let total = lines.len();
        let end = total.saturating_sub(scroll.min(total));
        let start = end.saturating_sub(n);
        (lines[start..end].to_vec(), count)
    }

    /// Number of output records printed so far.
    pub fn output_count(&self) -> usize {
        let applied = self.state().applied;
        self.outputs.partition_point(|&i| (i as usize) < applied)
    }

    pub fn kinds(&mut self) -> &[(Arc<str>, usize)] {
        if self.kinds.is_none() {
            let mut m: BTreeMap<Arc<str>, usize> = BTreeMap::new();
            let mut last: Option<(Arc<str>, usize)> = None;
            for r in self.replay.records() {
                match &mut last {
                    Some((k, n)) if Arc::ptr_eq(k, &r.kind) => *n += 1,
                    _ => {
                        if let Some((k, n)) = last.take() {
                            *m.entry(k).or_default() += n;
                        }
                        last = Some((r.kind.clone(), 1));
                    }
                }
            }
            if let Some((k, n)) = last {
                *m.entry(k).or_default() += n;
            }
            self.kinds = Some(m.into_iter().collect());
        }
        self.kinds.as_deref().unwrap_or(&[])
    }

    fn say(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: false,
        });
    }

    fn complain(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: true,
        });
    }

    // ---- time ----

    /// Lets `ms` milliseconds of play pass.
    pub fn tick(&mut self, ms: u64) {
        if !self.playing {
            return;
        }
        self.play_credit += SPEEDS[self.speed] as f64 * ms as f64 / 1000.0;
        let steps = self.play_credit.floor() as usize;
        if steps == 0 {
            return;
        }
        self.play_credit -= steps as f64;
        let from = self.poll();
        let to = self.step_target(from, steps as isize);
        if let Some((p, why)) = self.find_break(from + 1, to) {
            self.goto(p);
            self.playing = false;
            self.say(format!("break: {why} (poll {p})"));
            return;
        }
        self.goto(to);
        if to >= self.last_poll() {
            self.playing = false;
            self.say("end of trace");
        }
    }

    /// The first poll in `from..=to` where a breakpoint hits.
    fn find_break(&self, from: usize, to: usize) -> Option<(usize, String)> {
        if self.breaks.is_empty() {
            return None;
        }
        for p in from..=to.min(self.last_poll()) {
            if let Some(why) = self.break_in(p) {
                return Some((p, why));
            }
        }
        None
    }

    fn break_in(&self, p: usize) -> Option<String> {
        self.break_report(p)
    }

    /// The previous poll before `from` where a breakpoint hits.
    fn find_break_back(&self, from: usize) -> Option<(usize, String)> {
        (0..from)
            .rev()
            .find_map(|p| self.break_in(p).map(|w| (p, w)))
    }
}

/// How the status line names a search mode.
pub fn search_mode_name(regex: bool) -> &'static str {
    if regex { "regex" } else { "text" }
}

fn records_seq(replay: &Replay, i: usize) -> u64 {
    replay.records().get(i).map_or(0, |r| r.seq)
}

/// Parses `150ms`, `1.5s`, `20us`, `7ns` (a bare number is seconds).
pub fn parse_time(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let x: f64 = num.parse().ok()?;
    let scale = match unit.trim() {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" | "" => 1e9,
        _ => return None,
    };
    let t = x * scale;
    (t.is_finite() && t >= 0.0).then_some(t.round() as u64)
}

/// The records that name `target` (all of the trace), by index.
pub fn related_records(records: &[Record], target: Target, state: &State) -> Vec<usize> {
    const MAX: usize = 10_000;
    let named = |r: &Record, keys: &[&str], id: u64| keys.iter().any(|k| r.u64(k) == Some(id));
    let mut out = Vec::new();
    match target {
        Target::Record(i) => out.push(i),
        // A variable's history is the story's.
        Target::Var(_) => {}
        Target::Future(f) => {
            let f = f as u64;
            let op = state
                .ops
                .iter()
                .find(|o| o.future as u64 == f)
                .map(|o| o.id as u64);
            for (i, r) in records.iter().enumerate() {
                let hit = match &*r.kind {
                    "op.completed" => op.is_some() && r.u64("op") == op,
                    "future.adopted" => named(r, &["future", "by"], f),
                    _ => named(r, &["future", "reacts_to"], f),
                };
                if hit {
                    out.push(i);
                    if out.len() >= MAX {
                        break;
                    }
                }
            }
        }
        Target::Task(t) => {
            let t = t as u64;
            for (i, r) in records.iter().enumerate() {
                let hit = r.u64("task") == Some(t)
                    || (&*r.kind == "task.spawned" && r.u64("parent") == Some(t));
                if hit {
                    out.push(i);
                    if out.len() >= MAX {
                        break;
                    }
                }
            }
        }
        Target::Scope(s) => {
            let s = s as u64;
            for (i, r) in records.iter().enumerate() {
                let hit = r.u64("scope") == Some(s)
                    || (&*r.kind == "scope.created" && r.u64("parent") == Some(s));
                if hit {
                    out.push(i);
                    if out.len() >= MAX {
                        break;
                    }
                }
            }
        }
    }
    out
}

/// One-word state of a future, for tables.
pub fn future_state(status: FutureStatus) -> &'static str {
    match status {
        FutureStatus::Pending => "pending",
        FutureStatus::Succeeded => "ok",
        FutureStatus::Failed => "failed",
    }
}

/// A short form of a task's state, for tables.
pub fn task_state(status: TaskStatus) -> String {
    match status {
        TaskStatus::Suspended(f) => format!("suspended on f{f}"),
        TaskStatus::AwaitingAll => "suspended (all)".into(),
        TaskStatus::Done { ok: false } => "done (failed)".into(),
        s => s.describe(),
    }
}
