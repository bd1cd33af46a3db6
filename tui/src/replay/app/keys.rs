//! What the keys do, pane by pane and prompt by prompt.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::*;

/// Columns `<` and `>` scroll the events pane's fields by.
pub const HSCROLL_STEP: usize = 8;
/// The farthest the events pane scrolls right.
pub const MAX_HSCROLL: usize = 4096;
/// Lines the help scrolls by at most (more than it has at any width).
const MAX_HELP_SCROLL: usize = 200;

/// How far a record's details scroll (the popup stops at its last line).
const MAX_DETAILS_SCROLL: usize = 1 << 16;

impl App {
    // ---- keys ----

    pub fn on_key(&mut self, key: KeyEvent) {
        if key.kind == KeyEventKind::Release {
            return;
        }
        if key.modifiers.contains(KeyModifiers::CONTROL) && matches!(key.code, KeyCode::Char('c')) {
            self.quit = true;
            return;
        }
        let mode = std::mem::replace(&mut self.mode, Mode::Normal);
        self.mode = match mode {
            Mode::Normal => {
                self.normal_key(key);
                return;
            }
            Mode::Prompt { kind, input } => self.prompt_key(key, kind, input),
            Mode::Filter { cursor } => self.filter_key(key, cursor),
            Mode::Break { cursor } => self.break_key(key, cursor),
            Mode::Help => match key.code {
                KeyCode::Char('q') => {
                    self.quit = true;
                    Mode::Normal
                }
                KeyCode::Down | KeyCode::Char('j') => {
                    self.help_scroll = (self.help_scroll + 1).min(MAX_HELP_SCROLL);
                    Mode::Help
                }
                KeyCode::Up | KeyCode::Char('k') => {
                    self.help_scroll = self.help_scroll.saturating_sub(1);
                    Mode::Help
                }
                KeyCode::PageDown => {
                    self.help_scroll = (self.help_scroll + 10).min(MAX_HELP_SCROLL);
                    Mode::Help
                }
                KeyCode::PageUp => {
                    self.help_scroll = self.help_scroll.saturating_sub(10);
                    Mode::Help
                }
                _ => Mode::Normal,
            },
            Mode::Details {
                target,
                related,
                scroll,
            } => match key.code {
                KeyCode::Enter if matches!(target, Target::Record(_)) => {
                    // From an event to the first future, task or scope it names.
                    let Target::Record(i) = target else {
                        unreachable!()
                    };
                    let r = &self.replay.records()[i];
                    let id = |k: &str| r.u64(k).filter(|&v| v != 0).map(|v| v as u32);
                    let next = id("future")
                        .map(Target::Future)
                        .or_else(|| id("task").map(Target::Task))
                        .or_else(|| id("scope").map(Target::Scope))
                        .or_else(|| {
                            let op = r.u64("op")?;
                            let f = self.state().op(op)?.future;
                            (f != 0).then_some(Target::Future(f))
                        });
                    match next {
                        Some(t) => {
                            self.open(t);
                            return;
                        }
                        None => Mode::Normal,
                    }
                }
                KeyCode::Enter if !related.is_empty() => {
                    // A history row: to its poll and record.
                    let i = related[scroll.min(related.len() - 1)];
                    self.jump_to_record(i);
                    Mode::Normal
                }
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => Mode::Normal,
                code => {
                    // A record's details scroll their (wrapped) lines; the
                    // others pick a history row.
                    let last = if matches!(target, Target::Record(_)) {
                        MAX_DETAILS_SCROLL
                    } else {
                        related.len().saturating_sub(1)
                    };
                    let scroll = match code {
                        KeyCode::Down | KeyCode::Char('j') => scroll + 1,
                        KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
                        KeyCode::PageDown => scroll + 10,
                        KeyCode::PageUp => scroll.saturating_sub(10),
                        KeyCode::Home | KeyCode::Char('g') => 0,
                        KeyCode::End | KeyCode::Char('G') => last,
                        _ => scroll,
                    };
                    Mode::Details {
                        target,
                        related,
                        scroll: scroll.min(last),
                    }
                }
            },
        };
    }

