//! The replay explains a run: the source line of each event and task, the
//! shared variables and their histories, data breakpoints, causality jumps
//! and the jump list, the warnings, and a second trace to compare with.
//!
//! The race walkthrough records fixtures/examples/race.gene afresh, so it
//! follows the VM; the pane snapshots use the committed demo recording.

mod common;

use common::replay::*;

use std::path::{Path, PathBuf};

use gene_sim::RunConfig;
use gene_trace::replay::against::Against;
use gene_trace::replay::app::{App, BreakOn, Mode, Pane, Source, Target};
use gene_trace::replay::story::WarningKind;
use ratatui::crossterm::event::KeyCode;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Records a program the way `gene-trace run --trace` does, with the
/// fixture's directives, and opens it in the replay.
fn recorded(path: &str, seed: u64) -> App {
    let text = std::fs::read_to_string(repo().join(path)).unwrap();
    let mut config = RunConfig {
        root: repo().join("fixtures"),
        ..RunConfig::default()
    };
    gene_sim::fixture::directives(&text, &mut config).unwrap();
    config.seed = seed;
    let name = Path::new(path).file_name().unwrap().to_str().unwrap();
    let (_, trace) =
        gene_sim::run_collected(name, &text, &config, &mut std::io::sink()).expect("it runs");
    App::new(trace, "race.jsonl", Ok(Source::from_text(name, &text)))
}

fn focus(app: &mut App, pane: Pane) {
    for _ in 0..10 {
        if app.focus == pane {
            return;
        }
        press(app, &[KeyCode::Tab]);
    }
    panic!("no pane {pane:?}");
}

/// The lines of a screen that contain `needle`.
fn lines_with<'s>(screen: &'s str, needle: &str) -> Vec<&'s str> {
    screen.lines().filter(|l| l.contains(needle)).collect()
}

#[test]
fn the_race_walkthrough_finds_the_lost_update() {
    let mut app = recorded("fixtures/examples/race.gene", 0);
    // Break when balance changes: b, item 6, the name.
    press(&mut app, &[KeyCode::Char('b'), KeyCode::Char('6')]);
    typed(&mut app, "balance");
    press(&mut app, &[KeyCode::Enter]);
    assert_eq!(app.breaks, vec![BreakOn::VarChanges("balance".into())]);
    // ] goes to the first change after the start: alice's write.
    press(&mut app, &[KeyCode::Char(']')]);
    let msg = app.message.clone().unwrap().text;
    assert!(msg.contains("balance changes"), "{msg}");
    let p = app.poll();
    let writes: Vec<(u64, String)> = app
        .replay
        .poll_records()
        .iter()
        .filter(|r| &*r.kind == "var.written" && r.str("var") == Some("balance"))
        .map(|r| (r.u64("task").unwrap(), r.str("value").unwrap().to_string()))
        .collect();
    assert_eq!(
        writes,
        vec![(2, "70".to_string()), (3, "50".to_string())],
        "both withdrawals write in poll {p}: 100-30, then 100-50 over it"
    );
    // The variables pane: balance changed this poll, to 50.
    focus(&mut app, Pane::Variables);
    let screen = render(&app, 140, 44);
    assert!(
        lines_with(&screen, "balance *")
            .iter()
            .any(|l| l.contains(" 50 ") && l.contains("withdraw @race.gene:10")),
        "{screen}"
    );
    // Its history: both tasks read 100 at line 8 before either writes.
    press(&mut app, &[KeyCode::Home, KeyCode::Enter]);
    let Mode::Details {
        target: Target::Var(v),
        related,
        ..
    } = app.mode.clone()
    else {
        panic!("the history opens: {:?}", app.mode)
    };
    assert_eq!(app.story.vars[v].name, "balance");
    let records = app.replay.records();
    let row = |i: &usize| {
        let r = &records[*i];
        (
            r.kind.to_string(),
            r.u64("task").unwrap(),
            r.str("value").unwrap().to_string(),
            r.str("at").unwrap().to_string(),
        )
    };
    let history: Vec<_> = related.iter().map(row).collect();
    let first_write_by_a_task = history
        .iter()
        .position(|(k, t, _, _)| k == "var.written" && *t != 1)
        .unwrap();
    let reads_before: Vec<_> = history[..first_write_by_a_task]
        .iter()
        .filter(|(k, _, _, _)| k == "var.read")
        .map(|(_, t, v, at)| (*t, v.clone(), at.clone()))
        .collect();
    assert_eq!(
        reads_before,
        vec![
            (2, "100".into(), "race.gene:8:3".into()),
            (3, "100".into(), "race.gene:8:3".into())
        ],
        "{history:?}"
    );
    let screen = popup_text(&app);
    assert_eq!(
        lines_with(&screen, "read  withdraw (task").len(),
        4,
        "each task's reads, named, in the history: {screen}"
    );
    // Enter on bob's read jumps there: poll 1, the record selected, the
    // source pane on line 8.
    let bobs_read = related
        .iter()
        .position(|i| row(i).0 == "var.read" && row(i).1 == 3)
        .unwrap();
    let target = related[bobs_read];
    for _ in 0..bobs_read {
        press(&mut app, &[KeyCode::Down]);
    }
    press(&mut app, &[KeyCode::Enter]);
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(app.selected_event(), Some(target));
    assert_eq!(app.poll(), 1);
    assert_eq!(app.followed().as_deref(), Some("race.gene:8:3"));
    let screen = render(&app, 140, 44);
    assert!(
        screen.contains("source · race.gene · 8:3") && screen.contains("▶ 8   (var seen balance)"),
        "{screen}"
    );
    // o goes back to where the jump left from, i forward again.
    press(&mut app, &[KeyCode::Char('o')]);
    assert_eq!(app.poll(), p);
    press(&mut app, &[KeyCode::Char('i')]);
    assert_eq!((app.poll(), app.selected_event()), (1, Some(target)));
}

