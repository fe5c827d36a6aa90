//! [`FactStore`], a table of facts, and [`StoreBuilder`], which opens one.

use core::fmt;
use std::sync::Arc;

use tracing::Instrument as _;

use crate::columns::ColumnData;
use crate::facts::Facts;
use crate::packed::Packed;

use super::db::Db;
use super::error::StoreError;
use super::field::FieldName;
use super::filter::Filter;
use super::key::Key;
use super::keyed::Keyed;
use super::layout;
use super::mirror::Mirror;
use super::pages::PageSpec;
use super::pg::PgWrite;
use super::read::Salvage;
use super::spec::{check_ident, Column, Conflict, Spec, Where};
use super::stats::Counters;
use super::stats::StoreStats;
use super::table::Fill;

/// A table of facts of type `T` keyed by `K`. Cheap to clone; every method
/// takes `&self` and may run concurrently.
pub struct FactStore<T: Facts, K: Key> {
    pub(super) db: Db,
    pub(super) spec: Arc<Spec>,
    pub(super) names: Arc<[String]>,
    pub(super) fill: Option<Fill<T, K>>,
    pub(super) pg_write: PgWrite,
    pub(super) counters: Arc<Counters>,
}

impl<T: Facts, K: Key> Clone for FactStore<T, K> {
    fn clone(&self) -> Self {
        Self {
            db: self.db.clone(),
            spec: Arc::clone(&self.spec),
            names: Arc::clone(&self.names),
            fill: self.fill.clone(),
            pg_write: self.pg_write,
            counters: Arc::clone(&self.counters),
        }
    }
}

impl<T: Facts, K: Key> fmt::Debug for FactStore<T, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FactStore")
            .field("type", &T::NAME)
            .field("table", &self.spec.table)
            .field("backend", &self.db.backend())
            .finish()
    }
}

/// Configures a [`FactStore`]; [`open`](Self::open) checks everything and
/// creates the table.
pub struct StoreBuilder<T: Facts, K: Key> {
    db: Db,
    table: String,
    keys: Vec<String>,
    mirrors: Vec<FieldName>,
    conflict: Conflict,
    min_version: u8,
    fill: Option<Fill<T, K>>,
    pg_write: PgWrite,
    pages: Option<PageSpec>,
}

