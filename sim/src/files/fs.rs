//! File systems the driver completes `ReadFile` / `WriteFile` operations
//! against.
//!
//! - [`OverlayFs`] (simulation): reads fall through to a real directory root,
//!   read-only, and are confined to it; writes stay in memory (any path,
//!   inside the root or not) and shadow the real files. Relative paths
//!   resolve against a working directory.
//! - [`RealFs`] (`--real`): plain reads and writes, relative paths against
//!   a working directory (by default the process's).
//!
//! Both report errors as the text of the Gene exception, in upstream's
//! words: `Failed to read file '<path>': cannot open: <path>` (and
//! `Failed to write file ...`), where `<path>` is the path as the program
//! wrote it. Messages never name the host's directories (the root is "the
//! sandbox root (--root)"), so a run's output and trace do not depend on
//! where the root lies.
//!
//! Both apply the same rules (see [`crate::regular_file`]): only regular
//! files are read or written, reads are bounded by a size limit, paths by
//! [`MAX_PATH_LEN`], and a path that names a directory (a trailing `/`, a
//! last component `.` or `..`) is never a file.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::disk::{Disk, WriteCheck};
use crate::regular_file::{self, Refusal};
pub use crate::regular_file::{DEFAULT_MAX_READ_SIZE, MAX_PATH_LEN};

/// What the driver needs from a file system.
pub trait FileSystem {
    /// The whole content of `path` as text (invalid UTF-8 is replaced
    /// lossily), or the message of the exception to raise.
    fn read(&mut self, path: &str) -> Result<String, String>;
    /// Replaces the content of `path` with `data`, or gives the message of
    /// the exception to raise.
    fn write(&mut self, path: &str, data: &str) -> Result<(), String>;
}

/// Upstream's message for a read that fails.
pub fn read_error(path: &str) -> String {
    format!("Failed to read file '{path}': cannot open: {path}")
}

/// Upstream's message for a write that fails.
pub fn write_error(path: &str) -> String {
    format!("Failed to write file '{path}': cannot open: {path}")
}

/// A read of a path outside the root that the run did not write. The root
/// itself stays unnamed: its place on the host is none of the program's
/// business.
fn escape_error(verb: &str, path: &str) -> String {
    format!("Failed to {verb} file '{path}': path escapes the sandbox root (--root)")
}

/// The message for a refused read or write of a host file.
fn refusal_error(verb: &str, path: &str, why: &Refusal) -> String {
    match why {
        Refusal::CannotOpen => format!("Failed to {verb} file '{path}': cannot open: {path}"),
        Refusal::NotRegular(what) => {
            format!("Failed to {verb} file '{path}': not a regular file ({what})")
        }
        Refusal::TooLarge(max) => format!(
            "Failed to {verb} file '{path}': larger than the read limit of {max} bytes (--max-read-size)"
        ),
    }
}

/// A path over [`MAX_PATH_LEN`] bytes, named by its beginning only.
fn too_long_error(verb: &str, path: &str) -> String {
    let mut end = 64.min(path.len());
    while !path.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "Failed to {verb} file '{}...': path longer than {MAX_PATH_LEN} bytes",
        &path[..end]
    )
}

/// Whether the path as written names a directory whatever is on disk: it
/// ends with `/`, or its last component is `.` or `..`. The real file
/// system refuses such a path as a file (`in.txt/` is not `in.txt`).
fn names_a_directory(path: &str) -> bool {
    path.ends_with('/') || matches!(path.rsplit('/').next(), Some("." | ".."))
}

/// Removes `.` components and applies `..` lexically (`..` at the file
/// system root stays there).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => out.push(c.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(s) => out.push(s),
        }
    }
    out
}

/// Why a path could not be placed at all.
enum Unresolved {
    /// Empty, or nothing of it exists (not even `/`), or a symlink loop.
    Invalid,
}

/// Where a path lies.
enum Place {
    /// Inside the root: reads fall through to the disk.
    Inside {
        /// Absolute path on disk: the canonical form of the longest
        /// existing prefix, followed by the components that do not exist
        /// (yet).
        real: PathBuf,
        /// `real` relative to the root: the key of the in-memory layer.
        key: PathBuf,
    },
    /// Outside the root: only what the run wrote there can be read. The
    /// key of the in-memory layer is the absolute (canonical) path, which
    /// never collides with a key of a path inside (those are relative).
    Outside { key: PathBuf },
}

