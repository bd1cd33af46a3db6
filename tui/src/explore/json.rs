//! `explore --format json`: one shard's results as one JSON document, which
//! `explore --merge` reads back (README.md, "Traces, checks and exploration";
//! docs/exploring.md, "Strategies").
//! It holds everything the text report is made of (the summary: outcomes
//! with their whole output and, under pct and exhaustive, their
//! decisions, violations, assertion tallies), what shards of one
//! exploration share (the program's digest and text, the command, the
//! strategy and its parameters, the seeds, the budget, the expected
//! output), and, for other readers, each failing outcome and assertion.
//! The summary's `prefixes` are the coverage's decision prefixes and its
//! `shrunk` the shard's shrunk failures (each with its schedule file's
//! text), which the merge writes. An exhaustive shard adds its schedules
//! ([`Exhaustive`]: each one's path, outcome, prefix and what it said of
//! each assertion), which the merge bounds and ranks as one exploration's.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::assertions::{Declared, Key, Seen};
use super::expect::Expected;
use super::failure::outcome_failure;
use std::collections::BTreeMap;

use super::shrink::Shrunk;
use super::strategy::{Kind, Part};
use super::{Plan, Shard, ShardSeeds, Summary};

/// The document's `format`.
pub const FORMAT: &str = "gene-trace-explore";
/// The document's `version`; a reader refuses others.
pub const VERSION: u64 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Program {
    pub name: String,
    pub sha256: String,
    /// The program's text (the merge writes pct and exhaustive outcomes'
    /// schedule files with its `source` lines).
    #[serde(default)]
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardJson {
    pub index: u64,
    pub count: u64,
}

/// A failing outcome or assertion, for readers of the file (the merge
/// recomputes them from the summary).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failing {
    /// What failed: `outcome DIGEST` or `always AT`.
    pub what: String,
    pub failure: String,
    /// The first failing seed (exhaustive: the schedule's number, within
    /// the shard; the merge renumbers them).
    pub first_seed: u64,
}

/// One shard's results.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShardFile {
    pub format: String,
    pub version: u64,
    pub tool: String,
    pub program: Program,
    /// The `explore` command's words after `explore`, without `--shard`,
    /// `--jobs`, `--format` and `--output` (and their values).
    pub command: Vec<String>,
    /// The strategy and its parameters (pct's steps as counted).
    #[serde(default)]
    pub strategy: Kind,
    pub first_seed: u64,
    pub seeds: u64,
    pub shard: ShardJson,
    pub max_instructions: Option<u64>,
    pub max_memory: Option<u64>,
    pub expected: Option<Expected>,
    pub declared: Vec<Declared>,
    pub failing: Vec<Failing>,
    pub summary: Summary,
    /// Exhaustive: the shard's schedules, which the merge bounds and ranks
    /// as one exploration (its `summary` numbers them within the shard).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exhaustive: Option<Exhaustive>,
}

/// An exhaustive shard's schedules, which the merge bounds and ranks as
/// one exploration's. The summary numbers the shard's schedules within
/// it (an outcome's or a violation's `seed` k is `schedules[k - 1]`), so
/// the shard's `Part` is the summary and these.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exhaustive {
    /// Every schedule run, in depth-first order.
    pub schedules: Vec<Schedule>,
    pub pruned: u64,
    /// Every schedule of the shard was run.
    pub complete: bool,
}

/// One schedule of an exhaustive shard.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// The choice made at each decision, as `0.1.0`.
    #[serde(with = "path")]
    pub path: Vec<u32>,
    /// Its outcome's digest.
    pub outcome: String,
    /// Its decision prefix's digest (coverage).
    pub prefix: u64,
    /// What it said of the assertions, one letter for each of the
    /// summary's (in its order; those past the end not reached): `-` not
    /// reached, `h` held, `f` failed, `b` both (held once and failed once).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub assertions: String,
}

/// A schedule's [`Schedule::assertions`] letters, of `keys`.
fn letters(seen: &[Seen], keys: &[&Key]) -> String {
    let mut out: String = keys
        .iter()
        .map(|k| match seen.iter().find(|s| s.key == **k) {
            None => '-',
            Some(s) => match (s.held, s.failed) {
                (true, true) => 'b',
                (false, true) => 'f',
                _ => 'h',
            },
        })
        .collect();
    let len = out.trim_end_matches('-').len();
    out.truncate(len);
    out
}

