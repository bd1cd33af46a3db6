//! The value size limits and the run's memory bound, as a user meets them:
//! a catchable exception or a clear fatal error, never an allocation
//! failure that aborts the process.

mod common;
use common::{gene, gene_trace, text, tool};

#[test]
fn doubling_a_string_past_the_size_limit_is_catchable() {
    let program = r##"
(var s "ab")
(try (loop (s = (s .append s))) catch * (println (s .length) $ex))
(var t "ab")
(try (loop (t = #"#{t}#{t}")) catch * (println (t .length) $ex))
(var u "ab")
(repeat 14 (u = (u .append u)))
(println (u .length))
(try (println u u) catch * (println "print:" $ex))
"##;
    let out = gene_trace(&["run", "--max-string-size", "64K", "-"], program);
    let stdout = text(&out.stdout);
    let limit = "value too large: a string of more than 65536 bytes (the value size limit)";
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            format!("65536 {limit}"),
            format!("65536 {limit}"),
            "32768".to_string(),
            format!("print: {limit}"),
        ]
    );
}

#[test]
fn collections_past_the_element_limit_are_catchable() {
    let program = r#"
(var a [1])
(try (loop (a = [a... a...])) catch * (println "array:" $ex))
"#;
    let out = gene(&["run", "--max-elements", "1000", "-"], program);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).lines().next(),
        Some("array: value too large: an array of more than 1000 elements (the value size limit)")
    );
}

#[test]
fn a_run_holding_too_much_memory_ends_with_the_memory_limit_error() {
    // Every call leaves a task waiting: the run holds more and more small
    // values, none of them large.
    let program = "(fn ^^async w [] (await (gene/sleep_async 1000)))\n(loop (w))\n";
    for bin in [env!("CARGO_BIN_EXE_gene-trace"), env!("CARGO_BIN_EXE_gene")] {
        let out = tool(bin, &["run", "--max-memory", "32M", "-"], program);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{bin}: {stderr}");
        assert!(
            stderr.contains("memory limit of 33554432 bytes exceeded"),
            "{bin}: {stderr}"
        );
    }
}

#[test]
fn the_memory_limit_is_not_catchable() {
    let program = "(fn ^^async w [] (await (gene/sleep_async 1000)))\n\
                   (try (loop (w)) catch * (println \"caught\"))\n";
    let out = gene_trace(&["run", "--max-memory", "32M", "-"], program);
    assert_eq!(out.status.code(), Some(1));
    assert!(!text(&out.stdout).contains("caught"));
    assert!(text(&out.stderr).contains("memory limit of 33554432 bytes exceeded"));
}

#[test]
fn bad_size_flags_are_usage_errors() {
    for args in [
        ["--max-memory", "0"],
        ["--max-memory", "4X"],
        ["--max-memory", "-1"],
        ["--max-memory", "99999999999T"],
        ["--max-string-size", "1.5M"],
        ["--max-elements", "0"],
    ] {
        let mut argv = vec!["run"];
        argv.extend(args);
        argv.push("-");
        let out = gene_trace(&argv, "(println 1)");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stderr).starts_with("error: "), "{args:?}");
    }
}
