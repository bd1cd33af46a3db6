//! `--bless` (`--update`): rewriting a failing file's expected directives
//! from its actual run, as insta and trybuild do, and showing the change.
//!
//! - `# Expected:` lines: when the file has as many (non-blank) as the run
//!   printed lines, each is rewritten in place, so they stay beside the
//!   forms that print them; otherwise they are all replaced by the actual
//!   lines, written where the first of them stood.
//! - `# Elapsed:`: rewritten in place.
//!
//! Only failures that are differences of output or elapsed time are
//! blessed; a file that fails otherwise (an unexpected error, a limit, a
//! bad directive) is left as it is.

use gene_sim::fixture::judge::Failure;
use gene_sim::fixture::squash;

fn is_expected(line: &str) -> Option<&str> {
    line.strip_prefix("# Expected:")
        .map(|v| v.strip_prefix(' ').unwrap_or(v))
}

/// `text` with its directives rewritten from the failure's actual run.
pub fn blessed(text: &str, failure: &Failure) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let eol = |l: &str| if l.ends_with('\n') { "\n" } else { "" };
    let outputs_differ = failure.expected.as_ref().is_some_and(|e| {
        e.len() != failure.actual.len()
            || e.iter()
                .zip(&failure.actual)
                .any(|(x, y)| squash(x) != squash(y))
    });
    if outputs_differ {
        let slots: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                is_expected(l.trim_end_matches(['\n', '\r'])).is_some_and(|v| !v.trim().is_empty())
            })
            .map(|(i, _)| i)
            .collect();
        if slots.len() == failure.actual.len() {
            for (i, a) in slots.iter().zip(&failure.actual) {
                out[*i] = format!("# Expected: {a}{}", eol(lines[*i]));
            }
        } else {
            let first = slots.first().copied().or_else(|| {
                lines
                    .iter()
                    .position(|l| is_expected(l.trim_end_matches(['\n', '\r'])).is_some())
            });
            let block: String = failure
                .actual
                .iter()
                .map(|a| format!("# Expected: {a}\n"))
                .collect();
            for i in slots.iter().rev() {
                out.remove(*i);
            }
            match first {
                Some(at) => out.insert(at.min(out.len()), block),
                None => {
                    if out.last().is_some_and(|l| !l.ends_with('\n')) {
                        out.push("\n".into());
                    }
                    out.push(block);
                }
            }
        }
    }
    if let (Some(want), Some(got)) = (&failure.expected_elapsed, &failure.actual_elapsed)
        && want != got
    {
        for l in &mut out {
            if l.starts_with("# Elapsed:") {
                let e = if l.ends_with('\n') { "\n" } else { "" };
                *l = format!("# Elapsed: {got}{e}");
            }
        }
    }
    out.concat()
}

/// A unified diff of a file before and after blessing.
pub fn change(path: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(1)
        .header(path, &format!("{path} (blessed)"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(expected: &[&str], actual: &[&str]) -> Failure {
        Failure {
            expected: Some(expected.iter().map(|s| s.to_string()).collect()),
            actual: actual.iter().map(|s| s.to_string()).collect(),
            blessable: true,
            ..Failure::default()
        }
    }

    #[test]
    fn same_count_rewrites_in_place_else_replaces_the_block() {
        let text = "(println 1)\n# Expected: 1\n(println 2)\n# Expected: 2\n";
        assert_eq!(
            blessed(text, &failure(&["1", "2"], &["1", "3"])),
            "(println 1)\n# Expected: 1\n(println 2)\n# Expected: 3\n"
        );
        assert_eq!(
            blessed(text, &failure(&["1", "2"], &["1", "2", "3"])),
            "(println 1)\n# Expected: 1\n# Expected: 2\n# Expected: 3\n(println 2)\n"
        );
        let timed = Failure {
            expected_elapsed: Some("5ms".into()),
            actual_elapsed: Some("7ms".into()),
            ..failure(&["a"], &["a"])
        };
        assert_eq!(
            blessed("# Expected: a\n# Elapsed: 5ms", &timed),
            "# Expected: a\n# Elapsed: 7ms"
        );
    }
}
