//! Reads of a paged store: SQL selects the pages that may hold matching
//! facts (exactly on the prefix, by min/max on mirrored fields), then each
//! fact is checked in Rust and handed over as a slice of its page. A page
//! whose recorded span of the bucketed field lies inside the filter's range
//! on it, with no other condition left, is kept whole without checks: the
//! page's SQL columns are trusted to include as they are trusted to exclude.
//! Counting reads the same pages, and counts those lying wholly inside the
//! filter from their rows alone.

use std::collections::BTreeSet;

use crate::facts::Facts;

use super::super::error::StoreError;
use super::super::fact_store::FactStore;
use super::super::filter::{Cond, Filter};
use super::super::key::Key;
use super::super::mirror::{Cell, Mirror};
use super::super::read::{put_key_columns, version_mismatch, Reader, Salvage, Sink, Visit};
use super::super::spec::{quote, Param, Spec, Where};
use super::super::sql::Cells;
use super::super::value::{SqlType, Value};
use super::codec::{self, Entry};
use super::exact::{compare, cond_column, Exact};
use super::shape::{min_max, paged, prefix_in, Layout, NULL_BUCKET, PAGE_KEY};
use super::wanted::Wanted;

/// The SQL columns of a page row.
pub(crate) struct Head {
    /// The prefix, encoded as facts' keys are.
    pub(crate) prefix: Vec<u8>,
    pub(crate) bucket: i64,
    pub(crate) page: i64,
    pub(crate) version: i64,
    pub(crate) fingerprint: i64,
    /// The least and greatest value of the bucketed field among the page's
    /// facts, as its row records them; `None` when null or unreadable.
    pub(crate) span: Option<(Cell, Cell)>,
}

impl Head {
    /// `SELECT prefix.., bucket, page, format_version, fingerprint, data,
    /// <bucketed field>_min, <bucketed field>_max`: rows for [`Head::read`].
    pub(crate) fn select(spec: &Spec, layout: &Layout, where_sql: &str) -> String {
        let prefix = layout.split(spec).0.iter().map(|c| c.name.as_str());
        let bucketed = spec.mirrors.get(layout.bucket).map(|m| min_max(m.name()));
        let columns: Vec<String> = prefix
            .chain(PAGE_KEY.map(|(name, _)| name))
            .chain(["data"])
            .map(quote)
            .chain(bucketed.into_iter().flatten().map(|c| quote(&c)))
            .map(|c| format!("t.{c}"))
            .collect();
        format!(
            "SELECT {} FROM {} AS t WHERE {where_sql}",
            columns.join(", "),
            quote(&spec.table)
        )
    }

    /// A row of [`Head::select`]: the page's SQL columns, and its bytes
    /// borrowed from the row.
    pub(crate) fn read<'a>(
        row: &'a dyn Cells,
        spec: &Spec,
        layout: &Layout,
    ) -> Result<(Self, &'a [u8]), StoreError> {
        let mut prefix = Vec::with_capacity(64);
        put_key_columns(row, &spec.table, layout.split(spec).0, &mut prefix)?;
        let at = |i: usize| layout.prefix.saturating_add(i);
        let int = |i: usize, (name, sql): (&str, SqlType)| {
            row.int(at(i), sql).ok_or_else(|| StoreError::BadKey {
                table: spec.table.clone(),
                column: name.to_owned(),
            })
        };
        let bound = |i: usize| {
            let sql = spec.mirrors.get(layout.bucket)?.sql;
            row.value(at(i), sql).map(Cell::from)
        };
        let [bucket, page, version, fingerprint] = PAGE_KEY;
        let head = Self {
            prefix,
            bucket: int(0, bucket)?,
            page: int(1, page)?,
            version: int(2, version)?,
            fingerprint: int(3, fingerprint)?,
            span: bound(5).zip(bound(6)),
        };
        let data = row
            .bytes(at(4))
            .map_err(StoreError::db(&spec.table, "cannot read a page"));
        Ok((head, data?))
    }

    /// The page, as errors name it: its prefix, bucket, number and version.
    pub(crate) fn describe(&self, spec: &Spec, layout: &Layout) -> String {
        let show = |v: Option<Value>| v.map_or_else(|| "null".to_owned(), |v| v.to_string());
        let cells = layout.prefix_cells(spec, &self.prefix);
        let prefix: Vec<String> = (layout.split(spec).0.iter().zip(cells))
            .map(|(c, cell)| format!("{} = {}", c.name, show(cell.into_value(c.sql))))
            .collect();
        let bucket = show((self.bucket != NULL_BUCKET).then_some(Value::Int(self.bucket)));
        let (prefix, page, version) = (prefix.join(", "), self.page, self.version);
        format!("({prefix}), bucket {bucket}, page {page}, version {version}")
    }
}

