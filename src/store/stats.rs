//! What a store has done since it was opened: counters a service exports.

use core::sync::atomic::{AtomicU64, Ordering};

/// The live counters of a store, shared by its clones and its caches, one
/// per [`Counter`], at the counter's index.
#[derive(Debug, Default)]
pub(crate) struct Counters([AtomicU64; Counter::COUNT]);

/// Which counter to add to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Counter {
    Reads,
    RowsRead,
    Writes,
    RowsWritten,
    BytesWritten,
    Hits,
    Misses,
    Stale,
    Corrupt,
    Computed,
    Shared,
    WriteFailures,
}

impl Counter {
    /// How many counters there are.
    const COUNT: usize = Self::WriteFailures as usize + 1;
}

impl Counters {
    /// Adds `n` to `counter`.
    pub(crate) fn add(&self, counter: Counter, n: u64) {
        if let Some(cell) = self.0.get(counter as usize) {
            cell.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// The counters now, each field read from its own counter.
    pub(crate) fn snapshot(&self) -> StoreStats {
        let get = |c: Counter| {
            self.0
                .get(c as usize)
                .map_or(0, |a| a.load(Ordering::Relaxed))
        };
        StoreStats {
            reads: get(Counter::Reads),
            rows_read: get(Counter::RowsRead),
            writes: get(Counter::Writes),
            rows_written: get(Counter::RowsWritten),
            bytes_written: get(Counter::BytesWritten),
            hits: get(Counter::Hits),
            misses: get(Counter::Misses),
            stale: get(Counter::Stale),
            corrupt: get(Counter::Corrupt),
            computed: get(Counter::Computed),
            shared: get(Counter::Shared),
            write_failures: get(Counter::WriteFailures),
        }
    }
}

/// A snapshot of a store's counters since it was opened, shared by its
/// clones and the caches built on it ([`FactStore::stats`](super::FactStore::stats)).
/// Each counter only grows; a service exports them as monotonic counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreStats {
    /// Reads run (by keys or by filter, and the cache's lookups).
    pub reads: u64,
    /// Rows (facts) those reads returned.
    pub rows_read: u64,
    /// Write batches committed.
    pub writes: u64,
    /// Rows (for a paged store, facts) written.
    pub rows_written: u64,
    /// Bytes of packed facts written.
    pub bytes_written: u64,
    /// Keys the cache answered from the table.
    pub hits: u64,
    /// Keys the cache found nothing for.
    pub misses: u64,
    /// Keys the cache found only an older fact for (its source stamp below
    /// the one asked for).
    pub stale: u64,
    /// Cached facts whose bytes were corrupt, recomputed.
    pub corrupt: u64,
    /// Facts the cache's compute functions returned.
    pub computed: u64,
    /// Keys a cache call took from a concurrent call computing them.
    pub shared: u64,
    /// Cache write-backs that failed (the answers were still returned).
    pub write_failures: u64,
}