/// What the letters say, of `keys` (None: a letter that is not one, or
/// more letters than keys).
fn seen_of(letters: &str, keys: &[&Key]) -> Option<Vec<Seen>> {
    if letters.chars().count() > keys.len() {
        return None;
    }
    let mut out = Vec::new();
    for (c, key) in letters.chars().zip(keys) {
        let (held, failed) = match c {
            '-' => continue,
            'h' => (true, false),
            'f' => (false, true),
            'b' => (true, true),
            _ => return None,
        };
        out.push(Seen {
            key: (*key).clone(),
            held,
            failed,
        });
    }
    Some(out)
}

impl Exhaustive {
    pub fn of(part: &Part) -> Exhaustive {
        // The summary's keys: every assertion a schedule reached.
        let keys: std::collections::BTreeSet<&Key> = part
            .paths
            .iter()
            .flat_map(|(.., seen)| seen.iter().map(|s| &s.key))
            .collect();
        let keys: Vec<&Key> = keys.into_iter().collect();
        Exhaustive {
            schedules: part
                .paths
                .iter()
                .map(|(path, outcome, prefix, seen)| Schedule {
                    path: path.clone(),
                    outcome: outcome.clone(),
                    prefix: *prefix,
                    assertions: letters(seen, &keys),
                })
                .collect(),
            pruned: part.pruned,
            complete: part.complete,
        }
    }

    /// Schedule `k` (1-based), as the summary numbers them.
    fn at(&self, k: u64) -> Result<&Schedule, String> {
        usize::try_from(k)
            .ok()
            .and_then(|k| self.schedules.get(k.checked_sub(1)?))
            .ok_or_else(|| {
                format!(
                    "a damaged shard file: schedule {k} of {}",
                    self.schedules.len()
                )
            })
    }

    /// The shard's part: its summary's outcomes and violations at their
    /// schedules' paths. An error when the two disagree.
    pub fn part(&self, summary: &Summary) -> Result<Part, String> {
        let damaged = |what: String| Err(format!("a damaged shard file: {what}"));
        let n = self.schedules.len() as u64;
        if summary.runs != n {
            return damaged(format!(
                "the summary counts {} schedules, the file lists {n}",
                summary.runs
            ));
        }
        if !self.schedules.windows(2).all(|w| w[0].path < w[1].path) {
            return damaged("the schedules are not in depth-first order".into());
        }
        let mut outcomes = BTreeMap::new();
        for o in &summary.outcomes {
            let digest = &o.first.outcome;
            let first = self.schedules.iter().position(|s| &s.outcome == digest);
            let count = self
                .schedules
                .iter()
                .filter(|s| &s.outcome == digest)
                .count();
            if first.map(|i| i as u64 + 1) != Some(o.first.seed) || count as u64 != o.count {
                return damaged(format!(
                    "outcome {digest}: {} schedules from schedule {} in the summary, {count} in the file",
                    o.count, o.first.seed
                ));
            }
            let path = self.at(o.first.seed)?.path.clone();
            outcomes.insert(digest.clone(), (o.count, o.first.clone(), path));
        }
        let counted: u64 = summary.outcomes.iter().map(|o| o.count).sum();
        if counted != n {
            return damaged(format!(
                "the outcomes count {counted} schedules, the file lists {n}"
            ));
        }
        let mut violations = Vec::new();
        for r in &summary.violations {
            violations.push((self.at(r.seed)?.path.clone(), r.clone()));
        }
        let keys: Vec<&Key> = summary.assertions.iter().map(|(k, _)| k).collect();
        let mut paths = Vec::new();
        for (k, s) in self.schedules.iter().enumerate() {
            let Some(seen) = seen_of(&s.assertions, &keys) else {
                return damaged(format!(
                    "schedule {}: assertions {:?} of {} assertions",
                    k + 1,
                    s.assertions,
                    keys.len()
                ));
            };
            paths.push((s.path.clone(), s.outcome.clone(), s.prefix, seen));
        }
        let mut first_failed = BTreeMap::new();
        for (key, t) in &summary.assertions {
            let counted = |f: fn(&Seen) -> bool| {
                paths
                    .iter()
                    .filter(|(.., seen)| seen.iter().any(|s| s.key == *key && f(s)))
                    .count() as u64
            };
            let first = paths
                .iter()
                .position(|(.., seen)| seen.iter().any(|s| s.key == *key && s.failed));
            let agrees = (t.reached, t.held, t.failed)
                == (
                    counted(|_| true),
                    counted(|s| s.held),
                    counted(|s| s.failed),
                )
                && first.map(|i| i as u64 + 1) == t.first_failed.as_ref().map(|r| r.seed);
            if !agrees {
                return damaged(format!(
                    "the {} at {}: its tally is not its schedules'",
                    key.kind, key.at
                ));
            }
            if let (Some(i), Some(run)) = (first, &t.first_failed) {
                first_failed.insert(key.clone(), (paths[i].0.clone(), run.clone()));
            }
        }
        Ok(Part {
            runs: n,
            outcomes,
            violations,
            prefixes: self.schedules.iter().map(|s| s.prefix).collect(),
            paths,
            first_failed,
            pruned: self.pruned,
            complete: self.complete,
        })
    }

