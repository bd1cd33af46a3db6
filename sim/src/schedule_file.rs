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
//!
//! Sparse files (what shrinking writes, docs/schedules.md):
//!
//! ```text
//! # gene-trace schedule 1
//! mode sparse
//! source race.gene:9 = (await (gene/sleep_async 5))
//! task withdraw@race.gene:13 before withdraw@race.gene:12
//! fail write@race.gene:16 yes (time 2)
//! ```
//!
//! - `mode sparse` (before the first entry): the entries are the run's
//!   only non-default decisions, each taken when its point comes up with a
//!   match, every other decision taking its default ([`Mode`]).
//! - A pick may say `before KEY`: it matches only where KEY is the default
//!   (the first candidate). Under `mode sparse` an entry may end in
//!   `(time N)`: the N-th match from where the previous entry was taken.
//! - `source FILE:LINE = TEXT`: the text of a line that keys name, when the
//!   file was written. Replaying against an edited program moves the keys
//!   of a line whose text moved to where it is now ([`ScheduleFile::relocate`]).

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
    /// A pick's `before KEY`: the default it overrides.
    pub before: Option<String>,
    /// `(time N)`: the N-th match (sparse files; 1 otherwise).
    pub time: u64,
}

impl Entry {
    /// The entry of a file line: no `before`, the first match.
    pub fn new(point: Point, key: String, value: u64) -> Entry {
        Entry {
            point,
            key,
            value,
            line: 0,
            before: None,
            time: 1,
        }
    }
}

/// How a file's entries are replayed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// The entries are the run's decisions in order; the run leaves the
    /// file at the first that does not match, and the seed decides on.
    #[default]
    Dense,
    /// The entries are the run's only non-default decisions: each waits
    /// for its match, every other decision takes its default (the first
    /// candidate, no fault, a cut at 0, no jitter), and the seed decides
    /// nothing.
    Sparse,
}

