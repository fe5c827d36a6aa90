//! The front door: Athenian's `PullRequestFacts`, precomputed for many pull
//! requests, packed, stored in a SQL table, read back with a realistic filter
//! into columns, and turned into the metrics a dashboard shows, with the time
//! each step took.
//!
//! ```text
//! cargo run --release --example pull_request_facts [-- --count N]
//! DATABASE_URL=postgres://... cargo run --release --example pull_request_facts
//! ```
//!
//! The store is a SQLite file in the temporary directory, recreated on each
//! run, or PostgreSQL when `DATABASE_URL` is set (the example drops and
//! recreates its own table there). Every metric is also computed from the
//! original Rust values with the same filter, and the example fails (exit
//! code 1) unless both agree exactly.

#[path = "../tests/common/prf.rs"]
#[allow(dead_code)]
mod prf;

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::fmt;
use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone as _, Utc};
use factpack::columns::ColumnData as _;
use factpack::store::{Db, FactStore, Filter, StoreError};
use factpack::{Facts, Packed};
use prf::{realistic, PullRequestFacts, PullRequestFactsColumns, PullRequestFactsTransient, Rng};

/// The store's key: account id, repository, pull request node id.
type Key = (i64, String, i64);

/// The example's own table, dropped and recreated on each run.
const TABLE: &str = "example_pull_request_facts";

/// Facts per upsert: one transaction each.
const BATCH: usize = 10_000;

/// Three accounts (GitHub organizations) and their 50 repositories.
const ACCOUNTS: [(i64, &str, &str); 3] = [
    (
        1,
        "acme",
        "api web ios android billing auth search gateway infra terraform docs design-system \
         data-pipeline ml-models notifications payments admin cli sdk-python sdk-go",
    ),
    (
        2,
        "globex",
        "platform frontend backend deploy monitoring analytics etl warehouse reports \
         scheduler mailer crm inventory checkout helm-charts",
    ),
    (
        3,
        "initech",
        "core ui tps-reports printer-service hr-portal payroll ledger auditor sso \
         knowledge-base chat video storage backup releases",
    ),
];

/// Every repository, `owner/name`, with its account.
fn repositories() -> Vec<(i64, String)> {
    let mut out = Vec::new();
    for (account, owner, names) in ACCOUNTS {
        out.extend(
            names
                .split_whitespace()
                .map(|name| (account, format!("{owner}/{name}"))),
        );
    }
    out
}

