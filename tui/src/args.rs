//! The command line shared by both binaries: parsing with one-line usage
//! errors (status 2) and the value parsers that refuse bad flag values
//! before anything runs.

use std::process::ExitCode;

/// Parses the command line of `P`. `--help` and `--version` print and exit
/// 0; a usage error prints one line `error: ...` on stderr and gives
/// `Err(2)`.
pub fn parse<P: clap::Parser>() -> Result<P, ExitCode> {
    match P::try_parse() {
        Ok(p) => Ok(p),
        Err(e) if !e.use_stderr() => {
            // --help, --version: on stdout, like every other output.
            match e.print() {
                Ok(()) => Err(ExitCode::SUCCESS),
                Err(err) => Err(crate::output::stdout_failed(&err)),
            }
        }
        Err(e) => {
            eprintln!("{}", one_line(&e.render().to_string()));
            Err(ExitCode::from(2))
        }
    }
}

/// clap's message up to its usage section, on one line.
fn one_line(rendered: &str) -> String {
    let head = rendered.split("\n\n").next().unwrap_or(rendered);
    let joined: Vec<&str> = head
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut line = joined.join(" ");
    if !line.starts_with("error:") {
        line = format!("error: {line}");
    }
    format!("{line} (see --help)")
}

/// A usage error (status 2): a bad flag value, conflicting options, an
/// input that cannot be opened, an output that names an input.
pub fn usage(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// A probability: a number in 0.0..=1.0.
pub fn probability(s: &str) -> Result<f64, String> {
    let p: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!("a probability is between 0.0 and 1.0, got {s}"))
    }
}

/// A non-negative, finite number of seconds.
pub fn seconds(s: &str) -> Result<f64, String> {
    let x: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if x.is_finite() && x >= 0.0 {
        Ok(x)
    } else {
        Err(format!(
            "expected a non-negative number of seconds, got {s}"
        ))
    }
}

/// The subcommands of `cmd` that have no description, and the positional
/// arguments that have none, as `name` or `subcommand argument`: what
/// `--help` would leave unexplained. Both binaries test that it is empty.
pub fn undescribed(cmd: &clap::Command) -> Vec<String> {
    let mut out = Vec::new();
    for sub in cmd.get_subcommands() {
        if sub.get_about().is_none() {
            out.push(sub.get_name().to_string());
        }
        for arg in sub.get_positionals() {
            if arg.get_help().is_none() {
                out.push(format!("{} {}", sub.get_name(), arg.get_id()));
            }
        }
    }
    out
}
