//! Reads: one streaming `SELECT`, each row's blob handed to the columns (or a
//! [`Packed`]) while the driver still holds it, with no row object of ours.

use crate::columns::ColumnData as _;

use crate::columns::{ColumnSource, Columns, ColumnsError, PayloadSample};
use crate::facts::Facts;
use crate::packed::Packed;

use super::error::{CorruptRow, StoreError};
use super::fact_store::FactStore;
use super::key::Key;
use super::lookup::KeySet;
use super::spec::{quote, Column, Spec, Where};
use super::sql::Cells;
use super::table::Fill;
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
        put_key_columns(self.0, &spec.table, &spec.keys, out)
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

/// Appends the values of `columns`, the first columns of `row`, as
/// [`Key::put_encoded`] encodes keys.
///
/// # Errors
/// [`StoreError::BadKey`] naming the first column that does not hold a
/// value of its type.
pub(crate) fn put_key_columns(
    row: &dyn Cells,
    table: &str,
    columns: &[Column],
    out: &mut Vec<u8>,
) -> Result<(), StoreError> {
    for (i, c) in columns.iter().enumerate() {
        row.put_key(i, c.sql, out)
            .ok_or_else(|| StoreError::BadKey {
                table: table.to_owned(),
                column: c.name.clone(),
            })?;
    }
    Ok(())
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
    store: &FactStore<T, K>,
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

/// One fact as a read visits it: a row of the row layout, or a fact of a
/// page. Both layouts read through [`Reader`], a row as a page of one fact.
pub(crate) trait Visit<K: Key> {
    /// The fact's bytes, borrowed from the driver's row.
    fn blob(&self) -> &[u8];
    /// The `format_version` of the fact's row.
    fn version(&self) -> u8;
    fn key(&self) -> Result<K, StoreError>;
    /// Where the fact lies, as errors name it after its key.
    fn place(&self) -> String {
        String::new()
    }
    fn push_key(&self, columns: &mut K::Columns) -> Result<(), StoreError> {
        self.key()?.push_columns(columns);
        Ok(())
    }
}

/// A fact a [`Sink`] could not take: its position in the run, and why.
type Refused = Option<(usize, ColumnsError)>;

/// Where a read puts the facts it keeps: columns, or packed facts.
pub(crate) trait Sink<T: Facts, K: Key> {
    /// What the read returns.
    type Facts;
    /// Whether knowing how many facts will come is worth a query.
    const SIZED: bool;
    /// Prepares for about `rows` facts (`None`: unknown).
    fn expect(&mut self, rows: Option<usize>);
    fn len(&self) -> usize;
    /// Appends the facts of `run`, all of their row's version, with their
    /// transient fields filled by `fill`. On a fact it cannot take, the facts
    /// before it stay in.
    fn extend<F: Visit<K>>(
        &mut self,
        run: &[F],
        fill: Option<&Fill<T, K>>,
    ) -> Result<Refused, StoreError>;
    fn into_facts(self) -> Self::Facts;
}

impl<T: Facts, K: Key> Sink<T, K> for Vec<(K, Packed<T>)> {
    type Facts = Self;
    const SIZED: bool = false;

    fn expect(&mut self, _: Option<usize>) {}

    fn len(&self) -> usize {
        self.len()
    }

    fn extend<F: Visit<K>>(
        &mut self,
        run: &[F],
        fill: Option<&Fill<T, K>>,
    ) -> Result<Refused, StoreError> {
        for (position, fact) in run.iter().enumerate() {
            let mut packed = match Packed::<T>::copy_from_slice(fact.blob()) {
                Ok(packed) => packed,
                Err(error) => {
                    return Ok(Some((position, ColumnsError::Invalid { position, error })))
                }
            };
            let key = fact.key()?;
            if let Some(fill) = fill {
                fill(&key, packed.transient_mut());
            }
            self.push((key, packed));
        }
        Ok(None)
    }

    fn into_facts(self) -> Self {
        self
    }
}

/// Columns as a read fills them, with the keys of their facts when asked.
pub(crate) struct IntoColumns<'a, T: Facts, K: Key> {
    facts: T::Columns,
    keys: Option<&'a mut K::Columns>,
    transients: Vec<T::Transient>,
    sample: PayloadSample,
}

