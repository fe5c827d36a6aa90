//! Pages: many facts in one row, for stores whose rows are so many that the
//! server's cost per row dominates writes and reads.
//!
//! A paged store keys each row by the first columns of the application's key
//! (the *prefix*, e.g. account and repository) and a time bucket of one
//! mirrored time field (e.g. `created` by 30 days), plus a page number when a
//! bucket holds more than [`PageSpec::max_facts`] facts. The row's `data` is
//! a [`Page`](crate::Page) of its facts followed by each fact's remaining key
//! columns (see `codec`); reads hand each fact's blob to the columns as a
//! slice of the row, without copying. Per page, every mirrored field has a `<field>_min` and
//! `<field>_max` column, so that SQL skips pages that cannot match; the exact
//! filter then runs in Rust on each fact's own fields.
//!
//! Writes read, merge and rewrite the pages of the key prefixes they touch,
//! inside the batch's transaction. Version and fingerprint stay part of the
//! primary key: a page of another layout is a miss, never misread.

mod codec;
mod count;
mod exact;
mod incoming;
mod read;
mod shape;
mod wanted;
mod write;

use crate::facts::Facts;
use crate::packed::Packed;

use self::exact::Exact;
use self::read::{coarse, ReadKeys};
use self::wanted::Wanted;
use super::error::StoreError;
use super::filter::Filter;
use super::key::Key;
use super::read::Salvage;
use super::spec::{Spec, Where};
use super::table::Table;

pub(crate) use self::count::count;
use self::shape::paged;
pub use self::shape::PageSpec;
pub(crate) use self::shape::{ddl, expected_columns, min_max, PAGE_RESERVED};
pub(crate) use self::write::{delete, delete_where, upsert};

/// The pages that may hold `keys`, and which of their facts to keep.
fn by_keys<K: Key>(spec: &Spec, keys: &[K]) -> Result<(Where, ReadKeys), StoreError> {
    let layout = paged(spec)?;
    let wanted = Wanted::new(spec, layout, keys)?;
    let w = wanted.pages(spec, layout)?;
    Ok((w, ReadKeys::Keys(wanted)))
}

/// The pages that may hold facts `filter` selects, and which to keep.
fn by_filter(spec: &Spec, filter: &Filter) -> Result<(Where, ReadKeys), StoreError> {
    let layout = paged(spec)?;
    let keep = ReadKeys::Filter(Exact::new(spec, layout.prefix, filter)?);
    Ok((coarse(spec, layout, filter)?, keep))
}

/// The stored facts of `keys`, with their keys.
pub(crate) async fn get<T: Facts, K: Key>(
    store: &Table<T, K>,
    keys: &[K],
) -> Result<Vec<(K, Packed<T>)>, StoreError> {
    let (w, keep) = by_keys(store.spec(), keys)?;
    read::packed(store, w, &keep, false).await.map(|s| s.facts)
}

/// The stored facts of `keys` into columns, their keys into `key_columns`
/// when given.
pub(crate) async fn get_columns<T: Facts, K: Key>(
    store: &Table<T, K>,
    keys: &[K],
    key_columns: Option<&mut K::Columns>,
) -> Result<T::Columns, StoreError> {
    let (w, keep) = by_keys(store.spec(), keys)?;
    let read = read::columns(store, w, &keep, false, key_columns).await?;
    Ok(read.facts)
}

/// The facts `filter` selects, with their keys.
pub(crate) async fn read_packed<T: Facts, K: Key>(
    store: &Table<T, K>,
    filter: &Filter,
    salvage: bool,
) -> Result<Salvage<Vec<(K, Packed<T>)>, K>, StoreError> {
    let (w, keep) = by_filter(store.spec(), filter)?;
    read::packed(store, w, &keep, salvage).await
}

/// The facts `filter` selects into columns, their keys into `keys` when
/// given.
pub(crate) async fn read_columns<T: Facts, K: Key>(
    store: &Table<T, K>,
    filter: &Filter,
    salvage: bool,
    keys: Option<&mut K::Columns>,
) -> Result<Salvage<T::Columns, K>, StoreError> {
    let (w, keep) = by_filter(store.spec(), filter)?;
    read::columns(store, w, &keep, salvage, keys).await
}
