//! The paged store (`StoreBuilder::pages`): several facts per row. Every test
//! runs against SQLite (a temporary file) and, when `DATABASE_URL` names a
//! PostgreSQL server, against PostgreSQL too; without it the PostgreSQL half
//! is skipped and says so on stderr. With `FACTPACK_PG_MARKER` set, each test
//! that ran on PostgreSQL appends its name to that file, for CI to count.
#![cfg(all(feature = "store", feature = "derive"))]

#[path = "common/prf.rs"]
#[allow(dead_code)]
mod prf;

#[path = "common/backends.rs"]
#[allow(dead_code)]
mod backends;

use std::collections::BTreeMap;
use std::future::Future;

use backends::raw;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use factpack::columns::ColumnData;
use factpack::store::{Conflict, Db, FactStore, Filter, PageSpec, StoreError};
use factpack::{Facts, Packed};
use prf::{realistic, PullRequestFacts, PullRequestFactsTransient, Rng};
use sqlx::AssertSqlSafe;

type Key = (i64, String, i64);
type Store = FactStore<PullRequestFacts, Key>;

/// Runs `body` on a fresh SQLite file, then on PostgreSQL when there is one.
async fn on_backends<F, Fut>(test: &str, body: F)
where
    F: Fn(Db, String) -> Fut,
    Fut: Future<Output = ()>,
{
    backends::on_backends(&format!("pages_{test}"), body).await;
}

fn key(i: i64) -> Key {
    (i % 3, format!("org/repo{}", i % 7), i)
}

/// `n` realistic facts with keys `0..n`; every 13th has no `created`.
fn facts(n: i64, seed: u64) -> Vec<(Key, Packed<PullRequestFacts>)> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let mut f = realistic(&mut rng);
            if i % 13 == 0 {
                f.created = None;
            }
            (key(i), f.pack())
        })
        .collect()
}

/// Pages of (account, repository) and a year of `created`, four facts at
/// most, so that buckets span several pages.
fn pages() -> PageSpec {
    PageSpec::new(2, "created", TimeDelta::days(365)).max_facts(4)
}

async fn open_with(db: &Db, table: &str, conflict: Conflict) -> Store {
    FactStore::builder(db, table)
        .key(["account", "repository", "node"])
        .mirror("merged")
        .mirror("done")
        .mirror("size")
        .pages(pages())
        .conflict(conflict)
        .transient_from_key(|key: &Key, t: &mut PullRequestFactsTransient| {
            t.repository_full_name = Some(key.1.clone())
        })
        .open()
        .await
        .unwrap()
}

async fn open(db: &Db, table: &str) -> Store {
    open_with(db, table, Conflict::Replace).await
}

/// Everything the store holds, by key.
async fn contents(store: &Store) -> BTreeMap<Key, Packed<PullRequestFacts>> {
    let all = store.read_packed(&Filter::new()).await.unwrap();
    let n = all.len();
    let map: BTreeMap<_, _> = all.into_iter().collect();
    assert_eq!(map.len(), n, "a key was read twice");
    map
}

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(seconds, 0).unwrap()
}

/// Pages of one account: each fact's repository (text) and number are the
/// rest of its key, so reads by key match suffixes as bytes, not words.
#[tokio::test]
async fn reads_by_key_match_text_suffixes() {
    on_backends("text_suffix", |db, table| async move {
        let store: Store = FactStore::builder(&db, &table)
            .key(["account", "repository", "node"])
            .pages(PageSpec::new(1, "created", TimeDelta::days(365)).max_facts(4))
            .open()
            .await
            .unwrap();
        let rows = facts(300, 3);
        store.upsert(&rows).await.unwrap();
        let want: BTreeMap<Key, Packed<PullRequestFacts>> = rows.iter().cloned().collect();
        let mut wanted: Vec<Key> = (0..300).step_by(7).map(key).collect();
        wanted.push((0, "org/repo0".to_owned(), 5)); // a miss: node 5 is in repo5
        wanted.push((0, "org/repo".to_owned(), 0)); // a shorter repository
        wanted.push(key(14)); // asked twice, answered once
        let distinct = wanted.len() - 3;
        let got = store.get(&wanted).await.unwrap();
        assert_eq!(got.len(), distinct);
        for (k, p) in &got {
            assert_eq!(Some(p), want.get(k), "key {k:?}");
        }
        let keyed = store.get_columns_keyed(&wanted).await.unwrap();
        assert_eq!(keyed.facts.len(), distinct);
    })
    .await;
}

