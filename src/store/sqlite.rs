//! SQLite: binding, reading cells, and upserts in one transaction through
//! one reused prepared statement of many rows.

use core::fmt::Write as _;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool,
    SqlitePoolOptions, SqliteQueryResult, SqliteRow, SqliteSynchronous,
};
use sqlx::{Arguments, AssertSqlSafe, Row, SqlSafeStr, Sqlite};

use super::batch::Batch;
use super::db::DbOptions;
use super::error::StoreError;
use super::mirror::Cell;
use super::spec::{quote, Dialect, Param, Spec, Where};
use super::sql::{Data, Rows, Sql};
use super::value::SqlType;

/// Rows per `INSERT` statement: enough to amortize a statement's round trip
/// to sqlx's worker thread, well under SQLite's 32,766 parameters.
const ROWS_PER_STATEMENT: usize = 256;

/// Opens a pool on `url`: WAL mode with `synchronous = NORMAL`, the
/// busy timeout and page cache of `options`; one connection, never closed,
/// for a memory database (which lives as long as its connection).
pub(crate) async fn connect(url: &str, options: DbOptions) -> Result<SqlitePool, StoreError> {
    let cache_kib = u64::from(options.sqlite_cache_mib).saturating_mul(1024);
    let connect = SqliteConnectOptions::from_str(url)
        .map_err(StoreError::db("", "bad SQLite URL"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(options.acquire_timeout)
        .pragma("cache_size", format!("-{cache_kib}"));
    let memory = url.contains(":memory:") || url.contains("mode=memory");
    let file = |secs| (!memory).then(|| Duration::from_secs(secs));
    SqlitePoolOptions::new()
        .max_connections(if memory { 1 } else { options.max_connections })
        .acquire_timeout(options.acquire_timeout)
        .idle_timeout(file(600))
        .max_lifetime(file(1800))
        .connect_with(connect)
        .await
        .map_err(StoreError::db("", "cannot connect"))
}

/// How SQLite spells the store's SQL.
pub(crate) static DIALECT: Dialect = Dialect {
    ty: SqlType::sqlite,
    reported: SqlType::sqlite,
    blob: ["BLOB", "BLOB"],
    updated_at: "INTEGER NOT NULL",
    least_greatest: ["MIN", "MAX"],
    placeholder: |_| "?".to_owned(),
    in_list,
    page_ddl: |_| Vec::new(),
    columns: "SELECT name, type FROM pragma_table_info(?)",
};

/// `AND lhs IN (SELECT value FROM json_each(?))`, or with several columns
/// `value->>0, ..`: SQLite has no arrays, so the list is one JSON array of
/// rows (of arrays when there are several columns).
fn in_list(
    w: &mut Where,
    lhs: &str,
    columns: &[(&str, SqlType)],
    values: Vec<Vec<Cell>>,
    table: &str,
) -> Result<(), StoreError> {
    let (rows, n) = (values.first().map_or(0, Vec::len), columns.len());
    let [open, close] = if n > 1 { ["[", "]"] } else { [""; 2] };
    let mut json = String::with_capacity(rows.saturating_mul(n.saturating_mul(12)));
    json.push('[');
    for row in 0..rows {
        json.push_str(if row > 0 { "," } else { "" });
        json.push_str(open);
        for (i, (cells, (name, sql))) in values.iter().zip(columns).enumerate() {
            json.push_str(if i > 0 { "," } else { "" });
            let _ = match cells.get(row) {
                Some(Cell::Bool(v)) => write!(json, "{}", u8::from(*v)),
                Some(Cell::Int(v)) => write!(json, "{v}"),
                Some(Cell::Float(v)) if v.is_finite() => write!(json, "{v:?}"),
                Some(Cell::Text(v)) => json_string(&mut json, v),
                Some(Cell::Float(v)) => {
                    return Err(StoreError::WrongType {
                        table: table.to_owned(),
                        column: (*name).to_owned(),
                        expected: *sql,
                        found: format!("non-finite float {v} in an IN list"),
                    })
                }
                Some(Cell::Null) | None => json.write_str("null"),
            };
        }
        json.push_str(close);
    }
    json.push(']');
    let p = w.placeholder(Param::One(SqlType::Text, Cell::Text(json)));
    let picks = match n {
        1 => "value".to_owned(),
        n => (0..n)
            .map(|i| format!("value->>{i}"))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let _ = write!(w.sql, " AND {lhs} IN (SELECT {picks} FROM json_each({p}))");
    Ok(())
}

/// Appends `s` as a JSON string literal.
fn json_string(out: &mut String, s: &str) -> core::fmt::Result {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => write!(out, "\\u{:04x}", u32::from(c))?,
            c => out.push(c),
        }
    }
    out.write_char('"')
}

/// Appends one cell.
fn bind_cell(args: &mut SqliteArguments, cell: &Cell) -> Result<(), sqlx::Error> {
    match cell {
        Cell::Null => args.add(None::<i64>),
        Cell::Bool(v) => args.add(*v),
        Cell::Int(v) => args.add(*v),
        Cell::Float(v) => args.add(*v),
        Cell::Text(v) => args.add(v.clone()),
    }
    .map_err(sqlx::Error::Encode)
}

impl Sql for Sqlite {
    /// SQLite has no arrays: lists arrive as JSON text.
    fn bind(args: &mut SqliteArguments, param: &Param) -> Result<(), sqlx::Error> {
        match param {
            Param::One(_, cell) => bind_cell(args, cell),
            Param::Array(..) => Err(sqlx::Error::Protocol(
                "SQLite has no array parameters".into(),
            )),
        }
    }

    /// Every integer, and every time, is an `INTEGER`.
    fn int(row: &SqliteRow, i: usize, _: SqlType, checked: bool) -> Option<i64> {
        if checked {
            row.try_get(i).ok()
        } else {
            row.try_get_unchecked(i).ok()
        }
    }

    fn affected(done: &SqliteQueryResult) -> u64 {
        done.rows_affected()
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
    let (per, names) = (per_statement.max(1), rows.names());
    let one = format!("({}, ?, ?)", vec!["?"; rows.columns.len()].join(", "));
    let sql = |n| {
        let values = vec![one.as_str(); n].join(", ");
        let sql = format!(
            "INSERT INTO {} ({names}, updated_at) VALUES {values}{conflict}",
            quote(table)
        );
        AssertSqlSafe(Arc::<str>::from(sql)).into_sql_str()
    };
    // Its clones share the statement's text.
    let full = sql(per);
    let mut affected = 0_u64;
    for (chunk, start) in rows.data.chunks(per).zip((0..).step_by(per)) {
        let mut args = SqliteArguments::default();
        for (d, i) in chunk.iter().zip(start..) {
            for cell in rows.row(i) {
                bind_cell(&mut args, cell).map_err(fail("cannot bind the batch"))?;
            }
            let mut data = Vec::new();
            d.put(&mut data)?;
            args.add(data)
                .and_then(|()| args.add(now))
                .map_err(|e| fail("cannot bind the batch")(sqlx::Error::Encode(e)))?;
        }
        let statement = if chunk.len() < per {
            sql(chunk.len())
        } else {
            full.clone()
        };
        let done = sqlx::query_with(statement, args).execute(&mut *conn).await;
        let n = done
            .map_err(fail("cannot write the batch"))?
            .rows_affected();
        affected = affected.saturating_add(n);
    }
    Ok(affected)
}

/// Upserts a batch in the transaction `conn`.
pub(crate) async fn upsert(
    conn: &mut SqliteConnection,
    spec: &Spec,
    batch: &Batch<'_>,
) -> Result<u64, StoreError> {
    let (table, rows) = (&spec.table, &batch.rows);
    let conflict = spec.on_conflict(&quote(table), batch.stamped);
    insert(conn, table, rows, ROWS_PER_STATEMENT, &conflict).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_quotes_backslashes_and_controls() {
        let mut out = String::new();
        json_string(&mut out, "a\"b\\c\nd").unwrap();
        assert_eq!(out, r#""a\"b\\c\u000ad""#);
    }
}
