//! Nested facts with variable-length fields: no fixed slot can hold one, so
//! such a value is a variable-length field whose payload is the nested
//! type's whole blob, and a list of them frames the blobs with end offsets,
//! as a list of strings frames its strings (see `FORMAT.md`, "Nested facts").
//!
//! ```text
//! field payload = blob
//! list payload  = empty | n:u32 end(1) .. end(n) blob(1) .. blob(n)      n >= 1
//! ```
//!
//! Each blob carries its own prefix, so it is read as a top-level blob of its
//! type is, whatever version wrote it. The types opt in through
//! [`FixedField::BLOB`]; the field shapes in [`field`](crate::field) branch
//! on that constant, which the compiler folds away.

use crate::bytes::{put, u32_at};
use crate::error::Fault;
use crate::error::{ErrorKind, PackErrorKind};
use crate::fixed::FixedField;

/// Bytes of the element count that opens a non-empty list payload.
const COUNT_LEN: usize = 4;

/// Validates the blob of a nested fact that is the payload starting at
/// `start` in its parent: the error names the nested type's own problem,
/// and its offset is in the parent.
#[inline]
pub(crate) fn check_blob<const U: u8, T: FixedField<U>>(
    payload: &[u8],
    start: usize,
) -> Result<(), Fault> {
    T::check_blob(payload).map_err(|error| {
        let offset = start.saturating_add(error.offset);
        Fault::at(offset, ErrorKind::Nested(Box::new(error)))
    })
}

/// Appends the payload of a list of nested blobs: nothing for the empty list,
/// else the count, the end offsets and the blobs, each written in place.
pub(crate) fn write_list<const U: u8, T: FixedField<U>>(
    values: &[T],
    out: &mut Vec<u8>,
) -> Result<(), PackErrorKind> {
    if values.is_empty() {
        return Ok(());
    }
    let count = u32::try_from(values.len()).map_err(|_| PackErrorKind::TooLarge)?;
    out.extend_from_slice(&count.to_le_bytes());
    let ends_at = out.len();
    let ends_len = values.len().checked_mul(4).ok_or(PackErrorKind::TooLarge)?;
    out.resize(ends_at.saturating_add(ends_len), 0);
    let data_start = out.len();
    for (i, value) in values.iter().enumerate() {
        value.write_blob(out)?;
        let end = u32::try_from(out.len().saturating_sub(data_start))
            .map_err(|_| PackErrorKind::TooLarge)?;
        put(
            out,
            ends_at.saturating_add(i.saturating_mul(4)),
            &end.to_le_bytes(),
        );
    }
    Ok(())
}

/// The frame of a list payload of nested blobs: the end offsets and the
/// concatenated blobs. On a payload [`check_list`] rejects, some sub-slices
/// of it (never a panic).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BlobList<'a> {
    /// The end offsets, `4 * len()` bytes.
    pub ends: &'a [u8],
    /// The blobs, back to back.
    pub data: &'a [u8],
}

impl<'a> BlobList<'a> {
    /// Splits a list payload into its end offsets and blobs.
    #[inline]
    pub(crate) fn new(payload: &'a [u8]) -> Self {
        let ends_len = u32_at(payload, 0).saturating_mul(4);
        let data_start = ends_len.saturating_add(COUNT_LEN);
        Self {
            ends: payload.get(COUNT_LEN..data_start).unwrap_or_default(),
            data: payload.get(data_start..).unwrap_or_default(),
        }
    }

    /// Number of blobs.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.ends.len() / 4
    }

    /// Where blob `index` starts in `data`.
    #[inline]
    pub(crate) fn start(&self, index: usize) -> usize {
        match index.checked_sub(1) {
            Some(prev) => u32_at(self.ends, prev.saturating_mul(4)),
            None => 0,
        }
    }

    /// Blob `index`, or `None` past the end.
    #[inline]
    pub(crate) fn get(&self, index: usize) -> Option<&'a [u8]> {
        if index >= self.len() {
            return None;
        }
        let end = u32_at(self.ends, index.saturating_mul(4));
        self.data.get(self.start(index)..end)
    }
}

/// Validates a list payload of nested blobs: the canonical empty list, a
/// count the payload holds, end offsets that ascend and end the payload,
/// and every blob with its type's validation. Offsets are relative to the
/// payload.
///
/// # Errors
/// The first problem found; an invalid element is
/// [`ErrorKind::NestedElement`], naming its index.
pub(crate) fn check_list<const U: u8, T: FixedField<U>>(payload: &[u8]) -> Result<(), Fault> {
    if payload.is_empty() {
        return Ok(());
    }
    if payload.len() < COUNT_LEN {
        let kind = ErrorKind::Truncated {
            needed: COUNT_LEN,
            len: payload.len(),
        };
        return Err(Fault::at(0, kind));
    }
    let count = u32_at(payload, 0);
    if count == 0 {
        return Err(Fault::at(0, ErrorKind::NonCanonicalEmptyList));
    }
    let data_start = count
        .checked_mul(4)
        .and_then(|n| n.checked_add(COUNT_LEN))
        .filter(|n| *n <= payload.len())
        .ok_or_else(|| Fault::at(0, ErrorKind::BadListOffsets))?;
    let list = BlobList::new(payload);
    let mut start = 0;
    for index in 0..list.len() {
        let end_at = COUNT_LEN.saturating_add(index.saturating_mul(4));
        let end = u32_at(payload, end_at);
        let Some(blob) = list.data.get(start..end) else {
            return Err(Fault::at(end_at, ErrorKind::BadListOffsets));
        };
        T::check_blob(blob).map_err(|error| {
            let offset = data_start
                .saturating_add(start)
                .saturating_add(error.offset);
            let error = Box::new(error);
            Fault::at(offset, ErrorKind::NestedElement { index, error })
        })?;
        start = end;
    }
    if start != list.data.len() {
        let last = COUNT_LEN.saturating_add(list.len().saturating_sub(1).saturating_mul(4));
        return Err(Fault::at(last, ErrorKind::BadListOffsets));
    }
    Ok(())
}

/// [`check_list`] as a `bool`, for the fast path of validation.
#[inline]
pub(crate) fn list_is_valid<const U: u8, T: FixedField<U>>(payload: &[u8]) -> bool {
    if payload.is_empty() {
        return true;
    }
    let list = BlobList::new(payload);
    let count = u32_at(payload, 0);
    let data_start = count.saturating_mul(4).saturating_add(COUNT_LEN);
    if count == 0 || payload.len() < data_start || list.len() != count {
        return false;
    }
    let mut start = 0;
    for index in 0..count {
        let end = u32_at(list.ends, index.saturating_mul(4));
        match list.data.get(start..end) {
            Some(blob) if T::blob_is_valid(blob) => start = end,
            _ => return false,
        }
    }
    start == list.data.len()
}
