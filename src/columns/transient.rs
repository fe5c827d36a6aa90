//! [`TransientColumn`]: one `Option<T>` per row, stored only as far as a
//! value was given.
//!
//! A transient field's column holds `Some` for facts that came with their
//! transient fields (a [`Packed`](crate::Packed), a store's fill function)
//! and `None` for facts read from bytes. Columns built from bytes are all
//! `None`, so the column keeps a row count and the values up to the last one
//! set: the rows past them are `None` without a byte written for them.

use core::fmt;

use super::buffers::ColumnData;

/// The column of a `#[facts(transient)]` field: one `Option<T>` per row.
///
/// Read it with [`get`](Self::get) or [`iter`](Self::iter), fill it after a
/// load with [`get_mut`](Self::get_mut), or turn it into a
/// `Vec<Option<T>>` with [`into_vec`](Self::into_vec).
///
/// ```
/// use factpack::columns::TransientColumn;
///
/// let mut owners: TransientColumn<String> = [None, None, None].into_iter().collect();
/// if let Some(owner) = owners.get_mut(1) {
///     *owner = Some("alice".to_owned());
/// }
/// assert_eq!(owners.len(), 3);
/// assert_eq!(owners.get(1).map(String::as_str), Some("alice"));
/// assert_eq!(owners.get(2), None);
/// assert_eq!(owners.into_vec(), [None, Some("alice".to_owned()), None]);
/// ```
#[derive(Clone)]
pub struct TransientColumn<T> {
    /// The first rows; every row past them is `None`.
    stored: Vec<Option<T>>,
    /// Number of rows, at least `stored.len()`.
    rows: usize,
    /// How many rows [`ColumnData::reserve`] announced: the room `stored`
    /// takes at once when rows are first written out.
    expected: usize,
}

impl<T> TransientColumn<T> {
    /// An empty column.
    pub const fn new() -> Self {
        Self {
            stored: Vec::new(),
            rows: 0,
            expected: 0,
        }
    }

    /// Writes rows out up to `rows`, with room for the rows announced.
    #[inline]
    fn write_out(&mut self, rows: usize) {
        if self.stored.capacity() < self.expected {
            self.stored
                .reserve_exact(self.expected.saturating_sub(self.stored.len()));
        }
        self.stored.resize_with(rows, || None);
    }

    /// Number of rows.
    #[inline]
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether the column has no rows.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The value of row `row`; `None` when the row holds none or is past the end.
    #[inline]
    pub fn get(&self, row: usize) -> Option<&T> {
        self.stored.get(row)?.as_ref()
    }

    /// The value of row `row`, to set or take; `None` past the end.
    pub fn get_mut(&mut self, row: usize) -> Option<&mut Option<T>> {
        if row >= self.rows {
            return None;
        }
        if row >= self.stored.len() {
            self.write_out(row.saturating_add(1));
        }
        self.stored.get_mut(row)
    }

    /// Every row's value, in order.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter {
            column: self,
            row: 0,
        }
    }

    /// Appends one row.
    #[inline]
    pub fn push(&mut self, value: Option<T>) {
        if value.is_some() {
            self.write_out(self.rows);
            self.stored.push(value);
        }
        self.rows = self.rows.saturating_add(1);
    }

    /// Appends `rows` rows holding `None`, without writing them.
    #[inline]
    pub fn push_none(&mut self, rows: usize) {
        self.rows = self.rows.saturating_add(rows);
    }

    /// The rows as a `Vec`, every row written out.
    pub fn into_vec(self) -> Vec<Option<T>> {
        let mut rows = self.stored;
        rows.resize_with(self.rows, || None);
        rows
    }

    /// Appends, for each of `count` facts of a block, the transient field
    /// `field` reads from its transient fields when `transients` has them
    /// (`transients` is empty or holds one entry per fact).
    #[doc(hidden)]
    #[inline]
    pub fn extend_block<S>(
        &mut self,
        count: usize,
        transients: &[Option<&S>],
        field: impl Fn(&S) -> &T,
    ) where
        T: Clone,
    {
        let transients = transients.get(..count).unwrap_or(transients);
        if transients.iter().all(Option::is_none) {
            self.push_none(count);
            return;
        }
        self.write_out(self.rows);
        self.stored.extend((0..count).map(|row| {
            transients
                .get(row)
                .copied()
                .flatten()
                .map(|t| field(t).clone())
        }));
        self.rows = self.rows.saturating_add(count);
    }
}

impl<T> Default for TransientColumn<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: PartialEq> PartialEq for TransientColumn<T> {
    /// Row by row, however many rows were written out.
    fn eq(&self, other: &Self) -> bool {
        self.rows == other.rows && self.iter().eq(other.iter())
    }
}

