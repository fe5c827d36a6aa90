//! [`Db`]: a connection pool to SQLite or PostgreSQL, chosen by URL, with
//! timeouts ([`DbOptions`]) so that an unreachable server is an error
//! rather than a hang.

use std::time::Duration;

use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;
use sqlx::{Postgres, Sqlite, Transaction};

use super::batch::Batch;
use super::error::StoreError;
use super::mirror::Cell;
use super::pg::{self, PgWrite};
use super::spec::{quote, Dialect, Param, Spec, Where};
use super::sql::{check_columns, execute_on, fetch_on, Cells, Data, Rows};
use super::sqlite;
use super::value::{SqlType, Value};

/// `$body` with the pool (or transaction) of `$on`, a `$T`, bound to `$x`,
/// whichever the backend: for code written once over both.
macro_rules! either {
    ($on:expr, $T:ident($x:ident) => $body:expr) => {
        match $on {
            $T::Postgres($x) => $body,
            $T::Sqlite($x) => $body,
        }
    };
}

/// `execute` and `fetch` for `$T`, the pool (borrowed shared) or a
/// transaction (borrowed exclusively), each variant running them on `$on`
/// of its `$x`: sqlx's executors for the two differ, the statements do not.
macro_rules! statements {
    ($T:ident, self: $recv:ty, $x:ident => $on:expr) => {
        impl $T {
            /// Runs a statement; returns the rows it affected.
            pub(crate) async fn execute(
                self: $recv,
                table: &str,
                sql: String,
                params: &[Param],
                action: &'static str,
            ) -> Result<u64, StoreError> {
                either!(self, $T($x) => execute_on($on, table, sql, params, action).await)
            }

            /// Streams the rows of a query into `each`, which sees every
            /// row while the driver still holds it.
            pub(crate) async fn fetch(
                self: $recv,
                table: &str,
                sql: String,
                params: &[Param],
                each: impl FnMut(&dyn Cells) -> Result<(), StoreError>,
            ) -> Result<(), StoreError> {
                either!(self, $T($x) => fetch_on($on, table, sql, params, each).await)
            }
        }
    };
}

/// The database behind a [`Db`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite: a file, or memory.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

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

/// A pool of connections to the store's database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Db(pub(crate) Pool);

