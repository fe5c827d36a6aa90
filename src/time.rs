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

/// Years are shifted by this many 400-year cycles before the calendar
/// arithmetic of [`seconds_from_parts`], so that every year chrono can
/// represent (from -262143) becomes positive.
const SHIFT_CYCLES: u32 = 656;
/// Days in 400 years of the Gregorian calendar.
const DAYS_PER_CYCLE: i64 = 146_097;

/// What an instant is made of in chrono: year, day of the year, second of
/// the day, nanosecond of the second (up to 1,999,999,999 in a leap second).
type Parts = (i32, u32, u32, u32);

#[inline(always)]
fn parts(at: &DateTime<Utc>) -> Parts {
    use chrono::{Datelike, Timelike};
    let naive = at.naive_utc();
    let (date, time) = (naive.date(), naive.time());
    (
        date.year(),
        date.ordinal(),
        time.num_seconds_from_midnight(),
        time.nanosecond(),
    )
}

/// Whole seconds since the epoch (what chrono's `timestamp()` returns) and
/// the nanoseconds past them.
///
/// chrono computes the day number with a branch for years before 1 CE and
/// signed divisions. Shifting the year by a whole number of 400-year cycles
/// leaves the calendar unchanged (every cycle has the same days) and makes the
/// year positive, so the divisions by 4, 100 and 400 become unsigned shifts
/// and one multiplication. Packing converts every instant it writes (about 20
/// per `PullRequestFacts`), which makes this worth its few lines;
/// `tests::conversions_match_chrono` checks it against chrono over chrono's
/// whole range.
#[inline(always)]
fn seconds_from_parts((year, ordinal, second, nanos): Parts) -> (i64, u32) {
    // Years before this one, counted from a year that is a multiple of 400
    // and earlier than any date chrono represents.
    let years = year
        .wrapping_sub(1)
        .wrapping_add_unsigned(SHIFT_CYCLES.wrapping_mul(400)) as u32;
    let hundreds = years / 100;
    // 365 days a year, one more every 4 years, except every 100, except every 400.
    let days_before = (years.wrapping_mul(1461) >> 2)
        .wrapping_sub(hundreds)
        .wrapping_add(hundreds >> 2);
    let days = i64::from(days_before)
        .wrapping_add(i64::from(ordinal))
        .wrapping_sub(DAYS_PER_CYCLE.wrapping_mul(i64::from(SHIFT_CYCLES)))
        .wrapping_sub(i64::from(EPOCH_DAYS_FROM_CE));
    let seconds = days.wrapping_mul(86_400).wrapping_add(i64::from(second));
    (seconds, nanos)
}

/// An instant as an integer count of `unit` since the epoch (floored), or `None`
/// when it does not fit 64 bits (nanoseconds only). The same as chrono's
/// `timestamp`, `timestamp_millis`, `timestamp_micros` and
/// `timestamp_nanos_opt`, and for the first three faster (see [`seconds_from_parts`]).
#[inline(always)]
fn instant_to_raw(at: &DateTime<Utc>, unit: u8) -> Option<i64> {
    match unit {
        NANOS => at.timestamp_nanos_opt(),
        _ => Some(raw_from_parts(parts(at), unit)),
    }
}

