//! `export --format chrome` over every fixture: every flow arrow attaches
//! to one slice at each end, and the error instants mark only what went
//! wrong (an `uncaught:` only for an exception nothing caught, an
//! unobserved failure only if it stays unobserved).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gene_sim::RunConfig;
use gene_sim::trace::read::Trace;
use gene_trace::export::{Clock, write_chrome};
use serde_json::Value;

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn run(name: &str, text: &str, config: &RunConfig) -> Option<Trace> {
    gene_sim::run_collected(name, text, config, &mut std::io::sink())
        .ok()
        .map(|(_, trace)| trace)
}

fn export(trace: &Trace, clock: Clock) -> Vec<Value> {
    let mut out = Vec::new();
    write_chrome(trace, clock, &mut out).expect("written to memory");
    let v: Value = serde_json::from_slice(&out).expect("valid JSON");
    v["traceEvents"].as_array().expect("traceEvents").clone()
}

/// A timestamp (microseconds) in integer nanoseconds, as Perfetto reads it.
fn ns(v: &Value) -> i64 {
    (v.as_f64().expect("a number") * 1000.0).round() as i64
}

/// The flow ends (`s` and `f` events) that do not attach to exactly one
/// slice, by the Trace Event Format's rules as Perfetto applies them: a
/// flow end binds to the slice of its thread that encloses its timestamp
/// (`bp: "e"` for the `f` ends). Thread-scoped instants are zero-width
/// slices on that thread. A flow end is ambiguous when no slice, or more
/// than one (an instant included), encloses it, or when it lies on an edge
/// of its slice: there the binding depends on how equal timestamps sort.
/// Returns the number of flow ends and a description of each ambiguous one.
fn ambiguous_flow_ends(events: &[Value]) -> (usize, Vec<String>) {
    // Per thread: the slices' starts and ends, each sorted.
    let mut slices: BTreeMap<u64, (Vec<i64>, Vec<i64>)> = BTreeMap::new();
    for e in events {
        let tid = e["tid"].as_u64().unwrap_or(u64::MAX);
        let (start, end) = match e["ph"].as_str() {
            Some("X") => (ns(&e["ts"]), ns(&e["ts"]) + ns(&e["dur"])),
            Some("i") if e["s"] == "t" => (ns(&e["ts"]), ns(&e["ts"])),
            _ => continue,
        };
        let s = slices.entry(tid).or_default();
        s.0.push(start);
        s.1.push(end);
    }
    for (starts, ends) in slices.values_mut() {
        starts.sort_unstable();
        ends.sort_unstable();
    }
    let mut ends = 0;
    let mut ambiguous = Vec::new();
    for e in events {
        if !matches!(e["ph"].as_str(), Some("s" | "f")) {
            continue;
        }
        ends += 1;
        let tid = e["tid"].as_u64().unwrap_or(u64::MAX);
        let at = ns(&e["ts"]);
        let (enclosing, on_edge) = slices.get(&tid).map_or((0, false), |(s, e)| {
            // Every slice ends at or after its start: those that started by
            // `at`, less those that ended before it, enclose it.
            let n = s.partition_point(|&x| x <= at) - e.partition_point(|&x| x < at);
            (
                n,
                s.binary_search(&at).is_ok() || e.binary_search(&at).is_ok(),
            )
        });
        if enclosing != 1 || on_edge {
            ambiguous.push(format!(
                "{} {} of {} at {at} ns on thread {tid}: {enclosing} slices enclose it{}",
                e["ph"],
                e["id"],
                e["name"],
                if on_edge { ", on an edge" } else { "" }
            ));
        }
    }
    (ends, ambiguous)
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

#[test]
fn every_flow_end_attaches_to_one_slice_in_every_fixture() {
    let root = fixtures_root();
    let files = gene_sim::fixture::gene_files(&root);
    assert!(files.len() > 50, "the fixtures are found");
    let mut failures = Vec::new();
    let mut ends = BTreeMap::new();
    let mut ambiguous = BTreeMap::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        let Some(trace) = run(&name, &text, &config_of(&text, &root)) else {
            continue;
        };
        for clock in [Clock::Virtual, Clock::Seq] {
            let (n, bad) = ambiguous_flow_ends(&export(&trace, clock));
            *ends.entry(format!("{clock:?}")).or_insert(0) += n;
            *ambiguous.entry(format!("{clock:?}")).or_insert(0) += bad.len();
            if !bad.is_empty() {
                failures.push(format!(
                    "{name} ({clock:?}): {} of {n} flow ends ambiguous, first: {}",
                    bad.len(),
                    bad[0]
                ));
            }
        }
    }
    // The fixtures have many arrows: the check is not vacuous.
    assert!(ends.values().all(|&n| n > 10_000), "{ends:?}");
    assert!(
        failures.is_empty(),
        "ambiguous flow ends {ambiguous:?} of {ends:?}:\n{}",
        failures.join("\n")
    );
}

