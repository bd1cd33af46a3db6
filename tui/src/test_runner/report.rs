//! The human report, in cargo test's form: a line per file, the failures
//! with a diff of expected and actual output (and elapsed time), then the
//! closing `test result: ... N passed; M failed` line. Colour only when
//! standard output is a terminal (and `NO_COLOR` is unset).

use std::time::Duration;

use super::Outcome;

/// Whether to colour the human report.
pub fn colour() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn paint(text: &str, code: &str, on: bool) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// `test fixtures/a.gene ... ok (elapsed 30ms)`.
pub fn line(o: &Outcome, colour: bool) -> String {
    let elapsed = gene_sim::format_nanos(o.verdict.elapsed_nanos);
    let status = match (&o.verdict.failure, &o.blessed) {
        (None, _) => paint("ok", "32", colour),
        (Some(_), Some(_)) => paint("blessed", "33", colour),
        (Some(_), None) => paint("FAILED", "31", colour),
    };
    format!("test {} ... {status} (elapsed {elapsed})\n", o.file.display)
}

/// The expected text of a failure: the expected lines, then the expected
/// elapsed time as its directive; and the same of the actual run.
fn sides(f: &gene_sim::fixture::judge::Failure) -> (String, String) {
    let mut expected = String::new();
    let mut actual = String::new();
    if let Some(lines) = &f.expected {
        for l in lines {
            expected.push_str(&format!("{l}\n"));
        }
        for l in &f.actual {
            actual.push_str(&format!("{l}\n"));
        }
    }
    if let Some(e) = &f.expected_elapsed {
        expected.push_str(&format!("# Elapsed: {e}\n"));
        actual.push_str(&format!(
            "# Elapsed: {}\n",
            f.actual_elapsed.as_deref().unwrap_or("?")
        ));
    }
    (expected, actual)
}

/// A failure's explanation: its reason, the diff of expected and actual,
/// where its trace is and how to reproduce it (and, blessed, the change).
pub fn failure_text(o: &Outcome, colour: bool) -> String {
    let Some(f) = &o.verdict.failure else {
        return String::new();
    };
    let mut s = format!("{}\n", f.reason.trim_end());
    let (expected, actual) = sides(f);
    if !expected.is_empty() || !actual.is_empty() {
        let diff = similar::TextDiff::from_lines(&expected, &actual);
        let text = diff.unified_diff().header("expected", "actual").to_string();
        for l in text.lines() {
            let painted = if l.starts_with('-') && !l.starts_with("---") {
                paint(l, "31", colour)
            } else if l.starts_with('+') && !l.starts_with("+++") {
                paint(l, "32", colour)
            } else {
                l.to_string()
            };
            s.push_str(&painted);
            s.push('\n');
        }
        if diff.ratio() == 1.0 && f.expected.is_some() {
            s.push_str("(expected and actual differ only in white space or blank lines)\n");
        }
    }
    if let Some(saved) = &o.saved {
        if let Some(t) = &saved.trace {
            s.push_str(&format!("trace: {}\n", t.display()));
        }
        if let Some(c) = &saved.cut {
            s.push_str(&format!("trace cut: {c}\n"));
        }
        if let Some(e) = &saved.error {
            s.push_str(&format!("trace not saved: {e}\n"));
        }
        s.push_str("reproduce:\n");
        if let Some(r) = &saved.replay {
            s.push_str(&format!("  {r}\n"));
        }
        s.push_str(&format!("  {}\n", saved.run));
    }
    if let Some(change) = &o.blessed {
        s.push_str("blessed, the file now reads:\n");
        s.push_str(change);
    }
    s
}

/// Counts for the closing line.
#[derive(Clone, Copy, Debug, Default)]
pub struct Totals {
    pub passed: usize,
    pub failed: usize,
    pub blessed: usize,
    pub not_run: usize,
    pub filtered_out: usize,
}

/// The failures section and the closing line.
pub fn closing(outcomes: &[Outcome], t: Totals, wall: Duration, colour: bool) -> String {
    let mut s = String::new();
    let failing: Vec<&Outcome> = outcomes.iter().filter(|o| !o.verdict.passed()).collect();
    if !failing.is_empty() {
        s.push_str("\nfailures:\n");
        for o in &failing {
            s.push_str(&format!("\n---- {} ----\n", o.file.display));
            s.push_str(&failure_text(o, colour));
        }
        s.push_str("\nfailures:\n");
        for o in &failing {
            let mark = if o.blessed.is_some() {
                " (blessed)"
            } else {
                ""
            };
            s.push_str(&format!("    {}{mark}\n", o.file.display));
        }
    }
    let ok = t.failed == 0;
    let word = if ok {
        paint("ok", "32", colour)
    } else {
        paint("FAILED", "31", colour)
    };
    let mut counts = format!("{} passed; {} failed", t.passed, t.failed);
    if t.blessed > 0 {
        counts.push_str(&format!("; {} blessed", t.blessed));
    }
    if t.not_run > 0 {
        counts.push_str(&format!("; {} not run (--fail-fast)", t.not_run));
    }
    s.push_str(&format!(
        "\ntest result: {word}. {counts}; {} filtered out; finished in {:.2}s\n",
        t.filtered_out,
        wall.as_secs_f64()
    ));
    s
}
