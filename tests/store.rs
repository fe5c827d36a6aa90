//! The store's test suite. Every test runs against SQLite (a temporary file)
//! and, when `DATABASE_URL` names a PostgreSQL server, against PostgreSQL too.
//! Without `DATABASE_URL` the PostgreSQL half is skipped, and says so on
//! stderr. With `FACTPACK_PG_MARKER` set, each test that ran on PostgreSQL
//! appends its name to that file, so that CI can check that they all ran.
#![cfg(all(feature = "store", feature = "derive"))]

#[path = "common/prf.rs"]
#[allow(dead_code)]
mod prf;

#[path = "common/backends.rs"]
#[allow(dead_code)]
mod backends;

use std::time::Duration;

use backends::{on_backends, on_postgres, raw};
use chrono::{DateTime, TimeZone, Utc};
use factpack::columns::ColumnData;
use factpack::store::{Conflict, Db, FactStore, Filter, PgWrite, StoreError};
use factpack::{Facts, Packed};
use prf::{realistic, PullRequestFacts, PullRequestFactsTransient, Rng};

type Key = (i64, String, i64);
type Store = FactStore<PullRequestFacts, Key>;

fn key(i: i64) -> Key {
    (i % 3, format!("org/repo{}", i % 7), i)
}

/// `n` realistic facts with keys `0..n`, from `seed`.
fn facts(n: i64, seed: u64) -> Vec<(Key, Packed<PullRequestFacts>)> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| (key(i), realistic(&mut rng).pack()))
        .collect()
}

async fn open(db: &Db, table: &str) -> Store {
    open_with(db, table, Conflict::Replace).await
}

async fn open_with(db: &Db, table: &str, conflict: Conflict) -> Store {
    FactStore::builder(db, table)
        .key(["account", "repository", "node"])
        .mirror(PullRequestFacts::CREATED)
        .mirror(PullRequestFacts::MERGED)
        .mirror(PullRequestFacts::DONE)
        .mirror(PullRequestFacts::SIZE)
        .conflict(conflict)
        .transient_from_key(|key: &Key, t: &mut PullRequestFactsTransient| {
            t.repository_full_name = Some(key.1.clone())
        })
        .open()
        .await
        .unwrap()
}

/// The facts' bytes, sorted, to compare sets.
fn sorted_bytes<'a>(facts: impl IntoIterator<Item = &'a Packed<PullRequestFacts>>) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = facts.into_iter().map(|p| p.as_bytes().to_vec()).collect();
    out.sort();
    out
}

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(seconds, 0).unwrap()
}

#[tokio::test]
async fn upserted_facts_come_back_by_key() {
    on_backends("by_key", |db, table| async move {
        let store = open(&db, &table).await;
        let rows = facts(300, 1);
        assert_eq!(store.upsert(&rows).await.unwrap(), 300);
        let mut wanted: Vec<Key> = (0..300).step_by(7).map(key).collect();
        wanted.push(key(10_000)); // a miss
        let mut got = store.get(&wanted).await.unwrap();
        got.sort_by(|a, b| a.0.cmp(&b.0));
        let mut expected: Vec<_> = rows
            .iter()
            .filter(|(k, _)| wanted.contains(k))
            .cloned()
            .collect();
        expected.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(got.len(), expected.len());
        for ((gk, gp), (ek, ep)) in got.iter().zip(&expected) {
            assert_eq!(gk, ek);
            assert_eq!(gp, ep);
            assert_eq!(
                gp.transient().repository_full_name.as_deref(),
                Some(ek.1.as_str())
            );
            assert_eq!(gp.unpack().size, ep.unpack().size);
        }
        let columns = store.get_columns(&wanted).await.unwrap();
        assert_eq!(columns.len(), expected.len());
        assert_eq!(store.count(&Filter::new()).await.unwrap(), 300);
        // Opening again is idempotent and sees the same rows.
        let again = open(&db, &table).await;
        assert_eq!(again.count(&Filter::new()).await.unwrap(), 300);
    })
    .await;
}

