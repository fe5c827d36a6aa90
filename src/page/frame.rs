//! The frame of a page: its header and offset table, read and written
//! without looking inside the facts.
//!
//! ```text
//! page = "FPG"  revision:u8  version:u8  fingerprint:u64{version}
//!        count:u32  end:u32{count}  fact{count}
//! ```
//!
//! Every integer is little-endian. Fact `i` runs from the end of fact
//! `i - 1` (the first from the end of the offset table) to `end[i]`, an
//! offset from the start of the page.

use super::error::{PageError, PageErrorKind};

/// The magic bytes a page starts with.
pub(crate) const MAGIC: [u8; 3] = *b"FPG";

/// The page layout this code writes and reads.
pub(crate) const REVISION: u8 = 1;

/// Bytes before the fingerprints: magic, revision, version.
const PREFIX: usize = 5;

/// Bytes of a page's header and offset table for `versions` fingerprints
/// and `count` facts (saturating).
pub(crate) fn head_len(versions: usize, count: usize) -> usize {
    versions
        .saturating_mul(8)
        .saturating_add(count.saturating_mul(4))
        .saturating_add(PREFIX + 4)
}

/// The little-endian `u32` at `at`; 0 past the end (callers check bounds first).
#[inline(always)]
fn u32_at(bytes: &[u8], at: usize) -> usize {
    let mut le = [0_u8; 4];
    if let Some(b) = bytes.get(at..at.saturating_add(4)) {
        le.copy_from_slice(b);
    }
    // A u32 fits every platform this crate builds for (at least 32 bits).
    usize::try_from(u32::from_le_bytes(le)).unwrap_or(usize::MAX)
}

/// The little-endian `u64` at `at`; 0 past the end.
fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut le = [0_u8; 8];
    if let Some(b) = bytes.get(at..at.saturating_add(8)) {
        le.copy_from_slice(b);
    }
    u64::from_le_bytes(le)
}

/// A page whose header and offset table are checked: every fact's bytes are
/// in range, in order, with no gap. The facts themselves are not judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Frame<'a> {
    /// The page's bytes, and only them (what follows a page that is part of
    /// a larger buffer is cut off).
    bytes: &'a [u8],
    shape: Shape,
}

/// Where a checked page keeps its parts, to find them again in its bytes
/// without checking them again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct Shape {
    /// The version of every fact of the page.
    version: u8,
    count: usize,
    /// Offset of the offset table.
    ends: usize,
    /// Offset of the first fact.
    data: usize,
}

impl<'a> Frame<'a> {
    /// Reads the frame of the page at the start of `bytes`, whose facts are
    /// of the type `type_name` with fingerprints `known` (one per version
    /// this code knows; fingerprints of versions past them are not checked,
    /// and an empty `known` checks none). With `whole`, the page must end
    /// where `bytes` does; otherwise it may be followed by other bytes.
    ///
    /// # Errors
    /// The first structural problem, with the offset and fact to blame.
    pub(crate) fn parse(
        bytes: &'a [u8],
        type_name: &'static str,
        known: &[u64],
        whole: bool,
    ) -> Result<Self, PageError> {
        let len = bytes.len();
        let header = |offset, kind| PageError::header(type_name, offset, kind);
        let truncated = |needed| header(len.min(needed), PageErrorKind::Truncated { needed, len });
        let mut found = [0_u8; 3];
        for (f, b) in found.iter_mut().zip(bytes) {
            *f = *b;
        }
        let n = len.min(MAGIC.len());
        if bytes.get(..n) != MAGIC.get(..n) {
            return Err(header(0, PageErrorKind::NotAPage { found }));
        }
        let (revision, version) = match bytes.get(3..PREFIX) {
            Some(&[r, v]) => (r, v),
            _ => return Err(truncated(PREFIX)),
        };
        if revision != REVISION {
            return Err(header(
                3,
                PageErrorKind::UnknownRevision { found: revision },
            ));
        }
        if version == 0 {
            return Err(header(4, PageErrorKind::ZeroVersion));
        }
        let versions = usize::from(version);
        let count_at = head_len(versions, 0).saturating_sub(4);
        if len < count_at.saturating_add(4) {
            return Err(truncated(count_at.saturating_add(4)));
        }
        for (i, expected) in known.iter().take(versions).enumerate() {
            let at = PREFIX.saturating_add(i.saturating_mul(8));
            let found = u64_at(bytes, at);
            if found != *expected {
                return Err(header(
                    at,
                    PageErrorKind::FingerprintMismatch {
                        version: u8::try_from(i.saturating_add(1)).unwrap_or(u8::MAX),
                        expected: *expected,
                        found,
                    },
                ));
            }
        }
        let count = u32_at(bytes, count_at);
        let ends = count_at.saturating_add(4);
        // The offset table is checked against the length before anything
        // is read from it, so a count that lies cannot make this loop run
        // past the bytes there are.
        let data = head_len(versions, count);
        if len < data {
            return Err(header(
                count_at,
                PageErrorKind::Truncated { needed: data, len },
            ));
        }
        let mut start = data;
        for i in 0..count {
            let at = ends.saturating_add(i.saturating_mul(4));
            let end = u32_at(bytes, at);
            if end < start {
                return Err(PageError::fact(
                    type_name,
                    i,
                    at,
                    PageErrorKind::EndBackwards { start, end },
                ));
            }
            if end > len {
                return Err(PageError::fact(
                    type_name,
                    i,
                    at,
                    PageErrorKind::EndOutOfRange { end, len },
                ));
            }
            start = end;
        }
        if whole && start != len {
            return Err(header(
                start,
                PageErrorKind::TrailingBytes {
                    expected_len: start,
                    len,
                },
            ));
        }
        Ok(Self {
            bytes: bytes.get(..start).unwrap_or_default(),
            shape: Shape {
                version,
                count,
                ends,
                data,
            },
        })
    }

