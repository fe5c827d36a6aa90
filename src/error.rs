//! Errors: [`Error`] for bytes that are not a valid fact, [`PackError`] for values
//! that cannot be laid out.
//!
//! Every error carries enough context to find the bad byte: the fact type, the
//! field (when one is to blame), the byte offset inside the blob, and what was
//! expected against what was found.

use core::fmt;

/// Bytes that do not hold a valid fact of the expected type.
///
/// Returned by every validating constructor ([`Packed::from_bytes`](crate::Packed::from_bytes),
/// [`Facts::view`](crate::Facts::view), ...). Validation happens once, at the
/// boundary; after it succeeds, reading a field cannot fail.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Error {
    /// The fact type that was being validated.
    pub type_name: &'static str,
    /// The field to blame, or `None` when the header itself is bad.
    pub field: Option<&'static str>,
    /// Byte offset in the blob where the problem was found.
    pub offset: usize,
    /// What is wrong.
    pub kind: ErrorKind,
}

/// What is wrong with a blob; the payload of [`Error`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The blob ends before a structure that must be there.
    Truncated {
        /// Bytes needed to hold the structure.
        needed: usize,
        /// Bytes available.
        len: usize,
    },
    /// Version 0 never exists: the blob is not a fact, or is zeroed memory.
    ZeroVersion,
    /// The header length stored in the blob does not match the one its version
    /// defines, or, for a version newer than this code knows, is not longer
    /// than this code's newest header.
    HeaderLength {
        /// The header length the version implies; for a newer version, the
        /// least it may be (one more than this code's newest header).
        expected: usize,
        /// The header length stored in the blob.
        found: usize,
    },
    /// A blob whose version differs from the one its context fixes: a nested
    /// fact's version differs from the one its parent's layout was compiled
    /// with, or a stored blob's from the `format_version` of its row.
    VersionMismatch {
        /// The version the layout or the row requires.
        expected: u8,
        /// The version stored in the blob.
        found: u8,
    },
    /// A variable-length field's end pointer lies before its start, i.e. before
    /// the end of the previous payload.
    PointerBackwards {
        /// Where the payload must start.
        start: usize,
        /// The end offset stored in the header.
        end: usize,
    },
    /// A variable-length field's end pointer lies past the end of the blob.
    PointerOutOfRange {
        /// The end offset stored in the header.
        end: usize,
        /// The length of the blob.
        len: usize,
    },
    /// Bytes follow the last payload: the tail is not canonical.
    TrailingBytes {
        /// Where the blob should have ended.
        expected_len: usize,
        /// The length of the blob.
        len: usize,
    },
    /// A null field whose slot or payload is not empty: not canonical.
    NonZeroNull,
    /// A bit of a null bitmap that belongs to no field is set.
    UnusedNullBit {
        /// The bitmap byte as found.
        byte: u8,
    },
    /// A `bool` byte other than 0 or 1.
    InvalidBool {
        /// The byte found.
        byte: u8,
    },
    /// A string that is not valid UTF-8.
    InvalidUtf8,
    /// An enum slot holding a value that is no variant's discriminant, in an
    /// enum without a catch-all (`#[facts(other)]`) variant. The field's
    /// [`FieldKind::Enum`](crate::FieldKind::Enum) names the enum.
    UnknownVariant {
        /// The value stored.
        value: EnumValue,
    },
    /// The payload of an enum whose variants carry data opens with a tag
    /// that is no variant's, in an enum without a catch-all variant.
    /// Boxed, as errors are rare and this keeps every error small.
    UnknownTag(Box<UnknownTag>),
    /// The payload of an enum whose variants carry data does not fit its
    /// variant: a unit variant's holds more than the tag, a fixed-size
    /// value's is not exactly the tag and the value.
    VariantSize {
        /// Bytes the tag and value take.
        expected: usize,
        /// Bytes of the payload.
        len: usize,
    },
    /// A time value outside the range its Rust type can hold.
    TimeOutOfRange {
        /// The raw integer stored.
        raw: i64,
    },
    /// A list payload whose length is not a whole number of elements.
    RaggedList {
        /// Bytes in the payload.
        len: usize,
        /// Bytes per element.
        element_size: usize,
    },
    /// The element size in the list header of a list of nested facts does
    /// not match the elements' version, or, for a version newer than this
    /// code knows, is not larger than this code's newest element size.
    ElementSize {
        /// The size the version implies; for a newer version, the least it
        /// may be (one more than this code's newest element size).
        expected: usize,
        /// The size stored in the list header.
        found: usize,
    },
    /// A list of strings whose offsets are not ascending, run past the payload,
    /// or cut a character in two.
    BadStringOffsets,
    /// A list (of strings, or of nested facts) that holds no element but has
    /// a non-empty payload.
    NonCanonicalEmptyList,
    /// A nested fact is invalid; the inner error says why.
    Nested(Box<Error>),
    /// The end offsets of a list framed by offsets (of nested facts with
    /// variable-length fields, or of enums whose variants carry data)
    /// descend, run past the payload, or do not end where it ends.
    BadListOffsets,
    /// An element of a list of nested facts with variable-length fields is
    /// invalid; the inner error (offsets from the element blob's start) says why.
    NestedElement {
        /// The element's index in the list.
        index: usize,
        /// What is wrong with the element.
        error: Box<Error>,
    },
}

