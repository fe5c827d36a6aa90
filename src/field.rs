//! Fields: how each field of a fact reaches its slot in the header and, for
//! variable-length fields, its payload in the tail.
//!
//! [`Field`] is implemented for every supported field type; `#[derive(Facts)]`
//! lays the fields out by reading its constants and calls its methods with
//! the field's [`Slot`]. Three shapes exist:
//!
//! - a fixed value ([`FixedField`]) sits in its slot;
//! - `Option` of a fixed value adds one bit of the null bitmap; a null slot is zero;
//! - a variable-length value (`String`, `Vec<T>`, `Vec<String>`, a nested
//!   fact with variable-length fields, and their `Option`s) stores in its
//!   slot the `u32` end offset of its payload, which starts where the
//!   previous variable-length payload ended.

use crate::bytes::{bit, is_zero, put, set_bit, u16_at, u32_at};
use crate::error::{ErrorKind, Fault, PackErrorKind};
use crate::fingerprint::{mix, tag};
use crate::fixed::FixedField;
use crate::layout::{HEADER_LEN_AT, PREFIX_LEN};
use crate::list;
use crate::nested;
use crate::slice::{Slice, StrList};

/// Where one field lives in the header; built by `#[derive(Facts)]` as a constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// Offset of the field's slot from the start of the blob.
    pub offset: usize,
    /// For nullable fields: the bitmap byte's offset and the field's bit in it.
    pub null: Option<(usize, u8)>,
    /// For variable-length fields: the slot of the previous variable-length
    /// field, whose end pointer is this payload's start; `None` when this is the
    /// first one and the payload starts at the end of the header.
    pub prev_end: Option<usize>,
}

impl Slot {
    /// The slot in a fact's body (its header without the prefix), as a nested
    /// fact or a list element stores it: every offset moves back by the
    /// prefix's length.
    pub const fn in_body(self) -> Slot {
        Slot {
            offset: self.offset.saturating_sub(PREFIX_LEN),
            null: match self.null {
                Some((byte, mask)) => Some((byte.saturating_sub(PREFIX_LEN), mask)),
                None => None,
            },
            prev_end: None,
        }
    }
}

/// A type that can be a field of a `#[derive(Facts)]` struct.
///
/// `UNIT` is the field's declared time unit (see [`unit`](crate::unit)).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a factpack field",
    label = "unsupported field type",
    note = "supported: bool, integers, floats, chrono time types, `#[derive(FactEnum)]` enums (with or without data), `#[derive(Facts)]` structs (with or without variable-length fields), arrays `[T; N]` and tuples of fixed-size values, String, Vec of any of these, and Option of any of these",
    note = "fields that should not be stored can be marked `#[facts(transient)]`"
)]
pub trait Field<const UNIT: u8 = 0>: Sized {
    /// Bytes the field takes in the header.
    const SLOT_SIZE: usize;
    /// Whether the field has a bit in the null bitmap.
    const NULLABLE: bool;
    /// Whether the field has a payload in the tail.
    const VARIABLE: bool;
    /// Fingerprint of the field's encoding.
    const TYPE_FP: u64;
    /// Whether every bit pattern of the slot is a valid value (and the field
    /// has no null bit and no payload), so that a nested fact made only of
    /// such fields needs no check at all. `false` is always correct.
    const ALWAYS_VALID: bool = false;
    /// What the view's accessor returns.
    type Ref<'a>: Copy;

    /// Writes the field of the fact that starts at `base` in `out`: its slot
    /// (already zeroed) and, for variable-length fields, its payload appended to `out`.
    ///
    /// # Errors
    /// A time value that its unit cannot hold, or a fact past 4 GiB.
    fn write(&self, out: &mut Vec<u8>, base: usize, at: Slot) -> Result<(), PackErrorKind>;

    /// The fast path of packing, first half: writes what the field keeps in
    /// the header (a fixed value's slot, a null bit) into `header`, the
    /// fact's whole zeroed header. Its length is a constant after inlining,
    /// so slots at constant offsets are written without bounds checks.
    /// Returns `false` where [`write`](Self::write) would fail; the generated
    /// `pack_into` then packs again through `write` to report the error.
    ///
    /// The default writes nothing and leaves everything to
    /// [`write_tail`](Self::write_tail).
    #[inline(always)]
    fn write_header(&self, header: &mut [u8], at: Slot) -> bool {
        let _ = (header, at);
        true
    }

    /// The fast path of packing, second half, in field order after every
    /// field's [`write_header`](Self::write_header): appends a variable-length
    /// payload to `out` and stores its end in the slot. Returns `false` where
    /// [`write`](Self::write) would fail.
    ///
    /// The default runs `write`, so a type that keeps the default of both
    /// halves packs exactly as through `write`.
    #[inline(always)]
    fn write_tail(&self, out: &mut Vec<u8>, base: usize, at: Slot) -> bool {
        self.write(out, base, at).is_ok()
    }

