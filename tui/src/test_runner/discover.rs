//! Which files `gene-trace test` runs, and where each runs from.
//!
//! Each PATH is a file or a folder searched recursively for `*.gene`
//! files. A file runs with the working directory upstream's
//! `testsuite/run_tests.sh` gives it: that script changes into its own
//! folder, the top of the suite, and runs every file by its path relative
//! to it. So the working directory of a file is the folder named on the
//! command line (for a file named directly, the folder holding it), and
//! the program is named by its path relative to that folder. `--cwd DIR`
//! gives every file the working directory DIR instead. The root the
//! simulated file system reads is `--root`, else the nearest ancestor of
//! the working directory holding `.git`, else the working directory.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::explore::Shard;

/// One test file.
#[derive(Clone, Debug)]
pub struct TestFile {
    /// The path as shown: the PATH argument joined with the file's path
    /// under it (`fixtures/basics/01_x.gene`), also what the filter matches.
    pub display: String,
    /// The file to read.
    pub path: PathBuf,
    /// The program's name in its errors: its path relative to `dir`.
    pub name: String,
    /// The working directory as typed (`fixtures`, `.`), for the commands
    /// that reproduce a run.
    pub dir: PathBuf,
    /// The simulated file system's root (absolute) and the working
    /// directory relative to it.
    pub root: PathBuf,
    pub cwd: PathBuf,
}

/// What the command line selects: the files, and how many were left out.
#[derive(Debug, Default)]
pub struct Selection {
    pub files: Vec<TestFile>,
    /// Left out by the name filter.
    pub filtered_out: usize,
    /// Left to the other shards.
    pub other_shards: usize,
}

/// `p` without a leading `./`, `.` for the empty path.
fn shown(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    let s = s.strip_prefix("./").unwrap_or(&s).to_string();
    if s.is_empty() { ".".into() } else { s }
}

/// The files under `paths` (the current folder when empty), in display
/// order, each once, with the filters (any may match; none: all) and the
/// shard applied. `Err` is a usage error: a PATH that does not exist or
/// holds no `*.gene` file, a `--root` or `--cwd` that does not fit.
pub fn select(
    paths: &[PathBuf],
    root: Option<&Path>,
    cwd: Option<&Path>,
    filters: &[String],
    shard: Shard,
) -> Result<Selection, String> {
    let here =
        std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut seen = BTreeSet::new();
    let mut all = Vec::new();
    for arg in paths {
        let meta =
            std::fs::metadata(arg).map_err(|e| format!("cannot open {}: {e}", arg.display()))?;
        let (dir, found) = if meta.is_dir() {
            let found = gene_sim::fixture::gene_files(arg);
            if found.is_empty() {
                return Err(format!("no *.gene file under {}", arg.display()));
            }
            (arg.clone(), found)
        } else {
            let parent = arg.parent().filter(|p| !p.as_os_str().is_empty());
            (
                parent.map_or_else(|| PathBuf::from("."), Path::to_path_buf),
                vec![arg.clone()],
            )
        };
        let dir = cwd.map_or(dir, Path::to_path_buf);
        // The root: --root, else the repository around the working directory.
        let root = match root {
            Some(r) => here.join(r),
            None => crate::paths::world_dirs(&here.join(&dir), None, None)?.0,
        };
        let (root, rel_cwd) = crate::paths::world_dirs(&here, Some(&root), Some(&dir))?;
        let canon_dir = std::fs::canonicalize(&dir).unwrap_or_else(|_| here.join(&dir));
        for path in found {
            let canon = std::fs::canonicalize(&path).unwrap_or_else(|_| here.join(&path));
            if !seen.insert(canon.clone()) {
                continue;
            }
            let display = match path.strip_prefix(arg) {
                Ok(rel) if meta.is_dir() => shown(&arg.join(rel)),
                _ => shown(&path),
            };
            let name = match canon.strip_prefix(&canon_dir) {
                Ok(rel) => shown(rel),
                Err(_) => canon.to_string_lossy().into_owned(),
            };
            all.push(TestFile {
                display,
                path,
                name,
                dir: dir.clone(),
                root: root.clone(),
                cwd: rel_cwd.clone(),
            });
        }
    }
    all.sort_by(|a, b| a.display.cmp(&b.display));
    let before = all.len();
    all.retain(|f| filters.is_empty() || filters.iter().any(|x| f.display.contains(x.as_str())));
    let filtered_out = before - all.len();
    let kept = all.len();
    let files: Vec<TestFile> = all
        .into_iter()
        .enumerate()
        .filter(|(k, _)| (*k as u64) % shard.count == shard.index - 1)
        .map(|(_, f)| f)
        .collect();
    Ok(Selection {
        other_shards: kept - files.len(),
        files,
        filtered_out,
    })
}
