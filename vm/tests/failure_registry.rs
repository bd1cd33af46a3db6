//! Failed futures that were caught must not pile up in the VM until the run
//! ends: the registry of unobserved failures releases the observed ones.

use gene_vm::{Step, Vm, VmConfig};

/// Runs a program that needs no I/O to its end; returns the VM.
fn run_to_end(program: &str) -> Vm {
    let mut vm = Vm::new(VmConfig::default());
    vm.load("<test>", program).expect("the program reads");
    loop {
        match vm.run(1000) {
            Step::Finished(r) => {
                assert!(
                    r.is_ok(),
                    "the program failed: {}",
                    r.unwrap_err().message()
                );
                return vm;
            }
            Step::Yielded => {}
            Step::Blocked => panic!("the program blocked"),
        }
    }
}

const FAILURES: usize = 20_000;

#[test]
fn caught_failures_are_released_before_the_run_ends() {
    let program = format!(
        "(fn ^^async bad [i] (throw i))
         (var n 0)
         (repeat {FAILURES}
           (var f (bad n))
           (try (await f) catch * (n = (n + 1))))
         (println n)"
    );
    let mut vm = run_to_end(&program);
    assert_eq!(vm.take_output().trim(), FAILURES.to_string());
    assert!(vm.unobserved_ids().is_empty());
    assert!(
        vm.held_failures() < 200,
        "{} failed futures held after {FAILURES} caught failures",
        vm.held_failures()
    );
}

#[test]
fn unobserved_failures_are_all_reported_in_order() {
    let program = format!(
        "(fn ^^async bad [i] (throw i))
         (var n 0)
         (repeat {FAILURES}
           (var f (bad n))
           (if ((n % 1000) == 0) (n = (n + 1)) else (try (await f) catch * (n = (n + 1)))))"
    );
    let vm = run_to_end(&program);
    let failures: Vec<String> = vm
        .unobserved_failures()
        .iter()
        .map(gene_vm::display::display)
        .collect();
    let expected: Vec<String> = (0..FAILURES).step_by(1000).map(|i| i.to_string()).collect();
    assert_eq!(failures, expected);
    assert!(vm.held_failures() < 200 + expected.len());
}
