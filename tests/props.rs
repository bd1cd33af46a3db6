//! Property tests of the async VM against an independent reference model.
//!
//! Random async programs (tests/props/generate.rs) run on the VM in the
//! simulated world with polls only when every task waits, and the VM's
//! output, result, virtual time and unobserved failures are compared with
//! what the model of docs/async.md (tests/props/model.rs) predicts.
//!
//! Case counts are proptest's default (256), scaled with `PROPTEST_CASES`.
//! Failing cases are saved in proptest-regressions/props.txt and replayed
//! first. A failure prints the minimal program, the configuration and the
//! `gene-trace` command that reruns and traces it.

#[path = "props/mod.rs"]
mod props;

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

use props::check::{Observed, Setup, report, run_vm};
use props::{Case, GenConfig, Prediction, cases, predict};

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

/// The scope audit is clean and the VM did not fault.
fn check_scopes(
    property: &str,
    case: &Case,
    setup: Setup,
    vm: &Observed,
) -> Result<(), TestCaseError> {
    let ok = vm.miscounts.is_empty() && vm.live_scopes == 0 && !vm.vm_fault();
    if !ok {
        return Err(TestCaseError::fail(report(
            property,
            "scope audit failed or VM fault",
            &case.0,
            setup,
            None,
            None,
            vm,
        )));
    }
    Ok(())
}

fn same_run(p: &Prediction, vm: &Observed) -> bool {
    p.lines == vm.lines && p.result == vm.result && p.elapsed_nanos == vm.elapsed_nanos
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
            return Err(TestCaseError::fail(report(
                "await_ordering", what, &case.0, Setup::FIFO, Some(&p), None, &vm,
            )));
        }
    }

    /// (b) Every thrown value reaches the catch or failure callback the
    /// model says, in the same order, or is reported unobserved: never lost.
    #[test]
    fn failure_propagation(case in cases(GenConfig::default())) {
        let p = predict(&case.0);
        let vm = run_vm(&case.0, Setup::FIFO);
        let ok = failure_lines(&p.lines) == failure_lines(&vm.lines)
            && p.unobserved == vm.unobserved
            && p.result == vm.result;
        if !ok {
            return Err(TestCaseError::fail(report(
                "failure_propagation",
                "catches, failure callbacks, unobserved failures or the uncaught error differ",
                &case.0, Setup::FIFO, Some(&p), None, &vm,
            )));
        }
    }

    /// (c) Every run ends with a clean scope audit and no VM fault, in
    /// both await modes and under a random schedule.
    #[test]
    fn scope_refcounts(case in cases(GenConfig::default()), seed in any::<u64>()) {
        for setup in [Setup::FIFO, Setup::blocking(), Setup::random(seed)] {
            let vm = run_vm(&case.0, setup);
            check_scopes("scope_refcounts", &case, setup, &vm)?;
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
            if vm.lines != fifo.lines
                || vm.result != fifo.result
                || vm.elapsed_nanos != fifo.elapsed_nanos
                || vm.unobserved != fifo.unobserved
            {
                return Err(TestCaseError::fail(report(
                    "seed_independence",
                    "a tie-free program's run depends on the seed",
                    &case.0, setup, Some(&p), Some(&fifo), &vm,
                )));
            }
        }
    }

    /// (f) Where only the main code ever waits (and no waiting task is
    /// resumed inside another task's `.complete`), blocking await prints
    /// what the model predicts, which is also what suspending await prints.
    #[test]
    fn blocking_vs_suspending(case in cases(GenConfig::main_awaits_only())) {
        let p = predict(&case.0);
        if p.task_suspensions > 0 || p.nested_resumes > 0 {
            return Ok(());
        }
        let blocking = run_vm(&case.0, Setup::blocking());
        let suspend = run_vm(&case.0, Setup::FIFO);
        let what = if blocking.lines != suspend.lines || blocking.result != suspend.result {
            "blocking await differs from suspending await"
        } else if blocking.lines != p.lines || blocking.result != p.result {
            "blocking (and suspending) await differ from the model"
        } else {
            return Ok(());
        };
        return Err(TestCaseError::fail(report(
            "blocking_vs_suspending", what, &case.0, Setup::blocking(), Some(&p), Some(&suspend),
            &blocking,
        )));
    }
}

/// The sampler is deterministic, and its programs load and run.
#[test]
fn sample_programs_are_deterministic() {
    let a = props::sample_programs(7, 20);
    let b = props::sample_programs(7, 20);
    assert_eq!(a, b);
    assert_ne!(a, props::sample_programs(8, 20));
    for src in &a {
        let mut out = Vec::new();
        let config = gene_sim::RunConfig {
            poll_every: props::check::POLL_EVERY,
            root: props::check::root(),
            ..gene_sim::RunConfig::default()
        };
        gene_sim::run("sample.gene", src, &config, &mut out).expect("loads");
    }
}

