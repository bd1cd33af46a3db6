//! The replay shows true state: for every fixture's trace, the state the
//! replay rebuilds at the last poll agrees with what the run itself reports
//! in `run.end` (counts of futures and tasks, the unobserved failures, the
//! tasks left unfinished). Also the two late-observation cases that once
//! disagreed, as small programs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use gene_sim::RunConfig;
use gene_sim::trace::read::{Record, Trace};
use gene_trace::replay::index::Replay;
use gene_trace::replay::state::{FutureStatus, State};

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// The world directives of a fixture, as tests/fixtures.rs applies them.
fn config_of(text: &str, root: &Path) -> RunConfig {
    let mut config = RunConfig {
        root: root.to_path_buf(),
        ..RunConfig::default()
    };
    gene_sim::fixture::directives(text, &mut config).expect("well-formed directives");
    config
}

fn run(name: &str, text: &str, config: &RunConfig) -> Option<Trace> {
    gene_sim::run_collected(name, text, config, &mut std::io::sink())
        .ok()
        .map(|(_, trace)| trace)
}

fn last_state(trace: Trace) -> (State, Record) {
    let end = trace
        .records
        .last()
        .filter(|r| &*r.kind == "run.end")
        .cloned()
        .expect("the trace ends with run.end");
    let mut replay = Replay::new(trace);
    replay.seek(usize::MAX);
    (replay.state().clone(), end)
}

/// Every way the replay's final state can disagree with `run.end`.
fn disagreements(state: &State, end: &Record) -> Vec<String> {
    let mut out = Vec::new();
    let n = |k: &str| end.u64(k).unwrap_or(u64::MAX);
    if state.futures.len() as u64 != n("futures") {
        out.push(format!(
            "the replay knows {} futures, run.end counts {}",
            state.futures.len(),
            n("futures")
        ));
    }
    if state.tasks.len() as u64 != n("tasks") {
        out.push(format!(
            "the replay knows {} tasks, run.end counts {}",
            state.tasks.len(),
            n("tasks")
        ));
    }
    let unfinished = state.tasks.iter().filter(|t| !t.status.is_done()).count() as u64;
    if unfinished != n("abandoned_tasks") {
        out.push(format!(
            "the replay shows {unfinished} unfinished tasks, run.end counts {} abandoned",
            n("abandoned_tasks")
        ));
    }
    let reported: BTreeSet<u64> = end
        .str("unobserved")
        .unwrap_or("")
        .split(',')
        .filter_map(|s| s.parse().ok())
        .collect();
    let shown: BTreeSet<u64> = state
        .futures
        .iter()
        .filter(|f| f.unobserved_now())
        .map(|f| f.id as u64)
        .collect();
    if shown != reported {
        out.push(format!(
            "the replay shows unobserved failures {shown:?}, run.end lists {reported:?}"
        ));
    }
    for &id in &reported {
        match state.future(id) {
            Some(f) if f.status == FutureStatus::Failed && !f.observed => {}
            Some(f) => out.push(format!(
                "future {id} is listed unobserved, the replay shows it {:?} (observed {})",
                f.status, f.observed
            )),
            None => out.push(format!(
                "future {id} is listed unobserved, the replay lacks it"
            )),
        }
    }
    if state.skipped != 0 {
        out.push(format!("the replay skipped {} records", state.skipped));
    }
    out
}

#[test]
fn replay_final_state_agrees_with_run_end_for_every_fixture() {
    let root = fixtures_root();
    let files = gene_sim::fixture::gene_files(&root);
    assert!(files.len() > 50, "the fixtures are found");
    let mut failures = Vec::new();
    let mut checked = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        // Programs that do not compile have no trace to replay.
        let Some(trace) = run(&name, &text, &config_of(&text, &root)) else {
            continue;
        };
        checked += 1;
        let (state, end) = last_state(trace);
        for d in disagreements(&state, &end) {
            failures.push(format!("{name}: {d}"));
        }
    }
    assert!(checked > 50, "only {checked} fixtures ran");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn program_state(text: &str) -> (State, Record) {
    let config = RunConfig {
        root: std::env::temp_dir(),
        ..RunConfig::default()
    };
    last_state(run("p.gene", text, &config).expect("it compiles"))
}

#[test]
fn replay_failure_awaited_after_it_failed_is_observed() {
    // The future fails with nothing to react; the await comes later.
    let text = "(var f (async (throw \"late\")))\n(gene/sleep 10)\n(try (await f) catch * (println \"caught\"))\n";
    let (state, end) = program_state(text);
    assert_eq!(disagreements(&state, &end), Vec::<String>::new());
    let f = state
        .futures
        .iter()
        .find(|f| f.status == FutureStatus::Failed)
        .expect("a failed future");
    assert!(f.unobserved, "it failed with nothing to react");
    assert!(f.observed && !f.unobserved_now(), "then the await read it");
}

#[test]
fn replay_failure_in_a_callback_shows_a_failed_future() {
    let text =
        "(var f (gene/sleep_async 10))\n(f .on_success (-> (throw \"in callback\")))\n(await f)\n";
    let (state, end) = program_state(text);
    assert_eq!(disagreements(&state, &end), Vec::<String>::new());
    assert!(
        state
            .futures
            .iter()
            .any(|f| f.status == FutureStatus::Failed && f.unobserved_now()),
        "the callback's failure is a failed, unobserved future"
    );
}

#[test]
fn replay_popup_says_observed_for_a_failure_awaited_late() {
    use gene_trace::replay::app::{App, Source, Target};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let text = "(var f (async (throw \"late\")))\n(gene/sleep 10)\n(try (await f) catch * (println \"caught\"))\n";
    let config = RunConfig {
        root: std::env::temp_dir(),
        ..RunConfig::default()
    };
    let trace = run("p.gene", text, &config).expect("it compiles");
    let failed = trace
        .records
        .iter()
        .find(|r| &*r.kind == "future.unobserved")
        .and_then(|r| r.u64("future"))
        .expect("the failure had nothing to react") as u32;
    let mut app = App::new(trace, "p.jsonl", Ok(Source::from_text("p.gene", text)));
    app.goto(usize::MAX);
    app.open(Target::Future(failed));
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    t.draw(|f| gene_trace::replay::ui::draw(f, &app)).unwrap();
    let screen = t.backend().to_string();
    let line = screen
        .lines()
        .find(|l| l.contains("│ observed "))
        .expect("the popup's observed line");
    assert!(line.contains("yes"), "{line}");
    assert!(!line.contains("NO"), "{line}");
}
