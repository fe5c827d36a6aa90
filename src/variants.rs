//! Enums whose variants carry data: [`DataEnum`], implemented by
//! `#[derive(FactEnum)]` for an enum with a variant such as `Circle(Circle)`.
//!
//! Such a field is variable-length. Its payload is the variant's tag (the
//! `#[repr]` integer, little-endian) followed by the variant's value, as
//! [`VariantValue`] writes it: a fact's whole blob (prefix included, so it
//! carries its version and evolves), a fixed-size value's slot bytes, or
//! nothing for a unit variant. The accessor returns the enum's generated view
//! (`ShapeView<'a>`), built in O(1) without allocating.

use crate::error::Fault;
use crate::error::{EnumValue, ErrorKind, PackErrorKind, UnknownTag};
use crate::facts::Facts;
use crate::field::Payload;
use crate::fingerprint::{mix, tag};
use crate::fixed::FixedField;
use crate::kind::{EnumVariant, FieldKind};

pub use crate::enums::EnumRepr;

/// An enum whose variants carry data (a fact or a fixed-size value) or none,
/// stored as a variable-length field; implemented by `#[derive(FactEnum)]`.
/// Generic code reads a value's tag and the enum's variants through it; the
/// methods that write, check and read payloads serve the generated code.
///
/// ```
/// use factpack::{DataEnum, FactEnum, Facts};
///
/// #[derive(Facts, Debug, Clone, PartialEq)]
/// pub struct Circle {
///     pub radius: u32,
/// }
///
/// #[derive(FactEnum, Debug, Clone, PartialEq)]
/// #[repr(u8)]
/// pub enum Shape {
///     Circle(Circle) = 1,
///     Point = 3,
/// }
///
/// assert_eq!(Shape::Circle(Circle { radius: 2 }).tag(), 1);
/// let names: Vec<&str> = Shape::VARIANTS.iter().map(|v| v.name).collect();
/// assert_eq!(names, ["Circle", "Point"]);
/// ```
pub trait DataEnum: Sized + core::fmt::Debug + 'static {
    /// The integer a variant's tag is stored as: the enum's `#[repr]`.
    type Repr: EnumRepr;
    /// What an accessor returns: the generated `FooView<'a>` enum.
    type View<'a>: Copy;
    /// The enum's name.
    const NAME: &'static str;
    /// Every variant (name, tag, catch-all mark), in declaration order.
    const VARIANTS: &'static [EnumVariant];
    /// Fingerprint of the encoding: the repr and every variant's name, tag,
    /// catch-all mark and value type.
    const TYPE_FP: u64;
    /// The runtime description of a field of this enum.
    const KIND: FieldKind = FieldKind::Union {
        name: Self::NAME,
        repr: &<Self::Repr as crate::columns::FixedColumn>::KIND,
        variants: Self::VARIANTS,
    };

    /// The variant's tag.
    fn tag(&self) -> Self::Repr;

    /// Appends the variant's value (what follows the tag).
    ///
    /// # Errors
    /// A time value its unit cannot hold; a nested fact that does not pack.
    fn write_value(&self, out: &mut Vec<u8>) -> Result<(), PackErrorKind>;

    /// Checks the value that follows `tag`; `None` when `tag` is no variant's
    /// and the enum has no catch-all. Offsets are from the value's start.
    fn check_value(tag: Self::Repr, value: &[u8]) -> Option<Result<(), Fault>>;

    /// Reads the value that follows `tag` in a validated payload (on other
    /// bytes, some variant: never a panic).
    fn read_value(tag: Self::Repr, value: &[u8]) -> Self::View<'_>;

    /// Turns a view into an owned value.
    fn to_owned(view: Self::View<'_>) -> Self;
}

/// What one variant of a [`DataEnum`] can hold: a fact (any
/// `#[derive(Facts)]` type, stored as its whole blob) or a fixed-size value
/// (stored as its slot).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the value of an enum variant",
    note = "a variant holds a `#[derive(Facts)]` type, a fixed-size value (bool, integers, floats, chrono time types, `#[derive(FactEnum)]` fieldless enums, arrays and tuples of these), or nothing"
)]
pub trait VariantValue: Sized {
    /// Fingerprint of the value's encoding.
    const TYPE_FP: u64;
    /// What the view's variant holds.
    type Ref<'a>: Copy;

    /// Appends the value.
    ///
    /// # Errors
    /// A time value its unit cannot hold; a nested fact that does not pack.
    fn write_value(&self, out: &mut Vec<u8>) -> Result<(), PackErrorKind>;

