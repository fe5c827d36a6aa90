//! PostgreSQL: binding, reading cells, the schema lock, binary `COPY` and
//! `UNNEST` upserts.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};

use sqlx::encode::Encode;
use sqlx::error::BoxDynError;
use sqlx::postgres::{
    PgArguments, PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgQueryResult, PgRow,
};
use sqlx::{Arguments, AssertSqlSafe, Postgres, Row, Type};

use super::batch::Batch;
use super::db::DbOptions;
use super::error::StoreError;
use super::mirror::Cell;
use super::spec::{quote, Dialect, Param, Spec, Where};
use super::sql::{execute_on, Data, Rows, Sql};
use super::value::{self, SqlType};

/// How PostgreSQL batches travel. Both are one statement's worth of work in
/// one transaction; `BENCHMARKS.md` compares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PgWrite {
    /// Binary `COPY` into a temporary table, then one `INSERT .. SELECT ..
    /// ON CONFLICT` (the default: the faster of the two).
    #[default]
    Copy,
    /// One `INSERT .. SELECT FROM UNNEST($1, $2, ..) .. ON CONFLICT`, one array
    /// parameter per column.
    Unnest,
}

/// Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
/// Days from 1970-01-01 to 2000-01-01.
const PG_EPOCH_DAYS: i64 = 10_957;

/// Opens a pool on `url` with the size and acquire timeout of `options`.
pub(crate) async fn connect(url: &str, options: DbOptions) -> Result<PgPool, StoreError> {
    let connect =
        PgConnectOptions::from_str(url).map_err(StoreError::db("", "bad PostgreSQL URL"))?;
    PgPoolOptions::new()
        .max_connections(options.max_connections)
        .acquire_timeout(options.acquire_timeout)
        .connect_with(connect)
        .await
        .map_err(StoreError::db("", "cannot connect"))
}

/// How PostgreSQL spells the store's SQL.
pub(crate) static DIALECT: Dialect = Dialect {
    ty: SqlType::postgres,
    // What `information_schema` reports: the DDL's names, but for one.
    reported: |t| match t {
        SqlType::Timestamp => "timestamp with time zone",
        t => t.postgres(),
    },
    blob: ["BYTEA", "bytea"],
    updated_at: "TIMESTAMPTZ NOT NULL DEFAULT now()",
    least_greatest: ["LEAST", "GREATEST"],
    placeholder: |n| format!("${n}"),
    in_list,
    page_ddl,
    columns: "SELECT column_name::text, data_type::text FROM information_schema.columns \
              WHERE table_schema = current_schema() AND table_name = $1",
};

/// `AND lhs = ANY($n::type[])`, or with several columns `AND (lhs) IN
/// (SELECT * FROM UNNEST($n::type[], ..))`: one array per column.
fn in_list(
    w: &mut Where,
    lhs: &str,
    columns: &[(&str, SqlType)],
    values: Vec<Vec<Cell>>,
    _: &str,
) -> Result<(), StoreError> {
    let mut arrays = Vec::with_capacity(columns.len());
    for ((_, sql), cells) in columns.iter().zip(values) {
        let p = w.placeholder(Param::Array(*sql, cells));
        arrays.push(format!("{p}::{}[]", sql.postgres()));
    }
    if let [array] = arrays.as_slice() {
        w.sql.push_str(&format!(" AND {lhs} = ANY({array})"));
    } else {
        let arrays = arrays.join(", ");
        w.sql
            .push_str(&format!(" AND {lhs} IN (SELECT * FROM UNNEST({arrays}))"));
    }
    Ok(())
}

/// Pages are tens of kilobytes: PostgreSQL would compress each with pglz
/// before moving it out of line, which measured 6x slower to write and 4x
/// slower to read than storing it uncompressed (BENCHMARKS.md). Altered
/// only when needed: it locks the table.
fn page_ddl(t: &str) -> Vec<String> {
    vec![format!(
        "DO $$ BEGIN IF (SELECT attstorage FROM pg_attribute WHERE attrelid = '{t}'::regclass AND attname = 'data') <> 'e' \
         THEN ALTER TABLE {t} ALTER COLUMN data SET STORAGE EXTERNAL; END IF; END $$"
    )]
}

/// Binds the one cell, or the array of `cells`, each through `f` (null
/// where it gives `None`).
fn add<'a, V>(
    args: &mut PgArguments,
    cells: &'a [Cell],
    one: bool,
    f: impl Fn(&'a Cell) -> Option<V>,
) -> Result<(), BoxDynError>
where
    Option<V>: Encode<'a, Postgres> + Type<Postgres>,
    Vec<Option<V>>: Encode<'a, Postgres> + Type<Postgres>,
{
    if one {
        args.add(cells.first().and_then(f))
    } else {
        args.add(cells.iter().map(f).collect::<Vec<_>>())
    }
}