#[test]
fn the_source_pane_follows_events_and_tasks() {
    let mut app = demo();
    app.goto(1);
    // Each event shows its own line, or the nearest one's.
    let mut seen = Vec::new();
    for _ in 0..app.shown_events().len() {
        seen.push(app.followed());
        press(&mut app, &[KeyCode::Down]);
    }
    assert!(seen.contains(&Some("demo.gene:7:3".into())), "{seen:?}");
    assert!(seen.contains(&Some("demo.gene:8:10".into())), "{seen:?}");
    // A resumed task points at the await it resumes from.
    let resumed = app
        .shown_events()
        .into_iter()
        .find(|&i| &*app.replay.records()[i].kind == "task.resumed")
        .unwrap();
    app.select_record(resumed);
    assert_eq!(app.followed().as_deref(), Some("demo.gene:6:3"));
    insta::assert_snapshot!("source_follows_event", render(&app, 120, 40));
    // The tasks pane: the selected task's parking place.
    focus(&mut app, Pane::Tasks);
    press(&mut app, &[KeyCode::Home]);
    assert_eq!(
        app.followed().as_deref(),
        Some("demo.gene:14:1"),
        "main waits at the sleep"
    );
    let screen = render(&app, 120, 40);
    assert!(
        lines_with(&screen, "main")
            .iter()
            .any(|l| l.contains("suspended at demo.gene:14 (await f5)")),
        "{screen}"
    );
    // A finished task: where it ended; a failed one: where it threw.
    app.goto(5);
    press(&mut app, &[KeyCode::Down]);
    assert_eq!(app.task_sel, 2);
    assert_eq!(app.followed().as_deref(), Some("demo.gene:8:3"));
    let screen = render(&app, 120, 40);
    assert!(screen.contains("failed at demo.gene:8"), "{screen}");
    assert!(screen.contains("ended at demo.gene:4"), "{screen}");
}