    /// Validates the field; `cursor` is where the next payload must start and
    /// moves past this field's payload.
    ///
    /// # Errors
    /// The first problem found, with its offset.
    fn check(blob: &[u8], at: Slot, cursor: &mut usize) -> Result<(), Fault>;

    /// Whether [`check`](Self::check) would accept the field, for the fast
    /// path of validation: a plain `bool`, no error value, so that the
    /// generated `validate` chains every field in one expression and builds
    /// an [`Error`](crate::Error) only on the precise path, when this says no.
    /// `header` is the blob's whole header at the current version, sliced
    /// from a `&[u8; HEADER_LEN]`: after inlining its length is a constant,
    /// so reads of slots at constant offsets need no bounds check. `cursor`
    /// moves as in `check` (to a meaningless place once the answer is false).
    ///
    /// Must agree with `check` exactly; the default asks it.
    #[inline(always)]
    fn is_valid(header: &[u8], blob: &[u8], at: Slot, cursor: &mut usize) -> bool {
        let _ = header;
        Self::check(blob, at, cursor).is_ok()
    }

    /// Reads the field from a validated blob, in O(1).
    fn read(blob: &[u8], at: Slot) -> Self::Ref<'_>;

    /// Turns what [`read`](Self::read) returned into an owned value.
    fn to_owned(value: Self::Ref<'_>) -> Self;
}

/// Writes a fixed value into its slot of the fact at `base`.
#[inline(always)]
fn write_slot<const U: u8, T: FixedField<U>>(
    value: &T,
    out: &mut [u8],
    base: usize,
    offset: usize,
) -> Result<(), PackErrorKind> {
    let start = base.wrapping_add(offset);
    match out.get_mut(start..start.wrapping_add(T::SIZE)) {
        Some(slot) => value.encode(slot),
        None => Ok(()),
    }
}

/// The bytes of a fixed slot.
#[inline(always)]
pub(crate) fn slot_bytes<const U: u8, T: FixedField<U>>(blob: &[u8], offset: usize) -> &[u8] {
    blob.get(offset..offset.wrapping_add(T::SIZE))
        .unwrap_or(&[])
}

// A `BLOB` type (a nested fact with variable-length fields) is a
// variable-length field whose payload is its blob; every other type sits in
// its slot. The branches on `T::BLOB` are on a constant, folded away.
impl<const U: u8, T: FixedField<U>> Field<U> for T {
    const SLOT_SIZE: usize = if T::BLOB { 4 } else { T::SIZE };
    const NULLABLE: bool = false;
    const VARIABLE: bool = T::BLOB;
    const TYPE_FP: u64 = T::TYPE_FP;
    const ALWAYS_VALID: bool = T::ALWAYS_VALID && !T::BLOB;
    type Ref<'a> = T::Ref<'a>;

    #[inline(always)]
    fn write(&self, out: &mut Vec<u8>, base: usize, at: Slot) -> Result<(), PackErrorKind> {
        if T::BLOB {
            return write_blob::<U, T>(self, out, base, at);
        }
        write_slot::<U, T>(self, out, base, at.offset)
    }

    #[inline(always)]
    fn write_header(&self, header: &mut [u8], at: Slot) -> bool {
        T::BLOB || write_slot::<U, T>(self, header, 0, at.offset).is_ok()
    }

    #[inline(always)]
    fn write_tail(&self, out: &mut Vec<u8>, base: usize, at: Slot) -> bool {
        !T::BLOB || write_blob::<U, T>(self, out, base, at).is_ok()
    }

    #[inline(always)]
    fn check(blob: &[u8], at: Slot, cursor: &mut usize) -> Result<(), Fault> {
        if T::BLOB {
            let start = *cursor;
            return nested::check_blob::<U, T>(take_payload(blob, at, cursor)?, start);
        }
        T::fault(slot_bytes::<U, T>(blob, at.offset))
            .map_err(|fault| Fault::at(at.offset.saturating_add(fault.offset), fault.kind))
    }

    #[inline(always)]
    fn is_valid(header: &[u8], blob: &[u8], at: Slot, cursor: &mut usize) -> bool {
        if T::BLOB {
            return payload_if_valid(header, blob, at, cursor).is_some_and(T::blob_is_valid);
        }
        T::is_valid(slot_bytes::<U, T>(header, at.offset))
    }

    #[inline(always)]
    fn read(blob: &[u8], at: Slot) -> T::Ref<'_> {
        if T::BLOB {
            return T::decode_blob(payload(blob, at));
        }
        T::decode(slot_bytes::<U, T>(blob, at.offset))
    }

    #[inline(always)]
    fn to_owned(value: T::Ref<'_>) -> T {
        T::to_owned(value)
    }
}

