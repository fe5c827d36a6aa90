//! The bytes of one page row: a [`Page`](crate::Page) of its facts, then
//! each fact's key suffix.
//!
//! ```text
//! data = page  key{count}
//! key  = one value per key column past the page's prefix, in order:
//!        bool → 1 byte; integers, instants (µs), dates (days) → i64;
//!        text → len:u32 UTF-8
//! ```
//!
//! `page` is exactly the core's page format (`FORMAT.md`), `count` its
//! number of facts. Every integer is little-endian. Each blob is a complete
//! factpack blob, handed to the reader as a slice of the row, without a copy.

use crate::page::frame::{self, Frame};
use crate::page::PageError;
use crate::store::mirror::Cell;
use crate::store::spec::Column;
use crate::store::value::SqlType;

/// The first 8 bytes of `bytes`, zeros past its end.
pub(crate) fn word(bytes: &[u8]) -> [u8; 8] {
    let mut word = [0_u8; 8];
    word.iter_mut().zip(bytes).for_each(|(w, b)| *w = *b);
    word
}

/// Why a page's bytes cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PageFault(pub(crate) String);

/// One fact of a page: its key suffix bytes and its blob, both borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry<'a> {
    pub(crate) key: &'a [u8],
    pub(crate) blob: &'a [u8],
}

/// Why a page row's bytes are not a page: the core's error, without the
/// type's name (the row names the store).
fn fault(e: &PageError) -> PageFault {
    match e.fact {
        Some(i) => PageFault(format!("fact {i} at byte {}: {}", e.offset, e.kind)),
        None => PageFault(format!("at byte {}: {}", e.offset, e.kind)),
    }
}

/// Splits the page of a row whose `format_version` and `fingerprint`
/// columns are `row` into its frame and entries, checking its structure
/// (not the blobs). A page whose header claims another version, or another
/// fingerprint for it, is a fault, as a fact whose version byte differs
/// from its row is corrupt.
///
/// # Errors
/// A page whose frame is not sound (magic bytes, revision, truncation,
/// offset table) or whose header is not its row's, or keys that do not
/// hold values of the columns `key`, one per fact, up to the end of the row.
pub(crate) fn row_entries<'a>(
    data: &'a [u8],
    key: &[Column],
    (version, fingerprint): (i64, i64),
) -> Result<(Frame<'a>, Vec<Entry<'a>>), PageFault> {
    let page = Frame::parse(data, "page", &[], false).map_err(|e| fault(&e))?;
    let claimed = page.fingerprints().last().map(|f| f as i64);
    if (i64::from(page.version()), claimed) != (version, Some(fingerprint)) {
        return Err(PageFault(format!(
            "the page's header says version {} with fingerprint {:#x}, its row version {version} with fingerprint {fingerprint:#x}",
            page.version(),
            claimed.unwrap_or(0),
        )));
    }
    let mut at = page.bytes().len();
    // The offset table holds 4 bytes a fact: the allocation is bounded by
    // the row's size.
    let mut out = Vec::with_capacity(page.len());
    for i in 0..page.len() {
        let start = at;
        for column in key {
            let rest = data.get(at..).unwrap_or(&[]);
            let (value, tail) = Cell::split_encoded(column.sql, rest).ok_or_else(|| {
                let len = data.len();
                PageFault(format!(
                    "truncated: fact {i}'s key at offset {at} runs past the page's {len} bytes"
                ))
            })?;
            if column.sql == SqlType::Text && core::str::from_utf8(value).is_err() {
                return Err(PageFault(format!(
                    "fact {i}: a key string is not UTF-8 at offset {at}"
                )));
            }
            at = data.len().saturating_sub(tail.len());
        }
        out.push(Entry {
            key: data.get(start..at).unwrap_or(&[]),
            blob: page.blob(i).unwrap_or(&[]),
        });
    }
    if at != data.len() {
        return Err(PageFault(format!(
            "{} bytes after the keys of the {} facts",
            data.len().saturating_sub(at),
            page.len()
        )));
    }
    Ok((page, out))
}

/// Decodes key bytes back into cells; `None` if they do not hold values of
/// the columns `key`.
pub(crate) fn key_cells(key: &[Column], mut bytes: &[u8]) -> Option<Vec<Cell>> {
    let mut out = Vec::with_capacity(key.len());
    for column in key {
        let (value, rest) = Cell::split_encoded(column.sql, bytes)?;
        out.push(Cell::decode(column.sql, value)?);
        bytes = rest;
    }
    bytes.is_empty().then_some(out)
}

