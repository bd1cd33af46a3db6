//! The tests bite: with each deliberate bug switched on (gene-vm's
//! `mutations` feature), running the async fixtures must expose it, through
//! their expected output, the invariant checkers, or the scope audit.

use std::path::{Path, PathBuf};
use std::time::Instant;

use gene_sim::RunConfig;
use gene_vm::VmConfig;
use gene_vm::mutation::Mutation;

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/async");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixtures/async")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "gene"))
        .collect();
    files.sort();
    files
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Why the run of `path` under `mutation` is seen to be wrong, if it is.
fn exposed(path: &Path, mutation: Option<Mutation>) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    if text.lines().any(|l| {
        l.starts_with("# ") && !l.starts_with("# Expected:") && l.contains(':') && {
            let key = l[2..].split(':').next().unwrap_or("");
            matches!(
                key,
                "Faults" | "Await" | "Schedule" | "Seed" | "Poll-every" | "Error"
            )
        }
    }) {
        // Keep to fixtures that run with the default configuration.
        return None;
    }
    let config = RunConfig {
        vm: VmConfig {
            max_instructions: Some(50_000_000),
            mutation,
            ..VmConfig::default()
        },
        root: Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        ..RunConfig::default()
    };
    let mut out = Vec::new();
    let (report, trace) = gene_sim::run_collected("bite.gene", &text, &config, &mut out).ok()?;
    let expected: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# Expected: "))
        .filter(|l| !l.trim().is_empty())
        .map(squash)
        .collect();
    let actual: Vec<String> = String::from_utf8_lossy(&out)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(squash)
        .collect();
    if let Err(u) = &report.result {
        return Some(format!("the run failed: {}", u.message()));
    }
    if !expected.is_empty() && expected != actual {
        return Some("output differs from its # Expected lines".into());
    }
    if let Some(v) = gene_sim::trace::check::check(&trace.records).first() {
        return Some(format!("checker: {v}"));
    }
    if !report.closing.miscounts.is_empty() {
        return Some("end-of-run audit: miscounted scopes".into());
    }
    None
}

#[test]
fn the_unbroken_vm_passes_the_corpus() {
    for f in fixtures() {
        assert_eq!(exposed(&f, None), None, "{}", f.display());
    }
}

#[test]
fn every_deliberate_bug_is_exposed() {
    let files = fixtures();
    // The others need a seeded schedule, blocking mode or a second run:
    // tests/props.rs (`each_property_bites`) shows those caught.
    for mutation in [
        Mutation::CallbacksReversed,
        Mutation::WaitersReversed,
        Mutation::MissingRetain,
        Mutation::DroppedFailure,
    ] {
        let start = Instant::now();
        let caught: Vec<(String, String)> = files
            .iter()
            .filter_map(|f| {
                exposed(f, Some(mutation))
                    .map(|why| (f.file_name().unwrap().to_string_lossy().into(), why))
            })
            .collect();
        assert!(
            !caught.is_empty(),
            "{mutation:?} goes unnoticed by every async fixture"
        );
        println!(
            "{mutation:?}: exposed by {} of {} fixtures in {:.2?}; first: {} ({})",
            caught.len(),
            files.len(),
            start.elapsed(),
            caught[0].0,
            caught[0].1
        );
    }
}
