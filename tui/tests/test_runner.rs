//! `gene-trace test` as a user runs it on a small project of their own:
//! passing and failing files, the diff, the saved trace and the commands
//! that reproduce a failure, `--bless`, JUnit and JSON reports, `--seeds`,
//! the filter, the shard, `--fail-fast`, a hung file stopped by its limit,
//! the working-directory rule (a `testsuite/` reading `../tests/fixtures`)
//! and the misspelt-directive warning.

mod common;
use common::{GENE_TRACE, scratch, shell_words, text};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `gene-trace test ARGS` from `dir`.
fn test_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(GENE_TRACE)
        .arg("test")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run gene-trace test")
}

/// A project: a `.git` folder (so it is the root) and the given files.
fn project(test: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = scratch(&format!("testrun-{test}"));
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    for (path, body) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    dir
}

const PASSING: &str = "(println \"hello\")\n# Expected: hello\n\
                       (await (gene/sleep_async 30))\n# Elapsed: 30ms\n";
const FAILING: &str = "(println \"two\")\n# Expected: one\n\
                       (await (gene/sleep_async 5))\n# Elapsed: 4ms\n";
/// Two same-instant tasks: their order depends on the schedule.
const RACY: &str = "(fn ^^async w [x] (await (gene/sleep_async 1)) (print x))\n\
                    (await (w 1) (w 2))\n# Expected: 12\n";

fn lines_starting(s: &str, prefix: &str) -> Vec<String> {
    s.lines()
        .filter(|l| l.starts_with(prefix))
        .map(str::to_string)
        .collect()
}

#[test]
fn passing_files_give_ok_lines_and_cargo_s_closing_line() {
    let dir = project(
        "pass",
        &[
            ("tests/a.gene", PASSING),
            ("tests/sub/b.gene", "(println 1)\n"),
        ],
    );
    let out = test_in(&dir, &["tests"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let lines = lines_starting(&stdout, "test ");
    assert_eq!(
        lines[..2],
        [
            "test tests/a.gene ... ok (elapsed 30ms)",
            "test tests/sub/b.gene ... ok (elapsed 0ms)",
        ]
    );
    assert_eq!(lines.len(), 3);
    assert!(
        lines[2].starts_with("test result: ok. 2 passed; 0 failed; 0 filtered out; finished in "),
        "{stdout}"
    );
    assert!(stdout.contains("running 2 tests"));
    // Colour only on a terminal: none here.
    assert!(!stdout.contains('\x1b'));
}

#[test]
fn a_failure_shows_the_diff_and_saves_a_trace_that_its_commands_reproduce() {
    let dir = project(
        "fail",
        &[("tests/a.gene", PASSING), ("tests/f.gene", FAILING)],
    );
    let out = test_in(&dir, &["tests"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("test tests/f.gene ... FAILED (elapsed 5ms)"),
        "{stdout}"
    );
    for l in [
        "-one",
        "+two",
        "-# Elapsed: 4ms",
        "+# Elapsed: 5ms",
        "--- expected",
        "+++ actual",
    ] {
        assert!(stdout.lines().any(|x| x == l), "no {l:?} in:\n{stdout}");
    }
    assert!(
        stdout.contains("test result: FAILED. 1 passed; 1 failed"),
        "{stdout}"
    );
    // The trace is saved and is a valid trace.
    let trace = dir.join("target/gene-test-failures/tests__f.gene.trace");
    assert!(trace.is_file(), "{stdout}");
    let check = Command::new(GENE_TRACE)
        .args(["check", &trace.to_string_lossy()])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));
    let replay = format!(
        "gene-trace replay {}",
        "target/gene-test-failures/tests__f.gene.trace"
    );
    assert!(stdout.contains(&replay), "{stdout}");
    // The run command, run as printed, gives the failing output and the
    // same trace.
    let run = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("cd tests && "))
        .expect("a run command")
        .to_string();
    let mut words = shell_words(&run);
    assert_eq!(&words[..2], ["gene-trace", "run"]);
    let again = dir.join("again.trace");
    words.extend(["--trace".to_string(), again.to_string_lossy().into_owned()]);
    let rerun = Command::new(GENE_TRACE)
        .args(&words[1..])
        .current_dir(dir.join("tests"))
        .output()
        .unwrap();
    assert_eq!(text(&rerun.stdout), "two\n");
    assert_eq!(
        std::fs::read(&trace).unwrap(),
        std::fs::read(&again).unwrap()
    );
}

