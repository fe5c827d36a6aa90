//! Borrowed views of list payloads: [`Slice`] for `Vec<T>` of a fixed type or
//! a nested fact, and [`StrList`] for `Vec<String>`.
//!
//! Both borrow the blob and decode an element only when asked for it, so
//! reading the length or one element is O(1) whatever the list's size.
//!
//! A list of strings is laid out as Arrow lays out a string array, minus the
//! leading zero offset: a `u32` count `n`, then `n` ascending `u32` end offsets
//! into the string bytes, then the bytes. An empty list has an empty payload.

use core::fmt;
use core::marker::PhantomData;

use crate::bytes::u32_at;
use crate::error::Fault;
use crate::error::{ErrorKind, PackErrorKind};
use crate::fixed::FixedField;
use crate::list;
use crate::nested::BlobList;

/// A borrowed list (`Vec<T>` of a non-string `T`), decoded element by element.
///
/// The elements lie back to back, [`stride`](Self::stride) bytes apart: the
/// type's size, or for nested facts the size of the version the list was
/// written at (see [`FixedField::ELEMENT_SIZES`]). The elements of a list
/// of nested facts with variable-length fields are whole blobs of varying
/// sizes, found through their end offsets (see [`FixedField::BLOB`]); every
/// method is still O(1) per element.
pub struct Slice<'a, T, const U: u8 = 0> {
    /// The elements, back to back (the blobs, for `BLOB` types).
    bytes: &'a [u8],
    stride: usize,
    version: u8,
    /// For `BLOB` types, the `u32` end offsets of the blobs in `bytes`;
    /// empty otherwise.
    ends: &'a [u8],
    element: PhantomData<fn() -> T>,
}

impl<T, const U: u8> Clone for Slice<'_, T, U> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, const U: u8> Copy for Slice<'_, T, U> {}

impl<T: FixedField<U>, const U: u8> Default for Slice<'_, T, U> {
    fn default() -> Self {
        Self::new(&[])
    }
}

impl<'a, T: FixedField<U>, const U: u8> Slice<'a, T, U> {
    /// Views a validated list payload (with its list header, if any).
    #[inline(always)]
    pub(crate) fn new(payload: &'a [u8]) -> Self {
        if T::BLOB {
            let list = BlobList::new(payload);
            return Self {
                bytes: list.data,
                stride: 1,
                version: 0,
                ends: list.ends,
                element: PhantomData,
            };
        }
        let elements = list::split::<U, T>(payload);
        Self {
            bytes: elements.bytes,
            // A stride of 0 only comes from bytes that validation rejects;
            // 1 keeps the arithmetic total there.
            stride: elements.stride.max(1),
            version: elements.version,
            ends: &[],
            element: PhantomData,
        }
    }

    /// The blobs of a list of `BLOB` elements.
    #[inline(always)]
    fn blobs(&self) -> BlobList<'a> {
        BlobList {
            ends: self.ends,
            data: self.bytes,
        }
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        if T::BLOB {
            return self.ends.len() / 4;
        }
        self.bytes.len().checked_div(self.stride).unwrap_or(0)
    }

    /// Whether the list has no element.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty() && self.ends.is_empty()
    }

    /// Bytes from one element to the next; 0 for a list of nested facts with
    /// variable-length fields, whose elements vary in size.
    #[inline]
    pub fn stride(&self) -> usize {
        if T::BLOB {
            return 0;
        }
        self.stride
    }

    /// The element at `index`, or `None` past the end.
    #[inline]
    pub fn get(&self, index: usize) -> Option<T::Ref<'a>> {
        if T::BLOB {
            return self.blobs().get(index).map(T::decode_blob);
        }
        let start = index.checked_mul(self.stride)?;
        let bytes = self.bytes.get(start..start.checked_add(self.stride)?)?;
        Some(T::decode_at(bytes, self.version))
    }

    /// The first element.
    #[inline]
    pub fn first(&self) -> Option<T::Ref<'a>> {
        self.get(0)
    }

    /// The last element.
    #[inline]
    pub fn last(&self) -> Option<T::Ref<'a>> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// The elements in order.
    #[inline]
    pub fn iter(&self) -> SliceIter<'a, T, U> {
        self.into_iter()
    }

    /// The elements, owned.
    pub fn to_vec(&self) -> Vec<T> {
        self.iter().map(T::to_owned).collect()
    }

    /// The elements' bytes, `len() * stride()` of them (without the list
    /// header of a list of nested facts); for nested facts with
    /// variable-length fields, their blobs back to back.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

/// The iterator over a [`Slice`]'s elements.
pub struct SliceIter<'a, T, const U: u8 = 0> {
    /// The elements; for `BLOB` types, the end offsets.
    chunks: core::slice::ChunksExact<'a, u8>,
    version: u8,
    /// For `BLOB` types: the whole list, and how many elements the front
    /// has taken (so that an end offset's element index is known).
    blobs: BlobList<'a>,
    front: usize,
    element: PhantomData<fn() -> T>,
}

