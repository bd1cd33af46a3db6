//! `gene-trace`: run Gene programs deterministically and inspect them.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gene_trace::{Extras, RunArgs, fail, read_program, run_program};

// Counts each thread's allocations, for `--max-memory`.
#[global_allocator]
static ALLOCATOR: gene_sim::memory::Counting = gene_sim::memory::Counting;

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
        /// Record the run's trace (JSON lines, docs/trace-format.md).
        #[arg(long, value_name = "FILE")]
        trace: Option<std::path::PathBuf>,
        /// Run twice and compare the traces; name the first differing record.
        #[arg(long)]
        check_determinism: bool,
        /// Checking mode: recount scope references at every poll and check
        /// every invariant on the trace.
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
    match Cli::parse().command {
        Command::Replay(args) => gene_trace::replay::main(&args),
        Command::Diff(args) => gene_trace::diff::main(&args),
        Command::Export(args) => gene_trace::export::main(&args),
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
            Ok((name, text)) if check_determinism || check => {
                gene_trace::checks::run_checks(&name, &text, &run, check_determinism, check)
            }
            Ok((name, text)) => {
                let extras = Extras {
                    stats,
                    unobserved: true,
                    trace,
                };
                run_program(&name, &text, &run, &extras).0
            }
            Err(e) => fail(&e),
        },
        Command::Disasm { file } => {
            let (name, text) = match read_program(file.as_deref()) {
                Ok(p) => p,
                Err(e) => return fail(&e),
            };
            let mut vm = gene_vm::Vm::new(Default::default());
            match vm.compile(&name, &text) {
                Ok(code) => {
                    print!("{}", gene_vm::disasm::listing(&code));
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprint!("{}", e.render());
                    ExitCode::from(1)
                }
            }
        }
    }
}
