//! The job factpack's cache exists for: an analytics service that shows a
//! dashboard of pull-request metrics. Its raw data is one row per
//! pull-request event (opened, commit, review request, review, approval,
//! comment, merge, close, release), about twenty per pull request, in the
//! same database as the cache. A dashboard request asks for the metrics of
//! one account's repositories over a time range, three times:
//!
//! 1. **cold**: every pull request's facts computed from its raw events, and
//!    stored;
//! 2. **warm**: every fact from the cache;
//! 3. after a tenth of the pull requests received new events: only those
//!    recomputed.
//!
//! Each request prints its time, hits and misses, and every metric is
//! checked against the same computation straight from the raw events; the
//! example fails (exit code 1) unless they agree exactly.
//!
//! ```text
//! cargo run --release --example pull_request_facts [-- --count N]
//! DATABASE_URL=postgres://... cargo run --release --example pull_request_facts
//! ```
//!
//! The database is a SQLite file in the temporary directory, recreated on
//! each run, or PostgreSQL when `DATABASE_URL` is set (the example drops and
//! recreates its own tables there).

// Shared with the cache bench, which uses all of it.
#[allow(dead_code)]
mod events;

use std::error::Error;
use std::time::Instant;

use events::{Key, PullRequestFacts};
use factpack::store::{Cache, CacheAnswer, Db, FactStore, Filter, Stamp};
use indicatif::{ProgressBar, ProgressStyle};

/// The account whose dashboard is shown, and a second one beside it.
const ACCOUNT: i64 = 1;
const OTHER: i64 = 2;
const REPOS: i64 = 20;
/// Pull requests are opened over 18 months from `events::START`.
const DAYS: i64 = 540;
const DAY: i64 = 86_400_000_000;

/// The dashboard's time range: pull requests opened in months 6 to 18.
const FROM: i64 = events::START + 180 * DAY;
const TO: i64 = events::START + DAYS * DAY;

/// What the dashboard shows.
#[derive(Debug, PartialEq)]
struct Metrics {
    opened: usize,
    comments: u64,
    merged: usize,
    released: usize,
    /// Median hours from the first review request to the first review.
    median_review_hours: f64,
    /// 90th percentile of hours from opening to release.
    p90_lead_hours: f64,
}

/// One pull request's times, in microseconds, as the metrics need them.
struct Times {
    created: i64,
    comments: u16,
    review_request: Option<i64>,
    review: Option<i64>,
    merged: Option<i64>,
    released: Option<i64>,
}

impl Metrics {
    fn of(rows: impl Iterator<Item = Times>) -> Self {
        let hours = |d: i64| d as f64 / 3_600_000_000.0;
        let (mut opened, mut merged, mut released, mut comments) = (0, 0, 0, 0);
        let (mut review, mut lead) = (Vec::new(), Vec::new());
        for t in rows.filter(|t| (FROM..TO).contains(&t.created)) {
            opened += 1;
            comments += u64::from(t.comments);
            merged += usize::from(t.merged.is_some());
            if let (Some(asked), Some(done)) = (t.review_request, t.review) {
                review.push(hours(done - asked));
            }
            if let Some(at) = t.released {
                released += 1;
                lead.push(hours(at - t.created));
            }
        }
        Self {
            opened,
            comments,
            merged,
            released,
            median_review_hours: quantile(&mut review, 0.5),
            p90_lead_hours: quantile(&mut lead, 0.9),
        }
    }

    /// The metrics of a cache answer, from its columns.
    fn from_answer(answer: &CacheAnswer<Key, PullRequestFacts>) -> Self {
        let c = &answer.columns.facts;
        Self::of((0..answer.columns.len()).map(|i| Times {
            created: c.created[i],
            comments: c.comments[i],
            review_request: c.first_review_request.get(i),
            review: c.first_review.get(i),
            merged: c.merged.get(i),
            released: c.released.get(i),
        }))
    }

    /// The metrics of facts computed straight from the events.
    fn from_facts(facts: &[PullRequestFacts]) -> Self {
        let micros = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.timestamp_micros());
        Self::of(facts.iter().map(|f| Times {
            created: f.created.timestamp_micros(),
            comments: f.comments,
            review_request: micros(f.first_review_request),
            review: micros(f.first_review),
            merged: micros(f.merged),
            released: micros(f.released),
        }))
    }
}

fn quantile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let at = ((values.len() - 1) as f64 * q).round() as usize;
    values[at]
}

