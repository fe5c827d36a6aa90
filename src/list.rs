//! The frame of a list payload: bare elements for most types, and for nested
//! facts a list header naming the elements' version and size.
//!
//! ```text
//! list of T          = element(1) ... element(n)                        (T without versions)
//! list of a fact T   = empty | version:u8 size:u16 element(1) ... element(n), n >= 1
//! ```
//!
//! Every element of one list has the same version, so one header serves them
//! all and the elements lie back to back, `size` bytes apart. A reader that
//! knows the version requires `size` to be that version's element size; one
//! that does not (a newer writer) requires it to be larger than the newest
//! size it knows, and reads each element's known fields from its first bytes.

use crate::bytes::u16_at;
use crate::error::Fault;
use crate::error::{ErrorKind, PackErrorKind};
use crate::fixed::FixedField;

/// Bytes of the list header of a list of nested facts.
pub const LIST_HEADER_LEN: usize = 3;

/// The elements of a list payload, once its frame is known.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Elements<'a> {
    /// The elements, back to back.
    pub bytes: &'a [u8],
    /// Bytes per element.
    pub stride: usize,
    /// The version the elements were written at (0 for types without versions).
    pub version: u8,
    /// Where `bytes` starts in the payload.
    pub start: usize,
}

/// Whether lists of `T` carry a list header.
#[inline(always)]
pub(crate) const fn versioned<const U: u8, T: FixedField<U>>() -> bool {
    !T::ELEMENT_SIZES.is_empty()
}

/// The version packing writes for elements of `T`.
#[inline(always)]
const fn current_version<const U: u8, T: FixedField<U>>() -> u8 {
    // `Facts::VERSION` is a `u8`, so the list of sizes is never longer.
    T::ELEMENT_SIZES.len() as u8
}

/// The elements of a payload that [`check`] accepted. On any other payload
/// the elements are some sub-slice of it (never a panic).
#[inline(always)]
pub(crate) fn split<const U: u8, T: FixedField<U>>(payload: &[u8]) -> Elements<'_> {
    if !versioned::<U, T>() || payload.is_empty() {
        return Elements {
            bytes: payload,
            stride: T::SIZE,
            version: current_version::<U, T>(),
            start: 0,
        };
    }
    Elements {
        bytes: payload.get(LIST_HEADER_LEN..).unwrap_or_default(),
        stride: u16_at(payload, 1),
        version: payload.first().copied().unwrap_or(0),
        start: LIST_HEADER_LEN,
    }
}

/// Checks the frame of a list payload: the list header (when `T` has one)
/// and a whole number of elements. Offsets are relative to the payload.
///
/// # Errors
/// A ragged list; for nested facts also a header cut short, version 0, an
/// element size that does not match the version, or a header without elements.
pub(crate) fn check<const U: u8, T: FixedField<U>>(payload: &[u8]) -> Result<Elements<'_>, Fault> {
    let elements = split::<U, T>(payload);
    if versioned::<U, T>() && !payload.is_empty() {
        check_header::<U, T>(payload, elements)?;
    }
    if elements.bytes.len().checked_rem(elements.stride) != Some(0) {
        let kind = ErrorKind::RaggedList {
            len: elements.bytes.len(),
            element_size: elements.stride,
        };
        return Err(Fault::at(elements.start, kind));
    }
    Ok(elements)
}

/// Checks the list header of a non-empty list of nested facts.
fn check_header<const U: u8, T: FixedField<U>>(
    payload: &[u8],
    elements: Elements<'_>,
) -> Result<(), Fault> {
    if payload.len() < LIST_HEADER_LEN {
        let kind = ErrorKind::Truncated {
            needed: LIST_HEADER_LEN,
            len: payload.len(),
        };
        return Err(Fault::at(0, kind));
    }
    let Some(index) = usize::from(elements.version).checked_sub(1) else {
        return Err(Fault::at(0, ErrorKind::ZeroVersion));
    };
    // A newer version appends at least one byte to every element (as to every
    // header), so its elements are larger than the newest this code knows.
    let (exact, expected) = match T::ELEMENT_SIZES.get(index) {
        Some(size) => (true, usize::from(*size)),
        None => (false, T::SIZE.saturating_add(1)),
    };
    let fits = if exact {
        elements.stride == expected
    } else {
        elements.stride >= expected
    };
    if !fits || elements.stride == 0 {
        let kind = ErrorKind::ElementSize {
            expected,
            found: elements.stride,
        };
        return Err(Fault::at(1, kind));
    }
    if elements.bytes.is_empty() {
        return Err(Fault::at(0, ErrorKind::NonCanonicalEmptyList));
    }
    Ok(())
}

/// [`check`] as a `bool`, for the fast path of validation; returns the
/// elements when the frame is valid.
#[inline(always)]
pub(crate) fn frame_if_valid<const U: u8, T: FixedField<U>>(
    payload: &[u8],
) -> Option<Elements<'_>> {
    let elements = split::<U, T>(payload);
    let header_ok = !versioned::<U, T>()
        || payload.is_empty()
        || (elements.version == current_version::<U, T>()
            && payload.len() > LIST_HEADER_LEN
            && elements.stride == T::SIZE)
        || check_header::<U, T>(payload, elements).is_ok();
    (header_ok && elements.bytes.len().checked_rem(elements.stride) == Some(0)).then_some(elements)
}

/// Whether a list payload of nested facts is valid, for the fast path of
/// validation: the frame, then every element unless every bit pattern of
/// one is valid (then the check is O(1)).
#[inline]
pub(crate) fn is_valid<const U: u8, T: FixedField<U>>(payload: &[u8]) -> bool {
    frame_if_valid::<U, T>(payload).is_some_and(|elements| {
        T::ALWAYS_VALID
            || elements
                .bytes
                .chunks_exact(elements.stride)
                .all(|element| T::is_valid_at(element, elements.version))
    })
}

/// Appends the list header of a non-empty list of nested facts; nothing for
/// other types and for the empty list.
#[inline(always)]
pub(crate) fn write_header<const U: u8, T: FixedField<U>>(
    len: usize,
    out: &mut Vec<u8>,
) -> Result<(), PackErrorKind> {
    if versioned::<U, T>() && len > 0 {
        let size = u16::try_from(T::SIZE).map_err(|_| PackErrorKind::TooLarge)?;
        let [lo, hi] = size.to_le_bytes();
        out.extend_from_slice(&[current_version::<U, T>(), lo, hi]);
    }
    Ok(())
}
