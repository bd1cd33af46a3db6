//! The assertions a program makes (`gene/sim/always`, `gene/sim/sometimes`,
//! docs/trace-format.md's `assertion` record) across an exploration: what
//! each run's trace says of each, the sum over the runs (seeds, or an
//! exhaustive exploration's schedules: `strategy::tallies`), the
//! assertions the source holds (so a `sometimes` that no run reached is
//! reported too), and the report's section on them (a pct or exhaustive
//! run is reproduced from its schedule file).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use gene_sim::trace::read::Record;
use gene_vm::Value;
use serde::{Deserialize, Serialize};

use super::SeedRun;
use super::report::{ReportOptions, repro_command};
use super::strategy::{self, Kind};

/// An assertion: its kind (`always` or `sometimes`), where it is
/// (`file:line:col`) and its message.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Key {
    pub kind: String,
    pub at: String,
    pub message: String,
}

/// What one seed's run said of one assertion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub key: Key,
    /// Its condition held at least once.
    pub held: bool,
    /// Its condition failed at least once.
    pub failed: bool,
}

/// What a run's records say of each assertion it reached, in key order.
pub fn of_records(records: &[Record]) -> Vec<Seen> {
    let mut seen: BTreeMap<Key, (bool, bool)> = BTreeMap::new();
    for r in records.iter().filter(|r| &*r.kind == "assertion") {
        let key = Key {
            kind: r.str("assertion").unwrap_or_default().to_string(),
            at: r.str("at").unwrap_or_default().to_string(),
            message: r.str("message").unwrap_or_default().to_string(),
        };
        let e = seen.entry(key).or_default();
        if r.bool("held").unwrap_or(false) {
            e.0 = true;
        } else {
            e.1 = true;
        }
    }
    seen.into_iter()
        .map(|(key, (held, failed))| Seen { key, held, failed })
        .collect()
}

/// The `always` assertions that failed in this run.
pub fn failed_always(run: &SeedRun) -> impl Iterator<Item = &Key> {
    run.assertions
        .iter()
        .filter(|s| s.key.kind == "always" && s.failed)
        .map(|s| &s.key)
}

/// One assertion over many seeds.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Tally {
    /// Seeds that reached it.
    pub reached: u64,
    /// Seeds where its condition held at least once.
    pub held: u64,
    /// Seeds where its condition failed at least once.
    pub failed: u64,
    /// The first seed where it failed (an `always`'s repro).
    pub first_failed: Option<SeedRun>,
}

/// Adds one seed's run to the tallies.
pub fn add(map: &mut BTreeMap<Key, Tally>, run: &SeedRun) {
    for s in &run.assertions {
        let t = map.entry(s.key.clone()).or_default();
        t.reached += 1;
        t.held += u64::from(s.held);
        if s.failed {
            t.failed += 1;
            if t.first_failed.as_ref().is_none_or(|f| run.seed < f.seed) {
                t.first_failed = Some(SeedRun {
                    output: String::new(),
                    ..run.clone()
                });
            }
        }
    }
}

/// Adds tallies (of another job or shard).
pub fn merge(map: &mut BTreeMap<Key, Tally>, other: Vec<(Key, Tally)>) {
    for (k, o) in other {
        let t = map.entry(k).or_default();
        t.reached += o.reached;
        t.held += o.held;
        t.failed += o.failed;
        if let Some(f) = o.first_failed
            && t.first_failed.as_ref().is_none_or(|g| f.seed < g.seed)
        {
            t.first_failed = Some(f);
        }
    }
}

/// The `always` assertions that failed in some run, in key order (the
/// report's order).
pub fn failed(tallies: &[(Key, Tally)]) -> Vec<&(Key, Tally)> {
    tallies
        .iter()
        .filter(|(k, t)| k.kind == "always" && t.failed > 0)
        .collect()
}

/// An assertion written in the program: its kind, where, and its message
/// when it is a string literal.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Declared {
    pub kind: String,
    pub at: String,
    pub message: Option<String>,
}

