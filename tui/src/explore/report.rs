//! What `explore` prints: each distinct outcome with its count, its first
//! seed and the exact command that reproduces it, its output (whole with
//! `--full`, in a file with `--outcomes-dir`), then the invariant
//! violations with the command that reruns and traces each, then the
//! program's assertions (`assertions::report`). Nothing in it depends on
//! the wall clock (the time taken goes to standard error), so the merged
//! report of shards is the unsharded run's, byte for byte.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use gene_sim::{RunConfig, Schedule};

use crate::explore::assertions::{self, Declared};
use crate::explore::failure::outcome_failure;
use crate::explore::strategy::{self, Kind};
use crate::explore::{Plan, SeedRun, Shard, Summary};
use crate::{AwaitArg, RunArgs};

/// Lines of output shown per outcome without `--full`.
const SHOWN_LINES: usize = 6;

/// What the report needs besides the summary.
pub struct ReportOptions<'a> {
    pub file: &'a str,
    pub shard: Shard,
    pub plan: &'a Plan,
    /// The command line's run options (for the reproducing commands).
    pub args: &'a RunArgs,
    /// The base configuration, budget included.
    pub base: &'a RunConfig,
    pub full: bool,
    pub outcomes_dir: Option<&'a Path>,
    /// The assertions the program's source holds.
    pub declared: &'a [Declared],
}

