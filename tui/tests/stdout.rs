//! Standard output that cannot be written: a full device is an error
//! (status 1, one `error:` line, no panic) for every subcommand; a closed
//! pipe ends the tool quietly.

mod common;
use common::{GENE, GENE_TRACE, repo_file, scratch, text};
use std::io::{Read, Write};
use std::process::{Command, Stdio};

#[test]
fn a_full_stdout_is_an_error_for_every_subcommand() {
    let dir = scratch("dev-full");
    let prog = dir.join("p.gene");
    std::fs::write(&prog, "(println \"hello\")").unwrap();
    let trace = dir.join("t.jsonl");
    let (p, t) = (prog.to_str().unwrap(), trace.to_str().unwrap());
    let made = common::gene_trace(&["run", p, "--trace", t], "");
    assert_eq!(made.status.code(), Some(0));
    let race = repo_file("fixtures/examples/race.gene");
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (GENE, vec!["run", p]),
        (GENE, vec!["eval", "(1 + 2)"]),
        (GENE_TRACE, vec!["run", p]),
        (GENE_TRACE, vec!["run", "--check", p]),
        (GENE_TRACE, vec!["run", "--check-determinism", p]),
        (GENE_TRACE, vec!["run", p, "--trace", "-"]),
        (GENE_TRACE, vec!["explore", &race, "--seeds", "5"]),
        (GENE_TRACE, vec!["disasm", p]),
        (GENE_TRACE, vec!["check", t]),
        (GENE_TRACE, vec!["diff", t, t]),
        (GENE_TRACE, vec!["export", t, "-"]),
        (GENE_TRACE, vec!["--help"]),
        (GENE, vec!["--version"]),
    ];
    for (bin, args) in cases {
        let full = std::fs::File::create("/dev/full").unwrap();
        let out = Command::new(bin)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(full)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        let last = err.lines().last().unwrap_or("");
        assert!(
            last.starts_with("error: ") && last.contains("No space left on device"),
            "{args:?}: {err}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_closed_pipe_ends_the_tool_quietly() {
    let dir = scratch("closed-pipe");
    let prog = dir.join("many.gene");
    // Much more output than a pipe holds.
    std::fs::write(&prog, "(repeat 200000 (println \"yes\"))").unwrap();
    let p = prog.to_str().unwrap();
    for (bin, args) in [
        (GENE, vec!["run", p]),
        (GENE_TRACE, vec!["run", p]),
        (GENE_TRACE, vec!["run", p, "--trace", "-"]),
        (GENE_TRACE, vec!["disasm", p]),
    ] {
        let mut child = Command::new(bin)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 1];
        let mut stdout = child.stdout.take().unwrap();
        stdout.read_exact(&mut first).unwrap();
        drop(stdout); // as `| head -c 1` does
        let out = child.wait_with_output().unwrap();
        let err = text(&out.stderr);
        // The trace on stdout sends the program's output to stderr.
        let err = err.replace("yes\n", "");
        assert_eq!(err, "", "{args:?}: quiet");
        use std::os::unix::process::ExitStatusExt;
        assert!(
            out.status.signal() == Some(libc::SIGPIPE) || out.status.success(),
            "{args:?}: {:?}",
            out.status
        );
    }
    let _ = std::io::stderr().flush();
    std::fs::remove_dir_all(&dir).unwrap();
}
