//! Columns into Arrow arrays without copying (feature `arrow`).
//!
//! Every column buffer already has Arrow's layout, so each `Vec` becomes an
//! Arrow buffer by moving its allocation ([`Buffer::from_vec`]); only the
//! checks Arrow makes on untrusted buffers (offsets ascending, UTF-8) read
//! the data. The Arrow type comes from the field's [`FieldKind`]: timestamps
//! keep their unit and, for `DateTime<Utc>`, the `UTC` time zone.
//!
//! An enum column becomes a `Dictionary` of `Utf8` variant names keyed by the
//! enum's integer type. When every discriminant lies in `0..=1023`, the
//! dictionary is indexed by discriminant (null where no variant has it) and
//! the keys are the column itself, moved; otherwise they are the variants'
//! positions in declaration order, computed in one pass. A value of no
//! variant, which only an enum with a catch-all admits, becomes the
//! catch-all's key.
//!
//! Nested facts are flattened into `<field>_<subfield>` columns; a list of
//! nested facts is a `List` of `Struct`. Transient fields are not part of the
//! batch: their types are the application's own.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::ArrowDictionaryKeyType;
use arrow_array::types::{
    Date32Type, DurationMicrosecondType, DurationMillisecondType, DurationNanosecondType,
    DurationSecondType, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::Array;
use arrow_array::{
    ArrayRef, BooleanArray, DictionaryArray, FixedSizeBinaryArray, FixedSizeListArray, ListArray,
    PrimitiveArray, RecordBatch, RecordBatchOptions, StringArray, StructArray,
};
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{ArrowError, DataType, Field, Fields, Schema, SchemaRef};

use super::buffers::{Bitmap, ColumnData, ListColumn, Nullable, StringColumn};
use super::compound::ArrayColumn;
use super::Columns;
use crate::kind::EnumVariant;
use crate::kind::{FieldKind, TimeUnit};

/// A column that can move into Arrow arrays.
pub trait ArrowColumn: ColumnData {
    /// Appends the Arrow fields this column becomes (several for a nested
    /// fact, flattened), named `name` (or `name_subfield`). One field of the
    /// kind's type unless the column says otherwise.
    fn arrow_fields(kind: &FieldKind, name: &str, nullable: bool, out: &mut Vec<Field>) {
        out.push(Field::new(name, data_type(kind), nullable));
    }

    /// Moves the column into Arrow arrays, one per field of
    /// [`arrow_fields`](Self::arrow_fields); `nulls` marks rows that are null
    /// from outside (a null nested fact).
    ///
    /// # Errors
    /// Buffers that break Arrow's rules, which only public fields changed by
    /// hand can cause (offsets that do not ascend, a bitmap of the wrong length).
    fn into_arrow(
        self,
        kind: &FieldKind,
        nulls: Option<NullBuffer>,
        out: &mut Vec<ArrayRef>,
    ) -> Result<(), ArrowError>;
}

/// The name of a nested fact's subfield column: `field_subfield`.
pub fn flattened(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}_{name}")
    }
}

/// The Arrow type of a field kind, for one value (a nested fact becomes a struct).
pub fn data_type(kind: &FieldKind) -> DataType {
    match kind {
        FieldKind::Bool => DataType::Boolean,
        FieldKind::I8 => DataType::Int8,
        FieldKind::I16 => DataType::Int16,
        FieldKind::I32 => DataType::Int32,
        FieldKind::I64 => DataType::Int64,
        FieldKind::U8 => DataType::UInt8,
        FieldKind::U16 => DataType::UInt16,
        FieldKind::U32 => DataType::UInt32,
        FieldKind::U64 => DataType::UInt64,
        FieldKind::F32 => DataType::Float32,
        FieldKind::F64 => DataType::Float64,
        FieldKind::Timestamp { unit, utc } => {
            DataType::Timestamp(arrow_unit(*unit), utc.then(|| "UTC".into()))
        }
        FieldKind::Date => DataType::Date32,
        FieldKind::Duration { unit } => DataType::Duration(arrow_unit(*unit)),
        FieldKind::Bytes { len } => {
            DataType::FixedSizeBinary(i32::try_from(*len).unwrap_or(i32::MAX))
        }
        FieldKind::Array { element, len } => DataType::FixedSizeList(
            Arc::new(Field::new("item", data_type(element), false)),
            i32::try_from(*len).unwrap_or(i32::MAX),
        ),
        FieldKind::Tuple(elements) => DataType::Struct(
            elements
                .iter()
                .enumerate()
                .map(|(i, kind)| Field::new(i.to_string(), data_type(kind), false))
                .collect(),
        ),
        FieldKind::Fact { fields, .. } => {
            let children: Vec<Field> = fields
                .iter()
                .map(|f| Field::new(f.name, data_type(&f.kind), f.null.is_some()))
                .collect();
            DataType::Struct(Fields::from(children))
        }
        FieldKind::String => DataType::Utf8,
        FieldKind::List(item) => {
            DataType::List(Arc::new(Field::new("item", data_type(item), false)))
        }
        FieldKind::StrList => DataType::List(Arc::new(Field::new("item", DataType::Utf8, false))),
        FieldKind::Enum { repr, .. } | FieldKind::Union { repr, .. } => {
            DataType::Dictionary(Box::new(data_type(repr)), Box::new(DataType::Utf8))
        }
    }
}

