//! Writes of a paged store: in one transaction, lock the key prefixes the
//! batch touches, read all their pages, merge the change in, and rewrite the
//! groups of pages (prefix, bucket, version) that changed.
//!
//! On PostgreSQL each prefix is locked with a transaction-scoped advisory
//! lock, taken in one sorted order (so two batches cannot deadlock): unlike
//! row locks (`SELECT .. FOR UPDATE`), it also covers pages that do not exist
//! yet, which two batches would otherwise both create. SQLite's
//! `BEGIN IMMEDIATE` serializes writers.

use std::collections::{BTreeMap, BTreeSet};

use crate::facts::Facts;
use crate::packed::Packed;

use super::super::db::Lock;
use super::super::error::StoreError;
use super::super::fact_store::FactStore;
use super::super::filter::Filter;
use super::super::key::Key;
use super::super::mirror::Cell;
use super::super::read::put_key_columns;
use super::super::spec::{quote, quoted, versions_sql, Conflict, Spec, Where};
use super::super::sql::{Data, Rows};
use super::codec;
use super::exact::compare;
use super::incoming::{self, New};
use super::read::{selection, Head, ReadKeys};
use super::shape::{paged, prefix_in, Layout, PAGE_KEY};
use super::wanted::Wanted;

/// What a write does to the facts of the pages it reads.
enum Change<'a> {
    /// Adds these facts, replacing (per the conflict policy) those of the same key.
    Upsert(Vec<New<'a>>),
    /// Removes the facts a read of these would take.
    Delete(ReadKeys),
}

/// A group of pages: prefix (encoded), bucket, version, fingerprint.
type GroupKey<'a> = (&'a [u8], i64, i64, i64);

#[derive(Default)]
struct Group<'a> {
    facts: Vec<(&'a [u8], &'a [u8])>,
    changed: bool,
    /// The fingerprints its pages record, one per version up to theirs:
    /// a stored page's, or this code's for new facts.
    fingerprints: Vec<u64>,
}

/// A page's data: its facts, encoded (by [`codec::encode_into`]) only as
/// the page is written.
struct PageData<'a> {
    table: &'a str,
    entries: &'a [(&'a [u8], &'a [u8])],
    fingerprints: &'a [u64],
}

impl Data for PageData<'_> {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StoreError> {
        codec::encode_into(out, self.entries, self.fingerprints).map_err(|fault| {
            StoreError::config(self.table, format!("cannot write a page: {}", fault.0))
        })
    }
}

/// Whether `new` replaces `old` under `ReplaceIfNewer`: greater, or present
/// where the old is null.
fn newer(new: &Cell, old: &Cell) -> bool {
    compare(new, old) == Some(core::cmp::Ordering::Greater)
        || (*old == Cell::Null && *new != Cell::Null)
}

