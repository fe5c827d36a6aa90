//! How the store's API names a field: by its name, checked when the store
//! opens or the query runs, or by its typed handle (`Foo::CREATED`), which a
//! misspelling cannot get past the compiler. Through a handle, a filter also
//! takes only values of the field's type.

use core::fmt;
use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

use crate::enums::FactEnum;
use crate::facts::{Facts, FieldRef};
use crate::field::Field;
use crate::fixed::FixedField;

use super::value::Value;

/// A stored field, named for [`StoreBuilder::mirror`](super::StoreBuilder::mirror),
/// [`Conflict::ReplaceIfNewer`](super::Conflict::ReplaceIfNewer) and
/// [`PageSpec::new`](super::PageSpec::new): from its typed handle or from a
/// string.
///
/// ```
/// # use factpack::Facts;
/// # use factpack::store::{Conflict, FieldName};
/// #[derive(Facts, Debug)]
/// struct Build {
///     number: i64,
/// }
///
/// let typed = Conflict::ReplaceIfNewer(Build::NUMBER.into());
/// assert_eq!(typed, Conflict::ReplaceIfNewer("number".into()));
/// assert_eq!(FieldName::from(Build::NUMBER).as_str(), "number");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldName(Cow<'static, str>);

impl FieldName {
    /// The field's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for FieldName {
    fn from(name: &str) -> Self {
        Self(Cow::Owned(name.to_owned()))
    }
}

impl From<String> for FieldName {
    fn from(name: String) -> Self {
        Self(Cow::Owned(name))
    }
}

impl<T: Facts, F: Field<U>, const U: u8> From<FieldRef<T, F, U>> for FieldName {
    fn from(field: FieldRef<T, F, U>) -> Self {
        Self(Cow::Borrowed(field.name()))
    }
}

mod sealed {
    pub trait Sealed<const U: u8> {}
    /// The columns a filter can name: strings and typed handles.
    pub trait Column {}
}

/// A field type a [`Filter`](super::Filter) compares through the field's
/// handle, and the type of the values it is compared with: the type itself,
/// or `T` for an `Option<T>` field.
///
/// These are the types a store can mirror: `bool`, `i8`..`i64`, `u8`..`u32`,
/// `f32`, `f64`, `DateTime<Utc>`, `NaiveDateTime`, `NaiveDate`, `TimeDelta`
/// and `#[derive(FactEnum)]` enums. A `u64` field has no SQL integer column
/// to live in, so it is not one of them.
pub trait FilterField<const U: u8 = 0>: sealed::Sealed<U> {
    /// What the field is compared with.
    type Value;

    /// The value as the mirrored column holds it.
    #[doc(hidden)]
    fn filter_value(value: Self::Value) -> Value;
}

macro_rules! filter_as_itself {
    ($($ty:ty),*) => {$(
        impl sealed::Sealed<0> for $ty {}
        impl FilterField for $ty {
            type Value = $ty;
            fn filter_value(value: $ty) -> Value {
                value.into()
            }
        }
    )*};
}

filter_as_itself!(bool, i8, i16, i32, i64, u8, u16, u32, f32, f64, NaiveDate);

/// A mirrored instant is microseconds, whatever the field's unit.
impl<const U: u8> sealed::Sealed<U> for DateTime<Utc> {}
impl<const U: u8> FilterField<U> for DateTime<Utc> {
    type Value = DateTime<Utc>;
    fn filter_value(value: DateTime<Utc>) -> Value {
        Value::Timestamp(value)
    }
}

/// A wall-clock time is mirrored as the UTC instant of the same reading.
impl<const U: u8> sealed::Sealed<U> for NaiveDateTime {}
impl<const U: u8> FilterField<U> for NaiveDateTime {
    type Value = NaiveDateTime;
    fn filter_value(value: NaiveDateTime) -> Value {
        Value::Timestamp(value.and_utc())
    }
}

/// A mirrored duration is its stored count of the field's unit.
impl<const U: u8> sealed::Sealed<U> for TimeDelta {}
impl<const U: u8> FilterField<U> for TimeDelta {
    type Value = TimeDelta;
    fn filter_value(value: TimeDelta) -> Value {
        let mut raw = [0_u8; 8];
        match <TimeDelta as FixedField<U>>::encode(&value, &mut raw) {
            Ok(()) => Value::Int(i64::from_le_bytes(raw)),
            // Only nanoseconds (and microseconds near `TimeDelta`'s ends)
            // overflow: such a duration lies past every stored one.
            Err(_) if value < TimeDelta::zero() => Value::Int(i64::MIN),
            Err(_) => Value::Int(i64::MAX),
        }
    }
}

/// An enum compares as its stored discriminant.
impl<E: FactEnum> sealed::Sealed<0> for E {}
impl<E: FactEnum> FilterField for E {
    type Value = E;
    fn filter_value(value: E) -> Value {
        value.into()
    }
}

