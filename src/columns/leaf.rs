//! [`FixedColumn`]: how one fixed-size value lands in a column, straight from
//! its validated bytes.
//!
//! Columns hold what the bytes hold: integers and floats as themselves, `bool`
//! in a [`Bitmap`], instants and durations as their `i64` count of the field's
//! unit, dates as `i32` days since 1970-01-01, and a
//! nested fact as its own columns. Nothing is converted through chrono, so a
//! timestamp column costs what an `i64` column costs.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

use super::buffers::{offset, Bitmap, ColumnData, ListColumn};
use super::BLOCK;
use crate::bytes::array;
use crate::field::slot_bytes;
use crate::fixed::FixedField;
use crate::kind::{FieldKind, TimeUnit};
use crate::unit::{MICROS, MILLIS, NANOS, NATURAL, SECONDS};
use zerocopy::little_endian::{F32, F64, I16, I32, I64, U16, U32, U64};
use zerocopy::FromBytes;

/// Where one field's payload lies in each blob of a block: `(blob, start,
/// end)`, the payload being `blob[start..end]`.
pub trait Spans<'a>:
    Iterator<Item = (&'a [u8], usize, usize)> + DoubleEndedIterator + ExactSizeIterator + Clone
{
}

impl<'a, I> Spans<'a> for I where
    I: Iterator<Item = (&'a [u8], usize, usize)> + DoubleEndedIterator + ExactSizeIterator + Clone
{
}

/// How many elements a list's copy moves at once (see `extend_number_lists`).
const WINDOW: usize = 8;

/// A value type that has a column: every [`FixedField`] of the crate, and
/// every `#[derive(Facts)]` struct (with or without variable-length fields).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no factpack column",
    note = "every factpack value type has one; a type that implements `FixedField` by hand must implement `FixedColumn` too"
)]
pub trait FixedColumn<const UNIT: u8 = 0>: FixedField<UNIT> {
    /// The column holding many values.
    type Column: ColumnData;
    /// What the bytes hold, for tools without the Rust type.
    const KIND: FieldKind;

    /// Appends the value whose validated bytes (exactly `SIZE`) are `bytes`.
    fn push_bytes(column: &mut Self::Column, bytes: &[u8]);

    /// Appends a placeholder: the all-zero value (for a null row).
    fn push_zero(column: &mut Self::Column);

    /// Appends the value whose validated bytes are `bytes`, written at
    /// `version` (see [`FixedField::check_at`]); types without versions
    /// ignore it.
    #[inline]
    fn push_bytes_at(column: &mut Self::Column, bytes: &[u8], version: u8) {
        let _ = version;
        Self::push_bytes(column, bytes);
    }

    /// Appends the value whose validated whole blob is `blob`: a nested fact
    /// with variable-length fields (see [`FixedField::BLOB`]). Other types
    /// never call it.
    #[inline]
    fn push_blob(column: &mut Self::Column, blob: &[u8]) {
        Self::push_bytes(column, blob);
    }

    /// Appends every element of a validated list payload (with its list
    /// header, for nested facts).
    #[inline]
    fn extend_from_bytes(column: &mut Self::Column, payload: &[u8]) {
        if Self::BLOB {
            let list = crate::nested::BlobList::new(payload);
            for index in 0..list.len() {
                Self::push_blob(column, list.get(index).unwrap_or_default());
            }
            return;
        }
        let elements = crate::list::split::<UNIT, Self>(payload);
        for element in elements.bytes.chunks_exact(elements.stride.max(1)) {
            Self::push_bytes_at(column, element, elements.version);
        }
    }

    /// Appends a row to `lists` for each list of a block, the validated
    /// payload of list `i` being `blob[start..end]` for the `i`-th span (the
    /// caller has checked that the offsets fit).
    #[inline]
    fn extend_lists<'a>(lists: &mut ListColumn<Self::Column>, spans: impl Spans<'a>) {
        for (blob, start, end) in spans {
            Self::extend_from_bytes(&mut lists.values, blob.get(start..end).unwrap_or_default());
            lists.close_row();
        }
    }

    /// Appends the value at `offset` of each header in `heads`: the block
    /// path, one field of many facts at a time.
    #[inline]
    fn extend_slots<const N: usize>(column: &mut Self::Column, heads: &[&[u8; N]], offset: usize) {
        for head in heads {
            Self::push_bytes(column, slot_bytes::<UNIT, Self>(&head[..], offset));
        }
    }
}

