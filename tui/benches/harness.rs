//! The harness's own speed, each figure against its peer in the same run:
//! - trace recording, against the same run unrecorded, on a million timers
//!   and on 200,000 tasks writing shared variables; the trace goes to a
//!   file under `target/tmp/` through the writer `gene-trace run --trace`
//!   uses, and is removed afterwards;
//! - `explore` on a ten-task program (seeds per second, 2 jobs);
//! - three concurrent 100 ms sleeps: 100 ms of virtual time in how much wall time.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use gene_sim::RunConfig;

// The binaries' allocator (mimalloc, counting), so that the figures are
// what `gene-trace` users get.
#[global_allocator]
static ALLOCATOR: gene_sim::memory::Counting = gene_sim::memory::Counting;

fn program(name: &str) -> (String, String) {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches/programs")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("bench program");
    // Named as a user at the workspace's root names it: every location in
    // the trace carries the name, and no absolute host path gets in.
    (format!("tui/benches/programs/{name}"), text)
}

/// The targets (issue 12, "Recording to disk"): recorded CPU at most this
/// many times the unrecorded, and at most this many bytes a record.
const MAX_RATIO: f64 = 1.5;
const MAX_BYTES_PER_RECORD: f64 = 48.0;

/// The recording workloads.
const RECORDED: [&str; 2] = ["timers.gene", "shared_writes.gene"];

/// One recording workload's best runs (CPU time), and the trace it wrote.
struct Recording {
    program: &'static str,
    unrecorded: Duration,
    recorded: Duration,
    trace_bytes: u64,
    records: u64,
}

/// This thread's CPU time, user and system: the machine is shared, so
/// wall time counts other processes' work too. A run is one thread,
/// writing its trace included.
fn thread_cpu() -> Duration {
    // SAFETY: an all-zero timespec is valid for clock_gettime to fill in.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: a valid clock id and a valid pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// One run, its trace (if any) written to a new file `trace` as `gene-trace
/// run --trace` writes it; the program's output is discarded. Its CPU time.
fn run_once(name: &str, text: &str, config: &RunConfig, trace: Option<&Path>) -> Duration {
    if let Some(p) = trace {
        // A new file each time, as a first recording makes: truncating the
        // last run's trace would count its removal.
        let _ = std::fs::remove_file(p);
    }
    let start = thread_cpu();
    let writer = trace.map(|p| gene_trace::trace_file(p).expect("create the trace file"));
    let report =
        gene_sim::run_traced(name, text, config, &mut std::io::sink(), writer).expect("runs");
    let t = thread_cpu() - start;
    assert!(report.result.is_ok(), "{name} failed");
    assert_eq!(report.trace_error, None, "writing the trace of {name}");
    t
}

/// Best-of-N CPU time of `program`, recorded to `trace` or not.
fn best_run(c: &mut Criterion, program_name: &str, trace: Option<&Path>) -> Duration {
    let (name, text) = program(program_name);
    let config = RunConfig::default();
    let mut group = c.benchmark_group("recording");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    let label = if trace.is_some() {
        "recorded"
    } else {
        "unrecorded"
    };
    let mut best = Duration::MAX;
    group.bench_function(format!("{program_name}/{label}"), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t = run_once(&name, &text, &config, trace);
                best = best.min(t);
                total += t;
            }
            total
        })
    });
    group.finish();
    best
}

/// Every workload unrecorded first, then recorded.
fn recording(c: &mut Criterion) -> Vec<Recording> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(dir).expect("target/tmp");
    let plain: Vec<Duration> = RECORDED.iter().map(|p| best_run(c, p, None)).collect();
    let mut out = Vec::new();
    for (program, unrecorded) in RECORDED.into_iter().zip(plain) {
        let trace = dir.join(format!("harness-{program}.jsonl"));
        let recorded = best_run(c, program, Some(&trace));
        let bytes = std::fs::read(&trace).expect("read the trace back");
        // Every line but the header is a record.
        let records = bytes.iter().filter(|&&b| b == b'\n').count() as u64 - 1;
        std::fs::remove_file(&trace).expect("remove the trace");
        out.push(Recording {
            program,
            unrecorded,
            recorded,
            trace_bytes: bytes.len() as u64,
            records,
        });
    }
    out
}

