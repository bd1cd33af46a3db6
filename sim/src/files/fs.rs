//! File systems the driver completes `ReadFile` / `WriteFile` operations
//! against.
//!
//! - [`OverlayFs`] (simulation): reads fall through to a real directory root,
//!   read-only; writes stay in memory and shadow the real files. Every path
//!   is confined to the root.
//! - [`RealFs`] (`--real`): plain reads and writes relative to the current
//!   directory.
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

/// A path that leads out of the root. The root itself stays unnamed: its
/// place on the host is none of the program's business.
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

/// Why a path could not be placed inside the root.
enum Unresolved {
    /// It points outside the root.
    Escapes,
    /// Empty, or nothing of it exists (not even `/`).
    Invalid,
}

/// A path placed inside the root.
struct Resolved {
    /// Absolute path on disk: the canonical form of the longest existing
    /// prefix, followed by the components that do not exist (yet).
    real: PathBuf,
    /// `real` relative to the root: the key of the in-memory layer.
    key: PathBuf,
}

/// The simulated file system: an in-memory layer of written files over a
/// read-only real directory.
///
/// Path rules:
/// - relative paths resolve against the root; absolute paths are accepted
///   only if they lead inside the root;
/// - `.` and `..` are applied lexically first (`a/../b` is `b`, whatever
///   `a` is);
/// - then the longest existing prefix is canonicalized (resolving symlinks),
///   and the result must still be inside the root, so a symlink that points
///   out of the root is refused, and two spellings of one file (through a
///   symlink inside the root, or `./x` vs `x`) share one in-memory entry.
#[derive(Clone, Debug)]
pub struct OverlayFs {
    root: PathBuf,
    files: BTreeMap<PathBuf, String>,
    max_read_size: u64,
}

impl Default for OverlayFs {
    /// An overlay of the current working directory.
    fn default() -> Self {
        OverlayFs::new(PathBuf::from("."))
    }
}

impl OverlayFs {
    /// An overlay of the real directory `root` (made absolute against the
    /// current directory and canonicalized if it exists; if it does not,
    /// every read of a file not written first fails as missing).
    pub fn new(root: PathBuf) -> Self {
        let absolute = if root.is_absolute() {
            root
        } else {
            match std::env::current_dir() {
                Ok(cwd) => cwd.join(root),
                Err(_) => root,
            }
        };
        let root = std::fs::canonicalize(&absolute).unwrap_or_else(|_| normalize(&absolute));
        OverlayFs {
            root,
            files: BTreeMap::new(),
            max_read_size: DEFAULT_MAX_READ_SIZE,
        }
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

    /// Files written so far, as (path relative to the root, content), in
    /// path order.
    pub fn written(&self) -> impl Iterator<Item = (&Path, &str)> {
        self.files.iter().map(|(k, v)| (k.as_path(), v.as_str()))
    }

    /// Forgets every in-memory write.
    pub fn clear_writes(&mut self) {
        self.files.clear();
    }

    fn resolve(&self, path: &str) -> Result<Resolved, Unresolved> {
        if path.is_empty() || path.contains('\0') {
            return Err(Unresolved::Invalid);
        }
        let joined = self.root.join(path);
        let lexical = normalize(&joined);
        if !lexical.starts_with(&self.root) {
            // A quick answer for `../x` and `/etc/passwd`. An absolute path
            // through another spelling of the root (a symlink to it) still
            // gets the canonical check below.
            if !Path::new(path).is_absolute() {
                return Err(Unresolved::Escapes);
            }
        }
        // Canonicalize the longest existing prefix, in one forward walk.
        let real = crate::resolve::longest_existing_prefix(&lexical).ok_or(Unresolved::Invalid)?;
        let key = real
            .strip_prefix(&self.root)
            .map_err(|_| Unresolved::Escapes)?
            .to_path_buf();
        Ok(Resolved { real, key })
    }
}

impl OverlayFs {
    /// Resolves a path for `verb` ("read" or "write"), refusing what can
    /// never be a file.
    fn place(&self, verb: &str, path: &str) -> Result<Resolved, String> {
        if path.len() > MAX_PATH_LEN {
            return Err(too_long_error(verb, path));
        }
        let r = match self.resolve(path) {
            Ok(r) => r,
            Err(Unresolved::Escapes) => return Err(escape_error(verb, path)),
            Err(Unresolved::Invalid) => {
                return Err(refusal_error(verb, path, &Refusal::CannotOpen));
            }
        };
        if names_a_directory(path) {
            return Err(refusal_error(verb, path, &Refusal::CannotOpen));
        }
        Ok(r)
    }
}

impl FileSystem for OverlayFs {
    fn read(&mut self, path: &str) -> Result<String, String> {
        let r = self.place("read", path)?;
        if let Some(text) = self.files.get(&r.key) {
            if text.len() as u64 > self.max_read_size {
                return Err(refusal_error(
                    "read",
                    path,
                    &Refusal::TooLarge(self.max_read_size),
                ));
            }
            return Ok(text.clone());
        }
        regular_file::read(&r.real, self.max_read_size)
            .map_err(|why| refusal_error("read", path, &why))
    }