/// The groups of `stored` that `change` changes, their facts after it
/// sorted by key, and how many facts it wrote or removed. `ours` are the
/// fact type's fingerprints, one per version.
fn merge<'a>(
    spec: &Spec,
    layout: &Layout,
    stored: &'a [(Head, Vec<u8>)],
    change: &'a Change<'a>,
    ours: &[u64],
) -> (BTreeMap<GroupKey<'a>, Group<'a>>, u64) {
    let suffix = layout.split(spec).1;
    // Each stored page with its frame and entries (`None`: corrupt). A page
    // whose bytes are not a page, or whose header is not its row's, is
    // dropped by the rewrite: every read already refuses it whole
    // (`CorruptPage`), and the rewrite says so loudly.
    let pages: Vec<_> = stored
        .iter()
        .map(|(head, data)| {
            let row = (head.version, head.fingerprint);
            let parsed = codec::row_entries(data, suffix, row).inspect_err(|fault| {
                tracing::warn!(
                    table = %spec.table,
                    page = %head.describe(spec, layout),
                    reason = %fault.0,
                    "a corrupt page is dropped by the rewrite of its bucket"
                );
            });
            (head, parsed.ok())
        })
        .collect();
    // Upserts: the new facts by key, and whether each wins over the facts
    // stored under its key (always, unless the policy says otherwise).
    let mut by_key: BTreeMap<(&[u8], &[u8]), usize> = BTreeMap::new();
    let mut accepted: Vec<bool> = Vec::new();
    if let Change::Upsert(news) = change {
        accepted = vec![true; news.len()];
        // Without stored pages (a new prefix), nothing can conflict.
        if !stored.is_empty() {
            by_key.extend(news.iter().map(|n| (n.prefix, n.suffix)).zip(0..));
        }
        let newer_mirror = match &spec.conflict {
            Conflict::ReplaceIfNewer(c) => spec.mirrors.iter().find(|m| m.name() == c.as_str()),
            _ => None,
        };
        // Replacing, every new fact wins: no need to look.
        for (head, parsed) in pages.iter().filter(|_| spec.conflict != Conflict::Replace) {
            for e in parsed.iter().flat_map(|(_, entries)| entries) {
                let Some(&i) = by_key.get(&(head.prefix.as_slice(), e.key)) else {
                    continue;
                };
                let keep_old = match newer_mirror.zip(news.get(i)) {
                    Some((m, n)) => !newer(&m.cell(n.blob), &m.cell(e.blob)),
                    None => spec.conflict == Conflict::Keep,
                };
                if let Some(a) = accepted.get_mut(i).filter(|_| keep_old) {
                    *a = false;
                }
            }
        }
    }
    let mut affected = 0_u64;
    let mut groups: BTreeMap<GroupKey, Group<'a>> = BTreeMap::new();
    for (h, parsed) in &pages {
        let prefix = h.prefix.as_slice();
        let key = (prefix, h.bucket, h.version, h.fingerprint);
        let group = groups.entry(key).or_default();
        let Some((frame, entries)) = parsed else {
            group.changed = true;
            continue;
        };
        if group.fingerprints.is_empty() {
            // The page's header, checked against its row, records them.
            group.fingerprints = frame.fingerprints().collect();
        }
        let takes = match change {
            Change::Delete(keys) => Some(keys.takes(spec, layout, h)),
            Change::Upsert(_) => None,
        };
        for e in entries {
            let remove = match &takes {
                Some(takes) => takes(e),
                None => by_key
                    .get(&(prefix, e.key))
                    .is_some_and(|&i| accepted.get(i) == Some(&true)),
            };
            if !remove {
                group.facts.push((e.key, e.blob));
                continue;
            }
            group.changed = true;
            affected = affected.saturating_add(u64::from(takes.is_some()));
        }
    }
    if let Change::Upsert(news) = change {
        // The news come prefix by prefix: each prefix's facts are gathered by
        // (bucket, version, fingerprint) first, and each such group joins
        // `groups` once, rather than every fact looking up its prefix bytes.
        let mut accepted = accepted.iter();
        for same in news.chunk_by(|a, b| a.prefix == b.prefix) {
            let mut run: BTreeMap<_, Vec<_>> = BTreeMap::new();
            for n in same.iter().filter(|_| accepted.next() == Some(&true)) {
                let at = (n.bucket, n.version, n.fingerprint);
                run.entry(at).or_default().push((n.suffix, n.blob));
            }
            let Some(first) = same.first() else { continue };
            for ((bucket, version, fingerprint), facts) in run {
                affected = affected.saturating_add(facts.len() as u64);
                let key = (first.prefix, bucket, version, fingerprint);
                let group = groups.entry(key).or_default();
                if group.fingerprints.is_empty() {
                    // A new fact's version is one of ours (checked on entry).
                    let upto = ours.get(..usize::try_from(version).unwrap_or(0));
                    group.fingerprints = upto.unwrap_or_default().to_vec();
                }
                group.changed = true;
                group.facts.extend(facts);
            }
        }
    }
    groups.retain(|_, g| g.changed);
    for group in groups.values_mut() {
        group.facts.sort_by(|a, b| a.0.cmp(b.0));
    }
    (groups, affected)
}

