//! The generated `validate` and `pack_into` each have a fast path (one `bool`,
//! blobs of the current version, the header as a fixed-size array) and a
//! precise path (field by field, exact errors, any version). The fast path
//! decides alone only when it says yes, so the two must agree exactly:
//!
//! * `validate_fast(b)` is true if and only if the precise path accepts `b`
//!   and `b` is of the current version;
//! * `validate` returns exactly what the precise path returns;
//! * `pack_fast` succeeds if and only if `pack_precise` does, with the same bytes.
//!
//! These are checked on valid blobs, on every single-byte flip and every
//! truncation of them, on random overwrites, on blob-like noise, on blobs of
//! another version, and on values whose times do not fit their unit.
#![cfg(feature = "proptest")]

#[path = "common/prf.rs"]
#[allow(dead_code)]
mod prf;

#[path = "common/types.rs"]
#[allow(dead_code)]
mod fixtures;

use chrono::{DateTime, Utc};
use factpack::__private::FastPath;
use factpack::{Error, Facts};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;

/// 256 cases, or `PROPTEST_CASES` when set (for longer fuzzing runs).
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// The fast path accepts exactly what the precise path accepts at the current
/// version, and `validate` is the precise path's answer, error included.
fn paths_agree<T: FastPath>(bytes: &[u8]) -> Result<(), TestCaseError> {
    let exact: Result<(), Error> = T::validate_precise(bytes);
    let current = bytes.first() == Some(&T::VERSION);
    prop_assert_eq!(
        T::validate_fast(bytes),
        exact.is_ok() && current,
        "fast and precise paths disagree on {} ({:?})",
        hex::encode(bytes),
        exact
    );
    prop_assert_eq!(T::validate(bytes), exact);
    Ok(())
}

/// Every single-byte flip and every truncation of a valid blob.
fn flips_and_truncations_agree<T: FastPath>(
    bytes: &[u8],
    masks: &[u8],
) -> Result<(), TestCaseError> {
    paths_agree::<T>(bytes)?;
    prop_assert!(T::validate_fast(bytes), "a packed blob takes the fast path");
    for i in 0..bytes.len() {
        let mut flipped = bytes.to_vec();
        flipped[i] ^= masks[i % masks.len()];
        paths_agree::<T>(&flipped)?;
        paths_agree::<T>(&bytes[..i])?;
    }
    Ok(())
}

/// A valid blob with a few bytes overwritten, and cut or extended.
fn overwritten(bytes: &[u8], writes: &[(Index, u8)], resize: Option<Index>) -> Vec<u8> {
    let mut bytes = bytes.to_vec();
    for (at, byte) in writes {
        if !bytes.is_empty() {
            let i = at.index(bytes.len());
            bytes[i] = *byte;
        }
    }
    if let Some(len) = resize {
        bytes.resize(len.index(bytes.len() + 16), 0);
    }
    bytes
}

/// Bytes that look like a blob of `T`: the current version's prefix, then
/// mostly zeros and ones, so that both paths get deep into the fields.
fn blob_like<T: Facts>() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![4 => Just(0u8), 2 => Just(1u8), 1 => any::<u8>()];
    proptest::collection::vec(byte, 0..T::HEADER_LEN + 120).prop_map(|tail| {
        let [lo, hi] = (T::HEADER_LEN as u16).to_le_bytes();
        let mut bytes = vec![T::VERSION, lo, hi];
        bytes.extend(tail);
        bytes
    })
}

/// Packing through either path gives the same outcome and the same bytes,
/// after whatever `out` held before.
fn packs_agree<T: FastPath>(value: &T, before: &[u8]) -> Result<(), TestCaseError> {
    let mut fast = before.to_vec();
    let fast_ok = value.pack_fast(&mut fast);
    let mut exact = before.to_vec();
    let exact_result = value.pack_precise(&mut exact);
    prop_assert_eq!(fast_ok, exact_result.is_ok(), "{:?}", exact_result);
    if fast_ok {
        prop_assert_eq!(hex::encode(&fast), hex::encode(&exact));
    } else {
        prop_assert_eq!(
            &exact[..],
            before,
            "a failed precise pack leaves `out` as it was"
        );
    }
    let mut out = before.to_vec();
    prop_assert_eq!(value.pack_into(&mut out), exact_result);
    prop_assert_eq!(out, exact);
    Ok(())
}

macro_rules! paths_agree_for {
    ($module:ident, $ty:ty) => {
        mod $module {
            use super::*;

            proptest! {
                #![proptest_config(config())]

                #[test]
                fn on_flips_and_truncations(
                    value in any::<$ty>(),
                    masks in proptest::collection::vec(1u8..=255, 1..32),
                ) {
                    let bytes = value.pack().as_bytes().to_vec();
                    flips_and_truncations_agree::<$ty>(&bytes, &masks)?;
                }

                #[test]
                fn on_overwrites(
                    value in any::<$ty>(),
                    writes in proptest::collection::vec((any::<Index>(), any::<u8>()), 1..6),
                    resize in proptest::option::of(any::<Index>()),
                ) {
                    let bytes = value.pack().as_bytes().to_vec();
                    paths_agree::<$ty>(&overwritten(&bytes, &writes, resize))?;
                }

                #[test]
                fn on_blob_like_bytes(bytes in blob_like::<$ty>()) {
                    paths_agree::<$ty>(&bytes)?;
                }

                #[test]
                fn on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
                    paths_agree::<$ty>(&bytes)?;
                }

                #[test]
                fn when_packing(
                    value in any::<$ty>(),
                    before in proptest::collection::vec(any::<u8>(), 0..8),
                ) {
                    packs_agree(&value, &before)?;
                }
            }
        }
    };
}

