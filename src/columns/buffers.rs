//! The column buffers: Arrow's memory layout, owned in plain `Vec`s.
//!
//! - [`Bitmap`]: one bit per row, least significant bit first (Arrow's validity
//!   and boolean layout);
//! - [`Nullable`]: any column plus a validity bitmap; a null row holds a zero
//!   (or empty) placeholder in the values, as Arrow expects;
//! - [`StringColumn`]: `i32` offsets (N + 1, from 0) and the UTF-8 bytes;
//! - [`ListColumn`]: `i32` offsets (N + 1, from 0) into a column of elements.
//!
//! Offsets are `i32`, as in Arrow's `Utf8` and `List`; a column refuses a row
//! that would take them past `i32::MAX` (see [`ColumnData::has_room`]).

use core::fmt;

/// The lowest bit of each of the eight bytes of `word`, as one byte: bit
/// `k` of the result is bit 0 of byte `k`. Multiplying by the constant
/// shifts bit `8k` to bit `56 + k` for every `k` at once (no two products
/// land on the same bit, so nothing carries into the top byte).
#[inline(always)]
fn pack_flags(word: u64) -> u8 {
    let [top, ..] = (word & 0x0101_0101_0101_0101)
        .wrapping_mul(0x0102_0408_1020_4080)
        .to_be_bytes();
    top
}

/// What every column buffer can do, whatever it holds.
pub trait ColumnData: Default + Clone + fmt::Debug {
    /// Number of rows.
    fn len(&self) -> usize;

    /// Whether the column has no rows.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reserves room for `additional` more rows.
    fn reserve(&mut self, additional: usize);

    /// Keeps the first `rows` rows (nothing changes if there are fewer).
    fn truncate(&mut self, rows: usize);

    /// Reserves room for the payloads (string bytes, list elements) of
    /// `additional` more rows like the rows already there: building columns
    /// calls it once the first rows show how large payloads run, so that the
    /// value buffers are allocated once instead of doubling their way up.
    fn reserve_payloads(&mut self, additional: usize) {
        let _ = additional;
    }

    /// Whether one more row whose payloads total at most `bytes` keeps every
    /// offset within `i32::MAX`. Fixed-size columns always have room.
    fn has_room(&self, bytes: usize) -> bool {
        let _ = bytes;
        true
    }
}

/// The largest value an `i32` offset may take.
const MAX_OFFSET: usize = i32::MAX as usize;

/// Whether `used + more` stays a valid `i32` offset.
#[inline(always)]
pub(crate) fn fits(used: usize, more: usize) -> bool {
    used.checked_add(more).is_some_and(|end| end <= MAX_OFFSET)
}

/// How many payload units (bytes, elements) `additional` more rows take if
/// they are like the `rows` rows that hold `used` units, with an eighth more
/// for the spread.
pub(crate) fn extrapolate(used: usize, rows: usize, additional: usize) -> usize {
    let per_row = used.div_ceil(rows.max(1));
    let estimate = per_row.saturating_mul(additional);
    estimate.saturating_add(estimate / 8)
}

/// `n` as an offset; callers have checked [`fits`] first.
#[inline(always)]
pub(crate) fn offset(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl<T: Clone + fmt::Debug> ColumnData for Vec<T> {
    #[inline(always)]
    fn len(&self) -> usize {
        Vec::len(self)
    }

    fn reserve(&mut self, additional: usize) {
        Vec::reserve(self, additional);
    }

    fn truncate(&mut self, rows: usize) {
        Vec::truncate(self, rows);
    }
}

/// One bit per row, least significant bit first: Arrow's validity and boolean layout.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Bitmap {
    bits: Vec<u8>,
    len: usize,
}

impl Bitmap {
    /// An empty bitmap.
    pub const fn new() -> Self {
        Self {
            bits: Vec::new(),
            len: 0,
        }
    }

    /// Appends one bit.
    #[inline(always)]
    pub fn push(&mut self, value: bool) {
        let bit = self.len % 8;
        match self.bits.last_mut() {
            Some(byte) if bit != 0 => *byte |= u8::from(value) << bit,
            _ => self.bits.push(u8::from(value)),
        }
        self.len = self.len.wrapping_add(1);
    }