/// What the dashboard asks for: one account, 15 of its repositories, pull
/// requests opened in the 18 months to 2023.
struct Query {
    account: i64,
    repositories: Vec<String>,
    of: usize,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

impl Query {
    fn dashboard(all: &[(i64, String)]) -> Self {
        Self {
            account: 1,
            repositories: all.iter().take(15).map(|(_, r)| r.clone()).collect(),
            of: all.len(),
            from: Utc.with_ymd_and_hms(2021, 7, 1, 0, 0, 0).unwrap(),
            to: Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    /// The filter the store runs in SQL, on the key and mirrored columns.
    fn filter(&self) -> Filter {
        Filter::new()
            .eq("account", self.account)
            .is_in("repository", &self.repositories)
            .range("created", self.from..self.to)
    }

    /// The same filter, in Rust, over the original values.
    fn selects(&self, key: &Key, fact: &PullRequestFacts) -> bool {
        key.0 == self.account
            && self.repositories.contains(&key.1)
            && fact.created.is_some_and(|c| self.from <= c && c < self.to)
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "  filter: account {}, {} of {} repositories, created in [{}, {})",
            self.account,
            self.repositories.len(),
            self.of,
            self.from.date_naive(),
            self.to.date_naive()
        )
    }
}

/// The pull request's author: the application's own lookup by node id.
fn author_of(node: i64) -> String {
    let n = ((node as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) % 240;
    format!("dev-{n:03}")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let count = parse_count()?;
    let (db, location) = connect().await?;
    let repositories = repositories();
    let query = Query::dashboard(&repositories);
    let mut steps = Steps::default();

    let started = Instant::now();
    let (keys, facts) = generate(count, &repositories);
    steps.push("generate", started, count);

    let started = Instant::now();
    let packed: Vec<Packed<PullRequestFacts>> = facts.iter().map(Facts::pack).collect();
    steps.push("pack", started, count);
    let rows: Vec<(Key, Packed<PullRequestFacts>)> = keys.into_iter().zip(packed).collect();

    let store = open_store(&db).await?;
    let started = Instant::now();
    let mut progress = Progress::new("store", count);
    for batch in rows.chunks(BATCH) {
        store.upsert(batch).await?; // one transaction per batch
        progress.add(batch.len());
    }
    progress.finish();
    steps.push("store write", started, count);

    // Read back what the dashboard asks for, straight into columns.
    let started = Instant::now();
    let columns = store.read_columns(&query.filter()).await?;
    steps.push("filtered read into columns", started, columns.len());

    let started = Instant::now();
    let metrics = Metrics::from_columns(&columns);
    steps.push("metrics", started, columns.len());

    // The same metrics from the original values, with the same filter.
    let selected = rows
        .iter()
        .zip(&facts)
        .filter(|((key, _), fact)| query.selects(key, fact))
        .map(|(_, fact)| fact);
    let expected = Metrics::from_values(selected);

    let bytes: usize = rows.iter().map(|(_, p)| p.as_bytes().len()).sum();
    println!(
        "factpack: {} PullRequestFacts through the store ({location})",
        thousands(count)
    );
    println!(
        "  table `{TABLE}`: key (account, repository, node), mirrored: {}",
        store.mirrored().join(", ")
    );
    println!(
        "  packed: {} bytes, {:.1} bytes per fact",
        thousands(bytes),
        bytes as f64 / count.max(1) as f64
    );
    // Zero-copy: one field of one blob, read in place after one validation.
    let first_merged = rows.iter().zip(&facts).find(|(_, f)| f.merged.is_some());
    if let Some(((_, packed), fact)) = first_merged {
        let merged = PullRequestFacts::view(packed.as_bytes())?.merged();
        println!(
            "  zero-copy: a view reads `merged` in place, at byte {} of a {}-byte blob: {}",
            PullRequestFacts::MERGED.offset(),
            packed.as_bytes().len(),
            merged.map_or_else(|| "null".to_owned(), |m| m.to_rfc3339()),
        );
        if merged != fact.merged {
            return Err("the zero-copy view misread `merged`".into());
        }
    }
    println!();
    println!("{query}");
    println!("{metrics}");
    println!("{steps}");

    if metrics != expected {
        eprintln!("from the store's columns: {metrics:?}");
        eprintln!("from the original values: {expected:?}");
        return Err("results differ from the original values".into());
    }
    println!("results checked against the original values: ok");
    db.close().await;
    Ok(())
}

/// `count` realistic facts and their keys, with the transient fields
/// (repository, author) that the application knows beside each fact.
fn generate(count: usize, repositories: &[(i64, String)]) -> (Vec<Key>, Vec<PullRequestFacts>) {
    let mut progress = Progress::new("generate", count);
    let mut rng = Rng::new(2024);
    let mut keys: Vec<Key> = Vec::with_capacity(count);
    let mut facts: Vec<PullRequestFacts> = Vec::with_capacity(count);
    for i in 0..count {
        let (account, repository) = &repositories[rng.below(repositories.len() as u64) as usize];
        let node = 700_000_000 + i as i64;
        let mut fact = realistic(&mut rng);
        fact.repository_full_name = Some(repository.clone());
        fact.author = Some(author_of(node));
        keys.push((*account, repository.clone(), node));
        facts.push(fact);
        progress.set(i + 1);
    }
    progress.finish();
    (keys, facts)
}

/// The example's table: the key columns, `format_version`, `fingerprint`,
/// the fields marked `#[facts(index)]` (`created`), `data`,
/// `updated_at`. Facts read back get their transient fields from the key.
async fn open_store(db: &Db) -> Result<FactStore<PullRequestFacts, Key>, StoreError> {
    FactStore::builder(db, TABLE)
        .key(["account", "repository", "node"])
        .transient_from_key(|key: &Key, t: &mut PullRequestFactsTransient| {
            t.repository_full_name = Some(key.1.clone());
            t.author = Some(author_of(key.2));
        })
        .open()
        .await
}

/// The time of each step, for the table at the end.
#[derive(Default)]
struct Steps(Vec<(&'static str, Duration, usize)>);

impl Steps {
    fn push(&mut self, step: &'static str, started: Instant, facts: usize) {
        self.0.push((step, started.elapsed(), facts));
    }
}

impl fmt::Display for Steps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = ("step", "time", "facts", "per fact");
        writeln!(
            f,
            "  {:<27} {:>11} {:>9} {:>10}",
            header.0, header.1, header.2, header.3
        )?;
        for (step, took, facts) in &self.0 {
            writeln!(
                f,
                "  {step:<27} {:>11} {:>9} {:>10}",
                millis(*took),
                thousands(*facts),
                per_fact(*took, *facts)
            )?;
        }
        Ok(())
    }
}

/// What a dashboard shows for the selected pull requests. Times are in
/// microseconds, the unit of the columns.
#[derive(Debug, PartialEq)]
struct Metrics {
    pull_requests: usize,
    merged: usize,
    /// First review request → approval (or the last review, if never approved).
    median_review_time: Option<i64>,
    /// Work began → released (or merged, if not released).
    p90_lead_time: Option<i64>,
    per_repository: BTreeMap<String, usize>,
    authors: BTreeSet<String>,
}

impl Metrics {
    /// Over the columns: one pass over the `Vec<i64>`s and validity bitmaps.
    fn from_columns(c: &PullRequestFactsColumns) -> Self {
        let rows = c.len();
        let mut review_times = Vec::new();
        let mut lead_times = Vec::new();
        for i in 0..rows {
            let approved = c.approved.get(i).or_else(|| c.last_review.get(i));
            if let (Some(start), Some(end)) = (c.first_review_request.get(i), approved) {
                review_times.push(end - start);
            }
            let shipped = c.released.get(i).or_else(|| c.merged.get(i));
            if let (Some(start), Some(end)) = (c.work_began.get(i), shipped) {
                lead_times.push(end - start);
            }
        }
        let mut per_repository = BTreeMap::new();
        for repository in c.repository_full_name.iter().flatten().flatten() {
            *per_repository.entry(repository.clone()).or_insert(0) += 1;
        }
        Self {
            pull_requests: rows,
            merged: rows - c.merged.null_count(),
            median_review_time: percentile(review_times, 50),
            p90_lead_time: percentile(lead_times, 90),
            per_repository,
            authors: c.author.iter().flatten().flatten().cloned().collect(),
        }
    }

    /// Over the original values, the slow and obvious way.
    fn from_values<'a>(facts: impl Iterator<Item = &'a PullRequestFacts>) -> Self {
        let micros = |t: Option<DateTime<Utc>>| t.map(|t| t.timestamp_micros());
        let mut metrics = Self {
            pull_requests: 0,
            merged: 0,
            median_review_time: None,
            p90_lead_time: None,
            per_repository: BTreeMap::new(),
            authors: BTreeSet::new(),
        };
        let mut review_times = Vec::new();
        let mut lead_times = Vec::new();
        for f in facts {
            metrics.pull_requests += 1;
            metrics.merged += usize::from(f.merged.is_some());
            let approved = micros(f.approved.or(f.last_review));
            if let (Some(start), Some(end)) = (micros(f.first_review_request), approved) {
                review_times.push(end - start);
            }
            let shipped = micros(f.released.or(f.merged));
            if let (Some(start), Some(end)) = (micros(f.work_began), shipped) {
                lead_times.push(end - start);
            }
            if let Some(repository) = &f.repository_full_name {
                *metrics
                    .per_repository
                    .entry(repository.clone())
                    .or_insert(0) += 1;
            }
            metrics.authors.extend(f.author.clone());
        }
        metrics.median_review_time = percentile(review_times, 50);
        metrics.p90_lead_time = percentile(lead_times, 90);
        metrics
    }
}

impl fmt::Display for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows = [
            ("pull requests", thousands(self.pull_requests)),
            ("merged", thousands(self.merged)),
            ("median review time", hours(self.median_review_time)),
            ("p90 lead time", hours(self.p90_lead_time)),
            ("repositories", self.per_repository.len().to_string()),
            ("authors", self.authors.len().to_string()),
        ];
        for (name, value) in rows {
            writeln!(f, "  {name:<20} {value:>10}")?;
        }
        Ok(())
    }
}