fn arrow_unit(unit: TimeUnit) -> arrow_schema::TimeUnit {
    match unit {
        TimeUnit::Seconds => arrow_schema::TimeUnit::Second,
        TimeUnit::Millis => arrow_schema::TimeUnit::Millisecond,
        TimeUnit::Micros => arrow_schema::TimeUnit::Microsecond,
        TimeUnit::Nanos => arrow_schema::TimeUnit::Nanosecond,
    }
}

fn mismatch(kind: &FieldKind, column: &str) -> ArrowError {
    ArrowError::InvalidArgumentError(format!("a {column} column cannot hold {kind:?} values"))
}

/// A primitive array of type `A` over `values`, moved, not copied.
fn primitive<A: arrow_array::ArrowPrimitiveType>(
    values: Vec<A::Native>,
    nulls: Option<NullBuffer>,
) -> Result<PrimitiveArray<A>, ArrowError> {
    PrimitiveArray::<A>::try_new(ScalarBuffer::from(values), nulls)
}

/// Implements [`ArrowColumn`] for `Vec<native>`, choosing the array type by
/// kind: an enum's stored integers become a dictionary keyed by `$key`.
macro_rules! primitive_column {
    ($native:ty as $key:ty { $($kind:pat => $array:ty),* $(,)? }) => {
        impl ArrowColumn for Vec<$native> {
            fn into_arrow(
                self,
                kind: &FieldKind,
                nulls: Option<NullBuffer>,
                out: &mut Vec<ArrayRef>,
            ) -> Result<(), ArrowError> {
                let array: ArrayRef = match kind {
                    $($kind => Arc::new(primitive::<$array>(self, nulls)?),)*
                    FieldKind::Enum { variants, .. } | FieldKind::Union { variants, .. } => {
                        enum_dictionary::<$key>(self, variants, nulls)?
                    }
                    other => return Err(mismatch(other, stringify!($native))),
                };
                out.push(array);
                Ok(())
            }
        }
    };
}

primitive_column!(i8 as Int8Type { FieldKind::I8 => Int8Type });
primitive_column!(i16 as Int16Type { FieldKind::I16 => Int16Type });
primitive_column!(u8 as UInt8Type { FieldKind::U8 => UInt8Type });
primitive_column!(u16 as UInt16Type { FieldKind::U16 => UInt16Type });
primitive_column!(u32 as UInt32Type { FieldKind::U32 => UInt32Type });
primitive_column!(u64 as UInt64Type { FieldKind::U64 => UInt64Type });
primitive_column!(i32 as Int32Type { FieldKind::I32 => Int32Type, FieldKind::Date => Date32Type });

impl ArrowColumn for Vec<f32> {
    fn into_arrow(
        self,
        kind: &FieldKind,
        nulls: Option<NullBuffer>,
        out: &mut Vec<ArrayRef>,
    ) -> Result<(), ArrowError> {
        if *kind != FieldKind::F32 {
            return Err(mismatch(kind, "f32"));
        }
        out.push(Arc::new(primitive::<Float32Type>(self, nulls)?));
        Ok(())
    }
}

impl ArrowColumn for Vec<f64> {
    fn into_arrow(
        self,
        kind: &FieldKind,
        nulls: Option<NullBuffer>,
        out: &mut Vec<ArrayRef>,
    ) -> Result<(), ArrowError> {
        if *kind != FieldKind::F64 {
            return Err(mismatch(kind, "f64"));
        }
        out.push(Arc::new(primitive::<Float64Type>(self, nulls)?));
        Ok(())
    }
}