/// The simulated file system: an in-memory layer of written files over a
/// read-only real directory, the root, with a working directory.
///
/// Path rules:
/// - relative paths resolve against the working directory (by default the
///   root itself, see [`OverlayFs::with_cwd`]), absolute ones as written;
/// - `.` and `..` are applied lexically first (`a/../b` is `b`, whatever
///   `a` is);
/// - then the longest existing prefix is canonicalized (resolving symlinks),
///   and the result is inside the root or outside it. Two spellings of one
///   file (through a symlink, or `./x` vs `x`) share one in-memory entry.
/// - Reads inside the root fall through to the disk; reads outside it (by
///   `..`, as an absolute path, or through a symlink out of the root) are
///   refused, unless the run wrote that path before.
/// - Writes never touch the disk, so any path may be written (`/tmp/x.txt`
///   too). Inside the root a write fails where the real file system would
///   fail it (a missing parent directory, a directory, a FIFO); outside it
///   the disk is not looked at, and a write fails only when its path names
///   a directory or lies below a file written before.
#[derive(Clone, Debug)]
pub struct OverlayFs {
    root: PathBuf,
    /// The absolute, canonical working directory.
    cwd: PathBuf,
    files: BTreeMap<PathBuf, String>,
    max_read_size: u64,
    /// Disk lookups shared with other runs (see [`Disk`]); None: look every time.
    disk: Option<Disk>,
}

impl Default for OverlayFs {
    /// An overlay of the current working directory.
    fn default() -> Self {
        OverlayFs::new(PathBuf::from("."))
    }
}

/// `p` made absolute against the process's working directory, then
/// canonicalized as far as it exists.
fn absolute(p: &Path, disk: Option<&Disk>) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        match std::env::current_dir() {
            Ok(cwd) => cwd.join(p),
            Err(_) => p.to_path_buf(),
        }
    };
    let look = || std::fs::canonicalize(&joined).unwrap_or_else(|_| normalize(&joined));
    match disk {
        Some(d) => d.root(&joined, look),
        None => look(),
    }
}

impl OverlayFs {
    /// An overlay of the real directory `root` (made absolute against the
    /// current directory and canonicalized if it exists; if it does not,
    /// every read of a file not written first fails as missing). The
    /// working directory is the root.
    pub fn new(root: PathBuf) -> Self {
        OverlayFs::with_disk(root, None)
    }

    /// Like [`OverlayFs::new`], asking `disk` (when given) what it already
    /// knows of the real directory instead of looking again.
    pub fn with_disk(root: PathBuf, disk: Option<Disk>) -> Self {
        let root = absolute(&root, disk.as_ref());
        OverlayFs {
            cwd: root.clone(),
            root,
            files: BTreeMap::new(),
            max_read_size: DEFAULT_MAX_READ_SIZE,
            disk,
        }
    }

    /// The longest existing prefix of `lexical`, canonicalized.
    fn place_on_disk(&self, lexical: &Path) -> Option<PathBuf> {
        match &self.disk {
            Some(d) => d.place(lexical),
            None => crate::resolve::longest_existing_prefix(lexical),
        }
    }

    /// The same overlay with the working directory `cwd`, relative to the
    /// root (or absolute). `..` applies lexically and symlinks resolve, as
    /// for any path. A working directory outside the root is allowed: then
    /// every relative read leads out of the root and is refused.
    pub fn with_cwd(mut self, cwd: &Path) -> Self {
        let lexical = normalize(&self.root.join(cwd));
        self.cwd = self.place_on_disk(&lexical).unwrap_or(lexical);
        self
    }

    /// The same overlay with reads limited to `max` bytes (default
    /// [`DEFAULT_MAX_READ_SIZE`]); longer files raise an error.
    pub fn with_max_read_size(mut self, max: u64) -> Self {
        self.max_read_size = max;
        self
    }

    /// The (canonical) root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The (canonical) working directory.
    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// Files written so far, as (path, content), in path order: paths
    /// inside the root relative to it, then the absolute paths of files
    /// written outside it.
    pub fn written(&self) -> impl Iterator<Item = (&Path, &str)> {
        let inside = self.files.iter().filter(|(k, _)| k.is_relative());
        let outside = self.files.iter().filter(|(k, _)| k.is_absolute());
        inside
            .chain(outside)
            .map(|(k, v)| (k.as_path(), v.as_str()))
    }

    /// Forgets every in-memory write.
    pub fn clear_writes(&mut self) {
        self.files.clear();
    }

