//! Our VM against peers on the same workloads, in one run (programs in
//! benches/programs/): recursive fib(30) and a 10-million-iteration `while`
//! loop against Lua 5.4; a million concurrent timers against tokio tasks on
//! a paused clock (examples/tokio_timers.rs). Each run is a fresh process,
//! timed by its own CPU time (user + sys, from `wait4`), with its peak
//! resident memory. `tui/benches/run.sh` builds what it needs, installs
//! lua5.4 when missing, and runs this.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use criterion::{Criterion, criterion_group};

/// (workload, implementation) -> (best CPU time per run, peak RSS in KiB).
static RESULTS: Mutex<Vec<(String, String, Duration, i64)>> = Mutex::new(Vec::new());

fn crate_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Runs a command to its end; returns its CPU time and peak RSS.
// The child is reaped by `wait4`, which also gives its resource usage.
#[allow(clippy::zombie_processes)]
fn run_once(program: &Path, args: &[&Path]) -> (Duration, i64) {
    let child = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child's pid, with valid pointers.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert!(
        pid > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{} failed",
        program.display()
    );
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    (tv(usage.ru_utime) + tv(usage.ru_stime), usage.ru_maxrss)
}

/// A workload: our program and the peer's command line.
struct Workload {
    name: &'static str,
    peer: &'static str,
    peer_cmd: Vec<PathBuf>,
}

fn workloads() -> Vec<Workload> {
    let programs = crate_dir().join("benches/programs");
    vec![
        Workload {
            name: "fib",
            peer: "lua5.4",
            peer_cmd: vec!["lua5.4".into(), programs.join("fib.lua")],
        },
        Workload {
            name: "while",
            peer: "lua5.4",
            peer_cmd: vec!["lua5.4".into(), programs.join("while.lua")],
        },
        Workload {
            name: "timers",
            peer: "tokio",
            peer_cmd: vec![crate_dir().join("../target/release/examples/tokio_timers")],
        },
    ]
}

fn peer(c: &mut Criterion, w: &Workload) {
    let gene = crate_dir().join("../target/release/gene-trace");
    assert!(
        gene.exists(),
        "build the release binaries first: tui/benches/run.sh"
    );
    let program = crate_dir().join(format!("benches/programs/{}.gene", w.name));
    let mut group = c.benchmark_group(w.name);
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    let runs: [(&str, Vec<PathBuf>); 2] = [
        ("gene", vec![gene, PathBuf::from("run"), program]),
        (w.peer, w.peer_cmd.clone()),
    ];
    for (name, cmd) in runs {
        let args: Vec<&Path> = cmd[1..].iter().map(PathBuf::as_path).collect();
        let mut best = Duration::MAX;
        let mut peak = 0;
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (cpu, rss) = run_once(&cmd[0], &args);
                    best = best.min(cpu);
                    peak = peak.max(rss);
                    total += cpu;
                }
                total
            })
        });
        RESULTS
            .lock()
            .unwrap()
            .push((w.name.into(), name.into(), best, peak));
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    for w in workloads() {
        peer(c, &w);
    }
}

fn report() {
    let results = RESULTS.lock().unwrap();
    println!("\nworkload  implementation  best cpu    peak rss");
    for (w, name, cpu, rss) in results.iter() {
        println!(
            "{w:<9} {name:<15} {:>8.3} s  {:>7.1} MiB",
            cpu.as_secs_f64(),
            *rss as f64 / 1024.0
        );
    }
    for w in workloads() {
        let get = |n: &str| {
            results
                .iter()
                .find(|r| r.0 == w.name && r.1 == n)
                .map(|r| (r.2.as_secs_f64(), r.3 as f64))
        };
        if let (Some((gt, gm)), Some((pt, pm))) = (get("gene"), get(w.peer)) {
            println!(
                "{}: gene / {} = {:.2}x time, {:.2}x memory",
                w.name,
                w.peer,
                gt / pt,
                gm / pm
            );
        }
    }
}

criterion_group!(peers, benches);

fn main() {
    peers();
    Criterion::default().configure_from_args().final_summary();
    report();
}
