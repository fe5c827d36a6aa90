//! factpack beside `rkyv` (validated `access`) and `bincode` (serde) on
//! Athenian's `PullRequestFacts`: 300,000 realistic facts from the fixed
//! generator in `tests/common/prf.rs`.
//!
//! Four figures, each a criterion group that runs every peer side by side:
//!
//! * `validate_read/hot` and `validate_read/db`: validate a blob and read one
//!   field (`size`). "hot" repeats a working set of 1,000 blobs that fits in
//!   cache, each in its own buffer (rkyv's buffers are aligned). "db" is how a
//!   database driver hands blobs over: all 300,000 blobs concatenated in one
//!   `Vec<u8>` starting at an odd address; rkyv must first copy each blob into
//!   an `AlignedVec` (one, reused), factpack reads in place.
//! * `pack/hot` (each value to a fresh owned buffer, 1,000 values repeated) and
//!   `pack/db` (all 300,000 values appended to one reused buffer, as a bulk
//!   writer would).
//! * `field_read/*`: read a fixed field from 300,000 (or 1,000) validated
//!   views, or `Packed` facts, against the same field of native structs.
//!
//! Blob sizes are printed to stdout once, since criterion does not measure
//! them. Times are the benchmark thread's CPU time (see `common/cpu_time.rs`),
//! so that other jobs on a shared machine do not count. The kernel accounts
//! CPU time at scheduler ticks, so every group samples flat (each sample as
//! long as the others, about 150 ms) rather than starting with samples of a
//! few iterations that a tick-granular clock would read as zero. Run with
//! `cargo bench --bench record`; see `BENCHMARKS.md`.

use std::hint::black_box;
use std::time::Duration;

use cpu_time::CpuTime;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use factpack::{FactView, Facts, Packed};
use rkyv::rancor::Error as RkyvError;
use rkyv::util::AlignedVec;

#[path = "../tests/common/prf.rs"]
#[allow(dead_code)]
mod prf;

#[path = "common/cpu_time.rs"]
mod cpu_time;

#[path = "common/mirror.rs"]
mod mirror;

use mirror::{ArchivedMirror, Concatenated, Mirror};
use prf::{PullRequestFacts, PullRequestFactsView, Rng};

/// How many facts the database-shaped figures use.
const N: usize = 300_000;
/// The hot working set.
const HOT: usize = 1_000;
/// Seed of the generator: every run sees the same values.
const SEED: u64 = 0xfac7_bac4;

fn bincode_standard() -> impl bincode::config::Config {
    bincode::config::standard()
}

fn bincode_legacy() -> impl bincode::config::Config {
    bincode::config::legacy()
}

struct Data {
    facts: Vec<PullRequestFacts>,
    mirrors: Vec<Mirror>,
    packed: Vec<Packed<PullRequestFacts>>,
    fp_db: Concatenated,
    rkyv_db: Concatenated,
    bincode_db: Concatenated,
    rkyv_hot: Vec<AlignedVec>,
    bincode_hot: Vec<Vec<u8>>,
    fp_hot: Vec<Vec<u8>>,
}