impl<T, const U: u8> Clone for SliceIter<'_, T, U> {
    fn clone(&self) -> Self {
        Self {
            chunks: self.chunks.clone(),
            version: self.version,
            blobs: self.blobs,
            front: self.front,
            element: PhantomData,
        }
    }
}

impl<'a, T: FixedField<U>, const U: u8> SliceIter<'a, T, U> {
    /// Element `index` of a list of `BLOB` elements, whose end offset is `end`.
    #[inline(always)]
    fn blob(&self, index: usize, end: &[u8]) -> T::Ref<'a> {
        let start = self.blobs.start(index);
        let blob = self
            .blobs
            .data
            .get(start..u32_at(end, 0))
            .unwrap_or_default();
        T::decode_blob(blob)
    }
}

impl<'a, T: FixedField<U>, const U: u8> Iterator for SliceIter<'a, T, U> {
    type Item = T::Ref<'a>;

    #[inline(always)]
    fn next(&mut self) -> Option<T::Ref<'a>> {
        if T::BLOB {
            return self.nth(0);
        }
        let version = self.version;
        self.chunks.next().map(|bytes| T::decode_at(bytes, version))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.chunks.size_hint()
    }

    #[inline]
    fn nth(&mut self, n: usize) -> Option<T::Ref<'a>> {
        if T::BLOB {
            let end = self.chunks.nth(n)?;
            let index = self.front.saturating_add(n);
            self.front = index.saturating_add(1);
            return Some(self.blob(index, end));
        }
        let version = self.version;
        self.chunks.nth(n).map(|bytes| T::decode_at(bytes, version))
    }
}

impl<'a, T: FixedField<U>, const U: u8> DoubleEndedIterator for SliceIter<'a, T, U> {
    #[inline]
    fn next_back(&mut self) -> Option<T::Ref<'a>> {
        if T::BLOB {
            let end = self.chunks.next_back()?;
            let index = self.front.saturating_add(self.chunks.len());
            return Some(self.blob(index, end));
        }
        let version = self.version;
        self.chunks
            .next_back()
            .map(|bytes| T::decode_at(bytes, version))
    }
}

impl<T: FixedField<U>, const U: u8> ExactSizeIterator for SliceIter<'_, T, U> {}

impl<T: FixedField<U>, const U: u8> core::iter::FusedIterator for SliceIter<'_, T, U> {}

impl<'a, T: FixedField<U>, const U: u8> IntoIterator for Slice<'a, T, U> {
    type Item = T::Ref<'a>;
    type IntoIter = SliceIter<'a, T, U>;

    #[inline]
    fn into_iter(self) -> SliceIter<'a, T, U> {
        let chunks = if T::BLOB {
            self.ends.chunks_exact(4)
        } else {
            self.bytes.chunks_exact(self.stride)
        };
        SliceIter {
            chunks,
            version: self.version,
            blobs: self.blobs(),
            front: 0,
            element: PhantomData,
        }
    }
}

impl<'a, T: FixedField<U>, const U: u8> fmt::Debug for Slice<'a, T, U>
where
    T::Ref<'a>: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T, const U: u8> PartialEq<[T]> for Slice<'a, T, U>
where
    T: FixedField<U>,
    T::Ref<'a>: PartialEq<T>,
{
    fn eq(&self, other: &[T]) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == *b)
    }
}

impl<T: FixedField<U>, const U: u8> PartialEq for Slice<'_, T, U> {
    /// Two lists are equal when their encodings are; see the crate docs on equality.
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
            && self.ends == other.ends
            && (self.bytes.is_empty() || self.version == other.version)
    }
}

/// A borrowed list of strings.
#[derive(Clone, Copy, Default)]
pub struct StrList<'a> {
    /// The end offsets, `4 * len()` bytes.
    ends: &'a [u8],
    /// The concatenated string bytes.
    data: &'a [u8],
}

impl<'a> StrList<'a> {
    /// Views a validated payload.
    pub(crate) fn new(payload: &'a [u8]) -> Self {
        let count = u32_at(payload, 0);
        let ends_len = count.saturating_mul(4);
        let ends = payload.get(4..ends_len.saturating_add(4)).unwrap_or(&[]);
        let data = payload.get(ends_len.saturating_add(4)..).unwrap_or(&[]);
        Self { ends, data }
    }

    /// Appends the payload of `strings`.
    pub(crate) fn write(strings: &[String], out: &mut Vec<u8>) -> Result<(), PackErrorKind> {
        if strings.is_empty() {
            return Ok(());
        }
        let count = u32::try_from(strings.len()).map_err(|_| PackErrorKind::TooLarge)?;
        out.extend_from_slice(&count.to_le_bytes());
        let mut end = 0usize;
        for s in strings {
            end = end.saturating_add(s.len());
            let end32 = u32::try_from(end).map_err(|_| PackErrorKind::TooLarge)?;
            out.extend_from_slice(&end32.to_le_bytes());
        }
        for s in strings {
            out.extend_from_slice(s.as_bytes());
        }
        Ok(())
    }

