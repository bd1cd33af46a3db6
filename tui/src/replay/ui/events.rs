//! The events pane: the current poll's records, one a row: a search mark
//! (`*`), a breakpoint mark (`●`), the record's seq, its kind (a column as
//! wide as the trace's longest kind), its task (`deposit#2`) and its
//! fields, which `<` and `>` scroll sideways (`…` where text is cut).

use super::*;

/// The widest the task column gets.
pub const MAX_TASK_WIDTH: usize = 20;

/// `text` from column `skip` on, in at most `width` columns: `…` first
/// when scrolled, `…` last when cut.
pub fn scrolled(text: &str, skip: usize, width: usize) -> String {
    if width == 0 {
        return String::new();
    }
    let chars: Vec<char> = text.chars().collect();
    let rest: &[char] = chars.get(skip..).unwrap_or(&[]);
    let mut out = String::new();
    let mut room = width;
    if skip > 0 && !chars.is_empty() {
        out.push('…');
        room -= 1;
    }
    if rest.len() > room {
        out.extend(&rest[..room.saturating_sub(1)]);
        if room > 0 {
            out.push('…');
        }
    } else {
        out.extend(rest);
    }
    out
}

fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        format!("{s:<width$}")
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

pub(super) fn draw_events(frame: &mut Frame, app: &App, area: Rect) {
    let d = app.derived();
    let shown = app.shown_events();
    let total = app.replay.poll_records().len();
    let events = app.poll_event_count(app.poll());
    let mut title = format!(
        " events · poll {} · {} events + {} markers ",
        app.poll(),
        events,
        total - events
    );
    if shown.len() < total {
        title.push_str(&format!("· {} hidden ", total - shown.len()));
    }
    if let Some(t) = app.task_filter {
        title.push_str(&format!(
            "· task {} only ",
            crate::replay::app::Derived::task_label(&app.story.naming, t)
        ));
    }
    if app.hscroll > 0 {
        title.push_str(&format!("· from col {} ", app.hscroll + 1));
    }
    let block = pane_block(app, Pane::Events, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let h = inner.height as usize;
    let sel = app.event_sel.min(shown.len().saturating_sub(1));
    let top = window(sel, shown.len(), h);
    let records = app.replay.records();
    let hits: Vec<usize> = app.break_hits(app.poll()).iter().map(|h| h.0).collect();
    let rows: Vec<(usize, usize, String)> = shown
        .iter()
        .enumerate()
        .skip(top)
        .take(h)
        .map(|(k, &i)| {
            let task = d
                .task_of(&records[i])
                .map(|t| crate::replay::app::Derived::task_label(&app.story.naming, t))
                .unwrap_or_default();
            (k, i, task)
        })
        .collect();
    let task_w = rows
        .iter()
        .map(|r| r.2.chars().count())
        .max()
        .unwrap_or(0)
        .min(MAX_TASK_WIDTH);
    let kind_w = d.kind_width;
    let fixed = 2 + 7 + kind_w + 1 + if task_w > 0 { task_w + 1 } else { 0 };
    let room = (inner.width as usize).saturating_sub(fixed);
    let mut lines = Vec::new();
    for (k, i, task) in rows {
        let r = &records[i];
        let hit = app.matches_search(r);
        let brk = hits.contains(&i);
        let mut spans = vec![
            Span::styled(if hit { "*" } else { " " }, Style::new().fg(Color::Yellow)),
            Span::styled(
                if brk { "●" } else { " " },
                Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
            ),
            Span::styled(format!("{:>6} ", r.seq), Style::new().fg(Color::DarkGray)),
            Span::styled(format!("{} ", cut(&r.kind, kind_w)), kind_style(r)),
        ];
        if task_w > 0 {
            spans.push(Span::styled(
                format!("{} ", cut(&task, task_w)),
                Style::new().fg(Color::Yellow),
            ));
        }
        spans.push(Span::raw(scrolled(&field_text(r), app.hscroll, room)));
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
                " (all hidden by the filter: f, t)"
            },
            Style::new().fg(Color::DarkGray),
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::scrolled;

    #[test]
    fn scrolling_cuts_with_ellipses() {
        assert_eq!(scrolled("abcdef", 0, 10), "abcdef");
        assert_eq!(scrolled("abcdef", 0, 4), "abc…");
        assert_eq!(scrolled("abcdef", 2, 10), "…cdef");
        assert_eq!(scrolled("abcdef", 2, 3), "…c…");
        assert_eq!(scrolled("abc", 9, 5), "…");
        assert_eq!(scrolled("", 3, 5), "");
        assert_eq!(scrolled("abc", 0, 0), "");
    }
}
