//! The precomputed-facts store: facts in a SQL table keyed by the application's
//! own columns, written in bulk and read back in bulk, into columns.
//!
//! A [`FactStore<T, K>`] owns one table of one fact type `T`, keyed by `K` (a
//! scalar or a tuple of scalars, see [`Key`]). Its columns are the key columns,
//! `format_version`, `fingerprint`, one column per mirrored field (the fields
//! marked `#[facts(index)]`, plus any named with
//! [`StoreBuilder::mirror`]), the packed blob in `data`, `updated_at`, and
//! `source_stamp`, the state of the raw data a [`Cache`] computed the fact
//! from (null for facts written by [`upsert`](FactStore::upsert)).
//! The primary key is the key columns, the version and the fingerprint, so a
//! row written by an incompatible layout is invisible to the reader (a miss to
//! recompute), never misread; rows of an older compatible version are read.
//! A row is read at the version its `format_version` column records: a blob
//! whose version byte says otherwise is [corrupt](StoreError::Corrupt), as is
//! a fact in a page whose version byte differs from the page's.
//!
//! The backend is [SQLite](Backend::Sqlite) (a file or `sqlite::memory:`, the
//! embedded default) or [PostgreSQL](Backend::Postgres), chosen by the URL
//! given to [`Db::connect`].
//!
//! ```
//! use factpack::store::{Db, FactStore, Filter};
//! use factpack::columns::ColumnData;
//! use factpack::Facts;
//! use chrono::{DateTime, TimeZone, Utc};
//!
//! #[derive(Facts, Debug, Clone, PartialEq)]
//! #[facts(version = 1)]
//! pub struct Deploy {
//!     #[facts(index)]
//!     pub started: DateTime<Utc>,
//!     pub finished: Option<DateTime<Utc>>,
//!     pub commits: u32,
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let db = Db::connect("sqlite::memory:").await?;
//! let store = FactStore::<Deploy, (i64, String)>::builder(&db, "deploys")
//!     .key(["account", "environment"])
//!     .open()
//!     .await?;
//! let at = |day| Utc.with_ymd_and_hms(2024, 5, day, 12, 0, 0).unwrap();
//! let facts = vec![
//!     ((1, "prod".to_owned()), Deploy { started: at(1), finished: None, commits: 3 }.pack()),
//!     ((1, "staging".to_owned()), Deploy { started: at(9), finished: Some(at(9)), commits: 7 }.pack()),
//! ];
//! store.upsert(&facts).await?;
//!
//! let recent = Filter::new().eq("account", 1).range("started", at(5)..);
//! let columns = store.read_columns(&recent).await?;
//! assert_eq!(columns.len(), 1);
//! assert_eq!(columns.commits, vec![7]);
//! # Ok::<(), factpack::store::StoreError>(())
//! # }).unwrap();
//! ```

mod batch;
mod cache;
mod db;
mod encoded;
mod error;
mod fact_store;
mod field;
mod filter;
mod key;
mod keyed;
mod layout;
mod lookup;
mod mirror;
mod pages;
mod pg;
mod read;
mod rows;
mod spec;
mod sql;
mod sql_types;
mod sqlite;
mod stats;
mod table;
mod value;

/// The [`sqlx`] this store is built on, so that code handing the store a
/// pool, or reading its tables with its own queries, names the same version
/// of it without a dependency of its own.
pub use sqlx;

pub use self::cache::{Cache, CacheAnswer, CacheError, CacheReport, Computed, Keep, Stamp};
pub use self::db::{Backend, Db, DbOptions};
pub use self::error::{CorruptRow, StoreError};
pub use self::fact_store::{FactStore, StoreBuilder};
pub use self::field::{ColumnName, FieldName, FilterColumn, FilterField};
pub use self::filter::Filter;
pub use self::key::{Key, KeyColumn, KeyPart};
pub use self::keyed::Keyed;
pub use self::pages::PageSpec;
pub use self::pg::PgWrite;
pub use self::read::Salvage;
pub use self::spec::Conflict;
pub use self::sql_types::FactRef;
pub use self::stats::StoreStats;
pub use self::value::{SqlType, Value};
