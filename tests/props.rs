//! Property tests of the async VM against an independent reference model.
//!
//! Random async programs (tests/props/generate.rs) run on the VM in the
//! simulated world, with polls only when every task waits, and what the VM
//! does is compared with what the model of docs/async.md
//! (tests/props/model.rs) predicts.
//!
//! Case counts are proptest's default (256 per property), scaled with
//! `PROPTEST_CASES`. Failing cases are saved in
//! proptest-regressions/props.txt and replayed first. A failure prints the
//! minimal program (also saved under target/tmp/props/), the configuration,
//! the `gene-trace` command that reruns and traces it, and both sides.
//!
//! `sampled_programs_agree_every_way` checks a sample of programs every way
//! at once (`PROPS_N`, `PROPS_SEED`, `PROPS_GEN`=default|tie_free|
//! main_awaits_only, `PROPS_SHOW`=kind to print two disagreements of a kind);
//! `each_property_bites` shows each property failing on a deliberately
//! broken VM (gene-vm's `mutations` feature).

#[path = "props/mod.rs"]
mod props;

// The binaries' allocator (mimalloc, counting), so that runs cost what
// they cost in `gene-trace`.
#[global_allocator]
static ALLOCATOR: gene_sim::memory::Counting = gene_sim::memory::Counting;

use std::collections::BTreeMap;

use gene_vm::mutation::Mutation;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

use props::check::{Observed, Setup, report, run_config, run_vm, run_vm_with};
use props::{Case, GenConfig, Prediction, Program, cases, predict};

fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/proptest-regressions/props.txt"
        )))),
        ..ProptestConfig::default()
    }
}

/// The lines printed by catch handlers and failure callbacks: where thrown
/// values were observed.
fn failure_lines(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l.starts_with('c') || l.starts_with('f'))
        .cloned()
        .collect()
}

/// Output, result and virtual time are the model's.
fn same_run(p: &Prediction, vm: &Observed) -> bool {
    p.lines == vm.lines && p.result == vm.result && p.elapsed_nanos == vm.elapsed_nanos
}

/// Failures reach the same catches and callbacks, or go unobserved alike.
fn same_failures(p: &Prediction, vm: &Observed) -> bool {
    failure_lines(&p.lines) == failure_lines(&vm.lines)
        && p.unobserved == vm.unobserved
        && p.result == vm.result
}

/// The scope audit is clean and the VM did not fault.
fn clean(vm: &Observed) -> bool {
    vm.miscounts.is_empty() && vm.live_scopes == 0 && !vm.vm_fault()
}

fn same_vm_run(a: &Observed, b: &Observed) -> bool {
    a.lines == b.lines
        && a.result == b.result
        && a.elapsed_nanos == b.elapsed_nanos
        && a.unobserved == b.unobserved
}

fn fail(
    property: &str,
    what: &str,
    case: &Case,
    setup: Setup,
    p: Option<&Prediction>,
    reference: Option<&Observed>,
    vm: &Observed,
) -> TestCaseError {
    TestCaseError::fail(report(property, what, &case.0, setup, p, reference, vm))
}