/// The `(gene/sim/always ...)` and `(gene/sim/sometimes ...)` forms of the
/// program's text, in source order (none when it does not read). The walk
/// is iterative, so a deeply nested program cannot overflow the stack.
pub fn declared(name: &str, text: &str) -> Vec<Declared> {
    let Ok(forms) = gene_vm::reader::read_all(text) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut stack: Vec<Value> = forms.into_iter().rev().collect();
    while let Some(v) = stack.pop() {
        match &v {
            Value::Gene(g) => {
                let g = g.borrow();
                if let Value::Complex(parts) = &g.head {
                    let names: Vec<std::rc::Rc<str>> = parts.iter().map(|s| s.name()).collect();
                    let words: Vec<&str> = names.iter().map(|n| &**n).collect();
                    if let ["gene", "sim", kind @ ("always" | "sometimes")] = words[..] {
                        found.push(Declared {
                            kind: kind.to_string(),
                            at: format!("{name}:{}:{}", g.span.line, g.span.col),
                            message: g.children.get(1).and_then(|m| m.as_str()).map(Into::into),
                        });
                    }
                }
                stack.extend(g.children.iter().rev().cloned());
                stack.extend(g.props.values().rev().cloned());
                stack.push(g.head.clone());
            }
            Value::Array(a) => stack.extend(a.borrow().iter().rev().cloned()),
            Value::Map(m) => stack.extend(m.borrow().values().rev().cloned()),
            _ => {}
        }
    }
    found.sort();
    found
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// The report's section on assertions: every `always` that failed (with
/// its first seed's command), every `sometimes` no seed satisfied, reached
/// or not. Nothing when the program makes none.
pub fn report(
    out: &mut String,
    tallies: &[(Key, Tally)],
    declared: &[Declared],
    o: &ReportOptions,
) {
    if tallies.is_empty() && declared.is_empty() {
        return;
    }
    let reached = |d: &Declared| {
        tallies
            .iter()
            .any(|(k, _)| k.kind == d.kind && k.at == d.at)
    };
    let failed = failed(tallies);
    // Exhaustive exploration numbers its runs by schedule.
    let (run_word, runs_word) = match o.plan.strategy {
        Kind::Exhaustive { .. } => ("schedule", "schedule(s)"),
        _ => ("seed", "seed(s)"),
    };
    let unsatisfied: Vec<_> = tallies
        .iter()
        .filter(|(k, t)| k.kind == "sometimes" && t.held == 0)
        .collect();
    let unreached: Vec<&Declared> = declared.iter().filter(|d| !reached(d)).collect();
    let always = |kind: &str| tallies.iter().filter(|(k, _)| k.kind == kind).count();
    let _ = writeln!(
        out,
        "assertions: {} always reached ({} failed), {} sometimes reached ({} never held), {} never reached",
        always("always"),
        failed.len(),
        always("sometimes"),
        unsatisfied.len(),
        unreached.len()
    );
    for (i, (k, t)) in failed.into_iter().enumerate() {
        let _ = writeln!(
            out,
            "  always failed: {} at {}: in {} of the {} {runs_word} that reached it",
            quoted(&k.message),
            k.at,
            t.failed,
            t.reached
        );
        let Some(run) = &t.first_failed else { continue };
        let label = format!("first {run_word} {}", run.seed);
        match o.plan.strategy {
            Kind::Random => {
                let _ = writeln!(out, "    {label}: {}", repro_command(o, run));
            }
            // A pct or exhaustive run replays from its decisions.
            _ => out.push_str(&strategy::schedule_repro(
                o,
                run,
                &strategy::always_file(i + 1),
                &label,
                "",
            )),
        }
    }
    for (k, t) in unsatisfied {
        let _ = writeln!(
            out,
            "  sometimes never held: {} at {}: reached in {} {runs_word}, false every time",
            quoted(&k.message),
            k.at,
            t.reached
        );
    }
    for d in unreached {
        let message = d
            .message
            .as_deref()
            .map_or_else(|| "(a computed message)".to_string(), quoted);
        let _ = writeln!(
            out,
            "  {} never reached: {message} at {}: no {run_word} ran it{}",
            d.kind,
            d.at,
            if d.kind == "sometimes" {
                " (so none satisfied it)"
            } else {
                ""
            }
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_finds_nested_assertions_with_their_literal_messages() {
        let text = "(fn f [x]\n  (if (x > 0)\n    (gene/sim/always (x < 9) \"small\")\n    [(gene/sim/sometimes true m)]))\n(gene/sim/never 1 \"x\")\n";
        let got = declared("p.gene", text);
        assert_eq!(
            got,
            [
                Declared {
                    kind: "always".into(),
                    at: "p.gene:3:5".into(),
                    message: Some("small".into())
                },
                Declared {
                    kind: "sometimes".into(),
                    at: "p.gene:4:6".into(),
                    message: None
                },
            ]
        );
        assert!(declared("p.gene", "(gene/sim/always").is_empty());
    }
}
