//! PostgreSQL: schema, binary `COPY` and `UNNEST` upserts, binding, streaming reads.

use core::fmt::Write as _;

use futures_util::TryStreamExt;
use sqlx::postgres::{PgArguments, PgPool, PgRow};
use sqlx::{Arguments, AssertSqlSafe, Row};

use super::batch::Batch;
use super::error::StoreError;
use super::mirror::Cell;
use super::spec::{quote, Param, Spec};
use super::value::{self, SqlType, Value};
use super::PgWrite;

/// Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
/// Days from 1970-01-01 to 2000-01-01.
const PG_EPOCH_DAYS: i64 = 10_957;
/// How many times a batch that lost a deadlock or serialization race is retried.
const RETRIES: usize = 3;

/// Creates the table and its indexes, then checks an existing table's columns.
pub(crate) async fn create(pool: &PgPool, spec: &Spec) -> Result<(), StoreError> {
    let mut conn = pool
        .acquire()
        .await
        .map_err(StoreError::db(&spec.table, "cannot connect"))?;
    // Concurrent `CREATE TABLE IF NOT EXISTS` can race on the catalog; one
    // advisory lock per table name serializes the store's own schema changes.
    let lock = format!(
        "SELECT pg_advisory_lock(hashtext('factpack:{}'))",
        spec.table
    );
    sqlx::query(AssertSqlSafe(lock))
        .execute(&mut *conn)
        .await
        .map_err(StoreError::db(&spec.table, "cannot lock the schema"))?;
    let result = create_locked(&mut conn, spec).await;
    let unlock = format!(
        "SELECT pg_advisory_unlock(hashtext('factpack:{}'))",
        spec.table
    );
    sqlx::query(AssertSqlSafe(unlock))
        .execute(&mut *conn)
        .await
        .map_err(StoreError::db(&spec.table, "cannot unlock the schema"))?;
    result
}

/// Creates the table, checks its columns, then creates the indexes.
async fn create_locked(conn: &mut sqlx::PgConnection, spec: &Spec) -> Result<(), StoreError> {
    let mut ddl = spec.ddl().into_iter();
    for statement in ddl.by_ref().take(1) {
        sqlx::query(AssertSqlSafe(statement))
            .execute(&mut *conn)
            .await
            .map_err(StoreError::db(&spec.table, "cannot create the table"))?;
    }
    let rows = sqlx::query(
        "SELECT column_name::text, data_type::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1",
    )
    .bind(&spec.table)
    .fetch_all(&mut *conn)
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
            .execute(&mut *conn)
            .await
            .map_err(StoreError::db(&spec.table, "cannot create the indexes"))?;
    }
    Ok(())
}

/// Appends one parameter.
pub(crate) fn bind(args: &mut PgArguments, param: &Param) -> Result<(), sqlx::Error> {
    let r = match param {
        Param::One(sql, cell) => match (sql, cell) {
            (SqlType::Bool, Cell::Bool(v)) => args.add(*v),
            (SqlType::I16, Cell::Int(v)) => args.add(i16::try_from(*v).unwrap_or_default()),
            (SqlType::I32, Cell::Int(v)) => args.add(i32::try_from(*v).unwrap_or_default()),
            (SqlType::F64, Cell::Float(v)) => args.add(*v),
            (SqlType::Text, Cell::Text(v)) => args.add(v.as_str()),
            (SqlType::Timestamp, Cell::Micros(v)) => args.add(value::from_micros(*v)),
            (SqlType::Date, Cell::Days(v)) => args.add(value::from_days(*v)),
            (_, Cell::Int(v)) => args.add(*v),
            (_, _) => args.add(None::<i64>),
        },
        Param::Array(sql, cells) => match sql {
            SqlType::Bool => args.add(collect(cells, |c| match c {
                Cell::Bool(v) => Some(*v),
                _ => None,
            })),
            SqlType::I16 => args.add(collect(cells, |c| {
                int(c).and_then(|v| i16::try_from(v).ok())
            })),
            SqlType::I32 => args.add(collect(cells, |c| {
                int(c).and_then(|v| i32::try_from(v).ok())
            })),
            SqlType::I64 => args.add(collect(cells, int)),
            SqlType::F64 => args.add(collect(cells, |c| match c {
                Cell::Float(v) => Some(*v),
                _ => None,
            })),
            SqlType::Text => args.add(collect(cells, |c| match c {
                Cell::Text(v) => Some(v.as_str()),
                _ => None,
            })),
            SqlType::Timestamp => args.add(collect(cells, |c| match c {
                Cell::Micros(v) => value::from_micros(*v),
                _ => None,
            })),
            SqlType::Date => args.add(collect(cells, |c| match c {
                Cell::Days(v) => value::from_days(*v),
                _ => None,
            })),
        },
    };
    r.map_err(sqlx::Error::Encode)
}