/// [`instant_to_raw`] for every unit but nanoseconds, from the parts.
#[inline(always)]
fn raw_from_parts(parts: Parts, unit: u8) -> i64 {
    // Every instant chrono represents is within +-2^43 seconds, so none of
    // the arithmetic below wraps.
    let (seconds, nanos) = seconds_from_parts(parts);
    match unit {
        SECONDS => seconds,
        MILLIS => seconds
            .wrapping_mul(1_000)
            .wrapping_add(i64::from(nanos / 1_000_000)),
        _ => seconds
            .wrapping_mul(1_000_000)
            .wrapping_add(i64::from(nanos / 1_000)),
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

/// The raw values that stand for instants chrono can represent, in `unit`.
#[inline(always)]
const fn instant_range(unit: u8) -> (i64, i64) {
    match unit {
        SECONDS => SECONDS_RANGE,
        MILLIS => MILLIS_RANGE,
        NANOS => (i64::MIN, i64::MAX),
        _ => MICROS_RANGE,
    }
}

/// Whether `min <= raw <= max`, in one subtraction and one unsigned comparison
/// (`raw - min` wraps below zero to a huge unsigned value).
#[inline(always)]
fn in_range(raw: i64, min: i64, max: i64) -> bool {
    (raw.wrapping_sub(min) as u64) <= (max.wrapping_sub(min) as u64)
}

/// Whether `raw` stands for an instant chrono can represent.
#[inline(always)]
fn instant_in_range(raw: i64, unit: u8) -> bool {
    let (min, max) = instant_range(unit);
    in_range(raw, min, max)
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
    const ZERO_IS_VALID: bool = true; // the epoch
    type Ref<'a> = DateTime<Utc>;

    #[inline]
    fn encode(&self, out: &mut [u8]) -> Result<(), PackErrorKind> {
        let raw = instant_to_raw(self, instant_unit(U)).ok_or(PackErrorKind::TimeOutOfRange)?;
        out.copy_from_slice(&raw.to_le_bytes());
        Ok(())
    }

    #[inline(always)]
    fn encode_or_null(value: Option<&Self>, out: &mut [u8]) -> Result<(), PackErrorKind> {
        if instant_unit(U) == NANOS {
            return match value {
                Some(at) => <Self as FixedField<U>>::encode(at, out),
                None => Ok(()),
            };
        }
        // Which fields are null varies from fact to fact, so a branch on it
        // would be mispredicted often: convert some instant either way and
        // mask the result to the null slot's zeros.
        let at = value.copied().unwrap_or(DateTime::<Utc>::MIN_UTC);
        let present = 0i64.wrapping_sub(i64::from(value.is_some()));
        let raw = raw_from_parts(parts(&at), instant_unit(U)) & present;
        out.copy_from_slice(&raw.to_le_bytes());
        Ok(())
    }

    #[inline]
    fn check(bytes: &[u8]) -> Result<(), ErrorKind> {
        check_instant(bytes, instant_unit(U))
    }

    #[inline(always)]
    fn is_valid(bytes: &[u8]) -> bool {
        instant_in_range(i64::from_le_bytes(array(bytes, 0)), instant_unit(U))
    }

    #[inline(always)]
    fn is_valid_or_null(bytes: &[u8], present: bool) -> bool {
        // A null slot must be zero: the range [0, 0]. Choosing the range by
        // `present` (two conditional moves) leaves one comparison per slot.
        let (min, max) = if present {
            instant_range(instant_unit(U))
        } else {
            (0, 0)
        };
        in_range(i64::from_le_bytes(array(bytes, 0)), min, max)
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
    const ZERO_IS_VALID: bool = true; // the epoch
    type Ref<'a> = NaiveDateTime;

    #[inline]
    fn encode(&self, out: &mut [u8]) -> Result<(), PackErrorKind> {
        <DateTime<Utc> as FixedField<U>>::encode(&self.and_utc(), out)
    }

    #[inline(always)]
    fn encode_or_null(value: Option<&Self>, out: &mut [u8]) -> Result<(), PackErrorKind> {
        let at = value.map(|v| v.and_utc());
        <DateTime<Utc> as FixedField<U>>::encode_or_null(at.as_ref(), out)
    }

    #[inline]
    fn check(bytes: &[u8]) -> Result<(), ErrorKind> {
        check_instant(bytes, instant_unit(U))
    }

    #[inline(always)]
    fn is_valid(bytes: &[u8]) -> bool {
        <DateTime<Utc> as FixedField<U>>::is_valid(bytes)
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
    const ZERO_IS_VALID: bool = true; // 1970-01-01
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

    #[inline(always)]
    fn is_valid(bytes: &[u8]) -> bool {
        let raw = i32::from_le_bytes(array(bytes, 0));
        DAYS_RANGE.0 <= raw && raw <= DAYS_RANGE.1
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
    const ZERO_IS_VALID: bool = true; // no time
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

    #[inline(always)]
    fn is_valid(bytes: &[u8]) -> bool {
        duration_from_raw(i64::from_le_bytes(array(bytes, 0)), duration_unit(U)).is_some()
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

    /// Instants anywhere in chrono's range, leap seconds included.
    fn any_instant() -> impl proptest::strategy::Strategy<Value = DateTime<Utc>> {
        use proptest::strategy::Strategy;
        (SECONDS_RANGE.0..=SECONDS_RANGE.1, 0u32..2_000_000_000).prop_map(|(s, ns)| {
            // Past 999,999,999 only in a leap second (a second ending in :59).
            DateTime::from_timestamp(s, ns)
                .or_else(|| DateTime::from_timestamp(s, ns % 1_000_000_000))
                .unwrap()
        })
    }

    /// Our conversion and the null slot's, against chrono's own.
    fn conversions_agree(at: DateTime<Utc>) {
        let raw = |unit| raw_from_parts(parts(&at), unit);
        assert_eq!(raw(SECONDS), at.timestamp(), "{at:?}");
        assert_eq!(raw(MILLIS), at.timestamp_millis(), "{at:?}");
        assert_eq!(raw(MICROS), at.timestamp_micros(), "{at:?}");
        assert_eq!(instant_to_raw(&at, NANOS), at.timestamp_nanos_opt());
        let (mut encoded, mut or_null) = ([0u8; 8], [0u8; 8]);
        let encoded_ok = <DateTime<Utc> as FixedField<MILLIS>>::encode(&at, &mut encoded);
        let or_null_ok =
            <DateTime<Utc> as FixedField<MILLIS>>::encode_or_null(Some(&at), &mut or_null);
        assert_eq!((encoded, encoded_ok), (or_null, or_null_ok));
    }

    proptest::proptest! {
        #[test]
        fn conversions_match_chrono(at in any_instant()) {
            conversions_agree(at);
        }
    }

    #[test]
    fn conversions_match_chrono_at_the_edges() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let mut instants = vec![
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
            DateTime::<Utc>::default(),
            DateTime::from_timestamp(-1, 999_999_999).unwrap(),
            DateTime::from_timestamp(59, 1_999_999_999).unwrap(), // a leap second
        ];
        // Around every kind of year boundary, before and after the common era.
        for year in [
            -262_143, -401, -400, -101, -100, -5, -4, -1, 0, 1, 4, 100, 1600, 1900, 1969, 1970,
            2000, 2100, 2400, 262_142,
        ] {
            for (m, d) in [(1, 1), (2, 28), (3, 1), (12, 31)] {
                let date = day(year, m, d);
                instants.push(date.and_hms_opt(0, 0, 0).unwrap().and_utc());
                instants.push(
                    date.and_hms_nano_opt(23, 59, 59, 999_999_999)
                        .unwrap()
                        .and_utc(),
                );
            }
        }
        instants.into_iter().for_each(conversions_agree);
    }

    #[test]
    fn a_null_instant_encodes_as_zeros() {
        fn null<const U: u8>(before: u8) -> [u8; 8] {
            let mut out = [before; 8];
            <DateTime<Utc> as FixedField<U>>::encode_or_null(None, &mut out).unwrap();
            out
        }
        // These units convert a stand-in instant and mask it to zero...
        assert_eq!(null::<NATURAL>(0xaa), [0; 8]);
        assert_eq!(null::<SECONDS>(0xaa), [0; 8]);
        assert_eq!(null::<MILLIS>(0xaa), [0; 8]);
        assert_eq!(null::<MICROS>(0xaa), [0; 8]);
        // ...nanoseconds leave the zeroed slot alone.
        assert_eq!(null::<NANOS>(0), [0; 8]);
    }

    #[test]
    fn instant_or_null_checks_match_the_plain_check() {
        let cases = [
            0,
            1,
            -1,
            MICROS_RANGE.0,
            MICROS_RANGE.1,
            MICROS_RANGE.0 - 1,
            MICROS_RANGE.1 + 1,
            i64::MIN,
            i64::MAX,
        ];
        for raw in cases {
            let bytes = raw.to_le_bytes();
            let valid = <DateTime<Utc> as FixedField>::check(&bytes).is_ok();
            assert_eq!(<DateTime<Utc> as FixedField>::is_valid(&bytes), valid);
            assert_eq!(
                <DateTime<Utc> as FixedField>::is_valid_or_null(&bytes, true),
                valid
            );
            assert_eq!(
                <DateTime<Utc> as FixedField>::is_valid_or_null(&bytes, false),
                raw == 0
            );
        }
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
