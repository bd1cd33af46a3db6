//! The replay's readability (issue 9): what stays on screen at 100 and
//! 80 columns, long values, the kind and task columns, counts that agree,
//! search modes, breakpoint hits, empty polls, the timeline's marks, and
//! the keys that the handler, the footer, the help and docs/replay.md name.
//!
//! Screens come from a `TestBackend` and the committed demo recording
//! (tests/replay_fixtures/demo.jsonl), as in tests/replay.rs.

mod common;

use common::replay::*;

use std::path::Path;

use gene_sim::trace::read::{Trace, read};
use gene_trace::replay::app::{App, Mode, Pane, Target};
use gene_trace::replay::ui;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{screen}"))
}

/// The screen's line holding `needle` (the first one).
fn line_of(screen: &str, needle: &str) -> String {
    line_with(screen, needle).to_string()
}

/// A trace whose run computes between awaits, so that most of its polls
/// are empty (a poll every 7 instructions).
fn sparse_trace() -> Trace {
    let program = "(var x 0)\n(repeat 60 (x = (x + 1)))\n(await (gene/sleep_async 5))\n(repeat 60 (x = (x + 1)))\n(println x)\n";
    let config = gene_sim::RunConfig {
        poll_every: 7,
        ..gene_sim::RunConfig::default()
    };
    let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let mut out = Vec::new();
    gene_sim::run_traced(
        "sparse.gene",
        program,
        &config,
        &mut out,
        Some(Box::new(gene_sim::trace::SharedBuf(buf.clone()))),
    )
    .unwrap();
    let bytes = buf.lock().unwrap().clone();
    read(&bytes[..]).unwrap()
}

// ---- narrow screens ----

#[test]
fn at_100_and_80_columns_the_key_information_stays() {
    let mut app = demo();
    app.goto(4);
    let wide = render(&app, 100, 30);
    insta::assert_snapshot!("cols_100_poll_4", wide);
    press(&mut app, &[KeyCode::Tab, KeyCode::Tab]);
    assert_eq!(app.focus, Pane::Tasks);
    let narrow = render(&app, 80, 24);
    insta::assert_snapshot!("cols_80_tasks", narrow);
    for screen in [&wide, &narrow] {
        let header = screen.lines().next().unwrap();
        for want in ["poll 4 of 0..5", "events 7", "faults 1 errors 1"] {
            assert!(header.contains(want), "{want:?} in {header}");
        }
        // Task 1 waits on future 5: said at both widths.
        let row = line_of(screen, "│1   main");
        assert!(
            row.contains("on f5") || row.contains("suspended at demo.gene:14 (await f5)"),
            "{row}"
        );
        assert!(
            screen.lines().last().unwrap().contains("│ ? help"),
            "the footer points to the help"
        );
    }
    // At 80 the banner is what goes.
    assert!(!narrow.lines().next().unwrap().contains("gene-trace replay"));
    // At 60 too, the poll and the events count stay.
    let tiny = render(&app, 60, 24);
    let header = tiny.lines().next().unwrap();
    assert!(
        header.contains("poll 4 of 0..5") && header.contains("events 7"),
        "{header}"
    );
}

// ---- long values ----

#[test]
fn long_values_wrap_in_details_with_their_length() {
    let mut app = demo();
    app.goto(4);
    app.open(Target::Future(7));
    let screen = render(&app, 60, 24);
    insta::assert_snapshot!("details_future_7_at_60", screen);
    let value = "\"Failed to write file 'balance.txt': injected fault\"";
    // The value, cut by the wrap, is all there: the popup's text after the
    // key column (the popup is 56 wide from column 2; the key column 17),
    // joined over the lines it takes.
    let lines: Vec<Vec<char>> = screen
        .lines()
        .map(|l| l.trim_matches('"').chars().collect())
        .collect();
    let first = lines
        .iter()
        .position(|l| l.iter().collect::<String>().contains(" exception "))
        .expect("the exception line");
    let mut joined = String::new();
    for l in &lines[first..first + 3] {
        joined.extend(&l[3 + 17..3 + 54]);
    }
    assert!(joined.contains(value), "{joined}");
    // The continuation starts under the value, not at the popup's edge.
    assert_eq!(
        lines[first + 1][3..3 + 17].iter().collect::<String>(),
        " ".repeat(17)
    );
    assert!(screen.contains(&format!("({} chars)", value.chars().count())));
    // A short value gets no length.
    assert!(!line_of(&screen, "state").contains("chars)"));
}

