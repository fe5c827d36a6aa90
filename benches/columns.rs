//! 300,000 `PullRequestFacts` into columns (issue 3), beside the peers, in one run:
//!
//! * `columns/all`: every field into the same struct of arrays from
//!   - factpack blobs concatenated in one buffer at an odd address, as a
//!     driver hands them over (`factpack_contiguous`), in separate allocations
//!     (`factpack_separate`), already-validated `Packed` values
//!     (`factpack_packed`), and one validated `Page` of them all
//!     (`factpack_page`);
//!   - a native `Vec<PullRequestFacts>` in memory (`native_structs`: chrono
//!     timestamps converted to microseconds on the way, as any consumer of
//!     those structs must) and the same values with timestamps already `i64`
//!     (`native_i64_mirror`, for information);
//!   - rkyv blobs of the same values, concatenated like factpack's: each is
//!     copied to an aligned buffer, validated (`access`), then read (`rkyv_db`);
//!   - a `memcpy` of as many bytes as the factpack headers into fresh memory
//!     (`memcpy_headers`): the physical floor.
//! * `columns/reused`: factpack's contiguous path and rkyv's into columns kept
//!   from one iteration to the next (emptied, memory kept): no page faults on
//!   fresh memory for either side.
//! * `columns/arrow`: factpack blobs → columns → `RecordBatch`, against arrow's
//!   builders fed from `Vec<PullRequestFacts>`.
//! * `columns/one_field`: `PullRequestFacts::SIZE.column(..)` over the
//!   contiguous blobs, against the same loop over native structs.
//! * `columns/paired` (printed last, outside criterion): factpack's
//!   contiguous path and rkyv's measured in turn for 15 rounds, fresh and
//!   reused columns, with the median and range of the per-round ratios.
//!
//! The peers' columns size their list and string buffers after their first
//! 1,024 rows, as factpack's do. Times are the benchmark thread's CPU time
//! (see `common/cpu_time.rs`), so that other jobs on a shared machine do not
//! count. On glibc the bench runs itself again with every large allocation a
//! fresh mapping (see `common/fresh_pages.rs`), so that every path builds its
//! columns in fresh pages and pays the same page faults; set
//! `GLIBC_TUNABLES` yourself to measure another allocator setting.
//!
//! Run with `cargo bench --bench columns --features arrow`; see `BENCHMARKS.md`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use arrow_array::builder::{
    BooleanBuilder, Int64Builder, ListBuilder, StringBuilder, TimestampMicrosecondBuilder,
    UInt16Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use cpu_time::CpuTime;
use criterion::{criterion_group, Criterion, SamplingMode, Throughput};
use factpack::columns::{Bitmap, ColumnData, Columns, ListColumn, Nullable, StringColumn};
use factpack::{Facts, Packed, Page};
use rkyv::rancor::Error as RkyvError;
use rkyv::util::AlignedVec;

#[path = "../tests/common/prf.rs"]
#[allow(dead_code)]
mod prf;

#[path = "common/mirror.rs"]
#[allow(dead_code)]
mod mirror;

#[path = "common/cpu_time.rs"]
mod cpu_time;

#[path = "common/fresh_pages.rs"]
mod fresh_pages;

use mirror::{ArchivedMirror, Concatenated, Mirror};
use prf::{PullRequestFacts, PullRequestFactsColumns, Rng};

const N: usize = 300_000;
/// After how many rows the peers' payload buffers are sized for the rest
/// (factpack's columns do the same after as many).
const PAYLOAD_SAMPLE: usize = 1024;
const SEED: u64 = 0xfac7_bac4;

/// The same column types as `PullRequestFactsColumns`, filled by the peers.
#[derive(Default)]
struct PeerColumns {
    times: [Nullable<Vec<i64>>; 13],
    flags: [Bitmap; 3],
    size: Vec<i64>,
    counters: [Vec<u16>; 3],
    reviews: ListColumn<Vec<i64>>,
    activity_days: ListColumn<Vec<i64>>,
    runs: ListColumn<StringColumn>,
}

