//! `gene`: a drop-in for upstream's `gene` command (run and eval).

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gene_trace::args::{self, usage};
use gene_trace::{Extras, RunArgs, output, read_program, run_program};

// Counts each thread's allocations, for `--max-memory`.
#[global_allocator]
static ALLOCATOR: gene_sim::memory::Counting = gene_sim::memory::Counting;

#[derive(Parser)]
#[command(
    name = "gene",
    version,
    about = "Run Gene programs (a drop-in for upstream's `gene`)",
    after_help = gene_trace::help::GENE
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a program file (standard input when no file, or `-`, is given).
    Run {
        /// The program (a `.gene` file); standard input when absent or `-`.
        file: Option<String>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Evaluate code (`-`: read it from standard input) and print the value of its last form.
    Eval {
        /// The code to evaluate; `-` reads it from standard input.
        code: String,
        #[command(flatten)]
        run: RunArgs,
    },
}

fn main() -> ExitCode {
    gene_sim::memory::tune();
    output::restore_sigpipe();
    let cli: Cli = match args::parse() {
        Ok(c) => c,
        Err(code) => return code,
    };
    match cli.command {
        Command::Run { file, run } => match read_program(file.as_deref()) {
            Ok((name, text)) => run_program(&name, &text, &run, &Extras::default()).0,
            Err(e) => usage(&e),
        },
        Command::Eval { code, run } => {
            let (name, text) = if code == "-" {
                match read_program(None) {
                    Ok(p) => p,
                    Err(e) => return usage(&e),
                }
            } else {
                ("<eval>".to_string(), code)
            };
            let (status, report) = run_program(&name, &text, &run, &Extras::default());
            if status == ExitCode::SUCCESS
                && let Some(Ok(v)) = report.map(|r| r.result)
                && let Err(code) = output::print(&format!("{}\n", gene_vm::display::display(&v)))
            {
                return code;
            }
            status
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every subcommand and positional argument of `gene` says what it
    /// is in `--help`.
    #[test]
    fn every_positional_and_subcommand_has_a_description() {
        let missing = gene_trace::args::undescribed(&super::Cli::command());
        assert!(missing.is_empty(), "undescribed in --help: {missing:?}");
    }
}
