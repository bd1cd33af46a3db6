//! The world's flags from the command line: `--max-read-size`, and fault
//! flags under `--real` (applied, not ignored).

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn gene_trace(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gene-trace"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the tool");
    // A usage error ends the tool before it reads the program.
    let _ = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes());
    child.wait_with_output().expect("the tool ends")
}

const READ_HELLO: &str =
    r#"(try (println (gene/io/read "fixtures/async/data/hello.txt")) catch * (println $ex))"#;

#[test]
fn max_read_size_limits_reads_in_both_worlds() {
    for real in [false, true] {
        let mut args = vec!["run", "--max-read-size", "5"];
        if real {
            args.push("--real");
        }
        let out = gene_trace(&args, READ_HELLO);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "Failed to read file 'fixtures/async/data/hello.txt': larger than the read limit of 5 bytes (--max-read-size)\n",
            "real: {real}"
        );
        assert!(out.status.success());
    }
    let out = gene_trace(&["run", "--max-read-size", "0"], READ_HELLO);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn fault_flags_apply_under_real() {
    let out = gene_trace(&["run", "--real", "--fail-nth", "1"], READ_HELLO);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Failed to read file 'fixtures/async/data/hello.txt': injected fault\n"
    );
}
