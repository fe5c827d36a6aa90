//! serde support (feature `serde`): views and [`Packed`] serialize their
//! stored fields, and `Packed<T>` deserializes a `T` and packs it. The
//! formats are specified in the crate docs.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use serde::de::{Deserialize, Deserializer, Error as _};
use serde::ser::{Error as _, Serialize, SerializeSeq, SerializeTuple, Serializer};

use crate::facts::Facts;
use crate::field::{Field, ListElement, OptionalField};
use crate::fixed::FixedField;
use crate::packed::Packed;
use crate::slice::{Slice, StrList};
use crate::variants::VariantValue;

/// How a fixed-size type serializes what its accessor returns (a value, or a
/// view for a nested fact). Implemented for every fixed-size field type;
/// `#[derive(Facts)]` implements it for fact types.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no serde form as a factpack value",
    label = "not serializable from the bytes (feature `serde`)"
)]
pub trait SerializeFixed<const U: u8 = 0>: FixedField<U> {
    /// Serializes one value, as read from the bytes.
    ///
    /// # Errors
    /// The serializer's.
    fn serialize_ref<S: Serializer>(
        value: &Self::Ref<'_>,
        serializer: S,
    ) -> Result<S::Ok, S::Error>;
}

/// How a field type serializes what its accessor returns. Implemented for
/// every field type whose fixed-size parts implement [`SerializeFixed`]; the
/// format is specified in the crate docs, section "serde".
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no serde form as a factpack field",
    label = "not serializable from the bytes (feature `serde`)"
)]
pub trait SerializeField<const U: u8 = 0>: Field<U> {
    /// Serializes the field, as read from the bytes.
    ///
    /// # Errors
    /// The serializer's.
    fn serialize_ref<S: Serializer>(
        value: &<Self as Field<U>>::Ref<'_>,
        serializer: S,
    ) -> Result<S::Ok, S::Error>;
}

/// What the accessor of a field of type `F` returned, made [`Serialize`]: the
/// generated `Serialize` of a view wraps every field in one.
pub struct SerializeRef<'a, F: SerializeField<U>, const U: u8>(pub <F as Field<U>>::Ref<'a>);

impl<F: SerializeField<U>, const U: u8> Serialize for SerializeRef<'_, F, U> {
    #[inline]
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        F::serialize_ref(&self.0, serializer)
    }
}

/// One value of a fixed-size type, made [`Serialize`].
struct FixedRef<'a, T: SerializeFixed<U>, const U: u8>(T::Ref<'a>);

impl<T: SerializeFixed<U>, const U: u8> Serialize for FixedRef<'_, T, U> {
    #[inline]
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        T::serialize_ref(&self.0, serializer)
    }
}

/// Types whose accessor returns the value itself and which serialize as serde
/// (or chrono, for the time types) serializes them, in every unit they have.
macro_rules! serialize_as_itself {
    ($([$($g:tt)*] $ty:ty, $unit:tt;)*) => {$(
        impl<$($g)*> SerializeFixed<$unit> for $ty {
            #[inline]
            fn serialize_ref<S: Serializer>(value: &$ty, serializer: S) -> Result<S::Ok, S::Error> {
                Serialize::serialize(value, serializer)
            }
        }
    )*};
}

serialize_as_itself! {
    [] bool, 0;
    [] i8, 0;
    [] i16, 0;
    [] i32, 0;
    [] i64, 0;
    [] u8, 0;
    [] u16, 0;
    [] u32, 0;
    [] u64, 0;
    [] f32, 0;
    [] f64, 0;
    [const U: u8] DateTime<Utc>, U;
    [const U: u8] NaiveDateTime, U;
    [] NaiveDate, 0;
    [const U: u8] TimeDelta, U;
}