impl<const U: u8, T: FilterField<U>> sealed::Sealed<U> for Option<T> {}
impl<const U: u8, T: FilterField<U>> FilterField<U> for Option<T> {
    type Value = T::Value;
    fn filter_value(value: T::Value) -> Value {
        T::filter_value(value)
    }
}

/// A column a [`Filter`](super::Filter) names: a key or mirrored column by
/// name (checked when the query runs), or a field's typed handle
/// (`Foo::MERGED`).
pub trait ColumnName {
    /// The column's name.
    fn column_name(&self) -> &str;
}

impl<T: Facts, F: Field<U>, const U: u8> ColumnName for FieldRef<T, F, U> {
    fn column_name(&self) -> &str {
        self.name()
    }
}

/// A column a [`Filter`](super::Filter) compares with values of type `V`: a
/// key or mirrored column by name (`"account"`, any `V` that converts into a
/// [`Value`], checked against the column's type when the query runs), or a
/// field's typed handle (`Foo::CREATED`, only values of the field's type,
/// see [`FilterField`]). Implemented for those, and sealed.
///
/// ```
/// # use chrono::{DateTime, Utc};
/// # use factpack::Facts;
/// # use factpack::store::Filter;
/// #[derive(Facts, Debug)]
/// struct Build {
///     #[facts(index)]
///     started: DateTime<Utc>,
///     #[facts(index)]
///     passed: Option<bool>,
/// }
///
/// let since = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
/// let filter = Filter::new()
///     .eq("account", 7)                // a key column, by name
///     .range(Build::STARTED, since..)  // a `DateTime<Utc>`, or it does not compile
///     .eq(Build::PASSED, true);        // an `Option<bool>` field takes a `bool`
/// # let _ = filter;
/// ```
///
/// A value of another type is a compile error:
///
/// ```compile_fail
/// # use chrono::{DateTime, Utc};
/// # use factpack::Facts;
/// # use factpack::store::Filter;
/// #[derive(Facts, Debug)]
/// struct Build {
///     #[facts(index)]
///     started: DateTime<Utc>,
/// }
///
/// let filter = Filter::new().eq(Build::STARTED, 1_700_000_000);
/// ```
#[diagnostic::on_unimplemented(
    message = "a filter cannot compare `{Self}` with a value of type `{V}`",
    label = "this column takes other values",
    note = "a field's handle takes values of the field's type (`T` for an `Option<T>` field); a column named by a string takes anything that converts into `factpack::store::Value`"
)]
pub trait FilterColumn<V>: ColumnName + sealed::Column {
    /// `value` as a dynamically typed filter value.
    #[doc(hidden)]
    fn filter_value(value: V) -> Value;
}

impl<T: Facts, F: Field<U>, const U: u8> sealed::Column for FieldRef<T, F, U> {}

/// A column named by a string takes any value, checked when the query runs.
macro_rules! column_by_name {
    ($($t:ty),*) => {$(
        impl ColumnName for $t {
            fn column_name(&self) -> &str {
                self
            }
        }

        impl sealed::Column for $t {}

        impl<V: Into<Value>> FilterColumn<V> for $t {
            fn filter_value(value: V) -> Value {
                value.into()
            }
        }
    )*};
}

column_by_name!(&str, String, &String);

impl<T, F, const U: u8> FilterColumn<F::Value> for FieldRef<T, F, U>
where
    T: Facts,
    F: Field<U> + FilterField<U>,
{
    fn filter_value(value: F::Value) -> Value {
        F::filter_value(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unit::{MILLIS, NANOS, NATURAL};

    #[test]
    fn durations_compare_as_their_stored_count() {
        let d = TimeDelta::milliseconds(2_500);
        assert_eq!(
            <TimeDelta as FilterField<MILLIS>>::filter_value(d),
            Value::Int(2_500)
        );
        // Seconds, the natural unit, truncate toward zero as packing does.
        assert_eq!(
            <TimeDelta as FilterField<NATURAL>>::filter_value(-d),
            Value::Int(-2)
        );
        // Past what nanoseconds hold: beyond every stored duration.
        assert_eq!(
            <TimeDelta as FilterField<NANOS>>::filter_value(TimeDelta::MAX),
            Value::Int(i64::MAX)
        );
        assert_eq!(
            <TimeDelta as FilterField<NANOS>>::filter_value(TimeDelta::MIN),
            Value::Int(i64::MIN)
        );
    }

    #[test]
    fn wall_clock_times_and_options_compare_as_the_mirror_stores_them() {
        let wall = NaiveDate::from_ymd_opt(2024, 5, 1)
            .and_then(|d| d.and_hms_opt(9, 30, 0))
            .unwrap();
        assert_eq!(
            <NaiveDateTime as FilterField>::filter_value(wall),
            Value::Timestamp(wall.and_utc())
        );
        assert_eq!(<Option<u16> as FilterField>::filter_value(7), Value::Int(7));
    }
}