    fn resolve(&self, path: &str) -> Result<Place, Unresolved> {
        if path.is_empty() || path.contains('\0') {
            return Err(Unresolved::Invalid);
        }
        let lexical = normalize(&self.cwd.join(path));
        // Canonicalize the longest existing prefix, in one forward walk.
        let real = self.place_on_disk(&lexical).ok_or(Unresolved::Invalid)?;
        Ok(match real.strip_prefix(&self.root) {
            Ok(key) => Place::Inside {
                key: key.to_path_buf(),
                real,
            },
            Err(_) => Place::Outside { key: real },
        })
    }

    /// Resolves a path for `verb` ("read" or "write"), refusing what can
    /// never be a file.
    fn place(&self, verb: &str, path: &str) -> Result<Place, String> {
        if path.len() > MAX_PATH_LEN {
            return Err(too_long_error(verb, path));
        }
        let r = self
            .resolve(path)
            .map_err(|Unresolved::Invalid| refusal_error(verb, path, &Refusal::CannotOpen))?;
        if names_a_directory(path) {
            return Err(refusal_error(verb, path, &Refusal::CannotOpen));
        }
        Ok(r)
    }

    /// The content written at `key`, within the read limit.
    fn written_at(&self, key: &Path, path: &str) -> Option<Result<String, String>> {
        let text = self.files.get(key)?;
        if text.len() as u64 > self.max_read_size {
            return Some(Err(refusal_error(
                "read",
                path,
                &Refusal::TooLarge(self.max_read_size),
            )));
        }
        Some(Ok(text.clone()))
    }
}

impl FileSystem for OverlayFs {
    fn read(&mut self, path: &str) -> Result<String, String> {
        match self.place("read", path)? {
            Place::Inside { real, key } => match self.written_at(&key, path) {
                Some(r) => r,
                None => regular_file::read(&real, self.max_read_size)
                    .map_err(|why| refusal_error("read", path, &why)),
            },
            Place::Outside { key } => self
                .written_at(&key, path)
                .unwrap_or_else(|| Err(escape_error("read", path))),
        }
    }

    fn write(&mut self, path: &str, data: &str) -> Result<(), String> {
        let key = match self.place("write", path)? {
            Place::Inside { real, key } => {
                if let Some(text) = self.files.get_mut(&key) {
                    data.clone_into(text);
                    return Ok(());
                }
                if key.as_os_str().is_empty() {
                    return Err(write_error(path));
                }
                let check = match &self.disk {
                    Some(d) => d.write_check(&real),
                    None => WriteCheck::of(&real),
                };
                match check {
                    WriteCheck::Fine => {}
                    WriteCheck::Fails => return Err(write_error(path)),
                    // The real file system would refuse it; the overlay refuses alike.
                    WriteCheck::Refused(why) => return Err(refusal_error("write", path, &why)),
                }
                key
            }
            Place::Outside { key } => {
                // Below a file written before: that file is no directory.
                if key.ancestors().skip(1).any(|a| self.files.contains_key(a)) {
                    return Err(write_error(path));
                }
                key
            }
        };
        self.files.insert(key, data.to_owned());
        Ok(())
    }
}

/// The real file system, for `--real` runs: relative paths against a
/// working directory (by default the process's), no sandbox, same error
/// messages as [`OverlayFs`].
#[derive(Clone, Debug)]
pub struct RealFs {
    max_read_size: u64,
    /// Where relative paths resolve; None: the process's working directory.
    cwd: Option<PathBuf>,
}

impl Default for RealFs {
    fn default() -> Self {
        RealFs {
            max_read_size: DEFAULT_MAX_READ_SIZE,
            cwd: None,
        }
    }
}

impl RealFs {
    pub fn new() -> Self {
        RealFs::default()
    }

    /// Reads limited to `max` bytes, as [`OverlayFs::with_max_read_size`].
    pub fn with_max_read_size(mut self, max: u64) -> Self {
        self.max_read_size = max;
        self
    }

    /// Relative paths resolve against `cwd` (itself relative to the
    /// process's working directory, or absolute) instead of the process's
    /// working directory.
    pub fn with_cwd(mut self, cwd: PathBuf) -> Self {
        self.cwd = Some(cwd);
        self
    }

    fn host_path(&self, path: &str) -> PathBuf {
        match &self.cwd {
            Some(cwd) => cwd.join(path),
            None => PathBuf::from(path),
        }
    }
}

