//! Popups: help, the filter and break-on menus, and the details of a
//! record, future, task or scope.

use gene_sim::trace::location;

use super::*;

pub(super) fn popup(frame: &mut Frame, area: Rect, w: u16, h: u16, title: String) -> Rect {
    let r = area.centered(
        Constraint::Length(w.min(area.width)),
        Constraint::Length(h.min(area.height)),
    );
    frame.render_widget(Clear, r);
    let block = Block::bordered()
        .title(title)
        .border_style(Style::new().fg(Color::Cyan));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    inner
}

/// Every key of the normal mode: its keys (names separated by spaces or
/// commas, as the test `help_footer_and_readme_agree` reads them) and what
/// they do. README.md's replay key table says the same.
pub const HELP: &[(&str, &str)] = &[
    ("→ l, ← h", "next / previous poll"),
    ("PgDn, PgUp", "10 polls forward / back"),
    ("g, G", "first / last poll"),
    (
        "e",
        "skip empty polls (no events besides the markers) in stepping, play and the timeline, or not",
    ),
    ("space", "play / pause"),
    ("+ =, - _", "play faster / slower"),
    (
        "/",
        "search events: text ignoring case, or a regex after Tab in the prompt (each search starts as text)",
    ),
    ("n, N", "next / previous match"),
    ("f", "filter events by kind"),
    (
        "t",
        "events pane: only the selected event's task, or every task again",
    ),
    ("< >", "events pane: scroll the fields left / right"),
    (
        "b",
        "break on: a future resolves or fails, a refcount reaches 0, a task suspends, time t, a variable changes, a variable is set to a value",
    ),
    ("] [", "next / previous poll where a breakpoint hits"),
    (
        ":",
        "jump to a poll (120), a time (150ms) or a record (#42)",
    ),
    ("Tab, shift-Tab", "next / previous pane"),
    ("↑ ↓ j k Home End", "select in the pane"),
    (
        "Enter",
        "details of the selected event, future, task, scope or variable (its history: ↑↓ pick a row, Enter jumps there); on a warning, jump to it",
    ),
    ("a", "tables: live entities only / all"),
    (
        "p w",
        "tasks pane: jump to where the task was spawned / to the await it waits at",
    ),
    (
        "o i",
        "back / forward in the jump list (as vim's Ctrl-O / Ctrl-I)",
    ),
    ("Esc", "pause play"),
    ("?", "this help (↑↓ scroll it)"),
    ("q, Ctrl-C", "quit"),
];

/// What the numbers and marks mean (README.md says it too).
pub const HELP_NOTES: &[&str] = &[
    "Polls are numbered from 0: \"poll 4 of 0..5\" is the fifth of six.",
    "Event counts leave out each poll's poll.begin / poll.end markers, which the events pane lists too (f then p hides them).",
    "Events pane: * a search hit, ● a breakpoint hit; the task column is the record's task (op.*: the task that started the operation; future.resolved / future.unobserved: the task whose result the future is).",
    "Timeline marks: b a breakpoint hits, ! a fault or error, * a search hit.",
    "The state shown is the one at the end of the current poll.",
];

/// The help's key column; wrapped descriptions go on under it.
pub const HELP_KEY_WIDTH: usize = 18;

/// The help's lines, wrapped at words to `width`: a key's description
/// goes on under the description column, a note under itself.
pub fn help_lines(width: usize) -> Vec<Line<'static>> {
    let key_style = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
    let mut lines: Vec<Line> = Vec::new();
    let text_w = width.saturating_sub(HELP_KEY_WIDTH).max(10);
    for (k, d) in HELP {
        for (i, part) in super::wrap::wrap_words(d, text_w).into_iter().enumerate() {
            let key = if i == 0 { *k } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!(" {key:<w$}", w = HELP_KEY_WIDTH - 1), key_style),
                Span::raw(part),
            ]));
        }
    }
    lines.push(Line::from(""));
    for note in HELP_NOTES {
        for (i, part) in super::wrap::wrap_words(note, width.saturating_sub(3).max(10))
            .into_iter()
            .enumerate()
        {
            let lead = if i == 0 { " " } else { "   " };
            lines.push(Line::from(Span::styled(
                format!("{lead}{part}"),
                Style::new().fg(Color::DarkGray),
            )));
        }
    }
    lines
}