proptest! {
    #![proptest_config(config())]

    /// (a) Output lines, result and virtual time are the model's.
    #[test]
    fn await_ordering(case in cases(GenConfig::default())) {
        let p = predict(&case.0);
        let vm = run_vm(&case.0, Setup::FIFO);
        if !same_run(&p, &vm) {
            let what = if p.lines != vm.lines {
                "output differs"
            } else if p.result != vm.result {
                "result differs"
            } else {
                "virtual time differs"
            };
            return Err(fail("await_ordering", what, &case, Setup::FIFO, Some(&p), None, &vm));
        }
    }

    /// (b) Every thrown value reaches the catch or failure callback the
    /// model says, in the same order, or ends the run uncaught, or is
    /// reported unobserved: never lost.
    #[test]
    fn failure_propagation(case in cases(GenConfig::default())) {
        let p = predict(&case.0);
        let vm = run_vm(&case.0, Setup::FIFO);
        if !same_failures(&p, &vm) {
            return Err(fail(
                "failure_propagation",
                "catches, failure callbacks, unobserved failures or the uncaught error differ",
                &case, Setup::FIFO, Some(&p), None, &vm,
            ));
        }
    }

    /// (c) Every run ends with a clean scope audit (no miscount, no scope
    /// left alive) and no VM fault, in both await modes and under a random
    /// schedule.
    #[test]
    fn scope_refcounts(case in cases(GenConfig::default()), seed in any::<u64>()) {
        for setup in [Setup::FIFO, Setup::blocking(), Setup::random(seed)] {
            let vm = run_vm(&case.0, setup);
            if !clean(&vm) {
                return Err(fail(
                    "scope_refcounts", "scope audit failed or VM fault", &case, setup, None,
                    None, &vm,
                ));
            }
        }
    }

    /// (d) Two runs of the same program, seed and configuration record
    /// byte-identical traces (under a random schedule, to exercise it).
    #[test]
    fn determinism(case in cases(GenConfig::default()), seed in any::<u64>()) {
        let setup = Setup::random(seed);
        let (first, second) = (trace_of(&case.0, setup), trace_of(&case.0, setup));
        if first != second {
            let vm = run_vm(&case.0, setup);
            return Err(fail("determinism", "two runs recorded different traces", &case, setup, None, None, &vm));
        }
    }

    /// (e) Where the model's run never has a scheduling choice (never two
    /// ready batches, never two timers due at once), every seed of the
    /// random schedule gives the FIFO run: same output, result, virtual time
    /// and unobserved failures.
    #[test]
    fn seed_independence(case in cases(GenConfig::tie_free()), seed in any::<u64>()) {
        let p = predict(&case.0);
        if p.choice_points > 0 {
            return Ok(());
        }
        let fifo = run_vm(&case.0, Setup::FIFO);
        for i in 0..4u64 {
            let setup = Setup::random(seed.wrapping_add(i));
            let vm = run_vm(&case.0, setup);
            if !same_vm_run(&vm, &fifo) {
                return Err(fail(
                    "seed_independence",
                    "a program without ties runs differently under a random schedule",
                    &case, setup, Some(&p), Some(&fifo), &vm,
                ));
            }
        }
    }

    /// (f) Where only the main code ever waits (and no waiting task is
    /// resumed inside another task's `.complete`), blocking await prints
    /// what suspending await prints, and that is the model's prediction.
    #[test]
    fn blocking_vs_suspending(case in cases(GenConfig::main_awaits_only())) {
        let p = predict(&case.0);
        if p.task_suspensions > 0 || p.nested_resumes > 0 {
            return Ok(());
        }
        let blocking = run_vm(&case.0, Setup::blocking());
        let suspend = run_vm(&case.0, Setup::FIFO);
        let what = if blocking.lines != suspend.lines || blocking.result != suspend.result {
            Some("blocking await differs from suspending await")
        } else if blocking.lines != p.lines || blocking.result != p.result {
            Some("both await modes differ from the model")
        } else {
            None
        };
        if let Some(what) = what {
            return Err(fail(
                "blocking_vs_suspending", what, &case, Setup::blocking(), Some(&p),
                Some(&suspend), &blocking,
            ));
        }
    }
}

/// The JSON trace of a run, in memory.
fn trace_of(prog: &Program, setup: Setup) -> Vec<u8> {
    trace_with(prog, &run_config(prog, setup))
}

fn trace_with(prog: &Program, config: &gene_sim::RunConfig) -> Vec<u8> {
    use gene_sim::trace::SharedBuf as Buf;
    let buf = Buf::default();
    let src = props::ast::print_program(prog);
    let _ = gene_sim::run_traced(
        "prop.gene",
        &src,
        config,
        &mut std::io::sink(),
        Some(Box::new(buf.clone())),
    );
    buf.0.lock().unwrap().clone()
}

