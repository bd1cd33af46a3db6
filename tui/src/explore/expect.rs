//! The output every seed of `explore` is expected to print: the lines of
//! `--expect-output FILE`, or the program's `# Expected:` lines (the
//! fixtures' directive). Giving both is refused. Each seed's output is
//! judged by the fixtures' rule (`gene_sim::fixture::judge::output_matches`).

use gene_sim::fixture::judge;
use serde::{Deserialize, Serialize};

/// The expected output and where it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expected {
    /// `--expect-output FILE` (the path as given) or `# Expected:`.
    pub source: String,
    /// The expected lines, blank ones dropped.
    pub lines: Vec<String>,
}

impl Expected {
    /// Whether `output` is the expected one.
    pub fn matches(&self, output: &str) -> bool {
        judge::output_matches(&self.lines, output)
    }
}

/// The expectation of a program `text`, given `--expect-output`'s file
/// and its contents when the flag is there. Both an expected-output file
/// and `# Expected:` lines: an error (a usage error for the caller).
pub fn expected(text: &str, file: Option<(&str, &str)>) -> Result<Option<Expected>, String> {
    let mut ignored = gene_sim::RunConfig::default();
    let directive = gene_sim::fixture::directives(text, &mut ignored)
        .map_err(|e| format!("the program's directives: {e}"))?
        .lines;
    match (file, directive) {
        (Some((path, _)), Some(_)) => Err(format!(
            "--expect-output {path} and the program's `# Expected:` lines both give the expected output: drop one"
        )),
        (Some((path, contents)), None) => Ok(Some(Expected {
            source: format!("--expect-output {path}"),
            lines: judge::lines(contents),
        })),
        (None, Some(lines)) => Ok(Some(Expected {
            source: "# Expected:".into(),
            lines,
        })),
        (None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_or_the_directive_never_both() {
        let prog = "(println 1)\n# Expected: 1\n";
        let e = expected(prog, None).unwrap().unwrap();
        assert_eq!(
            (e.source.as_str(), e.lines.clone()),
            ("# Expected:", vec!["1".into()])
        );
        assert!(e.matches("1\n") && !e.matches("2\n"));
        assert!(
            expected(prog, Some(("out.txt", "1\n")))
                .unwrap_err()
                .contains("drop one")
        );
        let e = expected("(println 1)", Some(("out.txt", "\n1\n\n")))
            .unwrap()
            .unwrap();
        assert_eq!(e.lines, ["1"]);
        assert_eq!(expected("(println 1)", None).unwrap(), None);
    }
}
