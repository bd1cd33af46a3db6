//! The documents agree with the repository and the tools: fixtures/README.md
//! names every fixture folder, docs/trace-format.md shows the header's keys
//! in the order a real recording writes them.

mod common;
use common::{GENE_TRACE, repo_file, scratch, text};
use std::path::Path;
use std::process::Command;

/// Every folder under `dir`, as a `/`-separated path relative to `root`.
fn folders(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            let rel = path.strip_prefix(root).unwrap();
            let rel: Vec<_> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(rel.join("/"));
            folders(root, &path, out);
        }
    }
}

#[test]
fn fixtures_readme_names_every_folder() {
    let root = Path::new(&repo_file("fixtures")).canonicalize().unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut all = Vec::new();
    folders(&root, &root, &mut all);
    assert!(all.len() > 10, "the fixtures' folders: {all:?}");
    let missing: Vec<_> = all
        .iter()
        .filter(|f| !readme.contains(&format!("`{f}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "fixtures/README.md does not name (in backquotes) {missing:?}"
    );
}

/// The keys of a JSON text in the order they are written, nested ones
/// included (`"word":`, in or out of a valid document).
fn keys_in_order(json: &str) -> Vec<String> {
    let re = regex::Regex::new(r#""([a-z_0-9]+)":"#).unwrap();
    re.captures_iter(json).map(|c| c[1].to_string()).collect()
}

#[test]
fn trace_format_shows_the_header_keys_in_the_order_written() {
    let doc = std::fs::read_to_string(repo_file("docs/trace-format.md")).unwrap();
    let section = doc
        .split("## Header (line 1)")
        .nth(1)
        .expect("trace-format.md has a header section");
    let example = section
        .split("```json\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("the header section has a json example");
    let documented = keys_in_order(example);

    let dir = scratch("header-order");
    std::fs::write(dir.join("prog.gene"), "(println 1)\n").unwrap();
    let out = Command::new(GENE_TRACE)
        .args(["run", "--trace", "out.jsonl", "prog.gene"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let trace = std::fs::read_to_string(dir.join("out.jsonl")).unwrap();
    let header = trace.lines().next().unwrap();
    let written = keys_in_order(header);
    assert_eq!(
        documented, written,
        "doc's header keys vs a recorded header's"
    );

    // The version the example shows is the version written.
    let version = |s: &str| {
        regex::Regex::new(r#""version":(\d+)"#)
            .unwrap()
            .captures(s)
            .unwrap()[1]
            .to_string()
    };
    assert_eq!(version(example), version(header));
    let _ = std::fs::remove_dir_all(&dir);
}
