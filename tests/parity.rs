//! The simulated and the real world print the same for programs whose
//! output does not depend on timing. Real sleeps here stay short: the whole
//! file sleeps for well under a second.

use gene_sim::RunConfig;

fn output(program: &str, real: bool) -> String {
    let config = RunConfig {
        root: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        real,
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
