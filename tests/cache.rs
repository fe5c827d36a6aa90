//! The cache's test suite: get or compute, freshness by source stamp, what
//! is kept, concurrency, bad compute functions, corrupt rows, failed writes,
//! and keys beside the columns. Every test runs on SQLite and, when
//! `DATABASE_URL` is set, on PostgreSQL too.
#![cfg(all(feature = "store", feature = "derive"))]

#[path = "common/backends.rs"]
#[allow(dead_code)]
mod backends;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use backends::{on_backends, raw};
use factpack::store::{CacheError, Computed, Db, FactStore, Filter, PageSpec, Stamp, StoreError};
use factpack::{Facts, Packed};

#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 1)]
pub struct Metric {
    #[facts(index)]
    pub value: i64,
    pub label: String,
    pub done: bool,
}

type Key = (i64, String, i64);
type Store = FactStore<Metric, Key>;

fn key(i: i64) -> Key {
    (1 + i % 2, format!("org/repo{}", i % 5), i)
}

/// The fact computed for `key` at source state `generation`.
fn fact(key: &Key, generation: i64) -> Packed<Metric> {
    Metric {
        value: key.2 * 1_000 + generation,
        label: format!("{}#{}", key.1, key.2),
        done: key.2 % 4 == 0,
    }
    .pack()
}

async fn open(db: &Db, table: &str) -> Store {
    FactStore::builder(db, table)
        .key(["account", "repository", "node"])
        .open()
        .await
        .unwrap()
}

/// Every key's fact at `generation`, provisional.
fn provisional(keys: Vec<Key>, generation: i64) -> Vec<Computed<Key, Metric>> {
    keys.into_iter()
        .map(|k| {
            let f = fact(&k, generation);
            Computed::provisional(k, f)
        })
        .collect()
}

/// What the test compute functions return.
type Answer = std::future::Ready<Result<Vec<Computed<Key, Metric>>, std::io::Error>>;

/// A compute function that counts the keys it is given and computes every
/// fact at `generation`: final when `done`, provisional otherwise.
fn counting(calls: &Arc<AtomicUsize>, generation: i64) -> impl FnMut(Vec<Key>) -> Answer {
    let calls = Arc::clone(calls);
    move |keys: Vec<Key>| {
        calls.fetch_add(keys.len(), Ordering::SeqCst);
        std::future::ready(Ok(keys
            .into_iter()
            .map(|k| {
                let f = fact(&k, generation);
                if f.view().done() {
                    Computed::done(k, f)
                } else {
                    Computed::provisional(k, f)
                }
            })
            .collect()))
    }
}

fn requests(
    keys: impl IntoIterator<Item = i64>,
    stamp: impl Fn(i64) -> i64,
) -> Vec<(Key, Option<Stamp>)> {
    keys.into_iter()
        .map(|i| (key(i), Some(Stamp::from_micros(stamp(i)))))
        .collect()
}

