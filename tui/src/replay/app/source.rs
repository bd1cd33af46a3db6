//! The program's source as the replay shows it: the text the trace's
//! header embeds, or else the file it names, read by the tools' rules
//! (regular files of bounded size) and checked against the header's
//! digest; plus the texts `eval` ran (`source.added` records), which
//! locations name `eval#N`.

use std::fmt::Write as _;
use std::path::Path;

use gene_sim::trace::read::Trace;

use crate::replay::story::EvalSource;

/// The program's text, when the header holds it or the file it names could
/// be read.
#[derive(Clone, Debug)]
pub struct Source {
    pub name: String,
    pub lines: Vec<String>,
    /// Why it may not be the traced program (a digest mismatch).
    pub note: Option<String>,
    /// The texts `eval` ran, by their source names (`eval#1`, ...).
    pub evals: Vec<(String, Vec<String>)>,
}

fn split_lines(text: &str) -> Vec<String> {
    text.lines().map(|l| l.replace('\t', "    ")).collect()
}

impl Source {
    pub fn from_text(name: &str, text: &str) -> Source {
        Source {
            name: name.to_string(),
            lines: split_lines(text),
            note: None,
            evals: Vec::new(),
        }
    }

    /// Adds the texts of the trace's `eval`s.
    pub fn with_evals(mut self, evals: &[EvalSource]) -> Source {
        for e in evals {
            if let Some(t) = &e.text {
                self.evals.push((e.name.clone(), split_lines(t)));
            }
        }
        self
    }

    /// The lines of the source a location names: the program (by its
    /// name as the trace gives it, or its file name), or an eval's text.
    pub fn file(&self, name: &str) -> Option<&[String]> {
        let base = |p: &str| Path::new(p).file_name().map(|f| f.to_os_string());
        if name == self.name || base(name).is_some_and(|b| Some(b) == base(&self.name)) {
            return Some(&self.lines);
        }
        self.evals
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, l)| l.as_slice())
    }

    /// The program as the trace's header embeds it (programs up to
    /// `MAX_EMBEDDED_SOURCE`), else the file it names.
    pub fn of_trace(trace: &Trace, trace_path: &Path) -> Result<Source, String> {
        let program = trace.header.get("program");
        let text = program.and_then(|p| p.get("text")).and_then(|t| t.as_str());
        match (trace.program_name(), text) {
            (Some(name), Some(text)) => Ok(Source::from_text(name, text)),
            _ => Source::find(trace, trace_path),
        }
    }

    /// Finds the program named in the header: as written, then beside the
    /// trace. Checks it against the header's digest.
    pub fn find(trace: &Trace, trace_path: &Path) -> Result<Source, String> {
        let Some(name) = trace.program_name() else {
            return Err("the trace names no program".into());
        };
        let mut candidates = vec![Path::new(name).to_path_buf()];
        if let Some(dir) = trace_path.parent() {
            candidates.push(dir.join(name));
            if let Some(file) = Path::new(name).file_name() {
                candidates.push(dir.join(file));
            }
        }
        let mut refused = None;
        for c in candidates {
            let bytes = match read_source(&c) {
                Ok(Some(b)) => b,
                Ok(None) => continue,
                Err(why) => {
                    refused.get_or_insert(why);
                    continue;
                }
            };
            {
                let text = String::from_utf8_lossy(&bytes);
                let mut s = Source::from_text(&c.display().to_string(), &text);
                let want = trace
                    .header
                    .get("program")
                    .and_then(|p| p.get("sha256"))
                    .and_then(|h| h.as_str());
                let have = sha256_hex(text.as_bytes());
                if want.is_some_and(|w| w != have) {
                    s.note =
                        Some("this file differs from the traced program (sha256 mismatch)".into());
                }
                return Ok(s);
            }
        }
        Err(refused.unwrap_or_else(|| format!("{name}: not found")))
    }
}

/// The longest program source the replay shows, in bytes.
pub const MAX_SOURCE_BYTES: u64 = 64 << 20;

/// Reads a program named by a trace's header, which a hostile trace may
/// point anywhere: only a regular file, and at most `MAX_SOURCE_BYTES` of
/// it, so that a FIFO, a device or a huge file cannot block or exhaust the
/// replay. `Ok(None)` when there is no such file.
fn read_source(path: &Path) -> Result<Option<Vec<u8>>, String> {
    use std::io::Read;
    // The type is checked before opening: opening a FIFO blocks.
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => {}
        Ok(_) => return Err(format!("{}: not a regular file", path.display())),
        Err(_) => return Ok(None),
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // Should it have become a FIFO since, opening it does not block.
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let Ok(file) = options.open(path) else {
        return Ok(None);
    };
    // Checked again on the open file, in case it was replaced meanwhile.
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(format!("{}: not a regular file", path.display()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_SOURCE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(format!(
            "{}: longer than {MAX_SOURCE_BYTES} bytes, the longest program the replay shows",
            path.display()
        ));
    }
    Ok(Some(bytes))
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(bytes);
    d.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
