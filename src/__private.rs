//! What `#[derive(Facts)]` expands to reaches the crate only through here.
#![allow(clippy::arithmetic_side_effects)] // layout arithmetic runs in const contexts, where overflow is a compile error
//! Nothing in this module is part of the public API.

pub use crate::columns::shape::{
    union_push, union_push_absent, union_push_list, union_push_optional,
    union_push_optional_absent, union_push_optional_value, union_push_owned_list, union_push_value,
    ListElementColumn, OptionalColumn,
};
pub use crate::columns::Nullable;
pub use crate::columns::{
    ColumnData, ColumnSource, Columns, FieldColumn, FillColumns, FixedColumn, HeaderByte,
    ListColumn, Spans, TransientColumn, BLOCK,
};
pub use crate::enums::{
    always_valid as enum_always_valid, check as enum_check, decode as enum_decode,
    encode as enum_encode, is_valid as enum_is_valid, type_fp as enum_type_fp,
    zero_is_valid as enum_zero_is_valid, EnumRepr, FactEnum,
};
pub use crate::error::{Error, ErrorKind, Fault, PackError, PackErrorKind};
pub use crate::facts::{FactView, Facts, FieldRef};
pub use crate::field::{
    optional_check, optional_is_valid, optional_read, optional_write, optional_write_header,
    optional_write_tail, variable_check, variable_is_valid, variable_read, variable_write,
    variable_write_tail, Field, ListElement, OptionalField, Payload, Slot,
};
pub use crate::fingerprint::{field as fingerprint_field, mix, start as fingerprint_start, tag};
pub use crate::fixed::FixedField;
pub use crate::kind::{EnumVariant, FieldInfo, FieldKind};
pub use crate::layout::{
    bitmap_is_valid, check_bitmap, close, current_header, open, Header, PREFIX_LEN,
};
pub use crate::variants::{
    check_fixed as variant_check_fixed, check_list as variant_check_list,
    check_unit as variant_check_unit, list_fp as variant_list_fp, type_fp as data_enum_type_fp,
    write_fixed as variant_write_fixed, write_list as variant_write_list, DataEnum, VariantList,
    VariantValue,
};
pub use core::{fmt, option::Option, result::Result};
pub use std::{boxed::Box, vec::Vec};

#[cfg(feature = "proptest")]
pub use crate::arbitrary::{proptest, FieldStrategy};

#[cfg(feature = "serde")]
pub use crate::serialize::{
    OptionalSerialize, SerializeField, SerializeFixed, SerializeListElement, SerializeRef,
    SerializeValue, ValueRef,
};
#[cfg(feature = "serde")]
pub use serde;

#[cfg(feature = "arrow")]
pub use crate::columns::arrow::{
    flattened, into_record_batch, schema as arrow_schema_of, ArrowColumn,
};
#[cfg(feature = "arrow")]
pub use {arrow_array, arrow_buffer, arrow_schema};

/// The two paths of the generated [`Facts::validate`] and [`Facts::pack_into`].
///
/// The fast paths handle the common case (a valid blob of the current
/// version; a value every unit can hold) with one `bool` and no error values,
/// reading and writing the header as a fixed-size array. When a fast path
/// says `false`, the precise path runs from the start and finds the exact
/// error (or, for blobs of older or newer versions, validates them). So the
/// errors are the precise path's, and the two paths must accept exactly the
/// same blobs and values and write the same bytes: `tests/fast_paths.rs`
/// checks that over mutated blobs and arbitrary values, which is why this
/// trait is reachable (hidden) at all.
pub trait FastPath: Facts {
    /// Whether `blob` is a valid fact of the current version. `false` for
    /// every invalid blob and for every blob of another version.
    fn validate_fast(blob: &[u8]) -> bool;

    /// Validates `blob`, of any version, naming the first problem.
    ///
    /// # Errors
    /// See [`Facts::validate`].
    fn validate_precise(blob: &[u8]) -> Result<(), Error>;

