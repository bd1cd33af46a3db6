//! Input and output files of the tools: an input that cannot be opened is
//! a usage error (status 2), and so is an output path that names an input
//! (the same file, however it is spelled: another relative path, a
//! symbolic link or a hard link), so that no command destroys what it reads.

use std::path::Path;

/// `Err(message)` when `path` cannot be opened for reading.
pub fn check_input(path: &Path) -> Result<(), String> {
    let cannot = |e: std::io::Error| format!("cannot open {}: {e}", path.display());
    let meta = std::fs::metadata(path).map_err(cannot)?;
    // Opening a FIFO would block until a writer comes: the readers refuse
    // anything but regular files at once, with their own message.
    if meta.is_file() {
        std::fs::File::open(path).map(drop).map_err(cannot)?;
    }
    Ok(())
}

/// Whether two paths name the same existing file (device and inode, after
/// following symbolic links). A path that does not exist names no input.
pub fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// `Err(message)` when the output `out` (`what` names the option) is one
/// of `inputs`. `-` (standard output or input) is never a file here.
pub fn check_output(what: &str, out: &Path, inputs: &[&Path]) -> Result<(), String> {
    if out == Path::new("-") {
        return Ok(());
    }
    match inputs
        .iter()
        .find(|i| **i != Path::new("-") && same_file(out, i))
    {
        Some(input) => Err(format!(
            "{what} {} names the input {}: refusing to overwrite it",
            out.display(),
            input.display()
        )),
        None => Ok(()),
    }
}
