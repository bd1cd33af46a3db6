//! Our VM against Lua 5.4 on the same programs, in one run: recursive
//! fib(30) and a 10-million-iteration `while` loop (benches/programs/).
//! Each run is a fresh process for both, timed by its own CPU time
//! (user + sys, from `wait4`), with its peak resident memory.
//! `tui/benches/run.sh` installs lua5.4 when missing and runs this.

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

fn peer(c: &mut Criterion, workload: &str) {
    let gene = crate_dir().join("../target/release/gene");
    assert!(
        gene.exists(),
        "build the release binary first: cargo build --release"
    );
    let lua = PathBuf::from("lua5.4");
    let gene_prog = crate_dir().join(format!("benches/programs/{workload}.gene"));
    let lua_prog = crate_dir().join(format!("benches/programs/{workload}.lua"));
    let mut group = c.benchmark_group(workload);
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    let runs: [(&str, PathBuf, Vec<PathBuf>); 2] = [
        ("gene", gene, vec![PathBuf::from("run"), gene_prog]),
        ("lua5.4", lua, vec![lua_prog]),
    ];
    for (name, program, args) in runs {
        let args: Vec<&Path> = args.iter().map(PathBuf::as_path).collect();
        let mut best = Duration::MAX;
        let mut peak = 0;
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (cpu, rss) = run_once(&program, &args);
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
            .push((workload.into(), name.into(), best, peak));
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    peer(c, "fib");
    peer(c, "while");
}

fn report() {
    let results = RESULTS.lock().unwrap();
    println!("\nworkload  implementation  best cpu    peak rss");
    for (w, name, cpu, rss) in results.iter() {
        println!(
            "{w:<9} {name:<15} {:>8.3} s  {:>6.1} MiB",
            cpu.as_secs_f64(),
            *rss as f64 / 1024.0
        );
    }
    for w in ["fib", "while"] {
        let get = |n: &str| {
            results
                .iter()
                .find(|r| r.0 == w && r.1 == n)
                .map(|r| r.2.as_secs_f64())
        };
        if let (Some(g), Some(l)) = (get("gene"), get("lua5.4")) {
            println!("{w}: gene / lua5.4 = {:.2}x (best CPU time)", g / l);
        }
    }
}

criterion_group!(vs_lua, benches);

fn main() {
    vs_lua();
    Criterion::default().configure_from_args().final_summary();
    report();
}