/// Widens `[lo, hi]` (nulls while no value was seen) to hold `v`; a null
/// `v` changes nothing.
fn widen([lo, hi]: &mut [Cell; 2], v: Cell) {
    use core::cmp::Ordering::{Greater, Less};
    if v == Cell::Null {
        return;
    }
    if *lo == Cell::Null || compare(&v, lo) == Some(Less) {
        *lo = v.clone();
    }
    if *hi == Cell::Null || compare(&v, hi) == Some(Greater) {
        *hi = v;
    }
}

/// The pages of the changed groups, at most `max_facts` facts each.
fn paginate<'a>(
    spec: &'a Spec,
    layout: &Layout,
    groups: &'a BTreeMap<GroupKey<'_>, Group<'a>>,
) -> Rows<PageData<'a>> {
    let columns = quoted(&super::shape::columns(spec, layout));
    let mut out = Rows::new(columns, groups.len());
    for ((prefix, bucket, version, fingerprint), group) in groups {
        let prefix = layout.prefix_cells(spec, prefix);
        for (page, chunk) in group.facts.chunks(layout.max_facts).enumerate() {
            let mut bounds: Vec<[Cell; 2]> = vec![[Cell::Null, Cell::Null]; spec.mirrors.len()];
            for (_, blob) in chunk {
                for (m, bound) in spec.mirrors.iter().zip(bounds.iter_mut()) {
                    widen(bound, m.cell(blob));
                }
            }
            let [page, facts] = [page, chunk.len()].map(|n| i64::try_from(n).unwrap_or(i64::MAX));
            let key = [*bucket, page, *version, *fingerprint].map(Cell::Int);
            let bounds = bounds.into_iter().flatten();
            out.cells
                .extend(prefix.iter().cloned().chain(key).chain(bounds));
            out.cells.push(Cell::Int(facts));
            out.data.push(PageData {
                table: &spec.table,
                entries: chunk,
                fingerprints: &group.fingerprints,
            });
        }
    }
    out
}

/// Rewrites the pages of `prefixes` (encoded) that `w` selects (it holds
/// their versions) with `change`, in one transaction.
async fn rewrite<T: Facts, K: Key, P: AsRef<[u8]>>(
    store: &FactStore<T, K>,
    prefixes: &[P],
    mut w: Where,
    change: &Change<'_>,
) -> Result<u64, StoreError> {
    let spec = store.spec();
    let layout = paged(spec)?;
    if prefixes.is_empty() {
        return Ok(0);
    }
    let prefixes = prefixes.iter().map(AsRef::as_ref);
    prefix_in(spec, layout, &mut w, [], prefixes.clone().map(|p| (p, [])))?;
    let mut tx = store.pool().begin(&spec.table).await?;
    let locks = prefixes.map(Lock::Prefix);
    tx.lock(&spec.table, locks, "cannot lock the pages").await?;
    let mut stored = Vec::new();
    let sql = Head::select(spec, layout, &w.sql);
    tx.fetch(&spec.table, sql, &w.params, |row| {
        let (head, data) = Head::read(row, spec, layout)?;
        stored.push((head, data.to_vec()));
        Ok(())
    })
    .await?;
    let (groups, affected) = merge(spec, layout, &stored, change, T::FINGERPRINTS);
    if !groups.is_empty() {
        // The groups' pages go, whatever their number, for the new ones.
        let mut d = Where::raw(spec, "TRUE".to_owned());
        let [bucket, _, version, fingerprint] = PAGE_KEY;
        let rows = groups
            .keys()
            .map(|&(prefix, b, v, fp)| (prefix, [b, v, fp].map(Cell::Int)));
        prefix_in(spec, layout, &mut d, [bucket, version, fingerprint], rows)?;
        let sql = format!("DELETE FROM {} AS t WHERE {}", quote(&spec.table), d.sql);
        tx.execute(&spec.table, sql, &d.params, "cannot rewrite the pages")
            .await?;
        tx.insert(&spec.table, &paginate(spec, layout, &groups))
            .await?;
    }
    tx.commit(&spec.table).await?;
    Ok(affected)
}

