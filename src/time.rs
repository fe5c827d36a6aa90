//! chrono time types as fixed fields, in the unit each field declares.
//!
//! See [`unit`](crate::unit) for the units and their defaults. Validation
//! checks a stored integer against the range of its Rust type with two
//! comparisons, so reading it back afterwards cannot fail.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

use crate::bytes::array;
use crate::error::{ErrorKind, PackErrorKind};
use crate::fingerprint::{mix, tag};
use crate::fixed::FixedField;
use crate::unit::{MICROS, MILLIS, NANOS, NATURAL, SECONDS};

/// chrono's instant range, `DateTime::<Utc>::MIN_UTC` to `MAX_UTC`, in whole seconds.
pub(crate) const SECONDS_RANGE: (i64, i64) = (-8_334_601_228_800, 8_210_266_876_799);
/// The same range in milliseconds (the maximum is the last millisecond of it).
pub(crate) const MILLIS_RANGE: (i64, i64) = (-8_334_601_228_800_000, 8_210_266_876_799_999);
/// The same range in microseconds.
pub(crate) const MICROS_RANGE: (i64, i64) = (-8_334_601_228_800_000_000, 8_210_266_876_799_999_999);
/// `NaiveDate::MIN` and `MAX` in days since 1970-01-01.
pub(crate) const DAYS_RANGE: (i32, i32) = (-96_465_292, 95_026_236);
/// Days from 0001-01-01 (day 1 of the common era) to 1970-01-01.
pub(crate) const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// An instant as an integer count of `unit` since the epoch (floored), or `None`
/// when it does not fit 64 bits (nanoseconds only).
#[inline(always)]
fn instant_to_raw(at: &DateTime<Utc>, unit: u8) -> Option<i64> {
    match unit {
        SECONDS => Some(at.timestamp()),
        MILLIS => Some(at.timestamp_millis()),
        NANOS => at.timestamp_nanos_opt(),
        _ => Some(at.timestamp_micros()),
    }
}

/// The instant an integer stands for, or `None` outside chrono's range.
#[inline(always)]
pub(crate) fn instant_from_raw(raw: i64, unit: u8) -> Option<DateTime<Utc>> {
    match unit {
        SECONDS => DateTime::from_timestamp(raw, 0),
        MILLIS => DateTime::from_timestamp_millis(raw),
        NANOS => Some(DateTime::from_timestamp_nanos(raw)),
        _ => DateTime::from_timestamp_micros(raw),
    }
}

/// Whether `raw` stands for an instant chrono can represent, in two comparisons.
#[inline(always)]
fn instant_in_range(raw: i64, unit: u8) -> bool {
    let (min, max) = match unit {
        SECONDS => SECONDS_RANGE,
        MILLIS => MILLIS_RANGE,
        NANOS => (i64::MIN, i64::MAX),
        _ => MICROS_RANGE,
    };
    min <= raw && raw <= max
}

const fn unit_is_valid(unit: u8) -> bool {
    matches!(unit, NATURAL | SECONDS | MILLIS | MICROS | NANOS)
}

/// The unit an instant field of declared unit `unit` is stored in.
pub(crate) const fn instant_unit(unit: u8) -> u8 {
    if unit == NATURAL {
        MICROS
    } else {
        unit
    }
}

/// The unit a duration field of declared unit `unit` is stored in.
pub(crate) const fn duration_unit(unit: u8) -> u8 {
    if unit == NATURAL {
        SECONDS
    } else {
        unit
    }
}

#[inline(always)]
fn check_instant(bytes: &[u8], unit: u8) -> Result<(), ErrorKind> {
    let raw = i64::from_le_bytes(array(bytes, 0));
    if instant_in_range(raw, unit) {
        Ok(())
    } else {
        Err(ErrorKind::TimeOutOfRange { raw })
    }
}

impl<const U: u8> FixedField<U> for DateTime<Utc> {
    const SIZE: usize = {
        assert!(unit_is_valid(U), "unknown time unit");
        8
    };
    const TYPE_FP: u64 = mix(tag("timestamp"), instant_unit(U) as u64);
    const ALWAYS_VALID: bool = instant_unit(U) == NANOS;
    type Ref<'a> = DateTime<Utc>;

    #[inline]
    fn encode(&self, out: &mut [u8]) -> Result<(), PackErrorKind> {
        let raw = instant_to_raw(self, instant_unit(U)).ok_or(PackErrorKind::TimeOutOfRange)?;
        out.copy_from_slice(&raw.to_le_bytes());
        Ok(())
    }

