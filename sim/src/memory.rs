//! Counting the memory a run allocates, for `RunConfig::max_memory`.
//!
//! `Counting` wraps mimalloc and keeps a per-thread balance of
//! bytes allocated minus bytes freed. A run happens on one thread, so the
//! driver reads the balance when the run starts and at every poll, and ends
//! the run when the difference passes the bound. Everything the run holds
//! counts: its values, the VM's stacks, and a trace collected in memory.
//!
//! The binaries install it (`#[global_allocator]`); without it the balance
//! stays 0 and `max_memory` never trips. They also call [`tune`] first.
//!
//! Why mimalloc and not the system allocator: a run allocates and frees
//! small objects at a high rate (futures, frames, trace fields), and glibc's
//! malloc spent about a third of an exploration's instructions in
//! `_int_malloc`, `_int_free` and `malloc_consolidate` (callgrind, 2026-12-03;
//! BENCHMARKS.md). The allocator changes no output: nothing in a run
//! depends on addresses.

use mimalloc::MiMalloc;
use std::alloc::{GlobalAlloc, Layout};
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

/// mimalloc's option `mi_option_purge_delay` (`mimalloc.h`, v2: the
/// sixteenth option); `libmimalloc-sys` names no constant for it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets the allocator's options, before the process allocates much: memory
/// a run frees is kept for the next allocation instead of being returned
/// to the system after 10 ms. Returning it cost up to 0.3 s of system time
/// on the million-timer workload, in `madvise` calls and the page faults
/// that follow; the peak resident memory is the same either way. Setting
/// `MIMALLOC_PURGE_DELAY` in the environment overrides this.
pub fn tune() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // Safety: `mi_option_set` takes any option id and value, and only
        // stores it; mimalloc reads options under its own synchronisation.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    }
}

/// mimalloc, counting per thread.
pub struct Counting;

// Safety: every call is forwarded to `MiMalloc` unchanged; the counting
// touches only a const thread-local cell.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { MiMalloc.alloc(layout) };
        if !p.is_null() {
            add(layout.size() as i64);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { MiMalloc.alloc_zeroed(layout) };
        if !p.is_null() {
            add(layout.size() as i64);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { MiMalloc.dealloc(ptr, layout) };
        add(-(layout.size() as i64));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { MiMalloc.realloc(ptr, layout, new_size) };
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
    use super::{MI_OPTION_PURGE_DELAY, parse_size, tune};

    #[test]
    fn tune_sets_the_purge_delay() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return; // the environment decides; `tune` leaves it alone
        }
        // Safety: reading an option has no precondition.
        let get = |o| unsafe { libmimalloc_sys::mi_option_get(o) };
        // mimalloc.h (v2): the purge delay defaults to 10 ms, and its
        // neighbours are `eager_commit_delay` (1) and `use_numa_nodes` (0).
        assert_eq!(get(MI_OPTION_PURGE_DELAY), 10, "not the purge delay");
        assert_eq!(get(MI_OPTION_PURGE_DELAY - 1), 1);
        tune();
        assert_eq!(get(MI_OPTION_PURGE_DELAY), -1);
    }

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
