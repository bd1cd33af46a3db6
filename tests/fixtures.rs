//! Every `fixtures/**/*.gene` is its own test, judged as upstream's testsuite
//! runner judges (DESIGN.md, "Fixtures"), plus our own directives:
//! `# Error: text` (the run must fail with an error containing `text`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use libtest_mimic::{Arguments, Failed, Trial};

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let trials = files
        .into_iter()
        .map(|path| {
            let name = path
                .strip_prefix(&root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            Trial::test(name, move || check(&path)).with_kind("gene")
        })
        .collect();
    libtest_mimic::run(&args, trials).exit_code()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "gene") {
            out.push(p);
        }
    }
}

/// The directives of a fixture.
struct Expect {
    /// Some when any `# Expected:` line exists.
    lines: Option<Vec<String>>,
    error: Option<String>,
}

fn directives(text: &str) -> Expect {
    let mut lines: Option<Vec<String>> = None;
    let mut error = None;
    for l in text.lines() {
        if let Some(rest) = l.strip_prefix("# Expected:") {
            let v = lines.get_or_insert_with(Vec::new);
            let rest = rest.strip_prefix(' ').unwrap_or(rest);
            if !rest.trim().is_empty() {
                v.push(rest.to_string());
            }
        } else if let Some(rest) = l.strip_prefix("# Error:") {
            error = Some(rest.trim().to_string());
        }
    }
    Expect { lines, error }
}

/// Whitespace-insensitive line equality, as `diff -B -w`.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn check(path: &Path) -> Result<(), Failed> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let expect = directives(&text);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let config = gene_sim::RunConfig {
        vm: gene_vm::VmConfig {
            max_instructions: Some(200_000_000),
            ..Default::default()
        },
        ..Default::default()
    };
    let (stdout, outcome) = gene_sim::run_captured(&name, &text, &config);
    let mut merged = stdout.clone();
    match (&outcome, &expect.error) {
        (Ok(_), Some(e)) => {
            return Err(format!(
                "expected an error containing {e:?}, but the run succeeded\n--- output:\n{stdout}"
            )
            .into());
        }
        (Err(rendered), Some(e)) => {
            if !rendered.contains(e.as_str()) {
                return Err(format!("expected an error containing {e:?}, got:\n{rendered}").into());
            }
        }
        (Err(rendered), None) => {
            return Err(
                format!("the run failed (exit 1):\n{rendered}--- output:\n{stdout}").into(),
            );
        }
        (Ok(_), None) => {}
    }
    if let Err(rendered) = &outcome
        && expect.error.is_none()
    {
        merged.push_str(rendered);
    }
    let Some(expected) = expect.lines else {
        return Ok(());
    };
    let actual: Vec<&str> = merged.lines().filter(|l| !l.trim().is_empty()).collect();
    let mismatch = actual.len() != expected.len()
        || actual
            .iter()
            .zip(&expected)
            .any(|(a, e)| squash(a) != squash(e));
    if mismatch {
        let mut msg = String::from("output differs\n--- expected:\n");
        for e in &expected {
            msg.push_str(e);
            msg.push('\n');
        }
        msg.push_str("--- actual:\n");
        for a in &actual {
            msg.push_str(a);
            msg.push('\n');
        }
        return Err(msg.into());
    }
    Ok(())
}