    /// Appends bits, eight at a time where it can.
    #[inline]
    pub fn extend<I: IntoIterator<Item = bool>>(&mut self, bits: I) {
        let mut bits = bits.into_iter();
        // Fill the last, partial byte first.
        while !self.len.is_multiple_of(8) {
            match bits.next() {
                Some(bit) => self.push(bit),
                None => return,
            }
        }
        self.bits.reserve(bits.size_hint().0.div_ceil(8));
        loop {
            let mut byte = 0u8;
            let mut count = 0usize;
            for bit in bits.by_ref().take(8) {
                byte |= u8::from(bit) << count;
                count = count.wrapping_add(1);
            }
            if count == 0 {
                return;
            }
            self.bits.push(byte);
            self.len = self.len.wrapping_add(count);
            if count < 8 {
                return;
            }
        }
    }

    /// Appends one bit per item of `items`, computed by `bit`, eight to a
    /// byte: the loop over each byte's eight items has a constant count, so
    /// the compiler unrolls it.
    #[inline]
    pub fn extend_mapped<T>(&mut self, items: &[T], bit: impl Fn(&T) -> bool) {
        let mut items = items;
        // Fill the last, partial byte first.
        while !self.len.is_multiple_of(8) {
            let Some((first, rest)) = items.split_first() else {
                return;
            };
            self.push(bit(first));
            items = rest;
        }
        let chunks = items.chunks_exact(8);
        let tail = chunks.remainder();
        self.bits.reserve(items.len().div_ceil(8));
        for chunk in chunks {
            let byte = chunk
                .iter()
                .enumerate()
                .fold(0u8, |byte, (k, item)| byte | (u8::from(bit(item)) << k));
            self.bits.push(byte);
        }
        self.len = self.len.wrapping_add(items.len().wrapping_sub(tail.len()));
        for item in tail {
            self.push(bit(item));
        }
    }

    /// Appends one bit per byte of `bytes`: whether the byte has bit `mask`
    /// set. With `mask` a single bit, eight bytes become one byte of bits
    /// through one multiplication; any other mask takes the bit-by-bit way.
    #[inline(always)]
    pub fn extend_bit_of(&mut self, bytes: &[u8], mask: u8) {
        if mask.count_ones() != 1 {
            return self.extend_mapped(bytes, |b| b & mask != 0);
        }
        let shift = mask.trailing_zeros();
        let mut bytes = bytes;
        // Fill the last, partial byte first.
        while !self.len.is_multiple_of(8) {
            let Some((first, rest)) = bytes.split_first() else {
                return;
            };
            self.push(first & mask != 0);
            bytes = rest;
        }
        let chunks = bytes.chunks_exact(8);
        let tail = chunks.remainder();
        self.bits.reserve(bytes.len().div_ceil(8));
        // `extend` over an exact-size iterator: no capacity check per byte.
        self.bits.extend(chunks.map(|chunk| {
            pack_flags(u64::from_le_bytes(chunk.try_into().unwrap_or_default()) >> shift)
        }));
        self.len = self.len.wrapping_add(bytes.len().wrapping_sub(tail.len()));
        for byte in tail {
            self.push(byte & mask != 0);
        }
    }

    /// The bit of row `index`; `None` past the end.
    #[inline]
    pub fn get(&self, index: usize) -> Option<bool> {
        if index >= self.len {
            return None;
        }
        let byte = self.bits.get(index / 8)?;
        Some(byte >> (index % 8) & 1 == 1)
    }

    /// Number of bits.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the bitmap holds no bits.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of bits set.
    pub fn count_ones(&self) -> usize {
        // Bits past `len` in the last byte are always clear.
        self.bits.iter().map(|b| b.count_ones() as usize).sum()
    }

    /// The bits in row order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = bool> + '_ {
        (0..self.len).map(|i| self.get(i).unwrap_or(false))
    }

    /// The packed bytes (`len().div_ceil(8)` of them; unused high bits are clear).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bits
    }

    /// The packed bytes and the number of bits.
    pub fn into_parts(self) -> (Vec<u8>, usize) {
        (self.bits, self.len)
    }
}

impl fmt::Debug for Bitmap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter().map(u8::from)).finish()
    }
}

impl FromIterator<bool> for Bitmap {
    fn from_iter<I: IntoIterator<Item = bool>>(iter: I) -> Self {
        let mut bitmap = Bitmap::new();
        bitmap.extend(iter);
        bitmap
    }
}

