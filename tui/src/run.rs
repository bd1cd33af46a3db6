//! The one path of every run from the command line (`gene run`, `gene
//! eval`, `gene-trace run` with or without `--check` and
//! `--check-determinism`): a plain run, printing the program's output,
//! honouring `--trace` and `--stats`, reporting the program's failure;
//! then the checks asked for, each adding its report and its verdict.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gene_sim::Report;

use crate::checks::{self, SharedBuf};
use crate::{RunArgs, budget, output, paths};

/// What to do besides printing the program's own output.
#[derive(Clone, Debug, Default)]
pub struct Extras {
    /// The `--stats` summary, on stderr.
    pub stats: bool,
    /// A warning per unobserved failure, on stderr, naming it as the trace
    /// tools do (`gene_sim::run_named`).
    pub unobserved: bool,
    /// Record the trace into this file (`-`: standard output, and the
    /// program's output goes to standard error).
    pub trace: Option<PathBuf>,
    /// Run a second time and compare the traces.
    pub check_determinism: bool,
    /// Recount scope references at the polls (`Vm::audit_if_due`); check every invariant on
    /// the trace.
    pub check: bool,
    /// Replay the decisions of this schedule file (docs/schedules.md).
    pub schedule_file: Option<PathBuf>,
    /// Write the run's decisions to this file, as a schedule file.
    pub write_schedule: Option<PathBuf>,
}

/// The trace's destinations: the `--trace` file, and a copy in memory
/// for the checks.
struct Tee {
    file: Option<Box<dyn Write + Send>>,
    kept: Option<SharedBuf>,
}