#[test]
fn events_scroll_sideways() {
    let mut app = demo();
    app.goto(4);
    let row = |app: &App| line_of(&render(app, 80, 24), "    59 exception.thrown");
    let before = row(&app);
    assert!(before.contains("…"), "a cut row ends in …: {before}");
    assert!(!before.contains("injected fault"));
    press(&mut app, &[KeyCode::Char('>'); 6]);
    assert_eq!(app.hscroll, 48);
    let after = row(&app);
    assert!(after.contains("injected fault"), "{after}");
    // The seq, kind and task columns stay put.
    assert!(after.contains("exception.thrown    deposit#2 …"), "{after}");
    assert!(render(&app, 80, 24).contains("from col 49"));
    press(&mut app, &[KeyCode::Char('<'); 10]);
    assert_eq!(app.hscroll, 0);
    assert_eq!(row(&app), before);
}

// ---- columns ----

#[test]
fn kind_column_fits_the_longest_kind_and_tasks_have_names() {
    let mut app = demo();
    app.goto(0);
    let screen = render(&app, 200, 80);
    let cb = line_of(&screen, "callback.registered");
    let op = line_of(&screen, "    21 op.started");
    // Fields start in one column, after the longest kind and the task.
    assert_eq!(
        cb.find("future=3").unwrap(),
        op.find("op=3").unwrap(),
        "\n{cb}\n{op}"
    );
    assert!(!cb.contains("registeredfuture"));
    // Tasks by name#id: a spawn, and an op.* record derived from its op.
    assert!(line_of(&screen, "    13 task.spawned").contains("deposit#3 task=3"));
    assert!(line_of(&screen, "     9 op.started").contains("deposit#2 op=1"));
    assert!(op.contains("main#1    op=3"), "{op}");
    // scope.* records belong to no task: blank.
    let scope = line_of(&screen, "     2 scope.created");
    assert!(!scope.contains('#'), "{scope}");
}

#[test]
fn filter_by_task() {
    let mut app = demo();
    let all = app.shown_events().len();
    // Select #10 task.awaiting (task 2), then t.
    let seq = |app: &App| app.replay.records()[app.selected_event().unwrap()].seq;
    while seq(&app) != 10 {
        press(&mut app, &[KeyCode::Down]);
    }
    press(&mut app, &[KeyCode::Char('t')]);
    assert_eq!(app.task_filter, Some(2));
    assert_eq!(seq(&app), 10, "the selection stays on its record");
    let shown = app.shown_events();
    let seqs: Vec<u64> = shown.iter().map(|&i| app.replay.records()[i].seq).collect();
    // poll.begin, deposit#2's spawn, read, op start, await; poll.end.
    assert_eq!(seqs, [1, 7, 8, 9, 10, 23]);
    let screen = render(&app, 200, 50);
    assert!(screen.contains("· task deposit#2 only"), "{screen}");
    assert!(screen.contains("events of task deposit#2 only"));
    // Search only finds the task's records.
    press(&mut app, &[KeyCode::Char('/')]);
    typed(&mut app, "task.spawned");
    press(&mut app, &[KeyCode::Enter]);
    assert_eq!(seq(&app), 7);
    press(&mut app, &[KeyCode::Char('n')]);
    assert_eq!(seq(&app), 7, "task 3's spawn is not shown");
    press(&mut app, &[KeyCode::Char('t')]);
    assert_eq!(app.task_filter, None);
    assert_eq!(app.shown_events().len(), all);
    // A record of no task cannot be filtered by.
    press(&mut app, &[KeyCode::Home, KeyCode::Down]);
    assert_eq!(seq(&app), 2, "scope.created");
    press(&mut app, &[KeyCode::Char('t')]);
    assert_eq!(app.task_filter, None);
    assert!(app.message.as_ref().unwrap().error);
}

// ---- counts ----