impl ColumnData for Bitmap {
    #[inline(always)]
    fn len(&self) -> usize {
        self.len
    }

    fn reserve(&mut self, additional: usize) {
        self.bits.reserve(additional.div_ceil(8));
    }

    fn truncate(&mut self, rows: usize) {
        if rows >= self.len {
            return;
        }
        self.len = rows;
        self.bits.truncate(rows.div_ceil(8));
        if let (Some(last), 1..) = (self.bits.last_mut(), rows % 8) {
            *last &= (1u8 << (rows % 8)).wrapping_sub(1);
        }
    }
}

/// A column whose rows may be null: the values (a placeholder where null) and
/// a validity bitmap (set where the row has a value).
#[derive(Clone, Default, Debug, PartialEq)]
pub struct Nullable<C> {
    /// The values; a null row holds zero, an empty string or an empty list.
    pub values: C,
    /// Set for rows that have a value.
    pub validity: Bitmap,
}

impl<C> Nullable<C> {
    /// Whether row `index` has a value (false past the end).
    #[inline]
    pub fn is_valid(&self, index: usize) -> bool {
        self.validity.get(index).unwrap_or(false)
    }

    /// Number of null rows.
    pub fn null_count(&self) -> usize {
        self.validity
            .len()
            .saturating_sub(self.validity.count_ones())
    }
}

impl<T: Copy> Nullable<Vec<T>> {
    /// Row `index`: `None` when it is null or past the end.
    #[inline]
    pub fn get(&self, index: usize) -> Option<T> {
        if self.is_valid(index) {
            self.values.get(index).copied()
        } else {
            None
        }
    }

    /// The rows in order, `None` where null.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<T>> + '_ {
        (0..self.values.len()).map(|i| self.get(i))
    }
}

impl Nullable<Bitmap> {
    /// Row `index`: `None` when it is null or past the end.
    #[inline]
    pub fn get(&self, index: usize) -> Option<bool> {
        if self.is_valid(index) {
            self.values.get(index)
        } else {
            None
        }
    }

    /// The rows in order, `None` where null.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<bool>> + '_ {
        (0..self.values.len()).map(|i| self.get(i))
    }
}

impl<T> Nullable<ListColumn<Vec<T>>> {
    /// The elements of list `index`: `None` when it is null or past the end.
    pub fn get(&self, index: usize) -> Option<&[T]> {
        if self.is_valid(index) {
            self.values.get(index)
        } else {
            None
        }
    }
}

impl Nullable<ListColumn<StringColumn>> {
    /// The strings of list `index`: `None` when it is null or past the end.
    pub fn get(&self, index: usize) -> Option<Vec<&str>> {
        if self.is_valid(index) {
            self.values.get(index)
        } else {
            None
        }
    }
}

impl Nullable<StringColumn> {
    /// Row `index`: `None` when it is null or past the end.
    pub fn get(&self, index: usize) -> Option<&str> {
        if self.is_valid(index) {
            self.values.get(index)
        } else {
            None
        }
    }
}

impl<C: ColumnData> ColumnData for Nullable<C> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.validity.len()
    }

    fn reserve(&mut self, additional: usize) {
        self.values.reserve(additional);
        self.validity.reserve(additional);
    }

    fn truncate(&mut self, rows: usize) {
        self.values.truncate(rows);
        self.validity.truncate(rows);
    }

    fn reserve_payloads(&mut self, additional: usize) {
        self.values.reserve_payloads(additional);
    }

    #[inline(always)]
    fn has_room(&self, bytes: usize) -> bool {
        self.values.has_room(bytes)
    }
}

/// Strings in Arrow's `Utf8` layout: `offsets` (N + 1 entries from 0) into
/// the concatenated UTF-8 `data`.
#[derive(Clone, PartialEq, Eq)]
pub struct StringColumn {
    /// Where each string starts and ends in `data`: string `i` is
    /// `data[offsets[i]..offsets[i + 1]]`.
    pub offsets: Vec<i32>,
    /// The strings' bytes, concatenated (valid UTF-8).
    pub data: Vec<u8>,
}

impl Default for StringColumn {
    fn default() -> Self {
        Self {
            offsets: vec![0],
            data: Vec::new(),
        }
    }
}

