//! The harness's own speed, each figure against its peer in the same run:
//! - trace recording on a million timers, against the same run unrecorded;
//! - `explore` on a ten-task program (seeds per second, 2 jobs);
//! - three concurrent 100 ms sleeps: 100 ms of virtual time in how much wall time.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use gene_sim::RunConfig;

fn program(name: &str) -> (String, String) {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches/programs")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("bench program");
    (path.display().to_string(), text)
}

fn recording(c: &mut Criterion) -> (Duration, Duration) {
    let (name, text) = program("timers.gene");
    let config = RunConfig::default();
    let mut group = c.benchmark_group("recording_1m_timers");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    let mut best = [Duration::MAX; 2];
    for (i, traced) in [false, true].into_iter().enumerate() {
        group.bench_function(if traced { "recorded" } else { "unrecorded" }, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    let trace: Option<Box<dyn std::io::Write + Send>> =
                        traced.then(|| Box::new(std::io::sink()) as Box<dyn std::io::Write + Send>);
                    gene_sim::run_traced(&name, &text, &config, &mut std::io::sink(), trace)
                        .expect("runs");
                    let t = start.elapsed();
                    best[i] = best[i].min(t);
                    total += t;
                }
                total
            })
        });
    }
    group.finish();
    (best[0], best[1])
}

fn explore(c: &mut Criterion) -> f64 {
    let (name, text) = program("ten_tasks.gene");
    let base = RunConfig {
        root: std::env::temp_dir(),
        ..RunConfig::default()
    };
    let seeds = 2000;
    let mut best = Duration::MAX;
    let mut group = c.benchmark_group("explore_ten_tasks");
    group.sample_size(10);
    group.bench_function("2000_seeds_2_jobs", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let shard = gene_trace::explore::Shard { index: 1, count: 1 };
                let plan = gene_trace::explore::Plan::seeds(seeds);
                let hidden = indicatif::ProgressBar::hidden();
                let summary =
                    gene_trace::explore::explore(&name, &text, &base, &plan, 2, shard, &hidden);
                assert_eq!(summary.runs, seeds);
                let t = start.elapsed();
                best = best.min(t);
                total += t;
            }
            total
        })
    });
    group.finish();
    seeds as f64 / best.as_secs_f64()
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
    let (plain, recorded) = recording(c);
    let seeds_per_sec = explore(c);
    let sleeps = three_sleeps(c);
    println!(
        "\nrecording 1M timers: {:.3} s recorded / {:.3} s unrecorded = {:.2}x",
        recorded.as_secs_f64(),
        plain.as_secs_f64(),
        recorded.as_secs_f64() / plain.as_secs_f64()
    );
    println!("explore ten_tasks.gene: {seeds_per_sec:.0} seeds/s on 2 jobs");
    println!(
        "three concurrent 100 ms sleeps: 100 ms virtual in {:.1} us wall",
        sleeps.as_secs_f64() * 1e6
    );
}

criterion_group!(harness, benches);

fn main() {
    harness();
    Criterion::default().configure_from_args().final_summary();
}
