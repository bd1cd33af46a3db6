//! Blocking operations (`gene/sleep`, `gene/io/read`, `gene/io/write`) cost
//! exactly their latency, whatever timers are pending: a property test with
//! an oracle computed from the latency model alone (base + per byte, no
//! jitter), independent of the driver.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use gene_sim::RunConfig;
use gene_sim::latency::{LatencyModel, OpLatency};
use proptest::prelude::*;

/// One blocking operation of the generated program.
#[derive(Clone, Debug)]
enum Op {
    /// `(gene/sleep ms)`.
    Sleep(u64),
    /// `(gene/io/read "fN.txt")` of a file on disk of `SIZES[N]` bytes.
    Read(usize),
    /// A read of a missing file (caught): costs the base latency only.
    ReadMissing,
    /// `(gene/io/write "out.txt" <n bytes>)`.
    Write(usize),
}

/// The sizes of the files the reads find under the root.
const SIZES: [usize; 3] = [0, 7, 300];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u64..3000).prop_map(Op::Sleep),
        (0..SIZES.len()).prop_map(Op::Read),
        Just(Op::ReadMissing),
        (0usize..200).prop_map(Op::Write),
    ]
}

/// A fresh directory holding the files the reads find.
fn root() -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "gene-blocking-time-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (i, n) in SIZES.iter().enumerate() {
        std::fs::write(dir.join(format!("f{i}.txt")), "r".repeat(*n)).expect("data file");
    }
    dir
}

fn program(timers: &[u64], ops: &[Op]) -> String {
    let mut p = String::new();
    for (i, ms) in timers.iter().enumerate() {
        p.push_str(&format!("(var t{i} (gene/sleep_async {ms}))\n"));
        p.push_str(&format!("(t{i} .on_success (-> (println \"fired\")))\n"));
    }
    for op in ops {
        match op {
            Op::Sleep(ms) => p.push_str(&format!("(gene/sleep {ms})\n")),
            Op::Read(i) => p.push_str(&format!("(gene/io/read \"f{i}.txt\")\n")),
            Op::ReadMissing => p.push_str("(try (gene/io/read \"missing.txt\") catch * nil)\n"),
            Op::Write(n) => p.push_str(&format!(
                "(gene/io/write \"out.txt\" \"{}\")\n",
                "w".repeat(*n)
            )),
        }
        p.push_str("(println \"now\" (gene/time/now))\n");
    }
    p
}

/// The virtual time after each operation, from the latency model only.
fn oracle(latency: &LatencyModel, ops: &[Op]) -> Vec<f64> {
    let io = |l: &OpLatency, bytes: usize| l.base_ns + l.per_byte_ns * bytes as u64;
    let mut now = 0u64;
    ops.iter()
        .map(|op| {
            now += match op {
                Op::Sleep(ms) => ms * 1_000_000,
                Op::Read(i) => io(&latency.read, SIZES[*i]),
                Op::ReadMissing => latency.read.base_ns,
                Op::Write(n) => io(&latency.write, *n),
            };
            now as f64 / 1e9
        })
        .collect()
}

fn observed(config: &RunConfig, text: &str) -> Vec<f64> {
    let mut out = Vec::new();
    let report = gene_sim::run("blocking.gene", text, config, &mut out).expect("loads");
    assert!(report.result.is_ok(), "{:?}", report.result);
    String::from_utf8(out)
        .expect("utf-8")
        .lines()
        .filter_map(|l| l.strip_prefix("now "))
        .map(|t| t.parse::<f64>().expect("a float"))
        .collect()
}

proptest! {
    #[test]
    fn blocking_operations_cost_their_latency_whatever_timers_are_pending(
        timers in prop::collection::vec(1u64..10_000, 0..5),
        ops in prop::collection::vec(op(), 1..8),
        base in 0u64..5_000_000,
        per_byte in 0u64..1_000,
    ) {
        let io = OpLatency { base_ns: base, per_byte_ns: per_byte, jitter_ns: 0 };
        let latency = LatencyModel { read: io, write: io, ..LatencyModel::zero() };
        let dir = root();
        let config = RunConfig { root: dir.clone(), latency, ..RunConfig::default() };
        let text = program(&timers, &ops);
        let got = observed(&config, &text);
        let _ = std::fs::remove_dir_all(&dir);
        prop_assert_eq!(got, oracle(&latency, &ops), "program:\n{}", text);
    }
}
