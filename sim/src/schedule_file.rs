//! Schedule files: a run's decisions as text (docs/schedules.md).
//!
//! ```text
//! # gene-trace schedule 1
//! task withdraw@race.gene:14#2
//! timer sleep@race.gene:7#3
//! fail read@load.gene:4 yes
//! cut read@load.gene:4 17
//! jitter write@save.gene:9 1500
//! ```
//!
//! One decision per line: the point's word, then for a pick (`task`,
//! `timer`) the key of the candidate to choose, for the others the
//! operation's key and the value (`yes`/`no` for the coins `fail` and
//! `short`, a number for `cut` and `jitter`). Keys run to the end of the
//! line for picks, and to the last word for the others, so a key may hold
//! spaces. Blank lines and lines starting with `#` are comments. The first
//! line may name the format, `# gene-trace schedule 1`; a file naming
//! another version is refused.

use crate::decide::{Decision, Point};
use gene_vm::Span;

/// The format's version, on the first line of every file written.
pub const VERSION: u64 = 1;

/// The largest schedule file read, in bytes.
pub const MAX_BYTES: u64 = 64 << 20;

/// One decision of a file, with its line (1-based; 0 when not from a file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub point: Point,
    pub key: String,
    /// The coin (0 or 1) or the number; 0 for a pick.
    pub value: u64,
    pub line: usize,
}

/// A parsed schedule file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScheduleFile {
    pub entries: Vec<Entry>,
}

