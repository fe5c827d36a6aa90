//! factpack beside `rkyv` (validated `access`) and `bincode` (serde) on a
//! mesh: one fact whose field is a list of 125,000 triangles, each a normal
//! and three vertices of three `f32`s (48 bytes of floats).
//!
//! A list of nested facts is stored as numpy stores a structured array: one
//! list header, then the elements back to back. The figures, each a
//! criterion group that runs every peer side by side:
//!
//! * `mesh/pack`: the whole mesh into one reused buffer (factpack's
//!   `pack_into`, rkyv's `to_bytes_in` into a reused `AlignedVec`, bincode's
//!   `encode_into_std_write`), plus `Facts::pack`, which also copies the
//!   bytes into an owned, shareable `Packed`.
//! * `mesh/access/1k` and `mesh/access/125k`: validate the blob and read the
//!   triangle count. A list whose elements accept every bit pattern is
//!   validated by its header and length alone, so the time must not grow
//!   with the number of triangles. bincode has no access without decoding,
//!   so it decodes (shown for scale).
//! * `mesh/read_normals`: validate, then sum `x + y + z` of every normal;
//!   beside the same loop over a native `Vec` of structs.
//!
//! Blob sizes are printed to stdout once, beside the raw floats. Times are
//! the benchmark thread's CPU time (see `common/cpu_time.rs`). Run with
//! `cargo bench --bench mesh`; see `BENCHMARKS.md`.

use std::hint::black_box;
use std::time::Duration;

use cpu_time::CpuTime;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use factpack::{Facts, Packed};
use rkyv::rancor::Error as RkyvError;
use rkyv::util::AlignedVec;

#[path = "common/cpu_time.rs"]
mod cpu_time;

/// Triangles in the large mesh.
const N: usize = 125_000;
/// Triangles in the small mesh.
const SMALL: usize = 1_000;

/// Three floats.
#[derive(Facts, Debug, Clone, Copy, PartialEq)]
pub struct Vector3 {
    pub x: f32,
    pub y: f32,
    pub z: f32,
}

/// A normal and three vertices.
#[derive(Facts, Debug, Clone, Copy, PartialEq)]
pub struct Triangle {
    pub normal: Vector3,
    pub a: Vector3,
    pub b: Vector3,
    pub c: Vector3,
}

/// A mesh: the fact packed.
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Mesh {
    pub id: u32,
    pub triangles: Vec<Triangle>,
}

/// The same values in the shape the peers serialize.
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
pub struct PeerVector3 {
    pub x: f32,
    pub y: f32,
    pub z: f32,
}

/// The peers' triangle.
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
pub struct PeerTriangle {
    pub normal: PeerVector3,
    pub a: PeerVector3,
    pub b: PeerVector3,
    pub c: PeerVector3,
}

/// The peers' mesh.
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
pub struct PeerMesh {
    pub id: u32,
    pub triangles: Vec<PeerTriangle>,
}

/// A small deterministic generator: every run sees the same floats.
struct Rng(u64);

impl Rng {
    fn float(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 24) as f32 * 200.0 - 100.0
    }

    fn vector(&mut self) -> Vector3 {
        Vector3 {
            x: self.float(),
            y: self.float(),
            z: self.float(),
        }
    }
}

fn mesh(n: usize) -> Mesh {
    let mut rng = Rng(0x5eed_cafe);
    let triangles = (0..n)
        .map(|_| Triangle {
            normal: rng.vector(),
            a: rng.vector(),
            b: rng.vector(),
            c: rng.vector(),
        })
        .collect();
    Mesh { id: 7, triangles }
}

fn peer_vector(v: Vector3) -> PeerVector3 {
    PeerVector3 {
        x: v.x,
        y: v.y,
        z: v.z,
    }
}

fn peer(mesh: &Mesh) -> PeerMesh {
    PeerMesh {
        id: mesh.id,
        triangles: mesh
            .triangles
            .iter()
            .map(|t| PeerTriangle {
                normal: peer_vector(t.normal),
                a: peer_vector(t.a),
                b: peer_vector(t.b),
                c: peer_vector(t.c),
            })
            .collect(),
    }
}

fn bincode_config() -> impl bincode::config::Config {
    bincode::config::standard()
}

/// One mesh in every peer's encoding.
struct Data {
    mesh: Mesh,
    peer: PeerMesh,
    factpack: Vec<u8>,
    rkyv: AlignedVec,
    bincode: Vec<u8>,
}

