//! Reads by key on a table of one fact per row.
//!
//! A join against a list of keys makes the server probe its primary key once
//! per key, or hash the list; for a hundred thousand keys either costs several
//! times reading the same rows by a plain filter. So a large lookup selects a
//! *superset* in SQL, on conditions the table's indexes serve (each key
//! column's few distinct values, or the range of a numeric one), and keeps the
//! rows whose key is asked for in Rust, by a hash of the encoded keys, while
//! the driver hands the rows over. A small lookup, or one whose superset is
//! much larger than the keys (see [`Pool::estimate`]), joins.

use rustc_hash::FxHashSet;

use super::db::Pool;
use super::encoded::Encoded;
use super::error::StoreError;
use super::key::Key;
use super::mirror::Cell;
use super::spec::{quote, Param, Spec, Where};
use super::value::SqlType;

/// Lookups of at most this many keys join against the list.
const JOIN_AT_MOST: usize = 2_048;
/// A key column with at most this many distinct values asked for is
/// selected by an `IN` list of them.
const DISTINCT_AT_MOST: usize = 256;
/// The superset is read when the server estimates at most this many rows
/// per key asked for (plus [`SUPERSET_SLACK`]); otherwise the lookup joins.
const SUPERSET_PER_KEY: f64 = 4.0;
/// Rows a superset may hold beyond [`SUPERSET_PER_KEY`] per key.
const SUPERSET_SLACK: f64 = 10_000.0;

/// The keys of a lookup, each at its position: the first time a key is
/// given, duplicates dropped.
#[derive(Debug)]
pub(crate) struct KeySet<'k, K> {
    /// The distinct keys, in the order first given.
    pub(crate) keys: Vec<&'k K>,
    /// Each key's encoding ([`Key::put_encoded`]), at its position in `keys`.
    pub(crate) encoded: Encoded,
}

impl<'k, K: Key> KeySet<'k, K> {
    /// Collects `keys`, dropping repeats.
    pub(crate) fn new(keys: impl IntoIterator<Item = &'k K>) -> Self {
        Self::indexed(keys).0
    }

    /// Collects `keys`, dropping repeats; with each given key's position
    /// in the set, in the order given (`None` past the 4 billion keys a
    /// set holds).
    pub(crate) fn indexed(keys: impl IntoIterator<Item = &'k K>) -> (Self, Vec<Option<usize>>) {
        let keys = keys.into_iter();
        let n = keys.size_hint().0;
        let mut set = Self {
            keys: Vec::with_capacity(n),
            encoded: Encoded::with_capacity(n),
        };
        let mut positions = Vec::with_capacity(n);
        let mut buf = Vec::with_capacity(64);
        for key in keys {
            buf.clear();
            key.put_encoded(0, &mut buf);
            let position = set.encoded.place(&buf);
            if position == Some(set.keys.len()) {
                set.keys.push(key);
            }
            positions.push(position);
        }
        (set, positions)
    }

    /// Distinct keys.
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// The position of the key encoded as `encoded`, if it was asked for.
    pub(crate) fn position(&self, encoded: &[u8]) -> Option<usize> {
        self.encoded.position(encoded)
    }
}

/// The `WHERE` of a lookup of `keys` among the rows `w` selects: the join
/// against the list, or a superset the caller narrows with
/// [`KeySet::position`].
pub(crate) async fn where_keys<K: Key>(
    pool: &Pool,
    spec: &Spec,
    keys: &KeySet<'_, K>,
    w: Where,
) -> Result<Where, StoreError> {
    if keys.len() > JOIN_AT_MOST {
        if let Some(superset) = superset(spec, keys, w.clone())? {
            let limit = SUPERSET_PER_KEY.mul_add(keys.len() as f64, SUPERSET_SLACK);
            let rows = pool.estimate(&spec.table, &superset).await;
            if rows.is_some_and(|rows| rows <= limit) {
                return Ok(superset);
            }
        }
    }
    join(spec, keys.keys.iter().copied(), w)
}

/// `w` and the rows of `keys`: one `IN` list of key tuples (see
/// [`Where::in_list`]), each value checked against its column's type.
pub(crate) fn join<'a, K: Key>(
    spec: &Spec,
    keys: impl ExactSizeIterator<Item = &'a K>,
    mut w: Where,
) -> Result<Where, StoreError> {
    let mut columns: Vec<Vec<Cell>> = vec![Vec::with_capacity(keys.len()); spec.keys.len()];
    let mut values = Vec::with_capacity(spec.keys.len());
    for key in keys {
        values.clear();
        key.push_values(&mut values);
        for ((column, value), c) in columns.iter_mut().zip(&values).zip(&spec.keys) {
            column.push(spec.cell(&c.name, c.sql, value)?);
        }
    }
    let names: Vec<(&str, SqlType)> = spec.keys.iter().map(|c| (c.name.as_str(), c.sql)).collect();
    w.in_list(&names, columns, &spec.table)?;
    Ok(w)
}

/// A key column's spread over the keys asked for: its distinct values
/// while they are few, and its least and greatest 8-byte value.
type Spread<'a> = (Option<FxHashSet<&'a [u8]>>, i64, i64);

/// `w` and, per key column, its distinct values asked for when they are
/// few, or else the range of a numeric one; `None` when no column narrows.
/// Read from the keys' encodings, column by column, without building values.
fn superset<K: Key>(
    spec: &Spec,
    keys: &KeySet<'_, K>,
    mut w: Where,
) -> Result<Option<Where>, StoreError> {
    // Per column: its distinct values until there are too many, and the
    // range of its 8-byte values (numbers, when the column is numeric).
    let mut spreads: Vec<Spread<'_>> = spec
        .keys
        .iter()
        .map(|_| (Some(FxHashSet::default()), i64::MAX, i64::MIN))
        .collect();
    for encoded in keys.encoded.iter() {
        let mut rest = encoded;
        for ((distinct, lo, hi), c) in spreads.iter_mut().zip(&spec.keys) {
            let (value, tail) =
                Cell::split_encoded(c.sql, rest).ok_or_else(|| StoreError::BadKey {
                    table: spec.table.clone(),
                    column: c.name.clone(),
                })?;
            rest = tail;
            if let Some(seen) = distinct {
                seen.insert(value);
                if seen.len() > DISTINCT_AT_MOST {
                    *distinct = None;
                }
            }
            if let Ok(bytes) = value.try_into() {
                let v = i64::from_le_bytes(bytes);
                (*lo, *hi) = ((*lo).min(v), (*hi).max(v));
            }
        }
    }
    let mut narrowed = false;
    for ((distinct, lo, hi), c) in spreads.iter().zip(&spec.keys) {
        if let Some(seen) = distinct {
            let cells: Vec<Cell> = seen.iter().filter_map(|v| Cell::decode(c.sql, v)).collect();
            w.in_list(&[(c.name.as_str(), c.sql)], vec![cells], &spec.table)?;
        } else if !matches!(c.sql, SqlType::Text | SqlType::Bool | SqlType::F64) {
            let target = format!("t.{}", quote(&c.name));
            let lo = w.placeholder(Param::One(c.sql, Cell::Int(*lo)));
            let hi = w.placeholder(Param::One(c.sql, Cell::Int(*hi)));
            w.sql
                .push_str(&format!(" AND {target} BETWEEN {lo} AND {hi}"));
        } else {
            continue;
        }
        narrowed = true;
    }
    Ok(narrowed.then_some(w))
}
