//! The bytes of one page: a count, then each fact's key suffix and blob.
//!
//! ```text
//! page  = revision:u8  count:u32  entry{count}
//! entry = key  blob_len:u32  blob
//! key   = one value per key column past the page's prefix, in order:
//!         bool → 1 byte; integers, instants (µs), dates (days) → i64;
//!         text → len:u32 UTF-8
//! ```
//!
//! Every integer is little-endian. Each blob is a complete factpack blob,
//! handed to the reader as a slice of the page, without a copy.

use crate::store::mirror::Cell;
use crate::store::value::SqlType;

/// The page layout this code writes and reads.
pub(crate) const REVISION: u8 = 1;

/// Appends `cell`, a value of a key column of type `sql`.
pub(crate) fn put_cell(out: &mut Vec<u8>, sql: SqlType, cell: &Cell) {
    match (sql, cell) {
        (SqlType::Bool, Cell::Bool(v)) => out.push(u8::from(*v)),
        (SqlType::Text, Cell::Text(v)) => {
            put_len(out, v.len());
            out.extend_from_slice(v.as_bytes());
        }
        (SqlType::F64, Cell::Float(v)) => out.extend_from_slice(&v.to_bits().to_le_bytes()),
        (_, Cell::Int(v) | Cell::Micros(v) | Cell::Days(v)) => {
            out.extend_from_slice(&v.to_le_bytes());
        }
        // Keys are never null and a batch holds cells of its columns' types:
        // a mismatch still writes a value of the column's width.
        (SqlType::Bool, _) => out.push(0),
        (SqlType::Text, _) => put_len(out, 0),
        (_, _) => out.extend_from_slice(&0_i64.to_le_bytes()),
    }
}

/// Appends a `u32` length (saturating: callers check sizes beforehand).
fn put_len(out: &mut Vec<u8>, len: usize) {
    out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
}

/// The key bytes of `cells`, columns of types `types`.
pub(crate) fn key_bytes(types: &[SqlType], cells: &[Cell]) -> Vec<u8> {
    let mut out = Vec::with_capacity(cells.len().saturating_mul(8));
    for (sql, cell) in types.iter().zip(cells) {
        put_cell(&mut out, *sql, cell);
    }
    out
}

/// Why a page's bytes cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PageFault(pub(crate) String);

/// A reader over a byte string, failing with the offset where it runs out.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], PageFault> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.bytes.len());
        let slice = end
            .and_then(|e| self.bytes.get(self.at..e))
            .ok_or_else(|| {
                PageFault(format!(
                    "truncated: {what} of {n} bytes at offset {} runs past the page's {} bytes",
                    self.at,
                    self.bytes.len()
                ))
            })?;
        self.at = self.at.saturating_add(n);
        Ok(slice)
    }

    fn u32(&mut self, what: &str) -> Result<usize, PageFault> {
        let b = self.take(4, what)?;
        let mut le = [0_u8; 4];
        le.copy_from_slice(b);
        usize::try_from(u32::from_le_bytes(le))
            .map_err(|_| PageFault(format!("{what} does not fit this platform")))
    }
}

/// One fact of a page: its key suffix bytes and its blob, both borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry<'a> {
    pub(crate) key: &'a [u8],
    pub(crate) blob: &'a [u8],
}

/// Splits a page into its entries, checking its structure (not the blobs).
///
/// # Errors
/// An unknown revision, a truncation, a count that disagrees with the
/// entries, or bytes after the last entry.
pub(crate) fn entries<'a>(page: &'a [u8], key: &[SqlType]) -> Result<Vec<Entry<'a>>, PageFault> {
    let mut c = Cursor { bytes: page, at: 0 };
    let revision = c.take(1, "the revision")?.first().copied().unwrap_or(0);
    if revision != REVISION {
        return Err(PageFault(format!(
            "page revision {revision}, this code reads revision {REVISION}"
        )));
    }
    let count = c.u32("the fact count")?;
    // Each entry takes at least its blob length; bound the allocation by
    // what the bytes can hold.
    let mut out = Vec::with_capacity(count.min(page.len() / 4));
    for i in 0..count {
        let start = c.at;
        for sql in key {
            match sql {
                SqlType::Bool => {
                    c.take(1, "a key value")?;
                }
                SqlType::Text => {
                    let n = c.u32("a key string's length")?;
                    let s = c.take(n, "a key string")?;
                    if core::str::from_utf8(s).is_err() {
                        return Err(PageFault(format!(
                            "fact {i}: a key string is not UTF-8 at offset {}",
                            c.at.saturating_sub(n)
                        )));
                    }
                }
                _ => {
                    c.take(8, "a key value")?;
                }
            }
        }
        let key_bytes = page.get(start..c.at).unwrap_or(&[]);
        let n = c.u32("a blob's length")?;
        let blob = c.take(n, "a blob")?;
        out.push(Entry {
            key: key_bytes,
            blob,
        });
    }
    if c.at != page.len() {
        return Err(PageFault(format!(
            "{} bytes after the last of {count} facts",
            page.len().saturating_sub(c.at)
        )));
    }
    Ok(out)
}

