//! Properties of the format, for arbitrary values and arbitrary bytes.
//!
//! For every type below: packing round-trips through the view and through
//! `Packed::from_bytes`; any input validates to `Ok` or `Err` without panicking,
//! and whatever is accepted decodes without panicking and is canonical (the
//! value re-packs to exactly the accepted bytes); truncations and single-byte
//! flips of valid blobs are caught.
#![cfg(feature = "proptest")]

#[path = "common/prf.rs"]
#[allow(dead_code)]
mod prf;

#[path = "common/types.rs"]
#[allow(dead_code)]
mod fixtures;

use factpack::{FactView, Facts, Packed};
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

/// If `bytes` validate as a `T`: every accessor and `unpack` run without
/// panicking, and the value re-packs to exactly `bytes` (one value, one
/// encoding). A blob claiming a version newer than `T`'s is accepted by design
/// (forward compatibility) and cannot re-pack to itself; its decoded value must
/// then re-pack canonically at `T`'s version. Returns whether `bytes` were accepted.
fn accepted_is_canonical<T: Facts>(bytes: &[u8]) -> Result<bool, TestCaseError> {
    let Ok(view) = T::view(bytes) else {
        return Ok(false);
    };
    let _ = format!("{view:?}"); // calls every accessor
    let value = view.unpack();
    let repacked = value.try_pack().map_err(|e| {
        TestCaseError::fail(format!(
            "accepted {} does not re-pack: {e}",
            hex::encode(bytes)
        ))
    })?;
    if view.version() == T::VERSION {
        prop_assert_eq!(
            hex::encode(repacked.as_bytes()),
            hex::encode(bytes),
            "accepted bytes are not canonical"
        );
    } else {
        prop_assert!(view.version() > T::VERSION, "older version accepted");
        let again = T::view(repacked.as_bytes())
            .map_err(|e| TestCaseError::fail(format!("re-packed bytes do not validate: {e}")))?
            .unpack()
            .pack();
        prop_assert_eq!(again.as_bytes(), repacked.as_bytes());
    }
    Ok(true)
}

/// Bytes that look like a blob of `T`: a valid prefix, then mostly zeros and
/// ones, so that validation gets past the header more often than with noise.
fn blob_like<T: Facts>() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![4 => Just(0u8), 2 => Just(1u8), 1 => any::<u8>()];
    proptest::collection::vec(byte, 0..T::HEADER_LEN + 120).prop_map(|mut tail| {
        let [lo, hi] = (T::HEADER_LEN as u16).to_le_bytes();
        let mut bytes = vec![1, lo, hi];
        if tail.len() > 3 {
            tail.drain(..3);
        }
        bytes.extend(tail);
        bytes
    })
}

/// One targeted corruption of a valid blob.
#[derive(Debug, Clone)]
enum Mutation {
    /// Overwrite the version byte.
    Version(u8),
    /// Overwrite the header length.
    HeaderLen(u16),
    /// Overwrite one end pointer (or, for types without a tail, any 4 bytes of the header).
    Pointer(Index, u32),
    /// Claim a newer version with another header length.
    Newer(u8, u16),
    /// Move one end pointer by a few bytes, handing bytes from one payload to its neighbour.
    Shift(Index, i8),
    /// Split the tail among the variable-length fields at other points: new
    /// ascending end pointers, the last one still at the blob's end.
    Resplit(Vec<Index>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<u8>().prop_map(Mutation::Version),
        prop_oneof![any::<u16>(), 0u16..600].prop_map(Mutation::HeaderLen),
        (any::<Index>(), prop_oneof![any::<u32>(), 0u32..600])
            .prop_map(|(i, end)| Mutation::Pointer(i, end)),
        (2u8.., 0u16..600).prop_map(|(v, h)| Mutation::Newer(v, h)),
        (
            any::<Index>(),
            prop_oneof![
                -17i8..=17,
                proptest::sample::select(vec![-16, -8, -4, 4, 8, 16])
            ],
        )
            .prop_map(|(i, by)| Mutation::Shift(i, by)),
        proptest::collection::vec(any::<Index>(), 16).prop_map(Mutation::Resplit),
    ]
}

