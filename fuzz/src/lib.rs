//! The checks behind the fuzz targets, over the fact types the integration
//! tests use (`tests/common`), which together hold every supported field type.
//!
//! An input's first byte picks the type (modulo [`TYPES`]); the rest is the
//! blob ([`blob`]) or the randomness a value is drawn from ([`round_trip`]).
//! A failed check panics, which is how libFuzzer learns of it.

#![forbid(unsafe_code)]

use core::fmt::Debug;

use factpack::__private::FastPath;
use factpack::columns::ColumnData;
use factpack::{
    Columns, ColumnsError, FactView, Facts, FieldInfo, FieldKind, Page, PageBuilder, PageView,
};
use proptest::arbitrary::Arbitrary;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

#[path = "../../tests/common/prf.rs"]
#[allow(dead_code)]
pub mod prf;
#[path = "../../tests/common/types.rs"]
#[allow(dead_code)]
pub mod types;

use prf::PullRequestFacts;
use types::{
    Compound, Empty, Flags, Lists, Nested, Optionals, Point, Scalars, Shapes, TenNulls, Times, Trace,
    Triangle, WithTransient,
};

/// Calls `$run::<T>($($arg),*)` for the fact type that `$index` picks.
macro_rules! dispatch {
    ($index:expr, $run:ident ($($arg:expr),*)) => {
        match $index % TYPES {
            0 => $run::<PullRequestFacts>($($arg),*),
            1 => $run::<Point>($($arg),*),
            2 => $run::<Scalars>($($arg),*),
            3 => $run::<Times>($($arg),*),
            4 => $run::<Lists>($($arg),*),
            5 => $run::<Optionals>($($arg),*),
            6 => $run::<TenNulls>($($arg),*),
            7 => $run::<Empty>($($arg),*),
            8 => $run::<WithTransient>($($arg),*),
            9 => $run::<Flags>($($arg),*),
            10 => $run::<Nested>($($arg),*),
            11 => $run::<Triangle>($($arg),*),
            12 => $run::<Trace>($($arg),*),
            13 => $run::<Compound>($($arg),*),
            _ => $run::<Shapes>($($arg),*),
        }
    };
}

/// How many fact types the first byte of an input picks from.
pub const TYPES: u8 = 15;

/// The fuzzed types' names, by the index the first byte of an input gives.
pub fn type_name(index: u8) -> &'static str {
    fn name<T: Facts>() -> &'static str {
        T::NAME
    }
    dispatch!(index, name())
}

/// Arbitrary bytes as a blob of the type the first byte picks.
pub fn blob(data: &[u8]) {
    if let Some((&index, blob)) = data.split_first() {
        dispatch!(index, check_blob(blob));
    }
}

/// Arbitrary bytes as a page of the type the first byte picks: a valid page
/// rebuilds from its facts to itself and its columns agree with its facts';
/// anything else is a precise error. Never a panic.
pub fn page(data: &[u8]) {
    if let Some((&index, page)) = data.split_first() {
        dispatch!(index, check_page(page));
    }
}

/// An arbitrary value of the type the first byte picks, drawn from a
/// generator the rest keys.
pub fn round_trip(data: &[u8]) {
    if let Some((&index, seed)) = data.split_first() {
        dispatch!(index, check_round_trip(seed));
    }
}

/// Packed values of the type `index` picks, drawn from a fixed seed: valid
/// blobs to seed the corpus with.
pub fn samples(index: u8, count: usize) -> Vec<Vec<u8>> {
    fn draw<T: Facts + Arbitrary>(count: usize) -> Vec<Vec<u8>> {
        let mut runner = TestRunner::deterministic();
        (0..count)
            .filter_map(|_| {
                let value = T::arbitrary().new_tree(&mut runner).ok()?.current();
                Some(value.try_pack().ok()?.as_bytes().to_vec())
            })
            .collect()
    }
    dispatch!(index, draw(count))
}

