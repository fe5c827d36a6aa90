//! Reads: one streaming `SELECT`, each row's blob handed to the columns (or a
//! [`Packed`]) while the driver still holds it, with no row object of ours.

use crate::columns::ColumnData as _;

use crate::columns::{ColumnSource, Columns, ColumnsError};
use crate::facts::Facts;
use crate::packed::Packed;

use super::error::{CorruptRow, StoreError};
use super::key::Key;
use super::lookup::KeySet;
use super::spec::{quote, Spec, Where};
use super::sql::Cells;
use super::table::Table;
use super::value::SqlType;

/// What a salvaging read returns: the facts that were read, and the rows set
/// aside because their blob is corrupt, by key, for the caller to recompute.
#[derive(Debug, Clone)]
pub struct Salvage<C, K> {
    /// The facts read.
    pub facts: C,
    /// The corrupt rows skipped.
    pub corrupt: Vec<CorruptRow<K>>,
}

/// A row of `SELECT keys.., format_version, data [, source_stamp]`.
#[derive(Clone, Copy)]
pub(crate) struct RowRef<'a>(pub(crate) &'a dyn Cells);

impl<'a> RowRef<'a> {
    pub(crate) fn data(self, spec: &Spec) -> Result<&'a [u8], StoreError> {
        self.0
            .bytes(spec.keys.len().saturating_add(1))
            .map_err(StoreError::db(&spec.table, "cannot read a blob"))
    }

    pub(crate) fn version(self, spec: &Spec) -> u8 {
        let v = self.0.int(spec.keys.len(), SqlType::I16);
        v.and_then(|v| u8::try_from(v).ok()).unwrap_or(0)
    }

    /// The row's source stamp, when the query selected it (null: none).
    pub(crate) fn stamp(self, spec: &Spec) -> Result<Option<i64>, StoreError> {
        self.0
            .big(spec.keys.len().saturating_add(2))
            .map_err(StoreError::db(&spec.table, "cannot read a source stamp"))
    }

    /// Appends the row's key as [`Key::put_encoded`] encodes it, straight
    /// from the driver's cells (no `Value`, no `String`).
    pub(crate) fn put_key(self, spec: &Spec, out: &mut Vec<u8>) -> Result<(), StoreError> {
        for (i, c) in spec.keys.iter().enumerate() {
            self.0
                .put_key(i, c.sql, out)
                .ok_or_else(|| StoreError::BadKey {
                    table: spec.table.clone(),
                    column: c.name.clone(),
                })?;
        }
        Ok(())
    }

    pub(crate) fn key<K: Key>(self, spec: &Spec) -> Result<K, StoreError> {
        let mut failed = None;
        let mut values = spec.keys.iter().enumerate().map_while(|(i, c)| {
            let v = self.0.value(i, c.sql);
            if v.is_none() {
                failed = Some(c.name.clone());
            }
            v
        });
        let key = K::from_values(&mut values);
        drop(values);
        key.ok_or_else(|| StoreError::BadKey {
            table: spec.table.clone(),
            column: failed.unwrap_or_else(|| spec.key_list()),
        })
    }
}

/// Bytes and the transient fields filled for them: a column source.
pub(crate) struct Filled<'a, T: Facts> {
    pub(crate) blob: &'a [u8],
    pub(crate) transient: &'a T::Transient,
}

impl<T: Facts> ColumnSource<T> for Filled<'_, T> {
    const VALIDATED: bool = false;

    fn bytes(&self) -> &[u8] {
        self.blob
    }

    fn transient(&self) -> Option<&T::Transient> {
        Some(self.transient)
    }
}

/// Runs `SELECT keys.., format_version, data [, source_stamp] FROM table
/// WHERE w`, calling `each` on every row while the driver holds it.
pub(crate) async fn scan_rows<T: Facts, K: Key>(
    store: &Table<T, K>,
    w: Where,
    with_stamp: bool,
    mut each: impl FnMut(RowRef<'_>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let spec = store.spec();
    let keys: Vec<String> = spec
        .keys
        .iter()
        .map(|c| format!("t.{}", quote(&c.name)))
        .collect();
    let stamp = if with_stamp { ", t.source_stamp" } else { "" };
    let sql = format!(
        "SELECT {}, t.format_version, t.data{stamp} FROM {} AS t WHERE {}",
        keys.join(", "),
        quote(&spec.table),
        w.sql
    );
    store
        .pool()
        .fetch(&spec.table, sql, &w.params, |row| each(RowRef(row)))
        .await
}

/// The error for a blob whose version byte differs from `version`, the
/// `format_version` its row records; `None` when they agree (or the blob is
/// empty, which validation reports). The row's version is the one the store
/// selected the row by, so a blob that says otherwise is corrupt, not a blob
/// of that other version.
pub(crate) fn version_mismatch<T: Facts>(blob: &[u8], version: u8) -> Option<crate::Error> {
    let found = *blob.first()?;
    (found != version).then(|| {
        crate::Error::header(
            T::NAME,
            crate::layout::VERSION_AT,
            crate::ErrorKind::VersionMismatch {
                expected: version,
                found,
            },
        )
    })
}

/// A corrupt row: set aside when salvaging, the error otherwise.
fn corrupt<K: Key>(
    spec: &Spec,
    row: RowRef<'_>,
    error: crate::Error,
    salvage: bool,
    out: &mut Vec<CorruptRow<K>>,
) -> Result<(), StoreError> {
    let key = row.key(spec)?;
    set_aside(&spec.table, key, row.version(spec), error, salvage, out, "")
}

/// A corrupt fact of `key` at `version` (`place` says where, after the
/// key): set aside when salvaging, the error otherwise.
pub(crate) fn set_aside<K: Key>(
    table: &str,
    key: K,
    version: u8,
    error: crate::Error,
    salvage: bool,
    out: &mut Vec<CorruptRow<K>>,
    place: &str,
) -> Result<(), StoreError> {
    if !salvage {
        return Err(StoreError::Corrupt {
            table: table.to_owned(),
            key: format!("{key:?}{place}"),
            source: error,
        });
    }
    out.push(CorruptRow {
        key,
        version,
        error,
    });
    Ok(())
}

/// Which rows a read keeps and what it records of their keys.
pub(crate) struct Keep<'a, K: Key> {
    /// Only the rows of these keys (a lookup's superset holds others).
    pub(crate) keys: Option<&'a KeySet<'a, K>>,
    /// Each kept row's key, appended in the order of the facts.
    pub(crate) columns: Option<&'a mut K::Columns>,
}

