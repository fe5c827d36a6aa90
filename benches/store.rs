//! The store against the same facts stored one SQL column per field, on
//! SQLite and (with `DATABASE_URL`) PostgreSQL, in one run:
//!
//! - bulk write of N `PullRequestFacts` (default 300,000; `FACTPACK_BENCH_N`)
//!   into an empty table, each side with its fastest method;
//! - a realistic filtered read (account 1, half the repositories, two thirds
//!   of the time span) into `PullRequestFactsColumns`;
//! - on PostgreSQL, the server's floor for the blob read: `COPY (SELECT data
//!   ..) TO STDOUT (FORMAT binary)` of the same rows, discarded.
//!
//! Three layouts: the normalized table, the store with one fact per row, and
//! the store with pages (`PageSpec`: several facts per row). Every operation
//! is timed by the wall clock and by CPU time (this process's, plus on
//! PostgreSQL the server backends serving it, from `/proc`), since the
//! machines that run it are shared. Writes take the best of two runs, reads
//! the best of ten (their medians are printed too).
//!
//! `cargo bench --bench store --features store` prints a table; the figures
//! are recorded in BENCHMARKS.md. `FACTPACK_BENCH_SKIP_SQLITE` skips SQLite,
//! `FACTPACK_BENCH_KEEP` leaves the tables, and
//! `FACTPACK_BENCH_PROFILE_READS=N` does nothing but read the paged table a
//! kept run left on PostgreSQL, N times (`FACTPACK_BENCH_PRINT_ALL` prints
//! each time), to profile the read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/prf.rs"]
#[allow(dead_code)]
mod prf;

use std::time::{Duration, Instant};

use chrono::TimeDelta;
use chrono::{DateTime, Utc};
use factpack::store::{Db, FactStore, Filter, PageSpec, PgWrite};
use factpack::{Facts, Packed};
use futures_util::TryStreamExt;
use prf::{realistic, PullRequestFacts, PullRequestFactsColumns, Rng};
use sqlx::{AssertSqlSafe, QueryBuilder, Row};

type Key = (i64, String, i64);

const REPOS: i64 = 40;
const FROM: i64 = 1_620_000_000;
const TO: i64 = 1_686_666_666;

fn repo(i: i64) -> String {
    format!("org/repo{:02}", i % REPOS)
}

/// Half of the repositories.
fn wanted_repos() -> Vec<String> {
    (0..REPOS).step_by(2).map(repo).collect()
}

fn at(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(s, 0).unwrap()
}

fn filter() -> Filter {
    Filter::new()
        .eq("account", 1)
        .is_in("repository", wanted_repos())
        .range("created", at(FROM)..at(TO))
}

/// Wall-clock and CPU time of one operation.
#[derive(Clone, Copy, Debug)]
struct Took {
    wall: Duration,
    cpu: Duration,
}

impl Took {
    const MAX: Took = Took {
        wall: Duration::MAX,
        cpu: Duration::MAX,
    };

    /// The better of two runs, each measure on its own.
    fn min(self, other: Took) -> Took {
        Took {
            wall: self.wall.min(other.wall),
            cpu: self.cpu.min(other.cpu),
        }
    }
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms >= 10.0 {
        format!("{ms:.0}")
    } else {
        format!("{ms:.1}")
    }
}

fn ratio(peer: Duration, store: Duration) -> String {
    format!("{:.1}x", peer.as_secs_f64() / store.as_secs_f64())
}

/// CPU time a thread or single-threaded process has run, from its
/// `schedstat` (nanoseconds, unlike the 10 ms ticks of `stat`).
fn schedstat(path: &str) -> Duration {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// CPU time of this process's live threads (tokio's workers and sqlx's
/// SQLite threads live as long as the runtime and the pool).
fn own_cpu() -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    tasks
        .flatten()
        .map(|t| schedstat(&format!("{}/schedstat", t.path().display())))
        .sum()
}

/// CPU time so far of this process and, on PostgreSQL, of the server
/// backends of this benchmark's connections.
async fn cpu_now(db: &Db) -> Duration {
    let mut total = own_cpu();
    if let Some(pool) = db.as_postgres() {
        let pids: Vec<i32> = sqlx::query_scalar(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'factpack_bench'",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        for pid in pids {
            total += schedstat(&format!("/proc/{pid}/schedstat"));
        }
    }
    total
}