/// A parsed schedule file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScheduleFile {
    pub mode: Mode,
    pub entries: Vec<Entry>,
    /// `source` lines: (file, line, text).
    pub sources: Vec<(String, u64, String)>,
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
        let mut mode = Mode::Dense;
        let mut sources = Vec::new();
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
            if word == "mode" {
                mode = match rest.trim() {
                    "sparse" => Mode::Sparse,
                    "dense" => Mode::Dense,
                    other => {
                        return Err(err(
                            col_of(rest.trim_start()),
                            &format!("unknown mode {other:?}: expected `sparse` or `dense`"),
                        ));
                    }
                };
                if !entries.is_empty() {
                    return Err(err(indent + 1, "`mode` must come before the first entry"));
                }
                continue;
            }
            if word == "source" {
                let parsed = rest.split_once(" = ").and_then(|(at, text)| {
                    let (file, line) = at.trim().rsplit_once(':')?;
                    Some((
                        file.to_string(),
                        line.parse::<u64>().ok()?,
                        text.to_string(),
                    ))
                });
                match parsed {
                    Some(src) => sources.push(src),
                    None => {
                        return Err(err(
                            indent + word.len() + 2,
                            "expected `source FILE:LINE = TEXT`",
                        ));
                    }
                }
                continue;
            }
            let Some(point) = Point::from_name(word) else {
                return Err(err(
                    indent + 1,
                    &format!(
                        "unknown decision {word:?}: expected one of {}",
                        Point::ALL.map(Point::name).join(", ")
                    ),
                ));
            };
            let mut rest = rest.trim();
            let mut time = 1;
            if let Some(head) = rest.strip_suffix(')')
                && let Some((head, n)) = head.rsplit_once("(time ")
            {
                match n.trim().parse::<u64>() {
                    Ok(t) if t >= 1 && mode == Mode::Sparse => time = t,
                    Ok(t) if t >= 1 => {
                        return Err(err(
                            col_of(n) - 6,
                            "`(time N)` needs `mode sparse` before the first entry",
                        ));
                    }
                    _ => return Err(err(col_of(n), "expected a count of 1 or more")),
                }
                rest = head.trim_end();
            }
            if point.is_pick() {
                if rest.is_empty() {
                    return Err(err(
                        indent + word.len() + 1,
                        &format!("`{word}` needs the key of the candidate to choose"),
                    ));
                }
                let (key, before) = match rest.rsplit_once(" before ") {
                    Some((k, b)) if !k.trim().is_empty() && !b.trim().is_empty() => {
                        (k.trim(), Some(b.trim().to_string()))
                    }
                    _ => (rest, None),
                };
                entries.push(Entry {
                    point,
                    key: key.to_string(),
                    value: 0,
                    line,
                    before,
                    time,
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
                before: None,
                time,
            });
        }
        Ok(ScheduleFile {
            mode,
            entries,
            sources,
        })
    }

    /// The (dense) file that makes `decisions` of a run of the program
    /// `name` again, with its `source` lines and a comment per pick listing
    /// how many candidates there were.
    pub fn write(decisions: &[Decision], about: &str, name: &str, text: &str) -> String {
        let mut out = header(about);
        let file = ScheduleFile {
            entries: decisions.iter().map(Decision::entry).collect(),
            ..ScheduleFile::default()
        }
        .with_sources(name, text);
        for (file, line, text) in &file.sources {
            out.push_str(&format!("source {file}:{line} = {text}\n"));
        }
        for d in decisions {
            render(&mut out, &d.entry());
            if d.point.is_pick() && d.alternatives > 1 {
                out.push_str(&format!("# ^ {} of {}\n", d.value + 1, d.alternatives));
            }
        }
        out
    }

    /// The sparse file that makes the decisions `kept` (indices into `log`,
    /// a run's whole log) and takes the default everywhere else. Each
    /// pick names the default it overrides, and each entry counts its
    /// matches since the previous one (`(time N)`), so that replaying the
    /// file with every non-default decision of `log` kept makes `log` again.
    pub fn sparse(log: &[Decision], kept: &[usize]) -> ScheduleFile {
        let mut kept = kept.to_vec();
        kept.sort_unstable();
        kept.dedup();
        let mut entries = Vec::with_capacity(kept.len());
        let mut from = 0;
        for j in kept {
            let Some(d) = log.get(j) else { continue };
            let mut entry = d.entry();
            if d.point.is_pick() {
                entry.before = d.among.first().cloned();
            }
            entry.time = log[from..=j].iter().filter(|d| d.matches(&entry)).count() as u64;
            entries.push(entry);
            from = j + 1;
        }
        ScheduleFile {
            mode: Mode::Sparse,
            entries,
            sources: Vec::new(),
        }
    }

    /// The file as text: its mode, sources and entries.
    pub fn render(&self, about: &str) -> String {
        let mut out = header(about);
        if self.mode == Mode::Sparse {
            out.push_str("mode sparse\n");
        }
        for (file, line, text) in &self.sources {
            out.push_str(&format!("source {file}:{line} = {text}\n"));
        }
        for e in &self.entries {
            render(&mut out, e);
        }
        out
    }

    /// Adds a `source` line for each line of the program `name` that a key
    /// names, so that the file can follow the lines when the program is
    /// edited ([`ScheduleFile::relocate`]).
    pub fn with_sources(mut self, name: &str, text: &str) -> ScheduleFile {
        let lines: Vec<&str> = text.lines().collect();
        let mut named: Vec<u64> = Vec::new();
        for e in &self.entries {
            for key in std::iter::once(&e.key).chain(e.before.as_ref()) {
                if let Some((file, line, _)) = key_site(key)
                    && file == name
                {
                    named.push(line);
                }
            }
        }
        named.sort_unstable();
        named.dedup();
        self.sources = named
            .into_iter()
            .filter_map(|l| {
                let t = lines.get(usize::try_from(l).ok()?.checked_sub(1)?)?.trim();
                (!t.is_empty()).then(|| (name.to_string(), l, t.to_string()))
            })
            .collect();
        self
    }

    /// Moves the keys of each `source` line of the program `name` whose
    /// text is no longer at its line to the nearest line that holds that
    /// text now (the earlier one of two as near). Returns how many lines
    /// moved.
    pub fn relocate(&mut self, name: &str, text: &str) -> Vec<(u64, u64)> {
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        // Where each text is, in line order: one pass over the program, so
        // that a file of many `source` lines costs a lookup each.
        let mut at_text: std::collections::BTreeMap<&str, Vec<u64>> = Default::default();
        for (i, l) in lines.iter().enumerate() {
            at_text.entry(l).or_default().push(i as u64 + 1);
        }
        let mut moved: Vec<(u64, u64)> = Vec::new();
        for (file, line, want) in &self.sources {
            if file != name {
                continue;
            }
            let here = usize::try_from(*line)
                .ok()
                .and_then(|l| lines.get(l.checked_sub(1)?));
            if here == Some(&want.trim()) {
                continue;
            }
            let Some(places) = at_text.get(want.trim()) else {
                continue;
            };
            // The nearest place, the earlier one on a tie.
            let after = places.partition_point(|&p| p < *line);
            let nearest = [after.checked_sub(1), Some(after)]
                .into_iter()
                .flatten()
                .filter_map(|i| places.get(i).copied())
                .min_by_key(|&p| (p.abs_diff(*line), p));
            if let Some(to) = nearest.filter(|to| to != line) {
                moved.push((*line, to));
            }
        }
        if moved.is_empty() {
            return moved;
        }
        let mut to_of: std::collections::BTreeMap<u64, u64> = Default::default();
        for &(from, to) in &moved {
            to_of.entry(from).or_insert(to);
        }
        let map = |key: &mut String| {
            if let Some((file, line, digits)) = key_site(key)
                && file == name
                && let Some(to) = to_of.get(&line)
            {
                key.replace_range(digits, &to.to_string());
            }
        };
        for e in &mut self.entries {
            map(&mut e.key);
            if let Some(b) = &mut e.before {
                map(b);
            }
        }
        for (file, line, _) in &mut self.sources {
            if file == name
                && let Some(to) = to_of.get(line)
            {
                *line = *to;
            }
        }
        moved
    }
}

