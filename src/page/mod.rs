//! [`Page<T>`]: many facts of one type in one validated blob, for files,
//! messages and table rows alike.
//!
//! A page is a short header (magic bytes, a revision, the facts' version and
//! the type's fingerprints), the number of facts, an offset table with each
//! fact's end, then the facts' blobs back to back. `FORMAT.md` specifies it.
//! Validation checks the header against the fact type, the offset table, and
//! every fact; after it, the `i`-th fact is found in O(1) and read without a
//! copy, and the facts move into columns without being validated again.
//!
//! [`Page<T>`] owns its bytes (shared on clone, as [`Packed`] does);
//! [`PageView<'a, T>`] borrows them; [`PageBuilder<T>`] appends facts.

mod builder;
mod error;
pub(crate) mod frame;

use core::fmt;
use core::hash::{Hash, Hasher};
use core::iter::FusedIterator;
use core::marker::PhantomData;

use bytes::Bytes;

use crate::columns::{ColumnSource, Columns, ColumnsError};
use crate::error::{Error, ErrorKind};
use crate::facts::Facts;
use crate::packed::Packed;

pub use self::builder::PageBuilder;
pub use self::error::{PageError, PageErrorKind};
use self::frame::{Frame, Shape};

/// Checks that `bytes` are a whole page of `T`: its header, its offset
/// table, and every fact, each of the page's version.
fn validate<T: Facts>(bytes: &[u8]) -> Result<Frame<'_>, PageError> {
    let frame = Frame::parse(bytes, T::NAME, T::FINGERPRINTS, true)?;
    let version = frame.version();
    for i in 0..frame.len() {
        let (start, end) = frame.span(i).unwrap_or_default();
        let blob = bytes.get(start..end).unwrap_or_default();
        let blame = |error: Error| {
            PageError::fact(
                T::NAME,
                i,
                start.saturating_add(error.offset),
                PageErrorKind::Fact(error),
            )
        };
        T::validate(blob).map_err(blame)?;
        let found = blob.first().copied().unwrap_or(0);
        if found != version {
            return Err(blame(Error::header(
                T::NAME,
                0,
                ErrorKind::VersionMismatch {
                    expected: version,
                    found,
                },
            )));
        }
    }
    Ok(frame)
}

/// Many facts of type `T` in one validated blob: owned, immutable, shared
/// on clone.
///
/// Build one with [`PageBuilder`] (or [`Page::from_facts`]); read one from
/// bytes with [`Page::from_bytes`], which validates the whole page once.
/// Then [`get`](Self::get) finds the `i`-th fact in O(1), [`iter`](Self::iter)
/// visits them in order, and [`columns`](Self::columns) moves them into
/// columns without validating them again. Every fact of a page has the
/// page's version. Transient fields are not stored: a page's facts read
/// with their defaults.
///
/// Equality, ordering and hashing look at the bytes, and equal bytes are
/// equal pages: a page of the reader's version has exactly one encoding
/// (see `FORMAT.md` for pages of other versions).
///
/// ```
/// use factpack::{FactView, Facts, Page};
///
/// #[derive(Facts, Debug, Clone, PartialEq)]
/// pub struct Review {
///     pub comments: u32,
///     pub author: String,
/// }
///
/// let reviews = [
///     Review { comments: 3, author: "ana".into() },
///     Review { comments: 0, author: "bo".into() },
/// ];
/// let page = Page::from_facts(&reviews)?;        // one blob: a file, a message, a row
/// let bytes = page.as_bytes().to_vec();
///
/// let back = Page::<Review>::from_bytes(bytes)?;  // validated once, whole
/// assert_eq!(back.len(), 2);
/// assert_eq!(back.get(1).map(|r| r.author()), Some("bo"));  // O(1), no copy
/// assert_eq!(back.iter().map(|r| r.comments()).sum::<u32>(), 3);
/// let columns = back.columns()?;                   // no second validation
/// assert_eq!(columns.comments, [3, 0]);
/// assert_eq!(back.get(0).unwrap().unpack(), reviews[0]);
///
/// // The bytes of a page of another type are rejected.
/// #[derive(Facts, Debug, Clone, PartialEq)]
/// pub struct Other {
///     pub comments: u32,
/// }
/// assert!(Page::<Other>::from_bytes(back.into_bytes()).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Page<T: Facts> {
    bytes: Bytes,
    shape: Shape,
    fact: PhantomData<fn() -> T>,
}