/// What `filter` asks of the paged store of `spec`: its layout, the checks
/// left for each fact, and the pages that may hold the facts it selects.
pub(crate) fn selection<'s>(
    spec: &'s Spec,
    filter: &Filter,
) -> Result<(&'s Layout, Exact, Where), StoreError> {
    let layout = paged(spec)?;
    let exact = Exact::new(spec, layout.prefix, filter)?;
    Ok((layout, exact, coarse(spec, layout, filter)?))
}

/// The pages `filter` may select: visible, its prefix conditions exactly,
/// its conditions on mirrored fields by each page's min and max.
fn coarse(spec: &Spec, layout: &Layout, filter: &Filter) -> Result<Where, StoreError> {
    let mut w = Where::visible(spec);
    let prefix = layout.split(spec).0;
    let on_prefix = filter.conds.iter().filter(|cond| {
        let column = cond_column(cond);
        prefix.iter().any(|c| c.name == column)
    });
    let conds = on_prefix.cloned().collect();
    w.filter(spec, &Filter { conds })?;
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

/// Which facts of the selected pages a read (or a delete) takes.
#[derive(Debug)]
pub(crate) enum ReadKeys {
    /// Those passing the exact filter.
    Filter(Exact),
    /// Those whose key is one of these.
    Keys(Wanted),
}

impl ReadKeys {
    /// Whether each fact of the page of `head` is taken. A page whose every
    /// fact passes the filter by its recorded span (pages with a null
    /// bucketed field have their own bucket) is taken whole, without reading
    /// each fact's field.
    pub(crate) fn takes<'s>(
        &'s self,
        spec: &'s Spec,
        layout: &Layout,
        head: &Head,
    ) -> impl Fn(&Entry) -> bool + 's {
        let span = head.span.as_ref().filter(|_| head.bucket != NULL_BUCKET);
        let (whole, suffixes) = match self {
            Self::Filter(exact) => {
                let inside = |(lo, hi): &(Cell, Cell)| exact.implied_by_span(layout.bucket, lo, hi);
                (exact.is_empty() || span.is_some_and(inside), None)
            }
            Self::Keys(wanted) => (false, wanted.suffixes(&head.prefix)),
        };
        let suffix = layout.split(spec).1;
        move |entry: &Entry| match self {
            Self::Filter(exact) => whole || exact.matches(spec, suffix, entry),
            Self::Keys(_) => suffixes.is_some_and(|s| s.contains(entry.key)),
        }
    }
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
            page: self.head.describe(self.spec, self.layout),
            reason: "a fact's key does not hold the key type's values".to_owned(),
        };
        let (prefix, suffix) = self.layout.split(self.spec);
        let prefix = codec::key_cells(prefix, &self.head.prefix).ok_or_else(bad)?;
        let suffix = codec::key_cells(suffix, self.entry.key).ok_or_else(bad)?;
        let mut values = (prefix.into_iter().chain(suffix))
            .zip(&self.spec.keys)
            .map_while(|(cell, c)| cell.into_value(c.sql));
        K::from_values(&mut values).ok_or_else(bad)
    }

    fn place(&self) -> String {
        format!(" (in page {})", self.head.describe(self.spec, self.layout))
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
    let suffix = layout.split(spec).1;
    // With several compatible versions visible, a key may sit in a page of
    // each: the newest wins, so pages are read newest first.
    let dedupe = spec.visible.len() > 1;
    let mut seen: BTreeSet<Vec<u8>> = BTreeSet::new();
    let order = dedupe.then_some(" ORDER BY t.format_version DESC");
    let sql = Head::select(spec, layout, &w.sql) + order.unwrap_or_default();
    let visit = |row: &dyn Cells| -> Result<(), StoreError> {
        let (head, data) = Head::read(row, spec, layout)?;
        let head_version = u8::try_from(head.version).unwrap_or(0);
        let (_, entries) = codec::row_entries(data, suffix, (head.version, head.fingerprint))
            .map_err(|fault| StoreError::CorruptPage {
                table: spec.table.clone(),
                page: head.describe(spec, layout),
                reason: fault.0,
            })?;
        let mut facts = Vec::with_capacity(entries.len());
        let takes = keep.takes(spec, layout, &head);
        for entry in entries {
            // A fact that fails the filter only because its bytes cannot be
            // read, or claim another version than their page, is kept, for
            // the read to report it.
            let kept = takes(&entry)
                || (matches!(keep, ReadKeys::Filter(_))
                    && (T::validate(entry.blob).is_err()
                        || version_mismatch::<T>(entry.blob, head_version).is_some()));
            if !kept || (dedupe && !seen.insert([head.prefix.as_slice(), entry.key].concat())) {
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

/// The stored facts of `keys` into `sink`.
pub(crate) async fn get<T: Facts, K: Key, S: Sink<T, K>>(
    store: &FactStore<T, K>,
    keys: &[K],
    sink: S,
) -> Result<Salvage<S::Facts, K>, StoreError> {
    let spec = store.spec();
    let layout = paged(spec)?;
    let wanted = Wanted::new(spec, layout, keys)?;
    // The visible pages that can hold the keys: those of their prefixes.
    let mut w = Where::visible(spec);
    prefix_in(spec, layout, &mut w, [], wanted.prefixes().map(|p| (p, [])))?;
    read_pages(store, w, &ReadKeys::Keys(wanted), false, sink).await
}

/// The facts `filter` selects into `sink`.
pub(crate) async fn read<T: Facts, K: Key, S: Sink<T, K>>(
    store: &FactStore<T, K>,
    filter: &Filter,
    salvage: bool,
    sink: S,
) -> Result<Salvage<S::Facts, K>, StoreError> {
    let (_, exact, w) = selection(store.spec(), filter)?;
    read_pages(store, w, &ReadKeys::Filter(exact), salvage, sink).await
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
    // otherwise the columns grow as facts come. The pages' `facts` column
    // is kept between 0 and how many of the smallest valid fact their data
    // could hold, so that a corrupt count can neither ask for more memory
    // than the rows carry nor fail the read (a hint: `None` when the query
    // fails).
    let spec = store.spec();
    let expected = match keep {
        ReadKeys::Keys(keys) => Some(keys.len()),
        ReadKeys::Filter(exact) if S::SIZED && exact.decided_by_pages(paged(spec)?.bucket) => {
            let smallest = T::HEADER_LENS.first().copied().unwrap_or(1).max(1);
            let [least, _] = spec.dialect.least_greatest;
            let facts = format!("{least}(t.facts, LENGTH(t.data) / {smallest})");
            let n = sum(store, &facts, &w, "cannot count the selected facts").await;
            n.ok().and_then(|n| usize::try_from(n).ok())
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
    // The least value against the lower bound, the greatest against the
    // upper: then every value between them is inside too.
    for cond in &filter.conds {
        if let Cond::Range { column, lo, hi } = cond {
            if column == m.name() {
                parts.extend(w.range(spec, (m.name(), m.sql), (lo, hi), [&lo_col, &hi_col])?);
            }
        }
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
    let (layout, exact, mut rest) = selection(spec, filter)?;
    let mut n = 0_u64;
    // With one visible version a key is in one page, so pages' counts add
    // up; with several, the same key may be in a page of each.
    let bucketed = spec.mirrors.get(layout.bucket);
    if let Some(m) =
        bucketed.filter(|_| spec.visible.len() == 1 && exact.decided_by_pages(layout.bucket))
    {
        // Both take the parameters of the condition.
        let inside = inside_sql(spec, m, filter, &mut rest)?;
        let mut whole = rest.clone();
        whole.sql.push_str(&format!(" AND {inside}"));
        let recorded = sum(store, "t.facts", &whole, "cannot count the facts").await?;
        n = u64::try_from(recorded).unwrap_or(0);
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
