//! What the simulated file system learned about the real directory it
//! overlays, kept across runs.
//!
//! An [`OverlayFs`](crate::fs::OverlayFs) looks at the disk to place a path
//! (the canonical form of its longest existing prefix) and to check a
//! write (is the parent a directory, is the file a FIFO...). Those are a
//! few system calls per operation, and the simulated world never changes
//! the disk: many runs of one program (`explore`'s seeds, property runs,
//! `gene-trace test`) ask the same questions again and again. A [`Disk`]
//! answers each once and is shared by every run given it
//! (`RunConfig::disk`); runs without one look at the disk every time.
//!
//! The answers are those of the disk when first asked: a run with a `Disk`
//! does not see the real directory change after that. File contents are
//! never cached (a read reads the file).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crate::regular_file::Refusal;

/// Whether a write inside the root may go ahead, as the real file system
/// would decide it (the overlay keeps the data in memory either way).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteCheck {
    Fine,
    /// A directory, or the parent is not one: upstream's write error.
    Fails,
    /// A special file the real file system would refuse.
    Refused(Refusal),
}

impl WriteCheck {
    /// Looks at the disk: may `real` (absolute, its prefix canonical) be
    /// written?
    pub fn of(real: &Path) -> WriteCheck {
        let parent_is_dir = real.parent().is_some_and(Path::is_dir);
        if real.is_dir() || !parent_is_dir {
            return WriteCheck::Fails;
        }
        match crate::regular_file::write_refusal(real) {
            Some(why) => WriteCheck::Refused(why),
            None => WriteCheck::Fine,
        }
    }
}

#[derive(Default)]
struct Known {
    /// Absolute root as given -> canonical root.
    roots: BTreeMap<PathBuf, PathBuf>,
    /// Lexical absolute path -> its longest existing prefix canonicalized.
    places: BTreeMap<PathBuf, Option<PathBuf>>,
    /// Placed path -> the write check.
    writes: BTreeMap<PathBuf, WriteCheck>,
}

/// A shared memo of disk lookups (see the module documentation). Cheap to
/// clone: clones share it, across threads too.
#[derive(Clone, Default)]
pub struct Disk(Arc<Mutex<Known>>);

impl fmt::Debug for Disk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Disk")
    }
}

impl Disk {
    fn with<T>(&self, f: impl FnOnce(&mut Known) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// `look` of `key`, asked of the disk only the first time.
    fn memo<K: Ord + Clone, V: Clone>(
        &self,
        table: impl Fn(&mut Known) -> &mut BTreeMap<K, V>,
        key: &K,
        look: impl FnOnce() -> V,
    ) -> V {
        if let Some(v) = self.with(|k| table(k).get(key).cloned()) {
            return v;
        }
        // Looked up without the lock: two threads may both look, and agree.
        let v = look();
        self.with(|k| table(k).insert(key.clone(), v.clone()));
        v
    }

    /// The canonical form of `root` (see `OverlayFs::new`).
    pub fn root(&self, root: &Path, look: impl FnOnce() -> PathBuf) -> PathBuf {
        self.memo(|k| &mut k.roots, &root.to_path_buf(), look)
    }

    /// `crate::resolve::longest_existing_prefix` of `lexical`.
    pub fn place(&self, lexical: &Path) -> Option<PathBuf> {
        self.memo(
            |k| &mut k.places,
            &lexical.to_path_buf(),
            || crate::resolve::longest_existing_prefix(lexical),
        )
    }

    /// [`WriteCheck::of`] `real`.
    pub fn write_check(&self, real: &Path) -> WriteCheck {
        self.memo(
            |k| &mut k.writes,
            &real.to_path_buf(),
            || WriteCheck::of(real),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_stay_those_of_the_first_look() {
        let dir = std::env::temp_dir().join(format!("gene-disk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("sub").join("f.txt");
        let disk = Disk::default();
        assert_eq!(WriteCheck::of(&file), WriteCheck::Fails);
        assert_eq!(disk.write_check(&file), WriteCheck::Fails);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        // The disk changed: a fresh look sees it, the memo does not.
        assert_eq!(WriteCheck::of(&file), WriteCheck::Fine);
        assert_eq!(disk.write_check(&file), WriteCheck::Fails);
        assert_eq!(Disk::default().write_check(&file), WriteCheck::Fine);
        let canonical = std::fs::canonicalize(&dir).unwrap();
        assert_eq!(
            disk.place(&dir.join("sub/x")),
            Some(canonical.join("sub/x"))
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
