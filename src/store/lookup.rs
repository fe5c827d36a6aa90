//! Reads by key on a table of one fact per row.
//!
//! A join against a list of keys makes the server probe its primary key once
//! per key, or hash the list; for a hundred thousand keys either costs several
//! times reading the same rows by a plain filter. So a large lookup selects a
//! *superset* in SQL, on conditions the table's indexes serve (each key
//! column's few distinct values, or the range of a numeric one), and keeps the
//! rows whose key is asked for in Rust, by a hash of the encoded keys, while
//! the driver hands the rows over. A small lookup, or one whose superset the
//! server estimates much larger than the keys, joins as before.

use std::collections::{BTreeSet, HashMap};

use sqlx::Row as _;

use super::db::Pool;
use super::error::StoreError;
use super::key::Key;
use super::mirror::Cell;
use super::pages::cell_of;
use super::spec::{quote, Param, Spec, Where};
use super::value::SqlType;
use super::{pg, Backend};

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
pub(crate) struct KeySet<K> {
    /// The distinct keys, in the order first given.
    pub(crate) keys: Vec<K>,
    /// Each key's encoding ([`Key::put_encoded`]) to its position in `keys`.
    positions: HashMap<Box<[u8]>, usize>,
}

impl<K: Key> KeySet<K> {
    /// Collects `keys`, dropping repeats.
    pub(crate) fn new<'k>(keys: impl IntoIterator<Item = &'k K>) -> Self {
        let keys = keys.into_iter();
        let mut set = Self {
            keys: Vec::with_capacity(keys.size_hint().0),
            positions: HashMap::with_capacity(keys.size_hint().0),
        };
        let mut buf = Vec::with_capacity(64);
        for key in keys {
            buf.clear();
            key.put_encoded(0, &mut buf);
            let next = set.keys.len();
            if let std::collections::hash_map::Entry::Vacant(v) =
                set.positions.entry(buf.as_slice().into())
            {
                v.insert(next);
                set.keys.push(key.clone());
            }
        }
        set
    }

    /// Distinct keys.
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// The position of the key encoded as `encoded`, if it was asked for.
    pub(crate) fn position(&self, encoded: &[u8]) -> Option<usize> {
        self.positions.get(encoded).copied()
    }
}

/// The `WHERE` of a lookup of `keys` among the rows `w` selects: the join
/// against the list, or a superset the caller narrows with
/// [`KeySet::position`].
pub(crate) async fn where_keys<K: Key>(
    pool: &Pool,
    spec: &Spec,
    keys: &KeySet<K>,
    w: Where,
) -> Result<Where, StoreError> {
    let cells = key_cells(spec, &keys.keys)?;
    if keys.len() > JOIN_AT_MOST && spec.backend == Backend::Postgres {
        if let Some(superset) = superset(spec, &cells, w.clone())? {
            if let Pool::Postgres(pool) = pool {
                let limit = SUPERSET_PER_KEY.mul_add(keys.len() as f64, SUPERSET_SLACK);
                if estimate(pool, spec, &superset)
                    .await
                    .is_some_and(|rows| rows <= limit)
                {
                    return Ok(superset);
                }
            }
        }
    }
    let mut w = w;
    let names: Vec<(&str, SqlType)> = spec.keys.iter().map(|c| (c.name.as_str(), c.sql)).collect();
    w.in_list(&names, cells, &spec.table)?;
    Ok(w)
}

/// The keys' cells, one column of them per key column.
fn key_cells<K: Key>(spec: &Spec, keys: &[K]) -> Result<Vec<Vec<Cell>>, StoreError> {
    let mut columns: Vec<Vec<Cell>> = vec![Vec::with_capacity(keys.len()); spec.keys.len()];
    let mut values = Vec::with_capacity(spec.keys.len());
    for key in keys {
        values.clear();
        key.push_values(&mut values);
        for ((column, value), c) in columns.iter_mut().zip(values.drain(..)).zip(&spec.keys) {
            if !value.fits(c.sql) {
                return Err(StoreError::WrongType {
                    table: spec.table.clone(),
                    column: c.name.clone(),
                    expected: c.sql,
                    found: format!("{} {value}", value.kind()),
                });
            }
            column.push(cell_of(value));
        }
    }
    Ok(columns)
}

