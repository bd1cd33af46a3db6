//! `gene-trace`: run Gene programs deterministically and inspect them.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gene_trace::args::{self, usage};
use gene_trace::{Extras, RunArgs, output, paths, read_program, run_program};

#[derive(Parser)]
#[command(
    name = "gene-trace",
    version,
    about = "Deterministic runs of Gene programs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a program in the simulated world (standard input when no file, or `-`, is given).
    Run {
        file: Option<String>,
        #[command(flatten)]
        run: Box<RunArgs>,
        /// Print virtual time, polls, operations, futures, tasks,
        /// unobserved failures and peak live scopes on stderr.
        #[arg(long)]
        stats: bool,
        /// Record the run's trace (JSON lines, docs/trace-format.md); `-`:
        /// on standard output, and the program's output goes to stderr.
        #[arg(long, value_name = "FILE")]
        trace: Option<std::path::PathBuf>,
        /// Also run a second time and compare the traces; name the first
        /// differing record. Budget: see --max-instructions.
        #[arg(long)]
        check_determinism: bool,
        /// Also recount scope references at every poll and check every
        /// invariant on the trace. With either check the run has a default
        /// budget of 50,000,000 instructions and 1 GiB.
        #[arg(long)]
        check: bool,
    },
    /// Run a program under many seeds, schedules and fault plans; report
    /// each distinct outcome and every broken invariant.
    Explore(gene_trace::explore::ExploreArgs),
    /// Check every invariant on a recorded trace.
    Check(gene_trace::checks::CheckArgs),
    /// Print the bytecode a program compiles to.
    Disasm { file: Option<String> },
    /// Step through a recorded trace, poll by poll, in the terminal.
    Replay(gene_trace::replay::ReplayArgs),
    /// Compare two traces: the first poll where they part, then a summary.
    Diff(gene_trace::diff::DiffArgs),
    /// Convert a trace to Chrome trace / Perfetto JSON.
    Export(gene_trace::export::ExportArgs),
}

fn main() -> ExitCode {
    output::restore_sigpipe();
    let cli: Cli = match args::parse() {
        Ok(c) => c,
        Err(code) => return code,
    };
    // An input that cannot be opened is a usage error (status 2).
    let inputs: Vec<&std::path::Path> = match &cli.command {
        Command::Replay(a) => vec![&a.trace],
        Command::Export(a) => vec![&a.trace],
        Command::Check(a) => vec![&a.trace],
        _ => Vec::new(),
    };
    for input in inputs {
        if let Err(e) = paths::check_input(input) {
            return usage(&e);
        }
    }
    match cli.command {
        Command::Replay(args) => gene_trace::replay::main(&args),
        Command::Diff(args) => gene_trace::diff::main(&args),
        Command::Export(args) => {
            if let Err(e) = paths::check_output("the output", &args.out, &[&args.trace]) {
                return usage(&e);
            }
            gene_trace::export::main(&args)
        }
        Command::Explore(args) => gene_trace::explore::main(&args),
        Command::Check(args) => gene_trace::checks::main(&args),
        Command::Run {
            file,
            run,
            stats,
            trace,
            check_determinism,
            check,
        } => match read_program(file.as_deref()) {
            Ok((name, text)) => {
                let extras = Extras {
                    stats,
                    unobserved: true,
                    trace,
                    check_determinism,
                    check,
                };
                run_program(&name, &text, &run, &extras).0
            }
            Err(e) => usage(&e),
        },
        Command::Disasm { file } => {
            let (name, text) = match read_program(file.as_deref()) {
                Ok(p) => p,
                Err(e) => return usage(&e),
            };
            let mut vm = gene_vm::Vm::new(Default::default());
            match vm.compile(&name, &text) {
                Ok(code) => match output::print(&gene_vm::disasm::listing(&code)) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(code) => code,
                },
                Err(e) => {
                    eprint!("{}", e.render());
                    ExitCode::from(1)
                }
            }
        }
    }
}