#[test]
fn counts_agree_and_are_explained() {
    let mut app = demo();
    app.goto(4);
    let screen = render(&app, 140, 44);
    let events = app.poll_event_count(4);
    let rows = app.shown_events().len();
    assert_eq!((events, rows), (7, 9));
    assert!(screen.lines().next().unwrap().contains("poll 4 of 0..5"));
    assert!(
        screen
            .lines()
            .next()
            .unwrap()
            .contains(&format!("events {events}"))
    );
    assert!(screen.contains(&format!("{events} events + {} markers", rows - events)));
    assert!(
        screen.contains("polls 0..5,"),
        "the timeline numbers polls like the header"
    );
    assert!(!screen.contains("6 polls"));
    // Said in the help and in docs/replay.md.
    let notes = ui::HELP_NOTES.join(" ");
    assert!(notes.contains("Polls are numbered from 0"));
    assert!(notes.contains("Event counts leave out each poll's poll.begin / poll.end markers"));
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/replay.md")).unwrap();
    assert!(readme.contains("Polls are numbered from 0"));
    assert!(readme.contains("Event counts leave out"));
    assert!(readme.contains("each poll's `poll.begin` / `poll.end` markers"));
}

// ---- search ----

#[test]
fn search_mode_is_shown_and_not_flipped_silently() {
    let mut app = demo();
    press(&mut app, &[KeyCode::Char('/'), KeyCode::Tab]);
    typed(&mut app, "ok=false.*injected");
    let prompt = render(&app, 120, 36);
    insta::assert_snapshot!("search_prompt_regex", prompt);
    assert!(line_of(&prompt, "search (").contains("search (regex; Tab: text"));
    press(&mut app, &[KeyCode::Enter]);
    let msg = app.message.clone().unwrap();
    assert_eq!(msg.text, "/ok=false.*injected/ (regex): #57 in poll 4");
    // With the message gone (a key), the status line keeps the mode.
    press(&mut app, &[KeyCode::Down]);
    assert!(render(&app, 120, 36).contains("search /ok=false.*injected/ (regex; n/N)"));
    // A new search starts as text, and says so.
    press(&mut app, &[KeyCode::Char('/')]);
    assert!(render(&app, 120, 36).contains("search (text, ignoring case; Tab: regex): /"));
    typed(&mut app, "ok=false.*injected");
    press(&mut app, &[KeyCode::Enter]);
    assert_eq!(
        app.message.clone().unwrap().text,
        "/ok=false.*injected/ (text): no match"
    );
}

// ---- breakpoints ----

#[test]
fn every_breakpoint_hit_in_a_poll_is_reported_and_marked() {
    let mut app = demo();
    // Any future fails: futures 7 (#57) and 1 (#61), both in poll 4.
    press(
        &mut app,
        &[KeyCode::Char('b'), KeyCode::Char('2'), KeyCode::Enter],
    );
    press(&mut app, &[KeyCode::Char(']')]);
    assert_eq!(app.poll(), 4);
    let text = app.message.clone().unwrap().text;
    assert_eq!(
        text,
        "break: 2 hits: any future fails — #57 future.resolved, #61 future.resolved (poll 4)"
    );
    let screen = render(&app, 140, 44);
    insta::assert_snapshot!("break_hits_poll_4", screen);
    for (seq, hit) in [(56, false), (57, true), (59, false), (61, true)] {
        let row = line_of(&screen, &format!("    {seq} "));
        assert_eq!(row.contains('●'), hit, "#{seq}: {row}");
    }
    // The timeline marks the poll: b, then ! for its fault.
    let marks = screen.lines().nth(3).unwrap();
    assert_eq!(
        marks,
        "\"│                b!                                                                                                                        │\""
    );
    // A second breakpoint in the same poll: both are named.
    press(
        &mut app,
        &[KeyCode::Char('g'), KeyCode::Char('b'), KeyCode::Char('4')],
    );
    typed(&mut app, "2");
    press(
        &mut app,
        &[KeyCode::Enter, KeyCode::Char(']'), KeyCode::Char(']')],
    );
    assert_eq!(app.poll(), 4);
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .text
            .starts_with("break: 2 hits: any future fails"),
        "{:?}",
        app.message
    );
    press(&mut app, &[KeyCode::Char('['), KeyCode::Char('[')]);
    assert_eq!(app.poll(), 0, "task 2 suspends in poll 0");
    assert_eq!(
        app.message.clone().unwrap().text,
        "break: 1 hit: task 2 suspends — #10 task.awaiting (poll 0)"
    );
}