/// Where a row's key stands against a read's [`Keep`].
enum Kept<K> {
    /// Not asked for: skip the row.
    No,
    /// Kept; the key, when the read needed to decode it.
    Yes(Option<K>),
}

/// Whether `row` is kept; records its key when asked to.
fn kept<K: Key>(
    spec: &Spec,
    row: RowRef<'_>,
    keep: &mut Keep<'_, K>,
    buf: &mut Vec<u8>,
) -> Result<Kept<K>, StoreError> {
    if let Some(set) = keep.keys {
        buf.clear();
        row.put_key(spec, buf)?;
        let Some(position) = set.position(buf) else {
            return Ok(Kept::No);
        };
        if let (Some(columns), Some(key)) = (keep.columns.as_deref_mut(), set.keys.get(position)) {
            key.push_columns(columns);
        }
        return Ok(Kept::Yes(None));
    }
    if let Some(columns) = keep.columns.as_deref_mut() {
        let key: K = row.key(spec)?;
        key.push_columns(columns);
        return Ok(Kept::Yes(Some(key)));
    }
    Ok(Kept::Yes(None))
}

/// Reads the rows `w` selects into columns.
pub(crate) async fn columns<T: Facts, K: Key>(
    store: &Table<T, K>,
    w: Where,
    salvage: bool,
    mut keep: Keep<'_, K>,
) -> Result<Salvage<T::Columns, K>, StoreError> {
    let spec = store.spec();
    let fill = store.fill();
    let mut facts = T::Columns::with_capacity(keep.keys.map_or(1024, KeySet::len));
    let mut skipped = Vec::new();
    let mut transient = T::Transient::default();
    let mut buf = Vec::with_capacity(64);
    scan_rows(store, w, false, |row| {
        let key = match kept(spec, row, &mut keep, &mut buf)? {
            Kept::No => return Ok(()),
            Kept::Yes(key) => key,
        };
        let blob = row.data(spec)?;
        if let Some(error) = version_mismatch::<T>(blob, row.version(spec)) {
            if let Some(columns) = keep.columns.as_deref_mut() {
                K::truncate_columns(columns, facts.len());
            }
            return corrupt(spec, row, error, salvage, &mut skipped);
        }
        let pushed = match fill {
            None => facts.push(blob),
            Some(fill) => {
                let key: K = match key {
                    Some(key) => key,
                    None => row.key(spec)?,
                };
                transient = T::Transient::default();
                fill(&key, &mut transient);
                facts.push(Filled::<T> {
                    blob,
                    transient: &transient,
                })
            }
        };
        match pushed {
            Ok(()) => Ok(()),
            Err(ColumnsError::Invalid { error, .. }) => {
                if let Some(columns) = keep.columns.as_deref_mut() {
                    K::truncate_columns(columns, facts.len());
                }
                corrupt(spec, row, error, salvage, &mut skipped)
            }
            Err(other) => Err(StoreError::Columns {
                table: spec.table.clone(),
                key: format!("{:?}", row.key::<K>(spec)?),
                source: other,
            }),
        }
    })
    .await?;
    store.count_read(facts.len());
    Ok(Salvage {
        facts,
        corrupt: skipped,
    })
}

/// Reads the rows `w` selects as packed facts with their keys.
pub(crate) async fn packed<T: Facts, K: Key>(
    store: &Table<T, K>,
    w: Where,
    salvage: bool,
    keys: Option<&KeySet<'_, K>>,
) -> Result<Salvage<Vec<(K, Packed<T>)>, K>, StoreError> {
    let spec = store.spec();
    let fill = store.fill();
    let mut facts = Vec::new();
    let mut skipped = Vec::new();
    let mut buf = Vec::with_capacity(64);
    let mut keep = Keep {
        keys,
        columns: None,
    };
    scan_rows(store, w, false, |row| {
        if let Kept::No = kept(spec, row, &mut keep, &mut buf)? {
            return Ok(());
        }
        let blob = row.data(spec)?;
        if let Some(error) = version_mismatch::<T>(blob, row.version(spec)) {
            return corrupt(spec, row, error, salvage, &mut skipped);
        }
        match Packed::<T>::copy_from_slice(blob) {
            Ok(mut packed) => {
                let key: K = row.key(spec)?;
                if let Some(fill) = fill {
                    fill(&key, packed.transient_mut());
                }
                facts.push((key, packed));
                Ok(())
            }
            Err(error) => corrupt(spec, row, error, salvage, &mut skipped),
        }
    })
    .await?;
    store.count_read(facts.len());
    Ok(Salvage {
        facts,
        corrupt: skipped,
    })
}
