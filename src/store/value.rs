//! The SQL types a store column can have, and dynamically typed values for
//! filters, checked against a column's type before any SQL runs.

use core::fmt;

use chrono::{DateTime, NaiveDate, Utc};

/// The type of a key or mirrored column.
///
/// PostgreSQL gets the native type; SQLite, which has no time types, stores
/// instants as `INTEGER` microseconds since the Unix epoch and dates as
/// `INTEGER` days since 1970-01-01, so that ranges compare as numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SqlType {
    /// `BOOLEAN`.
    Bool,
    /// `SMALLINT`.
    I16,
    /// `INTEGER`.
    I32,
    /// `BIGINT`.
    I64,
    /// `DOUBLE PRECISION` (`REAL` on SQLite).
    F64,
    /// `TEXT`.
    Text,
    /// `TIMESTAMPTZ` (microseconds on SQLite).
    Timestamp,
    /// `DATE` (days on SQLite).
    Date,
}

impl SqlType {
    /// The column type in PostgreSQL's DDL.
    pub(crate) const fn postgres(self) -> &'static str {
        match self {
            Self::Bool => "BOOLEAN",
            Self::I16 => "SMALLINT",
            Self::I32 => "INTEGER",
            Self::I64 => "BIGINT",
            Self::F64 => "DOUBLE PRECISION",
            Self::Text => "TEXT",
            Self::Timestamp => "TIMESTAMPTZ",
            Self::Date => "DATE",
        }
    }

    /// The column type in SQLite's DDL.
    pub(crate) const fn sqlite(self) -> &'static str {
        match self {
            Self::F64 => "REAL",
            Self::Text => "TEXT",
            _ => "INTEGER",
        }
    }

    /// The name used in errors.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Bool => "bool",
            Self::I16 => "i16",
            Self::I32 => "i32",
            Self::I64 => "i64",
            Self::F64 => "f64",
            Self::Text => "text",
            Self::Timestamp => "timestamp",
            Self::Date => "date",
        }
    }
}

impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A value compared against a column in a [`Filter`](super::Filter).
///
/// Integers of every width arrive as [`Value::Int`] and are range-checked
/// against the column's width.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// A boolean.
    Bool(bool),
    /// An integer of any width.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Text(String),
    /// An instant.
    Timestamp(DateTime<Utc>),
    /// A calendar date.
    Date(NaiveDate),
}

impl Value {
    /// The kind of value, for errors.
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Bool(_) => "bool",
            Self::Int(_) => "integer",
            Self::Float(_) => "float",
            Self::Text(_) => "text",
            Self::Timestamp(_) => "timestamp",
            Self::Date(_) => "date",
        }
    }

    /// The value of a column of type `sql` that holds the integer `v` (an
    /// instant as microseconds, a date as days); `None` for a time out of
    /// range.
    pub(crate) fn from_int(sql: SqlType, v: i64) -> Option<Self> {
        Some(match sql {
            SqlType::Timestamp => Self::Timestamp(from_micros(v)?),
            SqlType::Date => Self::Date(from_days(v)?),
            _ => Self::Int(v),
        })
    }

    /// Whether the value can be compared with a column of type `ty`.
    pub(crate) fn fits(&self, ty: SqlType) -> bool {
        match (self, ty) {
            (Self::Bool(_), SqlType::Bool)
            | (Self::Float(_), SqlType::F64)
            | (Self::Text(_), SqlType::Text)
            | (Self::Timestamp(_), SqlType::Timestamp)
            | (Self::Date(_), SqlType::Date)
            | (Self::Int(_), SqlType::I64) => true,
            (Self::Int(v), SqlType::I16) => i16::try_from(*v).is_ok(),
            (Self::Int(v), SqlType::I32) => i32::try_from(*v).is_ok(),
            _ => false,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bool(v) => write!(f, "{v}"),
            Self::Int(v) => write!(f, "{v}"),
            Self::Float(v) => write!(f, "{v}"),
            Self::Text(v) => write!(f, "{v:?}"),
            Self::Timestamp(v) => write!(f, "{}", v.to_rfc3339()),
            Self::Date(v) => write!(f, "{v}"),
        }
    }
}

macro_rules! value_from {
    ($($t:ty => $variant:ident $(as $cast:ty)?),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Self::$variant($(<$cast>::from)?(v))
            }
        }
    )*};
}

value_from! {
    bool => Bool,
    i8 => Int as i64,
    i16 => Int as i64,
    i32 => Int as i64,
    i64 => Int,
    u8 => Int as i64,
    u16 => Int as i64,
    u32 => Int as i64,
    f32 => Float as f64,
    f64 => Float,
    String => Text,
    &str => Text as String,
    &String => Text as String,
    DateTime<Utc> => Timestamp,
    NaiveDate => Date,
}

/// A fieldless enum compares as its stored discriminant, the integer in its
/// mirrored column.
impl<E: crate::enums::FactEnum> From<E> for Value {
    fn from(v: E) -> Self {
        let value: i128 = v.discriminant().into();
        // Only a `u64` discriminant past `i64::MAX` misses, and `u64` fields
        // cannot be mirrored: such a value matches no row.
        Self::Int(i64::try_from(value).unwrap_or(i64::MAX))
    }
}

/// Microseconds since the Unix epoch: how SQLite stores an instant.
pub(crate) fn micros(at: &DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// Days since 1970-01-01: how SQLite stores a date.
pub(crate) fn days(date: &NaiveDate) -> i64 {
    use chrono::Datelike;
    i64::from(date.num_days_from_ce()).wrapping_sub(i64::from(crate::time::EPOCH_DAYS_FROM_CE))
}

/// The instant `micros` microseconds after the Unix epoch.
pub(crate) fn from_micros(micros: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
}

/// The date `days` days after 1970-01-01.
pub(crate) fn from_days(days: i64) -> Option<NaiveDate> {
    let from_ce = days.checked_add(i64::from(crate::time::EPOCH_DAYS_FROM_CE))?;
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(from_ce).ok()?)
}
