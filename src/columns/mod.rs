//! Many facts into one struct of arrays, in one pass.
//!
//! `#[derive(Facts)]` generates `FooColumns` beside `Foo`: one public field per
//! field of `Foo`, each the [`FieldColumn::Column`] of its type.
//!
//! | field type | column |
//! |---|---|
//! | integers, floats | `Vec<T>` |
//! | `bool` | [`Bitmap`] |
//! | `DateTime<Utc>`, `NaiveDateTime`, `TimeDelta` | `Vec<i64>` in the field's unit |
//! | `NaiveDate` | `Vec<i32>`, days since 1970-01-01 |
//! | `[u8; N]`, `[T; N]` | [`ArrayColumn`] of `u8`'s or `T`'s column, `N` elements a row (Arrow `FixedSizeBinary`, `FixedSizeList`) |
//! | a tuple `(A, B, ..)` | a tuple of `A`'s, `B`'s, .. columns (Arrow `Struct`, children named `0`, `1`, ..) |
//! | a nested fact `Bar` | `BarColumns` |
//! | a fieldless enum (`#[derive(FactEnum)]`) | `Vec` of its integer type: the stored discriminants |
//! | an enum whose variants carry data | `Vec` of its integer type: each row's tag (the values are not in columns); a `Vec` of them, a [`ListColumn`] of tags |
//! | `String` | [`StringColumn`] (Arrow `Utf8`: offsets + bytes) |
//! | `Vec<T>` | [`ListColumn`] of `T`'s column (Arrow `List`) |
//! | `Vec<String>` | [`ListColumn<StringColumn>`] (Arrow `List<Utf8>`) |
//! | `Option<T>` | [`Nullable`] of `T`'s column: values + validity bitmap |
//! | `#[facts(transient)] T` | [`TransientColumn<T>`]: `Some` from a [`Packed`], `None` from bytes (not written out) |
//!
//! The buffers are Arrow's, so with the `arrow` feature a `FooColumns` becomes
//! a `RecordBatch` without copying (`into_record_batch`).
//!
//! Columns are built from any iterator of [`ColumnSource`]s: byte slices and
//! `Vec`s (validated on the way), [`Packed`] values and views (validated
//! already). A blob of an older version lands with the fields it predates
//! null, or at their declared default.

mod block;
mod buffers;
mod compound;
mod leaf;
pub(crate) mod shape;
mod transient;

#[cfg(feature = "arrow")]
pub mod arrow;

use core::fmt;

#[doc(hidden)]
pub use block::HeaderByte;
pub use buffers::{Bitmap, ColumnData, ListColumn, Nullable, StringColumn};
pub use compound::ArrayColumn;
// How the generated columns are filled, a block of facts at a time: the
// derive's, not the user's.
#[doc(hidden)]
pub use leaf::{FixedColumn, Spans};
pub use shape::FieldColumn;
pub use transient::{Iter as TransientIter, TransientColumn};

use crate::error::{Error, PackErrorKind};
use crate::facts::{Facts, FieldRef};
use crate::packed::Packed;

/// After how many facts building columns sizes the payload buffers for the
/// rest of an iterator of known length.
const PAYLOAD_SAMPLE: usize = 1024;

/// Sizes the payload buffers (string bytes, list elements) of columns being
/// filled once, when the first [`PAYLOAD_SAMPLE`] new rows show how large
/// payloads run, for the rows still to come: one allocation each instead of
/// doubling their way up.
pub(crate) struct PayloadSample {
    /// The columns' row count before filling began.
    start: usize,
    /// The row count they are expected to reach; `None` once sized (or when
    /// unknown).
    total: Option<usize>,
}

impl PayloadSample {
    /// Filling columns that hold `start` rows up to about `total`.
    pub(crate) fn new(start: usize, total: Option<usize>) -> Self {
        Self { start, total }
    }

