//! The command-line tools as a user runs them: output, status, errors.

mod common;
use common::{gene, gene_trace, text, tool};

#[test]
fn run_reads_stdin_when_no_file_is_given() {
    let out = gene(&["run"], "(println (1 + 2) \"ok\")");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "3 ok\n");
}

#[test]
fn eval_prints_the_last_value() {
    let out = gene(&["eval", "(var x 20) (x + 22)"], "");
    assert_eq!(text(&out.stdout), "42\n");
    let out = gene(&["eval", "[1 \"a\" (3 / 2)]"], "");
    assert_eq!(text(&out.stdout), "[1 a 1.5]\n");
}

#[test]
fn uncaught_errors_exit_1_with_location_and_caret() {
    let out = gene(
        &["run"],
        "(println \"before\")\n(assert false \"bad state\")\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "before\n");
    let err = text(&out.stderr);
    assert!(
        err.starts_with("Error: bad state\n --> <stdin>:2:1\n"),
        "{err}"
    );
    assert!(
        err.ends_with("2 | (assert false \"bad state\")\n  | ^\n"),
        "{err}"
    );
}

#[test]
fn parse_errors_name_line_and_column() {
    let out = gene_trace(&["run"], "(println 1)\n(println \"open");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("<stdin>:2:10"), "{err}");
    assert!(err.contains("unterminated string"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "nothing runs when the program cannot be read"
    );
}

#[test]
fn max_instructions_ends_an_endless_loop() {
    let out = gene(&["run", "--max-instructions", "5000"], "(loop (var x 1))");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("instruction limit of 5000 exceeded"));
    // Not catchable: a try around the loop does not swallow it.
    let out = gene_trace(
        &["run", "--max-instructions", "5000"],
        "(try (loop 1) catch * (println \"caught\"))",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}

#[test]
fn max_depth_sets_the_stack_overflow_limit() {
    let prog = "(fn down n (if (n > 0) ((down (n - 1)) + 1) else 0)) (println (down 500))";
    assert_eq!(text(&gene(&["run"], prog).stdout), "500\n");
    let out = gene(&["run", "--max-depth", "100"], prog);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("stack overflow"));
}

#[test]
fn bad_options_and_missing_files_are_clear_errors() {
    let out = gene(&["run", "--max-instructions", "0"], "");
    assert_eq!(out.status.code(), Some(2));
    let out = gene_trace(&["run", "--poll-every", "lots"], "");
    assert_eq!(out.status.code(), Some(2));
    let out = gene(&["run", "/no/such/file.gene"], "");
    assert_eq!(
        out.status.code(),
        Some(2),
        "a missing input is a usage error"
    );
    assert!(text(&out.stderr).contains("cannot read /no/such/file.gene"));
}

#[test]
fn disasm_lists_bytecode() {
    let out = gene_trace(&["disasm"], "(var a 1)\n(println a)");
    assert_eq!(out.status.code(), Some(0));
    let listing = text(&out.stdout);
    assert!(
        listing.starts_with("== <top> (registers: 1) =="),
        "{listing}"
    );
    assert!(listing.contains("LoadCallee"), "{listing}");
}

#[test]
fn help_describes_every_command() {
    let help = text(&gene_trace(&["--help"], "").stdout);
    for cmd in ["run", "disasm"] {
        assert!(help.contains(cmd), "{help}");
    }
    let help = text(&gene(&["--help"], "").stdout);
    for cmd in ["run", "eval"] {
        assert!(help.contains(cmd), "{help}");
    }
}

#[test]
fn stats_report_virtual_time_and_counts() {
    let prog = "(await (gene/sleep_async 100) (gene/sleep_async 100) (gene/sleep_async 100))";
    let out = gene_trace(&["run", "--stats"], prog);
    assert_eq!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    for line in [
        "virtual time: 100ms",
        "operations: 3",
        "futures: 3",
        "unobserved failures: 0",
    ] {
        assert!(err.contains(line), "{line:?} missing from:\n{err}");
    }
}

