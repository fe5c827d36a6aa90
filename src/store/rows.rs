//! The row layout: one fact per row, keyed by the key columns, the version
//! and the fingerprint. Filters run in SQL; lookups by key see `lookup`.

use core::fmt::Write as _;

use crate::facts::Facts;
use crate::packed::Packed;

use super::batch::Batch;
use super::error::StoreError;
use super::fact_store::FactStore;
use super::filter::Filter;
use super::key::Key;
use super::lookup::{self, KeySet};
use super::read::{self, Salvage, Sink};
use super::spec::{quote, Spec, Where};

/// `CREATE TABLE IF NOT EXISTS` and one index per mirrored column.
pub(crate) fn ddl(spec: &Spec) -> Vec<String> {
    let mut key: Vec<String> = spec.keys.iter().map(|c| c.name.clone()).collect();
    key.extend(["format_version", "fingerprint"].map(str::to_owned));
    let mut out = vec![spec.create_table(&spec.row_columns(), &key)];
    for m in &spec.mirrors {
        out.push(format!(
            "CREATE INDEX IF NOT EXISTS {} ON {} ({})",
            quote(&format!("{}__{}", spec.table, m.name())),
            quote(&spec.table),
            quote(m.name())
        ));
    }
    out
}

/// The rows this code may read: a visible version and fingerprint, and no
/// newer visible row of the same key (two compatible versions of one key
/// may both be stored; the newest wins).
pub(crate) fn visible(spec: &Spec) -> Where {
    let mut w = Where::visible(spec);
    if spec.visible.len() > 1 {
        let same_key: Vec<String> = spec
            .keys
            .iter()
            .map(|c| format!("n.{0} = t.{0}", quote(&c.name)))
            .collect();
        let _ = write!(
            w.sql,
            " AND NOT EXISTS (SELECT 1 FROM {} AS n WHERE {} AND n.format_version > t.format_version AND {})",
            quote(&spec.table),
            same_key.join(" AND "),
            spec.visibility("n")
        );
    }
    w
}

/// The visible rows that `filter` selects.
fn filtered(spec: &Spec, filter: &Filter) -> Result<Where, StoreError> {
    let mut w = visible(spec);
    w.filter(spec, filter)?;
    Ok(w)
}

/// The `WHERE` of a lookup of `keys` among the visible rows.
pub(crate) async fn where_keys<T: Facts, K: Key>(
    store: &FactStore<T, K>,
    keys: &KeySet<'_, K>,
) -> Result<Where, StoreError> {
    let spec = store.spec();
    lookup::where_keys(store.pool(), spec, keys, visible(spec)).await
}

/// Upserts `rows` as one batch.
pub(crate) async fn upsert<T: Facts, K: Key>(
    store: &FactStore<T, K>,
    rows: &[(K, Packed<T>)],
) -> Result<u64, StoreError> {
    let batch = Batch::new(store.spec(), rows)?;
    store.write(&batch).await
}

/// The stored facts of `keys` into `sink`.
pub(crate) async fn get<T: Facts, K: Key, S: Sink<T, K>>(
    store: &FactStore<T, K>,
    keys: &[K],
    sink: S,
) -> Result<Salvage<S::Facts, K>, StoreError> {
    let set = KeySet::new(keys);
    let w = where_keys(store, &set).await?;
    read::rows(store, w, false, Some(&set), sink).await
}

/// The facts `filter` selects into `sink`.
pub(crate) async fn read<T: Facts, K: Key, S: Sink<T, K>>(
    store: &FactStore<T, K>,
    filter: &Filter,
    salvage: bool,
    sink: S,
) -> Result<Salvage<S::Facts, K>, StoreError> {
    let w = filtered(store.spec(), filter)?;
    read::rows(store, w, salvage, None, sink).await
}

/// How many visible rows `filter` selects.
pub(crate) async fn count<T: Facts, K: Key>(
    store: &FactStore<T, K>,
    filter: &Filter,
) -> Result<u64, StoreError> {
    let spec = store.spec();
    let w = filtered(spec, filter)?;
    let sql = format!(
        "SELECT COUNT(*) FROM {} AS t WHERE {}",
        quote(&spec.table),
        w.sql
    );
    let n = store
        .pool()
        .scalar(&spec.table, sql, &w.params, "cannot count the rows")
        .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Deletes the rows of `keys`, of every version and fingerprint.
pub(crate) async fn delete<T: Facts, K: Key>(
    store: &FactStore<T, K>,
    keys: &[K],
) -> Result<u64, StoreError> {
    let spec = store.spec();
    let w = lookup::join(spec, keys.iter(), Where::raw(spec, "TRUE".to_owned()))?;
    store.delete_rows(w).await
}

/// Deletes the visible rows that `filter` selects.
pub(crate) async fn delete_where<T: Facts, K: Key>(
    store: &FactStore<T, K>,
    filter: &Filter,
) -> Result<u64, StoreError> {
    store.delete_rows(filtered(store.spec(), filter)?).await
}