    /// Called as rows go in: sizes the payload buffers once enough are in.
    pub(crate) fn check(&mut self, columns: &mut impl ColumnData) {
        let Some(total) = self.total else {
            return;
        };
        let rows = columns.len();
        if rows.saturating_sub(self.start) >= PAYLOAD_SAMPLE {
            if total > rows {
                columns.reserve_payloads(total.saturating_sub(rows));
            }
            self.total = None;
        }
    }
}

/// How many facts go into columns together, field by field.
#[doc(hidden)]
pub const BLOCK: usize = 64;

/// The bytes of `source`, validated unless the source vouches for them.
#[inline]
fn validated<T: Facts, S: ColumnSource<T>>(
    source: &S,
    position: usize,
) -> Result<&[u8], ColumnsError> {
    if source.is_body() {
        return Err(ColumnsError::Body {
            position,
            type_name: T::NAME,
        });
    }
    let blob = source.bytes();
    if !source.is_validated() {
        T::validate(blob).map_err(|error| ColumnsError::Invalid { position, error })?;
    }
    Ok(blob)
}

/// Refuses a fact of `bytes` that would take a column's offsets past `i32::MAX`.
#[inline]
fn ensure_room<T: Facts>(
    column: &impl ColumnData,
    bytes: usize,
    position: usize,
) -> Result<(), ColumnsError> {
    if column.has_room(bytes) {
        Ok(())
    } else {
        Err(ColumnsError::Full {
            position,
            type_name: T::NAME,
        })
    }
}

/// Appends a validated fact, unless the columns are full.
fn push_checked<C: Columns>(
    columns: &mut C,
    blob: &[u8],
    transient: Option<&<C::Fact as Facts>::Transient>,
    position: usize,
) -> Result<(), ColumnsError> {
    let name = <C::Fact as Facts>::NAME;
    ensure_room::<C::Fact>(columns, blob.len(), position)?;
    let rows = columns.len();
    <C::Fact as FillColumns>::push_validated(columns, blob, transient).map_err(|(field, kind)| {
        columns.truncate(rows); // the fields pushed before the failing one
        ColumnsError::Default {
            position,
            type_name: name,
            field,
            kind,
        }
    })
}

/// Appends a block of at most [`BLOCK`] sources, the first at `first`.
fn push_sources<C: Columns, S: ColumnSource<C::Fact>>(
    columns: &mut C,
    sources: &[S],
    first: usize,
) -> Result<(), ColumnsError> {
    let mut blobs: [&[u8]; BLOCK] = [&[]; BLOCK];
    let mut transients: [Option<&<C::Fact as Facts>::Transient>; BLOCK] = [None; BLOCK];
    let mut count = 0usize;
    let mut total = 0usize;
    let mut invalid = None;
    for ((source, blob), transient) in sources.iter().zip(&mut blobs).zip(&mut transients) {
        *blob = match validated(source, first.saturating_add(count)) {
            Ok(bytes) => bytes,
            Err(error) => {
                invalid = Some(error);
                break;
            }
        };
        *transient = source.transient();
        total = total.saturating_add(blob.len());
        count = count.saturating_add(1);
    }
    let blobs = blobs.get(..count).unwrap_or_default();
    let transients = transients.get(..count).unwrap_or_default();
    let pushed =
        columns.has_room(total) && <C::Fact as FillColumns>::push_block(columns, blobs, transients);
    if !pushed {
        for (i, (blob, transient)) in blobs.iter().zip(transients).enumerate() {
            push_checked(columns, blob, *transient, first.saturating_add(i))?;
        }
    }
    invalid.map_or(Ok(()), Err)
}

