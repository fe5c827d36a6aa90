//! SQLite: schema, upserts in one transaction through one reused prepared
//! statement of many rows, binding, streaming reads.

use futures_util::TryStreamExt;
use sqlx::sqlite::{SqliteArguments, SqlitePool, SqliteRow};
use sqlx::{Arguments, AssertSqlSafe, Row};

use super::batch::Batch;
use super::error::StoreError;
use super::mirror::Cell;
use super::spec::{quote, Param, Spec};
use super::value::{self, SqlType, Value};

/// Rows per `INSERT` statement: enough to amortize a statement's round trip
/// to sqlx's worker thread, well under SQLite's 32,766 parameters.
const ROWS_PER_STATEMENT: usize = 256;

/// Creates the table and its indexes, then checks an existing table's columns.
pub(crate) async fn create(pool: &SqlitePool, spec: &Spec) -> Result<(), StoreError> {
    let mut ddl = spec.ddl().into_iter();
    for statement in ddl.by_ref().take(1) {
        sqlx::query(AssertSqlSafe(statement))
            .execute(pool)
            .await
            .map_err(StoreError::db(&spec.table, "cannot create the table"))?;
    }
    let rows = sqlx::query("SELECT name, type FROM pragma_table_info(?)")
        .bind(&spec.table)
        .fetch_all(pool)
        .await
        .map_err(StoreError::db(
            &spec.table,
            "cannot read the table's columns",
        ))?;
    let mut found = Vec::with_capacity(rows.len());
    for row in rows {
        let name: String = row.try_get(0).map_err(StoreError::db(
            &spec.table,
            "cannot read the table's columns",
        ))?;
        let ty: String = row.try_get(1).map_err(StoreError::db(
            &spec.table,
            "cannot read the table's columns",
        ))?;
        found.push((name, ty));
    }
    super::spec_check(spec, &found)?;
    for statement in ddl {
        sqlx::query(AssertSqlSafe(statement))
            .execute(pool)
            .await
            .map_err(StoreError::db(&spec.table, "cannot create the indexes"))?;
    }
    Ok(())
}

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

