//! The statements the store runs, written once for both backends: the
//! private [`Sql`] trait says what differs in binding and reading (the
//! backend modules implement it), [`Cells`] reads a row the driver holds,
//! and [`Rows`] are a bulk write's rows.

use futures_util::TryStreamExt;
use sqlx::decode::Decode;
use sqlx::{AssertSqlSafe, ColumnIndex, Database, Executor, IntoArguments, Row, Type};

use super::error::StoreError;
use super::mirror::{put_int, put_text, Cell};
use super::spec::Param;
use super::value::{SqlType, Value};

/// A row as the driver holds it, read by column position.
pub(crate) trait Cells {
    /// Column `i`, of type `sql`, as a value; `None` when null or unreadable.
    fn value(&self, i: usize, sql: SqlType) -> Option<Value>;

    /// Appends key column `i` of type `sql` as `Key::put_encoded` encodes
    /// it; `None` when the cell cannot be decoded as that type. The column
    /// types were checked when the store was opened, so the driver's
    /// per-cell type check is skipped (a wrong type still fails to decode,
    /// or reads a key that was not asked for).
    fn put_key(&self, i: usize, sql: SqlType, out: &mut Vec<u8>) -> Option<()>;

    /// Column `i`, a blob, borrowed from the row.
    fn bytes(&self, i: usize) -> Result<&[u8], sqlx::Error>;

    /// Column `i`, a nullable `BIGINT`.
    fn big(&self, i: usize) -> Result<Option<i64>, sqlx::Error>;

    /// Column `i`, an integer column of type `sql`.
    fn int(&self, i: usize, sql: SqlType) -> Option<i64> {
        match self.value(i, sql)? {
            Value::Int(v) => Some(v),
            _ => None,
        }
    }
}

impl<R: Row> Cells for R
where
    R::Database: Sql,
    usize: ColumnIndex<R>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> f64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> &'r str: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> &'r [u8]: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
{
    fn value(&self, i: usize, sql: SqlType) -> Option<Value> {
        Some(match sql {
            SqlType::Bool => Value::Bool(self.try_get(i).ok()?),
            SqlType::F64 => Value::Float(self.try_get(i).ok()?),
            SqlType::Text => Value::Text(self.try_get::<&str, _>(i).ok()?.to_owned()),
            _ => Value::from_int(sql, R::Database::int(self, i, sql, true)?)?,
        })
    }

    fn put_key(&self, i: usize, sql: SqlType, out: &mut Vec<u8>) -> Option<()> {
        match sql {
            SqlType::Bool => out.push(u8::from(self.try_get_unchecked::<bool, _>(i).ok()?)),
            SqlType::F64 => {
                let v = self.try_get_unchecked::<f64, _>(i).ok()?;
                out.extend_from_slice(&v.to_bits().to_le_bytes());
            }
            SqlType::Text => {
                let text: &str = self.try_get_unchecked(i).ok()?;
                // No key's text is longer than a `u32` length says.
                u32::try_from(text.len()).ok()?;
                put_text(text, out);
            }
            _ => put_int(R::Database::int(self, i, sql, false)?, out),
        }
        Some(())
    }

    fn bytes(&self, i: usize) -> Result<&[u8], sqlx::Error> {
        self.try_get(i)
    }

    fn big(&self, i: usize) -> Result<Option<i64>, sqlx::Error> {
        self.try_get(i)
    }
}

/// What a backend does its own way when the store runs a statement.
pub(crate) trait Sql: Database<Arguments: IntoArguments<Self>, Row: Cells> {
    /// Appends one parameter.
    fn bind(args: &mut Self::Arguments, param: &Param) -> Result<(), sqlx::Error>;

    /// Integer column `i` of type `sql` (a time as microseconds or days
    /// since the Unix epoch), through the driver's type check if `checked`.
    fn int(row: &Self::Row, i: usize, sql: SqlType, checked: bool) -> Option<i64>;