impl PeerColumns {
    fn with_capacity(n: usize) -> Self {
        let mut c = Self::default();
        c.times.iter_mut().for_each(|t| t.reserve(n));
        c.flags.iter_mut().for_each(|f| f.reserve(n));
        c.size.reserve(n);
        c.counters.iter_mut().for_each(|v| v.reserve(n));
        c.reviews.reserve(n);
        c.activity_days.reserve(n);
        c.runs.reserve(n);
        c
    }

    #[inline]
    #[allow(clippy::too_many_arguments)] // one argument per kind of column, as the peers read them
    fn push(
        &mut self,
        times: [Option<i64>; 13],
        flags: [bool; 3],
        size: i64,
        counters: [u16; 3],
        reviews: impl Iterator<Item = i64>,
        days: impl Iterator<Item = i64>,
        runs: impl Iterator<Item = impl AsRef<str>>,
    ) {
        for (column, t) in self.times.iter_mut().zip(times) {
            column.values.push(t.unwrap_or(0));
            column.validity.push(t.is_some());
        }
        for (column, f) in self.flags.iter_mut().zip(flags) {
            column.push(f);
        }
        self.size.push(size);
        for (column, v) in self.counters.iter_mut().zip(counters) {
            column.push(v);
        }
        self.reviews.values.extend(reviews);
        self.reviews.close_row();
        self.activity_days.values.extend(days);
        self.activity_days.close_row();
        for run in runs {
            self.runs.values.push(run.as_ref());
        }
        self.runs.close_row();
    }

    fn rows(&self) -> usize {
        self.size.len()
    }

    /// Sizes the list and string buffers for `total` rows once the first
    /// [`PAYLOAD_SAMPLE`] are in, as factpack's columns do, so that the peers'
    /// value buffers do not double their way up either.
    fn sample_payloads(&mut self, total: usize) {
        if self.rows() == PAYLOAD_SAMPLE && total > PAYLOAD_SAMPLE {
            let more = total - PAYLOAD_SAMPLE;
            self.reviews.reserve_payloads(more);
            self.activity_days.reserve_payloads(more);
            self.runs.reserve_payloads(more);
        }
    }

    /// Empties every column, keeping its memory.
    fn clear(&mut self) {
        self.times.iter_mut().for_each(|t| t.truncate(0));
        self.flags.iter_mut().for_each(|f| f.truncate(0));
        self.size.clear();
        self.counters.iter_mut().for_each(Vec::clear);
        self.reviews.truncate(0);
        self.activity_days.truncate(0);
        self.runs.truncate(0);
    }
}

fn us(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp_micros())
}

fn from_native(facts: &[PullRequestFacts]) -> PeerColumns {
    let mut c = PeerColumns::with_capacity(facts.len());
    for f in facts {
        c.sample_payloads(facts.len());
        c.push(
            prf::timestamps(f).map(us),
            [f.done, f.force_push_dropped, f.release_ignored],
            f.size,
            [f.review_comments, f.regular_comments, f.participants],
            f.reviews.iter().map(|t| t.timestamp_micros()),
            f.activity_days.iter().map(|t| t.timestamp_micros()),
            f.merged_with_failed_check_runs.iter(),
        );
    }
    c
}

fn from_mirror(mirrors: &[Mirror]) -> PeerColumns {
    let mut c = PeerColumns::with_capacity(mirrors.len());
    for m in mirrors {
        c.sample_payloads(mirrors.len());
        c.push(
            [
                m.created,
                m.first_commit,
                m.work_began,
                m.last_commit_before_first_review,
                m.last_commit,
                m.merged,
                m.first_comment_on_first_review,
                m.first_review_request,
                m.first_review_request_exact,
                m.last_review,
                m.approved,
                m.released,
                m.closed,
            ],
            [m.done, m.force_push_dropped, m.release_ignored],
            m.size,
            [m.review_comments, m.regular_comments, m.participants],
            m.reviews.iter().copied(),
            m.activity_days.iter().copied(),
            m.merged_with_failed_check_runs.iter(),
        );
    }
    c
}

