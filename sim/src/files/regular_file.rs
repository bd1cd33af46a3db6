//! Reading and writing host files safely, for both file systems: only
//! regular files, and reads of bounded size.
//!
//! A FIFO would block a read (or a write) forever and a character device
//! such as `/dev/zero` never ends, so anything but a regular file is refused
//! before it is opened. The file is then opened non-blocking and checked
//! again, so a FIFO swapped in between the two checks cannot block either.
//! A read holds one copy of the file: its bytes become the string in place
//! when they are valid UTF-8.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;

/// The default `--max-read-size`: 64 MiB.
pub const DEFAULT_MAX_READ_SIZE: u64 = 64 * 1024 * 1024;

/// The longest path (in bytes, as the program wrote it) a file operation
/// accepts; Linux's `PATH_MAX`.
pub const MAX_PATH_LEN: usize = 4096;

/// Why a host file could not be read or written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Missing, a directory, not permitted, ...: upstream's `cannot open`.
    CannotOpen,
    /// Exists but is not a regular file: what it is ("a FIFO", ...).
    NotRegular(&'static str),
    /// Longer than the read limit (the limit, in bytes).
    TooLarge(u64),
}

/// What a file that is not a regular file is, for messages. None for a
/// regular file; directories are `CannotOpen`, as upstream reports them.
fn refusal(meta: &Metadata) -> Option<Refusal> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some(Refusal::CannotOpen);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some(Refusal::NotRegular("a FIFO"));
        }
        if t.is_char_device() {
            return Some(Refusal::NotRegular("a character device"));
        }
        if t.is_block_device() {
            return Some(Refusal::NotRegular("a block device"));
        }
        if t.is_socket() {
            return Some(Refusal::NotRegular("a socket"));
        }
    }
    Some(Refusal::NotRegular("a special file"))
}

/// Opening never waits: a FIFO opened for reading returns at once, one
/// opened for writing with no reader fails at once.
fn non_blocking(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    options
}

fn checked(file: &File) -> Result<Metadata, Refusal> {
    let meta = file.metadata().map_err(|_| Refusal::CannotOpen)?;
    match refusal(&meta) {
        Some(r) => Err(r),
        None => Ok(meta),
    }
}

/// The text of the regular file at `path`, at most `max` bytes long
/// (invalid UTF-8 replaced lossily).
pub fn read(path: &Path, max: u64) -> Result<String, Refusal> {
    let meta = std::fs::metadata(path).map_err(|_| Refusal::CannotOpen)?;
    if let Some(r) = refusal(&meta) {
        return Err(r);
    }
    let file = non_blocking(OpenOptions::new().read(true))
        .open(path)
        .map_err(|_| Refusal::CannotOpen)?;
    let meta = checked(&file)?;
    if meta.len() > max {
        return Err(Refusal::TooLarge(max));
    }
    // The file may grow while it is read: never take more than the limit.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|_| Refusal::CannotOpen)?;
    if bytes.len() as u64 > max {
        return Err(Refusal::TooLarge(max));
    }
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Whether `path` exists and is something a write must refuse (not a
/// regular file, not a missing one).
pub fn write_refusal(path: &Path) -> Option<Refusal> {
    std::fs::metadata(path).ok().and_then(|m| refusal(&m))
}

/// Replaces the content of the regular file at `path` (creating it).
pub fn write(path: &Path, data: &str) -> Result<(), Refusal> {
    if let Some(r) = write_refusal(path) {
        return Err(r);
    }
    let mut file = non_blocking(OpenOptions::new().write(true).create(true).truncate(true))
        .open(path)
        .map_err(|_| Refusal::CannotOpen)?;
    checked(&file)?;
    file.write_all(data.as_bytes())
        .map_err(|_| Refusal::CannotOpen)
}
