//! The replay on a 1,000,000-event trace: time to open (read + index),
//! time of a step forward and back (the poll's state and its frame, drawn
//! to a 120x40 test terminal), and peak memory.
//!
//! The trace is recorded once by the `gene-trace` binary (87,000 async
//! tasks, each sleeping a pseudo-random 1..997 ms: about 1,010,000 records
//! of trace format v2, 23,000 polls, 140 MB) into the bench's temporary
//! directory. The figures
//! that matter for the budget (open < 1 s, step < 16 ms, < 300 MiB) are
//! measured in a fresh child process, so that recording the trace does not
//! count in the peak memory; then criterion times stepping.
//!
//! `cargo bench -p gene-trace --bench replay` (add `-- --quick` for a short
//! run). Set GENE_REPLAY_TRACE=FILE to measure another trace.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use gene_sim::trace::read::read_file;
use gene_trace::replay::index::Replay;
use gene_trace::replay::{App, ui};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

// The binaries' allocator (mimalloc, counting), so that the figures are
// what `gene-trace` users get.
#[global_allocator]
static ALLOCATOR: gene_sim::memory::Counting = gene_sim::memory::Counting;

/// Tasks of the recorded program: eleven to twelve records each (v2 also
/// records the writes and first reads of `x`, a variable of the top-level
/// scope that `nap`'s closure can see).
const TASKS: u32 = 87_000;

