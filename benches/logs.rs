//! factpack beside `rkyv` (validated `access`) and `bincode` (serde) on log
//! records: 10,000 records, each a timestamp, a level (an enum), a service
//! name, a message, an optional trace id and a nested source location with
//! text of its own (`Source { file, line }`, a nested fact with a
//! variable-length field, stored as its whole blob).
//!
//! Every peer encodes each record as a blob of its own, as a table row or a
//! message holds it. The figures, each a criterion group that runs every
//! peer side by side:
//!
//! * `logs/pack`: every record into one reused buffer, one record at a time
//!   (factpack's `pack_into`, rkyv's `to_bytes_in` into a reused
//!   `AlignedVec`, bincode's `encode_into_std_write`).
//! * `logs/validate`: validate every blob (rkyv's `access`; bincode has no
//!   validation without decoding, so it decodes, shown for scale).
//! * `logs/read3`: validate every blob, then read three fields of it: the
//!   level, the service's length and the source's line; beside the same
//!   loop over native structs.
//!
//! `factpack_flat` is the same record with the source's two fields inlined
//! into it: the difference is what nesting costs.
//!
//! Blob sizes are printed to stdout once. Times are the benchmark thread's
//! CPU time (see `common/cpu_time.rs`). Run with `cargo bench --bench logs`.

use std::hint::black_box;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use cpu_time::CpuTime;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use factpack::{FactEnum, Facts};
use rkyv::rancor::Error as RkyvError;
use rkyv::util::AlignedVec;

#[path = "common/cpu_time.rs"]
mod cpu_time;

/// Records per run.
const N: usize = 10_000;

/// A log level.
#[derive(FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Level {
    Trace = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
}

/// Where a record was logged.
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Source {
    pub file: String,
    pub line: u32,
}

/// One log record: the fact packed.
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct LogRecord {
    pub at: DateTime<Utc>,
    pub level: Level,
    pub trace_id: Option<u64>,
    pub service: String,
    pub message: String,
    pub source: Source,
}

/// The same record with the source's fields inlined: what nesting costs.
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct FlatRecord {
    pub at: DateTime<Utc>,
    pub level: Level,
    pub trace_id: Option<u64>,
    pub service: String,
    pub message: String,
    pub source_file: String,
    pub source_line: u32,
}

fn flat(record: &LogRecord) -> FlatRecord {
    FlatRecord {
        at: record.at,
        level: record.level,
        trace_id: record.trace_id,
        service: record.service.clone(),
        message: record.message.clone(),
        source_file: record.source.file.clone(),
        source_line: record.source.line,
    }
}

/// The peers' level.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum PeerLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

/// The peers' source.
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
pub struct PeerSource {
    pub file: String,
    pub line: u32,
}

/// The peers' record: the timestamp as microseconds since the epoch, as
/// factpack stores it.
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
pub struct PeerRecord {
    pub at_us: i64,
    pub level: PeerLevel,
    pub trace_id: Option<u64>,
    pub service: String,
    pub message: String,
    pub source: PeerSource,
}

/// A small deterministic generator: every run sees the same records.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SERVICES: [&str; 6] = ["api", "auth", "billing", "search", "ingest", "notifier"];
const FILES: [&str; 5] = [
    "src/handlers/pull_requests.rs",
    "src/auth/session.rs",
    "src/db/pool.rs",
    "src/main.rs",
    "src/cache/redis.rs",
];
const WORDS: [&str; 10] = [
    "request", "finished", "user", "timeout", "retrying", "cache", "miss", "for", "account",
    "query",
];

fn records(n: usize) -> Vec<LogRecord> {
    let mut rng = Rng(0x1095_5eed);
    let start = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    (0..n)
        .map(|i| {
            let words = 4 + rng.below(12) as usize;
            let message = (0..words)
                .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
                .collect::<Vec<_>>()
                .join(" ");
            let level = match rng.below(20) {
                0 => Level::Error,
                1..=2 => Level::Warn,
                3..=12 => Level::Info,
                13..=17 => Level::Debug,
                _ => Level::Trace,
            };
            LogRecord {
                at: start + TimeDelta::microseconds(i as i64 * 1_337 + rng.below(1_000) as i64),
                level,
                trace_id: (rng.below(3) != 0).then(|| rng.next()),
                service: SERVICES[rng.below(SERVICES.len() as u64) as usize].to_owned(),
                message,
                source: Source {
                    file: FILES[rng.below(FILES.len() as u64) as usize].to_owned(),
                    line: 1 + rng.below(900) as u32,
                },
            }
        })
        .collect()
}