fn int(cell: &Cell) -> Option<i64> {
    match cell {
        Cell::Int(v) | Cell::Micros(v) | Cell::Days(v) => Some(*v),
        _ => None,
    }
}

fn collect<'a, V>(cells: &'a [Cell], f: impl Fn(&'a Cell) -> Option<V>) -> Vec<Option<V>> {
    cells.iter().map(f).collect()
}

/// Arguments for `params`.
pub(crate) fn arguments(params: &[Param]) -> Result<PgArguments, sqlx::Error> {
    let mut args = PgArguments::default();
    for p in params {
        bind(&mut args, p)?;
    }
    Ok(args)
}

/// Runs a statement; returns the rows it affected.
pub(crate) async fn execute(
    pool: &PgPool,
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

/// Streams the rows of a query into `each`, which sees every row while the
/// driver still holds it.
pub(crate) async fn fetch(
    pool: &PgPool,
    spec: &Spec,
    sql: String,
    params: &[Param],
    mut each: impl FnMut(&PgRow) -> Result<(), StoreError>,
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
pub(crate) fn key_value(row: &PgRow, i: usize, sql: SqlType) -> Option<Value> {
    Some(match sql {
        SqlType::Bool => Value::Bool(row.try_get(i).ok()?),
        SqlType::I16 => Value::Int(i64::from(row.try_get::<i16, _>(i).ok()?)),
        SqlType::I32 => Value::Int(i64::from(row.try_get::<i32, _>(i).ok()?)),
        SqlType::I64 => Value::Int(row.try_get(i).ok()?),
        SqlType::F64 => Value::Float(row.try_get(i).ok()?),
        SqlType::Text => Value::Text(row.try_get(i).ok()?),
        SqlType::Timestamp => Value::Timestamp(row.try_get(i).ok()?),
        SqlType::Date => Value::Date(row.try_get(i).ok()?),
    })
}

/// Appends key column `i` of type `sql` of `row` as the page codec encodes
/// it; `None` when the cell cannot be decoded as that type. The column types
/// were checked when the store was opened, so the driver's per-cell type
/// check is skipped (a wrong type still fails to decode, or reads a key
/// that was not asked for).
pub(crate) fn put_key_cell(row: &PgRow, i: usize, sql: SqlType, out: &mut Vec<u8>) -> Option<()> {
    match sql {
        SqlType::Bool => out.push(u8::from(row.try_get_unchecked::<bool, _>(i).ok()?)),
        SqlType::I16 => out
            .extend_from_slice(&i64::from(row.try_get_unchecked::<i16, _>(i).ok()?).to_le_bytes()),
        SqlType::I32 => out
            .extend_from_slice(&i64::from(row.try_get_unchecked::<i32, _>(i).ok()?).to_le_bytes()),
        SqlType::I64 => {
            out.extend_from_slice(&row.try_get_unchecked::<i64, _>(i).ok()?.to_le_bytes())
        }
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
        SqlType::Timestamp => {
            let at: chrono::DateTime<chrono::Utc> = row.try_get_unchecked(i).ok()?;
            out.extend_from_slice(&value::micros(&at).to_le_bytes());
        }
        SqlType::Date => {
            let day: chrono::NaiveDate = row.try_get_unchecked(i).ok()?;
            out.extend_from_slice(&value::days(&day).to_le_bytes());
        }
    }
    Some(())
}

/// Upserts a batch in one transaction, retrying a batch that lost a deadlock
/// or serialization race.
pub(crate) async fn upsert(
    pool: &PgPool,
    spec: &Spec,
    batch: &Batch<'_>,
    how: PgWrite,
) -> Result<u64, StoreError> {
    let mut attempt = 0_usize;
    loop {
        let result = match how {
            PgWrite::Copy => upsert_copy(pool, spec, batch).await,
            PgWrite::Unnest => upsert_unnest(pool, spec, batch).await,
        };
        match result {
            Err(StoreError::Database {
                source: sqlx::Error::Database(e),
                ..
            }) if attempt < RETRIES && matches!(e.code().as_deref(), Some("40P01" | "40001")) => {
                attempt = attempt.saturating_add(1);
            }
            other => return other,
        }
    }
}

/// Binary `COPY` into a temporary table, then one `INSERT .. SELECT .. ON CONFLICT`.
async fn upsert_copy(pool: &PgPool, spec: &Spec, batch: &Batch<'_>) -> Result<u64, StoreError> {
    let table = &spec.table;
    let fail = |action| StoreError::db(table, action);
    let columns = spec.write_columns().join(", ");
    let temp = quote(&format!("_factpack_{table}"));
    let mut tx = pool.begin().await.map_err(fail("cannot begin the batch"))?;
    let create = format!(
        "CREATE TEMP TABLE IF NOT EXISTS {temp} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS",
        quote(table)
    );
    sqlx::query(AssertSqlSafe(create))
        .execute(&mut *tx)
        .await
        .map_err(fail("cannot create the staging table"))?;
    let mut copy = tx
        .copy_in_raw(&format!(
            "COPY {temp} ({columns}) FROM STDIN (FORMAT binary)"
        ))
        .await
        .map_err(fail("cannot start COPY"))?;
    let mut buf = Vec::with_capacity(1 << 20);
    buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    buf.extend_from_slice(&[0; 8]); // flags, header extension length
    let fields = i16::try_from(spec.write_columns().len()).unwrap_or(i16::MAX);
    for i in 0..batch.len() {
        buf.extend_from_slice(&fields.to_be_bytes());
        let row = batch.row(i);
        let (keys, mirrors) = row.split_at(spec.keys.len().min(row.len()));
        for (cell, c) in keys.iter().zip(&spec.keys) {
            copy_cell(&mut buf, c.sql, cell);
        }
        copy_cell(
            &mut buf,
            SqlType::I16,
            &Cell::Int(i64::from(batch.versions.get(i).copied().unwrap_or(0))),
        );
        copy_cell(
            &mut buf,
            SqlType::I64,
            &Cell::Int(batch.fingerprints.get(i).copied().unwrap_or(0)),
        );
        for (cell, m) in mirrors.iter().zip(&spec.mirrors) {
            copy_cell(&mut buf, m.sql, cell);
        }
        let data = batch.data.get(i).copied().unwrap_or(&[]);
        copy_len(&mut buf, data.len());
        buf.extend_from_slice(data);
        let stamp = batch.stamps.get(i).copied().flatten();
        copy_cell(&mut buf, SqlType::I64, &stamp.map_or(Cell::Null, Cell::Int));
        if buf.len() >= 1 << 20 {
            copy.send(buf.as_slice())
                .await
                .map_err(fail("COPY failed"))?;
            buf.clear();
        }
    }
    buf.extend_from_slice(&(-1_i16).to_be_bytes());
    copy.send(buf.as_slice())
        .await
        .map_err(fail("COPY failed"))?;
    copy.finish().await.map_err(fail("COPY failed"))?;
    let insert = format!(
        "INSERT INTO {} AS t ({columns}, updated_at) SELECT {columns}, now() FROM {temp} ORDER BY {}{}",
        quote(table),
        spec.key_list(),
        spec.on_conflict("t", batch.stamped)
    );
    let done = sqlx::query(AssertSqlSafe(insert))
        .execute(&mut *tx)
        .await
        .map_err(fail("cannot upsert the batch"))?;
    tx.commit().await.map_err(fail("cannot commit the batch"))?;
    Ok(done.rows_affected())
}

/// One `INSERT .. SELECT FROM UNNEST(arrays) .. ON CONFLICT`, an array per column.
async fn upsert_unnest(pool: &PgPool, spec: &Spec, batch: &Batch<'_>) -> Result<u64, StoreError> {
    let table = &spec.table;
    let fail = |action| StoreError::db(table, action);
    let columns = spec.write_columns().join(", ");
    let mut args = PgArguments::default();
    let mut arrays = Vec::new();
    let mut n = 0_usize;
    let mut placeholder = |ty: &str, arrays: &mut Vec<String>| {
        n = n.saturating_add(1);
        arrays.push(format!("${n}::{ty}[]"));
    };
    let column_cells = |j: usize| -> Vec<Cell> {
        (0..batch.len())
            .map(|i| batch.row(i).get(j).cloned().unwrap_or(Cell::Null))
            .collect()
    };
    for (j, c) in spec.keys.iter().enumerate() {
        bind(&mut args, &Param::Array(c.sql, column_cells(j)))
            .map_err(fail("cannot bind the batch"))?;
        placeholder(c.sql.postgres(), &mut arrays);
    }
    let versions: Vec<i16> = batch.versions.iter().map(|v| i16::from(*v)).collect();
    args.add(versions)
        .map_err(|e| fail("cannot bind the batch")(sqlx::Error::Encode(e)))?;
    placeholder("SMALLINT", &mut arrays);
    args.add(batch.fingerprints.as_slice())
        .map_err(|e| fail("cannot bind the batch")(sqlx::Error::Encode(e)))?;
    placeholder("BIGINT", &mut arrays);
    for (j, m) in spec.mirrors.iter().enumerate() {
        let cells = column_cells(spec.keys.len().saturating_add(j));
        bind(&mut args, &Param::Array(m.sql, cells)).map_err(fail("cannot bind the batch"))?;
        placeholder(m.sql.postgres(), &mut arrays);
    }
    args.add(batch.data.as_slice())
        .map_err(|e| fail("cannot bind the batch")(sqlx::Error::Encode(e)))?;
    placeholder("BYTEA", &mut arrays);
    args.add(batch.stamps.as_slice())
        .map_err(|e| fail("cannot bind the batch")(sqlx::Error::Encode(e)))?;
    placeholder("BIGINT", &mut arrays);
    let mut sql = format!(
        "INSERT INTO {} AS t ({columns}, updated_at) SELECT *, now() FROM UNNEST(",
        quote(table)
    );
    let _ = write!(sql, "{})", arrays.join(", "));
    sql.push_str(&spec.on_conflict("t", batch.stamped));
    let mut tx = pool.begin().await.map_err(fail("cannot begin the batch"))?;
    let done = sqlx::query_with(AssertSqlSafe(sql), args)
        .execute(&mut *tx)
        .await
        .map_err(fail("cannot upsert the batch"))?;
    tx.commit().await.map_err(fail("cannot commit the batch"))?;
    Ok(done.rows_affected())
}

/// Appends a field's length to a binary `COPY` row.
pub(crate) fn copy_len(buf: &mut Vec<u8>, len: usize) {
    buf.extend_from_slice(&i32::try_from(len).unwrap_or(i32::MAX).to_be_bytes());
}

/// Appends one field to a binary `COPY` row, in PostgreSQL's binary format.
pub(crate) fn copy_cell(buf: &mut Vec<u8>, sql: SqlType, cell: &Cell) {
    match (sql, cell) {
        (_, Cell::Null) => buf.extend_from_slice(&(-1_i32).to_be_bytes()),
        (SqlType::Bool, Cell::Bool(v)) => {
            copy_len(buf, 1);
            buf.push(u8::from(*v));
        }
        (SqlType::I16, Cell::Int(v)) => {
            copy_len(buf, 2);
            buf.extend_from_slice(&i16::try_from(*v).unwrap_or_default().to_be_bytes());
        }
        (SqlType::I32, Cell::Int(v)) => {
            copy_len(buf, 4);
            buf.extend_from_slice(&i32::try_from(*v).unwrap_or_default().to_be_bytes());
        }
        (SqlType::I64, Cell::Int(v)) => {
            copy_len(buf, 8);
            buf.extend_from_slice(&v.to_be_bytes());
        }
        (SqlType::F64, Cell::Float(v)) => {
            copy_len(buf, 8);
            buf.extend_from_slice(&v.to_bits().to_be_bytes());
        }
        (SqlType::Text, Cell::Text(v)) => {
            copy_len(buf, v.len());
            buf.extend_from_slice(v.as_bytes());
        }
        (SqlType::Timestamp, Cell::Micros(v)) => {
            copy_len(buf, 8);
            buf.extend_from_slice(&v.saturating_sub(PG_EPOCH_MICROS).to_be_bytes());
        }
        (SqlType::Date, Cell::Days(v)) => {
            copy_len(buf, 4);
            let days = i32::try_from(v.saturating_sub(PG_EPOCH_DAYS)).unwrap_or_default();
            buf.extend_from_slice(&days.to_be_bytes());
        }
        // A batch only holds cells of its columns' types.
        _ => buf.extend_from_slice(&(-1_i32).to_be_bytes()),
    }
}
