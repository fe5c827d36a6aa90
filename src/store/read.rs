//! Reads: one streaming `SELECT`, each row's blob handed to the columns (or a
//! [`Packed`]) while the driver still holds it, with no row object of ours.

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use crate::columns::{ColumnSource, Columns, ColumnsError};
use crate::facts::Facts;
use crate::packed::Packed;

use super::db::Pool;
use super::error::{CorruptRow, StoreError};
use super::key::Key;
use super::spec::{quote, Spec, Where};
use super::{pg, sqlite, FactStore};

/// What a salvaging read returns: the facts that were read, and the rows set
/// aside because their blob is corrupt, by key, for the caller to recompute.
#[derive(Debug, Clone)]
pub struct Salvage<C, K> {
    /// The facts read.
    pub facts: C,
    /// The corrupt rows skipped.
    pub corrupt: Vec<CorruptRow<K>>,
}

/// A row of `SELECT keys.., format_version, data`, on either backend.
#[derive(Clone, Copy)]
enum RowRef<'a> {
    Pg(&'a PgRow),
    Sqlite(&'a SqliteRow),
}

impl<'a> RowRef<'a> {
    fn data(self, spec: &Spec) -> Result<&'a [u8], StoreError> {
        let i = spec.keys.len().saturating_add(1);
        match self {
            Self::Pg(row) => row.try_get(i),
            Self::Sqlite(row) => row.try_get(i),
        }
        .map_err(StoreError::db(&spec.table, "cannot read a blob"))
    }

    fn version(self, spec: &Spec) -> u8 {
        let i = spec.keys.len();
        let v: i64 = match self {
            Self::Pg(row) => row.try_get::<i16, _>(i).map(i64::from).unwrap_or(0),
            Self::Sqlite(row) => row.try_get(i).unwrap_or(0),
        };
        u8::try_from(v).unwrap_or(0)
    }

    fn key<K: Key>(self, spec: &Spec) -> Result<K, StoreError> {
        let mut failed = None;
        let mut values = spec.keys.iter().enumerate().map_while(|(i, c)| {
            let v = match self {
                Self::Pg(row) => pg::key_value(row, i, c.sql),
                Self::Sqlite(row) => sqlite::key_value(row, i, c.sql),
            };
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

/// Runs `SELECT keys.., format_version, data FROM table WHERE w`, calling
/// `each` on every row.
async fn scan<T: Facts, K: Key>(
    store: &FactStore<T, K>,
    w: Where,
    mut each: impl FnMut(RowRef<'_>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let spec = store.spec();
    let keys: Vec<String> = spec
        .keys
        .iter()
        .map(|c| format!("t.{}", quote(&c.name)))
        .collect();
    let sql = format!(
        "SELECT {}, t.format_version, t.data FROM {} AS t WHERE {}",
        keys.join(", "),
        quote(&spec.table),
        w.sql
    );
    match store.pool() {
        Pool::Postgres(pool) => {
            pg::fetch(pool, spec, sql, &w.params, |row| each(RowRef::Pg(row))).await
        }
        Pool::Sqlite(pool) => {
            sqlite::fetch(pool, spec, sql, &w.params, |row| each(RowRef::Sqlite(row))).await
        }
    }
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
    let key: K = row.key(spec)?;
    if salvage {
        out.push(CorruptRow {
            key,
            version: row.version(spec),
            error,
        });
        Ok(())
    } else {
        Err(StoreError::Corrupt {
            table: spec.table.clone(),
            key: format!("{key:?}"),
            source: error,
        })
    }
}

/// Reads the rows `w` selects into columns.
pub(crate) async fn columns<T: Facts, K: Key>(
    store: &FactStore<T, K>,
    w: Where,
    salvage: bool,
) -> Result<Salvage<T::Columns, K>, StoreError> {
    let spec = store.spec();
    let fill = store.fill();
    let mut facts = T::Columns::with_capacity(1024);
    let mut skipped = Vec::new();
    let mut transient = T::Transient::default();
    scan(store, w, |row| {
        let blob = row.data(spec)?;
        if let Some(error) = version_mismatch::<T>(blob, row.version(spec)) {
            return corrupt(spec, row, error, salvage, &mut skipped);
        }
        let pushed = match fill {
            None => facts.push(blob),
            Some(fill) => {
                let key: K = row.key(spec)?;
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
    Ok(Salvage {
        facts,
        corrupt: skipped,
    })
}

/// Reads the rows `w` selects as packed facts with their keys.
pub(crate) async fn packed<T: Facts, K: Key>(
    store: &FactStore<T, K>,
    w: Where,
    salvage: bool,
) -> Result<Salvage<Vec<(K, Packed<T>)>, K>, StoreError> {
    let spec = store.spec();
    let fill = store.fill();
    let mut facts = Vec::new();
    let mut skipped = Vec::new();
    scan(store, w, |row| {
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
    Ok(Salvage {
        facts,
        corrupt: skipped,
    })
}