/// Whether the field at `at` is present (not null).
#[inline(always)]
pub(crate) fn present(blob: &[u8], at: Slot) -> bool {
    at.null.is_some_and(|(byte, mask)| bit(blob, byte, mask))
}

/// A type whose `Option` is a field: every fixed-size type (its null slot is
/// all zero) and every enum whose variants carry data (its null payload is
/// empty). [`Field`] for `Option<T>` is this trait's, with a null bit.
pub trait OptionalField<const UNIT: u8 = 0>: Sized {
    /// Bytes the field takes in the header.
    const SLOT_SIZE: usize;
    /// Whether the field has a payload in the tail.
    const VARIABLE: bool;
    /// Fingerprint of the field's encoding.
    const TYPE_FP: u64;
    /// What the view's accessor returns.
    type Ref<'a>: Copy;

    /// [`Field::write`] of `Option<Self>`.
    ///
    /// # Errors
    /// As [`Field::write`].
    fn write(
        this: &Option<Self>,
        out: &mut Vec<u8>,
        base: usize,
        at: Slot,
    ) -> Result<(), PackErrorKind>;

    /// [`Field::write_header`] of `Option<Self>`.
    fn write_header(this: &Option<Self>, header: &mut [u8], at: Slot) -> bool;

    /// [`Field::write_tail`] of `Option<Self>`.
    fn write_tail(this: &Option<Self>, out: &mut Vec<u8>, base: usize, at: Slot) -> bool;

    /// [`Field::check`] of `Option<Self>`.
    ///
    /// # Errors
    /// As [`Field::check`].
    fn check(blob: &[u8], at: Slot, cursor: &mut usize) -> Result<(), Fault>;

    /// [`Field::is_valid`] of `Option<Self>`.
    fn is_valid(header: &[u8], blob: &[u8], at: Slot, cursor: &mut usize) -> bool;

    /// [`Field::read`] of `Option<Self>`.
    fn read(blob: &[u8], at: Slot) -> Self::Ref<'_>;

    /// [`Field::to_owned`] of `Option<Self>`.
    fn to_owned(value: Self::Ref<'_>) -> Option<Self>;
}

impl<const U: u8, T: OptionalField<U>> Field<U> for Option<T> {
    const SLOT_SIZE: usize = T::SLOT_SIZE;
    const NULLABLE: bool = true;
    const VARIABLE: bool = T::VARIABLE;
    const TYPE_FP: u64 = T::TYPE_FP;
    type Ref<'a> = T::Ref<'a>;

    #[inline(always)]
    fn write(&self, out: &mut Vec<u8>, base: usize, at: Slot) -> Result<(), PackErrorKind> {
        T::write(self, out, base, at)
    }

    #[inline(always)]
    fn write_header(&self, header: &mut [u8], at: Slot) -> bool {
        T::write_header(self, header, at)
    }

    #[inline(always)]
    fn write_tail(&self, out: &mut Vec<u8>, base: usize, at: Slot) -> bool {
        T::write_tail(self, out, base, at)
    }

    #[inline(always)]
    fn check(blob: &[u8], at: Slot, cursor: &mut usize) -> Result<(), Fault> {
        T::check(blob, at, cursor)
    }

    #[inline(always)]
    fn is_valid(header: &[u8], blob: &[u8], at: Slot, cursor: &mut usize) -> bool {
        T::is_valid(header, blob, at, cursor)
    }

    #[inline(always)]
    fn read(blob: &[u8], at: Slot) -> T::Ref<'_> {
        T::read(blob, at)
    }

    #[inline(always)]
    fn to_owned(value: T::Ref<'_>) -> Option<T> {
        T::to_owned(value)
    }
}

impl<const U: u8, T: FixedField<U>> OptionalField<U> for T {
    const SLOT_SIZE: usize = if T::BLOB { 4 } else { T::SIZE };
    const VARIABLE: bool = T::BLOB;
    const TYPE_FP: u64 = mix(tag("option"), T::TYPE_FP);
    type Ref<'a> = Option<T::Ref<'a>>;

    #[inline(always)]
    fn write(
        this: &Option<T>,
        out: &mut Vec<u8>,
        base: usize,
        at: Slot,
    ) -> Result<(), PackErrorKind> {
        if T::BLOB {
            return match (this, at.null) {
                (Some(value), Some((byte, mask))) => {
                    set_bit(out, base.wrapping_add(byte), mask);
                    write_blob::<U, T>(value, out, base, at)
                }
                // A null payload is empty: its end is its start.
                _ => write_end(out, base, at),
            };
        }
        if let (Some(value), Some((byte, mask))) = (this, at.null) {
            set_bit(out, base.wrapping_add(byte), mask);
            write_slot::<U, T>(value, out, base, at.offset)?;
        }
        Ok(())
    }