#[test]
fn unobserved_failures_are_reported_by_gene_trace_only() {
    let prog = "(async (throw \"lost\")) (println \"main done\")";
    let out = gene_trace(&["run"], prog);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "main done\n");
    assert_eq!(
        text(&out.stderr),
        "warning: unobserved failure of async@<stdin>:1 at <stdin>:1 (future 1): \"lost\"\n"
    );
    let out = gene(&["run"], prog);
    assert!(out.stderr.is_empty(), "the drop-in prints nothing extra");
}

/// The warnings name each failure as the trace tools do (the task, where
/// its function is written, where it threw, and the future's number),
/// whether or not the run is recorded, and recording does not change the
/// trace.
#[test]
fn unobserved_failures_are_named_with_or_without_a_trace() {
    let prog = "(fn ^^async withdraw [amount]\n\
                \x20 (await (gene/sleep_async 10))\n\
                \x20 (throw \"insufficient funds\"))\n\
                (withdraw 200)\n\
                (await (gene/sleep_async 50))\n";
    let expected = "warning: unobserved failure of withdraw (<stdin>:1) at <stdin>:3 (future 1): \"insufficient funds\"\n";
    let out = gene_trace(&["run"], prog);
    assert_eq!(text(&out.stderr), expected);
    let trace = std::env::temp_dir().join(format!("named-{}.jsonl", std::process::id()));
    let out = gene_trace(&["run", "--trace", trace.to_str().unwrap()], prog);
    assert_eq!(text(&out.stderr), expected);
    let recorded = std::fs::read_to_string(&trace).unwrap();
    let _ = std::fs::remove_file(&trace);
    assert!(recorded.contains("\n[\"end\","), "{recorded}");
    // The same trace as the checks' own unnamed recording.
    let out = gene_trace(&["run", "--check-determinism"], prog);
    assert!(
        text(&out.stderr).contains("deterministic: two runs gave the same"),
        "{}",
        text(&out.stderr)
    );
}

/// Both binaries name the waiting tasks of a deadlock as the trace tools
/// do, with their numbers.
#[test]
fn a_deadlock_names_its_waiting_tasks() {
    let prog = "(fn ^^async stuck [] (await (new gene/Future)))\n(var s (stuck))\n(await s)\n";
    for out in [gene(&["run"], prog), gene_trace(&["run"], prog)] {
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        assert!(
            err.contains("= main (task 1) waits at <stdin>:3:1"),
            "{err}"
        );
        assert!(
            err.contains("= stuck (task 2) waits at <stdin>:1:22"),
            "{err}"
        );
    }
}

#[test]
fn deadlock_is_an_error() {
    let out = gene_trace(&["run"], "(await (new gene/Future))");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("deadlock"));
}