#[tokio::test]
async fn facts_round_trip_through_pages() {
    on_backends("round_trip", |db, table| async move {
        let store = open(&db, &table).await;
        let rows = facts(600, 1);
        assert_eq!(store.upsert(&rows).await.unwrap(), 600);
        let want: BTreeMap<Key, Packed<PullRequestFacts>> = rows.iter().cloned().collect();
        assert_eq!(contents(&store).await, want);
        assert_eq!(store.count(&Filter::new()).await.unwrap(), 600);

        // Many facts per row: fewer rows than facts, none over four facts.
        let pages = match (db.as_postgres(), db.as_sqlite()) {
            (Some(pool), _) => {
                let q = format!("SELECT count(*), max(facts)::bigint FROM {table}");
                sqlx::query_as::<_, (i64, i64)>(AssertSqlSafe(q))
                    .fetch_one(pool)
                    .await
                    .unwrap()
            }
            (_, Some(pool)) => {
                let q = format!("SELECT count(*), max(facts) FROM {table}");
                sqlx::query_as::<_, (i64, i64)>(AssertSqlSafe(q))
                    .fetch_one(pool)
                    .await
                    .unwrap()
            }
            _ => unreachable!(),
        };
        assert!(pages.0 < 600 / 2, "{} pages for 600 facts", pages.0);
        assert_eq!(pages.1, 4);

        let mut wanted: Vec<Key> = (0..600).step_by(11).map(key).collect();
        wanted.push(key(10_000)); // a miss under a stored prefix
        wanted.push((5, "org/none".to_owned(), 11)); // a prefix with no page
        wanted.push(key(22)); // asked twice, answered once
        let got = store.get(&wanted).await.unwrap();
        assert_eq!(got.len(), wanted.len() - 3);
        for (k, p) in &got {
            assert_eq!(Some(p), want.get(k));
            assert_eq!(
                p.transient().repository_full_name.as_deref(),
                Some(k.1.as_str())
            );
        }
        let columns = store.get_columns(&wanted).await.unwrap();
        assert_eq!(columns.len(), wanted.len() - 3);
        assert!(columns
            .repository_full_name
            .iter()
            .all(|r| r.and_then(Option::as_ref).is_some()));
        // Opening again is idempotent.
        let again = open(&db, &table).await;
        assert_eq!(again.count(&Filter::new()).await.unwrap(), 600);
    })
    .await;
}

