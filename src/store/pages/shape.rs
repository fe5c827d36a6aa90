//! The shape of a paged table: how a [`PageSpec`] resolves against a
//! store's spec, the table's columns and DDL, and how pages are named.

use chrono::TimeDelta;

use crate::kind::FieldKind;

use super::super::error::StoreError;
use super::super::field::FieldName;
use super::super::mirror::Cell;
pub(crate) use super::super::spec::Layout;
use super::super::spec::{quote, Column, Spec, Where, Written};
use super::super::value::SqlType;
use super::codec;

/// Packs several facts into each row: pages keyed by a prefix of the key
/// columns and a time bucket. See [`StoreBuilder::pages`](super::super::StoreBuilder::pages).
///
/// ```
/// # use factpack::store::PageSpec;
/// # use chrono::TimeDelta;
/// // Pages of (account, repository) and 30 days of `created`, at most 1,000 facts each.
/// let pages = PageSpec::new(2, "created", TimeDelta::days(30)).max_facts(1_000);
/// # let _ = pages;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageSpec {
    prefix: usize,
    field: String,
    width: TimeDelta,
    max_facts: usize,
}

impl PageSpec {
    /// Pages keyed by the first `prefix_columns` key columns and buckets of
    /// `width` of the time field `time_field` (a `DateTime`, `NaiveDateTime`
    /// or `NaiveDate` field, mirrored automatically). Facts whose field is
    /// null share one bucket per prefix. At most 1,024 facts a page.
    pub fn new(prefix_columns: usize, time_field: impl Into<FieldName>, width: TimeDelta) -> Self {
        Self {
            prefix: prefix_columns,
            field: time_field.into().as_str().to_owned(),
            width,
            max_facts: 1_024,
        }
    }

    /// At most `n` facts a page (at least 1); a fuller bucket takes several
    /// pages.
    #[must_use]
    pub fn max_facts(mut self, n: usize) -> Self {
        self.max_facts = n.max(1);
        self
    }

    /// The time field bucketed.
    pub(crate) fn field(&self) -> &str {
        &self.field
    }
}

/// The bucket of facts whose bucketed field is null.
pub(crate) const NULL_BUCKET: i64 = i64::MIN;

impl Layout {
    /// Resolves `pages` for a store with `keys` key columns whose mirrors
    /// already include the bucketed field.
    pub(crate) fn new(spec: &Spec, pages: &PageSpec) -> Result<Self, StoreError> {
        let fail = |reason: String| StoreError::config(&spec.table, reason);
        let (field, keys) = (&pages.field, spec.keys.len());
        if pages.prefix >= keys {
            return Err(fail(format!(
                "pages keyed by {} of the {keys} key columns: the prefix must leave at least one key column to tell a page's facts apart",
                pages.prefix
            )));
        }
        let bucket = spec.mirrors.iter().position(|m| m.name() == field);
        let bucket = bucket
            .ok_or_else(|| fail(format!("no mirrored field `{field}` to bucket pages by")))?;
        let width = match spec.mirrors.get(bucket).map(|m| m.info.kind) {
            Some(FieldKind::Timestamp { .. }) => pages.width.num_microseconds(),
            Some(FieldKind::Date) => (pages.width.num_seconds() % 86_400 == 0
                && pages.width.subsec_nanos() == 0)
                .then(|| pages.width.num_days()),
            _ => {
                return Err(fail(format!(
                    "pages are bucketed by time: `{field}` is not a timestamp or date field"
                )))
            }
        };
        let width = width.filter(|w| *w > 0).ok_or_else(|| {
            fail(format!(
                "bucket width {} for `{field}` must be positive (and whole days for a date)",
                pages.width
            ))
        })?;
        Ok(Self {
            prefix: pages.prefix,
            bucket,
            width,
            max_facts: pages.max_facts,
        })
    }