/// Discriminants up to this one index an enum's dictionary directly.
const DENSE_LIMIT: i128 = 1023;

/// Whether an enum's dictionary is indexed by discriminant: every
/// discriminant lies in `0..=DENSE_LIMIT`.
fn dense(variants: &[EnumVariant]) -> bool {
    variants
        .iter()
        .all(|v| (0..=DENSE_LIMIT).contains(&v.value))
}

/// The dictionary of an enum's names: indexed by discriminant (null where no
/// variant has it) when [`dense`], else in declaration order.
fn enum_names(variants: &[EnumVariant]) -> StringArray {
    if dense(variants) {
        let len = variants.iter().map(|v| v.value).max().unwrap_or(-1);
        let len = usize::try_from(len.saturating_add(1)).unwrap_or(0);
        let mut names: Vec<Option<&str>> = vec![None; len];
        for v in variants {
            if let Some(name) = usize::try_from(v.value).ok().and_then(|i| names.get_mut(i)) {
                *name = Some(v.name);
            }
        }
        StringArray::from(names)
    } else {
        StringArray::from_iter_values(variants.iter().map(|v| v.name))
    }
}

/// An enum column as a dictionary of variant names.
///
/// When the enum is [`dense`], the keys are the stored discriminants
/// themselves and the column's buffer moves into the array uncopied, unless
/// some row holds a value of no variant (read as the catch-all, whose
/// discriminant replaces it in a copy). Otherwise each key is its variant's
/// position in declaration order, computed in one pass.
fn enum_dictionary<K>(
    keys: Vec<K::Native>,
    variants: &[EnumVariant],
    nulls: Option<NullBuffer>,
) -> Result<ArrayRef, ArrowError>
where
    K: ArrowDictionaryKeyType,
    K::Native: Into<i128> + TryFrom<i128>,
{
    let names = enum_names(variants);
    let is_dense = dense(variants);
    let known: Vec<bool> = if is_dense {
        let mut known = vec![false; names.len()];
        for v in variants {
            if let Some(k) = usize::try_from(v.value).ok().and_then(|i| known.get_mut(i)) {
                *k = true;
            }
        }
        known
    } else {
        Vec::new()
    };
    let null = |row: usize| nulls.as_ref().is_some_and(|n| n.is_null(row));
    let is_known = |value: i128| {
        usize::try_from(value)
            .ok()
            .and_then(|i| known.get(i))
            .is_some_and(|k| *k)
    };
    let moved = is_dense
        && keys
            .iter()
            .enumerate()
            .all(|(row, key)| null(row) || is_known((*key).into()));
    let keys = if moved {
        keys
    } else {
        let other = variants.iter().position(|v| v.other);
        // Discriminants in order, each with its variant's position, so that
        // each row is one binary search.
        let mut sorted: Vec<(i128, usize)> = variants
            .iter()
            .enumerate()
            .map(|(index, v)| (v.value, index))
            .collect();
        sorted.sort_unstable();
        let key_of = |value: i128| -> Option<i128> {
            let index = sorted
                .binary_search_by_key(&value, |(d, _)| *d)
                .ok()
                .and_then(|at| sorted.get(at))
                .map(|(_, index)| *index)
                .or(other)?;
            if is_dense {
                variants.get(index).map(|v| v.value)
            } else {
                i128::try_from(index).ok()
            }
        };
        let mut mapped = Vec::with_capacity(keys.len());
        for (row, key) in keys.into_iter().enumerate() {
            let value: i128 = key.into();
            let key = if null(row) { Some(0) } else { key_of(value) };
            let key = key
                .and_then(|k| K::Native::try_from(k).ok())
                .ok_or_else(|| {
                    ArrowError::InvalidArgumentError(format!(
                        "row {row} holds {value}, which is no variant's discriminant"
                    ))
                })?;
            mapped.push(key);
        }
        mapped
    };
    let keys = primitive::<K>(keys, nulls)?;
    Ok(Arc::new(DictionaryArray::<K>::try_new(
        keys,
        Arc::new(names),
    )?))
}