pub(super) fn draw_help(frame: &mut Frame, app: &App, area: Rect) {
    let w = 100.min(area.width);
    let lines = help_lines(w.saturating_sub(2) as usize);
    let h = (lines.len() as u16 + 2).min(area.height);
    let scroll = app
        .help_scroll
        .min(lines.len().saturating_sub(h.saturating_sub(2) as usize));
    let more = if (h as usize) < lines.len() + 2 {
        format!(
            " keys (lines {}-{} of {}; ↑↓ scroll, any other key closes) ",
            scroll + 1,
            (scroll + h.saturating_sub(2) as usize).min(lines.len()),
            lines.len()
        )
    } else {
        " keys (any key closes) ".to_string()
    };
    let inner = popup(frame, area, w, h, more);
    frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), inner);
}

pub const FILTER_TITLE: &str = " kinds shown: space toggles, a all, p hides poll.*, Esc closes ";

pub(super) fn draw_filter(frame: &mut Frame, app: &App, cursor: usize, area: Rect) {
    let kinds = app.kinds.as_deref().unwrap_or(&[]);
    let h = (kinds.len() as u16 + 4).min(area.height);
    let inner = popup(
        frame,
        area,
        FILTER_TITLE.chars().count() as u16 + 2,
        h,
        FILTER_TITLE.into(),
    );
    let rows = inner.height as usize;
    let top = window(cursor, kinds.len(), rows);
    let lines: Vec<Line> = kinds
        .iter()
        .enumerate()
        .skip(top)
        .take(rows)
        .map(|(i, (k, n))| {
            let shown = !app.hidden.iter().any(|h| h == k);
            let mut style = Style::new();
            if i == cursor {
                style = style.add_modifier(Modifier::REVERSED);
            }
            Line::from(Span::styled(
                format!(" [{}] {:<22} {:>9}", if shown { "x" } else { " " }, k, n),
                style,
            ))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

pub(super) fn draw_breaks(frame: &mut Frame, app: &App, cursor: usize, area: Rect) {
    let h = (BREAK_MENU.len() + app.breaks.len() + 6) as u16;
    let inner = popup(
        frame,
        area,
        64,
        h,
        " break on (Enter or 1-5; d clears; Esc) ".into(),
    );
    let mut lines: Vec<Line> = BREAK_MENU
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let style = if i == cursor {
                Style::new().add_modifier(Modifier::REVERSED)
            } else {
                Style::new()
            };
            Line::from(Span::styled(format!(" {} {m}", i + 1), style))
        })
        .collect();
    lines.push(Line::from(""));
    if app.breaks.is_empty() {
        lines.push(Line::from(Span::styled(
            " no breakpoints yet",
            Style::new().fg(Color::DarkGray),
        )));
    } else {
        lines.push(Line::from(Span::styled(
            " set:",
            Style::new().add_modifier(Modifier::BOLD),
        )));
        for b in &app.breaks {
            lines.push(Line::from(format!("  · {}", b.describe())));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

pub(super) fn record_row(app: &App, i: usize) -> Line<'static> {
    let r = &app.replay.records()[i];
    let later = r.poll as usize > app.poll();
    let here = r.poll as usize == app.poll();
    let base = if later {
        Style::new().fg(Color::DarkGray)
    } else {
        Style::new()
    };
    Line::from(vec![
        Span::styled(if here { "▶" } else { " " }, Style::new().fg(Color::Yellow)),
        Span::styled(
            format!("{:>6} p{:<5} {:>11} ", r.seq, r.poll, format_nanos(r.t)),
            Style::new().fg(Color::DarkGray),
        ),
        Span::styled(
            format!("{:<19}", r.kind),
            if later { base } else { kind_style(r) },
        ),
        Span::styled(field_text(r), base),
    ])
}

/// A row of a variable's history: when, which task, read or write, the
/// value, and the line.
pub(super) fn var_row(app: &App, i: usize, at_width: usize) -> Line<'static> {
    let r = &app.replay.records()[i];
    let later = r.poll as usize > app.poll();
    let here = r.poll as usize == app.poll();
    let dim = Style::new().fg(Color::DarkGray);
    let task = r.u64("task").unwrap_or(0);
    let write = &*r.kind == "var.written";
    Line::from(vec![
        Span::styled(if here { "▶" } else { " " }, Style::new().fg(Color::Yellow)),
        Span::styled(format!("{:>6} p{:<5} ", r.seq, r.poll), dim),
        Span::styled(
            format!("{:<6}", if write { "write" } else { "read" }),
            if later {
                dim
            } else if write {
                Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
            } else {
                Style::new().fg(Color::Cyan)
            },
        ),
        Span::styled(
            format!(
                "{:<24} {:<at_width$} ",
                format!("{} (task {task})", app.story.naming.task(task)),
                r.str("at").map(location::short).unwrap_or_default()
            ),
            if later { dim } else { Style::new() },
        ),
        Span::styled(
            r.str("value").unwrap_or("").to_string(),
            if later {
                dim
            } else {
                Style::new().add_modifier(Modifier::BOLD)
            },
        ),
    ])
}

/// The lines of the details popup.
pub fn details_lines(app: &App, target: Target, related: &[usize]) -> (String, Vec<Line<'static>>) {
    let st = app.state();
    let records = app.replay.records();
    let at = |i: u32| -> String {
        if i == NONE {
            "-".into()
        } else {
            let r = &records[i as usize];
            format!("poll {} (#{}, t={})", r.poll, r.seq, format_nanos(r.t))
        }
    };
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut lines: Vec<Line<'static>> = Vec::new();
    // Every line wraps (under the value column, `draw_details`); a long
    // recorded value also shows its length.
    let kv = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!(" {k:<16}"), Style::new().fg(Color::Cyan)),
            Span::raw(v),
        ])
    };
    let kv_len = |k: &str, v: String| {
        let n = v.chars().count();
        let mut spans = vec![
            Span::styled(format!(" {k:<16}"), Style::new().fg(Color::Cyan)),
            Span::raw(v),
        ];
        if n > super::wrap::LONG_VALUE {
            spans.push(Span::styled(
                format!("  ({n} chars)"),
                Style::new().fg(Color::DarkGray),
            ));
        }
        Line::from(spans)
    };
    let title;
    match target {
        Target::Future(id) => {
            title = format!(" future {id}: {} ", app.story.naming.future(id as u64));
            match st.future(id as u64) {
                Some(f) => {
                    lines.push(kv("state", future_state(f.status).into()));
                    let woke: Vec<String> = app
                        .story
                        .woke(id as u64)
                        .iter()
                        .filter(|&&i| (i as usize) < st.applied)
                        .map(|&i| {
                            let r = &records[i as usize];
                            let t = r.u64("task").unwrap_or(0);
                            let how = if &*r.kind == "task.spawned" {
                                "callback"
                            } else {
                                "resumed"
                            };
                            format!("{} ({how}, #{})", app.story.naming.task(t), r.seq)
                        })
                        .collect();
                    if !woke.is_empty() {
                        lines.push(kv("woke", woke.join(", ")));
                    }
                    lines.push(kv("created", at(f.created)));
                    lines.push(kv("resolved", at(f.resolved)));
                    if f.resolved != NONE {
                        let r = &records[f.resolved as usize];
                        let label = if f.status == FutureStatus::Failed {
                            "exception"
                        } else {
                            "value"
                        };
                        lines.push(kv_len(label, r.str("value").unwrap_or("").to_string()));
                        lines.push(kv("reactions", f.reactions.to_string()));
                    }
                    let from = origin_text(app, st, f.origin);
                    lines.push(kv(
                        "from",
                        if from.is_empty() {
                            "code (no operation or task)".into()
                        } else {
                            from
                        },
                    ));
                    if let Origin::Op(o) = f.origin
                        && let Some(op) = st.op(o as u64)
                    {
                        lines.push(kv(
                            "operation",
                            format!(
                                "op {o} started by {} (task {}) at {}; {}",
                                app.story.naming.task(op.task as u64),
                                op.task,
                                at(op.started),
                                if op.completed == NONE {
                                    "not completed yet".to_string()
                                } else {
                                    format!(
                                        "completed {} at {}",
                                        if op.ok { "ok" } else { "with a FAULT" },
                                        at(op.completed)
                                    )
                                }
                            ),
                        ));
                    }
                    let waiting: Vec<String> = st
                        .tasks
                        .iter()
                        .filter(|t| t.status == TaskStatus::Suspended(id))
                        .map(|t| t.id.to_string())
                        .collect();
                    lines.push(kv(
                        "waiters now",
                        if waiting.is_empty() {
                            "none".into()
                        } else {
                            format!("tasks {}", waiting.join(", "))
                        },
                    ));
                    lines.push(kv("callbacks", f.callbacks.to_string()));
                    lines.push(kv(
                        "observed",
                        if f.unobserved_now() {
                            "NO: it failed with nothing to react".into()
                        } else if f.observed && f.unobserved {
                            "yes, late: it failed with nothing to react, then was read".into()
                        } else if f.observed {
                            "yes".into()
                        } else {
                            "not yet".into()
                        },
                    ));
                    if f.adopted != 0 {
                        lines.push(kv(
                            "adopted",
                            format!("the outcome of future {}", f.adopted),
                        ));
                    }
                }
                None => lines.push(Line::from(" not made yet at this poll")),
            }
        }
        Target::Task(id) => {
            title = format!(" task {id}: {} ", app.story.naming.task(id as u64));
            match st.task(id as u64) {
                Some(t) => {
                    lines.push(kv("state", t.status.describe()));
                    if let Some(w) = app.story.whereabouts(records, st, id as u64) {
                        lines.push(kv("where", w));
                    }
                    if let Some(i) = app.story.spawned(id as u64) {
                        let at = records[i]
                            .str("at")
                            .map(location::short)
                            .unwrap_or_default();
                        let def = records[i]
                            .str("def")
                            .map(location::short)
                            .unwrap_or_default();
                        lines.push(kv(
                            "spawned by",
                            format!(
                                "{} at {at} (runs the code at {def}; p in the tasks pane jumps there)",
                                app.story.naming.task(t.parent as u64)
                            ),
                        ));
                    }
                    lines.push(kv("kind", t.kind.name().into()));
                    lines.push(kv(
                        "parent",
                        if t.parent == 0 {
                            "none".into()
                        } else {
                            format!("task {}", t.parent)
                        },
                    ));
                    lines.push(kv(
                        "result future",
                        if t.future == 0 {
                            "none".into()
                        } else {
                            format!("future {}", t.future)
                        },
                    ));
                    if t.reacts_to != 0 {
                        lines.push(kv("reacts to", format!("future {}", t.reacts_to)));
                    }
                    lines.push(kv(
                        "spawned",
                        if t.spawned == NONE {
                            "at the start (main task)".into()
                        } else {
                            at(t.spawned)
                        },
                    ));
                    lines.push(kv("finished", at(t.finished)));
                    lines.push(kv(
                        "exceptions",
                        format!("{} thrown, {} uncaught", t.throws, t.uncaught),
                    ));
                    let children: Vec<String> = st
                        .tasks
                        .iter()
                        .filter(|c| c.parent == id && c.spawned != NONE)
                        .map(|c| c.id.to_string())
                        .collect();
                    if !children.is_empty() {
                        lines.push(kv("children", children.join(", ")));
                    }
                }
                None => lines.push(Line::from(" not spawned yet at this poll")),
            }
        }
        Target::Scope(id) => {
            title = format!(" scope {id} ");
            match st.scope(id as u64) {
                Some(s) => {
                    lines.push(kv("refcount", s.rc.to_string()));
                    lines.push(kv(
                        "state",
                        if s.live() {
                            "live".into()
                        } else {
                            "freed".into()
                        },
                    ));
                    lines.push(kv(
                        "parent",
                        if s.parent == 0 {
                            "none".into()
                        } else {
                            format!("scope {}", s.parent)
                        },
                    ));
                    lines.push(kv("created", at(s.created)));
                    lines.push(kv("freed", at(s.freed)));
                    if s.underflows > 0 {
                        lines.push(kv(
                            "UNDERFLOWS",
                            format!("{} (releases of a free scope: a VM bug)", s.underflows),
                        ));
                    }
                }
                None => lines.push(Line::from(" not made yet at this poll")),
            }
        }
        Target::Var(v) => {
            let var = &app.story.vars[v];
            title = format!(" variable {} ", var.label);
            lines.push(kv(
                "lives in",
                match var.scope {
                    0 => "the program's namespace".to_string(),
                    s => format!("scope {s}"),
                },
            ));
            match app.story.value_at(v, st.applied) {
                Some(w) => {
                    let r = &records[w];
                    let value = r.str("value").unwrap_or("");
                    lines.push(kv("value now", format!("{value} ({} bytes)", value.len())));
                }
                None => lines.push(kv("value now", "not written yet".into())),
            }
            lines.push(kv(
                "writes / reads",
                format!("{} / {}", var.writes.len(), var.reads.len()),
            ));
        }
        Target::Record(i) => {
            let r = &records[i];
            title = format!(" record #{} ", r.seq);
            lines.push(kv("kind", r.kind.to_string()));
            if let Some(t) = app.derived().task_of(r) {
                lines.push(kv(
                    "task",
                    crate::replay::app::Derived::task_label(&app.story.naming, t),
                ));
            }
            lines.push(kv("poll", r.poll.to_string()));
            lines.push(kv("time", format_nanos(r.t)));
            for (k, v) in &r.fields {
                lines.push(kv_len(k, v.to_string()));
            }
            let before = app.replay.state_at_record(i);
            lines.push(kv(
                "running",
                match before.running() {
                    0 => "no task (the event loop)".into(),
                    t => format!("task {t}"),
                },
            ));
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                " Enter: the history of the future, task or scope this record names.",
                Style::new().fg(Color::DarkGray),
            )));
        }
    }
    if !matches!(target, Target::Record(_)) {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            format!(
                " history: {} records (▶ this poll, grey: later)",
                related.len()
            ),
            bold,
        )));
        // The location column is as wide as the longest (at most 40).
        let at_width = related
            .iter()
            .filter_map(|&i| records[i].str("at"))
            .map(|a| location::short(a).chars().count())
            .max()
            .unwrap_or(0)
            .min(40);
        for &i in related {
            lines.push(match target {
                Target::Var(_) => var_row(app, i, at_width),
                _ => record_row(app, i),
            });
        }
    }
    (title, lines)
}

