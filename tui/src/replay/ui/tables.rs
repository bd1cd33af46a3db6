//! The futures, tasks and scopes tables.

use super::*;

pub(super) fn poll_of(app: &App, record: u32) -> String {
    if record == NONE {
        "-".into()
    } else {
        app.replay
            .records()
            .get(record as usize)
            .map_or("-".into(), |r| r.poll.to_string())
    }
}

pub(super) fn origin_text(app: &App, st: &State, origin: Origin) -> String {
    match origin {
        Origin::None => String::new(),
        Origin::Task(t) => app.story.naming.task(t as u64),
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

pub(super) fn table_title(app: &App, name: &str, shown: usize, all: usize) -> String {
    if app.live_only {
        format!(" {name} · {shown} live of {all} ")
    } else {
        format!(" {name} · {all} ")
    }
}

/// An entity pane: a table of the rows that fit around the selection.
/// `row` gives an entity's cells and style (`None` leaves it out); the
/// selection highlight is added here.
pub(super) fn draw_table(
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

pub(super) fn draw_futures(frame: &mut Frame, app: &App, area: Rect) {
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

pub(super) fn draw_tasks(frame: &mut Frame, app: &App, area: Rect) {
    let st = app.state();
    // The state column gets what the others leave; when that is too
    // little for `suspended at race.gene:9 (await f5)`, the short form
    // (`on f5`) keeps the future a task waits on in view.
    let others = 3 + 12 + 6 + 3;
    let state_w = (area.width as usize).saturating_sub(2 + others);
    let columns = [
        ("id", Constraint::Length(3)),
        ("name", Constraint::Length(12)),
        ("state: where", Constraint::Fill(1)),
        ("future", Constraint::Length(6)),
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
            let state = app
                .story
                .whereabouts(app.replay.records(), st, id as u64)
                .unwrap_or_else(|| task_state(t.status));
            let state = if state.chars().count() > state_w {
                task_state_short(t.status)
            } else {
                state
            };
            let cells = vec![
                Cell::new(id.to_string()),
                Cell::new(app.story.naming.task(id as u64)),
                Cell::new(state),
                Cell::new(future),
            ];
            Some((cells, style))
        },
    );
}

pub(super) fn draw_scopes(frame: &mut Frame, app: &App, area: Rect) {
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

/// A task's state in a few columns: `on f5`, `on all`, `failed`.
pub fn task_state_short(status: TaskStatus) -> String {
    match status {
        TaskStatus::Suspended(f) => format!("on f{f}"),
        TaskStatus::AwaitingAll => "on all".into(),
        TaskStatus::Done { ok: false } => "failed".into(),
        TaskStatus::Preempted => "ready".into(),
        s => s.describe(),
    }
}
