//! The application's key: one scalar or a tuple of scalars, one SQL column each.

use core::fmt;

use chrono::{DateTime, NaiveDate, Utc};

use super::pages;
use super::value::{SqlType, Value};

/// One column of a key: a scalar with a fixed SQL type.
pub trait KeyPart: Clone + Ord + Send + Sync + fmt::Debug + 'static {
    /// The column's SQL type.
    const SQL: SqlType;

    /// The value, to bind.
    fn to_value(&self) -> Value;

    /// The value read back from the column; `None` when it has another type.
    fn from_value(value: Value) -> Option<Self>;

    /// Appends the value as a paged store's pages hold it: a byte for a
    /// bool, a `u32` length and the bytes for text, 8 little-endian bytes
    /// for every other type (integers, microseconds, days, a float's bits).
    fn put_encoded(&self, out: &mut Vec<u8>) {
        put_value(Self::SQL, self.to_value(), out);
    }
}

/// Appends `value`, of a column of type `sql`, as the page codec writes it.
fn put_value(sql: SqlType, value: Value, out: &mut Vec<u8>) {
    pages::put_cell(out, sql, &pages::cell_of(value));
}

macro_rules! key_part {
    ($($t:ty => $sql:ident, $variant:ident, |$v:ident, $out:ident| $put:expr);* $(;)?) => {$(
        impl KeyPart for $t {
            const SQL: SqlType = SqlType::$sql;

            fn to_value(&self) -> Value {
                Value::from(self.clone())
            }

            fn from_value(value: Value) -> Option<Self> {
                match value {
                    Value::$variant(v) => v.try_into().ok(),
                    _ => None,
                }
            }

            #[inline]
            fn put_encoded(&self, out: &mut Vec<u8>) {
                let ($v, $out) = (self, out);
                $put
            }
        }
    )*};
}

key_part! {
    bool => Bool, Bool, |v, out| out.push(u8::from(*v));
    i16 => I16, Int, |v, out| out.extend_from_slice(&i64::from(*v).to_le_bytes());
    i32 => I32, Int, |v, out| out.extend_from_slice(&i64::from(*v).to_le_bytes());
    i64 => I64, Int, |v, out| out.extend_from_slice(&v.to_le_bytes());
    String => Text, Text, |v, out| {
        out.extend_from_slice(&u32::try_from(v.len()).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(v.as_bytes());
    };
    DateTime<Utc> => Timestamp, Timestamp, |v, out| out.extend_from_slice(&super::value::micros(v).to_le_bytes());
    NaiveDate => Date, Date, |v, out| out.extend_from_slice(&super::value::days(v).to_le_bytes());
}

/// A store's key: a [`KeyPart`] or a tuple of up to six of them, one SQL
/// column each, in order. Column names are given when the store is built.
pub trait Key: Clone + Ord + Send + Sync + fmt::Debug + 'static {
    /// The SQL type of each column.
    const TYPES: &'static [SqlType];

    /// Appends the value of each column to `out`.
    fn push_values(&self, out: &mut Vec<Value>);

    /// Rebuilds a key from its columns' values, in order; `None` when one has
    /// another type or one is missing.
    fn from_values(values: &mut dyn Iterator<Item = Value>) -> Option<Self>;

    /// Appends the key as a paged store's pages hold it (each column as
    /// [`KeyPart::put_encoded`] describes); returns where column `prefix`
    /// starts in `out` (its end when the key has no such column).
    fn put_encoded(&self, prefix: usize, out: &mut Vec<u8>) -> usize {
        let mut split = None;
        for (j, (value, sql)) in self.values().into_iter().zip(Self::TYPES).enumerate() {
            if j == prefix {
                split = Some(out.len());
            }
            put_value(*sql, value, out);
        }
        split.unwrap_or(out.len())
    }

    /// The value of each column.
    fn values(&self) -> Vec<Value> {
        let mut out = Vec::with_capacity(Self::TYPES.len());
        self.push_values(&mut out);
        out
    }
}