/// Upserts `rows` into a paged store. Returns the facts written.
pub(crate) async fn upsert<T: Facts, K: Key>(
    store: &FactStore<T, K>,
    rows: &[(K, Packed<T>)],
) -> Result<u64, StoreError> {
    let (spec, mut keys) = (store.spec(), Vec::new());
    let news = incoming::place(spec, paged(spec)?, rows, &mut keys)?;
    // The pages of the visible versions and of the new facts' versions
    // (consecutive facts mostly share one).
    let version = |n: &New| (n.version, n.fingerprint);
    let runs = news.chunk_by(|a, b| version(a) == version(b));
    let visible = spec.visible.iter().map(|(v, fp)| (i64::from(*v), *fp));
    let new = runs.filter_map(|run| Some(version(run.first()?)));
    let versions: BTreeSet<_> = visible.chain(new).collect();
    let w = Where::raw(spec, versions_sql("t", versions));
    let prefixes = news.chunk_by(|a, b| a.prefix == b.prefix);
    let prefixes: Vec<&[u8]> = prefixes
        .filter_map(|run| Some(run.first()?.prefix))
        .collect();
    rewrite(store, &prefixes, w, &Change::Upsert(news)).await
}

/// Deletes the facts of `keys`, of every version. Returns the facts removed.
pub(crate) async fn delete<T: Facts, K: Key>(
    store: &FactStore<T, K>,
    keys: &[K],
) -> Result<u64, StoreError> {
    let spec = store.spec();
    let wanted = Wanted::new(spec, paged(spec)?, keys)?;
    let prefixes: Vec<Vec<u8>> = wanted.prefixes().map(<[u8]>::to_vec).collect();
    let every_version = Where::raw(spec, "TRUE".to_owned());
    let change = Change::Delete(ReadKeys::Keys(wanted));
    rewrite(store, &prefixes, every_version, &change).await
}

/// Deletes the visible facts `filter` selects. Returns the facts removed.
pub(crate) async fn delete_where<T: Facts, K: Key>(
    store: &FactStore<T, K>,
    filter: &Filter,
) -> Result<u64, StoreError> {
    let spec = store.spec();
    let (layout, exact, w) = selection(spec, filter)?;
    // The prefixes that may hold such facts; the rewrite reads all their pages.
    let (prefix, _) = layout.split(spec);
    let columns = prefix.iter().map(|c| format!("t.{}", quote(&c.name)));
    let columns: Vec<String> = columns.chain(["1".to_owned()]).collect();
    let sql = format!(
        "SELECT DISTINCT {} FROM {} AS t WHERE {}",
        columns.join(", "),
        quote(&spec.table),
        w.sql
    );
    let mut prefixes = Vec::new();
    store
        .pool()
        .fetch(&spec.table, sql, &w.params, |row| {
            let mut prefix = Vec::new();
            put_key_columns(row, &spec.table, layout.split(spec).0, &mut prefix)?;
            prefixes.push(prefix);
            Ok(())
        })
        .await?;
    let change = Change::Delete(ReadKeys::Filter(exact));
    rewrite(store, &prefixes, Where::visible(spec), &change).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_treats_null_as_oldest() {
        assert!(newer(&Cell::Int(2), &Cell::Int(1)));
        assert!(!newer(&Cell::Int(1), &Cell::Int(1)));
        assert!(newer(&Cell::Int(1), &Cell::Null));
        assert!(!newer(&Cell::Null, &Cell::Int(1)));
    }
}
