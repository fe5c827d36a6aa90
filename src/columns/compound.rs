//! The columns of arrays and tuples: [`ArrayColumn`], `N` elements a row in
//! one column of the element type (Arrow's `FixedSizeList`, or
//! `FixedSizeBinary` for `[u8; N]`), and a tuple of its elements' columns (an
//! Arrow `Struct` whose children are named `0`, `1`, ...).

use super::buffers::{ColumnData, ListColumn, Nullable};
use super::leaf::FixedColumn;
use crate::compound::{element, offsets, part};
use crate::kind::FieldKind;

/// The column of a `[T; N]` field: every row's `N` elements, row after row,
/// in one column of `T`'s (Arrow's `FixedSizeList` layout; for `[u8; N]`,
/// `FixedSizeBinary`'s).
#[derive(Clone, Debug, PartialEq)]
pub struct ArrayColumn<C, const N: usize> {
    /// Every row's elements: row `i` is elements `i * N .. (i + 1) * N`.
    pub values: C,
    /// Number of rows (which `values` alone does not say when `N` is 0).
    rows: usize,
}

impl<C: Default, const N: usize> Default for ArrayColumn<C, N> {
    fn default() -> Self {
        Self {
            values: C::default(),
            rows: 0,
        }
    }
}

impl<C, const N: usize> ArrayColumn<C, N> {
    /// The range of `values` that row `index` spans (past the end when the
    /// row is).
    pub fn range(&self, index: usize) -> core::ops::Range<usize> {
        let start = index.saturating_mul(N);
        start..start.saturating_add(N)
    }

    /// Counts one more row, whose `N` elements were pushed to `values`.
    #[inline(always)]
    fn close_row(&mut self) {
        self.rows = self.rows.saturating_add(1);
    }
}

impl<T: Copy, const N: usize> ArrayColumn<Vec<T>, N> {
    /// Row `index`, or `None` past the end.
    #[inline]
    pub fn get(&self, index: usize) -> Option<[T; N]> {
        let row = self.values.get(self.range(index))?;
        <[T; N]>::try_from(row).ok()
    }

    /// Every row, in order (as far as `values` holds whole rows, which a
    /// column built from facts always does).
    pub fn iter(&self) -> impl Iterator<Item = [T; N]> + '_ {
        (0..self.rows).map_while(|i| self.get(i))
    }
}

impl<T: Copy, const N: usize> Nullable<ArrayColumn<Vec<T>, N>> {
    /// Row `index`: `None` when it is null or past the end.
    #[inline]
    pub fn get(&self, index: usize) -> Option<[T; N]> {
        if self.is_valid(index) {
            self.values.get(index)
        } else {
            None
        }
    }
}

impl<T: Copy + core::fmt::Debug, const N: usize> ListColumn<ArrayColumn<Vec<T>, N>> {
    /// The arrays of list `index`, or `None` past the end.
    pub fn get(&self, index: usize) -> Option<Vec<[T; N]>> {
        self.range(index)?.map(|row| self.values.get(row)).collect()
    }
}

impl<C: ColumnData, const N: usize> ColumnData for ArrayColumn<C, N> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.rows
    }

    fn reserve(&mut self, additional: usize) {
        self.values.reserve(additional.saturating_mul(N));
    }

    fn truncate(&mut self, rows: usize) {
        if rows < self.rows {
            self.rows = rows;
            self.values.truncate(rows.saturating_mul(N));
        }
    }
}

/// The kind of `[T; N]`: [`FieldKind::Bytes`] for `u8` elements, else
/// [`FieldKind::Array`].
const fn array_kind(element: &'static FieldKind, len: usize) -> FieldKind {
    match element {
        FieldKind::U8 => FieldKind::Bytes { len },
        _ => FieldKind::Array { element, len },
    }
}

impl<const U: u8, T: FixedColumn<U>, const N: usize> FixedColumn<U> for [T; N] {
    type Column = ArrayColumn<T::Column, N>;
    const KIND: FieldKind = array_kind(&T::KIND, N);

    #[inline]
    fn push_bytes(column: &mut Self::Column, bytes: &[u8]) {
        for i in 0..N {
            T::push_bytes(&mut column.values, element(bytes, i, T::SIZE));
        }
        column.close_row();
    }

    #[inline]
    fn push_zero(column: &mut Self::Column) {
        for _ in 0..N {
            T::push_zero(&mut column.values);
        }
        column.close_row();
    }
}

/// Implements [`ColumnData`] and [`FixedColumn`] for tuples.
macro_rules! tuple_column {
    ($($k:literal: ($($t:ident $i:tt),+);)*) => {$(
        impl<$($t: ColumnData),+> ColumnData for ($($t,)+) {
            #[inline(always)]
            fn len(&self) -> usize {
                self.0.len()
            }

            fn reserve(&mut self, additional: usize) {
                $(self.$i.reserve(additional);)+
            }

            fn truncate(&mut self, rows: usize) {
                $(self.$i.truncate(rows);)+
            }
        }

        impl<const U: u8, $($t: FixedColumn<U>),+> FixedColumn<U> for ($($t,)+) {
            type Column = ($($t::Column,)+);
            const KIND: FieldKind = FieldKind::Tuple(&[$($t::KIND),+]);

            #[inline]
            fn push_bytes(column: &mut Self::Column, bytes: &[u8]) {
                let offsets = offsets([$($t::SIZE),+]);
                $($t::push_bytes(&mut column.$i, part(bytes, offsets[$i], $t::SIZE));)+
            }

            #[inline]
            fn push_zero(column: &mut Self::Column) {
                $($t::push_zero(&mut column.$i);)+
            }
        }
    )*};
}

tuple_column! {
    1: (A 0);
    2: (A 0, B 1);
    3: (A 0, B 1, C 2);
    4: (A 0, B 1, C 2, D 3);
    5: (A 0, B 1, C 2, D 3, E 4);
    6: (A 0, B 1, C 2, D 3, E 4, F 5);
}
