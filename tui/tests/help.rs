//! `--help` of both binaries and of every subcommand, as snapshots; and
//! every example command the help texts show, run as shown.

mod common;
use common::{GENE, GENE_TRACE, repo_file, scratch, shell_words, text};
use std::path::Path;
use std::process::{Command, Stdio};

const SUBCOMMANDS: [&str; 9] = [
    "run",
    "explore",
    "check",
    "replay",
    "diff",
    "export",
    "disasm",
    "completions",
    "test",
];

fn help(bin: &str, sub: Option<&str>) -> String {
    let mut args: Vec<&str> = sub.into_iter().collect();
    args.push("--help");
    let out = Command::new(bin).args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}");
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn help_texts_are_as_snapshotted() {
    insta::assert_snapshot!("gene_help", help(GENE, None));
    insta::assert_snapshot!("gene_trace_help", help(GENE_TRACE, None));
    for sub in SUBCOMMANDS {
        insta::assert_snapshot!(
            format!("gene_trace_{sub}_help"),
            help(GENE_TRACE, Some(sub))
        );
    }
}

/// The example command lines of a help text: the lines of its `Examples:`
/// section, each cut where its description starts (two spaces).
fn examples(help: &str) -> Vec<(String, String)> {
    let section = help
        .split("\nExamples:\n")
        .nth(1)
        .expect("the help has an Examples: section");
    section
        .lines()
        .take_while(|l| l.starts_with("  gene"))
        .map(|l| {
            let l = l.trim_start();
            match l.find("  ") {
                Some(i) => (l[..i].to_string(), l[i..].trim().to_string()),
                None => (l.to_string(), String::new()),
            }
        })
        .collect()
}

#[test]
fn every_command_and_subcommand_help_has_examples() {
    assert!(!examples(&help(GENE, None)).is_empty());
    assert!(!examples(&help(GENE_TRACE, None)).is_empty());
    for sub in SUBCOMMANDS {
        let ex = examples(&help(GENE_TRACE, Some(sub)));
        assert!(!ex.is_empty(), "{sub}");
        for (line, _) in &ex {
            assert!(
                line.starts_with(&format!("gene-trace {sub}")),
                "{sub}'s example runs {sub}: {line}"
            );
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// Runs one example line in `dir` (`> FILE` at the end: stdout to FILE),
/// standard input not a terminal. Returns the status and the stderr.
fn run_example(dir: &Path, line: &str) -> (Option<i32>, String, String) {
    let mut words = shell_words(line);
    let mut redirect = None;
    if let Some(i) = words.iter().position(|w| w == ">") {
        redirect = Some(words[i + 1].clone());
        words.truncate(i);
    }
    let bin = match words[0].as_str() {
        "gene" => GENE,
        "gene-trace" => GENE_TRACE,
        other => panic!("an example runs {other}"),
    };
    let out = Command::new(bin)
        .args(&words[1..])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    if let Some(file) = redirect {
        std::fs::write(dir.join(file), &out.stdout).unwrap();
    }
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn every_example_in_the_help_works_as_shown() {
    // A folder as the examples expect: the bundled examples, a tests/ and a
    // testsuite/ of test files that pass.
    let dir = scratch("help-examples");
    copy_dir(
        Path::new(&repo_file("fixtures/examples")),
        &dir.join("fixtures/examples"),
    );
    for folder in ["tests", "testsuite"] {
        std::fs::create_dir_all(dir.join(folder)).unwrap();
        std::fs::write(
            dir.join(folder).join("hello.gene"),
            "(println \"hello\")\n# Expected: hello\n",
        )
        .unwrap();
    }
    // `run` first: its examples record the traces the others read.
    let mut texts = vec![help(GENE, None), help(GENE_TRACE, Some("run"))];
    texts.push(help(GENE_TRACE, None));
    for sub in SUBCOMMANDS.iter().filter(|s| **s != "run") {
        texts.push(help(GENE_TRACE, Some(sub)));
    }
    let mut ran = 0;
    for help_text in &texts {
        for (line, said) in examples(help_text) {
            let (status, stdout, stderr) = run_example(&dir, &line);
            ran += 1;
            let context = format!("{line}\nstdout:\n{stdout}\nstderr:\n{stderr}");
            assert!(!stderr.contains("panicked"), "{context}");
            if line.starts_with("gene-trace replay") {
                // Arguments and trace accepted; the terminal is missing.
                assert_eq!(status, Some(2), "{context}");
                assert!(stderr.contains("replay needs a terminal"), "{context}");
                continue;
            }
            let expected = said
                .split("status ")
                .nth(1)
                .and_then(|s| s[..1].parse::<i32>().ok())
                .unwrap_or(0);
            assert_eq!(status, Some(expected), "{context}");
            if let Some(value) = said.strip_prefix("print the value of the last form: ") {
                assert_eq!(stdout.trim(), value, "{context}");
            }
        }
    }
    assert!(ran >= 30, "{ran} examples");
    // What the examples wrote is there.
    for f in [
        "race.jsonl",
        "race7.jsonl",
        "race.json",
        "race-seq.json",
        "race.plain.jsonl",
        "junit.xml",
        "gene-trace.bash",
        "_gene-trace",
        "gene-trace.fish",
        "outcomes/outcome-1.txt",
    ] {
        assert!(dir.join(f).exists(), "{f}");
    }
    assert!(
        std::fs::read_to_string(dir.join("gene-trace.bash"))
            .unwrap()
            .contains("gene-trace")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