/// How `#[derive(Facts)]` fills a fact type's columns from validated
/// bytes, for [`Columns`]' methods to call: the derive's, not the user's.
#[doc(hidden)]
pub trait FillColumns: Facts {
    /// Appends a fact from bytes that [`Facts::validate`] accepted and that
    /// [`has_room`](ColumnData::has_room) for, with its transient fields if known.
    ///
    /// # Errors
    /// A declared default, standing in for a field the blob's version
    /// predates, that its unit cannot hold: the field's name. Columns before
    /// it may have been appended to; the caller truncates them.
    fn push_validated(
        columns: &mut Self::Columns,
        blob: &[u8],
        transient: Option<&Self::Transient>,
    ) -> Result<(), (&'static str, PackErrorKind)>;

    /// Appends a block of at most [`BLOCK`] facts that [`Facts::validate`]
    /// accepted, field by field, if every one is of the current version;
    /// otherwise appends nothing and returns `false`. `transients` is empty
    /// or holds one entry per blob.
    fn push_block(
        columns: &mut Self::Columns,
        blobs: &[&[u8]],
        transients: &[Option<&Self::Transient>],
    ) -> bool;
}

/// The struct of arrays of a fact type: `FooColumns`, generated by `#[derive(Facts)]`.
///
/// [`Facts::columns`] builds them in one call; this trait also fills them
/// bit by bit.
///
/// ```
/// use factpack::columns::ColumnData as _;
/// use factpack::{Columns, Facts};
///
/// #[derive(Facts, Debug, Clone, PartialEq)]
/// struct Build {
///     number: u32,
/// }
///
/// let blobs: Vec<Vec<u8>> = (0..3).map(|n| Build { number: n }.pack().as_bytes().to_vec()).collect();
/// let mut columns = BuildColumns::with_capacity(4);
/// columns.extend_from(&blobs)?;                     // validated on the way
/// columns.push(Build { number: 9 }.pack())?;
/// assert_eq!(columns.number, [0, 1, 2, 9]);
/// assert!(columns.push(&blobs[0][..2]).is_err());   // a truncated blob
/// assert_eq!(columns.len(), 4);                      // nothing appended
/// # Ok::<(), factpack::ColumnsError>(())
/// ```
pub trait Columns: ColumnData {
    /// The fact type whose fields these are.
    type Fact: Facts<Columns = Self> + FillColumns;

    /// Empty columns with room for `rows` facts.
    fn with_capacity(rows: usize) -> Self {
        let mut columns = Self::default();
        columns.reserve(rows);
        columns
    }

    /// Appends one fact; `position` is what an error reports as its place in the input.
    ///
    /// # Errors
    /// See [`ColumnsError`]; nothing is appended then.
    fn push_at<S: ColumnSource<Self::Fact>>(
        &mut self,
        source: &S,
        position: usize,
    ) -> Result<(), ColumnsError> {
        let blob = validated(source, position)?;
        push_checked(self, blob, source.transient(), position)
    }

    /// Appends one fact.
    ///
    /// # Errors
    /// See [`ColumnsError`]; the position reported is the row it would have taken.
    fn push<S: ColumnSource<Self::Fact>>(&mut self, source: S) -> Result<(), ColumnsError> {
        let position = self.len();
        self.push_at(&source, position)
    }

    /// Appends every fact of `sources`, in one pass.
    ///
    /// # Errors
    /// The first invalid source, by its position in `sources`. The facts
    /// before it stay appended; nothing of it or after it is.
    fn extend_from<I>(&mut self, sources: I) -> Result<(), ColumnsError>
    where
        I: IntoIterator,
        I::Item: ColumnSource<Self::Fact>,
    {
        let mut sources = sources.into_iter();
        let expected = sources.size_hint().0;
        self.reserve(expected);
        // Facts go in blocks: validated one by one, then appended one field
        // of the whole block at a time, which keeps each column's writes in
        // one tight loop.
        let mut block: Vec<I::Item> = Vec::with_capacity(BLOCK.min(expected.max(1)));
        let mut position = 0usize;
        let mut sample = PayloadSample::new(self.len(), Some(self.len().saturating_add(expected)));
        loop {
            block.clear();
            block.extend(sources.by_ref().take(BLOCK));
            if block.is_empty() {
                return Ok(());
            }
            push_sources(self, &block, position)?;
            position = position.saturating_add(block.len());
            sample.check(self);
        }
    }

