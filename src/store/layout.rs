//! The one place that picks the table's layout: every operation of a
//! [`FactStore`] goes to the row layout (`rows`: one fact per row) or the
//! paged one (`pages`: many facts per row), which answer alike. A new
//! layout is a new module answering the same operations, and a new arm in
//! each `match` here.

use crate::facts::Facts;
use crate::packed::Packed;

use super::error::StoreError;
use super::fact_store::FactStore;
use super::filter::Filter;
use super::key::Key;
use super::pages::{self, PageSpec};
use super::read::{IntoColumns, Salvage};
use super::rows;
use super::spec::{Layout, Spec};

/// The layout's name, as spans record it.
pub(crate) fn name(spec: &Spec) -> &'static str {
    match spec.pages {
        Some(_) => "pages",
        None => "rows",
    }
}

/// The paged layout `pages` asks for, resolved against `spec`; `None`
/// (one fact per row) without it.
pub(crate) fn resolve(spec: &Spec, pages: Option<&PageSpec>) -> Result<Option<Layout>, StoreError> {
    pages.map(|p| Layout::new(spec, p)).transpose()
}

/// Whether the layout keeps one fact per row, as the cache needs.
pub(crate) fn one_fact_per_row(spec: &Spec) -> bool {
    spec.pages.is_none()
}

/// The statements that create the table and its indexes.
pub(crate) fn ddl(spec: &Spec) -> Vec<String> {
    match &spec.pages {
        Some(layout) => pages::ddl(spec, layout),
        None => rows::ddl(spec),
    }
}

/// The columns the table must have, with the type the backend reports.
pub(crate) fn expected_columns(spec: &Spec) -> Vec<(String, &'static str)> {
    spec.expected_columns(&match &spec.pages {
        Some(layout) => pages::columns(spec, layout),
        None => spec.row_columns(),
    })
}

/// Each operation as a function that hands it to the store's layout
/// module, which defines the function named after `=` (reads pass it a
/// sink).
macro_rules! by_layout {
    ($($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $out:ty
        = $via:ident($($pass:expr),*) $(.$field:ident)?;)*) => {$(
        $(#[$doc])*
        pub(crate) async fn $name<T: Facts, K: Key>(
            store: &FactStore<T, K>,
            $($arg: $ty),*
        ) -> Result<$out, StoreError> {
            let done = match store.spec.pages {
                Some(_) => pages::$via(store, $($pass),*).await?,
                None => rows::$via(store, $($pass),*).await?,
            };
            Ok(done$(.$field)?)
        }
    )*};
}

by_layout! {
    /// Upserts `facts`; returns the rows (paged: the facts) written.
    fn upsert(facts: &[(K, Packed<T>)]) -> u64 = upsert(facts);
    /// The stored facts of `keys`, with their keys.
    fn get(keys: &[K]) -> Vec<(K, Packed<T>)> = get(keys, Vec::new()).facts;
    /// The stored facts of `keys` into columns, their keys into
    /// `key_columns` when given.
    fn get_columns(keys: &[K], key_columns: Option<&mut K::Columns>) -> T::Columns
        = get(keys, IntoColumns::new(key_columns)).facts;
    /// The facts `filter` selects, with their keys.
    fn read_packed(filter: &Filter, salvage: bool) -> Salvage<Vec<(K, Packed<T>)>, K>
        = read(filter, salvage, Vec::new());
    /// The facts `filter` selects into columns, their keys into `keys` when
    /// given.
    fn read_columns(filter: &Filter, salvage: bool, keys: Option<&mut K::Columns>)
        -> Salvage<T::Columns, K> = read(filter, salvage, IntoColumns::new(keys));
    /// How many visible facts `filter` selects.
    fn count(filter: &Filter) -> u64 = count(filter);
    /// Deletes the facts of `keys`, of every version.
    fn delete(keys: &[K]) -> u64 = delete(keys);
    /// Deletes the visible facts `filter` selects.
    fn delete_where(filter: &Filter) -> u64 = delete_where(filter);
}
