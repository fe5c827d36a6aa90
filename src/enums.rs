//! Fieldless enums as fields: [`FactEnum`], implemented by `#[derive(FactEnum)]`.
//!
//! An enum field is stored as its variant's discriminant, a little-endian
//! integer of the enum's representation ([`FactEnum::Repr`]), in a fixed slot
//! like any integer; `Option<E>` and `Vec<E>` follow. Its column is a `Vec` of
//! the stored integers. A stored value that names no variant is invalid, unless
//! the enum has a catch-all variant (`#[facts(other)]`) that such values read as.

use crate::error::{EnumValue, ErrorKind, PackErrorKind};
use crate::fingerprint::{mix, tag};
use crate::fixed::FixedField;
use crate::kind::{EnumVariant, FieldKind};

/// A fieldless enum that can be a field of a fact; implemented by
/// `#[derive(FactEnum)]`.
///
/// Each variant is stored as its discriminant, of type [`Repr`](Self::Repr).
///
/// ```
/// use factpack::FactEnum;
///
/// #[derive(FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
/// pub enum Review {
///     Approved = 1,
///     Rejected = 2,
///     #[facts(other)]
///     Unknown = 0,
/// }
///
/// assert_eq!(Review::Rejected.discriminant(), 2u8); // no repr: the narrowest fit
/// assert_eq!(Review::from_discriminant(7), None);
/// assert_eq!(Review::read(7), Some(Review::Unknown)); // what a stored 7 reads as
/// assert_eq!(Review::VARIANTS[1].name, "Rejected");
/// ```
pub trait FactEnum: Copy + Eq + core::fmt::Debug + 'static {
    /// The integer a variant is stored as.
    type Repr: EnumRepr;
    /// The enum's name, in [`FieldKind::Enum`].
    const NAME: &'static str;
    /// Every variant, in declaration order.
    const VARIANTS: &'static [EnumVariant];
    /// The catch-all variant (`#[facts(other)]`) that stored values naming no
    /// variant read as; `None` when such values are invalid.
    const OTHER: Option<Self>;
    /// The runtime description of a field of this enum, in
    /// [`FieldInfo::kind`](crate::FieldInfo::kind).
    const KIND: FieldKind = FieldKind::Enum {
        name: Self::NAME,
        repr: &<Self::Repr as crate::columns::FixedColumn>::KIND,
        variants: Self::VARIANTS,
    };

    /// The variant's discriminant: what is stored.
    fn discriminant(self) -> Self::Repr;

    /// The variant whose discriminant is `value`, if any (never the catch-all
    /// for a value that is not its own).
    fn from_discriminant(value: Self::Repr) -> Option<Self>;

    /// What a stored `value` reads as: its variant, else the catch-all.
    fn read(value: Self::Repr) -> Option<Self> {
        Self::from_discriminant(value).or(Self::OTHER)
    }
}

mod sealed {
    pub trait Sealed {}
}

/// An integer type a [`FactEnum`] can be stored as: `u8`..`u64`, `i8`..`i64`.
pub trait EnumRepr:
    for<'a> FixedField<Ref<'a> = Self>
    + crate::columns::FixedColumn<Column = Vec<Self>>
    + Copy
    + Eq
    + core::fmt::Debug
    + Into<i128>
    + sealed::Sealed
    + 'static
{
}

macro_rules! enum_repr {
    ($($ty:ty),*) => {$(
        impl sealed::Sealed for $ty {}
        impl EnumRepr for $ty {}
    )*};
}

enum_repr!(u8, u16, u32, u64, i8, i16, i32, i64);

/// The fingerprint of an enum's encoding: its representation and every
/// variant's name, discriminant and catch-all mark, in order.
pub const fn type_fp<E: FactEnum>() -> u64 {
    let mut h = mix(tag("enum"), <E::Repr as FixedField>::TYPE_FP);
    h = mix(h, E::VARIANTS.len() as u64);
    let mut rest = E::VARIANTS;
    while let [v, tail @ ..] = rest {
        h = mix(h, tag(v.name));
        h = mix(h, v.value as u64);
        h = mix(h, (v.value >> 64) as u64);
        h = mix(h, v.other as u64);
        rest = tail;
    }
    h
}

/// Whether some stored value names no variant and is still valid: true with a
/// catch-all variant.
pub const fn always_valid<E: FactEnum>() -> bool {
    E::OTHER.is_some()
}