#[tokio::test]
async fn page_filters_agree_with_brute_force() {
    on_backends("filters", |db, table| async move {
        let store = open(&db, &table).await;
        let rows = facts(700, 2);
        store.upsert(&rows).await.unwrap();
        let (from, to) = (at(1_630_000_000), at(1_670_000_000));
        let repos = ["org/repo1", "org/repo4"];
        type Pred = Box<dyn Fn(&Key, &Packed<PullRequestFacts>) -> bool>;
        let cases: Vec<(Filter, Pred)> = vec![
            (
                Filter::new()
                    .is_in("repository", repos)
                    .eq("account", 1)
                    .range("created", from..to),
                Box::new(move |k, p| {
                    repos.contains(&k.1.as_str())
                        && k.0 == 1
                        && p.view().created().is_some_and(|c| from <= c && c < to)
                }),
            ),
            (
                Filter::new().range("created", ..=from),
                Box::new(move |_, p| p.view().created().is_some_and(|c| c <= from)),
            ),
            // Wide enough that most pages lie wholly inside it (kept whole,
            // by their recorded span) and the rest straddle its ends.
            (
                Filter::new()
                    .range("created", at(1_560_000_000)..at(1_690_000_000))
                    .not_null("created"),
                Box::new(|_, p| {
                    p.view()
                        .created()
                        .is_some_and(|c| at(1_560_000_000) <= c && c < at(1_690_000_000))
                }),
            ),
            // A page inside the time range still checks the other field.
            (
                Filter::new()
                    .range("created", at(1_560_000_000)..at(1_690_000_000))
                    .range("size", ..150),
                Box::new(|_, p| {
                    p.view()
                        .created()
                        .is_some_and(|c| at(1_560_000_000) <= c && c < at(1_690_000_000))
                        && p.view().size() < 150
                }),
            ),
            (
                Filter::new().is_null("created"),
                Box::new(|_, p| p.view().created().is_none()),
            ),
            (
                Filter::new().not_null("merged").eq("done", true),
                Box::new(|_, p| p.view().merged().is_some() && p.view().done()),
            ),
            (
                Filter::new().range("size", 100..=200),
                Box::new(|_, p| (100..=200).contains(&p.view().size())),
            ),
            (
                Filter::new().range("node", 50..90).eq("account", 2),
                Box::new(|k, _| (50..90).contains(&k.2) && k.0 == 2),
            ),
            (
                Filter::new().is_in("node", [3_i64, 4, 5, 600, 9_999]),
                Box::new(|k, _| [3, 4, 5, 600].contains(&k.2)),
            ),
            (
                Filter::new().is_in("size", Vec::<i64>::new()),
                Box::new(|_, _| false),
            ),
        ];
        for (i, (filter, pred)) in cases.iter().enumerate() {
            let want: BTreeMap<Key, Packed<PullRequestFacts>> =
                rows.iter().filter(|(k, p)| pred(k, p)).cloned().collect();
            let got: BTreeMap<Key, Packed<PullRequestFacts>> = store
                .read_packed(filter)
                .await
                .unwrap()
                .into_iter()
                .collect();
            assert_eq!(got, want, "case {i}: {filter:?}");
            let columns = store.read_columns(filter).await.unwrap();
            assert_eq!(columns.len(), want.len(), "case {i}");
            let mut sizes = columns.size.clone();
            sizes.sort_unstable();
            let mut want_sizes: Vec<i64> = want.values().map(|p| p.view().size()).collect();
            want_sizes.sort_unstable();
            assert_eq!(sizes, want_sizes, "case {i}");
            assert_eq!(
                store.count(filter).await.unwrap(),
                want.len() as u64,
                "case {i}"
            );
        }
        assert!(!cases.is_empty());
    })
    .await;
}

