//! `gene-trace replay A --against B`: a second trace to compare with. The
//! first poll where the two part is found as `diff` finds it
//! (`diff::first_divergent_poll`), and the events pane shows B's records of
//! the current poll beside A's.

use std::path::Path;

use gene_sim::trace::read::{Record, Trace, read_file};

pub struct Against {
    pub name: String,
    pub trace: Trace,
    /// The first divergent poll (None: the traces are equal).
    pub divergence: Option<usize>,
}

impl Against {
    pub fn load(path: &Path, a: &Trace) -> Result<Against, String> {
        let trace = read_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Against::new(&path.display().to_string(), trace, a))
    }

    pub fn new(name: &str, trace: Trace, a: &Trace) -> Against {
        let divergence = crate::diff::first_divergent_poll(a, &trace);
        Against {
            name: name.to_string(),
            trace,
            divergence,
        }
    }

    /// B's records of poll `p` (none when B has no such poll).
    pub fn poll(&self, p: usize) -> &[Record] {
        if p < self.trace.polls.len() {
            self.trace.poll(p)
        } else {
            &[]
        }
    }
}
