//! Drawing the replay. Only what `App` holds is drawn: no clock, no
//! terminal queries, so a fixed-size `TestBackend` gives the same screen
//! every time.

use gene_sim::trace::read::Record;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, Wrap};

use super::app::{
    App, BREAK_MENU, Mode, PANES, Pane, PromptKind, SPEEDS, Target, future_state, task_state,
};
use super::state::{FutureStatus, NONE, OpKind, Origin, State, TaskStatus};

/// Virtual time for people: `20ms`, `21.000003ms`, `1.5us`, `7ns`.
pub fn format_nanos(n: u64) -> String {
    let unit = |n: u64, per: u64, name: &str| {
        let whole = n / per;
        let frac = n % per;
        if frac == 0 {
            format!("{whole}{name}")
        } else {
            let digits = per.ilog10() as usize;
            let f = format!("{frac:0digits$}");
            format!("{whole}.{}{name}", f.trim_end_matches('0'))
        }
    };
    match n {
        0 => "0ms".into(),
        n if n >= 1_000_000 => unit(n, 1_000_000, "ms"),
        n if n >= 1_000 => unit(n, 1_000, "us"),
        n => format!("{n}ns"),
    }
}

/// Wide enough to show every pane at once.
pub fn is_wide(area: Rect) -> bool {
    area.width >= 100 && area.height >= 28
}

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let warning = app.warning();
    let [header, warn, timeline, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(warning.is_some() as u16),
        Constraint::Length(4),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, app, header);
    if let Some(w) = warning {
        frame.render_widget(
            Paragraph::new(Line::from(format!("⚠ {w}")))
                .style(Style::new().fg(Color::Black).bg(Color::Yellow)),
            warn,
        );
    }
    draw_timeline(frame, app, timeline);
    if is_wide(area) {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                .areas(body);
        let [events, output, source] = Layout::vertical([
            Constraint::Percentage(45),
            Constraint::Percentage(22),
            Constraint::Percentage(33),
        ])
        .areas(left);
        let [futures, tasks, scopes] = Layout::vertical([
            Constraint::Percentage(40),
            Constraint::Percentage(32),
            Constraint::Percentage(28),
        ])
        .areas(right);
        draw_pane(frame, app, Pane::Events, events);
        draw_pane(frame, app, Pane::Output, output);
        draw_pane(frame, app, Pane::Source, source);
        draw_pane(frame, app, Pane::Futures, futures);
        draw_pane(frame, app, Pane::Tasks, tasks);
        draw_pane(frame, app, Pane::Scopes, scopes);
    } else {
        let [tabs, pane] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(body);
        let mut spans = Vec::new();
        for p in PANES {
            let style = if p == app.focus {
                Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
            } else {
                Style::new().fg(Color::DarkGray)
            };
            spans.push(Span::styled(format!(" {} ", p.name()), style));
        }
        spans.push(Span::styled(
            "  Tab: next pane",
            Style::new().fg(Color::DarkGray),
        ));
        frame.render_widget(Paragraph::new(Line::from(spans)), tabs);
        draw_pane(frame, app, app.focus, pane);
    }
    draw_status(frame, app, status);
    draw_footer(frame, app, footer);
    match &app.mode {
        Mode::Help => draw_help(frame, area),
        Mode::Filter { cursor } => draw_filter(frame, app, *cursor, area),
        Mode::Break { cursor } => draw_breaks(frame, app, *cursor, area),
        Mode::Details {
            target,
            related,
            scroll,
        } => draw_details(frame, app, *target, related, *scroll, area),
        _ => {}
    }
}

/// The screen for a trace that cannot be read at all.
pub fn draw_error(frame: &mut Frame, path: &str, message: &str) {
    let area = frame.area();
    let block = Block::bordered()
        .title(" gene-trace replay: cannot read the trace ")
        .border_style(Style::new().fg(Color::Red));
    let text = Text::from(vec![
        Line::from(""),
        Line::from(Span::styled(
            path.to_string(),
            Style::new().add_modifier(Modifier::BOLD),
        )),
        Line::from(""),
        Line::from(Span::styled(
            message.to_string(),
            Style::new().fg(Color::Red),
        )),
        Line::from(""),
        Line::from("A trace is the JSON lines file `gene-trace run --trace FILE` writes"),
        Line::from("(docs/trace-format.md)."),
        Line::from(""),
        Line::from(Span::styled(
            "press q to quit",
            Style::new().fg(Color::DarkGray),
        )),
    ]);
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: false }),
        area,
    );
}