impl FileSystem for RealFs {
    fn read(&mut self, path: &str) -> Result<String, String> {
        if path.len() > MAX_PATH_LEN {
            return Err(too_long_error("read", path));
        }
        regular_file::read(&self.host_path(path), self.max_read_size)
            .map_err(|why| refusal_error("read", path, &why))
    }

    fn write(&mut self, path: &str, data: &str) -> Result<(), String> {
        if path.len() > MAX_PATH_LEN {
            return Err(too_long_error("write", path));
        }
        regular_file::write(&self.host_path(path), data)
            .map_err(|why| refusal_error("write", path, &why))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> TempDir {
            static COUNTER: AtomicU64 = AtomicU64::new(0);
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let dir =
                std::env::temp_dir().join(format!("gene-sim-fs-{}-{tag}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn path(&self) -> &Path {
            &self.0
        }

        fn file(&self, rel: &str, content: &[u8]) {
            let p = self.0.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, content).unwrap();
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn overlay(t: &TempDir) -> OverlayFs {
        OverlayFs::new(t.path().to_path_buf())
    }

    #[test]
    fn reads_fall_through_and_writes_stay_in_memory() {
        let t = TempDir::new("overlay");
        t.file("a.txt", b"real a");
        t.file("sub/b.txt", b"real b");
        let mut fs = overlay(&t);
        assert_eq!(fs.read("a.txt").unwrap(), "real a");
        assert_eq!(fs.read("./sub/b.txt").unwrap(), "real b");
        assert_eq!(fs.read("sub/../a.txt").unwrap(), "real a");

        fs.write("a.txt", "new a").unwrap();
        assert_eq!(fs.read("a.txt").unwrap(), "new a");
        assert_eq!(fs.read("./a.txt").unwrap(), "new a");
        // The disk is untouched.
        assert_eq!(std::fs::read(t.path().join("a.txt")).unwrap(), b"real a");

        fs.write("sub/new.txt", "fresh").unwrap();
        assert_eq!(fs.read("sub/new.txt").unwrap(), "fresh");
        assert!(!t.path().join("sub/new.txt").exists());
        fs.write("sub/new.txt", "again").unwrap();
        assert_eq!(fs.read("sub/new.txt").unwrap(), "again");

        let written: Vec<(String, String)> = fs
            .written()
            .map(|(p, s)| (p.display().to_string(), s.to_owned()))
            .collect();
        assert_eq!(
            written,
            vec![
                ("a.txt".to_owned(), "new a".to_owned()),
                ("sub/new.txt".to_owned(), "again".to_owned())
            ]
        );
        fs.clear_writes();
        assert_eq!(fs.read("a.txt").unwrap(), "real a");
    }

    #[test]
    fn absolute_paths_inside_the_root_are_fine() {
        let t = TempDir::new("abs");
        t.file("x.txt", b"x");
        let mut fs = overlay(&t);
        let abs = fs.root().join("x.txt").display().to_string();
        assert_eq!(fs.read(&abs).unwrap(), "x");
        fs.write(&abs, "y").unwrap();
        assert_eq!(fs.read("x.txt").unwrap(), "y");
        // The root as given (perhaps through a symlink such as /tmp on some
        // systems) works too.
        let given = t.path().join("x.txt").display().to_string();
        assert_eq!(fs.read(&given).unwrap(), "y");
    }

    #[test]
    fn missing_files_use_upstream_messages() {
        let t = TempDir::new("missing");
        t.file("dir/f.txt", b"");
        let mut fs = overlay(&t);
        assert_eq!(
            fs.read("nope.txt").unwrap_err(),
            "Failed to read file 'nope.txt': cannot open: nope.txt"
        );
        assert_eq!(
            fs.read("dir").unwrap_err(),
            "Failed to read file 'dir': cannot open: dir"
        );
        assert_eq!(
            fs.read("").unwrap_err(),
            "Failed to read file '': cannot open: "
        );
        assert_eq!(fs.read("dir/f.txt").unwrap(), "");
        assert_eq!(
            fs.write("nodir/x.txt", "d").unwrap_err(),
            "Failed to write file 'nodir/x.txt': cannot open: nodir/x.txt"
        );
        assert_eq!(
            fs.write("dir", "d").unwrap_err(),
            "Failed to write file 'dir': cannot open: dir"
        );
        assert_eq!(
            fs.write(".", "d").unwrap_err(),
            "Failed to write file '.': cannot open: ."
        );
        // A written file is not a directory.
        fs.write("mem.txt", "m").unwrap();
        assert_eq!(
            fs.write("mem.txt/x", "d").unwrap_err(),
            "Failed to write file 'mem.txt/x': cannot open: mem.txt/x"
        );
    }

    #[test]
    fn reads_out_of_the_root_are_refused() {
        let t = TempDir::new("escape");
        t.file("inside/f.txt", b"f");
        t.file("outside.txt", b"secret");
        let mut fs = OverlayFs::new(t.path().join("inside"));
        for p in [
            "../outside.txt",
            "../inside/../../etc/passwd",
            "../../../../etc/passwd",
            "/etc/passwd",
            "a/../../outside.txt",
        ] {
            assert_eq!(
                fs.read(p).unwrap_err(),
                format!("Failed to read file '{p}': path escapes the sandbox root (--root)")
            );
        }
        // Going out and back in is fine: `..` is lexical.
        assert_eq!(fs.read("../inside/f.txt").unwrap(), "f");
    }

    #[test]
    fn writes_anywhere_stay_in_memory_and_read_back() {
        let t = TempDir::new("outside-writes");
        t.file("root/f.txt", b"f");
        t.file("outside.txt", b"on disk");
        let mut fs = OverlayFs::new(t.path().join("root"));
        let tmp = format!("/tmp/gene-sim-never-written-{}.txt", std::process::id());
        fs.write(&tmp, "in memory").unwrap();
        assert!(!Path::new(&tmp).exists(), "the disk is untouched");
        assert_eq!(fs.read(&tmp).unwrap(), "in memory");
        // Another spelling of the same path reads it too.
        let other = tmp.replacen("/tmp/", "/tmp/./x/../", 1);
        assert_eq!(fs.read(&other).unwrap(), "in memory");
        // A real file outside stays unreadable, but what the run wrote over
        // it reads back; the disk keeps its content.
        assert!(fs.read("../outside.txt").is_err());
        fs.write("../outside.txt", "mine").unwrap();
        assert_eq!(fs.read("../outside.txt").unwrap(), "mine");
        assert_eq!(
            std::fs::read(t.path().join("outside.txt")).unwrap(),
            b"on disk"
        );
        // Outside the root the disk is not asked: a missing parent is fine,
        // but a written file is no directory, and a directory no file.
        fs.write("/no/such/dir/x.txt", "x").unwrap();
        assert_eq!(fs.read("/no/such/dir/x.txt").unwrap(), "x");
        assert_eq!(
            fs.write(&format!("{tmp}/below"), "x").unwrap_err(),
            format!("Failed to write file '{tmp}/below': cannot open: {tmp}/below")
        );
        assert!(fs.write("/tmp/", "x").is_err());
        // Outside the root, the layer is keyed by absolute paths.
        fs.write("f.txt", "inside").unwrap();
        let written: Vec<(bool, &str)> = fs.written().map(|(p, s)| (p.is_absolute(), s)).collect();
        assert_eq!(written[0], (false, "inside"));
        let mut outside: Vec<&str> = written[1..]
            .iter()
            .map(|&(absolute, s)| {
                assert!(absolute);
                s
            })
            .collect();
        outside.sort_unstable();
        assert_eq!(outside, ["in memory", "mine", "x"]);
    }

    #[test]
    fn relative_paths_resolve_against_the_working_directory() {
        let t = TempDir::new("cwd");
        t.file("tests/fixtures/test.txt", b"fixture");
        t.file("testsuite/local.txt", b"local");
        t.file("testsuite/deeper/d.txt", b"deep");
        let mut fs = OverlayFs::new(t.path().to_path_buf()).with_cwd(Path::new("testsuite"));
        assert_eq!(fs.read("../tests/fixtures/test.txt").unwrap(), "fixture");
        assert_eq!(fs.read("local.txt").unwrap(), "local");
        assert_eq!(fs.read("./deeper/../local.txt").unwrap(), "local");
        assert!(fs.read("tests/fixtures/test.txt").is_err());
        // Absolute paths do not depend on it.
        let abs = t
            .path()
            .join("testsuite/deeper/d.txt")
            .display()
            .to_string();
        assert_eq!(fs.read(&abs).unwrap(), "deep");
        // Writes are keyed by their place: written relative to the working
        // directory, read back from the root's point of view.
        fs.write("deeper/new.txt", "new").unwrap();
        let mut from_root = OverlayFs::new(t.path().to_path_buf());
        assert!(from_root.read("testsuite/deeper/new.txt").is_err());
        let written: Vec<String> = fs.written().map(|(p, _)| p.display().to_string()).collect();
        assert_eq!(written, ["testsuite/deeper/new.txt"]);
        // Beyond the root still fails, however many `..`.
        assert_eq!(
            fs.read("../../../../etc/passwd").unwrap_err(),
            "Failed to read file '../../../../etc/passwd': path escapes the sandbox root (--root)"
        );
        // A working directory given with `..` is placed like any path.
        let mut fs =
            OverlayFs::new(t.path().to_path_buf()).with_cwd(Path::new("tests/../testsuite"));
        assert_eq!(fs.read("local.txt").unwrap(), "local");
        assert_eq!(fs.cwd(), fs.root().join("testsuite"));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_root_are_refused() {
        use std::os::unix::fs::symlink;
        let t = TempDir::new("symlink");
        t.file("secret/s.txt", b"secret");
        t.file("root/real.txt", b"real");
        symlink(t.path().join("secret"), t.path().join("root/out")).unwrap();
        symlink(t.path().join("secret/s.txt"), t.path().join("root/s.txt")).unwrap();
        symlink(t.path().join("root/real.txt"), t.path().join("root/alias")).unwrap();
        let mut fs = OverlayFs::new(t.path().join("root"));
        for p in ["out/s.txt", "s.txt", "out/new.txt", "out"] {
            assert_eq!(
                fs.read(p).unwrap_err(),
                format!("Failed to read file '{p}': path escapes the sandbox root (--root)")
            );
        }
        // Writes through them stay in memory, and read back.
        fs.write("out/new.txt", "x").unwrap();
        assert_eq!(fs.read("out/new.txt").unwrap(), "x");
        assert!(!t.path().join("secret/new.txt").exists());
        fs.write("s.txt", "over").unwrap();
        assert_eq!(fs.read("s.txt").unwrap(), "over");
        assert_eq!(
            std::fs::read(t.path().join("secret/s.txt")).unwrap(),
            b"secret"
        );
        // A symlink inside the root is the file it names.
        assert_eq!(fs.read("alias").unwrap(), "real");
        fs.write("alias", "through alias").unwrap();
        assert_eq!(fs.read("real.txt").unwrap(), "through alias");
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_symlink_is_the_file_it_names() {
        use std::os::unix::fs::symlink;
        let t = TempDir::new("dangling");
        t.file("root/keep", b"");
        symlink("later.txt", t.path().join("root/link")).unwrap();
        symlink(t.path().join("away.txt"), t.path().join("root/out")).unwrap();
        let mut fs = OverlayFs::new(t.path().join("root"));
        // Written through the link, read by the name it points to.
        fs.write("link", "through the link").unwrap();
        assert_eq!(fs.read("later.txt").unwrap(), "through the link");
        // A dangling link out of the root: the write stays in memory, the
        // file it names is not created.
        fs.write("out", "x").unwrap();
        assert_eq!(fs.read("out").unwrap(), "x");
        assert!(!t.path().join("away.txt").exists());
    }

    #[test]
    fn non_utf8_is_lossy() {
        let t = TempDir::new("lossy");
        t.file("bin", &[b'a', 0xff, b'b']);
        let mut fs = overlay(&t);
        assert_eq!(fs.read("bin").unwrap(), "a\u{fffd}b");
        let p = t.path().join("bin").display().to_string();
        assert_eq!(RealFs::new().read(&p).unwrap(), "a\u{fffd}b");
    }

    #[test]
    fn missing_root() {
        let t = TempDir::new("noroot");
        let mut fs = OverlayFs::new(t.path().join("does-not-exist"));
        assert_eq!(
            fs.read("a").unwrap_err(),
            "Failed to read file 'a': cannot open: a"
        );
        assert!(fs.write("a", "x").is_err());
    }

    #[test]
    fn real_fs_reads_and_writes_for_real() {
        let t = TempDir::new("real");
        let mut fs: Box<dyn FileSystem> = Box::new(RealFs::new());
        let p = t.path().join("out.txt").display().to_string();
        fs.write(&p, "hello").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "hello");
        assert_eq!(fs.read(&p).unwrap(), "hello");
        let missing = t.path().join("missing.txt").display().to_string();
        assert_eq!(
            fs.read(&missing).unwrap_err(),
            format!("Failed to read file '{missing}': cannot open: {missing}")
        );
        let bad = t.path().join("no/such/dir.txt").display().to_string();
        assert_eq!(
            fs.write(&bad, "x").unwrap_err(),
            format!("Failed to write file '{bad}': cannot open: {bad}")
        );
    }
}