/// Where a wrapped details line goes on: under the values.
pub const DETAILS_INDENT: usize = 17;

pub(super) fn draw_details(
    frame: &mut Frame,
    app: &App,
    target: Target,
    related: &[usize],
    pick: usize,
    area: Rect,
) {
    let (title, mut lines) = details_lines(app, target, related);
    let w = area.width.saturating_sub(4).max(20);
    let keys = if related.is_empty() || matches!(target, Target::Record(_)) {
        "Esc closes"
    } else {
        "↑↓ pick · Enter jumps · Esc closes"
    };
    // The history rows end the lines, one line each; what comes before
    // them wraps. The popup is as tall as its lines, up to the screen.
    let record = matches!(target, Target::Record(_));
    let rows_at = lines.len() - if record { 0 } else { related.len() };
    let history = lines.split_off(rows_at);
    let inner_w = w.saturating_sub(2) as usize;
    let mut lines = super::wrap::wrap_lines(lines, inner_w, DETAILS_INDENT);
    let head = lines.len();
    lines.extend(history);
    let h = (lines.len() as u16 + 2)
        .min(area.height.saturating_sub(2))
        .max(5);
    let inner = popup(
        frame,
        area,
        w,
        h,
        format!("{title}at the end of poll {} · {keys} ", app.poll()),
    );
    // Mark the picked row, and scroll so that it shows.
    let picked = head + pick.min(related.len().saturating_sub(1));
    let rows = inner.height as usize;
    let top = if record {
        pick.min(lines.len().saturating_sub(1))
    } else if picked >= rows {
        picked + 1 - rows
    } else {
        0
    };
    if !record && let Some(l) = lines.get_mut(picked) {
        *l = l
            .clone()
            .patch_style(Style::new().add_modifier(Modifier::REVERSED));
    }
    frame.render_widget(Paragraph::new(lines).scroll((top as u16, 0)), inner);
}