    #[inline(always)]
    fn write_header(this: &Option<T>, header: &mut [u8], at: Slot) -> bool {
        if T::BLOB {
            if let (Some(_), Some((byte, mask))) = (this, at.null) {
                set_bit(header, byte, mask);
            }
            return true;
        }
        // Branch-free where the type allows: which fields are null varies
        // from fact to fact, so a branch on it would be mispredicted often.
        if let Some((byte, mask)) = at.null {
            set_bit(
                header,
                byte,
                mask & 0u8.wrapping_sub(u8::from(this.is_some())),
            );
        }
        let end = at.offset.wrapping_add(T::SIZE);
        match header.get_mut(at.offset..end) {
            Some(slot) => T::encode_or_null(this.as_ref(), slot).is_ok(),
            None => false,
        }
    }

    #[inline(always)]
    fn write_tail(this: &Option<T>, out: &mut Vec<u8>, base: usize, at: Slot) -> bool {
        if !T::BLOB {
            return true;
        }
        match this {
            Some(value) => write_blob::<U, T>(value, out, base, at),
            None => write_end(out, base, at),
        }
        .is_ok()
    }

    #[inline(always)]
    fn check(blob: &[u8], at: Slot, cursor: &mut usize) -> Result<(), Fault> {
        if T::BLOB {
            let start = *cursor;
            let payload = take_payload(blob, at, cursor)?;
            return if present(blob, at) {
                nested::check_blob::<U, T>(payload, start)
            } else if payload.is_empty() {
                Ok(())
            } else {
                Err(Fault::at(at.offset, ErrorKind::NonZeroNull))
            };
        }
        let bytes = slot_bytes::<U, T>(blob, at.offset);
        let result = if present(blob, at) {
            T::fault(bytes)
        } else if is_zero(bytes) {
            Ok(())
        } else {
            Err(Fault::at(0, ErrorKind::NonZeroNull))
        };
        result.map_err(|fault| Fault::at(at.offset.saturating_add(fault.offset), fault.kind))
    }

    #[inline(always)]
    fn is_valid(header: &[u8], blob: &[u8], at: Slot, cursor: &mut usize) -> bool {
        if T::BLOB {
            let present = present(header, at);
            return payload_if_valid(header, blob, at, cursor).is_some_and(|payload| {
                if present {
                    T::blob_is_valid(payload)
                } else {
                    payload.is_empty()
                }
            });
        }
        T::is_valid_or_null(slot_bytes::<U, T>(header, at.offset), present(header, at))
    }

    #[inline(always)]
    fn read(blob: &[u8], at: Slot) -> Option<T::Ref<'_>> {
        if T::BLOB {
            return present(blob, at).then(|| T::decode_blob(payload(blob, at)));
        }
        present(blob, at).then(|| T::decode(slot_bytes::<U, T>(blob, at.offset)))
    }

    #[inline(always)]
    fn to_owned(value: Option<T::Ref<'_>>) -> Option<T> {
        value.map(T::to_owned)
    }
}

/// The payload of a variable-length value: what lies between its start and end.
pub trait Payload<const U: u8 = 0>: Sized {
    /// Fingerprint of the encoding.
    const TYPE_FP: u64;
    /// What an accessor returns.
    type Ref<'a>: Copy;
    /// Appends the payload.
    ///
    /// # Errors
    /// A time value its unit cannot hold, or a payload past 4 GiB.
    fn write_payload(&self, out: &mut Vec<u8>) -> Result<(), PackErrorKind>;
    /// Validates a payload; the error's offset is relative to the payload's start.
    ///
    /// # Errors
    /// The first problem found.
    fn check_payload(payload: &[u8]) -> Result<(), Fault>;
    /// Whether [`check_payload`](Self::check_payload) accepts `payload`, for
    /// the fast path of validation (see [`Field::is_valid`]). Must agree with
    /// it exactly; the default asks it.
    #[inline(always)]
    fn payload_is_valid(payload: &[u8]) -> bool {
        Self::check_payload(payload).is_ok()
    }
    /// Reads a validated payload.
    fn read_payload(payload: &[u8]) -> Self::Ref<'_>;
    /// Turns what [`read_payload`](Self::read_payload) returned into an owned value.
    fn to_owned(value: Self::Ref<'_>) -> Self;
}

/// Where the payload of the variable-length field at `at` starts.
#[inline(always)]
pub(crate) fn payload_start(blob: &[u8], at: Slot) -> usize {
    match at.prev_end {
        Some(prev) => u32_at(blob, prev),
        None => u16_at(blob, HEADER_LEN_AT),
    }
}

/// The payload of the variable-length field at `at` in a validated blob.
#[inline(always)]
pub(crate) fn payload(blob: &[u8], at: Slot) -> &[u8] {
    blob.get(payload_start(blob, at)..u32_at(blob, at.offset))
        .unwrap_or(&[])
}

/// Appends a payload and stores its end in the slot.
#[inline(always)]
fn write_payload<const U: u8, P: Payload<U>>(
    value: &P,
    out: &mut Vec<u8>,
    base: usize,
    at: Slot,
) -> Result<(), PackErrorKind> {
    value.write_payload(out)?;
    write_end(out, base, at)
}

/// Appends the blob of a nested fact with variable-length fields, in place,
/// and stores its end in the slot.
#[inline(always)]
fn write_blob<const U: u8, T: FixedField<U>>(
    value: &T,
    out: &mut Vec<u8>,
    base: usize,
    at: Slot,
) -> Result<(), PackErrorKind> {
    value.write_blob(out)?;
    write_end(out, base, at)
}

/// Stores in the slot where the payloads written so far end.
#[inline(always)]
fn write_end(out: &mut [u8], base: usize, at: Slot) -> Result<(), PackErrorKind> {
    let end = u32::try_from(out.len().wrapping_sub(base)).map_err(|_| PackErrorKind::TooLarge)?;
    put(out, base.wrapping_add(at.offset), &end.to_le_bytes());
    Ok(())
}

/// Validates the end pointer at `at` against `cursor` and the blob's length,
/// returns the payload and moves the cursor past it.
#[inline(always)]
fn take_payload<'a>(blob: &'a [u8], at: Slot, cursor: &mut usize) -> Result<&'a [u8], Fault> {
    let start = *cursor;
    let end = u32_at(blob, at.offset);
    if end < start {
        return Err(Fault::at(
            at.offset,
            ErrorKind::PointerBackwards { start, end },
        ));
    }
    let Some(payload) = blob.get(start..end) else {
        let len = blob.len();
        return Err(Fault::at(
            at.offset,
            ErrorKind::PointerOutOfRange { end, len },
        ));
    };
    *cursor = end;
    Ok(payload)
}

