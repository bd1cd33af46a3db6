//! Driving the replay in tests: the committed demo recording, a screen
//! rendered to a test terminal, and keys pressed.

use std::path::Path;

use gene_sim::trace::read::{Trace, read_file};
use gene_trace::replay::app::{App, Source};
use gene_trace::replay::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The replay's fixture traces: committed recordings of demo.gene beside
/// them (see tests/replay.rs), so the screens do not change when the VM
/// does.
pub const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/replay_fixtures");

/// A committed trace of the fixtures folder.
pub fn fixture_trace(file: &str) -> Trace {
    read_file(&Path::new(DIR).join(file)).expect("the demo trace")
}

pub fn demo_trace() -> Trace {
    fixture_trace("demo.jsonl")
}

/// The demo recording opened with its program's text.
pub fn demo() -> App {
    let text = std::fs::read_to_string(Path::new(DIR).join("demo.gene")).unwrap();
    App::new(
        demo_trace(),
        "demo.jsonl",
        Ok(Source::from_text("demo.gene", &text)),
    )
}

/// The screen at `w` x `h`, as the test terminal prints it.
pub fn render(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::draw(f, app)).unwrap();
    t.backend().to_string()
}

pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn press(app: &mut App, keys: &[KeyCode]) {
    for &k in keys {
        app.on_key(key(k));
    }
}

pub fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        app.on_key(key(KeyCode::Char(c)));
    }
}
