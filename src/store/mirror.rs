//! Mirrored columns: fixed scalar fields copied out of each blob into their own
//! SQL column at write time, so that filters run in SQL, on an index.

use crate::kind::{FieldInfo, FieldKind, TimeUnit};

use super::value::{self, SqlType, Value};

/// One value for one SQL cell, as written: the common shape of key and
/// mirrored columns on both backends. An instant is an `Int` of
/// microseconds since the Unix epoch, a date one of days since 1970-01-01;
/// the column's [`SqlType`] travels beside the cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

impl Cell {
    /// Appends the cell, a value of a key column of type `sql`, as
    /// `Key::put_encoded` encodes keys: a byte for a bool, a `u32` length
    /// and the bytes for text, 8 little-endian bytes for every other type.
    pub(crate) fn put_encoded(&self, sql: SqlType, out: &mut Vec<u8>) {
        match (sql, self) {
            (SqlType::Bool, Self::Bool(v)) => out.push(u8::from(*v)),
            (SqlType::Text, Self::Text(v)) => put_text(v, out),
            (SqlType::F64, Self::Float(v)) => out.extend_from_slice(&v.to_bits().to_le_bytes()),
            (_, Self::Int(v)) => put_int(*v, out),
            // Keys are never null and a batch holds cells of its columns'
            // types: a mismatch still writes a value of the column's width.
            (SqlType::Bool, _) => out.push(0),
            (SqlType::Text, _) => put_text("", out),
            (_, _) => put_int(0, out),
        }
    }

    /// The bytes of one cell of type `sql` at the start of `encoded` (as
    /// [`put_encoded`](Self::put_encoded) writes it), and the rest.
    pub(crate) fn split_encoded(sql: SqlType, encoded: &[u8]) -> Option<(&[u8], &[u8])> {
        match sql {
            SqlType::Bool => encoded.split_at_checked(1),
            SqlType::Text => {
                let (len, rest) = encoded.split_at_checked(4)?;
                let len = u32::from_le_bytes(len.try_into().ok()?);
                rest.split_at_checked(usize::try_from(len).ok()?)
            }
            _ => encoded.split_at_checked(8),
        }
    }

    /// The cell of type `sql` whose encoding is `value`, as
    /// [`split_encoded`](Self::split_encoded) splits it off.
    pub(crate) fn decode(sql: SqlType, value: &[u8]) -> Option<Self> {
        Some(match sql {
            SqlType::Bool => Self::Bool(*value.first()? != 0),
            SqlType::Text => Self::Text(core::str::from_utf8(value).ok()?.to_owned()),
            SqlType::F64 => Self::Float(f64::from_le_bytes(value.try_into().ok()?)),
            _ => Self::Int(i64::from_le_bytes(value.try_into().ok()?)),
        })
    }

    /// The cell, of a column of type `sql`, as a value; `None` for a null
    /// or a time out of range.
    pub(crate) fn into_value(self, sql: SqlType) -> Option<Value> {
        Some(match self {
            Self::Bool(v) => Value::Bool(v),
            Self::Float(v) => Value::Float(v),
            Self::Text(v) => Value::Text(v),
            Self::Int(v) => return Value::from_int(sql, v),
            Self::Null => return None,
        })
    }
}