fn draw_header(frame: &mut Frame, app: &App, area: Rect) {
    let trace = &app.replay.trace;
    let st = app.state();
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let dim = Style::new().fg(Color::DarkGray);
    let sep = || Span::styled(" │ ", dim);
    let mut spans = vec![
        Span::styled(" gene-trace replay ", bold.fg(Color::Black).bg(Color::Cyan)),
        Span::raw(" "),
        Span::styled(trace.program_name().unwrap_or("?").to_string(), bold),
        sep(),
        Span::raw(format!(
            "seed {}",
            trace.seed().map_or("?".into(), |s| s.to_string())
        )),
        sep(),
        Span::styled(
            format!("poll {}/{}", app.poll(), app.last_poll()),
            bold.fg(Color::Yellow),
        ),
        sep(),
        Span::raw(format!(
            "t={}",
            format_nanos(app.replay.poll_time(app.poll()))
        )),
        sep(),
        Span::raw(format!("events {}", app.poll_event_count(app.poll()))),
    ];
    if app.playing {
        spans.push(sep());
        spans.push(Span::styled(
            format!("▶ {}/s", SPEEDS[app.speed]),
            Style::new().fg(Color::Green),
        ));
    }
    if st.run_end != NONE {
        let r = &app.replay.records()[st.run_end as usize];
        spans.push(sep());
        if r.bool("ok") == Some(false) {
            spans.push(Span::styled(
                "run failed",
                Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            ));
        } else {
            spans.push(Span::styled("run ended", Style::new().fg(Color::Green)));
        }
    }
    if st.faults > 0 || st.errors > 0 {
        spans.push(sep());
        spans.push(Span::styled(
            format!("faults {} errors {}", st.faults, st.errors),
            Style::new().fg(Color::Red),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

fn draw_timeline(frame: &mut Frame, app: &App, area: Rect) {
    let polls = app.replay.polls();
    let last_t = app.replay.poll_time(app.last_poll());
    let block = Block::bordered()
        .title(format!(
            " timeline: {} polls, {}..{} · events per poll ",
            polls,
            format_nanos(app.replay.poll_time(0)),
            format_nanos(last_t)
        ))
        .border_style(Style::new().fg(Color::DarkGray));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    if w == 0 || inner.height == 0 || polls == 0 {
        return;
    }
    // Up to 4 columns a poll when there are few; buckets of polls when many.
    let per = (w / polls).clamp(1, 4);
    let cols = (w / per).min(polls);
    let bucket = |c: usize| (c * polls / cols)..((c + 1) * polls / cols).max(c * polls / cols + 1);
    let counts: Vec<usize> = (0..cols)
        .map(|c| bucket(c).map(|p| events_in(app, p)).max().unwrap_or(0))
        .collect();
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let col = (0..cols)
        .find(|&c| bucket(c).contains(&app.poll()))
        .unwrap_or(0);
    let here = col * per;
    let mut spans = Vec::with_capacity(cols);
    for (c, &n) in counts.iter().enumerate() {
        let ch = if n == 0 {
            '·'
        } else {
            BARS[((n * 8).div_ceil(max)).clamp(1, 8) - 1]
        };
        let style = if c == col {
            Style::new()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else if n == 0 {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().fg(Color::Cyan)
        };
        spans.push(Span::styled(ch.to_string().repeat(per), style));
    }
    let label = format!("▲ poll {}", app.poll());
    let marker = if here + label.chars().count() <= w {
        format!("{}{}", " ".repeat(here), label)
    } else {
        let label = format!("poll {} ▲", app.poll());
        format!(
            "{}{}",
            " ".repeat((here + 1).saturating_sub(label.chars().count())),
            label
        )
    };
    let lines = vec![
        Line::from(spans),
        Line::from(Span::styled(marker, Style::new().fg(Color::Yellow))),
    ];
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Events of poll `p` besides its begin and end.
fn events_in(app: &App, p: usize) -> usize {
    let rs = app.replay.trace.poll(p);
    let mut n = rs.len();
    if rs.first().is_some_and(|r| &*r.kind == "poll.begin") {
        n -= 1;
    }
    if n > 0 && rs.last().is_some_and(|r| &*r.kind == "poll.end") {
        n -= 1;
    }
    n
}

fn pane_block(app: &App, pane: Pane, title: String) -> Block<'static> {
    let focused = app.focus == pane;
    let style = if focused {
        Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
    } else {
        Style::new().fg(Color::DarkGray)
    };
    Block::new()
        .borders(Borders::ALL)
        .border_style(style)
        .title(title)
}

fn draw_pane(frame: &mut Frame, app: &App, pane: Pane, area: Rect) {
    match pane {
        Pane::Events => draw_events(frame, app, area),
        Pane::Futures => draw_futures(frame, app, area),
        Pane::Tasks => draw_tasks(frame, app, area),
        Pane::Scopes => draw_scopes(frame, app, area),
        Pane::Output => draw_output(frame, app, area),
        Pane::Source => draw_source(frame, app, area),
    }
}

/// The style a record's kind is shown in.
pub fn kind_style(r: &Record) -> Style {
    let k = &*r.kind;
    let failed = r.bool("ok") == Some(false);
    if failed
        || k == "exception.thrown" && r.bool("handled") == Some(false)
        || k == "scope.underflow"
        || k == "callback.failed"
        || k == "future.unobserved"
    {
        return Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
    }
    match k.split('.').next().unwrap_or("") {
        "poll" => Style::new().fg(Color::DarkGray),
        "op" => Style::new().fg(Color::Cyan),
        "future" => Style::new().fg(Color::Green),
        "callback" => Style::new().fg(Color::LightGreen),
        "task" => Style::new().fg(Color::Yellow),
        "scope" => Style::new().fg(Color::Magenta),
        "exception" => Style::new().fg(Color::LightRed),
        "output" => Style::new().fg(Color::White).add_modifier(Modifier::BOLD),
        "run" => Style::new()
            .fg(Color::LightBlue)
            .add_modifier(Modifier::BOLD),
        _ => Style::new(),
    }
}

/// The first row to show so that `sel` stays in a window of `h` rows.
fn window(sel: usize, n: usize, h: usize) -> usize {
    if n <= h {
        return 0;
    }
    sel.saturating_sub(h / 2).min(n - h)
}

fn selected_style(focused: bool) -> Style {
    if focused {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new().bg(Color::DarkGray)
    }
}

fn draw_events(frame: &mut Frame, app: &App, area: Rect) {
    let shown = app.shown_events();
    let total = app.replay.poll_records().len();
    let mut title = format!(
        " events · poll {} · {} ",
        app.poll(),
        app.poll_event_count(app.poll())
    );
    if shown.len() < total {
        title.push_str(&format!("· {} hidden by filter ", total - shown.len()));
    }
    let block = pane_block(app, Pane::Events, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let h = inner.height as usize;
    let sel = app.event_sel.min(shown.len().saturating_sub(1));
    let top = window(sel, shown.len(), h);
    let records = app.replay.records();
    let mut lines = Vec::new();
    for (k, &i) in shown.iter().enumerate().skip(top).take(h) {
        let r = &records[i];
        let hit = app.matches_search(r);
        let mut spans = vec![
            Span::styled(if hit { "*" } else { " " }, Style::new().fg(Color::Yellow)),
            Span::styled(format!("{:>6} ", r.seq), Style::new().fg(Color::DarkGray)),
            Span::styled(format!("{:<19}", r.kind), kind_style(r)),
            Span::raw(field_text(r)),
        ];
        if k == sel {
            let s = selected_style(app.focus == Pane::Events);
            for sp in &mut spans {
                sp.style = sp.style.patch(s);
            }
        }
        lines.push(Line::from(spans));
    }
    if shown.is_empty() {
        lines.push(Line::from(Span::styled(
            if total == 0 {
                " (no records)"
            } else {
                " (all hidden by the filter: f)"
            },
            Style::new().fg(Color::DarkGray),
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A record's fields as `key=value`.
pub fn field_text(r: &Record) -> String {
    let mut s = String::new();
    for (k, v) in &r.fields {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(k);
        s.push('=');
        s.push_str(&v.to_string());
    }
    s
}

fn poll_of(app: &App, record: u32) -> String {
    if record == NONE {
        "-".into()
    } else {
        app.replay
            .records()
            .get(record as usize)
            .map_or("-".into(), |r| r.poll.to_string())
    }
}

fn origin_text(app: &App, st: &State, origin: Origin) -> String {
    match origin {
        Origin::None => String::new(),
        Origin::Task(t) => format!("task {t}"),
        Origin::Op(o) => match st.op(o as u64) {
            Some(op) => {
                let r = app.replay.records().get(op.started as usize);
                match op.kind {
                    OpKind::Sleep => format!(
                        "sleep {}",
                        format_nanos(r.and_then(|r| r.u64("nanos")).unwrap_or(0))
                    ),
                    OpKind::Read => {
                        format!("read {}", r.and_then(|r| r.str("path")).unwrap_or("?"))
                    }
                    OpKind::Write => {
                        format!("write {}", r.and_then(|r| r.str("path")).unwrap_or("?"))
                    }
                    OpKind::Other => format!("op {o}"),
                }
            }
            None => format!("op {o}"),
        },
    }
}

fn table_title(app: &App, name: &str, shown: usize, all: usize) -> String {
    if app.live_only {
        format!(" {name} · {shown} live of {all} ")
    } else {
        format!(" {name} · {all} ")
    }
}

/// An entity pane: a table of the rows that fit around the selection.
/// `row` gives an entity's cells and style (`None` leaves it out); the
/// selection highlight is added here.
fn draw_table(
    frame: &mut Frame,
    app: &App,
    area: Rect,
    pane: Pane,
    (name, total): (&str, usize),
    columns: &[(&str, Constraint)],
    row: impl Fn(u32) -> Option<(Vec<Cell<'static>>, Style)>,
) {
    let ids = app.table_ids(pane);
    let block = pane_block(app, pane, table_title(app, name, ids.len(), total));
    let h = block.inner(area).height.saturating_sub(1) as usize;
    let sel = app.table_row(pane, &ids);
    let top = window(sel, ids.len(), h);
    let rows: Vec<Row> = ids
        .iter()
        .enumerate()
        .skip(top)
        .take(h)
        .filter_map(|(k, &id)| {
            let (cells, mut style) = row(id)?;
            if k == sel {
                style = style.patch(selected_style(app.focus == pane));
            }
            Some(Row::new(cells).style(style))
        })
        .collect();
    let header = Row::new(columns.iter().map(|(name, _)| *name))
        .style(Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD));
    let table = Table::new(rows, columns.iter().map(|(_, width)| *width))
        .header(header)
        .block(block);
    frame.render_widget(table, area);
}

fn draw_futures(frame: &mut Frame, app: &App, area: Rect) {
    let st = app.state();
    let columns = [
        ("id", Constraint::Length(5)),
        ("state", Constraint::Length(7)),
        ("created", Constraint::Length(7)),
        ("resolved", Constraint::Length(8)),
        ("wait", Constraint::Length(4)),
        ("cb", Constraint::Length(3)),
        ("from", Constraint::Length(13)),
        ("value / exception", Constraint::Fill(1)),
    ];
    draw_table(
        frame,
        app,
        area,
        Pane::Futures,
        ("futures", st.futures.len()),
        &columns,
        |id| {
            let f = st.future(id as u64)?;
            let value = if f.resolved == NONE {
                String::new()
            } else {
                app.replay.records()[f.resolved as usize]
                    .str("value")
                    .unwrap_or("")
                    .to_string()
            };
            let mut style = match f.status {
                FutureStatus::Failed => Style::new().fg(Color::Red),
                FutureStatus::Succeeded => Style::new(),
                FutureStatus::Pending => Style::new().fg(Color::Yellow),
            };
            if app.touched.future(id) {
                style = style.add_modifier(Modifier::BOLD).bg(Color::Rgb(60, 60, 0));
            }
            let cells = vec![
                Cell::new(id.to_string()),
                Cell::new(future_state(f.status)),
                Cell::new(poll_of(app, f.created)),
                Cell::new(poll_of(app, f.resolved)),
                Cell::new(f.waiters.to_string()),
                Cell::new(f.callbacks.to_string()),
                Cell::new(origin_text(app, st, f.origin)),
                Cell::new(value),
            ];
            Some((cells, style))
        },
    );
}

fn draw_tasks(frame: &mut Frame, app: &App, area: Rect) {
    let st = app.state();
    let columns = [
        ("id", Constraint::Length(5)),
        ("parent", Constraint::Length(6)),
        ("kind", Constraint::Length(8)),
        ("state", Constraint::Fill(1)),
        ("future", Constraint::Length(7)),
        ("spawned", Constraint::Length(7)),
        ("ended", Constraint::Length(5)),
    ];
    draw_table(
        frame,
        app,
        area,
        Pane::Tasks,
        ("tasks", st.tasks.len()),
        &columns,
        |id| {
            let t = st.task(id as u64)?;
            let mut style = match t.status {
                TaskStatus::Running => Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
                TaskStatus::Done { ok: false } => Style::new().fg(Color::Red),
                TaskStatus::Done { ok: true } => Style::new().fg(Color::DarkGray),
                TaskStatus::Suspended(_) | TaskStatus::AwaitingAll => {
                    Style::new().fg(Color::Yellow)
                }
                _ => Style::new(),
            };
            if app.touched.task(id) {
                style = style.bg(Color::Rgb(60, 60, 0));
            }
            // An async task's result; the future a callback reacts to.
            let future = match (t.future, t.reacts_to) {
                (0, 0) => "-".to_string(),
                (0, r) => format!("on f{r}"),
                (f, _) => format!("f{f}"),
            };
            let cells = vec![
                Cell::new(id.to_string()),
                Cell::new(if t.parent == 0 {
                    "-".into()
                } else {
                    t.parent.to_string()
                }),
                Cell::new(t.kind.name().to_string()),
                Cell::new(task_state(t.status)),
                Cell::new(future),
                Cell::new(if t.spawned == NONE {
                    "0".into()
                } else {
                    poll_of(app, t.spawned)
                }),
                Cell::new(poll_of(app, t.finished)),
            ];
            Some((cells, style))
        },
    );
}

fn draw_scopes(frame: &mut Frame, app: &App, area: Rect) {
    let st = app.state();
    let columns = [
        ("id", Constraint::Length(7)),
        ("rc", Constraint::Length(5)),
        ("parent", Constraint::Length(6)),
        ("state", Constraint::Length(12)),
        ("created", Constraint::Length(7)),
        ("freed", Constraint::Length(6)),
    ];
    draw_table(
        frame,
        app,
        area,
        Pane::Scopes,
        ("scopes", st.scopes.len()),
        &columns,
        |id| {
            let s = st.scope(id as u64)?;
            let changed = app.touched.scope(id);
            let mut style = if s.underflows > 0 {
                Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
            } else if !s.live() {
                Style::new().fg(Color::DarkGray)
            } else {
                Style::new()
            };
            if changed {
                style = style
                    .add_modifier(Modifier::BOLD)
                    .fg(Color::Yellow)
                    .bg(Color::Rgb(60, 60, 0));
            }
            let state = match (s.live(), s.underflows) {
                (_, n) if n > 0 => format!("UNDERFLOW ×{n}"),
                (true, _) => "live".into(),
                (false, _) => "freed".into(),
            };
            let cells = vec![
                Cell::new(format!("{}{}", id, if changed { " *" } else { "" })),
                Cell::new(s.rc.to_string()),
                Cell::new(if s.parent == 0 {
                    "-".into()
                } else {
                    s.parent.to_string()
                }),
                Cell::new(state),
                Cell::new(poll_of(app, s.created)),
                Cell::new(poll_of(app, s.freed)),
            ];
            Some((cells, style))
        },
    );
}

fn draw_output(frame: &mut Frame, app: &App, area: Rect) {
    let count = app.output_count();
    let block = pane_block(
        app,
        Pane::Output,
        format!(" output so far · {count} prints "),
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let (lines, _) = app.output_lines(inner.height as usize, app.output_scroll);
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|(text, now)| {
            if now {
                Line::from(Span::styled(
                    text,
                    Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
                ))
            } else {
                Line::from(text)
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_source(frame: &mut Frame, app: &App, area: Rect) {
    match &app.source {
        Ok(src) => {
            let mut title = format!(" source · {} ", src.name);
            if let Some(n) = &src.note {
                title.push_str(&format!("· {n} "));
            }
            let block = pane_block(app, Pane::Source, title);
            let inner = block.inner(area);
            frame.render_widget(block, area);
            let width = src.lines.len().to_string().len();
            let mut lines = vec![Line::from(Span::styled(
                "(the trace records no source lines: nothing is highlighted)",
                Style::new()
                    .fg(Color::DarkGray)
                    .add_modifier(Modifier::ITALIC),
            ))];
            for (i, l) in src.lines.iter().enumerate().skip(app.source_scroll) {
                if lines.len() >= inner.height as usize {
                    break;
                }
                lines.push(Line::from(vec![
                    Span::styled(
                        format!("{:>width$} ", i + 1),
                        Style::new().fg(Color::DarkGray),
                    ),
                    Span::raw(l.clone()),
                ]));
            }
            frame.render_widget(Paragraph::new(lines), inner);
        }
        Err(e) => {
            let block = pane_block(app, Pane::Source, " source ".into());
            frame.render_widget(
                Paragraph::new(Line::from(Span::styled(
                    format!("program text not available: {e}"),
                    Style::new().fg(Color::DarkGray),
                )))
                .wrap(Wrap { trim: true })
                .block(block),
                area,
            );
        }
    }
}

fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    let line = match &app.mode {
        Mode::Prompt { kind, input } => {
            let label = match kind {
                PromptKind::Search if app.regex_mode => "search regex (Tab: text): /".to_string(),
                PromptKind::Search => "search text (Tab: regex): /".to_string(),
                PromptKind::Jump => "jump to poll, time or #record (120, 150ms, #42): ".to_string(),
                PromptKind::Break(4) => "break when virtual time passes (e.g. 150ms): ".to_string(),
                PromptKind::Break(i) => {
                    format!("break when {} — id (empty: any): ", BREAK_MENU[*i])
                }
            };
            Line::from(vec![
                Span::styled(label, Style::new().fg(Color::Cyan)),
                Span::raw(input.clone()),
                Span::styled("█", Style::new().fg(Color::Cyan)),
            ])
        }
        _ => match &app.message {
            Some(m) if m.error => {
                Line::from(Span::styled(m.text.clone(), Style::new().fg(Color::Red)))
            }
            Some(m) => Line::from(Span::styled(m.text.clone(), Style::new().fg(Color::Green))),
            None => {
                let mut spans = Vec::new();
                if let Some(s) = &app.search {
                    spans.push(Span::raw(format!("search /{}/ (n/N)  ", s.text)));
                }
                if !app.breaks.is_empty() {
                    let list: Vec<String> = app.breaks.iter().map(|b| b.describe()).collect();
                    spans.push(Span::raw(format!(
                        "break on: {}  (]/[ jump)",
                        list.join("; ")
                    )));
                }
                Line::from(spans).style(Style::new().fg(Color::DarkGray))
            }
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The keys of the focused pane, then the global ones.
pub fn pane_keys(pane: Pane) -> &'static str {
    match pane {
        Pane::Events => "↑↓ event  Enter details  / search  n/N next/prev  f filter",
        Pane::Futures | Pane::Tasks | Pane::Scopes => "↑↓ select  Enter details  a live/all",
        Pane::Output => "↑↓ scroll",
        Pane::Source => "↑↓ scroll",
    }
}

fn draw_footer(frame: &mut Frame, app: &App, area: Rect) {
    let key = Style::new().fg(Color::Black).bg(Color::Cyan);
    let spans = vec![
        Span::styled(
            format!(" {} ", app.focus.name()),
            key.add_modifier(Modifier::BOLD),
        ),
        Span::raw(format!(" {} ", pane_keys(app.focus))),
        Span::styled("│", Style::new().fg(Color::DarkGray)),
        Span::raw(
            " ←→ poll  PgUp/PgDn ±10  g/G  space play  b break  : jump  Tab pane  ? help  q quit",
        ),
    ];
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn popup(frame: &mut Frame, area: Rect, w: u16, h: u16, title: String) -> Rect {
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

pub const HELP: &[(&str, &str)] = &[
    ("→ l / ← h", "next / previous poll"),
    ("PgDn / PgUp", "10 polls forward / back"),
    ("g / G", "first / last poll"),
    ("space", "play / pause; + / - speed"),
    ("/", "search events (Tab in the prompt: text or regex)"),
    ("n / N", "next / previous match"),
    ("f", "filter events by kind"),
    (
        "b",
        "break on: a future resolves or fails, a refcount reaches 0, a task suspends, time t",
    ),
    ("] / [", "next / previous poll where a breakpoint hits"),
    (
        ":",
        "jump to a poll (120), a time (150ms) or a record (#42)",
    ),
    ("Tab / shift-Tab", "next / previous pane"),
    ("↑↓ j k, Home/End", "select in the pane"),
    (
        "Enter",
        "details of the selected event, future, task or scope",
    ),
    ("a", "tables: live entities only / all"),
    ("?", "this help"),
    ("q, Ctrl-C", "quit"),
];

fn draw_help(frame: &mut Frame, area: Rect) {
    let inner = popup(
        frame,
        area,
        100,
        HELP.len() as u16 + 4,
        " keys (any key closes) ".into(),
    );
    let mut lines: Vec<Line> = HELP
        .iter()
        .map(|(k, d)| {
            Line::from(vec![
                Span::styled(
                    format!(" {k:<17}"),
                    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
                ),
                Span::raw(*d),
            ])
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        " The state shown is the one at the end of the current poll.",
        Style::new().fg(Color::DarkGray),
    )));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn draw_filter(frame: &mut Frame, app: &App, cursor: usize, area: Rect) {
    let kinds = app.kinds.as_deref().unwrap_or(&[]);
    let h = (kinds.len() as u16 + 4).min(area.height);
    let inner = popup(
        frame,
        area,
        56,
        h,
        " show kinds: space toggles, a all, p hide poll.*, Enter closes ".into(),
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

fn draw_breaks(frame: &mut Frame, app: &App, cursor: usize, area: Rect) {
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

fn record_row(app: &App, i: usize) -> Line<'static> {
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
    let kv = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!(" {k:<16}"), Style::new().fg(Color::Cyan)),
            Span::raw(v),
        ])
    };
    let title;
    match target {
        Target::Future(id) => {
            title = format!(" future {id} ");
            match st.future(id as u64) {
                Some(f) => {
                    lines.push(kv("state", future_state(f.status).into()));
                    lines.push(kv("created", at(f.created)));
                    lines.push(kv("resolved", at(f.resolved)));
                    if f.resolved != NONE {
                        let r = &records[f.resolved as usize];
                        let label = if f.status == FutureStatus::Failed {
                            "exception"
                        } else {
                            "value"
                        };
                        lines.push(kv(label, r.str("value").unwrap_or("").to_string()));
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
                                "op {o} started by task {} at {}; {}",
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
            title = format!(" task {id} ");
            match st.task(id as u64) {
                Some(t) => {
                    lines.push(kv("state", t.status.describe()));
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
        Target::Record(i) => {
            let r = &records[i];
            title = format!(" record #{} ", r.seq);
            lines.push(kv("kind", r.kind.to_string()));
            lines.push(kv("poll", r.poll.to_string()));
            lines.push(kv("time", format_nanos(r.t)));
            for (k, v) in &r.fields {
                lines.push(kv(k, v.to_string()));
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
        for &i in related {
            lines.push(record_row(app, i));
        }
    }
    (title, lines)
}

fn draw_details(
    frame: &mut Frame,
    app: &App,
    target: Target,
    related: &[usize],
    scroll: usize,
    area: Rect,
) {
    let (title, lines) = details_lines(app, target, related);
    let w = area.width.saturating_sub(4).max(20);
    let h = area.height.saturating_sub(2).max(5);
    let inner = popup(
        frame,
        area,
        w,
        h,
        format!(
            "{title}at the end of poll {} · ↑↓ scroll · Esc closes ",
            app.poll()
        ),
    );
    let scroll = scroll.min(lines.len().saturating_sub(1));
    frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), inner);
}
