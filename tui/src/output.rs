//! Every write to standard output goes through here, so that a failed
//! write is a tool error (`error: ...`, status 1) and never a panic or a
//! silent loss, and a closed pipe (`| head`) ends the tool quietly.

use std::io::{self, Write};
use std::process::ExitCode;

/// Restores SIGPIPE's default action, which Rust's runtime sets to ignore:
/// writing to a closed pipe then ends the process quietly, as it ends
/// `cat` or `grep`, instead of turning every later write into an error.
pub fn restore_sigpipe() {
    // SAFETY: called first thing in main, before any thread starts;
    // SIG_DFL is a valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Reports a failed write to standard output; the status to exit with.
/// A closed pipe (reached only when SIGPIPE is ignored by the parent and
/// could not be restored) ends quietly with status 0.
pub fn stdout_failed(e: &io::Error) -> ExitCode {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return ExitCode::SUCCESS;
    }
    crate::fail(&format!("cannot write to standard output: {e}"))
}

/// Writes `text` to standard output and flushes it. On error the error is
/// already reported and `Err` holds the status to exit with.
pub fn print(text: &str) -> Result<(), ExitCode> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| stdout_failed(&e))
}

/// A buffered writer on standard output, for large streamed outputs.
pub fn writer() -> io::BufWriter<io::StdoutLock<'static>> {
    io::BufWriter::new(io::stdout().lock())
}

/// A writer that remembers its first error instead of returning it: the
/// driver treats program output as best effort and would drop it.
/// Writes after the first error are discarded.
pub struct Checked<W: Write> {
    inner: W,
    error: Option<io::Error>,
}

impl<W: Write> Checked<W> {
    pub fn new(inner: W) -> Self {
        Checked { inner, error: None }
    }

    /// The first write error, if any (flushing first).
    pub fn finish(mut self) -> Option<io::Error> {
        let _ = self.flush();
        self.error
    }
}

impl<W: Write> Write for Checked<W> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        if self.error.is_none()
            && let Err(e) = self.inner.write_all(b)
        {
            self.error = Some(e);
        }
        Ok(b.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.error.is_none()
            && let Err(e) = self.inner.flush()
        {
            self.error = Some(e);
        }
        Ok(())
    }
}
