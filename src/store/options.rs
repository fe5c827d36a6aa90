//! [`DbOptions`]: how a [`Db`](super::Db) connects.

use std::time::Duration;

/// How to connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DbOptions {
    /// Connections in the pool (1 for `sqlite::memory:`, whose connections
    /// would otherwise each see their own empty database).
    pub max_connections: u32,
    /// How long to wait for a connection, connecting included, before
    /// failing: what bounds the wait on an unreachable server.
    pub acquire_timeout: Duration,
    /// SQLite's page cache per connection, in MiB (`PRAGMA cache_size`).
    /// SQLite's own default, 2 MiB, is far smaller than a bulk batch: once the
    /// pages a transaction dirties outgrow the cache, SQLite spills them to
    /// the WAL and reads them back, which made large upserts several times
    /// slower. The cache is allocated as pages are used, up to this bound.
    pub sqlite_cache_mib: u32,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(10),
            sqlite_cache_mib: 64,
        }
    }
}

impl DbOptions {
    /// The default options with another acquire timeout.
    #[must_use]
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// The default options with another SQLite page cache size, in MiB.
    #[must_use]
    pub fn sqlite_cache_mib(mut self, mib: u32) -> Self {
        self.sqlite_cache_mib = mib.max(1);
        self
    }

    /// The default options with another pool size.
    #[must_use]
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(1);
        self
    }
}
