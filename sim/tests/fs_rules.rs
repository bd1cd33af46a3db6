//! The rules both file systems apply to host files: only regular files are
//! read or written (a FIFO or a device fails at once, never blocks or reads
//! forever), reads are bounded, paths are bounded, a path that names a
//! directory is never a file, and the simulation agrees with the real file
//! system on what succeeds.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use gene_sim::fs::{FileSystem, MAX_PATH_LEN, OverlayFs, RealFs};

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "gene-sim-fs-rules-{}-{tag}-{n}",
            std::process::id()
        ));
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

    fn abs(&self, rel: &str) -> String {
        self.0.join(rel).display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

#[test]
fn reading_or_writing_a_fifo_fails_at_once_instead_of_blocking() {
    let t = TempDir::new("fifo");
    mkfifo(&t.path().join("pipe"));
    let mut sim = OverlayFs::new(t.path().to_path_buf());
    let message = "Failed to read file 'pipe': not a regular file (a FIFO)";
    assert_eq!(sim.read("pipe").unwrap_err(), message);
    assert_eq!(
        sim.write("pipe", "x").unwrap_err(),
        "Failed to write file 'pipe': not a regular file (a FIFO)"
    );
    let p = t.abs("pipe");
    let mut real = RealFs::new();
    assert_eq!(
        real.read(&p).unwrap_err(),
        format!("Failed to read file '{p}': not a regular file (a FIFO)")
    );
    // Without a reader, a blocking open for writing would wait forever.
    assert!(real.write(&p, "x").is_err());
}

#[test]
fn reading_a_character_device_fails_at_once_instead_of_reading_forever() {
    // The real file system reaches /dev/zero directly.
    let mut real = RealFs::new();
    assert_eq!(
        real.read("/dev/zero").unwrap_err(),
        "Failed to read file '/dev/zero': not a regular file (a character device)"
    );
    // Inside the root, a device node can only be made by root; other users
    // skip this part (the RealFs case above covers the same check).
    let t = TempDir::new("chardev");
    let node = std::ffi::CString::new(t.abs("zero")).unwrap();
    // SAFETY: a valid NUL-terminated path; mknod only creates a node.
    let made = unsafe { libc::mknod(node.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 5)) };
    if made == 0 {
        let mut sim = OverlayFs::new(t.path().to_path_buf());
        assert_eq!(
            sim.read("zero").unwrap_err(),
            "Failed to read file 'zero': not a regular file (a character device)"
        );
        assert!(sim.write("zero", "x").is_err());
    }
}

#[test]
fn reads_larger_than_the_limit_fail_with_a_clear_error() {
    let t = TempDir::new("limit");
    t.file("ten.txt", b"0123456789");
    t.file("eleven.txt", b"0123456789a");
    let mut sim = OverlayFs::new(t.path().to_path_buf()).with_max_read_size(10);
    let mut real = RealFs::new().with_max_read_size(10);
    assert_eq!(sim.read("ten.txt").unwrap(), "0123456789");
    assert_eq!(real.read(&t.abs("ten.txt")).unwrap(), "0123456789");
    let too_large = |p: &str| {
        format!(
            "Failed to read file '{p}': larger than the read limit of 10 bytes (--max-read-size)"
        )
    };
    assert_eq!(sim.read("eleven.txt").unwrap_err(), too_large("eleven.txt"));
    let p = t.abs("eleven.txt");
    assert_eq!(real.read(&p).unwrap_err(), too_large(&p));
    // The in-memory layer has the same limit.
    sim.write("mem.txt", "0123456789ab").unwrap();
    assert_eq!(sim.read("mem.txt").unwrap_err(), too_large("mem.txt"));
}

#[test]
fn utf8_is_kept_and_invalid_bytes_are_replaced() {
    let t = TempDir::new("utf8");
    t.file("good", "héllo".as_bytes());
    t.file("bad", &[b'a', 0xff, b'b']);
    let mut sim = OverlayFs::new(t.path().to_path_buf());
    assert_eq!(sim.read("good").unwrap(), "héllo");
    assert_eq!(sim.read("bad").unwrap(), "a\u{fffd}b");
}