fn data() -> Data {
    let mut rng = Rng::new(SEED);
    let facts: Vec<PullRequestFacts> = (0..N).map(|_| prf::realistic(&mut rng)).collect();
    let mirrors: Vec<Mirror> = facts.iter().map(Mirror::from).collect();
    let packed: Vec<Packed<PullRequestFacts>> = facts.iter().map(Facts::pack).collect();
    let rkyv: Vec<AlignedVec> = mirrors
        .iter()
        .map(|m| rkyv::to_bytes::<RkyvError>(m).expect("rkyv serializes"))
        .collect();
    let bincode: Vec<Vec<u8>> = mirrors
        .iter()
        .map(|m| bincode::serde::encode_to_vec(m, bincode_standard()).expect("bincode encodes"))
        .collect();
    let legacy_total: usize = mirrors
        .iter()
        .map(|m| {
            bincode::serde::encode_to_vec(m, bincode_legacy())
                .expect("bincode encodes")
                .len()
        })
        .sum();

    let fp_db = Concatenated::new(packed.iter().map(Packed::as_bytes));
    let rkyv_db = Concatenated::new(rkyv.iter().map(AlignedVec::as_slice));
    let bincode_db = Concatenated::new(&bincode);

    // Every peer holds the same values.
    let mut aligned = AlignedVec::<16>::new();
    for (((f, m), fp), (rk, bc)) in facts
        .iter()
        .zip(&mirrors)
        .zip(fp_db.iter())
        .zip(rkyv_db.iter().zip(bincode_db.iter()))
    {
        let view = PullRequestFacts::view(fp).expect("factpack validates");
        assert_eq!(&view.unpack(), f);
        assert_eq!(view.merged(), f.merged);
        aligned.clear();
        aligned.extend_from_slice(rk);
        let archived = rkyv::access::<ArchivedMirror, RkyvError>(&aligned).expect("rkyv validates");
        let back: Mirror = rkyv::deserialize::<Mirror, RkyvError>(archived).expect("rkyv");
        assert_eq!(&back, m);
        let (back, _): (Mirror, usize) =
            bincode::serde::decode_from_slice(bc, bincode_standard()).expect("bincode");
        assert_eq!(&back, m);
    }

    let per = |total: usize| total as f64 / N as f64;
    let fp_total = fp_db.payload_len();
    let bc_total = bincode_db.payload_len();
    let rk_total = rkyv_db.payload_len();
    println!("blob sizes for {N} PullRequestFacts (seed {SEED:#x}):");
    println!(
        "  {:<28} {:>12} {:>10}",
        "format", "total bytes", "mean/fact"
    );
    for (name, total) in [
        ("factpack", fp_total),
        ("bincode 2 standard (varint)", bc_total),
        ("bincode 2 legacy (fixint)", legacy_total),
        ("rkyv 0.8", rk_total),
    ] {
        println!("  {name:<28} {total:>12} {:>10.2}", per(total));
    }
    println!(
        "  factpack / bincode standard = {:.3}, / bincode legacy = {:.3}, / rkyv = {:.3}",
        fp_total as f64 / bc_total as f64,
        fp_total as f64 / legacy_total as f64,
        fp_total as f64 / rk_total as f64,
    );

    let fp_hot = fp_db.iter().take(HOT).map(<[u8]>::to_vec).collect();
    let rkyv_hot = rkyv.into_iter().take(HOT).collect();
    let bincode_hot = bincode.into_iter().take(HOT).collect();
    Data {
        facts,
        mirrors,
        packed,
        fp_db,
        rkyv_db,
        bincode_db,
        rkyv_hot,
        bincode_hot,
        fp_hot,
    }
}

fn validate_read(c: &mut Criterion<CpuTime>, d: &Data) {
    let mut g = c.benchmark_group("validate_read/hot");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(HOT as u64));
    g.bench_function("factpack", |b| {
        b.iter(|| {
            for blob in &d.fp_hot {
                let view = PullRequestFacts::view(black_box(blob)).expect("valid");
                black_box(view.size());
            }
        });
    });
    g.bench_function("rkyv", |b| {
        b.iter(|| {
            for blob in &d.rkyv_hot {
                let archived =
                    rkyv::access::<ArchivedMirror, RkyvError>(black_box(blob)).expect("valid");
                black_box(archived.size.to_native());
            }
        });
    });
    g.bench_function("bincode_standard", |b| {
        b.iter(|| {
            for blob in &d.bincode_hot {
                let (m, _): (Mirror, usize) =
                    bincode::serde::decode_from_slice(black_box(blob), bincode_standard())
                        .expect("valid");
                black_box(m.size);
            }
        });
    });
    g.finish();

    let mut g = c.benchmark_group("validate_read/db");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(d.fp_db.len() as u64));
    g.bench_function("factpack", |b| {
        b.iter(|| {
            for blob in d.fp_db.iter() {
                let view = PullRequestFacts::view(black_box(blob)).expect("valid");
                black_box(view.size());
            }
        });
    });
    g.bench_function("rkyv", |b| {
        let mut aligned = AlignedVec::<16>::new();
        b.iter(|| {
            for blob in d.rkyv_db.iter() {
                aligned.clear();
                aligned.extend_from_slice(black_box(blob));
                let archived = rkyv::access::<ArchivedMirror, RkyvError>(&aligned).expect("valid");
                black_box(archived.size.to_native());
            }
        });
    });
    g.bench_function("bincode_standard", |b| {
        b.iter(|| {
            for blob in d.bincode_db.iter() {
                let (m, _): (Mirror, usize) =
                    bincode::serde::decode_from_slice(black_box(blob), bincode_standard())
                        .expect("valid");
                black_box(m.size);
            }
        });
    });
    g.finish();
}