/// One dashboard request: the account's pull requests active in the range,
/// each with its source stamp, through the cache; checked against the
/// direct computation.
async fn dashboard(
    label: &str,
    db: &Db,
    cache: &Cache<PullRequestFacts, Key>,
) -> Result<Vec<usize>, Box<dyn Error>> {
    let listing = events::pull_requests(db, ACCOUNT).await?;
    let listing: Vec<(Key, i64)> = listing.into_iter().filter(|(_, t)| *t >= FROM).collect();
    let request: Vec<(Key, Option<Stamp>)> = listing
        .iter()
        .map(|(k, t)| (k.clone(), Some(Stamp::from_micros(*t))))
        .collect();
    let started = Instant::now();
    let answer = cache
        .get_or_compute(&request, |keys| events::compute(db, keys))
        .await?;
    let took = started.elapsed();
    let metrics = Metrics::from_answer(&answer);
    let r = &answer.report;
    println!(
        "{label:<28} {:>9.1} ms   {:>7} hits {:>7} missing {:>7} stale {:>7} computed {:>7} written",
        took.as_secs_f64() * 1e3,
        r.hits,
        r.missing,
        r.stale,
        r.computed,
        r.written
    );
    if let Some(e) = &r.write_error {
        println!("  the write-back failed (the answer is complete): {e}");
    }
    let keys: Vec<Key> = listing.iter().map(|(k, _)| k.clone()).collect();
    let direct = Metrics::from_facts(&events::compute_facts(db, &keys).await?);
    if metrics != direct {
        return Err(format!("{label}: the cache's metrics {metrics:?} differ from the direct computation {direct:?}").into());
    }
    println!(
        "  {} opened, {} comments, {} merged, {} released; median review {:.1} h, p90 lead time {:.1} h",
        metrics.opened,
        metrics.comments,
        metrics.merged,
        metrics.released,
        metrics.median_review_hours,
        metrics.p90_lead_hours
    );
    // The positions of the pull requests still in flight, for the next round.
    Ok((0..answer.columns.len())
        .filter(|i| answer.columns.facts.done.get(*i) != Some(true))
        .collect())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let count = parse_count()?;
    let (db, location) = connect().await?;
    println!("factpack cache example: {count} pull requests, {location}");

    events::create_tables(&db).await?;
    let mut generated = events::generate(ACCOUNT, REPOS, count * 4 / 5, DAYS, 1);
    generated.extend(events::generate(OTHER, REPOS / 2, count / 5, DAYS, 2));
    let bar = ProgressBar::new(generated.len() as u64).with_style(ProgressStyle::with_template(
        "raw events {bar:40} {pos}/{len} ({per_sec})",
    )?);
    for chunk in generated.chunks(50_000) {
        events::insert_events(&db, chunk).await?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish();
    events::execute(&db, "ANALYZE".to_owned()).await?;

    events::execute(&db, "DROP TABLE IF EXISTS example_pr_facts".to_owned()).await?;
    let store = FactStore::<PullRequestFacts, Key>::builder(&db, "example_pr_facts")
        .key(["account", "repository", "node"])
        // `done` in its own indexed column, named by its typed handle: a
        // misspelt field would not compile.
        .mirror(PullRequestFacts::DONE)
        .open()
        .await?;
    let cache = store.cache()?;

    println!(
        "\none account's dashboard, pull requests active since {}:",
        day(FROM)
    );
    dashboard("1. cold (computed, stored)", &db, &cache).await?;
    let in_flight = dashboard("2. warm (from the cache)", &db, &cache).await?;

    // A tenth of the account's pull requests, among those still in flight
    // (a done pull request's facts are final), get a new comment.
    let listing: Vec<(Key, i64)> = events::pull_requests(&db, ACCOUNT)
        .await?
        .into_iter()
        .filter(|(_, t)| *t >= FROM)
        .collect();
    let tenth = listing.len() / 10;
    let touched: Vec<(Key, events::Event)> = in_flight
        .iter()
        .take(tenth)
        .filter_map(|i| listing.get(*i))
        .map(|(k, t)| {
            (
                k.clone(),
                events::Event {
                    kind: events::kind::COMMENT,
                    at: t + 60_000_000,
                },
            )
        })
        .collect();
    events::insert_events(&db, &touched).await?;
    println!("{} pull requests received a new comment", touched.len());
    let in_flight = dashboard("3. after new events", &db, &cache).await?;

    // Every fact the cache computed was written back, so the account's
    // finished pull requests can be counted in SQL, on the mirrored column.
    let done = store
        .count(
            &Filter::new()
                .eq("account", ACCOUNT)
                .eq(PullRequestFacts::DONE, true),
        )
        .await?;
    println!("{done} of the account's cached pull requests are done (counted in SQL)");
    if done != (listing.len() - in_flight.len()) as u64 {
        return Err(format!(
            "the store counts {done} done pull requests, the cache answered {}",
            listing.len() - in_flight.len()
        )
        .into());
    }

    let stats = store.stats();
    println!(
        "\nstore counters: {} reads, {} rows read, {} hits, {} misses, {} stale, {} computed, {} rows written ({:.1} MB)",
        stats.reads,
        stats.rows_read,
        stats.hits,
        stats.misses,
        stats.stale,
        stats.computed,
        stats.rows_written,
        stats.bytes_written as f64 / 1e6
    );
    println!("every metric checked against the direct computation from the raw events: ok");
    if let Some(path) = location.strip_prefix("SQLite file ") {
        db.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
    Ok(())
}

fn day(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.date_naive().to_string())
        .unwrap_or_default()
}

/// `--count N` (default 100,000 pull requests).
fn parse_count() -> Result<i64, Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let mut count = 100_000;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--count" => {
                count = args.next().ok_or("--count needs a number")?.parse()?;
            }
            other => return Err(format!("unknown argument `{other}`; use --count N").into()),
        }
    }
    if count < 10 {
        return Err("--count must be at least 10".into());
    }
    Ok(count)
}

/// PostgreSQL from `DATABASE_URL`, or a fresh SQLite file.
async fn connect() -> Result<(Db, String), Box<dyn Error>> {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        if !url.is_empty() {
            return Ok((Db::connect(&url).await?, "PostgreSQL".to_owned()));
        }
    }
    let path = std::env::temp_dir().join(format!("factpack-example-{}.sqlite", std::process::id()));
    let url = format!("sqlite:{}", path.display());
    Ok((
        Db::connect(&url).await?,
        format!("SQLite file {}", path.display()),
    ))
}