/// A page of `count` packed values of the type `index` picks: a valid page
/// to seed the page target's corpus with.
pub fn sample_page(index: u8, count: usize) -> Vec<u8> {
    fn build<T: Facts>(blobs: Vec<Vec<u8>>) -> Vec<u8> {
        let mut builder = PageBuilder::<T>::new();
        for blob in &blobs {
            // Samples are valid blobs of the current version.
            let _ = builder.push_blob(blob);
        }
        builder.finish().as_bytes().to_vec()
    }
    let blobs = samples(index, count);
    dispatch!(index, build(blobs))
}

/// `blob` is `Ok` and repacks to itself (or, from a newer version, to the
/// canonical blob of this version), with columns that agree whichever way
/// they are built; or it is an error that names the type, lies inside the
/// blob, and that every validating entry point reports alike.
fn check_blob<T: FastPath + Debug>(blob: &[u8]) {
    let fast = <T as FastPath>::validate_fast(blob);
    let precise = <T as FastPath>::validate_precise(blob);
    match T::view(blob) {
        Ok(view) => {
            assert_eq!(precise, Ok(()));
            assert_eq!(fast, view.version() == T::VERSION, "fast path disagrees");
            let packed = view
                .unpack()
                .try_pack()
                .expect("a valid blob's value packs");
            if view.version() == T::VERSION && packed.as_bytes() != blob {
                // The fuzzed types have one version each, so only a nested
                // blob of a newer version (read as a top-level one is)
                // repacks to other bytes: shorter, as what this code does
                // not know of it is dropped.
                assert!(nests_blobs(T::FIELDS), "repacking changed the bytes");
                assert!(packed.as_bytes().len() < blob.len(), "repacking grew");
                let again = packed.unpack().try_pack().expect("repacks");
                assert_eq!(again.as_bytes(), packed.as_bytes(), "not canonical");
            } else if view.version() != T::VERSION {
                // Old code reads a newer blob, dropping what it does not know.
                assert!(view.version() > T::VERSION);
                let again = packed.unpack().try_pack().expect("repacks");
                assert_eq!(
                    again.as_bytes(),
                    packed.as_bytes(),
                    "repacking is not canonical"
                );
            }
            assert_eq!(format!("{view:?}"), format!("{:?}", packed.view()));
            check_columns::<T>(blob, packed.as_bytes());
        }
        Err(error) => {
            assert!(!fast, "fast path accepted what the precise one rejects");
            assert_eq!(precise.as_ref(), Err(&error));
            assert_eq!(error.type_name, T::NAME);
            assert!(error.offset <= blob.len(), "{error}: offset past the blob");
            assert!(!error.to_string().is_empty());
            let from_bytes = factpack::Packed::<T>::copy_from_slice(blob).map(|_| ());
            assert_eq!(from_bytes, Err(error.clone()));
            match T::columns([blob]) {
                Err(ColumnsError::Invalid {
                    position: 0,
                    error: e,
                }) => assert_eq!(e, error),
                other => panic!("columns of an invalid blob: {other:?}"),
            }
        }
    }
}

/// Whether a field of these (at any depth) is a nested fact with
/// variable-length fields, stored as its whole blob with its own version.
fn nests_blobs(fields: &[FieldInfo]) -> bool {
    fn kind_nests(kind: &FieldKind) -> bool {
        match kind {
            FieldKind::Fact { fields, .. } => {
                fields.iter().any(|f| f.variable) || nests_blobs(fields)
            }
            FieldKind::List(element) => kind_nests(element),
            _ => false,
        }
    }
    fields.iter().any(|f| kind_nests(&f.kind))
}