impl<T: Eq> Eq for TransientColumn<T> {}

impl<T: PartialEq> PartialEq<[Option<T>]> for TransientColumn<T> {
    /// Row by row against a slice of rows.
    fn eq(&self, other: &[Option<T>]) -> bool {
        self.rows == other.len() && self.iter().eq(other.iter().map(Option::as_ref))
    }
}

impl<T: PartialEq, const N: usize> PartialEq<[Option<T>; N]> for TransientColumn<T> {
    fn eq(&self, other: &[Option<T>; N]) -> bool {
        *self == other[..]
    }
}

impl<T: PartialEq> PartialEq<Vec<Option<T>>> for TransientColumn<T> {
    fn eq(&self, other: &Vec<Option<T>>) -> bool {
        *self == other[..]
    }
}

impl<T: fmt::Debug> fmt::Debug for TransientColumn<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T> From<Vec<Option<T>>> for TransientColumn<T> {
    fn from(stored: Vec<Option<T>>) -> Self {
        let rows = stored.len();
        Self {
            stored,
            rows,
            expected: rows,
        }
    }
}

impl<T> From<TransientColumn<T>> for Vec<Option<T>> {
    fn from(column: TransientColumn<T>) -> Self {
        column.into_vec()
    }
}

impl<T> FromIterator<Option<T>> for TransientColumn<T> {
    fn from_iter<I: IntoIterator<Item = Option<T>>>(iter: I) -> Self {
        let mut column = Self::new();
        for value in iter {
            column.push(value);
        }
        column
    }
}

impl<T> Extend<Option<T>> for TransientColumn<T> {
    fn extend<I: IntoIterator<Item = Option<T>>>(&mut self, iter: I) {
        for value in iter {
            self.push(value);
        }
    }
}

impl<'a, T> IntoIterator for &'a TransientColumn<T> {
    type Item = Option<&'a T>;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

/// The rows of a [`TransientColumn`], in order: see [`TransientColumn::iter`].
#[derive(Clone, Debug)]
pub struct Iter<'a, T> {
    column: &'a TransientColumn<T>,
    row: usize,
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = Option<&'a T>;

    fn next(&mut self) -> Option<Option<&'a T>> {
        if self.row >= self.column.rows {
            return None;
        }
        let value = self.column.get(self.row);
        self.row = self.row.saturating_add(1);
        Some(value)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.column.rows.saturating_sub(self.row);
        (left, Some(left))
    }
}

impl<T> ExactSizeIterator for Iter<'_, T> {}

impl<T: Clone + fmt::Debug> ColumnData for TransientColumn<T> {
    #[inline]
    fn len(&self) -> usize {
        self.rows
    }

    /// Remembers the row count: rows are written out only once a value is
    /// set, and then with room for all of them at once.
    fn reserve(&mut self, additional: usize) {
        self.expected = self.expected.max(self.rows.saturating_add(additional));
    }

    fn truncate(&mut self, rows: usize) {
        self.stored.truncate(rows);
        self.rows = self.rows.min(rows);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_past_the_last_value_are_none_and_compare_as_written_out() {
        let mut c: TransientColumn<u8> = TransientColumn::new();
        c.push_none(3);
        assert_eq!(c.len(), 3);
        assert!(c.stored.is_empty(), "no row written for `None`s");
        ColumnData::reserve(&mut c, 100);
        assert_eq!(c.stored.capacity(), 0, "reserving allocates nothing yet");
        c.push(Some(7));
        assert!(
            c.stored.capacity() >= 103,
            "written out with the room reserved"
        );
        c.push(None);
        assert_eq!(
            c.iter().collect::<Vec<_>>(),
            [None, None, None, Some(&7), None]
        );
        assert_eq!(
            c,
            TransientColumn::from(vec![None, None, None, Some(7), None])
        );
        assert_ne!(c, TransientColumn::from(vec![None, None, None, Some(7)]));
        c.truncate(2);
        assert_eq!(c.into_vec(), [None, None]);
    }

    #[test]
    fn get_mut_writes_out_rows_only_up_to_the_one_set() {
        let mut c: TransientColumn<u8> = TransientColumn::new();
        c.push_none(5);
        assert!(c.get_mut(5).is_none(), "past the end");
        *c.get_mut(1).unwrap() = Some(9);
        assert_eq!(c.stored.len(), 2);
        assert_eq!(c.get(1), Some(&9));
        assert_eq!(c.get(4), None);
        assert_eq!(c.len(), 5);
        assert_eq!(format!("{c:?}"), "[None, Some(9), None, None, None]");
    }
}
