//! Property-run throughput: generated programs per second on one core, each
//! generated, predicted by the model, run on the VM and compared (what
//! every case of `await_ordering` does). `cargo bench --bench props`.

#[path = "mod.rs"]
#[allow(unused_imports)]
mod props;

// The binaries' allocator (mimalloc, counting), so that runs cost what
// they cost in `gene-trace`.
#[global_allocator]
static ALLOCATOR: gene_sim::memory::Counting = gene_sim::memory::Counting;

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use props::check::{Setup, run_vm};
use props::{GenConfig, predict};

fn benches(c: &mut Criterion) {
    let n = 2000;
    let mut best = Duration::MAX;
    c.bench_function("generate_model_run_2000_programs", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for i in 0..iters {
                let start = Instant::now();
                for prog in props::sample(i, n, GenConfig::default()) {
                    let p = predict(&prog);
                    let vm = run_vm(&prog, Setup::FIFO);
                    assert_eq!(p.lines, vm.lines);
                }
                let t = start.elapsed();
                best = best.min(t);
                total += t;
            }
            total
        })
    });
    println!(
        "\nproperty runs: {:.0} generated programs/s on one core",
        n as f64 / best.as_secs_f64()
    );
}

criterion_group!(props_bench, benches);

fn main() {
    props_bench();
    Criterion::default().configure_from_args().final_summary();
}