    /// Builds the columns of every fact of `sources`, in one pass: exactly
    /// preallocated when the iterator knows its length, growing otherwise.
    ///
    /// # Errors
    /// The first invalid source, by its position in `sources`.
    fn from_sources<I>(sources: I) -> Result<Self, ColumnsError>
    where
        I: IntoIterator,
        I::Item: ColumnSource<Self::Fact>,
    {
        let mut columns = Self::default();
        columns.extend_from(sources)?;
        Ok(columns)
    }
}

/// Something a fact can be read from into columns: bytes, a [`Packed`] fact or a view.
///
/// Implement it for a type of your own that holds a fact's bytes, such as a
/// row read from a database, to build columns straight from those rows:
///
/// ```
/// use factpack::{ColumnSource, Facts};
///
/// #[derive(Facts, Debug, Clone, PartialEq)]
/// struct Build {
///     number: u32,
/// }
///
/// struct Row {
///     id: i64,
///     data: Vec<u8>,
/// }
///
/// impl ColumnSource<Build> for &Row {
///     const VALIDATED: bool = false; // bytes from outside: validate them
///     fn bytes(&self) -> &[u8] {
///         &self.data
///     }
/// }
///
/// let rows: Vec<Row> = (0..3)
///     .map(|id| Row { id, data: Build { number: id as u32 * 2 }.pack().as_bytes().to_vec() })
///     .collect();
/// let columns = Build::columns(&rows)?;
/// assert_eq!(columns.number, [0, 2, 4]);
/// assert_eq!(rows[2].id, 2);
/// # Ok::<(), factpack::ColumnsError>(())
/// ```
pub trait ColumnSource<T: Facts> {
    /// Whether the bytes are known to be valid (a [`Packed`] or a view), so
    /// that building columns skips validating them again. Say `false` unless
    /// the type only ever holds bytes that [`Facts::validate`] accepted: on
    /// invalid bytes taken as valid, the columns hold meaningless values
    /// (never a panic).
    const VALIDATED: bool;

    /// The fact's bytes.
    fn bytes(&self) -> &[u8];

    /// The fact's transient fields, when the source carries them.
    fn transient(&self) -> Option<&T::Transient> {
        None
    }

    /// Whether this value's bytes are known to be a valid fact:
    /// [`VALIDATED`](Self::VALIDATED) unless overridden, for a source type
    /// that knows it per value (say, rows some of which were checked).
    #[inline(always)]
    fn is_validated(&self) -> bool {
        Self::VALIDATED
    }

    /// Whether the bytes are the body of a nested fact or list element, not
    /// a blob: such a source is refused ([`ColumnsError::Body`]), since a
    /// body can look like a valid blob of an older version. Views of nested
    /// facts say `true`; every other source keeps the default, `false`.
    #[inline(always)]
    fn is_body(&self) -> bool {
        false
    }
}

/// Implements [`ColumnSource`] for byte containers, validated on the way.
macro_rules! bytes_source {
    ($($ty:ty),*) => {$(
        impl<T: Facts> ColumnSource<T> for $ty {
            const VALIDATED: bool = false;

            #[inline(always)]
            fn bytes(&self) -> &[u8] {
                self
            }
        }
    )*};
}

bytes_source!(&[u8], Vec<u8>, &Vec<u8>, bytes::Bytes, &bytes::Bytes);

impl<T: Facts> ColumnSource<T> for Packed<T> {
    const VALIDATED: bool = true;

    #[inline(always)]
    fn bytes(&self) -> &[u8] {
        self.as_bytes()
    }

    fn transient(&self) -> Option<&T::Transient> {
        Some(Packed::transient(self))
    }
}

impl<T: Facts> ColumnSource<T> for &Packed<T> {
    const VALIDATED: bool = true;

    #[inline(always)]
    fn bytes(&self) -> &[u8] {
        self.as_bytes()
    }