    /// Checks the value's bytes (all the payload after the tag). Offsets are
    /// from the value's start.
    ///
    /// # Errors
    /// The first problem found.
    fn check_value(value: &[u8]) -> Result<(), Fault>;

    /// Reads validated bytes (on other bytes, some value: never a panic).
    fn read_value(value: &[u8]) -> Self::Ref<'_>;

    /// Turns what [`read_value`](Self::read_value) returned into an owned value.
    fn to_owned(value: Self::Ref<'_>) -> Self;
}

impl<T: Facts> VariantValue for T
where
    for<'a> T::View<'a>: Copy,
{
    const TYPE_FP: u64 = mix(tag("fact blob"), T::FINGERPRINT);
    type Ref<'a> = T::View<'a>;

    #[inline]
    fn write_value(&self, out: &mut Vec<u8>) -> Result<(), PackErrorKind> {
        self.pack_into(out).map_err(|e| e.kind)
    }

    #[inline]
    fn check_value(value: &[u8]) -> Result<(), Fault> {
        T::validate(value).map_err(|e| Fault::at(0, ErrorKind::Nested(Box::new(e))))
    }

    #[inline]
    fn read_value(value: &[u8]) -> T::View<'_> {
        T::view_unvalidated(value)
    }

    #[inline]
    fn to_owned(value: T::View<'_>) -> T {
        T::from_view(value, T::Transient::default())
    }
}

/// [`VariantValue::write_value`] for a fixed-size type: its slot.
///
/// # Errors
/// As [`FixedField::encode`].
#[inline]
pub fn write_fixed<T: FixedField>(value: &T, out: &mut Vec<u8>) -> Result<(), PackErrorKind> {
    let start = out.len();
    out.resize(start.saturating_add(T::SIZE), 0);
    match out.get_mut(start..) {
        Some(slot) => value.encode(slot),
        None => Ok(()),
    }
}

/// [`VariantValue::check_value`] for a fixed-size type: exactly its slot,
/// holding a valid value.
///
/// # Errors
/// [`ErrorKind::VariantSize`] (the tag's bytes not counted: the caller adds
/// them) or the value's own error.
#[inline]
pub fn check_fixed<T: FixedField>(value: &[u8]) -> Result<(), Fault> {
    if value.len() != T::SIZE {
        return Err(Fault::at(
            0,
            ErrorKind::VariantSize {
                expected: T::SIZE,
                len: value.len(),
            },
        ));
    }
    T::fault(value)
}

/// Implements [`VariantValue`] for fixed-size types of the crate: their slot.
macro_rules! fixed_value {
    ($([$($g:tt)*] $ty:ty;)*) => {$(
        impl<$($g)*> VariantValue for $ty {
            const TYPE_FP: u64 = <$ty as FixedField>::TYPE_FP;
            type Ref<'a> = <$ty as FixedField>::Ref<'a>;

            #[inline]
            fn write_value(&self, out: &mut Vec<u8>) -> Result<(), PackErrorKind> {
                write_fixed(self, out)
            }

            #[inline]
            fn check_value(value: &[u8]) -> Result<(), Fault> {
                check_fixed::<$ty>(value)
            }

            #[inline]
            fn read_value(value: &[u8]) -> Self::Ref<'_> {
                <$ty as FixedField>::decode(value)
            }

            #[inline]
            fn to_owned(value: Self::Ref<'_>) -> Self {
                <$ty as FixedField>::to_owned(value)
            }
        }
    )*};
}

fixed_value! {
    [] bool;
    [] i8;
    [] i16;
    [] i32;
    [] i64;
    [] u8;
    [] u16;
    [] u32;
    [] u64;
    [] f32;
    [] f64;
    [] chrono::DateTime<chrono::Utc>;
    [] chrono::NaiveDateTime;
    [] chrono::NaiveDate;
    [] chrono::TimeDelta;
    [T: FixedField, const N: usize] [T; N];
    [A: FixedField] (A,);
    [A: FixedField, B: FixedField] (A, B);
    [A: FixedField, B: FixedField, C: FixedField] (A, B, C);
    [A: FixedField, B: FixedField, C: FixedField, D: FixedField] (A, B, C, D);
}

/// Bytes of `E`'s tag.
const fn tag_len<E: DataEnum>() -> usize {
    <E::Repr as FixedField>::SIZE
}

