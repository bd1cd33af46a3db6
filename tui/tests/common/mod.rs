//! Running the built tools as a user does.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub const GENE: &str = env!("CARGO_BIN_EXE_gene");
pub const GENE_TRACE: &str = env!("CARGO_BIN_EXE_gene-trace");

/// Runs `bin` with `args`, `stdin` on its standard input, in a scratch
/// working directory (what a tool writes there, such as `explore`'s shrunk
/// schedules, stays out of the repository; paths in `args` are absolute).
pub fn tool(bin: &str, args: &[&str], stdin: &str) -> Output {
    let cwd = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tool-cwd");
    std::fs::create_dir_all(&cwd).expect("the tools' working directory");
    let mut child = Command::new(bin)
        .current_dir(&cwd)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the tool");
    let mut input = child.stdin.take().unwrap();
    // A tool that never reads its stdin may close it first.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    child.wait_with_output().expect("tool output")
}

pub fn gene_trace(args: &[&str], stdin: &str) -> Output {
    tool(GENE_TRACE, args, stdin)
}

pub fn gene(args: &[&str], stdin: &str) -> Output {
    tool(GENE, args, stdin)
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh scratch directory for one test.
pub fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gene-tui-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A fixture's path in the repository.
pub fn repo_file(path: &str) -> String {
    format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"))
}

/// Splits a command line as a POSIX shell does, for the words
/// `explore::report::shell_word` writes (plain, or in single quotes).
pub fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                in_word = true;
            }
            ' ' if !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                }
                in_word = false;
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}
pub mod replay;
