//! The application's key: one scalar or a tuple of scalars, one SQL column each.

use core::fmt;

use chrono::{DateTime, NaiveDate, Utc};

use crate::columns::{Bitmap, ColumnData, StringColumn};

use crate::FieldKind;

use super::mirror::{put_int, put_text, Cell};
use super::value::{days, micros, SqlType, Value};

macro_rules! key_column {
    ($($bound:tt)+) => {
        /// What a key part's column is: column data that compares, crosses
        /// threads and, with the `arrow` feature, moves into an Arrow array.
        pub trait KeyColumn: $($bound)+ {}
        impl<C: $($bound)+> KeyColumn for C {}
    };
}

#[cfg(feature = "arrow")]
key_column!(ColumnData + PartialEq + Send + Sync + crate::columns::arrow::ArrowColumn);
#[cfg(not(feature = "arrow"))]
key_column!(ColumnData + PartialEq + Send + Sync);

/// One column of a key: a scalar with a fixed SQL type.
pub trait KeyPart: Clone + Ord + Send + Sync + fmt::Debug + 'static {
    /// The column's SQL type.
    const SQL: SqlType;

    /// The value, to bind.
    fn to_value(&self) -> Value;

    /// The value read back from the column; `None` when it has another type.
    fn from_value(value: Value) -> Option<Self>;

    /// The column many values of this part go into, in the layout the fact
    /// columns use: a `Vec` of integers (instants as microseconds, dates as
    /// days), a [`Bitmap`] of bools, a [`StringColumn`] of text.
    type Column: KeyColumn;

    /// The [`FieldKind`](crate::FieldKind) whose Arrow type the column takes.
    const KIND: FieldKind;

    /// Appends the value to `column`.
    fn push_to(&self, column: &mut Self::Column);

    /// Appends the value as a paged store's pages hold it: a byte for a
    /// bool, a `u32` length and the bytes for text, 8 little-endian bytes
    /// for every other type (integers, microseconds, days, a float's bits).
    fn put_encoded(&self, out: &mut Vec<u8>) {
        Cell::from(self.to_value()).put_encoded(Self::SQL, out);
    }
}

/// Implements [`KeyPart`] for `$t`, whose value `$v` goes into its column as
/// `$stored` and into a page as `$put` writes it to `$out`.
macro_rules! key_part {
    ($($t:ty => $sql:ident, $variant:ident, $column:ty, $kind:expr,
        |$v:ident, $out:ident| $stored:expr, $put:expr;)*) => {$(
        impl KeyPart for $t {
            const SQL: SqlType = SqlType::$sql;
            type Column = $column;
            const KIND: FieldKind = $kind;

            #[inline]
            fn push_to(&self, column: &mut Self::Column) {
                let $v = self;
                column.push($stored);
            }

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
            fn put_encoded(&self, $out: &mut Vec<u8>) {
                let $v = self;
                $put
            }
        }
    )*};
}

/// Instants in key columns: microseconds since 1970, in UTC.
const MICROS: FieldKind = FieldKind::Timestamp {
    unit: crate::TimeUnit::Micros,
    utc: true,
};

