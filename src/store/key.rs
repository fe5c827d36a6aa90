//! The application's key: one scalar or a tuple of scalars, one SQL column each.

use core::fmt;

use chrono::{DateTime, NaiveDate, Utc};

use super::value::{SqlType, Value};

/// One column of a key: a scalar with a fixed SQL type.
pub trait KeyPart: Clone + Ord + Send + Sync + fmt::Debug + 'static {
    /// The column's SQL type.
    const SQL: SqlType;

    /// The value, to bind.
    fn to_value(&self) -> Value;

    /// The value read back from the column; `None` when it has another type.
    fn from_value(value: Value) -> Option<Self>;
}

macro_rules! key_part {
    ($($t:ty => $sql:ident, $variant:ident);* $(;)?) => {$(
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
        }
    )*};
}

key_part! {
    bool => Bool, Bool;
    i16 => I16, Int;
    i32 => I32, Int;
    i64 => I64, Int;
    String => Text, Text;
    DateTime<Utc> => Timestamp, Timestamp;
    NaiveDate => Date, Date;
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
}
