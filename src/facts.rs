//! The [`Facts`] trait that `#[derive(Facts)]` implements, its views, and
//! the typed handle of every field.

use core::fmt;
use core::marker::PhantomData;

use crate::columns::{ColumnSource, Columns, ColumnsError};
use crate::error::{Error, PackError};
use crate::field::{Field, Slot};
use crate::kind::FieldInfo;
use crate::packed::Packed;

/// A fact type: a struct with a fixed byte layout, implemented by `#[derive(Facts)]`.
///
/// The constants describe the layout (they are what `FORMAT.md` computes); the
/// methods pack a value, validate bytes and read them back. Users call it
/// and never implement it by hand.
///
/// ```
/// use factpack::{FactView, Facts, FieldKind};
///
/// #[derive(Facts, Debug, Clone, PartialEq)]
/// #[facts(version = 2)]
/// struct Build {
///     number: u32,
///     #[facts(since = 2)]
///     passed: Option<bool>,
/// }
///
/// let build = Build { number: 7, passed: Some(true) };
/// let mut out = Vec::new();
/// build.pack_into(&mut out)?;                   // appends, reusing `out`
/// let view = Build::view(&out)?;                // validates once
/// assert_eq!((view.number(), view.passed()), (7, Some(true)));
/// assert_eq!(view.version(), Build::VERSION);
/// assert_eq!(Build::field("passed").map(|f| f.kind), Some(FieldKind::Bool));
/// assert!(Build::validate(&out[..3]).is_err()); // truncated: a precise error
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Facts: Sized + 'static {
    /// The validated, borrowed view of a blob: `FooView<'a>` for a type `Foo`.
    type View<'a>: FactView<'a, Fact = Self>;
    /// The fields marked `#[facts(transient)]`, kept beside the bytes in a
    /// [`Packed`]; `()` when there are none.
    type Transient: Clone + Default + fmt::Debug;
    /// The struct of arrays of many facts: `FooColumns` for a type `Foo`.
    type Columns: Columns<Fact = Self>;

    /// The type's name, used in errors.
    const NAME: &'static str;
    /// The current version: the one [`pack`](Self::pack) writes.
    const VERSION: u8;
    /// Header length at each version: `HEADER_LENS[v - 1]` for version `v`.
    const HEADER_LENS: &'static [u16];
    /// Header length at the current version; a fact with no variable-length
    /// field is exactly this long.
    const HEADER_LEN: usize;
    /// Schema fingerprint at each version: `FINGERPRINTS[v - 1]` for version `v`.
    /// Appending fields gives the new version its own fingerprint and leaves the
    /// older ones as they were.
    const FINGERPRINTS: &'static [u64];
    /// Schema fingerprint of the current version.
    const FINGERPRINT: u64;
    /// The stored fields, in layout order.
    const FIELDS: &'static [FieldInfo];
    /// The names of the `#[facts(transient)]` fields.
    const TRANSIENT_FIELDS: &'static [&'static str];
    /// Whether any field has a payload in the tail.
    const HAS_TAIL: bool;

    /// Appends the packed fact to `out`, reusing its capacity.
    ///
    /// # Errors
    /// A time value its declared unit cannot hold, or a fact larger than 4 GiB.
    /// On error `out` is left as it was.
    fn pack_into(&self, out: &mut Vec<u8>) -> Result<(), PackError>;

    /// Checks that `blob` holds a valid fact of this type, of this or any other
    /// version.
    ///
    /// A blob of a version this code knows is checked whole. A blob of a newer
    /// version is checked as far as this code knows its fields: its header
    /// must be longer than this code's newest header (every version appends
    /// at least one header byte), and the fields of the known versions must be
    /// valid; what follows them is not judged.
    ///
    /// # Errors
    /// The first problem found, with the field and offset to blame; for a
    /// newer version whose header is no longer than this code's newest,
    /// [`ErrorKind::HeaderLength`](crate::ErrorKind::HeaderLength).
    fn validate(blob: &[u8]) -> Result<(), Error>;

    /// Wraps bytes without validating them, for bytes this program already
    /// validated (a [`Packed`] does this for its own bytes). Accessors on an
    /// invalid blob return meaningless values but never panic and never read
    /// outside `blob`; for bytes from outside, use [`view`](Self::view).
    ///
    /// ```
    /// use factpack::{FactView as _, Facts};
    ///
    /// #[derive(Facts, Debug, Clone, PartialEq)]
    /// struct Build {
    ///     number: u32,
    /// }
    ///
    /// let blob = Build { number: 7 }.pack().as_bytes().to_vec();
    /// Build::validate(&blob).unwrap(); // once, when the bytes arrive
    /// assert_eq!(Build::view_unvalidated(&blob).number(), 7);
    /// assert_eq!(Build::view_unvalidated(&blob[..2]).number(), 0); // no panic
    /// ```
    fn view_unvalidated(blob: &[u8]) -> Self::View<'_>;

    /// A copy of the transient fields.
    fn transient(&self) -> Self::Transient;

    /// Builds the owned value from a view and the transient fields.
    fn from_view(view: Self::View<'_>, transient: Self::Transient) -> Self;

    /// Validates `blob` and returns a view of it, without copying. A blob of
    /// a newer version is viewed through the fields this code knows (see
    /// [`validate`](Self::validate) for what it must satisfy).
    ///
    /// # Errors
    /// See [`validate`](Self::validate).
    #[inline]
    fn view(blob: &[u8]) -> Result<Self::View<'_>, Error> {
        Self::validate(blob)?;
        Ok(Self::view_unvalidated(blob))
    }

    /// Packs the fact into an owned, immutable record.
    ///
    /// # Errors
    /// See [`pack_into`](Self::pack_into).
    fn try_pack(&self) -> Result<Packed<Self>, PackError> {
        // Packing into a reused scratch buffer and copying it out costs one
        // exact allocation; growing a fresh `Vec` field by field and turning it
        // into `Bytes` costs several.
        thread_local! {
            static SCRATCH: core::cell::RefCell<Vec<u8>> = const { core::cell::RefCell::new(Vec::new()) };
        }
        SCRATCH.with(|scratch| {
            let mut fresh = Vec::new();
            let mut borrowed = scratch.try_borrow_mut();
            // A nested `try_pack` (from a `Debug` impl, say) falls back to a fresh buffer.
            let out = borrowed.as_deref_mut().unwrap_or(&mut fresh);
            out.clear();
            self.pack_into(out)?;
            let bytes = bytes::Bytes::copy_from_slice(out);
            if out.capacity() > 1 << 20 {
                *out = Vec::new(); // do not keep a huge fact's buffer alive
            }
            Ok(Packed::from_validated(bytes, self.transient()))
        })
    }

    /// Packs the fact into an owned, immutable record.
    ///
    /// # Panics
    /// When [`try_pack`](Self::try_pack) fails: a time value outside what its
    /// declared unit holds (only nanoseconds, or microseconds of a `TimeDelta`,
    /// can overflow) or a fact larger than 4 GiB.
    fn pack(&self) -> Packed<Self> {
        match self.try_pack() {
            Ok(packed) => packed,
            #[allow(clippy::panic)] // documented above; `try_pack` is the fallible twin
            Err(e) => panic!("{e}"),
        }
    }

    /// The columns of many facts, in one pass: from byte slices (validated on
    /// the way), [`Packed`] values or views. See [`columns`](crate::columns).
    ///
    /// # Errors
    /// The first source that is not a valid fact, by its position.
    fn columns<I>(sources: I) -> Result<Self::Columns, ColumnsError>
    where
        I: IntoIterator,
        I::Item: ColumnSource<Self>,
    {
        Self::Columns::from_sources(sources)
    }

    /// The fingerprint of version `version`, if this code knows it.
    fn fingerprint_at(version: u8) -> Option<u64> {
        let index = usize::from(version).checked_sub(1)?;
        Self::FINGERPRINTS.get(index).copied()
    }

    /// The layout of the field called `name`.
    fn field(name: &str) -> Option<&'static FieldInfo> {
        Self::FIELDS.iter().find(|f| f.name == name)
    }
}