    /// Appends the packed fact to `out` and says whether that succeeded; on
    /// `false`, what follows `out`'s old length is garbage.
    fn pack_fast(&self, out: &mut Vec<u8>) -> bool;

    /// Appends the packed fact to `out`, naming the field that fails.
    ///
    /// # Errors
    /// See [`Facts::pack_into`].
    fn pack_precise(&self, out: &mut Vec<u8>) -> Result<(), PackError>;
}

/// The transient part of a fact type without transient fields.
pub type NoTransient = ();

/// The version byte of a blob (0 when empty).
#[inline(always)]
pub fn version_of(blob: &[u8]) -> u8 {
    blob.first().copied().unwrap_or(0)
}

/// Reserves a zeroed header of `header_len` bytes after `out`'s end and writes
/// the prefix; returns where the fact starts.
#[inline(always)]
pub fn begin_pack(out: &mut Vec<u8>, version: u8, header_len: u16) -> usize {
    let base = out.len();
    out.resize(base.saturating_add(usize::from(header_len)), 0);
    if let Some(prefix) = out.get_mut(base..base.saturating_add(PREFIX_LEN)) {
        let [lo, hi] = header_len.to_le_bytes();
        prefix.copy_from_slice(&[version, lo, hi]);
    }
    base
}

/// The `N`-byte header of the fact that starts at `base` in `out`, once
/// [`begin_pack`] has reserved it: the fast path of packing writes the fixed
/// slots through this array, at constant offsets.
#[inline(always)]
pub fn header_mut<const N: usize>(out: &mut [u8], base: usize) -> Option<&mut [u8; N]> {
    out.get_mut(base..)?.first_chunk_mut::<N>()
}

/// Names the field in a packing failure.
#[cold]
pub fn pack_error(type_name: &'static str, field: &'static str, kind: PackErrorKind) -> PackError {
    PackError {
        type_name,
        field: Some(field),
        kind,
    }
}

/// Names the type and field in a validation failure.
#[cold]
pub fn field_error(type_name: &'static str, field: &'static str, fault: Fault) -> Error {
    Error {
        type_name,
        field: Some(field),
        offset: fault.offset,
        kind: fault.kind,
    }
}

/// Wraps the error of a nested fact's body.
#[cold]
pub fn nested_error(error: Error) -> ErrorKind {
    ErrorKind::Nested(Box::new(error))
}

/// Why a nested fact's body could not be packed: packs the fact on its own,
/// which fails the same way and names the reason.
#[cold]
pub fn nested_pack_error<T: Facts>(value: &T) -> PackErrorKind {
    let mut scratch = Vec::new();
    match value.pack_into(&mut scratch) {
        Err(e) => e.kind,
        Ok(()) => PackErrorKind::TooLarge,
    }
}

/// The number of bitmap bytes `nulls` nullable fields take.
pub const fn bitmap_len(nulls: usize) -> usize {
    nulls.div_ceil(8)
}

/// The null position of the `index`-th nullable field of a segment whose
/// bitmap starts at `bitmap`; `None` for fields that are not nullable.
pub const fn null_bit(nullable: bool, bitmap: usize, index: usize) -> Option<(usize, u8)> {
    if nullable {
        Some((bitmap + index / 8, 1u8 << (index % 8)))
    } else {
        None
    }
}

/// The previous variable-length slot for the field after one at `offset`.
pub const fn next_prev_end(variable: bool, offset: usize, prev: Option<usize>) -> Option<usize> {
    if variable {
        Some(offset)
    } else {
        prev
    }
}

/// Header length as stored in the prefix; a header past 64 KiB fails to compile.
pub const fn header_len_u16(len: usize) -> u16 {
    assert!(
        len <= u16::MAX as usize,
        "a fact's header must fit in 65535 bytes"
    );
    len as u16
}