/// Times `op`.
async fn timed<F: std::future::Future>(db: &Db, op: F) -> (Took, F::Output) {
    let cpu = cpu_now(db).await;
    let started = Instant::now();
    let out = op.await;
    let wall = started.elapsed();
    let cpu = cpu_now(db).await.saturating_sub(cpu);
    (Took { wall, cpu }, out)
}

struct Line {
    backend: String,
    what: String,
    normalized: Took,
    rows: Took,
    pages: Took,
}

#[derive(Default)]
struct Report {
    lines: Vec<Line>,
    notes: Vec<String>,
}

impl Report {
    fn print(&self) {
        println!(
            "\n| backend | operation | normalized | one fact per row | normalized / row | pages | normalized / pages |\n|---|---|---:|---:|---:|---:|---:|"
        );
        for l in &self.lines {
            for (label, pick) in [
                ("wall ms", (|t: &Took| t.wall) as fn(&Took) -> Duration),
                ("CPU ms", |t: &Took| t.cpu),
            ] {
                let (n, r, p) = (pick(&l.normalized), pick(&l.rows), pick(&l.pages));
                println!(
                    "| {} | {}, {label} | {} | {} | {} | {} | {} |",
                    l.backend,
                    l.what,
                    ms(n),
                    ms(r),
                    ratio(n, r),
                    ms(p),
                    ratio(n, p)
                );
            }
        }
        println!();
        for n in &self.notes {
            println!("{n}");
        }
    }
}

/// The normalized table: the key, then one column per field.
fn normalized_ddl(table: &str, pg: bool) -> String {
    let (ts, boolean, list_ts, list_str) = if pg {
        ("TIMESTAMPTZ", "BOOLEAN", "TIMESTAMPTZ[]", "TEXT[]")
    } else {
        // SQLite has no arrays: lists are packed into one value each.
        ("INTEGER", "INTEGER", "BLOB", "TEXT")
    };
    let stamps = [
        "created",
        "first_commit",
        "work_began",
        "last_commit_before_first_review",
        "last_commit",
        "merged",
        "first_comment_on_first_review",
        "first_review_request",
        "first_review_request_exact",
        "last_review",
        "approved",
        "released",
        "closed",
    ];
    let mut cols: Vec<String> = vec![
        "account BIGINT NOT NULL".into(),
        "repository TEXT NOT NULL".into(),
        "node BIGINT NOT NULL".into(),
    ];
    cols.extend(stamps.iter().map(|s| format!("{s} {ts}")));
    for b in ["done", "force_push_dropped", "release_ignored"] {
        cols.push(format!("{b} {boolean} NOT NULL"));
    }
    cols.push("size BIGINT NOT NULL".into());
    for c in ["review_comments", "regular_comments", "participants"] {
        cols.push(format!("{c} INTEGER NOT NULL"));
    }
    cols.push(format!("reviews {list_ts} NOT NULL"));
    cols.push(format!("activity_days {list_ts} NOT NULL"));
    cols.push(format!("merged_with_failed_check_runs {list_str} NOT NULL"));
    format!(
        "CREATE TABLE {table} ({}, PRIMARY KEY (account, repository, node))",
        cols.join(", ")
    )
}

const NORMALIZED_COLUMNS: &str = "account, repository, node, created, first_commit, work_began, \
    last_commit_before_first_review, last_commit, merged, first_comment_on_first_review, \
    first_review_request, first_review_request_exact, last_review, approved, released, closed, \
    done, force_push_dropped, release_ignored, size, review_comments, regular_comments, \
    participants, reviews, activity_days, merged_with_failed_check_runs";

fn le_blob(list: &[DateTime<Utc>]) -> Vec<u8> {
    list.iter()
        .flat_map(|t| t.timestamp_micros().to_le_bytes())
        .collect()
}

/// Rows a multi-row `INSERT` carries, on both sides of the SQLite comparison
/// (the store's SQLite path uses the same number).
const SQLITE_ROWS: usize = 256;

