//! Placing a path on disk: the canonical form (symlinks resolved) of its
//! longest existing prefix, followed by the components that do not exist.
//!
//! `std::fs::canonicalize` costs a walk of the whole prefix for every
//! component (each `lstat` of a prefix walks it again), and searching for
//! the longest existing prefix with it multiplies that again. On Unix this
//! module walks forward once instead, holding the current directory open
//! and looking each component up relative to it, so a path of `n`
//! components costs `O(n)` lookups (plus those of the symlinks it meets).

use std::path::{Component, Path, PathBuf};

/// Symlinks followed in one resolution before giving up (Linux's limit).
const MAX_SYMLINKS: u32 = 40;

/// `path` (absolute, with no `.` or `..`) with its longest existing prefix
/// canonicalized. None when not even `/` can be looked at, or on a symlink
/// loop.
pub fn longest_existing_prefix(path: &Path) -> Option<PathBuf> {
    #[cfg(unix)]
    {
        unix::walk(path)
    }
    #[cfg(not(unix))]
    {
        by_search(path)
    }
}

/// The portable way: a binary search for the longest prefix that
/// `canonicalize` accepts (whether a prefix resolves is monotone along the
/// path).
#[cfg(not(unix))]
fn by_search(path: &Path) -> Option<PathBuf> {
    let parts: Vec<Component> = path.components().collect();
    let prefix = |k: usize| parts[..k].iter().collect::<PathBuf>();
    let (found, canonical) = match std::fs::canonicalize(path) {
        Ok(c) => (parts.len(), c),
        Err(_) => {
            let (mut lo, mut hi) = (0, parts.len());
            let mut best = None;
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                match std::fs::canonicalize(prefix(mid)) {
                    Ok(c) => {
                        lo = mid;
                        best = Some(c);
                    }
                    Err(_) => hi = mid,
                }
            }
            (lo, best?)
        }
    };
    let mut real = canonical;
    for c in &parts[found..] {
        real.push(c);
    }
    Some(real)
}

/// Appends `tail` to `real`, applying `..` lexically (it can come from a
/// symlink's target, below a component that does not exist).
fn push_tail(real: &mut PathBuf, tail: impl IntoIterator<Item = std::ffi::OsString>) {
    for name in tail {
        if name == ".." {
            real.pop();
        } else if name != "." && !name.is_empty() {
            real.push(name);
        }
    }
}

fn normal_names(path: &Path) -> impl Iterator<Item = std::ffi::OsString> + '_ {
    path.components().filter_map(|c| match c {
        Component::Normal(s) => Some(s.to_os_string()),
        Component::ParentDir => Some("..".into()),
        _ => None,
    })
}

#[cfg(unix)]
mod unix {
    use std::collections::VecDeque;
    use std::ffi::{CString, OsString};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    use std::path::{Path, PathBuf};

    use super::{MAX_SYMLINKS, normal_names, push_tail};

    /// Flags for holding a directory open only to look names up in it.
    #[cfg(target_os = "linux")]
    const DIR_FLAGS: libc::c_int =
        libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    #[cfg(not(target_os = "linux"))]
    const DIR_FLAGS: libc::c_int =
        libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;

    fn open_dir(at: libc::c_int, name: &CString) -> Option<OwnedFd> {
        // SAFETY: `name` is NUL-terminated; the fd returned is ours to own.
        let fd = unsafe { libc::openat(at, name.as_ptr(), DIR_FLAGS) };
        // SAFETY: a fresh, valid descriptor nothing else owns.
        (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
    }

    /// What `name` is in directory `at`, without following a symlink.
    fn kind(at: libc::c_int, name: &CString) -> Option<libc::mode_t> {
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: valid fd and NUL-terminated name; `st` is written on success.
        let r = unsafe {
            libc::fstatat(
                at,
                name.as_ptr(),
                st.as_mut_ptr(),
                libc::AT_SYMLINK_NOFOLLOW,
            )
        };
        // SAFETY: fstatat succeeded, so it filled `st`.
        (r == 0).then(|| unsafe { st.assume_init() }.st_mode & libc::S_IFMT)
    }

    fn read_link(at: libc::c_int, name: &CString) -> Option<PathBuf> {
        let mut buf = vec![0u8; libc::PATH_MAX as usize];
        // SAFETY: `buf` has room for `buf.len()` bytes.
        let n = unsafe { libc::readlinkat(at, name.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 || n as usize >= buf.len() {
            return None;
        }
        buf.truncate(n as usize);
        Some(PathBuf::from(OsString::from_vec(buf)))
    }

    pub(super) fn walk(path: &Path) -> Option<PathBuf> {
        let root = CString::new("/").ok()?;
        let mut dir = open_dir(libc::AT_FDCWD, &root)?;
        // The canonical path of `dir`.
        let mut real = PathBuf::from("/");
        let mut pending: VecDeque<OsString> = normal_names(path).collect();
        let mut links = 0;
        while let Some(name) = pending.pop_front() {
            if name == "." || name.is_empty() {
                continue;
            }
            let c_name = CString::new(name.as_bytes()).ok()?;
            if name == ".." {
                // `real` has no symlinks, so its parent is `..` on disk.
                if real.pop() {
                    dir = open_dir(dir.as_raw_fd(), &c_name)?;
                }
                continue;
            }
            let Some(mode) = kind(dir.as_raw_fd(), &c_name) else {
                // Missing (or not searchable): the rest does not exist.
                pending.push_front(name);
                break;
            };
            match mode {
                libc::S_IFLNK => {
                    links += 1;
                    if links > MAX_SYMLINKS {
                        return None;
                    }
                    let target = read_link(dir.as_raw_fd(), &c_name)?;
                    if target.is_absolute() {
                        dir = open_dir(libc::AT_FDCWD, &root)?;
                        real = PathBuf::from("/");
                    }
                    for t in normal_names(&target).collect::<Vec<_>>().into_iter().rev() {
                        pending.push_front(t);
                    }
                }
                libc::S_IFDIR => match open_dir(dir.as_raw_fd(), &c_name) {
                    Some(next) => {
                        dir = next;
                        real.push(&name);
                    }
                    None => {
                        pending.push_front(name);
                        break;
                    }
                },
                _ => {
                    // A file: nothing below it exists.
                    real.push(&name);
                    break;
                }
            }
        }
        push_tail(&mut real, pending);
        Some(real)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_canonicalize_on_existing_paths() {
        let dir = std::env::temp_dir().join(format!("gene-sim-resolve-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("a/b")).unwrap();
        std::fs::write(dir.join("a/b/f"), "f").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("a/b", dir.join("rel")).unwrap();
            std::os::unix::fs::symlink(dir.join("a"), dir.join("abs")).unwrap();
            std::os::unix::fs::symlink("../b/f", dir.join("a/b/up")).unwrap();
            std::os::unix::fs::symlink("loop", dir.join("loop")).unwrap();
        }
        let base = std::fs::canonicalize(&dir).unwrap();
        for p in ["a/b/f", "rel/f", "abs/b/f", "a/b/up", "a", "rel"] {
            let path = dir.join(p);
            assert_eq!(
                longest_existing_prefix(&path),
                std::fs::canonicalize(&path).ok(),
                "{p}"
            );
        }
        // Missing tails stay as written, after the canonical prefix.
        assert_eq!(
            longest_existing_prefix(&dir.join("rel/x/y")),
            Some(base.join("a/b/x/y"))
        );
        assert_eq!(
            longest_existing_prefix(&dir.join("a/b/f/x")),
            Some(base.join("a/b/f/x"))
        );
        assert_eq!(longest_existing_prefix(&dir.join("loop/x")), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