/// Implements [`FixedColumn`] for a type whose column is a `Vec` of the
/// little-endian number its bytes hold.
macro_rules! number_column {
    ($($ty:ty => $raw:ty as $le:ty, [$($unit:ident),*], |$u:ident| $kind:expr;)*) => {$($(
        impl FixedColumn<$unit> for $ty {
            type Column = Vec<$raw>;
            const KIND: FieldKind = {
                let $u = $unit;
                $kind
            };

            #[inline(always)]
            fn push_bytes(column: &mut Vec<$raw>, bytes: &[u8]) {
                column.push(<$raw>::from_le_bytes(array(bytes, 0)));
            }

            #[inline(always)]
            fn push_zero(column: &mut Vec<$raw>) {
                column.push(0 as $raw);
            }

            #[inline]
            fn extend_slots<const N: usize>(
                column: &mut Vec<$raw>,
                heads: &[&[u8; N]],
                offset: usize,
            ) {
                // One tight loop per column: the offset is a constant and
                // every header is `N` bytes, so no bounds check survives,
                // and `extend` over a slice reserves once.
                column.extend(heads.iter().map(|head| <$raw>::from_le_bytes(array(&head[..], offset))));
            }

            #[inline]
            fn extend_lists<'a>(lists: &mut ListColumn<Vec<$raw>>, spans: impl Spans<'a>) {
                const S: usize = core::mem::size_of::<$raw>();
                extend_number_lists::<$raw, S, { WINDOW * S }>(lists, spans, <$raw>::from_le_bytes);
            }

            #[inline]
            fn extend_from_bytes(column: &mut Vec<$raw>, payload: &[u8]) {
                // The payload seen as unaligned little-endian numbers: on a
                // little-endian machine the loop is a copy.
                match <[$le]>::ref_from_bytes(payload) {
                    Ok(values) => column.extend(values.iter().map(|v| <$raw>::from(*v))),
                    // Unreachable for a validated payload, whose length is a
                    // multiple of the element size.
                    Err(_) => column.extend(
                        payload
                            .chunks_exact(core::mem::size_of::<$raw>())
                            .map(|b| <$raw>::from_le_bytes(array(b, 0))),
                    ),
                }
            }
        }
    )*)*};
}

number_column! {
    i8 => i8 as i8, [NATURAL], |_u| FieldKind::I8;
    i16 => i16 as I16, [NATURAL], |_u| FieldKind::I16;
    i32 => i32 as I32, [NATURAL], |_u| FieldKind::I32;
    i64 => i64 as I64, [NATURAL], |_u| FieldKind::I64;
    u8 => u8 as u8, [NATURAL], |_u| FieldKind::U8;
    u16 => u16 as U16, [NATURAL], |_u| FieldKind::U16;
    u32 => u32 as U32, [NATURAL], |_u| FieldKind::U32;
    u64 => u64 as U64, [NATURAL], |_u| FieldKind::U64;
    f32 => f32 as F32, [NATURAL], |_u| FieldKind::F32;
    f64 => f64 as F64, [NATURAL], |_u| FieldKind::F64;
    DateTime<Utc> => i64 as I64, [NATURAL, SECONDS, MILLIS, MICROS, NANOS], |u| utc_instant(u);
    NaiveDateTime => i64 as I64, [NATURAL, SECONDS, MILLIS, MICROS, NANOS], |u| naive_instant(u);
    TimeDelta => i64 as I64, [NATURAL, SECONDS, MILLIS, MICROS, NANOS], |u| duration(u);
    NaiveDate => i32 as I32, [NATURAL], |_u| FieldKind::Date;
}

/// Appends lists of numbers (`S` bytes each, read by `read`) with no branch
/// on their lengths for lists of up to [`WINDOW`] elements; `B` is the
/// window's size in bytes, `WINDOW * S`.
///
/// Lengths vary from fact to fact, so a copy loop per list ends at a
/// different count each time, and its branches (the exit, the choice between
/// a wide and a narrow copy) are mispredicted a few times a list: with
/// lists of one to six elements that cost more than the copying. Here a list
/// moves [`WINDOW`] elements at once: the window of the blob that ends where
/// the list (or the part of it still to copy) ends, written so that it ends
/// where those elements' rows end in the column. The elements before them in
/// the window are garbage that lands on the rows of earlier lists; the lists
/// go last to first, so each earlier list overwrites it. Longer lists take
/// more windows; once no whole window fits (before the blob's start or the
/// block's first row), the rest of the list is copied element by element.
///
/// The spans must be those of validated payloads: one outside its blob
/// (which validation rules out) would leave zeros in its rows.
#[inline(always)]
fn extend_number_lists<'a, T: Copy + Default, const S: usize, const B: usize>(
    lists: &mut ListColumn<Vec<T>>,
    spans: impl Spans<'a>,
    read: fn([u8; S]) -> T,
) {
    let ListColumn {
        offsets: ends,
        values: column,
    } = lists;
    let old = column.len();
    let mut total = 0usize;
    ends.extend(spans.clone().map(|(_, start, end)| {
        total = total.wrapping_add(end.saturating_sub(start).checked_div(S).unwrap_or(0));
        offset(old.wrapping_add(total))
    }));
    column.resize(old.saturating_add(total), T::default());
    let rows = column.get_mut(old..).unwrap_or_default();
    let mut list_end = rows.len();
    for (blob, start, end) in spans.rev() {
        let len = end.saturating_sub(start).checked_div(S).unwrap_or(0);
        let mut left = len;
        let mut to = list_end;
        let mut from = end;
        while left > 0 {
            let window = from
                .checked_sub(B)
                .and_then(|at| blob.get(at..from))
                .and_then(|bytes| <&[u8; B]>::try_from(bytes).ok());
            let room = to.checked_sub(WINDOW).and_then(|at| rows.get_mut(at..to));
            match (window, room) {
                (Some(window), Some(room)) => read_into(room, window, read),
                _ => {
                    // Exactly the `left` elements before `from`.
                    let bytes = blob.get(from.saturating_sub(left.wrapping_mul(S))..from);
                    let room = rows.get_mut(to.saturating_sub(left)..to);
                    if let (Some(bytes), Some(room)) = (bytes, room) {
                        read_into(room, bytes, read);
                    }
                    break;
                }
            }
            let moved = left.min(WINDOW);
            left = left.wrapping_sub(moved);
            to = to.wrapping_sub(moved);
            from = from.wrapping_sub(moved.wrapping_mul(S));
        }
        list_end = list_end.wrapping_sub(len);
    }
}

