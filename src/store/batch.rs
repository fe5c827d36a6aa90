//! A write batch: the rows of one upsert, deduplicated by key and laid out as
//! SQL cells, ready for either backend.

use crate::facts::Facts;
use crate::packed::Packed;

use super::error::StoreError;
use super::key::Key;
use super::mirror::Cell;
use super::spec::{quoted, Spec};
use super::sql::Rows;

/// The rows of one upsert, sorted by key (so that concurrent batches lock
/// rows in the same order and cannot deadlock), one row per key (the last
/// given wins).
#[derive(Debug)]
pub(crate) struct Batch<'a> {
    /// Per row its cells, of the table's written columns: keys,
    /// `format_version`, `fingerprint`, mirrors, `source_stamp` (see the
    /// cache, null for plain upserts); then its blob.
    pub(crate) rows: Rows<&'a [u8]>,
    /// Whether rows replace existing ones by source stamp, whatever the
    /// store's conflict policy (the cache's writes).
    pub(crate) stamped: bool,
}

/// The error for a blob under `key` of a version this code does not know.
pub(crate) fn unknown_version<T: Facts, K: Key>(spec: &Spec, key: &K, version: u8) -> StoreError {
    StoreError::config(
        &spec.table,
        format!(
            "key {key:?}: a version-{version} `{}` cannot be stored by code that knows versions up to {}",
            T::NAME,
            T::VERSION
        ),
    )
}

impl<'a> Batch<'a> {
    /// Lays out `rows`.
    ///
    /// # Errors
    /// A blob of a version this code does not know (written by newer code).
    pub(crate) fn new<T: Facts, K: Key>(
        spec: &Spec,
        rows: &'a [(K, Packed<T>)],
    ) -> Result<Self, StoreError> {
        Self::build(
            spec,
            rows.iter().map(|(k, p)| (k, p, None)).collect(),
            false,
        )
    }

    /// Lays out rows with their source stamps; with `stamped` (the cache's
    /// writes), a row replaces a stored one only when its stamp is at least
    /// the stored one's.
    ///
    /// # Errors
    /// See [`new`](Self::new).
    pub(crate) fn build<T: Facts, K: Key>(
        spec: &Spec,
        mut sorted: Vec<(&'a K, &'a Packed<T>, Option<i64>)>,
        stamped: bool,
    ) -> Result<Self, StoreError> {
        // Reversed, then sorted stably: among equal keys the last given comes
        // first, and is the one kept.
        sorted.reverse();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        sorted.dedup_by(|later, kept| later.0 == kept.0);

        let mut rows = Rows::new(quoted(&spec.row_columns()), sorted.len());
        let mut values = Vec::with_capacity(spec.keys.len());
        for (key, packed, stamp) in sorted {
            let version = packed.version();
            let fingerprint = T::fingerprint_at(version)
                .ok_or_else(|| unknown_version::<T, K>(spec, key, version))?;
            values.clear();
            key.push_values(&mut values);
            rows.cells.extend(values.drain(..).map(Cell::from));
            rows.cells.push(Cell::Int(i64::from(version)));
            rows.cells.push(Cell::Int(fingerprint as i64));
            let blob = packed.as_bytes();
            rows.cells.extend(spec.mirrors.iter().map(|m| m.cell(blob)));
            rows.cells.push(stamp.map_or(Cell::Null, Cell::Int));
            rows.data.push(blob);
        }
        Ok(Self { rows, stamped })
    }
}
