//! [`StoreError`]: everything a store operation can fail with, naming the table
//! and, where one is to blame, the key.

use super::value::SqlType;

/// A store operation that failed.
///
/// Each variant names the table; a corrupt row also names its key, so the
/// caller can recompute it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database reported an error, or could not be reached within the
    /// acquire timeout.
    #[error("{}{action}: {source}", in_table(.table))]
    Database {
        /// The table being worked on (empty while connecting).
        table: String,
        /// What the store was doing.
        action: &'static str,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// A stored blob is not a valid fact (corrupted after it was written), or
    /// its version byte differs from the `format_version` of its row or page
    /// ([`ErrorKind::VersionMismatch`](crate::ErrorKind::VersionMismatch)).
    #[error("table `{table}`, key {key}: corrupt blob: {source}")]
    Corrupt {
        /// The table.
        table: String,
        /// The row's key, as the application's key type prints it.
        key: String,
        /// What validation found.
        source: crate::Error,
    },
    /// A page of a paged store (see [`PageSpec`](super::PageSpec)) whose
    /// bytes are not a page: none of its facts can be read.
    #[error("table `{table}`, page {page}: corrupt page: {reason}")]
    CorruptPage {
        /// The table.
        table: String,
        /// The page: its prefix key columns, bucket, page number and version.
        page: String,
        /// What is wrong with its bytes.
        reason: String,
    },
    /// A valid blob that the columns could not take (a string column past
    /// Arrow's 2 GiB offsets, or a declared default its unit cannot hold).
    #[error("table `{table}`, key {key}: cannot add to columns: {source}")]
    Columns {
        /// The table.
        table: String,
        /// The row's key.
        key: String,
        /// What the columns reported.
        source: crate::ColumnsError,
    },
    /// The store was configured inconsistently; reported by
    /// [`StoreBuilder::open`](super::StoreBuilder::open) before any SQL runs.
    #[error("table `{table}`: {reason}")]
    Config {
        /// The table.
        table: String,
        /// What is wrong.
        reason: String,
    },
    /// A filter names a column the table does not have.
    #[error("table `{table}` has no key or mirrored column `{column}`")]
    UnknownColumn {
        /// The table.
        table: String,
        /// The column named.
        column: String,
    },
    /// A filter compares a column with a value of another type; reported
    /// before any SQL runs.
    #[error("table `{table}`, column `{column}`: expected a {expected} value, found {found}")]
    WrongType {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The column's type.
        expected: SqlType,
        /// The value given.
        found: String,
    },
    /// A row's key columns do not hold the key type's values (the table was
    /// created with other key types).
    #[error("table `{table}`: key column `{column}` does not hold the key type's values")]
    BadKey {
        /// The table.
        table: String,
        /// The key column that could not be read.
        column: String,
    },
    /// The existing table's columns differ from what the store expects.
    #[error("table `{table}` exists with another schema: {reason}")]
    SchemaMismatch {
        /// The table.
        table: String,
        /// What differs.
        reason: String,
    },
    /// A database URL that names neither `sqlite:` nor `postgres:`.
    #[error("unsupported database URL scheme `{scheme}`: expected `sqlite:` or `postgres:`")]
    UnsupportedUrl {
        /// The URL's scheme.
        scheme: String,
    },
}

impl StoreError {
    pub(crate) fn db<'a>(
        table: &'a str,
        action: &'static str,
    ) -> impl FnOnce(sqlx::Error) -> Self + 'a {
        move |source| Self::Database {
            table: table.to_owned(),
            action,
            source,
        }
    }

    /// Whether PostgreSQL aborted the transaction for a deadlock or a
    /// serialization failure, which trying again may win.
    pub(crate) fn lost_race(&self) -> bool {
        matches!(self, Self::Database { source: sqlx::Error::Database(e), .. }
            if matches!(e.code().as_deref(), Some("40P01" | "40001")))
    }

    pub(crate) fn config(table: &str, reason: impl Into<String>) -> Self {
        Self::Config {
            table: table.to_owned(),
            reason: reason.into(),
        }
    }
}

/// `table `name`: `, or nothing for an error while connecting.
fn in_table(table: &str) -> String {
    if table.is_empty() {
        String::new()
    } else {
        format!("table `{table}`: ")
    }
}

/// A row skipped by a lenient read because its blob is corrupt.
#[derive(Debug, Clone)]
pub struct CorruptRow<K> {
    /// The row's key.
    pub key: K,
    /// The row's format version column.
    pub version: u8,
    /// What validation found.
    pub error: crate::Error,
}
