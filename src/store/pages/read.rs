//! Reads of a paged store: SQL selects the pages that may hold matching
//! facts (exactly on the prefix, by min/max on mirrored fields), then each
//! fact is checked in Rust and handed over as a slice of its page. A page
//! whose recorded span of the bucketed field lies inside the filter's range
//! on it, with no other condition left, is kept whole without checks: the
//! page's SQL columns are trusted to include as they are trusted to exclude.
//! Counting reads the same pages, and counts those lying wholly inside the
//! filter from their rows alone.

use core::fmt::Write as _;
use std::collections::BTreeSet;

use crate::facts::Facts;

use super::super::error::StoreError;
use super::super::fact_store::FactStore;
use super::super::filter::{Cond, Filter};
use super::super::key::Key;
use super::super::mirror::{Cell, Mirror};
use super::super::read::{version_mismatch, Reader, Salvage, Sink, Visit};
use super::super::spec::{quote, Param, Spec, Where};
use super::super::sql::Cells;
use super::super::value::SqlType;
use super::codec::{self, Entry};
use super::exact::{compare, cond_column, Exact};
use super::shape::{min_max, paged, Layout, NULL_BUCKET};
use super::wanted::Wanted;

/// `SELECT prefix.., format_version, fingerprint, bucket, page, data,
/// <bucketed field>_min, <bucketed field>_max`.
pub(crate) fn select_sql(spec: &Spec, layout: &Layout, where_sql: &str) -> String {
    let mut columns: Vec<String> = spec
        .keys
        .iter()
        .take(layout.prefix)
        .map(|c| format!("t.{}", quote(&c.name)))
        .collect();
    columns.extend(
        ["format_version", "fingerprint", "bucket", "page", "data"].map(|c| format!("t.{c}")),
    );
    if let Some(m) = spec.mirrors.get(layout.bucket) {
        columns.extend(min_max(m.name()).map(|c| format!("t.{}", quote(&c))));
    }
    format!(
        "SELECT {} FROM {} AS t WHERE {where_sql}",
        columns.join(", "),
        quote(&spec.table)
    )
}

/// The SQL columns of a page row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Head {
    pub(crate) prefix: Vec<Cell>,
    /// The prefix, encoded as facts' keys are.
    pub(crate) prefix_bytes: Vec<u8>,
    pub(crate) version: i64,
    pub(crate) fingerprint: i64,
    pub(crate) bucket: i64,
    pub(crate) page: i64,
    /// The least and greatest value of the bucketed field among the page's
    /// facts, as its row records them; `None` when null or unreadable.
    pub(crate) span: Option<(Cell, Cell)>,
}

impl Head {
    /// The page, as errors name it: its prefix, bucket, number and version.
    pub(crate) fn describe(&self, spec: &Spec) -> String {
        let mut out = String::from("(");
        for (i, (c, cell)) in spec.keys.iter().zip(&self.prefix).enumerate() {
            let sep = if i > 0 { ", " } else { "" };
            let value = cell.clone().into_value(c.sql);
            let value = value.map_or_else(|| "null".to_owned(), |v| v.to_string());
            let _ = write!(out, "{sep}{} = {value}", c.name);
        }
        let bucket = match self.bucket {
            NULL_BUCKET => "null".to_owned(),
            b => b.to_string(),
        };
        let (page, version) = (self.page, self.version);
        let _ = write!(out, "), bucket {bucket}, page {page}, version {version}");
        out
    }
}

/// The prefix cells of `row`, whose first columns are the prefix's.
pub(crate) fn prefix_of(
    row: &dyn Cells,
    spec: &Spec,
    layout: &Layout,
) -> Result<Vec<Cell>, StoreError> {
    let columns = spec.keys.iter().take(layout.prefix).enumerate();
    columns
        .map(|(i, c)| {
            row.value(i, c.sql)
                .map(Cell::from)
                .ok_or_else(|| StoreError::BadKey {
                    table: spec.table.clone(),
                    column: c.name.clone(),
                })
        })
        .collect()
}

/// A row of [`select_sql`]: the page's SQL columns, and its bytes borrowed
/// from the row.
pub(crate) fn page_row<'a>(
    row: &'a dyn Cells,
    spec: &Spec,
    layout: &Layout,
) -> Result<(Head, &'a [u8]), StoreError> {
    let p = layout.prefix;
    let col = |off: usize, sql: SqlType, name: &str| {
        let bad = || StoreError::BadKey {
            table: spec.table.clone(),
            column: name.to_owned(),
        };
        row.int(p.saturating_add(off), sql).ok_or_else(bad)
    };
    let bound = |off: usize| {
        let sql = spec.mirrors.get(layout.bucket)?.sql;
        row.value(p.saturating_add(off), sql).map(Cell::from)
    };
    let prefix = prefix_of(row, spec, layout)?;
    let head = Head {
        prefix_bytes: codec::key_bytes(&layout.prefix_types(spec), &prefix),
        prefix,
        version: col(0, SqlType::I16, "format_version")?,
        fingerprint: col(1, SqlType::I64, "fingerprint")?,
        bucket: col(2, SqlType::I64, "bucket")?,
        page: col(3, SqlType::I32, "page")?,
        span: bound(5).zip(bound(6)),
    };
    let data = row.bytes(p.saturating_add(4));
    Ok((
        head,
        data.map_err(StoreError::db(&spec.table, "cannot read a page"))?,
    ))
}

