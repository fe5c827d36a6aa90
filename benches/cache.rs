//! The cache's job, timed on the example's raw-event model: one account's
//! dashboard request for N pull requests (default 100,000;
//! `FACTPACK_BENCH_N`), about twenty events each, on SQLite and (with
//! `DATABASE_URL`) PostgreSQL, in one run:
//!
//! - **compute**: what a service does without a cache: one bulk query for
//!   the pull requests' events (indexed by repository and pull request) and
//!   a fold per pull request;
//! - **cold**: `Cache::get_or_compute` on an empty cache (compute, write back);
//! - **warm**: the same request again (every fact a hit);
//! - **stale**: after a tenth of the pull requests received a new event
//!   (their stamps move on; the final facts among them stay hits);
//! - **by keys / by filter**: reading the same facts into columns by their
//!   keys and by a filter, on a table of one fact per row and on pages.
//!
//! Every answer is checked against the facts computed straight from the
//! events. The listing of the account's pull requests with their stamps,
//! the same for every request, is outside the timings. Each figure is the
//! best of several runs (wall clock), with the median printed beside it.
//! `cargo bench --bench cache`; the figures are recorded in BENCHMARKS.md.
//! `FACTPACK_BENCH_SKIP_SQLITE` skips SQLite; `FACTPACK_BENCH_PROFILE_KEYS=N`
//! stops after the requests and reads the facts by keys N times from each
//! table, to profile.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../examples/events/mod.rs"]
#[allow(dead_code)]
mod events;

use std::time::{Duration, Instant};

use chrono::TimeDelta;
use events::{Key, PullRequestFacts, PullRequestFactsColumns};
use factpack::store::{Cache, Db, FactStore, Filter, Keyed, PageSpec, Stamp};
use factpack::Facts;

const ACCOUNT: i64 = 1;
const REPOS: i64 = 20;
const DAYS: i64 = 540;