impl StringColumn {
    /// String `index`, or `None` past the end.
    pub fn get(&self, index: usize) -> Option<&str> {
        let (start, end) = bounds(&self.offsets, index)?;
        core::str::from_utf8(self.data.get(start..end)?).ok()
    }

    /// The strings in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..ColumnData::len(self)).map(|i| self.get(i).unwrap_or_default())
    }

    /// Appends one string.
    #[inline]
    pub fn push(&mut self, value: &str) {
        self.push_bytes(value.as_bytes());
    }

    /// Appends one string's bytes, which the caller knows to be UTF-8.
    #[inline]
    pub(crate) fn push_bytes(&mut self, bytes: &[u8]) {
        self.data.extend_from_slice(bytes);
        self.offsets.push(offset(self.data.len()));
    }
}

impl fmt::Debug for StringColumn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl ColumnData for StringColumn {
    #[inline(always)]
    fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    fn reserve(&mut self, additional: usize) {
        self.offsets.reserve(additional);
    }

    fn truncate(&mut self, rows: usize) {
        if let Some(end) = truncate_offsets(&mut self.offsets, rows) {
            self.data.truncate(end);
        }
    }

    fn reserve_payloads(&mut self, additional: usize) {
        let more = extrapolate(self.data.len(), ColumnData::len(self), additional);
        self.data.reserve(more);
    }

    #[inline(always)]
    fn has_room(&self, bytes: usize) -> bool {
        fits(self.data.len(), bytes)
    }
}

/// Lists in Arrow's `List` layout: `offsets` (N + 1 entries from 0) into a
/// column of all the elements.
#[derive(Clone, Debug, PartialEq)]
pub struct ListColumn<C> {
    /// Where each list starts and ends in `values`: list `i` is rows
    /// `offsets[i]..offsets[i + 1]` of `values`.
    pub offsets: Vec<i32>,
    /// Every list's elements, concatenated.
    pub values: C,
}

impl<C: Default> Default for ListColumn<C> {
    fn default() -> Self {
        Self {
            offsets: vec![0],
            values: C::default(),
        }
    }
}

impl<C: ColumnData> ListColumn<C> {
    /// The range of `values` rows that list `index` spans, or `None` past the end.
    pub fn range(&self, index: usize) -> Option<core::ops::Range<usize>> {
        let (start, end) = bounds(&self.offsets, index)?;
        Some(start..end)
    }

    /// Ends the current list: the elements pushed to `values` since the
    /// previous call are its elements.
    #[inline(always)]
    pub fn close_row(&mut self) {
        self.offsets.push(offset(self.values.len()));
    }
}

impl<T> ListColumn<Vec<T>> {
    /// The elements of list `index`, or `None` past the end.
    pub fn get(&self, index: usize) -> Option<&[T]> {
        let (start, end) = bounds(&self.offsets, index)?;
        self.values.get(start..end)
    }
}

impl ListColumn<StringColumn> {
    /// The strings of list `index`, or `None` past the end.
    pub fn get(&self, index: usize) -> Option<Vec<&str>> {
        let (start, end) = bounds(&self.offsets, index)?;
        (start..end).map(|i| self.values.get(i)).collect()
    }
}

impl<C: ColumnData> ColumnData for ListColumn<C> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    fn reserve(&mut self, additional: usize) {
        self.offsets.reserve(additional);
    }

    fn truncate(&mut self, rows: usize) {
        if let Some(end) = truncate_offsets(&mut self.offsets, rows) {
            self.values.truncate(end);
        }
    }

    fn reserve_payloads(&mut self, additional: usize) {
        let more = extrapolate(self.values.len(), ColumnData::len(self), additional);
        self.values.reserve(more);
        self.values.reserve_payloads(more);
    }

    #[inline(always)]
    fn has_room(&self, bytes: usize) -> bool {
        // A payload of `bytes` holds at most `bytes` elements.
        fits(self.values.len(), bytes) && self.values.has_room(bytes)
    }
}

/// Keeps the offsets of the first `rows` rows; returns where their values
/// end, or `None` (and keeps everything) when there are no more rows than that.
fn truncate_offsets(offsets: &mut Vec<i32>, rows: usize) -> Option<usize> {
    let end = usize::try_from(*offsets.get(rows)?).unwrap_or(0);
    offsets.truncate(rows.saturating_add(1));
    Some(end)
}