/// Development aid: `PROPS_DUMP=N cargo test --test props dump -- --ignored --nocapture`.
#[test]
#[ignore]
fn dump() {
    let n: usize = std::env::var("PROPS_DUMP")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let seed: u64 = std::env::var("PROPS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let mut stats = [0usize; 8];
    for prog in props::generate_sample(seed, n) {
        let p = predict(&prog);
        let vm = run_vm(&prog, Setup::FIFO);
        let same = p.lines == vm.lines
            && p.result == vm.result
            && p.elapsed_nanos == vm.elapsed_nanos
            && p.unobserved == vm.unobserved;
        stats[0] += 1;
        stats[1] += usize::from(same);
        stats[2] += usize::from(p.result.is_ok());
        stats[3] += usize::from(matches!(&p.result, Err(m) if m.starts_with("deadlock")));
        stats[4] += usize::from(p.choice_points == 0);
        stats[5] += usize::from(p.task_suspensions == 0 && p.nested_resumes == 0);
        stats[6] += props::print_program(&prog).lines().count();
        stats[7] += p.lines.len();
        if !same && std::env::var("PROPS_SHOW").is_ok() {
            println!(
                "{}",
                report("dump", "differs", &prog, Setup::FIFO, Some(&p), None, &vm)
            );
        }
    }
    println!(
        "cases {} same {} ok {} deadlock {} tie-free {} modes-agree {} avg-lines {} avg-out {}",
        stats[0],
        stats[1],
        stats[2],
        stats[3],
        stats[4],
        stats[5],
        stats[6] / n.max(1),
        stats[7] / n.max(1)
    );
}

#[test]
#[ignore]
fn show() {
    let n: usize = std::env::var("PROPS_DUMP")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let seed: u64 = std::env::var("PROPS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    for prog in props::generate_sample(seed, n) {
        let p = predict(&prog);
        let vm = run_vm(&prog, Setup::FIFO);
        println!(
            "{}",
            report("show", "", &prog, Setup::FIFO, Some(&p), None, &vm)
        );
    }
}

#[test]
#[ignore]
fn histogram() {
    let n: usize = std::env::var("PROPS_DUMP")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let mut lines = std::collections::BTreeMap::new();
    let mut outs = std::collections::BTreeMap::new();
    for prog in props::generate_sample(3, n) {
        let l = props::print_program(&prog).lines().count();
        *lines.entry(l / 10 * 10).or_insert(0) += 1;
        let p = predict(&prog);
        *outs.entry(p.lines.len().min(20)).or_insert(0) += 1;
    }
    println!("lines {lines:?}\noutput {outs:?}");
}

#[test]
#[ignore]
fn silent() {
    for prog in props::generate_sample(3, 200)
        .into_iter()
        .filter(|p| predict(p).lines.is_empty())
        .take(4)
    {
        let p = predict(&prog);
        println!("{}\n{:?}\n", props::print_program(&prog), p.result);
    }
}

#[test]
#[ignore]
fn run_file() {
    let path = std::env::var("PROPS_FILE").unwrap();
    let src = std::fs::read_to_string(&path).unwrap();
    let mut out = Vec::new();
    let config = gene_sim::RunConfig {
        poll_every: props::check::POLL_EVERY,
        root: props::check::root(),
        ..gene_sim::RunConfig::default()
    };
    let r = gene_sim::run("f.gene", &src, &config, &mut out).unwrap();
    println!(
        "{}{:?}\nunobserved {:?}\nclosing {:?}",
        String::from_utf8_lossy(&out),
        r.result.map_err(|u| u.message()),
        r.unobserved
            .iter()
            .map(gene_vm::display::display)
            .collect::<Vec<_>>(),
        r.closing
    );
}

#[test]
#[ignore]
fn explore() {
    let n: usize = std::env::var("PROPS_DUMP")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let seed: u64 = std::env::var("PROPS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let mut shown = std::collections::HashMap::new();
    let mut counts = std::collections::BTreeMap::new();
    for prog in props::generate_sample(seed, n) {
        let p = predict(&prog);
        let fifo = run_vm(&prog, Setup::FIFO);
        let mut cats = Vec::new();
        if !(p.lines == fifo.lines
            && p.result == fifo.result
            && p.elapsed_nanos == fifo.elapsed_nanos
            && p.unobserved == fifo.unobserved)
        {
            cats.push(("model-vs-fifo", Setup::FIFO, fifo.clone()));
        }
        if !fifo.miscounts.is_empty() || fifo.vm_fault() {
            cats.push(("miscount", Setup::FIFO, fifo.clone()));
        } else if fifo.live_scopes != 0 {
            cats.push((
                if fifo.result.is_ok() {
                    "live-ok"
                } else {
                    "live-err"
                },
                Setup::FIFO,
                fifo.clone(),
            ));
        }
        for setup in [Setup::blocking(), Setup::random(9)] {
            let o = run_vm(&prog, setup);
            if !o.miscounts.is_empty() || o.vm_fault() {
                cats.push(("miscount-other-setup", setup, o));
            }
        }
        if p.choice_points == 0 {
            for s in 0..3 {
                let r = run_vm(&prog, Setup::random(s));
                if r.lines != fifo.lines
                    || r.result != fifo.result
                    || r.elapsed_nanos != fifo.elapsed_nanos
                    || r.unobserved != fifo.unobserved
                {
                    cats.push((
                        if p.immediate_batches > 0 {
                            "random"
                        } else {
                            "random-other"
                        },
                        Setup::random(s),
                        r,
                    ));
                    break;
                }
            }
        }
        if p.task_suspensions == 0 && p.nested_resumes == 0 {
            let b = run_vm(&prog, Setup::blocking());
            if b.lines != fifo.lines || b.result != fifo.result {
                cats.push((
                    if p.immediate_batches > 0 {
                        "blocking"
                    } else {
                        "blocking-other"
                    },
                    Setup::blocking(),
                    b,
                ));
            }
        }
        for (c, setup, o) in cats {
            *counts.entry(c).or_insert(0) += 1;
            let k = shown.entry(c).or_insert(0);
            if *k < 2 && std::env::var("PROPS_SHOW").as_deref() == Ok(c) {
                *k += 1;
                println!("{}", report(c, c, &prog, setup, Some(&p), Some(&fifo), &o));
            }
        }
    }
    println!("{counts:?}");
}