/// A syntax error, rendered with the file, line, column and a caret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError(pub String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl ScheduleFile {
    /// Parses `text`, named `name` in errors.
    pub fn parse(name: &str, text: &str) -> Result<ScheduleFile, ParseError> {
        let mut entries = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let err = |col: usize, message: &str| {
                ParseError(gene_vm::diagnostic::render(
                    name,
                    text,
                    Span {
                        line: line as u32,
                        col: col as u32,
                    },
                    message,
                ))
            };
            let indent = raw.len() - raw.trim_start().len();
            let body = raw.trim();
            if body.is_empty() {
                continue;
            }
            if let Some(comment) = body.strip_prefix('#') {
                if line == 1
                    && let Some(v) = comment.trim().strip_prefix("gene-trace schedule")
                    && v.trim().parse::<u64>().ok() != Some(VERSION)
                {
                    return Err(err(
                        indent + 1,
                        &format!(
                            "this is schedule format {:?}; this gene-trace reads version {VERSION}",
                            v.trim()
                        ),
                    ));
                }
                continue;
            }
            let (word, rest) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
            let col_of = |s: &str| indent + (s.as_ptr() as usize - body.as_ptr() as usize) + 1;
            let Some(point) = Point::from_name(word) else {
                return Err(err(
                    indent + 1,
                    &format!(
                        "unknown decision {word:?}: expected one of {}",
                        Point::ALL.map(Point::name).join(", ")
                    ),
                ));
            };
            let rest = rest.trim();
            if point.is_pick() {
                if rest.is_empty() {
                    return Err(err(
                        indent + word.len() + 1,
                        &format!("`{word}` needs the key of the candidate to choose"),
                    ));
                }
                entries.push(Entry {
                    point,
                    key: rest.to_string(),
                    value: 0,
                    line,
                });
                continue;
            }
            let Some((key, value)) = rest.rsplit_once(char::is_whitespace) else {
                return Err(err(
                    indent + word.len() + 1,
                    &format!("`{word}` needs an operation's key and a value"),
                ));
            };
            let value = if point.is_coin() {
                match value {
                    "yes" => 1,
                    "no" => 0,
                    _ => return Err(err(col_of(value), "expected `yes` or `no`")),
                }
            } else {
                match value.parse::<u64>() {
                    Ok(v) => v,
                    Err(_) => {
                        return Err(err(
                            col_of(value),
                            "expected a number (a non-negative integer below 2^64)",
                        ));
                    }
                }
            };
            entries.push(Entry {
                point,
                key: key.trim().to_string(),
                value,
                line,
            });
        }
        Ok(ScheduleFile { entries })
    }

    /// The file that makes `decisions` again, with a comment per pick
    /// listing how many candidates there were.
    pub fn write(decisions: &[Decision], about: &str) -> String {
        let mut out = format!("# gene-trace schedule {VERSION}\n");
        for line in about.lines() {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
        for d in decisions {
            let e = d.entry();
            out.push_str(e.point.name());
            out.push(' ');
            out.push_str(&e.key);
            if e.point.is_coin() {
                out.push_str(if e.value == 1 { " yes" } else { " no" });
            } else if !e.point.is_pick() {
                out.push(' ');
                out.push_str(&e.value.to_string());
            }
            if e.point.is_pick() && d.alternatives > 1 {
                out.push_str(&format!("\n# ^ {} of {}", d.value + 1, d.alternatives));
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_and_comments() {
        let f = ScheduleFile::parse(
            "s",
            "# gene-trace schedule 1\n\ntask withdraw@race.gene:14#2\n  # a comment\ntimer sleep@a b.gene:7\nfail read@x:1 yes\nshort read@x:1 no\ncut read@x:1 17\njitter write@y:2 1500\n",
        )
        .unwrap();
        let got: Vec<_> = f
            .entries
            .iter()
            .map(|e| (e.point.name(), e.key.as_str(), e.value, e.line))
            .collect();
        assert_eq!(
            got,
            [
                ("task", "withdraw@race.gene:14#2", 0, 3),
                ("timer", "sleep@a b.gene:7", 0, 5),
                ("fail", "read@x:1", 1, 6),
                ("short", "read@x:1", 0, 7),
                ("cut", "read@x:1", 17, 8),
                ("jitter", "write@y:2", 1500, 9),
            ]
        );
    }

    #[test]
    fn errors_name_the_line_and_column_with_a_caret() {
        let e = ScheduleFile::parse("s.schedule", "task a\n  fail read@x:1 maybe\n").unwrap_err();
        assert_eq!(
            e.0,
            "error: expected `yes` or `no`\n --> s.schedule:2:17\n  |\n2 |   fail read@x:1 maybe\n  |                 ^"
        );
        let e = ScheduleFile::parse("s", "pick a\n").unwrap_err();
        assert!(e.0.contains("unknown decision \"pick\""), "{}", e.0);
        assert!(e.0.contains("s:1:1"), "{}", e.0);
        let e = ScheduleFile::parse("s", "cut read@x 99999999999999999999\n").unwrap_err();
        assert!(e.0.contains("expected a number"), "{}", e.0);
        let e = ScheduleFile::parse("s", "task\n").unwrap_err();
        assert!(e.0.contains("needs the key"), "{}", e.0);
        let e = ScheduleFile::parse("s", "jitter 5\n").unwrap_err();
        assert!(e.0.contains("needs an operation's key"), "{}", e.0);
        let e = ScheduleFile::parse("s", "# gene-trace schedule 2\n").unwrap_err();
        assert!(e.0.contains("reads version 1"), "{}", e.0);
    }

    #[test]
    fn written_files_parse_back_to_the_same_entries() {
        let decisions = vec![
            Decision {
                point: Point::Task,
                key: "withdraw@race.gene:14#2".into(),
                value: 1,
                alternatives: 2,
            },
            Decision {
                point: Point::Fail,
                key: "read@x:1".into(),
                value: 1,
                alternatives: 2,
            },
            Decision {
                point: Point::Jitter,
                key: "read@x:1".into(),
                value: 77,
                alternatives: 101,
            },
        ];
        let text = ScheduleFile::write(&decisions, "from race.gene, seed 3");
        let back = ScheduleFile::parse("s", &text).unwrap();
        let expected: Vec<_> = decisions.iter().map(Decision::entry).collect();
        let got: Vec<_> = back
            .entries
            .into_iter()
            .map(|mut e| {
                e.line = 0;
                e
            })
            .collect();
        assert_eq!(got, expected);
    }
}