/// This process's CPU time, every thread's.
fn process_cpu() -> Duration {
    // SAFETY: an all-zero rusage is valid for getrusage to fill in.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid `who` and a valid pointer.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    assert_eq!(rc, 0, "getrusage");
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// Seeds per second of wall time, and per CPU-second (times 2 for what two
/// cores of their own would give).
fn explore(c: &mut Criterion) -> (f64, f64) {
    let (name, text) = program("ten_tasks.gene");
    let base = RunConfig {
        root: std::env::temp_dir(),
        ..RunConfig::default()
    };
    let seeds = 2000;
    let mut best = Duration::MAX;
    let mut best_cpu = Duration::MAX;
    let mut group = c.benchmark_group("explore_ten_tasks");
    group.sample_size(10);
    group.bench_function("2000_seeds_2_jobs", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let cpu = process_cpu();
                let shard = gene_trace::explore::Shard { index: 1, count: 1 };
                let plan = gene_trace::explore::Plan::seeds(seeds);
                let hidden = indicatif::ProgressBar::hidden();
                let summary =
                    gene_trace::explore::explore(&name, &text, &base, &plan, 2, shard, &hidden);
                assert_eq!(summary.runs, seeds);
                let t = start.elapsed();
                best_cpu = best_cpu.min(process_cpu() - cpu);
                best = best.min(t);
                total += t;
            }
            total
        })
    });
    group.finish();
    (
        seeds as f64 / best.as_secs_f64(),
        seeds as f64 / best_cpu.as_secs_f64(),
    )
}

fn three_sleeps(c: &mut Criterion) -> Duration {
    let text = "(await (gene/sleep_async 100) (gene/sleep_async 100) (gene/sleep_async 100))";
    let mut best = Duration::MAX;
    c.bench_function("three_100ms_sleeps", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let r = gene_sim::run(
                    "sleeps.gene",
                    text,
                    &RunConfig::default(),
                    &mut std::io::sink(),
                )
                .expect("runs");
                let t = start.elapsed();
                assert_eq!(r.elapsed_nanos, 100_000_000, "100 ms of virtual time");
                best = best.min(t);
                total += t;
            }
            total
        })
    });
    best
}

fn benches(c: &mut Criterion) {
    let recordings = recording(c);
    let (seeds_per_sec, seeds_per_cpu_sec) = explore(c);
    let sleeps = three_sleeps(c);
    println!();
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    for r in &recordings {
        let ratio = r.recorded.as_secs_f64() / r.unrecorded.as_secs_f64();
        let per_record = r.trace_bytes as f64 / r.records as f64;
        println!(
            "recording {}: {:.3} s recorded / {:.3} s unrecorded (CPU) = {ratio:.2}x \
             (target <= {MAX_RATIO}x: {}); {} records, {:.1} MB, {per_record:.1} bytes \
             per record (target <= {MAX_BYTES_PER_RECORD}: {})",
            r.program,
            r.recorded.as_secs_f64(),
            r.unrecorded.as_secs_f64(),
            met(ratio <= MAX_RATIO),
            r.records,
            r.trace_bytes as f64 / 1e6,
            met(per_record <= MAX_BYTES_PER_RECORD),
        );
    }
    println!(
        "explore ten_tasks.gene: {seeds_per_sec:.0} seeds/s on 2 jobs (wall); \
         {seeds_per_cpu_sec:.0} seeds per CPU-second, {:.0}/s on 2 cores of its own",
        2.0 * seeds_per_cpu_sec
    );
    println!(
        "three concurrent 100 ms sleeps: 100 ms virtual in {:.1} us wall",
        sleeps.as_secs_f64() * 1e6
    );
}

criterion_group!(harness, benches);

fn main() {
    gene_sim::memory::tune();
    harness();
    Criterion::default().configure_from_args().final_summary();
}