    fn transient(&self) -> Option<&T::Transient> {
        Some(Packed::transient(self))
    }
}

/// Why a fact could not join the columns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ColumnsError {
    /// The bytes at `position` of the input are not a valid fact.
    Invalid {
        /// Where in the input.
        position: usize,
        /// What is wrong with them.
        error: Error,
    },
    /// The fact at `position` would take a string or list column's offsets
    /// past `i32::MAX` (Arrow's limit): split the input.
    Full {
        /// Where in the input.
        position: usize,
        /// The fact type.
        type_name: &'static str,
    },
    /// The fact at `position` predates `field`, whose declared default its
    /// unit cannot hold.
    Default {
        /// Where in the input.
        position: usize,
        /// The fact type.
        type_name: &'static str,
        /// The field.
        field: &'static str,
        /// Why the default does not fit.
        kind: PackErrorKind,
    },
    /// The source at `position` is the view of a nested fact or list
    /// element, whose bytes are its body without a blob's prefix: build the
    /// nested type's columns from its blobs ([`FactView::unpack`] then
    /// [`Facts::pack`]), or the parent's columns, which hold the nested
    /// fields.
    ///
    /// [`FactView::unpack`]: crate::FactView::unpack
    /// [`Facts::pack`]: crate::Facts::pack
    Body {
        /// Where in the input.
        position: usize,
        /// The fact type.
        type_name: &'static str,
    },
}

impl ColumnsError {
    /// Where in the input the failing fact was.
    pub fn position(&self) -> usize {
        match self {
            ColumnsError::Invalid { position, .. }
            | ColumnsError::Full { position, .. }
            | ColumnsError::Default { position, .. }
            | ColumnsError::Body { position, .. } => *position,
        }
    }
}

impl fmt::Display for ColumnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnsError::Invalid { position, error } => {
                write!(f, "input {position}: {error}")
            }
            ColumnsError::Full {
                position,
                type_name,
            } => write!(
                f,
                "input {position}: {type_name} columns are full: a string or list column would pass 2^31 - 1 bytes or elements"
            ),
            ColumnsError::Default {
                position,
                type_name,
                field,
                kind,
            } => write!(
                f,
                "input {position}: {type_name}.{field} predates the blob's version and its default cannot be stored: {kind}"
            ),
            ColumnsError::Body {
                position,
                type_name,
            } => write!(
                f,
                "input {position}: a view of a nested {type_name} holds its body, not a blob"
            ),
        }
    }
}

impl std::error::Error for ColumnsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ColumnsError::Invalid { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl<T: Facts, F: FieldColumn<U>, const U: u8> FieldRef<T, F, U> {
    /// Extracts this one field of many facts into its column (Athenian's
    /// `vectorize_field`): a `Vec` for a fixed field; for a variable-length
    /// one, its values and `N + 1` offsets starting at 0.
    ///
    /// Every source is validated (unless it is a [`Packed`] or a view); a fact
    /// whose version predates the field gives its declared default, or a null row.
    ///
    /// # Errors
    /// The first invalid source, by its position.
    pub fn column<I>(&self, sources: I) -> Result<F::Column, ColumnsError>
    where
        I: IntoIterator,
        I::Item: ColumnSource<T>,
    {
        let sources = sources.into_iter();
        let mut column = F::Column::default();
        column.reserve(sources.size_hint().0);
        for (position, source) in sources.enumerate() {
            let blob = validated(&source, position)?;
            ensure_room::<T>(&column, blob.len(), position)?;
            if self.is_in(blob) {
                F::push(&mut column, blob, self.slot());
            } else if let Some(default) = self.absent() {
                F::push_value(&mut column, &default()).map_err(|kind| ColumnsError::Default {
                    position,
                    type_name: T::NAME,
                    field: self.name(),
                    kind,
                })?;
            } else {
                F::push_absent(&mut column);
            }
        }
        Ok(column)
    }
}
