//! `gene-trace replay`: a recorded run, poll by poll, forwards and
//! backwards, in the terminal.
//!
//! - `state`: the run's state, rebuilt by applying records;
//! - `index`: checkpoints of that state, so any poll is a short replay away;
//! - `app`: what is selected and what the keys do (no terminal);
//! - `ui`: drawing (no clock, no terminal queries).

pub mod against;
pub mod app;
pub mod index;
pub mod state;
pub mod story;
pub mod ui;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Args;
use gene_sim::trace::read::read_file;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind};

pub use app::App;

#[derive(Args, Debug, Clone)]
pub struct ReplayArgs {
    /// A trace written by `gene-trace run --trace FILE`.
    pub trace: PathBuf,
    /// Open at this poll (the last one when it is past the end).
    #[arg(long, value_name = "POLL")]
    pub at: Option<usize>,
    /// A second trace of the same program (another seed, another build) to
    /// compare with: the header names the first poll where they part, as
    /// `diff` finds it, and the events pane shows B's records of the
    /// current poll under A's, marking those that differ.
    #[arg(long, value_name = "B")]
    pub against: Option<PathBuf>,
}

/// Loads a trace for the replay: the app, or why the trace is unusable.
pub fn load(path: &Path) -> Result<App, String> {
    let trace = read_file(path).map_err(|e| e.to_string())?;
    let source = app::Source::of_trace(&trace, path);
    Ok(App::new(trace, &path.display().to_string(), source))
}

pub fn main(args: &ReplayArgs) -> ExitCode {
    // A trace that cannot be opened is a usage error (status 2), told
    // before the terminal is taken over.
    match std::fs::File::open(&args.trace).and_then(|f| f.metadata()) {
        Ok(m) if m.is_dir() => {
            eprintln!(
                "error: cannot open {}: it is a directory",
                args.trace.display()
            );
            return ExitCode::from(2);
        }
        Ok(_) => {}
        Err(e) => {
            eprintln!("error: cannot open {}: {e}", args.trace.display());
            return ExitCode::from(2);
        }
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!(
            "error: replay needs a terminal (for a text comparison of traces, see `gene-trace diff`)"
        );
        return ExitCode::from(2);
    }
    let loaded = load(&args.trace).and_then(|mut app| {
        if let Some(b) = &args.against {
            app.against = Some(against::Against::load(b, &app.replay.trace)?);
        }
        if let Some(p) = args.at {
            app.goto(p);
        }
        Ok(app)
    });
    // A trace that is not one, or is damaged, ends with status 1 once the
    // user has seen it (the prefix before the damage is shown).
    let failed = match &loaded {
        Ok(app) => app.replay.trace.error.is_some(),
        Err(_) => true,
    };
    match run_terminal(loaded, &args.trace.display().to_string()) {
        Ok(()) if failed => ExitCode::from(1),
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: terminal: {e}");
            ExitCode::from(1)
        }
    }
}

/// Set by SIGINT and SIGTERM: the loop restores the terminal and ends.
static STOP: AtomicBool = AtomicBool::new(false);

#[cfg(unix)]
fn catch_signals() {
    extern "C" fn on_signal(_: libc::c_int) {
        STOP.store(true, Ordering::SeqCst);
    }
    // The terminal is gone: nothing to restore, and crossterm would spin
    // reading the hung-up tty, so end at once.
    extern "C" fn on_hangup(_: libc::c_int) {
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(129) }
    }
    let handler = on_signal as extern "C" fn(libc::c_int);
    let hangup = on_hangup as extern "C" fn(libc::c_int);
    // SAFETY: the handlers only store to an atomic or call _exit, both
    // async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
        libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
        libc::signal(libc::SIGHUP, hangup as libc::sighandler_t);
    }
}

#[cfg(not(unix))]
fn catch_signals() {}

/// Runs the UI until q, Ctrl-C or a signal. `ratatui::init` restores the
/// terminal on a panic; this restores it on every other way out.
fn run_terminal(loaded: Result<App, String>, path: &str) -> std::io::Result<()> {
    catch_signals();
    let mut terminal = ratatui::try_init()?;
    let result = event_loop(&mut terminal, loaded, path);
    ratatui::restore();
    result
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    loaded: Result<App, String>,
    path: &str,
) -> std::io::Result<()> {
    let mut app = match loaded {
        Ok(app) => app,
        Err(message) => {
            // The error screen, until q / Esc / Ctrl-C.
            loop {
                terminal.draw(|f| ui::draw_error(f, path, &message))?;
                if STOP.load(Ordering::SeqCst) {
                    return Ok(());
                }
                if event::poll(Duration::from_millis(200))?
                    && let Event::Key(k) = event::read()?
                    && k.kind != KeyEventKind::Release
                    && (matches!(k.code, KeyCode::Char('q') | KeyCode::Esc | KeyCode::Enter)
                        || k.modifiers.contains(event::KeyModifiers::CONTROL))
                {
                    return Ok(());
                }
            }
        }
    };
    let mut last = Instant::now();
    loop {
        terminal.draw(|f| ui::draw(f, &app))?;
        if app.quit || STOP.load(Ordering::SeqCst) {
            return Ok(());
        }
        let wait = if app.playing {
            Duration::from_millis(30)
        } else {
            Duration::from_millis(250)
        };
        if event::poll(wait)? {
            match event::read()? {
                Event::Key(k) => app.on_key(k),
                Event::Resize(..) => {}
                _ => {}
            }
        }
        let now = Instant::now();
        app.tick(now.duration_since(last).as_millis() as u64);
        last = now;
    }
}