/// [`take_payload`] as a `bool` for the fast path: the payload that the end
/// pointer at `at` closes, or `None` where `take_payload` fails (an end before
/// `cursor` or past the blob). The cursor moves to the end either way.
#[inline(always)]
fn payload_if_valid<'a>(
    header: &[u8],
    blob: &'a [u8],
    at: Slot,
    cursor: &mut usize,
) -> Option<&'a [u8]> {
    let start = *cursor;
    let end = u32_at(header, at.offset);
    *cursor = end;
    blob.get(start..end)
}

/// Validates a payload and shifts its error offsets to the blob.
#[inline(always)]
fn check_payload<const U: u8, P: Payload<U>>(payload: &[u8], start: usize) -> Result<(), Fault> {
    P::check_payload(payload).map_err(|f| Fault::at(start.saturating_add(f.offset), f.kind))
}

/// [`Field::write`] of a variable-length field of payload `P`.
///
/// # Errors
/// As [`Payload::write_payload`], or a fact past 4 GiB.
#[inline(always)]
pub fn variable_write<const U: u8, P: Payload<U>>(
    value: &P,
    out: &mut Vec<u8>,
    base: usize,
    at: Slot,
) -> Result<(), PackErrorKind> {
    write_payload::<U, P>(value, out, base, at)
}

/// [`Field::write_tail`] of a variable-length field of payload `P`.
#[inline(always)]
pub fn variable_write_tail<const U: u8, P: Payload<U>>(
    value: &P,
    out: &mut Vec<u8>,
    base: usize,
    at: Slot,
) -> bool {
    write_payload::<U, P>(value, out, base, at).is_ok()
}

/// [`Field::check`] of a variable-length field of payload `P`.
///
/// # Errors
/// A bad end pointer, or the payload's own error.
#[inline(always)]
pub fn variable_check<const U: u8, P: Payload<U>>(
    blob: &[u8],
    at: Slot,
    cursor: &mut usize,
) -> Result<(), Fault> {
    let start = *cursor;
    check_payload::<U, P>(take_payload(blob, at, cursor)?, start)
}

/// [`Field::is_valid`] of a variable-length field of payload `P`.
#[inline(always)]
pub fn variable_is_valid<const U: u8, P: Payload<U>>(
    header: &[u8],
    blob: &[u8],
    at: Slot,
    cursor: &mut usize,
) -> bool {
    payload_if_valid(header, blob, at, cursor).is_some_and(P::payload_is_valid)
}

/// [`Field::read`] of a variable-length field of payload `P`.
#[inline(always)]
pub fn variable_read<const U: u8, P: Payload<U>>(blob: &[u8], at: Slot) -> P::Ref<'_> {
    P::read_payload(payload(blob, at))
}