    fn write(&mut self, path: &str, data: &str) -> Result<(), String> {
        let r = self.place("write", path)?;
        if let Some(text) = self.files.get_mut(&r.key) {
            data.clone_into(text);
            return Ok(());
        }
        let parent_is_dir = r.real.parent().is_some_and(Path::is_dir);
        if r.key.as_os_str().is_empty() || r.real.is_dir() || !parent_is_dir {
            return Err(write_error(path));
        }
        // The real file system would refuse it; the overlay refuses alike.
        if let Some(why) = regular_file::write_refusal(&r.real) {
            return Err(refusal_error("write", path, &why));
        }
        self.files.insert(r.key, data.to_owned());
        Ok(())
    }
}

/// The real file system, for `--real` runs: paths relative to the current
/// directory, no sandbox, same error messages as [`OverlayFs`].
#[derive(Clone, Copy, Debug)]
pub struct RealFs {
    max_read_size: u64,
}

impl Default for RealFs {
    fn default() -> Self {
        RealFs {
            max_read_size: DEFAULT_MAX_READ_SIZE,
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
}

impl FileSystem for RealFs {
    fn read(&mut self, path: &str) -> Result<String, String> {
        if path.len() > MAX_PATH_LEN {
            return Err(too_long_error("read", path));
        }
        regular_file::read(Path::new(path), self.max_read_size)
            .map_err(|why| refusal_error("read", path, &why))
    }

    fn write(&mut self, path: &str, data: &str) -> Result<(), String> {
        if path.len() > MAX_PATH_LEN {
            return Err(too_long_error("write", path));
        }
        regular_file::write(Path::new(path), data).map_err(|why| refusal_error("write", path, &why))
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
    fn escapes_are_refused() {
        let t = TempDir::new("escape");
        t.file("inside/f.txt", b"f");
        let mut fs = OverlayFs::new(t.path().join("inside"));
        for p in [
            "../x",
            "../inside/../../etc/passwd",
            "/etc/passwd",
            "a/../../x",
        ] {
            assert_eq!(
                fs.read(p).unwrap_err(),
                format!("Failed to read file '{p}': path escapes the sandbox root (--root)")
            );
            assert_eq!(
                fs.write(p, "no").unwrap_err(),
                format!("Failed to write file '{p}': path escapes the sandbox root (--root)")
            );
        }
        // Going out and back in is fine: `..` is lexical.
        assert_eq!(fs.read("../inside/f.txt").unwrap(), "f");
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
        assert!(fs.write("out/new.txt", "x").is_err());
        assert!(fs.write("s.txt", "x").is_err());
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
        // A dangling link out of the root is refused too.
        assert_eq!(
            fs.write("out", "x").unwrap_err(),
            "Failed to write file 'out': path escapes the sandbox root (--root)"
        );
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
