//! Pull requests as an analytics service holds them: a table of raw events
//! (one row per opened, commit, review request, review, comment, merge,
//! close and release, about twenty per pull request), a table of pull
//! requests with the time each last changed, and the facts computed from
//! the events, cached with factpack. Shared by the main example and the
//! cache benchmark.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use factpack::store::{Computed, Db, StoreError};
use factpack::Facts;
use futures_util::TryStreamExt as _;
use sqlx::{AssertSqlSafe, Row as _};

/// The facts of one pull request, folded from its events.
#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 1)]
pub struct PullRequestFacts {
    pub created: DateTime<Utc>,
    pub first_commit: Option<DateTime<Utc>>,
    pub last_commit: Option<DateTime<Utc>>,
    pub first_review_request: Option<DateTime<Utc>>,
    pub first_review: Option<DateTime<Utc>>,
    pub approved: Option<DateTime<Utc>>,
    pub merged: Option<DateTime<Utc>>,
    pub closed: Option<DateTime<Utc>>,
    pub released: Option<DateTime<Utc>>,
    pub commits: u16,
    pub comments: u16,
    pub reviews: Vec<DateTime<Utc>>,
    pub done: bool,
}

/// The cache's key: account, repository, pull request number.
pub type Key = (i64, String, i64);

/// Event kinds, as the `kind` column stores them.
pub mod kind {
    pub const OPENED: i16 = 0;
    pub const COMMIT: i16 = 1;
    pub const REVIEW_REQUEST: i16 = 2;
    pub const REVIEW: i16 = 3;
    pub const APPROVAL: i16 = 4;
    pub const COMMENT: i16 = 5;
    pub const MERGE: i16 = 6;
    pub const CLOSE: i16 = 7;
    pub const RELEASE: i16 = 8;
}

/// One raw event.
#[derive(Debug, Clone, Copy)]
pub struct Event {
    pub kind: i16,
    pub at: i64,
}

/// A small deterministic generator (xorshift), so that runs repeat.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Where the data starts: 2024-01-01 UTC, in microseconds.
pub const START: i64 = 1_704_067_200_000_000;
const HOUR: i64 = 3_600_000_000;

/// The repositories of `account`.
pub fn repositories(account: i64, count: i64) -> Vec<String> {
    (0..count)
        .map(|r| format!("org{account}/repo-{r:02}"))
        .collect()
}

/// A realistic history of one pull request opened at `opened`: commits,
/// review requests, reviews, comments, then, for most, a merge or a close
/// and, for merged ones, a release.
pub fn history(rng: &mut Rng, opened: i64) -> Vec<Event> {
    let mut events = vec![Event {
        kind: kind::OPENED,
        at: opened,
    }];
    let mut t = opened;
    let mut step = |rng: &mut Rng, hours: u64| {
        t += 1 + rng.below(hours * HOUR as u64) as i64;
        t
    };
    for _ in 0..2 + rng.below(6) {
        events.push(Event {
            kind: kind::COMMIT,
            at: step(rng, 6),
        });
    }
    events.push(Event {
        kind: kind::REVIEW_REQUEST,
        at: step(rng, 4),
    });
    for _ in 0..1 + rng.below(4) {
        events.push(Event {
            kind: kind::REVIEW,
            at: step(rng, 30),
        });
        for _ in 0..rng.below(4) {
            events.push(Event {
                kind: kind::COMMENT,
                at: step(rng, 3),
            });
        }
    }
    for _ in 0..rng.below(3) {
        events.push(Event {
            kind: kind::COMMIT,
            at: step(rng, 8),
        });
    }
    match rng.below(10) {
        0 => {} // still open
        1 => events.push(Event {
            kind: kind::CLOSE,
            at: step(rng, 48),
        }),
        _ => {
            events.push(Event {
                kind: kind::APPROVAL,
                at: step(rng, 12),
            });
            events.push(Event {
                kind: kind::MERGE,
                at: step(rng, 24),
            });
            if rng.below(4) > 0 {
                events.push(Event {
                    kind: kind::RELEASE,
                    at: step(rng, 96),
                });
            }
        }
    }
    events
}

