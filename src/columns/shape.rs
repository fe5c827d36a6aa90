//! [`FieldColumn`]: the column of each field shape (fixed, `Option`, string,
//! list, list of strings) and how a validated blob's field lands in it.

use core::marker::PhantomData;

use super::block::HeaderByte;
use super::buffers::{offset, Bitmap, ColumnData, ListColumn, Nullable, StringColumn};
use super::leaf::{FixedColumn, Spans};
use crate::bytes::u32_at;
use crate::error::PackErrorKind;
use crate::field::{
    payload, payload_start, present, slot_bytes, Field, ListElement, OptionalField, Slot,
};
use crate::fixed::FixedField;
use crate::kind::FieldKind;
use crate::slice::StrList;
use crate::variants::DataEnum;

/// A field type with a column; implemented for every [`Field`] of the crate.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no factpack column",
    note = "every supported field type has one; see `FixedColumn` for types implemented by hand"
)]
pub trait FieldColumn<const UNIT: u8 = 0>: Field<UNIT> {
    /// The column holding this field of many facts.
    type Column: ColumnData;
    /// What the field holds, for tools without the Rust type.
    const KIND: FieldKind;

    /// Appends the field of a blob that `validate` accepted (at a version that
    /// has the field).
    fn push(column: &mut Self::Column, blob: &[u8], at: Slot);

    /// Appends the field of every blob of a block: blobs that `validate`
    /// accepted, of the current version, whose first `N` bytes (the header)
    /// are `heads`. `nulls` gathers the block's null bitmap bytes for the
    /// validity bitmaps, once for all the fields that share one.
    #[inline]
    fn extend_block<const N: usize>(
        column: &mut Self::Column,
        blobs: &[&[u8]],
        heads: &[&[u8; N]],
        at: Slot,
        nulls: &mut HeaderByte,
    ) {
        let _ = (heads, nulls);
        for blob in blobs {
            Self::push(column, blob, at);
        }
    }

    /// Appends a null row (for `Option` fields) or a zero row: the field of a
    /// blob whose version predates it.
    fn push_absent(column: &mut Self::Column);

    /// Appends an owned value: a declared default standing in for the field of
    /// an older blob.
    ///
    /// # Errors
    /// A time value its unit cannot hold; nothing is appended then.
    fn push_value(column: &mut Self::Column, value: &Self) -> Result<(), PackErrorKind>;
}

/// Encodes a fixed value (or packs the blob of a `BLOB` type) and appends it.
fn push_encoded<const U: u8, T: FixedColumn<U>>(
    column: &mut T::Column,
    value: &T,
) -> Result<(), PackErrorKind> {
    if T::BLOB {
        let mut blob = Vec::new();
        value.write_blob(&mut blob)?;
        T::push_blob(column, &blob);
        return Ok(());
    }
    let mut small = [0u8; 32];
    let mut large = Vec::new();
    let bytes: &mut [u8] = match small.get_mut(..T::SIZE) {
        Some(bytes) => bytes,
        None => {
            large.resize(T::SIZE, 0);
            &mut large
        }
    };
    value.encode(bytes)?;
    T::push_bytes(column, bytes);
    Ok(())
}

// A `BLOB` type's value is its whole blob, the payload of its field: the
// branches on `T::BLOB` are on a constant, folded away.
impl<const U: u8, T: FixedColumn<U>> FieldColumn<U> for T {
    type Column = T::Column;
    const KIND: FieldKind = T::KIND;

    #[inline(always)]
    fn push(column: &mut T::Column, blob: &[u8], at: Slot) {
        if T::BLOB {
            T::push_blob(column, payload(blob, at));
            return;
        }
        T::push_bytes(column, slot_bytes::<U, T>(blob, at.offset));
    }

    #[inline(always)]
    fn extend_block<const N: usize>(
        column: &mut T::Column,
        blobs: &[&[u8]],
        heads: &[&[u8; N]],
        at: Slot,
        _: &mut HeaderByte,
    ) {
        if T::BLOB {
            for (blob, start, end) in block_spans(blobs, heads, at) {
                T::push_blob(column, blob.get(start..end).unwrap_or_default());
            }
            return;
        }
        T::extend_slots(column, heads, at.offset);
    }

    #[inline(always)]
    fn push_absent(column: &mut T::Column) {
        T::push_zero(column);
    }

