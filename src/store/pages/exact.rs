//! Filters evaluated in Rust on each fact of a page: the page's SQL columns
//! only bound its facts (min/max per mirrored field), so every condition on a
//! mirrored field or on a key column past the prefix is checked again here,
//! on the fact's own bytes (through the field's offset and kind) and key.

use core::cmp::Ordering;
use core::ops::Bound;

use crate::store::error::StoreError;
use crate::store::filter::{Cond, Filter};
use crate::store::mirror::Cell;
use crate::store::spec::{Column, Spec};
use crate::store::value::Value;

use super::codec::{self, Entry};

/// What a check reads.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// Mirrored field `i` of the spec, from the blob.
    Mirror(usize),
    /// Key column `prefix + i`, from the entry's key suffix.
    Suffix(usize),
}

/// The test a value must pass.
#[derive(Debug, Clone)]
enum Test {
    Range(Bound<Cell>, Bound<Cell>),
    In(Vec<Cell>),
    Null(bool),
}

/// The conditions of a filter that SQL cannot decide for a page's facts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Exact {
    checks: Vec<(Target, Test)>,
}

/// The column `cond` is on.
pub(crate) fn cond_column(cond: &Cond) -> &str {
    match cond {
        Cond::Range { column, .. } | Cond::In { column, .. } | Cond::Null { column, .. } => column,
    }
}

/// Orders two cells of one column; `None` when either is null (or NaN).
pub(crate) fn compare(a: &Cell, b: &Cell) -> Option<Ordering> {
    match (a, b) {
        (Cell::Bool(a), Cell::Bool(b)) => Some(a.cmp(b)),
        (Cell::Int(a), Cell::Int(b)) => Some(a.cmp(b)),
        (Cell::Float(a), Cell::Float(b)) => a.partial_cmp(b),
        (Cell::Text(a), Cell::Text(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

impl Exact {
    /// The checks of `filter` on columns that are not the page's prefix,
    /// with every value checked against its column's type.
    pub(crate) fn new(spec: &Spec, prefix: usize, filter: &Filter) -> Result<Self, StoreError> {
        let mut checks = Vec::new();
        for cond in &filter.conds {
            let column = cond_column(cond);
            let sql = spec.column(column)?;
            let target = match spec.keys.iter().position(|c| c.name == column) {
                Some(i) => match i.checked_sub(prefix) {
                    Some(j) => Target::Suffix(j),
                    None => continue, // decided by SQL, exactly
                },
                None => match spec.mirrors.iter().position(|m| m.name() == column) {
                    Some(i) => Target::Mirror(i),
                    None => continue, // neither: `spec.column` said so
                },
            };
            let cell = |v: &Value| spec.cell(column, sql, v);
            let bound = |b: &Bound<Value>| {
                Ok::<_, StoreError>(match b {
                    Bound::Included(v) => Bound::Included(cell(v)?),
                    Bound::Excluded(v) => Bound::Excluded(cell(v)?),
                    Bound::Unbounded => Bound::Unbounded,
                })
            };
            let test = match cond {
                Cond::Range { lo, hi, .. } => Test::Range(bound(lo)?, bound(hi)?),
                Cond::In { values, .. } => {
                    Test::In(values.iter().map(cell).collect::<Result<_, _>>()?)
                }
                Cond::Null { null, .. } => Test::Null(*null),
            };
            checks.push((target, test));
        }
        Ok(Self { checks })
    }

    /// Whether there is nothing to check.
    pub(crate) fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }

    /// Whether every fact whose mirrored field `mirror` is not null and lies
    /// between `lo` and `hi` passes every check: each check is a range on
    /// that field containing both ends, or asks it not to be null. A range
    /// holding both ends holds everything between them.
    pub(crate) fn implied_by_span(&self, mirror: usize, lo: &Cell, hi: &Cell) -> bool {
        self.decided_by_pages(mirror)
            && self.checks.iter().all(|(_, test)| {
                !matches!(test, Test::Range(..)) || (passes(test, lo) && passes(test, hi))
            })
    }

    /// Whether the pages' SQL columns decide every check for all but the
    /// pages at the ends of a range: no checks, or only ranges on (and
    /// non-null conditions on) mirrored field `bucketed`, the field pages
    /// are bucketed by.
    pub(crate) fn decided_by_pages(&self, bucketed: usize) -> bool {
        self.checks.iter().all(|(target, test)| {
            matches!(target, Target::Mirror(i) if *i == bucketed)
                && matches!(test, Test::Range(..) | Test::Null(false))
        })
    }

    /// Whether `entry`, whose key suffix holds the columns `suffix`, passes
    /// every check.
    pub(crate) fn matches(&self, spec: &Spec, suffix: &[Column], entry: &Entry) -> bool {
        // The key suffix is decoded once, if a check reads it.
        let mut cells = None;
        self.checks.iter().all(|(target, test)| match target {
            Target::Mirror(i) => spec
                .mirrors
                .get(*i)
                .is_some_and(|m| passes(test, &m.cell(entry.blob))),
            Target::Suffix(i) => cells
                .get_or_insert_with(|| codec::key_cells(suffix, entry.key).unwrap_or_default())
                .get(*i)
                .is_some_and(|c| passes(test, c)),
        })
    }
}

fn passes(test: &Test, value: &Cell) -> bool {
    match test {
        Test::Null(null) => (*value == Cell::Null) == *null,
        Test::In(list) => list
            .iter()
            .any(|v| compare(value, v) == Some(Ordering::Equal)),
        Test::Range(lo, hi) => {
            let order = |b: &Cell| compare(value, b);
            let above = match lo {
                Bound::Included(b) => order(b).is_some_and(Ordering::is_ge),
                Bound::Excluded(b) => order(b).is_some_and(Ordering::is_gt),
                Bound::Unbounded => true,
            };
            let below = match hi {
                Bound::Included(b) => order(b).is_some_and(Ordering::is_le),
                Bound::Excluded(b) => order(b).is_some_and(Ordering::is_lt),
                Bound::Unbounded => true,
            };
            above && below
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_respect_bounds_and_exclude_nulls_as_sql_does() {
        let t = Test::Range(Bound::Included(Cell::Int(2)), Bound::Excluded(Cell::Int(5)));
        assert!(!passes(&t, &Cell::Int(1)));
        assert!(passes(&t, &Cell::Int(2)));
        assert!(passes(&t, &Cell::Int(4)));
        assert!(!passes(&t, &Cell::Int(5)));
        assert!(!passes(&t, &Cell::Null));
        // As in SQL, where an unbounded range adds no condition.
        let open = Test::Range(Bound::Unbounded, Bound::Unbounded);
        assert!(passes(&open, &Cell::Null));
        assert!(passes(&Test::Null(true), &Cell::Null));
        assert!(!passes(&Test::Null(false), &Cell::Null));
        assert!(passes(&Test::In(vec![Cell::Int(3)]), &Cell::Int(3)));
        assert!(!passes(&Test::In(vec![]), &Cell::Int(3)));
    }
}