/// Reads `bytes` (`S` bytes an element) into `room`, as far as both go.
#[inline(always)]
fn read_into<T, const S: usize>(room: &mut [T], bytes: &[u8], read: fn([u8; S]) -> T) {
    for (value, bytes) in room.iter_mut().zip(bytes.chunks_exact(S)) {
        *value = read(array(bytes, 0));
    }
}

/// The stored unit of a declared unit constant, given the type's default.
const fn time_unit(unit: u8, default: TimeUnit) -> TimeUnit {
    match unit {
        SECONDS => TimeUnit::Seconds,
        MILLIS => TimeUnit::Millis,
        MICROS => TimeUnit::Micros,
        NANOS => TimeUnit::Nanos,
        _ => default,
    }
}

const fn utc_instant(unit: u8) -> FieldKind {
    FieldKind::Timestamp {
        unit: time_unit(unit, TimeUnit::Micros),
        utc: true,
    }
}

const fn naive_instant(unit: u8) -> FieldKind {
    FieldKind::Timestamp {
        unit: time_unit(unit, TimeUnit::Micros),
        utc: false,
    }
}

const fn duration(unit: u8) -> FieldKind {
    FieldKind::Duration {
        unit: time_unit(unit, TimeUnit::Seconds),
    }
}

impl FixedColumn for bool {
    type Column = Bitmap;
    const KIND: FieldKind = FieldKind::Bool;

    #[inline(always)]
    fn push_bytes(column: &mut Bitmap, bytes: &[u8]) {
        column.push(bytes.first().is_some_and(|b| *b != 0));
    }

    #[inline(always)]
    fn push_zero(column: &mut Bitmap) {
        column.push(false);
    }