#[tokio::test]
async fn filters_select_what_the_facts_say() {
    on_backends("filters", |db, table| async move {
        let store = open(&db, &table).await;
        let rows = facts(500, 2);
        store.upsert(&rows).await.unwrap();
        let (from, to) = (at(1_630_000_000), at(1_670_000_000));
        let repos = ["org/repo1", "org/repo4"];
        let filter = Filter::new()
            .is_in("repository", repos)
            .eq("account", 1)
            .range(PullRequestFacts::CREATED, from..to);
        let expected: Vec<&Packed<PullRequestFacts>> = rows
            .iter()
            .filter(|(k, p)| {
                let created = p.view().created().unwrap();
                repos.contains(&k.1.as_str()) && k.0 == 1 && from <= created && created < to
            })
            .map(|(_, p)| p)
            .collect();
        assert!(expected.len() > 3, "the filter should select a few rows");
        let got = store.read_packed(&filter).await.unwrap();
        assert_eq!(
            sorted_bytes(got.iter().map(|(_, p)| p)),
            sorted_bytes(expected.iter().copied())
        );
        let columns = store.read_columns(&filter).await.unwrap();
        assert_eq!(columns.len(), expected.len());
        let mut sizes = columns.size.clone();
        sizes.sort_unstable();
        let mut want: Vec<i64> = expected.iter().map(|p| p.view().size()).collect();
        want.sort_unstable();
        assert_eq!(sizes, want);
        // Transient columns are filled from the key.
        assert!(columns.repository_full_name.iter().all(|r| r
            .and_then(Option::as_deref)
            .is_some_and(|r| repos.contains(&r))));

        // Nullable mirrors, booleans and inclusive ranges.
        let unmerged = store
            .count(&Filter::new().is_null(PullRequestFacts::MERGED))
            .await
            .unwrap();
        let want = rows
            .iter()
            .filter(|(_, p)| p.view().merged().is_none())
            .count();
        assert_eq!(unmerged, want as u64);
        let done = store
            .count(&Filter::new().eq(PullRequestFacts::DONE, true))
            .await
            .unwrap();
        let want = rows.iter().filter(|(_, p)| p.view().done()).count();
        assert_eq!(done, want as u64);
        // By name, the same columns select the same rows.
        let by_name = store.count(&Filter::new().eq("done", true)).await.unwrap();
        assert_eq!(by_name, done);
        let small = store
            .count(&Filter::new().range(PullRequestFacts::SIZE, 100..=200))
            .await
            .unwrap();
        let want = rows
            .iter()
            .filter(|(_, p)| (100..=200).contains(&p.view().size()))
            .count();
        assert_eq!(small, want as u64);
        let none = store
            .count(&Filter::new().is_in("node", Vec::<i64>::new()))
            .await
            .unwrap();
        assert_eq!(none, 0);
    })
    .await;
}

#[tokio::test]
async fn conflict_policies_replace_keep_or_compare() {
    on_backends("conflicts", |db, table| async move {
        for suffix in ["r", "k", "n"] {
            raw(&db, &format!("DROP TABLE IF EXISTS {table}_{suffix}")).await;
        }
        let first = facts(20, 3);
        let second = facts(20, 4);
        let replace = open(&db, &format!("{table}_r")).await;
        replace.upsert(&first).await.unwrap();
        replace.upsert(&second).await.unwrap();
        let got = replace.get(&[key(5)]).await.unwrap();
        assert_eq!(got[0].1, second[5].1);

        let keep = open_with(&db, &format!("{table}_k"), Conflict::Keep).await;
        keep.upsert(&first).await.unwrap();
        assert_eq!(keep.upsert(&second).await.unwrap(), 0);
        assert_eq!(keep.get(&[key(5)]).await.unwrap()[0].1, first[5].1);

        let newer = open_with(
            &db,
            &format!("{table}_n"),
            Conflict::ReplaceIfNewer(PullRequestFacts::SIZE.into()),
        )
        .await;
        newer.upsert(&first).await.unwrap();
        newer.upsert(&second).await.unwrap();
        for i in 0..20 {
            let got = newer.get(&[key(i)]).await.unwrap();
            let (a, b) = (&first[i as usize].1, &second[i as usize].1);
            let want = if b.view().size() > a.view().size() {
                b
            } else {
                a
            };
            assert_eq!(&got[0].1, want, "key {i}");
        }
        // A key given twice in one batch keeps the last.
        let twice = vec![(key(1), first[1].1.clone()), (key(1), second[2].1.clone())];
        replace.upsert(&twice).await.unwrap();
        assert_eq!(replace.get(&[key(1)]).await.unwrap()[0].1, second[2].1);
    })
    .await;
}

