//! [`StoreError`]: everything a store operation can fail with, naming the table
//! and, where one is to blame, the key.

use core::fmt;

use super::value::SqlType;

/// A store operation that failed.
///
/// Each variant names the table; a corrupt row also names its key, so the
/// caller can recompute it.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The database reported an error, or could not be reached within the
    /// acquire timeout.
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
    Config {
        /// The table.
        table: String,
        /// What is wrong.
        reason: String,
    },
    /// A filter names a column the table does not have.
    UnknownColumn {
        /// The table.
        table: String,
        /// The column named.
        column: String,
    },
    /// A filter compares a column with a value of another type; reported
    /// before any SQL runs.
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
    BadKey {
        /// The table.
        table: String,
        /// The key column that could not be read.
        column: String,
    },
    /// The existing table's columns differ from what the store expects.
    SchemaMismatch {
        /// The table.
        table: String,
        /// What differs.
        reason: String,
    },
    /// A database URL that names neither `sqlite:` nor `postgres:`.
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

    pub(crate) fn config(table: &str, reason: impl Into<String>) -> Self {
        Self::Config {
            table: table.to_owned(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Database {
                table,
                action,
                source,
            } => {
                if table.is_empty() {
                    write!(f, "{action}: {source}")
                } else {
                    write!(f, "table `{table}`: {action}: {source}")
                }
            }
            Self::Corrupt { table, key, source } => {
                write!(f, "table `{table}`, key {key}: corrupt blob: {source}")
            }
            Self::CorruptPage {
                table,
                page,
                reason,
            } => write!(f, "table `{table}`, page {page}: corrupt page: {reason}"),
            Self::Columns { table, key, source } => {
                write!(
                    f,
                    "table `{table}`, key {key}: cannot add to columns: {source}"
                )
            }
            Self::Config { table, reason } => write!(f, "table `{table}`: {reason}"),
            Self::UnknownColumn { table, column } => {
                write!(
                    f,
                    "table `{table}` has no key or mirrored column `{column}`"
                )
            }
            Self::WrongType {
                table,
                column,
                expected,
                found,
            } => write!(
                f,
                "table `{table}`, column `{column}`: expected a {expected} value, found {found}"
            ),
            Self::BadKey { table, column } => write!(
                f,
                "table `{table}`: key column `{column}` does not hold the key type's values"
            ),
            Self::SchemaMismatch { table, reason } => {
                write!(f, "table `{table}` exists with another schema: {reason}")
            }
            Self::UnsupportedUrl { scheme } => write!(
                f,
                "unsupported database URL scheme `{scheme}`: expected `sqlite:` or `postgres:`"
            ),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Database { source, .. } => Some(source),
            Self::Corrupt { source, .. } => Some(source),
            Self::Columns { source, .. } => Some(source),
            _ => None,
        }
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