#[test]
fn the_variables_pane_and_its_history() {
    let mut app = demo();
    app.goto(3);
    focus(&mut app, Pane::Variables);
    let rows = app.var_rows();
    let names: Vec<&str> = rows
        .iter()
        .map(|r| app.story.vars[r.var].label.as_str())
        .collect();
    assert_eq!(names, ["balance", "deposit", "a", "b"]);
    assert_eq!(
        rows.iter().filter(|r| r.changed).count(),
        1,
        "alice's write of 150 is this poll's"
    );
    insta::assert_snapshot!("variables", render(&app, 120, 40));
    press(&mut app, &[KeyCode::Home, KeyCode::Enter]);
    assert!(matches!(
        app.mode,
        Mode::Details {
            target: Target::Var(0),
            ..
        }
    ));
    insta::assert_snapshot!("variable_history", render(&app, 120, 40));
    // The last row, then Enter: the jump goes to the future (a later poll).
    press(&mut app, &[KeyCode::End, KeyCode::Enter]);
    assert_eq!(app.poll(), 5);
    assert_eq!(
        app.replay.records()[app.selected_event().unwrap()].str("var"),
        Some("balance")
    );
}

#[test]
fn data_breakpoints_stop_on_changes_and_values() {
    let mut app = demo();
    // A value breakpoint: balance == 150.
    press(&mut app, &[KeyCode::Char('b'), KeyCode::Char('7')]);
    typed(&mut app, "balance == 150");
    press(&mut app, &[KeyCode::Enter]);
    assert_eq!(
        app.breaks,
        vec![BreakOn::VarEquals("balance".into(), "150".into())]
    );
    press(&mut app, &[KeyCode::Char(']')]);
    assert_eq!(app.poll(), 3, "alice writes 150 in poll 3");
    press(&mut app, &[KeyCode::Char(']')]);
    assert!(app.message.as_ref().unwrap().error, "no later hit");
    // A change breakpoint ignores a write of the same value: the first
    // change after poll 0 is bob's 130.
    let mut app = demo();
    press(&mut app, &[KeyCode::Char('b'), KeyCode::Char('6')]);
    typed(&mut app, "balance");
    press(&mut app, &[KeyCode::Enter]);
    press(&mut app, &[KeyCode::Char(']')]);
    assert_eq!(app.poll(), 1);
    press(&mut app, &[KeyCode::Char(']')]);
    assert_eq!(app.poll(), 3);
    // Unknown names and missing values are refused, with why.
    for (item, input, says) in [
        ('6', "balnce", "no shared variable balnce"),
        ('7', "balance", "give the value too"),
        ('6', "", "give a variable's name"),
    ] {
        press(&mut app, &[KeyCode::Char('b'), KeyCode::Char(item)]);
        typed(&mut app, input);
        press(&mut app, &[KeyCode::Enter]);
        let m = app.message.clone().unwrap();
        assert!(m.error && m.text.contains(says), "{input}: {}", m.text);
    }
    assert_eq!(app.breaks.len(), 1);
}

#[test]
fn the_change_breakpoint_skips_writes_of_the_same_value() {
    // A program that writes 1, 1, 2: "changes" hits the first and the last.
    let text = "(var x 1)\n(fn ^^async f [] (await (gene/sleep_async 1)) (x = 1) (await (gene/sleep_async 1)) (x = 2))\n(await (f))\n";
    let config = RunConfig::default();
    let (_, trace) =
        gene_sim::run_collected("same.gene", text, &config, &mut std::io::sink()).unwrap();
    let mut app = App::new(
        trace,
        "same.jsonl",
        Ok(Source::from_text("same.gene", text)),
    );
    let x = app.story.find_var("x").unwrap();
    let writes = app.story.vars[x].writes.clone();
    assert_eq!(writes.len(), 3);
    let changes: Vec<bool> = writes
        .iter()
        .map(|&w| app.story.changes(app.replay.records(), w as usize))
        .collect();
    assert_eq!(changes, [true, false, true]);
    press(&mut app, &[KeyCode::Char('b'), KeyCode::Char('6')]);
    typed(&mut app, "x");
    press(&mut app, &[KeyCode::Enter]);
    press(&mut app, &[KeyCode::Char(']')]);
    let third = app.replay.poll_of_record(writes[2] as usize);
    assert_eq!(app.poll(), third, "the write of 1 over 1 is not a change");
}