/// Row `index`'s start and end from an offsets array.
fn bounds(offsets: &[i32], index: usize) -> Option<(usize, usize)> {
    let start = usize::try_from(*offsets.get(index)?).ok()?;
    let end = usize::try_from(*offsets.get(index.checked_add(1)?)?).ok()?;
    (start <= end).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitmap_is_lsb_first() {
        let bits: Bitmap = [true, false, true, true, false, false, false, false, true]
            .into_iter()
            .collect();
        assert_eq!(bits.as_bytes(), &[0b0000_1101, 0b1]);
        assert_eq!(bits.len(), 9);
        assert_eq!(bits.count_ones(), 4);
        assert_eq!(bits.get(8), Some(true));
        assert_eq!(bits.get(9), None);
        let mut pushed = Bitmap::new();
        for bit in bits.iter() {
            pushed.push(bit);
        }
        assert_eq!(pushed, bits);
        let mut extended: Bitmap = [true, true, false].into_iter().collect();
        extended.extend(bits.iter());
        extended.extend([true]);
        let expected: Vec<bool> = [true, true, false]
            .into_iter()
            .chain(bits.iter())
            .chain([true])
            .collect();
        assert_eq!(extended.iter().collect::<Vec<_>>(), expected);
        assert_eq!(extended.len(), 13);
        let mut mapped: Bitmap = [false].into_iter().collect();
        let numbers: Vec<u32> = (0..20).collect();
        mapped.extend_mapped(&numbers, |n| n % 3 == 0);
        let expected: Vec<bool> = [false]
            .into_iter()
            .chain(numbers.iter().map(|n| n % 3 == 0))
            .collect();
        assert_eq!(mapped.iter().collect::<Vec<_>>(), expected);
        assert_eq!(mapped.len(), 21);
        let mut cut = bits.clone();
        cut.truncate(3);
        assert_eq!(cut.as_bytes(), &[0b0000_0101]);
        assert_eq!(cut, [true, false, true].into_iter().collect());
    }

    #[test]
    fn bit_of_bytes_matches_bit_by_bit() {
        // Every mask (single bits take the packed way), every start within a
        // byte, and lengths around whole bytes.
        let bytes: Vec<u8> = (0..40u32)
            .map(|i| u8::try_from(i.wrapping_mul(0x9e37_79b9) >> 24).unwrap())
            .collect();
        for mask in [0u8, 1, 2, 4, 8, 16, 32, 64, 128, 3, 0xff] {
            for start in 0..9 {
                for len in [0, 1, 7, 8, 9, 16, 17, 31, 40] {
                    let before: Bitmap = (0..start).map(|i| i % 2 == 0).collect();
                    let mut packed = before.clone();
                    packed.extend_bit_of(&bytes[..len], mask);
                    let mut expected = before;
                    for b in &bytes[..len] {
                        expected.push(b & mask != 0);
                    }
                    assert_eq!(packed, expected, "mask {mask:#x}, start {start}, len {len}");
                    assert_eq!(packed.len(), start + len);
                }
            }
        }
    }

    #[test]
    fn strings_and_lists_start_at_zero() {
        let mut strings = StringColumn::default();
        assert_eq!(strings.offsets, [0]);
        strings.push_bytes(b"ab");
        strings.push_bytes(b"");
        assert_eq!(strings.offsets, [0, 2, 2]);
        assert_eq!(strings.get(0), Some("ab"));
        assert_eq!(strings.get(1), Some(""));
        assert_eq!(strings.get(2), None);

        let mut lists = ListColumn::<Vec<u8>>::default();
        lists.values.extend([1, 2, 3]);
        lists.close_row();
        lists.close_row();
        assert_eq!(lists.get(0), Some(&[1, 2, 3][..]));
        assert_eq!(lists.get(1), Some(&[][..]));
        assert_eq!(ColumnData::len(&lists), 2);
    }

    #[test]
    fn offsets_refuse_to_pass_i32_max() {
        assert!(fits(0, MAX_OFFSET));
        assert!(!fits(1, MAX_OFFSET));
        assert!(!fits(usize::MAX, 1));
    }
}
