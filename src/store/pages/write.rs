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

use super::super::error::StoreError;
use super::super::fact_store::FactStore;
use super::super::filter::Filter;
use super::super::key::Key;
use super::super::mirror::Cell;
use super::super::spec::{quote, quoted, Conflict, Spec, Where};
use super::super::sql::{Data, Rows};
use super::super::value::SqlType;
use super::codec::{self, Entry};
use super::exact::{compare, Exact};
use super::incoming::{Incoming, New};
use super::read::{coarse, page_row, prefix_of, select_sql, Head};
use super::shape::{prefix_in, Layout};
use super::wanted::Wanted;

/// A page read inside the transaction.
struct Stored {
    head: Head,
    data: Vec<u8>,
}

/// What a write does to the facts of the pages it reads.
enum Change<'a> {
    /// Adds these facts, replacing (per the conflict policy) those of the same key.
    Upsert(Vec<New<'a>>),
    /// Removes the facts of these keys.
    Delete(Wanted),
    /// Removes the facts that pass the filter.
    DeleteWhere(Exact),
}

/// A group of pages: prefix (encoded), bucket, version, fingerprint.
type GroupKey<'a> = (&'a [u8], i64, i64, i64);

#[derive(Default)]
struct Group<'a> {
    prefix: Vec<Cell>,
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