#[test]
fn causality_from_futures_and_tasks() {
    let mut app = demo();
    app.goto(2);
    // Future 3 (bob's result) woke the callback; future 4 (the sleep)
    // woke bob, whose task.resumed is in its history.
    let woke = |app: &App, f: u64| -> Vec<String> {
        app.story
            .woke(f)
            .iter()
            .map(|&i| app.replay.records()[i as usize].kind.to_string())
            .collect()
    };
    assert_eq!(woke(&app, 3), ["task.spawned"]);
    assert_eq!(woke(&app, 4), ["task.resumed"]);
    focus(&mut app, Pane::Futures);
    press(
        &mut app,
        &[
            KeyCode::Home,
            KeyCode::Down,
            KeyCode::Down,
            KeyCode::Down,
            KeyCode::Enter,
        ],
    );
    let Mode::Details {
        target: Target::Future(4),
        related,
        ..
    } = app.mode.clone()
    else {
        panic!("{:?}", app.mode)
    };
    let resumed = app.story.woke(4)[0] as usize;
    assert!(
        related.contains(&resumed),
        "the history holds the task.resumed"
    );
    let screen = render(&app, 120, 40);
    assert!(
        screen.contains("woke") && screen.contains("deposit (resumed, #27)"),
        "{screen}"
    );
    // Tasks: p jumps to the spawn, w to the await.
    let mut app = demo();
    app.goto(3);
    focus(&mut app, Pane::Tasks);
    press(&mut app, &[KeyCode::Home, KeyCode::Down]);
    assert_eq!(app.task_sel, 2);
    press(&mut app, &[KeyCode::Char('p')]);
    let r = &app.replay.records()[app.selected_event().unwrap()];
    assert_eq!(
        (&*r.kind, r.u64("task"), app.poll()),
        ("task.spawned", Some(2), 0)
    );
    assert_eq!(app.task_sel, 1, "the spawner is selected");
    press(&mut app, &[KeyCode::Char('o')]);
    assert_eq!(app.poll(), 3);
    focus(&mut app, Pane::Tasks);
    app.task_sel = 2;
    press(&mut app, &[KeyCode::Char('w')]);
    let r = &app.replay.records()[app.selected_event().unwrap()];
    assert_eq!((&*r.kind, r.u64("future")), ("task.awaiting", Some(7)));
    assert_eq!(app.future_sel, 7);
    // The main task was spawned by nobody.
    focus(&mut app, Pane::Tasks);
    app.task_sel = 1;
    press(&mut app, &[KeyCode::Char('p')]);
    assert!(app.message.as_ref().unwrap().text.contains("main task"));
    // The jump list is bounded and walks both ways.
    let mut app = demo();
    for k in 0..150 {
        app.jump_to_record(k % 80);
    }
    assert_eq!(app.jumps.back.len(), 100);
    press(&mut app, &[KeyCode::Char('i')]);
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .text
            .contains("no jump forward")
    );
}

#[test]
fn warnings_list_what_went_wrong_with_jumps() {
    let text = std::fs::read_to_string(Path::new(DIR).join("warnings.gene")).unwrap();
    let config = RunConfig::default();
    let (_, trace) =
        gene_sim::run_collected("warnings.gene", &text, &config, &mut std::io::sink()).unwrap();
    let mut app = App::new(
        trace,
        "w.jsonl",
        Ok(Source::from_text("warnings.gene", &text)),
    );
    let kinds: Vec<WarningKind> = app.warnings().iter().map(|w| w.kind).collect();
    assert!(
        kinds.contains(&WarningKind::Unobserved),
        "{:?}",
        app.warnings()
    );
    assert!(
        kinds.contains(&WarningKind::Deadlock),
        "{:?}",
        app.warnings()
    );
    assert!(
        kinds.contains(&WarningKind::NeverFinished),
        "{:?}",
        app.warnings()
    );
    assert!(
        kinds.contains(&WarningKind::RunFailed),
        "{:?}",
        app.warnings()
    );
    let texts: Vec<&str> = app.warnings().iter().map(|w| w.text.as_str()).collect();
    assert!(
        texts
            .iter()
            .any(|t| t
                .starts_with("unobserved failure of lost (warnings.gene:10) at warnings.gene:12")),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.contains(
            "deadlock: wa at warnings.gene:6 waits on wb at warnings.gene:9 waits on wa"
        )),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("main never finished: suspended at warnings.gene:18 on wa")),
        "{texts:?}"
    );
    focus(&mut app, Pane::Warnings);
    insta::assert_snapshot!("warnings", render(&app, 120, 40));
    // Enter jumps to where the warning arose.
    let w = app.warnings()[0].clone();
    press(&mut app, &[KeyCode::Home, KeyCode::Enter]);
    assert_eq!(app.selected_event(), Some(w.record));
    // A clean run has none.
    let app = recorded("fixtures/examples/race.gene", 0);
    assert_eq!(app.warnings(), &[]);
}

