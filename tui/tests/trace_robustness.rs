//! Hostile traces through every reader of traces: each number of a real
//! trace, in turn, replaced by huge values, and each line cut short. The
//! reader, the replay's index, `diff` and `export` must end cleanly (an
//! error naming the line, or a result), never panic or allocate by a number
//! read from the file. Exhaustive over the positions of one small trace, so
//! it is deterministic.

use gene_sim::RunConfig;
use gene_sim::trace::read::{Trace, read};
use gene_trace::diff::diff;
use gene_trace::export::{Clock, write_chrome};
use gene_trace::replay::index::Replay;

use gene_sim::trace::SharedBuf as Shared;

const PROGRAM: &str = "(var f (async (throw \"x\")))
(try (await f) catch * (println \"caught\"))
(fn ^^async nap [ms] (await (gene/sleep_async ms)) ms)
(var a (nap 3))
(var g (gene/sleep_async 5))
(g .on_success (-> (throw \"in a callback\")))
(println (await a) (await g))
";

fn recorded() -> String {
    let buf = Shared::default();
    let config = RunConfig {
        root: std::env::temp_dir(),
        ..RunConfig::default()
    };
    gene_sim::run_traced(
        "p.gene",
        PROGRAM,
        &config,
        &mut std::io::sink(),
        Some(Box::new(buf.clone())),
    )
    .unwrap();
    String::from_utf8(buf.0.lock().unwrap().clone()).unwrap()
}

/// Everything a tool does with a trace, to its end.
fn use_everywhere(t: Trace, original: &Trace) {
    let names = ("a".to_string(), "b".to_string());
    let _ = diff(original, &t, &names, 5);
    let _ = diff(&t, original, &names, 5);
    write_chrome(&t, Clock::Virtual, &mut std::io::sink()).unwrap();
    write_chrome(&t, Clock::Seq, &mut std::io::sink()).unwrap();
    let mut replay = Replay::with_budget(t, 8, 1 << 20);
    let polls = replay.polls();
    for p in (0..polls).rev().chain(0..polls) {
        replay.seek(p);
    }
    replay.seek(usize::MAX);
}

/// The byte ranges of the numbers in a line: the digit runs, outside
/// strings, that follow `[`, `,` or `:` (a positional field or a key's
/// value).
fn numbers(line: &str) -> Vec<(usize, usize)> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut in_string = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'[' | b',' | b':' if !in_string && i + 1 < b.len() && b[i + 1].is_ascii_digit() => {
                let start = i + 1;
                let mut end = start;
                while end < b.len() && b[end].is_ascii_digit() {
                    end += 1;
                }
                out.push((start, end));
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

#[test]
fn huge_numbers_anywhere_in_a_trace_end_cleanly() {
    let text = recorded();
    let original = read(text.as_bytes()).unwrap();
    assert!(original.is_complete());
    let lines: Vec<&str> = text.lines().collect();
    let huge = [
        "4000000000",
        "4294967295",
        "4294967296",
        "9223372036854775807",
        "18446744073709551615",
        "99999999999999999999999",
    ];
    let mut cases = 0;
    let mut rejected = 0;
    for (n, line) in lines.iter().enumerate().skip(1) {
        for (start, end) in numbers(line) {
            for h in huge {
                let mutated = format!("{}{h}{}", &line[..start], &line[end..]);
                let mut all = lines.clone();
                all[n] = &mutated;
                let body = all.join("\n") + "\n";
                let t = read(body.as_bytes()).expect("the header is intact");
                cases += 1;
                if let Some(e) = &t.error {
                    rejected += 1;
                    assert_eq!(e.line, n + 1, "{mutated}: {e}");
                    assert_eq!(t.records.len(), n - 1, "the records before it stay");
                }
                use_everywhere(t, &original);
            }
        }
    }
    assert!(cases > 500, "{cases} cases");
    // Only `t` (virtual time) may be any number; every other is checked.
    assert!(rejected * 10 > cases * 7, "{rejected} of {cases} rejected");
}

#[test]
fn a_trace_cut_anywhere_ends_cleanly() {
    let text = recorded();
    let original = read(text.as_bytes()).unwrap();
    let header_end = text.find('\n').unwrap() + 1;
    for cut in (header_end..text.len()).step_by(7) {
        let t = read(&text.as_bytes()[..cut]).expect("the header is intact");
        assert!(!t.is_complete() || cut + 1 >= text.len());
        use_everywhere(t, &original);
    }
}

/// A trace whose header names `program`.
fn naming(program: &str) -> Trace {
    let header = serde_json::json!({
        "format": "gene-trace",
        "version": gene_sim::trace::VERSION,
        "program": {"name": program, "sha256": "00"},
    });
    read(format!("{header}\n").as_bytes()).unwrap()
}

#[test]
fn replay_opens_only_regular_files_as_the_traced_program() {
    use gene_trace::replay::app::Source;
    let dir = std::env::temp_dir().join(format!("gene-trace-source-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trace_path = dir.join("t.jsonl");
    // A character device that never ends, a directory, a FIFO nobody writes.
    let fifo = dir.join("fifo.gene");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    for name in ["/dev/zero", dir.to_str().unwrap(), fifo.to_str().unwrap()] {
        let Err(e) = Source::find(&naming(name), &trace_path) else {
            panic!("{name} was read as the program");
        };
        assert!(e.contains("not a regular file"), "{name}: {e}");
    }
    // A regular file is shown.
    let prog = dir.join("p.gene");
    std::fs::write(&prog, "(println 1)\n").unwrap();
    assert!(Source::find(&naming(prog.to_str().unwrap()), &trace_path).is_ok());
    std::fs::remove_dir_all(&dir).ok();
}