/// The payload of a variable-length field of `E`: the tag, then the value.
impl<E: DataEnum> Payload for E {
    const TYPE_FP: u64 = E::TYPE_FP;
    type Ref<'a> = E::View<'a>;

    #[inline]
    fn write_payload(&self, out: &mut Vec<u8>) -> Result<(), PackErrorKind> {
        write_fixed(&self.tag(), out)?;
        self.write_value(out)
    }

    #[inline]
    fn check_payload(payload: &[u8]) -> Result<(), Fault> {
        let n = tag_len::<E>();
        let Some((tag, value)) = payload.split_at_checked(n) else {
            return Err(Fault::at(
                0,
                ErrorKind::Truncated {
                    needed: n,
                    len: payload.len(),
                },
            ));
        };
        let tag = <E::Repr as FixedField>::decode(tag);
        match E::check_value(tag, value) {
            Some(result) => result.map_err(|fault| match fault.kind {
                // A size error counts the tag too, from the payload's start.
                ErrorKind::VariantSize { expected, len } => Fault::at(
                    0,
                    ErrorKind::VariantSize {
                        expected: expected.saturating_add(n),
                        len: len.saturating_add(n),
                    },
                ),
                kind => Fault::at(fault.offset.saturating_add(n), kind),
            }),
            None => Err(Fault::at(
                0,
                ErrorKind::UnknownTag(Box::new(UnknownTag {
                    name: E::NAME,
                    value: EnumValue::from(tag.into()),
                })),
            )),
        }
    }

    #[inline]
    fn read_payload(payload: &[u8]) -> E::View<'_> {
        let n = tag_len::<E>();
        let (tag, value) = payload.split_at_checked(n).unwrap_or((&[], &[]));
        E::read_value(<E::Repr as FixedField>::decode(tag), value)
    }

    #[inline]
    fn to_owned(value: E::View<'_>) -> E {
        E::to_owned(value)
    }
}

/// [`VariantValue::check_value`] for a unit variant: nothing follows the tag.
///
/// # Errors
/// [`ErrorKind::VariantSize`] when bytes follow.
#[inline]
pub fn check_unit(value: &[u8]) -> Result<(), Fault> {
    if value.is_empty() {
        Ok(())
    } else {
        Err(Fault::at(
            0,
            ErrorKind::VariantSize {
                expected: 0,
                len: value.len(),
            },
        ))
    }
}

/// The fingerprint of a data enum's encoding: its repr and, per variant, its
/// name, tag, catch-all mark and value type (`0` for a unit variant).
pub const fn type_fp<R: FixedField>(variants: &[EnumVariant], values: &[u64]) -> u64 {
    let mut h = mix(tag("data enum"), R::TYPE_FP);
    h = mix(h, variants.len() as u64);
    let mut rest = variants;
    let mut fps = values;
    while let ([v, tail @ ..], [fp, fp_tail @ ..]) = (rest, fps) {
        h = mix(h, tag(v.name));
        h = mix(h, v.value as u64);
        h = mix(h, (v.value >> 64) as u64);
        h = mix(h, v.other as u64);
        h = mix(h, *fp);
        rest = tail;
        fps = fp_tail;
    }
    h
}

/// A borrowed list of an enum whose variants carry data: what the accessor
/// of a `Vec` field of such an enum returns.
pub struct VariantList<'a, E> {
    /// The end offsets, `4 * len()` bytes.
    ends: &'a [u8],
    /// The concatenated payloads (each a tag and a value).
    data: &'a [u8],
    _enum: core::marker::PhantomData<E>,
}

impl<E> Clone for VariantList<'_, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for VariantList<'_, E> {}