#[tokio::test]
async fn cold_warm_then_stale() {
    on_backends("cache_cold_warm", |db, table| async move {
        let store = open(&db, &table).await;
        let cache = store.cache().unwrap();
        let calls = Arc::new(AtomicUsize::new(0));
        // Asked in an order that is not the key order, with one key twice.
        let mut order: Vec<i64> = (0..200).rev().collect();
        order.push(7);
        let request = requests(order.iter().copied(), |_| 100);

        let cold = cache
            .get_or_compute(&request, counting(&calls, 1))
            .await
            .unwrap();
        assert_eq!(cold.report.asked, 200);
        assert_eq!(cold.report.missing, 200);
        assert_eq!(cold.report.computed, 200);
        assert_eq!(cold.report.written, 200);
        assert_eq!(calls.load(Ordering::SeqCst), 200);
        let nodes: Vec<i64> = (0..200).rev().collect();
        assert_eq!(cold.columns.keys.2, nodes, "the order first asked for");
        let values: Vec<i64> = nodes.iter().map(|n| n * 1_000 + 1).collect();
        assert_eq!(cold.columns.facts.value, values);
        assert_eq!(cold.columns.keys.1.get(0), Some("org/repo4"));

        let warm = cache
            .get_or_compute(&request, counting(&calls, 2))
            .await
            .unwrap();
        assert_eq!(warm.report.hits, 200);
        assert_eq!(warm.report.computed, 0);
        assert_eq!(calls.load(Ordering::SeqCst), 200, "nothing computed");
        assert_eq!(warm.columns.keys, cold.columns.keys);
        assert_eq!(warm.columns.facts.value, cold.columns.facts.value);
        assert_eq!(warm.columns.facts.label, cold.columns.facts.label);

        // A tenth of the keys' sources changed: those come back stale,
        // except the final facts, which are hits for any stamp.
        let changed = |i: i64| i % 10 == 3 || i % 10 == 4;
        let newer = requests(0..200, |i| if changed(i) { 200 } else { 100 });
        let stale = cache
            .get_or_compute(&newer, counting(&calls, 3))
            .await
            .unwrap();
        let expect_stale = (0..200).filter(|i| changed(*i) && i % 4 != 0).count();
        assert_eq!(stale.report.stale, expect_stale);
        assert_eq!(stale.report.computed, expect_stale);
        assert_eq!(stale.report.hits, 200 - expect_stale);
        for (i, value) in stale.columns.facts.value.iter().enumerate() {
            let n = i as i64;
            let generation = if changed(n) && n % 4 != 0 { 3 } else { 1 };
            assert_eq!(*value, n * 1_000 + generation, "node {n}");
        }
        // The recomputed facts were stored with the newer stamp.
        let again = cache
            .get_or_compute(&newer, counting(&calls, 4))
            .await
            .unwrap();
        assert_eq!(again.report.hits, 200);

        let stats = store.stats();
        assert_eq!(stats.computed, 200 + expect_stale as u64);
        assert_eq!(stats.hits, 200 + (200 - expect_stale as u64) + 200);
        assert_eq!(stats.stale, expect_stale as u64);
        assert_eq!(stats.misses, 200);
    })
    .await;
}

