//! Counting the facts a filter selects in a paged store. Pages lying wholly
//! inside the filter's range on the bucketed field (by the least and greatest
//! value their row records) are counted from their recorded fact count,
//! without reading their data; the others are read and checked fact by fact.

use crate::facts::Facts;

use super::super::error::StoreError;
use super::super::filter::{Cond, Filter};
use super::super::key::Key;
use super::super::mirror::{Cell, Mirror};
use super::super::spec::{quote, Param, Spec, Where};
use super::super::table::Table;
use super::super::value::SqlType;
use super::exact::Exact;
use super::read::{coarse, for_each, ReadKeys};
use super::shape::{min_max, NULL_BUCKET};

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
pub(super) async fn sum<T: Facts, K: Key>(
    store: &Table<T, K>,
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

/// How many facts `filter` selects.
pub(crate) async fn count<T: Facts, K: Key>(
    store: &Table<T, K>,
    filter: &Filter,
) -> Result<u64, StoreError> {
    let spec = store.spec();
    let layout = super::shape::paged(spec)?;
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