    /// The summary's shrunk failures, each with the path of the schedule
    /// it was shrunk from (the shard shrank the first of each kind,
    /// `shrink::targets`).
    pub fn shrunk(&self, summary: &Summary) -> Result<Vec<(Vec<u32>, Shrunk)>, String> {
        if summary.shrunk.is_empty() {
            return Ok(Vec::new());
        }
        let targets = super::shrink::targets(summary);
        let same = targets.len() == summary.shrunk.len()
            && targets
                .iter()
                .zip(&summary.shrunk)
                .all(|((f, _), s)| *f == s.failure);
        if !same {
            return Err(
                "a damaged shard file: its shrunk failures are not those of its schedules".into(),
            );
        }
        targets
            .iter()
            .zip(&summary.shrunk)
            .map(|((_, run), s)| Ok((self.at(run.seed)?.path.clone(), s.clone())))
            .collect()
    }
}

/// A decision path as a shard file writes it: `0.1.0` (empty: no
/// decision).
mod path {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(path: &[u32], s: S) -> Result<S::Ok, S::Error> {
        let words: Vec<String> = path.iter().map(u32::to_string).collect();
        s.serialize_str(&words.join("."))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u32>, D::Error> {
        let text = String::deserialize(d)?;
        if text.is_empty() {
            return Ok(Vec::new());
        }
        text.split('.')
            .map(|w| {
                w.parse()
                    .map_err(|_| serde::de::Error::custom(format!("a malformed path {text:?}")))
            })
            .collect()
    }
}

/// The flags that differ between the shards of one exploration, each with
/// whether it takes a value.
const SHARD_FLAGS: &[&str] = &["--shard", "--jobs", "--format", "--output"];

/// `words` (the command line after `explore`) without the shard's own flags.
pub fn shared_command(words: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip = false;
    for w in words {
        if std::mem::take(&mut skip) {
            continue;
        }
        if SHARD_FLAGS.contains(&w.as_str()) {
            skip = true;
        } else if !SHARD_FLAGS
            .iter()
            .any(|f| w.strip_prefix(f).is_some_and(|r| r.starts_with('=')))
        {
            out.push(w.clone());
        }
    }
    out
}

/// What a shard file is made of, besides the summary.
pub struct Context<'a> {
    pub name: &'a str,
    pub text: &'a str,
    pub command: Vec<String>,
    pub plan: &'a Plan,
    pub shard: Shard,
    pub max_instructions: Option<u64>,
    pub max_memory: Option<u64>,
    pub declared: &'a [Declared],
    pub exhaustive: Option<Exhaustive>,
}

/// The shard file of a summary, as pretty-printed JSON (with a newline).
pub fn write(c: &Context, summary: &Summary) -> String {
    let digest = Sha256::digest(c.text.as_bytes());
    let mut failing: Vec<Failing> = summary
        .outcomes
        .iter()
        .filter_map(|o| {
            outcome_failure(&o.first).map(|f| Failing {
                what: format!("outcome {}", o.first.outcome),
                failure: f.describe(),
                first_seed: o.first.seed,
            })
        })
        .collect();
    for (k, t) in &summary.assertions {
        if let (true, Some(run)) = (k.kind == "always", &t.first_failed) {
            failing.push(Failing {
                what: format!("always {}", k.at),
                failure: format!("failed always at {}", k.at),
                first_seed: run.seed,
            });
        }
    }
    let file = ShardFile {
        format: FORMAT.into(),
        version: VERSION,
        tool: format!("gene-trace {}", env!("CARGO_PKG_VERSION")),
        program: Program {
            name: c.name.into(),
            sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
            text: c.text.into(),
        },
        command: c.command.clone(),
        strategy: c.plan.strategy,
        first_seed: c.plan.first_seed,
        seeds: c.plan.seeds,
        shard: ShardJson {
            index: c.shard.index,
            count: c.shard.count,
        },
        max_instructions: c.max_instructions,
        max_memory: c.max_memory,
        expected: c.plan.expected.clone(),
        declared: c.declared.to_vec(),
        failing,
        summary: summary.clone(),
        exhaustive: c.exhaustive.clone(),
    };
    let mut s = serde_json::to_string_pretty(&file).unwrap_or_default();
    s.push('\n');
    s
}

