//! The replay's screens (TestBackend + insta snapshots), its keys, and the
//! state rebuild. No test touches a real terminal.
//!
//! The fixture trace, tests/replay_fixtures/demo.jsonl, is a committed
//! recording of demo.gene beside it (`gene-trace run demo.gene --fail-nth 2
//! --trace demo.jsonl`), so the screens do not change when the VM does.

mod common;

use common::replay::*;

use std::path::Path;

use gene_sim::trace::read::{Trace, read};
use gene_trace::replay::app::{App, BreakOn, Mode, Pane, Target};
use gene_trace::replay::index::Replay;
use gene_trace::replay::state::{FutureStatus, State, TaskStatus};
use gene_trace::replay::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

// ---- screens ----

#[test]
fn wide_screen_at_several_polls() {
    let mut app = demo();
    for p in [0, 2, 4, 5] {
        app.goto(p);
        insta::assert_snapshot!(format!("wide_poll_{p}"), render(&app, 140, 44));
    }
}

#[test]
fn very_wide_screen() {
    let mut app = demo();
    app.goto(4);
    insta::assert_snapshot!("very_wide_poll_4", render(&app, 200, 50));
}

#[test]
fn narrow_screen_shows_each_pane() {
    let mut app = demo();
    app.goto(4);
    for _ in 0..gene_trace::replay::app::PANES.len() {
        let name = format!("narrow_{}", app.focus.name());
        insta::assert_snapshot!(name, render(&app, 80, 24));
        press(&mut app, &[KeyCode::Tab]);
    }
    assert_eq!(app.focus, Pane::Events, "Tab cycles back to the first pane");
}

#[test]
fn tiny_terminal_does_not_panic() {
    let mut app = demo();
    for (w, h) in [(1, 1), (10, 5), (30, 8), (99, 27), (100, 28)] {
        for p in 0..=5 {
            app.goto(p);
            render(&app, w, h);
        }
    }
}

#[test]
fn popups() {
    let mut app = demo();
    app.goto(4);
    press(&mut app, &[KeyCode::Char('?')]);
    insta::assert_snapshot!("help", render(&app, 120, 36));
    press(&mut app, &[KeyCode::Esc, KeyCode::Char('f')]);
    insta::assert_snapshot!("filter", render(&app, 120, 36));
    press(&mut app, &[KeyCode::Esc, KeyCode::Char('b')]);
    insta::assert_snapshot!("break_menu", render(&app, 120, 36));
    press(&mut app, &[KeyCode::Esc]);
    app.open(Target::Future(7));
    insta::assert_snapshot!("details_future_7", render(&app, 120, 36));
    app.open(Target::Task(2));
    insta::assert_snapshot!("details_task_2", render(&app, 120, 36));
    app.open(Target::Scope(1));
    insta::assert_snapshot!("details_scope_1", render(&app, 120, 36));
    // Enter on the selected event: the fault.
    press(&mut app, &[KeyCode::Esc, KeyCode::Down]);
    press(&mut app, &[KeyCode::Enter]);
    insta::assert_snapshot!("details_event", render(&app, 120, 36));
}

#[test]
fn prompts_and_messages() {
    let mut app = demo();
    press(&mut app, &[KeyCode::Char('/')]);
    typed(&mut app, "injected");
    insta::assert_snapshot!("search_prompt", render(&app, 120, 36));
    press(&mut app, &[KeyCode::Enter]);
    insta::assert_snapshot!("search_hit", render(&app, 120, 36));
}