    fn push_value(column: &mut T::Column, value: &T) -> Result<(), PackErrorKind> {
        push_encoded::<U, T>(column, value)
    }
}

/// A type whose `Option` has a column: every fixed-size type (values plus
/// validity) and every enum whose variants carry data (tags plus validity).
/// [`FieldColumn`] for `Option<T>` is this trait's.
pub trait OptionalColumn<const UNIT: u8 = 0>: OptionalField<UNIT> {
    /// The column holding this field of many facts.
    type Column: ColumnData;
    /// What the field holds, for tools without the Rust type.
    const KIND: FieldKind;

    /// [`FieldColumn::push`] of `Option<Self>`.
    fn push(column: &mut Self::Column, blob: &[u8], at: Slot);

    /// [`FieldColumn::extend_block`] of `Option<Self>`.
    #[inline]
    fn extend_block<const N: usize>(
        column: &mut Self::Column,
        blobs: &[&[u8]],
        heads: &[&[u8; N]],
        at: Slot,
        nulls: &mut HeaderByte,
    ) {
        let _ = (heads, nulls);
        for blob in blobs {
            Self::push(column, blob, at);
        }
    }

    /// [`FieldColumn::push_absent`] of `Option<Self>`.
    fn push_absent(column: &mut Self::Column);

    /// [`FieldColumn::push_value`] of `Option<Self>`.
    ///
    /// # Errors
    /// As [`FieldColumn::push_value`].
    fn push_value(column: &mut Self::Column, value: &Option<Self>) -> Result<(), PackErrorKind>;
}

impl<const U: u8, T: OptionalColumn<U>> FieldColumn<U> for Option<T> {
    type Column = T::Column;
    const KIND: FieldKind = T::KIND;

    #[inline(always)]
    fn push(column: &mut T::Column, blob: &[u8], at: Slot) {
        T::push(column, blob, at);
    }

    #[inline(always)]
    fn extend_block<const N: usize>(
        column: &mut T::Column,
        blobs: &[&[u8]],
        heads: &[&[u8; N]],
        at: Slot,
        nulls: &mut HeaderByte,
    ) {
        T::extend_block(column, blobs, heads, at, nulls);
    }

    #[inline(always)]
    fn push_absent(column: &mut T::Column) {
        T::push_absent(column);
    }

    fn push_value(column: &mut T::Column, value: &Option<T>) -> Result<(), PackErrorKind> {
        T::push_value(column, value)
    }
}

impl<const U: u8, T: FixedColumn<U>> OptionalColumn<U> for T {
    type Column = Nullable<<T as FixedColumn<U>>::Column>;
    const KIND: FieldKind = <T as FixedColumn<U>>::KIND;

    #[inline(always)]
    fn push(column: &mut Self::Column, blob: &[u8], at: Slot) {
        let present = present(blob, at);
        if T::BLOB {
            // A null payload is empty: the zero placeholder stands for it.
            if present {
                T::push_blob(&mut column.values, payload(blob, at));
            } else {
                T::push_zero(&mut column.values);
            }
        } else {
            // A null slot is all zeros, so it lands as the zero placeholder.
            T::push_bytes(&mut column.values, slot_bytes::<U, T>(blob, at.offset));
        }
        column.validity.push(present);
    }

    #[inline(always)]
    fn extend_block<const N: usize>(
        column: &mut Self::Column,
        blobs: &[&[u8]],
        heads: &[&[u8; N]],
        at: Slot,
        nulls: &mut HeaderByte,
    ) {
        if T::BLOB {
            for blob in blobs {
                <Self as OptionalColumn<U>>::push(column, blob, at);
            }
            return;
        }
        T::extend_slots(&mut column.values, heads, at.offset);
        extend_validity(&mut column.validity, heads, at, nulls);
    }

    #[inline(always)]
    fn push_absent(column: &mut Self::Column) {
        T::push_zero(&mut column.values);
        column.validity.push(false);
    }

    fn push_value(column: &mut Self::Column, value: &Option<T>) -> Result<(), PackErrorKind> {
        match value {
            Some(value) => push_encoded::<U, T>(&mut column.values, value)?,
            None => T::push_zero(&mut column.values),
        }
        column.validity.push(value.is_some());
        Ok(())
    }
}

