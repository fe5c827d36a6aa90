//! The blob's prefix and the frame of validation around the fields.
//!
//! Every blob starts with a 3-byte prefix: the version that wrote it (`u8`,
//! never 0) and the length of its header (`u16`, little-endian). The version
//! says which fields the blob has; the header length lets code that knows
//! fewer versions find where the tail starts. See `FORMAT.md` for the whole
//! format.

use crate::bytes::u16_at;
use crate::error::{Error, ErrorKind};

/// Offset of the version byte.
pub const VERSION_AT: usize = 0;
/// Offset of the `u16` header length.
pub const HEADER_LEN_AT: usize = 1;
/// Bytes of the prefix: version and header length.
pub const PREFIX_LEN: usize = 3;

/// What the prefix of a blob says, once checked against the type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The version that wrote the blob.
    pub version: u8,
    /// The blob's header length: where its tail starts.
    pub header_len: usize,
}

/// Checks the prefix of `blob` against a type whose current version is
/// `version` and whose header length at version `v` is `header_lens[v - 1]`.
///
/// # Errors
/// A blob shorter than its prefix or its header, version 0, or a header length
/// that does not match the version: exactly `header_lens[v - 1]` for a known
/// version `v`, longer than the newest of `header_lens` for a newer one.
pub fn open(blob: &[u8], type_name: &'static str, header_lens: &[u16]) -> Result<Header, Error> {
    let fail = |offset, kind| Err(Error::header(type_name, offset, kind));
    if blob.len() < PREFIX_LEN {
        let kind = ErrorKind::Truncated {
            needed: PREFIX_LEN,
            len: blob.len(),
        };
        return fail(0, kind);
    }
    let version = blob.get(VERSION_AT).copied().unwrap_or(0);
    let header_len = u16_at(blob, HEADER_LEN_AT);
    let Some(index) = usize::from(version).checked_sub(1) else {
        return fail(VERSION_AT, ErrorKind::ZeroVersion);
    };
    let newest = header_lens.last().map_or(PREFIX_LEN, |l| usize::from(*l));
    match header_lens.get(index) {
        Some(expected) if usize::from(*expected) != header_len => {
            let kind = ErrorKind::HeaderLength {
                expected: usize::from(*expected),
                found: header_len,
            };
            return fail(HEADER_LEN_AT, kind);
        }
        // A newer version appends a segment of at least one byte (the derive
        // refuses a version that appends none), so its header is strictly
        // longer. Were an equal length accepted, this code's own blob with
        // only its version byte raised would read as the same value: two
        // encodings of one value.
        None if header_len <= newest => {
            let kind = ErrorKind::HeaderLength {
                expected: newest.saturating_add(1),
                found: header_len,
            };
            return fail(HEADER_LEN_AT, kind);
        }
        _ => {}
    }
    if blob.len() < header_len {
        let kind = ErrorKind::Truncated {
            needed: header_len,
            len: blob.len(),
        };
        return fail(blob.len(), kind);
    }
    Ok(Header {
        version,
        header_len,
    })
}

/// The header of `blob` when `blob` is at least `N` bytes long and its prefix
/// says version `version` with a header of exactly `N` bytes: the case where
/// [`open`] succeeds for the type's current version, whose header is `N` bytes.
///
/// This is the entry of validation's fast path: the header comes back as an
/// array, so every slot at a constant offset is read without a bounds check.
#[inline(always)]
pub fn current_header<const N: usize>(blob: &[u8], version: u8) -> Option<&[u8; N]> {
    let header = blob.first_chunk::<N>()?;
    let [v, lo, hi, ..] = header.as_slice() else {
        return None;
    };
    let expected = u16::try_from(N).ok()?.to_le_bytes();
    (*v == version && [*lo, *hi] == expected && version != 0).then_some(header)
}