impl<'a, T: Facts, K: Key> IntoColumns<'a, T, K> {
    /// Empty columns; each fact's key goes into `keys` when given.
    pub(crate) fn new(keys: Option<&'a mut K::Columns>) -> Self {
        Self {
            facts: T::Columns::default(),
            keys,
            transients: Vec::new(),
            sample: PayloadSample::new(0, None),
        }
    }
}

/// Appends `sources` to `columns`: one (a row) without the block that
/// [`Columns::extend_from`] allocates, more in one pass. The position of
/// the fact refused is in `sources`.
fn put<T: Facts, S: ColumnSource<T>>(
    columns: &mut T::Columns,
    mut sources: impl ExactSizeIterator<Item = S>,
) -> Refused {
    let one = match sources.len() {
        1 => sources.next(),
        _ => None,
    };
    match one {
        Some(source) => columns
            .push_at(&source, columns.len())
            .err()
            .map(|e| (0, e)),
        None => columns
            .extend_from(sources)
            .err()
            .map(|e| (e.position(), e)),
    }
}

impl<T: Facts, K: Key> Sink<T, K> for IntoColumns<'_, T, K> {
    type Facts = T::Columns;
    const SIZED: bool = true;

    /// Allocates the columns once, for `rows` facts; their string and list
    /// buffers once the first facts show how large those run.
    fn expect(&mut self, rows: Option<usize>) {
        self.facts.reserve(rows.unwrap_or(1024));
        self.sample = PayloadSample::new(0, rows);
    }

    fn len(&self) -> usize {
        self.facts.len()
    }

    fn extend<F: Visit<K>>(
        &mut self,
        run: &[F],
        fill: Option<&Fill<T, K>>,
    ) -> Result<Refused, StoreError> {
        let refused = match fill {
            None => put::<T, _>(&mut self.facts, run.iter().map(F::blob)),
            Some(fill) => {
                self.transients.clear();
                for fact in run {
                    let mut transient = T::Transient::default();
                    fill(&fact.key()?, &mut transient);
                    self.transients.push(transient);
                }
                let sources = run.iter().zip(&self.transients);
                let sources = sources.map(|(fact, transient)| Filled::<T> {
                    blob: fact.blob(),
                    transient,
                });
                put::<T, _>(&mut self.facts, sources)
            }
        };
        if let Some(columns) = self.keys.as_deref_mut() {
            let appended = refused.as_ref().map_or(run.len(), |r| r.0);
            for fact in run.get(..appended).unwrap_or(&[]) {
                fact.push_key(columns)?;
            }
        }
        self.sample.check(&mut self.facts);
        Ok(refused)
    }

    fn into_facts(self) -> T::Columns {
        self.facts
    }
}

/// A read under way: its sink, and the corrupt facts it set aside.
pub(crate) struct Reader<'a, T: Facts, K: Key, S> {
    sink: S,
    corrupt: Vec<CorruptRow<K>>,
    salvage: bool,
    store: &'a FactStore<T, K>,
}

impl<'a, T: Facts, K: Key, S: Sink<T, K>> Reader<'a, T, K, S> {
    /// A read of `store` into `sink`, expecting about `rows` facts.
    pub(crate) fn new(
        store: &'a FactStore<T, K>,
        mut sink: S,
        salvage: bool,
        rows: Option<usize>,
    ) -> Self {
        sink.expect(rows);
        let corrupt = Vec::new();
        Self {
            sink,
            corrupt,
            salvage,
            store,
        }
    }