key_part! {
    bool => Bool, Bool, Bitmap, FieldKind::Bool, |v, out| *v, out.push(u8::from(*v));
    i16 => I16, Int, Vec<i16>, FieldKind::I16, |v, out| *v, put_int(i64::from(*v), out);
    i32 => I32, Int, Vec<i32>, FieldKind::I32, |v, out| *v, put_int(i64::from(*v), out);
    i64 => I64, Int, Vec<i64>, FieldKind::I64, |v, out| *v, put_int(*v, out);
    String => Text, Text, StringColumn, FieldKind::String, |v, out| v, put_text(v, out);
    DateTime<Utc> => Timestamp, Timestamp, Vec<i64>, MICROS,
        |v, out| micros(v), put_int(micros(v), out);
    NaiveDate => Date, Date, Vec<i32>, FieldKind::Date,
        |v, out| i32::try_from(days(v)).unwrap_or_default(), put_int(days(v), out);
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

    /// The key columns of many rows: a tuple of one [`KeyPart::Column`] per
    /// key column, in order (a scalar key is a tuple of one), so that each
    /// part is a column of its own, as a metrics computation groups by.
    type Columns: Default + Clone + fmt::Debug + PartialEq + Send + Sync;

    /// Appends the key's parts to `columns`.
    fn push_columns(&self, columns: &mut Self::Columns);

    /// Rows in `columns`.
    fn columns_len(columns: &Self::Columns) -> usize;

    /// Reserves room for `additional` more rows in `columns`.
    fn reserve_columns(columns: &mut Self::Columns, additional: usize);

    /// Keeps the first `rows` rows of `columns`.
    fn truncate_columns(columns: &mut Self::Columns, rows: usize);

    /// Moves `columns` into Arrow arrays, one per key column, without
    /// copying the values.
    ///
    /// # Errors
    /// Buffers that break Arrow's rules (only possible if public fields were
    /// changed by hand).
    #[cfg(feature = "arrow")]
    fn columns_into_arrow(
        columns: Self::Columns,
        out: &mut Vec<arrow_array::ArrayRef>,
    ) -> Result<(), arrow_schema::ArrowError>;

    /// The Arrow type of each key column, in order.
    #[cfg(feature = "arrow")]
    fn arrow_types() -> Vec<arrow_schema::DataType>;

    /// Appends the key as a paged store's pages hold it (each column as
    /// [`KeyPart::put_encoded`] describes); returns where column `prefix`
    /// starts in `out` (its end when the key has no such column).
    fn put_encoded(&self, prefix: usize, out: &mut Vec<u8>) -> usize {
        let mut split = None;
        for (j, (value, sql)) in self.values().into_iter().zip(Self::TYPES).enumerate() {
            if j == prefix {
                split = Some(out.len());
            }
            Cell::from(value).put_encoded(*sql, out);
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

/// Implements [`Key`] for `$key` (generic over the parts `$g`), whose parts
/// are `$part`, in column order, reached from the key `$k` as `$get`;
/// `$build` makes the key from the tuple of its parts.
macro_rules! key {
    ([$($g:ident),*] $key:ty, |$k:ident| $($i:tt: $part:ty = $get:expr),+; $build:path) => {
        impl<$($g: KeyPart),*> Key for $key {
            const TYPES: &'static [SqlType] = &[$(<$part as KeyPart>::SQL),+];

            fn push_values(&self, out: &mut Vec<Value>) {
                let $k = self;
                $(out.push($get.to_value());)+
            }

            fn from_values(values: &mut dyn Iterator<Item = Value>) -> Option<Self> {
                let parts = ($(<$part as KeyPart>::from_value(values.next()?)?,)+);
                Some($build(parts))
            }

            type Columns = ($(<$part as KeyPart>::Column,)+);

            #[inline]
            fn push_columns(&self, columns: &mut Self::Columns) {
                let $k = self;
                $($get.push_to(&mut columns.$i);)+
            }

            fn columns_len(columns: &Self::Columns) -> usize {
                columns.0.len()
            }

            fn reserve_columns(columns: &mut Self::Columns, additional: usize) {
                $(columns.$i.reserve(additional);)+
            }

            fn truncate_columns(columns: &mut Self::Columns, rows: usize) {
                $(columns.$i.truncate(rows);)+
            }

            #[cfg(feature = "arrow")]
            fn columns_into_arrow(
                columns: Self::Columns,
                out: &mut Vec<arrow_array::ArrayRef>,
            ) -> Result<(), arrow_schema::ArrowError> {
                $(crate::columns::arrow::ArrowColumn::into_arrow(
                    columns.$i,
                    &<$part as KeyPart>::KIND,
                    None,
                    out,
                )?;)+
                Ok(())
            }

            #[cfg(feature = "arrow")]
            fn arrow_types() -> Vec<arrow_schema::DataType> {
                vec![$(crate::columns::arrow::data_type(&<$part as KeyPart>::KIND)),+]
            }

            fn put_encoded(&self, prefix: usize, out: &mut Vec<u8>) -> usize {
                let $k = self;
                let mut split = None;
                $(
                    if $i == prefix {
                        split = Some(out.len());
                    }
                    <$part as KeyPart>::put_encoded(&$get, out);
                )+
                split.unwrap_or(out.len())
            }
        }
    };
}

/// A scalar key is a tuple of one, without the tuple.
macro_rules! scalar_key {
    ($($t:ty),*) => {$(
        key!([] $t, |k| 0: $t = *k; only);
    )*};
}

/// The part of a tuple of one.
fn only<T>((part,): (T,)) -> T {
    part
}

scalar_key!(bool, i16, i32, i64, String, DateTime<Utc>, NaiveDate);

use core::convert::identity;
key!([A] (A,), |k| 0: A = k.0; identity);
key!([A, B] (A, B), |k| 0: A = k.0, 1: B = k.1; identity);
key!([A, B, C] (A, B, C), |k| 0: A = k.0, 1: B = k.1, 2: C = k.2; identity);
key!([A, B, C, D] (A, B, C, D), |k| 0: A = k.0, 1: B = k.1, 2: C = k.2, 3: D = k.3; identity);
key!([A, B, C, D, E] (A, B, C, D, E),
    |k| 0: A = k.0, 1: B = k.1, 2: C = k.2, 3: D = k.3, 4: E = k.4; identity);
key!([A, B, C, D, E, F] (A, B, C, D, E, F),
    |k| 0: A = k.0, 1: B = k.1, 2: C = k.2, 3: D = k.3, 4: E = k.4, 5: F = k.5; identity);

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

        type Columns = <(i64, String, NaiveDate) as Key>::Columns;

        fn push_columns(&self, columns: &mut Self::Columns) {
            (self.0, self.1.clone(), self.2).push_columns(columns);
        }

        fn columns_len(columns: &Self::Columns) -> usize {
            <(i64, String, NaiveDate)>::columns_len(columns)
        }

        fn reserve_columns(columns: &mut Self::Columns, additional: usize) {
            <(i64, String, NaiveDate)>::reserve_columns(columns, additional);
        }

        fn truncate_columns(columns: &mut Self::Columns, rows: usize) {
            <(i64, String, NaiveDate)>::truncate_columns(columns, rows);
        }

        #[cfg(feature = "arrow")]
        fn columns_into_arrow(
            columns: Self::Columns,
            out: &mut Vec<arrow_array::ArrayRef>,
        ) -> Result<(), arrow_schema::ArrowError> {
            <(i64, String, NaiveDate)>::columns_into_arrow(columns, out)
        }

        #[cfg(feature = "arrow")]
        fn arrow_types() -> Vec<arrow_schema::DataType> {
            <(i64, String, NaiveDate)>::arrow_types()
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