/// [`Field::write`] of `Option<P>` for a payload `P`: a null payload is empty.
///
/// # Errors
/// As [`variable_write`].
#[inline(always)]
pub fn optional_write<const U: u8, P: Payload<U>>(
    value: &Option<P>,
    out: &mut Vec<u8>,
    base: usize,
    at: Slot,
) -> Result<(), PackErrorKind> {
    match (value, at.null) {
        (Some(value), Some((byte, mask))) => {
            set_bit(out, base.wrapping_add(byte), mask);
            write_payload::<U, P>(value, out, base, at)
        }
        // A null payload is empty: its end is its start.
        _ => write_end(out, base, at),
    }
}

/// [`Field::write_header`] of `Option<P>` for a payload `P`: the null bit.
#[inline(always)]
pub fn optional_write_header<P>(value: &Option<P>, header: &mut [u8], at: Slot) -> bool {
    if let (Some(_), Some((byte, mask))) = (value, at.null) {
        set_bit(header, byte, mask);
    }
    true
}

/// [`Field::write_tail`] of `Option<P>` for a payload `P`.
#[inline(always)]
pub fn optional_write_tail<const U: u8, P: Payload<U>>(
    value: &Option<P>,
    out: &mut Vec<u8>,
    base: usize,
    at: Slot,
) -> bool {
    match value {
        Some(value) => write_payload::<U, P>(value, out, base, at),
        None => write_end(out, base, at),
    }
    .is_ok()
}

/// [`Field::check`] of `Option<P>` for a payload `P`.
///
/// # Errors
/// As [`variable_check`], or a null field with a payload.
#[inline(always)]
pub fn optional_check<const U: u8, P: Payload<U>>(
    blob: &[u8],
    at: Slot,
    cursor: &mut usize,
) -> Result<(), Fault> {
    let start = *cursor;
    let payload = take_payload(blob, at, cursor)?;
    if present(blob, at) {
        check_payload::<U, P>(payload, start)
    } else if payload.is_empty() {
        Ok(())
    } else {
        Err(Fault::at(at.offset, ErrorKind::NonZeroNull))
    }
}

/// [`Field::is_valid`] of `Option<P>` for a payload `P`.
#[inline(always)]
pub fn optional_is_valid<const U: u8, P: Payload<U>>(
    header: &[u8],
    blob: &[u8],
    at: Slot,
    cursor: &mut usize,
) -> bool {
    let present = present(header, at);
    payload_if_valid(header, blob, at, cursor).is_some_and(|payload| {
        if present {
            P::payload_is_valid(payload)
        } else {
            payload.is_empty()
        }
    })
}

/// [`Field::read`] of `Option<P>` for a payload `P`.
#[inline(always)]
pub fn optional_read<const U: u8, P: Payload<U>>(blob: &[u8], at: Slot) -> Option<P::Ref<'_>> {
    present(blob, at).then(|| P::read_payload(payload(blob, at)))
}

/// Implements [`Field`] for a [`Payload`] type and for its `Option`. The
/// hot paths (`is_valid`, `read`, `write_tail`) are written out here rather
/// than through the generic functions above, through which LLVM makes the
/// fast validation of a fact with several variable-length fields slower.
macro_rules! variable_field {
    ([$($g:tt)*] $ty:ty, $unit:tt) => {
        impl<$($g)*> Field<$unit> for $ty {
            const SLOT_SIZE: usize = 4;
            const NULLABLE: bool = false;
            const VARIABLE: bool = true;
            const TYPE_FP: u64 = <$ty as Payload<$unit>>::TYPE_FP;
            type Ref<'a> = <$ty as Payload<$unit>>::Ref<'a>;

            #[inline(always)]
            fn write(&self, out: &mut Vec<u8>, base: usize, at: Slot) -> Result<(), PackErrorKind> {
                variable_write::<$unit, $ty>(self, out, base, at)
            }

            #[inline(always)]
            fn write_header(&self, _: &mut [u8], _: Slot) -> bool {
                true // the end pointer is known only once the payload is written
            }

            #[inline(always)]
            fn write_tail(&self, out: &mut Vec<u8>, base: usize, at: Slot) -> bool {
                write_payload::<$unit, $ty>(self, out, base, at).is_ok()
            }

            #[inline(always)]
            fn check(blob: &[u8], at: Slot, cursor: &mut usize) -> Result<(), Fault> {
                variable_check::<$unit, $ty>(blob, at, cursor)
            }

            #[inline(always)]
            fn is_valid(header: &[u8], blob: &[u8], at: Slot, cursor: &mut usize) -> bool {
                payload_if_valid(header, blob, at, cursor)
                    .is_some_and(<$ty as Payload<$unit>>::payload_is_valid)
            }

            #[inline(always)]
            fn read(blob: &[u8], at: Slot) -> Self::Ref<'_> {
                <$ty as Payload<$unit>>::read_payload(payload(blob, at))
            }

            #[inline(always)]
            fn to_owned(value: Self::Ref<'_>) -> Self {
                <$ty as Payload<$unit>>::to_owned(value)
            }
        }

        impl<$($g)*> Field<$unit> for Option<$ty> {
            const SLOT_SIZE: usize = 4;
            const NULLABLE: bool = true;
            const VARIABLE: bool = true;
            const TYPE_FP: u64 = mix(tag("option"), <$ty as Payload<$unit>>::TYPE_FP);
            type Ref<'a> = Option<<$ty as Payload<$unit>>::Ref<'a>>;

            #[inline(always)]
            fn write(&self, out: &mut Vec<u8>, base: usize, at: Slot) -> Result<(), PackErrorKind> {
                optional_write::<$unit, $ty>(self, out, base, at)
            }

            #[inline(always)]
            fn write_header(&self, header: &mut [u8], at: Slot) -> bool {
                optional_write_header(self, header, at)
            }

            #[inline(always)]
            fn write_tail(&self, out: &mut Vec<u8>, base: usize, at: Slot) -> bool {
                match self {
                    Some(value) => write_payload::<$unit, $ty>(value, out, base, at),
                    None => write_end(out, base, at),
                }
                .is_ok()
            }

            #[inline(always)]
            fn check(blob: &[u8], at: Slot, cursor: &mut usize) -> Result<(), Fault> {
                optional_check::<$unit, $ty>(blob, at, cursor)
            }

            #[inline(always)]
            fn is_valid(header: &[u8], blob: &[u8], at: Slot, cursor: &mut usize) -> bool {
                let present = present(header, at);
                payload_if_valid(header, blob, at, cursor).is_some_and(|payload| {
                    if present {
                        <$ty as Payload<$unit>>::payload_is_valid(payload)
                    } else {
                        payload.is_empty()
                    }
                })
            }

            #[inline(always)]
            fn read(blob: &[u8], at: Slot) -> Self::Ref<'_> {
                present(blob, at).then(|| <$ty as Payload<$unit>>::read_payload(payload(blob, at)))
            }

            #[inline(always)]
            fn to_owned(value: Self::Ref<'_>) -> Self {
                value.map(<$ty as Payload<$unit>>::to_owned)
            }
        }
    };
}

