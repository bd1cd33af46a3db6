//! The captures of docs/exploring.md and README's strategy example are
//! what `explore` prints: each ```text block that starts with
//! `$ gene-trace explore` runs (docs/exploring.md's in a scratch copy of
//! fixtures/examples, README's from the repository root) and must print
//! the block, where a `...` line stands for any lines.

mod common;
use common::{GENE_TRACE, repo_file, scratch, text};
use std::path::Path;
use std::process::Command;

/// (command words after `gene-trace`, the capture) of each block.
fn captures(doc: &str) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    for block in doc.split("```text\n$ gene-trace explore ").skip(1) {
        let (line, rest) = block.split_once('\n').unwrap();
        let shown = &rest[..rest.find("```").unwrap()];
        let mut words = vec!["explore".to_string()];
        words.extend(line.split(' ').map(str::to_string));
        out.push((words, shown.to_string()));
    }
    out
}

/// Whether `printed` is `shown`, with each `...` line of `shown` standing
/// for any lines.
fn matches(printed: &str, shown: &str) -> bool {
    let parts: Vec<&str> = shown.split("...\n").collect();
    let mut at = 0;
    for (i, part) in parts.iter().enumerate() {
        let found = if i == 0 {
            printed.starts_with(part).then_some(0)
        } else if i == parts.len() - 1 {
            printed[at..]
                .ends_with(part)
                .then(|| printed.len() - part.len() - at)
        } else {
            printed[at..].find(part)
        };
        match found {
            Some(k) => at += k + part.len(),
            None => return false,
        }
    }
    parts.len() > 1 || printed == shown
}

fn check(dir: &Path, doc: &str, which: &str) {
    let all = captures(doc);
    assert!(!all.is_empty(), "{which} has explore captures");
    for (words, shown) in all {
        let out = Command::new(GENE_TRACE)
            .args(&words)
            .current_dir(dir)
            .output()
            .unwrap();
        let printed = text(&out.stdout);
        assert!(
            matches(&printed, &shown),
            "{which}: `gene-trace {}` printed:\n{printed}\nthe capture shows:\n{shown}",
            words.join(" ")
        );
    }
}

#[test]
fn exploring_md_captures_are_what_explore_prints() {
    let dir = scratch("docs-exploring");
    for f in ["race.gene", "tour.gene"] {
        std::fs::copy(repo_file(&format!("fixtures/examples/{f}")), dir.join(f)).unwrap();
    }
    let doc = std::fs::read_to_string(repo_file("docs/exploring.md")).unwrap();
    check(&dir, &doc, "docs/exploring.md");
}

#[test]
fn readme_strategy_capture_is_what_explore_prints() {
    let readme = std::fs::read_to_string(repo_file("README.md")).unwrap();
    let strategy: String = captures(&readme)
        .into_iter()
        .filter(|(w, _)| w.iter().any(|w| w == "--strategy"))
        .map(|(w, s)| format!("```text\n$ gene-trace {}\n{s}```\n", w.join(" ")))
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    check(&root, &strategy, "README.md");
}

/// The words of a shell line of gene-trace (plain words only).
fn words_of(line: &str) -> Vec<String> {
    let words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
    assert_eq!(words[0], "gene-trace", "{line}");
    words[1..].to_vec()
}

#[test]
fn exploring_md_sharded_example_merges_to_the_unsharded_report() {
    let dir = scratch("docs-exploring-merge");
    std::fs::copy(
        repo_file("fixtures/examples/race.gene"),
        dir.join("race.gene"),
    )
    .unwrap();
    let doc = std::fs::read_to_string(repo_file("docs/exploring.md")).unwrap();
    let block = doc
        .split("```sh\n")
        .skip(1)
        .map(|b| &b[..b.find("```").unwrap()])
        .find(|b| b.contains("--merge"))
        .expect("docs/exploring.md shows a sharded exhaustive exploration");
    let lines: Vec<&str> = block.lines().collect();
    let ["for i in 1 2 3; do", shard, "done", merge] = lines[..] else {
        panic!("the example's shape changed: {block}");
    };
    let (merge, whole) = merge.split_once("   # = ").unwrap();
    let run = |words: &[String]| {
        Command::new(GENE_TRACE)
            .args(words)
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    for i in 1..=3 {
        let out = run(&words_of(&shard.trim().replace("$i", &i.to_string())));
        assert!(out.stdout.is_empty(), "{}", text(&out.stderr));
    }
    let merged = run(&words_of(merge));
    let unsharded = run(&words_of(whole));
    assert!(text(&unsharded.stdout).contains("explored all "));
    assert_eq!(
        text(&merged.stdout),
        text(&unsharded.stdout),
        "{}",
        text(&merged.stderr)
    );
    assert_eq!(merged.status.code(), unsharded.status.code());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_matcher_bites() {
    assert!(matches("a\nb\nc\n", "a\n...\nc\n"));
    assert!(matches("a\nc\n", "a\nc\n"));
    assert!(!matches("a\nb\nc\n", "a\nc\n"));
    assert!(!matches("a\nb\nd\n", "a\n...\nc\n"));
    assert!(!matches("x\nb\nc\n", "a\n...\nc\n"));
}
