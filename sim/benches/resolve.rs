//! How the overlay's path resolution scales with the number of components.
//!
//! A path of `k` components, half existing directories and half missing
//! (a file about to be written, or a missing one read): resolution finds
//! the longest existing prefix. Compare `k = 64` with `k = 256`: a linear
//! or n log n resolution costs about 4-5 times more for 4 times the
//! components, a quadratic one about 16 times.

use std::path::PathBuf;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use gene_sim::fs::{FileSystem, OverlayFs};

const SIZES: [usize; 2] = [64, 256];

/// A root holding a chain `d/d/.../d` deep enough for the longest path.
fn root() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gene-bench-resolve-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let deepest = dir.join("d/".repeat(SIZES[1] / 2));
    std::fs::create_dir_all(deepest).expect("the directory chain");
    dir
}

fn resolve(c: &mut Criterion) {
    let dir = root();
    let mut fs = OverlayFs::new(dir.clone());
    let mut group = c.benchmark_group("resolve");
    for k in SIZES {
        let path = format!("{}{}", "d/".repeat(k / 2), vec!["m"; k / 2].join("/"));
        group.bench_with_input(BenchmarkId::new("components", k), &path, |b, path| {
            b.iter(|| fs.read(path).is_err())
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(dir);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = resolve
}
criterion_main!(benches);
