//! The texts `--help` shows after the options of each command: an
//! `Examples:` section first (every line an example command, then what it
//! does), then the notes. `tests/help.rs` runs every example as shown, from
//! a folder holding a copy of `fixtures/examples/`.

/// `gene --help`.
pub const GENE: &str = "\
Examples:
  gene run fixtures/examples/tour.gene       run a program (upstream's `gene run`)
  gene run fixtures/examples/race.gene --seed 3 --schedule random
  gene eval '(var x 20) (x + 22)'            print the value of the last form: 42
Both commands run in the simulated world (virtual clock, file system overlay), like
`gene-trace run`; the `gene-trace` binary records, checks, explores and replays runs.";

/// `gene-trace --help`.
pub const GENE_TRACE: &str = "\
Examples:
  gene-trace run fixtures/examples/tour.gene                     run a program
  gene-trace run fixtures/examples/race.gene --trace race.jsonl  record its trace
  gene-trace explore fixtures/examples/race.gene --seeds 200     look for the race (found: status 1)
  gene-trace replay race.jsonl                                   step through the trace
  gene-trace test fixtures/                                      judge test files
`gene-trace COMMAND --help` shows each command's options and examples.";

/// `gene-trace run --help`.
pub const RUN: &str = "\
Examples:
  gene-trace run fixtures/examples/tour.gene                     output, status as the program ends
  gene-trace run fixtures/examples/race.gene --seed 7 --schedule random
  gene-trace run fixtures/examples/race.gene --trace race.jsonl  record the run
  gene-trace run fixtures/examples/race.gene --seed 7 --schedule random --trace race7.jsonl
  gene-trace run fixtures/examples/race.gene --stats --check     counts on stderr, every check
  gene-trace run fixtures/examples/race.gene --fail-nth 1        the first I/O operation fails
  gene-trace run fixtures/examples/race.gene --seed 7 --schedule random --write-schedule race7.schedule
  gene-trace run fixtures/examples/race.gene --schedule-file race7.schedule  replay its decisions
--trace -: the trace goes to standard output and the program's output to standard error.
--check and --check-determinism do all a plain run does (output, --trace of the first run,
--stats, the program's errors and status), then their check; either gives the run a default
budget of 50,000,000 instructions and 1 GiB of memory, which --max-instructions N replaces.
--schedule-file replays decisions in order until one no longer matches, then the seed
decides (a note on stderr says where); the format is in docs/schedules.md.
An output path that names an input (the program, the fault plan, a schedule file) is refused.
Exit status: 0 ok; 1 the program failed, a check failed, output could not be written;
2 usage error or an input that cannot be opened.";

/// `gene-trace explore --help`.
pub const EXPLORE: &str = "\
Examples:
  gene-trace explore fixtures/examples/race.gene --seeds 200     outcomes; its # Expected: fails some: status 1
  gene-trace explore fixtures/examples/race.gene --seeds 100 --fail-probability 0.2  (status 1)
  gene-trace explore fixtures/examples/race.gene --seeds 50 --full --outcomes-dir outcomes  (status 1)
  gene-trace explore fixtures/examples/race.gene --seeds 200 --format json --output race.json  (status 1)
  gene-trace explore --merge race.json                           its report, as a shard file (status 1)
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
outputs, --outcomes-dir DIR writes each to DIR/outcome-K.txt. A seed fails when it breaks an
invariant, fails a (gene/sim/always COND \"msg\"), ends with an uncaught exception, or prints
other than --expect-output FILE or the program's # Expected: lines (giving both is refused).
The report lists each failed always with its first seed's command, and each
(gene/sim/sometimes COND \"msg\") no seed satisfied. --shard i/n --format json --output F
writes a shard's results; --merge F... prints the unsharded run's report from all of them.
The time taken goes to stderr, with progress when stderr is a terminal. Exit status: 1 when
a seed failed or the program does not compile, 2 on a usage error, else 0.";

/// `gene-trace check --help`.
pub const CHECK: &str = "\
Examples:
  gene-trace check race.jsonl                      a trace from `gene-trace run --trace race.jsonl`
  gene-trace check race.jsonl --allow-incomplete   also accept a trace cut short";

/// `gene-trace replay --help`.
pub const REPLAY: &str = "\
Examples:
  gene-trace replay race.jsonl                        from the first poll (? in it: the keys)
  gene-trace replay race.jsonl --at 2                 open at poll 2
  gene-trace replay race.jsonl --against race7.jsonl  compare with another seed's run
Replay needs a terminal (standard input and output); docs/replay.md describes the panes and keys.";

/// `gene-trace diff --help`.
pub const DIFF: &str = "\
Examples:
  gene-trace diff race.jsonl race.jsonl               the same run: equal, status 0
  gene-trace diff race.jsonl race7.jsonl --context 2  two seeds part: where, status 1
Exit status: 0 when the records are equal, 1 when they differ, 2 on a usage error.";

/// `gene-trace export --help`.
pub const EXPORT: &str = "\
Examples:
  gene-trace export race.jsonl race.json                open race.json in ui.perfetto.dev
  gene-trace export --clock seq race.jsonl race-seq.json  one microsecond per record
  gene-trace export --format jsonl race.jsonl race.plain.jsonl  plain JSON lines, for jq";

/// `gene-trace disasm --help`.
pub const DISASM: &str = "\
Examples:
  gene-trace disasm fixtures/examples/tour.gene   the bytecode of every function";

/// `gene-trace completions --help`.
pub const COMPLETIONS: &str = "\
Examples:
  gene-trace completions bash > gene-trace.bash   then: source gene-trace.bash
  gene-trace completions zsh > _gene-trace        put it in a folder of $fpath
  gene-trace completions fish > gene-trace.fish   put it in ~/.config/fish/completions/";

/// `gene-trace test --help`.
pub const TEST: &str = "\
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
