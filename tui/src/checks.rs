//! The checks of `gene-trace run --check-determinism` and `--check`
//! (the run itself is `run::run_program`), and `gene-trace check TRACE`.

use gene_sim::trace::{check, read};
use gene_sim::{Report, RunConfig};

pub use gene_sim::trace::SharedBuf;

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
    Ok(buf.take())
}

/// Compares two runs' traces: `Ok(records)` when byte-identical, else a
/// description of the first differing record and its poll.
pub fn first_difference(a: &[u8], b: &[u8]) -> Result<usize, String> {
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    let (mut la, mut lb) = (a.lines(), b.lines());
    // The poll of the lines so far: format v3 writes it on `poll.begin` only.
    let poll_of = |l: &str| {
        serde_json::from_str::<serde_json::Value>(l)
            .ok()
            .filter(|v| v.get("kind").and_then(|k| k.as_str()) == Some("poll.begin"))
            .and_then(|v| v.get("poll").and_then(|p| p.as_u64()))
    };
    let mut poll = 0;
    let mut line = 0;
    loop {
        line += 1;
        match (la.next(), lb.next()) {
            (None, None) => return Ok(line - 2),
            (Some(x), Some(y)) if x == y => {
                if line > 1 && x.contains("\"poll.begin\"") {
                    poll = poll_of(x).unwrap_or(poll);
                }
            }
            (x, y) => {
                let here = x.or(y).and_then(poll_of).unwrap_or(poll);
                return Err(format!(
                    "the two runs differ at line {line} (poll {here}):\n  first:  {}\n  second: {}",
                    x.unwrap_or("<end of trace>"),
                    y.unwrap_or("<end of trace>")
                ));
            }
        }
    }
}

/// Every invariant checked on a checking-mode run's trace (JSON lines) and
/// report: the trace checkers, the per-poll recount, VM faults.
pub fn invariants(trace: &[u8], report: &Report) -> Vec<String> {
    let mut problems: Vec<String> = match read::read(trace) {
        Ok(t) => {
            let mut p: Vec<String> = check::check(&t.records)
                .iter()
                .map(|v| v.to_string())
                .collect();
            if let Some(e) = &t.error {
                p.push(format!("[format] the run's trace: {e}"));
            }
            p
        }
        Err(e) => vec![format!("[format] the run's trace: {e}")],
    };
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
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_divergence_names_its_line_and_poll() {
        let a = b"{\"h\":1}\n{\"kind\":\"poll.begin\",\"poll\":0,\"t\":0}\n{\"kind\":\"poll.begin\",\"poll\":1,\"t\":0}\n{\"kind\":\"x\",\"x\":1}\n";
        let b = b"{\"h\":1}\n{\"kind\":\"poll.begin\",\"poll\":0,\"t\":0}\n{\"kind\":\"poll.begin\",\"poll\":1,\"t\":0}\n{\"kind\":\"x\",\"x\":2}\n";
        assert_eq!(first_difference(a, a), Ok(3));
        let e = first_difference(a, b).unwrap_err();
        assert!(
            e.starts_with("the two runs differ at line 4 (poll 1)"),
            "{e}"
        );
        // One trace stopping early is a divergence too.
        let cut = a.len() - "{\"kind\":\"x\",\"x\":1}\n".len();
        let e = first_difference(a, &a[..cut]).unwrap_err();
        assert!(e.contains("<end of trace>"), "{e}");
    }
}