impl<E: DataEnum> core::fmt::Debug for VariantList<'_, E>
where
    for<'a> E::View<'a>: core::fmt::Debug,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, E: DataEnum> VariantList<'a, E> {
    /// Views a validated payload (on other bytes, some sub-slices: never a panic).
    pub fn new(payload: &'a [u8]) -> Self {
        let count = crate::bytes::u32_at(payload, 0);
        let ends_len = count.saturating_mul(4);
        Self {
            ends: payload.get(4..ends_len.saturating_add(4)).unwrap_or(&[]),
            data: payload.get(ends_len.saturating_add(4)..).unwrap_or(&[]),
            _enum: core::marker::PhantomData,
        }
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.ends.len() / 4
    }

    /// Whether the list is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The payload of element `index`, or `None` past the end.
    fn payload(&self, index: usize) -> Option<&'a [u8]> {
        let end_at = index.checked_mul(4)?;
        let end = crate::bytes::u32_at(self.ends.get(end_at..end_at.checked_add(4)?)?, 0);
        let start = match end_at.checked_sub(4) {
            Some(prev) => crate::bytes::u32_at(self.ends, prev),
            None => 0,
        };
        self.data.get(start..end)
    }

    /// Element `index`, or `None` past the end: O(1).
    #[inline]
    pub fn get(&self, index: usize) -> Option<E::View<'a>> {
        self.payload(index).map(<E as Payload>::read_payload)
    }

    /// The elements in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = E::View<'a>> + 'a {
        let list = *self;
        (0..self.len())
            .map(move |i| <E as Payload>::read_payload(list.payload(i).unwrap_or_default()))
    }

    /// The elements, owned.
    pub fn to_vec(&self) -> Vec<E> {
        self.iter().map(E::to_owned).collect()
    }

    /// The elements' tags, in order.
    pub fn tags(&self) -> impl ExactSizeIterator<Item = E::Repr> + 'a {
        let list = *self;
        (0..self.len())
            .map(move |i| <E::Repr as FixedField>::decode(list.payload(i).unwrap_or_default()))
    }
}

/// [`ListElement::write_list`](crate::field::ListElement::write_list) for an
/// enum whose variants carry data: empty for the empty list, else `n:u32`,
/// `n` `u32` end offsets into the payloads, then the payloads (each a tag
/// and a value) back to back.
///
/// # Errors
/// A value that does not pack, or a list past 4 GiB.
pub fn write_list<E: DataEnum>(values: &[E], out: &mut Vec<u8>) -> Result<(), PackErrorKind> {
    if values.is_empty() {
        return Ok(());
    }
    let count = u32::try_from(values.len()).map_err(|_| PackErrorKind::TooLarge)?;
    out.extend_from_slice(&count.to_le_bytes());
    let table = out.len();
    let table_len = values.len().checked_mul(4).ok_or(PackErrorKind::TooLarge)?;
    out.resize(table.saturating_add(table_len), 0);
    let data = out.len();
    for (i, value) in values.iter().enumerate() {
        value.write_payload(out)?;
        let end =
            u32::try_from(out.len().saturating_sub(data)).map_err(|_| PackErrorKind::TooLarge)?;
        let at = table.saturating_add(i.saturating_mul(4));
        if let Some(slot) = out.get_mut(at..at.saturating_add(4)) {
            slot.copy_from_slice(&end.to_le_bytes());
        }
    }
    Ok(())
}

/// [`ListElement::check_list`](crate::field::ListElement::check_list) for an
/// enum whose variants carry data: the empty list is an empty payload; the
/// ends ascend and the last is the data's length; every payload is valid.
///
/// # Errors
/// `Truncated`, `NonCanonicalEmptyList`, `BadListOffsets`, or an element's
/// own error at its offset.
pub fn check_list<E: DataEnum>(payload: &[u8]) -> Result<(), Fault> {
    if payload.is_empty() {
        return Ok(());
    }
    if payload.len() < 4 {
        let kind = ErrorKind::Truncated {
            needed: 4,
            len: payload.len(),
        };
        return Err(Fault::at(0, kind));
    }
    let count = crate::bytes::u32_at(payload, 0);
    if count == 0 {
        return Err(Fault::at(0, ErrorKind::NonCanonicalEmptyList));
    }
    let data_start = count
        .checked_mul(4)
        .and_then(|n| n.checked_add(4))
        .filter(|n| *n <= payload.len())
        .ok_or_else(|| Fault::at(0, ErrorKind::BadListOffsets))?;
    let list = VariantList::<E>::new(payload);
    let mut start = 0usize;
    for i in 0..list.len() {
        let at = i.saturating_mul(4).saturating_add(4);
        let end = crate::bytes::u32_at(payload, at);
        let Some(element) = list.data.get(start..end) else {
            return Err(Fault::at(at, ErrorKind::BadListOffsets));
        };
        let offset = data_start.saturating_add(start);
        <E as Payload>::check_payload(element)
            .map_err(|f| Fault::at(offset.saturating_add(f.offset), f.kind))?;
        start = end;
    }
    if start != list.data.len() {
        return Err(Fault::at(4, ErrorKind::BadListOffsets));
    }
    Ok(())
}

/// The encoding fingerprint of a list of `E`.
pub const fn list_fp<E: DataEnum>() -> u64 {
    mix(tag("list"), E::TYPE_FP)
}