/// A word as a POSIX shell reads it back.
pub fn shell_word(w: &str) -> String {
    let plain = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./=:,+-@%".contains(c));
    if plain {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}

/// The `gene-trace run` command that reproduces `run`: the seed, its
/// schedule and swarm plan, every run option that differs from the
/// default, and the budget when the seed ran out of it.
pub fn repro_command(o: &ReportOptions, run: &SeedRun) -> String {
    repro_words(o, run).join(" ")
}

/// [`repro_command`]'s words, each quoted for the shell.
pub fn repro_words(o: &ReportOptions, run: &SeedRun) -> Vec<String> {
    let a = o.args;
    let mut w: Vec<String> = vec![
        "gene-trace".into(),
        "run".into(),
        shell_word(o.file),
        "--seed".into(),
        run.seed.to_string(),
    ];
    if o.plan.schedule == Schedule::Random {
        w.extend(["--schedule".into(), "random".into()]);
    }
    // Exhaustive exploration runs one configuration, without swarm plans.
    if !matches!(o.plan.strategy, Kind::Exhaustive { .. }) {
        w.push("--swarm".into());
    }
    let mut flag = |name: &str, value: String| {
        w.push(name.to_string());
        w.push(shell_word(&value));
    };
    if a.poll_every != 100 {
        flag("--poll-every", a.poll_every.to_string());
    }
    if matches!(a.await_mode, AwaitArg::Blocking) {
        flag("--await", "blocking".into());
    }
    if let Some(root) = &a.root {
        flag("--root", root.display().to_string());
    }
    if let Some(cwd) = &a.cwd {
        flag("--cwd", cwd.display().to_string());
    }
    if a.max_depth != 10_000 {
        flag("--max-depth", a.max_depth.to_string());
    }
    if a.start_time != 0.0 {
        flag("--start-time", a.start_time.to_string());
    }
    if let Some(f) = &a.faults {
        flag("--faults", f.display().to_string());
    }
    for n in &a.fail_nth {
        flag("--fail-nth", n.to_string());
    }
    for p in &a.fail_path {
        flag("--fail-path", p.clone());
    }
    if let Some(p) = a.fail_probability {
        flag("--fail-probability", p.to_string());
    }
    if let Some(q) = a.short_read_probability {
        flag("--short-read-probability", q.to_string());
    }
    // A plain run has no default budget: name the one the seed ran out of.
    if let Some(n) = o.base.vm.max_instructions
        && (a.max_instructions.is_some() || run.unfinished)
    {
        flag("--max-instructions", n.to_string());
    }
    if run.unfinished
        && run.result.contains("memory")
        && let Some(m) = o.base.max_memory
    {
        flag("--max-memory", m.to_string());
    }
    w
}

/// The file `--outcomes-dir` writes outcome `k` (1-based) to.
pub fn outcome_file(dir: &Path, k: usize) -> PathBuf {
    dir.join(format!("outcome-{k}.txt"))
}

/// Refuses an outcomes directory whose files could be one of the inputs.
pub fn check_outcomes_dir(dir: &Path, inputs: &[&Path]) -> Result<(), String> {
    for input in inputs {
        let name = input.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let numbered = name
            .strip_prefix("outcome-")
            .and_then(|n| n.strip_suffix(".txt"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        let parent = match input.parent() {
            Some(p) if p.as_os_str().is_empty() => Path::new("."),
            Some(p) => p,
            None => continue,
        };
        if numbered && crate::paths::same_file(parent, dir) {
            return Err(format!(
                "--outcomes-dir {} would overwrite the input {}",
                dir.display(),
                input.display()
            ));
        }
    }
    Ok(())
}

/// Writes each outcome's whole output to its file.
pub fn write_outcomes(dir: &Path, summary: &Summary, inputs: &[&Path]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (i, o) in summary.outcomes.iter().enumerate() {
        let path = outcome_file(dir, i + 1);
        crate::paths::check_output("--outcomes-dir", &path, inputs)?;
        std::fs::write(&path, &o.first.output)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// For each truncated outcome, the lines past the shown ones where it
/// differs from another outcome that shows the same lines and result.
fn distinguishing_lines(summary: &Summary) -> Vec<Vec<usize>> {
    let lines: Vec<Vec<&str>> = summary
        .outcomes
        .iter()
        .map(|o| o.first.output.lines().collect())
        .collect();
    let mut groups: BTreeMap<(&str, &[&str]), Vec<usize>> = BTreeMap::new();
    for (i, o) in summary.outcomes.iter().enumerate() {
        let shown = &lines[i][..lines[i].len().min(SHOWN_LINES)];
        groups.entry((&o.first.result, shown)).or_default().push(i);
    }
    let mut extra = vec![Vec::new(); lines.len()];
    for members in groups.values().filter(|m| (2..=64).contains(&m.len())) {
        for &i in members {
            for &j in members.iter().filter(|&&j| j != i) {
                let d = lines[i]
                    .iter()
                    .zip(&lines[j])
                    .position(|(x, y)| x != y)
                    .unwrap_or(lines[i].len().min(lines[j].len()));
                if d >= SHOWN_LINES && !extra[i].contains(&d) {
                    extra[i].push(d);
                }
            }
            extra[i].sort_unstable();
        }
    }
    extra
}

/// The text `explore` prints.
///
/// `closing` is what an exhaustive exploration adds (its coverage and
/// verdict); the others' coverage line is derived from the summary here.
pub fn report(summary: &Summary, o: &ReportOptions, closing: Option<&str>) -> String {
    let mut out = String::new();
    let last = o.plan.first_seed + o.plan.seeds - 1;
    if let Some(header) = strategy::header(summary, o) {
        out.push_str(&header);
    } else {
        let _ = writeln!(
            out,
            "explored {} seeds of {} (seeds {}..={last}, shard {}/{}, {} schedules)",
            summary.runs,
            o.file,
            o.plan.first_seed,
            o.shard.index,
            o.shard.count,
            match o.plan.schedule {
                Schedule::Random => "random",
                Schedule::Fifo => "fifo",
            },
        );
    }
    if let Some(e) = &o.plan.expected {
        let _ = writeln!(
            out,
            "expected output: {} line(s), from {}",
            e.lines.len(),
            e.source
        );
    }
    let (runs, run) = match o.plan.strategy {
        Kind::Exhaustive { .. } => ("schedules", "schedule"),
        _ => ("seeds", "seed"),
    };
    let extra = distinguishing_lines(summary);
    let _ = writeln!(out, "{} distinct outcome(s):", summary.outcomes.len());
    for (i, oc) in summary.outcomes.iter().enumerate() {
        let r = &oc.first;
        let lines: Vec<&str> = r.output.lines().collect();
        let _ = writeln!(
            out,
            "  outcome {} ({} {runs}, e.g. {run} {}): {}  [{} lines, digest {}]",
            i + 1,
            oc.count,
            r.seed,
            r.result,
            lines.len(),
            r.outcome
        );
        if matches!(o.plan.strategy, Kind::Random) {
            let _ = writeln!(out, "    reproduce: {}", repro_command(o, r));
        } else {
            out.push_str(&strategy::repro_lines(o, r, i + 1));
        }
        if let Some(f) = outcome_failure(r) {
            let _ = writeln!(out, "    failing: {}", f.describe());
        }
        if let Some(dir) = o.outcomes_dir {
            let _ = writeln!(out, "    output: {}", outcome_file(dir, i + 1).display());
        }
        let shown = if o.full {
            lines.len()
        } else {
            lines.len().min(SHOWN_LINES)
        };
        for l in &lines[..shown] {
            let _ = writeln!(out, "    | {l}");
        }
        for &d in &extra[i] {
            match lines.get(d) {
                Some(l) if !o.full => {
                    let _ = writeln!(out, "    | (line {}) {l}", d + 1);
                }
                None if !o.full => {
                    let _ = writeln!(out, "    | (ends after line {d})");
                }
                _ => {}
            }
        }
        if lines.len() > shown {
            let _ = writeln!(out, "    | ... ({} more lines)", lines.len() - shown);
        }
    }
    if summary.violations.is_empty() {
        out.push_str("no invariant violations\n");
    } else {
        let _ = writeln!(
            out,
            "invariant violations in {} {run}(s):",
            summary.violations.len()
        );
        for (k, r) in summary.violations.iter().enumerate() {
            for v in &r.violations {
                let _ = writeln!(out, "  {run} {}: {v}", r.seed);
            }
            match o.plan.strategy {
                Kind::Random => {
                    let _ = writeln!(
                        out,
                        "    reproduce: {} --trace seed-{}.jsonl",
                        repro_command(o, r),
                        r.seed
                    );
                }
                // A pct or exhaustive run replays from its decisions.
                _ => out.push_str(&strategy::schedule_repro(
                    o,
                    r,
                    &strategy::violation_file(k + 1),
                    "reproduce",
                    &format!(" --trace violation-{}.jsonl", k + 1),
                )),
            }
        }
    }
    match closing {
        Some(c) => out.push_str(c),
        None => out.push_str(&strategy::coverage(
            summary,
            strategy::late_outcomes(summary, o.plan, o.shard),
        )),
    }
    assertions::report(&mut out, &summary.assertions, o.declared, o);
    super::shrink::report(&mut out, &summary.shrunk, o);
    let failing = summary
        .outcomes
        .iter()
        .filter(|oc| outcome_failure(&oc.first).is_some())
        .count();
    if failing > 0 {
        let _ = writeln!(
            out,
            "{failing} failing outcome(s) of {}",
            summary.outcomes.len()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Args {
        #[command(flatten)]
        run: RunArgs,
    }

    /// Two tasks race to set `winner`: the order decides the output.
    const RACE: &str = "(var winner 0)
(var a (async (do (await (gene/sleep_async 1)) (if (winner == 0) (winner = 1)))))
(var b (async (do (await (gene/sleep_async 1)) (if (winner == 0) (winner = 2)))))
(await a b)
(print winner)
";

    /// A pct run that broke an invariant (made up here: no program breaks
    /// one) is reproduced from its schedule file, which replays its
    /// decisions, not by its seed alone.
    #[test]
    fn a_pct_violation_replays_from_its_schedule_file() {
        let plan = Plan {
            strategy: Kind::Pct { depth: 2, steps: 4 },
            ..Plan::seeds(20)
        };
        let base = RunConfig::default();
        let shard = Shard { index: 1, count: 1 };
        let bar = indicatif::ProgressBar::hidden();
        let mut summary = crate::explore::explore("p.gene", RACE, &base, &plan, 1, shard, &bar);
        // A run that its seed's plain random schedule does not repeat.
        let plain = |seed: u64| {
            let config = crate::explore::seed_config(&base, &plan, seed).unwrap();
            crate::explore::run_config("p.gene", RACE, &config, &plan, seed).output
        };
        let run = summary
            .outcomes
            .iter()
            .map(|o| &o.first)
            .find(|r| plain(r.seed) != r.output)
            .expect("an outcome that the seed alone does not give")
            .clone();
        summary.violations = vec![SeedRun {
            violations: vec!["[made-up] a broken invariant".into()],
            ..run.clone()
        }];
        let args = Args::try_parse_from(["x"]).unwrap().run;
        let dir = std::env::temp_dir().join(format!("gene-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let o = ReportOptions {
            file: "p.gene",
            shard,
            plan: &plan,
            args: &args,
            base: &base,
            full: false,
            outcomes_dir: Some(&dir),
            declared: &[],
        };
        let text = report(&summary, &o, None);
        let file = dir.join("violation-1.schedule");
        let want = format!(
            "  seed {}: [made-up] a broken invariant\n    reproduce: gene-trace run p.gene --seed {} --schedule random --swarm --schedule-file {} --trace violation-1.jsonl\n",
            run.seed,
            run.seed,
            file.display()
        );
        assert!(text.contains(&want), "{text}");
        strategy::write_schedules(&dir, &summary, "p.gene", RACE).unwrap();
        let written = std::fs::read_to_string(&file).unwrap();
        let schedule = gene_sim::schedule_file::ScheduleFile::parse("v", &written).unwrap();
        let mut config = crate::explore::seed_config(&base, &plan, run.seed).unwrap();
        config.schedule_file = Some(schedule);
        let again = crate::explore::run_config("p.gene", RACE, &config, &plan, run.seed);
        assert_eq!(again.output, run.output);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
