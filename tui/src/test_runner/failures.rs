//! A failing file's trace, saved under the failures folder
//! (`--failures-dir`, default `target/gene-test-failures`), with the exact
//! `gene-trace replay` and `gene-trace run` commands that reproduce it.

use std::path::{Path, PathBuf};

use gene_sim::RunConfig;
use gene_sim::fixture::judge::Verdict;

use super::discover::TestFile;

/// The default failures folder, relative to the working directory.
pub const DEFAULT_DIR: &str = "target/gene-test-failures";

/// The largest trace saved for one failure: 64 MiB. A longer one (a hung
/// file's, say) is cut there; the commands still reproduce it whole.
pub const MAX_SAVED_TRACE: u64 = 64 << 20;

/// A file that takes at most `left` more bytes, then fails every write.
struct Capped<W> {
    inner: W,
    left: u64,
}

impl<W: std::io::Write> std::io::Write for Capped<W> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if b.len() as u64 > self.left {
            self.left = 0;
            return Err(std::io::Error::other(format!(
                "the trace is longer than {} MiB: cut there",
                MAX_SAVED_TRACE >> 20
            )));
        }
        self.left -= b.len() as u64;
        self.inner.write_all(b)?;
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// What was saved for a failure, and how to reproduce it.
#[derive(Clone, Debug, Default)]
pub struct Saved {
    /// The trace file, None when it could not be written (see `error`).
    pub trace: Option<PathBuf>,
    pub replay: Option<String>,
    pub run: String,
    pub error: Option<String>,
    /// Why the saved trace stops early (it was cut at `MAX_SAVED_TRACE`).
    pub cut: Option<String>,
}

/// A file name for a test's display path: its components joined by `__`.
fn flat(display: &str) -> String {
    display
        .split('/')
        .map(|c| match c {
            "" => "_",
            ".." => "up",
            c => c,
        })
        .collect::<Vec<_>>()
        .join("__")
}

use crate::explore::report::shell_word as quote;

/// The `gene-trace run` command that runs `file` as the failing run did:
/// from its working directory, with its root, seed, schedule and limits.
pub fn run_command(
    file: &TestFile,
    config: &RunConfig,
    faults: Option<&Path>,
    strict: bool,
) -> String {
    let mut words = Vec::new();
    if file.dir != Path::new(".") {
        words.push(format!("cd {} &&", quote(&file.dir.to_string_lossy())));
    }
    words.push("gene-trace run".to_string());
    words.push(quote(&file.name));
    words.push(format!("--root {}", quote(&file.root.to_string_lossy())));
    words.push(format!("--seed {}", config.seed));
    let schedule = match config.schedule {
        gene_sim::Schedule::Fifo => "fifo",
        gene_sim::Schedule::Random => "random",
    };
    words.push(format!("--schedule {schedule}"));
    let await_mode = match config.vm.await_mode {
        gene_vm::AwaitMode::Suspend => "suspend",
        gene_vm::AwaitMode::Blocking => "blocking",
    };
    words.push(format!("--await {await_mode}"));
    words.push(format!("--poll-every {}", config.poll_every));
    if let Some(n) = config.vm.max_instructions {
        words.push(format!("--max-instructions {n}"));
    }
    if let Some(m) = config.max_memory {
        words.push(format!("--max-memory {m}"));
    }
    if let Some(f) = faults {
        words.push(format!("--faults {}", quote(&f.to_string_lossy())));
    }
    if strict {
        words.push("--check --check-determinism".into());
    }
    words.join(" ")
}

/// Saves the failing run's trace (and its fault plan, when the file has
/// one) under `dir`, and gives the commands that reproduce it.
pub fn save(dir: &Path, file: &TestFile, text: &str, verdict: &Verdict, strict: bool) -> Saved {
    let base = dir.join(flat(&file.display));
    let trace = base.with_extension("gene.trace");
    let faults_text = gene_sim::fixture::fault_lines(text);
    let faults = (!faults_text.is_empty()).then(|| base.with_extension("gene.faults.toml"));
    // The commands name the saved files by absolute paths: they run from
    // the file's working directory.
    let absolute =
        |p: &Path| std::env::current_dir().map_or_else(|_| p.to_path_buf(), |h| h.join(p));
    let faults_abs = faults.as_deref().map(absolute);
    let mut saved = Saved {
        run: run_command(file, &verdict.config, faults_abs.as_deref(), strict),
        ..Saved::default()
    };
    let written = std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))
        .and_then(|()| match &faults {
            Some(f) => std::fs::write(f, &faults_text)
                .map_err(|e| format!("cannot write {}: {e}", f.display())),
            None => Ok(()),
        })
        .and_then(|()| -> Result<Option<String>, String> {
            let f = std::fs::File::create(&trace)
                .map_err(|e| format!("cannot create {}: {e}", trace.display()))?;
            let config = RunConfig {
                check_refcounts: false,
                ..verdict.config.clone()
            };
            let report = gene_sim::run_traced(
                &file.name,
                text,
                &config,
                &mut std::io::sink(),
                Some(Box::new(Capped {
                    inner: std::io::BufWriter::new(f),
                    left: MAX_SAVED_TRACE,
                })),
            );
            match report {
                Ok(r) => Ok(r.trace_error),
                // A program that does not load has no trace to replay.
                Err(_) => Err("the program does not load: no trace to replay".into()),
            }
        });
    match written {
        Ok(cut) => {
            saved.cut = cut;
            saved.replay = Some(format!(
                "gene-trace replay {}",
                quote(&trace.to_string_lossy())
            ));
            saved.trace = Some(trace);
        }
        Err(e) => saved.error = Some(e),
    }
    saved
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_quotes() {
        assert_eq!(flat("fixtures/a/b.gene"), "fixtures__a__b.gene");
        assert_eq!(flat("../x/b.gene"), "up__x__b.gene");
        assert_eq!(flat("/tmp/b.gene"), "___tmp__b.gene");
    }
}