/// The facts of `existing` after `change`, grouped, and how many facts the
/// change wrote or removed. `ours` are the fact type's fingerprints, one
/// per version.
fn merge<'a>(
    spec: &Spec,
    layout: &Layout,
    existing: &'a [Stored],
    change: &'a Change<'a>,
    ours: &[u64],
) -> Result<(BTreeMap<GroupKey<'a>, Group<'a>>, u64), StoreError> {
    let suffix_types = layout.suffix_types(spec);
    // Each stored page with its entries (`None`: corrupt).
    let parsed: Vec<(&Stored, Option<Vec<Entry>>)> = existing
        .iter()
        .map(|s| {
            // A page whose bytes are not a page, or whose header is not its
            // row's, is dropped by the rewrite: every read already refuses
            // it whole (`CorruptPage`), and the rewrite says so loudly.
            let row = (s.head.version, s.head.fingerprint);
            let entries = match codec::row_entries(&s.data, &suffix_types, row) {
                Ok(entries) => Some(entries),
                Err(fault) => {
                    tracing::warn!(
                        table = %spec.table,
                        page = %s.head.describe(spec),
                        reason = %fault.0,
                        "a corrupt page is dropped by the rewrite of its bucket"
                    );
                    None
                }
            };
            (s, entries)
        })
        .collect();
    let mut affected = 0_u64;
    // Upserts: which new facts win over the facts stored under their key.
    let mut incoming: BTreeMap<(&[u8], &[u8]), usize> = BTreeMap::new();
    let mut accepted: Vec<bool> = Vec::new();
    if let Change::Upsert(news) = change {
        accepted = vec![true; news.len()];
        // Without stored pages (a new prefix), nothing can conflict.
        if !existing.is_empty() {
            let keys = news.iter().map(|n| (n.prefix_bytes, n.suffix));
            incoming.extend(keys.zip(0..));
        }
        let newer_mirror = match &spec.conflict {
            Conflict::ReplaceIfNewer(c) => spec.mirrors.iter().find(|m| m.name() == c.as_str()),
            _ => None,
        };
        for (stored, entries) in &parsed {
            for e in entries.iter().flatten() {
                let Some(&i) = incoming.get(&(stored.head.prefix_bytes.as_slice(), e.key)) else {
                    continue;
                };
                let keep_old = match &spec.conflict {
                    Conflict::Replace => false,
                    Conflict::Keep => true,
                    Conflict::ReplaceIfNewer(_) => newer_mirror
                        .zip(news.get(i))
                        .is_some_and(|(m, n)| !newer(&m.cell(n.blob), &m.cell(e.blob))),
                };
                if let Some(a) = accepted.get_mut(i).filter(|_| keep_old) {
                    *a = false;
                }
            }
        }
    }
    let mut groups: BTreeMap<GroupKey, Group<'a>> = BTreeMap::new();
    for (stored, entries) in &parsed {
        let (h, prefix) = (&stored.head, stored.head.prefix_bytes.as_slice());
        let group = groups
            .entry((prefix, h.bucket, h.version, h.fingerprint))
            .or_insert_with(|| Group {
                prefix: h.prefix.clone(),
                ..Group::default()
            });
        let Some(entries) = entries else {
            group.changed = true;
            continue;
        };
        if group.fingerprints.is_empty() {
            // The page's header, checked against its row, records them.
            group.fingerprints = codec::fingerprints(&stored.data)
                .unwrap_or_else(|| ours_up_to(ours, h.version, h.fingerprint));
        }
        for e in entries {
            let remove = match change {
                Change::Upsert(_) => incoming
                    .get(&(prefix, e.key))
                    .is_some_and(|&i| accepted.get(i).copied().unwrap_or(false)),
                Change::Delete(keys) => keys.suffixes(prefix).is_some_and(|s| s.contains(e.key)),
                Change::DeleteWhere(exact) => exact.matches(spec, &suffix_types, e),
            };
            if remove {
                group.changed = true;
                if !matches!(change, Change::Upsert(_)) {
                    affected = affected.saturating_add(1);
                }
            } else {
                group.facts.push((e.key, e.blob));
            }
        }
    }
    if let Change::Upsert(news) = change {
        // The news come prefix by prefix: each prefix's facts are gathered by
        // (bucket, version, fingerprint) first, and each such group joins
        // `groups` once, rather than every fact looking up its prefix bytes.
        let mut accepted = accepted.iter();
        for same in news.chunk_by(|a, b| a.prefix_bytes == b.prefix_bytes) {
            let mut run: BTreeMap<_, Vec<_>> = BTreeMap::new();
            for n in same.iter().filter(|_| accepted.next() == Some(&true)) {
                affected = affected.saturating_add(1);
                let at = (n.bucket, n.version, n.fingerprint);
                run.entry(at).or_default().push((n.suffix, n.blob));
            }
            let Some(first) = same.first() else { continue };
            for ((bucket, version, fingerprint), facts) in run {
                let group = groups
                    .entry((first.prefix_bytes, bucket, version, fingerprint))
                    .or_insert_with(|| Group {
                        prefix: first.prefix.to_vec(),
                        ..Group::default()
                    });
                if group.fingerprints.is_empty() {
                    group.fingerprints = ours_up_to(ours, version, fingerprint);
                }
                group.changed = true;
                group.facts.extend(facts);
            }
        }
    }
    groups.retain(|_, g| g.changed);
    Ok((groups, affected))
}

/// This code's fingerprints up to `version`, if `fingerprint` is its
/// fingerprint of that version; empty otherwise (a page cannot be written
/// without them).
fn ours_up_to(ours: &[u64], version: i64, fingerprint: i64) -> Vec<u64> {
    let Ok(v) = usize::try_from(version) else {
        return Vec::new();
    };
    match ours.get(..v) {
        Some(list) if list.last().map(|fp| *fp as i64) == Some(fingerprint) => list.to_vec(),
        _ => Vec::new(),
    }
}

/// Widens `[lo, hi]` (nulls while no value was seen) to hold `v`; a null
/// `v` changes nothing.
fn widen(bound: &mut [Cell; 2], v: Cell) {
    use core::cmp::Ordering::{Greater, Less};
    if v == Cell::Null {
        return;
    }
    let [lo, hi] = bound;
    let below = *lo == Cell::Null || compare(&v, lo) == Some(Less);
    if *hi == Cell::Null || compare(&v, hi) == Some(Greater) {
        if below {
            *lo = v.clone();
        }
        *hi = v;
    } else if below {
        *lo = v;
    }
}