#[test]
fn against_marks_the_first_divergent_poll() {
    let mut app = demo();
    let b = fixture_trace("demo_ok.jsonl");
    let against = Against::new("demo_ok.jsonl", b, &app.replay.trace);
    let expected = gene_trace::diff::first_divergent_poll(&app.replay.trace, &against.trace);
    assert_eq!(against.divergence, expected);
    let d = expected.expect("a fault makes them differ");
    app.against = Some(against);
    app.goto(d);
    let screen = render(&app, 120, 40);
    assert!(
        screen.contains(&format!("vs B: diverge at poll {d}")),
        "{screen}"
    );
    assert!(screen.contains("FIRST DIVERGENT POLL"), "{screen}");
    insta::assert_snapshot!("against", screen);
    // The same trace against itself is equal.
    let mut same = demo();
    let t = fixture_trace("demo.jsonl");
    same.against = Some(Against::new("demo.jsonl", t, &same.replay.trace));
    assert_eq!(same.against.as_ref().unwrap().divergence, None);
    assert!(render(&same, 120, 40).contains("vs B: equal"));
}

/// The screen with the popup open.
fn popup_text(app: &App) -> String {
    render(app, 140, 44)
}

/// A TestBackend screen as plain lines, without the quotes and the spaces
/// at the ends.
fn plain(screen: &str) -> String {
    screen
        .lines()
        .map(|l| {
            l.strip_prefix('"')
                .and_then(|l| l.strip_suffix('"'))
                .unwrap_or(l)
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn readme_walkthrough_capture_is_the_screen() {
    // README's steps, as written: record seed 0 from the repository root.
    let dir = std::env::temp_dir().join(format!("gene-readme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trace = dir.join("seed0.jsonl");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_gene-trace"))
        .args(["run", "fixtures/examples/race.gene", "--seed", "0"])
        .args(["--schedule", "random", "--swarm", "--trace"])
        .arg(&trace)
        .current_dir(repo())
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let mut app = gene_trace::replay::load(&trace).expect("the trace opens");
    std::fs::remove_dir_all(&dir).ok();
    press(&mut app, &[KeyCode::Char('b'), KeyCode::Char('6')]);
    typed(&mut app, "balance");
    press(&mut app, &[KeyCode::Enter, KeyCode::Char(']')]);
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let said = app.message.clone().unwrap().text;
    let flat = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(&format!("`{said}`")),
        "README quotes the status line: {said}"
    );
    focus(&mut app, Pane::Variables);
    press(&mut app, &[KeyCode::Home, KeyCode::Enter]);
    let screen = plain(&render(&app, 120, 32));
    let marker = "<!-- The screen below is tested: tui/tests/replay_explains.rs, readme_walkthrough_capture_is_the_screen. -->\n```text\n";
    let start = readme.find(marker).expect("the marked capture") + marker.len();
    let end = start + readme[start..].find("\n```").unwrap();
    if readme[start..end] != screen {
        if std::env::var("UPDATE_README").is_ok() {
            let updated = format!("{}{}{}", &readme[..start], screen, &readme[end..]);
            std::fs::write(repo().join("README.md"), updated).unwrap();
        } else {
            panic!("README's capture is not the screen (UPDATE_README=1 rewrites it):\n{screen}");
        }
    }
}