fn program() -> String {
    format!(
        "(var x 12345)
(fn ^^async nap [ms]
  (await (gene/sleep_async ms))
  ms)
(repeat {TASKS}
  (x = (((x * 1103515245) + 12345) % 2147483648))
  (nap ((x % 997) + 1)))
(println \"spawned\")
"
    )
}

/// The big trace, recorded on first use.
fn big_trace() -> PathBuf {
    if let Ok(p) = std::env::var("GENE_REPLAY_TRACE") {
        return PathBuf::from(p);
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let trace = dir.join(format!("replay-{TASKS}.jsonl"));
    if !trace.exists() {
        let prog = dir.join("replay-big.gene");
        std::fs::write(&prog, program()).unwrap();
        let tmp = dir.join("replay-big.jsonl.part");
        let status = Command::new(env!("CARGO_BIN_EXE_gene-trace"))
            .arg("run")
            .arg(&prog)
            .arg("--trace")
            .arg(&tmp)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("run gene-trace");
        assert!(status.success(), "recording the big trace failed");
        std::fs::rename(&tmp, &trace).unwrap();
    }
    trace
}

fn rss_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// This thread's CPU time (user and system): on a shared machine, wall
/// time counts the other processes too.
fn thread_cpu() -> Duration {
    // SAFETY: an all-zero timespec is valid for clock_gettime to fill in.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: a valid clock id and a valid pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// Opens the trace, steps through it, prints the figures (child process).
fn measure(path: &Path) {
    let c0 = thread_cpu();
    let t0 = Instant::now();
    let trace = read_file(path).expect("read the trace");
    let read = t0.elapsed();
    let after_read = rss_kib("VmHWM:");
    let records = trace.records.len();
    // What `gene-trace replay` does: the index, the story (names,
    // histories, warnings), then the first frame.
    let t1 = Instant::now();
    let mut app = App::new(trace, "bench", Err("not read".into()));
    let index = t1.elapsed();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let t2 = Instant::now();
    terminal.draw(|f| ui::draw(f, &app)).unwrap();
    let frame = t2.elapsed();
    let open = t0.elapsed();
    let open_cpu = thread_cpu() - c0;
    let polls = app.replay.polls();
    let (checkpoints, gap) = app.replay.checkpoints();
    // A step as a user sees it: the poll's state, then its frame.
    let mut step_to = |app: &mut App, p: usize| {
        app.goto(p);
        terminal.draw(|f| ui::draw(f, app)).unwrap();
    };

    // Steps: forward through a stretch, backward through the same, at
    // places spread over the trace; and jumps (g, G, random).
    let mut fwd = Vec::new();
    let mut back = Vec::new();
    let starts: Vec<usize> = (0..8).map(|k| k * polls / 8).collect();
    for &s in &starts {
        step_to(&mut app, s);
        for _ in 0..200 {
            let p = app.poll() + 1;
            let t = Instant::now();
            step_to(&mut app, p);
            fwd.push(t.elapsed());
        }
        for _ in 0..200 {
            let p = app.poll().saturating_sub(1);
            let t = Instant::now();
            step_to(&mut app, p);
            back.push(t.elapsed());
        }
    }
    // The worst place to step back from: just after a checkpoint's gap.
    let mut worst_back = Duration::ZERO;
    for k in 1..polls.min(4000) {
        let p = polls - k;
        app.goto(p);
        let t = Instant::now();
        step_to(&mut app, p - 1);
        worst_back = worst_back.max(t.elapsed());
    }
    let mut jumps = Vec::new();
    let mut p = 1usize;
    for _ in 0..200 {
        p = (p * 7919 + 104_729) % polls;
        let t = Instant::now();
        step_to(&mut app, p);
        jumps.push(t.elapsed());
    }
    let replay = &app.replay;
    let stats = |v: &[Duration]| {
        let max = v.iter().max().copied().unwrap_or_default();
        let mean = v.iter().sum::<Duration>() / v.len().max(1) as u32;
        format!("mean {}, max {}", ms(mean), ms(max))
    };
    let peak = rss_kib("VmHWM:");
    println!(
        "replay of {} ({records} records, {polls} polls)",
        path.display()
    );
    println!(
        "  open:          {} (read_file {} + index and story {} + first frame {}); CPU {}",
        ms(open),
        ms(read),
        ms(index),
        ms(frame),
        ms(open_cpu)
    );
    println!(
        "  checkpoints:   {checkpoints}, every {gap} records, {:.1} MiB",
        replay.checkpoint_bytes() as f64 / (1 << 20) as f64
    );
    println!("  step forward:  {} ({} steps)", stats(&fwd), fwd.len());
    println!("  step backward: {} ({} steps)", stats(&back), back.len());
    println!(
        "  step backward, worst of the last 4000 polls: {}",
        ms(worst_back)
    );
    println!("  random jumps:  {} ({} jumps)", stats(&jumps), jumps.len());
    println!(
        "  peak memory:   {:.1} MiB (VmHWM); {:.1} MiB after read_file; the index holds {:.1} MiB",
        peak as f64 / 1024.0,
        after_read as f64 / 1024.0,
        replay.index_bytes() as f64 / (1 << 20) as f64
    );
    println!(
        "  records the index cannot take back (stepping over them replays): {}",
        replay.irreversible()
    );
}

fn figures() {
    let path = big_trace();
    let out = Command::new(std::env::current_exe().unwrap())
        .env("GENE_REPLAY_MEASURE", &path)
        .output()
        .expect("run the measurement");
    print!("{}", String::from_utf8_lossy(&out.stdout));
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
}

fn bench_steps(c: &mut Criterion) {
    let path = big_trace();
    let mut replay = Replay::new(read_file(&path).expect("read the trace"));
    let polls = replay.polls();
    let mut g = c.benchmark_group("replay-1m");
    g.sample_size(20);
    let mid = polls / 2;
    g.bench_function("step forward", |b| {
        replay.seek(mid);
        b.iter(|| {
            let p = if replay.poll() >= polls - 1 {
                mid
            } else {
                replay.poll() + 1
            };
            replay.seek(black_box(p));
        })
    });
    g.bench_function("step backward", |b| {
        replay.seek(polls - 1);
        b.iter(|| {
            let p = if replay.poll() == 0 {
                polls - 1
            } else {
                replay.poll() - 1
            };
            replay.seek(black_box(p));
        })
    });
    g.bench_function("forward then backward", |b| {
        replay.seek(mid);
        b.iter(|| {
            replay.seek(black_box(mid + 1));
            replay.seek(black_box(mid));
        })
    });
    g.finish();
}

fn bench_open(c: &mut Criterion) {
    let path = big_trace();
    let mut g = c.benchmark_group("replay-1m-open");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("read_file", |b| {
        b.iter(|| black_box(read_file(&path).unwrap().records.len()))
    });
    let trace_bytes = std::fs::read(&path).unwrap();
    g.bench_function("index (Replay::new)", |b| {
        b.iter_batched(
            || gene_sim::trace::read::read(&trace_bytes[..]).unwrap(),
            |t| black_box(Replay::new(t).polls()),
            criterion::BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench_steps, bench_open);

fn main() {
    gene_sim::memory::tune();
    if let Some(path) = std::env::var_os("GENE_REPLAY_MEASURE") {
        measure(Path::new(&path));
        return;
    }
    // `cargo test --benches` runs bench targets without `--bench`: the
    // 1M-event trace takes a minute to record, so only `cargo bench` runs.
    if !std::env::args().any(|a| a == "--bench") {
        println!("replay bench: run it with `cargo bench -p gene-trace --bench replay`");
        return;
    }
    figures();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