impl ArrowColumn for Vec<i64> {
    fn into_arrow(
        self,
        kind: &FieldKind,
        nulls: Option<NullBuffer>,
        out: &mut Vec<ArrayRef>,
    ) -> Result<(), ArrowError> {
        use TimeUnit::{Micros, Millis, Nanos, Seconds};
        let array: ArrayRef = match *kind {
            FieldKind::I64 => Arc::new(primitive::<Int64Type>(self, nulls)?),
            FieldKind::Enum { variants, .. } | FieldKind::Union { variants, .. } => {
                enum_dictionary::<Int64Type>(self, variants, nulls)?
            }
            FieldKind::Timestamp { unit, utc } => {
                let zone = utc.then_some("UTC");
                match unit {
                    Seconds => Arc::new(
                        primitive::<TimestampSecondType>(self, nulls)?.with_timezone_opt(zone),
                    ),
                    Millis => Arc::new(
                        primitive::<TimestampMillisecondType>(self, nulls)?.with_timezone_opt(zone),
                    ),
                    Micros => Arc::new(
                        primitive::<TimestampMicrosecondType>(self, nulls)?.with_timezone_opt(zone),
                    ),
                    Nanos => Arc::new(
                        primitive::<TimestampNanosecondType>(self, nulls)?.with_timezone_opt(zone),
                    ),
                }
            }
            FieldKind::Duration { unit } => match unit {
                Seconds => Arc::new(primitive::<DurationSecondType>(self, nulls)?),
                Millis => Arc::new(primitive::<DurationMillisecondType>(self, nulls)?),
                Micros => Arc::new(primitive::<DurationMicrosecondType>(self, nulls)?),
                Nanos => Arc::new(primitive::<DurationNanosecondType>(self, nulls)?),
            },
            ref other => return Err(mismatch(other, "i64")),
        };
        out.push(array);
        Ok(())
    }
}

/// A validity or boolean buffer from a bitmap, moved.
fn boolean_buffer(bitmap: Bitmap) -> Result<BooleanBuffer, ArrowError> {
    let (bits, len) = bitmap.into_parts();
    if bits.len() != len.div_ceil(8) {
        return Err(ArrowError::InvalidArgumentError(format!(
            "a bitmap of {len} bits needs {} bytes, not {}",
            len.div_ceil(8),
            bits.len()
        )));
    }
    Ok(BooleanBuffer::new(Buffer::from_vec(bits), 0, len))
}

fn check_len(what: &str, len: usize, expected: usize) -> Result<(), ArrowError> {
    if len == expected {
        Ok(())
    } else {
        Err(ArrowError::InvalidArgumentError(format!(
            "{what} has {len} rows where {expected} were expected"
        )))
    }
}

impl ArrowColumn for Bitmap {
    fn into_arrow(
        self,
        kind: &FieldKind,
        nulls: Option<NullBuffer>,
        out: &mut Vec<ArrayRef>,
    ) -> Result<(), ArrowError> {
        if *kind != FieldKind::Bool {
            return Err(mismatch(kind, "boolean"));
        }
        let values = boolean_buffer(self)?;
        if let Some(nulls) = &nulls {
            check_len("a validity bitmap", nulls.len(), values.len())?;
        }
        out.push(Arc::new(BooleanArray::new(values, nulls)));
        Ok(())
    }
}

impl<C: ArrowColumn, const N: usize> ArrowColumn for ArrayColumn<C, N> {
    fn arrow_fields(kind: &FieldKind, name: &str, nullable: bool, out: &mut Vec<Field>) {
        let data_type = match kind {
            FieldKind::Array { element, len } => DataType::FixedSizeList(
                Arc::new(item_field::<C>(element)),
                i32::try_from(*len).unwrap_or(i32::MAX),
            ),
            _ => data_type(kind),
        };
        out.push(Field::new(name, data_type, nullable));
    }