/// `[u8; N]` serializes as bytes (as `serde_bytes` does), every other array
/// as a sequence (a tuple of `N`) of its elements.
impl<const U: u8, T: SerializeFixed<U>, const N: usize> SerializeFixed<U> for [T; N] {
    #[inline]
    fn serialize_ref<S: Serializer>(
        value: &[T::Ref<'_>; N],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        if T::TYPE_FP == <u8 as FixedField>::TYPE_FP {
            // `T` is `u8`: each element's one byte is itself.
            let mut bytes = [0u8; N];
            for (byte, element) in bytes.iter_mut().zip(value) {
                T::to_owned(*element)
                    .encode(core::slice::from_mut(byte))
                    .map_err(S::Error::custom)?;
            }
            return serializer.serialize_bytes(&bytes);
        }
        let mut tuple = serializer.serialize_tuple(N)?;
        for element in value {
            tuple.serialize_element(&FixedRef::<T, U>(*element))?;
        }
        tuple.end()
    }
}

/// Implements [`SerializeFixed`] for tuples: a serde tuple of the elements.
macro_rules! serialize_tuple {
    ($($k:literal: ($($t:ident $i:tt),+);)*) => {$(
        impl<const U: u8, $($t: SerializeFixed<U>),+> SerializeFixed<U> for ($($t,)+) {
            #[inline]
            fn serialize_ref<S: Serializer>(
                value: &Self::Ref<'_>,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                let mut tuple = serializer.serialize_tuple($k)?;
                $(tuple.serialize_element(&FixedRef::<$t, U>(value.$i))?;)+
                tuple.end()
            }
        }
    )*};
}

serialize_tuple! {
    1: (A 0);
    2: (A 0, B 1);
    3: (A 0, B 1, C 2);
    4: (A 0, B 1, C 2, D 3);
    5: (A 0, B 1, C 2, D 3, E 4);
    6: (A 0, B 1, C 2, D 3, E 4, F 5);
}

impl<const U: u8, T: SerializeFixed<U>> SerializeField<U> for T {
    #[inline]
    fn serialize_ref<S: Serializer>(
        value: &<T as Field<U>>::Ref<'_>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        T::serialize_ref(value, serializer)
    }
}

/// How `Option<Self>` serializes what its accessor returns: implemented for
/// every type whose `Option` is a field. [`SerializeField`] for `Option<T>`
/// is this trait's.
pub trait OptionalSerialize<const U: u8 = 0>: OptionalField<U> {
    /// Serializes the `Option` field, as read from the bytes.
    ///
    /// # Errors
    /// The serializer's.
    fn serialize_ref<S: Serializer>(
        value: &<Self as OptionalField<U>>::Ref<'_>,
        serializer: S,
    ) -> Result<S::Ok, S::Error>;
}

impl<const U: u8, T: OptionalSerialize<U>> SerializeField<U> for Option<T> {
    #[inline]
    fn serialize_ref<S: Serializer>(
        value: &<Self as Field<U>>::Ref<'_>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        T::serialize_ref(value, serializer)
    }
}

impl<const U: u8, T: SerializeFixed<U>> OptionalSerialize<U> for T {
    #[inline]
    fn serialize_ref<S: Serializer>(
        value: &<T as OptionalField<U>>::Ref<'_>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => serializer.serialize_some(&FixedRef::<T, U>(*value)),
            None => serializer.serialize_none(),
        }
    }
}

impl<T: SerializeFixed<U>, const U: u8> Serialize for Slice<'_, T, U> {
    /// A sequence of the elements.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for element in self.iter() {
            seq.serialize_element(&FixedRef::<T, U>(element))?;
        }
        seq.end()
    }
}

impl Serialize for StrList<'_> {
    /// A sequence of the strings.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// Implements [`SerializeField`] for a variable-length type and its `Option`,
/// whose accessors return something [`Serialize`].
macro_rules! serialize_variable {
    ([$($g:tt)*] $ty:ty, $unit:tt) => {
        impl<$($g)*> SerializeField<$unit> for $ty {
            #[inline]
            fn serialize_ref<S: Serializer>(
                value: &<Self as Field<$unit>>::Ref<'_>,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                Serialize::serialize(value, serializer)
            }
        }

        impl<$($g)*> SerializeField<$unit> for Option<$ty> {
            #[inline]
            fn serialize_ref<S: Serializer>(
                value: &<Self as Field<$unit>>::Ref<'_>,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                Serialize::serialize(value, serializer)
            }
        }
    };
}

serialize_variable!([] String, 0);
serialize_variable!([] Vec<String>, 0);