/// Each property fails on a deliberately broken VM: for every property, a
/// bug it must catch, and the first of 600 sampled programs where it does.
#[test]
fn each_property_bites() {
    let default = props::sample(2024, 600, GenConfig::default());
    let main_awaits = props::sample(2024, 600, GenConfig::main_awaits_only());
    let with = |prog: &Program, setup: Setup, m: Mutation| {
        let mut config = run_config(prog, setup);
        config.vm.mutation = Some(m);
        config
    };
    type Bites<'a> = Box<dyn Fn(&Program, Mutation) -> bool + 'a>;
    let checks: Vec<(&str, Mutation, &Vec<Program>, Bites)> = vec![
        (
            "(a) await_ordering",
            Mutation::CallbacksReversed,
            &default,
            Box::new(|prog, m| {
                !same_run(
                    &predict(prog),
                    &run_vm_with(prog, &with(prog, Setup::FIFO, m)),
                )
            }),
        ),
        (
            "(a) await_ordering",
            Mutation::WaitersReversed,
            &default,
            Box::new(|prog, m| {
                !same_run(
                    &predict(prog),
                    &run_vm_with(prog, &with(prog, Setup::FIFO, m)),
                )
            }),
        ),
        (
            "(b) failure_propagation",
            Mutation::DroppedFailure,
            &default,
            Box::new(|prog, m| {
                !same_failures(
                    &predict(prog),
                    &run_vm_with(prog, &with(prog, Setup::FIFO, m)),
                )
            }),
        ),
        (
            "(c) scope_refcounts",
            Mutation::MissingRetain,
            &default,
            Box::new(|prog, m| !clean(&run_vm_with(prog, &with(prog, Setup::FIFO, m)))),
        ),
        (
            "(d) determinism",
            Mutation::Nondeterministic,
            &default,
            Box::new(|prog, m| {
                let config = with(prog, Setup::FIFO, m);
                trace_with(prog, &config) != trace_with(prog, &config)
            }),
        ),
        (
            "(e) seed_independence",
            Mutation::SeedInBatch,
            &default,
            Box::new(|prog, m| {
                predict(prog).choice_points == 0 && {
                    let fifo = run_vm(prog, Setup::FIFO);
                    (0..4).any(|s| {
                        !same_vm_run(&run_vm_with(prog, &with(prog, Setup::random(s), m)), &fifo)
                    })
                }
            }),
        ),
        (
            "(f) blocking_vs_suspending",
            Mutation::BlockingCallbacksReversed,
            &main_awaits,
            Box::new(|prog, m| {
                let p = predict(prog);
                p.task_suspensions == 0 && p.nested_resumes == 0 && {
                    let b = run_vm_with(prog, &with(prog, Setup::blocking(), m));
                    let s = run_vm(prog, Setup::FIFO);
                    b.lines != s.lines || b.result != s.result
                }
            }),
        ),
    ];
    for (property, mutation, programs, bites) in checks {
        let start = std::time::Instant::now();
        let found = programs.iter().position(|prog| bites(prog, mutation));
        let Some(i) = found else {
            panic!(
                "{property} does not notice {mutation:?} in {} programs",
                programs.len()
            );
        };
        println!(
            "{property} catches {mutation:?} at program {} of {} in {:.2?}",
            i + 1,
            programs.len(),
            start.elapsed()
        );
    }
}

/// The sampler is deterministic, and its programs load and run.
#[test]
fn sample_programs_are_deterministic() {
    let a = props::sample_programs(7, 20);
    assert_eq!(a, props::sample_programs(7, 20));
    assert_ne!(a, props::sample_programs(8, 20));
    for src in &a {
        assert!(src.lines().count() <= props::generate::MAX_LINES);
        let config = gene_sim::RunConfig {
            poll_every: props::check::POLL_EVERY,
            root: props::check::root(),
            ..gene_sim::RunConfig::default()
        };
        gene_sim::run("sample.gene", src, &config, &mut std::io::sink()).expect("loads");
    }
}