/// The pages `filter` may select: visible, its prefix conditions exactly,
/// its conditions on mirrored fields by each page's min and max.
pub(crate) fn coarse(spec: &Spec, layout: &Layout, filter: &Filter) -> Result<Where, StoreError> {
    let mut w = Where::visible(spec);
    let prefix: Vec<&str> = spec
        .keys
        .iter()
        .take(layout.prefix)
        .map(|c| c.name.as_str())
        .collect();
    let on_prefix = Filter {
        conds: filter
            .conds
            .iter()
            .filter(|c| prefix.contains(&cond_column(c)))
            .cloned()
            .collect(),
    };
    w.filter(spec, &on_prefix)?;
    for cond in &filter.conds {
        let column = cond_column(cond);
        let Some(m) = spec.mirrors.iter().find(|m| m.name() == column) else {
            continue;
        };
        let [lo_col, hi_col] = min_max(m.name()).map(|c| format!("t.{}", quote(&c)));
        match cond {
            Cond::Range { lo, hi, .. } => {
                // A page overlaps the range: its greatest value is above the
                // lower bound, its least below the upper one.
                for cond in w.range(spec, (m.name(), m.sql), (lo, hi), [&hi_col, &lo_col])? {
                    w.sql.push_str(&format!(" AND {cond}"));
                }
            }
            Cond::In { values, .. } => {
                let cells = values.iter().map(|v| spec.cell(m.name(), m.sql, v));
                let mut cells = cells.collect::<Result<Vec<_>, _>>()?;
                cells.retain(|c| *c != Cell::Null);
                cells.sort_by(|a, b| compare(a, b).unwrap_or(core::cmp::Ordering::Equal));
                match (cells.first(), cells.last()) {
                    (Some(min), Some(max)) => {
                        let p = w.placeholder(Param::One(m.sql, min.clone()));
                        w.sql.push_str(&format!(" AND {hi_col} >= {p}"));
                        let p = w.placeholder(Param::One(m.sql, max.clone()));
                        w.sql.push_str(&format!(" AND {lo_col} <= {p}"));
                    }
                    _ => w.sql.push_str(" AND FALSE"),
                }
            }
            Cond::Null { null: false, .. } => w.sql.push_str(&format!(" AND {hi_col} IS NOT NULL")),
            Cond::Null { null: true, .. } => {}
        }
    }
    Ok(w)
}

/// Which facts of the selected pages a read keeps.
#[derive(Debug)]
enum ReadKeys {
    /// Those passing the exact filter.
    Filter(Exact),
    /// Those whose key is one of these.
    Keys(Wanted),
}

/// One fact of a page, as a read visits it.
struct Fact<'a> {
    spec: &'a Spec,
    layout: &'a Layout,
    head: &'a Head,
    entry: Entry<'a>,
}

impl<K: Key> Visit<K> for Fact<'_> {
    fn blob(&self) -> &[u8] {
        self.entry.blob
    }

    fn version(&self) -> u8 {
        u8::try_from(self.head.version).unwrap_or(0)
    }

    fn key(&self) -> Result<K, StoreError> {
        let bad = || StoreError::CorruptPage {
            table: self.spec.table.clone(),
            page: self.head.describe(self.spec),
            reason: "a fact's key does not hold the key type's values".to_owned(),
        };
        let suffix_types = self.layout.suffix_types(self.spec);
        let suffix = codec::key_cells(&suffix_types, self.entry.key).ok_or_else(bad)?;
        let cells = self.head.prefix.iter().cloned().chain(suffix);
        let mut values = cells
            .zip(&self.spec.keys)
            .map_while(|(cell, c)| cell.into_value(c.sql));
        K::from_values(&mut values).ok_or_else(bad)
    }

    fn place(&self) -> String {
        format!(" (in page {})", self.head.describe(self.spec))
    }
}