#[test]
fn bless_rewrites_a_temporary_copy_and_shows_the_change() {
    let dir = project(
        "bless",
        &[("t/f.gene", FAILING), ("t/err.gene", "(throw \"x\")\n")],
    );
    let out = test_in(&dir, &["t", "--bless"]);
    let stdout = text(&out.stdout);
    // The file that fails by an unexpected error is not blessable.
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("test t/f.gene ... blessed (elapsed 5ms)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("-# Expected: one\n+# Expected: two"),
        "{stdout}"
    );
    assert!(
        stdout.contains("-# Elapsed: 4ms\n+# Elapsed: 5ms"),
        "{stdout}"
    );
    assert!(stdout.contains("1 failed; 1 blessed"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(dir.join("t/f.gene")).unwrap(),
        FAILING.replace("one", "two").replace("4ms", "5ms")
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("t/err.gene")).unwrap(),
        "(throw \"x\")\n"
    );
    let out = test_in(&dir, &["t/f.gene"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn junit_xml_parses_and_has_each_file() {
    let dir = project(
        "junit",
        &[("tests/a.gene", PASSING), ("tests/f.gene", FAILING)],
    );
    let out = test_in(
        &dir,
        &["tests", "--format", "junit", "--output", "junit.xml"],
    );
    assert_eq!(out.status.code(), Some(1));
    // The human report still goes to standard output.
    assert!(text(&out.stdout).contains("test tests/f.gene ... FAILED"));
    let xml = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("tests"), Some("2"));
    assert_eq!(suite.attribute("failures"), Some("1"));
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases[0].attribute("name"), Some("tests/a.gene"));
    assert_eq!(cases[1].attribute("classname"), Some("tests"));
    let failure = cases[1]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert!(
        failure
            .attribute("message")
            .unwrap()
            .contains("output differs")
    );
    assert!(failure.text().unwrap().contains("+two"));
    // To standard output when there is no --output.
    let out = test_in(&dir, &["tests/a.gene", "--format", "junit"]);
    roxmltree::Document::parse(&text(&out.stdout)).expect("XML on stdout");
}

#[test]
fn json_gives_one_object_per_test() {
    let dir = project(
        "json",
        &[("tests/a.gene", PASSING), ("tests/f.gene", FAILING)],
    );
    let out = test_in(&dir, &["tests", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let objects: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(objects.len(), 2);
    assert_eq!(objects[0]["name"], "tests/a.gene");
    assert_eq!(objects[0]["status"], "ok");
    assert_eq!(objects[0]["elapsed"], "30ms");
    assert_eq!(objects[1]["status"], "failed");
    assert_eq!(objects[1]["actual"], serde_json::json!(["two"]));
    assert_eq!(objects[1]["expected_elapsed"], "4ms");
    assert!(
        objects[1]["run"]
            .as_str()
            .unwrap()
            .contains("gene-trace run f.gene")
    );
}

#[test]
fn seeds_run_random_schedules_and_name_the_failing_seed() {
    let dir = project("seeds", &[("t/racy.gene", RACY)]);
    assert_eq!(
        test_in(&dir, &["t"]).status.code(),
        Some(0),
        "fifo prints 12"
    );
    let out = test_in(&dir, &["t", "--seeds", "20"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let seed: u64 = stdout
        .split_once("with seed ")
        .and_then(|(_, r)| r.split_once(' '))
        .and_then(|(s, _)| s.parse().ok())
        .expect("the failure names its seed");
    assert!(
        stdout.contains(&format!("--seed {seed} --schedule random")),
        "{stdout}"
    );
    // The directive does the same.
    std::fs::write(dir.join("t/racy.gene"), format!("{RACY}# Seeds: 20\n")).unwrap();
    let out = test_in(&dir, &["t"]);
    assert!(text(&out.stdout).contains(&format!("with seed {seed} ")));
}

#[test]
fn the_filter_selects_by_substring() {
    let dir = project(
        "filter",
        &[
            ("t/alpha.gene", PASSING),
            ("t/beta.gene", PASSING),
            ("t/f.gene", FAILING),
        ],
    );
    let out = test_in(&dir, &["t", "--filter", "alph", "--filter", "beta"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(lines_starting(&stdout, "test t/").len(), 2);
    assert!(
        stdout.contains("2 passed; 0 failed; 1 filtered out"),
        "{stdout}"
    );
}

#[test]
fn shards_partition_the_files() {
    let files: Vec<(String, &str)> = (0..7)
        .map(|i| (format!("t/f{i}.gene"), "(println 1)\n"))
        .collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, b)| (p.as_str(), *b)).collect();
    let dir = project("shard", &refs);
    let mut union = Vec::new();
    for i in 1..=3 {
        let out = test_in(&dir, &["t", "--shard", &format!("{i}/3")]);
        let stdout = text(&out.stdout);
        let mine = lines_starting(&stdout, "test t/");
        assert!(stdout.contains(&format!(
            "(shard {i}/3; {} in other shards)",
            7 - mine.len()
        )));
        union.extend(mine);
    }
    union.sort();
    let all = lines_starting(&text(&test_in(&dir, &["t"]).stdout), "test t/");
    assert_eq!(union, all);
    assert_eq!(
        test_in(&dir, &["t", "--shard", "4/3"]).status.code(),
        Some(2)
    );
}

#[test]
fn results_are_in_path_order_whatever_the_jobs_and_fail_fast_stops() {
    let dir = project(
        "order",
        &[
            ("t/a.gene", PASSING),
            ("t/b.gene", FAILING),
            ("t/c.gene", PASSING),
            ("t/d.gene", RACY),
        ],
    );
    let one = lines_starting(
        &text(&test_in(&dir, &["t", "--jobs", "1"]).stdout),
        "test t/",
    );
    let four = lines_starting(
        &text(&test_in(&dir, &["t", "--jobs", "4"]).stdout),
        "test t/",
    );
    assert_eq!(one, four);
    assert_eq!(one.len(), 4);
    let out = test_in(&dir, &["t", "--fail-fast", "--jobs", "4"]);
    let stdout = text(&out.stdout);
    assert_eq!(lines_starting(&stdout, "test t/").len(), 2, "{stdout}");
    assert!(
        stdout.contains("1 passed; 1 failed; 2 not run (--fail-fast)"),
        "{stdout}"
    );
}

#[test]
fn a_hung_file_is_stopped_by_its_limits() {
    let dir = project(
        "hung",
        &[
            ("t/spin.gene", "(loop (var x 1))\n"),
            (
                "t/grow.gene",
                "(fn ^^async w [] (await (gene/sleep_async 1000)))\n(loop (w))\n",
            ),
        ],
    );
    let out = test_in(&dir, &["t/spin.gene", "--max-instructions", "100000"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("instruction limit of 100000 exceeded"),
        "{stdout}"
    );
    assert!(
        stdout.contains("--max-instructions 100000"),
        "the run command keeps the limit"
    );
    let out = test_in(&dir, &["t/grow.gene", "--max-memory", "8M"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("memory limit of 8388608 bytes exceeded"),
        "{stdout}"
    );
}

/// Upstream's testsuite reads `../tests/fixtures/...`: it runs from its own
/// folder. Our own small tree, shaped the same.
#[test]
fn each_file_runs_from_the_folder_named_on_the_command_line() {
    let read = "(println (gene/io/read \"../tests/fixtures/x.txt\"))\n# Expected: from fixtures\n";
    let dir = project(
        "cwd",
        &[
            ("tests/fixtures/x.txt", "from fixtures"),
            ("testsuite/io/1_read.gene", read),
            (
                "testsuite/io/2_outside.gene",
                "(try (gene/io/read \"../../../../etc/passwd\") catch * (println \"refused\"))\n# Expected: refused\n",
            ),
        ],
    );
    let out = test_in(&dir, &["testsuite"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    // From the project's parent too: the root is still the project.
    let out = test_in(
        dir.parent().unwrap(),
        &[&format!(
            "{}/testsuite",
            dir.file_name().unwrap().to_string_lossy()
        )],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    // Named by its subfolder, the file runs from there, and `..` is testsuite/.
    let out = test_in(&dir, &["testsuite/io"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("test testsuite/io/1_read.gene ... FAILED"));
    let out = test_in(&dir, &["testsuite/io", "--cwd", "testsuite"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let out = test_in(&dir, &["testsuite/io/1_read.gene", "--cwd", "testsuite"]);
    assert_eq!(out.status.code(), Some(0));
    // With the root at testsuite/, `../tests` lies outside it.
    let out = test_in(&dir, &["testsuite", "--root", "testsuite"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("path escapes the sandbox root"), "{stdout}");
}

#[test]
fn strict_checks_and_update_is_bless() {
    let dir = project("strict", &[("t/a.gene", PASSING), ("t/f.gene", FAILING)]);
    let out = test_in(&dir, &["t", "--strict"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("test t/a.gene ... ok"), "{stdout}");
    assert!(stdout.contains("--check --check-determinism"), "{stdout}");
    let out = test_in(&dir, &["t", "--update"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("test t/f.gene ... blessed"));
}

/// `gene-trace test fixtures/` passes every fixture of this repository,
/// run from the repository's top as a user would.
#[test]
fn the_repository_s_fixtures_pass() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let failures = scratch("testrun-fixtures-failures");
    let out = test_in(
        &repo,
        &["fixtures/", "--failures-dir", &failures.to_string_lossy()],
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let n = gene_sim::fixture::gene_files(&repo.join("fixtures")).len();
    assert!(
        stdout.contains(&format!("test result: ok. {n} passed; 0 failed")),
        "{stdout}"
    );
}

#[test]
fn hidden_folders_and_folder_links_are_not_searched() {
    let dir = project(
        "links",
        &[("t/a.gene", PASSING), ("t/.hidden/h.gene", FAILING)],
    );
    // A link back up: following it would loop.
    std::os::unix::fs::symlink("..", dir.join("t/up")).unwrap();
    let out = test_in(&dir, &["t"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(
        lines_starting(&stdout, "test t/"),
        ["test t/a.gene ... ok (elapsed 30ms)"]
    );
}

#[test]
fn a_misspelt_directive_is_warned_about() {
    let dir = project(
        "spell",
        &[(
            "t/a.gene",
            "(println 1)\n# Expected: 1\n# Elpased: 3ms\n# Note: fine\n",
        )],
    );
    let out = test_in(&dir, &["t"]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr.trim(),
        "warning: t/a.gene: line 3: `# Elpased:` is not a directive (did you mean `# Elapsed:`?); it is read as a comment"
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = project("usage", &[("t/a.gene", PASSING)]);
    for args in [
        &["missing/"][..],
        &["t", "--output", "x.txt"],
        &["t", "--shard", "0/2"],
        &["t", "--seeds", "0"],
        &["t", "--cwd", "nowhere"],
        &["t", "--format", "junit", "--output", "t/a.gene"],
        &[".git"],
    ] {
        let out = test_in(&dir, args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stderr).starts_with("error: "), "{args:?}");
    }
}

/// fixtures/README.md lists exactly the directives the code reads.
#[test]
fn the_documented_directives_are_the_code_s() {
    let readme = std::fs::read_to_string(common::repo_file("fixtures/README.md")).unwrap();
    let mut documented: Vec<&str> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("- `# "))
        .filter_map(|l| l.split_once(':'))
        .map(|(name, _)| name)
        .collect();
    documented.sort_unstable();
    let mut code: Vec<&str> = gene_sim::fixture::DIRECTIVES
        .iter()
        .map(|(d, _)| *d)
        .collect();
    code.sort_unstable();
    assert_eq!(documented, code);
}
