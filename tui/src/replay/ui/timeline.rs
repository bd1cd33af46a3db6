//! The timeline: events per poll as bars (polls numbered from 0, like the
//! header's `poll k of 0..N`), a row of marks (`b` a breakpoint hits, `!`
//! a fault or error, `*` a search hit), and the current poll. With empty
//! polls skipped (`e`) only the polls with events get a column.

use super::*;

/// Whether a sorted list holds a poll in `lo..=hi`.
fn any_in(sorted: &[usize], lo: usize, hi: usize) -> bool {
    let i = sorted.partition_point(|&p| p < lo);
    sorted.get(i).is_some_and(|&p| p <= hi)
}

pub(super) fn draw_timeline(frame: &mut Frame, app: &App, area: Rect) {
    let polls = app.replay.polls();
    let d = app.derived();
    // The polls that get a column, as a count and a lookup.
    let skip = app.skip_empty;
    let shown = if skip { d.nonempty.len() } else { polls };
    let poll_at = |k: usize| if skip { d.nonempty[k] } else { k };
    let last_t = app.replay.poll_time(app.last_poll());
    let range = if skip {
        format!(
            " polls 0..{}: {} with events shown (e: all)",
            app.last_poll(),
            shown
        )
    } else {
        format!(" polls 0..{}", app.last_poll())
    };
    let block = Block::bordered()
        .title(format!(
            "{range}, {}..{} · bars: events · marks: b break, ! fault, * search ",
            format_nanos(app.replay.poll_time(0)),
            format_nanos(last_t)
        ))
        .border_style(Style::new().fg(Color::DarkGray));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    if w == 0 || inner.height == 0 || shown == 0 {
        return;
    }
    // Up to 4 columns a poll when there are few; buckets of polls when many.
    let per = (w / shown).clamp(1, 4);
    let cols = (w / per).min(shown);
    let bucket = |c: usize| (c * shown / cols)..((c + 1) * shown / cols).max(c * shown / cols + 1);
    let counts: Vec<usize> = (0..cols)
        .map(|c| {
            bucket(c)
                .map(|k| app.poll_event_count(poll_at(k)))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    // The current poll's column: the bucket holding it, or (an empty poll
    // while they are skipped) the next one with events.
    let here_k = if skip {
        d.nonempty
            .partition_point(|&p| p < app.poll())
            .min(shown - 1)
    } else {
        app.poll()
    };
    let col = (0..cols)
        .find(|&c| bucket(c).contains(&here_k))
        .unwrap_or(0);
    let here = col * per;
    let mut bars = Vec::with_capacity(cols);
    let mut marks = Vec::with_capacity(cols);
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
        bars.push(Span::styled(ch.to_string().repeat(per), style));
        let b = bucket(c);
        let (lo, hi) = (poll_at(b.start), poll_at(b.end - 1));
        let mut here_marks = Vec::new();
        if any_in(&app.marks.breaks, lo, hi) {
            here_marks.push(Span::styled("b", Style::new().fg(Color::Magenta)));
        }
        if any_in(&d.faults, lo, hi) {
            here_marks.push(Span::styled("!", Style::new().fg(Color::Red)));
        }
        if any_in(&app.marks.search, lo, hi) {
            here_marks.push(Span::styled("*", Style::new().fg(Color::Yellow)));
        }
        here_marks.truncate(per);
        let pad = per - here_marks.len();
        marks.extend(here_marks);
        marks.push(Span::raw(" ".repeat(pad)));
    }
    let label = if skip && app.poll() != poll_at(here_k) {
        format!("▲ poll {} (empty)", app.poll())
    } else {
        format!("▲ poll {}", app.poll())
    };
    let marker = if here + label.chars().count() <= w {
        format!("{}{}", " ".repeat(here), label)
    } else {
        let label = format!("{} ▲", label.trim_start_matches("▲ "));
        format!(
            "{}{}",
            " ".repeat((here + 1).saturating_sub(label.chars().count())),
            label
        )
    };
    let lines = vec![
        Line::from(bars),
        Line::from(marks),
        Line::from(Span::styled(marker, Style::new().fg(Color::Yellow))),
    ];
    frame.render_widget(Paragraph::new(lines), inner);
}