/// How a variable-length payload lands in its column; implemented by one
/// marker type per payload shape.
trait PayloadColumn {
    /// The field's owned type.
    type Owned;
    /// The column of one row per payload.
    type Column;
    /// What the payload holds.
    const KIND: FieldKind;
    /// Appends one row from a validated payload.
    fn push_payload(column: &mut Self::Column, payload: &[u8]);
    /// Appends one row from an owned value that packs without error.
    fn push_owned(column: &mut Self::Column, value: &Self::Owned);

    /// Appends one row per payload of a block: the validated payload of row
    /// `i` is `blob[start..end]` for the `i`-th `(blob, start, end)`.
    #[inline(always)]
    fn extend_spans<'a>(column: &mut Self::Column, spans: impl Spans<'a>) {
        for (blob, start, end) in spans {
            Self::push_payload(column, blob.get(start..end).unwrap_or_default());
        }
    }
}

/// A `String` payload.
struct Utf8;

/// A `Vec<String>` payload.
struct Strings;

/// A `Vec<T>` payload of fixed-size elements.
struct Elements<const U: u8, T>(PhantomData<T>);

impl PayloadColumn for Utf8 {
    type Owned = String;
    type Column = StringColumn;
    const KIND: FieldKind = FieldKind::String;

    #[inline(always)]
    fn push_payload(column: &mut StringColumn, payload: &[u8]) {
        column.push_bytes(payload);
    }

    fn push_owned(column: &mut StringColumn, value: &String) {
        column.push_bytes(value.as_bytes());
    }
}

/// How a list of `Self` lands in its column: every fixed-size type (its
/// column of the elements) and every enum whose variants carry data (a
/// column of the elements' tags).
pub trait ListElementColumn<const U: u8 = 0>: ListElement<U> {
    /// The column of the elements of many lists.
    type ElementColumn: ColumnData;
    /// What a list holds, for tools without the Rust type.
    const LIST_KIND: FieldKind;

    /// Appends one row from a validated list payload.
    fn push_list(column: &mut ListColumn<Self::ElementColumn>, payload: &[u8]);

    /// Appends one row per list of a block (see [`FixedColumn::extend_lists`]).
    #[inline(always)]
    fn extend_lists<'a>(column: &mut ListColumn<Self::ElementColumn>, spans: impl Spans<'a>) {
        for (blob, start, end) in spans {
            Self::push_list(column, blob.get(start..end).unwrap_or_default());
        }
    }

    /// Appends one row from owned values that pack without error.
    fn push_owned_list(column: &mut ListColumn<Self::ElementColumn>, value: &[Self]);
}

impl<const U: u8, T: ListElementColumn<U>> PayloadColumn for Elements<U, T> {
    type Owned = Vec<T>;
    type Column = ListColumn<T::ElementColumn>;
    const KIND: FieldKind = T::LIST_KIND;

    #[inline(always)]
    fn push_payload(column: &mut Self::Column, payload: &[u8]) {
        T::push_list(column, payload);
    }

    #[inline(always)]
    fn extend_spans<'a>(column: &mut Self::Column, spans: impl Spans<'a>) {
        T::extend_lists(column, spans);
    }

    fn push_owned(column: &mut Self::Column, value: &Vec<T>) {
        T::push_owned_list(column, value);
    }
}

impl<const U: u8, T: FixedColumn<U>> ListElementColumn<U> for T {
    type ElementColumn = <T as FixedColumn<U>>::Column;
    const LIST_KIND: FieldKind = FieldKind::List(&<T as FixedColumn<U>>::KIND);

    #[inline(always)]
    fn push_list(column: &mut ListColumn<Self::ElementColumn>, payload: &[u8]) {
        T::extend_from_bytes(&mut column.values, payload);
        column.close_row();
    }

    #[inline(always)]
    fn extend_lists<'a>(column: &mut ListColumn<Self::ElementColumn>, spans: impl Spans<'a>) {
        <T as FixedColumn<U>>::extend_lists(column, spans);
    }

    fn push_owned_list(column: &mut ListColumn<Self::ElementColumn>, value: &[T]) {
        for element in value {
            // Cannot fail: the caller checked that the whole list packs.
            let _ = push_encoded::<U, T>(&mut column.values, element);
        }
        column.close_row();
    }
}

impl PayloadColumn for Strings {
    type Owned = Vec<String>;
    type Column = ListColumn<StringColumn>;
    const KIND: FieldKind = FieldKind::StrList;

