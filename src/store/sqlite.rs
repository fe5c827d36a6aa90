//! SQLite: binding, reading cells, and upserts in one transaction through
//! one reused prepared statement of many rows.

use sqlx::sqlite::{SqliteArguments, SqliteConnection, SqlitePool, SqliteQueryResult, SqliteRow};
use sqlx::{Arguments, AssertSqlSafe, Row, Sqlite};

use super::batch::Batch;
use super::error::StoreError;
use super::mirror::Cell;
use super::spec::{quote, Param, Spec};
use super::sql::{Cells, Data, Rows, Sql};
use super::value::{self, SqlType, Value};

/// Rows per `INSERT` statement: enough to amortize a statement's round trip
/// to sqlx's worker thread, well under SQLite's 32,766 parameters.
const ROWS_PER_STATEMENT: usize = 256;

/// Appends one cell.
pub(crate) fn bind_cell(args: &mut SqliteArguments, cell: &Cell) -> Result<(), sqlx::Error> {
    match cell {
        Cell::Null => args.add(None::<i64>),
        Cell::Bool(v) => args.add(*v),
        Cell::Int(v) | Cell::Micros(v) | Cell::Days(v) => args.add(*v),
        Cell::Float(v) => args.add(*v),
        Cell::Text(v) => args.add(v.clone()),
    }
    .map_err(sqlx::Error::Encode)
}

impl Sql for Sqlite {
    /// SQLite has no arrays: lists arrive as JSON text.
    fn arguments(params: &[Param]) -> Result<SqliteArguments, sqlx::Error> {
        let mut args = SqliteArguments::default();
        for p in params {
            match p {
                Param::One(_, cell) => bind_cell(&mut args, cell)?,
                Param::Array(..) => {
                    return Err(sqlx::Error::Protocol(
                        "SQLite has no array parameters".into(),
                    ))
                }
            }
        }
        Ok(args)
    }

    fn affected(done: &SqliteQueryResult) -> u64 {
        done.rows_affected()
    }

    const COLUMNS: &'static str = "SELECT name, type FROM pragma_table_info(?)";

    /// None: `CREATE TABLE IF NOT EXISTS` takes SQLite's one writer lock.
    fn schema_lock(_: &str) -> Option<[String; 2]> {
        None
    }
}

impl Cells for SqliteRow {
    fn value(&self, i: usize, sql: SqlType) -> Option<Value> {
        Some(match sql {
            SqlType::Bool => Value::Bool(self.try_get(i).ok()?),
            SqlType::F64 => Value::Float(self.try_get(i).ok()?),
            SqlType::Text => Value::Text(self.try_get(i).ok()?),
            SqlType::Timestamp => Value::Timestamp(value::from_micros(self.try_get(i).ok()?)?),
            SqlType::Date => Value::Date(value::from_days(self.try_get(i).ok()?)?),
            SqlType::I16 | SqlType::I32 | SqlType::I64 => Value::Int(self.try_get(i).ok()?),
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
                out.extend_from_slice(&u32::try_from(text.len()).ok()?.to_le_bytes());
                out.extend_from_slice(text.as_bytes());
            }
            SqlType::I16 | SqlType::I32 | SqlType::I64 | SqlType::Timestamp | SqlType::Date => {
                out.extend_from_slice(&self.try_get_unchecked::<i64, _>(i).ok()?.to_le_bytes());
            }
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

/// Inserts `rows` into `table`, `per_statement` rows a statement (the last
/// one's statement is prepared once and reused), each statement followed
/// by `conflict`; returns the rows it affected.
pub(crate) async fn insert<D: Data>(
    conn: &mut SqliteConnection,
    table: &str,
    rows: &Rows<D>,
    per_statement: usize,
    conflict: &str,
) -> Result<u64, StoreError> {
    let fail = |action| StoreError::db(table, action);
    let now = chrono::Utc::now().timestamp_micros();
    let one = format!("({}, ?, ?)", vec!["?"; rows.columns.len()].join(", "));
    let sql = |n: usize| {
        format!(
            "INSERT INTO {} ({}, updated_at) VALUES {}{conflict}",
            quote(table),
            rows.names(),
            vec![one.as_str(); n].join(", ")
        )
    };
    let full = sql(per_statement);
    let mut affected = 0_u64;
    let mut start = 0_usize;
    while start < rows.len() {
        let end = start.saturating_add(per_statement).min(rows.len());
        let mut args = SqliteArguments::default();
        for i in start..end {
            for cell in rows.row(i) {
                bind_cell(&mut args, cell).map_err(fail("cannot bind the batch"))?;
            }
            let mut data = Vec::new();
            if let Some(d) = rows.data.get(i) {
                d.put(&mut data)?;
            }
            args.add(data)
                .and_then(|()| args.add(now))
                .map_err(|e| fail("cannot bind the batch")(sqlx::Error::Encode(e)))?;
        }
        let n = end.saturating_sub(start);
        let statement = if n == per_statement {
            full.clone()
        } else {
            sql(n)
        };
        let done = sqlx::query_with(AssertSqlSafe(statement), args)
            .execute(&mut *conn)
            .await
            .map_err(fail("cannot write the batch"))?;
        affected = affected.saturating_add(done.rows_affected());
        start = end;
    }
    Ok(affected)
}

/// Upserts a batch in one `BEGIN IMMEDIATE` transaction.
pub(crate) async fn upsert(
    pool: &SqlitePool,
    spec: &Spec,
    batch: &Batch<'_>,
) -> Result<u64, StoreError> {
    let fail = |action| StoreError::db(&spec.table, action);
    let mut tx = pool
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(fail("cannot begin the batch"))?;
    let conflict = spec.on_conflict(&quote(&spec.table), batch.stamped);
    let affected = insert(
        &mut tx,
        &spec.table,
        &batch.rows,
        ROWS_PER_STATEMENT,
        &conflict,
    )
    .await?;
    tx.commit().await.map_err(fail("cannot commit the batch"))?;
    Ok(affected)
}
