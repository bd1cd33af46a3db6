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

mod events;
mod explain;
mod header;
mod popups;
mod tables;
mod timeline;
pub mod wrap;

use events::draw_events;
use explain::*;
use header::draw_header;
use popups::*;
pub use popups::{FILTER_TITLE, HELP, HELP_NOTES, help_lines};
use tables::*;
use timeline::draw_timeline;

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
        Constraint::Length(5),
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
        let [futures, tasks, variables, scopes, warnings] = Layout::vertical([
            Constraint::Percentage(24),
            Constraint::Percentage(24),
            Constraint::Percentage(20),
            Constraint::Percentage(16),
            Constraint::Percentage(16),
        ])
        .areas(right);
        draw_pane(frame, app, Pane::Variables, variables);
        draw_pane(frame, app, Pane::Warnings, warnings);
        let events = if app.against.is_some() {
            let [a, b] = Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(events);
            draw_against(frame, app, b);
            a
        } else {
            events
        };
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
        let pane = if app.against.is_some() && app.focus == Pane::Events {
            let [a, b] = Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(pane);
            draw_against(frame, app, b);
            a
        } else {
            pane
        };
        draw_pane(frame, app, app.focus, pane);
    }
    draw_status(frame, app, status);
    draw_footer(frame, app, footer);
    match &app.mode {
        Mode::Help => draw_help(frame, app, area),
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

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

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
        Pane::Variables => draw_variables(frame, app, area),
        Pane::Warnings => draw_warnings(frame, app, area),
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

fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    let line = match &app.mode {
        Mode::Prompt { kind, input } => {
            let label = match kind {
                PromptKind::Search if app.regex_mode => {
                    "search (regex; Tab: text, ignoring case): /".to_string()
                }
                PromptKind::Search => "search (text, ignoring case; Tab: regex): /".to_string(),
                PromptKind::Jump => "jump to poll, time or #record (120, 150ms, #42): ".to_string(),
                PromptKind::Break(4) => "break when virtual time passes (e.g. 150ms): ".to_string(),
                PromptKind::Break(5) => {
                    "break when this variable changes (e.g. balance): ".to_string()
                }
                PromptKind::Break(6) => {
                    "break when VAR == VALUE (e.g. balance == 150): ".to_string()
                }
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
            None if app.focus == Pane::Warnings && !app.warnings().is_empty() => {
                // The pane is narrow: the selected warning in full.
                let w = &app.warnings()[app.warn_sel.min(app.warnings().len() - 1)];
                Line::from(Span::styled(w.text.clone(), Style::new().fg(Color::Red)))
            }
            None => {
                let mut spans = Vec::new();
                if let Some(s) = &app.search {
                    spans.push(Span::raw(format!(
                        "search /{}/ ({}; n/N)  ",
                        s.text,
                        super::app::search_mode_name(s.regex_mode)
                    )));
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
        Pane::Events => {
            "↑↓ event  Enter details  / search  n/N next/prev  f filter  t task  </> scroll"
        }
        Pane::Futures => "↑↓ select  Enter details and what it woke  a live/all",
        Pane::Tasks => "↑↓ select  Enter details  p spawner  w awaits  a live/all",
        Pane::Scopes => "↑↓ select  Enter details  a live/all",
        Pane::Variables => "↑↓ select  Enter history",
        Pane::Warnings => "↑↓ select  Enter jump to it",
        Pane::Output => "↑↓ scroll",
        Pane::Source => "↑↓ scroll",
    }
}

/// The keys of every pane, in the footer after the pane's own (the help
/// first: it is always shown).
pub const GLOBAL_KEYS: &str = "? help  ←→ poll  PgUp/PgDn ±10  g/G  e skip empty  space play  b break  : jump  o/i back/fwd  Tab pane  q quit";

fn draw_footer(frame: &mut Frame, app: &App, area: Rect) {
    let key = Style::new().fg(Color::Black).bg(Color::Cyan);
    let name = format!(" {} ", app.focus.name());
    let width = area.width as usize;
    let len = |s: &str| s.chars().count();
    let mut globals = GLOBAL_KEYS.split("  ");
    let help = globals.next().unwrap_or("? help");
    // The pane's keys, as many as fit with the help's key after them; then
    // as many of the other global keys as fit.
    let mut used = len(&name) + 2 + len(help) + 1;
    let mut own = String::new();
    for item in pane_keys(app.focus).split("  ") {
        if used + len(item) + 2 > width {
            break;
        }
        used += len(item) + 2;
        own.push(' ');
        own.push_str(item);
        own.push(' ');
    }
    let mut global = format!(" {help}");
    for item in globals {
        if used + len(item) + 2 > width {
            break;
        }
        used += len(item) + 2;
        global.push_str("  ");
        global.push_str(item);
    }
    let spans = vec![
        Span::styled(name, key.add_modifier(Modifier::BOLD)),
        Span::raw(own),
        Span::styled("│", Style::new().fg(Color::DarkGray)),
        Span::raw(global),
    ];
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
