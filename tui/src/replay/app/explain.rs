//! The replay explains: the source line each view points at, the shared
//! variables at the current poll, jumps from effect to cause (a future to
//! what it woke, a task to its spawner and to what it waits on), and the
//! back/forward list of those jumps.

use gene_sim::trace::location;

use super::*;
use crate::replay::story::Warning;

/// Where a jump left from: a poll, and the record selected there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spot {
    pub poll: usize,
    pub record: Option<usize>,
}

/// The jump list, as in vim: jumps push where they left from; back and
/// forward walk it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Jumps {
    pub back: Vec<Spot>,
    pub forward: Vec<Spot>,
}

/// The most spots the jump list keeps each way.
pub const MAX_JUMPS: usize = 100;

/// A shared variable as the variables pane shows it at a poll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarRow {
    pub var: usize,
    /// Its last write so far (a record index).
    pub write: usize,
    /// The current poll wrote it.
    pub changed: bool,
}

impl App {
    /// Where we are, for the jump list.
    fn spot(&self) -> Spot {
        Spot {
            poll: self.poll(),
            record: self.selected_event(),
        }
    }

    fn go_to_spot(&mut self, s: Spot) {
        match s.record {
            Some(i) => self.select_record(i),
            None => self.goto(s.poll),
        }
    }

    /// Jumps to record `i` (its poll, selected in the events pane),
    /// remembering where we were.
    pub fn jump_to_record(&mut self, i: usize) {
        let here = self.spot();
        self.jumps.back.push(here);
        if self.jumps.back.len() > MAX_JUMPS {
            self.jumps.back.remove(0);
        }
        self.jumps.forward.clear();
        self.select_record(i);
        let r = &self.replay.records()[i];
        self.message = Some(Message {
            text: format!("#{} {} in poll {} (o: back)", r.seq, r.kind, self.poll()),
            error: false,
        });
    }

    /// Back (`o`, Ctrl-O) or forward (`i`, Ctrl-I) in the jump list.
    pub fn jump_back(&mut self, forward: bool) {
        let here = self.spot();
        let (from, to) = if forward {
            (&mut self.jumps.forward, &mut self.jumps.back)
        } else {
            (&mut self.jumps.back, &mut self.jumps.forward)
        };
        let Some(s) = from.pop() else {
            let which = if forward { "forward" } else { "back" };
            self.complain(format!("no jump {which}"));
            return;
        };
        to.push(here);
        self.go_to_spot(s);
        self.say(format!(
            "{} to poll {} ({} back, {} forward)",
            if forward { "forward" } else { "back" },
            s.poll,
            self.jumps.back.len(),
            self.jumps.forward.len()
        ));
    }

    /// The location the source pane shows: the focused pane's selection.
    pub fn followed(&self) -> Option<String> {
        let records = self.replay.records();
        let at = |i: usize| {
            records
                .get(i)
                .and_then(|r| r.str("at"))
                .filter(|a| !a.is_empty())
                .map(str::to_string)
        };
        let st = self.state();
        let from_pane = match self.focus {
            Pane::Tasks => {
                let ids = self.table_ids(Pane::Tasks);
                ids.get(self.table_row(Pane::Tasks, &ids))
                    .and_then(|&t| self.story.task_site(st, t as u64))
                    .and_then(|i| self.record_site(i))
            }
            Pane::Futures => {
                let ids = self.table_ids(Pane::Futures);
                ids.get(self.table_row(Pane::Futures, &ids))
                    .and_then(|&f| self.future_site(f as u64))
            }
            Pane::Variables => self.var_rows().get(self.var_sel).and_then(|v| at(v.write)),
            Pane::Warnings => self
                .story
                .warnings
                .get(self.warn_sel)
                .and_then(|w| self.record_site(w.record)),
            _ => None,
        };
        from_pane.or_else(|| {
            // The selected event's, or when it has none (a poll's begin, a
            // completion), the nearest event of the poll that has one.
            let shown = self.shown_events();
            let sel = self.event_sel.min(shown.len().checked_sub(1)?);
            let after = shown[sel..].iter();
            let before = shown[..sel].iter().rev();
            after.chain(before).find_map(|&i| self.record_site(i))
        })
    }

    /// A record's location: its own `at`, or that of the record it
    /// follows from (a resumed task: its `await`; a completed operation:
    /// where it started; a resolved future: where it was made).
    pub fn record_site(&self, i: usize) -> Option<String> {
        let records = self.replay.records();
        let r = records.get(i)?;
        if let Some(a) = r.str("at").filter(|a| !a.is_empty()) {
            return Some(a.to_string());
        }
        let own = |j: usize| {
            records
                .get(j)
                .and_then(|r| r.str("at"))
                .filter(|a| !a.is_empty())
                .map(str::to_string)
        };
        match &*r.kind {
            "task.resumed" | "task.preempted" | "task.continued" => {
                let t = r.u64("task")?;
                self.story.last_await(t, i).and_then(own)
            }
            "task.finished" | "exception.thrown" => {
                let t = r.u64("task")?;
                self.story.end_site(records, t, i + 1).map(str::to_string)
            }
            "op.completed" => {
                let op = self.state().op(r.u64("op")?)?;
                own(op.started as usize)
            }
            "future.resolved" | "future.observed" | "future.unobserved" => {
                self.future_site(r.u64("future")?)
            }
            _ => None,
        }
    }