/// `w` and, per key column, its distinct values asked for when they are
/// few, or the range of a numeric one; `None` when no column narrows.
fn superset(spec: &Spec, cells: &[Vec<Cell>], mut w: Where) -> Result<Option<Where>, StoreError> {
    let mut narrowed = false;
    for (column, c) in cells.iter().zip(&spec.keys) {
        let target = format!("t.{}", quote(&c.name));
        if let Some(distinct) = distinct(column) {
            w.in_list(&[(c.name.as_str(), c.sql)], vec![distinct], &spec.table)?;
            narrowed = true;
        } else if let Some((lo, hi)) = range(column) {
            let lo = w.placeholder(Param::One(c.sql, lo));
            let hi = w.placeholder(Param::One(c.sql, hi));
            w.sql
                .push_str(&format!(" AND {target} BETWEEN {lo} AND {hi}"));
            narrowed = true;
        }
    }
    Ok(narrowed.then_some(w))
}

/// The distinct cells of a column, when there are at most [`DISTINCT_AT_MOST`].
fn distinct(column: &[Cell]) -> Option<Vec<Cell>> {
    let mut seen: BTreeSet<OrdCell<'_>> = BTreeSet::new();
    for cell in column {
        seen.insert(OrdCell(cell));
        if seen.len() > DISTINCT_AT_MOST {
            return None;
        }
    }
    Some(seen.into_iter().map(|c| c.0.clone()).collect())
}

/// The smallest and largest of a column of integers, instants or dates.
fn range(column: &[Cell]) -> Option<(Cell, Cell)> {
    let mut bounds: Option<(i64, i64)> = None;
    let mut make: Option<fn(i64) -> Cell> = None;
    for cell in column {
        let (v, f): (i64, fn(i64) -> Cell) = match cell {
            Cell::Int(v) => (*v, Cell::Int),
            Cell::Micros(v) => (*v, Cell::Micros),
            Cell::Days(v) => (*v, Cell::Days),
            _ => return None,
        };
        make = Some(f);
        bounds = Some(bounds.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))));
    }
    let (lo, hi) = bounds?;
    let make = make?;
    Some((make(lo), make(hi)))
}

/// A cell ordered for deduplication (floats by their bits).
struct OrdCell<'a>(&'a Cell);

impl OrdCell<'_> {
    fn rank(&self) -> (u8, i64, &str) {
        match self.0 {
            Cell::Null => (0, 0, ""),
            Cell::Bool(v) => (1, i64::from(*v), ""),
            Cell::Int(v) => (2, *v, ""),
            Cell::Float(v) => (3, i64::from_le_bytes(v.to_bits().to_le_bytes()), ""),
            Cell::Text(v) => (4, 0, v.as_str()),
            Cell::Micros(v) => (5, *v, ""),
            Cell::Days(v) => (6, *v, ""),
        }
    }
}

impl PartialEq for OrdCell<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.rank() == other.rank()
    }
}

impl Eq for OrdCell<'_> {}

impl PartialOrd for OrdCell<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrdCell<'_> {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

/// PostgreSQL's estimate of the rows `w` selects, from its planner's first
/// line (`... rows=N width=W)`).
async fn estimate(pool: &sqlx::PgPool, spec: &Spec, w: &Where) -> Option<f64> {
    let sql = format!(
        "EXPLAIN SELECT 1 FROM {} AS t WHERE {}",
        quote(&spec.table),
        w.sql
    );
    let args = pg::arguments(&w.params).ok()?;
    let row = sqlx::query_with(sqlx::AssertSqlSafe(sql), args)
        .fetch_one(pool)
        .await
        .ok()?;
    let line: String = row.try_get(0).ok()?;
    let at = line.find(" rows=")?;
    let rest = line.get(at.saturating_add(6)..)?;
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest.get(..end)?.parse().ok()
}