/// Whether the all-zero slot is a valid value: a variant's discriminant is 0,
/// or there is a catch-all.
pub const fn zero_is_valid<E: FactEnum>() -> bool {
    let mut rest = E::VARIANTS;
    while let [v, tail @ ..] = rest {
        if v.value == 0 {
            return true;
        }
        rest = tail;
    }
    E::OTHER.is_some()
}

/// Writes the variant's discriminant into its slot.
///
/// # Errors
/// Never; the signature is [`FixedField::encode`]'s.
#[inline(always)]
pub fn encode<E: FactEnum>(value: E, out: &mut [u8]) -> Result<(), PackErrorKind> {
    value.discriminant().encode(out)
}

/// Checks that a slot holds a variant's discriminant (or anything, with a catch-all).
///
/// # Errors
/// [`ErrorKind::UnknownVariant`] with the value.
#[inline]
pub fn check<E: FactEnum>(bytes: &[u8]) -> Result<(), ErrorKind> {
    if bytes.len() != <E::Repr as FixedField>::SIZE {
        return Err(ErrorKind::Truncated {
            needed: <E::Repr as FixedField>::SIZE,
            len: bytes.len(),
        });
    }
    let value = <E::Repr as FixedField>::decode(bytes);
    match E::read(value) {
        Some(_) => Ok(()),
        None => Err(ErrorKind::UnknownVariant {
            value: EnumValue::from(value.into()),
        }),
    }
}

/// Whether [`check`] accepts `bytes`.
#[inline(always)]
pub fn is_valid<E: FactEnum>(bytes: &[u8]) -> bool {
    bytes.len() == <E::Repr as FixedField>::SIZE
        && E::read(<E::Repr as FixedField>::decode(bytes)).is_some()
}

/// Reads a slot that [`check`] accepted; on bytes it would reject, the first
/// variant (never a panic).
#[inline(always)]
pub fn decode<E: FactEnum>(bytes: &[u8], first: E) -> E {
    E::read(<E::Repr as FixedField>::decode(bytes)).unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::EnumValue;

    /// Implemented by hand, as the derive would.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Two {
        A = 1,
        B = 300,
    }

    impl FactEnum for Two {
        type Repr = u16;
        const NAME: &'static str = "Two";
        const VARIANTS: &'static [EnumVariant] = &[
            EnumVariant {
                name: "A",
                value: 1,
                other: false,
            },
            EnumVariant {
                name: "B",
                value: 300,
                other: false,
            },
        ];
        const OTHER: Option<Self> = None;

        fn discriminant(self) -> u16 {
            self as u16
        }

        fn from_discriminant(value: u16) -> Option<Self> {
            match value {
                1 => Some(Two::A),
                300 => Some(Two::B),
                _ => None,
            }
        }
    }

    #[test]
    fn check_accepts_discriminants_and_names_other_values() {
        assert_eq!(check::<Two>(&300u16.to_le_bytes()), Ok(()));
        assert_eq!(
            check::<Two>(&2u16.to_le_bytes()),
            Err(ErrorKind::UnknownVariant {
                value: EnumValue::Unsigned(2)
            })
        );
        assert!(!is_valid::<Two>(&[1]), "a short slot is never valid");
        assert!(check::<Two>(&[1]).is_err());
        assert!(!zero_is_valid::<Two>());
        assert!(!always_valid::<Two>());
        assert_eq!(decode(&300u16.to_le_bytes(), Two::A), Two::B);
        assert_eq!(decode(&7u16.to_le_bytes(), Two::A), Two::A);
    }

    #[test]
    fn the_fingerprint_sees_the_repr_and_each_variant() {
        let fp = type_fp::<Two>();
        assert_ne!(fp, <u16 as FixedField>::TYPE_FP);
        assert_eq!(fp, type_fp::<Two>());
        assert_eq!(
            Two::KIND,
            FieldKind::Enum {
                name: "Two",
                repr: &FieldKind::U16,
                variants: Two::VARIANTS
            }
        );
    }

    #[test]
    fn enum_values_widen_without_loss() {
        assert_eq!(EnumValue::from(-1i128), EnumValue::Signed(-1));
        assert_eq!(
            EnumValue::from(i128::from(u64::MAX)),
            EnumValue::Unsigned(u64::MAX)
        );
        assert_eq!(
            EnumValue::from(i128::from(i64::MIN)),
            EnumValue::Signed(i64::MIN)
        );
        assert_eq!(EnumValue::Signed(-3).to_string(), "-3");
    }
}
