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
    let config = RunConfig {
        root,
        ..RunConfig::default()
    };
    let trace = Shared::default();
    let mut out = Vec::new();
    let report = gene_sim::run_traced(
        "root.gene",
        PROGRAM,
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
    let _ = std::fs::remove_dir_all(a.parent().and_then(|p| p.parent()).expect("temp dir"));
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