impl Sql for Postgres {
    /// A value, or an array, of its column's type.
    fn bind(args: &mut PgArguments, param: &Param) -> Result<(), sqlx::Error> {
        let (sql, cells, one) = match param {
            Param::One(sql, cell) => (*sql, core::slice::from_ref(cell), true),
            Param::Array(sql, cells) => (*sql, cells.as_slice(), false),
        };
        // `f` for `add`: the cell's value, when it is of `$pat`.
        macro_rules! of {
            ($pat:pat => $v:expr) => {
                |c: &_| match c {
                    $pat => $v,
                    _ => None,
                }
            };
        }
        // The number of an integer or time cell.
        let int = of!(Cell::Int(v) => Some(*v));
        let a = &mut *args;
        match sql {
            SqlType::Bool => add(a, cells, one, of!(Cell::Bool(v) => Some(*v))),
            SqlType::I16 => add(a, cells, one, |c| i16::try_from(int(c)?).ok()),
            SqlType::I32 => add(a, cells, one, |c| i32::try_from(int(c)?).ok()),
            SqlType::I64 => add(a, cells, one, int),
            SqlType::F64 => add(a, cells, one, of!(Cell::Float(v) => Some(*v))),
            SqlType::Text => add(a, cells, one, of!(Cell::Text(v) => Some(v.as_str()))),
            SqlType::Timestamp => add(a, cells, one, |c| value::from_micros(int(c)?)),
            SqlType::Date => add(a, cells, one, |c| value::from_days(int(c)?)),
        }
        .map_err(sqlx::Error::Encode)
    }

    fn int(row: &PgRow, i: usize, sql: SqlType, checked: bool) -> Option<i64> {
        macro_rules! get {
            ($t:ty) => {
                if checked {
                    row.try_get::<$t, _>(i)
                } else {
                    row.try_get_unchecked::<$t, _>(i)
                }
                .ok()?
            };
        }
        Some(match sql {
            SqlType::I16 => i64::from(get!(i16)),
            SqlType::I32 => i64::from(get!(i32)),
            SqlType::Timestamp => value::micros(&get!(DateTime<Utc>)),
            SqlType::Date => value::days(&get!(NaiveDate)),
            _ => get!(i64),
        })
    }

    fn affected(done: &PgQueryResult) -> u64 {
        done.rows_affected()
    }
}

/// Upserts a batch in the transaction `conn`: with [`PgWrite::Copy`], a
/// binary `COPY` into a temporary table, then one `INSERT .. SELECT .. ON
/// CONFLICT`; with [`PgWrite::Unnest`], one `INSERT .. SELECT FROM
/// UNNEST(arrays) .. ON CONFLICT`, an array per column.
pub(crate) async fn upsert(
    conn: &mut PgConnection,
    spec: &Spec,
    batch: &Batch<'_>,
    how: PgWrite,
) -> Result<u64, StoreError> {
    let table = &spec.table;
    let fail = |action| StoreError::db(table, action);
    let rows = &batch.rows;
    let columns = rows.names();
    let mut args = PgArguments::default();
    let source = match how {
        PgWrite::Copy => {
            let temp = quote(&format!("_factpack_{table}"));
            let create = format!(
                "CREATE TEMP TABLE IF NOT EXISTS {temp} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS",
                quote(table)
            );
            let action = "cannot create the staging table";
            execute_on(&mut *conn, table, create, &[], action).await?;
            copy_in(&mut *conn, table, &temp, rows).await?;
            format!(
                "SELECT {columns}, now() FROM {temp} ORDER BY {}",
                spec.key_list()
            )
        }
        PgWrite::Unnest => {
            let n = rows.columns.len();
            let mut arrays = Vec::with_capacity(n.saturating_add(1));
            for (j, (_, sql)) in rows.columns.iter().enumerate() {
                let cells = rows.cells.iter().skip(j).step_by(n).cloned().collect();
                Postgres::bind(&mut args, &Param::Array(*sql, cells))
                    .map_err(fail("cannot bind the batch"))?;
                arrays.push(format!("${}::{}[]", j.saturating_add(1), sql.postgres()));
            }
            args.add(rows.data.as_slice())
                .map_err(|e| fail("cannot bind the batch")(sqlx::Error::Encode(e)))?;
            arrays.push(format!("${}::BYTEA[]", n.saturating_add(1)));
            format!("SELECT *, now() FROM UNNEST({})", arrays.join(", "))
        }
    };
    let insert = format!(
        "INSERT INTO {} AS t ({columns}, updated_at) {source}{}",
        quote(table),
        spec.on_conflict("t", batch.stamped)
    );
    let done = sqlx::query_with(AssertSqlSafe(insert), args)
        .execute(conn)
        .await;
    let done = done.map_err(fail("cannot upsert the batch"))?;
    Ok(done.rows_affected())
}

