//! The one place that picks the table's layout: every operation of a
//! [`FactStore`] goes to the row layout (`rows`: one fact per row) or the
//! paged one (`pages`: many facts per row), which answer alike. A new
//! layout is a new module and a new arm in each function here.

use crate::facts::Facts;
use crate::packed::Packed;

use super::error::StoreError;
use super::filter::Filter;
use super::key::Key;
use super::read::Salvage;
use super::spec::Spec;
use super::table::Table;
use super::{pages, rows};

/// The layout's name, as spans record it.
pub(crate) fn name(spec: &Spec) -> &'static str {
    match spec.pages {
        Some(_) => "pages",
        None => "rows",
    }
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
    match &spec.pages {
        Some(layout) => pages::expected_columns(spec, layout),
        None => rows::expected_columns(spec),
    }
}

/// Upserts `facts`; returns the rows (paged: the facts) written.
pub(crate) async fn upsert<T: Facts, K: Key>(
    store: &Table<T, K>,
    facts: &[(K, Packed<T>)],
) -> Result<u64, StoreError> {
    match store.spec().pages {
        Some(_) => pages::upsert(store, facts).await,
        None => rows::upsert(store, facts).await,
    }
}

/// The stored facts of `keys`, with their keys.
pub(crate) async fn get<T: Facts, K: Key>(
    store: &Table<T, K>,
    keys: &[K],
) -> Result<Vec<(K, Packed<T>)>, StoreError> {
    match store.spec().pages {
        Some(_) => pages::get(store, keys).await,
        None => rows::get(store, keys).await,
    }
}

/// The stored facts of `keys` into columns, their keys into `key_columns`
/// when given.
pub(crate) async fn get_columns<T: Facts, K: Key>(
    store: &Table<T, K>,
    keys: &[K],
    key_columns: Option<&mut K::Columns>,
) -> Result<T::Columns, StoreError> {
    match store.spec().pages {
        Some(_) => pages::get_columns(store, keys, key_columns).await,
        None => rows::get_columns(store, keys, key_columns).await,
    }
}

/// The facts `filter` selects, with their keys.
pub(crate) async fn read_packed<T: Facts, K: Key>(
    store: &Table<T, K>,
    filter: &Filter,
    salvage: bool,
) -> Result<Salvage<Vec<(K, Packed<T>)>, K>, StoreError> {
    match store.spec().pages {
        Some(_) => pages::read_packed(store, filter, salvage).await,
        None => rows::read_packed(store, filter, salvage).await,
    }
}

/// The facts `filter` selects into columns, their keys into `keys` when
/// given.
pub(crate) async fn read_columns<T: Facts, K: Key>(
    store: &Table<T, K>,
    filter: &Filter,
    salvage: bool,
    keys: Option<&mut K::Columns>,
) -> Result<Salvage<T::Columns, K>, StoreError> {
    match store.spec().pages {
        Some(_) => pages::read_columns(store, filter, salvage, keys).await,
        None => rows::read_columns(store, filter, salvage, keys).await,
    }
}

/// How many visible facts `filter` selects.
pub(crate) async fn count<T: Facts, K: Key>(
    store: &Table<T, K>,
    filter: &Filter,
) -> Result<u64, StoreError> {
    match store.spec().pages {
        Some(_) => pages::count(store, filter).await,
        None => rows::count(store, filter).await,
    }
}

/// Deletes the facts of `keys`, of every version.
pub(crate) async fn delete<T: Facts, K: Key>(
    store: &Table<T, K>,
    keys: &[K],
) -> Result<u64, StoreError> {
    match store.spec().pages {
        Some(_) => pages::delete(store, keys).await,
        None => rows::delete(store, keys).await,
    }
}

/// Deletes the visible facts `filter` selects.
pub(crate) async fn delete_where<T: Facts, K: Key>(
    store: &Table<T, K>,
    filter: &Filter,
) -> Result<u64, StoreError> {
    match store.spec().pages {
        Some(_) => pages::delete_where(store, filter).await,
        None => rows::delete_where(store, filter).await,
    }
}
