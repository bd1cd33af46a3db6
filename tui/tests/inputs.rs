//! No command overwrites what it reads: an output path that names an
//! input (however spelled: another path, a symbolic or hard link) is a
//! usage error, and the input stays as it was.

mod common;
use common::{gene_trace, scratch, text};

#[test]
fn an_output_that_names_an_input_is_refused() {
    let dir = scratch("inputs");
    let prog = dir.join("p.gene");
    let source = "(println 1)";
    std::fs::write(&prog, source).unwrap();
    let plan = dir.join("plan.toml");
    std::fs::write(&plan, "fail_nth = [9]\n").unwrap();
    let trace = dir.join("t.jsonl");
    let (p, t) = (prog.to_str().unwrap(), trace.to_str().unwrap());
    gene_trace(&["run", p, "--trace", t], "");
    let recorded = std::fs::read(&trace).unwrap();
    std::os::unix::fs::symlink(&prog, dir.join("link.gene")).unwrap();
    std::fs::hard_link(&trace, dir.join("hard.jsonl")).unwrap();
    let dotted = format!("{}/./p.gene", dir.display());
    let link = dir.join("link.gene");
    let hard = dir.join("hard.jsonl");
    let cases: Vec<Vec<&str>> = vec![
        vec!["run", p, "--trace", p],
        vec!["run", p, "--trace", &dotted],
        vec!["run", p, "--trace", link.to_str().unwrap()],
        vec!["run", p, "--check", "--trace", p],
        vec![
            "run",
            p,
            "--faults",
            plan.to_str().unwrap(),
            "--trace",
            plan.to_str().unwrap(),
        ],
        vec!["export", t, t],
        vec!["export", t, hard.to_str().unwrap()],
    ];
    for args in cases {
        let out = gene_trace(&args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(
            err.starts_with("error: ") && err.contains("refusing to overwrite"),
            "{args:?}: {err}"
        );
        assert_eq!(std::fs::read_to_string(&prog).unwrap(), source, "{args:?}");
        assert_eq!(std::fs::read(&trace).unwrap(), recorded, "{args:?}");
        assert_eq!(
            std::fs::read_to_string(&plan).unwrap(),
            "fail_nth = [9]\n",
            "{args:?}"
        );
    }
    // A program read from stdin names no file: `--trace` anywhere is fine.
    let out = gene_trace(&["run", "--trace", t], source);
    assert_eq!(out.status.code(), Some(0));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn explore_outcome_files_never_overwrite_the_program() {
    let dir = scratch("inputs-outcomes");
    let prog = dir.join("outcome-1.txt");
    std::fs::write(&prog, "(println 1)").unwrap();
    let out = gene_trace(
        &[
            "explore",
            prog.to_str().unwrap(),
            "--seeds",
            "2",
            "--outcomes-dir",
            dir.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&prog).unwrap(), "(println 1)");
    std::fs::remove_dir_all(&dir).unwrap();
}