// ---- the status line ----

#[test]
fn the_status_line_is_cleared_after_a_jump() {
    let mut app = demo();
    press(&mut app, &[KeyCode::Char('/')]);
    typed(&mut app, "task.resumed");
    press(&mut app, &[KeyCode::Enter]);
    assert!(app.message.as_ref().unwrap().text.contains("in poll 1"));
    // Play moves on: the message about poll 1 goes.
    press(&mut app, &[KeyCode::Char(' ')]);
    app.tick(1000);
    assert_eq!(app.poll(), 5);
    assert_eq!(
        app.message.as_ref().map(|m| m.text.as_str()),
        Some("end of trace")
    );
    press(&mut app, &[KeyCode::Char('n')]);
    assert!(app.message.is_some());
    // A jump to a poll says nothing, and leaves nothing stale.
    app.goto(3);
    assert_eq!(app.message, None);
    assert!(!line_of(&render(&app, 120, 36), "search /").contains("in poll"));
}

// ---- empty polls ----

#[test]
fn empty_polls_can_be_skipped() {
    let trace = sparse_trace();
    let polls = trace.polls.len();
    let mut app = App::new(trace, "sparse.jsonl", Err("none".into()));
    let nonempty = app.derived().nonempty.clone();
    assert!(
        polls > 10 && nonempty.len() < polls / 2,
        "{} of {polls}",
        nonempty.len()
    );
    // Without skipping: every poll.
    press(&mut app, &[KeyCode::Right]);
    assert_eq!(app.poll(), 1);
    press(&mut app, &[KeyCode::Char('g'), KeyCode::Char('e')]);
    assert!(app.skip_empty);
    let said = app.message.clone().unwrap().text;
    assert!(
        said.contains(&format!(
            "{} of {polls} have no events",
            polls - nonempty.len()
        )),
        "{said}"
    );
    // Stepping visits exactly the polls with events.
    let mut seen = vec![app.poll()];
    for _ in 0..polls {
        press(&mut app, &[KeyCode::Right]);
        if Some(&app.poll()) != seen.last() {
            seen.push(app.poll());
        }
    }
    let mut want = nonempty.clone();
    if want.first() != Some(&0) {
        want.insert(0, 0);
    }
    assert_eq!(seen, want);
    // And back.
    press(&mut app, &[KeyCode::Left]);
    assert_eq!(app.poll(), want[want.len() - 2]);
    // Play too.
    press(&mut app, &[KeyCode::Char('g'), KeyCode::Char(' ')]);
    app.tick(100); // 10 polls/s: one step
    assert_eq!(
        app.poll(),
        nonempty.iter().copied().find(|&p| p > 0).unwrap()
    );
    press(&mut app, &[KeyCode::Char(' ')]);
    // The timeline has a column per poll with events, and says so.
    let screen = render(&app, 120, 36);
    insta::assert_snapshot!("timeline_skipping_empty_polls", screen);
    assert!(screen.contains(&format!("{} with events shown (e: all)", nonempty.len())));
    assert!(screen.lines().next().unwrap().contains("skip empty"));
    let bars = screen.lines().nth(2).unwrap();
    assert!(!bars.contains('·'), "no empty poll in the timeline: {bars}");
    press(&mut app, &[KeyCode::Char('e')]);
    assert!(render(&app, 120, 36).lines().nth(2).unwrap().contains('·'));
}

// ---- the timeline's marks ----