/// Offsets of the end pointers of `T`'s variable-length fields.
fn pointers<T: Facts>() -> Vec<usize> {
    T::FIELDS
        .iter()
        .filter(|f| f.variable)
        .map(|f| f.offset)
        .collect()
}

fn apply<T: Facts>(bytes: &mut [u8], mutation: &Mutation) {
    match *mutation {
        Mutation::Version(v) => bytes[0] = v,
        Mutation::HeaderLen(h) => bytes[1..3].copy_from_slice(&h.to_le_bytes()),
        Mutation::Newer(v, h) => {
            bytes[0] = v;
            bytes[1..3].copy_from_slice(&h.to_le_bytes());
        }
        Mutation::Pointer(ref i, end) => {
            let pointers = pointers::<T>();
            let at = if pointers.is_empty() {
                match T::HEADER_LEN.checked_sub(4 + 3) {
                    Some(room) => 3 + i.index(room + 1),
                    None => return,
                }
            } else {
                *i.get(&pointers)
            };
            bytes[at..at + 4].copy_from_slice(&end.to_le_bytes());
        }
        Mutation::Shift(ref i, by) => {
            let pointers = pointers::<T>();
            if !pointers.is_empty() {
                let at = *i.get(&pointers);
                let end = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
                let end = end.wrapping_add_signed(i32::from(by));
                bytes[at..at + 4].copy_from_slice(&end.to_le_bytes());
            }
        }
        Mutation::Resplit(ref cuts) => {
            let pointers = pointers::<T>();
            let tail = bytes.len() - T::HEADER_LEN;
            let mut ends: Vec<usize> = cuts
                .iter()
                .take(pointers.len())
                .map(|i| T::HEADER_LEN + i.index(tail + 1))
                .collect();
            ends.sort_unstable();
            if let Some(last) = ends.last_mut() {
                *last = bytes.len();
            }
            for (at, end) in pointers.into_iter().zip(ends) {
                bytes[at..at + 4].copy_from_slice(&(end as u32).to_le_bytes());
            }
        }
    }
}

/// The properties every fact type must have, as a module of proptests.
macro_rules! format_properties {
    ($module:ident, $ty:ty) => {
        mod $module {
            use super::*;

            proptest! {
                #![proptest_config(config())]

                #[test]
                fn pack_then_view_unpack_is_identity(value in any::<$ty>()) {
                    let packed = value.try_pack().expect("arbitrary values pack");
                    let view = <$ty>::view(packed.as_bytes()).expect("packed bytes validate");
                    prop_assert_eq!(view.version(), <$ty>::VERSION);
                    prop_assert_eq!(view.unpack(), value.clone());
                    prop_assert_eq!(packed.unpack(), value);
                }

                #[test]
                fn from_bytes_unpack_is_identity(value in any::<$ty>()) {
                    let packed = value.pack();
                    let loaded = Packed::<$ty>::from_bytes(packed.as_bytes().to_vec())
                        .expect("packed bytes validate");
                    prop_assert_eq!(&loaded, &packed);
                    prop_assert_eq!(loaded.view().unpack(), value);
                }

                #[test]
                fn pack_into_appends_exactly_the_packed_bytes(
                    value in any::<$ty>(),
                    before in proptest::collection::vec(any::<u8>(), 0..8),
                ) {
                    let mut out = before.clone();
                    value.pack_into(&mut out).expect("arbitrary values pack");
                    prop_assert_eq!(&out[..before.len()], &before[..]);
                    let packed = value.pack();
                    prop_assert_eq!(&out[before.len()..], packed.as_bytes());
                }

                #[test]
                fn arbitrary_bytes_never_panic_and_accepted_is_canonical(
                    bytes in proptest::collection::vec(any::<u8>(), 0..400),
                ) {
                    accepted_is_canonical::<$ty>(&bytes)?;
                }

                #[test]
                fn blob_like_bytes_never_panic_and_accepted_is_canonical(
                    bytes in blob_like::<$ty>(),
                ) {
                    accepted_is_canonical::<$ty>(&bytes)?;
                }

                #[test]
                fn corrupted_prefix_or_pointer_never_panics_and_accepted_is_canonical(
                    value in any::<$ty>(),
                    mutation in mutation(),
                ) {
                    let mut bytes = value.pack().as_bytes().to_vec();
                    apply::<$ty>(&mut bytes, &mutation);
                    accepted_is_canonical::<$ty>(&bytes)?;
                }

                #[test]
                fn every_truncation_is_rejected(value in any::<$ty>()) {
                    let packed = value.pack();
                    let bytes = packed.as_bytes();
                    for k in 0..bytes.len() {
                        prop_assert!(
                            <$ty>::validate(&bytes[..k]).is_err(),
                            "{} accepted truncated to {} bytes",
                            hex::encode(bytes),
                            k
                        );
                    }
                }

                #[test]
                fn every_byte_flip_is_rejected_or_canonical(
                    value in any::<$ty>(),
                    masks in proptest::collection::vec(1u8..=255, 1..32),
                ) {
                    let packed = value.pack();
                    let original = packed.as_bytes();
                    for i in 0..original.len() {
                        let mut flipped = original.to_vec();
                        flipped[i] ^= masks[i % masks.len()];
                        let Ok(view) = <$ty>::view(&flipped) else {
                            continue;
                        };
                        let repacked = view.unpack().try_pack().expect("accepted values pack");
                        if i == 0 && flipped[0] > <$ty>::VERSION {
                            // A newer version with the same header: the same fields.
                            prop_assert_eq!(repacked.as_bytes(), original);
                        } else {
                            prop_assert_eq!(
                                hex::encode(repacked.as_bytes()),
                                hex::encode(&flipped),
                                "byte {} of {} flipped: accepted but not canonical",
                                i,
                                hex::encode(original)
                            );
                        }
                    }
                }
            }
        }
    };
}