fn pack(c: &mut Criterion<CpuTime>, d: &Data) {
    let facts = &d.facts[..HOT];
    let mirrors = &d.mirrors[..HOT];
    let mut g = c.benchmark_group("pack/hot");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(HOT as u64));
    g.bench_function("factpack", |b| {
        b.iter(|| {
            for f in facts {
                black_box(black_box(f).pack());
            }
        });
    });
    g.bench_function("bincode_standard", |b| {
        b.iter(|| {
            for m in mirrors {
                black_box(
                    bincode::serde::encode_to_vec(black_box(m), bincode_standard())
                        .expect("encodes"),
                );
            }
        });
    });
    g.bench_function("bincode_legacy", |b| {
        b.iter(|| {
            for m in mirrors {
                black_box(
                    bincode::serde::encode_to_vec(black_box(m), bincode_legacy()).expect("encodes"),
                );
            }
        });
    });
    g.bench_function("rkyv", |b| {
        b.iter(|| {
            for m in mirrors {
                black_box(rkyv::to_bytes::<RkyvError>(black_box(m)).expect("serializes"));
            }
        });
    });
    g.finish();

    let mut g = c.benchmark_group("pack/db");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("factpack", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            out.clear();
            for f in &d.facts {
                black_box(f).pack_into(&mut out).expect("packs");
            }
            black_box(out.len());
        });
    });
    g.bench_function("bincode_standard", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            out.clear();
            for m in &d.mirrors {
                bincode::serde::encode_into_std_write(black_box(m), &mut out, bincode_standard())
                    .expect("encodes");
            }
            black_box(out.len());
        });
    });
    g.bench_function("rkyv", |b| {
        let mut out = Vec::new();
        let mut scratch = AlignedVec::<16>::new();
        b.iter(|| {
            out.clear();
            for m in &d.mirrors {
                scratch.clear();
                rkyv::api::high::to_bytes_in::<_, RkyvError>(black_box(m), &mut scratch)
                    .expect("serializes");
                out.extend_from_slice(&scratch);
            }
            black_box(out.len());
        });
    });
    g.finish();
}

fn field_read(c: &mut Criterion<CpuTime>, d: &Data) {
    let views: Vec<PullRequestFactsView<'_>> = d
        .fp_db
        .iter()
        .map(|blob| PullRequestFacts::view(blob).expect("valid"))
        .collect();
    for (name, n) in [("hot", HOT), ("db", N)] {
        let facts = &d.facts[..n];
        let views = &views[..n];
        let packed = &d.packed[..n];
        let mut g = c.benchmark_group(format!("field_read/{name}"));
        g.sampling_mode(SamplingMode::Flat);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function("size/native", |b| {
            b.iter(|| {
                for f in black_box(facts) {
                    black_box(f.size);
                }
            });
        });
        g.bench_function("size/view", |b| {
            b.iter(|| {
                for v in black_box(views) {
                    black_box(v.size());
                }
            });
        });
        g.bench_function("size/packed", |b| {
            b.iter(|| {
                for p in black_box(packed) {
                    black_box(p.view().size());
                }
            });
        });
        g.bench_function("merged/native", |b| {
            b.iter(|| {
                for f in black_box(facts) {
                    black_box(f.merged);
                }
            });
        });
        g.bench_function("merged/view", |b| {
            b.iter(|| {
                for v in black_box(views) {
                    black_box(v.merged());
                }
            });
        });
        g.finish();
    }
}

fn all(c: &mut Criterion<CpuTime>) {
    let d = data();
    validate_read(c, &d);
    pack(c, &d);
    field_read(c, &d);
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