/// Folds a pull request's events, in any order, into its facts.
pub fn fold(events: &mut [Event]) -> PullRequestFacts {
    events.sort_unstable_by_key(|e| (e.at, e.kind));
    let at = |micros: i64| DateTime::from_timestamp_micros(micros).unwrap_or_default();
    let mut f = PullRequestFacts {
        created: at(events.first().map_or(0, |e| e.at)),
        first_commit: None,
        last_commit: None,
        first_review_request: None,
        first_review: None,
        approved: None,
        merged: None,
        closed: None,
        released: None,
        commits: 0,
        comments: 0,
        reviews: Vec::new(),
        done: false,
    };
    for e in events.iter() {
        let t = at(e.at);
        match e.kind {
            kind::OPENED => f.created = t,
            kind::COMMIT => {
                f.first_commit.get_or_insert(t);
                f.last_commit = Some(t);
                f.commits = f.commits.saturating_add(1);
            }
            kind::REVIEW_REQUEST => {
                f.first_review_request.get_or_insert(t);
            }
            kind::REVIEW => {
                f.first_review.get_or_insert(t);
                f.reviews.push(t);
            }
            kind::APPROVAL => f.approved = Some(t),
            kind::COMMENT => f.comments = f.comments.saturating_add(1),
            kind::MERGE => {
                f.merged = Some(t);
                f.closed = Some(t);
            }
            kind::CLOSE => f.closed = Some(t),
            kind::RELEASE => f.released = Some(t),
            _ => {}
        }
    }
    // Done: closed without a merge, or merged and released.
    f.done = (f.closed.is_some() && f.merged.is_none()) || f.released.is_some();
    f
}

/// The raw tables: events, and pull requests with the time of their last event.
pub async fn create_tables(db: &Db) -> Result<(), sqlx::Error> {
    for sql in [
        "DROP TABLE IF EXISTS pr_events",
        "DROP TABLE IF EXISTS pull_requests",
        "CREATE TABLE pr_events (account BIGINT NOT NULL, repository TEXT NOT NULL, \
         node BIGINT NOT NULL, kind SMALLINT NOT NULL, at BIGINT NOT NULL)",
        "CREATE INDEX pr_events_by_pr ON pr_events (account, repository, node)",
        "CREATE TABLE pull_requests (account BIGINT NOT NULL, repository TEXT NOT NULL, \
         node BIGINT NOT NULL, updated_at BIGINT NOT NULL, \
         PRIMARY KEY (account, repository, node))",
    ] {
        execute(db, sql.to_owned()).await?;
    }
    Ok(())
}

/// Runs one statement of the example's own.
pub async fn execute(db: &Db, sql: String) -> Result<(), sqlx::Error> {
    if let Some(pool) = db.as_postgres() {
        sqlx::query(AssertSqlSafe(sql)).execute(pool).await?;
    } else if let Some(pool) = db.as_sqlite() {
        sqlx::query(AssertSqlSafe(sql)).execute(pool).await?;
    }
    Ok(())
}