format_properties!(pull_request_facts, prf::PullRequestFacts);
format_properties!(lists, fixtures::Lists);
format_properties!(optionals, fixtures::Optionals);
format_properties!(times, fixtures::Times);
format_properties!(scalars, fixtures::Scalars);
format_properties!(flags, fixtures::Flags);
format_properties!(ten_nulls, fixtures::TenNulls);
format_properties!(empty, fixtures::Empty);
format_properties!(enums, fixtures::Enums);
format_properties!(nested, fixtures::Nested);
format_properties!(triangle, fixtures::Triangle);
format_properties!(trace, fixtures::Trace);
format_properties!(source, fixtures::Source);
format_properties!(compound, fixtures::Compound);
format_properties!(shapes, fixtures::Shapes);

/// A type whose enum has a catch-all: every stored value is valid, so the
/// canonical-form property holds only up to the catch-all, which packs as its
/// own discriminant whatever value it was read from.
mod tagged {
    use super::*;
    use fixtures::{Kind, Tagged};

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn pack_then_view_unpack_is_identity(value in any::<Tagged>()) {
            let packed = value.pack();
            prop_assert_eq!(Tagged::view(packed.as_bytes()).unwrap().unpack(), value);
        }

        #[test]
        fn every_truncation_is_rejected(value in any::<Tagged>()) {
            let packed = value.pack();
            let bytes = packed.as_bytes();
            for k in 0..bytes.len() {
                prop_assert!(Tagged::validate(&bytes[..k]).is_err());
            }
        }

        #[test]
        fn any_enum_value_reads_as_its_variant_or_the_catch_all(
            value in any::<Tagged>(),
            raw in prop_oneof![0u32..4, any::<u32>()],
        ) {
            let mut bytes = value.pack().as_bytes().to_vec();
            let at = Tagged::KIND.offset();
            bytes[at..at + 4].copy_from_slice(&raw.to_le_bytes());
            let view = Tagged::view(&bytes).expect("a catch-all accepts every value");
            let expected = match raw {
                1 => Kind::Bug,
                2 => Kind::Feature,
                _ => Kind::Unknown,
            };
            prop_assert_eq!(view.kind(), expected);
            // Packing again is canonical: the bytes change only where an
            // unknown value became the catch-all's discriminant.
            let repacked = view.unpack().pack();
            let mut canonical = bytes.clone();
            canonical[at..at + 4].copy_from_slice(&(expected as u32).to_le_bytes());
            prop_assert_eq!(repacked.as_bytes(), &canonical[..]);
        }