/// Multi-row `INSERT`s in one transaction, each statement prepared once and
/// reused: the fastest way to write rows with array columns through bound
/// parameters (`UNNEST` cannot carry array columns).
async fn normalized_insert(db: &Db, table: &str, rows: &[(Key, PullRequestFacts)]) {
    if let Some(pool) = db.as_postgres() {
        const CHUNK: usize = 1_000; // 26 parameters a row, under PostgreSQL's 65,535
        let mut tx = pool.begin().await.unwrap();
        for chunk in rows.chunks(CHUNK) {
            let mut q = QueryBuilder::new(format!("INSERT INTO {table} ({NORMALIZED_COLUMNS}) "));
            q.push_values(chunk, |mut b, (k, f)| {
                b.push_bind(k.0).push_bind(k.1.clone()).push_bind(k.2);
                for s in prf::timestamps(f) {
                    b.push_bind(s);
                }
                b.push_bind(f.done)
                    .push_bind(f.force_push_dropped)
                    .push_bind(f.release_ignored)
                    .push_bind(f.size)
                    .push_bind(i32::from(f.review_comments))
                    .push_bind(i32::from(f.regular_comments))
                    .push_bind(i32::from(f.participants))
                    .push_bind(f.reviews.clone())
                    .push_bind(f.activity_days.clone())
                    .push_bind(f.merged_with_failed_check_runs.clone());
            });
            q.build().persistent(true).execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
    } else if let Some(pool) = db.as_sqlite() {
        let mut tx = pool.begin().await.unwrap();
        for chunk in rows.chunks(SQLITE_ROWS) {
            let mut q = QueryBuilder::new(format!("INSERT INTO {table} ({NORMALIZED_COLUMNS}) "));
            q.push_values(chunk, |mut b, (k, f)| {
                b.push_bind(k.0).push_bind(k.1.clone()).push_bind(k.2);
                for s in prf::timestamps(f) {
                    b.push_bind(s.map(|t| t.timestamp_micros()));
                }
                b.push_bind(f.done)
                    .push_bind(f.force_push_dropped)
                    .push_bind(f.release_ignored)
                    .push_bind(f.size)
                    .push_bind(i32::from(f.review_comments))
                    .push_bind(i32::from(f.regular_comments))
                    .push_bind(i32::from(f.participants))
                    .push_bind(le_blob(&f.reviews))
                    .push_bind(le_blob(&f.activity_days))
                    .push_bind(f.merged_with_failed_check_runs.join("\n"));
            });
            q.build().persistent(true).execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
}

/// Microseconds from 1970 to 2000, PostgreSQL's epoch.
const PG_EPOCH: i64 = 946_684_800_000_000;

fn field(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
    buf.extend_from_slice(bytes);
}

fn stamp(buf: &mut Vec<u8>, t: Option<DateTime<Utc>>) {
    match t {
        Some(t) => field(buf, &(t.timestamp_micros() - PG_EPOCH).to_be_bytes()),
        None => buf.extend_from_slice(&(-1_i32).to_be_bytes()),
    }
}

/// A one-dimensional array without nulls, in PostgreSQL's binary format.
fn array(buf: &mut Vec<u8>, oid: u32, elements: &[Vec<u8>]) {
    let mut a = Vec::with_capacity(20 + elements.len() * 12);
    let dims: i32 = if elements.is_empty() { 0 } else { 1 };
    a.extend_from_slice(&dims.to_be_bytes());
    a.extend_from_slice(&0_i32.to_be_bytes());
    a.extend_from_slice(&oid.to_be_bytes());
    if dims == 1 {
        a.extend_from_slice(&(elements.len() as i32).to_be_bytes());
        a.extend_from_slice(&1_i32.to_be_bytes());
    }
    for e in elements {
        field(&mut a, e);
    }
    field(buf, &a);
}

/// Binary `COPY` into the normalized table, in one transaction: PostgreSQL's
/// fastest bulk load, for the normalized side too.
async fn normalized_copy(db: &Db, table: &str, rows: &[(Key, PullRequestFacts)]) {
    const TIMESTAMPTZ: u32 = 1184;
    const TEXT: u32 = 25;
    let pool = db.as_postgres().unwrap();
    let mut tx = pool.begin().await.unwrap();
    let mut copy = tx
        .copy_in_raw(&format!(
            "COPY {table} ({NORMALIZED_COLUMNS}) FROM STDIN (FORMAT binary)"
        ))
        .await
        .unwrap();
    let mut buf = Vec::with_capacity(1 << 20);
    buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    buf.extend_from_slice(&[0; 8]);
    let stamps_list = |list: &[DateTime<Utc>]| -> Vec<Vec<u8>> {
        list.iter()
            .map(|t| (t.timestamp_micros() - PG_EPOCH).to_be_bytes().to_vec())
            .collect()
    };
    for (k, f) in rows {
        buf.extend_from_slice(&26_i16.to_be_bytes());
        field(&mut buf, &k.0.to_be_bytes());
        field(&mut buf, k.1.as_bytes());
        field(&mut buf, &k.2.to_be_bytes());
        for s in prf::timestamps(f) {
            stamp(&mut buf, s);
        }
        for b in [f.done, f.force_push_dropped, f.release_ignored] {
            field(&mut buf, &[u8::from(b)]);
        }
        field(&mut buf, &f.size.to_be_bytes());
        for c in [f.review_comments, f.regular_comments, f.participants] {
            field(&mut buf, &i32::from(c).to_be_bytes());
        }
        array(&mut buf, TIMESTAMPTZ, &stamps_list(&f.reviews));
        array(&mut buf, TIMESTAMPTZ, &stamps_list(&f.activity_days));
        let failed: Vec<Vec<u8>> = f
            .merged_with_failed_check_runs
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        array(&mut buf, TEXT, &failed);
        if buf.len() >= 1 << 20 {
            copy.send(buf.as_slice()).await.unwrap();
            buf.clear();
        }
    }
    buf.extend_from_slice(&(-1_i16).to_be_bytes());
    copy.send(buf.as_slice()).await.unwrap();
    copy.finish().await.unwrap();
    tx.commit().await.unwrap();
}

fn micros_list(blob: &[u8]) -> impl Iterator<Item = i64> + '_ {
    blob.chunks_exact(8)
        .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
}

/// Appends one normalized row's fields to the columns, as `PullRequestFacts::columns` would.
fn push_row(c: &mut PullRequestFactsColumns, stamps: [Option<i64>; 13], rest: RowRest<'_>) {
    let cols = [
        &mut c.created,
        &mut c.first_commit,
        &mut c.work_began,
        &mut c.last_commit_before_first_review,
        &mut c.last_commit,
        &mut c.merged,
        &mut c.first_comment_on_first_review,
        &mut c.first_review_request,
        &mut c.first_review_request_exact,
        &mut c.last_review,
        &mut c.approved,
        &mut c.released,
        &mut c.closed,
    ];
    for (col, v) in cols.into_iter().zip(stamps) {
        col.values.push(v.unwrap_or(0));
        col.validity.push(v.is_some());
    }
    c.done.push(rest.flags[0]);
    c.force_push_dropped.push(rest.flags[1]);
    c.release_ignored.push(rest.flags[2]);
    c.size.push(rest.size);
    c.review_comments.push(rest.counts[0]);
    c.regular_comments.push(rest.counts[1]);
    c.participants.push(rest.counts[2]);
    c.reviews.values.extend(rest.reviews);
    c.reviews.offsets.push(c.reviews.values.len() as i32);
    c.activity_days.values.extend(rest.activity_days);
    c.activity_days
        .offsets
        .push(c.activity_days.values.len() as i32);
    let strings = &mut c.merged_with_failed_check_runs;
    for s in rest.failed {
        strings.values.data.extend_from_slice(s.as_bytes());
        strings
            .values
            .offsets
            .push(strings.values.data.len() as i32);
    }
    strings
        .offsets
        .push((strings.values.offsets.len() - 1) as i32);
    c.repository_full_name.push(None);
    c.author.push(None);
}

struct RowRest<'a> {
    flags: [bool; 3],
    size: i64,
    counts: [u16; 3],
    reviews: Vec<i64>,
    activity_days: Vec<i64>,
    failed: Vec<&'a str>,
}

fn normalized_where(pg: bool) -> String {
    let repos: Vec<String> = wanted_repos().iter().map(|r| format!("'{r}'")).collect();
    let (from, to) = if pg {
        (
            format!("'{}'", at(FROM).to_rfc3339()),
            format!("'{}'", at(TO).to_rfc3339()),
        )
    } else {
        ((FROM * 1_000_000).to_string(), (TO * 1_000_000).to_string())
    };
    format!(
        "account = 1 AND repository IN ({}) AND created >= {from} AND created < {to}",
        repos.join(", ")
    )
}

/// Reads the filtered rows of the normalized table with sqlx into the columns.
///
/// The baseline is handed its row count for free (`rows`, untimed): its
/// columns are allocated once, and their string and list buffers once the
/// first 1,024 rows show how large those run, as the paged store's read does
/// after asking for the selected pages' fact counts.
async fn normalized_read(db: &Db, table: &str, rows: usize) -> PullRequestFactsColumns {
    let mut c = <PullRequestFactsColumns as factpack::Columns>::with_capacity(rows);
    let mut sampled = false;
    let mut sample = |c: &mut PullRequestFactsColumns| {
        let len = factpack::columns::ColumnData::len(c);
        if !sampled && len >= 1024 {
            factpack::columns::ColumnData::reserve_payloads(c, rows.saturating_sub(len));
            sampled = true;
        }
    };
    let pg = db.as_postgres().is_some();
    let sql = format!(
        "SELECT {NORMALIZED_COLUMNS} FROM {table} WHERE {}",
        normalized_where(pg)
    );
    if let Some(pool) = db.as_postgres() {
        let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(pool);
        while let Some(row) = rows.try_next().await.unwrap() {
            let mut st = [None; 13];
            for (i, s) in st.iter_mut().enumerate() {
                *s = row
                    .get::<Option<DateTime<Utc>>, _>(3 + i)
                    .map(|t| t.timestamp_micros());
            }
            let reviews: Vec<DateTime<Utc>> = row.get(23);
            let days: Vec<DateTime<Utc>> = row.get(24);
            let failed: Vec<String> = row.get(25);
            let rest = RowRest {
                flags: [row.get(16), row.get(17), row.get(18)],
                size: row.get(19),
                counts: [
                    row.get::<i32, _>(20) as u16,
                    row.get::<i32, _>(21) as u16,
                    row.get::<i32, _>(22) as u16,
                ],
                reviews: reviews.iter().map(|t| t.timestamp_micros()).collect(),
                activity_days: days.iter().map(|t| t.timestamp_micros()).collect(),
                failed: failed.iter().map(String::as_str).collect(),
            };
            push_row(&mut c, st, rest);
            sample(&mut c);
        }
    } else if let Some(pool) = db.as_sqlite() {
        let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(pool);
        while let Some(row) = rows.try_next().await.unwrap() {
            let mut st = [None; 13];
            for (i, s) in st.iter_mut().enumerate() {
                *s = row.get::<Option<i64>, _>(3 + i);
            }
            let reviews: &[u8] = row.get(23);
            let days: &[u8] = row.get(24);
            let failed: &str = row.get(25);
            let rest = RowRest {
                flags: [row.get(16), row.get(17), row.get(18)],
                size: row.get(19),
                counts: [
                    row.get::<i32, _>(20) as u16,
                    row.get::<i32, _>(21) as u16,
                    row.get::<i32, _>(22) as u16,
                ],
                reviews: micros_list(reviews).collect(),
                activity_days: micros_list(days).collect(),
                failed: failed.split('\n').filter(|s| !s.is_empty()).collect(),
            };
            push_row(&mut c, st, rest);
            sample(&mut c);
        }
    }
    c
}

/// The server's floor: the same blobs through `COPY .. TO STDOUT`, discarded.
async fn copy_floor(db: &Db, sql: &str) -> usize {
    let pool = db.as_postgres().unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let mut stream = conn.copy_out_raw(sql).await.unwrap();
    let mut bytes = 0;
    while let Some(chunk) = stream.try_next().await.unwrap() {
        bytes += chunk.len();
    }
    bytes
}

async fn exec(db: &Db, sql: String) {
    if let Some(pool) = db.as_postgres() {
        sqlx::query(AssertSqlSafe(sql))
            .persistent(false)
            .execute(pool)
            .await
            .unwrap();
    } else if let Some(pool) = db.as_sqlite() {
        sqlx::query(AssertSqlSafe(sql))
            .persistent(false)
            .execute(pool)
            .await
            .unwrap();
    }
}

/// Runs `sql` in order on one connection.
async fn exec_all(db: &Db, sql: &[String]) {
    if let Some(pool) = db.as_postgres() {
        let mut conn = pool.acquire().await.unwrap();
        for q in sql {
            let q = AssertSqlSafe(q.clone());
            sqlx::query(q)
                .persistent(false)
                .execute(&mut *conn)
                .await
                .unwrap();
        }
    } else if let Some(pool) = db.as_sqlite() {
        let mut conn = pool.acquire().await.unwrap();
        for q in sql {
            let q = AssertSqlSafe(q.clone());
            sqlx::query(q)
                .persistent(false)
                .execute(&mut *conn)
                .await
                .unwrap();
        }
    }
}

async fn drop_table(db: &Db, table: &str) {
    exec(db, format!("DROP TABLE IF EXISTS {table}")).await;
}

/// The pages of the benchmark: (account, repository) and 30 days of `created`.
fn page_spec() -> PageSpec {
    PageSpec::new(2, "created", TimeDelta::days(30))
}

async fn open(db: &Db, table: &str, how: PgWrite, pages: bool) -> FactStore<PullRequestFacts, Key> {
    let b = FactStore::builder(db, table)
        .key(["account", "repository", "node"])
        .mirror("created")
        .mirror("merged")
        .pg_write(how);
    let b = if pages { b.pages(page_spec()) } else { b };
    b.open().await.unwrap()
}

/// Writes `packed` into a fresh store table, best of two.
async fn store_write(
    db: &Db,
    table: &str,
    how: PgWrite,
    pages: bool,
    packed: &[(Key, Packed<PullRequestFacts>)],
) -> Took {
    let mut best = Took::MAX;
    for _ in 0..2 {
        drop_table(db, table).await;
        let store = open(db, table, how, pages).await;
        let (took, n) = timed(db, store.upsert(packed)).await;
        assert_eq!(n.unwrap(), packed.len() as u64);
        best = best.min(took);
    }
    best
}

/// Writes the normalized table afresh with `method`, best of two.
async fn normalized_write(db: &Db, copy: bool, facts: &[(Key, PullRequestFacts)]) -> Took {
    let pg = db.as_postgres().is_some();
    let mut best = Took::MAX;
    for _ in 0..2 {
        // One connection for the schema change: another SQLite connection
        // may prepare against its cached, older schema.
        let mut ddl = vec![
            "DROP TABLE IF EXISTS bench_normalized".to_owned(),
            normalized_ddl("bench_normalized", pg),
        ];
        for idx in ["created", "merged"] {
            ddl.push(format!(
                "CREATE INDEX bench_normalized_{idx} ON bench_normalized ({idx})"
            ));
        }
        exec_all(db, &ddl).await;
        let (took, ()) = if copy {
            timed(db, normalized_copy(db, "bench_normalized", facts)).await
        } else {
            timed(db, normalized_insert(db, "bench_normalized", facts)).await
        };
        best = best.min(took);
    }
    best
}

/// Reads with `read`, best of [`READS`] runs; returns the time and the rows read.
async fn best_read<F, Fut>(db: &Db, read: F) -> (Took, usize)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let (best, _, rows) = read_runs(db, read).await;
    (best, rows)
}