paths_agree_for!(pull_request_facts, prf::PullRequestFacts);
paths_agree_for!(lists, fixtures::Lists);
paths_agree_for!(optionals, fixtures::Optionals);
paths_agree_for!(times, fixtures::Times);
paths_agree_for!(scalars, fixtures::Scalars);
paths_agree_for!(flags, fixtures::Flags);
paths_agree_for!(ten_nulls, fixtures::TenNulls);
paths_agree_for!(empty, fixtures::Empty);
paths_agree_for!(point, fixtures::Point);
paths_agree_for!(enums, fixtures::Enums);
paths_agree_for!(tagged, fixtures::Tagged);
paths_agree_for!(nested, fixtures::Nested);
paths_agree_for!(triangle, fixtures::Triangle);
paths_agree_for!(trace, fixtures::Trace);
paths_agree_for!(compound, fixtures::Compound);
paths_agree_for!(shapes, fixtures::Shapes);

/// Two versions of one type: blobs of the other version take the precise
/// path both ways, and are judged by it alone.
mod versions {
    use super::*;

    mod v1 {
        use factpack::Facts;

        #[derive(Facts, Debug, Clone, PartialEq)]
        #[facts(version = 1)]
        pub struct Deal {
            pub id: u64,
            pub amount: Option<i64>,
            pub tags: Vec<String>,
        }
    }

    mod v2 {
        use factpack::Facts;

        #[derive(Facts, Debug, Clone, PartialEq)]
        #[facts(version = 2)]
        pub struct Deal {
            pub id: u64,
            pub amount: Option<i64>,
            pub tags: Vec<String>,
            #[facts(since = 2)]
            pub discount: Option<u32>,
            #[facts(since = 2, default)]
            pub owners: Vec<String>,
        }
    }

    #[test]
    fn older_and_newer_blobs_take_the_precise_path() {
        let old = v1::Deal {
            id: 7,
            amount: Some(-3),
            tags: vec!["a".into(), "bc".into()],
        }
        .pack();
        let new = v2::Deal {
            id: 7,
            amount: None,
            tags: vec![],
            discount: Some(5),
            owners: vec!["x".into()],
        }
        .pack();
        // v2 reads a v1 blob, v1 reads a v2 blob: both valid, neither fast.
        assert!(!v2::Deal::validate_fast(old.as_bytes()));
        assert_eq!(v2::Deal::validate(old.as_bytes()), Ok(()));
        assert!(!v1::Deal::validate_fast(new.as_bytes()));
        assert_eq!(v1::Deal::validate(new.as_bytes()), Ok(()));
        assert!(v1::Deal::validate_fast(old.as_bytes()));
        assert!(v2::Deal::validate_fast(new.as_bytes()));
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn on_flips_of_the_other_version(
            id in any::<u64>(),
            tags in proptest::collection::vec("[a-z]{0,3}", 0..3),
            discount in any::<Option<u32>>(),
            masks in proptest::collection::vec(1u8..=255, 1..32),
        ) {
            let old = v1::Deal { id, amount: None, tags: tags.clone() }.pack();
            let new = v2::Deal { id, amount: Some(1), tags, discount, owners: vec![] }.pack();
            for i in 0..old.as_bytes().len() {
                let mut flipped = old.as_bytes().to_vec();
                flipped[i] ^= masks[i % masks.len()];
                paths_agree::<v2::Deal>(&flipped)?;
            }
            for i in 0..new.as_bytes().len() {
                let mut flipped = new.as_bytes().to_vec();
                flipped[i] ^= masks[i % masks.len()];
                paths_agree::<v1::Deal>(&flipped)?;
            }
        }
    }
}

/// Instants anywhere in chrono's range: most do not fit nanoseconds.
fn wide_instant() -> impl Strategy<Value = DateTime<Utc>> {
    (
        -8_334_601_228_800i64..=8_210_266_876_799,
        0u32..1_000_000_000,
    )
        .prop_map(|(s, ns)| DateTime::from_timestamp(s, ns).unwrap_or_default())
}

proptest! {
    #![proptest_config(config())]

    /// Values that cannot pack: the fast path fails, the precise one names
    /// the field, and `pack_into` returns its error and leaves `out` as it was.
    #[test]
    fn when_a_time_does_not_fit_its_unit(
        value in any::<fixtures::Times>(),
        at in wide_instant(),
        naive in wide_instant(),
        before in proptest::collection::vec(any::<u8>(), 0..8),
    ) {
        let value = fixtures::Times { at_ns: at, naive_ns: naive.naive_utc(), ..value };
        packs_agree(&value, &before)?;
    }

    #[test]
    fn when_a_list_element_does_not_fit_its_unit(
        value in any::<fixtures::Lists>(),
        waits in proptest::collection::vec(any::<i64>(), 0..4),
        before in proptest::collection::vec(any::<u8>(), 0..8),
    ) {
        // `waits` is `Vec<TimeDelta>` in nanoseconds: most milliseconds overflow it.
        let waits = waits
            .into_iter()
            .map(|ms| chrono::TimeDelta::try_milliseconds(ms / 4).unwrap_or_default())
            .collect();
        let value = fixtures::Lists { waits, ..value };
        packs_agree(&value, &before)?;
    }
}
