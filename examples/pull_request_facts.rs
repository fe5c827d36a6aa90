//! The front door: Athenian's `PullRequestFacts`, precomputed, packed, stored as
//! blobs the way a database would hand them back, validated, and read field by
//! field to compute a few metrics, with the time each step took.
//!
//! ```text
//! cargo run --release --example pull_request_facts [-- --count N]
//! ```
//!
//! Every figure it prints is also checked against the same computation over
//! the original Rust values, so the example fails loudly if factpack misreads.

#[path = "../tests/common/prf.rs"]
#[allow(dead_code)]
mod prf;

use std::error::Error;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use factpack::{FactView, Facts, Packed};
use prf::{lead_time, realistic, PullRequestFacts, PullRequestFactsView, Rng};

fn main() -> Result<(), Box<dyn Error>> {
    let count = parse_count()?;
    let mut steps = Vec::new();

    let started = Instant::now();
    let mut rng = Rng::new(2024);
    let facts: Vec<PullRequestFacts> = (0..count).map(|_| realistic(&mut rng)).collect();
    steps.push(("generate facts", started.elapsed()));

    // Pack every fact into one buffer, as a bulk read hands blobs over.
    let started = Instant::now();
    let mut buffer = Vec::with_capacity(count * 256);
    let mut ends = Vec::with_capacity(count);
    for fact in &facts {
        fact.pack_into(&mut buffer)?;
        ends.push(buffer.len());
    }
    steps.push(("pack into one buffer", started.elapsed()));

    // Validate each blob once; afterwards every accessor is O(1) and infallible.
    let started = Instant::now();
    let mut views: Vec<PullRequestFactsView<'_>> = Vec::with_capacity(count);
    let mut start = 0;
    for &end in &ends {
        views.push(PullRequestFacts::view(&buffer[start..end])?);
        start = end;
    }
    steps.push(("validate every blob", started.elapsed()));

    let started = Instant::now();
    let metrics = Metrics::from_views(&views);
    steps.push(("metrics from views", started.elapsed()));

    let started = Instant::now();
    let owned: Vec<PullRequestFacts> = views.iter().map(|v| v.unpack()).collect();
    steps.push(("unpack every fact", started.elapsed()));

    // Patch one fixed field of one fact without decoding the rest.
    let started = Instant::now();
    let first = Packed::<PullRequestFacts>::copy_from_slice(&buffer[..ends[0]])?;
    let patched = first.with(PullRequestFacts::REVIEW_COMMENTS, &7)?;
    steps.push(("patch one field in place", started.elapsed()));

    // The example checks itself against the original values.
    assert_eq!(owned, facts, "unpacked facts differ from the originals");
    assert_eq!(metrics, Metrics::from_values(&facts), "metrics differ");
    assert_eq!(patched.view().review_comments(), 7);
    assert_eq!(patched.view().size(), first.view().size());

    println!("factpack: {count} PullRequestFacts (Athenian's 23 stored fields)");
    println!(
        "  packed: {} bytes in all, {:.1} bytes per fact on average, header {} bytes",
        buffer.len(),
        buffer.len() as f64 / count.max(1) as f64,
        PullRequestFacts::HEADER_LEN
    );
    println!(
        "  `merged` lives at byte {} of every blob",
        PullRequestFacts::MERGED.offset()
    );
    println!();
    println!("  merged pull requests: {}", metrics.merged);
    println!(
        "  median time to first review: {}",
        hours(metrics.median_review_time)
    );
    println!(
        "  p90 lead time (work began → released): {}",
        hours(metrics.p90_lead_time)
    );
    println!();
    println!("  {:<26} {:>12} {:>14}", "step", "time", "per fact");
    for (step, took) in &steps {
        let per_fact = took.as_nanos() as f64 / count.max(1) as f64;
        println!("  {step:<26} {:>12} {:>11.1} ns", millis(*took), per_fact);
    }
    println!();
    println!("all results checked against the original values: ok");
    Ok(())
}

/// A few metrics Athenian computed over pull request facts.
#[derive(Debug, PartialEq)]
struct Metrics {
    merged: usize,
    median_review_time: Option<TimeDelta>,
    p90_lead_time: Option<TimeDelta>,
}

impl Metrics {
    fn from_views(views: &[PullRequestFactsView<'_>]) -> Self {
        let merged = views.iter().filter(|v| v.merged().is_some()).count();
        let review_times = views.iter().filter_map(|v| {
            let first_review = v.reviews().first()?;
            Some(first_review - v.first_review_request()?)
        });
        let lead_times = views.iter().filter_map(lead_time);
        Self {
            merged,
            median_review_time: percentile(review_times.collect(), 50),
            p90_lead_time: percentile(lead_times.collect(), 90),
        }
    }

    fn from_values(facts: &[PullRequestFacts]) -> Self {
        let merged = facts.iter().filter(|f| f.merged.is_some()).count();
        let review_times = facts
            .iter()
            .filter_map(|f| Some(*f.reviews.first()? - f.first_review_request?));
        let lead_times = facts
            .iter()
            .filter_map(|f| Some(f.released? - f.work_began?));
        Self {
            merged,
            median_review_time: percentile(review_times.collect(), 50),
            p90_lead_time: percentile(lead_times.collect(), 90),
        }
    }
}

fn percentile(mut values: Vec<TimeDelta>, percent: usize) -> Option<TimeDelta> {
    if values.is_empty() {
        return None;
    }
    let rank = (values.len() - 1) * percent / 100;
    let (_, value, _) = values.select_nth_unstable(rank);
    Some(*value)
}

fn hours(delta: Option<TimeDelta>) -> String {
    delta.map_or_else(
        || "n/a".to_owned(),
        |d| format!("{:.1} h", d.num_seconds() as f64 / 3600.0),
    )
}

fn millis(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
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
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`; try --help").into()),
        }
    }
    Ok(count)
}
