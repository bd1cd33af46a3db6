//! Whether a seed's run failed, and why: the one predicate `explore` (its
//! exit status, its report) and shrinking ("fails the same way") use.

use super::SeedRun;
use super::assertions::failed_always;

/// Why a run failed, in the order [`failure`] looks for them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Failure {
    /// It broke a trace invariant (or the VM faulted).
    Invariant,
    /// A `gene/sim/always` at this location (`file:line:col`) failed.
    Always(String),
    /// It ended with an uncaught exception (or another error).
    Exception,
    /// Its output is not the expected one (`--expect-output` or the
    /// program's `# Expected:` lines).
    UnexpectedOutput,
}

impl Failure {
    /// How the report names it.
    pub fn describe(&self) -> String {
        match self {
            Failure::Invariant => "broken invariant".into(),
            Failure::Always(at) => format!("failed always at {at}"),
            Failure::Exception => "uncaught exception".into(),
            Failure::UnexpectedOutput => "unexpected output".into(),
        }
    }
}

/// The first reason the run failed, None when it did not. A run that ran
/// out of its budget ("did not finish") has not failed by that alone.
pub fn failure(run: &SeedRun) -> Option<Failure> {
    if !run.violations.is_empty() {
        return Some(Failure::Invariant);
    }
    if let Some(k) = failed_always(run).next() {
        return Some(Failure::Always(k.at.clone()));
    }
    outcome_failure(run)
}

/// Whether the run fails with `f` (among its reasons, first or not): what
/// shrinking keeps.
pub fn has(run: &SeedRun, f: &Failure) -> bool {
    match f {
        Failure::Invariant => !run.violations.is_empty(),
        Failure::Always(at) => failed_always(run).any(|k| k.at == *at),
        Failure::Exception => run.result.starts_with("error: "),
        Failure::UnexpectedOutput => run.unexpected_output,
    }
}

/// The reasons that depend on the outcome alone (its output and result),
/// so that every seed of an outcome has them: an exception, an unexpected
/// output.
pub fn outcome_failure(run: &SeedRun) -> Option<Failure> {
    if has(run, &Failure::Exception) {
        Some(Failure::Exception)
    } else if has(run, &Failure::UnexpectedOutput) {
        Some(Failure::UnexpectedOutput)
    } else {
        None
    }
}