fn from_rkyv(blobs: &Concatenated) -> PeerColumns {
    let mut c = PeerColumns::with_capacity(blobs.len());
    fill_from_rkyv(&mut c, blobs);
    c
}

/// Appends the rkyv blobs to `c`.
fn fill_from_rkyv(c: &mut PeerColumns, blobs: &Concatenated) {
    let mut aligned = AlignedVec::<16>::new();
    for blob in blobs.iter() {
        aligned.clear();
        aligned.extend_from_slice(blob);
        c.sample_payloads(blobs.len());
        let m = rkyv::access::<ArchivedMirror, RkyvError>(&aligned).expect("valid");
        let t = |o: &rkyv::option::ArchivedOption<rkyv::rend::i64_le>| {
            o.as_ref().map(|v| v.to_native())
        };
        c.push(
            [
                t(&m.created),
                t(&m.first_commit),
                t(&m.work_began),
                t(&m.last_commit_before_first_review),
                t(&m.last_commit),
                t(&m.merged),
                t(&m.first_comment_on_first_review),
                t(&m.first_review_request),
                t(&m.first_review_request_exact),
                t(&m.last_review),
                t(&m.approved),
                t(&m.released),
                t(&m.closed),
            ],
            [m.done, m.force_push_dropped, m.release_ignored],
            m.size.to_native(),
            [
                m.review_comments.to_native(),
                m.regular_comments.to_native(),
                m.participants.to_native(),
            ],
            m.reviews.iter().map(|v| v.to_native()),
            m.activity_days.iter().map(|v| v.to_native()),
            m.merged_with_failed_check_runs.iter().map(|s| s.as_str()),
        );
    }
}