/// A validated view of a fact's bytes; implemented by the generated
/// `FooView<'a>`, which adds one accessor per field. Code generic over fact
/// types reaches the bytes, version and owned value through this trait.
///
/// ```
/// use factpack::{FactView, Facts};
///
/// /// The owned values of the views the current version wrote.
/// fn upgraded<'a, V: FactView<'a>>(views: &[V]) -> Vec<V::Fact> {
///     views
///         .iter()
///         .filter(|v| v.version() == V::Fact::VERSION)
///         .map(|v| v.unpack())
///         .collect()
/// }
///
/// #[derive(Facts, Debug, Clone, PartialEq)]
/// struct Build {
///     number: u32,
/// }
///
/// let packed = Build { number: 7 }.pack();
/// assert_eq!(upgraded(&[packed.view()]), [Build { number: 7 }]);
/// assert_eq!(packed.view().as_bytes(), packed.as_bytes());
/// ```
pub trait FactView<'a>: Copy + fmt::Debug {
    /// The fact type viewed.
    type Fact: Facts;

    /// The bytes viewed: a whole blob, or for a nested fact or a list
    /// element without variable-length fields, its body (its header
    /// without the prefix; see `FORMAT.md`). A nested fact with
    /// variable-length fields is viewed as its whole blob.
    fn as_bytes(&self) -> &'a [u8];

    /// The version that wrote the bytes. For a body (a nested fact or list
    /// element without variable-length fields), which carries no version,
    /// the newest version this code knows whose fields the body holds (a
    /// body's length says its version).
    fn version(&self) -> u8 {
        self.as_bytes().first().copied().unwrap_or(0)
    }

    /// The header from its first segment on (with the tail, for a blob):
    /// the blob without its 3-byte prefix, or the whole body of a nested fact
    /// or list element. Field offsets in a body are
    /// [`FieldRef::offset`] minus 3.
    fn body(&self) -> &'a [u8] {
        self.as_bytes()
            .get(crate::layout::PREFIX_LEN..)
            .unwrap_or_default()
    }

    /// Whether [`as_bytes`](Self::as_bytes) is a whole blob, as opposed to
    /// the body of a nested fact or list element, which cannot be stored or
    /// validated on its own (pack [`unpack`](Self::unpack)'s result for a
    /// blob of it).
    fn is_whole(&self) -> bool {
        true
    }

    /// Decodes every field into an owned value; transient fields get their defaults.
    fn unpack(&self) -> Self::Fact;
}