impl<T: Facts, K: Key> fmt::Debug for StoreBuilder<T, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreBuilder")
            .field("table", &self.table)
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl<T: Facts, K: Key> StoreBuilder<T, K> {
    /// Names the key columns, one per element of `K`, in order. Without it
    /// a single-column key is called `key`.
    #[must_use]
    pub fn key<S: Into<String>>(mut self, columns: impl IntoIterator<Item = S>) -> Self {
        self.keys = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Mirrors one more field as an indexed column, beside those marked
    /// `#[facts(index)]`: by its handle (`Foo::CREATED`) or its name.
    #[must_use]
    pub fn mirror(mut self, field: impl Into<FieldName>) -> Self {
        self.mirrors.push(field.into());
        self
    }

    /// What an upsert does with a row that exists (default: replace it).
    #[must_use]
    pub fn conflict(mut self, conflict: Conflict) -> Self {
        self.conflict = conflict;
        self
    }

    /// Hides rows written by versions below `version`: bumping it makes them
    /// misses, to be recomputed, even though this code could read them.
    #[must_use]
    pub fn min_version(mut self, version: u8) -> Self {
        self.min_version = version;
        self
    }

    /// Fills the transient fields of every fact read, from its row's key.
    #[must_use]
    pub fn transient_from_key(
        mut self,
        fill: impl Fn(&K, &mut T::Transient) + Send + Sync + 'static,
    ) -> Self {
        self.fill = Some(Arc::new(fill));
        self
    }

    /// How PostgreSQL batches travel (default: [`PgWrite::Copy`]).
    #[must_use]
    pub fn pg_write(mut self, how: PgWrite) -> Self {
        self.pg_write = how;
        self
    }

    /// Packs several facts into each row, as pages (see [`PageSpec`]): for
    /// tables of so many facts that the server's cost per row dominates.
    ///
    /// A paged table has the prefix key columns, `bucket`, `page`, the
    /// version and fingerprint (together the primary key), `<field>_min` and
    /// `<field>_max` per mirrored field, `facts` (how many a page holds),
    /// `data` and `updated_at`. The store's methods work as on a table of one
    /// fact per row, with these differences:
    /// - a filter selects pages in SQL (exactly on the prefix columns, by
    ///   min/max on mirrored fields) and facts in Rust, on each fact's own
    ///   fields and key;
    /// - an upsert reads, merges and rewrites every page of the key prefixes
    ///   it touches, in its transaction: choose a prefix that splits the
    ///   facts into groups of moderate size. A fact whose bucketed field
    ///   changes moves to its new bucket's page. The conflict policy is
    ///   applied in Rust, against the stored fact of the same key of any
    ///   visible version, which the new fact replaces;
    /// - a page whose bytes are corrupt fails reads with
    ///   [`StoreError::CorruptPage`] naming it; the next upsert that touches
    ///   its group drops it (its facts become misses);
    /// - [`delete_versions_below`](FactStore::delete_versions_below) counts
    ///   pages; [`PgWrite`] does not apply (the rewritten pages' old rows are
    ///   deleted first, so on PostgreSQL the pages go straight into the
    ///   table by binary `COPY`).
    #[must_use]
    pub fn pages(mut self, pages: PageSpec) -> Self {
        self.pages = Some(pages);
        self
    }

    /// Checks the configuration, creates the table and its indexes if they do
    /// not exist, and checks an existing table's columns.
    ///
    /// # Errors
    /// [`StoreError::Config`] for a bad name, a key of another arity than
    /// `K`, a field that cannot be mirrored; [`StoreError::SchemaMismatch`]
    /// for an existing table with other columns; a database error.
    pub async fn open(self) -> Result<FactStore<T, K>, StoreError> {
        let spec = self.spec()?;
        let (ddl, expected) = (layout::ddl(&spec), layout::expected_columns(&spec));
        self.db.0.create(&spec, ddl, &expected).await?;
        Ok(FactStore {
            names: spec.keys.iter().map(|c| c.name.clone()).collect(),
            spec: Arc::new(spec),
            db: self.db,
            fill: self.fill,
            pg_write: self.pg_write,
            counters: Arc::default(),
        })
    }

    /// Resolves and checks the configuration, without SQL.
    fn spec(&self) -> Result<Spec, StoreError> {
        let table = &self.table;
        let config = |reason: String| StoreError::config(table, reason);
        check_ident(table, "table name", table)?;
        let names = if self.keys.is_empty() && K::TYPES.len() == 1 {
            vec!["key".to_owned()]
        } else {
            self.keys.clone()
        };
        if names.len() != K::TYPES.len() {
            let (given, arity) = (names.len(), K::TYPES.len());
            return Err(config(format!(
                "{given} key column names given for a key of {arity} columns"
            )));
        }
        let keys: Vec<Column> = names
            .into_iter()
            .zip(K::TYPES)
            .map(|(name, sql)| Column { name, sql: *sql })
            .collect();
        let mut mirrors: Vec<Mirror> = Vec::new();
        let indexed = T::FIELDS.iter().filter(|f| f.indexed).map(|f| f.name);
        let named = self.mirrors.iter().map(FieldName::as_str);
        for name in indexed
            .chain(named)
            .chain(self.pages.iter().map(PageSpec::field))
        {
            if mirrors.iter().any(|m| m.name() == name) {
                continue;
            }
            let info = T::field(name).ok_or_else(|| {
                config(format!(
                    "`{}` has no stored field `{name}` to mirror",
                    T::NAME
                ))
            })?;
            mirrors.push(Mirror::new(info).map_err(config)?);
        }
        if let Conflict::ReplaceIfNewer(column) = &self.conflict {
            if !mirrors.iter().any(|m| m.name() == column.as_str()) {
                return Err(config(format!(
                    "`ReplaceIfNewer({column})` needs `{column}` to be a mirrored field"
                )));
            }
        }
        let visible = (self.min_version.max(1)..=T::VERSION)
            .filter_map(|v| T::fingerprint_at(v).map(|fp| (v, fp as i64)))
            .collect();
        let mut spec = Spec {
            dialect: self.db.0.dialect(),
            table: table.clone(),
            keys,
            mirrors,
            conflict: self.conflict.clone(),
            visible,
            pages: None,
        };
        spec.pages = layout::resolve(&spec, self.pages.as_ref())?;
        // Every column the layout's table has, the store's own among them:
        // a key or mirror may take none of their names twice.
        {
            let columns = layout::expected_columns(&spec);
            let names = spec.keys.iter().map(|c| c.name.as_str());
            for name in names.chain(spec.mirrors.iter().map(|m| -> &str { m.name() })) {
                check_ident(table, "column", name)?;
                if columns.iter().filter(|(c, _)| c == name).count() > 1 {
                    return Err(config(format!(
                        "column `{name}` is named twice or clashes with a column of the store"
                    )));
                }
            }
        }
        Ok(spec)
    }
}

impl<T: Facts, K: Key> FactStore<T, K> {
    /// Starts configuring the store of `table` in `db`.
    pub fn builder(db: &Db, table: &str) -> StoreBuilder<T, K> {
        StoreBuilder {
            db: db.clone(),
            table: table.to_owned(),
            keys: Vec::new(),
            mirrors: Vec::new(),
            conflict: Conflict::default(),
            min_version: 1,
            fill: None,
            pg_write: PgWrite::default(),
            pages: None,
        }
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.spec.table
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The names of the mirrored columns, in table order.
    pub fn mirrored(&self) -> Vec<&'static str> {
        self.spec.mirrors.iter().map(Mirror::name).collect()
    }

    /// Upserts `rows` as one batch, in one transaction: all of them or, on
    /// error, none. A key given twice keeps its last fact. Rows are written
    /// with the version that packed them and its fingerprint.
    ///
    /// Returns the rows written (with [`Conflict::Keep`], or
    /// [`Conflict::ReplaceIfNewer`], those left alone are not counted); for a
    /// paged store, the facts written. A paged store rewrites the pages of
    /// each (prefix, bucket) it writes to; a page among them that is corrupt
    /// as a whole (every read of it fails with [`StoreError::CorruptPage`])
    /// is dropped, with a `tracing` warning naming it, so that writing its
    /// facts again repairs it.
    ///
    /// # Errors
    /// A database error (the batch is rolled back), or a fact of a version
    /// this code does not know.
    pub async fn upsert(&self, rows: &[(K, Packed<T>)]) -> Result<u64, StoreError> {
        if rows.is_empty() {
            return Ok(0);
        }
        let span = self.span("upsert", rows.len());
        let written = layout::upsert(self, rows).instrument(span.clone()).await?;
        let bytes: usize = rows.iter().map(|(_, p)| p.as_bytes().len()).sum();
        self.count_write(written, bytes as u64);
        span.record("rows", written);
        span.record("bytes", bytes);
        Ok(written)
    }

    /// What this store, its clones and the caches built on it have done
    /// since it was opened: a cheap snapshot of counters to export.
    pub fn stats(&self) -> StoreStats {
        self.counters().snapshot()
    }

    /// The facts of `keys` that are stored (a missing key is a miss, not an
    /// error), with their keys, in no particular order.
    ///
    /// # Errors
    /// A corrupt row ([`StoreError::Corrupt`], naming its key) or a database error.
    pub async fn get(&self, keys: &[K]) -> Result<Vec<(K, Packed<T>)>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let work = layout::get(self, keys);
        self.traced("get", keys.len(), work, Vec::len).await
    }

    /// The facts of `keys`, into columns.
    ///
    /// # Errors
    /// See [`get`](Self::get).
    pub async fn get_columns(&self, keys: &[K]) -> Result<T::Columns, StoreError> {
        self.get_columns_into(keys, None).await
    }

    /// The facts of `keys` into columns, with their keys in columns beside
    /// them (a key without a stored fact has no row), in no particular order.
    ///
    /// # Errors
    /// See [`get`](Self::get).
    pub async fn get_columns_keyed(&self, keys: &[K]) -> Result<Keyed<K, T::Columns>, StoreError> {
        let mut key_columns = K::Columns::default();
        let facts = self.get_columns_into(keys, Some(&mut key_columns)).await?;
        Ok(Keyed::new(self.key_names(), key_columns, facts))
    }

    async fn get_columns_into(
        &self,
        keys: &[K],
        key_columns: Option<&mut K::Columns>,
    ) -> Result<T::Columns, StoreError> {
        if keys.is_empty() {
            return Ok(crate::columns::Columns::with_capacity(0));
        }
        let work = layout::get_columns(self, keys, key_columns);
        self.traced("get_columns", keys.len(), work, ColumnData::len)
            .await
    }

    /// The facts that `filter` selects, with their keys.
    ///
    /// # Errors
    /// A filter on an unknown column or with a value of the wrong type (before
    /// any SQL runs), a corrupt row (naming its key), or a database error.
    pub async fn read_packed(&self, filter: &Filter) -> Result<Vec<(K, Packed<T>)>, StoreError> {
        Ok(self.read_packed_salvaging_if(filter, false).await?.facts)
    }

    /// The facts that `filter` selects, into columns, straight from the rows
    /// the driver holds.
    ///
    /// # Errors
    /// See [`read_packed`](Self::read_packed).
    pub async fn read_columns(&self, filter: &Filter) -> Result<T::Columns, StoreError> {
        Ok(self.read_columns_into(filter, false, None).await?.facts)
    }

    /// The facts that `filter` selects, into columns, with their keys in
    /// columns beside them.
    ///
    /// # Errors
    /// See [`read_packed`](Self::read_packed).
    pub async fn read_columns_keyed(
        &self,
        filter: &Filter,
    ) -> Result<Keyed<K, T::Columns>, StoreError> {
        let mut keys = K::Columns::default();
        let read = self.read_columns_into(filter, false, Some(&mut keys));
        let facts = read.await?.facts;
        Ok(Keyed::new(self.key_names(), keys, facts))
    }

    /// Like [`read_packed`](Self::read_packed), but a corrupt row is set
    /// aside, with its key, instead of failing the read.
    ///
    /// # Errors
    /// A bad filter or a database error.
    pub async fn read_packed_salvaging(
        &self,
        filter: &Filter,
    ) -> Result<Salvage<Vec<(K, Packed<T>)>, K>, StoreError> {
        self.read_packed_salvaging_if(filter, true).await
    }

    /// Like [`read_columns`](Self::read_columns), but a corrupt row is set
    /// aside, with its key, instead of failing the read.
    ///
    /// # Errors
    /// A bad filter or a database error.
    pub async fn read_columns_salvaging(
        &self,
        filter: &Filter,
    ) -> Result<Salvage<T::Columns, K>, StoreError> {
        self.read_columns_into(filter, true, None).await
    }

    async fn read_packed_salvaging_if(
        &self,
        filter: &Filter,
        salvage: bool,
    ) -> Result<Salvage<Vec<(K, Packed<T>)>, K>, StoreError> {
        let work = layout::read_packed(self, filter, salvage);
        self.traced("read_packed", 0, work, |r| r.facts.len()).await
    }

    async fn read_columns_into(
        &self,
        filter: &Filter,
        salvage: bool,
        keys: Option<&mut K::Columns>,
    ) -> Result<Salvage<T::Columns, K>, StoreError> {
        let work = layout::read_columns(self, filter, salvage, keys);
        self.traced("read_columns", 0, work, |r| r.facts.len())
            .await
    }

    /// How many visible rows (for a paged store, facts) `filter` selects.
    ///
    /// # Errors
    /// A bad filter or a database error.
    pub async fn count(&self, filter: &Filter) -> Result<u64, StoreError> {
        let work = layout::count(self, filter);
        self.traced("count", 0, work, counted).await
    }

    /// Deletes the rows of `keys`, of every version and fingerprint.
    ///
    /// # Errors
    /// A database error.
    pub async fn delete(&self, keys: &[K]) -> Result<u64, StoreError> {
        if keys.is_empty() {
            return Ok(0);
        }
        let work = layout::delete(self, keys);
        self.traced("delete", keys.len(), work, counted).await
    }

    /// Deletes the visible rows that `filter` selects.
    ///
    /// # Errors
    /// A bad filter or a database error.
    pub async fn delete_where(&self, filter: &Filter) -> Result<u64, StoreError> {
        let work = layout::delete_where(self, filter);
        self.traced("delete_where", 0, work, counted).await
    }

    /// Deletes every row written by a version below `version`, of any
    /// fingerprint: invalidation after a format bump, to reclaim space.
    ///
    /// # Errors
    /// A database error.
    pub async fn delete_versions_below(&self, version: u8) -> Result<u64, StoreError> {
        let w = Where::raw(&self.spec, format!("t.format_version < {version}"));
        let work = self.delete_rows(w);
        self.traced("delete_versions_below", 0, work, counted).await
    }

    /// Runs `work` in the span of `operation`, recording the rows (or
    /// facts) that `rows` counts in what it returns.
    async fn traced<R>(
        &self,
        operation: &'static str,
        asked: usize,
        work: impl core::future::Future<Output = Result<R, StoreError>>,
        rows: impl FnOnce(&R) -> usize,
    ) -> Result<R, StoreError> {
        let span = self.span(operation, asked);
        let out = work.instrument(span.clone()).await?;
        span.record("rows", rows(&out));
        Ok(out)
    }
}

/// The rows of an operation that returns their count.
fn counted(n: &u64) -> usize {
    usize::try_from(*n).unwrap_or(usize::MAX)
}
