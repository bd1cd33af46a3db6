//! The header line. Its parts have priorities: when the terminal is too
//! narrow for all of them, the least important go first (the banner, the
//! seed, the program, the time), so that the poll, the events count and
//! the faults stay at 80 columns.

use super::*;

/// Higher stays longer.
struct Part {
    priority: u8,
    spans: Vec<Span<'static>>,
}

fn width(spans: &[Span]) -> usize {
    spans.iter().map(|s| s.width()).sum()
}

pub(super) fn draw_header(frame: &mut Frame, app: &App, area: Rect) {
    let trace = &app.replay.trace;
    let st = app.state();
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let part = |priority, spans| Part { priority, spans };
    let mut parts = vec![
        part(
            0,
            vec![Span::styled(
                " gene-trace replay ",
                bold.fg(Color::Black).bg(Color::Cyan),
            )],
        ),
        part(
            3,
            vec![Span::styled(
                trace.program_name().unwrap_or("?").to_string(),
                bold,
            )],
        ),
        part(
            1,
            vec![Span::raw(format!(
                "seed {}",
                trace.seed().map_or("?".into(), |s| s.to_string())
            ))],
        ),
        part(
            9,
            vec![Span::styled(
                format!("poll {} of 0..{}", app.poll(), app.last_poll()),
                bold.fg(Color::Yellow),
            )],
        ),
        part(
            4,
            vec![Span::raw(format!(
                "t={}",
                format_nanos(app.replay.poll_time(app.poll()))
            ))],
        ),
        part(
            8,
            vec![Span::raw(format!(
                "events {}",
                app.poll_event_count(app.poll())
            ))],
        ),
    ];
    if app.playing {
        parts.push(part(
            5,
            vec![Span::styled(
                format!("▶ {}/s", SPEEDS[app.speed]),
                Style::new().fg(Color::Green),
            )],
        ));
    }
    if app.skip_empty {
        parts.push(part(
            5,
            vec![Span::styled("skip empty", Style::new().fg(Color::Magenta))],
        ));
    }
    if st.run_end != NONE {
        let r = &app.replay.records()[st.run_end as usize];
        parts.push(part(
            6,
            vec![if r.bool("ok") == Some(false) {
                Span::styled(
                    "run failed",
                    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                )
            } else {
                Span::styled("run ended", Style::new().fg(Color::Green))
            }],
        ));
    }
    if let Some(b) = &app.against {
        parts.push(part(
            6,
            vec![match b.divergence {
                Some(d) => Span::styled(
                    format!("vs B: diverge at poll {d}"),
                    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                ),
                None => Span::styled("vs B: equal", Style::new().fg(Color::Green)),
            }],
        ));
    }
    if st.faults > 0 || st.errors > 0 {
        parts.push(part(
            7,
            vec![Span::styled(
                format!("faults {} errors {}", st.faults, st.errors),
                Style::new().fg(Color::Red),
            )],
        ));
    }
    let sep = 3; // " │ "
    let total =
        |parts: &[Part]| parts.iter().map(|p| width(&p.spans)).sum::<usize>() + sep * parts.len();
    while parts.len() > 1 && total(&parts) > area.width as usize {
        let lowest = (0..parts.len())
            .min_by_key(|&i| parts[i].priority)
            .unwrap_or(0);
        parts.remove(lowest);
    }
    let dim = Style::new().fg(Color::DarkGray);
    let mut spans = Vec::new();
    let mut after_banner = false;
    for (i, p) in parts.into_iter().enumerate() {
        if after_banner {
            spans.push(Span::raw(" "));
        } else if i > 0 {
            spans.push(Span::styled(" │ ", dim));
        } else if p.priority > 0 {
            spans.push(Span::raw(" "));
        }
        after_banner = p.priority == 0;
        spans.extend(p.spans);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