/// How many bytes [`encode_into`] adds for `facts` with `versions` fingerprints.
pub(crate) fn encoded_len(facts: &[(&[u8], &[u8])], versions: usize) -> usize {
    let page = frame::encoded_len(versions, facts.iter().map(|(_, blob)| blob.len()));
    facts
        .iter()
        .fold(page, |n, (key, _)| n.saturating_add(key.len()))
}

/// Appends the page of `facts`, `(key bytes, blob)` entries, of the version
/// whose fingerprints (one per version up to it) are `fingerprints`, to
/// `out`; on an error (a page past `u32` lengths, or no fingerprint), `out`
/// is as it was.
pub(crate) fn encode_into(
    out: &mut Vec<u8>,
    facts: &[(&[u8], &[u8])],
    fingerprints: &[u64],
) -> Result<(), PageFault> {
    out.reserve(encoded_len(facts, fingerprints.len()));
    frame::encode_into(
        out,
        "page",
        fingerprints,
        facts.iter().map(|(_, blob)| *blob),
    )
    .map_err(|e| fault(&e))?;
    for (key, _) in facts {
        out.extend_from_slice(key);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPES: [SqlType; 2] = [SqlType::Text, SqlType::I64];

    fn columns(types: &[SqlType]) -> Vec<Column> {
        let column = |&sql| Column {
            name: "k".into(),
            sql,
        };
        types.iter().map(column).collect()
    }

    /// The key bytes of `cells`, columns of types `types`.
    fn key_bytes(types: &[SqlType], cells: &[Cell]) -> Vec<u8> {
        let mut out = Vec::new();
        for (sql, cell) in types.iter().zip(cells) {
            cell.put_encoded(*sql, &mut out);
        }
        out
    }

    fn entries<'a>(data: &'a [u8], key: &[SqlType]) -> Result<Vec<Entry<'a>>, PageFault> {
        row_entries(data, &columns(key), (2, 12)).map(|(_, entries)| entries)
    }

    fn sample() -> Vec<u8> {
        let k1 = key_bytes(&TYPES, &[Cell::Text("a/b".into()), Cell::Int(7)]);
        let k2 = key_bytes(&TYPES, &[Cell::Text("é".into()), Cell::Int(-1)]);
        let facts = [(&k1[..], &b"one"[..]), (&k2[..], &b""[..])];
        let mut page = Vec::new();
        encode_into(&mut page, &facts, &[11, 12]).unwrap();
        assert_eq!(page.len(), encoded_len(&facts, 2));
        page
    }

    #[test]
    fn pages_round_trip() {
        let page = sample();
        let (frame, got) = row_entries(&page, &columns(&TYPES), (2, 12)).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].blob, b"one");
        assert_eq!(got[1].blob, b"");
        assert_eq!(frame.fingerprints().collect::<Vec<_>>(), vec![11, 12]);
        assert_eq!(
            key_cells(&columns(&TYPES), got[1].key),
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
        other[3] = 9;
        let reason = entries(&other, &TYPES).unwrap_err().0;
        assert!(reason.contains("revision 9"), "{reason}");
    }

    #[test]
    fn a_huge_count_does_not_allocate_or_panic() {
        let mut page = b"FPG\x01\x01".to_vec();
        page.extend_from_slice(&7_u64.to_le_bytes());
        page.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(entries(&page, &TYPES).is_err());
    }

    /// What a key writes itself must be what the codec writes for its cells.
    #[test]
    fn keys_encode_as_their_cells_do() {
        use crate::store::key::{Key, KeyPart};

        use chrono::{DateTime, NaiveDate, Utc};

        fn check<P: KeyPart>(part: P) {
            let mut direct = Vec::new();
            part.put_encoded(&mut direct);
            let mut via_cell = Vec::new();
            Cell::from(part.to_value()).put_encoded(P::SQL, &mut via_cell);
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
        let cells: Vec<Cell> = key.values().into_iter().map(Cell::from).collect();
        for prefix in 0..=3 {
            let mut out = vec![0xAA];
            let split = key.put_encoded(prefix, &mut out);
            assert_eq!(out[1..], key_bytes(types, &cells)[..]);
            let want = 1 + key_bytes(&types[..prefix], &cells[..prefix]).len();
            assert_eq!(split, want, "prefix {prefix}");
        }
    }
}
