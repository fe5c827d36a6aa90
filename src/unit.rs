//! Time units, selected per field with `#[facts(unit = "..")]`.
//!
//! A time value is stored as a signed 64-bit count of its unit since the Unix
//! epoch (instants) or as a signed count of its unit (durations), the same
//! integers Arrow's `Timestamp` and `Duration` types hold. The unit is the
//! field's declared precision: packing floors an instant (and truncates a
//! duration toward zero) to it.
//!
//! | unit | attribute | default for |
//! |---|---|---|
//! | [`NATURAL`] | none | the type's own default |
//! | [`SECONDS`] | `unit = "s"` | `TimeDelta` |
//! | [`MILLIS`] | `unit = "ms"` | |
//! | [`MICROS`] | `unit = "us"` | `DateTime<Utc>`, `NaiveDateTime` |
//! | [`NANOS`] | `unit = "ns"` | |
//!
//! Microseconds are the default for instants because an `i64` of them covers
//! every `DateTime<Utc>` chrono can represent, so packing an instant never
//! fails; it is also PostgreSQL's precision. Nanoseconds cover only the years
//! 1677 to 2262, and packing a value outside them fails with
//! [`PackErrorKind::TimeOutOfRange`](crate::PackErrorKind::TimeOutOfRange).
//! `NaiveDate` is always a 32-bit count of days (Arrow's `Date32`).

/// The type's own unit: microseconds for instants, seconds for durations.
pub const NATURAL: u8 = 0;
/// Seconds.
pub const SECONDS: u8 = 1;
/// Milliseconds.
pub const MILLIS: u8 = 2;
/// Microseconds.
pub const MICROS: u8 = 3;
/// Nanoseconds.
pub const NANOS: u8 = 4;

/// The unit's name as the attribute spells it (`"s"`, `"ms"`, `"us"`, `"ns"`).
pub const fn name(unit: u8) -> &'static str {
    match unit {
        SECONDS => "s",
        MILLIS => "ms",
        MICROS => "us",
        NANOS => "ns",
        _ => "natural",
    }
}