/// `bytes` are a page whose facts rebuild it and whose columns are its
/// facts', or an error that names the type, lies inside the bytes, and that
/// every validating entry point reports alike.
fn check_page<T: Facts + Debug>(bytes: &[u8]) {
    match PageView::<T>::from_bytes(bytes) {
        Ok(page) => {
            assert_eq!(page.iter().len(), page.len());
            let _ = format!("{page:?}");
            if page.version() <= T::VERSION {
                let mut builder =
                    PageBuilder::<T>::with_version(page.version()).expect("a known version");
                for blob in (0..page.len()).filter_map(|i| page.blob(i)) {
                    builder.push_blob(blob).expect("a page's fact is valid");
                }
                assert_eq!(
                    builder.finish().as_bytes(),
                    bytes,
                    "rebuilding changed the page"
                );
            }
            let blobs: Vec<&[u8]> = (0..page.len()).filter_map(|i| page.blob(i)).collect();
            match (page.columns(), T::columns(blobs)) {
                (Ok(direct), Ok(from_blobs)) => {
                    assert_eq!(format!("{direct:?}"), format!("{from_blobs:?}"));
                }
                (Err(a), Err(b)) => assert_eq!(a, b),
                (a, b) => panic!("columns of a page and of its blobs differ: {a:?} / {b:?}"),
            }
        }
        Err(error) => {
            assert_eq!(error.type_name, T::NAME);
            assert!(error.offset <= bytes.len(), "{error}: offset past the page");
            assert!(error.fact.is_none_or(|i| i < bytes.len()));
            assert!(!error.to_string().is_empty());
            assert_eq!(Page::<T>::copy_from_slice(bytes).unwrap_err(), error);
        }
    }
}

/// Columns of a valid `blob`, three times over, built a block at a time and
/// one fact at a time, and from the blob it repacked to, are the same.
fn check_columns<T: Facts>(blob: &[u8], repacked: &[u8]) {
    let rows = 3;
    let blocks = T::columns(vec![blob; rows]).expect("columns of a valid blob");
    assert_eq!(blocks.len(), rows);
    let mut one_by_one = T::Columns::default();
    for _ in 0..rows {
        one_by_one
            .push(blob)
            .expect("a valid blob goes into columns");
    }
    let from_repacked = T::columns(vec![repacked; rows]).expect("columns of a packed blob");
    let shown = format!("{blocks:?}");
    assert_eq!(
        shown,
        format!("{one_by_one:?}"),
        "blocks and single rows differ"
    );
    assert_eq!(
        shown,
        format!("{from_repacked:?}"),
        "the repacked blob's columns differ"
    );
}

/// The generator a value is drawn from: ChaCha, keyed by the whole input.
///
/// proptest's pass-through generator (the input's bytes as the randomness)
/// would let a mutation of the input change the value locally, but once the
/// input is used up it returns zeros, on which the rejection sampling of
/// ranges never ends: such inputs hung. A keyed generator never runs out;
/// coverage still guides which inputs, hence which values, the fuzzer keeps.
fn generator(seed: &[u8]) -> TestRng {
    let hash = seed.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut rng = prf::Rng::new(hash);
    let key: Vec<u8> = (0..4).flat_map(|_| rng.next_u64().to_le_bytes()).collect();
    TestRng::from_seed(RngAlgorithm::ChaCha, &key)
}

/// A value drawn from `seed` packs, validates, and unpacks to itself; its
/// bytes are canonical and the fast paths agree with the precise ones.
fn check_round_trip<T: FastPath + Arbitrary + PartialEq + Debug>(seed: &[u8]) {
    let mut runner = TestRunner::new_with_rng(Config::default(), generator(seed));
    let Ok(tree) = T::arbitrary().new_tree(&mut runner) else {
        return; // the strategy rejected the draw: no value to check
    };
    let value = tree.current();
    let packed = value.try_pack().expect("an arbitrary value packs");
    let mut precise = Vec::new();
    value
        .pack_precise(&mut precise)
        .expect("the precise path packs too");
    assert_eq!(
        precise,
        packed.as_bytes(),
        "fast and precise packing differ"
    );
    assert!(<T as FastPath>::validate_fast(packed.as_bytes()));
    let view = T::view(packed.as_bytes()).expect("packed bytes validate");
    let back = view.unpack();
    assert_eq!(back, value, "unpacking changed the value");
    assert_eq!(packed.unpack(), value);
    assert_eq!(back.pack(), packed, "the same value packed differently");
    check_columns::<T>(packed.as_bytes(), packed.as_bytes());
}
