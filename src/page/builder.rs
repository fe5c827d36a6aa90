//! [`PageBuilder<T>`]: a page of facts, appended one at a time.

use core::fmt;
use core::marker::PhantomData;

use bytes::Bytes;

use crate::error::{Error, ErrorKind};
use crate::facts::Facts;
use crate::packed::Packed;

use super::error::{PageError, PageErrorKind};
use super::frame::{encode_into, head_len, Frame};
use super::Page;

/// Builds a [`Page`] by appending facts: packed on the way ([`push`](Self::push)),
/// or already packed ([`push_packed`](Self::push_packed), and
/// [`push_blob`](Self::push_blob), which validates the bytes).
///
/// Every fact of a page has the page's version: the current one, unless
/// [`with_version`](Self::with_version) says otherwise.
///
/// ```
/// use factpack::{Facts, PageBuilder};
///
/// #[derive(Facts, Debug, Clone, PartialEq)]
/// pub struct Tick {
///     pub at: i64,
/// }
///
/// let mut builder = PageBuilder::new();
/// builder.push(&Tick { at: 1 })?;
/// builder.push_packed(&Tick { at: 2 }.pack())?;
/// builder.push_blob(Tick { at: 3 }.pack().as_bytes())?;
/// let page = builder.finish();
/// assert_eq!(page.len(), 3);
/// # Ok::<(), factpack::PageError>(())
/// ```
pub struct PageBuilder<T: Facts> {
    version: u8,
    /// The facts' blobs, back to back.
    data: Vec<u8>,
    /// Each fact's end in `data`.
    ends: Vec<usize>,
    fact: PhantomData<fn() -> T>,
}

impl<T: Facts> Default for PageBuilder<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Facts> fmt::Debug for PageBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageBuilder")
            .field("type", &T::NAME)
            .field("version", &self.version)
            .field("facts", &self.ends.len())
            .field("bytes", &self.data.len())
            .finish()
    }
}

impl<T: Facts> PageBuilder<T> {
    /// An empty page of the current version.
    pub fn new() -> Self {
        Self {
            version: T::VERSION,
            data: Vec::new(),
            ends: Vec::new(),
            fact: PhantomData,
        }
    }

    /// An empty page of `version`, to hold facts an older version wrote;
    /// `None` for a version this code does not know.
    pub fn with_version(version: u8) -> Option<Self> {
        T::fingerprint_at(version)?;
        Some(Self {
            version,
            ..Self::new()
        })
    }

    /// How many facts are in.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether no fact is in.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The error for the fact that would take position `len`.
    fn blame(&self, kind: PageErrorKind) -> PageError {
        let offset =
            head_len(usize::from(self.version), self.len()).saturating_add(self.data.len());
        PageError::fact(T::NAME, self.len(), offset, kind)
    }

    /// Records the end of the fact just appended to `data`, or takes it
    /// back out when the page would pass 4 GiB or `u32` facts.
    fn commit(&mut self, start: usize) -> Result<(), PageError> {
        let count = self.len().saturating_add(1);
        let total = head_len(usize::from(self.version), count).saturating_add(self.data.len());
        if u32::try_from(total).is_err() || u32::try_from(count).is_err() {
            self.data.truncate(start);
            return Err(self.blame(PageErrorKind::TooLarge));
        }
        self.ends.push(self.data.len());
        Ok(())
    }

    /// Packs `fact` and appends it.
    ///
    /// # Errors
    /// [`PageErrorKind::Pack`] when the fact cannot be packed,
    /// [`PageErrorKind::Fact`] with a version mismatch for a builder of an
    /// older version (which `pack` does not write), or
    /// [`PageErrorKind::TooLarge`]; the builder is unchanged then.
    pub fn push(&mut self, fact: &T) -> Result<(), PageError> {
        self.check_version(T::VERSION)?;
        let start = self.data.len();
        fact.pack_into(&mut self.data)
            .map_err(|e| self.blame(PageErrorKind::Pack(e)))?;
        self.commit(start)
    }

    /// Appends a packed fact.
    ///
    /// # Errors
    /// A fact of another version than the page's, or a page past 4 GiB;
    /// the builder is unchanged then.
    pub fn push_packed(&mut self, fact: &Packed<T>) -> Result<(), PageError> {
        self.check_version(fact.version())?;
        let start = self.data.len();
        self.data.extend_from_slice(fact.as_bytes());
        self.commit(start)
    }

    /// Validates `blob` as a fact of `T` and appends it.
    ///
    /// # Errors
    /// Bytes that are not a valid fact, or one of another version than the
    /// page's ([`PageErrorKind::Fact`]), or a page past 4 GiB; the builder
    /// is unchanged then.
    pub fn push_blob(&mut self, blob: &[u8]) -> Result<(), PageError> {
        T::validate(blob).map_err(|e| self.blame(PageErrorKind::Fact(e)))?;
        self.check_version(blob.first().copied().unwrap_or(0))?;
        let start = self.data.len();
        self.data.extend_from_slice(blob);
        self.commit(start)
    }

    fn check_version(&self, found: u8) -> Result<(), PageError> {
        if found == self.version {
            return Ok(());
        }
        Err(self.blame(PageErrorKind::Fact(Error::header(
            T::NAME,
            0,
            ErrorKind::VersionMismatch {
                expected: self.version,
                found,
            },
        ))))
    }

    /// The page of the facts appended.
    pub fn finish(self) -> Page<T> {
        let fingerprints = T::FINGERPRINTS
            .get(..usize::from(self.version))
            .unwrap_or_default();
        let blobs = (0..self.ends.len()).map(|i| {
            let start = i
                .checked_sub(1)
                .and_then(|p| self.ends.get(p))
                .copied()
                .unwrap_or(0);
            let end = self.ends.get(i).copied().unwrap_or(start);
            self.data.get(start..end).unwrap_or_default()
        });
        let mut out = Vec::new();
        // The pushes kept the page within `u32` offsets and counts, and the
        // version is one `T` knows: encoding cannot fail, nor parsing after it.
        let _ = encode_into(&mut out, T::NAME, fingerprints, blobs);
        let shape = Frame::parse(&out, T::NAME, &[], true)
            .map(|f| f.shape())
            .unwrap_or_default();
        Page::from_built(Bytes::from(out), shape)
    }
}