    /// The bucket of a fact whose bucketed field holds `cell`.
    pub(crate) fn bucket_of(&self, cell: &Cell) -> i64 {
        match cell {
            Cell::Int(v) => v.div_euclid(self.width),
            _ => NULL_BUCKET,
        }
    }

    /// The key columns of the prefix, and those past it: a page's facts'
    /// key suffix.
    pub(crate) fn split<'s>(&self, spec: &'s Spec) -> (&'s [Column], &'s [Column]) {
        spec.keys
            .split_at_checked(self.prefix)
            .unwrap_or((&spec.keys, &[]))
    }

    /// The cells of the prefix encoded as `bytes` (nulls where they do not
    /// decode).
    pub(crate) fn prefix_cells(&self, spec: &Spec, bytes: &[u8]) -> Vec<Cell> {
        let columns = self.split(spec).0;
        let mut cells = codec::key_cells(columns, bytes).unwrap_or_default();
        cells.resize(columns.len(), Cell::Null);
        cells
    }
}

/// The columns of a page's key after its prefix.
pub(crate) const PAGE_KEY: [(&str, SqlType); 4] = [
    ("bucket", SqlType::I64),
    ("page", SqlType::I32),
    ("format_version", SqlType::I16),
    ("fingerprint", SqlType::I64),
];

/// Adds to `w` that a page's prefix columns, then its `extra` columns, hold
/// one of `rows`: an encoded prefix and the extra columns' values. Nothing
/// when there are no such columns.
pub(crate) fn prefix_in<'a, const N: usize>(
    spec: &Spec,
    layout: &Layout,
    w: &mut Where,
    extra: [(&str, SqlType); N],
    rows: impl Iterator<Item = (&'a [u8], [Cell; N])>,
) -> Result<(), StoreError> {
    let prefix = layout
        .split(spec)
        .0
        .iter()
        .map(|c| (c.name.as_str(), c.sql));
    let columns: Vec<(&str, SqlType)> = prefix.chain(extra).collect();
    if columns.is_empty() {
        return Ok(());
    }
    let mut values = vec![Vec::new(); columns.len()];
    for (bytes, extra) in rows {
        let cells = layout.prefix_cells(spec, bytes).into_iter().chain(extra);
        for (column, cell) in values.iter_mut().zip(cells) {
            column.push(cell);
        }
    }
    w.in_list(&columns, values, &spec.table)
}

/// `<field>_min` and `<field>_max`.
pub(crate) fn min_max(field: &str) -> [String; 2] {
    [format!("{field}_min"), format!("{field}_max")]
}

/// The columns of a paged table besides `data` and `updated_at`, in the
/// order a write sends them.
pub(crate) fn columns(spec: &Spec, layout: &Layout) -> Vec<Written> {
    let prefix = layout
        .split(spec)
        .0
        .iter()
        .map(|c| (c.name.clone(), c.sql, true));
    let key = PAGE_KEY.map(|(name, sql)| (name.to_owned(), sql, true));
    let mut out: Vec<Written> = prefix.chain(key).collect();
    for m in &spec.mirrors {
        out.extend(min_max(m.name()).map(|name| (name, m.sql, false)));
    }
    out.push(("facts".into(), SqlType::I32, true));
    out
}

/// `CREATE TABLE IF NOT EXISTS` of a paged table, and what the backend
/// adds to it.
pub(crate) fn ddl(spec: &Spec, layout: &Layout) -> Vec<String> {
    let columns = columns(spec, layout);
    let key = columns
        .iter()
        .take(layout.prefix.saturating_add(PAGE_KEY.len()));
    let key: Vec<String> = key.map(|c| c.0.clone()).collect();
    let mut out = vec![spec.create_table(&columns, &key)];
    out.extend((spec.dialect.page_ddl)(&quote(&spec.table)));
    out
}

/// The page layout of `spec`, a paged store's.
pub(crate) fn paged(spec: &Spec) -> Result<&Layout, StoreError> {
    spec.pages
        .as_ref()
        .ok_or_else(|| StoreError::config(&spec.table, "not a paged store"))
}