fn data(n: usize) -> Data {
    let mesh = mesh(n);
    let peer = peer(&mesh);
    let factpack = mesh.pack().as_bytes().to_vec();
    let rkyv = rkyv::to_bytes::<RkyvError>(&peer).expect("rkyv serializes");
    let bincode = bincode::serde::encode_to_vec(&peer, bincode_config()).expect("encodes");
    // Every peer holds the same values.
    let view = Mesh::view(&factpack).expect("factpack validates");
    assert_eq!(factpack::FactView::unpack(&view), mesh);
    let archived = rkyv::access::<ArchivedPeerMesh, RkyvError>(&rkyv).expect("rkyv validates");
    let back: PeerMesh = rkyv::deserialize::<PeerMesh, RkyvError>(archived).expect("rkyv");
    assert_eq!(back, peer);
    let (back, _): (PeerMesh, usize) =
        bincode::serde::decode_from_slice(&bincode, bincode_config()).expect("bincode");
    assert_eq!(back, peer);
    assert_eq!(sum_factpack(&factpack), sum_native(&mesh));
    assert_eq!(sum_rkyv(&rkyv), sum_native(&mesh));
    Data {
        mesh,
        peer,
        factpack,
        rkyv,
        bincode,
    }
}

fn sum_native(mesh: &Mesh) -> f32 {
    mesh.triangles
        .iter()
        .map(|t| t.normal.x + t.normal.y + t.normal.z)
        .sum()
}

fn sum_factpack(blob: &[u8]) -> f32 {
    let view = Mesh::view(blob).expect("validates");
    view.triangles()
        .iter()
        .map(|t| {
            let n = t.normal();
            n.x() + n.y() + n.z()
        })
        .sum()
}

fn sum_rkyv(bytes: &[u8]) -> f32 {
    let archived = rkyv::access::<ArchivedPeerMesh, RkyvError>(bytes).expect("validates");
    archived
        .triangles
        .iter()
        .map(|t| t.normal.x.to_native() + t.normal.y.to_native() + t.normal.z.to_native())
        .sum()
}

fn print_sizes(d: &Data) {
    let raw = d.mesh.triangles.len() * 12 * 4;
    println!(
        "blob sizes for a mesh of {} triangles:",
        d.mesh.triangles.len()
    );
    println!("  {:<20} {:>12} {:>10}", "format", "bytes", "vs floats");
    for (name, len) in [
        ("raw floats", raw),
        ("factpack", d.factpack.len()),
        ("rkyv 0.8", d.rkyv.len()),
        ("bincode 2 standard", d.bincode.len()),
    ] {
        println!("  {name:<20} {len:>12} {:>10.5}", len as f64 / raw as f64);
    }
}

fn pack(c: &mut Criterion<CpuTime>, d: &Data) {
    let mut g = c.benchmark_group("mesh/pack");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Bytes(d.factpack.len() as u64));
    g.bench_function("factpack", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            out.clear();
            black_box(&d.mesh).pack_into(&mut out).expect("packs");
            black_box(out.len());
        });
    });
    g.bench_function("factpack_packed", |b| {
        b.iter(|| {
            let packed: Packed<Mesh> = black_box(&d.mesh).pack();
            black_box(packed.as_bytes().len());
        });
    });
    g.bench_function("rkyv", |b| {
        let mut out = AlignedVec::<16>::new();
        b.iter(|| {
            out.clear();
            out = rkyv::api::high::to_bytes_in::<_, RkyvError>(
                black_box(&d.peer),
                std::mem::take(&mut out),
            )
            .expect("serializes");
            black_box(out.len());
        });
    });
    g.bench_function("bincode", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            out.clear();
            bincode::serde::encode_into_std_write(black_box(&d.peer), &mut out, bincode_config())
                .expect("encodes");
            black_box(out.len());
        });
    });
    g.finish();
}

fn access(c: &mut Criterion<CpuTime>, d: &Data, label: &str) {
    let mut g = c.benchmark_group(format!("mesh/access/{label}"));
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function("factpack", |b| {
        b.iter(|| {
            let view = Mesh::view(black_box(&d.factpack)).expect("validates");
            black_box(view.triangles().len());
        });
    });
    g.bench_function("rkyv", |b| {
        b.iter(|| {
            let archived =
                rkyv::access::<ArchivedPeerMesh, RkyvError>(black_box(&d.rkyv)).expect("validates");
            black_box(archived.triangles.len());
        });
    });
    g.bench_function("bincode_decode", |b| {
        b.iter(|| {
            let (mesh, _): (PeerMesh, usize) =
                bincode::serde::decode_from_slice(black_box(&d.bincode), bincode_config())
                    .expect("decodes");
            black_box(mesh.triangles.len());
        });
    });
    g.finish();
}

fn read_normals(c: &mut Criterion<CpuTime>, d: &Data) {
    let mut g = c.benchmark_group("mesh/read_normals");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(d.mesh.triangles.len() as u64));
    g.bench_function("native", |b| {
        b.iter(|| black_box(sum_native(black_box(&d.mesh))));
    });
    g.bench_function("factpack", |b| {
        b.iter(|| black_box(sum_factpack(black_box(&d.factpack))));
    });
    g.bench_function("rkyv", |b| {
        b.iter(|| black_box(sum_rkyv(black_box(&d.rkyv))));
    });
    g.finish();
}

fn all(c: &mut Criterion<CpuTime>) {
    let large = data(N);
    let small = data(SMALL);
    print_sizes(&large);
    pack(c, &large);
    access(c, &small, "1k");
    access(c, &large, "125k");
    read_normals(c, &large);
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
