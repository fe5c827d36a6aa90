//! Fixed-size values: how one value of a fixed type is laid out in its slot.
//!
//! A [`FixedField`] occupies exactly [`SIZE`](FixedField::SIZE) bytes, at a
//! constant offset in the header or as one element of a list payload. The
//! integers and floats are their little-endian bytes; `bool` is one byte, 0 or 1.
//! Arrays (`[T; N]`, so `[u8; N]` is its bytes) and tuples of fixed-size values
//! are their elements' slots back to back. Time types live in
//! [`time`](crate::time); nested facts implement this trait through
//! `#[derive(Facts)]` (those with variable-length fields as
//! [`BLOB`](FixedField::BLOB)s, stored whole in the tail), fieldless enums
//! through `#[derive(FactEnum)]` (see [`FactEnum`](crate::FactEnum)).

use crate::bytes::{array, is_zero};
use crate::error::Fault;
use crate::error::{Error, ErrorKind, PackErrorKind};
use crate::fingerprint::tag;

/// A value usable as a field, an `Option` field or a `Vec` element: one with a
/// fixed-size encoding that sits in a slot, or a nested fact with
/// variable-length fields, stored as its whole blob (see [`BLOB`](Self::BLOB)).
///
/// `UNIT` selects the time unit of time types (see [`unit`](crate::unit)); every
/// other type implements only the natural unit `0`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no factpack value encoding (in the declared unit, if any)",
    label = "not a factpack value type, or `#[facts(unit)]` on a type without a time unit",
    note = "value types (a field, a list element): bool, i8..i64, u8..u64, f32, f64, chrono time types, `#[derive(Facts)]` structs (one with variable-length fields is stored as its whole blob), fieldless `#[derive(FactEnum)]` enums, and arrays `[T; N]` and tuples (up to 6) of fixed-size values",
    note = "an enum whose variants carry data is variable-length: it can be a field, an `Option` field or a `Vec` element, not an array or tuple element or a field of a nested fixed-size fact"
)]
pub trait FixedField<const UNIT: u8 = 0>: Sized {
    /// Bytes one value takes.
    const SIZE: usize;
    /// Fingerprint of the encoding (type and unit), folded into the schema fingerprint.
    const TYPE_FP: u64;
    /// Whether every `SIZE`-byte string is a valid value, so that lists of this
    /// type need no per-element check.
    const ALWAYS_VALID: bool;
    /// Whether `SIZE` zero bytes are a valid value (zero, `false`, the epoch).
    /// Then the null slot of an `Option` of this type, which is all zero,
    /// passes the value's own check, and validation's fast path checks an
    /// `Option` without branching on its null bit. `false` (the default) is
    /// always correct, only slower: nested facts keep it.
    const ZERO_IS_VALID: bool = false;
    /// The size of one element at each version of the type, for types whose
    /// lists open with a list header naming their elements' version (nested
    /// facts: `ELEMENT_SIZES[v - 1]` is the body of version `v`). Empty (the
    /// default) for every other type: its lists are bare elements of `SIZE`
    /// bytes. See `FORMAT.md`, "Lists of nested facts".
    const ELEMENT_SIZES: &'static [u16] = &[];
    /// Whether the type is a nested fact with variable-length fields, which
    /// no fixed slot can hold: such a value is a variable-length field whose
    /// payload is its whole blob, and its lists frame the blobs with end
    /// offsets (see `FORMAT.md`, "Nested facts"). Then the `*_blob` methods
    /// below are its encoding, and `SIZE` and the slot methods are unused.
    /// `false` (the default) for every type that fits a slot.
    const BLOB: bool = false;
    /// What an accessor returns: the value itself, or a view for nested facts.
    type Ref<'a>: Copy;

    /// Writes the value into `out`, which is exactly `SIZE` bytes.
    ///
    /// # Errors
    /// Only time values whose declared unit cannot hold them fail.
    fn encode(&self, out: &mut [u8]) -> Result<(), PackErrorKind>;