impl<T: Facts> Page<T> {
    /// Validates `bytes` as a page of `T` and takes them over without
    /// copying (`Vec<u8>`, [`Bytes`], `&'static [u8]`, ...).
    ///
    /// # Errors
    /// A header that is not a page of `T` (magic bytes, revision, version,
    /// fingerprints), an offset table out of order or out of range, bytes
    /// after the last fact, or an invalid fact (or one of another version
    /// than the page), by its position. See [`PageErrorKind`].
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Result<Self, PageError> {
        let bytes = bytes.into();
        let shape = validate::<T>(&bytes)?.shape();
        Ok(Self {
            bytes,
            shape,
            fact: PhantomData,
        })
    }

    /// Validates `bytes` as a page of `T` and copies them.
    ///
    /// # Errors
    /// See [`from_bytes`](Self::from_bytes).
    pub fn copy_from_slice(bytes: &[u8]) -> Result<Self, PageError> {
        let shape = validate::<T>(bytes)?.shape();
        Ok(Self {
            bytes: Bytes::copy_from_slice(bytes),
            shape,
            fact: PhantomData,
        })
    }

    /// A page of `bytes` that [`PageBuilder`] wrote, found of `shape`.
    pub(crate) fn from_built(bytes: Bytes, shape: Shape) -> Self {
        Self {
            bytes,
            shape,
            fact: PhantomData,
        }
    }

    /// Packs every fact of `facts` into a page of the current version.
    ///
    /// # Errors
    /// A fact that cannot be packed ([`PageErrorKind::Pack`], by its
    /// position), or a page past 4 GiB ([`PageErrorKind::TooLarge`]).
    pub fn from_facts<'a>(facts: impl IntoIterator<Item = &'a T>) -> Result<Self, PageError> {
        let mut builder = PageBuilder::new();
        for fact in facts {
            builder.push(fact)?;
        }
        Ok(builder.finish())
    }

    /// The borrowed form.
    #[inline]
    pub fn view(&self) -> PageView<'_, T> {
        PageView {
            frame: Frame::checked(&self.bytes, self.shape),
            fact: PhantomData,
        }
    }

    /// The page's bytes: what to store or send.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The page's bytes, shared.
    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }

    /// How many facts the page holds.
    #[inline]
    pub fn len(&self) -> usize {
        self.view().len()
    }

    /// Whether the page holds no fact.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The version of every fact of the page.
    #[inline]
    pub fn version(&self) -> u8 {
        self.view().version()
    }

    /// The `i`-th fact, in O(1); `None` past the last.
    #[inline]
    pub fn get(&self, i: usize) -> Option<T::View<'_>> {
        self.view().get(i)
    }

    /// The bytes of the `i`-th fact, a valid blob of `T`; `None` past the last.
    #[inline]
    pub fn blob(&self, i: usize) -> Option<&[u8]> {
        self.view().blob(i)
    }

    /// The `i`-th fact as an owned [`Packed`], sharing the page's bytes
    /// (no copy); `None` past the last.
    pub fn packed(&self, i: usize) -> Option<Packed<T>> {
        let (start, end) = self.view().frame.span(i)?;
        Some(Packed::from_validated(
            self.bytes.slice(start..end),
            T::Transient::default(),
        ))
    }

    /// The facts, in order.
    #[inline]
    pub fn iter(&self) -> Iter<'_, T> {
        self.view().iter()
    }

    /// The columns of the page's facts, in one pass, without validating
    /// them again.
    ///
    /// # Errors
    /// See [`PageView::columns`].
    pub fn columns(&self) -> Result<T::Columns, ColumnsError> {
        self.view().columns()
    }
}

/// A fact of a validated page, as a source of columns that need not
/// validate it again.
struct Checked<'a>(&'a [u8]);

impl<T: Facts> ColumnSource<T> for Checked<'_> {
    const VALIDATED: bool = true;

    #[inline(always)]
    fn bytes(&self) -> &[u8] {
        self.0
    }
}

/// Many facts of type `T` in one validated blob, borrowed: the view of a
/// [`Page`], or of bytes validated in place (read from a file, a message,
/// a database row) with [`PageView::from_bytes`].
pub struct PageView<'a, T: Facts> {
    frame: Frame<'a>,
    fact: PhantomData<fn() -> T>,
}

impl<'a, T: Facts> PageView<'a, T> {
    /// Validates `bytes` as a page of `T`, without copying.
    ///
    /// # Errors
    /// See [`Page::from_bytes`].
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Self, PageError> {
        Ok(Self {
            frame: validate::<T>(bytes)?,
            fact: PhantomData,
        })
    }

