//! What the benchmarks share: the peers' mirror of `PullRequestFacts` (the
//! same values with timestamps as `i64` microseconds, which is what factpack
//! stores) and blobs concatenated the way a database driver hands them over.

use chrono::{DateTime, Utc};

use super::prf::PullRequestFacts;

/// The same values as [`PullRequestFacts`], in the shape the peers can
/// serialize: timestamps as i64 microseconds (what factpack stores by default).
#[derive(
    Debug,
    Clone,
    PartialEq,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Mirror {
    pub created: Option<i64>,
    pub first_commit: Option<i64>,
    pub work_began: Option<i64>,
    pub last_commit_before_first_review: Option<i64>,
    pub last_commit: Option<i64>,
    pub merged: Option<i64>,
    pub first_comment_on_first_review: Option<i64>,
    pub first_review_request: Option<i64>,
    pub first_review_request_exact: Option<i64>,
    pub last_review: Option<i64>,
    pub approved: Option<i64>,
    pub released: Option<i64>,
    pub closed: Option<i64>,
    pub done: bool,
    pub force_push_dropped: bool,
    pub release_ignored: bool,
    pub size: i64,
    pub review_comments: u16,
    pub regular_comments: u16,
    pub participants: u16,
    pub reviews: Vec<i64>,
    pub activity_days: Vec<i64>,
    pub merged_with_failed_check_runs: Vec<String>,
}

fn us(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp_micros())
}

fn us_all(ts: &[DateTime<Utc>]) -> Vec<i64> {
    ts.iter().map(DateTime::timestamp_micros).collect()
}

impl From<&PullRequestFacts> for Mirror {
    fn from(f: &PullRequestFacts) -> Self {
        Self {
            created: us(f.created),
            first_commit: us(f.first_commit),
            work_began: us(f.work_began),
            last_commit_before_first_review: us(f.last_commit_before_first_review),
            last_commit: us(f.last_commit),
            merged: us(f.merged),
            first_comment_on_first_review: us(f.first_comment_on_first_review),
            first_review_request: us(f.first_review_request),
            first_review_request_exact: us(f.first_review_request_exact),
            last_review: us(f.last_review),
            approved: us(f.approved),
            released: us(f.released),
            closed: us(f.closed),
            done: f.done,
            force_push_dropped: f.force_push_dropped,
            release_ignored: f.release_ignored,
            size: f.size,
            review_comments: f.review_comments,
            regular_comments: f.regular_comments,
            participants: f.participants,
            reviews: us_all(&f.reviews),
            activity_days: us_all(&f.activity_days),
            merged_with_failed_check_runs: f.merged_with_failed_check_runs.clone(),
        }
    }
}

/// Blobs concatenated in one buffer, the first starting at byte 1 (an odd
/// address: the allocator hands out at least 8-aligned memory), the way a
/// driver hands a column of `bytea` over.
pub struct Concatenated {
    pub buf: Vec<u8>,
    /// `ends[i]..ends[i + 1]` is blob `i`.
    pub ends: Vec<usize>,
}

impl Concatenated {
    pub fn new<B: AsRef<[u8]>>(blobs: impl IntoIterator<Item = B>) -> Self {
        let mut buf = vec![0xA5];
        let mut ends = vec![buf.len()];
        for blob in blobs {
            buf.extend_from_slice(blob.as_ref());
            ends.push(buf.len());
        }
        assert_eq!(buf.as_ptr().wrapping_add(1) as usize % 2, 1);
        Self { buf, ends }
    }

    pub fn len(&self) -> usize {
        self.ends.len() - 1
    }

    pub fn payload_len(&self) -> usize {
        self.buf.len() - 1
    }

    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.ends.windows(2).map(|w| &self.buf[w[0]..w[1]])
    }
}
