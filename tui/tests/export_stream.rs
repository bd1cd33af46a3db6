//! `gene-trace export` reads its trace as a stream (twice for chrome, from
//! the file or, for a pipe, from the bytes the first pass kept): what it
//! writes is what the export of the whole trace read into memory writes,
//! for a whole trace, a cut one and a damaged one, from a file and from a
//! FIFO, with the same messages and statuses.

mod common;
use common::{GENE_TRACE, repo_file, scratch, text};
use gene_sim::trace::read::read_file;
use gene_trace::export::{Clock, write_chrome, write_jsonl};
use std::path::Path;
use std::process::{Command, Output};

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(GENE_TRACE)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// What the export of `path` read whole into memory gives.
fn in_memory(path: &Path, format: &str) -> Vec<u8> {
    let trace = read_file(path).expect("a trace");
    let mut out = Vec::new();
    match format {
        "chrome" => write_chrome(&trace, Clock::Virtual, &mut out),
        _ => write_jsonl(&trace, &mut out),
    }
    .expect("written to memory");
    out
}

/// `export --format FORMAT INPUT out` in `dir`, with `bytes` written into
/// INPUT by another thread when INPUT is a FIFO; the output and the status.
fn export(dir: &Path, format: &str, input: &str, fifo_bytes: Option<Vec<u8>>) -> (Output, Vec<u8>) {
    let writer = fifo_bytes.map(|bytes| {
        let fifo = dir.join(input);
        // Opening a FIFO to write waits for the export to open it to read.
        std::thread::spawn(move || std::fs::write(fifo, bytes).expect("the FIFO written"))
    });
    let out = run_in(dir, &["export", "--format", format, input, "out"]);
    if let Some(w) = writer {
        w.join().expect("the writer");
    }
    let written = std::fs::read(dir.join("out")).unwrap_or_default();
    let _ = std::fs::remove_file(dir.join("out"));
    (out, written)
}

#[test]
fn files_and_pipes_export_what_the_whole_trace_exports() {
    let dir = scratch("export-stream");
    let race = repo_file("fixtures/examples/race.gene");
    let out = run_in(
        &dir,
        &["run", "--seed", "7", "--trace", "race.jsonl", &race],
    );
    assert!(out.status.code().is_some(), "{}", text(&out.stderr));
    let whole = std::fs::read_to_string(dir.join("race.jsonl")).unwrap();
    let lines: Vec<&str> = whole.lines().collect();
    assert!(lines.len() > 20, "a trace of some length");
    // Without run.end, and with a line cut short in the middle.
    let cut = lines[..lines.len() * 2 / 3].join("\n") + "\n";
    let mut damaged: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let middle = lines.len() / 2;
    let half = damaged[middle].len() / 2;
    damaged[middle].truncate(half);
    std::fs::write(dir.join("cut.jsonl"), cut).unwrap();
    std::fs::write(dir.join("damaged.jsonl"), damaged.join("\n") + "\n").unwrap();
    let made = Command::new("mkfifo")
        .arg(dir.join("pipe.jsonl"))
        .status()
        .is_ok_and(|s| s.success());
    assert!(made, "mkfifo is needed for this test");
    for (name, status, says) in [
        ("race.jsonl", 0, None),
        ("cut.jsonl", 0, Some("warning: cut.jsonl: no run.end")),
        (
            "damaged.jsonl",
            1,
            Some(&*format!(
                "error: damaged.jsonl: damaged at line {}",
                middle + 1
            )),
        ),
    ] {
        let path = dir.join(name);
        for format in ["chrome", "jsonl"] {
            let want = in_memory(&path, format);
            let (out, written) = export(&dir, format, name, None);
            assert_eq!(out.status.code(), Some(status), "{format} {name}");
            assert!(written == want, "{format} {name}: not the in-memory export");
            let err = text(&out.stderr);
            match says {
                Some(says) => assert!(err.starts_with(says), "{format} {name}: {err}"),
                None => assert_eq!(err, "", "{format} {name}"),
            }
            // The same bytes through a FIFO, read once.
            let bytes = std::fs::read(&path).unwrap();
            let (out, written) = export(&dir, format, "pipe.jsonl", Some(bytes));
            assert_eq!(out.status.code(), Some(status), "{format} {name} piped");
            assert!(
                written == want,
                "{format} {name} piped: not the in-memory export"
            );
            assert_eq!(
                text(&out.stderr),
                err.replace(name, "pipe.jsonl"),
                "{format} {name} piped"
            );
        }
    }
}
