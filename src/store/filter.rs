//! [`Filter`]: which rows a read or a delete selects, by ranges, equality and
//! `IN` lists on key and mirrored columns.

use core::ops::{Bound, RangeBounds};

use super::field::{ColumnName, FilterColumn};
use super::value::Value;

/// One condition on one column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cond {
    /// `column >= / > lo AND column <= / < hi`.
    Range {
        column: String,
        lo: Bound<Value>,
        hi: Bound<Value>,
    },
    /// `column IN (values)`; an empty list selects nothing.
    In { column: String, values: Vec<Value> },
    /// `column IS NULL` (or `IS NOT NULL`).
    Null { column: String, null: bool },
}

/// Selects rows: every condition must hold. Columns are the store's key
/// columns, by name, and its mirrored fields, by their typed handles
/// (`Foo::CREATED`, which take only values of the field's type) or by name;
/// values given with a name are checked against the column's type before any
/// SQL runs. See [`FilterColumn`].
///
/// ```
/// # use factpack::Facts;
/// # use factpack::store::Filter;
/// # use chrono::{DateTime, TimeZone, Utc};
/// #[derive(Facts, Debug)]
/// struct PullRequest {
///     #[facts(index)]
///     created: DateTime<Utc>,
///     #[facts(index)]
///     merged: Option<DateTime<Utc>>,
/// }
///
/// let from = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
/// let to = Utc.with_ymd_and_hms(2024, 4, 1, 0, 0, 0).unwrap();
/// let filter = Filter::new()
///     .eq("account", 7)
///     .is_in("repository", ["acme/api", "acme/web"])
///     .range(PullRequest::CREATED, from..to)
///     .not_null(PullRequest::MERGED);
/// // The same, by name: a typo here is an error when the query runs.
/// let by_name = Filter::new()
///     .eq("account", 7)
///     .is_in("repository", ["acme/api", "acme/web"])
///     .range("created", from..to)
///     .not_null("merged");
/// assert_eq!(filter, by_name);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub(crate) conds: Vec<Cond>,
}

impl Filter {
    /// Every row (of a visible version).
    pub fn new() -> Self {
        Self::default()
    }

    /// `column = value`.
    #[must_use]
    pub fn eq<V>(self, column: impl FilterColumn<V>, value: V) -> Self {
        self.is_in(column, [value])
    }

    /// `column IN (values)`. An empty list selects no row.
    #[must_use]
    pub fn is_in<V, C: FilterColumn<V>>(
        mut self,
        column: C,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        self.conds.push(Cond::In {
            column: column.column_name().to_owned(),
            values: values.into_iter().map(C::filter_value).collect(),
        });
        self
    }

    /// `column` within `range` (`a..b`, `a..=b`, `a..`, `..b`). Rows where the
    /// column is null do not match.
    #[must_use]
    pub fn range<V: Clone, C: FilterColumn<V>>(
        mut self,
        column: C,
        range: impl RangeBounds<V>,
    ) -> Self {
        self.conds.push(Cond::Range {
            column: column.column_name().to_owned(),
            lo: range.start_bound().cloned().map(C::filter_value),
            hi: range.end_bound().cloned().map(C::filter_value),
        });
        self
    }

    /// `column IS NULL`: a mirrored nullable field that is null (or absent from
    /// the row's version).
    #[must_use]
    pub fn is_null(mut self, column: impl ColumnName) -> Self {
        self.conds.push(Cond::Null {
            column: column.column_name().to_owned(),
            null: true,
        });
        self
    }

    /// `column IS NOT NULL`.
    #[must_use]
    pub fn not_null(mut self, column: impl ColumnName) -> Self {
        self.conds.push(Cond::Null {
            column: column.column_name().to_owned(),
            null: false,
        });
        self
    }
}
