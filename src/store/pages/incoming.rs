//! The facts of a paged upsert, one per key (the last given wins), placed:
//! each one's prefix, key suffix and bucket, encoded once into shared
//! buffers rather than one allocation per fact.
//!
//! Facts are ordered by a fixed hash of their encoded prefix, then by their
//! encoded key (its first 8 bytes as an integer, the rest only on a tie),
//! then by the application's key. Pages are grouped by prefix and sort their
//! facts by key bytes, so no order by key is needed, and sorting integers is
//! much cheaper than comparing keys whose strings live each in its own
//! allocation. Two equal keys encode to equal bytes, so each key's copies are
//! adjacent and deduplicated exactly as a sort by key would (the last given
//! wins); distinct keys that encode alike stay in key order.

use crate::facts::Facts;
use crate::packed::Packed;

use super::super::batch::unknown_version;
use super::super::error::StoreError;
use super::super::key::Key;
use super::super::mirror::Cell;
use super::super::spec::Spec;

use super::codec;
use super::shape::Layout;

/// A fact of an upsert, placed: its key's prefix and suffix, encoded.
pub(super) struct New<'a> {
    pub(super) prefix: &'a [u8],
    pub(super) suffix: &'a [u8],
    pub(super) bucket: i64,
    pub(super) version: i64,
    pub(super) fingerprint: i64,
    pub(super) blob: &'a [u8],
}

/// One row of the batch, placed: where its key lies in the keys' buffer
/// (prefix, then suffix from `split`), its bucket, version and blob.
struct Placed<'a> {
    start: usize,
    split: usize,
    end: usize,
    bucket: i64,
    version: u8,
    blob: &'a [u8],
}

/// A fixed hash of `bytes` (a word at a time), so that the order of a
/// batch's facts is the same in every run. Collisions only cost a compare.
fn hash(bytes: &[u8]) -> u64 {
    let mut h = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    for chunk in bytes.chunks(8) {
        h = (h.rotate_left(5) ^ head(chunk)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    h
}

/// The first 8 bytes of `bytes` (zeros past its end) as a big-endian
/// integer: ordering these orders the bytes, up to ties.
fn head(bytes: &[u8]) -> u64 {
    u64::from_be_bytes(codec::word(bytes))
}

/// The facts of `rows`, deduplicated and placed in the order above, their
/// keys encoded into `keys`.
///
/// # Errors
/// A blob of a version this code does not know (written by newer code).
pub(super) fn place<'a, T: Facts, K: Key>(
    spec: &Spec,
    layout: &Layout,
    rows: &'a [(K, Packed<T>)],
    keys: &'a mut Vec<u8>,
) -> Result<Vec<New<'a>>, StoreError> {
    let per_row = spec.keys.len().saturating_mul(12);
    keys.reserve(rows.len().saturating_mul(per_row));
    let mut placed = Vec::with_capacity(rows.len());
    // Each row's (prefix hash, first bytes of its suffix, row).
    // Everything read from a row is read here, in the order given.
    let mut order: Vec<(u64, u64, usize)> = Vec::with_capacity(rows.len());
    let bucketed = spec.mirrors.get(layout.bucket);
    for (i, (key, packed)) in rows.iter().enumerate() {
        let start = keys.len();
        let split = key.put_encoded(layout.prefix, keys);
        let end = keys.len();
        let prefix = keys.get(start..split).unwrap_or(&[]);
        let suffix = keys.get(split..end).unwrap_or(&[]);
        order.push((hash(prefix), head(suffix), i));
        let blob = packed.as_bytes();
        placed.push(Placed {
            start,
            split,
            end,
            bucket: layout.bucket_of(&bucketed.map_or(Cell::Null, |m| m.cell(blob))),
            version: packed.version(),
            blob,
        });
    }
    let keys: &'a [u8] = keys;

    // Sorted by prefix hash (so each prefix's facts are together), then
    // by key bytes (so each page's are nearly in order), then by key;
    // among equal keys the last given comes first and is the one kept.
    let bytes = |i: usize| {
        let row = placed.get(i);
        row.and_then(|r| keys.get(r.start..r.end)).unwrap_or(&[])
    };
    let key_of = |i: usize| rows.get(i).map(|r| &r.0);
    order.sort_unstable_by(|a, b| {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then_with(|| bytes(a.2).cmp(bytes(b.2)))
            .then_with(|| key_of(a.2).cmp(&key_of(b.2)))
            .then(b.2.cmp(&a.2))
    });
    order.dedup_by(|later, kept| {
        (later.0, later.1) == (kept.0, kept.1) && key_of(later.2) == key_of(kept.2)
    });

    // A version this code cannot store: report the least such key.
    let unknown = order.iter().filter_map(|&(_, _, i)| rows.get(i));
    let unknown = unknown.filter(|(_, p)| T::fingerprint_at(p.version()).is_none());
    if let Some((key, packed)) = unknown.min_by(|a, b| a.0.cmp(&b.0)) {
        return Err(unknown_version::<T, K>(spec, key, packed.version()));
    }

    let news = order.iter().filter_map(|&(_, _, i)| {
        let r = placed.get(i)?;
        Some(New {
            prefix: keys.get(r.start..r.split)?,
            suffix: keys.get(r.split..r.end)?,
            bucket: r.bucket,
            version: i64::from(r.version),
            fingerprint: T::fingerprint_at(r.version).unwrap_or(0) as i64,
            blob: r.blob,
        })
    });
    Ok(news.collect())
}