/// Visits the pages `w` selects as the driver streams them, each with those
/// of its facts that `keep` keeps (slices of the row), in page order.
async fn for_each<T: Facts, K: Key>(
    store: &FactStore<T, K>,
    w: Where,
    keep: &ReadKeys,
    mut each: impl FnMut(&[Fact<'_>]) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let spec = store.spec();
    let layout = paged(spec)?;
    let suffix_types = layout.suffix_types(spec);
    // With several compatible versions visible, a key may sit in a page of
    // each: the newest wins, so pages are read newest first.
    let dedupe = spec.visible.len() > 1;
    let mut seen: BTreeSet<Vec<u8>> = BTreeSet::new();
    let order = if dedupe {
        " ORDER BY t.format_version DESC"
    } else {
        ""
    };
    let sql = format!("{}{order}", select_sql(spec, layout, &w.sql));
    let visit = |row: &dyn Cells| -> Result<(), StoreError> {
        let (head, data) = page_row(row, spec, layout)?;
        let head_version = u8::try_from(head.version).unwrap_or(0);
        let entries = codec::row_entries(data, &suffix_types, (head.version, head.fingerprint))
            .map_err(|fault| StoreError::CorruptPage {
                table: spec.table.clone(),
                page: head.describe(spec),
                reason: fault.0,
            })?;
        let prefix_bytes = &head.prefix_bytes;
        let mut facts = Vec::with_capacity(entries.len());
        // A page whose every fact passes the filter by its recorded span
        // (pages with a null bucketed field have their own bucket) is kept
        // whole, without reading each fact's field.
        let (whole_page, suffixes) = match keep {
            ReadKeys::Filter(exact) => (
                head.bucket != NULL_BUCKET
                    && head
                        .span
                        .as_ref()
                        .is_some_and(|(lo, hi)| exact.implied_by_span(layout.bucket, lo, hi)),
                None,
            ),
            ReadKeys::Keys(wanted) => (false, wanted.suffixes(prefix_bytes)),
        };
        for entry in entries {
            let kept = match keep {
                ReadKeys::Keys(_) => suffixes.is_some_and(|s| s.contains(entry.key)),
                ReadKeys::Filter(exact) if whole_page || exact.is_empty() => true,
                ReadKeys::Filter(exact) => {
                    // A fact that fails the filter only because its bytes
                    // cannot be read, or claim another version than their
                    // page, is kept, for the read to report it.
                    exact.matches(spec, &suffix_types, &entry)
                        || T::validate(entry.blob).is_err()
                        || version_mismatch::<T>(entry.blob, head_version).is_some()
                }
            };
            if !kept {
                continue;
            }
            if dedupe && !seen.insert([prefix_bytes.as_slice(), entry.key].concat()) {
                continue;
            }
            facts.push(Fact {
                spec,
                layout,
                head: &head,
                entry,
            });
        }
        each(&facts)
    };
    store.pool().fetch(&spec.table, sql, &w.params, visit).await
}

/// How many facts the pages `w` selects hold, at most: each page's `facts`
/// column, kept between 0 and how many of the smallest valid fact its data
/// could hold (so that a corrupt count can neither ask for more memory than
/// the rows carry nor fail the read). Read from the pages' SQL columns only,
/// before their data. A hint: `None` when the query fails.
async fn capacity<T: Facts, K: Key>(store: &FactStore<T, K>, w: &Where) -> Option<usize> {
    let smallest = T::HEADER_LENS.first().copied().unwrap_or(1).max(1);
    let [least, _] = store.spec().dialect.least_greatest;
    let facts = format!("{least}(t.facts, LENGTH(t.data) / {smallest})");
    let n = sum(store, &facts, w, "cannot count the selected facts").await;
    usize::try_from(n.ok()?).ok()
}

/// The stored facts of `keys` into `sink`.
pub(crate) async fn get<T: Facts, K: Key, S: Sink<T, K>>(
    store: &FactStore<T, K>,
    keys: &[K],
    sink: S,
) -> Result<Salvage<S::Facts, K>, StoreError> {
    let spec = store.spec();
    let layout = paged(spec)?;
    let wanted = Wanted::new(spec, layout, keys)?;
    let w = wanted.pages(spec, layout)?;
    read_pages(store, w, &ReadKeys::Keys(wanted), false, sink).await
}

/// The facts `filter` selects into `sink`.
pub(crate) async fn read<T: Facts, K: Key, S: Sink<T, K>>(
    store: &FactStore<T, K>,
    filter: &Filter,
    salvage: bool,
    sink: S,
) -> Result<Salvage<S::Facts, K>, StoreError> {
    let spec = store.spec();
    let layout = paged(spec)?;
    let keep = ReadKeys::Filter(Exact::new(spec, layout.prefix, filter)?);
    read_pages(store, coarse(spec, layout, filter)?, &keep, salvage, sink).await
}

/// Reads the selected facts into `sink`: each page's facts together, as
/// slices of the page. Columns are allocated once, for as many facts as the
/// selected pages hold (or as many keys as asked for).
async fn read_pages<T: Facts, K: Key, S: Sink<T, K>>(
    store: &FactStore<T, K>,
    w: Where,
    keep: &ReadKeys,
    salvage: bool,
    sink: S,
) -> Result<Salvage<S::Facts, K>, StoreError> {
    // Reading by keys keeps at most one fact a key, however many the pages
    // hold. A filter keeps about as many facts as its pages hold only when
    // the pages' SQL columns decide it (on the prefix, or by the bucketed
    // field's range, where only the pages at its ends hold facts it drops);
    // otherwise the columns grow as facts come.
    let bucketed = paged(store.spec())?.bucket;
    let expected = match keep {
        ReadKeys::Keys(keys) => Some(keys.len()),
        ReadKeys::Filter(exact) if S::SIZED && exact.decided_by_pages(bucketed) => {
            capacity(store, &w).await
        }
        ReadKeys::Filter(_) => None,
    };
    let mut read = Reader::new(store, sink, salvage, expected);
    for_each(store, w, keep, |page| read.take(page)).await?;
    Ok(read.finish())
}

/// The condition, on alias `t`, that a page lies wholly inside `filter`'s
/// ranges on `m`, the bucketed field: not the page of null values, and its
/// least and greatest value within every range. Bound values become
/// parameters of `w`.
fn inside_sql(
    spec: &Spec,
    m: &Mirror,
    filter: &Filter,
    w: &mut Where,
) -> Result<String, StoreError> {
    let [lo_col, hi_col] = min_max(m.name()).map(|c| format!("t.{}", quote(&c)));
    let null_bucket = w.placeholder(Param::One(SqlType::I64, Cell::Int(NULL_BUCKET)));
    let mut parts = vec![
        format!("t.bucket <> {null_bucket}"),
        format!("{lo_col} IS NOT NULL"),
        format!("{hi_col} IS NOT NULL"),
    ];
    for cond in &filter.conds {
        let Cond::Range { column, lo, hi } = cond else {
            continue;
        };
        if column != m.name() {
            continue;
        }
        // The least value against the lower bound, the greatest against
        // the upper: then every value between them is inside too.
        parts.extend(w.range(spec, (m.name(), m.sql), (lo, hi), [&lo_col, &hi_col])?);
    }
    Ok(format!("({})", parts.join(" AND ")))
}

/// The sum of `expr`, each term taken as at least 0, over the pages `w`
/// selects.
async fn sum<T: Facts, K: Key>(
    store: &FactStore<T, K>,
    expr: &str,
    w: &Where,
    action: &'static str,
) -> Result<i64, StoreError> {
    let spec = store.spec();
    let [_, greatest] = spec.dialect.least_greatest;
    let sql = format!(
        "SELECT CAST(COALESCE(SUM({greatest}(0, {expr})), 0) AS BIGINT) FROM {} AS t WHERE {}",
        quote(&spec.table),
        w.sql
    );
    store
        .pool()
        .scalar(&spec.table, sql, &w.params, action)
        .await
}

/// How many facts `filter` selects. Pages lying wholly inside the filter's
/// range on the bucketed field (by the least and greatest value their row
/// records) are counted from their recorded fact count, without reading
/// their data; the others are read and checked fact by fact.
pub(crate) async fn count<T: Facts, K: Key>(
    store: &FactStore<T, K>,
    filter: &Filter,
) -> Result<u64, StoreError> {
    let spec = store.spec();
    let layout = paged(spec)?;
    let exact = Exact::new(spec, layout.prefix, filter)?;
    let mut rest = coarse(spec, layout, filter)?;
    let mut n = 0_u64;
    // With one visible version a key is in one page, so pages' counts add
    // up; with several, the same key may be in a page of each.
    let bucketed = spec.mirrors.get(layout.bucket);
    if let Some(m) =
        bucketed.filter(|_| spec.visible.len() == 1 && exact.decided_by_pages(layout.bucket))
    {
        let mut whole = rest.clone();
        let inside = inside_sql(spec, m, filter, &mut whole)?;
        whole.sql.push_str(&format!(" AND {inside}"));
        let recorded = sum(store, "t.facts", &whole, "cannot count the facts").await?;
        n = u64::try_from(recorded).unwrap_or(0);
        let inside = inside_sql(spec, m, filter, &mut rest)?;
        rest.sql
            .push_str(&format!(" AND NOT COALESCE({inside}, FALSE)"));
    }
    for_each(store, rest, &ReadKeys::Filter(exact), |page| {
        n = n.saturating_add(u64::try_from(page.len()).unwrap_or(u64::MAX));
        Ok(())
    })
    .await?;
    Ok(n)
}