/// The nearest-rank percentile (the lower one on a tie).
fn percentile(mut values: Vec<i64>, percent: usize) -> Option<i64> {
    let rank = values.len().checked_sub(1)? * percent / 100;
    let (_, value, _) = values.select_nth_unstable(rank);
    Some(*value)
}

/// `DATABASE_URL` when set, else a fresh SQLite file in the temporary directory.
async fn connect() -> Result<(Db, String), Box<dyn Error>> {
    if let Some(url) = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        let db = Db::connect(&url).await?;
        drop_own_table(&db).await?;
        // Where, without the credentials (before `@` or in the query string).
        let server = url.split('?').next().unwrap_or_default();
        let server = server.rsplit('@').next().unwrap_or_default();
        let server = server.split_once("://").map_or(server, |(_, rest)| rest);
        return Ok((db, format!("PostgreSQL, {server}")));
    }
    let path: PathBuf = std::env::temp_dir().join("factpack-pull_request_facts.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{}{suffix}", path.display());
        match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(format!("cannot remove {file}: {e}").into())
            }
            _ => {}
        }
    }
    let db = Db::connect(&format!("sqlite:{}", path.display())).await?;
    Ok((db, format!("SQLite, {}", path.display())))
}

/// Drops the example's table, so that each run starts from nothing whatever
/// an earlier run (or an earlier layout) left.
async fn drop_own_table(db: &Db) -> Result<(), sqlx::Error> {
    let drop = || sqlx::AssertSqlSafe(format!("DROP TABLE IF EXISTS {TABLE}"));
    if let Some(pool) = db.as_postgres() {
        sqlx::query(drop()).execute(pool).await?;
    } else if let Some(pool) = db.as_sqlite() {
        sqlx::query(drop()).execute(pool).await?;
    }
    Ok(())
}