/// The same RecordBatch built with arrow's builders, from native structs.
fn arrow_builders(facts: &[PullRequestFacts]) -> RecordBatch {
    let n = facts.len();
    let mut times: Vec<TimestampMicrosecondBuilder> = (0..13)
        .map(|_| TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC"))
        .collect();
    let mut flags: Vec<BooleanBuilder> = (0..3).map(|_| BooleanBuilder::with_capacity(n)).collect();
    let mut size = Int64Builder::with_capacity(n);
    let mut counters: Vec<UInt16Builder> =
        (0..3).map(|_| UInt16Builder::with_capacity(n)).collect();
    let list = || {
        ListBuilder::with_capacity(TimestampMicrosecondBuilder::new().with_timezone("UTC"), n)
            .with_field(Arc::new(arrow_schema::Field::new(
                "item",
                arrow_schema::DataType::Timestamp(
                    arrow_schema::TimeUnit::Microsecond,
                    Some("UTC".into()),
                ),
                false,
            )))
    };
    let (mut reviews, mut days) = (list(), list());
    let mut runs = ListBuilder::with_capacity(StringBuilder::new(), n).with_field(Arc::new(
        arrow_schema::Field::new("item", arrow_schema::DataType::Utf8, false),
    ));
    for f in facts {
        let ts = prf::timestamps(f);
        for (b, t) in times.iter_mut().zip(ts) {
            b.append_option(us(t));
        }
        for (b, v) in flags
            .iter_mut()
            .zip([f.done, f.force_push_dropped, f.release_ignored])
        {
            b.append_value(v);
        }
        size.append_value(f.size);
        for (b, v) in
            counters
                .iter_mut()
                .zip([f.review_comments, f.regular_comments, f.participants])
        {
            b.append_value(v);
        }
        for t in &f.reviews {
            reviews.values().append_value(t.timestamp_micros());
        }
        reviews.append(true);
        for t in &f.activity_days {
            days.values().append_value(t.timestamp_micros());
        }
        days.append(true);
        for r in &f.merged_with_failed_check_runs {
            runs.values().append_value(r);
        }
        runs.append(true);
    }
    let mut arrays: Vec<ArrayRef> = times
        .iter_mut()
        .map(|b| Arc::new(b.finish()) as ArrayRef)
        .collect();
    arrays.extend(flags.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    arrays.push(Arc::new(size.finish()));
    arrays.extend(
        counters
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef),
    );
    arrays.push(Arc::new(reviews.finish()));
    arrays.push(Arc::new(days.finish()));
    arrays.push(Arc::new(runs.finish()));
    RecordBatch::try_new(Arc::new(PullRequestFactsColumns::schema()), arrays).expect("same schema")
}

struct Data {
    facts: Vec<PullRequestFacts>,
    mirrors: Vec<Mirror>,
    packed: Vec<Packed<PullRequestFacts>>,
    separate: Vec<Vec<u8>>,
    fp_db: Concatenated,
    rkyv_db: Concatenated,
    header_bytes: Vec<u8>,
    page: Page<PullRequestFacts>,
}

fn data() -> Data {
    let mut rng = Rng::new(SEED);
    let facts: Vec<PullRequestFacts> = (0..N).map(|_| prf::realistic(&mut rng)).collect();
    let mirrors: Vec<Mirror> = facts.iter().map(Mirror::from).collect();
    let packed: Vec<Packed<PullRequestFacts>> = facts.iter().map(Facts::pack).collect();
    let separate: Vec<Vec<u8>> = packed.iter().map(|p| p.as_bytes().to_vec()).collect();
    let fp_db = Concatenated::new(&separate);
    let rkyv_db = Concatenated::new(
        mirrors
            .iter()
            .map(|m| rkyv::to_bytes::<RkyvError>(m).expect("rkyv serializes")),
    );
    let header_bytes = vec![0x5a; N * PullRequestFacts::HEADER_LEN];
    let page = Page::from_facts(&facts).expect("a page of the facts");

    // Every path yields the same columns.
    let ours = PullRequestFacts::columns(fp_db.iter()).expect("valid");
    for peer in [
        from_native(&facts),
        from_mirror(&mirrors),
        from_rkyv(&rkyv_db),
    ] {
        assert_eq!(peer.rows(), ours.len());
        assert_eq!(peer.times[5], ours.merged);
        assert_eq!(peer.times[12], ours.closed);
        assert_eq!(peer.flags[0], ours.done);
        assert_eq!(peer.size, ours.size);
        assert_eq!(peer.counters[2], ours.participants);
        assert_eq!(peer.reviews, ours.reviews);
        assert_eq!(peer.activity_days, ours.activity_days);
        assert_eq!(peer.runs, ours.merged_with_failed_check_runs);
    }
    let from_page = page.columns().expect("valid");
    assert_eq!(from_page.merged, ours.merged);
    assert_eq!(from_page.size, ours.size);
    assert_eq!(from_page.reviews, ours.reviews);
    assert_eq!(
        from_page.merged_with_failed_check_runs,
        ours.merged_with_failed_check_runs
    );
    let batch = ours.into_record_batch().expect("arrow");
    assert_eq!(batch, arrow_builders(&facts));
    println!(
        "{N} PullRequestFacts: factpack blobs {} B, of which headers {} B ({} B each); rkyv blobs {} B",
        fp_db.payload_len(),
        header_bytes.len(),
        PullRequestFacts::HEADER_LEN,
        rkyv_db.payload_len()
    );
    Data {
        facts,
        mirrors,
        packed,
        separate,
        fp_db,
        rkyv_db,
        header_bytes,
        page,
    }
}

fn all(c: &mut Criterion<CpuTime>, d: &Data) {
    let mut g = c.benchmark_group("columns/all");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("factpack_contiguous", |b| {
        b.iter(|| PullRequestFacts::columns(black_box(&d.fp_db).iter()).expect("valid"));
    });
    // rkyv right after factpack's contiguous path, so that the two figures
    // compared most closely are measured closest in time.
    g.bench_function("rkyv_db", |b| {
        b.iter(|| from_rkyv(black_box(&d.rkyv_db)));
    });
    g.bench_function("factpack_separate", |b| {
        b.iter(|| PullRequestFacts::columns(black_box(&d.separate)).expect("valid"));
    });
    g.bench_function("factpack_packed", |b| {
        b.iter(|| PullRequestFacts::columns(black_box(&d.packed)).expect("valid"));
    });
    g.bench_function("factpack_page", |b| {
        b.iter(|| black_box(&d.page).columns().expect("valid"));
    });
    g.bench_function("native_structs", |b| {
        b.iter(|| from_native(black_box(&d.facts)));
    });
    g.bench_function("native_i64_mirror", |b| {
        b.iter(|| from_mirror(black_box(&d.mirrors)));
    });
    g.bench_function("memcpy_headers", |b| {
        b.iter(|| black_box(&d.header_bytes).to_vec());
    });
    g.finish();
}

/// The same two paths into columns kept from one iteration to the next
/// (emptied, their memory kept), as a service reading facts again and again
/// can do: no page faults on fresh memory, for either side.
fn reused(c: &mut Criterion<CpuTime>, d: &Data) {
    let mut g = c.benchmark_group("columns/reused");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("factpack_contiguous", |b| {
        let mut columns = PullRequestFacts::columns(d.fp_db.iter()).expect("valid");
        b.iter(|| black_box(refill_factpack(&mut columns, black_box(&d.fp_db))));
    });
    g.bench_function("rkyv_db", |b| {
        let mut columns = from_rkyv(&d.rkyv_db);
        b.iter(|| black_box(refill_rkyv(&mut columns, black_box(&d.rkyv_db))));
    });
    g.finish();
}

/// Empties factpack's columns, keeping their memory, and fills them again
/// from the contiguous blobs; returns the row count.
fn refill_factpack(columns: &mut PullRequestFactsColumns, blobs: &Concatenated) -> usize {
    columns.truncate(0);
    columns.extend_from(blobs.iter()).expect("valid");
    columns.len()
}

/// The same for the peers' columns from rkyv's blobs.
fn refill_rkyv(columns: &mut PeerColumns, blobs: &Concatenated) -> usize {
    columns.clear();
    fill_from_rkyv(columns, blobs);
    columns.rows()
}

fn arrow(c: &mut Criterion<CpuTime>, d: &Data) {
    let mut g = c.benchmark_group("columns/arrow");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("factpack_record_batch", |b| {
        b.iter(|| {
            PullRequestFacts::columns(black_box(&d.fp_db).iter())
                .expect("valid")
                .into_record_batch()
                .expect("arrow")
        });
    });
    g.bench_function("arrow_builders", |b| {
        b.iter(|| arrow_builders(black_box(&d.facts)));
    });
    g.finish();
}

fn one_field(c: &mut Criterion<CpuTime>, d: &Data) {
    let mut g = c.benchmark_group("columns/one_field");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("factpack_size", |b| {
        b.iter(|| {
            PullRequestFacts::SIZE
                .column(black_box(&d.fp_db).iter())
                .expect("valid")
        });
    });
    g.bench_function("native_size", |b| {
        b.iter(|| {
            black_box(&d.facts)
                .iter()
                .map(|f| f.size)
                .collect::<Vec<i64>>()
        });
    });
    g.finish();
}

/// factpack's contiguous path and rkyv's, measured in turn round after round
/// (fresh columns, then reused ones), so that both meet the same load on a
/// shared machine: criterion measures each benchmark for seconds on its own,
/// a minute apart, and on a busy host that minute can move a time by more
/// than the two paths differ. Prints the median and range of the per-round
/// ratios (rkyv's CPU time / factpack's).
fn paired(d: &Data) {
    const ROUNDS: usize = 15;
    if !paired_wanted() {
        return;
    }
    let cpu = cpu_time::thread_cpu_ns;
    let mut fresh = Vec::with_capacity(ROUNDS);
    let mut kept = Vec::with_capacity(ROUNDS);
    let mut ours = PullRequestFacts::columns(d.fp_db.iter()).expect("valid");
    let mut theirs = from_rkyv(&d.rkyv_db);
    for _ in 0..ROUNDS {
        let t0 = cpu();
        drop(black_box(
            PullRequestFacts::columns(d.fp_db.iter()).expect("valid"),
        ));
        let t1 = cpu();
        drop(black_box(from_rkyv(&d.rkyv_db)));
        let t2 = cpu();
        black_box(refill_factpack(&mut ours, &d.fp_db));
        let t3 = cpu();
        black_box(refill_rkyv(&mut theirs, &d.rkyv_db));
        let t4 = cpu();
        fresh.push(((t1 - t0) as f64, (t2 - t1) as f64));
        kept.push(((t3 - t2) as f64, (t4 - t3) as f64));
    }
    for (name, rounds) in [("fresh columns", fresh), ("reused columns", kept)] {
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let ratios: Vec<f64> = rounds.iter().map(|(ours, theirs)| theirs / ours).collect();
        let (min, max) = ratios
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), r| (lo.min(*r), hi.max(*r)));
        println!(
            "columns/paired ({ROUNDS} rounds), {name}: factpack {:.1} ms, rkyv {:.1} ms (medians); \
             rkyv / factpack per round: median {:.2}x, range {min:.2}x-{max:.2}x",
            median(rounds.iter().map(|r| r.0).collect()) / 1e6,
            median(rounds.iter().map(|r| r.1).collect()) / 1e6,
            median(ratios),
        );
    }
}