    /// Validates a payload: canonical empty list, offsets ascending and inside
    /// the data, the data UTF-8, every offset on a character boundary.
    pub(crate) fn check(payload: &[u8]) -> Result<(), Fault> {
        if payload.is_empty() {
            return Ok(());
        }
        let count = u32_at(payload, 0);
        if payload.len() < 4 {
            let kind = ErrorKind::Truncated {
                needed: 4,
                len: payload.len(),
            };
            return Err(Fault::at(0, kind));
        }
        if count == 0 {
            return Err(Fault::at(0, ErrorKind::NonCanonicalEmptyList));
        }
        let data_start = count
            .checked_mul(4)
            .and_then(|n| n.checked_add(4))
            .filter(|n| *n <= payload.len())
            .ok_or_else(|| Fault::at(0, ErrorKind::BadStringOffsets))?;
        let list = StrList::new(payload);
        let text = core::str::from_utf8(list.data).map_err(|e| {
            Fault::at(
                data_start.saturating_add(e.valid_up_to()),
                ErrorKind::InvalidUtf8,
            )
        })?;
        let mut previous = 0;
        for (i, end) in list.ends().enumerate() {
            if end < previous || !text.is_char_boundary(end) {
                let at = i.saturating_mul(4).saturating_add(4);
                return Err(Fault::at(at, ErrorKind::BadStringOffsets));
            }
            previous = end;
        }
        if previous != list.data.len() {
            return Err(Fault::at(4, ErrorKind::BadStringOffsets));
        }
        Ok(())
    }

    /// The end offsets of the strings in [`data`](Self::data).
    #[inline]
    pub fn ends(&self) -> impl ExactSizeIterator<Item = usize> + 'a {
        self.ends.chunks_exact(4).map(|e| u32_at(e, 0))
    }

    /// All the strings' bytes, concatenated.
    #[inline]
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Number of strings.
    #[inline]
    pub fn len(&self) -> usize {
        self.ends.len() / 4
    }

    /// Whether the list has no string.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The string at `index`, or `None` past the end.
    #[inline]
    pub fn get(&self, index: usize) -> Option<&'a str> {
        let end_at = index.checked_mul(4)?;
        let end = u32_at(self.ends.get(end_at..end_at.checked_add(4)?)?, 0);
        let start = match end_at.checked_sub(4) {
            Some(prev) => u32_at(self.ends, prev),
            None => 0,
        };
        Some(core::str::from_utf8(self.data.get(start..end)?).unwrap_or_default())
    }

    /// The strings in order.
    #[inline]
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &'a str> + 'a {
        let data = self.data;
        let mut start = 0;
        self.ends().map(move |end| {
            let s = data.get(start..end).unwrap_or(&[]);
            start = end;
            core::str::from_utf8(s).unwrap_or_default()
        })
    }

    /// The strings, owned.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }
}

impl fmt::Debug for StrList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for StrList<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.ends == other.ends && self.data == other.data
    }
}

impl<S: AsRef<str>> PartialEq<[S]> for StrList<'_> {
    fn eq(&self, other: &[S]) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(strings: &[&str]) -> Vec<u8> {
        let owned: Vec<String> = strings.iter().map(|s| s.to_string()).collect();
        let mut out = Vec::new();
        StrList::write(&owned, &mut out).unwrap();
        out
    }

    #[test]
    fn strings_round_trip() {
        let p = payload(&["a", "", "héllo"]);
        assert_eq!(StrList::check(&p), Ok(()));
        let list = StrList::new(&p);
        assert_eq!(list.len(), 3);
        assert_eq!(list.get(2), Some("héllo"));
        assert_eq!(list.get(3), None);
        assert_eq!(list.to_vec(), ["a", "", "héllo"]);
        assert!(list == ["a", "", "héllo"][..]);
    }

    #[test]
    fn empty_list_has_one_encoding() {
        assert!(payload(&[]).is_empty());
        assert_eq!(
            StrList::check(&[0, 0, 0, 0]),
            Err(Fault::at(0, ErrorKind::NonCanonicalEmptyList))
        );
    }

    #[test]
    fn offsets_inside_a_character_are_rejected() {
        let mut p = payload(&["é", "x"]);
        p[4] = 1; // the first end now splits the two bytes of 'é'
        assert_eq!(
            StrList::check(&p),
            Err(Fault::at(4, ErrorKind::BadStringOffsets))
        );
    }

    #[test]
    fn a_count_past_the_payload_is_rejected() {
        let mut p = payload(&["x"]);
        p[0] = 200;
        assert_eq!(
            StrList::check(&p),
            Err(Fault::at(0, ErrorKind::BadStringOffsets))
        );
    }
}