#[test]
fn the_timeline_marks_search_hits_breakpoints_and_faults() {
    let mut app = demo();
    let marks = |app: &App| render(app, 140, 44).lines().nth(3).unwrap().to_string();
    // Poll k's column starts at 1 + 4k (4 columns a poll).
    let at = |line: &str, p: usize| line.chars().nth(2 + 4 * p).unwrap();
    let m = marks(&app);
    assert_eq!(at(&m, 4), '!', "{m}");
    assert_eq!((0..6).filter(|&p| at(&m, p) != ' ').count(), 1);
    press(&mut app, &[KeyCode::Char('/')]);
    typed(&mut app, "task.resumed");
    press(&mut app, &[KeyCode::Enter]);
    let m = marks(&app);
    // task.resumed is in polls 1, 2, 4 and 5.
    let searched: Vec<usize> = (0..6)
        .filter(|&p| m.chars().skip(2 + 4 * p).take(4).any(|c| c == '*'))
        .collect();
    assert_eq!(searched, app.marks.search);
    assert!(
        searched.contains(&1) && !searched.contains(&0),
        "{searched:?}"
    );
    press(&mut app, &[KeyCode::Char('b'), KeyCode::Char('5')]);
    typed(&mut app, "20ms");
    press(&mut app, &[KeyCode::Enter]);
    assert_eq!(at(&marks(&app), 3), 'b');
    press(&mut app, &[KeyCode::Char('b'), KeyCode::Char('d')]);
    assert_ne!(at(&marks(&app), 3), 'b', "cleared with the breakpoints");
}

// ---- popups ----

#[test]
fn help_and_filter_popups_fit_or_wrap_with_an_indent() {
    let mut app = demo();
    press(&mut app, &[KeyCode::Char('?')]);
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!("help_at_80", screen);
    assert!(
        screen.contains("↑↓ scroll"),
        "a help taller than the screen scrolls"
    );
    // Continuation lines start under the description column.
    for l in ui::help_lines(76) {
        assert!(l.width() <= 76, "{l}");
    }
    let lines = ui::help_lines(60);
    let cont = lines
        .iter()
        .map(|l| l.to_string())
        .find(|l| l.starts_with(&" ".repeat(18)) && !l.trim().is_empty())
        .expect("a wrapped description");
    assert!(!cont[18..].starts_with(' '), "{cont:?}");
    press(&mut app, &[KeyCode::Down; 40]);
    let end = render(&app, 80, 24);
    assert!(
        end.contains("end of the current poll"),
        "scrolled to the end"
    );
    press(&mut app, &[KeyCode::Char('x')]);
    assert_eq!(app.mode, Mode::Normal);
    // The filter's title fits its popup at 80 columns.
    press(&mut app, &[KeyCode::Char('f')]);
    let screen = render(&app, 80, 24);
    assert!(screen.contains(ui::FILTER_TITLE), "{screen}");
}

// ---- keys: the handler, the footer, the help and docs/replay.md agree ----