/// Whether this run measures (`--bench`, not `--list` or `--test`) and its
/// filter, if any, selects `columns/paired`: the paired rounds run outside
/// criterion, which would not apply its filter to them. A filter selects
/// them when it is part of that name (criterion's filters are regular
/// expressions; a plain string matches where it occurs).
fn paired_wanted() -> bool {
    // Criterion's options that take a value: the argument after one is not
    // a filter.
    const WITH_VALUE: &[&str] = &[
        "--baseline",
        "--baseline-lenient",
        "--color",
        "--confidence-level",
        "--load-baseline",
        "--measurement-time",
        "--noise-threshold",
        "--nresamples",
        "--output-format",
        "--plotting-backend",
        "--profile-time",
        "--sample-size",
        "--save-baseline",
        "--significance-level",
        "--warm-up-time",
    ];
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().any(|a| a == name);
    if !flag("--bench") || flag("--list") || flag("--test") || flag("--profile-time") {
        return false;
    }
    let mut filters = Vec::new();
    let mut skip_value = false;
    for arg in &args {
        if skip_value {
            skip_value = false;
        } else if arg.starts_with('-') {
            skip_value = WITH_VALUE.contains(&arg.as_str());
        } else {
            filters.push(arg.as_str());
        }
    }
    filters.is_empty() || filters.iter().any(|f| "columns/paired".contains(f))
}

fn benches(c: &mut Criterion<CpuTime>) {
    let d = data();
    all(c, &d);
    reused(c, &d);
    arrow(c, &d);
    one_field(c, &d);
    paired(&d);
}

criterion_group! {
    name = columns;
    config = Criterion::default()
        .with_measurement(CpuTime)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = benches
}

fn main() {
    fresh_pages::ensure();
    columns();
    Criterion::default().configure_from_args().final_summary();
}
