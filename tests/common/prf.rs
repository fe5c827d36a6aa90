//! Athenian's `PullRequestFacts`, field for field, and a generator of
//! realistic values. Shared by the tests, the benchmarks and the main example
//! (`#[path]`-included), so that all three measure the same thing.

use chrono::{DateTime, TimeDelta, Utc};
use factpack::Facts;

/// What Athenian precomputed for every pull request: 13 nullable timestamps,
/// 3 flags, the size, 3 counters, 2 timestamp arrays and a string array.
#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 1)]
pub struct PullRequestFacts {
    /// When the pull request was opened. Mirrored by a store as an indexed
    /// SQL column, for time windows.
    #[facts(index)]
    pub created: Option<DateTime<Utc>>,
    pub first_commit: Option<DateTime<Utc>>,
    pub work_began: Option<DateTime<Utc>>,
    pub last_commit_before_first_review: Option<DateTime<Utc>>,
    pub last_commit: Option<DateTime<Utc>>,
    pub merged: Option<DateTime<Utc>>,
    pub first_comment_on_first_review: Option<DateTime<Utc>>,
    pub first_review_request: Option<DateTime<Utc>>,
    pub first_review_request_exact: Option<DateTime<Utc>>,
    pub last_review: Option<DateTime<Utc>>,
    pub approved: Option<DateTime<Utc>>,
    pub released: Option<DateTime<Utc>>,
    pub closed: Option<DateTime<Utc>>,
    pub done: bool,
    pub force_push_dropped: bool,
    pub release_ignored: bool,
    pub size: i64,
    pub review_comments: u16,
    pub regular_comments: u16,
    pub participants: u16,
    pub reviews: Vec<DateTime<Utc>>,
    pub activity_days: Vec<DateTime<Utc>>,
    pub merged_with_failed_check_runs: Vec<String>,
    /// Filled after loading, from a side column.
    #[facts(transient)]
    pub repository_full_name: Option<String>,
    #[facts(transient)]
    pub author: Option<String>,
}

/// A small deterministic generator (SplitMix64), so that every run and every
/// peer sees the same values without a `rand` dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Whole seconds, as Athenian stored them (`datetime64[s]`).
fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

/// A realistic pull request: most are merged, some are still open or closed
/// unmerged; reviews, activity days and failed check runs vary in number.
pub fn realistic(rng: &mut Rng) -> PullRequestFacts {
    let created = 1_600_000_000 + rng.below(100_000_000) as i64;
    let mut t = created;
    let mut step = |rng: &mut Rng, max: u64| {
        t += 60 + rng.below(max) as i64;
        t
    };
    let first_commit = created - rng.below(86_400 * 3) as i64;
    let reviewed = rng.chance(85);
    let merged = rng.chance(75);
    let closed = merged || rng.chance(10);
    let released = merged && rng.chance(60);
    let first_review_request = reviewed.then(|| step(rng, 7_200));
    let first_review = reviewed.then(|| step(rng, 86_400));
    let last_review = reviewed.then(|| step(rng, 86_400 * 2));
    let approved = (reviewed && merged).then(|| step(rng, 3_600));
    let last_commit = step(rng, 86_400);
    let merged_at = merged.then(|| step(rng, 7_200));
    let closed_at = closed.then(|| merged_at.unwrap_or_else(|| step(rng, 86_400)));
    let released_at = released.then(|| step(rng, 86_400 * 7));
    let reviews = if reviewed {
        (0..1 + rng.below(4))
            .map(|i| at(first_review.unwrap_or(created) + i as i64 * 3_600))
            .collect()
    } else {
        Vec::new()
    };
    let activity_days = (0..1 + rng.below(6))
        .map(|d| at((created / 86_400 + d as i64) * 86_400))
        .collect();
    let failed = if merged && rng.chance(15) {
        (0..1 + rng.below(2))
            .map(|i| {
                format!(
                    "ci/{}-check-{i}",
                    ["lint", "test", "build"][rng.below(3) as usize]
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    PullRequestFacts {
        created: Some(at(created)),
        first_commit: Some(at(first_commit)),
        work_began: Some(at(first_commit.min(created))),
        last_commit_before_first_review: first_review.map(|r| at(r - 600)),
        last_commit: Some(at(last_commit)),
        merged: merged_at.map(at),
        first_comment_on_first_review: first_review.map(at),
        first_review_request: first_review_request.map(at),
        first_review_request_exact: first_review_request.map(|r| at(r + 1)),
        last_review: last_review.map(at),
        approved: approved.map(at),
        released: released_at.map(at),
        closed: closed_at.map(at),
        done: released || (closed && !merged),
        force_push_dropped: rng.chance(3),
        release_ignored: rng.chance(2),
        size: rng.below(2_000) as i64,
        review_comments: rng.below(30) as u16,
        regular_comments: rng.below(20) as u16,
        participants: 1 + rng.below(6) as u16,
        reviews,
        activity_days,
        merged_with_failed_check_runs: failed,
        repository_full_name: None,
        author: None,
    }
}

/// The lead time of a released pull request, for the examples' metrics.
/// The 13 nullable timestamps of a fact, in declaration order.
pub fn timestamps(f: &PullRequestFacts) -> [Option<DateTime<Utc>>; 13] {
    [
        f.created,
        f.first_commit,
        f.work_began,
        f.last_commit_before_first_review,
        f.last_commit,
        f.merged,
        f.first_comment_on_first_review,
        f.first_review_request,
        f.first_review_request_exact,
        f.last_review,
        f.approved,
        f.released,
        f.closed,
    ]
}

pub fn lead_time(view: &PullRequestFactsView<'_>) -> Option<TimeDelta> {
    Some(view.released()? - view.work_began()?)
}
