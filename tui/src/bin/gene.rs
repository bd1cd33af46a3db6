//! `gene`: a drop-in for upstream's `gene` command (run and eval).

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gene_trace::{LimitArgs, run_program};

#[derive(Parser)]
#[command(
    name = "gene",
    version,
    about = "Run Gene programs (a drop-in for upstream's `gene`)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a program file (standard input when no file is given).
    Run {
        file: Option<String>,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Evaluate code and print the value of its last form.
    Eval {
        code: String,
        #[command(flatten)]
        limits: LimitArgs,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Run { file, limits } => run_program(file.as_deref(), &limits.config()),
        Command::Eval { code, limits } => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            match gene_sim::run("<eval>", &code, &limits.config(), &mut out) {
                Ok(v) => {
                    let _ = writeln!(out, "{}", gene_vm::display::display(&v));
                    ExitCode::SUCCESS
                }
                Err(rendered) => {
                    let _ = out.flush();
                    eprint!("{rendered}");
                    ExitCode::from(1)
                }
            }
        }
    }
}