        #[test]
        fn arbitrary_bytes_never_panic_and_accepted_repack_to_a_fixed_point(
            bytes in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            if let Ok(view) = Tagged::view(&bytes) {
                let once = view.unpack().pack();
                let twice = once.view().unpack().pack();
                prop_assert_eq!(once.as_bytes(), twice.as_bytes());
            }
        }
    }
}

/// Equal values have equal bytes and different values different bytes (for
/// types without floats, whose `==` is not bitwise).
fn bytes_equal_iff_values_equal<T: Facts + PartialEq + std::fmt::Debug>(
    a: &T,
    b: &T,
) -> Result<(), TestCaseError> {
    let (pa, pb) = (a.pack(), b.pack());
    prop_assert_eq!(pa.as_bytes() == pb.as_bytes(), a == b, "{:?} vs {:?}", a, b);
    prop_assert_eq!(pa == pb, a == b);
    Ok(())
}

/// Two values, equal (a clone) half the time.
fn pair<T: Arbitrary + Clone + 'static>() -> impl Strategy<Value = (T, T)> {
    (any::<T>(), any::<T>(), any::<bool>()).prop_map(|(a, b, same)| {
        let b = if same { a.clone() } else { b };
        (a, b)
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn pull_request_facts_bytes_equal_iff_values_equal(
        (a, b) in pair::<prf::PullRequestFacts>(),
    ) {
        bytes_equal_iff_values_equal(&a, &b)?;
    }

    #[test]
    fn lists_bytes_equal_iff_values_equal((a, b) in pair::<fixtures::Lists>()) {
        bytes_equal_iff_values_equal(&a, &b)?;
    }

    #[test]
    fn nested_bytes_equal_iff_values_equal((a, b) in pair::<fixtures::Nested>()) {
        bytes_equal_iff_values_equal(&a, &b)?;
    }

    #[test]
    fn trace_bytes_equal_iff_values_equal((a, b) in pair::<fixtures::Trace>()) {
        bytes_equal_iff_values_equal(&a, &b)?;
    }

    #[test]
    fn enums_bytes_equal_iff_values_equal((a, b) in pair::<fixtures::Enums>()) {
        bytes_equal_iff_values_equal(&a, &b)?;
    }

    #[test]
    fn tagged_bytes_equal_iff_values_equal((a, b) in pair::<fixtures::Tagged>()) {
        bytes_equal_iff_values_equal(&a, &b)?;
    }

    #[test]
    fn enums_accessors_equal_fields(value in any::<fixtures::Enums>()) {
        let packed = value.pack();
        let view = packed.view();
        prop_assert_eq!(view.state(), value.state);
        prop_assert_eq!(view.level(), value.level);
        prop_assert_eq!(view.maybe_state(), value.maybe_state);
        prop_assert_eq!(view.maybe_level(), value.maybe_level);
        prop_assert_eq!(view.history().to_vec(), value.history.clone());
        prop_assert_eq!(view.levels().to_vec(), value.levels.clone());
        prop_assert_eq!(view.past_levels().map(|l| l.to_vec()), value.past_levels.clone());
        let columns = fixtures::Enums::columns([&packed]).unwrap();
        prop_assert_eq!(columns.state, vec![value.state as u8]);
        prop_assert_eq!(columns.level, vec![value.level as i16]);
    }

    #[test]
    fn optionals_bytes_equal_iff_values_equal((a, b) in pair::<fixtures::Optionals>()) {
        bytes_equal_iff_values_equal(&a, &b)?;
    }

    #[test]
    fn flags_bytes_equal_iff_values_equal((a, b) in pair::<fixtures::Flags>()) {
        bytes_equal_iff_values_equal(&a, &b)?;
    }

    #[test]
    fn ten_nulls_bytes_equal_iff_values_equal((a, b) in pair::<fixtures::TenNulls>()) {
        bytes_equal_iff_values_equal(&a, &b)?;
    }

    #[test]
    fn scalars_bytes_equal_iff_bits_equal((a, b) in pair::<fixtures::Scalars>()) {
        // Floats compare by bits here: -0.0 and 0.0 differ, as their bytes do.
        let bits = |s: &fixtures::Scalars| (s.f32.to_bits(), s.f64.to_bits());
        let same = fixtures::Scalars { f32: 0.0, f64: 0.0, ..a.clone() }
            == fixtures::Scalars { f32: 0.0, f64: 0.0, ..b.clone() }
            && bits(&a) == bits(&b);
        prop_assert_eq!(a.pack().as_bytes() == b.pack().as_bytes(), same);
    }

    #[test]
    fn pull_request_facts_accessors_equal_fields(value in any::<prf::PullRequestFacts>()) {
        let packed = value.pack();
        let v = packed.view();
        prop_assert_eq!(v.created(), value.created);
        prop_assert_eq!(v.merged(), value.merged);
        prop_assert_eq!(v.closed(), value.closed);
        prop_assert_eq!(v.done(), value.done);
        prop_assert_eq!(v.release_ignored(), value.release_ignored);
        prop_assert_eq!(v.size(), value.size);
        prop_assert_eq!(v.participants(), value.participants);
        prop_assert_eq!(v.reviews().len(), value.reviews.len());
        prop_assert_eq!(v.reviews().to_vec(), value.reviews.clone());
        prop_assert_eq!(v.activity_days().last(), value.activity_days.last().copied());
        prop_assert_eq!(v.merged_with_failed_check_runs().to_vec(), value.merged_with_failed_check_runs.clone());
        prop_assert_eq!(packed.get(prf::PullRequestFacts::APPROVED), Some(value.approved));
    }

    #[test]
    fn lists_accessors_equal_fields(value in any::<fixtures::Lists>()) {
        let packed = value.pack();
        let v = packed.view();
        prop_assert_eq!(v.name(), value.name.as_str());
        prop_assert_eq!(v.origin().x(), value.origin.x);
        prop_assert_eq!(v.origin().label(), value.origin.label);
        prop_assert_eq!(v.bools().to_vec(), value.bools.clone());
        prop_assert_eq!(v.bytes().as_bytes(), &value.bytes[..]);
        prop_assert_eq!(v.stamps().to_vec(), value.stamps.clone());
        prop_assert_eq!(v.waits().iter().collect::<Vec<_>>(), value.waits.clone());
        prop_assert_eq!(v.points().len(), value.points.len());
        for (i, p) in value.points.iter().enumerate() {
            prop_assert_eq!(v.points().get(i).map(|q| q.unpack()), Some(p.clone()));
        }
        prop_assert!(v.points().get(value.points.len()).is_none());
        prop_assert_eq!(v.tags().len(), value.tags.len());
        for (i, t) in value.tags.iter().enumerate() {
            prop_assert_eq!(v.tags().get(i), Some(t.as_str()));
        }
        prop_assert_eq!(v.tags().get(value.tags.len()), None);
        prop_assert_eq!(v.note(), value.note.as_str());
    }

    #[test]
    fn optionals_accessors_equal_fields(value in any::<fixtures::Optionals>()) {
        let packed = value.pack();
        let v = packed.view();
        prop_assert_eq!(v.id(), value.id);
        prop_assert_eq!(v.flag(), value.flag);
        prop_assert_eq!(v.seen(), value.seen);
        prop_assert_eq!(v.took(), value.took);
        prop_assert_eq!(v.at().map(|p| p.unpack()), value.at.clone());
        prop_assert_eq!(v.title(), value.title.as_deref());
        prop_assert_eq!(v.sizes().map(|s| s.to_vec()), value.sizes.clone());
        prop_assert_eq!(v.times().map(|s| s.to_vec()), value.times.clone());
        prop_assert_eq!(v.labels().map(|s| s.to_vec()), value.labels.clone());
    }

    #[test]
    fn times_accessors_equal_fields(value in any::<fixtures::Times>()) {
        let packed = value.pack();
        let v = packed.view();
        prop_assert_eq!(v.at(), value.at);
        prop_assert_eq!(v.at_s(), value.at_s);
        prop_assert_eq!(v.at_ns(), value.at_ns);
        prop_assert_eq!(v.naive_ms(), value.naive_ms);
        prop_assert_eq!(v.date(), value.date);
        prop_assert_eq!(v.delta(), value.delta);
        prop_assert_eq!(v.delta_ms(), value.delta_ms);
        prop_assert_eq!(v.delta_ns(), value.delta_ns);
    }
}
