//! The directives of a Gene test file (fixtures/README.md), in one place:
//! upstream's `# Expected:` lines and our own (`# Error:`, `# Error-at:`,
//! `# Elapsed:`, `# Unobserved:`, and the world's `# Seed:`, `# Schedule:`,
//! `# Await:`, `# Poll-every:`, `# Faults:`), and finding the test files
//! under a folder. The fixture harness (tests/fixtures.rs) and every other
//! tool that runs fixtures read them through here.

use std::path::{Path, PathBuf};

use gene_vm::AwaitMode;

use crate::faults::FaultPlan;
use crate::{RunConfig, Schedule};

/// What a test file expects of its run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expect {
    /// Some when any `# Expected:` line exists: the expected lines, blank
    /// ones dropped (upstream's rule).
    pub lines: Option<Vec<String>>,
    /// `# Error:`: the run fails with a message containing this.
    pub error: Option<String>,
    /// `# Error-at: L:C`: where the rendered error's `-->` line points.
    pub error_at: Option<String>,
    /// `# Elapsed:`: the virtual time at the end, as `format_nanos` prints it.
    pub elapsed: Option<String>,
    /// `# Unobserved:`: how many failures nobody observed.
    pub unobserved: Option<usize>,
}

/// Reads the directives of `text`: the expectations, and the world's
/// settings applied to `config`. Other `# Word:` lines are comments.
pub fn directives(text: &str, config: &mut RunConfig) -> Result<Expect, String> {
    let mut e = Expect::default();
    let mut faults = String::new();
    for l in text.lines() {
        let Some(rest) = l.strip_prefix("# ") else {
            continue;
        };
        let Some((key, value)) = rest.split_once(':') else {
            continue;
        };
        let value = value.strip_prefix(' ').unwrap_or(value);
        let bad = |what: &str| format!("bad `# {key}:` directive: {what}");
        match key {
            "Expected" => {
                let v = e.lines.get_or_insert_with(Vec::new);
                if !value.trim().is_empty() {
                    v.push(value.to_string());
                }
            }
            "Error" => e.error = Some(value.trim().to_string()),
            "Error-at" => e.error_at = Some(value.trim().to_string()),
            "Elapsed" => e.elapsed = Some(value.trim().to_string()),
            "Unobserved" => e.unobserved = Some(value.trim().parse().map_err(|_| bad("a count"))?),
            "Seed" => config.seed = value.trim().parse().map_err(|_| bad("an integer"))?,
            "Poll-every" => {
                config.poll_every = value.trim().parse().map_err(|_| bad("an integer"))?
            }
            "Schedule" => {
                config.schedule = match value.trim() {
                    "fifo" => Schedule::Fifo,
                    "random" => Schedule::Random,
                    _ => return Err(bad("fifo or random")),
                }
            }
            "Await" => {
                config.vm.await_mode = match value.trim() {
                    "suspend" => AwaitMode::Suspend,
                    "blocking" => AwaitMode::Blocking,
                    _ => return Err(bad("suspend or blocking")),
                }
            }
            "Faults" => {
                faults.push_str(value);
                faults.push('\n');
            }
            _ => {}
        }
    }
    if !faults.is_empty() {
        config.faults = FaultPlan::from_toml_str(&faults)?;
    }
    Ok(e)
}

/// Whitespace-insensitive line equality, as `diff -B -w`: the line with
/// its white space removed.
pub fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Every `*.gene` file under `dir`, at any depth, in path order.
pub fn gene_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "gene") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_set_the_world_and_the_expectations() {
        let text = "# Expected: a  b\n# Expected:\n# Note: a comment\n# Seed: 7\n\
                    # Schedule: random\n# Await: blocking\n# Poll-every: 3\n\
                    # Faults: fail_nth = [2]\n# Error: boom\n# Error-at: 1:2\n\
                    # Elapsed: 5ms\n# Unobserved: 1\n";
        let mut c = RunConfig::default();
        let e = directives(text, &mut c).unwrap();
        assert_eq!(e.lines, Some(vec!["a  b".to_string()]));
        assert_eq!(e.error.as_deref(), Some("boom"));
        assert_eq!(e.error_at.as_deref(), Some("1:2"));
        assert_eq!(e.elapsed.as_deref(), Some("5ms"));
        assert_eq!(e.unobserved, Some(1));
        assert_eq!((c.seed, c.poll_every), (7, 3));
        assert_eq!(c.schedule, Schedule::Random);
        assert_eq!(c.vm.await_mode, AwaitMode::Blocking);
        assert!(directives("# Seed: x", &mut RunConfig::default()).is_err());
        assert!(directives("# Schedule: lifo", &mut RunConfig::default()).is_err());
        assert_eq!(squash(" a \t b "), "ab");
    }
}