/// Inserts events (and bumps their pull requests' `updated_at`), in
/// statements of a few thousand rows, in one transaction per call.
pub async fn insert_events(db: &Db, events: &[(Key, Event)]) -> Result<(), sqlx::Error> {
    let mut latest: HashMap<&Key, i64> = HashMap::new();
    for (key, e) in events {
        let t = latest.entry(key).or_insert(e.at);
        *t = (*t).max(e.at);
    }
    let mut statements = Vec::new();
    for chunk in events.chunks(4_000) {
        let mut sql =
            String::from("INSERT INTO pr_events (account, repository, node, kind, at) VALUES ");
        for (i, ((a, r, n), e)) in chunk.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let _ = write!(sql, "{sep}({a},'{r}',{n},{},{})", e.kind, e.at);
        }
        statements.push(sql);
    }
    let prs: Vec<(&Key, i64)> = latest.into_iter().collect();
    for chunk in prs.chunks(4_000) {
        let mut sql = String::from(
            "INSERT INTO pull_requests (account, repository, node, updated_at) VALUES ",
        );
        for (i, ((a, r, n), t)) in chunk.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let _ = write!(sql, "{sep}({a},'{r}',{n},{t})");
        }
        sql.push_str(
            " ON CONFLICT (account, repository, node) DO UPDATE SET updated_at = \
                      CASE WHEN excluded.updated_at > pull_requests.updated_at \
                      THEN excluded.updated_at ELSE pull_requests.updated_at END",
        );
        statements.push(sql);
    }
    if let Some(pool) = db.as_postgres() {
        let mut tx = pool.begin().await?;
        for sql in statements {
            sqlx::query(AssertSqlSafe(sql)).execute(&mut *tx).await?;
        }
        tx.commit().await?;
    } else if let Some(pool) = db.as_sqlite() {
        let mut tx = pool.begin().await?;
        for sql in statements {
            sqlx::query(AssertSqlSafe(sql)).execute(&mut *tx).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// Generates `count` pull requests of `account` over `repos` repositories,
/// opened over `days` days from [`START`], with their events.
pub fn generate(account: i64, repos: i64, count: i64, days: i64, seed: u64) -> Vec<(Key, Event)> {
    let mut rng = Rng::new(seed);
    let names = repositories(account, repos);
    let mut out = Vec::with_capacity(count as usize * 20);
    for node in 0..count {
        let repo = names[(node % repos) as usize].clone();
        let opened = START + rng.below((days * 24 * HOUR) as u64) as i64;
        let key = (account, repo, node);
        for e in history(&mut rng, opened) {
            out.push((key.clone(), e));
        }
    }
    out
}

/// Each pull request of `account` with its source stamp (`updated_at`):
/// what a dashboard request asks the cache for.
pub async fn pull_requests(db: &Db, account: i64) -> Result<Vec<(Key, i64)>, sqlx::Error> {
    let sql = format!(
        "SELECT account, repository, node, updated_at FROM pull_requests WHERE account = {account} \
         ORDER BY repository, node"
    );
    let mut out = Vec::new();
    if let Some(pool) = db.as_postgres() {
        let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(pool);
        while let Some(row) = rows.try_next().await? {
            out.push((
                (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?),
                row.try_get(3)?,
            ));
        }
    } else if let Some(pool) = db.as_sqlite() {
        let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(pool);
        while let Some(row) = rows.try_next().await? {
            out.push((
                (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?),
                row.try_get(3)?,
            ));
        }
    }
    Ok(out)
}

/// Computes the facts of `keys` from the raw events, as a service would:
/// one bulk query for their events (by repository, or by pull request when
/// they are few), then a fold per pull request. Done facts are final.
pub async fn compute(
    db: &Db,
    keys: Vec<Key>,
) -> Result<Vec<Computed<Key, PullRequestFacts>>, StoreError> {
    let facts = compute_facts(db, &keys)
        .await
        .map_err(|e| StoreError::Database {
            table: "pr_events".to_owned(),
            action: "cannot read the events",
            source: e,
        })?;
    Ok(keys
        .into_iter()
        .zip(facts)
        .map(|(key, fact)| {
            let done = fact.done;
            let packed = fact.pack();
            if done {
                Computed::done(key, packed)
            } else {
                Computed::provisional(key, packed)
            }
        })
        .collect())
}

/// The facts of `keys`, in order, folded from their events.
pub async fn compute_facts(db: &Db, keys: &[Key]) -> Result<Vec<PullRequestFacts>, sqlx::Error> {
    let position: HashMap<(&str, i64), usize> = keys
        .iter()
        .enumerate()
        .map(|(i, (_, r, n))| ((r.as_str(), *n), i))
        .collect();
    let mut events: Vec<Vec<Event>> = vec![Vec::with_capacity(24); keys.len()];
    let accounts: HashSet<i64> = keys.iter().map(|k| k.0).collect();
    let repos: HashSet<&str> = keys.iter().map(|k| k.1.as_str()).collect();
    let list = |items: Vec<String>| items.join(",");
    let accounts = list(accounts.iter().map(i64::to_string).collect());
    let repo_list = list(repos.iter().map(|r| format!("'{r}'")).collect());
    // Many pull requests: their repositories' events, kept by a hash of the
    // pull requests asked for. Few: their own events, by the index (on
    // PostgreSQL, one index probe per pull request, in the index's order).
    let many = keys.len() > 30_000;
    let by_repository = format!(
        "SELECT repository, node, kind, at FROM pr_events \
         WHERE account IN ({accounts}) AND repository IN ({repo_list})"
    );
    let mut push = |repo: &str, node: i64, kind: i16, at: i64| {
        if let Some(i) = position.get(&(repo, node)) {
            events[*i].push(Event { kind, at });
        }
    };
    if let Some(pool) = db.as_postgres() {
        let mut sorted: Vec<&Key> = keys.iter().collect();
        sorted.sort_unstable();
        let query = if many {
            sqlx::query(AssertSqlSafe(by_repository))
        } else {
            sqlx::query(
                "SELECT e.repository, e.node, e.kind, e.at \
                 FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS k(account, repository, node) \
                 JOIN pr_events AS e USING (account, repository, node)",
            )
            .bind(sorted.iter().map(|k| k.0).collect::<Vec<i64>>())
            .bind(sorted.iter().map(|k| k.1.as_str()).collect::<Vec<&str>>())
            .bind(sorted.iter().map(|k| k.2).collect::<Vec<i64>>())
        };
        let mut rows = query.fetch(pool);
        while let Some(row) = rows.try_next().await? {
            push(
                row.try_get(0)?,
                row.try_get(1)?,
                row.try_get(2)?,
                row.try_get(3)?,
            );
        }
    } else if let Some(pool) = db.as_sqlite() {
        let sql = if many {
            by_repository
        } else {
            let tuples = list(
                keys.iter()
                    .map(|(a, r, n)| format!("({a},'{r}',{n})"))
                    .collect(),
            );
            format!(
                "SELECT repository, node, kind, at FROM pr_events \
                 WHERE (account, repository, node) IN (VALUES {tuples})"
            )
        };
        let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(pool);
        while let Some(row) = rows.try_next().await? {
            push(
                row.try_get(0)?,
                row.try_get(1)?,
                row.try_get(2)?,
                row.try_get(3)?,
            );
        }
    }
    Ok(events.iter_mut().map(|e| fold(e)).collect())
}
