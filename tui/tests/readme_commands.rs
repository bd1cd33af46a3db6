//! README's commands, as written, after its install step: run from the
//! repository root with the built binaries standing for the installed ones.

mod common;
use common::{GENE, GENE_TRACE, shell_words, text};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn readme() -> String {
    std::fs::read_to_string(repo().join("README.md")).unwrap()
}

/// The command part of a README line: up to its `#` comment.
fn command_of(line: &str) -> Vec<String> {
    let cmd = line.split(" # ").next().unwrap().trim();
    shell_words(cmd.strip_prefix("$ ").unwrap_or(cmd))
}

/// Runs a README command line (`gene` or `gene-trace`) from the repository root.
fn run(words: &[String]) -> Output {
    let bin = match words[0].as_str() {
        "gene" => GENE,
        "gene-trace" => GENE_TRACE,
        other => panic!("README's command runs {other}"),
    };
    Command::new(bin)
        .args(&words[1..])
        .current_dir(repo())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The fenced blocks of a section: from `## heading` to the next `## `.
fn section<'a>(readme: &'a str, heading: &str) -> &'a str {
    let start = readme
        .find(&format!("\n## {heading}\n"))
        .unwrap_or_else(|| panic!("README has ## {heading}"));
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |e| e + 3);
    &rest[..end]
}

fn sh_lines(section: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut inside = false;
    for l in section.lines() {
        if l.starts_with("```") {
            inside = l == "```sh" && !inside;
            continue;
        }
        if inside {
            lines.push(l);
        }
    }
    lines
}

#[test]
fn the_first_steps_install_both_binaries_then_run_an_example_and_the_tests() {
    let readme = readme();
    let steps = section(&readme, "Two commands");
    let lines = sh_lines(steps);
    assert_eq!(lines.len(), 3, "install, the example, the tests: {lines:?}");
    // The install step installs the package that holds both binaries.
    assert_eq!(
        command_of(lines[0]),
        ["cargo", "install", "--locked", "--path", "tui"]
    );
    let manifest = std::fs::read_to_string(repo().join("tui/Cargo.toml")).unwrap();
    for bin in ["gene", "gene-trace"] {
        assert!(
            manifest.contains(&format!("[[bin]]\nname = \"{bin}\"")),
            "tui/Cargo.toml declares {bin}"
        );
    }
    assert_eq!(
        command_of(lines[2]),
        ["cargo", "test", "--workspace", "--no-fail-fast"]
    );

    // The example prints exactly the capture that follows: program output
    // then `--stats`.
    let out = run(&command_of(lines[1]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let start = steps.find("```text\n").expect("the README's capture") + "```text\n".len();
    let shown = &steps[start..start + steps[start..].find("```").unwrap()];
    assert_eq!(format!("{}{}", text(&out.stdout), text(&out.stderr)), shown);
}

/// README's `$ COMMAND` captures (in ```text blocks) that name files of the
/// repository: each runs from the root with the status the surrounding
/// text gives, and prints what the capture shows.
#[test]
fn readme_captures_of_bundled_programs_are_what_the_commands_print() {
    let readme = readme();

    // An uncaught error: status 1, the whole capture exactly.
    let capture = readme
        .split("```text\n$ gene run fixtures/errors/01_uncaught_throw.gene\n")
        .nth(1)
        .expect("README's error capture");
    let shown = &capture[..capture.find("```").unwrap()];
    let out = run(&command_of(
        "gene run fixtures/errors/01_uncaught_throw.gene",
    ));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(format!("{}{}", text(&out.stdout), text(&out.stderr)), shown);

    // explore on the race: the capture elides outcomes (`...`); the rest
    // is what it prints (the wall time goes to stderr). Its `# Expected:`
    // lines fail outcomes: status 1.
    let line = "gene-trace explore fixtures/examples/race.gene --seeds 2000";
    let capture = readme
        .split(&format!("```text\n$ {line}\n"))
        .nth(1)
        .expect("README's explore capture");
    let shown = &capture[..capture.find("```").unwrap()];
    let out = run(&command_of(line));
    // It wrote its shrunk schedule to the working directory (the root).
    let shrunk = repo().join("race.shrunk-1.schedule");
    assert!(shrunk.is_file(), "{}", shrunk.display());
    let _ = std::fs::remove_file(shrunk);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    let parts: Vec<&str> = shown.split("  ...\n").collect();
    assert!(printed.starts_with(parts[0]), "{printed}");
    assert!(printed.ends_with(parts[parts.len() - 1]), "{printed}");
    for part in parts {
        assert!(
            printed.contains(part),
            "README shows:\n{part}\nexplore printed:\n{printed}"
        );
    }
}

/// The `gene-trace test` lines of README's "Testing your Gene project" that
/// need nothing but the repository: `gene-trace test fixtures/ --strict`
/// passes (status 0), as README says.
#[test]
fn readme_test_command_on_the_fixtures_passes() {
    let readme = readme();
    let line = readme
        .lines()
        .find(|l| l.starts_with("gene-trace test fixtures/"))
        .expect("README runs the fixtures through gene-trace test");
    let out = run(&command_of(line));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains(" 0 failed"),
        "{}",
        text(&out.stdout)
    );
}