/// How many times each read runs.
const READS: usize = 10;

/// Runs `read` [`READS`] times: the best and the median run (wall and CPU
/// each on its own), and what the read returned.
async fn read_runs<F, Fut>(db: &Db, read: F) -> (Took, Took, usize)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let mut runs = Vec::with_capacity(READS);
    let mut rows = 0;
    for _ in 0..READS {
        let (took, n) = timed(db, read()).await;
        runs.push(took);
        rows = n;
    }
    let best = runs.iter().fold(Took::MAX, |a, b| a.min(*b));
    let mut walls: Vec<Duration> = runs.iter().map(|t| t.wall).collect();
    let mut cpus: Vec<Duration> = runs.iter().map(|t| t.cpu).collect();
    walls.sort_unstable();
    cpus.sort_unstable();
    let median = Took {
        wall: walls[READS / 2],
        cpu: cpus[READS / 2],
    };
    (best, median, rows)
}

async fn bench(db: &Db, name: &str, n: i64, report: &mut Report) {
    let pg = db.as_postgres().is_some();
    let mut rng = Rng::new(42);
    let facts: Vec<(Key, PullRequestFacts)> = (0..n)
        .map(|i| ((1, repo(i), i), realistic(&mut rng)))
        .collect();
    let packed: Vec<(Key, Packed<PullRequestFacts>)> =
        facts.iter().map(|(k, f)| (k.clone(), f.pack())).collect();

    // Writes, each side by its fastest method (all are measured on PostgreSQL).
    let mut normalized = normalized_write(db, false, &facts).await;
    if pg {
        let copy = normalized_write(db, true, &facts).await;
        report.notes.push(format!(
            "{name}: normalized write via multi-row INSERT {} ms wall / {} ms CPU, via binary COPY {} ms wall / {} ms CPU",
            ms(normalized.wall), ms(normalized.cpu), ms(copy.wall), ms(copy.cpu)
        ));
        normalized = normalized.min(copy);
    }
    let mut rows = store_write(db, "bench_store", PgWrite::Copy, false, &packed).await;
    if pg {
        let unnest = store_write(db, "bench_store", PgWrite::Unnest, false, &packed).await;
        report.notes.push(format!(
            "{name}: store write (one fact per row) via COPY {} ms wall / {} ms CPU, via UNNEST {} ms wall / {} ms CPU",
            ms(rows.wall), ms(rows.cpu), ms(unnest.wall), ms(unnest.cpu)
        ));
        rows = rows.min(unnest);
        // Leave the COPY-written table for the reads.
        store_write(db, "bench_store", PgWrite::Copy, false, &packed).await;
    }
    let pages = store_write(db, "bench_pages", PgWrite::Copy, true, &packed).await;
    report.lines.push(Line {
        backend: name.to_owned(),
        what: format!("write {n} facts"),
        normalized,
        rows,
        pages,
    });
    if pg {
        for t in ["bench_store", "bench_pages", "bench_normalized"] {
            exec(db, format!("VACUUM ANALYZE {t}")).await;
        }
    }

    // Reads.
    let rt_filter = filter();
    let store = open(db, "bench_store", PgWrite::Copy, false).await;
    let (rows, rows_median, read_rows) = read_runs(db, || async {
        store.read_columns(&rt_filter).await.unwrap().size.len()
    })
    .await;
    let paged = open(db, "bench_pages", PgWrite::Copy, true).await;
    let (pages, pages_median, page_rows) = read_runs(db, || async {
        paged.read_columns(&rt_filter).await.unwrap().size.len()
    })
    .await;
    assert_eq!(page_rows, read_rows, "both layouts select the same facts");
    let (normalized, normalized_median, normalized_rows) = read_runs(db, || async {
        // Built by hand, these columns' row count is their columns' length.
        normalized_read(db, "bench_normalized", read_rows)
            .await
            .size
            .len()
    })
    .await;
    report.notes.push(format!(
        "{name}: filtered read, median of {READS} runs: normalized {} ms wall / {} ms CPU, \
         one fact per row {} / {} ({} / {}), pages {} / {} ({} / {})",
        ms(normalized_median.wall),
        ms(normalized_median.cpu),
        ms(rows_median.wall),
        ms(rows_median.cpu),
        ratio(normalized_median.wall, rows_median.wall),
        ratio(normalized_median.cpu, rows_median.cpu),
        ms(pages_median.wall),
        ms(pages_median.cpu),
        ratio(normalized_median.wall, pages_median.wall),
        ratio(normalized_median.cpu, pages_median.cpu),
    ));
    assert_eq!(
        normalized_rows, read_rows,
        "both reads select the same rows"
    );
    report.lines.push(Line {
        backend: name.to_owned(),
        what: format!("filtered read of {read_rows} facts into columns"),
        normalized,
        rows,
        pages,
    });
    if pg {
        let fp = PullRequestFacts::FINGERPRINT as i64;
        let row_sql = format!(
            "COPY (SELECT data FROM bench_store WHERE format_version = 1 AND fingerprint = {fp} AND {}) TO STDOUT (FORMAT binary)",
            normalized_where(true)
        );
        let (row_floor, _) = best_read(db, || copy_floor(db, &row_sql)).await;
        let (from, to) = (at(FROM).to_rfc3339(), at(TO).to_rfc3339());
        let repos: Vec<String> = wanted_repos().iter().map(|r| format!("'{r}'")).collect();
        let page_sql = format!(
            "COPY (SELECT data FROM bench_pages WHERE format_version = 1 AND fingerprint = {fp} \
             AND account = 1 AND repository IN ({}) AND created_max >= '{from}' AND created_min < '{to}') \
             TO STDOUT (FORMAT binary)",
            repos.join(", ")
        );
        let (page_floor, _) = best_read(db, || copy_floor(db, &page_sql)).await;
        report.notes.push(format!(
            "{name}: server floor (COPY of the selected blobs, discarded): one fact per row {} ms wall / {} ms CPU, \
             store read / floor = {:.2} (wall); pages {} ms wall / {} ms CPU, store read / floor = {:.2} (wall)",
            ms(row_floor.wall),
            ms(row_floor.cpu),
            rows.wall.as_secs_f64() / row_floor.wall.as_secs_f64(),
            ms(page_floor.wall),
            ms(page_floor.cpu),
            pages.wall.as_secs_f64() / page_floor.wall.as_secs_f64(),
        ));
    }
    // FACTPACK_BENCH_KEEP leaves the tables, to look at them.
    if std::env::var("FACTPACK_BENCH_KEEP").is_err() {
        for t in ["bench_store", "bench_pages", "bench_normalized"] {
            drop_table(db, t).await;
        }
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and
    // gets a smoke run of 2,000 facts.
    let full = std::env::args().any(|a| a == "--bench");
    let n: i64 = std::env::var("FACTPACK_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 300_000 } else { 2_000 });
    let rt = tokio::runtime::Runtime::new().unwrap();
    // The work runs in a task on the runtime's workers, as a service's
    // handlers do: a worker then polls the sockets itself, where the thread
    // blocked in `block_on` would be woken by another for every readiness.
    rt.block_on(async { tokio::spawn(run(n)).await.unwrap() });
}

/// `FACTPACK_BENCH_PROFILE_READS=N`: only read the paged table a run with
/// `FACTPACK_BENCH_KEEP` left on PostgreSQL, N times (to profile the read).
fn profile_reads() -> Option<usize> {
    std::env::var("FACTPACK_BENCH_PROFILE_READS")
        .ok()
        .and_then(|v| v.parse().ok())
}

/// Reads the kept paged table `reads` times and prints the best and median.
async fn profile(db: &Db, reads: usize) {
    let paged = open(db, "bench_pages", PgWrite::Copy, true).await;
    let mut walls = Vec::with_capacity(reads);
    for _ in 0..reads {
        let (took, rows) = timed(db, async {
            paged.read_columns(&filter()).await.unwrap().size.len()
        })
        .await;
        assert!(
            rows > 0,
            "bench_pages is empty: run the bench once with FACTPACK_BENCH_KEEP first"
        );
        walls.push(took.wall);
    }
    if std::env::var("FACTPACK_BENCH_PRINT_ALL").is_ok() {
        println!(
            "{:?}",
            walls.iter().map(|w| w.as_micros()).collect::<Vec<_>>()
        );
    }
    walls.sort_unstable();
    println!(
        "paged read x{reads}: best {:?}, median {:?}",
        walls.first().copied().unwrap_or_default(),
        walls.get(reads / 2).copied().unwrap_or_default()
    );
}

/// Both backends, then the report.
async fn run(n: i64) {
    if let Some(reads) = profile_reads() {
        let url = std::env::var("DATABASE_URL").expect("the profiling mode reads PostgreSQL");
        return profile(&Db::connect(&url).await.unwrap(), reads).await;
    }
    let mut report = Report::default();
    let path = std::env::temp_dir().join(format!("factpack-bench-{}.sqlite", std::process::id()));
    let sqlite = Db::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    if std::env::var("FACTPACK_BENCH_SKIP_SQLITE").is_err() {
        bench(&sqlite, "SQLite", n, &mut report).await;
    }
    sqlite.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    match std::env::var("DATABASE_URL") {
        Ok(url) => {
            let sep = if url.contains('?') { '&' } else { '?' };
            let url = format!("{url}{sep}application_name=factpack_bench");
            let pg = Db::connect(&url).await.unwrap();
            bench(&pg, "PostgreSQL", n, &mut report).await;
        }
        Err(_) => println!("PostgreSQL skipped: DATABASE_URL is not set"),
    }
    report.print();
}