#[tokio::test]
async fn a_failing_batch_leaves_nothing_behind() {
    on_backends("atomic", |db, table| async move {
        let store = open(&db, &table).await;
        // The 150th row of the batch makes the database fail the statement.
        if db.as_postgres().is_some() {
            raw(&db, &format!(
                "CREATE OR REPLACE FUNCTION {table}_boom() RETURNS trigger AS $$ BEGIN \
                 IF NEW.node = 150 THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            ))
            .await;
            raw(&db, &format!(
                "CREATE TRIGGER boom BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_boom()"
            ))
            .await;
        } else {
            raw(&db, &format!(
                "CREATE TRIGGER boom BEFORE INSERT ON {table} WHEN NEW.node = 150 \
                 BEGIN SELECT RAISE(ABORT, 'boom'); END"
            ))
            .await;
        }
        let err = store.upsert(&facts(300, 5)).await.unwrap_err();
        assert!(err.to_string().contains(&table), "{err}");
        assert_eq!(store.count(&Filter::new()).await.unwrap(), 0);
        // The store still works.
        store.upsert(&facts(100, 5)).await.unwrap();
        assert_eq!(store.count(&Filter::new()).await.unwrap(), 100);
    })
    .await;
}

#[tokio::test]
async fn a_corrupt_blob_names_its_key_and_the_rest_stay_readable() {
    on_backends("corrupt", |db, table| async move {
        let store = open(&db, &table).await;
        let rows = facts(50, 6);
        store.upsert(&rows).await.unwrap();
        let cut = if db.as_postgres().is_some() {
            "substring(data from 1 for 10)"
        } else {
            "substr(data, 1, 10)"
        };
        raw(
            &db,
            &format!("UPDATE {table} SET data = {cut} WHERE node = 17"),
        )
        .await;

        let err = store.read_columns(&Filter::new()).await.unwrap_err();
        match &err {
            StoreError::Corrupt {
                table: t,
                key,
                source,
            } => {
                assert_eq!(t, &table);
                assert_eq!(key, &format!("{:?}", self::key(17)));
                assert!(
                    matches!(source.kind, factpack::ErrorKind::Truncated { .. }),
                    "{source}"
                );
            }
            other => panic!("expected a corrupt row, got {other}"),
        }
        assert!(err.to_string().contains("org/repo3"), "{err}");
        assert!(store.get(&[key(17)]).await.is_err());

        let salvaged = store.read_columns_salvaging(&Filter::new()).await.unwrap();
        assert_eq!(salvaged.facts.len(), 49);
        assert_eq!(salvaged.corrupt.len(), 1);
        assert_eq!(salvaged.corrupt[0].key, key(17));
        assert_eq!(salvaged.corrupt[0].version, 1);
        let salvaged = store.read_packed_salvaging(&Filter::new()).await.unwrap();
        assert_eq!(salvaged.facts.len(), 49);
        assert_eq!(salvaged.corrupt[0].key, key(17));

        // Rewriting the fact repairs the row.
        store.upsert(&rows[17..18]).await.unwrap();
        assert_eq!(store.read_columns(&Filter::new()).await.unwrap().len(), 50);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_upserts_of_the_same_keys_leave_one_valid_row_each() {
    on_backends("concurrent", |db, table| async move {
        let store = open(&db, &table).await;
        let batches: Vec<_> = (0..4).map(|seed| facts(400, 100 + seed)).collect();
        let mut tasks = Vec::new();
        for (i, rows) in batches.iter().cloned().enumerate() {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                // Each task writes its batch in reversed order: the store must
                // not deadlock on opposite lock orders.
                let mut rows = rows;
                if i % 2 == 1 {
                    rows.reverse();
                }
                for _ in 0..3 {
                    store.upsert(&rows).await.unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(store.count(&Filter::new()).await.unwrap(), 400);
        let got = store.read_packed(&Filter::new()).await.unwrap();
        assert_eq!(got.len(), 400);
        for (k, p) in &got {
            let i = k.2 as usize;
            assert!(
                batches.iter().any(|b| b[i].1 == *p),
                "key {k:?} holds a fact nobody wrote"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn deletes_by_key_filter_and_version() {
    on_backends("deletes", |db, table| async move {
        let store = open(&db, &table).await;
        store.upsert(&facts(60, 7)).await.unwrap();
        assert_eq!(store.delete(&[key(1), key(2), key(999)]).await.unwrap(), 2);
        assert_eq!(store.count(&Filter::new()).await.unwrap(), 58);
        let n = store
            .delete_where(&Filter::new().eq("account", 0))
            .await
            .unwrap();
        assert_eq!(n, 20);
        assert_eq!(store.count(&Filter::new()).await.unwrap(), 38);
        assert_eq!(store.delete_versions_below(1).await.unwrap(), 0);
        assert_eq!(store.delete_versions_below(2).await.unwrap(), 38);
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
            #[facts(index)]
            pub at: DateTime<Utc>,
            pub comments: u32,
        }
    }

    pub mod v2 {
        use super::*;
        #[derive(Facts, Debug, Clone, PartialEq)]
        #[facts(version = 2)]
        pub struct Review {
            #[facts(index)]
            pub at: DateTime<Utc>,
            pub comments: u32,
            #[facts(since = 2)]
            pub approved: Option<bool>,
        }
    }

    /// The same name and fields as `v1`, another layout.
    pub mod reordered {
        use super::*;
        #[derive(Facts, Debug, Clone, PartialEq)]
        #[facts(version = 1)]
        pub struct Review {
            pub comments: u32,
            #[facts(index)]
            pub at: DateTime<Utc>,
        }
    }
}

#[tokio::test]
async fn older_compatible_versions_are_read_and_other_layouts_are_misses() {
    use evolution::{reordered, v1, v2};
    on_backends("versions", |db, table| async move {
        let old = FactStore::<v1::Review, i64>::builder(&db, &table)
            .open()
            .await
            .unwrap();
        let rows: Vec<_> = (0..10)
            .map(|i| {
                (
                    i,
                    v1::Review {
                        at: at(1_700_000_000 + i),
                        comments: i as u32,
                    }
                    .pack(),
                )
            })
            .collect();
        old.upsert(&rows).await.unwrap();

        // Newer code reads the version-1 rows, the new field absent.
        let new = FactStore::<v2::Review, i64>::builder(&db, &table)
            .open()
            .await
            .unwrap();
        let got = new.get(&[3]).await.unwrap();
        assert_eq!(got[0].1.version(), 1);
        assert_eq!(got[0].1.view().comments(), 3);
        assert_eq!(got[0].1.view().approved(), None);
        // Mirrored columns filter old rows too.
        let recent = Filter::new().range("at", at(1_700_000_005)..);
        assert_eq!(new.read_columns(&recent).await.unwrap().len(), 5);

        // A version-2 row of key 3 shadows its version-1 row for new code; old
        // code still sees its own.
        let v2_row = v2::Review {
            at: at(1),
            comments: 99,
            approved: Some(true),
        }
        .pack();
        new.upsert(&[(3, v2_row.clone())]).await.unwrap();
        assert_eq!(new.get(&[3]).await.unwrap()[0].1, v2_row);
        assert_eq!(new.count(&Filter::new()).await.unwrap(), 10);
        assert_eq!(old.get(&[3]).await.unwrap()[0].1.view().comments(), 3);

        // Raising the minimum version turns version-1 rows into misses.
        let strict = FactStore::<v2::Review, i64>::builder(&db, &table)
            .min_version(2)
            .open()
            .await
            .unwrap();
        assert_eq!(strict.count(&Filter::new()).await.unwrap(), 1);

        // Another layout under the same name sees none of them.
        let other = FactStore::<reordered::Review, i64>::builder(&db, &table)
            .open()
            .await
            .unwrap();
        assert_ne!(reordered::Review::FINGERPRINT, v1::Review::FINGERPRINT);
        assert_eq!(other.count(&Filter::new()).await.unwrap(), 0);
        assert!(other.get(&[3]).await.unwrap().is_empty());
    })
    .await;
}

/// SQL for `bytes` as a blob literal.
fn blob_sql(db: &Db, bytes: &[u8]) -> String {
    if db.as_postgres().is_some() {
        format!("decode('{}', 'hex')", hex::encode(bytes))
    } else {
        format!("x'{}'", hex::encode(bytes))
    }
}

#[tokio::test]
async fn a_blob_whose_version_differs_from_its_row_is_corrupt() {
    use evolution::{v1, v2};
    use factpack::ErrorKind;
    on_backends("row_version", |db, table| async move {
        let old = FactStore::<v1::Review, i64>::builder(&db, &table)
            .open()
            .await
            .unwrap();
        let new = FactStore::<v2::Review, i64>::builder(&db, &table)
            .open()
            .await
            .unwrap();
        let one = |i: i64| {
            v1::Review {
                at: at(1_700_000_000 + i),
                comments: i as u32,
            }
            .pack()
        };
        let two = |i: i64| {
            v2::Review {
                at: at(1_700_000_000 + i),
                comments: i as u32,
                approved: Some(i % 2 == 0),
            }
            .pack()
        };
        let firsts: Vec<_> = (0..5).map(|i| (i, one(i))).collect();
        let seconds: Vec<_> = (5..10).map(|i| (i, two(i))).collect();
        old.upsert(&firsts).await.unwrap();
        new.upsert(&seconds).await.unwrap();
        // Valid blobs of the other version: row 7 says version 2 and holds a
        // version-1 blob, row 2 says version 1 and holds a version-2 blob.
        let swaps = [
            (7, one(7).as_bytes().to_vec()),
            (2, two(2).as_bytes().to_vec()),
        ];
        for (k, blob) in swaps {
            let sql = format!(
                "UPDATE {table} SET data = {} WHERE \"key\" = {k}",
                blob_sql(&db, &blob)
            );
            raw(&db, &sql).await;
        }
        let mismatch = |row: u8, blob: u8| ErrorKind::VersionMismatch {
            expected: row,
            found: blob,
        };

        for (k, row, blob) in [(7, 2, 1), (2, 1, 2)] {
            match new.get(&[k]).await.unwrap_err() {
                StoreError::Corrupt {
                    table: t,
                    key,
                    source,
                } => {
                    assert_eq!((t, key), (table.clone(), k.to_string()));
                    assert_eq!((source.offset, source.field), (0, None));
                    assert_eq!(source.kind, mismatch(row, blob));
                }
                other => panic!("expected a corrupt row, got {other}"),
            }
        }
        let err = new.read_columns(&Filter::new()).await.unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        assert!(new.read_packed(&Filter::new()).await.is_err());

        let salvaged = new.read_columns_salvaging(&Filter::new()).await.unwrap();
        assert_eq!(salvaged.facts.len(), 8);
        let mut corrupt: Vec<_> = salvaged
            .corrupt
            .iter()
            .map(|c| (c.key, c.version, c.error.kind.clone()))
            .collect();
        corrupt.sort_by_key(|c| c.0);
        assert_eq!(corrupt, [(2, 1, mismatch(1, 2)), (7, 2, mismatch(2, 1))]);
        let salvaged = new.read_packed_salvaging(&Filter::new()).await.unwrap();
        let mut keys: Vec<i64> = salvaged.facts.iter().map(|(k, _)| *k).collect();
        keys.sort();
        assert_eq!(keys, [0, 1, 3, 4, 5, 6, 8, 9]);
        let mut bad: Vec<i64> = salvaged.corrupt.iter().map(|c| c.key).collect();
        bad.sort();
        assert_eq!(bad, [2, 7]);

        // Older code sees only the version-1 rows, and the newer blob in one
        // of them is no more trusted than an older one.
        let err = old.get(&[2]).await.unwrap_err();
        let StoreError::Corrupt { source, .. } = &err else {
            panic!("expected a corrupt row, got {err}")
        };
        assert_eq!(source.kind, mismatch(1, 2));
        let salvaged = old.read_packed_salvaging(&Filter::new()).await.unwrap();
        assert_eq!(salvaged.facts.len(), 4);
        assert_eq!(salvaged.corrupt.len(), 1);
        assert_eq!(salvaged.corrupt[0].key, 2);

        // Rewriting the facts repairs the rows.
        old.upsert(&firsts[2..3]).await.unwrap();
        new.upsert(&seconds[2..3]).await.unwrap();
        assert_eq!(new.read_columns(&Filter::new()).await.unwrap().len(), 10);
    })
    .await;
}

#[tokio::test]
async fn opening_an_existing_table_with_other_key_types_is_an_error() {
    on_backends("schema", |db, table| async move {
        open(&db, &table).await;
        let err = FactStore::<PullRequestFacts, (String, String, i64)>::builder(&db, &table)
            .key(["account", "repository", "node"])
            .mirror("created")
            .mirror("merged")
            .mirror("done")
            .mirror("size")
            .open()
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::SchemaMismatch { .. }), "{err}");
        assert!(err.to_string().contains("`account`"), "{err}");
        let err = FactStore::<PullRequestFacts, Key>::builder(&db, &table)
            .key(["account", "repository", "node"])
            .mirror("released")
            .open()
            .await
            .unwrap_err();
        assert!(err.to_string().contains("`released` is missing"), "{err}");
    })
    .await;
}

#[test]
fn a_handle_names_the_column_its_name_does() {
    let (from, to) = (at(1_630_000_000), at(1_670_000_000));
    let typed = Filter::new()
        .range(PullRequestFacts::CREATED, from..to)
        .is_in(PullRequestFacts::SIZE, [1, 2])
        .eq(PullRequestFacts::DONE, true)
        .is_null(PullRequestFacts::MERGED)
        .not_null(PullRequestFacts::CLOSED);
    let named = Filter::new()
        .range("created", from..to)
        .is_in("size", [1_i64, 2])
        .eq("done", true)
        .is_null("merged")
        .not_null("closed");
    assert_eq!(typed, named);
    assert_eq!(
        Conflict::ReplaceIfNewer(PullRequestFacts::SIZE.into()),
        Conflict::ReplaceIfNewer("size".into())
    );
}

/// Fields whose filter values are converted to what their mirror stores: a
/// duration at a declared unit, a wall-clock time, an optional date.
#[derive(Facts, Debug, Clone, PartialEq)]
struct Timing {
    #[facts(index, unit = "ms")]
    took: chrono::TimeDelta,
    #[facts(index, unit = "s")]
    at: chrono::NaiveDateTime,
    #[facts(index)]
    day: Option<chrono::NaiveDate>,
}

#[tokio::test]
async fn handles_filter_durations_wall_clock_times_and_dates_as_stored() {
    on_backends("typed_filters", |db, table| async move {
        use chrono::{NaiveDate, TimeDelta};
        let store = FactStore::<Timing, i64>::builder(&db, &table)
            .open()
            .await
            .unwrap();
        let date = |d: u32| NaiveDate::from_ymd_opt(2024, 5, d).unwrap();
        let rows: Vec<(i64, Packed<Timing>)> = (0..20_u32)
            .map(|i| {
                let fact = Timing {
                    took: TimeDelta::milliseconds(i64::from(i) * 250),
                    at: date(1 + i % 10).and_hms_opt(i, 0, 0).unwrap(),
                    day: (i % 4 != 0).then(|| date(1 + i % 5)),
                };
                (i64::from(i), fact.pack())
            })
            .collect();
        store.upsert(&rows).await.unwrap();
        let count = |keep: &dyn Fn(&Timing) -> bool| {
            rows.iter().filter(|(_, p)| keep(&p.unpack())).count() as u64
        };

        let slow = TimeDelta::milliseconds(1_500);
        let got = store
            .count(&Filter::new().range(Timing::TOOK, slow..))
            .await
            .unwrap();
        assert_eq!(got, count(&|t| t.took >= slow));
        assert!(got > 0 && got < 20, "the range should split the rows");

        let noon = date(5).and_hms_opt(12, 0, 0).unwrap();
        let got = store
            .count(&Filter::new().range(Timing::AT, ..noon))
            .await
            .unwrap();
        assert_eq!(got, count(&|t| t.at < noon));
        assert!(got > 0 && got < 20, "the range should split the rows");

        let got = store
            .count(&Filter::new().eq(Timing::DAY, date(3)))
            .await
            .unwrap();
        assert_eq!(got, count(&|t| t.day == Some(date(3))));
        assert!(got > 0);
        let got = store
            .count(&Filter::new().is_null(Timing::DAY))
            .await
            .unwrap();
        assert_eq!(got, 5);
    })
    .await;
}

#[tokio::test]
async fn a_wrong_filter_fails_before_any_sql_runs() {
    on_backends("wrong_filter", |db, table| async move {
        let store = open(&db, &table).await;
        // With the pool closed, any SQL would fail with a database error:
        // getting a type error instead proves that none ran.
        db.close().await;
        let cases = [
            (Filter::new().eq("account", "one"), "account"),
            (Filter::new().range("created", 5..10), "created"),
            (Filter::new().eq("done", 1), "done"),
            (Filter::new().is_in("repository", [1, 2]), "repository"),
        ];
        for (filter, column) in cases {
            match store.read_columns(&filter).await.unwrap_err() {
                StoreError::WrongType {
                    column: c,
                    table: t,
                    ..
                } => {
                    assert_eq!(c, column);
                    assert_eq!(t, table);
                }
                other => panic!("expected a type error, got {other}"),
            }
        }
        let err = store
            .count(&Filter::new().eq("author", "x"))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::UnknownColumn { .. }), "{err}");
        let err = store.upsert(&facts(1, 1)).await.unwrap_err();
        assert!(matches!(err, StoreError::Database { .. }), "{err}");
    })
    .await;
}

#[tokio::test]
async fn both_postgres_write_paths_agree() {
    on_postgres("pg_write_paths", |db, table| async move {
        let rows = facts(2_000, 8);
        let mut read = Vec::new();
        for how in [PgWrite::Copy, PgWrite::Unnest] {
            let name = format!("{table}_{how:?}").to_lowercase();
            raw(&db, &format!("DROP TABLE IF EXISTS {name}")).await;
            let store = FactStore::<PullRequestFacts, Key>::builder(&db, &name)
                .key(["account", "repository", "node"])
                .mirror("created")
                .mirror("merged")
                .pg_write(how)
                .open()
                .await
                .unwrap();
            assert_eq!(store.upsert(&rows).await.unwrap(), 2_000);
            assert_eq!(store.upsert(&rows).await.unwrap(), 2_000);
            let got = store
                .read_packed(&Filter::new().is_null("merged"))
                .await
                .unwrap();
            read.push(sorted_bytes(got.iter().map(|(_, p)| p)));
            raw(&db, &format!("DROP TABLE {name}")).await;
        }
        assert_eq!(read[0], read[1]);
        assert!(!read[0].is_empty());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_killed_mid_batch_commits_nothing() {
    on_postgres("terminated", |db, table| async move {
        let url = std::env::var("DATABASE_URL").unwrap();
        let sep = if url.contains('?') { '&' } else { '?' };
        let app = format!("factpack_{table}");
        let victim = Db::connect(&format!("{url}{sep}application_name={app}")).await.unwrap();
        let store = open(&victim, &table).await;
        // The kill races the batch: if it lands after the commit, the batch
        // was not cut in the middle, so the attempt is checked for atomicity
        // (all of it is there) and made again.
        let mut cut = false;
        for _attempt in 0..3 {
            store.delete_where(&Filter::new()).await.unwrap();
            store.upsert(&facts(10, 9)).await.unwrap();
            let big = facts(150_000, 9);
            let writer = {
                let store = store.clone();
                tokio::spawn(async move { store.upsert(&big).await })
            };
            // Kill the writer's backend once its transaction is under way.
            let pool = db.as_postgres().unwrap();
            for _ in 0..2_000 {
                let n: i64 = sqlx::query_scalar(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                     WHERE application_name = $1 AND xact_start IS NOT NULL AND pid <> pg_backend_pid()",
                )
                .bind(&app)
                .fetch_one(pool)
                .await
                .unwrap();
                if n > 0 || writer.is_finished() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            match writer.await.unwrap() {
                Err(err) => {
                    assert!(matches!(err, StoreError::Database { .. }), "{err}");
                    // Nothing of the batch is visible; the first 10 rows are intact.
                    let count = store.count(&Filter::new()).await.unwrap();
                    assert_eq!(count, 10);
                    cut = true;
                    break;
                }
                Ok(_) => {
                    // Committed before the kill: then all of it is there.
                    assert_eq!(store.count(&Filter::new()).await.unwrap(), 150_000);
                }
            }
        }
        assert!(cut, "the batch finished before it could be killed, three times");
        // And the store works on the next call.
        store.upsert(&facts(20, 10)).await.unwrap();
        assert_eq!(store.count(&Filter::new()).await.unwrap(), 20);
        victim.close().await;
    })
    .await;
}