/// Arguments for `params` (SQLite has no arrays; lists arrive as JSON text).
pub(crate) fn arguments(params: &[Param]) -> Result<SqliteArguments, sqlx::Error> {
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

/// Runs a statement; returns the rows it affected.
pub(crate) async fn execute(
    pool: &SqlitePool,
    spec: &Spec,
    sql: String,
    params: &[Param],
    action: &'static str,
) -> Result<u64, StoreError> {
    let args = arguments(params).map_err(StoreError::db(&spec.table, action))?;
    let done = sqlx::query_with(AssertSqlSafe(sql), args)
        .execute(pool)
        .await
        .map_err(StoreError::db(&spec.table, action))?;
    Ok(done.rows_affected())
}

/// Streams the rows of a query into `each`.
pub(crate) async fn fetch(
    pool: &SqlitePool,
    spec: &Spec,
    sql: String,
    params: &[Param],
    mut each: impl FnMut(&SqliteRow) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let action = "cannot read";
    let args = arguments(params).map_err(StoreError::db(&spec.table, action))?;
    let mut rows = sqlx::query_with(AssertSqlSafe(sql), args).fetch(pool);
    while let Some(row) = rows
        .try_next()
        .await
        .map_err(StoreError::db(&spec.table, action))?
    {
        each(&row)?;
    }
    Ok(())
}

/// The value of key column `i` of type `sql` in `row`.
pub(crate) fn key_value(row: &SqliteRow, i: usize, sql: SqlType) -> Option<Value> {
    Some(match sql {
        SqlType::Bool => Value::Bool(row.try_get(i).ok()?),
        SqlType::F64 => Value::Float(row.try_get(i).ok()?),
        SqlType::Text => Value::Text(row.try_get(i).ok()?),
        SqlType::Timestamp => Value::Timestamp(value::from_micros(row.try_get(i).ok()?)?),
        SqlType::Date => Value::Date(value::from_days(row.try_get(i).ok()?)?),
        SqlType::I16 | SqlType::I32 | SqlType::I64 => Value::Int(row.try_get(i).ok()?),
    })
}

/// Appends key column `i` of type `sql` of `row` as the page codec encodes
/// it; `None` when the cell cannot be decoded as that type. The column types
/// were checked when the store was opened, so the driver's per-cell type
/// check is skipped (a wrong type still fails to decode, or reads a key
/// that was not asked for).
pub(crate) fn put_key_cell(
    row: &SqliteRow,
    i: usize,
    sql: SqlType,
    out: &mut Vec<u8>,
) -> Option<()> {
    match sql {
        SqlType::Bool => out.push(u8::from(row.try_get_unchecked::<bool, _>(i).ok()?)),
        SqlType::F64 => out.extend_from_slice(
            &row.try_get_unchecked::<f64, _>(i)
                .ok()?
                .to_bits()
                .to_le_bytes(),
        ),
        SqlType::Text => {
            let text: &str = row.try_get_unchecked(i).ok()?;
            out.extend_from_slice(&u32::try_from(text.len()).ok()?.to_le_bytes());
            out.extend_from_slice(text.as_bytes());
        }
        SqlType::I16 | SqlType::I32 | SqlType::I64 | SqlType::Timestamp | SqlType::Date => {
            out.extend_from_slice(&row.try_get_unchecked::<i64, _>(i).ok()?.to_le_bytes());
        }
    }
    Some(())
}

/// `INSERT .. VALUES (..), .. ON CONFLICT ..` for `rows` rows.
fn insert_sql(spec: &Spec, rows: usize, stamped: bool) -> String {
    let columns = spec.write_columns();
    let one = format!("({}, ?)", vec!["?"; columns.len()].join(", "));
    let values = vec![one.as_str(); rows].join(", ");
    format!(
        "INSERT INTO {} ({}, updated_at) VALUES {values}{}",
        quote(&spec.table),
        columns.join(", "),
        spec.on_conflict(&quote(&spec.table), stamped)
    )
}

/// Upserts a batch in one `BEGIN IMMEDIATE` transaction.
pub(crate) async fn upsert(
    pool: &SqlitePool,
    spec: &Spec,
    batch: &Batch<'_>,
) -> Result<u64, StoreError> {
    let table = &spec.table;
    let fail = |action| StoreError::db(table, action);
    let now = chrono::Utc::now().timestamp_micros();
    let full = insert_sql(spec, ROWS_PER_STATEMENT, batch.stamped);
    let mut tx = pool
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(fail("cannot begin the batch"))?;
    let mut affected = 0_u64;
    let mut start = 0_usize;
    while start < batch.len() {
        let end = start.saturating_add(ROWS_PER_STATEMENT).min(batch.len());
        let mut args = SqliteArguments::default();
        for i in start..end {
            for cell in batch.row(i).get(..spec.keys.len()).unwrap_or(&[]) {
                bind_cell(&mut args, cell).map_err(fail("cannot bind the batch"))?;
            }
            let version = i64::from(batch.versions.get(i).copied().unwrap_or(0));
            let fingerprint = batch.fingerprints.get(i).copied().unwrap_or(0);
            for v in [version, fingerprint] {
                bind_cell(&mut args, &Cell::Int(v)).map_err(fail("cannot bind the batch"))?;
            }
            for cell in batch.row(i).get(spec.keys.len()..).unwrap_or(&[]) {
                bind_cell(&mut args, cell).map_err(fail("cannot bind the batch"))?;
            }
            let data = batch.data.get(i).copied().unwrap_or(&[]);
            args.add(data)
                .map_err(|e| fail("cannot bind the batch")(sqlx::Error::Encode(e)))?;
            args.add(batch.stamps.get(i).copied().flatten())
                .map_err(|e| fail("cannot bind the batch")(sqlx::Error::Encode(e)))?;
            args.add(now)
                .map_err(|e| fail("cannot bind the batch")(sqlx::Error::Encode(e)))?;
        }
        let sql = if end.saturating_sub(start) == ROWS_PER_STATEMENT {
            full.clone()
        } else {
            insert_sql(spec, end.saturating_sub(start), batch.stamped)
        };
        let done = sqlx::query_with(AssertSqlSafe(sql), args)
            .execute(&mut *tx)
            .await
            .map_err(fail("cannot upsert the batch"))?;
        affected = affected.saturating_add(done.rows_affected());
        start = end;
    }
    tx.commit().await.map_err(fail("cannot commit the batch"))?;
    Ok(affected)
}