    #[inline(always)]
    fn push_payload(column: &mut Self::Column, payload: &[u8]) {
        if payload.is_empty() {
            // The common case in many fact types: no strings, no work.
            column.close_row();
            return;
        }
        let list = StrList::new(payload);
        let strings = &mut column.values;
        let base = strings.data.len();
        // The payload's end offsets count from its own data: shift them by
        // what the column held before, then copy the data in one go.
        strings
            .offsets
            .extend(list.ends().map(|end| offset(base.wrapping_add(end))));
        strings.data.extend_from_slice(list.data());
        column.close_row();
    }

    fn push_owned(column: &mut Self::Column, value: &Vec<String>) {
        for s in value {
            column.values.push_bytes(s.as_bytes());
        }
        column.close_row();
    }
}

/// Implements [`FieldColumn`] for a variable-length type and its `Option`.
macro_rules! variable_column {
    ([$($g:tt)*] $ty:ty, $unit:tt, $payload:ty, $column:ty) => {
        impl<$($g)*> FieldColumn<$unit> for $ty {
            type Column = $column;
            const KIND: FieldKind = <$payload as PayloadColumn>::KIND;

            #[inline(always)]
            fn push(column: &mut Self::Column, blob: &[u8], at: Slot) {
                <$payload as PayloadColumn>::push_payload(column, payload(blob, at));
            }

            #[inline]
            fn extend_block<const N: usize>(
                column: &mut Self::Column,
                blobs: &[&[u8]],
                heads: &[&[u8; N]],
                at: Slot,
                _: &mut HeaderByte,
            ) {
                <$payload as PayloadColumn>::extend_spans(column, block_spans(blobs, heads, at));
            }

            #[inline(always)]
            fn push_absent(column: &mut Self::Column) {
                <$payload as PayloadColumn>::push_payload(column, &[]);
            }

            fn push_value(column: &mut Self::Column, value: &Self) -> Result<(), PackErrorKind> {
                check_encodable::<$unit, $ty>(value)?;
                <$payload as PayloadColumn>::push_owned(column, value);
                Ok(())
            }
        }

        impl<$($g)*> FieldColumn<$unit> for Option<$ty> {
            type Column = Nullable<$column>;
            const KIND: FieldKind = <$payload as PayloadColumn>::KIND;

            #[inline(always)]
            fn push(column: &mut Self::Column, blob: &[u8], at: Slot) {
                // A null payload is empty, so it lands as an empty placeholder.
                <$payload as PayloadColumn>::push_payload(&mut column.values, payload(blob, at));
                column.validity.push(present(blob, at));
            }

            #[inline]
            fn extend_block<const N: usize>(
                column: &mut Self::Column,
                blobs: &[&[u8]],
                heads: &[&[u8; N]],
                at: Slot,
                nulls: &mut HeaderByte,
            ) {
                let spans = block_spans(blobs, heads, at);
                <$payload as PayloadColumn>::extend_spans(&mut column.values, spans);
                extend_validity(&mut column.validity, heads, at, nulls);
            }

            #[inline(always)]
            fn push_absent(column: &mut Self::Column) {
                <$payload as PayloadColumn>::push_payload(&mut column.values, &[]);
                column.validity.push(false);
            }

            fn push_value(column: &mut Self::Column, value: &Self) -> Result<(), PackErrorKind> {
                match value {
                    Some(value) => {
                        check_encodable::<$unit, $ty>(value)?;
                        <$payload as PayloadColumn>::push_owned(&mut column.values, value);
                    }
                    None => <$payload as PayloadColumn>::push_payload(&mut column.values, &[]),
                }
                column.validity.push(value.is_some());
                Ok(())
            }
        }
    };
}

/// Appends the validity of the nullable field at `at` for each header of a block.
#[inline(always)]
fn extend_validity<const N: usize>(
    validity: &mut Bitmap,
    heads: &[&[u8; N]],
    at: Slot,
    nulls: &mut HeaderByte,
) {
    match at.null {
        Some((byte, mask)) => nulls.extend_bitmap(validity, heads, byte, mask),
        None => validity.extend_mapped(heads, |_| false),
    }
}

/// Where the payload of the variable-length field at `at` lies in each blob
/// of a block, its bounds read from the blob's header in `heads` at constant
/// offsets: `(blob, start, end)`.
#[inline(always)]
fn block_spans<'a, 'h, const N: usize>(
    blobs: &'h [&'a [u8]],
    heads: &'h [&[u8; N]],
    at: Slot,
) -> impl Spans<'a> + 'h
where
    'a: 'h,
{
    blobs.iter().zip(heads).map(move |(blob, head)| {
        (
            *blob,
            payload_start(&head[..], at),
            u32_at(&head[..], at.offset),
        )
    })
}

