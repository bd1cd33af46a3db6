//! `gene-trace`: run Gene programs deterministically and inspect them.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gene_trace::{LimitArgs, fail, read_program, run_program};

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
    /// Run a program (standard input when no file is given).
    Run {
        file: Option<String>,
        #[command(flatten)]
        limits: LimitArgs,
        /// Instructions between two polls of the event loop.
        #[arg(long, value_name = "N", default_value_t = 100,
              value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
        poll_every: u64,
    },
    /// Print the bytecode a program compiles to.
    Disasm { file: Option<String> },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Run {
            file,
            limits,
            poll_every,
        } => {
            let mut config = limits.config();
            config.poll_every = poll_every;
            run_program(file.as_deref(), &config)
        }
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