/// Reads a shard file, checking that it is one and that its summary
/// accounts for exactly its shard's seeds.
pub fn read(text: &str) -> Result<ShardFile, String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON (truncated?): {e}"))?;
    if v.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(format!(
            "not an explore shard file (no \"format\": \"{FORMAT}\")"
        ));
    }
    match v.get("version").and_then(|f| f.as_u64()) {
        Some(VERSION) => {}
        other => {
            return Err(format!(
                "shard file version {}; this tool reads version {VERSION} only",
                other.map_or("(none)".to_string(), |n| n.to_string())
            ));
        }
    }
    let file: ShardFile =
        serde_json::from_value(v).map_err(|e| format!("a malformed shard file: {e}"))?;
    let s = &file.shard;
    if s.count == 0 || s.index == 0 || s.index > s.count {
        return Err(format!(
            "a malformed shard file: shard {}/{}",
            s.index, s.count
        ));
    }
    if file.first_seed.checked_add(file.seeds).is_none() {
        return Err("a malformed shard file: the seeds pass the largest seed".into());
    }
    if file.program.text.is_empty() {
        return Err(
            "a shard file without the program's text (from an older gene-trace?): run the shard again"
                .into(),
        );
    }
    if Sha256::digest(file.program.text.as_bytes()).as_slice()
        != hex(&file.program.sha256).as_slice()
    {
        return Err("a damaged shard file: the program's text does not match its SHA-256".into());
    }
    match (&file.exhaustive, file.strategy) {
        (Some(e), Kind::Exhaustive { .. }) => {
            e.part(&file.summary)?;
            e.shrunk(&file.summary)?;
            return Ok(file);
        }
        (None, Kind::Exhaustive { .. }) => {
            return Err("a malformed shard file: an exhaustive shard without its schedules".into());
        }
        (Some(_), k) => {
            return Err(format!(
                "a malformed shard file: a {} shard with exhaustive schedules",
                k.name()
            ));
        }
        (None, _) => {}
    }
    let plan = Plan {
        first_seed: file.first_seed,
        ..Plan::seeds(file.seeds)
    };
    let want = ShardSeeds::new(
        &plan,
        Shard {
            index: s.index,
            count: s.count,
        },
    )
    .len();
    let counted: u64 = file.summary.outcomes.iter().map(|o| o.count).sum();
    if file.summary.runs != want || counted != want {
        return Err(format!(
            "a damaged shard file: shard {}/{} of seeds {}..={} has {want} seeds, the file accounts for {} ({} in its outcomes)",
            s.index,
            s.count,
            file.first_seed,
            file.first_seed + file.seeds.saturating_sub(1),
            file.summary.runs,
            counted
        ));
    }
    Ok(file)
}

/// A run's decisions in a shard file (pct and exhaustive outcomes carry
/// them: the report shows each one's schedule): `{"point": "task", "key":
/// ..., "value": 1, "alternatives": 2, "among": [...]}` each.
pub mod decisions {
    use gene_sim::decide::{Decision, Point};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Shown {
        point: String,
        key: String,
        value: u64,
        alternatives: u64,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        among: Vec<String>,
    }

    pub fn serialize<S: Serializer>(list: &[Decision], s: S) -> Result<S::Ok, S::Error> {
        let shown: Vec<Shown> = list
            .iter()
            .map(|d| Shown {
                point: d.point.name().into(),
                key: d.key.clone(),
                value: d.value,
                alternatives: d.alternatives,
                among: d.among.clone(),
            })
            .collect();
        shown.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Decision>, D::Error> {
        Vec::<Shown>::deserialize(d)?
            .into_iter()
            .map(|s| {
                let point = Point::from_name(&s.point).ok_or_else(|| {
                    serde::de::Error::custom(format!("unknown decision point {:?}", s.point))
                })?;
                Ok(Decision {
                    point,
                    key: s.key,
                    value: s.value,
                    alternatives: s.alternatives,
                    among: s.among,
                })
            })
            .collect()
    }
}

/// The bytes of a hex string (empty when it is not one).
fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map_while(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_command_drops_only_the_shard_flags() {
        let words: Vec<String> = [
            "p.gene", "--shard", "2/3", "--seeds", "9", "--jobs=2", "--format", "json", "--output",
            "o.json", "--full",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(shared_command(&words), ["p.gene", "--seeds", "9", "--full"]);
    }
}