fn peer_level(level: Level) -> PeerLevel {
    match level {
        Level::Trace => PeerLevel::Trace,
        Level::Debug => PeerLevel::Debug,
        Level::Info => PeerLevel::Info,
        Level::Warn => PeerLevel::Warn,
        Level::Error => PeerLevel::Error,
    }
}

fn peer(record: &LogRecord) -> PeerRecord {
    PeerRecord {
        at_us: record.at.timestamp_micros(),
        level: peer_level(record.level),
        trace_id: record.trace_id,
        service: record.service.clone(),
        message: record.message.clone(),
        source: PeerSource {
            file: record.source.file.clone(),
            line: record.source.line,
        },
    }
}

fn bincode_config() -> impl bincode::config::Config {
    bincode::config::standard()
}

/// The records in every peer's encoding, one blob per record.
struct Data {
    records: Vec<LogRecord>,
    peers: Vec<PeerRecord>,
    factpack: Vec<Vec<u8>>,
    flat: Vec<Vec<u8>>,
    rkyv: Vec<AlignedVec>,
    bincode: Vec<Vec<u8>>,
}

fn data(n: usize) -> Data {
    let records = records(n);
    let peers: Vec<PeerRecord> = records.iter().map(peer).collect();
    let factpack: Vec<Vec<u8>> = records
        .iter()
        .map(|r| r.pack().as_bytes().to_vec())
        .collect();
    let flat: Vec<Vec<u8>> = records
        .iter()
        .map(|r| flat(r).pack().as_bytes().to_vec())
        .collect();
    let rkyv: Vec<AlignedVec> = peers
        .iter()
        .map(|p| rkyv::to_bytes::<RkyvError>(p).expect("rkyv serializes"))
        .collect();
    let bincode: Vec<Vec<u8>> = peers
        .iter()
        .map(|p| bincode::serde::encode_to_vec(p, bincode_config()).expect("encodes"))
        .collect();
    // Every peer holds the same values.
    for (i, record) in records.iter().enumerate() {
        let view = LogRecord::view(&factpack[i]).expect("factpack validates");
        assert_eq!(&factpack::FactView::unpack(&view), record);
        let archived =
            rkyv::access::<ArchivedPeerRecord, RkyvError>(&rkyv[i]).expect("rkyv validates");
        let back: PeerRecord = rkyv::deserialize::<PeerRecord, RkyvError>(archived).expect("rkyv");
        assert_eq!(back, peers[i]);
        let (back, _): (PeerRecord, usize) =
            bincode::serde::decode_from_slice(&bincode[i], bincode_config()).expect("bincode");
        assert_eq!(back, peers[i]);
    }
    let native = read3_native(&records);
    assert_eq!(read3_factpack(&factpack), native);
    assert_eq!(read3_flat(&flat), native);
    assert_eq!(read3_rkyv(&rkyv), native);
    assert_eq!(read3_bincode(&bincode), native);
    Data {
        records,
        peers,
        factpack,
        flat,
        rkyv,
        bincode,
    }
}

/// The three fields folded into one number, so that no read is optimized away.
fn fold(acc: u64, level: u8, service_len: usize, line: u32) -> u64 {
    acc.wrapping_mul(31)
        .wrapping_add(u64::from(level))
        .wrapping_add(service_len as u64)
        .wrapping_add(u64::from(line))
}

fn read3_native(records: &[LogRecord]) -> u64 {
    records.iter().fold(0, |acc, r| {
        fold(acc, r.level as u8, r.service.len(), r.source.line)
    })
}

fn read3_factpack(blobs: &[Vec<u8>]) -> u64 {
    blobs.iter().fold(0, |acc, blob| {
        let view = LogRecord::view(blob).expect("validates");
        fold(
            acc,
            view.level() as u8,
            view.service().len(),
            view.source().line(),
        )
    })
}

fn read3_flat(blobs: &[Vec<u8>]) -> u64 {
    blobs.iter().fold(0, |acc, blob| {
        let view = FlatRecord::view(blob).expect("validates");
        fold(
            acc,
            view.level() as u8,
            view.service().len(),
            view.source_line(),
        )
    })
}

fn archived_level(level: &ArchivedPeerLevel) -> u8 {
    match level {
        ArchivedPeerLevel::Trace => 0,
        ArchivedPeerLevel::Debug => 1,
        ArchivedPeerLevel::Info => 2,
        ArchivedPeerLevel::Warn => 3,
        ArchivedPeerLevel::Error => 4,
    }
}

