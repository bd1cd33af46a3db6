//! Counting the memory a run allocates, for `RunConfig::max_memory`.
//!
//! `Counting` wraps the system allocator and keeps a per-thread balance of
//! bytes allocated minus bytes freed. A run happens on one thread, so the
//! driver reads the balance when the run starts and at every poll, and ends
//! the run when the difference passes the bound. Everything the run holds
//! counts: its values, the VM's stacks, and a trace collected in memory.
//!
//! The binaries install it (`#[global_allocator]`); without it the balance
//! stays 0 and `max_memory` never trips.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    // Const-initialised with no destructor: touching it inside the
    // allocator never allocates and never races the thread's teardown.
    static BALANCE: Cell<i64> = const { Cell::new(0) };
}

fn add(bytes: i64) {
    let _ = BALANCE.try_with(|b| b.set(b.get().wrapping_add(bytes)));
}

/// Bytes allocated minus bytes freed on this thread since it began (while
/// `Counting` is the global allocator). Memory freed on another thread
/// than the one that allocated it makes the balances drift; differences
/// over a run on one thread stay exact.
pub fn thread_allocated() -> i64 {
    BALANCE.try_with(Cell::get).unwrap_or(0)
}

/// The system allocator, counting per thread.
pub struct Counting;

// Safety: every call is forwarded to `System` unchanged; the counting
// touches only a const thread-local cell.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            add(layout.size() as i64);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            add(layout.size() as i64);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        add(-(layout.size() as i64));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            add(new_size as i64 - layout.size() as i64);
        }
        p
    }
}

/// `512M`, `4G`, `1048576`: a byte count with an optional binary suffix
/// (K, M, G, T; KiB-style and B endings accepted), for `--max-memory`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let bad = || format!("bad size {s:?}: expected a number of bytes like 512M or 4G");
    let upper = s.trim().to_ascii_uppercase();
    let digits_end = upper
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(upper.len());
    let (num, suffix) = upper.split_at(digits_end);
    let shift = match suffix {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        "T" | "TB" | "TIB" => 40,
        _ => return Err(bad()),
    };
    let n: u64 = num.parse().map_err(|_| bad())?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("bad size {s:?}: too large"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_take_binary_suffixes() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("4G"), Ok(4 << 30));
        assert_eq!(parse_size("4g"), Ok(4 << 30));
        assert_eq!(parse_size("64KiB"), Ok(64 << 10));
        assert_eq!(parse_size("2MB"), Ok(2 << 20));
    }

    #[test]
    fn malformed_sizes_are_refused() {
        for bad in [
            "",
            "M",
            "-1",
            "1.5G",
            "4X",
            "99999999999999999999",
            "17179869184T",
            "1 G x",
            "iB",
            "5iB",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?} accepted");
        }
    }
}
