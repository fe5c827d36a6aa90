//! Facts in columns with their keys beside them, one column per key part.

use std::sync::Arc;

use crate::columns::ColumnData;

use super::key::Key;

/// Facts in columns `C` with their keys in columns beside them: row `i` of
/// `keys` is the key of row `i` of `facts`. Each key part is a column of its
/// own (`keys.0`, `keys.1`, ..), in the store's key order, so that a metrics
/// computation can group by any of them.
#[derive(Clone, PartialEq, Debug)]
pub struct Keyed<K: Key, C> {
    /// The key columns, a tuple of one [`KeyPart::Column`](super::KeyPart::Column) per key column.
    pub keys: K::Columns,
    /// The facts.
    pub facts: C,
    key_names: Arc<[String]>,
}

impl<K: Key, C: ColumnData> Keyed<K, C> {
    pub(crate) fn new(key_names: Arc<[String]>, keys: K::Columns, facts: C) -> Self {
        Self {
            keys,
            facts,
            key_names,
        }
    }

    /// Rows.
    pub fn len(&self) -> usize {
        self.facts.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }

    /// The key columns' names, in order.
    pub fn key_names(&self) -> &[String] {
        &self.key_names
    }

    /// The parts: key columns and fact columns.
    pub fn into_parts(self) -> (K::Columns, C) {
        (self.keys, self.facts)
    }
}

#[cfg(feature = "arrow")]
impl<K: Key, C> Keyed<K, C>
where
    C: crate::columns::Columns + crate::columns::arrow::ArrowColumn,
{
    /// One Arrow record batch: the key columns first, named as the store's
    /// key columns, then the facts' columns as
    /// [`into_record_batch`](crate::columns::arrow::into_record_batch) lays
    /// them out. No value is copied.
    ///
    /// # Errors
    /// Buffers that break Arrow's rules (only possible if public fields were
    /// changed by hand), or a key column named like a fact column.
    pub fn into_record_batch(self) -> Result<arrow_array::RecordBatch, arrow_schema::ArrowError> {
        use arrow_schema::{Field, Schema};
        let rows = self.facts.len();
        let facts = crate::columns::arrow::into_record_batch(self.facts)?;
        let mut arrays =
            Vec::with_capacity(self.key_names.len().saturating_add(facts.num_columns()));
        K::columns_into_arrow(self.keys, &mut arrays)?;
        let mut fields: Vec<Field> = self
            .key_names
            .iter()
            .zip(K::arrow_types())
            .map(|(name, ty)| Field::new(name.as_str(), ty, false))
            .collect();
        fields.extend(facts.schema().fields().iter().map(|f| f.as_ref().clone()));
        arrays.extend(facts.columns().iter().cloned());
        let options = arrow_array::RecordBatchOptions::new().with_row_count(Some(rows));
        arrow_array::RecordBatch::try_new_with_options(
            Arc::new(Schema::new(fields)),
            arrays,
            &options,
        )
    }
}