impl Write for Tee {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        if let Some(k) = &mut self.kept {
            k.write_all(b)?;
        }
        if let Some(f) = &mut self.file {
            f.write_all(b)?;
        }
        Ok(b.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

/// The writer a `--trace FILE` trace goes to (the recorder flushes it
/// at every poll); the harness benchmark records through it too.
pub fn trace_file(path: &Path) -> io::Result<Box<dyn Write + Send>> {
    Ok(Box::new(io::BufWriter::new(std::fs::File::create(path)?)))
}

fn is_stdout(p: &Path) -> bool {
    p == Path::new("-")
}

/// Runs a program with its output on stdout; errors go to stderr, status 1
/// (2 for bad options). The report is `None` when the program did not run.
pub fn run_program(
    name: &str,
    text: &str,
    args: &RunArgs,
    extras: &Extras,
) -> (ExitCode, Option<Report>) {
    let mut config = match args.config() {
        Ok(c) => c,
        Err(e) => return (crate::args::usage(&e), None),
    };
    let checking = extras.check || extras.check_determinism;
    if checking {
        budget::apply(
            &mut config,
            budget::CHECK_INSTRUCTIONS,
            budget::CHECK_MEMORY,
        );
    }
    config.check_refcounts |= extras.check;
    if let Err(e) = schedule_options(name, text, args, extras, &mut config) {
        return (crate::args::usage(&e), None);
    }
    let trace_to_stdout = extras.trace.as_deref().is_some_and(is_stdout);
    if let Some(t) = &extras.trace {
        let mut inputs = vec![Path::new(name)];
        inputs.extend(args.faults.as_deref());
        if let Err(e) = paths::check_output("--trace", t, &inputs) {
            return (crate::args::usage(&e), None);
        }
    }
    let file: Option<Box<dyn Write + Send>> = match &extras.trace {
        None => None,
        Some(_) if trace_to_stdout => Some(Box::new(io::BufWriter::new(io::stdout()))),
        Some(path) => match trace_file(path) {
            Ok(f) => Some(f),
            Err(e) => {
                let e = format!("cannot create {}: {e}", path.display());
                return (crate::fail(&e), None);
            }
        },
    };
    let kept = checking.then(SharedBuf::default);
    let sink: Option<Box<dyn Write + Send>> = match (file, &kept) {
        (None, None) => None,
        (file, kept) => Some(Box::new(Tee {
            file,
            kept: kept.clone(),
        })),
    };
    // With the trace on stdout, the program's output goes to stderr.
    let mut out = output::Checked::new(if trace_to_stdout {
        Box::new(io::stderr()) as Box<dyn Write>
    } else {
        Box::new(io::stdout())
    });
    // Naming the unobserved failures watches every event, which costs a
    // recorded run as much again as formatting its records: a simulated
    // run, recorded or not, goes without, and only when a failure is left
    // unobserved is the run made again, unrecorded (the same run: the
    // world is simulated, the seed is the same), to name it. A real-world
    // run is never made twice, so it names as it runs.
    let run = if extras.unobserved && config.real {
        gene_sim::run_named
    } else {
        gene_sim::run_traced
    };
    let mut report = match run(name, text, &config, &mut out, sink) {
        Ok(r) => r,
        Err(e) => {
            eprint!("{}", e.render());
            return (ExitCode::from(1), None);
        }
    };
    if extras.unobserved
        && !config.real
        && !report.unobserved_ids.is_empty()
        && let Ok(again) = gene_sim::run_named(name, text, &config, &mut io::sink(), None)
        && again.unobserved_ids == report.unobserved_ids
    {
        report.unobserved_names = again.unobserved_names;
    }
    let output_error = out.finish();
    let mut failed = false;
    if extras.unobserved {
        for (i, v) in report.unobserved.iter().enumerate() {
            let mut s = String::new();
            gene_vm::display::write_quoted(&mut s, v);
            match report.unobserved_names.get(i) {
                Some(name) => eprintln!("warning: unobserved failure of {name}: {s}"),
                None => eprintln!("warning: unobserved failure: {s}"),
            }
        }
    }
    if let Some(left) = &report.schedule_left {
        eprintln!("note: {left}");
    }
    if let Some(path) = &extras.write_schedule {
        let mut replay = format!("gene-trace run {name}");
        if config.seed != 0 {
            replay.push_str(&format!(" --seed {}", config.seed));
        }
        if args.swarm {
            replay.push_str(" --swarm");
        }
        let about = format!(
            "the decisions of {name}, seed {}, schedule {}\nreplay (with the run's other options): {replay} --schedule-file {}",
            config.seed,
            match config.schedule {
                gene_sim::Schedule::Fifo => "fifo",
                gene_sim::Schedule::Random => "random",
            },
            path.display()
        );
        let file_text =
            gene_sim::schedule_file::ScheduleFile::write(&report.decisions, &about, name, text);
        if let Err(e) = std::fs::write(path, file_text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            failed = true;
        }
    }
    if extras.stats {
        eprint!("{}", report.summary());
    }
    if let Err(u) = &report.result {
        eprint!("{}", u.render());
        failed = true;
    }
    if let (Some(e), Some(path)) = (&report.trace_error, &extras.trace) {
        let to = if trace_to_stdout {
            "standard output".to_string()
        } else {
            path.display().to_string()
        };
        eprintln!("error: writing the trace to {to} failed: {e}");
        failed = true;
    }
    let first = kept.map(SharedBuf::take).unwrap_or_default();
    if extras.check_determinism {
        let verdict = checks::trace_bytes(name, text, &config)
            .and_then(|second| checks::first_difference(&first, &second));
        match verdict {
            Ok(n) => eprintln!("deterministic: two runs gave the same {n} trace records"),
            Err(e) => {
                eprintln!("{e}");
                failed = true;
            }
        }
    }
    if extras.check {
        let problems = checks::invariants(&first, &report);
        if problems.is_empty() {
            eprintln!("every invariant holds");
        } else {
            for p in problems {
                eprintln!("{p}");
            }
            failed = true;
        }
    }
    if let Some(e) = output_error {
        return (output::stdout_failed(&e), Some(report));
    }
    let code = if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    (code, Some(report))
}

/// `--schedule-file` and `--write-schedule`: both only in the simulation.
fn schedule_options(
    name: &str,
    program: &str,
    args: &RunArgs,
    extras: &Extras,
    config: &mut gene_sim::RunConfig,
) -> Result<(), String> {
    use gene_sim::schedule_file::{MAX_BYTES, ScheduleFile};
    if config.real && (extras.schedule_file.is_some() || extras.write_schedule.is_some()) {
        return Err(
            "--schedule-file and --write-schedule need the simulation: the real world's schedule is the OS's, not --real's"
                .into(),
        );
    }
    if let Some(path) = &extras.schedule_file {
        let shown = path.display();
        let text = crate::read_input(path, "a schedule file", MAX_BYTES)?;
        // The report starts `error: `, as `usage` prints it.
        let mut file = ScheduleFile::parse(&shown.to_string(), &text)
            .map_err(|e| e.0.strip_prefix("error: ").unwrap_or(&e.0).to_string())?;
        let moved = file.relocate(name, program);
        if !moved.is_empty() {
            // The first few moves; a count for the rest.
            const SHOWN: usize = 5;
            let mut list: Vec<String> = moved
                .iter()
                .take(SHOWN)
                .map(|(from, to)| format!("{name}:{from} is now {name}:{to}"))
                .collect();
            if moved.len() > SHOWN {
                list.push(format!("and {} more lines", moved.len() - SHOWN));
            }
            eprintln!(
                "note: the program changed since {shown} was written: {}",
                list.join(", ")
            );
        }
        config.schedule_file = Some(file);
    }
    if let Some(out) = &extras.write_schedule {
        let mut inputs = vec![Path::new(name)];
        inputs.extend(args.faults.as_deref());
        inputs.extend(extras.schedule_file.as_deref());
        paths::check_output("--write-schedule", out, &inputs)?;
        config.log_decisions = true;
    }
    Ok(())
}
