//! `gene-trace test [PATH...]`: runs a project's Gene test files in the
//! simulated world and judges each by its directives, with the library's
//! one implementation of the rules (`gene_sim::fixture::judge`, the same
//! the project's own fixture harness uses). docs/testing.md is the manual.

pub mod bless;
pub mod discover;
pub mod failures;
pub mod formats;
pub mod report;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clap::ValueEnum;
use gene_sim::RunConfig;
use gene_sim::fixture::judge::{self, Checks, Verdict};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::explore::Shard;
use discover::TestFile;
use failures::Saved;
use report::Totals;

/// `gene-trace test` options.
#[derive(clap::Args, Debug)]
pub struct TestArgs {
    /// Test files, and folders searched recursively for `*.gene` files
    /// [default: the current folder]. Each file runs from the folder named
    /// here (for a file, the folder holding it).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Run only the files whose path (as printed) contains TEXT;
    /// repeatable (a file matching any runs).
    #[arg(long, value_name = "TEXT")]
    pub filter: Vec<String>,
    /// Files run at once [default: the machine's cores]. Results are
    /// printed in path order whatever the number.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub jobs: Option<u64>,
    /// Run every file under N random schedules (seeds S..S+N, S its
    /// `# Seed:`), each meeting its expectations; replaces `# Seeds:`.
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=gene_sim::fixture::MAX_SEEDS))]
    pub seeds: Option<u64>,
    /// Run only the files whose index k (from 0, in path order, after
    /// --filter) has k % n == i - 1, to split a suite across CI jobs.
    #[arg(long, value_name = "i/n", default_value = "1/1")]
    pub shard: Shard,
    /// The report's format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the json or junit report to FILE (the human report still goes
    /// to standard output) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Where failing files' traces are saved.
    #[arg(long, value_name = "DIR", default_value = failures::DEFAULT_DIR)]
    pub failures_dir: PathBuf,
    /// Rewrite the `# Expected:` and `# Elapsed:` directives of files that
    /// fail only by their output or elapsed time from their actual run,
    /// and show the change.
    #[arg(long, visible_alias = "update")]
    pub bless: bool,
    /// Stop at the first failing file (in path order).
    #[arg(long)]
    pub fail_fast: bool,
    /// Also run each file twice (same output, byte-identical traces), check
    /// every trace invariant and recount scope references, as the
    /// project's own fixtures are checked.
    #[arg(long)]
    pub strict: bool,
    /// Instructions each run may execute before it fails as hung.
    #[arg(long, value_name = "N", default_value_t = judge::DEFAULT_MAX_INSTRUCTIONS,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_instructions: u64,
    /// Memory each run may hold before it fails (bytes; suffixes K, M, G,
    /// T are powers of 1024).
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = crate::parse_size_arg)]
    pub max_memory: u64,
    /// The directory the simulated file system reads [default: the nearest
    /// ancestor of each file's working directory holding .git, else that
    /// directory]; reading a file outside it fails, writes stay in memory.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Run every file from this directory (relative paths in programs
    /// resolve against it) instead of the folder named in PATH.
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// cargo test's form: a line per file, failures, a closing line.
    Human,
    /// One JSON object per test, a line each.
    Json,
    /// JUnit XML, for CI.
    Junit,
}

/// How one file went.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub file: TestFile,
    pub verdict: Verdict,
    /// Misspelt-directive warnings, one line each.
    pub warnings: Vec<String>,
    /// The saved trace and the reproducing commands of a failure.
    pub saved: Option<Saved>,
    /// With --bless: the change made to the file.
    pub blessed: Option<String>,
    /// Wall time the file took (JUnit's `time`).
    pub wall: Duration,
}

/// Reads, judges, and (failing) saves the trace of one file.
fn run_one(file: &TestFile, args: &TestArgs) -> (Outcome, Option<String>) {
    let started = Instant::now();
    let mut config = RunConfig {
        root: file.root.clone(),
        cwd: file.cwd.clone(),
        check_refcounts: args.strict,
        max_memory: Some(args.max_memory),
        ..RunConfig::default()
    };
    config.vm.max_instructions = Some(args.max_instructions);
    let checks = Checks {
        strict: args.strict,
        error_at_required: false,
        seeds: args.seeds,
    };
    let (verdict, warnings, text) = match crate::read_program(Some(&file.path.to_string_lossy())) {
        Ok((_, text)) => {
            let warnings = gene_sim::fixture::spelling::misspelt(&text)
                .iter()
                .map(|m| format!("{}: {m}", file.display))
                .collect();
            (
                judge::judge(&file.name, &text, &config, checks),
                warnings,
                Some(text),
            )
        }
        Err(e) => {
            let failure = judge::Failure {
                reason: e,
                ..Default::default()
            };
            let v = Verdict {
                failure: Some(failure),
                config,
                seed: None,
                runs: 0,
                elapsed_nanos: 0,
            };
            (v, Vec::new(), None)
        }
    };
    let saved = match (&verdict.failure, &text) {
        (Some(_), Some(t)) => Some(failures::save(
            &args.failures_dir,
            file,
            t,
            &verdict,
            args.strict,
        )),
        _ => None,
    };
    let outcome = Outcome {
        file: file.clone(),
        verdict,
        warnings,
        saved,
        blessed: None,
        wall: started.elapsed(),
    };
    (outcome, text)
}

