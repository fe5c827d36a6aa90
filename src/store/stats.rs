//! What a store has done since it was opened: counters a service exports.

use core::sync::atomic::{AtomicU64, Ordering};

/// The live counters of a store, shared by its clones and its caches, one
/// per [`Counter`], at the counter's index.
#[derive(Debug, Default)]
pub(crate) struct Counters([AtomicU64; Counter::COUNT]);

/// Declares each counter once: its [`Counter`], and the [`StoreStats`]
/// field a snapshot reads it into.
macro_rules! counters {
    ($($(#[$doc:meta])* $field:ident: $counter:ident,)*) => {
        /// Which counter to add to.
        #[derive(Debug, Clone, Copy)]
        pub(crate) enum Counter {
            $($counter,)*
        }

        impl Counter {
            /// How many counters there are.
            const COUNT: usize = [$(Self::$counter),*].len();
        }

        /// A snapshot of a store's counters since it was opened, shared by
        /// its clones and the caches built on it
        /// ([`FactStore::stats`](super::FactStore::stats)). Each counter
        /// only grows; a service exports them as monotonic counters.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct StoreStats {
            $($(#[$doc])* pub $field: u64,)*
        }

        impl Counters {
            /// The counters now.
            pub(crate) fn snapshot(&self) -> StoreStats {
                StoreStats {
                    $($field: self.get(Counter::$counter),)*
                }
            }
        }
    };
}

counters! {
    /// Reads run (by keys or by filter, and the cache's lookups).
    reads: Reads,
    /// Rows (facts) those reads returned.
    rows_read: RowsRead,
    /// Write batches committed.
    writes: Writes,
    /// Rows (for a paged store, facts) written.
    rows_written: RowsWritten,
    /// Bytes of packed facts written.
    bytes_written: BytesWritten,
    /// Keys the cache answered from the table.
    hits: Hits,
    /// Keys the cache found nothing for.
    misses: Misses,
    /// Keys the cache found only an older fact for (its source stamp below
    /// the one asked for).
    stale: Stale,
    /// Cached facts whose bytes were corrupt, recomputed.
    corrupt: Corrupt,
    /// Facts the cache's compute functions returned.
    computed: Computed,
    /// Keys a cache call took from a concurrent call computing them.
    shared: Shared,
    /// Cache write-backs that failed (the answers were still returned).
    write_failures: WriteFailures,
}

impl Counters {
    /// Adds `n` to `counter`.
    pub(crate) fn add(&self, counter: Counter, n: u64) {
        if let Some(cell) = self.0.get(counter as usize) {
            cell.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// The value of `counter`.
    fn get(&self, counter: Counter) -> u64 {
        self.0
            .get(counter as usize)
            .map_or(0, |a| a.load(Ordering::Relaxed))
    }
}