fn read3_rkyv(blobs: &[AlignedVec]) -> u64 {
    blobs.iter().fold(0, |acc, blob| {
        let r = rkyv::access::<ArchivedPeerRecord, RkyvError>(blob).expect("validates");
        fold(
            acc,
            archived_level(&r.level),
            r.service.len(),
            r.source.line.to_native(),
        )
    })
}

fn read3_bincode(blobs: &[Vec<u8>]) -> u64 {
    blobs.iter().fold(0, |acc, blob| {
        let (r, _): (PeerRecord, usize) =
            bincode::serde::decode_from_slice(blob, bincode_config()).expect("decodes");
        fold(acc, r.level as u8, r.service.len(), r.source.line)
    })
}

fn print_sizes(d: &Data) {
    println!("blob sizes for {} log records:", d.records.len());
    println!("  {:<20} {:>12} {:>12}", "format", "bytes", "per record");
    for (name, len) in [
        ("factpack", d.factpack.iter().map(Vec::len).sum::<usize>()),
        ("factpack, flattened", d.flat.iter().map(Vec::len).sum()),
        ("rkyv 0.8", d.rkyv.iter().map(|b| b.len()).sum()),
        ("bincode 2 standard", d.bincode.iter().map(Vec::len).sum()),
    ] {
        println!(
            "  {name:<20} {len:>12} {:>12.1}",
            len as f64 / d.records.len() as f64
        );
    }
}

fn pack(c: &mut Criterion<CpuTime>, d: &Data) {
    let mut g = c.benchmark_group("logs/pack");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(d.records.len() as u64));
    g.bench_function("factpack", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            let mut total = 0;
            for record in black_box(&d.records) {
                out.clear();
                record.pack_into(&mut out).expect("packs");
                total += out.len();
            }
            black_box(total);
        });
    });
    g.bench_function("rkyv", |b| {
        let mut out = AlignedVec::<16>::new();
        b.iter(|| {
            let mut total = 0;
            for peer in black_box(&d.peers) {
                out.clear();
                out = rkyv::api::high::to_bytes_in::<_, RkyvError>(peer, std::mem::take(&mut out))
                    .expect("serializes");
                total += out.len();
            }
            black_box(total);
        });
    });
    g.bench_function("bincode", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            let mut total = 0;
            for peer in black_box(&d.peers) {
                out.clear();
                bincode::serde::encode_into_std_write(peer, &mut out, bincode_config())
                    .expect("encodes");
                total += out.len();
            }
            black_box(total);
        });
    });
    g.finish();
}

fn validate(c: &mut Criterion<CpuTime>, d: &Data) {
    let mut g = c.benchmark_group("logs/validate");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(d.records.len() as u64));
    g.bench_function("factpack", |b| {
        b.iter(|| {
            for blob in black_box(&d.factpack) {
                LogRecord::validate(blob).expect("validates");
            }
        });
    });
    g.bench_function("factpack_flat", |b| {
        b.iter(|| {
            for blob in black_box(&d.flat) {
                FlatRecord::validate(blob).expect("validates");
            }
        });
    });
    g.bench_function("rkyv", |b| {
        b.iter(|| {
            for blob in black_box(&d.rkyv) {
                black_box(rkyv::access::<ArchivedPeerRecord, RkyvError>(blob).expect("validates"));
            }
        });
    });
    g.bench_function("bincode_decode", |b| {
        b.iter(|| {
            for blob in black_box(&d.bincode) {
                let (r, _): (PeerRecord, usize) =
                    bincode::serde::decode_from_slice(blob, bincode_config()).expect("decodes");
                black_box(r);
            }
        });
    });
    g.finish();
}

fn read3(c: &mut Criterion<CpuTime>, d: &Data) {
    let mut g = c.benchmark_group("logs/read3");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(d.records.len() as u64));
    g.bench_function("native", |b| {
        b.iter(|| black_box(read3_native(black_box(&d.records))));
    });
    g.bench_function("factpack", |b| {
        b.iter(|| black_box(read3_factpack(black_box(&d.factpack))));
    });
    g.bench_function("factpack_flat", |b| {
        b.iter(|| black_box(read3_flat(black_box(&d.flat))));
    });
    g.bench_function("rkyv", |b| {
        b.iter(|| black_box(read3_rkyv(black_box(&d.rkyv))));
    });
    g.bench_function("bincode_decode", |b| {
        b.iter(|| black_box(read3_bincode(black_box(&d.bincode))));
    });
    g.finish();
}

fn all(c: &mut Criterion<CpuTime>) {
    let d = data(N);
    print_sizes(&d);
    pack(c, &d);
    validate(c, &d);
    read3(c, &d);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .with_measurement(CpuTime)
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = all
}
criterion_main!(benches);