    /// Checks that `bytes` (exactly `SIZE` of them) hold a valid value.
    ///
    /// # Errors
    /// The kind of invalidity: a `bool` other than 0 or 1, a time outside its type's range, ...
    fn check(bytes: &[u8]) -> Result<(), ErrorKind>;

    /// [`check`](Self::check), with the offset in `bytes` of the part at
    /// fault: an array's or tuple's invalid element. The default blames the
    /// whole value, at offset 0.
    ///
    /// # Errors
    /// As [`check`](Self::check).
    #[inline(always)]
    fn fault(bytes: &[u8]) -> Result<(), Fault> {
        Self::check(bytes).map_err(|kind| Fault::at(0, kind))
    }

    /// Whether [`check`](Self::check) accepts `bytes`, for the fast path of
    /// validation: a plain `bool`, so that the checks of many fields combine
    /// with `&` into one branch-free test. Must agree with `check` exactly;
    /// the default asks it.
    #[inline(always)]
    fn is_valid(bytes: &[u8]) -> bool {
        Self::check(bytes).is_ok()
    }

    /// Writes `value` into `out` (exactly `SIZE` zeroed bytes), or leaves the
    /// zeros of a null slot for `None`; the fast path of packing an `Option`.
    /// Types override it to avoid a branch on `None`.
    ///
    /// # Errors
    /// As [`encode`](Self::encode).
    #[inline(always)]
    fn encode_or_null(value: Option<&Self>, out: &mut [u8]) -> Result<(), PackErrorKind> {
        match value {
            Some(value) => value.encode(out),
            None => Ok(()),
        }
    }

    /// For the fast path of validation of an `Option` of this type: whether
    /// `bytes` are a valid value when `present`, and all zero when not. The
    /// default says so with one branch-free test when zero is a valid value
    /// (a null slot is then checked like a value, plus "present or zero").
    #[inline(always)]
    fn is_valid_or_null(bytes: &[u8], present: bool) -> bool {
        if Self::ZERO_IS_VALID {
            // Null bits vary from fact to fact, so a branch on them would be
            // mispredicted often.
            Self::is_valid(bytes) & (present | is_zero(bytes))
        } else if present {
            Self::is_valid(bytes)
        } else {
            is_zero(bytes)
        }
    }

    /// Reads a value that [`check`](Self::check) accepted. On bytes it would
    /// reject, returns some value rather than panicking.
    fn decode(bytes: &[u8]) -> Self::Ref<'_>;

    /// Turns what an accessor returned into an owned value.
    fn to_owned(value: Self::Ref<'_>) -> Self;

    /// Checks one list element written at `version` (one of
    /// [`ELEMENT_SIZES`](Self::ELEMENT_SIZES)' versions, or a newer one whose
    /// bytes go on past what this code knows). Types without versions ignore
    /// `version` and run [`check`](Self::check).
    ///
    /// # Errors
    /// As [`check`](Self::check).
    #[inline(always)]
    fn check_at(bytes: &[u8], version: u8) -> Result<(), ErrorKind> {
        let _ = version;
        Self::check(bytes)
    }

    /// [`check_at`](Self::check_at) as a `bool`; must agree with it exactly.
    #[inline(always)]
    fn is_valid_at(bytes: &[u8], version: u8) -> bool {
        let _ = version;
        Self::is_valid(bytes)
    }

    /// Reads one list element written at `version`, as
    /// [`decode`](Self::decode) reads one of the current version.
    #[inline(always)]
    fn decode_at(bytes: &[u8], version: u8) -> Self::Ref<'_> {
        let _ = version;
        Self::decode(bytes)
    }

    /// For a [`BLOB`](Self::BLOB) type: appends the value's whole blob to
    /// `out` (offsets relative to where it starts). Other types never call it.
    ///
    /// # Errors
    /// As [`encode`](Self::encode), or a blob past 4 GiB.
    #[inline(always)]
    fn write_blob(&self, out: &mut Vec<u8>) -> Result<(), PackErrorKind> {
        let start = out.len();
        out.resize(start.saturating_add(Self::SIZE), 0);
        match out.get_mut(start..) {
            Some(slot) => self.encode(slot),
            None => Ok(()),
        }
    }