/// A value stored in an enum's slot, read as the enum's integer type: any
/// value of `i8`..`i64` or `u8`..`u64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnumValue {
    /// A negative value.
    Signed(i64),
    /// A value of zero or more.
    Unsigned(u64),
}

/// The tag of no variant, in [`ErrorKind::UnknownTag`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownTag {
    /// The enum's name.
    pub name: &'static str,
    /// The tag stored.
    pub value: EnumValue,
}

impl From<i128> for EnumValue {
    /// The value of a stored integer, widened: signed if negative.
    fn from(value: i128) -> Self {
        match u64::try_from(value) {
            Ok(unsigned) => Self::Unsigned(unsigned),
            Err(_) => Self::Signed(i64::try_from(value).unwrap_or(i64::MIN)),
        }
    }
}

impl fmt::Display for EnumValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Signed(v) => write!(f, "{v}"),
            Self::Unsigned(v) => write!(f, "{v}"),
        }
    }
}

impl Error {
    /// Builds an error about the header (no field to blame).
    pub(crate) fn header(type_name: &'static str, offset: usize, kind: ErrorKind) -> Self {
        Self {
            type_name,
            field: None,
            offset,
            kind,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid `{}`", self.type_name)?;
        if let Some(field) = self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, " at byte {}: {}", self.offset, self.kind)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { needed, len } => {
                write!(f, "truncated: needs {needed} bytes, has {len}")
            }
            Self::ZeroVersion => f.write_str("version 0 is never written"),
            Self::HeaderLength { expected, found } => {
                write!(
                    f,
                    "header length {found} does not match the expected {expected}"
                )
            }
            Self::VersionMismatch { expected, found } => {
                write!(f, "version {found} where {expected} is required")
            }
            Self::PointerBackwards { start, end } => {
                write!(f, "payload ends at {end}, before its start {start}")
            }
            Self::PointerOutOfRange { end, len } => {
                write!(
                    f,
                    "payload ends at {end}, past the end of the {len}-byte blob"
                )
            }
            Self::TrailingBytes { expected_len, len } => {
                write!(f, "{len} bytes where the payloads end at {expected_len}")
            }
            Self::NonZeroNull => f.write_str("null field with a non-empty slot or payload"),
            Self::UnusedNullBit { byte } => {
                write!(
                    f,
                    "null bitmap byte {byte:#04x} sets a bit that belongs to no field"
                )
            }
            Self::InvalidBool { byte } => write!(f, "bool byte {byte:#04x} is neither 0 nor 1"),
            Self::InvalidUtf8 => f.write_str("string is not valid UTF-8"),
            Self::UnknownTag(tag) => {
                write!(
                    f,
                    "{} is the tag of no variant of the enum `{}`",
                    tag.value, tag.name
                )
            }
            Self::VariantSize { expected, len } => {
                write!(
                    f,
                    "a payload of {len} bytes where its variant takes {expected}"
                )
            }
            Self::UnknownVariant { value } => {
                write!(
                    f,
                    "{value} is not the discriminant of any variant of the enum"
                )
            }
            Self::TimeOutOfRange { raw } => {
                write!(f, "time value {raw} is outside the representable range")
            }
            Self::RaggedList { len, element_size } => write!(
                f,
                "list payload of {len} bytes is not a multiple of the {element_size}-byte element"
            ),
            Self::ElementSize { expected, found } => write!(
                f,
                "list elements of {found} bytes where their version implies {expected}"
            ),
            Self::BadStringOffsets => {
                f.write_str("string offsets are not ascending, in range and on char boundaries")
            }
            Self::NonCanonicalEmptyList => f.write_str("an empty list must have an empty payload"),
            Self::Nested(inner) => write!(f, "nested {inner}"),
            Self::BadListOffsets => {
                f.write_str("list end offsets are not ascending, in range and ending the payload")
            }
            Self::NestedElement { index, error } => {
                write!(f, "list element {index}: nested {error}")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Nested(inner) | ErrorKind::NestedElement { error: inner, .. } => {
                Some(inner.as_ref())
            }
            _ => None,
        }
    }
}

/// A value that cannot be laid out in the byte format.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PackError {
    /// The fact type being packed.
    pub type_name: &'static str,
    /// The field whose value does not fit.
    pub field: Option<&'static str>,
    /// Why it does not fit.
    pub kind: PackErrorKind,
}

/// Why a value cannot be packed; the payload of [`PackError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PackErrorKind {
    /// The fact would be larger than 4 GiB, which u32 pointers cannot address.
    TooLarge,
    /// A time value does not fit a 64-bit integer in the field's declared unit
    /// (only possible with the finer units: nanoseconds, or microseconds of a
    /// `TimeDelta`).
    TimeOutOfRange,
    /// The blob was written by an older version that has no slot for this field.
    FieldAbsent,
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot pack `{}`", self.type_name)?;
        if let Some(field) = self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl fmt::Display for PackErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PackErrorKind::TooLarge => "the fact would exceed 4 GiB",
            PackErrorKind::TimeOutOfRange => {
                "the time value does not fit 64 bits in the declared unit"
            }
            PackErrorKind::FieldAbsent => "the blob's version has no slot for this field",
        })
    }
}

impl std::error::Error for PackError {}

/// A validation failure before the type and field are attached to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// Offset in the blob.
    pub offset: usize,
    /// What is wrong.
    pub kind: ErrorKind,
}

impl Fault {
    /// A fault at `offset`.
    pub fn at(offset: usize, kind: ErrorKind) -> Self {
        Self { offset, kind }
    }
}