/// The check itself: on slices of zero width at one timestamp (what the
/// export wrote before it spread the records of an instant apart), it
/// finds the ends ambiguous; inside a slice with a width, it does not.
#[test]
fn the_ambiguity_check_finds_flow_ends_on_zero_width_slices() {
    let events: Vec<Value> = serde_json::from_str(
        r#"[
        {"name":"task 2","ph":"X","ts":10,"dur":0,"pid":1,"tid":2},
        {"name":"task 2","ph":"X","ts":10,"dur":0,"pid":1,"tid":2},
        {"name":"poll 1","ph":"X","ts":10,"dur":0,"pid":1,"tid":0},
        {"name":"w","ph":"s","id":1,"ts":10,"pid":1,"tid":0},
        {"name":"w","ph":"f","bp":"e","id":1,"ts":10,"pid":1,"tid":2},
        {"name":"task 3","ph":"X","ts":20,"dur":0.004,"pid":1,"tid":3},
        {"name":"uncaught: x","ph":"i","s":"t","ts":20.002,"pid":1,"tid":3},
        {"name":"v","ph":"s","id":2,"ts":20.001,"pid":1,"tid":3},
        {"name":"v","ph":"f","bp":"e","id":2,"ts":20.002,"pid":1,"tid":3},
        {"name":"u","ph":"s","id":3,"ts":20.004,"pid":1,"tid":3},
        {"name":"u","ph":"f","bp":"e","id":3,"ts":30,"pid":1,"tid":4}
    ]"#,
    )
    .unwrap();
    let (n, bad) = ambiguous_flow_ends(&events);
    assert_eq!(n, 6);
    // Flow 1: on a zero-width poll, and on two runs at once. Flow 2's end
    // shares its timestamp with an instant. Flow 3 starts on the edge of a
    // slice and ends on a thread with no slice. Only flow 2's start holds.
    assert_eq!(bad.len(), 5, "{bad:#?}");
    assert!(bad.iter().all(|b| !b.contains("\"s\" 2 ")), "{bad:#?}");
}

fn program_trace(text: &str) -> Trace {
    let config = RunConfig {
        root: std::env::temp_dir(),
        ..RunConfig::default()
    };
    run("p.gene", text, &config).expect("it compiles")
}

/// The error instants of a program's export: (name, thread, args).
fn errors(text: &str) -> Vec<(String, u64, Value)> {
    export(&program_trace(text), Clock::Virtual)
        .into_iter()
        .filter(|e| e["cat"] == "error")
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["tid"].as_u64().unwrap(),
                e["args"].clone(),
            )
        })
        .collect()
}

#[test]
fn an_exception_the_awaiting_task_catches_is_not_uncaught() {
    // Thrown in task 2 (no handler there), it fails task 2's future; main
    // awaits it and catches it.
    let caught = errors(
        "(var f (async (do (await (gene/sleep_async 1)) (throw \"boom\"))))\n\
         (try (await f) catch * (println \"caught\" $ex))\n",
    );
    assert_eq!(caught, vec![], "nothing went uncaught");
    // Caught two awaits away: task 3 fails, task 2 rethrows it, main
    // catches it.
    let deep = errors(
        "(var outer (async (await (async (do (await (gene/sleep_async 1)) (throw \"deep\"))))))\n\
         (try (await outer) catch * (println \"caught\" $ex))\n",
    );
    assert_eq!(deep, vec![]);
}

#[test]
fn an_exception_nothing_catches_is_uncaught_once_where_it_was_thrown() {
    // Task 3 throws, task 2 awaits and rethrows, main awaits and does not
    // catch: the run fails with it. One instant, on task 3's thread.
    let e = errors(
        "(var outer (async (await (async (do (await (gene/sleep_async 1)) (throw \"deep\"))))))\n\
         (await outer)\n",
    );
    assert_eq!(e.len(), 1, "{e:#?}");
    let (name, tid, args) = &e[0];
    assert_eq!(name, "uncaught: \"deep\"");
    assert_eq!(*tid, 3);
    assert_eq!(args["ended"], "the run failed with it");
    assert_eq!(
        args["through"],
        "async@p.gene:1 (task 3) → async@p.gene:1 (task 2) → main (task 1)"
    );
    assert_eq!(args["at"], "p.gene:1:66", "at its throw");
    // Thrown in the main task itself.
    let e = errors("(println 1)\n(throw \"top\")\n");
    assert_eq!(e.len(), 1, "{e:#?}");
    assert_eq!((e[0].0.as_str(), e[0].1), ("uncaught: \"top\"", 1));
}

