//! What the store's test suites share: running one test body on a fresh
//! SQLite file and, when `DATABASE_URL` names a PostgreSQL server, on
//! PostgreSQL too. Without it the PostgreSQL half is skipped and says so on
//! stderr; with `FACTPACK_PG_MARKER` set, each test that ran on PostgreSQL
//! appends its name to that file, so that CI can check that they all ran.

use std::future::Future;
use std::io::Write as _;
use std::sync::Once;

use factpack::store::Db;
use sqlx::AssertSqlSafe;

/// Says once, past the test harness's capture, why PostgreSQL was skipped.
fn skipped_postgres() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "\n*** store tests: PostgreSQL SKIPPED: DATABASE_URL is not set. \
             Set it (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run the suite against PostgreSQL too. ***\n"
        );
    });
}

/// Records that `test` passed on PostgreSQL.
fn ran_on_postgres(test: &str) {
    if let Ok(path) = std::env::var("FACTPACK_PG_MARKER") {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("marker file");
        writeln!(file, "{test}").expect("marker write");
    }
}

/// Runs SQL of the test's own (setup, corruption).
pub async fn raw(db: &Db, sql: &str) {
    if let Some(pool) = db.as_postgres() {
        sqlx::query(AssertSqlSafe(sql.to_owned()))
            .execute(pool)
            .await
            .unwrap();
    } else if let Some(pool) = db.as_sqlite() {
        sqlx::query(AssertSqlSafe(sql.to_owned()))
            .execute(pool)
            .await
            .unwrap();
    }
}

/// A fresh SQLite file for `test`.
pub async fn sqlite(test: &str) -> (Db, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!(
        "factpack-store-{test}-{}.sqlite",
        std::process::id()
    ));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let db = Db::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    (db, path)
}

/// PostgreSQL from `DATABASE_URL`, or `None` (announced) when it is not set.
pub async fn postgres() -> Option<Db> {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            Some(Db::connect(&url).await.unwrap_or_else(|e| {
                panic!("DATABASE_URL is set but PostgreSQL cannot be used: {e}")
            }))
        }
        _ => {
            skipped_postgres();
            None
        }
    }
}

/// Runs `body` on SQLite, then on PostgreSQL when there is one. The table
/// is named after the test, fresh on each backend.
pub async fn on_backends<F, Fut>(test: &str, body: F)
where
    F: Fn(Db, String) -> Fut,
    Fut: Future<Output = ()>,
{
    let table = format!("t_{test}");
    let (db, path) = sqlite(test).await;
    body(db.clone(), table.clone()).await;
    db.close().await;
    let _ = std::fs::remove_file(path);
    on_postgres(test, body).await;
}

/// Runs `body` on PostgreSQL only, when there is one.
pub async fn on_postgres<F, Fut>(test: &str, body: F)
where
    F: Fn(Db, String) -> Fut,
    Fut: Future<Output = ()>,
{
    let table = format!("t_{test}");
    if let Some(db) = postgres().await {
        raw(&db, &format!("DROP TABLE IF EXISTS {table}")).await;
        body(db.clone(), table.clone()).await;
        // A test may have closed the pool; the next run drops the table then.
        if let Some(pool) = db.as_postgres() {
            let drop = format!("DROP TABLE IF EXISTS {table}");
            let _ = sqlx::query(AssertSqlSafe(drop)).execute(pool).await;
        }
        db.close().await;
        ran_on_postgres(test);
    }
}