/// Rewrites a blessable failure's file; the change, or None.
fn bless_file(o: &Outcome, text: &str) -> Result<Option<String>, String> {
    let Some(f) = o.verdict.failure.as_ref().filter(|f| f.blessable) else {
        return Ok(None);
    };
    let after = bless::blessed(text, f);
    if after == text {
        return Ok(None);
    }
    std::fs::write(&o.file.path, &after)
        .map_err(|e| format!("cannot bless {}: {e}", o.file.path.display()))?;
    Ok(Some(bless::change(&o.file.display, text, &after)))
}

fn progress_bar(total: usize) -> ProgressBar {
    // Short runs finish before a bar would help.
    if total < 20 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:30} {pos}/{len} files, {per_sec}, ETA {eta}")
    {
        bar.set_style(style);
    }
    bar
}

pub fn main(args: &TestArgs) -> ExitCode {
    let started = Instant::now();
    if args.output.is_some() && args.format == Format::Human {
        return crate::args::usage("--output needs --format json or --format junit");
    }
    let selection = match discover::select(
        &args.paths,
        args.root.as_deref(),
        args.cwd.as_deref(),
        &args.filter,
        args.shard,
    ) {
        Ok(s) => s,
        Err(e) => return crate::args::usage(&e),
    };
    if let Some(out) = &args.output {
        let inputs: Vec<&std::path::Path> =
            selection.files.iter().map(|f| f.path.as_path()).collect();
        if let Err(e) = crate::paths::check_output("--output", out, &inputs) {
            return crate::args::usage(&e);
        }
    }
    let files = &selection.files;
    let human_on_stdout = args.format == Format::Human || args.output.is_some();
    let colour = human_on_stdout && report::colour();
    let jobs = args
        .jobs
        .map_or_else(
            || std::thread::available_parallelism().map_or(1, |n| n.get()),
            |j| j as usize,
        )
        .clamp(1, files.len().max(1));
    let mut stdout = std::io::stdout().lock();
    let mut print = |s: &str| -> Result<(), ExitCode> {
        stdout
            .write_all(s.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|e| crate::output::stdout_failed(&e))
    };
    if human_on_stdout {
        let mut head = format!("\nrunning {} tests", files.len());
        if args.shard.count > 1 {
            head.push_str(&format!(
                " (shard {}/{}; {} in other shards)",
                args.shard.index, args.shard.count, selection.other_shards
            ));
        }
        head.push('\n');
        if let Err(c) = print(&head) {
            return c;
        }
    }
    let bar = progress_bar(files.len());
    let next = AtomicUsize::new(0);
    // With --fail-fast: the lowest failing index; files after it are not run.
    let stop = AtomicUsize::new(usize::MAX);
    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut problem: Option<ExitCode> = None;
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, Outcome, Option<String>)>();
        for _ in 0..jobs {
            let (tx, next, stop) = (tx.clone(), &next, &stop);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= files.len() || i > stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let (o, text) = run_one(&files[i], args);
                    if args.fail_fast && !o.verdict.passed() {
                        stop.fetch_min(i, Ordering::Relaxed);
                    }
                    if tx.send((i, o, text)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Results come in any order; they are reported in path order.
        let mut pending: std::collections::BTreeMap<usize, (Outcome, Option<String>)> =
            Default::default();
        let mut want = 0;
        for (i, o, text) in rx {
            bar.inc(1);
            pending.insert(i, (o, text));
            while let Some((mut o, text)) = pending.remove(&want) {
                want += 1;
                if want - 1 > stop.load(Ordering::Relaxed) {
                    continue;
                }
                if args.bless
                    && let Some(t) = &text
                {
                    match bless_file(&o, t) {
                        Ok(change) => o.blessed = change,
                        Err(e) => o.warnings.push(e),
                    }
                }
                bar.suspend(|| {
                    for w in &o.warnings {
                        eprintln!("warning: {w}");
                    }
                });
                if problem.is_none() {
                    let r = match args.format {
                        _ if human_on_stdout => print(&report::line(&o, colour)),
                        Format::Json => print(&formats::json_line(&o)),
                        _ => Ok(()),
                    };
                    problem = r.err();
                }
                outcomes.push(o);
            }
        }
    });
    bar.finish_and_clear();
    if let Some(c) = problem {
        return c;
    }
    let wall = started.elapsed();
    let failed = outcomes
        .iter()
        .filter(|o| !o.verdict.passed() && o.blessed.is_none())
        .count();
    let blessed = outcomes.iter().filter(|o| o.blessed.is_some()).count();
    let totals = Totals {
        passed: outcomes.iter().filter(|o| o.verdict.passed()).count(),
        failed,
        blessed,
        not_run: files.len() - outcomes.len(),
        filtered_out: selection.filtered_out,
    };
    let machine = match args.format {
        Format::Human => None,
        Format::Json => Some(Ok(outcomes
            .iter()
            .map(formats::json_line)
            .collect::<String>())),
        Format::Junit => Some(formats::junit(&outcomes, wall)),
    };
    match (machine, &args.output) {
        (Some(Err(e)), _) => return crate::fail(&e),
        (Some(Ok(text)), Some(path)) => {
            if let Err(e) = std::fs::write(path, text) {
                return crate::fail(&format!("cannot write {}: {e}", path.display()));
            }
        }
        (Some(Ok(text)), None) if args.format == Format::Junit => {
            if let Err(c) = print(&text) {
                return c;
            }
        }
        _ => {}
    }
    if human_on_stdout && let Err(c) = print(&report::closing(&outcomes, totals, wall, colour)) {
        return c;
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
