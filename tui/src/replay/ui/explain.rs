//! The panes that explain: the source at the followed location, the
//! shared variables, the warnings, and the `--against` trace's records.

use gene_sim::trace::location;

use super::*;

pub(super) fn draw_source(frame: &mut Frame, app: &App, area: Rect) {
    let src = match &app.source {
        Ok(src) => src,
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
            return;
        }
    };
    let followed = app.followed_line();
    // The followed file when the trace holds it, else the program.
    let (name, lines, mark) = match &followed {
        Some((file, line, col)) => match src.file(file) {
            Some(lines) => (file.clone(), lines, Some((*line, *col))),
            None => (src.name.clone(), &src.lines[..], None),
        },
        None => (src.name.clone(), &src.lines[..], None),
    };
    let mut title = format!(" source · {name} ");
    if let Some((line, col)) = mark {
        title.push_str(&format!("· {line}:{col} "));
    }
    if let Some(n) = &src.note {
        title.push_str(&format!("· {n} "));
    }
    let block = pane_block(app, Pane::Source, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let h = inner.height as usize;
    let mut out = Vec::new();
    if let (Some((file, line, _)), None) = (&followed, mark) {
        out.push(Line::from(Span::styled(
            format!("(at {file}:{line}: not a source this trace holds)"),
            Style::new()
                .fg(Color::DarkGray)
                .add_modifier(Modifier::ITALIC),
        )));
    } else if followed.is_none() {
        out.push(Line::from(Span::styled(
            "(the selection has no source location)",
            Style::new()
                .fg(Color::DarkGray)
                .add_modifier(Modifier::ITALIC),
        )));
    }
    let room = h.saturating_sub(out.len());
    // The marked line in the middle, then the user's scrolling.
    let centre = mark.map_or(0, |(l, _)| (l as usize).saturating_sub(1 + room / 2));
    let top = (centre as isize + app.source_scroll).clamp(0, lines.len().saturating_sub(1) as isize)
        as usize;
    let width = lines.len().to_string().len();
    for (i, l) in lines.iter().enumerate().skip(top).take(room) {
        let here = mark.is_some_and(|(line, _)| line as usize == i + 1);
        let number = Span::styled(
            format!("{}{:>width$} ", if here { "▶" } else { " " }, i + 1),
            if here {
                Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
            } else {
                Style::new().fg(Color::DarkGray)
            },
        );
        let text = if here {
            Span::styled(
                l.clone(),
                Style::new()
                    .add_modifier(Modifier::BOLD)
                    .bg(Color::Rgb(60, 60, 0)),
            )
        } else {
            Span::raw(l.clone())
        };
        out.push(Line::from(vec![number, text]));
    }
    frame.render_widget(Paragraph::new(out), inner);
}

pub(super) fn draw_variables(frame: &mut Frame, app: &App, area: Rect) {
    let rows = app.var_rows();
    let changed = rows.iter().filter(|r| r.changed).count();
    let block = pane_block(
        app,
        Pane::Variables,
        format!(" variables · {} · {changed} changed this poll ", rows.len()),
    );
    let h = block.inner(area).height.saturating_sub(1) as usize;
    let sel = app.var_sel.min(rows.len().saturating_sub(1));
    let top = window(sel, rows.len(), h);
    let records = app.replay.records();
    let table_rows: Vec<Row> = rows
        .iter()
        .enumerate()
        .skip(top)
        .take(h)
        .map(|(k, row)| {
            let v = &app.story.vars[row.var];
            let r = &records[row.write];
            let mut style = if row.changed {
                Style::new()
                    .fg(Color::Yellow)
                    .add_modifier(Modifier::BOLD)
                    .bg(Color::Rgb(60, 60, 0))
            } else {
                Style::new()
            };
            if k == sel {
                style = style.patch(selected_style(app.focus == Pane::Variables));
            }
            let by = app.story.naming.task(r.u64("task").unwrap_or(0));
            let at = r.str("at").map(location::short).unwrap_or_default();
            Row::new(vec![
                Cell::new(format!(
                    "{}{}",
                    v.label,
                    if row.changed { " *" } else { "" }
                )),
                Cell::new(r.str("value").unwrap_or("").to_string()),
                Cell::new(format!("{by} @{at} (p{})", r.poll)),
            ])
            .style(style)
        })
        .collect();
    let header = Row::new(["name", "value", "last written by"])
        .style(Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD));
    let table = Table::new(
        table_rows,
        [
            Constraint::Length(14),
            Constraint::Fill(1),
            Constraint::Fill(1),
        ],
    )
    .header(header)
    .block(block);
    frame.render_widget(table, area);
}

pub(super) fn draw_warnings(frame: &mut Frame, app: &App, area: Rect) {
    let warnings = app.warnings();
    let block = pane_block(
        app,
        Pane::Warnings,
        format!(" warnings · {} ", warnings.len()),
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let h = inner.height as usize;
    let sel = app.warn_sel.min(warnings.len().saturating_sub(1));
    let top = window(sel, warnings.len(), h);
    let records = app.replay.records();
    let mut lines = Vec::new();
    for (k, w) in warnings.iter().enumerate().skip(top).take(h) {
        let p = records.get(w.record).map_or(0, |r| r.poll);
        let mut spans = vec![
            Span::styled(
                format!("{:<10} ", w.kind.name()),
                Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            ),
            Span::styled(format!("p{p:<4} "), Style::new().fg(Color::DarkGray)),
            Span::raw(w.text.clone()),
        ];
        if k == sel {
            let s = selected_style(app.focus == Pane::Warnings);
            for sp in &mut spans {
                sp.style = sp.style.patch(s);
            }
        }
        lines.push(Line::from(spans));
    }
    if warnings.is_empty() {
        lines.push(Line::from(Span::styled(
            " none: every failure was observed, every task finished",
            Style::new().fg(Color::DarkGray),
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The `--against` trace's records of the current poll, beside A's.
pub(super) fn draw_against(frame: &mut Frame, app: &App, area: Rect) {
    let Some(b) = &app.against else { return };
    let p = app.poll();
    let records = b.poll(p);
    let a = app.replay.poll_records();
    let mark = match b.divergence {
        Some(d) if d == p => "FIRST DIVERGENT POLL".to_string(),
        Some(d) if d < p => format!("diverged at poll {d}"),
        Some(d) => format!("same until poll {d}"),
        None => "the traces are equal".to_string(),
    };
    let block = Block::bordered()
        .title(format!(
            " B poll {p} · {mark} · {} · {} ",
            records.len(),
            b.name
        ))
        .border_style(if b.divergence == Some(p) {
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
        } else {
            Style::new().fg(Color::DarkGray)
        });
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    for (k, r) in records.iter().enumerate().take(inner.height as usize) {
        let same = a
            .get(k)
            .is_some_and(|x| x.kind == r.kind && x.t == r.t && x.fields == r.fields);
        lines.push(Line::from(vec![
            Span::styled(
                if same { "  " } else { "≠ " },
                Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            ),
            Span::styled(format!("{:>6} ", r.seq), Style::new().fg(Color::DarkGray)),
            Span::styled(format!("{:<19}", r.kind), kind_style(r)),
            Span::raw(field_text(r)),
        ]));
    }
    if records.is_empty() {
        lines.push(Line::from(Span::styled(
            " (B has no such poll: its trace ended)",
            Style::new().fg(Color::DarkGray),
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