/// The keys named in a help or docs key cell: names separated by spaces
/// or commas.
fn key_names(cell: &str) -> Vec<String> {
    cell.split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn code_of(name: &str) -> Option<KeyCode> {
    Some(match name {
        "→" => KeyCode::Right,
        "←" => KeyCode::Left,
        "↑" => KeyCode::Up,
        "↓" => KeyCode::Down,
        "PgDn" => KeyCode::PageDown,
        "PgUp" => KeyCode::PageUp,
        "Home" => KeyCode::Home,
        "End" => KeyCode::End,
        "Tab" => KeyCode::Tab,
        "shift-Tab" => KeyCode::BackTab,
        "Enter" => KeyCode::Enter,
        "Esc" => KeyCode::Esc,
        "space" => KeyCode::Char(' '),
        "Ctrl-C" => return None,
        s if s.chars().count() == 1 => KeyCode::Char(s.chars().next()?),
        _ => panic!("unknown key name {name:?}"),
    })
}

/// What a key can change, as text.
fn fingerprint(app: &App) -> String {
    format!(
        "{} {:?} {:?} {:?} {} {} {} {} {} {} {:?} {} {} {} {:?} {} {} {}",
        app.poll(),
        app.mode,
        app.focus,
        app.message,
        app.quit,
        app.live_only,
        app.speed,
        app.playing,
        app.event_sel,
        app.hscroll,
        app.task_filter,
        app.skip_empty,
        app.hidden.len(),
        app.breaks.len(),
        app.search.as_ref().map(|s| s.text.clone()),
        app.output_scroll,
        app.source_scroll,
        app.future_sel,
    ) + &format!(
        " {} {} {} {:?}",
        app.task_sel, app.var_sel, app.warn_sel, app.jumps
    )
}

/// An app where every key has something to do.
fn busy_app() -> App {
    let mut app = demo();
    app.goto(2);
    app.event_sel = 1;
    app.hscroll = 8;
    app.playing = true;
    app
}

fn handled_keys() -> Vec<KeyCode> {
    let mut candidates: Vec<KeyCode> = (' '..='~').map(KeyCode::Char).collect();
    candidates.extend([
        KeyCode::Right,
        KeyCode::Left,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::PageDown,
        KeyCode::PageUp,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Backspace,
        KeyCode::Delete,
        KeyCode::Insert,
        KeyCode::F(1),
    ]);
    // A key counts when it does something in some pane.
    candidates
        .into_iter()
        .filter(|&k| {
            gene_trace::replay::app::PANES.iter().any(|&pane| {
                let mut app = busy_app();
                app.focus = pane;
                // A message set beforehand shows a key that clears it too.
                let before = fingerprint(&app);
                app.on_key(key(k));
                fingerprint(&app) != before
            })
        })
        .collect()
}

#[test]
fn help_footer_and_readme_agree_with_the_key_handler() {
    let help: Vec<String> = ui::HELP.iter().flat_map(|(k, _)| key_names(k)).collect();
    let mut help_codes: Vec<KeyCode> = help.iter().filter_map(|n| code_of(n)).collect();
    help_codes.sort_by_key(|k| format!("{k:?}"));
    help_codes.dedup();
    let mut handled = handled_keys();
    handled.sort_by_key(|k| format!("{k:?}"));
    assert_eq!(
        handled, help_codes,
        "the keys the handler acts on and the keys the help lists"
    );
    // Ctrl-C, named in the help, quits.
    assert!(help.iter().any(|n| n == "Ctrl-C"));
    let mut app = demo();
    app.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(app.quit);

    // Every key the footer names is in the help.
    let footer_names = |text: &str| -> Vec<String> {
        text.split("  ")
            .filter_map(|item| item.split_whitespace().next())
            .flat_map(|keys| {
                if keys == "/" {
                    return vec!["/".to_string()];
                }
                keys.split('/')
                    .flat_map(|k| {
                        if k.chars().all(|c| "←→↑↓".contains(c)) {
                            k.chars().map(String::from).collect()
                        } else {
                            vec![k.to_string()]
                        }
                    })
                    .collect()
            })
            .collect()
    };
    let mut footer = footer_names(ui::GLOBAL_KEYS);
    for pane in gene_trace::replay::app::PANES {
        footer.extend(footer_names(ui::pane_keys(pane)));
    }
    for name in footer {
        assert!(
            help.contains(&name),
            "the footer names {name:?}, the help does not"
        );
    }

    // docs/replay.md's key table lists the help's keys, row for row.
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/replay.md")).unwrap();
    let start = readme
        .find("| replay key | what it does |")
        .expect("docs/replay.md's key table");
    let readme_keys: Vec<String> = readme[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.split('|')
                .nth(1)
                .unwrap()
                .trim()
                .trim_matches('`')
                .to_string()
        })
        .collect();
    let help_keys: Vec<String> = ui::HELP.iter().map(|(k, _)| k.to_string()).collect();
    assert_eq!(readme_keys, help_keys);
}

#[test]
fn the_new_keys_on_an_empty_or_cut_trace_do_not_panic() {
    let empty = read(&br#"{"format":"gene-trace","version":3,"seed":3}"#[..]).unwrap();
    let text = std::fs::read_to_string(Path::new(DIR).join("demo.jsonl")).unwrap();
    let cut: usize = text.lines().take(30).map(|l| l.len() + 1).sum::<usize>() + 7;
    let cut = read(&text.as_bytes()[..cut]).unwrap();
    for trace in [empty, cut] {
        let mut app = App::new(trace, "x.jsonl", Err("none".into()));
        press(
            &mut app,
            &[
                KeyCode::Char('e'),
                KeyCode::Right,
                KeyCode::Left,
                KeyCode::Char('t'),
                KeyCode::Char('>'),
                KeyCode::Char('<'),
                KeyCode::Char('b'),
                KeyCode::Char('1'),
                KeyCode::Enter,
                KeyCode::Char(']'),
                KeyCode::Char('?'),
                KeyCode::PageDown,
                KeyCode::Esc,
                KeyCode::Char(' '),
            ],
        );
        app.tick(1000);
        for (w, h) in [(20, 6), (80, 24), (140, 44)] {
            render(&app, w, h);
        }
    }
}