    /// For a [`BLOB`](Self::BLOB) type: validates a whole blob, with the
    /// type's own validation (offsets in the error from the blob's start).
    ///
    /// # Errors
    /// The first problem found.
    #[inline(always)]
    fn check_blob(blob: &[u8]) -> Result<(), Error> {
        Self::check(blob).map_err(|kind| Error::header("", 0, kind))
    }

    /// [`check_blob`](Self::check_blob) as a `bool`; must agree with it exactly.
    #[inline(always)]
    fn blob_is_valid(blob: &[u8]) -> bool {
        Self::check_blob(blob).is_ok()
    }

    /// For a [`BLOB`](Self::BLOB) type: reads a blob that
    /// [`check_blob`](Self::check_blob) accepted.
    #[inline(always)]
    fn decode_blob(blob: &[u8]) -> Self::Ref<'_> {
        Self::decode(blob)
    }
}

macro_rules! le_number {
    ($($ty:ty),*) => {$(
        impl FixedField for $ty {
            const SIZE: usize = core::mem::size_of::<$ty>();
            const TYPE_FP: u64 = tag(stringify!($ty));
            const ALWAYS_VALID: bool = true;
            const ZERO_IS_VALID: bool = true;
            type Ref<'a> = $ty;

            #[inline(always)]
            fn encode(&self, out: &mut [u8]) -> Result<(), PackErrorKind> {
                out.copy_from_slice(&self.to_le_bytes());
                Ok(())
            }

            #[inline(always)]
            fn check(_: &[u8]) -> Result<(), ErrorKind> {
                Ok(())
            }

            #[inline(always)]
            fn is_valid(_: &[u8]) -> bool {
                true
            }

            #[inline(always)]
            fn decode(bytes: &[u8]) -> $ty {
                <$ty>::from_le_bytes(array(bytes, 0))
            }

            #[inline(always)]
            fn to_owned(value: $ty) -> $ty {
                value
            }
        }
    )*};
}

le_number!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

impl FixedField for bool {
    const SIZE: usize = 1;
    const TYPE_FP: u64 = tag("bool");
    const ALWAYS_VALID: bool = false;
    const ZERO_IS_VALID: bool = true;
    type Ref<'a> = bool;

    #[inline(always)]
    fn encode(&self, out: &mut [u8]) -> Result<(), PackErrorKind> {
        out.copy_from_slice(&[u8::from(*self)]);
        Ok(())
    }

    #[inline(always)]
    fn check(bytes: &[u8]) -> Result<(), ErrorKind> {
        match bytes {
            [0 | 1] => Ok(()),
            [byte] => Err(ErrorKind::InvalidBool { byte: *byte }),
            _ => Err(ErrorKind::Truncated {
                needed: 1,
                len: bytes.len(),
            }),
        }
    }

    #[inline(always)]
    fn is_valid(bytes: &[u8]) -> bool {
        matches!(bytes, [0 | 1])
    }

    #[inline(always)]
    fn decode(bytes: &[u8]) -> bool {
        bytes.first().is_some_and(|b| *b != 0)
    }

    #[inline(always)]
    fn to_owned(value: bool) -> bool {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_little_endian() {
        let mut out = [0u8; 4];
        0x0102_0304_u32.encode(&mut out).unwrap();
        assert_eq!(out, [4, 3, 2, 1]);
        assert_eq!(<u32 as FixedField>::decode(&out), 0x0102_0304);
        let mut out = [0u8; 2];
        (-2i16).encode(&mut out).unwrap();
        assert_eq!(out, [0xfe, 0xff]);
    }

    #[test]
    fn bool_rejects_other_bytes() {
        assert_eq!(<bool as FixedField>::check(&[1]), Ok(()));
        assert_eq!(
            <bool as FixedField>::check(&[2]),
            Err(ErrorKind::InvalidBool { byte: 2 })
        );
    }

    #[test]
    fn short_input_decodes_without_panicking() {
        assert_eq!(<u64 as FixedField>::decode(&[1, 2]), 0);
        assert!(!<bool as FixedField>::decode(&[]));
    }
}