/// The pages of the changed groups (their facts sorted by key), at most
/// `max_facts` facts each.
fn paginate<'a>(
    spec: &'a Spec,
    layout: &Layout,
    groups: &'a BTreeMap<GroupKey<'_>, Group<'a>>,
) -> Rows<PageData<'a>> {
    let columns = quoted(&super::shape::columns(spec, layout));
    let mut out = Rows::new(columns, groups.len());
    for ((_, bucket, version, fingerprint), group) in groups {
        for (page, chunk) in group.facts.chunks(layout.max_facts).enumerate() {
            let mut bounds: Vec<[Cell; 2]> = vec![[Cell::Null, Cell::Null]; spec.mirrors.len()];
            for (_, blob) in chunk {
                for (m, bound) in spec.mirrors.iter().zip(bounds.iter_mut()) {
                    widen(bound, m.cell(blob));
                }
            }
            let page = i64::try_from(page).unwrap_or(i64::MAX);
            out.cells.extend(group.prefix.iter().cloned());
            out.cells
                .extend([*bucket, page, *version, *fingerprint].map(Cell::Int));
            out.cells.extend(bounds.into_iter().flatten());
            out.cells
                .push(Cell::Int(i64::try_from(chunk.len()).unwrap_or(i64::MAX)));
            out.data.push(PageData {
                table: &spec.table,
                entries: chunk,
                fingerprints: &group.fingerprints,
            });
        }
    }
    out
}