    /// The page's bytes.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.frame.bytes()
    }

    /// How many facts the page holds.
    #[inline]
    pub fn len(&self) -> usize {
        self.frame.len()
    }

    /// Whether the page holds no fact.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The version of every fact of the page.
    #[inline]
    pub fn version(&self) -> u8 {
        self.frame.version()
    }

    /// The `i`-th fact, in O(1); `None` past the last.
    #[inline]
    pub fn get(&self, i: usize) -> Option<T::View<'a>> {
        self.frame.blob(i).map(T::view_unvalidated)
    }

    /// The bytes of the `i`-th fact, a valid blob of `T`; `None` past the last.
    #[inline]
    pub fn blob(&self, i: usize) -> Option<&'a [u8]> {
        self.frame.blob(i)
    }

    /// The facts, in order.
    #[inline]
    pub fn iter(&self) -> Iter<'a, T> {
        Iter {
            frame: self.frame,
            front: 0,
            back: self.frame.len(),
            fact: PhantomData,
        }
    }

    /// The columns of the page's facts, in one pass: allocated once for
    /// the page's count, the facts not validated again.
    ///
    /// # Errors
    /// [`ColumnsError::Full`] when a string or list column would pass
    /// Arrow's `i32` offsets, or [`ColumnsError::Default`] for a fact of an
    /// older version whose missing field's declared default its unit cannot
    /// hold; the position is the fact's in the page.
    pub fn columns(&self) -> Result<T::Columns, ColumnsError> {
        T::Columns::from_sources(self.frame.blobs().map(Checked))
    }

    /// Copies the page into an owned [`Page`].
    pub fn to_page(&self) -> Page<T> {
        Page::from_built(Bytes::copy_from_slice(self.as_bytes()), self.frame.shape())
    }
}

impl<T: Facts> Clone for PageView<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Facts> Copy for PageView<'_, T> {}

/// The facts of a page, in order: views of the page's bytes.
pub struct Iter<'a, T: Facts> {
    frame: Frame<'a>,
    front: usize,
    back: usize,
    fact: PhantomData<fn() -> T>,
}

impl<T: Facts> Clone for Iter<'_, T> {
    fn clone(&self) -> Self {
        Self {
            frame: self.frame,
            front: self.front,
            back: self.back,
            fact: PhantomData,
        }
    }
}

impl<'a, T: Facts> Iterator for Iter<'a, T> {
    type Item = T::View<'a>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        let blob = self.frame.blob(self.front)?;
        self.front = self.front.saturating_add(1);
        Some(T::view_unvalidated(blob))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back.saturating_sub(self.front);
        (n, Some(n))
    }

    fn nth(&mut self, n: usize) -> Option<Self::Item> {
        self.front = self.front.saturating_add(n).min(self.back);
        self.next()
    }
}

impl<T: Facts> DoubleEndedIterator for Iter<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        self.back = self.back.saturating_sub(1);
        self.frame.blob(self.back).map(T::view_unvalidated)
    }
}

impl<T: Facts> ExactSizeIterator for Iter<'_, T> {}

impl<T: Facts> FusedIterator for Iter<'_, T> {}

impl<'a, T: Facts> IntoIterator for &'a Page<T> {
    type Item = T::View<'a>;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<'a, T: Facts> IntoIterator for PageView<'a, T> {
    type Item = T::View<'a>;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T: Facts> Clone for Page<T> {
    fn clone(&self) -> Self {
        Self {
            bytes: self.bytes.clone(),
            shape: self.shape,
            fact: PhantomData,
        }
    }
}

impl<T: Facts> PartialEq for Page<T> {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl<T: Facts> Eq for Page<T> {}

impl<T: Facts> PartialOrd for Page<T> {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: Facts> Ord for Page<T> {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.bytes.cmp(&other.bytes)
    }
}

impl<T: Facts> Hash for Page<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.bytes.hash(state);
    }
}

impl<T: Facts> AsRef<[u8]> for Page<T> {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl<T: Facts> fmt::Debug for Page<T> {
    /// Prints the facts' fields, not the bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.view(), f)
    }
}

impl<T: Facts> fmt::Debug for PageView<'_, T> {
    /// Prints the facts' fields, not the bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Facts> Default for Page<T> {
    /// The empty page of the current version.
    fn default() -> Self {
        PageBuilder::new().finish()
    }
}

impl<T: Facts> TryFrom<Bytes> for Page<T> {
    type Error = PageError;

    fn try_from(bytes: Bytes) -> Result<Self, PageError> {
        Self::from_bytes(bytes)
    }
}

impl<T: Facts> TryFrom<Vec<u8>> for Page<T> {
    type Error = PageError;

    fn try_from(bytes: Vec<u8>) -> Result<Self, PageError> {
        Self::from_bytes(bytes)
    }
}

impl<T: Facts> From<Page<T>> for Bytes {
    fn from(page: Page<T>) -> Bytes {
        page.bytes
    }
}