#[derive(Debug, Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Db {
    /// Connects to `url` with the default [`DbOptions`]: `sqlite:path`
    /// (created if missing), `sqlite::memory:`, or `postgres://...`.
    ///
    /// # Errors
    /// An unsupported scheme, a malformed URL, or a database that cannot be
    /// reached within the acquire timeout.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, DbOptions::default()).await
    }

    /// Connects to `url` with `options`. SQLite files are opened in WAL mode
    /// with `synchronous = NORMAL`, which keeps committed batches across a
    /// crash of the process (not of the machine) and lets readers run
    /// beside a writer.
    ///
    /// # Errors
    /// See [`connect`](Self::connect).
    pub async fn connect_with(url: &str, options: DbOptions) -> Result<Self, StoreError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Self(Pool::Sqlite(sqlite::connect(url, options).await?))),
            "postgres" | "postgresql" => Ok(Self(Pool::Postgres(pg::connect(url, options).await?))),
            other => Err(StoreError::UnsupportedUrl {
                scheme: other.to_owned(),
            }),
        }
    }

    /// Uses an existing SQLite pool.
    pub fn from_sqlite(pool: SqlitePool) -> Self {
        Self(Pool::Sqlite(pool))
    }

    /// Uses an existing PostgreSQL pool.
    pub fn from_postgres(pool: PgPool) -> Self {
        Self(Pool::Postgres(pool))
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match self.0 {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// The SQLite pool, for the application's own queries.
    pub fn as_sqlite(&self) -> Option<&SqlitePool> {
        match &self.0 {
            Pool::Sqlite(pool) => Some(pool),
            Pool::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool, for the application's own queries.
    pub fn as_postgres(&self) -> Option<&PgPool> {
        match &self.0 {
            Pool::Postgres(pool) => Some(pool),
            Pool::Sqlite(_) => None,
        }
    }

    /// Closes every connection, waiting for those in use.
    pub async fn close(&self) {
        either!(&self.0, Pool(pool) => pool.close().await);
    }
}

statements!(Pool, self: &Self, pool => pool);

impl Pool {
    /// How this backend spells the store's SQL.
    pub(crate) fn dialect(&self) -> &'static Dialect {
        match self {
            Self::Postgres(_) => &pg::DIALECT,
            Self::Sqlite(_) => &sqlite::DIALECT,
        }
    }

    /// Creates the table of `spec` and its indexes if they do not exist,
    /// and checks an existing table's columns, in one write transaction.
    /// Concurrent `CREATE TABLE IF NOT EXISTS` can race, so each creator
    /// first takes the schema's lock (see [`Tx::lock`]).
    pub(crate) async fn create(
        &self,
        spec: &Spec,
        ddl: Vec<String>,
        expected: &[(String, &str)],
    ) -> Result<(), StoreError> {
        let table = &spec.table;
        let mut tx = self.begin(table).await?;
        tx.lock(table, [Lock::Schema], "cannot lock the schema")
            .await?;
        let mut ddl = ddl.into_iter();
        if let Some(create) = ddl.next() {
            let action = "cannot create the table";
            tx.execute(table, create, &[], action).await?;
        }
        let mut found = Vec::new();
        let name = [Param::One(SqlType::Text, Cell::Text(table.clone()))];
        let add = |row: &dyn Cells| {
            let text = |i| match row.value(i, SqlType::Text) {
                Some(Value::Text(v)) => Ok(v),
                _ => Err(StoreError::config(table, "cannot read the table's columns")),
            };
            found.push((text(0)?, text(1)?));
            Ok(())
        };
        let columns = self.dialect().columns.to_owned();
        tx.fetch(table, columns, &name, add).await?;
        check_columns(table, expected, &found)?;
        for index in ddl {
            tx.execute(table, index, &[], "cannot create the indexes")
                .await?;
        }
        tx.commit(table).await
    }

    /// The integer a query of one row and one column returns (0 without a
    /// row).
    pub(crate) async fn scalar(
        &self,
        table: &str,
        sql: String,
        params: &[Param],
        action: &'static str,
    ) -> Result<i64, StoreError> {
        let mut n = 0_i64;
        let read = |row: &dyn Cells| {
            n = row
                .big(0)
                .map_err(StoreError::db(table, action))?
                .unwrap_or(0);
            Ok(())
        };
        self.fetch(table, sql, params, read).await.map(|()| n)
    }

    /// About how many rows `w` selects in `table`: PostgreSQL's planner
    /// estimate; SQLite, which has none, counts them (from the primary
    /// key's index, which a lookup's conditions on the key columns narrow).
    /// `None` when the query fails.
    pub(crate) async fn estimate(&self, table: &str, w: &Where) -> Option<f64> {
        let from = format!("FROM {} AS t WHERE {}", quote(table), w.sql);
        if let Self::Sqlite(_) = self {
            let count = format!("SELECT COUNT(*) {from}");
            let n = self.scalar(table, count, &w.params, "cannot count").await;
            return Some(n.ok()? as f64);
        }
        // The planner's first line ends `rows=N width=W)`.
        let mut line = None;
        let first = |row: &dyn Cells| {
            line = line.take().or_else(|| row.value(0, SqlType::Text));
            Ok(())
        };
        let explain = format!("EXPLAIN SELECT 1 {from}");
        self.fetch(table, explain, &w.params, first).await.ok()?;
        let Some(Value::Text(line)) = line else {
            return None;
        };
        line.split(" rows=").nth(1)?.split(' ').next()?.parse().ok()
    }

    /// Begins a write transaction: on SQLite `BEGIN IMMEDIATE`, which takes
    /// the writer's lock at once, so that two writers never both read first.
    pub(crate) async fn begin(&self, table: &str) -> Result<Tx, StoreError> {
        let fail = StoreError::db(table, "cannot begin the batch");
        Ok(match self {
            Self::Postgres(pool) => Tx::Postgres(pool.begin().await.map_err(fail)?),
            Self::Sqlite(pool) => {
                Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await.map_err(fail)?)
            }
        })
    }

    /// Upserts a batch into a table of one fact per row, in one
    /// transaction; one that lost a deadlock or serialization race (on
    /// PostgreSQL) is tried again, up to three more times.
    pub(crate) async fn upsert(
        &self,
        spec: &Spec,
        batch: &Batch<'_>,
        how: PgWrite,
    ) -> Result<u64, StoreError> {
        let mut retries = 3_u8;
        loop {
            let attempt = async {
                let mut tx = self.begin(&spec.table).await?;
                let n = match &mut tx {
                    Tx::Postgres(tx) => pg::upsert(tx, spec, batch, how).await?,
                    Tx::Sqlite(tx) => sqlite::upsert(tx, spec, batch).await?,
                };
                tx.commit(&spec.table).await.map(|()| n)
            };
            match attempt.await {
                Err(e) if retries > 0 && e.lost_race() => retries = retries.saturating_sub(1),
                done => return done,
            }
        }
    }
}

/// What a transaction's advisory lock on a table covers.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Lock<'a> {
    /// The table's schema, while a store creates or checks it.
    Schema,
    /// The pages of one key prefix (encoded), while a write rewrites them:
    /// unlike row locks, it also covers pages that do not exist yet.
    Prefix(&'a [u8]),
}

impl Lock<'_> {
    /// The lock's id: FNV-1a of the table's name, then `0xfe` for the
    /// schema or `0xff` and the prefix (a table's name is ASCII, so neither
    /// byte can continue it).
    fn id(self, table: &str) -> i64 {
        let (tag, key): (u8, &[u8]) = match self {
            Self::Schema => (0xfe, &[]),
            Self::Prefix(prefix) => (0xff, prefix),
        };
        let bytes = b"factpack:".iter().chain(table.as_bytes()).chain([&tag]);
        let fnv = |h: u64, b: &u8| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        bytes.chain(key).fold(0xcbf2_9ce4_8422_2325, fnv) as i64
    }
}