    #[inline]
    fn check(bytes: &[u8]) -> Result<(), ErrorKind> {
        check_instant(bytes, instant_unit(U))
    }

    #[inline]
    fn decode(bytes: &[u8]) -> DateTime<Utc> {
        instant_from_raw(i64::from_le_bytes(array(bytes, 0)), instant_unit(U)).unwrap_or_default()
    }

    #[inline(always)]
    fn to_owned(value: DateTime<Utc>) -> DateTime<Utc> {
        value
    }
}

impl<const U: u8> FixedField<U> for NaiveDateTime {
    const SIZE: usize = <DateTime<Utc> as FixedField<U>>::SIZE;
    const TYPE_FP: u64 = mix(tag("naive-timestamp"), instant_unit(U) as u64);
    const ALWAYS_VALID: bool = <DateTime<Utc> as FixedField<U>>::ALWAYS_VALID;
    type Ref<'a> = NaiveDateTime;

    #[inline]
    fn encode(&self, out: &mut [u8]) -> Result<(), PackErrorKind> {
        <DateTime<Utc> as FixedField<U>>::encode(&self.and_utc(), out)
    }

    #[inline]
    fn check(bytes: &[u8]) -> Result<(), ErrorKind> {
        check_instant(bytes, instant_unit(U))
    }

    #[inline]
    fn decode(bytes: &[u8]) -> NaiveDateTime {
        <DateTime<Utc> as FixedField<U>>::decode(bytes).naive_utc()
    }

    #[inline(always)]
    fn to_owned(value: NaiveDateTime) -> NaiveDateTime {
        value
    }
}

impl FixedField for NaiveDate {
    const SIZE: usize = 4;
    const TYPE_FP: u64 = tag("date32");
    const ALWAYS_VALID: bool = false;
    type Ref<'a> = NaiveDate;

    #[inline]
    fn encode(&self, out: &mut [u8]) -> Result<(), PackErrorKind> {
        // Every NaiveDate is within DAYS_RANGE, so the difference fits an i32.
        let days = self
            .num_days_from_ce_checked()
            .ok_or(PackErrorKind::TimeOutOfRange)?;
        out.copy_from_slice(&days.to_le_bytes());
        Ok(())
    }

    #[inline]
    fn check(bytes: &[u8]) -> Result<(), ErrorKind> {
        let raw = i32::from_le_bytes(array(bytes, 0));
        if DAYS_RANGE.0 <= raw && raw <= DAYS_RANGE.1 {
            Ok(())
        } else {
            Err(ErrorKind::TimeOutOfRange {
                raw: i64::from(raw),
            })
        }
    }

    #[inline]
    fn decode(bytes: &[u8]) -> NaiveDate {
        i32::from_le_bytes(array(bytes, 0))
            .checked_add(EPOCH_DAYS_FROM_CE)
            .and_then(NaiveDate::from_num_days_from_ce_opt)
            .unwrap_or_default()
    }

    #[inline(always)]
    fn to_owned(value: NaiveDate) -> NaiveDate {
        value
    }
}

/// Days since 1970-01-01, which every `NaiveDate` has within `i32`.
trait DaysSinceEpoch {
    fn num_days_from_ce_checked(&self) -> Option<i32>;
}

impl DaysSinceEpoch for NaiveDate {
    fn num_days_from_ce_checked(&self) -> Option<i32> {
        use chrono::Datelike;
        self.num_days_from_ce().checked_sub(EPOCH_DAYS_FROM_CE)
    }
}

impl<const U: u8> FixedField<U> for TimeDelta {
    const SIZE: usize = {
        assert!(unit_is_valid(U), "unknown time unit");
        8
    };
    const TYPE_FP: u64 = mix(tag("duration"), duration_unit(U) as u64);
    const ALWAYS_VALID: bool = matches!(duration_unit(U), MICROS | NANOS);
    type Ref<'a> = TimeDelta;

    #[inline]
    fn encode(&self, out: &mut [u8]) -> Result<(), PackErrorKind> {
        let raw = match duration_unit(U) {
            MILLIS => Some(self.num_milliseconds()),
            MICROS => self.num_microseconds(),
            NANOS => self.num_nanoseconds(),
            _ => Some(self.num_seconds()),
        }
        .ok_or(PackErrorKind::TimeOutOfRange)?;
        out.copy_from_slice(&raw.to_le_bytes());
        Ok(())
    }

