//! The simulated and the real world print the same for programs whose
//! output does not depend on timing. Real sleeps here stay short: the whole
//! file sleeps for well under a second.

use gene_sim::RunConfig;
use gene_sim::faults::{FaultConfig, FaultPlan};

fn output(program: &str, real: bool) -> String {
    output_with(program, real, FaultPlan::none())
}

fn output_with(program: &str, real: bool, faults: FaultPlan) -> String {
    output_in(program, real, faults, ".")
}

/// The output with the working directory `cwd` (relative to the
/// repository, the root).
fn output_in(program: &str, real: bool, faults: FaultPlan, cwd: &str) -> String {
    let config = RunConfig {
        root: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        cwd: cwd.into(),
        real,
        faults,
        ..RunConfig::default()
    };
    let mut out = Vec::new();
    let report = gene_sim::run("parity.gene", program, &config, &mut out).expect("loads");
    let mut text = String::from_utf8(out).expect("utf-8");
    if let Err(u) = report.result {
        text.push_str(&u.message());
    }
    text
}

fn same_in_both_worlds(program: &str) {
    let sim = output(program, false);
    let real = output(program, true);
    assert_eq!(sim, real, "program:\n{program}");
    assert!(!sim.is_empty());
}

#[test]
fn timers_with_distinct_deadlines_fire_in_deadline_order() {
    same_in_both_worlds(
        r#"
(var a (gene/sleep_async 60))
(var b (gene/sleep_async 20))
(var c (gene/sleep_async 40))
(a .on_success (-> (println "a")))
(b .on_success (-> (println "b")))
(c .on_success (-> (println "c")))
(await a b c)
(println "all" a/.state)
"#,
    );
}

#[test]
fn tasks_interleave_at_awaits() {
    same_in_both_worlds(
        r#"
(fn ^^async worker [name ms]
  (println name "starts")
  (await (gene/sleep_async ms))
  (println name "ends")
  ms)
(var x (worker "x" 50))
(var y (worker "y" 10))
(println "sum" ((await x) + (await y)))
(gene/sleep 5)
(println "after a blocking sleep")
"#,
    );
}

#[test]
fn files_and_failures_read_the_same() {
    same_in_both_worlds(
        r#"
(var text (await (gene/io/read_async "fixtures/examples/tour.gene")))
(println "first line:" ((text .length) > 10))
(try
  (await (gene/io/read_async "fixtures/no/such/file.txt"))
catch *
  (println $ex))
(try (gene/io/read "fixtures/missing.txt") catch * (println "sync:" $ex))
"#,
    );
}

#[test]
fn uncaught_failures_end_both_runs_alike() {
    same_in_both_worlds(
        r#"
(var f (async (do (await (gene/sleep_async 5)) (throw "late"))))
(println "waiting")
(await f)
"#,
    );
}

#[test]
fn a_blocking_sleep_costs_its_own_duration_while_a_timer_is_pending() {
    // 50 ms of blocking sleep with a 200 ms timer pending: the clock reads
    // about 50 ms afterwards, not 200 ms, in both worlds.
    let program = r#"
(var f (gene/sleep_async 200))
(gene/sleep 50)
(println "before the timer:" ((gene/time/now) < 0.15))
(await f)
(println "after the timer:" ((gene/time/now) >= 0.2))
"#;
    same_in_both_worlds(program);
    assert_eq!(
        output(program, true),
        "before the timer: true\nafter the timer: true\n"
    );
}

#[test]
fn fault_plans_apply_in_the_real_world_too() {
    // The 2nd I/O operation fails, paths under fixtures/async/data fail,
    // and reads of tour.gene come back short: the same in both worlds.
    let plan = FaultConfig::new()
        .with_fail_nth(2)
        .with_fail_path("fixtures/async/data/*.txt")
        .with_short_read_path("fixtures/examples/tour.gene");
    let program = r#"
(fn attempt [path]
  (try (println "read" ((gene/io/read path) .length)) catch * (println $ex)))
(attempt "fixtures/async/data/ten.txt")
(attempt "fixtures/examples/tour.gene")
(attempt "fixtures/examples/tour.gene")
(try (gene/io/write "no/such/dir/x" "x") catch * (println $ex))
"#;
    let faults = || FaultPlan::new(plan.clone()).expect("a valid plan");
    let sim = output_with(program, false, faults());
    let real = output_with(program, true, faults());
    assert_eq!(sim, real);
    let full = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/examples/tour.gene"
    ))
    .expect("tour.gene");
    let lines: Vec<&str> = real.lines().collect();
    assert_eq!(
        lines[0],
        "Failed to read file 'fixtures/async/data/ten.txt': injected fault"
    );
    assert_eq!(
        lines[1],
        "Failed to read file 'fixtures/examples/tour.gene': injected fault"
    );
    let short: usize = lines[2]
        .strip_prefix("read ")
        .and_then(|n| n.parse().ok())
        .expect("a length");
    assert!(short < full.len(), "{short} of {}", full.len());
    assert_eq!(
        lines[3],
        "Failed to write file 'no/such/dir/x': cannot open: no/such/dir/x"
    );
}

#[test]
fn relative_paths_resolve_against_the_working_directory_in_both_worlds() {
    // Upstream's testsuite reads `../tests/fixtures/...` from its folder.
    let program = r#"
(var text (await (gene/io/read_async "../fixtures/examples/tour.gene")))
(println "tour:" ((text .length) > 10))
(println "here:" (((gene/io/read "parity.rs") .length) > 10))
(try (gene/io/read "fixtures/examples/tour.gene") catch * (println $ex))
"#;
    let sim = output_in(program, false, FaultPlan::none(), "tests");
    let real = output_in(program, true, FaultPlan::none(), "tests");
    assert_eq!(sim, real);
    assert_eq!(
        sim,
        "tour: true\nhere: true\nFailed to read file 'fixtures/examples/tour.gene': cannot open: fixtures/examples/tour.gene\n"
    );
}

#[test]
fn a_file_written_outside_the_root_reads_back_in_both_worlds() {
    // The real world writes it for real (and it is removed here); the
    // simulation keeps it in memory.
    let path = std::env::temp_dir().join(format!("gene-parity-{}.txt", std::process::id()));
    let program = format!(
        r#"
(var out "{}")
(await (gene/io/write_async out "first"))
(gene/io/write out "second")
(println "read back:" (await (gene/io/read_async out)))
"#,
        path.display()
    );
    let sim = output(&program, false);
    assert!(!path.exists(), "the simulation wrote to the disk");
    let real = output(&program, true);
    let _ = std::fs::remove_file(&path);
    assert_eq!(sim, real);
    assert_eq!(sim, "read back: second\n");
}
