//! [`PageError`]: bytes that are not a valid page, or facts that cannot be
//! put in one.

use core::fmt;

use crate::error::{Error, PackError};

/// Bytes that do not hold a valid page of the expected fact type, or a page
/// that cannot be built.
///
/// Every error names the fact type, the byte offset in the page where the
/// problem was found and, when one fact is to blame, its position in the page.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageError {
    /// The fact type of the page.
    pub type_name: &'static str,
    /// The position of the fact to blame (0 for the first), or `None` when
    /// the page's header is bad.
    pub fact: Option<usize>,
    /// Byte offset in the page where the problem was found.
    pub offset: usize,
    /// What is wrong.
    pub kind: PageErrorKind,
}

/// What is wrong with a page; the payload of [`PageError`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageErrorKind {
    /// The page ends before a structure that must be there: its header, the
    /// fingerprints, the count, or the offset table the count implies.
    Truncated {
        /// Bytes needed to hold the structure.
        needed: usize,
        /// Bytes available.
        len: usize,
    },
    /// The page does not start with the magic bytes `FPG`: it is not a page.
    NotAPage {
        /// The first bytes found.
        found: [u8; 3],
    },
    /// A page revision this code does not read.
    UnknownRevision {
        /// The revision found.
        found: u8,
    },
    /// The page's version is 0, which no fact type has.
    ZeroVersion,
    /// The page's fingerprint of a version differs from the fact type's: a
    /// page of another type, or of another layout of this one.
    FingerprintMismatch {
        /// The version whose fingerprint differs.
        version: u8,
        /// The fact type's fingerprint of that version.
        expected: u64,
        /// The fingerprint stored in the page.
        found: u64,
    },
    /// A fact's end offset lies before its start (the previous fact's end).
    EndBackwards {
        /// Where the fact starts.
        start: usize,
        /// The end offset stored in the offset table.
        end: usize,
    },
    /// A fact's end offset lies past the end of the page.
    EndOutOfRange {
        /// The end offset stored in the offset table.
        end: usize,
        /// The length of the page.
        len: usize,
    },
    /// Bytes follow the last fact.
    TrailingBytes {
        /// Where the page should have ended.
        expected_len: usize,
        /// The length of the page.
        len: usize,
    },
    /// A fact is not a valid blob of the type, or is of another version than
    /// its page ([`ErrorKind::VersionMismatch`](crate::ErrorKind::VersionMismatch)).
    /// The error's offset is inside the fact.
    Fact(Error),
    /// A fact cannot be packed.
    Pack(PackError),
    /// The page would pass 4 GiB or 2^32 - 1 facts, which its `u32` offsets
    /// and count cannot address.
    TooLarge,
}

impl PageError {
    /// An error about the page's header (no fact to blame).
    pub(crate) fn header(type_name: &'static str, offset: usize, kind: PageErrorKind) -> Self {
        Self {
            type_name,
            fact: None,
            offset,
            kind,
        }
    }

    /// An error about the fact at `position`.
    pub(crate) fn fact(
        type_name: &'static str,
        position: usize,
        offset: usize,
        kind: PageErrorKind,
    ) -> Self {
        Self {
            type_name,
            fact: Some(position),
            offset,
            kind,
        }
    }
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid page of `{}`", self.type_name)?;
        if let Some(fact) = self.fact {
            write!(f, ", fact {fact}")?;
        }
        write!(f, " at byte {}: {}", self.offset, self.kind)
    }
}

impl fmt::Display for PageErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { needed, len } => {
                write!(f, "truncated: needs {needed} bytes, has {len}")
            }
            Self::NotAPage { found: [a, b, c] } => write!(
                f,
                "starts with {a:#04x} {b:#04x} {c:#04x}, not the magic bytes `FPG`"
            ),
            Self::UnknownRevision { found } => {
                write!(f, "page revision {found}, this code reads revision 1")
            }
            Self::ZeroVersion => f.write_str("version 0 is never written"),
            Self::FingerprintMismatch {
                version,
                expected,
                found,
            } => write!(
                f,
                "fingerprint {found:#018x} of version {version}, the type's is {expected:#018x}"
            ),
            Self::EndBackwards { start, end } => {
                write!(f, "fact ends at {end}, before its start {start}")
            }
            Self::EndOutOfRange { end, len } => {
                write!(f, "fact ends at {end}, past the end of the {len}-byte page")
            }
            Self::TrailingBytes { expected_len, len } => {
                write!(f, "{len} bytes where the facts end at {expected_len}")
            }
            Self::Fact(error) => write!(f, "{error}"),
            Self::Pack(error) => write!(f, "{error}"),
            Self::TooLarge => f.write_str("the page would pass 4 GiB or 2^32 - 1 facts"),
        }
    }
}

impl std::error::Error for PageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            PageErrorKind::Fact(error) => Some(error),
            PageErrorKind::Pack(error) => Some(error),
            _ => None,
        }
    }
}