/// FNV-1a of the table and a prefix: the prefix's advisory lock.
fn lock_id(table: &str, prefix: &[u8]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in b"factpack:"
        .iter()
        .chain(table.as_bytes())
        .chain(&[0xff])
        .chain(prefix)
    {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

/// `(version = v AND fingerprint = fp) OR ..` on alias `t`.
fn versions_sql(versions: &BTreeSet<(i64, i64)>) -> String {
    let one = |(v, fp): &(i64, i64)| format!("(t.format_version = {v} AND t.fingerprint = {fp})");
    match versions.iter().map(one).collect::<Vec<_>>() {
        parts if parts.is_empty() => "TRUE".to_owned(),
        parts => format!("({})", parts.join(" OR ")),
    }
}

/// Rewrites the pages of `prefixes` (encoded, with their cells) of
/// `versions` (every version when empty) with `change`, in one transaction.
async fn rewrite<T: Facts, K: Key>(
    store: &FactStore<T, K>,
    prefixes: &BTreeMap<Vec<u8>, Vec<Cell>>,
    versions: &BTreeSet<(i64, i64)>,
    change: &Change<'_>,
) -> Result<u64, StoreError> {
    let spec = store.spec();
    let layout = super::shape::paged(spec)?;
    if prefixes.is_empty() {
        return Ok(0);
    }
    let mut w = Where::raw(spec, versions_sql(versions));
    prefix_in(
        spec,
        layout,
        &mut w,
        &[],
        prefixes.values().map(Vec::as_slice),
    )?;
    let mut tx = store.pool().begin(&spec.table).await?;
    let locks = prefixes.keys().map(|p| lock_id(&spec.table, p)).collect();
    tx.lock(&spec.table, locks).await?;
    let mut existing = Vec::new();
    let sql = select_sql(spec, layout, &w.sql);
    tx.fetch(&spec.table, sql, &w.params, |row| {
        let (head, data) = page_row(row, spec, layout)?;
        existing.push(Stored {
            head,
            data: data.to_vec(),
        });
        Ok(())
    })
    .await?;
    let (mut groups, affected) = merge(spec, layout, &existing, change, T::FINGERPRINTS)?;
    if !groups.is_empty() {
        for group in groups.values_mut() {
            group.facts.sort_by(|a, b| a.0.cmp(b.0));
        }
        let pages = paginate(spec, layout, &groups);
        let rows: Vec<Vec<Cell>> = groups
            .iter()
            .map(|((_, bucket, version, fp), g)| {
                let ids = [*bucket, *version, *fp].map(Cell::Int);
                g.prefix.iter().cloned().chain(ids).collect()
            })
            .collect();
        let mut d = Where::raw(spec, "TRUE".to_owned());
        let ids = [
            ("bucket", SqlType::I64),
            ("format_version", SqlType::I16),
            ("fingerprint", SqlType::I64),
        ];
        prefix_in(spec, layout, &mut d, &ids, rows.iter().map(Vec::as_slice))?;
        let sql = format!("DELETE FROM {} AS t WHERE {}", quote(&spec.table), d.sql);
        tx.execute(&spec.table, sql, &d.params, "cannot rewrite the pages")
            .await?;
        tx.insert(&spec.table, &pages).await?;
    }
    tx.commit(&spec.table).await?;
    Ok(affected)
}

/// Upserts `rows` into a paged store. Returns the facts written.
pub(crate) async fn upsert<T: Facts, K: Key>(
    store: &FactStore<T, K>,
    rows: &[(K, Packed<T>)],
) -> Result<u64, StoreError> {
    let spec = store.spec();
    let layout = super::shape::paged(spec)?;
    let incoming = Incoming::new(spec, layout, rows)?;
    let change = Change::Upsert(incoming.news());
    rewrite(store, &incoming.touched, &incoming.versions, &change).await
}

/// Deletes the facts of `keys`, of every version. Returns the facts removed.
pub(crate) async fn delete<T: Facts, K: Key>(
    store: &FactStore<T, K>,
    keys: &[K],
) -> Result<u64, StoreError> {
    let spec = store.spec();
    let layout = super::shape::paged(spec)?;
    let wanted = Wanted::new(spec, layout, keys)?;
    let prefixes = wanted
        .prefixes()
        .map(|(p, c)| (p.to_vec(), c.to_vec()))
        .collect();
    rewrite(store, &prefixes, &BTreeSet::new(), &Change::Delete(wanted)).await
}

/// Deletes the visible facts `filter` selects. Returns the facts removed.
pub(crate) async fn delete_where<T: Facts, K: Key>(
    store: &FactStore<T, K>,
    filter: &Filter,
) -> Result<u64, StoreError> {
    let spec = store.spec();
    let layout = super::shape::paged(spec)?;
    let exact = Exact::new(spec, layout.prefix, filter)?;
    let w = coarse(spec, layout, filter)?;
    // The prefixes that may hold such facts; the rewrite reads all their pages.
    let cols: Vec<String> = spec
        .keys
        .iter()
        .take(layout.prefix)
        .map(|c| format!("t.{}", quote(&c.name)))
        .collect();
    let select = if cols.is_empty() {
        "1".to_owned()
    } else {
        cols.join(", ")
    };
    let sql = format!(
        "SELECT DISTINCT {select} FROM {} AS t WHERE {}",
        quote(&spec.table),
        w.sql
    );
    let prefix_types = layout.prefix_types(spec);
    let mut prefixes: BTreeMap<Vec<u8>, Vec<Cell>> = BTreeMap::new();
    store
        .pool()
        .fetch(&spec.table, sql, &w.params, |row| {
            let cells = prefix_of(row, spec, layout)?;
            prefixes.insert(codec::key_bytes(&prefix_types, &cells), cells);
            Ok(())
        })
        .await?;
    let versions = spec
        .visible
        .iter()
        .map(|(v, fp)| (i64::from(*v), *fp))
        .collect();
    rewrite(store, &prefixes, &versions, &Change::DeleteWhere(exact)).await
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

    #[test]
    fn lock_ids_differ_by_table_and_prefix() {
        assert_ne!(lock_id("a", b"x"), lock_id("b", b"x"));
        assert_ne!(lock_id("a", b"x"), lock_id("a", b"y"));
        assert_eq!(lock_id("a", b"x"), lock_id("a", b"x"));
    }
}
