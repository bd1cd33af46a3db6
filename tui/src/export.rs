//! `gene-trace export TRACE OUT`: a trace as Chrome trace / Perfetto JSON
//! (`--format chrome`, [`chrome`]) or as plain JSON lines (`--format
//! jsonl`, [`jsonl`]).
//!
//! The trace is read as a stream of records (`gene_sim::trace::stream`),
//! never whole: `jsonl` writes each record as it is read, `chrome` reads
//! the file twice (names and fates first, then the events). A trace that
//! is not a regular file (a pipe, `<(zcat t.jsonl.gz)`) cannot be read
//! twice: its bytes are kept as the first pass reads them, for the second.
//! A damaged trace is exported up to the damage, and the status says so.

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;

use clap::{Args, ValueEnum};
use gene_sim::trace::read::{Limits, Record, TraceError, header};
use gene_sim::trace::stream::{Records, open_file};

mod chrome;
mod fates;
mod jsonl;
pub use chrome::{Survey, write_chrome, write_events};
pub use fates::{Ending, Fates, FatesFinder, Uncaught};
pub use jsonl::{write_jsonl, write_records};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Chrome trace / Perfetto JSON.
    Chrome,
    /// Plain JSON lines, one record a line with its seq, t and poll (for jq).
    Jsonl,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Clock {
    /// Virtual time: ts = t / 1000 microseconds (records at one instant a
    /// few nanoseconds apart).
    Virtual,
    /// One microsecond per record (ts = seq): every slice has a width.
    Seq,
}

#[derive(Args, Debug, Clone)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Chrome)]
    pub format: Format,
    /// Timestamps from virtual time (the default), or one microsecond per
    /// record (`--format chrome` only).
    #[arg(long, value_enum)]
    pub clock: Option<Clock>,
    /// A trace written by `gene-trace run --trace FILE`.
    pub trace: PathBuf,
    /// The JSON file to write (`-`: standard output).
    pub out: PathBuf,
}

pub fn main(args: &ExportArgs) -> ExitCode {
    if args.format == Format::Jsonl && args.clock.is_some() {
        eprintln!("error: --clock applies to --format chrome only (jsonl records keep their t)");
        return ExitCode::from(2);
    }
    let (file, meta) = match open_file(&args.trace) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // Only chrome reads the trace twice; a pipe's bytes are kept for that.
    let kept = (args.format == Format::Chrome && !meta.is_file()).then(Kept::default);
    let input: Box<dyn BufRead> = match &kept {
        Some(kept) => Box::new(BufReader::new(kept.tee(file))),
        None => Box::new(BufReader::new(file)),
    };
    let mut records = match Records::new(input, &Limits::default()) {
        Ok(r) => r,
        Err(e) => return unreadable(&args.trace, &e),
    };
    let status = match args.format {
        Format::Jsonl => {
            let mut ended = false;
            let mut last_kind = |r: &Record| ended = &*r.kind == "run.end";
            let written = write_to(&args.out, |out| {
                write_records(records.by_ref().inspect(&mut last_kind), out).map(|_| ())
            });
            let damaged = report(&args.trace, records.so_far(), records.error(), ended);
            written.map(|()| damaged)
        }
        Format::Chrome => export_chrome(args, records, kept),
    };
    match status {
        Ok(true) => ExitCode::from(1),
        Ok(false) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// `--format chrome`: the first pass over `records`, then the second over
/// the file opened again (or the bytes `kept`). Whether the trace is
/// damaged, or the status of a failure (reported).
fn export_chrome(
    args: &ExportArgs,
    mut records: Records<Box<dyn BufRead>>,
    kept: Option<Kept>,
) -> Result<bool, ExitCode> {
    let blocking = header::blocking_await(records.header());
    let survey = Survey::of(records.by_ref(), blocking);
    let (head, error) = records.finish();
    let damaged = report(&args.trace, survey.records, error.as_ref(), survey.ended);
    let again: Box<dyn BufRead> = match kept {
        Some(kept) => Box::new(std::io::Cursor::new(kept.take())),
        None => match open_file(&args.trace) {
            Ok((file, _)) => Box::new(BufReader::new(file)),
            Err(e) => return Err(unreadable(&args.trace, &e)),
        },
    };
    let mut again = match Records::new(again, &Limits::default()) {
        Ok(r) => r,
        Err(e) => return Err(unreadable(&args.trace, &e)),
    };
    let clock = args.clock.unwrap_or(Clock::Virtual);
    let mut written = 0;
    write_to(&args.out, |out| {
        written = write_events(again.by_ref(), &head, &survey, error.as_ref(), clock, out)?;
        Ok(())
    })?;
    if written < survey.records {
        eprintln!(
            "error: {}: the trace changed while it was exported: {} records, then {written}{}",
            args.trace.display(),
            survey.records,
            again.error().map(|e| format!(" ({e})")).unwrap_or_default()
        );
        return Err(ExitCode::from(1));
    }
    Ok(damaged)
}

/// Reports a trace whose header cannot be read (status 1), or that cannot
/// be opened (status 2).
fn unreadable(path: &Path, e: &TraceError) -> ExitCode {
    if e.cannot_open() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    eprintln!("error: {}: {e}", path.display());
    ExitCode::from(1)
}

/// Says what of the trace was exported, when not all of a whole run:
/// whether it is damaged.
fn report(path: &Path, records: usize, error: Option<&TraceError>, ended: bool) -> bool {
    if let Some(e) = error {
        eprintln!(
            "error: {}: damaged at {e}; exporting the {records} records before it",
            path.display()
        );
    } else if !ended {
        eprintln!(
            "warning: {}: no run.end (a crashed or cut run); exporting its {records} records",
            path.display()
        );
    }
    error.is_some()
}

/// Writes the output with `write`, to `out` (`-`: standard output); the
/// status of a failure (reported).
fn write_to(
    out: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), ExitCode> {
    if out == Path::new("-") {
        let mut w = crate::output::writer();
        return write(&mut w)
            .and_then(|()| w.flush())
            .map_err(|e| crate::output::stdout_failed(&e));
    }
    std::fs::File::create(out)
        .and_then(|f| {
            let mut w = std::io::BufWriter::new(f);
            write(&mut w).and_then(|()| w.flush())
        })
        .map_err(|e| {
            eprintln!("error: cannot write {}: {e}", out.display());
            ExitCode::from(1)
        })
}

/// The bytes of a trace that can be read only once, kept as they are read.
#[derive(Default)]
struct Kept(Rc<RefCell<Vec<u8>>>);

impl Kept {
    /// `input`, whose bytes are kept as they are read.
    fn tee(&self, input: impl Read + 'static) -> impl Read + 'static {
        Tee {
            input,
            kept: self.0.clone(),
        }
    }

    /// The bytes read so far.
    fn take(self) -> Vec<u8> {
        self.0.take()
    }
}

struct Tee<R> {
    input: R,
    kept: Rc<RefCell<Vec<u8>>>,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.input.read(buf)?;
        self.kept.borrow_mut().extend_from_slice(&buf[..n]);
        Ok(n)
    }
}