/// Refuses a default whose elements its unit cannot hold, before anything is pushed.
fn check_encodable<const U: u8, T: Field<U>>(value: &T) -> Result<(), PackErrorKind> {
    let mut scratch = vec![0; crate::layout::PREFIX_LEN.saturating_add(4)];
    let at = Slot {
        offset: crate::layout::PREFIX_LEN,
        null: None,
        prev_end: None,
    };
    value.write(&mut scratch, 0, at)
}

variable_column!([] String, 0, Utf8, StringColumn);
variable_column!([] Vec<String>, 0, Strings, ListColumn<StringColumn>);
variable_column!([const U: u8, T: ListElementColumn<U>] Vec<T>, U, Elements<U, T>, ListColumn<T::ElementColumn>);

/// The column of an enum whose variants carry data: each row's variant tag
/// (Arrow: a dictionary of the variants' names). The variants' values are not
/// in columns.
pub type UnionColumn<E> = Vec<<E as DataEnum>::Repr>;

/// The tag of the validated payload of the `E` field at `at` (0 when null).
#[inline(always)]
fn union_tag<E: DataEnum>(blob: &[u8], at: Slot) -> E::Repr {
    <E::Repr as FixedField>::decode(payload(blob, at))
}

/// [`FieldColumn::push`] of an enum whose variants carry data: its tag.
#[inline]
pub fn union_push<E: DataEnum>(column: &mut UnionColumn<E>, blob: &[u8], at: Slot) {
    column.push(union_tag::<E>(blob, at));
}

/// [`FieldColumn::push_absent`] of such an enum: a zero tag.
#[inline]
pub fn union_push_absent<E: DataEnum>(column: &mut UnionColumn<E>) {
    column.push(<E::Repr as FixedField>::decode(&[]));
}

/// [`FieldColumn::push_value`] of such an enum: the value's tag.
///
/// # Errors
/// A value that does not pack; nothing is appended then.
pub fn union_push_value<E: DataEnum>(
    column: &mut UnionColumn<E>,
    value: &E,
) -> Result<(), PackErrorKind> {
    let mut scratch = Vec::new();
    crate::field::Payload::write_payload(value, &mut scratch)?;
    column.push(value.tag());
    Ok(())
}

/// [`OptionalColumn::push`] of such an enum: its tag (zero when null) and
/// its validity.
#[inline]
pub fn union_push_optional<E: DataEnum>(
    column: &mut Nullable<UnionColumn<E>>,
    blob: &[u8],
    at: Slot,
) {
    column.values.push(union_tag::<E>(blob, at));
    column.validity.push(present(blob, at));
}

/// [`OptionalColumn::push_absent`] of such an enum: a null row.
#[inline]
pub fn union_push_optional_absent<E: DataEnum>(column: &mut Nullable<UnionColumn<E>>) {
    union_push_absent::<E>(&mut column.values);
    column.validity.push(false);
}

/// [`OptionalColumn::push_value`] of such an enum.
///
/// # Errors
/// A value that does not pack; nothing is appended then.
pub fn union_push_optional_value<E: DataEnum>(
    column: &mut Nullable<UnionColumn<E>>,
    value: &Option<E>,
) -> Result<(), PackErrorKind> {
    match value {
        Some(value) => union_push_value::<E>(&mut column.values, value)?,
        None => union_push_absent::<E>(&mut column.values),
    }
    column.validity.push(value.is_some());
    Ok(())
}

/// [`ListElementColumn::push_list`] of an enum whose variants carry data:
/// the list's tags.
#[inline]
pub fn union_push_list<E: DataEnum>(column: &mut ListColumn<UnionColumn<E>>, payload: &[u8]) {
    column
        .values
        .extend(crate::variants::VariantList::<E>::new(payload).tags());
    column.close_row();
}

/// [`ListElementColumn::push_owned_list`] of such an enum: the values' tags.
#[inline]
pub fn union_push_owned_list<E: DataEnum>(column: &mut ListColumn<UnionColumn<E>>, values: &[E]) {
    column.values.extend(values.iter().map(E::tag));
    column.close_row();
}