/// Best and median of `times`.
fn summary(times: &mut [Duration]) -> (Duration, Duration) {
    times.sort();
    (times[0], times[times.len() / 2])
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// Runs `f` `n` times; best and median.
async fn timed<F, Fut, R>(n: usize, mut f: F) -> (Duration, Duration, R)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = R>,
{
    let mut times = Vec::with_capacity(n);
    let mut last = None;
    for _ in 0..n {
        let start = Instant::now();
        let r = f().await;
        times.push(start.elapsed());
        last = Some(r);
    }
    let (best, median) = summary(&mut times);
    (best, median, last.unwrap())
}

/// Checks every row of `columns` against the facts folded straight from
/// the events, in the same order; names the first row that differs.
fn check(
    what: &str,
    keys: &[Key],
    columns: &Keyed<Key, PullRequestFactsColumns>,
    direct: &[PullRequestFacts],
) {
    assert_eq!(columns.len(), keys.len(), "{what}: rows");
    let expected =
        PullRequestFacts::columns(direct.iter().map(Facts::pack).collect::<Vec<_>>()).unwrap();
    let got = &columns.facts;
    for (i, key) in keys.iter().enumerate() {
        let same = columns.keys.2[i] == key.2
            && columns.keys.1.get(i) == Some(key.1.as_str())
            && got.created[i] == expected.created[i]
            && got.merged.get(i) == expected.merged.get(i)
            && got.released.get(i) == expected.released.get(i)
            && got.first_review.get(i) == expected.first_review.get(i)
            && got.commits[i] == expected.commits[i]
            && got.comments[i] == expected.comments[i]
            && got.reviews.get(i) == expected.reviews.get(i)
            && got.done.get(i) == expected.done.get(i);
        assert!(
            same,
            "{what}: row {i} (key {key:?}) differs from the direct computation"
        );
    }
}

async fn run(name: &str, db: Db, n: i64) {
    println!("\n== {name}: {n} pull requests of one account");
    let start = Instant::now();
    events::create_tables(&db).await.unwrap();
    let generated = events::generate(ACCOUNT, REPOS, n, DAYS, 7);
    for chunk in generated.chunks(200_000) {
        events::insert_events(&db, chunk).await.unwrap();
    }
    events::execute(&db, "ANALYZE".to_owned()).await.unwrap();
    println!(
        "raw data: {} events, loaded in {:.1} s",
        generated.len(),
        start.elapsed().as_secs_f64()
    );
    drop(generated);

    let listing = events::pull_requests(&db, ACCOUNT).await.unwrap();
    let keys: Vec<Key> = listing.iter().map(|(k, _)| k.clone()).collect();
    let request: Vec<(Key, Option<Stamp>)> = listing
        .iter()
        .map(|(k, t)| (k.clone(), Some(Stamp::from_micros(*t))))
        .collect();

    let (compute, compute_median, direct) = timed(3, || events::compute_facts(&db, &keys)).await;
    let direct = direct.unwrap();

    events::execute(&db, "DROP TABLE IF EXISTS bench_cache".to_owned())
        .await
        .unwrap();
    let store = FactStore::<PullRequestFacts, Key>::builder(&db, "bench_cache")
        .key(["account", "repository", "node"])
        .open()
        .await
        .unwrap();
    let cache: Cache<PullRequestFacts, Key> = store.cache().unwrap();
    let mut cold_times = Vec::new();
    let mut cold_answer = None;
    for _ in 0..2 {
        store.delete_where(&Filter::new()).await.unwrap();
        let t = Instant::now();
        let answer = cache
            .get_or_compute(&request, |keys| events::compute(&db, keys))
            .await
            .unwrap();
        cold_times.push(t.elapsed());
        assert_eq!(answer.report.computed, keys.len());
        assert!(answer.report.write_error.is_none());
        cold_answer = Some(answer);
    }
    let (cold, cold_median) = summary(&mut cold_times);
    check("cold", &keys, &cold_answer.unwrap().columns, &direct);

    // The floor under the cold request's write-back: the same facts upserted
    // into the emptied table, without the cache.
    let packed: Vec<(Key, factpack::Packed<PullRequestFacts>)> = keys
        .iter()
        .cloned()
        .zip(direct.iter().map(Facts::pack))
        .collect();
    let mut write_times = Vec::new();
    for _ in 0..2 {
        store.delete_where(&Filter::new()).await.unwrap();
        let t = Instant::now();
        store.upsert(&packed).await.unwrap();
        write_times.push(t.elapsed());
    }
    let (write, write_median) = summary(&mut write_times);
    drop(packed);
    // Back to the cache's own rows, with their stamps.
    store.delete_where(&Filter::new()).await.unwrap();
    cache
        .get_or_compute(&request, |keys| events::compute(&db, keys))
        .await
        .unwrap();

    let (warm, warm_median, answer) = timed(5, || {
        cache.get_or_compute(&request, |keys| events::compute(&db, keys))
    })
    .await;
    let answer = answer.unwrap();
    assert_eq!(answer.report.hits, keys.len());
    check("warm", &keys, &answer.columns, &direct);

    // A tenth of the pull requests, among those not done (a done pull
    // request's facts are final), get a new comment, three times over (a
    // different tenth each time): only their facts are recomputed.
    let open: Vec<usize> = (0..keys.len()).filter(|i| !direct[*i].done).collect();
    let tenth = keys.len() / 10;
    let mut stale_times = Vec::new();
    let mut recomputed = 0;
    for round in 0..3_usize {
        let touched: Vec<(Key, events::Event)> = open
            .iter()
            .cycle()
            .skip(round * tenth)
            .take(tenth.min(open.len()))
            .map(|i| {
                let (k, t) = &listing[*i];
                (
                    k.clone(),
                    events::Event {
                        kind: events::kind::COMMENT,
                        at: t + 1_000_000,
                    },
                )
            })
            .collect();
        events::insert_events(&db, &touched).await.unwrap();
        let listing = events::pull_requests(&db, ACCOUNT).await.unwrap();
        let request: Vec<(Key, Option<Stamp>)> = listing
            .iter()
            .map(|(k, t)| (k.clone(), Some(Stamp::from_micros(*t))))
            .collect();
        let t = Instant::now();
        let answer = cache
            .get_or_compute(&request, |keys| events::compute(&db, keys))
            .await
            .unwrap();
        stale_times.push(t.elapsed());
        recomputed = answer.report.computed;
        assert_eq!(answer.report.stale, answer.report.computed);
        let direct = events::compute_facts(&db, &keys).await.unwrap();
        check("stale", &keys, &answer.columns, &direct);
    }
    let (stale, stale_median) = summary(&mut stale_times);

    // Reading the same facts by keys and by a filter.
    let all = Filter::new().eq("account", ACCOUNT);
    let (by_keys, by_keys_median, got) = timed(5, || store.get_columns(&keys)).await;
    assert_eq!(
        factpack::columns::ColumnData::len(&got.unwrap()),
        keys.len()
    );
    let (by_filter, by_filter_median, got) = timed(5, || store.read_columns(&all)).await;
    assert_eq!(
        factpack::columns::ColumnData::len(&got.unwrap()),
        keys.len()
    );

    events::execute(&db, "DROP TABLE IF EXISTS bench_cache_pages".to_owned())
        .await
        .unwrap();
    let paged = FactStore::<PullRequestFacts, Key>::builder(&db, "bench_cache_pages")
        .key(["account", "repository", "node"])
        .pages(PageSpec::new(2, "created", TimeDelta::days(30)))
        .open()
        .await
        .unwrap();
    let facts = store.read_packed(&all).await.unwrap();
    paged.upsert(&facts).await.unwrap();
    if let Some(n) = std::env::var("FACTPACK_BENCH_PROFILE_KEYS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        let t = Instant::now();
        for _ in 0..n {
            store.get_columns(&keys).await.unwrap();
        }
        println!(
            "profile: {n} reads by keys, one fact a row, in {:?}",
            t.elapsed()
        );
        let t = Instant::now();
        for _ in 0..n {
            paged.get_columns(&keys).await.unwrap();
        }
        println!("profile: {n} reads by keys, pages, in {:?}", t.elapsed());
        return;
    }
    let (pages_keys, pages_keys_median, got) = timed(5, || paged.get_columns(&keys)).await;
    assert_eq!(
        factpack::columns::ColumnData::len(&got.unwrap()),
        keys.len()
    );
    let (pages_filter, pages_filter_median, got) = timed(5, || paged.read_columns(&all)).await;
    assert_eq!(
        factpack::columns::ColumnData::len(&got.unwrap()),
        keys.len()
    );

    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!("{:<34} {:>12} {:>12} {:>10}", "", "best", "median", "ratio");
    println!(
        "{:<34} {:>12} {:>12}",
        "compute from the events",
        ms(compute),
        ms(compute_median)
    );
    println!(
        "{:<34} {:>12} {:>12} {:>9.2}x of compute (target <= 1.3x)",
        "cold request (compute, write back)",
        ms(cold),
        ms(cold_median),
        ratio(cold, compute)
    );
    println!(
        "{:<34} {:>12} {:>12} {:>9.2}x of compute + upsert",
        "  floor: upsert of the same facts",
        ms(write),
        ms(write_median),
        ratio(cold, compute + write)
    );
    println!(
        "{:<34} {:>12} {:>12} {:>9.1}x faster than compute (target >= 30x)",
        "warm request (all hits)",
        ms(warm),
        ms(warm_median),
        ratio(compute, warm)
    );
    println!(
        "{:<34} {:>12} {:>12} {:>9.2}x of cold (target <= 0.25x); {recomputed} recomputed",
        "10% stale request",
        ms(stale),
        ms(stale_median),
        ratio(stale, cold)
    );
    println!(
        "{:<34} {:>12} {:>12} {:>9.2}x of by filter (target <= 1.5x)",
        "rows: by keys",
        ms(by_keys),
        ms(by_keys_median),
        ratio(by_keys, by_filter)
    );
    println!(
        "{:<34} {:>12} {:>12} {:>9.1}x faster than compute (the floor of a warm request)",
        "rows: by filter",
        ms(by_filter),
        ms(by_filter_median),
        ratio(compute, by_filter)
    );
    println!(
        "{:<34} {:>12} {:>12} {:>9.2}x of by filter (target <= 1.5x)",
        "pages: by keys",
        ms(pages_keys),
        ms(pages_keys_median),
        ratio(pages_keys, pages_filter)
    );
    println!(
        "{:<34} {:>12} {:>12}",
        "pages: by filter",
        ms(pages_filter),
        ms(pages_filter_median)
    );
    println!("every answer checked against the facts computed from the events: ok");
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n: i64 = std::env::var("FACTPACK_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        if std::env::var_os("FACTPACK_BENCH_SKIP_SQLITE").is_none() {
            let path = std::env::temp_dir().join(format!(
                "factpack-bench-cache-{}.sqlite",
                std::process::id()
            ));
            let db = Db::connect(&format!("sqlite:{}", path.display()))
                .await
                .unwrap();
            run("SQLite", db.clone(), n).await;
            db.close().await;
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        match std::env::var("DATABASE_URL") {
            Ok(url) if !url.is_empty() => {
                let db = Db::connect(&url).await.unwrap();
                run("PostgreSQL", db, n).await;
            }
            _ => println!("\nPostgreSQL skipped: DATABASE_URL is not set"),
        }
    });
}