    /// Takes the kept facts of one row. The facts up to the next one whose
    /// version byte differs from its row's go in together; that one is
    /// corrupt, as is one the sink finds invalid: set aside when salvaging,
    /// the error otherwise.
    pub(crate) fn take<F: Visit<K>>(&mut self, mut facts: &[F]) -> Result<(), StoreError> {
        let table = &self.store.spec().table;
        while !facts.is_empty() {
            let mismatch = facts.iter().enumerate().find_map(|(i, fact)| {
                Some((i, version_mismatch::<T>(fact.blob(), fact.version())?))
            });
            let run = facts.get(..mismatch.as_ref().map_or(facts.len(), |m| m.0));
            let refused = self.sink.extend(run.unwrap_or(&[]), self.store.fill())?;
            let (at, error) = match (refused, mismatch) {
                (None, None) => return Ok(()),
                (None, Some(found)) => found,
                (Some((at, ColumnsError::Invalid { error, .. })), _) => (at, error),
                (Some((at, other)), _) => {
                    return Err(StoreError::Columns {
                        table: table.clone(),
                        key: match facts.get(at) {
                            Some(fact) => format!("{:?}", fact.key()?),
                            None => String::new(),
                        },
                        source: other,
                    })
                }
            };
            let Some(fact) = facts.get(at) else {
                return Ok(());
            };
            let key = fact.key()?;
            if !self.salvage {
                return Err(StoreError::Corrupt {
                    table: table.clone(),
                    key: format!("{key:?}{}", fact.place()),
                    source: error,
                });
            }
            let version = fact.version();
            self.corrupt.push(CorruptRow {
                key,
                version,
                error,
            });
            facts = facts.get(at.saturating_add(1)..).unwrap_or(&[]);
        }
        Ok(())
    }

    /// The facts read and those set aside.
    pub(crate) fn finish(self) -> Salvage<S::Facts, K> {
        self.store.count_read(self.sink.len());
        Salvage {
            facts: self.sink.into_facts(),
            corrupt: self.corrupt,
        }
    }
}

/// A row of the row layout, as a read visits it.
struct Row<'a, K> {
    spec: &'a Spec,
    row: RowRef<'a>,
    blob: &'a [u8],
    /// The key asked for that the row's key matched, in a lookup.
    asked: Option<&'a K>,
}

impl<K: Key> Visit<K> for Row<'_, K> {
    fn blob(&self) -> &[u8] {
        self.blob
    }

    fn version(&self) -> u8 {
        self.row.version(self.spec)
    }

    fn key(&self) -> Result<K, StoreError> {
        self.row.key(self.spec)
    }

    fn push_key(&self, columns: &mut K::Columns) -> Result<(), StoreError> {
        match self.asked {
            Some(key) => key.push_columns(columns),
            None => self.key()?.push_columns(columns),
        }
        Ok(())
    }
}

/// Reads the rows `w` selects into `sink`; only those of `keys` when given
/// (a lookup's superset holds others).
pub(crate) async fn rows<T: Facts, K: Key, S: Sink<T, K>>(
    store: &FactStore<T, K>,
    w: Where,
    salvage: bool,
    keys: Option<&KeySet<'_, K>>,
    sink: S,
) -> Result<Salvage<S::Facts, K>, StoreError> {
    let spec = store.spec();
    let mut read = Reader::new(store, sink, salvage, keys.map(KeySet::len));
    let mut buf = Vec::with_capacity(64);
    scan_rows(store, w, false, |row| {
        let mut asked = None;
        if let Some(set) = keys {
            buf.clear();
            row.put_key(spec, &mut buf)?;
            let Some(position) = set.position(&buf) else {
                return Ok(());
            };
            asked = set.keys.get(position).copied();
        }
        let blob = row.data(spec)?;
        read.take(&[Row {
            spec,
            row,
            blob,
            asked,
        }])
    })
    .await?;
    Ok(read.finish())
}
