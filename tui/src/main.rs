//! `gene-trace`: run Gene programs deterministically and inspect them.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gene_trace::{Extras, RunArgs, fail, read_program, run_program};

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
    },
    /// Print the bytecode a program compiles to.
    Disasm { file: Option<String> },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Run {
            file,
            run,
            stats,
            trace,
        } => match read_program(file.as_deref()) {
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