    /// The frame of `bytes`, a page that [`parse`](Self::parse) found of
    /// this `shape`. Other bytes give meaningless but in-range results.
    #[inline]
    pub(crate) fn checked(bytes: &'a [u8], shape: Shape) -> Self {
        Self { bytes, shape }
    }

    /// Where the page keeps its parts.
    #[inline]
    pub(crate) fn shape(&self) -> Shape {
        self.shape
    }

    /// The page's bytes.
    #[inline]
    pub(crate) fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The version of the page's facts.
    #[inline]
    pub(crate) fn version(&self) -> u8 {
        self.shape.version
    }

    /// How many facts the page holds.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.shape.count
    }

    /// The fingerprints the page records, one per version up to its own.
    // Read by the store, to rewrite a stored page as it was written.
    #[cfg_attr(not(feature = "store"), allow(dead_code))]
    pub(crate) fn fingerprints(&self) -> impl Iterator<Item = u64> + '_ {
        (0..usize::from(self.shape.version))
            .map(|i| u64_at(self.bytes, PREFIX.saturating_add(i.saturating_mul(8))))
    }

    /// The facts' blobs, in order.
    #[inline]
    pub(crate) fn blobs(&self) -> Blobs<'a> {
        let table = self.shape.count.saturating_mul(4);
        let ends = self
            .bytes
            .get(self.shape.ends..self.shape.ends.saturating_add(table))
            .unwrap_or_default();
        Blobs {
            bytes: self.bytes,
            ends: ends.chunks_exact(4),
            start: self.shape.data,
        }
    }

    /// Where fact `i` starts and ends; `None` past the last.
    #[inline]
    pub(crate) fn span(&self, i: usize) -> Option<(usize, usize)> {
        if i >= self.shape.count {
            return None;
        }
        let at = self.shape.ends.saturating_add(i.saturating_mul(4));
        let start = match i.checked_sub(1) {
            Some(_) => u32_at(self.bytes, at.saturating_sub(4)),
            None => self.shape.data,
        };
        Some((start, u32_at(self.bytes, at)))
    }

    /// The bytes of fact `i`; `None` past the last.
    #[inline]
    pub(crate) fn blob(&self, i: usize) -> Option<&'a [u8]> {
        let (start, end) = self.span(i)?;
        self.bytes.get(start..end)
    }
}

/// The blobs of a checked page, in order: one pass down the offset table.
#[derive(Debug, Clone)]
pub(crate) struct Blobs<'a> {
    bytes: &'a [u8],
    ends: core::slice::ChunksExact<'a, u8>,
    start: usize,
}

impl<'a> Iterator for Blobs<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let end = <[u8; 4]>::try_from(self.ends.next()?).unwrap_or_default();
        let end = usize::try_from(u32::from_le_bytes(end)).unwrap_or(usize::MAX);
        let blob = self.bytes.get(self.start..end).unwrap_or_default();
        self.start = end;
        Some(blob)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.ends.size_hint()
    }
}

impl ExactSizeIterator for Blobs<'_> {}

/// How many bytes [`encode_into`] writes for `versions` fingerprints and
/// facts of `lens` bytes (saturating).
pub(crate) fn encoded_len(versions: usize, lens: impl ExactSizeIterator<Item = usize>) -> usize {
    let head = head_len(versions, lens.len());
    lens.fold(head, usize::saturating_add)
}