macro_rules! scalar_key {
    ($($t:ty),*) => {$(
        impl Key for $t {
            const TYPES: &'static [SqlType] = &[<$t as KeyPart>::SQL];

            fn push_values(&self, out: &mut Vec<Value>) {
                out.push(self.to_value());
            }

            fn from_values(values: &mut dyn Iterator<Item = Value>) -> Option<Self> {
                <$t as KeyPart>::from_value(values.next()?)
            }

            fn put_encoded(&self, prefix: usize, out: &mut Vec<u8>) -> usize {
                let start = out.len();
                KeyPart::put_encoded(self, out);
                if prefix == 0 { start } else { out.len() }
            }
        }
    )*};
}

scalar_key!(bool, i16, i32, i64, String, DateTime<Utc>, NaiveDate);

macro_rules! tuple_key {
    ($($name:ident . $index:tt),+) => {
        impl<$($name: KeyPart),+> Key for ($($name,)+) {
            const TYPES: &'static [SqlType] = &[$($name::SQL),+];

            fn push_values(&self, out: &mut Vec<Value>) {
                $(out.push(self.$index.to_value());)+
            }

            fn from_values(values: &mut dyn Iterator<Item = Value>) -> Option<Self> {
                Some(($($name::from_value(values.next()?)?,)+))
            }

            fn put_encoded(&self, prefix: usize, out: &mut Vec<u8>) -> usize {
                let mut split = None;
                $(
                    if $index == prefix {
                        split = Some(out.len());
                    }
                    self.$index.put_encoded(out);
                )+
                split.unwrap_or(out.len())
            }
        }
    };
}

tuple_key!(A.0);
tuple_key!(A.0, B.1);
tuple_key!(A.0, B.1, C.2);
tuple_key!(A.0, B.1, C.2, D.3);
tuple_key!(A.0, B.1, C.2, D.3, E.4);
tuple_key!(A.0, B.1, C.2, D.3, E.4, F.5);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuples_round_trip_through_values() {
        let key = (7_i64, "acme/api".to_owned(), 3_i16);
        let values = key.values();
        assert_eq!(values.len(), 3);
        let back = <(i64, String, i16)>::from_values(&mut values.into_iter());
        assert_eq!(back, Some(key));
    }

    #[test]
    fn a_value_of_another_type_is_rejected() {
        let mut values = vec![Value::Text("x".into())].into_iter();
        assert_eq!(<i64 as Key>::from_values(&mut values), None);
        let mut short = vec![Value::Int(1)].into_iter();
        assert_eq!(<(i64, i64)>::from_values(&mut short), None);
        let mut wide = vec![Value::Int(70_000)].into_iter();
        assert_eq!(<i16 as Key>::from_values(&mut wide), None);
    }

    /// A key implemented by hand, with the provided `put_encoded`.
    #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
    struct Custom(i64, String, NaiveDate);

    impl Key for Custom {
        const TYPES: &'static [SqlType] = &[SqlType::I64, SqlType::Text, SqlType::Date];

        fn push_values(&self, out: &mut Vec<Value>) {
            out.extend([self.0.to_value(), self.1.to_value(), self.2.to_value()]);
        }

        fn from_values(values: &mut dyn Iterator<Item = Value>) -> Option<Self> {
            Some(Self(
                KeyPart::from_value(values.next()?)?,
                KeyPart::from_value(values.next()?)?,
                KeyPart::from_value(values.next()?)?,
            ))
        }
    }

    #[test]
    fn the_provided_encoding_matches_the_built_in_keys() {
        let date = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        let custom = Custom(-5, "a/b".into(), date);
        let tuple = (-5_i64, "a/b".to_owned(), date);
        for prefix in 0..=4 {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let split = custom.put_encoded(prefix, &mut a);
            assert_eq!(split, tuple.put_encoded(prefix, &mut b), "prefix {prefix}");
            assert_eq!(a, b);
        }
    }
}
