//! `gene-trace check TRACE`: the invariant checkers on a recorded trace.
//! The reader validates every record against the schema first
//! (docs/trace-format.md, "Reading"); a trace that stops before `run.end`
//! is refused unless a prefix is checked on purpose. The trace is read as a
//! stream: `check` holds a few entries per task, future and scope, not the
//! records.
//!
//! Exit status: 0 when the whole trace is valid and every invariant holds;
//! 1 when an invariant is broken, a record is damaged or contradicts the
//! schema, or the trace is incomplete; 2 when the file cannot be opened.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gene_sim::trace::stream::Records;
use gene_sim::trace::{check, read};

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// A trace written by `gene-trace run --trace FILE`.
    pub trace: PathBuf,
    /// Accept a trace without `run.end` (a crashed or cut run) and check
    /// the records it has; a damaged record is still an error.
    #[arg(long)]
    pub allow_incomplete: bool,
}

/// What checking a trace found.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every invariant holds on the whole trace (or, allowed, its prefix).
    Holds { records: usize, complete: bool },
    /// Broken invariants and damaged or invalid records, one line each.
    Problems(Vec<String>),
    /// No `run.end`, and prefixes were not allowed.
    Incomplete { records: usize },
}

/// Checks a recorded trace file; `Err` when it cannot be opened or its
/// header is unusable (the first is a usage error, the second a verdict).
/// The file is read as a stream, one record at a time.
pub fn check_file(path: &Path, allow_incomplete: bool) -> Result<Verdict, read::TraceError> {
    let (mut records, _) = Records::open(path, &read::Limits::default())?;
    let mut ended = false;
    let violations =
        check::check_stream(records.by_ref().inspect(|r| ended = &*r.kind == "run.end"));
    let count = records.so_far();
    let mut problems: Vec<String> = violations.iter().map(|v| v.to_string()).collect();
    if let Some(e) = records.error() {
        problems.push(format!(
            "[format] {e} (the {count} records before it were checked)"
        ));
    }
    Ok(if !problems.is_empty() {
        Verdict::Problems(problems)
    } else if !ended && !allow_incomplete {
        Verdict::Incomplete { records: count }
    } else {
        Verdict::Holds {
            records: count,
            complete: ended,
        }
    })
}

/// Prints the verdict; the status, or the one a failed write gives.
fn say(text: &str, status: ExitCode) -> ExitCode {
    match crate::output::print(text) {
        Ok(()) => status,
        Err(code) => code,
    }
}

pub fn main(args: &CheckArgs) -> ExitCode {
    let name = args.trace.display();
    match check_file(&args.trace, args.allow_incomplete) {
        Ok(Verdict::Holds { complete: true, .. }) => say(
            &format!("{name}: every invariant holds\n"),
            ExitCode::SUCCESS,
        ),
        Ok(Verdict::Holds {
            records,
            complete: false,
        }) => say(
            &format!(
                "{name}: every invariant holds on the {records} records of this incomplete trace\n"
            ),
            ExitCode::SUCCESS,
        ),
        Ok(Verdict::Problems(problems)) => {
            let lines: String = problems.iter().map(|p| format!("{name}: {p}\n")).collect();
            say(&lines, ExitCode::from(1))
        }
        Ok(Verdict::Incomplete { records }) => {
            eprintln!(
                "error: {name}: the trace is incomplete: it stops after {records} records, \
                 without run.end (a crashed or cut run); --allow-incomplete checks the prefix"
            );
            ExitCode::from(1)
        }
        Err(e) if e.cannot_open() => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {name}: {e}");
            ExitCode::from(1)
        }
    }
}
