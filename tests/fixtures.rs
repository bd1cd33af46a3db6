//! Every `fixtures/**/*.gene` is its own test, judged as upstream's testsuite
//! runner judges (DESIGN.md, "Fixtures"), plus our own directives (see
//! fixtures/README.md): `# Error:`, `# Error-at:`, `# Elapsed:`, `# Seed:`, `# Schedule:`,
//! `# Await:`, `# Poll-every:`, `# Faults:` and `# Unobserved:`. Each fixture
//! runs twice; the two runs must print the same.

use std::path::Path;
use std::process::ExitCode;

use gene_sim::fixture::{directives, gene_files, squash};
use gene_sim::trace::read::Trace;
use gene_sim::{Report, RunConfig};
use libtest_mimic::{Arguments, Failed, Trial};

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let trials = gene_files(&root)
        .into_iter()
        .map(|path| {
            let name = path
                .strip_prefix(&root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let root = root.clone();
            Trial::test(name, move || check(&path, &root)).with_kind("gene")
        })
        .collect();
    libtest_mimic::run(&args, trials).exit_code()
}

/// Runs a fixture: its output (stdout), and its outcome or rendered error.
/// Runs a fixture with its trace collected: output, report and records.
fn run(name: &str, text: &str, config: &RunConfig) -> (String, Result<(Report, Trace), String>) {
    let mut out = Vec::new();
    let report = gene_sim::run_collected(name, text, config, &mut out).map_err(|e| e.render());
    (String::from_utf8_lossy(&out).into_owned(), report)
}

/// A JSON trace of the run, in memory.
fn json_trace(name: &str, text: &str, config: &RunConfig) -> Vec<u8> {
    // The collected run already audited the counts at every poll.
    let config = &RunConfig {
        check_refcounts: false,
        ..config.clone()
    };
    let buf = SharedBuf::default();
    let _ = gene_sim::run_traced(
        name,
        text,
        config,
        &mut std::io::sink(),
        Some(Box::new(buf.clone())),
    );
    buf.0.lock().unwrap().clone()
}

use gene_sim::trace::SharedBuf;

/// Traces are byte-identical across runs, read back to the records the
/// collector saw, and pass every invariant checker.
fn check_trace(
    name: &str,
    text: &str,
    config: &RunConfig,
    collected: &Trace,
) -> Result<(), String> {
    let first = json_trace(name, text, config);
    let second = json_trace(name, text, config);
    if first != second {
        let a = String::from_utf8_lossy(&first);
        let b = String::from_utf8_lossy(&second);
        let (line, (x, y)) = a
            .lines()
            .zip(b.lines())
            .enumerate()
            .find(|(_, (x, y))| x != y)
            .unwrap_or((0, ("", "")));
        return Err(format!("two traces differ at line {}:\n{x}\n{y}", line + 1));
    }
    let read =
        gene_sim::trace::read::read(&first[..]).map_err(|e| format!("trace unreadable: {e}"))?;
    if let Some(e) = &read.error {
        return Err(format!("trace unreadable: {e}"));
    }
    if read.records != collected.records {
        let i = read
            .records
            .iter()
            .zip(&collected.records)
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        return Err(format!(
            "the JSON trace and the collected records differ at record {}:\n{:?}\n{:?}",
            i + 1,
            read.records.get(i),
            collected.records.get(i)
        ));
    }
    let violations = gene_sim::trace::check::check(&collected.records);
    if !violations.is_empty() {
        let list: Vec<String> = violations.iter().map(|v| v.to_string()).collect();
        return Err(format!("invariants broken:\n{}", list.join("\n")));
    }
    Ok(())
}

fn check(path: &Path, root: &Path) -> Result<(), Failed> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut config = RunConfig {
        vm: gene_vm::VmConfig {
            max_instructions: Some(200_000_000),
            ..Default::default()
        },
        root: root.to_path_buf(),
        check_refcounts: true,
        ..Default::default()
    };
    let expect = directives(&text, &mut config)?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let (stdout, report) = run(&name, &text, &config);
    let (again, _) = run(&name, &text, &config);
    if again != stdout {
        return Err(format!(
            "two runs printed differently:\n--- first\n{stdout}--- second\n{again}"
        )
        .into());
    }
    let (report, trace) = report.map_err(|e| format!("cannot load: {e}"))?;
    check_trace(&name, &text, &config, &trace)?;
    if let Some(e) = &expect.elapsed {
        let got = gene_sim::format_nanos(report.elapsed_nanos);
        if &got != e {
            return Err(format!("virtual time at the end: expected {e}, got {got}").into());
        }
    }
    if let Some(n) = expect.unobserved
        && report.unobserved.len() != n
    {
        return Err(format!(
            "expected {n} unobserved failures, got {:?}",
            report.unobserved
        )
        .into());
    }
    let closing = &report.closing;
    if report.poll_miscounts > 0 {
        return Err(format!(
            "{} scope counts differed from the recount from the roots",
            report.poll_miscounts
        )
        .into());
    }
    if !closing.miscounts.is_empty() || closing.live != 0 {
        return Err(format!(
            "scope refcounts wrong at the end: {:?}, {} scopes left alive",
            closing.miscounts, closing.live
        )
        .into());
    }
    let outcome = report.result.map_err(|u| u.render());
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
            // Every errors/ fixture says where its error is raised.
            let in_errors = path.parent().is_some_and(|d| d.ends_with("errors"));
            match &expect.error_at {
                Some(at) => {
                    let arrow = rendered.lines().find(|l| l.trim_start().starts_with("-->"));
                    if !arrow.is_some_and(|l| l.ends_with(&format!(":{at}"))) {
                        return Err(format!("expected the error at {at}, got:\n{rendered}").into());
                    }
                }
                None if in_errors => {
                    return Err("an errors/ fixture needs a `# Error-at: L:C` directive".into());
                }
                None => {}
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
