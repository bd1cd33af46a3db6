//! Input and output files of the tools: an input that cannot be opened is
//! a usage error (status 2), and so is an output path that names an input
//! (the same file, however it is spelled: another relative path, a
//! symbolic link or a hard link), so that no command destroys what it reads.
//!
//! Also where a run's simulated file system lies ([`world_dirs`]): the root
//! it overlays and the working directory relative paths resolve against.

use std::path::{Path, PathBuf};

/// The root and the working directory (relative to the root) of a run, from
/// the process's working directory `here` and the `--root` and `--cwd`
/// flags:
/// - the root is `--root` (made absolute against `here`), else the nearest
///   ancestor of `here` (itself included) holding a `.git` entry (a
///   directory, or the file of a worktree or submodule), else `here`;
/// - the working directory is `--cwd` (against `here`; it must be an
///   existing directory inside the root), else `here` when it lies inside
///   the root, else the root itself.
///
/// Both are compared canonically (symlinks resolved). `Err` is a usage
/// error's message.
pub fn world_dirs(
    here: &Path,
    root: Option<&Path>,
    cwd: Option<&Path>,
) -> Result<(PathBuf, PathBuf), String> {
    let here = canonical(here);
    let root = match root {
        Some(r) => canonical(&here.join(r)),
        None => enclosing_repository(&here).unwrap_or_else(|| here.clone()),
    };
    let cwd = match cwd {
        Some(c) => {
            let dir = here.join(c);
            if !dir.is_dir() {
                return Err(format!("--cwd {}: no such directory", c.display()));
            }
            let dir = canonical(&dir);
            match dir.strip_prefix(&root) {
                Ok(rel) => rel.to_path_buf(),
                Err(_) => {
                    return Err(format!(
                        "--cwd {} is outside the root {} (--root)",
                        c.display(),
                        root.display()
                    ));
                }
            }
        }
        None => here
            .strip_prefix(&root)
            .map(Path::to_path_buf)
            .unwrap_or_default(),
    };
    let cwd = if cwd.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        cwd
    };
    Ok((root, cwd))
}

/// `p` with symlinks resolved, or as it is when it does not exist.
fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The nearest ancestor of `dir` (itself included) that holds `.git`.
fn enclosing_repository(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|a| std::fs::symlink_metadata(a.join(".git")).is_ok())
        .map(Path::to_path_buf)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory tree under the temp dir, removed on drop.
    struct Tree(PathBuf);

    impl Tree {
        fn new(tag: &str) -> Tree {
            let dir = std::env::temp_dir().join(format!("gene-paths-{}-{tag}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Tree(canonical(&dir))
        }

        fn dir(&self, rel: &str) -> PathBuf {
            let p = self.0.join(rel);
            std::fs::create_dir_all(&p).unwrap();
            p
        }
    }

    impl Drop for Tree {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn rel(p: &str) -> PathBuf {
        PathBuf::from(p)
    }

    #[test]
    fn the_root_is_the_enclosing_repository() {
        let t = Tree::new("repo");
        let repo = t.dir("checkout");
        t.dir("checkout/.git");
        let suite = t.dir("checkout/testsuite/async");
        assert_eq!(
            world_dirs(&suite, None, None).unwrap(),
            (repo.clone(), rel("testsuite/async"))
        );
        assert_eq!(
            world_dirs(&repo, None, None).unwrap(),
            (repo.clone(), rel("."))
        );
        // A worktree's `.git` is a file.
        let wt = t.dir("worktree");
        std::fs::write(wt.join(".git"), "gitdir: elsewhere").unwrap();
        let sub = t.dir("worktree/sub");
        assert_eq!(world_dirs(&sub, None, None).unwrap(), (wt, rel("sub")));
    }

    #[test]
    fn without_a_repository_the_root_is_the_working_directory() {
        let t = Tree::new("plain");
        let d = t.dir("a/b");
        // The temp dir itself lies in no repository on a sane machine; if
        // it does, the rule above applies and this case cannot be checked.
        if enclosing_repository(&t.0).is_none() {
            assert_eq!(world_dirs(&d, None, None).unwrap(), (d.clone(), rel(".")));
        }
    }

    #[test]
    fn root_and_cwd_flags() {
        let t = Tree::new("flags");
        let top = t.dir("top");
        t.dir("top/.git");
        let suite = t.dir("top/suite");
        let other = t.dir("other");
        // --root relative to where the tool runs.
        assert_eq!(
            world_dirs(&suite, Some(Path::new("..")), None).unwrap(),
            (top.clone(), rel("suite"))
        );
        // Run from outside the root: the working directory is the root.
        assert_eq!(
            world_dirs(&other, Some(&top), None).unwrap(),
            (top.clone(), rel("."))
        );
        // --cwd against where the tool runs, inside the root.
        assert_eq!(
            world_dirs(&top, None, Some(Path::new("suite"))).unwrap(),
            (top.clone(), rel("suite"))
        );
        assert_eq!(
            world_dirs(&suite, Some(&top), Some(Path::new("."))).unwrap(),
            (top.clone(), rel("suite"))
        );
        let e = world_dirs(&suite, Some(&suite), Some(Path::new(".."))).unwrap_err();
        assert!(e.starts_with("--cwd .. is outside the root "), "{e}");
        let e = world_dirs(&top, None, Some(Path::new("missing"))).unwrap_err();
        assert_eq!(e, "--cwd missing: no such directory");
    }
}
