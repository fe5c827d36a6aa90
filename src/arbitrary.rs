//! proptest strategies for every field type, so that `#[derive(Facts)]` can
//! implement `proptest::arbitrary::Arbitrary` for fact types (feature `proptest`).
//!
//! Every generated value packs and unpacks to itself: time values are drawn at
//! their field's unit, inside the range the unit holds, and floats are never
//! `NaN` (which is not equal to itself).

// Strategy bounds are constants far inside `i64`; this is test-support code.
#![allow(clippy::arithmetic_side_effects)]

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
pub use proptest;
use proptest::prelude::*;

use crate::time::{
    duration_from_raw, duration_unit, instant_from_raw, instant_unit, DAYS_RANGE,
    EPOCH_DAYS_FROM_CE, MICROS_RANGE, MILLIS_RANGE, SECONDS_RANGE,
};
use crate::unit::{MICROS, MILLIS, NANOS, SECONDS};

/// A proptest strategy for one field type, at the field's time unit `U`.
pub trait FieldStrategy<const U: u8 = 0>: Sized + core::fmt::Debug {
    /// Values of the field, each of which packs losslessly.
    fn strategy() -> BoxedStrategy<Self>;
}

macro_rules! any_strategy {
    ($($ty:ty),*) => {$(
        impl FieldStrategy for $ty {
            fn strategy() -> BoxedStrategy<Self> {
                any::<$ty>().boxed()
            }
        }
    )*};
}

any_strategy!(bool, i8, i16, i32, i64, u8, u16, u32, u64, String);

impl FieldStrategy for f32 {
    fn strategy() -> BoxedStrategy<Self> {
        use proptest::num::f32::{INFINITE, NEGATIVE, NORMAL, POSITIVE, SUBNORMAL, ZERO};
        (NORMAL | SUBNORMAL | ZERO | INFINITE | POSITIVE | NEGATIVE).boxed()
    }
}

impl FieldStrategy for f64 {
    fn strategy() -> BoxedStrategy<Self> {
        use proptest::num::f64::{INFINITE, NEGATIVE, NORMAL, POSITIVE, SUBNORMAL, ZERO};
        (NORMAL | SUBNORMAL | ZERO | INFINITE | POSITIVE | NEGATIVE).boxed()
    }
}

impl<const U: u8, T: FieldStrategy<U> + 'static, const N: usize> FieldStrategy<U> for [T; N] {
    fn strategy() -> BoxedStrategy<Self> {
        proptest::array::uniform::<_, N>(T::strategy()).boxed()
    }
}

/// Implements [`FieldStrategy`] for tuples: each element drawn on its own.
macro_rules! tuple_strategy {
    ($(($($t:ident),+);)*) => {$(
        impl<const U: u8, $($t: FieldStrategy<U> + 'static),+> FieldStrategy<U> for ($($t,)+) {
            fn strategy() -> BoxedStrategy<Self> {
                ($($t::strategy(),)+).boxed()
            }
        }
    )*};
}

tuple_strategy! {
    (A);
    (A, B);
    (A, B, C);
    (A, B, C, D);
    (A, B, C, D, E);
    (A, B, C, D, E, F);
}

/// Raw integers for an instant in `unit`: mostly this century, sometimes anywhere.
fn instant_raw(unit: u8) -> BoxedStrategy<i64> {
    let (min, max) = match unit {
        SECONDS => SECONDS_RANGE,
        MILLIS => MILLIS_RANGE,
        MICROS => MICROS_RANGE,
        _ => (i64::MIN, i64::MAX),
    };
    let per_second: i64 = match unit {
        SECONDS => 1,
        MILLIS => 1_000,
        MICROS => 1_000_000,
        _ => 1_000_000_000,
    };
    // 2000-01-01 .. 2040-01-01
    let recent = (946_684_800 * per_second)..(2_208_988_800 * per_second);
    prop_oneof![4 => recent, 1 => min..=max].boxed()
}

impl<const U: u8> FieldStrategy<U> for DateTime<Utc> {
    fn strategy() -> BoxedStrategy<Self> {
        instant_raw(instant_unit(U))
            .prop_map(|raw| instant_from_raw(raw, instant_unit(U)).unwrap_or_default())
            .boxed()
    }
}

impl<const U: u8> FieldStrategy<U> for NaiveDateTime {
    fn strategy() -> BoxedStrategy<Self> {
        <DateTime<Utc> as FieldStrategy<U>>::strategy()
            .prop_map(|at| at.naive_utc())
            .boxed()
    }
}

impl FieldStrategy for NaiveDate {
    fn strategy() -> BoxedStrategy<Self> {
        (DAYS_RANGE.0..=DAYS_RANGE.1)
            .prop_map(|days| {
                NaiveDate::from_num_days_from_ce_opt(days + EPOCH_DAYS_FROM_CE).unwrap_or_default()
            })
            .boxed()
    }
}

impl<const U: u8> FieldStrategy<U> for TimeDelta {
    fn strategy() -> BoxedStrategy<Self> {
        let unit = duration_unit(U);
        let (min, max) = match unit {
            SECONDS => (-i64::MAX / 1_000, i64::MAX / 1_000),
            MILLIS => (-i64::MAX, i64::MAX),
            MICROS | NANOS => (i64::MIN, i64::MAX),
            _ => (0, 0),
        };
        prop_oneof![4 => -100_000i64..100_000, 1 => min..=max]
            .prop_map(move |raw| duration_from_raw(raw, unit).unwrap_or_default())
            .boxed()
    }
}

impl<const U: u8, T: FieldStrategy<U> + 'static> FieldStrategy<U> for Option<T> {
    fn strategy() -> BoxedStrategy<Self> {
        proptest::option::of(T::strategy()).boxed()
    }
}

impl<const U: u8, T: FieldStrategy<U> + 'static> FieldStrategy<U> for Vec<T> {
    fn strategy() -> BoxedStrategy<Self> {
        proptest::collection::vec(T::strategy(), 0..6).boxed()
    }
}
