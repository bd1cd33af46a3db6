//! Random async Gene programs and a reference model of what they do.
//!
//! - [`generate`]: proptest strategies for programs (a raw, index-based tree
//!   resolved into a concrete [`ast::Program`]);
//! - [`ast`]: the concrete AST and its printer to Gene source;
//! - [`model`]: an independent discrete-event model of docs/async.md that
//!   predicts output, result, virtual time and unobserved failures;
//! - [`check`]: running a program on the VM and reporting disagreements.
//!
//! Self-contained (it needs only proptest, gene-sim and gene-vm), so that a
//! benchmark or another tool can include it with
//! `#[path = ".../tests/props/mod.rs"] mod props;`.

#![allow(dead_code)]

pub mod ast;
pub mod check;
pub mod generate;
pub mod model;

use std::fmt;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

pub use ast::{Program, print_program};
pub use generate::GenConfig;
pub use model::{Prediction, predict};

/// A generated program, shown as its Gene source (and fault plan) when
/// proptest prints a failing case.
#[derive(Clone, PartialEq, Eq)]
pub struct Case(pub Program);

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "faults {:?}", self.0.faults)?;
        f.write_str(&print_program(&self.0))
    }
}

/// Generated programs, as [`Case`]s.
pub fn cases(cfg: GenConfig) -> impl Strategy<Value = Case> {
    generate::program(cfg).prop_map(Case)
}

/// A test runner whose random stream is a function of `seed` only.
fn seeded_runner(seed: u64) -> TestRunner {
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let word = seed
            .wrapping_add(i as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(17);
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    )
}

/// `n` programs generated with `cfg`, a function of `seed` only.
pub fn sample(seed: u64, n: usize, cfg: GenConfig) -> Vec<Program> {
    let mut runner = seeded_runner(seed);
    let strategy = generate::program(cfg);
    (0..n)
        .map(|_| {
            strategy
                .new_tree(&mut runner)
                .expect("the program strategy never rejects")
                .current()
        })
        .collect()
}

/// The sources of `n` programs generated from `seed` (default generator
/// settings), deterministically: the same seed gives the same programs.
/// Their fault plans are dropped; use [`sample`] to keep them.
pub fn sample_programs(seed: u64, n: usize) -> Vec<String> {
    sample(seed, n, GenConfig::default())
        .iter()
        .map(print_program)
        .collect()
}