    #[inline]
    fn extend_slots<const N: usize>(column: &mut Bitmap, heads: &[&[u8; N]], offset: usize) {
        // Gathered as 0 or 1 (nonzero reads as true, as in `push_bytes`),
        // then packed eight rows to a byte.
        let mut flags = [0u8; BLOCK];
        for block in heads.chunks(BLOCK) {
            for (flag, head) in flags.iter_mut().zip(block) {
                *flag = u8::from(head.get(offset).is_some_and(|b| *b != 0));
            }
            column.extend_bit_of(flags.get(..block.len()).unwrap_or_default(), 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn timestamps_land_as_their_stored_integer() {
        let at = Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap();
        let mut bytes = [0u8; 8];
        FixedField::<MILLIS>::encode(&at, &mut bytes).unwrap();
        let mut column = Vec::new();
        <DateTime<Utc> as FixedColumn<MILLIS>>::push_bytes(&mut column, &bytes);
        assert_eq!(column, [at.timestamp_millis()]);
        assert_eq!(
            <DateTime<Utc> as FixedColumn<MILLIS>>::KIND,
            FieldKind::Timestamp {
                unit: TimeUnit::Millis,
                utc: true
            }
        );
        assert_eq!(
            <TimeDelta as FixedColumn>::KIND,
            FieldKind::Duration {
                unit: TimeUnit::Seconds
            }
        );
    }

    #[test]
    fn lists_of_numbers_extend_in_one_go() {
        let payload: Vec<u8> = [1i32, -2, 3].iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut column = vec![7];
        <i32 as FixedColumn>::extend_from_bytes(&mut column, &payload);
        assert_eq!(column, [7, 1, -2, 3]);
    }

    /// Lists of every length from 0 to 19 (past two windows), in blobs
    /// where each list sits at the start (no window fits before it), in the
    /// middle, and at the end, in blocks of varied sizes.
    #[test]
    fn windowed_lists_equal_element_by_element_copies() {
        let mut blobs: Vec<(Vec<u8>, usize, usize)> = Vec::new();
        for len in 0..20i64 {
            for pad in [0usize, 3, 40, 200] {
                let mut blob = vec![0xee; pad];
                let start = blob.len();
                for k in 0..len {
                    blob.extend_from_slice(&(len * 100 + k).to_le_bytes());
                }
                let end = blob.len();
                blob.extend_from_slice(&[0xdd; 5]);
                blobs.push((blob, start, end));
            }
        }
        for block in [1, 2, 7, 64] {
            let mut expected = vec![-1i64];
            let mut expected_ends = vec![0i32];
            let mut lists = ListColumn {
                offsets: vec![0],
                values: vec![-1i64],
            };
            for chunk in blobs.chunks(block) {
                for (blob, start, end) in chunk {
                    <i64 as FixedColumn>::extend_from_bytes(&mut expected, &blob[*start..*end]);
                    expected_ends.push(offset(expected.len()));
                }
                let spans = chunk.iter().map(|(b, s, e)| (b.as_slice(), *s, *e));
                <i64 as FixedColumn>::extend_lists(&mut lists, spans);
            }
            assert_eq!(lists.values, expected, "block of {block}");
            assert_eq!(lists.offsets, expected_ends, "block of {block}");
        }
    }

    /// Random blocks of lists of 1-, 2-, 4- and 8-byte numbers: lengths to
    /// 40, lists at their blob's start or after random bytes, random bytes
    /// after them, blocks of 1 to 64 rows, columns holding rows already.
    fn random_lists_equal_element_by_element<T, R, const S: usize>(seed: u64)
    where
        T: FixedColumn<Column = Vec<R>>,
        R: PartialEq + core::fmt::Debug + Clone + Default,
    {
        let mut x = seed | 1;
        let mut below = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n.max(1)
        };
        for _ in 0..300 {
            let mut blobs: Vec<(Vec<u8>, usize, usize)> = Vec::new();
            for _ in 0..1 + below(70) {
                let pad = match below(4) {
                    0 => 0,
                    1 => below(S as u64 * 8),
                    _ => below(300),
                };
                let len = match below(5) {
                    0 => 0,
                    1 => below(4),
                    2 => below(9),
                    3 => below(17),
                    _ => below(40),
                };
                let mut blob: Vec<u8> = (0..pad).map(|_| below(256) as u8).collect();
                let start = blob.len();
                blob.extend((0..len * S as u64).map(|_| below(256) as u8));
                let end = blob.len();
                blob.extend((0..below(20)).map(|_| below(256) as u8));
                blobs.push((blob, start, end));
            }
            let mut expected: Vec<R> = vec![R::default(); below(12) as usize];
            let mut lists = ListColumn {
                offsets: vec![0],
                values: expected.clone(),
            };
            let mut expected_ends = vec![0i32];
            for (blob, start, end) in &blobs {
                for element in blob[*start..*end].chunks_exact(S) {
                    T::push_bytes(&mut expected, element);
                }
                expected_ends.push(offset(expected.len()));
            }
            for block in blobs.chunks(1 + below(64) as usize) {
                let spans = block.iter().map(|(b, s, e)| (b.as_slice(), *s, *e));
                T::extend_lists(&mut lists, spans);
            }
            assert_eq!(lists.values, expected);
            assert_eq!(lists.offsets, expected_ends);
        }
    }

    #[test]
    fn windowed_lists_of_every_element_size_equal_element_by_element_copies() {
        for seed in 1..16u64 {
            random_lists_equal_element_by_element::<u8, u8, 1>(seed * 7919);
            random_lists_equal_element_by_element::<i16, i16, 2>(seed * 104_729);
            random_lists_equal_element_by_element::<u32, u32, 4>(seed * 31_337);
            random_lists_equal_element_by_element::<i64, i64, 8>(seed * 65_537);
            random_lists_equal_element_by_element::<NaiveDate, i32, 4>(seed * 999);
        }
    }

    #[test]
    fn bools_of_more_than_a_block_read_nonzero_as_true() {
        let heads: Vec<[u8; 2]> = (0..130u8).map(|i| [9, i % 3]).collect();
        let refs: Vec<&[u8; 2]> = heads.iter().collect();
        let mut column = Bitmap::new();
        column.push(true);
        <bool as FixedColumn>::extend_slots(&mut column, &refs, 1);
        let expected: Vec<bool> = core::iter::once(true)
            .chain(heads.iter().map(|h| h[1] != 0))
            .collect();
        assert_eq!(column.iter().collect::<Vec<_>>(), expected);
    }
}