/// A write transaction on either backend.
pub(crate) enum Tx {
    Postgres(Transaction<'static, Postgres>),
    Sqlite(Transaction<'static, Sqlite>),
}

statements!(Tx, self: &mut Self, tx => &mut **tx);

impl Tx {
    /// Commits.
    pub(crate) async fn commit(self, table: &str) -> Result<(), StoreError> {
        let fail = StoreError::db(table, "cannot commit the batch");
        either!(self, Tx(tx) => tx.commit().await.map_err(fail))
    }

    /// Takes the transaction's advisory `locks` of `table` (in sorted
    /// order, so that two writers cannot deadlock) where the backend has
    /// them; SQLite's `BEGIN IMMEDIATE` already holds its one writer lock.
    pub(crate) async fn lock<'k>(
        &mut self,
        table: &str,
        locks: impl IntoIterator<Item = Lock<'k>>,
        action: &'static str,
    ) -> Result<(), StoreError> {
        let Self::Postgres(tx) = self else {
            return Ok(());
        };
        let mut ids: Vec<i64> = locks.into_iter().map(|lock| lock.id(table)).collect();
        ids.sort_unstable();
        ids.dedup();
        let sql = "SELECT count(pg_advisory_xact_lock(u.id)) FROM unnest($1::bigint[]) AS u(id)";
        let done = sqlx::query(sql).bind(ids).execute(&mut **tx).await;
        done.map(|_| ()).map_err(StoreError::db(table, action))
    }

    /// Inserts `rows` into `table`, which holds none of their keys.
    pub(crate) async fn insert<D: Data>(
        &mut self,
        table: &str,
        rows: &Rows<D>,
    ) -> Result<(), StoreError> {
        match self {
            Self::Postgres(tx) => pg::copy_in(tx, table, &quote(table), rows).await,
            Self::Sqlite(tx) => sqlite::insert(tx, table, rows, 16, "").await.map(|_| ()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_ids_differ_by_table_and_what_they_cover() {
        let id = |table, lock: Lock<'_>| lock.id(table);
        assert_ne!(id("a", Lock::Prefix(b"x")), id("b", Lock::Prefix(b"x")));
        assert_ne!(id("a", Lock::Prefix(b"x")), id("a", Lock::Prefix(b"y")));
        assert_eq!(id("a", Lock::Prefix(b"x")), id("a", Lock::Prefix(b"x")));
        assert_ne!(id("a", Lock::Schema), id("a", Lock::Prefix(b"")));
        assert_ne!(id("a", Lock::Schema), id("b", Lock::Schema));
    }
}
