//! `gene-trace`: run Gene programs deterministically and inspect them.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gene_trace::args::{self, usage};
use gene_trace::{Extras, RunArgs, output, paths, read_program, run_program};

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
    #[command(after_help = RUN_HELP)]
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
    },
    /// Run a program under many seeds, schedules and fault plans; report
    /// each distinct outcome and every broken invariant.
    #[command(after_help = EXPLORE_HELP)]
    Explore(gene_trace::explore::ExploreArgs),
    /// Check a recorded trace against the format and every invariant.
    Check(gene_trace::check_trace::CheckArgs),
    /// Print the bytecode a program compiles to.
    Disasm {
        /// The program (a `.gene` file); standard input when absent or `-`.
        file: Option<String>,
    },
    /// Step through a recorded trace, poll by poll, in the terminal.
    Replay(gene_trace::replay::ReplayArgs),
    /// Compare two traces: the first poll where they part, then a summary.
    Diff(gene_trace::diff::DiffArgs),
    /// Convert a trace to Chrome trace / Perfetto JSON.
    Export(gene_trace::export::ExportArgs),
    /// Run a project's Gene test files in the simulated world and judge each
    /// by its `# Expected:`, `# Elapsed:`, ... directives (docs/testing.md).
    #[command(after_help = TEST_HELP)]
    Test(gene_trace::test_runner::TestArgs),
    /// Print a shell completion script: `gene-trace completions bash >
    /// ~/.local/share/bash-completion/completions/gene-trace`.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

const RUN_HELP: &str = "\
--trace -: the trace goes to standard output and the program's output to standard error.
--check and --check-determinism do all a plain run does (output, --trace of the first run,
--stats, the program's errors and status), then their check; either gives the run a default
budget of 50,000,000 instructions and 1 GiB of memory, which --max-instructions N replaces.
An output path that names an input (the program, the fault plan) is refused.
Exit status: 0 ok; 1 the program failed, a check failed, output could not be written;
2 usage error or an input that cannot be opened.";

const EXPLORE_HELP: &str = "\
In explore the run options mean:
  --seed S                the first seed: explore runs the seeds S..S+N (N: --seeds)
  --schedule random       the default: each seed draws its schedule and its swarm fault plan
  --schedule fifo         start order: each seed draws only its swarm fault plan (faults only)
  --faults FILE, --fail-nth, --fail-path, --fail-probability, --short-read-probability
                          added to each seed's swarm plan (a probability replaces the plan's)
  --max-instructions N    each seed's budget (default 5,000,000; memory: 256 MiB a seed);
                          a seed that runs out of it is a \"did not finish\" outcome
  --real, --swarm         refused: explore runs in the simulation and always draws swarm plans
  --poll-every, --await, --root, --cwd, --max-depth, --start-time: as in run
Each outcome prints the `gene-trace run` command that reproduces it; --full prints whole
outputs, --outcomes-dir DIR writes each to DIR/outcome-K.txt. Progress goes to stderr when it
is a terminal. Exit status: 1 when a seed broke an invariant or the program does not
compile, 2 on a usage error, else 0.";

const TEST_HELP: &str = "\
Examples:
  gene-trace test                          every *.gene file under the current folder
  gene-trace test tests/ --jobs 4          four files at a time
  gene-trace test testsuite/ --seeds 20    each file under 20 random schedules
  gene-trace test --filter async/ --fail-fast
  gene-trace test tests/ --format junit --output junit.xml --shard 2/4
  gene-trace test tests/ --bless           rewrite failing files' # Expected: and # Elapsed:
Each file runs from the folder named on the command line (for a file, its folder), as
upstream's run_tests.sh runs its suite from its own folder; --cwd DIR replaces it. Each run
stops at --max-instructions and --max-memory, so a hung file fails. A failing file's trace
is saved under --failures-dir with the gene-trace replay and run commands that reproduce it.
Exit status: 0 every file passed (or was blessed); 1 a file failed; 2 usage error.";

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