    fn normal_key(&mut self, key: KeyEvent) {
        self.message = None;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('o') => self.jump_back(false),
            KeyCode::Char('i') => self.jump_back(true),
            KeyCode::Char('p') if self.focus == Pane::Tasks && !ctrl => self.jump_to_spawner(),
            KeyCode::Char('w') if self.focus == Pane::Tasks => self.jump_to_awaited(),
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Esc => {
                self.playing = false;
            }
            KeyCode::Right | KeyCode::Char('l') => self.step(1),
            KeyCode::Left | KeyCode::Char('h') => self.step(-1),
            KeyCode::PageDown => self.step(10),
            KeyCode::PageUp => self.step(-10),
            KeyCode::Char('g') => self.goto(0),
            KeyCode::Char('G') => self.goto(self.last_poll()),
            KeyCode::Char(' ') => {
                self.playing = !self.playing;
                self.play_credit = 0.0;
                if self.playing && self.poll() >= self.last_poll() {
                    self.goto(0);
                }
            }
            KeyCode::Char('+') | KeyCode::Char('=') => {
                self.speed = (self.speed + 1).min(SPEEDS.len() - 1);
                self.say(format!("speed: {} polls/s", SPEEDS[self.speed]));
            }
            KeyCode::Char('-') | KeyCode::Char('_') => {
                self.speed = self.speed.saturating_sub(1);
                self.say(format!("speed: {} polls/s", SPEEDS[self.speed]));
            }
            KeyCode::Char('/') => {
                // Each search starts as text; Tab in the prompt makes it a regex.
                self.regex_mode = false;
                self.mode = Mode::Prompt {
                    kind: PromptKind::Search,
                    input: String::new(),
                }
            }
            KeyCode::Char('n') => self.search_step(true, false),
            KeyCode::Char('N') => self.search_step(false, false),
            KeyCode::Char('f') => {
                self.kinds();
                self.mode = Mode::Filter { cursor: 0 };
            }
            KeyCode::Char('b') => self.mode = Mode::Break { cursor: 0 },
            KeyCode::Char(']') => match self.find_break(self.poll() + 1, self.last_poll()) {
                Some((p, why)) => {
                    self.goto(p);
                    self.say(format!("break: {why} (poll {p})"));
                }
                None if self.breaks.is_empty() => {
                    self.complain("no breakpoints: press b to add one")
                }
                None => self.complain("no breakpoint hits after this poll"),
            },
            KeyCode::Char('[') => match self.find_break_back(self.poll()) {
                Some((p, why)) => {
                    self.goto(p);
                    self.say(format!("break: {why} (poll {p})"));
                }
                None if self.breaks.is_empty() => {
                    self.complain("no breakpoints: press b to add one")
                }
                None => self.complain("no breakpoint hits before this poll"),
            },
            KeyCode::Char(':') => {
                self.mode = Mode::Prompt {
                    kind: PromptKind::Jump,
                    input: String::new(),
                }
            }
            KeyCode::Tab => {
                let i = PANES.iter().position(|&p| p == self.focus).unwrap_or(0);
                self.focus = PANES[(i + 1) % PANES.len()];
            }
            KeyCode::BackTab => {
                let i = PANES.iter().position(|&p| p == self.focus).unwrap_or(0);
                self.focus = PANES[(i + PANES.len() - 1) % PANES.len()];
            }
            KeyCode::Char('?') => {
                self.help_scroll = 0;
                self.mode = Mode::Help
            }
            KeyCode::Char('a') => {
                self.live_only = !self.live_only;
                self.say(if self.live_only {
                    "tables: live only (pending futures, unfinished tasks, live scopes)"
                } else {
                    "tables: all"
                });
            }
            KeyCode::Down | KeyCode::Char('j') => self.move_selection(1),
            KeyCode::Up | KeyCode::Char('k') => self.move_selection(-1),
            KeyCode::Home => self.move_selection(isize::MIN / 2),
            KeyCode::End => self.move_selection(isize::MAX / 2),
            KeyCode::Enter => self.open_details(),
            KeyCode::Char('>') => self.hscroll = (self.hscroll + HSCROLL_STEP).min(MAX_HSCROLL),
            KeyCode::Char('<') => self.hscroll = self.hscroll.saturating_sub(HSCROLL_STEP),
            KeyCode::Char('t') if self.focus == Pane::Events => self.toggle_task_filter(),
            KeyCode::Char('e') => self.toggle_skip_empty(),
            _ => {}
        }
    }

    fn move_selection(&mut self, delta: isize) {
        match self.focus {
            Pane::Events => {
                let n = self.shown_events().len();
                self.event_sel = self
                    .event_sel
                    .saturating_add_signed(delta)
                    .min(n.saturating_sub(1));
            }
            Pane::Futures | Pane::Tasks | Pane::Scopes => self.move_table(self.focus, delta),
            Pane::Output => {
                self.output_scroll = self.output_scroll.saturating_add_signed(-delta);
            }
            Pane::Source => {
                let n = self.source.as_ref().map_or(0, |s| s.lines.len()) as isize;
                self.source_scroll = self.source_scroll.saturating_add(delta).clamp(-n, n);
            }
            Pane::Variables => {
                let n = self.var_rows().len();
                self.var_sel = self
                    .var_sel
                    .saturating_add_signed(delta)
                    .min(n.saturating_sub(1));
            }
            Pane::Warnings => {
                let n = self.story.warnings.len();
                self.warn_sel = self
                    .warn_sel
                    .saturating_add_signed(delta)
                    .min(n.saturating_sub(1));
            }
        }
    }

    fn open_details(&mut self) {
        let target = match self.focus {
            Pane::Events => match self.selected_event() {
                Some(i) => Target::Record(i),
                None => return,
            },
            Pane::Futures if !self.table_ids(Pane::Futures).is_empty() => {
                let ids = self.table_ids(Pane::Futures);
                Target::Future(ids[self.table_row(Pane::Futures, &ids)])
            }
            Pane::Tasks if !self.table_ids(Pane::Tasks).is_empty() => {
                let ids = self.table_ids(Pane::Tasks);
                Target::Task(ids[self.table_row(Pane::Tasks, &ids)])
            }
            Pane::Scopes if !self.table_ids(Pane::Scopes).is_empty() => {
                let ids = self.table_ids(Pane::Scopes);
                Target::Scope(ids[self.table_row(Pane::Scopes, &ids)])
            }
            Pane::Variables => match self.var_rows().get(self.var_sel) {
                Some(v) => Target::Var(v.var),
                None => return,
            },
            Pane::Warnings => {
                if let Some(w) = self.story.warnings.get(self.warn_sel) {
                    let i = w.record;
                    self.jump_to_record(i);
                }
                return;
            }
            _ => return,
        };
        self.open(target);
    }

    /// Opens the details of `target`.
    pub fn open(&mut self, target: Target) {
        let related = match target {
            Target::Var(v) => self.story.history(v),
            Target::Future(f) => {
                let mut r = related_records(self.replay.records(), target, self.state());
                r.extend(self.story.woke(f as u64).iter().map(|&i| i as usize));
                r.sort_unstable();
                r.dedup();
                r
            }
            _ => related_records(self.replay.records(), target, self.state()),
        };
        self.mode = Mode::Details {
            target,
            related,
            scroll: 0,
        };
    }

    fn prompt_key(&mut self, key: KeyEvent, kind: PromptKind, mut input: String) -> Mode {
        match key.code {
            KeyCode::Esc => Mode::Normal,
            KeyCode::Enter => {
                match kind {
                    PromptKind::Search => self.set_search(&input),
                    PromptKind::Jump => self.jump(&input),
                    PromptKind::Break(item) => self.add_break(item, &input),
                }
                Mode::Normal
            }
            KeyCode::Tab if kind == PromptKind::Search => {
                self.regex_mode = !self.regex_mode;
                Mode::Prompt { kind, input }
            }
            KeyCode::Backspace => {
                input.pop();
                Mode::Prompt { kind, input }
            }
            KeyCode::Char(c) => {
                input.push(c);
                Mode::Prompt { kind, input }
            }
            _ => Mode::Prompt { kind, input },
        }
    }

    fn filter_key(&mut self, key: KeyEvent, cursor: usize) -> Mode {
        let n = self.kinds().len();
        match key.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('f') | KeyCode::Char('q') => {
                self.event_sel = 0;
                self.refresh_search_marks();
                Mode::Normal
            }
            KeyCode::Down | KeyCode::Char('j') => Mode::Filter {
                cursor: (cursor + 1).min(n.saturating_sub(1)),
            },
            KeyCode::Up | KeyCode::Char('k') => Mode::Filter {
                cursor: cursor.saturating_sub(1),
            },
            KeyCode::Char(' ') | KeyCode::Char('x') => {
                if let Some((kind, _)) = self.kinds().get(cursor).cloned() {
                    if let Some(i) = self.hidden.iter().position(|h| *h == kind) {
                        self.hidden.remove(i);
                    } else {
                        self.hidden.push(kind);
                    }
                }
                Mode::Filter { cursor }
            }
            KeyCode::Char('a') => {
                self.hidden.clear();
                Mode::Filter { cursor }
            }
            KeyCode::Char('p') => {
                // Hide the poll begin/end markers.
                for k in ["poll.begin", "poll.end"] {
                    if !self.hidden.iter().any(|h| &**h == k) {
                        self.hidden.push(Arc::from(k));
                    }
                }
                Mode::Filter { cursor }
            }
            _ => Mode::Filter { cursor },
        }
    }

    fn break_key(&mut self, key: KeyEvent, cursor: usize) -> Mode {
        let n = BREAK_MENU.len();
        let choose = |item: usize| Mode::Prompt {
            kind: PromptKind::Break(item),
            input: String::new(),
        };
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('b') => Mode::Normal,
            KeyCode::Down | KeyCode::Char('j') => Mode::Break {
                cursor: (cursor + 1).min(n - 1),
            },
            KeyCode::Up | KeyCode::Char('k') => Mode::Break {
                cursor: cursor.saturating_sub(1),
            },
            KeyCode::Enter => choose(cursor),
            KeyCode::Char(c @ '1'..='7') => choose(c as usize - '1' as usize),
            KeyCode::Char('d') => {
                self.breaks.clear();
                self.refresh_break_marks();
                self.say("breakpoints cleared");
                Mode::Normal
            }
            _ => Mode::Break { cursor },
        }
    }

    fn add_break(&mut self, item: usize, input: &str) {
        let input = input.trim();
        if item >= 5 {
            return self.add_var_break(item == 6, input);
        }
        let id = if input.is_empty() {
            Ok(None)
        } else {
            input.parse::<u64>().map(Some).map_err(|_| ())
        };
        let b = match (item, id) {
            (4, _) => match parse_time(input.strip_prefix("t=").unwrap_or(input)) {
                Some(t) => BreakOn::TimePasses(t),
                None => {
                    return self.complain(format!("not a time: \"{input}\" (e.g. 150ms, 1.5s)"));
                }
            },
            (_, Err(())) => {
                return self.complain(format!(
                    "not an id: \"{input}\" (a number, or empty for any)"
                ));
            }
            (0, Ok(id)) => BreakOn::FutureResolves(id),
            (1, Ok(id)) => BreakOn::FutureFails(id),
            (2, Ok(id)) => BreakOn::ScopeFreed(id),
            (_, Ok(id)) => BreakOn::TaskSuspends(id),
        };
        self.say(format!(
            "break when {}: space plays to it, ] and [ jump to hits",
            b.describe()
        ));
        self.breaks.push(b);
        self.refresh_break_marks();
    }
}