variable_field!([] String, 0);
variable_field!([] Vec<String>, 0);
variable_field!([const U: u8, T: ListElement<U>] Vec<T>, U);

impl Payload for String {
    const TYPE_FP: u64 = tag("utf8");
    type Ref<'a> = &'a str;

    #[inline]
    fn write_payload(&self, out: &mut Vec<u8>) -> Result<(), PackErrorKind> {
        out.extend_from_slice(self.as_bytes());
        Ok(())
    }

    #[inline]
    fn check_payload(payload: &[u8]) -> Result<(), Fault> {
        core::str::from_utf8(payload)
            .map(|_| ())
            .map_err(|e| Fault::at(e.valid_up_to(), ErrorKind::InvalidUtf8))
    }

    #[inline]
    fn payload_is_valid(payload: &[u8]) -> bool {
        // Most stored text is ASCII, which std checks a word at a time,
        // faster than it decodes UTF-8.
        payload.is_ascii() || core::str::from_utf8(payload).is_ok()
    }

    #[inline]
    fn read_payload(payload: &[u8]) -> &str {
        // The crate has no unsafe code, so the validated bytes are checked again
        // (std's UTF-8 check, with its ASCII fast path) instead of trusted.
        core::str::from_utf8(payload).unwrap_or_default()
    }

    #[inline]
    fn to_owned(value: &str) -> String {
        value.to_owned()
    }
}

/// A type that can be the element of a `Vec` field: every fixed-size type
/// (the elements' slots back to back) and every enum whose variants carry
/// data (a table of end offsets, then the payloads). [`Payload`] for
/// `Vec<T>` is this trait's.
pub trait ListElement<const U: u8 = 0>: Sized {
    /// Fingerprint of the list's encoding.
    const LIST_FP: u64;
    /// What the accessor of a list returns.
    type ListRef<'a>: Copy;

    /// Appends the payload of a list of `values`.
    ///
    /// # Errors
    /// As [`Payload::write_payload`].
    fn write_list(values: &[Self], out: &mut Vec<u8>) -> Result<(), PackErrorKind>;

    /// Validates a list payload; offsets from the payload's start.
    ///
    /// # Errors
    /// The first problem found.
    fn check_list(payload: &[u8]) -> Result<(), Fault>;

    /// Whether [`check_list`](Self::check_list) accepts `payload`; must agree
    /// with it exactly.
    #[inline(always)]
    fn list_is_valid(payload: &[u8]) -> bool {
        Self::check_list(payload).is_ok()
    }

    /// Reads a validated list payload.
    fn read_list(payload: &[u8]) -> Self::ListRef<'_>;

