//! A write batch: the rows of one upsert, deduplicated by key and laid out as
//! SQL cells, ready for either backend.

use crate::facts::Facts;
use crate::packed::Packed;

use super::error::StoreError;
use super::key::Key;
use super::mirror::Cell;
use super::pages::cell_of;
use super::spec::Spec;

/// The rows of one upsert, sorted by key (so that concurrent batches lock
/// rows in the same order and cannot deadlock), one row per key (the last
/// given wins).
#[derive(Debug)]
pub(crate) struct Batch<'a> {
    /// Key cells then mirror cells, `stride` per row.
    pub(crate) cells: Vec<Cell>,
    pub(crate) stride: usize,
    pub(crate) versions: Vec<u8>,
    pub(crate) fingerprints: Vec<i64>,
    pub(crate) data: Vec<&'a [u8]>,
    /// Each row's source stamp (see the cache), null for plain upserts.
    pub(crate) stamps: Vec<Option<i64>>,
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

    /// Lays out rows with their source stamps, for the cache: a row replaces
    /// a stored one only when its stamp is at least the stored one's.
    ///
    /// # Errors
    /// See [`new`](Self::new).
    pub(crate) fn stamped<T: Facts, K: Key>(
        spec: &Spec,
        rows: Vec<(&'a K, &'a Packed<T>, Option<i64>)>,
    ) -> Result<Self, StoreError> {
        Self::build(spec, rows, true)
    }

    fn build<T: Facts, K: Key>(
        spec: &Spec,
        mut sorted: Vec<(&'a K, &'a Packed<T>, Option<i64>)>,
        stamped: bool,
    ) -> Result<Self, StoreError> {
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        // Stable sort, then reversed: among equal keys the last given comes first.
        sorted.reverse();
        sorted.dedup_by(|later, kept| later.0 == kept.0);
        sorted.reverse();

        let stride = spec.keys.len().saturating_add(spec.mirrors.len());
        let mut batch = Batch {
            cells: Vec::with_capacity(sorted.len().saturating_mul(stride)),
            stride,
            versions: Vec::with_capacity(sorted.len()),
            fingerprints: Vec::with_capacity(sorted.len()),
            data: Vec::with_capacity(sorted.len()),
            stamps: Vec::with_capacity(sorted.len()),
            stamped,
        };
        let mut values = Vec::with_capacity(spec.keys.len());
        for (key, packed, stamp) in sorted {
            let version = packed.version();
            let fingerprint = T::fingerprint_at(version)
                .ok_or_else(|| unknown_version::<T, K>(spec, key, version))?;
            values.clear();
            key.push_values(&mut values);
            batch.cells.extend(values.drain(..).map(cell_of));
            let blob = packed.as_bytes();
            batch
                .cells
                .extend(spec.mirrors.iter().map(|m| m.cell(blob)));
            batch.versions.push(version);
            batch.fingerprints.push(fingerprint as i64);
            batch.data.push(blob);
            batch.stamps.push(stamp);
        }
        Ok(batch)
    }

    /// Rows in the batch.
    pub(crate) fn len(&self) -> usize {
        self.data.len()
    }

    /// The key and mirror cells of row `i`.
    pub(crate) fn row(&self, i: usize) -> &[Cell] {
        let start = i.saturating_mul(self.stride);
        self.cells
            .get(start..start.saturating_add(self.stride))
            .unwrap_or(&[])
    }
}
