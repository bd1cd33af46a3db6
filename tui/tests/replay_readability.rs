//! The replay's readability (issue 9): what stays on screen at 100 and
//! 80 columns, long values, the kind and task columns, counts that agree,
//! search modes, breakpoint hits, empty polls, the timeline's marks, and
//! the keys that the handler, the footer, the help and README.md name.
//!
//! Screens come from a `TestBackend` and the committed demo recording
//! (tests/replay_fixtures/demo.jsonl), as in tests/replay.rs.

use std::path::Path;

use gene_sim::trace::read::{Trace, read, read_file};
use gene_trace::replay::app::{App, Mode, Pane, Source, Target};
use gene_trace::replay::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/replay_fixtures");

fn demo_trace() -> Trace {
    read_file(&Path::new(DIR).join("demo.jsonl")).expect("the demo trace")
}

fn demo() -> App {
    let text = std::fs::read_to_string(Path::new(DIR).join("demo.gene")).unwrap();
    App::new(
        demo_trace(),
        "demo.jsonl",
        Ok(Source::from_text("demo.gene", &text)),
    )
}

fn render(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::draw(f, app)).unwrap();
    t.backend().to_string()
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn press(app: &mut App, keys: &[KeyCode]) {
    for &k in keys {
        app.on_key(key(k));
    }
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        app.on_key(key(KeyCode::Char(c)));
    }
}

fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{screen}"))
}

#[test]
fn probe() {
    let mut app = demo();
    app.goto(4);
    println!("{}", render(&app, 100, 30));
    press(&mut app, &[KeyCode::Tab, KeyCode::Tab]);
    println!("{}", render(&app, 80, 24));
}
