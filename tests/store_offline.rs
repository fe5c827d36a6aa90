//! Store faults that need no server: an unreachable database, bad URLs and
//! bad configurations, all reported as errors, promptly.
#![cfg(all(feature = "store", feature = "derive"))]

#[path = "common/prf.rs"]
#[allow(dead_code)]
mod prf;

use std::time::{Duration, Instant};

use chrono::TimeDelta;
use factpack::store::{Conflict, Db, DbOptions, FactStore, PageSpec, StoreError};
use prf::PullRequestFacts;

#[tokio::test]
async fn an_unreachable_server_is_an_error_within_the_timeout() {
    let timeout = Duration::from_secs(2);
    let started = Instant::now();
    // Port 1 on the loopback: nothing listens there.
    let result = Db::connect_with(
        "postgres://postgres@127.0.0.1:1/none",
        DbOptions::default().acquire_timeout(timeout),
    )
    .await;
    let elapsed = started.elapsed();
    let err = result.expect_err("nothing listens on port 1");
    assert!(matches!(err, StoreError::Database { .. }), "{err}");
    assert!(
        elapsed < timeout + Duration::from_secs(3),
        "took {elapsed:?} with a {timeout:?} timeout"
    );
}

#[tokio::test]
async fn an_unopenable_sqlite_file_is_an_error() {
    let err = Db::connect("sqlite:/nonexistent-dir-factpack/x.sqlite")
        .await
        .expect_err("the directory does not exist");
    assert!(matches!(err, StoreError::Database { .. }), "{err}");
}

#[tokio::test]
async fn an_unknown_scheme_is_an_error() {
    let err = Db::connect("mysql://localhost/x").await.unwrap_err();
    assert!(
        matches!(&err, StoreError::UnsupportedUrl { scheme } if scheme == "mysql"),
        "{err}"
    );
}

async fn memory() -> Db {
    Db::connect("sqlite::memory:").await.unwrap()
}

fn config_error(result: Result<impl std::fmt::Debug, StoreError>, needle: &str) {
    match result {
        Err(StoreError::Config { reason, .. }) => {
            assert!(
                reason.contains(needle),
                "{reason:?} should mention {needle:?}"
            )
        }
        other => panic!("expected a configuration error about {needle:?}, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_configurations_are_reported_before_any_sql() {
    let db = memory().await;
    type S<K> = FactStore<PullRequestFacts, K>;
    config_error(
        S::<(i64, String)>::builder(&db, "t")
            .key(["only_one"])
            .open()
            .await,
        "1 key column names given for a key of 2 columns",
    );
    config_error(
        S::<i64>::builder(&db, "t")
            .mirror("no_such_field")
            .open()
            .await,
        "no stored field `no_such_field`",
    );
    config_error(
        S::<i64>::builder(&db, "t").mirror("reviews").open().await,
        "cannot be mirrored",
    );
    config_error(
        S::<i64>::builder(&db, "t; DROP TABLE x").open().await,
        "is not an identifier",
    );
    config_error(
        S::<i64>::builder(&db, "t").key(["data"]).open().await,
        "clashes",
    );
    // A paged table's own columns: its page number and the min/max of the
    // bucketed field (the key's prefix columns are the table's; the rest of
    // the key lives inside the pages, so it may take those names).
    let paged = || PageSpec::new(1, "created", TimeDelta::days(30));
    config_error(
        S::<(i64, i64)>::builder(&db, "t")
            .key(["page", "account"])
            .pages(paged())
            .open()
            .await,
        "column `page` is named twice or clashes",
    );
    config_error(
        S::<(i64, i64)>::builder(&db, "t")
            .key(["created_max", "account"])
            .pages(paged())
            .open()
            .await,
        "column `created_max` is named twice or clashes",
    );
    S::<(i64, i64)>::builder(&db, "paged")
        .key(["account", "page"])
        .pages(paged())
        .open()
        .await
        .unwrap();
    config_error(
        S::<(i64, i64)>::builder(&db, "t")
            .key(["account", "account"])
            .open()
            .await,
        "column `account` is named twice",
    );
    config_error(
        S::<i64>::builder(&db, "t")
            .conflict(Conflict::ReplaceIfNewer("merged".into()))
            .open()
            .await,
        "needs `merged` to be a mirrored field",
    );
    // The same, correctly configured, opens.
    S::<i64>::builder(&db, "t")
        .mirror("merged")
        .conflict(Conflict::ReplaceIfNewer("merged".into()))
        .open()
        .await
        .unwrap();
}
