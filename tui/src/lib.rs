//! Shared pieces of the `gene` and `gene-trace` command-line tools.

use std::io::{self, Read, Write};
use std::process::ExitCode;

use clap::Args;
use gene_sim::RunConfig;
use gene_vm::VmConfig;

/// Limits every run accepts.
#[derive(Args, Debug, Clone)]
pub struct LimitArgs {
    /// End the run with an error after this many VM instructions.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_instructions: Option<u64>,
    /// Nested calls beyond this raise a catchable "stack overflow".
    #[arg(long, value_name = "N", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_depth: u64,
}

impl LimitArgs {
    pub fn config(&self) -> RunConfig {
        RunConfig {
            vm: VmConfig {
                max_depth: self.max_depth as usize,
                max_instructions: self.max_instructions,
            },
            ..RunConfig::default()
        }
    }
}

/// Reads a program from a file, or from stdin when no path is given.
pub fn read_program(path: Option<&str>) -> Result<(String, String), String> {
    match path {
        Some(p) => std::fs::read(p)
            .map_err(|e| format!("cannot read {p}: {e}"))
            .map(|b| (p.to_string(), String::from_utf8_lossy(&b).into_owned())),
        None => {
            let mut b = Vec::new();
            io::stdin()
                .read_to_end(&mut b)
                .map_err(|e| format!("cannot read stdin: {e}"))?;
            Ok((
                "<stdin>".to_string(),
                String::from_utf8_lossy(&b).into_owned(),
            ))
        }
    }
}

/// Runs a program with its output on stdout; errors go to stderr, status 1.
pub fn run_program(path: Option<&str>, config: &RunConfig) -> ExitCode {
    let (name, text) = match read_program(path) {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match gene_sim::run(&name, &text, config, &mut out) {
        Ok(_) => ExitCode::SUCCESS,
        Err(rendered) => {
            let _ = out.flush();
            eprint!("{rendered}");
            ExitCode::from(1)
        }
    }
}

/// Prints a tool error (not a program error) and returns status 1.
pub fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(1)
}