#[tokio::test]
async fn unstored_facts_are_answered_not_kept() {
    on_backends("cache_unstored", |db, table| async move {
        let store = open(&db, &table).await;
        let cache = store.cache().unwrap();
        let request = requests(0..10, |_| 5);
        let answer = cache
            .get_or_compute(&request, |keys: Vec<Key>| async move {
                Ok::<_, std::io::Error>(
                    keys.into_iter()
                        .map(|k| {
                            let f = fact(&k, 0);
                            Computed::unstored(k, f)
                        })
                        .collect(),
                )
            })
            .await
            .unwrap();
        assert_eq!(answer.columns.len(), 10);
        assert_eq!(answer.report.written, 0);
        assert_eq!(store.count(&Filter::new()).await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn bad_compute_functions_write_nothing() {
    on_backends("cache_bad_compute", |db, table| async move {
        let store = open(&db, &table).await;
        let cache = store.cache().unwrap();
        let request = requests(0..20, |_| 1);

        let failed = cache
            .get_or_compute(&request, |_keys: Vec<Key>| async move {
                Err::<Vec<Computed<Key, Metric>>, _>(std::io::Error::other("raw data unreachable"))
            })
            .await;
        match failed {
            Err(CacheError::Compute(e)) => assert_eq!(e.to_string(), "raw data unreachable"),
            other => panic!("expected the compute error, got {other:?}"),
        }

        let unasked = cache
            .get_or_compute(&request, |mut keys: Vec<Key>| async move {
                keys.push(key(999));
                Ok::<_, std::io::Error>(provisional(keys, 0))
            })
            .await;
        assert!(
            matches!(&unasked, Err(CacheError::Unasked { key, .. }) if key.contains("999")),
            "{unasked:?}"
        );

        let missing = cache
            .get_or_compute(&request, |mut keys: Vec<Key>| async move {
                keys.truncate(15);
                Ok::<_, std::io::Error>(provisional(keys, 0))
            })
            .await;
        assert!(
            matches!(&missing, Err(CacheError::Missing { count: 5, .. })),
            "{missing:?}"
        );
        assert_eq!(
            store.count(&Filter::new()).await.unwrap(),
            0,
            "nothing written"
        );
        assert_eq!(store.stats().rows_written, 0);
    })
    .await;
}

#[tokio::test]
async fn a_corrupt_cached_fact_is_recomputed() {
    on_backends("cache_corrupt", |db, table| async move {
        let store = open(&db, &table).await;
        let cache = store.cache().unwrap();
        let calls = Arc::new(AtomicUsize::new(0));
        let request = requests(0..30, |_| 1);
        cache
            .get_or_compute(&request, counting(&calls, 1))
            .await
            .unwrap();
        let bad = if db.as_postgres().is_some() {
            "'\\x01ff'::bytea"
        } else {
            "x'01ff'"
        };
        raw(&db, &format!("UPDATE {table} SET data = {bad} WHERE node = 11")).await;

        let strict = cache.clone().strict(true).get_or_compute(&request, counting(&calls, 2)).await;
        assert!(
            matches!(&strict, Err(CacheError::Store(StoreError::Corrupt { key, .. })) if key.contains("11")),
            "{strict:?}"
        );

        let answer = cache
            .get_or_compute(&request, counting(&calls, 2))
            .await
            .unwrap();
        assert_eq!(answer.report.corrupt, 1);
        assert_eq!(answer.report.computed, 1);
        assert_eq!(answer.columns.facts.value.get(11), Some(&(11_000 + 2)));
        assert_eq!(store.stats().corrupt, 1, "the strict call failed before counting");
        // Written back whole: the next call hits.
        let next = cache
            .get_or_compute(&request, counting(&calls, 3))
            .await
            .unwrap();
        assert_eq!(next.report.hits, 30);
    })
    .await;
}

#[tokio::test]
async fn concurrent_calls_compute_each_key_once() {
    on_backends("cache_concurrent", |db, table| async move {
        let store = open(&db, &table).await;
        let cache = store.cache().unwrap();
        let calls = Arc::new(AtomicUsize::new(0));
        let slow = |calls: Arc<AtomicUsize>| {
            move |keys: Vec<Key>| {
                let calls = Arc::clone(&calls);
                async move {
                    calls.fetch_add(keys.len(), Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    Ok::<_, std::io::Error>(provisional(keys, 1))
                }
            }
        };
        let a = requests(0..100, |_| 1);
        let b = requests(50..150, |_| 1);
        let other = cache.clone();
        let (x, y) = tokio::join!(
            cache.get_or_compute(&a, slow(Arc::clone(&calls))),
            other.get_or_compute(&b, slow(Arc::clone(&calls)))
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        assert_eq!(calls.load(Ordering::SeqCst), 150, "each key computed once");
        assert_eq!(x.report.shared + y.report.shared, 50);
        assert_eq!(x.columns.len(), 100);
        assert_eq!(y.columns.len(), 100);
        let expected: Vec<i64> = (50..150).map(|n| n * 1_000 + 1).collect();
        assert_eq!(y.columns.facts.value, expected);
        assert_eq!(store.count(&Filter::new()).await.unwrap(), 150);
    })
    .await;
}

#[tokio::test]
async fn a_dropped_call_writes_nothing_and_frees_its_keys() {
    on_backends("cache_dropped", |db, table| async move {
        let store = open(&db, &table).await;
        let cache = store.cache().unwrap();
        let request = requests(0..10, |_| 1);
        let never = cache.get_or_compute(&request, |_keys: Vec<Key>| {
            std::future::pending::<Result<Vec<Computed<Key, Metric>>, std::io::Error>>()
        });
        assert!(tokio::time::timeout(Duration::from_millis(50), never)
            .await
            .is_err());
        assert_eq!(store.count(&Filter::new()).await.unwrap(), 0);
        // The keys are no longer claimed: the next call computes them.
        let calls = Arc::new(AtomicUsize::new(0));
        let answer = tokio::time::timeout(
            Duration::from_secs(10),
            cache.get_or_compute(&request, counting(&calls, 1)),
        )
        .await
        .expect("not waiting on the dropped call")
        .unwrap();
        assert_eq!(answer.report.computed, 10);
    })
    .await;
}

#[tokio::test]
async fn an_older_stamp_never_replaces_a_newer_one() {
    on_backends("cache_stamp_order", |db, table| async move {
        // Two stores on one table stand for two processes: no shared flights.
        let one = open(&db, &table).await.cache().unwrap();
        let two = open(&db, &table).await.cache().unwrap();
        let calls = Arc::new(AtomicUsize::new(0));
        one.get_or_compute(&requests(1..4, |_| 20), counting(&calls, 20))
            .await
            .unwrap();
        // The other process asks with an older stamp: a hit, nothing written.
        let hit = two
            .get_or_compute(&requests(1..4, |_| 10), counting(&calls, 10))
            .await
            .unwrap();
        assert_eq!((hit.report.hits, hit.report.written), (3, 0));
        // Process one finds key 1 stale at stamp 45 and computes it; while
        // it does, process two computes and writes it at stamp 50. One's
        // write comes last and must leave the newer row.
        let racer = two.clone();
        let raced = one
            .get_or_compute(&requests(1..2, |_| 45), move |keys: Vec<Key>| {
                let racer = racer.clone();
                async move {
                    let calls = Arc::new(AtomicUsize::new(0));
                    racer
                        .get_or_compute(&requests(1..2, |_| 50), counting(&calls, 50))
                        .await
                        .unwrap();
                    Ok::<_, std::io::Error>(provisional(keys, 45))
                }
            })
            .await
            .unwrap();
        assert_eq!(
            raced.columns.facts.value,
            [1_045],
            "the answer is what it computed"
        );
        assert_eq!(
            raced.report.written, 0,
            "the older stamp did not replace the newer"
        );
        let store = open(&db, &table).await;
        let stored = store.get(&[key(1)]).await.unwrap();
        assert_eq!(stored[0].1.view().value(), 1_050);
        assert_eq!(
            store.count(&Filter::new()).await.unwrap(),
            3,
            "one row per key"
        );
    })
    .await;
}

#[tokio::test]
async fn a_failed_write_back_keeps_the_answer() {
    on_backends("cache_write_fails", |db, table| async move {
        let store = open(&db, &table).await;
        let cache = store.cache().unwrap();
        let request = requests(0..10, |_| 1);
        let dropper = db.clone();
        let drop_table = format!("DROP TABLE {table}");
        let answer = cache
            .get_or_compute(&request, move |keys: Vec<Key>| {
                let db = dropper.clone();
                let sql = drop_table.clone();
                async move {
                    raw(&db, &sql).await;
                    Ok::<_, std::io::Error>(provisional(keys, 1))
                }
            })
            .await
            .unwrap();
        assert_eq!(answer.columns.len(), 10, "the answer is complete");
        assert!(answer.report.write_error.is_some());
        assert_eq!(answer.report.written, 0);
        assert_eq!(store.stats().write_failures, 1);
    })
    .await;
}

#[tokio::test]
async fn keys_come_beside_the_columns() {
    on_backends("cache_keyed", |db, table| async move {
        let store = open(&db, &table).await;
        let rows: Vec<(Key, Packed<Metric>)> =
            (0..50).map(|i| (key(i), fact(&key(i), 0))).collect();
        store.upsert(&rows).await.unwrap();
        let keyed = store
            .read_columns_keyed(&Filter::new().eq("account", 2))
            .await
            .unwrap();
        assert_eq!(keyed.len(), 25);
        assert_eq!(keyed.key_names(), ["account", "repository", "node"]);
        for i in 0..keyed.len() {
            let node = keyed.keys.2[i];
            assert_eq!(keyed.keys.0[i], 2);
            assert_eq!(keyed.keys.1.get(i), Some(key(node).1.as_str()));
            assert_eq!(keyed.facts.value[i], node * 1_000);
        }
        let wanted: Vec<Key> = [3, 9, 12, 1_000].into_iter().map(key).collect();
        let got = store.get_columns_keyed(&wanted).await.unwrap();
        assert_eq!(got.len(), 3);
        let mut nodes = got.keys.2.clone();
        nodes.sort_unstable();
        assert_eq!(nodes, [3, 9, 12]);
        for i in 0..got.len() {
            assert_eq!(got.facts.value[i], got.keys.2[i] * 1_000);
        }
        #[cfg(feature = "arrow")]
        {
            let batch = got.into_record_batch().unwrap();
            assert_eq!(batch.num_rows(), 3);
            let schema = batch.schema();
            let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            assert_eq!(&names[..4], ["account", "repository", "node", "value"]);
        }
    })
    .await;
}

#[tokio::test]
async fn a_large_lookup_returns_exactly_the_keys_asked_for() {
    on_backends("cache_large_lookup", |db, table| async move {
        let store = open(&db, &table).await;
        let rows: Vec<(Key, Packed<Metric>)> =
            (0..9_000).map(|i| (key(i), fact(&key(i), 0))).collect();
        store.upsert(&rows).await.unwrap();
        // Every other key of the middle: the superset of their columns'
        // values and ranges holds as many rows that were not asked for.
        let wanted: Vec<Key> = (1_500..7_500).step_by(2).map(key).collect();
        let got = store.get_columns_keyed(&wanted).await.unwrap();
        assert_eq!(got.len(), wanted.len());
        let mut nodes = got.keys.2.clone();
        nodes.sort_unstable();
        let expected: Vec<i64> = (1_500..7_500).step_by(2).collect();
        assert_eq!(nodes, expected);
        let packed = store.get(&wanted).await.unwrap();
        assert_eq!(packed.len(), wanted.len());
        let cache = store.cache().unwrap();
        let request: Vec<(Key, Option<Stamp>)> = wanted.iter().map(|k| (k.clone(), None)).collect();
        let answer = cache
            .get_or_compute(&request, |_keys: Vec<Key>| async move {
                Err::<Vec<Computed<Key, Metric>>, _>(std::io::Error::other("all are stored"))
            })
            .await
            .unwrap();
        assert_eq!(answer.report.hits, wanted.len());
        assert_eq!(answer.columns.keys.2, expected);
    })
    .await;
}

#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Event {
    pub at: chrono::DateTime<chrono::Utc>,
}

/// A paged store of events: pages of (account, repository) and a day.
async fn open_paged(db: &Db, table: &str) -> FactStore<Event, Key> {
    FactStore::builder(db, table)
        .key(["account", "repository", "node"])
        .pages(PageSpec::new(2, "at", chrono::TimeDelta::days(1)))
        .open()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_paged_store_has_no_cache() {
    on_backends("cache_paged", |db, table| async move {
        let store = open_paged(&db, &table).await;
        assert!(matches!(store.cache(), Err(StoreError::Config { .. })));
    })
    .await;
}

/// A span's name and its fields, as `Debug` prints their values.
type Recorded = (String, Vec<(String, String)>);

/// A `tracing` subscriber that records every span's name and fields.
#[derive(Default, Clone)]
struct Spans(Arc<std::sync::Mutex<Vec<Recorded>>>);

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
}

impl tracing::Subscriber for Spans {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut spans = self.0.lock().unwrap();
        let mut fields = Vec::new();
        span.record(&mut Fields(&mut fields));
        spans.push((span.metadata().name().to_owned(), fields));
        tracing::span::Id::from_u64(spans.len() as u64)
    }
    fn record(&self, span: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut spans = self.0.lock().unwrap();
        if let Some((_, fields)) = spans.get_mut(span.into_u64() as usize - 1) {
            values.record(&mut Fields(fields));
        }
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

impl Spans {
    /// The recorder, installed as the global subscriber of this test binary
    /// the first time: a subscriber set for one thread only can miss spans
    /// whose callsites other tests' threads registered first.
    fn global() -> Self {
        static SPANS: std::sync::OnceLock<Spans> = std::sync::OnceLock::new();
        SPANS
            .get_or_init(|| {
                let spans = Spans::default();
                tracing::subscriber::set_global_default(spans.clone()).unwrap();
                spans
            })
            .clone()
    }

    /// The value of `field` in the last span named `name` on `table`.
    fn field(&self, name: &str, table: &str, field: &str) -> Option<String> {
        let spans = self.0.lock().unwrap();
        let (_, fields) = spans.iter().rev().find(|(n, fields)| {
            n == name && fields.iter().any(|(f, v)| f == "table" && v == table)
        })?;
        fields
            .iter()
            .rev()
            .find(|(f, _)| f == field)
            .map(|(_, v)| v.clone())
    }
}

#[tokio::test]
async fn every_operation_is_a_span_with_what_it_did() {
    on_backends("cache_spans", |db, table| async move {
        let spans = Spans::global();
        let store = open(&db, &table).await;
        let cache = store.cache().unwrap();
        let calls = Arc::new(AtomicUsize::new(0));
        cache
            .get_or_compute(&requests(0..40, |_| 1), counting(&calls, 1))
            .await
            .unwrap();
        assert_eq!(
            spans.field("factpack.cache", &table, "asked").as_deref(),
            Some("40")
        );
        assert_eq!(
            spans.field("factpack.cache", &table, "missing").as_deref(),
            Some("40")
        );
        assert_eq!(
            spans.field("factpack.cache", &table, "computed").as_deref(),
            Some("40")
        );
        assert_eq!(
            spans.field("factpack.cache", &table, "written").as_deref(),
            Some("40")
        );
        assert!(spans
            .field("factpack.cache", &table, "bytes_written")
            .is_some());
        assert!(spans.field("factpack.cache", &table, "micros").is_some());
        assert_eq!(
            spans.field("factpack.cache", &table, "table"),
            Some(table.clone())
        );
        assert_eq!(
            spans.field("factpack.cache", &table, "layout").as_deref(),
            Some("\"rows\"")
        );
        cache
            .get_or_compute(
                &requests(0..40, |i| if i < 4 { 2 } else { 1 }),
                counting(&calls, 2),
            )
            .await
            .unwrap();
        // Nodes 0..4 changed; node 0's fact is final, so only three are stale.
        assert_eq!(
            spans.field("factpack.cache", &table, "hits").as_deref(),
            Some("37")
        );
        assert_eq!(
            spans.field("factpack.cache", &table, "stale").as_deref(),
            Some("3")
        );
        let rows: Vec<(Key, Packed<Metric>)> =
            (100..110).map(|i| (key(i), fact(&key(i), 0))).collect();
        store.upsert(&rows).await.unwrap();
        assert_eq!(
            spans
                .field("factpack.store", &table, "operation")
                .as_deref(),
            Some("\"upsert\"")
        );
        assert_eq!(
            spans.field("factpack.store", &table, "rows").as_deref(),
            Some("10")
        );
        store.count(&Filter::new()).await.unwrap();
        assert_eq!(
            spans
                .field("factpack.store", &table, "operation")
                .as_deref(),
            Some("\"count\"")
        );
        assert_eq!(
            spans.field("factpack.store", &table, "rows").as_deref(),
            Some("50")
        );
    })
    .await;
}

#[tokio::test]
async fn a_paged_store_gives_keys_beside_the_columns_too() {
    on_backends("cache_paged_keyed", |db, table| async move {
        let store = open_paged(&db, &table).await;
        let at = |i: i64| chrono::DateTime::from_timestamp(1_700_000_000 + i * 3_600, 0).unwrap();
        let rows: Vec<(Key, Packed<Event>)> = (0..120)
            .map(|i| (key(i), Event { at: at(i) }.pack()))
            .collect();
        store.upsert(&rows).await.unwrap();
        let wanted: Vec<Key> = (0..120).step_by(7).map(key).collect();
        let got = store.get_columns_keyed(&wanted).await.unwrap();
        assert_eq!(got.len(), wanted.len());
        for i in 0..got.len() {
            let node = got.keys.2[i];
            assert_eq!(key(node).1, got.keys.1.get(i).unwrap());
            assert_eq!(
                got.facts.at[i],
                at(node).timestamp_micros(),
                "row {i}: the key is its fact's"
            );
        }
        let all = store
            .read_columns_keyed(&Filter::new().eq("account", 1))
            .await
            .unwrap();
        assert_eq!(all.len(), 60);
        assert!(all.keys.0.iter().all(|a| *a == 1));
        for i in 0..all.len() {
            assert_eq!(all.facts.at[i], at(all.keys.2[i]).timestamp_micros());
        }
    })
    .await;
}