/// A progress bar on stderr, redrawn in place with `\r`; silent when stderr is
/// not a terminal or under CI, so that logs get no control characters.
struct Progress {
    label: &'static str,
    total: usize,
    done: usize,
    drawn: Option<usize>,
    enabled: bool,
}

impl Progress {
    const WIDTH: usize = 30;

    fn new(label: &'static str, total: usize) -> Self {
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
        Self {
            label,
            total,
            done: 0,
            drawn: None,
            enabled: !ci && std::io::stderr().is_terminal(),
        }
    }

    fn add(&mut self, n: usize) {
        self.set(self.done + n);
    }

    /// Redraws only when the percentage changes: a hundred writes at most.
    fn set(&mut self, done: usize) {
        self.done = done;
        if !self.enabled {
            return;
        }
        let percent = done * 100 / self.total.max(1);
        if self.drawn == Some(percent) {
            return;
        }
        self.drawn = Some(percent);
        let filled = Self::WIDTH * percent / 100;
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r  {:<9} [{}{}] {percent:>3}%  {} / {}",
            self.label,
            "#".repeat(filled),
            " ".repeat(Self::WIDTH - filled),
            thousands(done),
            thousands(self.total)
        );
        let _ = err.flush();
    }

    /// Erases the bar.
    fn finish(self) {
        if self.enabled && self.drawn.is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{:80}\r", "");
            let _ = err.flush();
        }
    }
}

fn hours(micros: Option<i64>) -> String {
    micros.map_or_else(
        || "n/a".to_owned(),
        |m| format!("{:.1} h", m as f64 / 3_600_000_000.0),
    )
}

fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn per_fact(took: Duration, facts: usize) -> String {
    if facts == 0 {
        return "-".to_owned();
    }
    let ns = took.as_nanos() as f64 / facts as f64;
    if ns < 1_000.0 {
        format!("{ns:.0} ns")
    } else {
        format!("{:.2} µs", ns / 1e3)
    }
}

/// `1234567` as `1,234,567`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn parse_count() -> Result<usize, Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let mut count = 100_000;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--count" | "-n" => {
                let value = args.next().ok_or("--count needs a number")?;
                count = value.parse().map_err(|e| format!("--count {value}: {e}"))?;
            }
            "--help" | "-h" => {
                println!("usage: pull_request_facts [--count N]   (default 100000)");
                println!("stores in a SQLite file, or in PostgreSQL when DATABASE_URL is set");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`; try --help").into()),
        }
    }
    Ok(count)
}