/// How a list of `Self` serializes what its accessor returns: a sequence,
/// for every fixed-size type and every enum whose variants carry data.
pub trait SerializeListElement<const U: u8 = 0>: ListElement<U> {
    /// Serializes a list, as read from the bytes.
    ///
    /// # Errors
    /// The serializer's.
    fn serialize_list<S: Serializer>(
        value: &Self::ListRef<'_>,
        serializer: S,
    ) -> Result<S::Ok, S::Error>;
}

impl<const U: u8, T: SerializeFixed<U>> SerializeListElement<U> for T {
    #[inline]
    fn serialize_list<S: Serializer>(
        value: &Slice<'_, T, U>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(serializer)
    }
}

/// A list as its accessor returned it, made [`Serialize`].
struct ListRef<'a, T: SerializeListElement<U>, const U: u8>(T::ListRef<'a>);

impl<T: SerializeListElement<U>, const U: u8> Serialize for ListRef<'_, T, U> {
    #[inline]
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        T::serialize_list(&self.0, serializer)
    }
}

impl<const U: u8, T: SerializeListElement<U>> SerializeField<U> for Vec<T> {
    #[inline]
    fn serialize_ref<S: Serializer>(
        value: &T::ListRef<'_>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        T::serialize_list(value, serializer)
    }
}

impl<const U: u8, T: SerializeListElement<U>> SerializeField<U> for Option<Vec<T>> {
    #[inline]
    fn serialize_ref<S: Serializer>(
        value: &Option<T::ListRef<'_>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(list) => serializer.serialize_some(&ListRef::<T, U>(*list)),
            None => serializer.serialize_none(),
        }
    }
}

impl<T: Facts> Serialize for Packed<T>
where
    for<'a> T::View<'a>: Serialize,
{
    /// Serializes the stored fields, exactly as the view does; transient
    /// fields are not included (see [`SerializeField`]).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.view().serialize(serializer)
    }
}

impl<'de, T: Facts + Deserialize<'de>> Deserialize<'de> for Packed<T> {
    /// Deserializes a `T` and packs it.
    ///
    /// # Errors
    /// The deserializer's, or a custom error when the value does not pack (see
    /// [`Facts::try_pack`]).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = T::deserialize(deserializer)?;
        value.try_pack().map_err(D::Error::custom)
    }
}

/// How the value of an enum variant serializes what the view's variant
/// holds: a fact as its view, a fixed-size value as its field does.
pub trait SerializeValue: VariantValue {
    /// Serializes one variant's value.
    ///
    /// # Errors
    /// The serializer's.
    fn serialize_value<S: Serializer>(
        value: &Self::Ref<'_>,
        serializer: S,
    ) -> Result<S::Ok, S::Error>;
}

impl<T: Facts> SerializeValue for T
where
    for<'a> T::View<'a>: Serialize + Copy,
{
    #[inline]
    fn serialize_value<S: Serializer>(
        value: &T::View<'_>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(serializer)
    }
}

/// Implements [`SerializeValue`] for the fixed-size types of the crate.
macro_rules! serialize_fixed_value {
    ($([$($g:tt)*] $ty:ty;)*) => {$(
        impl<$($g)*> SerializeValue for $ty {
            #[inline]
            fn serialize_value<S: Serializer>(
                value: &Self::Ref<'_>,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                <$ty as SerializeFixed>::serialize_ref(value, serializer)
            }
        }
    )*};
}

serialize_fixed_value! {
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
    [] DateTime<Utc>;
    [] NaiveDateTime;
    [] NaiveDate;
    [] TimeDelta;
    [T: SerializeFixed, const N: usize] [T; N];
    [A: SerializeFixed] (A,);
    [A: SerializeFixed, B: SerializeFixed] (A, B);
    [A: SerializeFixed, B: SerializeFixed, C: SerializeFixed] (A, B, C);
    [A: SerializeFixed, B: SerializeFixed, C: SerializeFixed, D: SerializeFixed] (A, B, C, D);
}

/// One variant's value, made [`Serialize`]: what the generated view's
/// `Serialize` wraps each variant's value in.
pub struct ValueRef<'a, T: SerializeValue>(pub T::Ref<'a>);

impl<T: SerializeValue> Serialize for ValueRef<'_, T> {
    #[inline]
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        T::serialize_value(&self.0, serializer)
    }
}