    fn into_arrow(
        self,
        kind: &FieldKind,
        nulls: Option<NullBuffer>,
        out: &mut Vec<ArrayRef>,
    ) -> Result<(), ArrowError> {
        let size = i32::try_from(N)
            .map_err(|_| ArrowError::InvalidArgumentError(format!("[_; {N}] is too wide")))?;
        let rows = self.len();
        if let Some(nulls) = &nulls {
            check_len("a validity bitmap", nulls.len(), rows)?;
        }
        match kind {
            FieldKind::Bytes { len } if *len == N => {
                let mut arrays = Vec::new();
                self.values.into_arrow(&FieldKind::U8, None, &mut arrays)?;
                let bytes = match arrays.pop() {
                    Some(array) if arrays.is_empty() => array
                        .as_primitive_opt::<arrow_array::types::UInt8Type>()
                        .map(|bytes| bytes.values().inner().clone()),
                    _ => None,
                }
                .ok_or_else(|| mismatch(kind, "byte array"))?;
                out.push(Arc::new(FixedSizeBinaryArray::try_new_with_len(
                    size, bytes, nulls, rows,
                )?));
            }
            FieldKind::Array { element, len } if *len == N => {
                let field = item_field::<C>(element);
                let values = child_array(self.values, element, &field)?;
                out.push(Arc::new(FixedSizeListArray::try_new_with_length(
                    Arc::new(field),
                    size,
                    values,
                    nulls,
                    rows,
                )?));
            }
            _ => return Err(mismatch(kind, "fixed-size array")),
        }
        Ok(())
    }
}

/// Implements [`ArrowColumn`] for tuples of columns: a struct array whose
/// children are named `0`, `1`, ...
macro_rules! tuple_arrow {
    ($(($($t:ident $v:ident $i:tt),+);)*) => {$(
        impl<$($t: ArrowColumn),+> ArrowColumn for ($($t,)+) {
            fn arrow_fields(kind: &FieldKind, name: &str, nullable: bool, out: &mut Vec<Field>) {
                let data_type = match kind {
                    FieldKind::Tuple([$($v),+]) => DataType::Struct(Fields::from(vec![
                        $(child_field::<$t>($v, stringify!($i))),+
                    ])),
                    _ => data_type(kind),
                };
                out.push(Field::new(name, data_type, nullable));
            }

            fn into_arrow(
                self,
                kind: &FieldKind,
                nulls: Option<NullBuffer>,
                out: &mut Vec<ArrayRef>,
            ) -> Result<(), ArrowError> {
                let FieldKind::Tuple([$($v),+]) = kind else {
                    return Err(mismatch(kind, "tuple"));
                };
                if let Some(nulls) = &nulls {
                    check_len("a validity bitmap", nulls.len(), self.len())?;
                }
                let fields = [$(child_field::<$t>($v, stringify!($i))),+];
                let arrays = vec![$(child_array(self.$i, $v, &fields[$i])?),+];
                let fields = Fields::from(fields.to_vec());
                out.push(Arc::new(StructArray::try_new(fields, arrays, nulls)?));
                Ok(())
            }
        }
    )*};
}

tuple_arrow! {
    (A a 0);
    (A a 0, B b 1);
    (A a 0, B b 1, C c 2);
    (A a 0, B b 1, C c 2, D d 3);
    (A a 0, B b 1, C c 2, D d 3, E e 4);
    (A a 0, B b 1, C c 2, D d 3, E e 4, F f 5);
}

impl<C: ArrowColumn> ArrowColumn for Nullable<C> {
    fn arrow_fields(kind: &FieldKind, name: &str, _: bool, out: &mut Vec<Field>) {
        C::arrow_fields(kind, name, true, out);
    }

    fn into_arrow(
        self,
        kind: &FieldKind,
        nulls: Option<NullBuffer>,
        out: &mut Vec<ArrayRef>,
    ) -> Result<(), ArrowError> {
        let own = NullBuffer::new(boolean_buffer(self.validity)?);
        if let Some(outer) = &nulls {
            check_len("a validity bitmap", outer.len(), own.len())?;
        }
        let nulls = NullBuffer::union(nulls.as_ref(), Some(&own));
        self.values.into_arrow(kind, nulls, out)
    }
}

/// Arrow's offsets from ours, after checking what Arrow would otherwise panic on.
fn offsets(offsets: Vec<i32>) -> Result<OffsetBuffer<i32>, ArrowError> {
    let starts_at_zero = offsets.first() == Some(&0);
    let ascending = offsets.windows(2).all(|w| w.first() <= w.get(1));
    if !starts_at_zero || !ascending {
        return Err(ArrowError::InvalidArgumentError(
            "offsets must start at 0 and ascend".into(),
        ));
    }
    Ok(OffsetBuffer::new(ScalarBuffer::from(offsets)))
}