/// [`check_bitmap`] as a `bool`, for the fast path of validation.
#[inline(always)]
pub fn bitmap_is_valid(header: &[u8], start: usize, nulls: usize) -> bool {
    let used = nulls % 8;
    used == 0
        || header
            .get(start.saturating_add(nulls / 8))
            .copied()
            .unwrap_or(0)
            >> used
            == 0
}

/// Checks that the unused high bits of a segment's null bitmap are zero. The
/// bitmap starts at `start` and serves `nulls` fields.
///
/// # Errors
/// [`ErrorKind::UnusedNullBit`] naming the byte.
#[inline]
pub fn check_bitmap(
    blob: &[u8],
    type_name: &'static str,
    start: usize,
    nulls: usize,
) -> Result<(), Error> {
    let used = nulls % 8;
    if used == 0 {
        return Ok(());
    }
    let at = start.saturating_add(nulls / 8);
    let byte = blob.get(at).copied().unwrap_or(0);
    if byte >> used == 0 {
        Ok(())
    } else {
        Err(Error::header(
            type_name,
            at,
            ErrorKind::UnusedNullBit { byte },
        ))
    }
}

/// Checks that the payloads end where the blob ends. A blob written by a newer
/// version may hold payloads this code does not know after `cursor`.
///
/// # Errors
/// [`ErrorKind::TrailingBytes`] when bytes follow the last known payload of a
/// blob of a known version.
#[inline]
pub fn close(
    blob: &[u8],
    type_name: &'static str,
    header: Header,
    cursor: usize,
    version: u8,
) -> Result<(), Error> {
    if header.version > version || cursor == blob.len() {
        return Ok(());
    }
    let kind = ErrorKind::TrailingBytes {
        expected_len: cursor,
        len: blob.len(),
    };
    Err(Error::header(type_name, cursor, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LENS: &[u16] = &[10, 14];

    fn blob(version: u8, header_len: u16, len: usize) -> Vec<u8> {
        let mut b = vec![0; len];
        b[0] = version;
        b[1..3].copy_from_slice(&header_len.to_le_bytes());
        b
    }

    #[test]
    fn known_versions_need_their_exact_header_length() {
        assert!(open(&blob(1, 10, 10), "T", LENS).is_ok());
        assert!(open(&blob(2, 14, 14), "T", LENS).is_ok());
        let err = open(&blob(2, 10, 14), "T", LENS).unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::HeaderLength {
                expected: 14,
                found: 10
            }
        );
    }

    #[test]
    fn newer_versions_need_a_header_longer_than_the_newest() {
        assert!(open(&blob(3, 20, 20), "T", LENS).is_ok());
        assert!(open(&blob(3, 15, 20), "T", LENS).is_ok());
        for short in [13, 14] {
            let err = open(&blob(3, short, 20), "T", LENS).unwrap_err();
            assert_eq!(
                (err.offset, err.kind),
                (
                    HEADER_LEN_AT,
                    ErrorKind::HeaderLength {
                        expected: 15,
                        found: usize::from(short)
                    }
                )
            );
        }
    }

    #[test]
    fn short_and_zero_blobs_are_rejected() {
        assert!(matches!(
            open(&[1, 0], "T", LENS).unwrap_err().kind,
            ErrorKind::Truncated { needed: 3, len: 2 }
        ));
        assert_eq!(
            open(&blob(0, 10, 10), "T", LENS).unwrap_err().kind,
            ErrorKind::ZeroVersion
        );
        assert!(matches!(
            open(&blob(1, 10, 9), "T", LENS).unwrap_err().kind,
            ErrorKind::Truncated { needed: 10, len: 9 }
        ));
    }

    #[test]
    fn unused_bitmap_bits_must_be_zero() {
        let b = [0b0000_0111u8];
        assert!(check_bitmap(&b, "T", 0, 3).is_ok());
        assert!(check_bitmap(&b, "T", 0, 2).is_err());
        assert!(check_bitmap(&b, "T", 0, 8).is_ok());
    }
}