/// The file and line a key names, and where the line's digits are in it:
/// `withdraw@race.gene:13#2` -> (`race.gene`, 13, 19..21). Keys without a
/// line (`main`) name none.
pub fn key_site(key: &str) -> Option<(&str, u64, std::ops::Range<usize>)> {
    let body = match key.rsplit_once('#') {
        Some((head, k)) if !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()) => head,
        _ => key,
    };
    let (head, line) = body.rsplit_once(':')?;
    if line.is_empty() || !line.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let file = head.rsplit_once('@').map_or(head, |(_, f)| f);
    let start = head.len() + 1;
    Some((file, line.parse().ok()?, start..start + line.len()))
}

fn header(about: &str) -> String {
    let mut out = format!("# gene-trace schedule {VERSION}\n");
    for line in about.lines() {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn render(out: &mut String, e: &Entry) {
    out.push_str(e.point.name());
    out.push(' ');
    out.push_str(&e.key);
    if let Some(b) = &e.before {
        out.push_str(" before ");
        out.push_str(b);
    }
    if e.point.is_coin() {
        out.push_str(if e.value == 1 { " yes" } else { " no" });
    } else if !e.point.is_pick() {
        out.push(' ');
        out.push_str(&e.value.to_string());
    }
    if e.time > 1 {
        out.push_str(&format!(" (time {})", e.time));
    }
    out.push('\n');
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
                among: vec![
                    "withdraw@race.gene:14".into(),
                    "withdraw@race.gene:14#2".into(),
                ],
            },
            Decision {
                point: Point::Fail,
                key: "read@x:1".into(),
                value: 1,
                alternatives: 2,
                among: Vec::new(),
            },
            Decision {
                point: Point::Jitter,
                key: "read@x:1".into(),
                value: 77,
                alternatives: 101,
                among: Vec::new(),
            },
        ];
        let text = ScheduleFile::write(&decisions, "from race.gene, seed 3", "p", "");
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

    fn pick(key: &str, value: u64, among: &[&str]) -> Decision {
        Decision {
            point: Point::Task,
            key: key.into(),
            value,
            alternatives: among.len() as u64,
            among: among.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn sparse_files_name_the_default_and_count_matches_and_parse_back() {
        let log = vec![
            pick("a@p:1", 0, &["a@p:1", "b@p:2"]),
            pick("c@p:3", 0, &["c@p:3", "b@p:2"]),
            pick("a@p:1", 0, &["a@p:1", "b@p:2"]),
            pick("b@p:2", 1, &["a@p:1", "b@p:2"]),
            Decision {
                point: Point::Fail,
                key: "write@p:9".into(),
                value: 1,
                alternatives: 2,
                among: Vec::new(),
            },
        ];
        let file = ScheduleFile::sparse(&log, &[4, 3]).with_sources("p", "(a)\n(b)\n\n");
        let text = file.render("shrunk");
        assert_eq!(
            text,
            "# gene-trace schedule 1\n# shrunk\nmode sparse\nsource p:1 = (a)\nsource p:2 = (b)\n\
             task b@p:2 before a@p:1 (time 3)\nfail write@p:9 yes\n"
        );
        let back = ScheduleFile::parse("s", &text).unwrap();
        assert_eq!(back.mode, Mode::Sparse);
        assert_eq!(back.sources, file.sources);
        let strip = |f: &ScheduleFile| -> Vec<Entry> {
            f.entries
                .iter()
                .cloned()
                .map(|e| Entry { line: 0, ..e })
                .collect()
        };
        assert_eq!(strip(&back), strip(&file));
        // `(time N)` needs sparse; a bad mode or source is an error.
        let e = ScheduleFile::parse("s", "task a before b (time 2)\n").unwrap_err();
        assert!(e.0.contains("needs `mode sparse`"), "{}", e.0);
        let e = ScheduleFile::parse("s", "mode lumpy\n").unwrap_err();
        assert!(e.0.contains("unknown mode"), "{}", e.0);
        let e = ScheduleFile::parse("s", "task a\nmode sparse\n").unwrap_err();
        assert!(e.0.contains("before the first entry"), "{}", e.0);
        let e = ScheduleFile::parse("s", "source p = x\n").unwrap_err();
        assert!(e.0.contains("source FILE:LINE = TEXT"), "{}", e.0);
        let e = ScheduleFile::parse("s", "mode sparse\ntask a (time 0)\n").unwrap_err();
        assert!(e.0.contains("count of 1 or more"), "{}", e.0);
    }

    #[test]
    fn key_sites_and_relocation_follow_moved_lines() {
        assert_eq!(
            key_site("withdraw@race.gene:13#2"),
            Some(("race.gene", 13, 19..21))
        );
        assert_eq!(
            key_site("async@race.gene:12"),
            Some(("race.gene", 12, 16..18))
        );
        assert_eq!(key_site("main"), None);
        let text = "(x)\n(await (sleep 5))\n(y)\n";
        let mut file = ScheduleFile::parse(
            "s",
            "mode sparse\nsource p.gene:2 = (await (sleep 5))\nsource p.gene:3 = (y)\n\
             task t@p.gene:2#2 before t@p.gene:2\nfail w@p.gene:3 yes\ntask q@other:2\n",
        )
        .unwrap();
        // Unchanged program: nothing moves.
        assert_eq!(file.clone().relocate("p.gene", text), []);
        // A line inserted at the top moves both lines by one.
        let edited = format!("(println 1)\n{text}");
        assert_eq!(file.relocate("p.gene", &edited), [(2, 3), (3, 4)]);
        let keys: Vec<_> = file
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.before.as_deref()))
            .collect();
        assert_eq!(
            keys,
            [
                ("t@p.gene:3#2", Some("t@p.gene:3")),
                ("w@p.gene:4", None),
                ("q@other:2", None)
            ]
        );
        assert_eq!(file.sources[0].1, 3);
    }
}