/// Appends the page of `blobs`, whose version is the number of
/// `fingerprints`, to `out`; on an error, `out` is as it was. The blobs are
/// not checked.
///
/// # Errors
/// [`PageErrorKind::TooLarge`] for a page past 4 GiB or `u32` facts,
/// [`PageErrorKind::ZeroVersion`] for no fingerprint, and past 255 the
/// version cannot be written either.
pub(crate) fn encode_into<'b, I>(
    out: &mut Vec<u8>,
    type_name: &'static str,
    fingerprints: &[u64],
    blobs: I,
) -> Result<(), PageError>
where
    I: IntoIterator<Item = &'b [u8]>,
    I::IntoIter: ExactSizeIterator + Clone,
{
    let blobs = blobs.into_iter();
    let version = match u8::try_from(fingerprints.len()) {
        Ok(0) => return Err(PageError::header(type_name, 4, PageErrorKind::ZeroVersion)),
        Ok(v) => v,
        Err(_) => return Err(PageError::header(type_name, 4, PageErrorKind::TooLarge)),
    };
    let count = u32::try_from(blobs.len())
        .map_err(|_| PageError::header(type_name, 0, PageErrorKind::TooLarge))?;
    let total = encoded_len(fingerprints.len(), blobs.clone().map(<[u8]>::len));
    if u32::try_from(total).is_err() {
        return Err(PageError::header(type_name, 0, PageErrorKind::TooLarge));
    }
    out.reserve(total);
    out.extend_from_slice(&MAGIC);
    out.push(REVISION);
    out.push(version);
    for fp in fingerprints {
        out.extend_from_slice(&fp.to_le_bytes());
    }
    out.extend_from_slice(&count.to_le_bytes());
    // `total` fits a u32, so every end does too.
    let mut end = head_len(fingerprints.len(), blobs.len());
    for blob in blobs.clone() {
        end = end.saturating_add(blob.len());
        out.extend_from_slice(&u32::try_from(end).unwrap_or(u32::MAX).to_le_bytes());
    }
    for blob in blobs {
        out.extend_from_slice(blob);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(fps: &[u64], blobs: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_into(&mut out, "T", fps, blobs.iter().copied()).unwrap();
        assert_eq!(
            out.len(),
            encoded_len(fps.len(), blobs.iter().map(|b| b.len()))
        );
        out
    }

    #[test]
    fn frames_round_trip() {
        let bytes = page(&[7, 9], &[b"abc", b"", b"de"]);
        let frame = Frame::parse(&bytes, "T", &[7, 9], true).unwrap();
        assert_eq!(frame.version(), 2);
        assert_eq!(frame.len(), 3);
        assert_eq!(frame.fingerprints().collect::<Vec<_>>(), [7, 9]);
        assert_eq!(frame.blob(0), Some(&b"abc"[..]));
        assert_eq!(frame.blob(1), Some(&b""[..]));
        assert_eq!(frame.blob(2), Some(&b"de"[..]));
        assert_eq!(frame.blob(3), None);
        let blobs: Vec<&[u8]> = frame.blobs().collect();
        assert_eq!(blobs, [&b"abc"[..], b"", b"de"]);
        assert_eq!(frame.blobs().len(), 3);
        // Older code checks the fingerprints it knows.
        assert!(Frame::parse(&bytes, "T", &[7], true).is_ok());
        assert!(Frame::parse(&bytes, "T", &[], true).is_ok());
        let err = Frame::parse(&bytes, "T", &[7, 8], true).unwrap_err();
        assert_eq!(err.offset, 13);
        // A page followed by other bytes.
        let mut longer = bytes.clone();
        longer.extend_from_slice(b"keys");
        let frame = Frame::parse(&longer, "T", &[], false).unwrap();
        assert_eq!(frame.bytes(), &bytes[..]);
        assert!(Frame::parse(&longer, "T", &[], true).is_err());
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = page(&[1], &[b"abc", b"de"]);
        for n in 0..bytes.len() {
            assert!(Frame::parse(&bytes[..n], "T", &[1], true).is_err(), "{n}");
        }
    }

    #[test]
    fn a_huge_count_is_truncated() {
        let mut bytes = page(&[1], &[]);
        bytes[13..17].copy_from_slice(&u32::MAX.to_le_bytes());
        let err = Frame::parse(&bytes, "T", &[1], true).unwrap_err();
        assert!(matches!(err.kind, PageErrorKind::Truncated { .. }), "{err}");
    }
}