    /// The rows a statement affected.
    fn affected(done: &Self::QueryResult) -> u64;
}

/// Arguments for `params`.
fn arguments<DB: Sql>(params: &[Param]) -> Result<DB::Arguments, sqlx::Error> {
    let mut args = DB::Arguments::default();
    for p in params {
        DB::bind(&mut args, p)?;
    }
    Ok(args)
}

/// Runs a statement; returns the rows it affected.
pub(crate) async fn execute_on<'c, DB: Sql>(
    on: impl Executor<'c, Database = DB>,
    table: &str,
    sql: String,
    params: &[Param],
    action: &'static str,
) -> Result<u64, StoreError> {
    let fail = || StoreError::db(table, action);
    let args = arguments::<DB>(params).map_err(fail())?;
    let done = sqlx::query_with(AssertSqlSafe(sql), args).execute(on).await;
    Ok(DB::affected(&done.map_err(fail())?))
}

/// Streams the rows of a query into `each`, which sees every row while the
/// driver still holds it.
pub(crate) async fn fetch_on<'c, DB: Sql>(
    on: impl Executor<'c, Database = DB>,
    table: &str,
    sql: String,
    params: &[Param],
    mut each: impl FnMut(&dyn Cells) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let fail = || StoreError::db(table, "cannot read");
    let args = arguments::<DB>(params).map_err(fail())?;
    let mut rows = sqlx::query_with(AssertSqlSafe(sql), args).fetch(on);
    while let Some(row) = rows.try_next().await.map_err(fail())? {
        each(&row)?;
    }
    Ok(())
}

/// Rows of a bulk write: per row the cells of `columns` (quoted names, with
/// their types), then the row's `data`.
#[derive(Debug)]
pub(crate) struct Rows<D> {
    pub(crate) columns: Vec<(String, SqlType)>,
    /// `columns.len()` cells per row.
    pub(crate) cells: Vec<Cell>,
    pub(crate) data: Vec<D>,
}

impl<D> Rows<D> {
    /// Rows of `columns`, none yet.
    pub(crate) fn new(columns: Vec<(String, SqlType)>, capacity: usize) -> Self {
        Self {
            cells: Vec::with_capacity(capacity.saturating_mul(columns.len())),
            columns,
            data: Vec::with_capacity(capacity),
        }
    }

    /// The cells of row `i`.
    pub(crate) fn row(&self, i: usize) -> &[Cell] {
        let n = self.columns.len();
        let start = i.saturating_mul(n);
        self.cells
            .get(start..start.saturating_add(n))
            .unwrap_or(&[])
    }

    /// The quoted column names, `data` last.
    pub(crate) fn names(&self) -> String {
        let names = self.columns.iter().map(|(n, _)| n.as_str());
        names.chain(["data"]).collect::<Vec<_>>().join(", ")
    }
}

/// A row's `data`, appended to the buffer it is sent from.
pub(crate) trait Data: Sync {
    /// Appends the bytes.
    ///
    /// # Errors
    /// Bytes that cannot be encoded.
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StoreError>;
}

impl Data for &[u8] {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StoreError> {
        out.extend_from_slice(self);
        Ok(())
    }
}

/// Compares the columns an existing table has with those the store expects.
pub(crate) fn check_columns(
    table: &str,
    expected: &[(String, &str)],
    found: &[(String, String)],
) -> Result<(), StoreError> {
    for (name, ty) in expected {
        let reason = match found.iter().find(|(n, _)| n == name) {
            None => format!(
                "column `{name}` is missing; a store cannot add columns to an existing table: \
                 use a new table name, or drop this one (its facts are a cache)"
            ),
            Some((_, t)) if !t.eq_ignore_ascii_case(ty) => {
                format!("column `{name}` is {t}, the store needs {ty}")
            }
            Some(_) => continue,
        };
        let table = table.to_owned();
        return Err(StoreError::SchemaMismatch { table, reason });
    }
    Ok(())
}