#[test]
fn absurdly_long_paths_fail_with_a_clear_error() {
    let t = TempDir::new("long");
    let mut sim = OverlayFs::new(t.path().to_path_buf());
    let long = "a/".repeat(MAX_PATH_LEN);
    let message = format!(
        "Failed to read file '{}...': path longer than {MAX_PATH_LEN} bytes",
        &long[..64]
    );
    assert_eq!(sim.read(&long).unwrap_err(), message);
    assert_eq!(RealFs::new().read(&long).unwrap_err(), message);
    assert!(sim.write(&long, "x").is_err());
    // Just under the limit is an ordinary missing file.
    let under = "a".repeat(MAX_PATH_LEN);
    assert_eq!(
        sim.read(&under).unwrap_err(),
        format!("Failed to read file '{under}': cannot open: {under}")
    );
}

#[test]
fn escape_errors_do_not_name_the_host_root() {
    let t = TempDir::new("escape-message");
    let mut sim = OverlayFs::new(t.path().to_path_buf());
    let root = sim.root().display().to_string();
    for p in ["../x", "/etc/passwd"] {
        let e = sim.read(p).unwrap_err();
        assert_eq!(
            e,
            format!("Failed to read file '{p}': path escapes the sandbox root (--root)")
        );
        assert!(!e.contains(&root));
        // Writes never touch the disk: any path is written in memory.
        sim.write(p, "x").unwrap();
        assert_eq!(sim.read(p).unwrap(), "x");
    }
}

/// One step of the parity test: a read or a write of a path.
enum Call {
    Read(&'static str),
    Write(&'static str),
}

#[test]
fn trailing_slashes_and_directory_names_agree_with_the_real_file_system() {
    // Two identical trees: RealFs writes to its own, the overlay to memory.
    let real_tree = TempDir::new("parity-real");
    let sim_tree = TempDir::new("parity-sim");
    for t in [&real_tree, &sim_tree] {
        t.file("in.txt", b"in");
        t.file("dir/f.txt", b"f");
    }
    // Both resolve the same relative paths against their tree.
    let mut real = RealFs::new().with_cwd(real_tree.path().to_path_buf());
    let mut sim = OverlayFs::new(sim_tree.path().to_path_buf());
    use Call::*;
    let calls = [
        Read("in.txt"),
        Read("in.txt/"),
        Read("in.txt/."),
        Read("in.txt/.."),
        Read("in.txt/x"),
        Read("dir"),
        Read("dir/"),
        Read("dir/."),
        Read("dir/f.txt"),
        Read("dir/f.txt/"),
        Read("missing"),
        Read("missing/"),
        Write("in.txt/"),
        Write("in.txt/."),
        Write("new.txt/"),
        Write("dir/"),
        Write("dir/."),
        Write("in.txt/x"),
        // Files written by the program: the in-memory layer follows the
        // same rules as the disk.
        Write("mem.txt"),
        Read("mem.txt"),
        Read("mem.txt/"),
        Read("mem.txt/."),
        Write("mem.txt/"),
        Write("mem.txt/x"),
        Write("in.txt"),
        Read("in.txt/"),
        Read("in.txt"),
    ];
    for call in calls {
        let (name, r, s) = match call {
            Read(p) => (
                format!("read {p}"),
                real.read(p).map(drop),
                sim.read(p).map(drop),
            ),
            Write(p) => (
                format!("write {p}"),
                real.write(p, "data"),
                sim.write(p, "data"),
            ),
        };
        assert_eq!(r.is_ok(), s.is_ok(), "{name}: real {r:?}, simulated {s:?}");
    }
    // And the simulated failures use upstream's message.
    assert_eq!(
        sim.read("in.txt/").unwrap_err(),
        "Failed to read file 'in.txt/': cannot open: in.txt/"
    );
}