/// A typed handle on one field of `T`: its slot, type and version. The derive
/// publishes one per stored field as an associated constant, the field's name
/// in capitals (`PullRequestFacts::MERGED`). It reads the field from a view
/// or a [`Packed`], publishes its byte offset, and names the field to a
/// store (filters, mirrors, conflicts), where a misspelt handle does not
/// compile.
///
/// ```
/// use chrono::{DateTime, Utc};
/// use factpack::Facts;
///
/// #[derive(Facts, Debug, Clone, PartialEq)]
/// struct Build {
///     number: u32,
///     finished: Option<DateTime<Utc>>,
/// }
///
/// let packed = Build { number: 7, finished: None }.pack();
/// assert_eq!(packed.get(Build::NUMBER), Some(7));
/// assert_eq!(Build::FINISHED.get(&packed.view()), Some(None)); // present, null
/// assert_eq!(Build::NUMBER.name(), "number");
/// let at = Build::NUMBER.offset();
/// assert_eq!(packed.as_bytes()[at..at + Build::NUMBER.size()], 7u32.to_le_bytes());
/// ```
pub struct FieldRef<T, F, const U: u8 = 0> {
    name: &'static str,
    slot: Slot,
    since: u8,
    absent: Option<fn() -> F>,
    types: PhantomData<fn() -> T>,
}

impl<T, F, const U: u8> Clone for FieldRef<T, F, U> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, F, const U: u8> Copy for FieldRef<T, F, U> {}

impl<T, F, const U: u8> fmt::Debug for FieldRef<T, F, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FieldRef")
            .field("name", &self.name)
            .field("offset", &self.slot.offset)
            .field("since", &self.since)
            .finish()
    }
}

impl<T: Facts, F: Field<U>, const U: u8> FieldRef<T, F, U> {
    #[doc(hidden)]
    pub const fn new(name: &'static str, slot: Slot, since: u8, absent: Option<fn() -> F>) -> Self {
        Self {
            name,
            slot,
            since,
            absent,
            types: PhantomData,
        }
    }

    /// The field's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Offset of the field's slot from the start of the blob: constant for
    /// every blob of every version that has the field.
    pub const fn offset(&self) -> usize {
        self.slot.offset
    }

    /// Bytes of the slot.
    pub const fn size(&self) -> usize {
        F::SLOT_SIZE
    }

    /// The version that added the field.
    pub const fn since(&self) -> u8 {
        self.since
    }

    /// Reads the field from a view; `None` when the blob's version predates it.
    #[inline]
    pub fn get<'a>(&self, view: &T::View<'a>) -> Option<F::Ref<'a>> {
        (view.version() >= self.since).then(|| {
            if F::VARIABLE {
                F::read(view.as_bytes(), self.slot)
            } else {
                F::read(view.body(), self.slot.in_body())
            }
        })
    }

    /// Reads the field from a blob that [`Facts::validate`] accepted.
    #[inline]
    pub(crate) fn get_raw<'a>(&self, blob: &'a [u8]) -> Option<F::Ref<'a>> {
        self.is_in(blob).then(|| F::read(blob, self.slot))
    }

    /// Whether the blob's version has the field.
    #[inline]
    pub(crate) fn is_in(&self, blob: &[u8]) -> bool {
        blob.first().copied().unwrap_or(0) >= self.since
    }

    pub(crate) const fn slot(&self) -> Slot {
        self.slot
    }

    /// The declared default of a field added after version 1 (`None` for an
    /// `Option` field without one, which reads as null).
    pub(crate) fn absent(&self) -> Option<fn() -> F> {
        self.absent
    }
}