#[test]
fn fault_flags_and_files_inject_failures() {
    let prog = "(try (gene/io/write \"x.txt\" \"data\") catch * (println $ex))";
    let out = gene_trace(&["run", "--fail-nth", "1"], prog);
    assert_eq!(
        text(&out.stdout),
        "Failed to write file 'x.txt': injected fault\n"
    );
    let dir = std::env::temp_dir().join(format!("gene-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let plan = dir.join("faults.toml");
    std::fs::write(&plan, "fail_paths = [\"*.txt\"]\n").unwrap();
    let out = gene_trace(&["run", "--faults", plan.to_str().unwrap()], prog);
    assert_eq!(
        text(&out.stdout),
        "Failed to write file 'x.txt': injected fault\n"
    );
    std::fs::write(&plan, "fail_nth = [0]\n").unwrap();
    let out = gene_trace(&["run", "--faults", plan.to_str().unwrap()], prog);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a bad fault plan is a usage error"
    );
    assert!(!text(&out.stderr).is_empty() && out.stdout.is_empty());
    std::fs::write(&plan, "fail_nth = [1\nunknown = 3\n").unwrap();
    let out = gene_trace(&["run", "--faults", plan.to_str().unwrap()], prog);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("faults.toml"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_flag_values_are_usage_errors() {
    for args in [
        &["run", "--fail-probability", "1.5"][..],
        &["run", "--fail-probability", "2"],
        &["run", "--short-read-probability", "-0.5"],
        &["run", "--fail-probability", "NaN"],
        &["run", "--start-time=-3"],
        &["run", "--start-time", "inf"],
        &["run", "--faults", "/no/such/plan.toml"],
        &["explore", "--fail-probability", "2", "x.gene"],
    ] {
        let out = gene_trace(args, "(println 1)");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            text(&out.stderr).lines().count(),
            1,
            "one line: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).starts_with("error: "),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty());
    }
    for args in [
        &["run", "--schedule", "sometimes"][..],
        &["run", "--await", "never"],
        &["run", "--seed", "-1"],
    ] {
        assert_eq!(gene_trace(args, "").status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn seeds_and_schedules_select_tie_orders() {
    let prog = "(for i in (range 1 5) (async (do (await (gene/sleep_async 10)) (print i)))) $await_all (println)";
    let fifo = text(&gene_trace(&["run"], prog).stdout);
    assert_eq!(fifo, "12345\n");
    let orders: std::collections::BTreeSet<String> = (0..8)
        .map(|seed| {
            text(
                &gene_trace(
                    &["run", "--schedule", "random", "--seed", &seed.to_string()],
                    prog,
                )
                .stdout,
            )
        })
        .collect();
    assert!(
        orders.len() > 1,
        "random schedules permute ties: {orders:?}"
    );
    let again = text(&gene_trace(&["run", "--schedule", "random", "--seed", "3"], prog).stdout);
    let first = text(&gene_trace(&["run", "--schedule", "random", "--seed", "3"], prog).stdout);
    assert_eq!(again, first, "a seed always gives the same order");
}

#[test]
fn real_mode_runs_on_the_wall_clock() {
    let prog = "(var t (gene/time/now)) (await (gene/sleep_async 30)) (println (((gene/time/now) - t) >= 0.03))";
    let out = gene_trace(&["run", "--real"], prog);
    assert_eq!(text(&out.stdout), "true\n");
}

#[test]
fn dash_reads_the_program_from_stdin() {
    assert_eq!(text(&gene(&["run", "-"], "(println 7)").stdout), "7\n");
    assert_eq!(text(&gene(&["eval", "-"], "(6 * 7)").stdout), "42\n");
}

#[test]
fn a_trace_that_cannot_be_written_is_an_error() {
    let out = gene_trace(&["run", "--trace", "/dev/full"], "(println 1)");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "1\n", "the program itself still runs");
    assert!(
        text(&out.stderr).contains("writing the trace to /dev/full failed"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_missing_input_is_status_2_for_every_subcommand() {
    let missing = "/no/such/input";
    let cases: [(&str, &[&str]); 10] = [
        (env!("CARGO_BIN_EXE_gene"), &["run", missing]),
        (env!("CARGO_BIN_EXE_gene-trace"), &["run", missing]),
        (
            env!("CARGO_BIN_EXE_gene-trace"),
            &["run", "--check", missing],
        ),
        (env!("CARGO_BIN_EXE_gene-trace"), &["disasm", missing]),
        (env!("CARGO_BIN_EXE_gene-trace"), &["explore", missing]),
        (env!("CARGO_BIN_EXE_gene-trace"), &["check", missing]),
        (
            env!("CARGO_BIN_EXE_gene-trace"),
            &["diff", missing, missing],
        ),
        (env!("CARGO_BIN_EXE_gene-trace"), &["export", missing, "-"]),
        (env!("CARGO_BIN_EXE_gene-trace"), &["replay", missing]),
        (
            env!("CARGO_BIN_EXE_gene-trace"),
            &["run", "--faults", missing],
        ),
    ];
    for (bin, args) in cases {
        let out = tool(bin, args, "(println 1)");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(
            err.starts_with("error: ") && err.contains(missing),
            "{args:?}: {err}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn usage_errors_are_one_error_line() {
    for args in [
        &["run", "--no-such-flag"][..],
        &["explore"],
        &["run", "--seed", "x"],
        &["diff", "a.jsonl"],
    ] {
        let out = gene_trace(args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
    // --help still prints the whole help, on stdout, status 0.
    let out = gene_trace(&["run", "--help"], "");
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("--check-determinism"));
}

#[test]
fn trace_dash_writes_the_trace_to_stdout_and_the_output_to_stderr() {
    let out = gene_trace(&["run", "--trace", "-"], "(println \"hello\")");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let trace = gene_sim::trace::read::read(&out.stdout[..]).expect("stdout is a trace");
    assert!(trace.error.is_none());
    assert!(trace.records.iter().any(|r| &*r.kind == "run.end"));
    assert_eq!(text(&out.stderr), "hello\n");
    // The same trace as a file gets.
    let dir = std::env::temp_dir().join(format!("gene-cli-dash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("t.jsonl");
    gene_trace(
        &["run", "--trace", file.to_str().unwrap()],
        "(println \"hello\")",
    );
    assert_eq!(std::fs::read(&file).unwrap(), out.stdout);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn run_swarm_adds_the_fault_flags_to_the_seed_plan() {
    // Seed 3's swarm plan alone leaves this write alone; --fail-path adds
    // a rule that fails it (the flags were dropped with --swarm before).
    let prog =
        "(try (gene/io/write \"x.txt\" \"d\") (println \"wrote\") catch * (println \"failed\"))";
    let out = gene_trace(&["run", "--swarm", "--seed", "3"], prog);
    assert_eq!(text(&out.stdout), "wrote\n");
    let with = gene_trace(
        &["run", "--swarm", "--seed", "3", "--fail-path", "x.txt"],
        prog,
    );
    assert_eq!(text(&with.stdout), "failed\n");
    assert_ne!(
        text(&out.stdout),
        text(&with.stdout),
        "the flag took effect"
    );
}

#[test]
fn help_states_the_default_budgets() {
    use gene_trace::budget;
    let commas = |n: u64| {
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    let run = text(&gene_trace(&["run", "--help"], "").stdout);
    assert!(run.contains(&commas(budget::CHECK_INSTRUCTIONS)), "{run}");
    assert!(
        run.contains(&format!("{} GiB", budget::CHECK_MEMORY >> 30)),
        "{run}"
    );
    let explore = text(&gene_trace(&["explore", "--help"], "").stdout);
    assert!(
        explore.contains(&commas(budget::EXPLORE_INSTRUCTIONS)),
        "{explore}"
    );
    assert!(
        explore.contains(&format!("{} MiB", budget::EXPLORE_MEMORY >> 20)),
        "{explore}"
    );
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    for n in [budget::CHECK_INSTRUCTIONS, budget::EXPLORE_INSTRUCTIONS] {
        assert!(readme.contains(&commas(n)), "README names {n}");
    }
}

/// A program "file" that is a FIFO or a device is refused at once: the
/// tools never block on it or read it forever.
#[test]
fn a_program_that_is_not_a_regular_file_is_refused_at_once() {
    let dir = std::env::temp_dir().join(format!("gene-cli-fifo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("prog.gene");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    assert!(made, "mkfifo is needed for this test");
    let fifo = fifo.to_str().unwrap();
    for (bin, args) in [
        (env!("CARGO_BIN_EXE_gene"), vec!["run", fifo]),
        (env!("CARGO_BIN_EXE_gene-trace"), vec!["run", fifo]),
        (env!("CARGO_BIN_EXE_gene-trace"), vec!["disasm", fifo]),
        (env!("CARGO_BIN_EXE_gene-trace"), vec!["run", "/dev/zero"]),
        (
            env!("CARGO_BIN_EXE_gene-trace"),
            vec!["explore", "/dev/zero"],
        ),
    ] {
        let out = tool(bin, &args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains("not a regular file"), "{args:?}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = gene_trace(&["completions", shell], "");
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        // Each script names the tool and completes its subcommands.
        assert!(script.contains("gene-trace"), "{shell}");
        for sub in ["run", "explore", "replay", "completions"] {
            assert!(script.contains(sub), "{shell} lacks {sub}");
        }
    }
    let out = gene_trace(&["completions", "tcsh"], "");
    assert_eq!(out.status.code(), Some(2));
}