impl ArrowColumn for StringColumn {
    fn into_arrow(
        self,
        kind: &FieldKind,
        nulls: Option<NullBuffer>,
        out: &mut Vec<ArrayRef>,
    ) -> Result<(), ArrowError> {
        if *kind != FieldKind::String {
            return Err(mismatch(kind, "string"));
        }
        let array =
            StringArray::try_new(offsets(self.offsets)?, Buffer::from_vec(self.data), nulls)?;
        out.push(Arc::new(array));
        Ok(())
    }
}

/// The kind of a list's elements.
fn item_kind(kind: &FieldKind) -> Option<&FieldKind> {
    match kind {
        FieldKind::List(item) => Some(item),
        FieldKind::StrList => Some(&FieldKind::String),
        _ => None,
    }
}

/// The Arrow field of a list's items: see [`child_field`].
fn item_field<C: ArrowColumn>(item: &FieldKind) -> Field {
    child_field::<C>(item, "item")
}

/// The Arrow field `name` of a nested column's values (a list's items, an
/// array's elements, a tuple's element): the column's one field, or a struct
/// of a nested fact's fields.
fn child_field<C: ArrowColumn>(item: &FieldKind, name: &str) -> Field {
    let mut fields = Vec::new();
    if let FieldKind::Fact { .. } = item {
        C::arrow_fields(item, "", false, &mut fields);
        return Field::new(name, DataType::Struct(Fields::from(fields)), false);
    }
    C::arrow_fields(item, name, false, &mut fields);
    fields
        .pop()
        .unwrap_or_else(|| Field::new(name, data_type(item), false))
}

/// Moves a nested column's values into the one array of `field` (see
/// [`child_field`]): a nested fact's columns become a struct array.
fn child_array<C: ArrowColumn>(
    values: C,
    item: &FieldKind,
    field: &Field,
) -> Result<ArrayRef, ArrowError> {
    let mut arrays = Vec::new();
    values.into_arrow(item, None, &mut arrays)?;
    match (field.data_type(), arrays.pop()) {
        (DataType::Struct(fields), last) if matches!(item, FieldKind::Fact { .. }) => {
            arrays.extend(last);
            Ok(Arc::new(StructArray::try_new(
                fields.clone(),
                arrays,
                None,
            )?))
        }
        (_, Some(single)) if arrays.is_empty() => Ok(single),
        _ => Err(mismatch(item, "nested")),
    }
}

impl<C: ArrowColumn> ArrowColumn for ListColumn<C> {
    fn arrow_fields(kind: &FieldKind, name: &str, nullable: bool, out: &mut Vec<Field>) {
        let item = item_kind(kind).unwrap_or(kind);
        let field = item_field::<C>(item);
        out.push(Field::new(name, DataType::List(Arc::new(field)), nullable));
    }

    fn into_arrow(
        self,
        kind: &FieldKind,
        nulls: Option<NullBuffer>,
        out: &mut Vec<ArrayRef>,
    ) -> Result<(), ArrowError> {
        let item = item_kind(kind).ok_or_else(|| mismatch(kind, "list"))?;
        let field = item_field::<C>(item);
        let values = child_array(self.values, item, &field)?;
        let list = ListArray::try_new(Arc::new(field), offsets(self.offsets)?, values, nulls)?;
        out.push(Arc::new(list));
        Ok(())
    }
}

/// The Arrow schema of `C`'s columns: every stored field, nested facts flattened.
pub fn schema<C: Columns + ArrowColumn>() -> Schema {
    let mut fields = Vec::new();
    C::arrow_fields(&fact_kind::<C>(), "", false, &mut fields);
    Schema::new(fields)
}

/// Moves `columns` into a record batch of [`schema`], without copying the values.
///
/// # Errors
/// Buffers that break Arrow's rules, only possible if public fields were
/// changed by hand.
pub fn into_record_batch<C: Columns + ArrowColumn>(columns: C) -> Result<RecordBatch, ArrowError> {
    let rows = columns.len();
    let schema: SchemaRef = Arc::new(schema::<C>());
    let mut arrays = Vec::with_capacity(schema.fields().len());
    columns.into_arrow(&fact_kind::<C>(), None, &mut arrays)?;
    let options = RecordBatchOptions::new().with_row_count(Some(rows));
    RecordBatch::try_new_with_options(schema, arrays, &options)
}

fn fact_kind<C: Columns>() -> FieldKind {
    use crate::facts::Facts;
    FieldKind::Fact {
        name: <C::Fact as Facts>::NAME,
        fields: <C::Fact as Facts>::FIELDS,
    }
}