    #[inline]
    fn check(bytes: &[u8]) -> Result<(), ErrorKind> {
        let raw = i64::from_le_bytes(array(bytes, 0));
        if duration_from_raw(raw, duration_unit(U)).is_some() {
            Ok(())
        } else {
            Err(ErrorKind::TimeOutOfRange { raw })
        }
    }

    #[inline]
    fn decode(bytes: &[u8]) -> TimeDelta {
        duration_from_raw(i64::from_le_bytes(array(bytes, 0)), duration_unit(U)).unwrap_or_default()
    }

    #[inline(always)]
    fn to_owned(value: TimeDelta) -> TimeDelta {
        value
    }
}

/// The duration an integer of `unit` stands for, or `None` outside `TimeDelta`'s range.
#[inline(always)]
pub(crate) fn duration_from_raw(raw: i64, unit: u8) -> Option<TimeDelta> {
    match unit {
        MILLIS => TimeDelta::try_milliseconds(raw),
        MICROS => Some(TimeDelta::microseconds(raw)),
        NANOS => Some(TimeDelta::nanoseconds(raw)),
        _ => TimeDelta::try_seconds(raw),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    #[test]
    fn range_constants_match_chrono() {
        let (min, max) = (DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
        assert_eq!(SECONDS_RANGE, (min.timestamp(), max.timestamp()));
        assert_eq!(
            MILLIS_RANGE,
            (min.timestamp_millis(), max.timestamp_millis())
        );
        assert_eq!(
            MICROS_RANGE,
            (min.timestamp_micros(), max.timestamp_micros())
        );
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        assert_eq!(EPOCH_DAYS_FROM_CE, epoch.num_days_from_ce());
        assert_eq!(DAYS_RANGE.0 as i64, (NaiveDate::MIN - epoch).num_days());
        assert_eq!(DAYS_RANGE.1 as i64, (NaiveDate::MAX - epoch).num_days());
    }

    #[test]
    fn every_range_bound_decodes_and_one_past_is_rejected() {
        for unit in [SECONDS, MILLIS, MICROS] {
            let (min, max) = match unit {
                SECONDS => SECONDS_RANGE,
                MILLIS => MILLIS_RANGE,
                _ => MICROS_RANGE,
            };
            assert!(instant_from_raw(min, unit).is_some());
            assert!(instant_from_raw(max, unit).is_some());
            assert!(instant_from_raw(min - 1, unit).is_none());
            assert!(instant_from_raw(max + 1, unit).is_none());
        }
    }

    #[test]
    fn instants_floor_to_the_unit() {
        let at = DateTime::from_timestamp(-1, 500_000_000).unwrap(); // -0.5 s
        let mut out = [0u8; 8];
        <DateTime<Utc> as FixedField<SECONDS>>::encode(&at, &mut out).unwrap();
        assert_eq!(i64::from_le_bytes(out), -1);
    }

    #[test]
    fn nanoseconds_outside_their_years_do_not_pack() {
        let far = DateTime::from_timestamp(100_000_000_000, 0).unwrap(); // year 5138
        let mut out = [0u8; 8];
        assert_eq!(
            <DateTime<Utc> as FixedField<NANOS>>::encode(&far, &mut out),
            Err(PackErrorKind::TimeOutOfRange)
        );
    }

    #[test]
    fn dates_round_trip_at_the_extremes() {
        for date in [NaiveDate::MIN, NaiveDate::MAX, NaiveDate::default()] {
            let mut out = [0u8; 4];
            <NaiveDate as FixedField>::encode(&date, &mut out).unwrap();
            assert_eq!(<NaiveDate as FixedField>::check(&out), Ok(()));
            assert_eq!(<NaiveDate as FixedField>::decode(&out), date);
            assert_eq!(<NaiveDate as FixedField>::decode(&out).year(), date.year());
        }
    }

    #[test]
    fn durations_round_trip_at_the_extremes() {
        for delta in [TimeDelta::MIN, TimeDelta::MAX, TimeDelta::zero()] {
            let mut out = [0u8; 8];
            <TimeDelta as FixedField<MILLIS>>::encode(&delta, &mut out).unwrap();
            assert_eq!(<TimeDelta as FixedField<MILLIS>>::check(&out), Ok(()));
            assert_eq!(<TimeDelta as FixedField<MILLIS>>::decode(&out), delta);
        }
        let mut out = i64::MIN.to_le_bytes();
        assert!(<TimeDelta as FixedField<MILLIS>>::check(&out).is_err());
        out = i64::MAX.to_le_bytes();
        assert!(<TimeDelta as FixedField<SECONDS>>::check(&out).is_err());
    }
}