    /// Where a future was made: its operation's start, or its
    /// `future.created`.
    fn future_site(&self, f: u64) -> Option<String> {
        let st = self.state();
        let info = st.future(f)?;
        let i = match info.origin {
            super::super::state::Origin::Op(o) => st.op(o as u64)?.started,
            _ => info.created,
        };
        self.replay
            .records()
            .get(i as usize)
            .and_then(|r| r.str("at"))
            .filter(|a| !a.is_empty())
            .map(str::to_string)
    }

    /// The followed location, parsed: the source's lines, and the line
    /// (1-based) and column to mark.
    pub fn followed_line(&self) -> Option<(String, u32, u32)> {
        let at = self.followed()?;
        let l = location::parse(&at)?;
        Some((l.file.to_string(), l.line, l.col))
    }

    /// The shared variables written so far, in the order first written.
    pub fn var_rows(&self) -> Vec<VarRow> {
        let applied = self.state().applied;
        let start = self.replay.poll_start(self.poll());
        self.story
            .vars
            .iter()
            .enumerate()
            .filter_map(|(k, _)| {
                let write = self.story.value_at(k, applied)?;
                Some(VarRow {
                    var: k,
                    write,
                    changed: write >= start,
                })
            })
            .collect()
    }

    pub fn warnings(&self) -> &[Warning] {
        &self.story.warnings
    }

    /// From the tasks pane: to the record that spawned the selected task.
    pub fn jump_to_spawner(&mut self) {
        let ids = self.table_ids(Pane::Tasks);
        let Some(&t) = ids.get(self.table_row(Pane::Tasks, &ids)) else {
            return;
        };
        match self.story.spawned(t as u64) {
            Some(i) => {
                let parent = self.replay.records()[i].u64("parent").unwrap_or(0);
                self.jump_to_record(i);
                if parent != 0 {
                    self.task_sel = parent as u32;
                }
            }
            None => self.complain(format!("task {t} is the main task: nothing spawned it")),
        }
    }

    /// From the tasks pane: to the `await` the selected task waits at (or
    /// last waited at), and that future's details.
    pub fn jump_to_awaited(&mut self) {
        let ids = self.table_ids(Pane::Tasks);
        let Some(&t) = ids.get(self.table_row(Pane::Tasks, &ids)) else {
            return;
        };
        let applied = self.state().applied;
        match self.story.last_await(t as u64, applied) {
            Some(i) => {
                let f = self.replay.records()[i].u64("future");
                self.jump_to_record(i);
                if let Some(f) = f.filter(|&f| f != 0) {
                    self.future_sel = f as u32;
                }
            }
            None => self.complain(format!(
                "{} has not waited on anything so far",
                self.story.naming.task(t as u64)
            )),
        }
    }

    /// Whether breakpoint `b` hits record `i` (`t_before` as for
    /// `BreakOn::hit`): a variable's change needs its previous value.
    pub fn hits_record(&self, b: &BreakOn, i: usize, t_before: Option<u64>) -> bool {
        let records = self.replay.records();
        let r = &records[i];
        b.hit(r, t_before)
            && match b {
                BreakOn::VarChanges(_) => self.story.changes(records, i),
                _ => true,
            }
    }

    /// Adds a breakpoint on a variable: `VAR` (it changes) or
    /// `VAR == VALUE` (it is set to VALUE).
    pub fn add_var_break(&mut self, equals: bool, input: &str) {
        let input = input.trim();
        let (name, value) = match input.split_once("==") {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (input, None),
        };
        let known = self
            .story
            .find_var(name)
            .map(|v| self.story.vars[v].name.clone());
        let Some(name) = known else {
            return self.complain(if name.is_empty() {
                "give a variable's name".to_string()
            } else {
                format!("no shared variable {name} in this trace")
            });
        };
        let b = match (equals, value) {
            (true, Some(v)) if !v.is_empty() => BreakOn::VarEquals(name, v.to_string()),
            (true, _) => {
                return self.complain(format!(
                    "give the value too: {name} == VALUE (as the variables pane shows it)"
                ));
            }
            (false, None) => BreakOn::VarChanges(name),
            (false, Some(v)) => BreakOn::VarEquals(name, v.to_string()),
        };
        self.say(format!(
            "break when {}: space plays to it, ] and [ jump to hits",
            b.describe()
        ));
        self.breaks.push(b);
    }
}