/// A sample of programs, each checked every way: no disagreement of any
/// kind, and the sample covers what the properties need. `PROPS_N` (default
/// 200), `PROPS_SEED`, `PROPS_GEN` and `PROPS_SHOW=<kind>` widen and show it.
#[test]
fn sampled_programs_agree_every_way() {
    let var = |k: &str| std::env::var(k).ok();
    let n: usize = var("PROPS_N").and_then(|s| s.parse().ok()).unwrap_or(200);
    let seed: u64 = var("PROPS_SEED").and_then(|s| s.parse().ok()).unwrap_or(1);
    let cfg = match var("PROPS_GEN").as_deref() {
        Some("tie_free") => GenConfig::tie_free(),
        Some("main_awaits_only") => GenConfig::main_awaits_only(),
        _ => GenConfig::default(),
    };
    let show = var("PROPS_SHOW");
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut shown: BTreeMap<&str, usize> = BTreeMap::new();
    let mut kinds =
        |kind: &'static str, prog: &Program, setup, p: &Prediction, r: &Observed, o: &Observed| {
            *counts.entry(kind).or_default() += 1;
            let k = shown.entry(kind).or_default();
            if show.as_deref() == Some(kind) && *k < 2 {
                *k += 1;
                println!("{}", report(kind, kind, prog, setup, Some(p), Some(r), o));
            }
        };
    for prog in props::sample(seed, n, cfg) {
        let p = predict(&prog);
        let fifo = run_vm(&prog, Setup::FIFO);
        kinds("programs", &prog, Setup::FIFO, &p, &fifo, &fifo);
        if p.result.is_ok() {
            kinds(
                "programs ending normally",
                &prog,
                Setup::FIFO,
                &p,
                &fifo,
                &fifo,
            );
        }
        if !same_run(&p, &fifo) {
            kinds(
                "model vs VM: output/result/time",
                &prog,
                Setup::FIFO,
                &p,
                &fifo,
                &fifo,
            );
        }
        if !same_failures(&p, &fifo) {
            kinds(
                "model vs VM: failures",
                &prog,
                Setup::FIFO,
                &p,
                &fifo,
                &fifo,
            );
        }
        for setup in [Setup::FIFO, Setup::blocking(), Setup::random(seed)] {
            let o = run_vm(&prog, setup);
            if !o.miscounts.is_empty() || o.vm_fault() {
                kinds("scope miscount or VM fault", &prog, setup, &p, &fifo, &o);
            } else if o.live_scopes != 0 {
                kinds("scopes left alive", &prog, setup, &p, &fifo, &o);
            }
        }
        if p.choice_points == 0 {
            kinds(
                "without scheduling choices",
                &prog,
                Setup::FIFO,
                &p,
                &fifo,
                &fifo,
            );
            for s in 0..3 {
                let setup = Setup::random(seed.wrapping_add(s));
                let r = run_vm(&prog, setup);
                if !same_vm_run(&r, &fifo) {
                    kinds("random schedule vs FIFO", &prog, setup, &p, &fifo, &r);
                    break;
                }
            }
        }
        if p.task_suspensions == 0 && p.nested_resumes == 0 {
            kinds(
                "where the await modes must agree",
                &prog,
                Setup::FIFO,
                &p,
                &fifo,
                &fifo,
            );
            let b = run_vm(&prog, Setup::blocking());
            if b.lines != fifo.lines || b.result != fifo.result {
                kinds(
                    "blocking vs suspending",
                    &prog,
                    Setup::blocking(),
                    &p,
                    &fifo,
                    &b,
                );
            }
        }
    }
    println!("{counts:#?}");
    let disagreements: Vec<_> = counts
        .iter()
        .filter(|(k, _)| {
            !matches!(
                **k,
                "programs"
                    | "programs ending normally"
                    | "without scheduling choices"
                    | "where the await modes must agree"
            )
        })
        .collect();
    assert!(disagreements.is_empty(), "disagreements: {disagreements:?}");
    let count = |k: &str| counts.get(k).copied().unwrap_or(0);
    assert_eq!(count("programs"), n);
    assert!(
        count("programs ending normally") * 2 > n,
        "most programs should end normally: {counts:?}"
    );
    assert!(
        count("without scheduling choices") > 0 && count("where the await modes must agree") > 0,
        "{counts:?}"
    );
}