#[test]
fn corrupt_trace_shows_an_error_screen() {
    let err = read(&b"this is not a trace\n"[..])
        .err()
        .expect("a header error");
    let mut t = Terminal::new(TestBackend::new(80, 16)).unwrap();
    t.draw(|f| ui::draw_error(f, "bad.jsonl", &err.to_string()))
        .unwrap();
    insta::assert_snapshot!("error_screen", t.backend().to_string());
    // Through the loader too: an error, not a panic.
    let dir = std::env::temp_dir().join(format!("gene-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.jsonl");
    std::fs::write(&bad, "{\"format\":\"gene-trace\",\"version\":99}\n").unwrap();
    let e = gene_trace::replay::load(&bad).err().expect("an error");
    assert!(
        e.contains("this trace is format version 99; this tool reads versions 3 and 4"),
        "{e}"
    );
    std::fs::write(&bad, "").unwrap();
    assert!(gene_trace::replay::load(&bad).is_err());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn truncated_trace_opens_with_its_prefix_and_a_warning() {
    let text = std::fs::read_to_string(Path::new(DIR).join("demo.jsonl")).unwrap();
    // Cut the file in the middle of line 50.
    let cut: usize = text.lines().take(49).map(|l| l.len() + 1).sum::<usize>() + 20;
    let trace = read(&text.as_bytes()[..cut]).unwrap();
    assert_eq!(trace.records.len(), 48);
    let mut app = App::new(trace, "demo.jsonl", Err("not looked for".into()));
    app.goto(99);
    assert_eq!(app.poll(), 3, "the last poll of the prefix");
    let screen = render(&app, 120, 36);
    assert!(
        screen.contains("trace cut short at line 50: truncated record"),
        "{screen}"
    );
    insta::assert_snapshot!("truncated", screen);
    // Garbage in the middle: the same.
    let mut lines: Vec<&str> = text.lines().collect();
    lines[30] = "{\"kind\":\"output\", garbage";
    let trace = read(lines.join("\n").as_bytes()).unwrap();
    assert!(trace.error.is_some());
    let app = App::new(trace, "x", Err("-".into()));
    assert!(render(&app, 120, 36).contains("corrupt record"));
}

#[test]
fn empty_trace_has_a_screen() {
    let trace = read(&br#"{"format":"gene-trace","version":3,"seed":3}"#[..]).unwrap();
    let mut app = App::new(trace, "empty.jsonl", Err("none".into()));
    press(
        &mut app,
        &[
            KeyCode::Right,
            KeyCode::Char('G'),
            KeyCode::Char('n'),
            KeyCode::Enter,
        ],
    );
    press(&mut app, &[KeyCode::Char('/')]);
    typed(&mut app, "x");
    press(&mut app, &[KeyCode::Enter, KeyCode::Char(' ')]);
    app.tick(1000);
    for (w, h) in [(80, 24), (140, 44)] {
        render(&app, w, h);
    }
}

// ---- keys ----

#[test]
fn keys_move_through_polls() {
    let mut app = demo();
    assert_eq!(app.poll(), 0);
    press(&mut app, &[KeyCode::Right, KeyCode::Char('l')]);
    assert_eq!(app.poll(), 2);
    press(&mut app, &[KeyCode::Left]);
    assert_eq!(app.poll(), 1);
    press(&mut app, &[KeyCode::Char('h'), KeyCode::Char('h')]);
    assert_eq!(app.poll(), 0, "clamped at the first poll");
    press(&mut app, &[KeyCode::PageDown]);
    assert_eq!(app.poll(), 5, "clamped at the last poll");
    press(&mut app, &[KeyCode::PageUp]);
    assert_eq!(app.poll(), 0);
    press(&mut app, &[KeyCode::Char('G')]);
    assert_eq!(app.poll(), 5);
    press(&mut app, &[KeyCode::Char('g')]);
    assert_eq!(app.poll(), 0);
    press(&mut app, &[KeyCode::Char('q')]);
    assert!(app.quit);
    let mut app = demo();
    app.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(app.quit, "Ctrl-C quits");
}

#[test]
fn jump_to_poll_time_and_record() {
    let mut app = demo();
    press(&mut app, &[KeyCode::Char(':')]);
    typed(&mut app, "3");
    press(&mut app, &[KeyCode::Enter]);
    assert_eq!(app.poll(), 3);
    press(&mut app, &[KeyCode::Char(':')]);
    typed(&mut app, "12ms");
    press(&mut app, &[KeyCode::Enter]);
    assert_eq!(app.poll(), 3, "the first poll at or after 12ms is at 20ms");
    press(&mut app, &[KeyCode::Char(':')]);
    typed(&mut app, "t=10ms");
    press(&mut app, &[KeyCode::Enter]);
    assert_eq!(app.poll(), 1);
    press(&mut app, &[KeyCode::Char(':')]);
    typed(&mut app, "#56");
    press(&mut app, &[KeyCode::Enter]);
    assert_eq!(app.poll(), 4);
    let r = &app.replay.records()[app.selected_event().unwrap()];
    assert_eq!((r.seq, &*r.kind), (56, "op.completed"));
    press(&mut app, &[KeyCode::Char(':')]);
    typed(&mut app, "banana");
    press(&mut app, &[KeyCode::Enter]);
    assert!(app.message.as_ref().unwrap().error);
    assert_eq!(app.poll(), 4);
    press(&mut app, &[KeyCode::Char(':')]);
    typed(&mut app, "77");
    press(&mut app, &[KeyCode::Enter]);
    assert!(app.message.as_ref().unwrap().text.contains("no poll 77"));
}

#[test]
fn search_text_and_regex_with_n_and_shift_n() {
    let mut app = demo();
    press(&mut app, &[KeyCode::Char('/')]);
    typed(&mut app, "TASK.RESUMED");
    press(&mut app, &[KeyCode::Enter]);
    let seq = |app: &App| app.replay.records()[app.selected_event().unwrap()].seq;
    assert_eq!((app.poll(), seq(&app)), (1, 27), "text search ignores case");
    press(&mut app, &[KeyCode::Char('n')]);
    assert_eq!((app.poll(), seq(&app)), (2, 36));
    press(&mut app, &[KeyCode::Char('N')]);
    assert_eq!((app.poll(), seq(&app)), (1, 27));
    press(&mut app, &[KeyCode::Char('N')]);
    assert_eq!(app.poll(), 5, "wraps around to the last match");
    assert!(app.message.as_ref().unwrap().text.contains("wrapped"));
    // A regex (Tab switches the prompt to regex).
    press(&mut app, &[KeyCode::Char('/'), KeyCode::Tab]);
    typed(&mut app, r"ok=false.*value=.*injected");
    press(&mut app, &[KeyCode::Enter]);
    assert_eq!((app.poll(), seq(&app)), (4, 57));
    // A bad regex is an error message, not a panic.
    press(&mut app, &[KeyCode::Char('/')]);
    typed(&mut app, "(unclosed");
    press(&mut app, &[KeyCode::Enter]);
    assert!(app.message.as_ref().unwrap().error);
    // Text mode (each search starts as text) takes the same characters
    // literally.
    press(&mut app, &[KeyCode::Char('/')]);
    assert!(!app.regex_mode, "a new search starts as text");
    typed(&mut app, "(expected 180)");
    press(&mut app, &[KeyCode::Enter]);
    assert_eq!(app.poll(), 5);
}

#[test]
fn filter_hides_kinds() {
    let mut app = demo();
    let all = app.shown_events().len();
    press(&mut app, &[KeyCode::Char('f')]);
    assert!(matches!(app.mode, Mode::Filter { .. }));
    press(&mut app, &[KeyCode::Char('p'), KeyCode::Enter]);
    assert_eq!(
        app.shown_events().len(),
        all - 2,
        "poll.begin and poll.end hidden"
    );
    // Hide the first kind in the list (callback.registered), then show all.
    press(
        &mut app,
        &[KeyCode::Char('f'), KeyCode::Char(' '), KeyCode::Enter],
    );
    assert_eq!(app.shown_events().len(), all - 3);
    press(
        &mut app,
        &[KeyCode::Char('f'), KeyCode::Char('a'), KeyCode::Esc],
    );
    assert_eq!(app.shown_events().len(), all);
}

#[test]
fn breakpoints_stop_play_and_jump() {
    let mut app = demo();
    // b, item 2 (a future fails), any future.
    press(
        &mut app,
        &[KeyCode::Char('b'), KeyCode::Char('2'), KeyCode::Enter],
    );
    assert_eq!(app.breaks, vec![BreakOn::FutureFails(None)]);
    press(&mut app, &[KeyCode::Char(' ')]);
    assert!(app.playing);
    app.tick(10_000);
    assert!(!app.playing, "stopped at the break");
    assert_eq!(app.poll(), 4);
    assert!(app.message.as_ref().unwrap().text.contains("fails"));
    press(&mut app, &[KeyCode::Char('g'), KeyCode::Char(']')]);
    assert_eq!(app.poll(), 4);
    press(&mut app, &[KeyCode::Char(']')]);
    assert_eq!(app.poll(), 4, "no later hit");
    assert!(app.message.as_ref().unwrap().error);
    // Time passes 20ms: poll 3. Scope 1 reaches 0: poll 5. Task 1 suspends: poll 0.
    press(&mut app, &[KeyCode::Char('b'), KeyCode::Char('d')]);
    assert!(app.breaks.is_empty());
    for (item, arg, poll) in [
        ('5', "20ms", 3),
        ('3', "1", 5),
        ('4', "1", 0),
        ('1', "3", 2),
    ] {
        press(
            &mut app,
            &[KeyCode::Char('b'), KeyCode::Char('d'), KeyCode::Char('G')],
        );
        press(&mut app, &[KeyCode::Char('b'), KeyCode::Char(item)]);
        typed(&mut app, arg);
        press(&mut app, &[KeyCode::Enter, KeyCode::Char('[')]);
        assert_eq!(app.poll(), poll, "break {item} {arg}");
    }
    press(&mut app, &[KeyCode::Char('b'), KeyCode::Char('1')]);
    typed(&mut app, "x");
    press(&mut app, &[KeyCode::Enter]);
    assert!(app.message.as_ref().unwrap().error, "a bad id is refused");
}

#[test]
fn play_and_speed() {
    let mut app = demo();
    press(&mut app, &[KeyCode::Char(' ')]);
    let speed = app.speed;
    press(
        &mut app,
        &[KeyCode::Char('-'), KeyCode::Char('-'), KeyCode::Char('-')],
    );
    assert_eq!(app.speed, speed - 3);
    app.tick(999);
    assert_eq!(app.poll(), 0, "1 poll/s: not yet");
    app.tick(1);
    assert_eq!(app.poll(), 1);
    press(
        &mut app,
        &[
            KeyCode::Char('+'),
            KeyCode::Char('+'),
            KeyCode::Char('+'),
            KeyCode::Char('+'),
        ],
    );
    app.tick(100);
    assert_eq!(app.poll(), 3, "25 polls/s");
    app.tick(1000);
    assert_eq!(app.poll(), 5);
    assert!(!app.playing, "stops at the end");
    press(&mut app, &[KeyCode::Char(' ')]);
    assert_eq!(app.poll(), 0, "play at the end starts over");
    press(&mut app, &[KeyCode::Char(' ')]);
    assert!(!app.playing);
}

#[test]
fn selection_and_details_per_pane() {
    let mut app = demo();
    app.goto(4);
    press(&mut app, &[KeyCode::Tab]);
    assert_eq!(app.focus, Pane::Futures);
    press(&mut app, &[KeyCode::End, KeyCode::Enter]);
    assert!(matches!(
        app.mode,
        Mode::Details {
            target: Target::Future(7),
            ..
        }
    ));
    press(
        &mut app,
        &[KeyCode::Down, KeyCode::PageDown, KeyCode::Up, KeyCode::Esc],
    );
    assert_eq!(app.mode, Mode::Normal);
    press(&mut app, &[KeyCode::Char('a')]);
    assert!(app.live_only);
    assert_eq!(
        app.table_ids(Pane::Futures),
        vec![5],
        "pending futures at poll 4"
    );
    press(
        &mut app,
        &[KeyCode::Tab, KeyCode::Home, KeyCode::Down, KeyCode::Enter],
    );
    assert!(
        matches!(
            app.mode,
            Mode::Details {
                target: Target::Task(1),
                ..
            }
        ),
        "only live tasks: 1"
    );
    press(
        &mut app,
        &[
            KeyCode::Esc,
            KeyCode::Char('a'),
            KeyCode::Down,
            KeyCode::Enter,
        ],
    );
    assert!(matches!(
        app.mode,
        Mode::Details {
            target: Target::Task(2),
            ..
        }
    ));
    press(
        &mut app,
        &[KeyCode::Esc, KeyCode::BackTab, KeyCode::BackTab],
    );
    assert_eq!(app.focus, Pane::Events);
    // An event's details, then Enter: the future it names.
    press(&mut app, &[KeyCode::Home, KeyCode::Down, KeyCode::Enter]);
    assert!(
        matches!(
            app.mode,
            Mode::Details {
                target: Target::Record(55),
                ..
            }
        ),
        "{:?}",
        app.mode
    );
    press(&mut app, &[KeyCode::Enter]);
    assert!(
        matches!(
            app.mode,
            Mode::Details {
                target: Target::Future(7),
                ..
            }
        ),
        "op 5 completes future 7"
    );
}

// ---- state ----

/// The state at the end of every poll, stepping forward from the start.
fn forward_states(replay: &mut Replay) -> Vec<State> {
    replay.seek(0);
    let mut out = vec![replay.state().clone()];
    for p in 1..replay.polls() {
        replay.seek(p);
        out.push(replay.state().clone());
    }
    out
}

fn check_forward_backward(trace: Trace, gap: usize, budget: usize) {
    let mut replay = Replay::with_budget(trace, gap, budget);
    let n = replay.polls();
    let forward = forward_states(&mut replay);
    // Backward, one poll at a time from the end.
    for p in (0..n).rev() {
        replay.seek(p);
        assert_eq!(replay.state(), &forward[p], "poll {p} backward");
    }
    // Jumps in a scrambled order.
    let mut p = 0usize;
    for _ in 0..n.min(300) {
        p = (p * 7919 + 13) % n;
        replay.seek(p);
        assert_eq!(replay.state(), &forward[p], "poll {p} by jump");
    }
    // From scratch: applying every record once.
    let mut s = State::new(forward[0].blocking_await);
    let records = replay.records().to_vec();
    for (p, range) in replay.trace.polls.clone().into_iter().enumerate() {
        for i in range {
            s.apply(i, &records[i]);
        }
        assert_eq!(s, forward[p], "poll {p} from scratch");
    }
}

#[test]
fn forward_then_backward_gives_identical_state() {
    check_forward_backward(demo_trace(), 4096, 1 << 20);
    // Checkpoints at every record, and a budget that forces thinning.
    check_forward_backward(demo_trace(), 1, 1 << 20);
    check_forward_backward(demo_trace(), 1, 1);
    // One checkpoint (the start): every step back takes records back.
    check_forward_backward(demo_trace(), usize::MAX / 2, 0);
    assert_eq!(Replay::new(demo_trace()).irreversible(), 0);
}

/// A run with many tasks, timers, callbacks and failures.
fn busy_trace() -> Trace {
    let program = r#"
(var x 7)
(fn ^^async work [i ms]
  (await (gene/sleep_async ms))
  (if ((i % 7) == 0) (throw #"task #{i} fails"))
  i)
(var fs [])
(repeat 300
  (x = (((x * 1103515245) + 12345) % 2147483648))
  (var f (work x ((x % 50) + 1)))
  (f .on_success (fnx [v] v))
  (fs = [(... fs) f]))
(for f in fs (try (await f) catch * 0))
(println "done")
"#;
    let config = gene_sim::RunConfig {
        poll_every: 7,
        ..gene_sim::RunConfig::default()
    };
    let mut out = Vec::new();
    let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    use gene_sim::trace::SharedBuf as Shared;
    gene_sim::run_traced(
        "busy.gene",
        program,
        &config,
        &mut out,
        Some(Box::new(Shared(buf.clone()))),
    )
    .unwrap();
    let bytes = buf.lock().unwrap().clone();
    let trace = read(&bytes[..]).unwrap();
    assert!(trace.error.is_none());
    assert!(
        trace.records.len() > 3000,
        "{} records",
        trace.records.len()
    );
    trace
}

#[test]
fn forward_then_backward_on_a_busy_run() {
    let trace = busy_trace();
    check_forward_backward(busy_trace(), 64, 1 << 20);
    check_forward_backward(busy_trace(), 500, 40_000);
    check_forward_backward(busy_trace(), usize::MAX / 2, 0);
    assert_eq!(
        Replay::new(busy_trace()).irreversible(),
        0,
        "every record can be taken back"
    );
    // The end state: every task done, every future resolved.
    let mut replay = Replay::new(trace);
    replay.seek(usize::MAX);
    let s = replay.state();
    assert!(
        s.tasks.iter().all(|t| t.status.is_done()),
        "{:?}",
        s.tasks.iter().find(|t| !t.status.is_done())
    );
    assert!(s.futures.iter().all(|f| f.status != FutureStatus::Pending));
    assert!(s.futures.iter().all(|f| f.waiters == 0));
    assert!(
        s.tasks
            .iter()
            .any(|t| t.status == TaskStatus::Done { ok: false })
    );
    assert!(s.active.is_empty());
    assert_eq!(s.skipped, 0);
}

#[test]
fn demo_state_at_the_fault() {
    let mut replay = Replay::new(demo_trace());
    replay.seek(3);
    let s = replay.state();
    assert_eq!(s.task(2).unwrap().status, TaskStatus::Suspended(7));
    assert_eq!(s.future(7).unwrap().waiters, 1);
    assert_eq!(s.task(3).unwrap().status, TaskStatus::Done { ok: true });
    assert_eq!(
        s.task(4).unwrap().status,
        TaskStatus::Done { ok: true },
        "bob's callback ran"
    );
    replay.seek(4);
    let s = replay.state();
    assert_eq!(s.future(7).unwrap().status, FutureStatus::Failed);
    assert_eq!(s.task(2).unwrap().status, TaskStatus::Done { ok: false });
    assert_eq!(s.future(1).unwrap().status, FutureStatus::Failed);
    assert!(s.future(1).unwrap().unobserved);
    assert_eq!(s.faults, 1);
    assert_eq!(s.task(1).unwrap().status, TaskStatus::Suspended(5));
    replay.seek(5);
    let s = replay.state();
    assert!(!s.scope(1).unwrap().live());
    assert_eq!(s.outputs, 4);
}

#[test]
fn blocking_await_keeps_the_task_on_the_stack() {
    let program = "(var f (gene/sleep_async 5))\n(f .on_success (fnx [v] (println \"cb\")))\n(await f)\n(println \"after\")\n";
    let config = gene_sim::RunConfig {
        vm: gene_vm::VmConfig {
            await_mode: gene_vm::AwaitMode::Blocking,
            ..Default::default()
        },
        ..gene_sim::RunConfig::default()
    };
    let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    use gene_sim::trace::SharedBuf as Shared;
    let mut out = Vec::new();
    gene_sim::run_traced(
        "b.gene",
        program,
        &config,
        &mut out,
        Some(Box::new(Shared(buf.clone()))),
    )
    .unwrap();
    let bytes = buf.lock().unwrap().clone();
    let trace = read(&bytes[..]).unwrap();
    let mut replay = Replay::new(trace);
    replay.seek(0);
    assert_eq!(
        replay.state().task(1).unwrap().status,
        TaskStatus::Suspended(1)
    );
    assert_eq!(
        replay.state().active,
        vec![1],
        "blocked, still on the stack"
    );
    replay.seek(usize::MAX);
    assert_eq!(
        replay.state().task(1).unwrap().status,
        TaskStatus::Done { ok: true }
    );
    check_forward_backward(read(&bytes[..]).unwrap(), 1, 1 << 20);
    check_forward_backward(read(&bytes[..]).unwrap(), usize::MAX / 2, 0);
}