/// Appends an integer, instant (µs) or date (days) cell: 8 little-endian bytes.
#[inline]
pub(crate) fn put_int(v: i64, out: &mut Vec<u8>) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Appends a text cell: its `u32` length, then its bytes.
#[inline]
pub(crate) fn put_text(v: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(&u32::try_from(v.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(v.as_bytes());
}

impl From<Value> for Cell {
    fn from(value: Value) -> Self {
        match value {
            Value::Bool(v) => Self::Bool(v),
            Value::Int(v) => Self::Int(v),
            Value::Float(v) => Self::Float(v),
            Value::Text(v) => Self::Text(v),
            Value::Timestamp(v) => Self::Int(value::micros(&v)),
            Value::Date(v) => Self::Int(value::days(&v)),
        }
    }
}

/// A field mirrored as a column: where to find it and how to read it.
#[derive(Debug, Clone)]
pub(crate) struct Mirror {
    pub(crate) info: &'static FieldInfo,
    pub(crate) sql: SqlType,
}

impl Mirror {
    /// The mirror of `info`, or why the field cannot be mirrored.
    pub(crate) fn new(info: &'static FieldInfo) -> Result<Self, String> {
        let sql = match *scalar_kind(&info.kind) {
            FieldKind::Bool => SqlType::Bool,
            FieldKind::I8 | FieldKind::I16 | FieldKind::U8 => SqlType::I16,
            FieldKind::I32 | FieldKind::U16 => SqlType::I32,
            FieldKind::I64 | FieldKind::U32 | FieldKind::Duration { .. } => SqlType::I64,
            FieldKind::F32 | FieldKind::F64 => SqlType::F64,
            FieldKind::Timestamp { .. } => SqlType::Timestamp,
            FieldKind::Date => SqlType::Date,
            FieldKind::U64 => {
                return Err(format!(
                    "field `{}` is a u64, which no SQL integer column holds; mirror a narrower field",
                    info.name
                ))
            }
            _ => {
                return Err(format!(
                    "field `{}` is not a fixed scalar (bool, integer, float, time), so it cannot be mirrored",
                    info.name
                ))
            }
        };
        Ok(Self { info, sql })
    }

    /// The column's name: the field's.
    pub(crate) fn name(&self) -> &'static str {
        self.info.name
    }

    /// The field's value in a validated blob; `Null` when the field is null or
    /// the blob's version predates it.
    pub(crate) fn cell(&self, blob: &[u8]) -> Cell {
        let info = self.info;
        if blob.first().copied().unwrap_or(0) < info.since {
            return Cell::Null;
        }
        if let Some((byte, mask)) = info.null {
            if blob.get(byte).is_none_or(|b| b & mask == 0) {
                return Cell::Null;
            }
        }
        let Some(bytes) = blob.get(info.offset..info.offset.saturating_add(info.size)) else {
            return Cell::Null;
        };
        let mut le = [0_u8; 8];
        if let Some(dst) = le.get_mut(..bytes.len()) {
            dst.copy_from_slice(bytes);
        }
        let unsigned = u64::from_le_bytes(le);
        // Sign-extend from the slot's width.
        let shift =
            64_u32.saturating_sub(u32::try_from(bytes.len().saturating_mul(8)).unwrap_or(64));
        let signed = (unsigned.wrapping_shl(shift) as i64).wrapping_shr(shift);
        match *scalar_kind(&info.kind) {
            FieldKind::Bool => Cell::Bool(unsigned != 0),
            FieldKind::U8 | FieldKind::U16 | FieldKind::U32 => {
                Cell::Int(i64::try_from(unsigned).unwrap_or(i64::MAX))
            }
            FieldKind::F32 => Cell::Float(f64::from(f32::from_bits(unsigned as u32))),
            FieldKind::F64 => Cell::Float(f64::from_bits(unsigned)),
            FieldKind::Timestamp { unit, .. } => Cell::Int(to_micros(signed, unit)),
            _ => Cell::Int(signed),
        }
    }
}

/// The kind a mirror reads: an enum's stored integer kind, else the field's own.
fn scalar_kind(kind: &FieldKind) -> &FieldKind {
    match kind {
        FieldKind::Enum { repr, .. } => repr,
        other => other,
    }
}

/// A count of `unit` as microseconds, floored; saturating at the ends.
fn to_micros(raw: i64, unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Seconds => raw.saturating_mul(1_000_000),
        TimeUnit::Millis => raw.saturating_mul(1_000),
        TimeUnit::Micros => raw,
        TimeUnit::Nanos => raw.div_euclid(1_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_floor_to_microseconds() {
        assert_eq!(to_micros(-1, TimeUnit::Nanos), -1);
        assert_eq!(to_micros(1_999, TimeUnit::Nanos), 1);
        assert_eq!(to_micros(2, TimeUnit::Seconds), 2_000_000);
        assert_eq!(to_micros(i64::MAX, TimeUnit::Millis), i64::MAX);
    }
}
