//! The command-line tools as a user runs them: output, status, errors.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn gene(args: &[&str], stdin: &str) -> Output {
    tool(env!("CARGO_BIN_EXE_gene"), args, stdin)
}

fn gene_trace(args: &[&str], stdin: &str) -> Output {
    tool(env!("CARGO_BIN_EXE_gene-trace"), args, stdin)
}

fn tool(bin: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the tool");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().expect("tool output")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

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
    assert_eq!(out.status.code(), Some(1));
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
