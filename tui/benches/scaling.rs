//! How the VM's whole-heap passes scale: each workload at n and 4n, and the
//! ratio of the two times (about 4 when linear, 16 when quadratic).
//! - the end-of-run cycle collection, with n closures each in a cycle;
//! - `--check`'s recount at the polls, with n tasks waiting, against the
//!   same run unchecked.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use gene_sim::RunConfig;

// The binaries' allocator (mimalloc, counting), so that the figures are
// what `gene-trace` users get.
#[global_allocator]
static ALLOCATOR: gene_sim::memory::Counting = gene_sim::memory::Counting;

/// n closures, each kept alive only by the scope it captured (a cycle).
fn cycles(n: usize) -> String {
    format!(
        "(fn mk [] (var me nil) (me = (fnx [] me)) nil)\n\
         (repeat {n} (mk))\n"
    )
}

/// n tasks all waiting at once, created over about n/10 polls.
fn waiting_tasks(n: usize) -> String {
    format!(
        "(fn ^^async w [j] (var f (fnx [] j)) (await (gene/sleep_async 1000)) (f))\n\
         (var fs [])\n\
         (var i 0)\n\
         (while (i < {n}) (fs = [fs (w i)]) (i = (i + 1)))\n\
         (await (gene/sleep_async 2000))\n"
    )
}

fn time_run(
    c: &mut Criterion,
    group: &str,
    label: &str,
    text: &str,
    config: &RunConfig,
) -> Duration {
    let mut best = Duration::MAX;
    let mut g = c.benchmark_group(group);
    g.sample_size(10);
    g.bench_function(label, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let report =
                    gene_sim::run(label, text, config, &mut std::io::sink()).expect("runs");
                assert!(report.result.is_ok(), "the benchmark program failed");
                let t = start.elapsed();
                best = best.min(t);
                total += t;
            }
            total
        })
    });
    g.finish();
    best
}

fn scaling(
    c: &mut Criterion,
    group: &str,
    n: usize,
    make: fn(usize) -> String,
    config: &RunConfig,
) -> (Duration, Duration) {
    let small = time_run(c, group, &format!("n={n}"), &make(n), config);
    let large = time_run(c, group, &format!("n={}", 4 * n), &make(4 * n), config);
    (small, large)
}

fn report(what: &str, n: usize, (small, large): (Duration, Duration)) {
    println!(
        "{what}: n={n} {:.3} s, 4n {:.3} s, ratio {:.1} (linear 4, quadratic 16)",
        small.as_secs_f64(),
        large.as_secs_f64(),
        large.as_secs_f64() / small.as_secs_f64()
    );
}

fn benches(c: &mut Criterion) {
    let plain = RunConfig::default();
    let cycle_n = 50_000;
    let collected = scaling(c, "cycle_collection", cycle_n, cycles, &plain);
    let checking = RunConfig {
        check_refcounts: true,
        ..RunConfig::default()
    };
    let task_n = 2_000;
    let unchecked = scaling(c, "unchecked", task_n, waiting_tasks, &plain);
    let checked = scaling(c, "check_recount", task_n, waiting_tasks, &checking);
    println!();
    report("cycle collection at exit", cycle_n, collected);
    report("waiting tasks, unchecked", task_n, unchecked);
    report("waiting tasks, --check recount", task_n, checked);
    // What checking adds, relative to the same run unchecked: constant
    // when the recount is linear in the run's work.
    println!(
        "--check overhead: {:.1}x at n, {:.1}x at 4n",
        checked.0.as_secs_f64() / unchecked.0.as_secs_f64(),
        checked.1.as_secs_f64() / unchecked.1.as_secs_f64()
    );
}

criterion_group!(scaling_benches, benches);

fn main() {
    gene_sim::memory::tune();
    scaling_benches();
    Criterion::default().configure_from_args().final_summary();
}