    /// Turns what [`read_list`](Self::read_list) returned into owned values.
    fn list_to_owned(value: Self::ListRef<'_>) -> Vec<Self>;
}

impl<const U: u8, T: ListElement<U>> Payload<U> for Vec<T> {
    const TYPE_FP: u64 = T::LIST_FP;
    type Ref<'a> = T::ListRef<'a>;

    #[inline(always)]
    fn write_payload(&self, out: &mut Vec<u8>) -> Result<(), PackErrorKind> {
        T::write_list(self, out)
    }

    #[inline(always)]
    fn check_payload(payload: &[u8]) -> Result<(), Fault> {
        T::check_list(payload)
    }

    #[inline(always)]
    fn payload_is_valid(payload: &[u8]) -> bool {
        T::list_is_valid(payload)
    }

    #[inline(always)]
    fn read_payload(payload: &[u8]) -> T::ListRef<'_> {
        T::read_list(payload)
    }

    #[inline(always)]
    fn to_owned(value: T::ListRef<'_>) -> Vec<T> {
        T::list_to_owned(value)
    }
}

impl<const U: u8, T: FixedField<U>> ListElement<U> for T {
    const LIST_FP: u64 = {
        assert!(T::SIZE > 0, "list elements must take at least one byte");
        mix(tag("list"), T::TYPE_FP)
    };
    type ListRef<'a> = Slice<'a, T, U>;

    #[inline]
    fn write_list(values: &[T], out: &mut Vec<u8>) -> Result<(), PackErrorKind> {
        if T::BLOB {
            return nested::write_list::<U, T>(values, out);
        }
        list::write_header::<U, T>(values.len(), out)?;
        let start = out.len();
        let bytes = values
            .len()
            .checked_mul(T::SIZE)
            .ok_or(PackErrorKind::TooLarge)?;
        out.resize(start.saturating_add(bytes), 0);
        let Some(dst) = out.get_mut(start..) else {
            return Ok(());
        };
        for (value, slot) in values.iter().zip(dst.chunks_exact_mut(T::SIZE)) {
            value.encode(slot)?;
        }
        Ok(())
    }

    #[inline]
    fn check_list(payload: &[u8]) -> Result<(), Fault> {
        if T::BLOB {
            return nested::check_list::<U, T>(payload);
        }
        let elements = list::check::<U, T>(payload)?;
        if !T::ALWAYS_VALID {
            let chunks = elements.bytes.chunks_exact(elements.stride);
            for (i, element) in chunks.enumerate() {
                let result = if list::versioned::<U, T>() {
                    T::check_at(element, elements.version).map_err(|kind| Fault::at(0, kind))
                } else {
                    T::fault(element)
                };
                result.map_err(|fault| {
                    let at = i
                        .saturating_mul(elements.stride)
                        .saturating_add(fault.offset);
                    Fault::at(elements.start.saturating_add(at), fault.kind)
                })?;
            }
        }
        Ok(())
    }

    #[inline]
    fn list_is_valid(payload: &[u8]) -> bool {
        if T::BLOB {
            return nested::list_is_valid::<U, T>(payload);
        }
        // Lists of nested facts go through their list header, out of this
        // function, so that the loop below stays as small as LLVM inlines.
        if list::versioned::<U, T>() {
            return list::is_valid::<U, T>(payload);
        }
        // `all` stops at the first invalid element, which keeps LLVM from
        // vectorizing the loop: lists are short, and a vectorized loop's
        // set-up costs more than it saves on a handful of elements.
        payload.len().checked_rem(T::SIZE) == Some(0)
            && (T::ALWAYS_VALID || payload.chunks_exact(T::SIZE).all(T::is_valid))
    }

    #[inline]
    fn read_list(payload: &[u8]) -> Slice<'_, T, U> {
        Slice::new(payload)
    }

    #[inline]
    fn list_to_owned(value: Slice<'_, T, U>) -> Vec<T> {
        value.to_vec()
    }
}

impl Payload for Vec<String> {
    const TYPE_FP: u64 = mix(tag("list"), tag("utf8"));
    type Ref<'a> = StrList<'a>;

    #[inline]
    fn write_payload(&self, out: &mut Vec<u8>) -> Result<(), PackErrorKind> {
        // Most lists of strings are empty, and their payload is too: no call.
        if self.is_empty() {
            return Ok(());
        }
        StrList::write(self, out)
    }

    #[inline]
    fn check_payload(payload: &[u8]) -> Result<(), Fault> {
        StrList::check(payload)
    }

    #[inline]
    fn payload_is_valid(payload: &[u8]) -> bool {
        // Most lists of strings are empty: no call for them.
        payload.is_empty() || StrList::check(payload).is_ok()
    }

    #[inline]
    fn read_payload(payload: &[u8]) -> StrList<'_> {
        StrList::new(payload)
    }

    #[inline]
    fn to_owned(value: StrList<'_>) -> Vec<String> {
        value.to_vec()
    }
}