#[test]
fn a_failure_nobody_observes_is_uncaught_and_unobserved() {
    let e = errors("(var f (async (throw \"lost\")))\n(gene/sleep 10)\n");
    let names: Vec<&str> = e.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "uncaught: \"lost\"",
            "unobserved failure of async@p.gene:1 at p.gene:1 (future 1)"
        ],
        "{e:#?}"
    );
    assert_eq!(e[0].1, 2, "on the thread of the task that threw");
    assert_eq!(
        e[0].2["ended"],
        "unobserved failure of async@p.gene:1 at p.gene:1 (future 1)"
    );
}

#[test]
fn a_failure_observed_late_is_neither_uncaught_nor_unobserved() {
    // It fails with nothing to react (the trace records future.unobserved),
    // then an await reads it and catches it.
    let e = errors(
        "(var f (async (throw \"late\")))\n(gene/sleep 10)\n(try (await f) catch * (println \"caught\"))\n",
    );
    assert_eq!(e, vec![]);
}

#[test]
fn a_callback_that_throws_is_uncaught_and_failed() {
    let e = errors(
        "(var f (gene/sleep_async 10))\n(f .on_success (-> (throw \"in callback\")))\n(await f)\n",
    );
    let names: Vec<&str> = e.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "uncaught: \"in callback\"",
            "callback.failed value=\"in callback\"",
            "unobserved failure of future @p.gene:2 (future 2)"
        ],
        "{e:#?}"
    );
}

/// The events of one category: (name, thread, args).
fn category(events: &[Value], cat: &str) -> Vec<(String, u64, Value)> {
    events
        .iter()
        .filter(|e| e["cat"] == cat)
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["tid"].as_u64().unwrap(),
                e["args"].clone(),
            )
        })
        .collect()
}

#[test]
fn tracks_and_slices_carry_task_names_and_locations_and_writes_are_instants() {
    let events = export(
        &program_trace(
            "(var total 0)\n\
             (fn ^^async add [n]\n\
             \x20 (await (gene/sleep_async 5))\n\
             \x20 (total = (total + n)))\n\
             (await (add 2))\n\
             (println total)\n",
        ),
        Clock::Virtual,
    );
    let tracks: BTreeMap<u64, String> = events
        .iter()
        .filter(|e| e["name"] == "thread_name")
        .map(|e| {
            (
                e["tid"].as_u64().unwrap(),
                e["args"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(tracks[&1], "main (task 1)");
    assert_eq!(tracks[&2], "add (task 2)");
    // add's runs: from its spawn to its await, then from its wake-up to its end.
    let runs: Vec<(String, Value)> = category(&events, "task")
        .into_iter()
        .filter(|(_, tid, _)| *tid == 2)
        .map(|(n, _, a)| (n, a))
        .collect();
    assert_eq!(runs.len(), 2, "{runs:#?}");
    assert!(
        runs.iter().all(|(n, a)| n == "add" && a["task"] == 2),
        "{runs:#?}"
    );
    assert_eq!(runs[0].1["from_at"], "p.gene:5:8", "spawned at the call");
    assert_eq!(runs[0].1["at"], "p.gene:3:3", "stopped at its await");
    assert_eq!(
        runs[1].1["at"], "p.gene:4:3",
        "ended at its last expression"
    );
    // The writes: the namespace member's definition by main, add's update.
    let writes = category(&events, "var");
    let shown: Vec<(&str, u64)> = writes.iter().map(|(n, t, _)| (n.as_str(), *t)).collect();
    assert!(shown.contains(&("total = 2", 2)), "{writes:#?}");
    let (_, _, args) = writes.iter().find(|(n, _, _)| n == "total = 2").unwrap();
    assert_eq!(args["var"], "total");
    assert_eq!(args["value"], "2");
    assert_eq!(args["at"], "p.gene:4:3");
    // Flows name what they join.
    let wakes = category(&events, "wake");
    assert!(
        wakes
            .iter()
            .any(|(n, _, _)| n == "sleep 5ms @p.gene:3 (future 2) wakes add (task 2)"),
        "{wakes:#?}"
    );
}
