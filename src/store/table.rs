//! What the layouts and the cache work with on a [`FactStore`]: its table
//! and connection, how it fills transient fields, and what it counts.

use std::sync::Arc;

use crate::facts::Facts;

use super::batch::Batch;
use super::db::Pool;
use super::error::StoreError;
use super::fact_store::FactStore;
use super::key::Key;
use super::spec::{quote, Spec, Where};
use super::stats::{Counter, Counters};

/// Fills a fact's transient fields from its row's key.
pub(crate) type Fill<T, K> = Arc<dyn Fn(&K, &mut <T as Facts>::Transient) + Send + Sync>;

impl<T: Facts, K: Key> FactStore<T, K> {
    /// Writes a batch to a table of one fact per row, on either backend.
    pub(crate) async fn write(&self, batch: &Batch<'_>) -> Result<u64, StoreError> {
        self.db.0.upsert(&self.spec, batch, self.pg_write).await
    }

    /// The span of one store operation (`factpack.store`): table, layout,
    /// keys or rows asked for; `rows` (and for writes `bytes`) are recorded
    /// when it is done, and a subscriber times it.
    pub(crate) fn span(&self, operation: &'static str, asked: usize) -> tracing::Span {
        tracing::info_span!(
            "factpack.store",
            operation,
            table = %self.spec.table,
            layout = super::layout::name(&self.spec),
            asked,
            rows = tracing::field::Empty,
            bytes = tracing::field::Empty,
        )
    }

    /// Counts a read that returned `rows` facts.
    pub(crate) fn count_read(&self, rows: usize) {
        self.counters.add(Counter::Reads, 1);
        self.counters.add(Counter::RowsRead, rows as u64);
    }

    /// Counts a committed write of `rows` rows and `bytes` bytes of facts.
    pub(crate) fn count_write(&self, rows: u64, bytes: u64) {
        self.counters.add(Counter::Writes, 1);
        self.counters.add(Counter::RowsWritten, rows);
        self.counters.add(Counter::BytesWritten, bytes);
    }

    pub(crate) fn key_names(&self) -> Arc<[String]> {
        Arc::clone(&self.names)
    }

    pub(crate) fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Deletes the rows `w` selects.
    pub(crate) async fn delete_rows(&self, w: Where) -> Result<u64, StoreError> {
        let table = &self.spec.table;
        let sql = format!("DELETE FROM {} AS t WHERE {}", quote(table), w.sql);
        self.pool()
            .execute(table, sql, &w.params, "cannot delete")
            .await
    }

    pub(crate) fn spec(&self) -> &Spec {
        &self.spec
    }

    pub(crate) fn fill(&self) -> Option<&Fill<T, K>> {
        self.fill.as_ref()
    }

    pub(crate) fn pool(&self) -> &Pool {
        &self.db.0
    }
}