/// Streams `rows` into `target` (a quoted table name) by binary `COPY`;
/// aborts the `COPY` when a row cannot be written.
pub(crate) async fn copy_in<D: Data>(
    conn: &mut PgConnection,
    table: &str,
    target: &str,
    rows: &Rows<D>,
) -> Result<(), StoreError> {
    let fail = |action| StoreError::db(table, action);
    let sql = format!(
        "COPY {target} ({}) FROM STDIN (FORMAT binary)",
        rows.names()
    );
    let copy = conn.copy_in_raw(&sql).await;
    let mut copy = copy.map_err(fail("cannot start COPY"))?;
    let mut buf = Vec::with_capacity(1 << 20);
    buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    buf.extend_from_slice(&[0; 8]); // flags, header extension length
    let fields = i16::try_from(rows.columns.len().saturating_add(1)).unwrap_or(i16::MAX);
    let written = async {
        for (i, data) in rows.data.iter().enumerate() {
            buf.extend_from_slice(&fields.to_be_bytes());
            for (cell, (_, sql)) in rows.row(i).iter().zip(&rows.columns) {
                copy_cell(&mut buf, *sql, cell);
            }
            // The data is written straight into the send buffer, behind its
            // length, which is filled in after: a field holds at most
            // `i32::MAX` bytes.
            let at = buf.len();
            buf.extend_from_slice(&[0; 4]);
            data.put(&mut buf)?;
            let len = buf.len().saturating_sub(at).saturating_sub(4);
            let len = i32::try_from(len).map_err(|_| {
                let why = format!("a row's data of {len} bytes, more than a bytea can hold");
                StoreError::config(table, why)
            })?;
            if let Some(field) = buf.get_mut(at..at.saturating_add(4)) {
                field.copy_from_slice(&len.to_be_bytes());
            }
            if buf.len() >= 1 << 20 {
                let sent = copy.send(buf.as_slice()).await;
                sent.map_err(fail("COPY failed"))?;
                buf.clear();
            }
        }
        buf.extend_from_slice(&(-1_i16).to_be_bytes());
        let sent = copy.send(buf.as_slice()).await;
        sent.map(drop).map_err(fail("COPY failed"))
    };
    if let Err(e) = written.await {
        let _ = copy.abort("factpack: cannot write a row").await;
        return Err(e);
    }
    copy.finish().await.map_err(fail("COPY failed")).map(drop)
}

/// Appends one field to a binary `COPY` row, in PostgreSQL's binary format:
/// its length, then its bytes.
fn copy_cell(buf: &mut Vec<u8>, sql: SqlType, cell: &Cell) {
    let mut field = |bytes: &[u8]| {
        buf.extend_from_slice(&i32::try_from(bytes.len()).unwrap_or(i32::MAX).to_be_bytes());
        buf.extend_from_slice(bytes);
    };
    match (sql, cell) {
        (SqlType::Bool, Cell::Bool(v)) => field(&[u8::from(*v)]),
        (SqlType::I16, Cell::Int(v)) => field(&i16::try_from(*v).unwrap_or_default().to_be_bytes()),
        (SqlType::I32, Cell::Int(v)) => field(&i32::try_from(*v).unwrap_or_default().to_be_bytes()),
        (SqlType::I64, Cell::Int(v)) => field(&v.to_be_bytes()),
        (SqlType::F64, Cell::Float(v)) => field(&v.to_bits().to_be_bytes()),
        (SqlType::Text, Cell::Text(v)) => field(v.as_bytes()),
        (SqlType::Timestamp, Cell::Int(v)) => {
            field(&v.saturating_sub(PG_EPOCH_MICROS).to_be_bytes())
        }
        (SqlType::Date, Cell::Int(v)) => {
            let days = i32::try_from(v.saturating_sub(PG_EPOCH_DAYS)).unwrap_or_default();
            field(&days.to_be_bytes());
        }
        // Null (a batch only holds cells of its columns' types).
        _ => buf.extend_from_slice(&(-1_i32).to_be_bytes()),
    }
}
