//! Every example of the documents: a ```gene block followed by a ```text
//! block is run as `gene run` runs a program (from the repository root, the
//! program on standard input) and must print exactly the text block
//! (standard output, then standard error).

mod common;
use common::{GENE, text};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// The (program, expected output, line) pairs of a Markdown text.
fn pairs(doc: &str) -> Vec<(String, String, usize)> {
    let lines: Vec<&str> = doc.lines().collect();
    let mut out = Vec::new();
    let block = |from: usize| -> (String, usize) {
        let mut body = String::new();
        let mut i = from;
        while i < lines.len() && lines[i] != "```" {
            body.push_str(lines[i]);
            body.push('\n');
            i += 1;
        }
        (body, i + 1)
    };
    let mut i = 0;
    while i < lines.len() {
        if lines[i] == "```gene" {
            let at = i + 1;
            let (program, next) = block(i + 1);
            let mut j = next;
            while j < lines.len() && lines[j].trim().is_empty() {
                j += 1;
            }
            assert!(
                j < lines.len() && lines[j] == "```text",
                "line {at}: a ```gene example is followed by its ```text output"
            );
            let (expected, after) = block(j + 1);
            out.push((program, expected, at));
            i = after;
        } else {
            i += 1;
        }
    }
    out
}

fn run(program: &str, root: &Path) -> (Option<i32>, String) {
    let mut child = Command::new(GENE)
        .args(["run", "-"])
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(program.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        format!("{}{}", text(&out.stdout), text(&out.stderr)),
    )
}

#[test]
fn every_documented_example_prints_what_the_document_shows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut docs: Vec<_> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    let mut failures = Vec::new();
    let mut count = 0;
    for doc in &docs {
        let name = doc.file_name().unwrap().to_string_lossy().into_owned();
        for (program, expected, line) in pairs(&std::fs::read_to_string(doc).unwrap()) {
            count += 1;
            let (status, actual) = run(&program, &root);
            // An example that shows an error exits 1; the others exit 0.
            let failing = expected.lines().any(|l| l.starts_with("Error: "));
            let want = if failing { 1 } else { 0 };
            if actual != expected || status != Some(want) {
                failures.push(format!(
                    "docs/{name}:{line}: status {status:?} (want {want})\n--- shown\n{expected}--- printed\n{actual}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(count >= 11, "{count} examples in docs/");
}
