//! `gene-trace run --check-determinism` and `--check`.

use std::io::Write;
use std::sync::{Arc, Mutex};

use gene_sim::RunConfig;
use gene_sim::trace::check;

/// A `Write` into shared memory: the recorder needs `Send + 'static`.
#[derive(Clone, Default)]
pub struct SharedBuf(pub Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The run's JSON trace, in memory.
pub fn trace_bytes(name: &str, text: &str, config: &RunConfig) -> Result<Vec<u8>, String> {
    let buf = SharedBuf::default();
    gene_sim::run_traced(
        name,
        text,
        config,
        &mut std::io::sink(),
        Some(Box::new(buf.clone())),
    )
    .map_err(|e| e.render())?;
    let bytes = buf.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
    Ok(bytes)
}

/// Runs twice and compares the traces: `Ok(records)` when byte-identical,
/// else a description of the first differing record and its poll.
pub fn determinism(name: &str, text: &str, config: &RunConfig) -> Result<usize, String> {
    let a = trace_bytes(name, text, config)?;
    let b = trace_bytes(name, text, config)?;
    let (a, b) = (String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
    let (mut la, mut lb) = (a.lines(), b.lines());
    let mut line = 0;
    loop {
        line += 1;
        match (la.next(), lb.next()) {
            (None, None) => return Ok(line - 2),
            (x, y) if x == y => continue,
            (x, y) => {
                let poll = |l: Option<&str>| {
                    l.and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                        .and_then(|v| v.get("poll").and_then(|p| p.as_u64()))
                        .map_or("?".to_string(), |p| p.to_string())
                };
                return Err(format!(
                    "the two runs differ at line {line} (poll {}):\n  first:  {}\n  second: {}",
                    poll(x.or(y)),
                    x.unwrap_or("<end of trace>"),
                    y.unwrap_or("<end of trace>")
                ));
            }
        }
    }
}

/// Runs in checking mode and checks every invariant on the trace.
pub fn invariants(name: &str, text: &str, config: &RunConfig) -> Result<Vec<String>, String> {
    let config = RunConfig {
        check_refcounts: true,
        ..config.clone()
    };
    let (report, trace) = gene_sim::run_collected(name, text, &config, &mut std::io::sink())
        .map_err(|e| e.render())?;
    let mut problems: Vec<String> = check::check(&trace.records)
        .iter()
        .map(|v| v.to_string())
        .collect();
    if report.poll_miscounts > 0 {
        problems.push(format!(
            "[refcount] {} scope counts differed from the recount from the roots",
            report.poll_miscounts
        ));
    }
    if let Err(u) = &report.result
        && u.message().contains("VM fault")
    {
        problems.push(format!("[vm-fault] {}", u.message()));
    }
    Ok(problems)
}

/// `run --check-determinism` and/or `run --check`: report on stderr,
/// status 1 when a check fails.
pub fn run_checks(
    name: &str,
    text: &str,
    args: &crate::RunArgs,
    determinism_too: bool,
    invariants_too: bool,
) -> std::process::ExitCode {
    let config = match args.config() {
        Ok(c) => c,
        Err(e) => return crate::fail(&e),
    };
    let mut ok = true;
    if determinism_too {
        match determinism(name, text, &config) {
            Ok(n) => eprintln!("deterministic: two runs gave the same {n} trace records"),
            Err(e) => {
                eprintln!("{e}");
                ok = false;
            }
        }
    }
    if invariants_too {
        match invariants(name, text, &config) {
            Ok(problems) if problems.is_empty() => eprintln!("every invariant holds"),
            Ok(problems) => {
                for p in problems {
                    eprintln!("{p}");
                }
                ok = false;
            }
            Err(e) => return crate::fail(&e),
        }
    }
    if ok {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(1)
    }
}
