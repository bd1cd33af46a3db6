//! `gene-trace`: run Gene programs deterministically and inspect them.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gene_trace::args::{self, usage};
use gene_trace::{Extras, RunArgs, help, output, paths, read_program, run_program};

// Counts each thread's allocations, for `--max-memory`.
#[global_allocator]
static ALLOCATOR: gene_sim::memory::Counting = gene_sim::memory::Counting;

#[derive(Parser)]
#[command(
    name = "gene-trace",
    version,
    about = "Deterministic runs of Gene programs",
    after_help = help::GENE_TRACE
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a program in the simulated world (standard input when no file, or `-`, is given).
    #[command(after_help = help::RUN)]
    Run {
        /// The program (a `.gene` file); standard input when absent or `-`.
        file: Option<String>,
        #[command(flatten)]
        run: Box<RunArgs>,
        /// Print on stderr, one line each: virtual time, polls, operations,
        /// futures, tasks (and how many were still waiting at the end),
        /// unobserved failures, peak live scopes, and scopes kept alive by
        /// cycles.
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
        /// Also recount scope references at the polls (every poll while the
        /// heap is small, then as often as a linear total cost allows) and check every
        /// invariant on the trace. With either check the run has a default
        /// budget of 50,000,000 instructions and 1 GiB.
        #[arg(long)]
        check: bool,
        /// Replay the decisions of a schedule file (docs/schedules.md):
        /// in order, until one no longer matches; the seed decides the rest.
        #[arg(long, value_name = "FILE")]
        schedule_file: Option<std::path::PathBuf>,
        /// Write the run's decisions to FILE, as a schedule file.
        #[arg(long, value_name = "FILE")]
        write_schedule: Option<std::path::PathBuf>,
    },
    /// Run a program under many seeds, schedules and fault plans; report
    /// each distinct outcome and every broken invariant.
    #[command(after_help = help::EXPLORE)]
    Explore(gene_trace::explore::ExploreArgs),
    /// Check a recorded trace against the format and every invariant.
    #[command(after_help = help::CHECK)]
    Check(gene_trace::check_trace::CheckArgs),
    /// Print the bytecode a program compiles to.
    #[command(after_help = help::DISASM)]
    Disasm {
        /// The program (a `.gene` file); standard input when absent or `-`.
        file: Option<String>,
    },
    /// Step through a recorded trace, poll by poll, in the terminal.
    #[command(after_help = help::REPLAY)]
    Replay(gene_trace::replay::ReplayArgs),
    /// Compare two traces: the first poll where they part, then a summary.
    #[command(after_help = help::DIFF)]
    Diff(gene_trace::diff::DiffArgs),
    /// Convert a trace to Chrome trace / Perfetto JSON.
    #[command(after_help = help::EXPORT)]
    Export(gene_trace::export::ExportArgs),
    /// Run a project's Gene test files in the simulated world and judge each
    /// by its `# Expected:`, `# Elapsed:`, ... directives (docs/testing.md).
    #[command(after_help = help::TEST)]
    Test(gene_trace::test_runner::TestArgs),
    /// Print a shell completion script: `gene-trace completions bash >
    /// ~/.local/share/bash-completion/completions/gene-trace`.
    #[command(after_help = help::COMPLETIONS)]
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

fn main() -> ExitCode {
    gene_sim::memory::tune();
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
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "gene-trace", &mut script);
            match output::print(&String::from_utf8_lossy(&script)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(code) => code,
            }
        }
        Command::Diff(args) => gene_trace::diff::main(&args),
        Command::Test(args) => gene_trace::test_runner::main(&args),
        Command::Export(args) => {
            if let Err(e) = paths::check_output("the output", &args.out, &[&args.trace]) {
                return usage(&e);
            }
            gene_trace::export::main(&args)
        }
        Command::Explore(args) => gene_trace::explore::main(&args),
        Command::Check(args) => gene_trace::check_trace::main(&args),
        Command::Run {
            file,
            run,
            stats,
            trace,
            check_determinism,
            check,
            schedule_file,
            write_schedule,
        } => match read_program(file.as_deref()) {
            Ok((name, text)) => {
                let extras = Extras {
                    stats,
                    unobserved: true,
                    trace,
                    check_determinism,
                    check,
                    schedule_file,
                    write_schedule,
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every subcommand and positional argument of `gene-trace` says what it
    /// is in `--help`.
    #[test]
    fn every_positional_and_subcommand_has_a_description() {
        let missing = gene_trace::args::undescribed(&super::Cli::command());
        assert!(missing.is_empty(), "undescribed in --help: {missing:?}");
    }
}