/// Decodes key bytes written by [`key_bytes`] back into cells; `None` if
/// they do not hold `types` (entries already checked the structure).
pub(crate) fn key_cells(types: &[SqlType], bytes: &[u8]) -> Option<Vec<Cell>> {
    let mut c = Cursor { bytes, at: 0 };
    let mut out = Vec::with_capacity(types.len());
    for sql in types {
        let cell = match sql {
            SqlType::Bool => Cell::Bool(c.take(1, "").ok()?.first().copied()? != 0),
            SqlType::Text => {
                let n = c.u32("").ok()?;
                Cell::Text(core::str::from_utf8(c.take(n, "").ok()?).ok()?.to_owned())
            }
            other => {
                let mut le = [0_u8; 8];
                le.copy_from_slice(c.take(8, "").ok()?);
                let v = i64::from_le_bytes(le);
                match other {
                    SqlType::Timestamp => Cell::Micros(v),
                    SqlType::Date => Cell::Days(v),
                    SqlType::F64 => Cell::Float(f64::from_bits(v as u64)),
                    _ => Cell::Int(v),
                }
            }
        };
        out.push(cell);
    }
    (c.at == bytes.len()).then_some(out)
}

/// Encodes a page of `(key bytes, blob)` entries, into a buffer of exactly
/// the page's size.
///
/// # Errors
/// A page or blob past `u32` lengths.
pub(crate) fn encode(facts: &[(&[u8], &[u8])]) -> Result<Vec<u8>, PageFault> {
    let mut out = Vec::new();
    encode_into(&mut out, facts)?;
    Ok(out)
}

/// How many bytes [`encode`] makes of `facts`.
pub(crate) fn encoded_len(facts: &[(&[u8], &[u8])]) -> usize {
    facts.iter().fold(5_usize, |n, (key, blob)| {
        n.saturating_add(key.len())
            .saturating_add(4)
            .saturating_add(blob.len())
    })
}

/// Appends the page of `facts` to `out`, as [`encode`] makes it; on an
/// error, `out` is as it was.
pub(crate) fn encode_into(out: &mut Vec<u8>, facts: &[(&[u8], &[u8])]) -> Result<(), PageFault> {
    let count = u32::try_from(facts.len())
        .map_err(|_| PageFault("more than 4 billion facts in a page".into()))?;
    if facts
        .iter()
        .any(|(_, blob)| u32::try_from(blob.len()).is_err())
    {
        return Err(PageFault("a blob of 4 GiB or more".into()));
    }
    out.reserve(encoded_len(facts));
    out.push(REVISION);
    out.extend_from_slice(&count.to_le_bytes());
    for (key, blob) in facts {
        let len = u32::try_from(blob.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(key);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(blob);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPES: [SqlType; 2] = [SqlType::Text, SqlType::I64];

    fn sample() -> Vec<u8> {
        let k1 = key_bytes(&TYPES, &[Cell::Text("a/b".into()), Cell::Int(7)]);
        let k2 = key_bytes(&TYPES, &[Cell::Text("é".into()), Cell::Int(-1)]);
        let facts = [(&k1[..], &b"one"[..]), (&k2[..], &b""[..])];
        encode(&facts).unwrap()
    }

    #[test]
    fn pages_round_trip() {
        let page = sample();
        let got = entries(&page, &TYPES).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].blob, b"one");
        assert_eq!(got[1].blob, b"");
        assert_eq!(
            key_cells(&TYPES, got[1].key),
            Some(vec![Cell::Text("é".into()), Cell::Int(-1)])
        );
    }

    #[test]
    fn every_truncation_and_extension_is_an_error() {
        let page = sample();
        for n in 0..page.len() {
            assert!(entries(&page[..n], &TYPES).is_err(), "length {n}");
        }
        let mut longer = page.clone();
        longer.push(0);
        assert!(entries(&longer, &TYPES).is_err());
        let mut other = page;
        other[0] = 9;
        assert!(entries(&other, &TYPES)
            .unwrap_err()
            .0
            .contains("revision 9"));
    }

    #[test]
    fn a_huge_count_does_not_allocate_or_panic() {
        let mut page = vec![REVISION];
        page.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(entries(&page, &TYPES).is_err());
    }

    /// What a key writes itself must be what the codec writes for its cells.
    #[test]
    fn keys_encode_as_their_cells_do() {
        use crate::store::key::{Key, KeyPart};
        use crate::store::pages::read::cell_of;
        use chrono::{DateTime, NaiveDate, Utc};

        fn check<P: KeyPart>(part: P) {
            let mut direct = Vec::new();
            part.put_encoded(&mut direct);
            let mut via_cell = Vec::new();
            put_cell(&mut via_cell, P::SQL, &cell_of(part.to_value()));
            assert_eq!(direct, via_cell, "{part:?}");
        }
        check(true);
        check(-7_i16);
        check(i32::MIN);
        check(i64::MAX);
        check("é/ü".to_owned());
        check(String::new());
        check(DateTime::<Utc>::from_timestamp(-1, 999_999_000).unwrap());
        check(NaiveDate::from_ymd_opt(1969, 12, 31).unwrap());

        let key = (3_i64, "org/repo".to_owned(), 9_i16);
        let types = <(i64, String, i16)>::TYPES;
        let cells: Vec<Cell> = key.values().into_iter().map(cell_of).collect();
        for prefix in 0..=3 {
            let mut out = vec![0xAA];
            let split = key.put_encoded(prefix, &mut out);
            assert_eq!(out[1..], key_bytes(types, &cells)[..]);
            let want = 1 + key_bytes(&types[..prefix], &cells[..prefix]).len();
            assert_eq!(split, want, "prefix {prefix}");
        }
    }
}
