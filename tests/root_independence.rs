//! Where the root lies on the host never reaches the program or the trace:
//! one program under two roots holding the same files gives byte-identical
//! output and traces.

use std::path::PathBuf;

use gene_sim::RunConfig;

use gene_sim::trace::SharedBuf as Shared;

const PROGRAM: &str = r#"
(try (gene/io/read "../outside.txt") catch * (println $ex))
(try (gene/io/write "../../out.txt" "x") catch * (println $ex))
(try (gene/io/read "missing.txt") catch * (println $ex))
(println (gene/io/read "data/in.txt"))
(gene/io/write "data/out.txt" "written")
(println (gene/io/read "data/out.txt"))
"#;

/// A root of a given name (so the two differ in length too) with the files.
fn root(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("gene-root-independence-{}", std::process::id()))
        .join(name)
        .join("root");
    std::fs::create_dir_all(dir.join("data")).expect("root");
    std::fs::write(dir.join("data/in.txt"), "input").expect("data file");
    dir
}

fn run(root: PathBuf) -> (Vec<u8>, Vec<u8>) {
    run_in(root, ".", PROGRAM)
}

fn run_in(root: PathBuf, cwd: &str, program: &str) -> (Vec<u8>, Vec<u8>) {
    let config = RunConfig {
        root,
        cwd: cwd.into(),
        ..RunConfig::default()
    };
    let trace = Shared::default();
    let mut out = Vec::new();
    let report = gene_sim::run_traced(
        "root.gene",
        program,
        &config,
        &mut out,
        Some(Box::new(trace.clone())),
    )
    .expect("loads");
    assert!(report.result.is_ok(), "{:?}", report.result);
    assert_eq!(report.trace_error, None);
    let bytes = trace.0.lock().expect("not poisoned").clone();
    (out, bytes)
}

#[test]
fn traces_do_not_depend_on_where_the_root_lies() {
    let a = root("a");
    let b = root("a-much-longer-directory-name");
    let (out_a, trace_a) = run(a.clone());
    let (out_b, trace_b) = run(b.clone());
    for r in [&a, &b] {
        let _ = std::fs::remove_dir_all(r.parent().expect("temp dir"));
    }
    let text = String::from_utf8(out_a.clone()).expect("utf-8");
    assert!(
        text.contains("path escapes the sandbox root (--root)"),
        "{text}"
    );
    assert!(text.contains("input\nwritten\n"), "{text}");
    assert_eq!(text, String::from_utf8(out_b).expect("utf-8"));
    assert!(!trace_a.is_empty());
    assert!(trace_a == trace_b, "the traces differ");
}

#[test]
fn the_working_directory_is_recorded_relative_to_the_root() {
    let program = r#"
(println (gene/io/read "in.txt"))
(try (gene/io/read "../../outside.txt") catch * (println $ex))
(gene/io/write "/tmp/gene-root-independence.txt" "kept in memory")
(println (gene/io/read "/tmp/gene-root-independence.txt"))
"#;
    let a = root("cwd-a");
    let b = root("cwd-a-much-longer-directory-name");
    let (out_a, trace_a) = run_in(a.clone(), "data", program);
    let (out_b, trace_b) = run_in(b.clone(), "./data/../data", program);
    // Only this test's trees: the other test may still use its own.
    for r in [&a, &b] {
        let _ = std::fs::remove_dir_all(r.parent().expect("temp dir"));
    }
    let text = String::from_utf8(out_a.clone()).expect("utf-8");
    assert_eq!(
        text,
        "input\nFailed to read file '../../outside.txt': path escapes the sandbox root (--root)\nkept in memory\n"
    );
    assert_eq!(out_a, out_b);
    let header = String::from_utf8(
        trace_a
            .split(|b| *b == b'\n')
            .next()
            .expect("header")
            .to_vec(),
    )
    .expect("utf-8");
    assert!(header.contains(r#""cwd":"data""#), "{header}");
    assert!(trace_a == trace_b, "the traces differ");
}
