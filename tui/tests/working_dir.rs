//! The working-directory rule from the command line, on a small tree that
//! mimics a checkout of upstream Gene: a repository (`.git`) with
//! `tests/fixtures/test.txt` and a `testsuite/` whose files read
//! `../tests/fixtures/test.txt`, run from `testsuite/` as upstream's
//! `run_tests.sh` runs them (`cd testsuite; gene run async/x.gene`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary tree, removed on drop.
struct Tree(PathBuf);

impl Tree {
    /// The checkout: `.git` (a directory when `git_dir`, else none),
    /// `tests/fixtures/test.txt`, `testsuite/async/*.gene`.
    fn checkout(tag: &str, git_dir: bool) -> Tree {
        let dir = std::env::temp_dir().join(format!("gene-wd-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let t = Tree(dir);
        if git_dir {
            t.file(".git/HEAD", "ref: refs/heads/main\n");
        }
        t.file("tests/fixtures/test.txt", "line1\nline2");
        t.file("testsuite/async/1_read.gene", READS_FIXTURE);
        t.file("testsuite/async/2_tmp.gene", &writes_tmp());
        t.file("testsuite/async/3_no_args.gene", NO_ARGUMENT_LIST);
        t.file("testsuite/async/4_outside.gene", READS_OUTSIDE);
        t
    }

    fn file(&self, rel: &str, text: &str) {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("dirs");
        std::fs::write(p, text).expect("write");
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const READS_FIXTURE: &str = r#"
(var test_file "../tests/fixtures/test.txt")
(var content (await (gene/io/read_async test_file)))
(println "Content:" content)
(println "sync:" ((gene/io/read test_file) == content))
"#;

/// Upstream's async/4 writes a file under /tmp and reads it back.
fn writes_tmp() -> String {
    format!(
        r#"
(var out "{}")
(await (gene/io/write_async out "Test content\nLine 2"))
(var back (await (gene/io/read_async out)))
(println "read back:" (back .length))
"#,
        tmp_file()
    )
}

fn tmp_file() -> String {
    format!("/tmp/gene-wd-never-on-disk-{}.txt", std::process::id())
}

/// Upstream's async/3: `fn` without an argument list, nested.
const NO_ARGUMENT_LIST: &str = r#"
(fn create_future_in_scope
  (var local_future (gene/io/read_async "../tests/fixtures/test.txt"))
  local_future)
(println "scoped:" (await (create_future_in_scope)))
(fn level1
  (fn level2
    (gene/io/read_async "../tests/fixtures/test.txt"))
  (level2))
(var all [(level1) (level1)])
(println "deep:" ((await (all/.get 1)) .length))
"#;

const READS_OUTSIDE: &str = r#"
(try (gene/io/read "../../../../etc/passwd") catch * (println $ex))
(try (gene/io/read "/etc/passwd") catch * (println $ex))
"#;

fn gene(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gene"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("start gene")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_testsuite_reads_the_fixtures_of_its_checkout() {
    let t = Tree::checkout("suite", true);
    let suite = t.path("testsuite");
    let o = gene(&suite, &["run", "async/1_read.gene"]);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(stdout(&o), "Content: line1\nline2\nsync: true\n");
    // The same from the file's own folder, and with the gene-trace binary.
    let o = gene(&t.path("testsuite/async"), &["run", "1_read.gene"]);
    assert!(!o.status.success(), "from async/, `../tests` is not there");
    let o = Command::new(env!("CARGO_BIN_EXE_gene-trace"))
        .args(["run", "async/1_read.gene"])
        .current_dir(&suite)
        .output()
        .expect("start gene-trace");
    assert_eq!(stdout(&o), "Content: line1\nline2\nsync: true\n");
}

#[test]
fn writes_to_tmp_stay_in_memory_and_read_back() {
    let t = Tree::checkout("tmp", true);
    let o = gene(&t.path("testsuite"), &["run", "async/2_tmp.gene"]);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(stdout(&o), "read back: 19\n");
    assert!(!Path::new(&tmp_file()).exists(), "nothing reached the disk");
}

#[test]
fn functions_without_an_argument_list_run() {
    let t = Tree::checkout("noargs", true);
    let o = gene(&t.path("testsuite"), &["run", "async/3_no_args.gene"]);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(stdout(&o), "scoped: line1\nline2\ndeep: 11\n");
}

#[test]
fn reads_beyond_the_root_are_refused() {
    let t = Tree::checkout("outside", true);
    let o = gene(&t.path("testsuite"), &["run", "async/4_outside.gene"]);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(
        stdout(&o),
        "Failed to read file '../../../../etc/passwd': path escapes the sandbox root (--root)\n\
         Failed to read file '/etc/passwd': path escapes the sandbox root (--root)\n"
    );
}

#[test]
fn without_a_repository_the_root_is_the_working_directory() {
    let t = Tree::checkout("nogit", false);
    // The temp dir may itself lie in a repository on an odd machine; then
    // that repository is the root and this case cannot be checked.
    let in_repo = t.0.ancestors().any(|a| a.join(".git").exists());
    let suite = t.path("testsuite");
    let o = gene(&suite, &["run", "async/1_read.gene"]);
    if !in_repo {
        assert_eq!(o.status.code(), Some(1), "{o:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(
                "Failed to read file '../tests/fixtures/test.txt': path escapes the sandbox root (--root)"
            ),
            "{o:?}"
        );
    }
    // --root widens it; the working directory stays where the tool runs.
    let o = gene(&suite, &["run", "--root", "..", "async/1_read.gene"]);
    assert_eq!(stdout(&o), "Content: line1\nline2\nsync: true\n", "{o:?}");
}

#[test]
fn the_cwd_flag_moves_the_working_directory() {
    let t = Tree::checkout("cwdflag", true);
    let file = t.path("testsuite/async/1_read.gene");
    let file = file.to_str().expect("utf-8");
    // From the top of the checkout, `../tests` is outside the root...
    let o = gene(&t.0, &["run", file]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    // ...and from `testsuite/` it is the checkout's.
    let o = gene(&t.0, &["run", "--cwd", "testsuite", file]);
    assert_eq!(stdout(&o), "Content: line1\nline2\nsync: true\n", "{o:?}");
    // --real resolves relative paths against the same directory.
    let o = gene(&t.0, &["run", "--real", "--cwd", "testsuite", file]);
    assert_eq!(stdout(&o), "Content: line1\nline2\nsync: true\n", "{o:?}");
    // A working directory outside the root, or missing, is a usage error.
    let o = gene(
        &t.path("testsuite"),
        &["run", "--root", ".", "--cwd", "..", file],
    );
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--cwd .. is outside the root"),
        "{o:?}"
    );
    let o = gene(&t.0, &["run", "--cwd", "nope", file]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
}

#[test]
fn the_trace_records_the_working_directory_relative_to_the_root() {
    let t = Tree::checkout("trace", true);
    let trace = t.path("trace.jsonl");
    let o = Command::new(env!("CARGO_BIN_EXE_gene-trace"))
        .args(["run", "--trace"])
        .arg(&trace)
        .arg("async/1_read.gene")
        .current_dir(t.path("testsuite"))
        .output()
        .expect("start gene-trace");
    assert!(o.status.success(), "{o:?}");
    let text = std::fs::read_to_string(&trace).expect("trace");
    let header: serde_json::Value =
        serde_json::from_str(text.lines().next().expect("header")).expect("json");
    assert_eq!(header["config"]["cwd"], "testsuite");
    let root = t.0.canonicalize().expect("root").display().to_string();
    assert!(
        !text.contains(&root),
        "the trace names the host's directories"
    );
}