#[tokio::test]
async fn upserts_replace_facts_inside_pages() {
    on_backends("replace", |db, table| async move {
        let store = open(&db, &table).await;
        let first = facts(300, 3);
        store.upsert(&first).await.unwrap();
        // New values for a third of the keys (with other `created` times, so
        // some move to another bucket), and 50 new keys.
        let second = facts(350, 4);
        let update: Vec<_> = second
            .iter()
            .filter(|(k, _)| k.2 % 3 == 0 || k.2 >= 300)
            .cloned()
            .collect();
        assert_eq!(store.upsert(&update).await.unwrap(), update.len() as u64);
        let mut want: BTreeMap<Key, Packed<PullRequestFacts>> = first.into_iter().collect();
        want.extend(update.iter().cloned());
        assert_eq!(want.len(), 350);
        assert_eq!(contents(&store).await, want);

        // Keep: existing facts stay, new keys are added.
        let keep = open_with(&db, &format!("{table}_k"), Conflict::Keep).await;
        raw(&db, &format!("DELETE FROM {table}_k")).await;
        let a = facts(40, 5);
        let b = facts(50, 6);
        keep.upsert(&a).await.unwrap();
        assert_eq!(keep.upsert(&b).await.unwrap(), 10);
        let got = contents(&keep).await;
        for (i, (k, p)) in b.iter().enumerate() {
            let expected = if i < 40 { &a[i].1 } else { p };
            assert_eq!(got.get(k), Some(expected), "key {k:?}");
        }

        // ReplaceIfNewer: the larger `size` wins.
        let newer = open_with(
            &db,
            &format!("{table}_n"),
            Conflict::ReplaceIfNewer("size".into()),
        )
        .await;
        newer.upsert(&a).await.unwrap();
        newer.upsert(&b).await.unwrap();
        let got = contents(&newer).await;
        for (i, (k, p)) in b.iter().enumerate() {
            let expected = match a.get(i) {
                Some((_, old)) if old.view().size() >= p.view().size() => old,
                _ => p,
            };
            assert_eq!(got.get(k), Some(expected), "key {k:?}");
        }
        for suffix in ["k", "n"] {
            raw(&db, &format!("DROP TABLE {table}_{suffix}")).await;
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_upserts_to_the_same_pages_lose_nothing() {
    on_backends("concurrent", |db, table| async move {
        let store = open(&db, &table).await;
        // Four tasks, each writing its own keys and a shared set, into the
        // same prefixes and buckets, three times over.
        let mut tasks = Vec::new();
        for t in 0..4_i64 {
            let store = store.clone();
            let mut rows: Vec<_> = facts(200, 10 + t as u64)
                .into_iter()
                .filter(|(k, _)| k.2 % 4 == t)
                .map(|(k, p)| ((k.0, k.1, k.2 + 1_000), p))
                .collect();
            rows.extend(facts(60, 20 + t as u64));
            if t % 2 == 1 {
                rows.reverse();
            }
            tasks.push(tokio::spawn(async move {
                for _ in 0..3 {
                    store.upsert(&rows).await.unwrap();
                }
                rows
            }));
        }
        let mut written = Vec::new();
        for task in tasks {
            written.push(task.await.unwrap());
        }
        let got = contents(&store).await;
        assert_eq!(got.len(), 200 + 60, "every key once");
        for (k, p) in &got {
            assert!(
                written.iter().flatten().any(|(wk, wp)| wk == k && wp == p),
                "key {k:?} holds a fact its writers did not write"
            );
        }
        // Each task's own keys hold its own facts: no write was lost.
        for rows in &written {
            for (k, p) in rows.iter().filter(|(k, _)| k.2 >= 1_000) {
                assert_eq!(got.get(k), Some(p));
            }
        }
    })
    .await;
}

#[tokio::test]
async fn reads_reserve_room_for_what_they_can_keep() {
    on_backends("reserve", |db, table| async move {
        let store = open(&db, &table).await;
        let rows = facts(3_000, 12);
        store.upsert(&rows).await.unwrap();
        // A key column past the prefix: every page is read, few facts kept,
        // and the columns are not sized for every fact of every page.
        let few = store
            .read_columns(&Filter::new().range("node", ..20))
            .await
            .unwrap();
        assert_eq!(few.len(), 20);
        assert!(few.size.capacity() < rows.len(), "{}", few.size.capacity());
        // A corrupt fact count is only a hint gone wrong: the read still
        // returns every fact.
        raw(&db, &format!("UPDATE {table} SET facts = -2000000000")).await;
        let wide = Filter::new().range("created", at(1_000_000_000)..at(2_000_000_000));
        let want = rows
            .iter()
            .filter(|(_, p)| p.view().created().is_some())
            .count();
        assert_eq!(store.read_columns(&wide).await.unwrap().len(), want);
        raw(&db, &format!("UPDATE {table} SET facts = 2000000000")).await;
        let all = store.read_columns(&wide).await.unwrap();
        assert_eq!(all.len(), want);
        assert!(
            all.size.capacity() < 100 * rows.len(),
            "bounded by the pages' bytes"
        );
    })
    .await;
}

/// Sets the `data` of the first page (earliest bucket, page 0) of the
/// prefix `(account, repository)` to the SQL expression `data`.
async fn set_first_page(db: &Db, table: &str, (account, repository): (i64, &str), data: &str) {
    let prefix = format!("account = {account} AND repository = '{repository}'");
    raw(
        db,
        &format!(
            "UPDATE {table} SET data = {data} WHERE {prefix} \
             AND bucket = (SELECT min(bucket) FROM {table} WHERE {prefix}) AND page = 0"
        ),
    )
    .await;
}

#[tokio::test]
async fn a_corrupt_page_is_named_and_the_other_pages_stay_readable() {
    on_backends("corrupt", |db, table| async move {
        let store = open(&db, &table).await;
        let rows = facts(120, 8);
        store.upsert(&rows).await.unwrap();
        let pg = db.as_postgres().is_some();
        let cut = if pg {
            "substring(data from 1 for 10)"
        } else {
            "substr(data, 1, 10)"
        };
        // Truncate one page of (1, org/repo3).
        set_first_page(&db, &table, (1, "org/repo3"), cut).await;
        let err = store.read_columns(&Filter::new()).await.unwrap_err();
        match &err {
            StoreError::CorruptPage { table: t, page, reason } => {
                assert_eq!(t, &table);
                assert!(page.contains("account = 1"), "{page}");
                assert!(page.contains("repository = \"org/repo3\""), "{page}");
                assert!(page.contains("page 0"), "{page}");
                assert!(reason.contains("truncated"), "{reason}");
            }
            other => panic!("expected a corrupt page, got {other}"),
        }
        // The other pages stay readable.
        let others = Filter::new().is_in("repository", ["org/repo1", "org/repo2"]);
        let want = rows
            .iter()
            .filter(|(k, _)| k.1 == "org/repo1" || k.1 == "org/repo2")
            .count();
        assert_eq!(store.read_columns(&others).await.unwrap().len(), want);

        // A sound page whose header claims another fingerprint than its row:
        // the page is corrupt, as a fact whose version differs from its row.
        let flip = if pg {
            "set_byte(data, 5, 255 - get_byte(data, 5))"
        } else {
            "substr(data, 1, 5) || (CASE WHEN substr(data, 6, 1) = x'00' THEN x'01' ELSE x'00' END) || substr(data, 7)"
        };
        set_first_page(&db, &table, (0, "org/repo6"), flip).await;
        let repo6 = Filter::new().eq("repository", "org/repo6");
        match store.read_columns(&repo6).await.unwrap_err() {
            StoreError::CorruptPage { page, reason, .. } => {
                assert!(page.contains("repository = \"org/repo6\""), "{page}");
                assert!(reason.contains("header says version 1 with fingerprint"), "{reason}");
            }
            other => panic!("expected a corrupt page, got {other}"),
        }

        // A corrupt fact inside a sound page: its key is named, and a
        // salvaging read sets it aside.
        // The page's magic bytes, revision, version, one fingerprint, count
        // and offset table (4 bytes a fact) come before its first blob,
        // whose first byte, the version, is never 0.
        let first_blob = "(17 + 4 * facts)";
        let set = if pg {
            format!("set_byte(data, {first_blob}, 0)")
        } else {
            format!("substr(data, 1, {first_blob}) || x'00' || substr(data, {first_blob} + 2)")
        };
        set_first_page(&db, &table, (2, "org/repo5"), &set).await;
        let repo5 = Filter::new().eq("repository", "org/repo5");
        let err = store.read_columns(&repo5).await.unwrap_err();
        let StoreError::Corrupt { key, .. } = &err else {
            panic!("expected a corrupt fact, got {err}")
        };
        assert!(key.contains("org/repo5"), "{key}");
        let salvaged = store.read_columns_salvaging(&repo5).await.unwrap();
        assert_eq!(salvaged.corrupt.len(), 1);
        let bad = salvaged.corrupt[0].key.clone();
        assert_eq!(bad.1, "org/repo5");
        let in_repo5 = rows.iter().filter(|(k, _)| k.1 == "org/repo5").count();
        assert_eq!(salvaged.facts.len(), in_repo5 - 1);
        // Checked fact by fact (a field the pages cannot decide), the fact
        // whose bytes cannot be read is reported, not dropped as unmatched.
        let checked = repo5.clone().range("size", i64::MIN..i64::MAX);
        let err = store.read_columns(&checked).await.unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        let salvaged = store.read_columns_salvaging(&checked).await.unwrap();
        assert_eq!(salvaged.corrupt.len(), 1);
        assert_eq!(salvaged.facts.len(), in_repo5 - 1);

        // Rewriting the prefixes repairs all three: the truncated page is
        // dropped (its facts rewritten here), the page of the wrong header
        // rewritten, the corrupt fact replaced.
        let repair: Vec<_> = rows
            .iter()
            .filter(|(k, _)| {
                (k.0 == 1 && k.1 == "org/repo3") || (k.0 == 0 && k.1 == "org/repo6") || k == &bad
            })
            .cloned()
            .collect();
        store.upsert(&repair).await.unwrap();
        let want: BTreeMap<_, _> = rows.iter().cloned().collect();
        assert_eq!(contents(&store).await, want);
    })
    .await;
}

#[tokio::test]
async fn page_deletes_by_key_filter_and_version() {
    on_backends("deletes", |db, table| async move {
        let store = open(&db, &table).await;
        let rows = facts(90, 9);
        store.upsert(&rows).await.unwrap();
        assert_eq!(store.delete(&[key(1), key(2), key(999)]).await.unwrap(), 2);
        assert_eq!(store.count(&Filter::new()).await.unwrap(), 88);
        assert!(store.get(&[key(1)]).await.unwrap().is_empty());
        // By a filter on a mirrored field: decided per fact, not per page.
        let big = Filter::new().range("size", 500..);
        let n_big = rows
            .iter()
            .filter(|(k, p)| k.2 != 1 && k.2 != 2 && p.view().size() >= 500)
            .count() as u64;
        assert!(n_big > 0);
        assert_eq!(store.delete_where(&big).await.unwrap(), n_big);
        assert_eq!(store.count(&big).await.unwrap(), 0);
        assert_eq!(store.count(&Filter::new()).await.unwrap(), 88 - n_big);
        let n = store
            .delete_where(&Filter::new().eq("account", 0))
            .await
            .unwrap();
        assert!(n > 0);
        assert_eq!(store.count(&Filter::new()).await.unwrap(), 88 - n_big - n);
        assert_eq!(store.delete_versions_below(1).await.unwrap(), 0);
        assert!(store.delete_versions_below(2).await.unwrap() > 0);
        assert_eq!(store.count(&Filter::new()).await.unwrap(), 0);
    })
    .await;
}

mod evolution {
    use chrono::{DateTime, Utc};
    use factpack::Facts;

    pub mod v1 {
        use super::*;
        #[derive(Facts, Debug, Clone, PartialEq)]
        #[facts(version = 1)]
        pub struct Review {
            pub at: DateTime<Utc>,
            pub comments: u32,
        }
    }

    pub mod v2 {
        use super::*;
        #[derive(Facts, Debug, Clone, PartialEq)]
        #[facts(version = 2)]
        pub struct Review {
            pub at: DateTime<Utc>,
            pub comments: u32,
            #[facts(since = 2)]
            pub approved: Option<bool>,
        }
    }

    pub mod reordered {
        use super::*;
        #[derive(Facts, Debug, Clone, PartialEq)]
        #[facts(version = 1)]
        pub struct Review {
            pub comments: u32,
            pub at: DateTime<Utc>,
        }
    }
}

#[tokio::test]
async fn paged_versions_are_read_replaced_or_missed() {
    use evolution::{reordered, v1, v2};
    on_backends("versions", |db, table| async move {
        let spec = || PageSpec::new(1, "at", TimeDelta::days(1));
        let old = FactStore::<v1::Review, (i64, i64)>::builder(&db, &table)
            .key(["repo", "n"])
            .pages(spec())
            .open()
            .await
            .unwrap();
        let rows: Vec<_> = (0..10)
            .map(|i| {
                let f = v1::Review {
                    at: at(1_700_000_000 + i * 40_000),
                    comments: i as u32,
                };
                ((i % 2, i), f.pack())
            })
            .collect();
        old.upsert(&rows).await.unwrap();
        let new = FactStore::<v2::Review, (i64, i64)>::builder(&db, &table)
            .key(["repo", "n"])
            .pages(spec())
            .open()
            .await
            .unwrap();
        let got = new.get(&[(1, 3)]).await.unwrap();
        assert_eq!(got[0].1.version(), 1);
        assert_eq!(got[0].1.view().approved(), None);
        let recent = Filter::new().range("at", at(1_700_000_000 + 5 * 40_000)..);
        assert_eq!(new.read_columns(&recent).await.unwrap().len(), 5);
        // A version-2 fact replaces the version-1 fact of its key.
        let v2_row = v2::Review {
            at: at(1),
            comments: 99,
            approved: Some(true),
        }
        .pack();
        new.upsert(&[((1, 3), v2_row.clone())]).await.unwrap();
        assert_eq!(new.get(&[(1, 3)]).await.unwrap()[0].1, v2_row);
        assert_eq!(new.count(&Filter::new()).await.unwrap(), 10);
        // Another layout under the same name sees none of them.
        let other = FactStore::<reordered::Review, (i64, i64)>::builder(&db, &table)
            .key(["repo", "n"])
            .pages(spec())
            .open()
            .await
            .unwrap();
        assert_eq!(other.count(&Filter::new()).await.unwrap(), 0);
        assert!(other.get(&[(0, 2)]).await.unwrap().is_empty());
    })
    .await;
}

/// Two versions whose blobs can have the same length: version 2 appends two
/// header bytes, which two fewer bytes of `note` make up for.
mod same_length {
    use chrono::{DateTime, Utc};
    use factpack::Facts;

    pub mod v1 {
        use super::*;
        #[derive(Facts, Debug, Clone, PartialEq)]
        #[facts(version = 1)]
        pub struct Note {
            pub at: DateTime<Utc>,
            pub note: String,
        }
    }

    pub mod v2 {
        use super::*;
        #[derive(Facts, Debug, Clone, PartialEq)]
        #[facts(version = 2)]
        pub struct Note {
            pub at: DateTime<Utc>,
            pub note: String,
            #[facts(since = 2)]
            pub flag: Option<bool>,
        }
    }
}

#[tokio::test]
async fn a_fact_whose_version_differs_from_its_page_is_corrupt() {
    use factpack::ErrorKind;
    use same_length::{v1, v2};
    on_backends("fact_version", |db, table| async move {
        let store = FactStore::<v2::Note, (i64, i64)>::builder(&db, &table)
            .key(["repo", "n"])
            .pages(PageSpec::new(1, "at", TimeDelta::days(1)))
            .open()
            .await
            .unwrap();
        let base = 1_700_000_000 - 1_700_000_000 % 86_400;
        let two = |n: i64| v2::Note {
            at: at(base + n * 60),
            note: format!("note{n}"),
            flag: Some(true),
        };
        let rows: Vec<_> = (0..3).map(|n| ((0, n), two(n).pack())).collect();
        store.upsert(&rows).await.unwrap();
        // The middle fact of the one page becomes a valid version-1 blob of
        // the same length, its instant outside the page's recorded span.
        let swapped = v1::Note {
            at: at(base + 3_600),
            note: "note1xy".into(),
        }
        .pack();
        let original = rows[1].1.as_bytes();
        assert_eq!(swapped.as_bytes().len(), original.len());
        let select = format!("SELECT data FROM {table}");
        let mut data: Vec<u8> = if let Some(pool) = db.as_postgres() {
            sqlx::query_scalar(AssertSqlSafe(select))
                .fetch_one(pool)
                .await
                .unwrap()
        } else {
            let pool = db.as_sqlite().unwrap();
            sqlx::query_scalar(AssertSqlSafe(select))
                .fetch_one(pool)
                .await
                .unwrap()
        };
        let at_blob = data
            .windows(original.len())
            .position(|w| w == original)
            .unwrap();
        data[at_blob..at_blob + original.len()].copy_from_slice(swapped.as_bytes());
        let literal = if db.as_postgres().is_some() {
            format!("decode('{}', 'hex')", hex::encode(&data))
        } else {
            format!("x'{}'", hex::encode(&data))
        };
        raw(&db, &format!("UPDATE {table} SET data = {literal}")).await;
        let mismatch = ErrorKind::VersionMismatch {
            expected: 2,
            found: 1,
        };

        let err = store.read_columns(&Filter::new()).await.unwrap_err();
        match &err {
            StoreError::Corrupt {
                table: t,
                key,
                source,
            } => {
                assert_eq!(t, &table);
                assert!(key.starts_with("(0, 1) (in page "), "{key}");
                assert_eq!((source.offset, &source.kind), (0, &mismatch));
            }
            other => panic!("expected a corrupt fact, got {other}"),
        }
        assert!(store.read_packed(&Filter::new()).await.is_err());
        assert!(store.get(&[(0, 1)]).await.is_err());
        assert_eq!(store.get(&[(0, 2)]).await.unwrap()[0].1, rows[2].1);

        // Salvaging sets it aside and keeps the facts on either side.
        let salvaged = store.read_columns_salvaging(&Filter::new()).await.unwrap();
        assert_eq!(salvaged.facts.len(), 2);
        assert_eq!(salvaged.facts.note.get(0), Some("note0"));
        assert_eq!(salvaged.facts.note.get(1), Some("note2"));
        assert_eq!(salvaged.corrupt.len(), 1);
        assert_eq!(salvaged.corrupt[0].key, (0, 1));
        assert_eq!(salvaged.corrupt[0].version, 2);
        assert_eq!(salvaged.corrupt[0].error.kind, mismatch);
        let salvaged = store.read_packed_salvaging(&Filter::new()).await.unwrap();
        let keys: Vec<_> = salvaged.facts.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, [(0, 0), (0, 2)]);
        assert_eq!(salvaged.corrupt.len(), 1);

        // Checked fact by fact (the range does not hold the page's whole
        // span), the fact is reported, not dropped as out of range.
        let early = Filter::new().range("at", at(base)..at(base + 90));
        let err = store.read_columns(&early).await.unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        let salvaged = store.read_columns_salvaging(&early).await.unwrap();
        assert_eq!(salvaged.facts.len(), 1);
        assert_eq!(salvaged.corrupt.len(), 1);

        // Rewriting the fact repairs it.
        store.upsert(&rows[1..2]).await.unwrap();
        assert_eq!(store.read_columns(&Filter::new()).await.unwrap().len(), 3);
    })
    .await;
}

#[tokio::test]
async fn bad_page_specs_are_refused_before_any_sql() {
    on_backends("config", |db, table| async move {
        let cases = [
            (PageSpec::new(3, "created", TimeDelta::days(1)), "prefix"),
            (
                PageSpec::new(1, "size", TimeDelta::days(1)),
                "not a timestamp",
            ),
            (PageSpec::new(1, "created", TimeDelta::zero()), "positive"),
            (
                PageSpec::new(1, "nope", TimeDelta::days(1)),
                "no stored field",
            ),
        ];
        for (spec, words) in cases {
            let err = FactStore::<PullRequestFacts, Key>::builder(&db, &table)
                .key(["account", "repository", "node"])
                .pages(spec)
                .open()
                .await
                .unwrap_err();
            assert!(matches!(err, StoreError::Config { .. }), "{err}");
            assert!(err.to_string().contains(words), "{err}");
        }
        // A key column named like a page column.
        let err = FactStore::<PullRequestFacts, (i64, i64)>::builder(&db, &table)
            .key(["bucket", "node"])
            .pages(PageSpec::new(1, "created", TimeDelta::days(1)))
            .open()
            .await
            .unwrap_err();
        assert!(err.to_string().contains("`bucket`"), "{err}");
    })
    .await;
}
