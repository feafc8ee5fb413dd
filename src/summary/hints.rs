//! The crate's only `unsafe` calls: hints to the processor and the kernel, each wrapped in
//! a safe function. None changes what any value is; they only change how fast memory is
//! reached.
//!
//! Owns: every `unsafe` call of the crate (processor prefetch, `madvise`), each behind a
//! safe function, and the process-wide switch for the kernel hints. Relies on: `libc` on
//! Linux (elsewhere the kernel hints do nothing). Must not: change a value or a result,
//! advise memory it did not just allocate, or advise the kernel at all unless the program
//! turned the hints on ([`set_kernel_memory_hints`], off by default).
//!
//! * [`prefetch_read`]: summarising a large log waits on one cache miss per row (a random
//!   customer's slot). Asking the processor to start loading a slot some rows ahead lets
//!   many misses overlap while earlier rows are processed; measured on the 1e7-row
//!   benchmark this is about a third faster than touching slots with ordinary loads.
//! * [`vec_with_huge_pages`] / [`advise_huge_pages`] (Linux): the customer table of a
//!   million customers is over a hundred megabytes, read at random. In 4 KiB pages every
//!   access misses the TLB and filling the table costs a page fault per 4 KiB; backed by
//!   2 MiB transparent huge pages both mostly vanish.
//! * [`vec_prefaulted`] (Linux ≥ 5.14): the finished summaries of a million customers are
//!   160 MB written once, front to back. Asking the kernel to map all their pages in one
//!   call saves ~40,000 separate page faults. (Huge pages are not asked for here: they
//!   can stall the first write for a compaction, measured at +0.3 s now and then.)
//!
//! On the 1e7-row benchmark the two kernel hints together took a run from 0.63 s to
//! 0.54 s (see `docs/benchmarks.md`). Each is advice: where the kernel lacks or refuses
//! it, nothing changes but speed. See `docs/design.md` ("`unsafe`: hints") for why each
//! call is sound.
//!
//! The kernel hints are **off unless the program opts in** ([`set_kernel_memory_hints`]):
//! huge-page advice belongs to the memory region and outlives the buffer, so in a host
//! program it can change how much memory later, unrelated allocations keep resident. The
//! main example, the command and the benches turn them on. The processor prefetch,
//! which changes nothing outside the call, is always used.

use std::sync::atomic::{AtomicBool, Ordering};

static KERNEL_HINTS: AtomicBool = AtomicBool::new(false);

/// Turns the kernel memory hints of the bulk summary paths on or off for the whole
/// process (off by default): `MADV_HUGEPAGE` on large customer tables and
/// `MADV_POPULATE_WRITE` on large outputs (Linux; elsewhere nothing happens). They make
/// summarising millions of customers ~15 % faster, but huge-page advice stays on the
/// memory after the buffer is freed, so a program that embeds the crate decides. Results
/// are the same either way.
///
/// # Examples
///
/// ```
/// use customer_value::summary::{kernel_memory_hints, set_kernel_memory_hints};
///
/// assert!(!kernel_memory_hints());
/// set_kernel_memory_hints(true); // a batch job that owns its process
/// assert!(kernel_memory_hints());
/// # set_kernel_memory_hints(false);
/// ```
pub fn set_kernel_memory_hints(on: bool) {
    KERNEL_HINTS.store(on, Ordering::Relaxed);
}

/// Whether the kernel memory hints are on (see [`set_kernel_memory_hints`]).
///
/// # Examples
///
/// ```
/// use customer_value::summary::kernel_memory_hints;
///
/// // Off by default: an embedded library leaves the host's memory advice alone.
/// assert!(!kernel_memory_hints());
/// ```
#[must_use]
pub fn kernel_memory_hints() -> bool {
    KERNEL_HINTS.load(Ordering::Relaxed)
}

/// Hints that `value` will be read soon (a no-op where no stable prefetch exists).
#[inline(always)]
#[allow(unsafe_code)]
pub(crate) fn prefetch_read<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` (SSE, part of the x86_64 baseline) only hints the cache; it
    // cannot fault or write, and `value` is a live reference.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// Buffers smaller than this are not worth a system call (a huge page is 2 MiB).
const ADVICE_MIN_BYTES: usize = 2 << 20;

/// What to ask of the kernel for a buffer.
#[derive(Clone, Copy)]
enum Advice {
    /// Back it with transparent huge pages as it is touched.
    HugePages,
    /// Map all its pages now, for writing.
    Prefault,
}

/// An empty vector with room for `capacity` values whose buffer, when large, the kernel is
/// asked to back with transparent huge pages (for big tables read at random).
pub(crate) fn vec_with_huge_pages<T>(capacity: usize) -> Vec<T> {
    let v = Vec::with_capacity(capacity);
    advise(&v, Advice::HugePages);
    v
}

/// An empty vector with room for `capacity` values whose pages, when large, are mapped at
/// once (for big outputs written front to back).
pub(crate) fn vec_prefaulted<T>(capacity: usize) -> Vec<T> {
    let v = Vec::with_capacity(capacity);
    advise(&v, Advice::Prefault);
    v
}

/// Asks for huge pages for `v`'s spare capacity; call it right after the buffer grew, before
/// the new part is written (the advice applies to pages not yet touched).
pub(crate) fn advise_huge_pages<T>(v: &Vec<T>) {
    advise(v, Advice::HugePages);
}

/// Gives `advice` for the whole pages inside `v`'s buffer (its capacity, not only its
/// length). Errors (an old kernel, THP disabled) are ignored: the buffer works the same
/// either way. Nothing happens off Linux or for buffers under 2 MiB.
///
/// The huge-page advice belongs to the memory region, not to the vector: after the vector
/// is freed, the allocator may reuse that memory for other allocations, which are then
/// backed by huge pages too (possibly more resident memory, never different values).
#[allow(unsafe_code)]
fn advise<T>(v: &Vec<T>, advice: Advice) {
    let bytes = v.capacity().saturating_mul(std::mem::size_of::<T>());
    if bytes < ADVICE_MIN_BYTES || !kernel_memory_hints() {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        // Rounded inwards to 64 KiB, a multiple of every Linux page size in use (4, 16 and
        // 64 KiB), so the range is whole pages whatever the kernel's page size.
        const PAGE: usize = 64 << 10;
        let start = v.as_ptr().addr();
        let first = start.next_multiple_of(PAGE);
        let end = start.saturating_add(bytes) / PAGE * PAGE;
        let flag = match advice {
            Advice::HugePages => libc::MADV_HUGEPAGE,
            Advice::Prefault => libc::MADV_POPULATE_WRITE,
        };
        if end > first {
            // SAFETY: `[first, end)` is whole pages inside `v`'s own live allocation
            // (`start .. start + bytes` is its buffer; both ends are rounded inwards to a
            // multiple of the page size), so no other live allocation is affected. `MADV_HUGEPAGE` only changes the page size
            // the kernel backs those pages with; `MADV_POPULATE_WRITE` only maps them now
            // instead of at first write, leaving the contents (uninitialised spare
            // capacity that is not read) as they are. Neither changes the mapping's
            // address or permissions; the call takes no Rust reference and its result is
            // only a status.
            let _ =
                unsafe { libc::madvise(v.as_ptr().with_addr(first).cast_mut().cast(), end - first, flag) };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = advice;
}
