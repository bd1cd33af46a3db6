//! Our VM against peers on the same workloads, in one run (programs in
//! benches/programs/): recursive fib(30), a 10-million-iteration `while`
//! loop and 1M iterations of mixed array and map element reads and writes
//! against Lua 5.4, with LuaJIT's interpreter (`luajit -joff`) shown for
//! reference; a million concurrent timers against tokio tasks on a paused
//! clock (examples/tokio_timers.rs); `explore --strategy exhaustive` on
//! programs/orders.gene (its 5040 schedules) against `explore --strategy
//! random` with as many seeds, each on one job, with the 5040 first
//! schedules without reduction for reference. Each run is a fresh process, timed by
//! its own CPU time (user + sys, from `wait4`), with its peak resident
//! memory. The report gives each ratio with its target (issue 12) and
//! whether it is met. `tui/benches/run.sh` builds what it needs, installs
//! lua5.4 and luajit when missing, and runs this.

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
        // explore's time line; a failure is asserted below.
        .stderr(Stdio::null())
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

/// A workload: our command line, the peer's, and the target.
struct Workload {
    name: &'static str,
    /// gene-trace's arguments.
    gene_args: Vec<PathBuf>,
    peer: &'static str,
    peer_cmd: Vec<PathBuf>,
    /// Another implementation shown for scale, not compared against.
    reference: Option<(&'static str, Vec<PathBuf>)>,
    /// The most time (ours / the peer's) that meets the target, if there
    /// is one.
    max_time_ratio: Option<f64>,
    /// The most peak memory that meets the target, in MiB (absolute), if
    /// there is such a target.
    max_peak_mib: Option<f64>,
}

fn workloads() -> Vec<Workload> {
    let programs = crate_dir().join("benches/programs");
    let run =
        |name: &str| -> Vec<PathBuf> { vec!["run".into(), programs.join(format!("{name}.gene"))] };
    let gene_trace = crate_dir().join("../target/release/gene-trace");
    let explore = |args: &[&str]| -> Vec<PathBuf> {
        let mut a: Vec<PathBuf> = vec!["explore".into(), programs.join("orders.gene")];
        a.extend(args.iter().map(PathBuf::from));
        a.extend(["--jobs".into(), "1".into()]);
        a
    };
    let with_binary = |args: Vec<PathBuf>| -> Vec<PathBuf> {
        let mut cmd = vec![gene_trace.clone()];
        cmd.extend(args);
        cmd
    };
    let lua = |name: &str| -> Vec<PathBuf> { vec!["lua5.4".into(), programs.join(name)] };
    let luajit = |name: &str| -> Option<(&'static str, Vec<PathBuf>)> {
        Some((
            "luajit-joff",
            vec!["luajit".into(), "-joff".into(), programs.join(name)],
        ))
    };
    vec![
        Workload {
            name: "fib",
            gene_args: run("fib"),
            peer: "lua5.4",
            peer_cmd: lua("fib.lua"),
            reference: luajit("fib.lua"),
            max_time_ratio: Some(1.5),
            max_peak_mib: Some(20.0),
        },
        Workload {
            name: "while",
            gene_args: run("while"),
            peer: "lua5.4",
            peer_cmd: lua("while.lua"),
            reference: luajit("while.lua"),
            max_time_ratio: Some(1.5),
            max_peak_mib: Some(20.0),
        },
        Workload {
            name: "elements",
            gene_args: run("elements"),
            peer: "lua5.4",
            peer_cmd: lua("elements.lua"),
            reference: luajit("elements.lua"),
            max_time_ratio: Some(2.0),
            max_peak_mib: None,
        },
        Workload {
            name: "timers",
            gene_args: run("timers"),
            peer: "tokio",
            peer_cmd: vec![crate_dir().join("../target/release/examples/tokio_timers")],
            reference: None,
            max_time_ratio: Some(0.3),
            max_peak_mib: None,
        },
        // What one exhaustive schedule costs against one random seed: the
        // same runs (5040 = 7!, every print order), with the footprints,
        // sleep sets and forced prefixes on our side.
        Workload {
            name: "exhaustive",
            gene_args: explore(&["--strategy", "exhaustive"]),
            peer: "random",
            peer_cmd: with_binary(explore(&["--seeds", "5040"])),
            reference: Some((
                "no-reduction",
                with_binary(explore(&[
                    "--strategy",
                    "exhaustive",
                    "--no-reduction",
                    "--max-schedules",
                    "5040",
                ])),
            )),
            max_time_ratio: None,
            max_peak_mib: None,
        },
    ]
}

fn peer(c: &mut Criterion, w: &Workload) {
    let gene = crate_dir().join("../target/release/gene-trace");
    assert!(
        gene.exists(),
        "build the release binaries first: tui/benches/run.sh"
    );
    let mut group = c.benchmark_group(w.name);
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    let mut runs: Vec<(&str, Vec<PathBuf>)> = vec![
        ("gene", [vec![gene], w.gene_args.clone()].concat()),
        (w.peer, w.peer_cmd.clone()),
    ];
    runs.extend(w.reference.clone());
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
        // A run the command line's filter left out has no figure.
        if best != Duration::MAX {
            RESULTS
                .lock()
                .unwrap()
                .push((w.name.into(), name.into(), best, peak));
        }
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
            let ratio = gt / pt;
            let peak = gm / 1024.0;
            let mut verdict = match w.max_time_ratio {
                Some(max) => format!("target <= {max:.2}x time: {}", met(ratio <= max)),
                None => "no target".to_string(),
            };
            if let Some(max) = w.max_peak_mib {
                verdict += &format!(", peak < {max} MiB: {}", met(peak < max));
            }
            let reference = match (&w.reference, w.reference.as_ref().and_then(|r| get(r.0))) {
                (Some((name, _)), Some((rt, _))) => {
                    format!(" ({name}: {:.2}x {})", rt / pt, w.peer)
                }
                _ => String::new(),
            };
            println!(
                "{}: gene / {} = {ratio:.2}x time, {:.2}x memory{reference}; {verdict}",
                w.name,
                w.peer,
                gm / pm
            );
        }
    }
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

criterion_group!(peers, benches);

fn main() {
    peers();
    Criterion::default().configure_from_args().final_summary();
    report();
}
