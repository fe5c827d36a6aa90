//! Pages: many facts of one type in one blob. Golden fixtures pin the page
//! format (`FORMAT.md`, "Pages"); corruption tests flip known bytes and
//! assert the exact error; properties (with the `proptest` feature) check
//! round trips, arbitrary bytes and truncations.

#[path = "common/prf.rs"]
#[allow(dead_code)]
mod prf;

#[path = "common/types.rs"]
#[allow(dead_code)]
mod fixtures;

use factpack::{
    ErrorKind, FactView, Facts, Packed, Page, PageBuilder, PageError, PageErrorKind, PageView,
};

#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Tick {
    pub at: u16,
    pub name: String,
}

/// Another type with the same field shapes under other names.
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Tock {
    pub when: u16,
    pub label: String,
}

/// Version 2 of a type whose version 1 is [`EvolvedV1`].
#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 2)]
pub struct Evolved {
    pub a: u16,
    #[facts(since = 2)]
    pub b: Option<u8>,
}

/// The same type as [`Evolved`], as code that knows only version 1 has it.
#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 1)]
pub struct EvolvedV1 {
    pub a: u16,
}

fn ticks() -> [Tick; 2] {
    [
        Tick {
            at: 1,
            name: "ab".into(),
        },
        Tick {
            at: 0x0203,
            name: String::new(),
        },
    ]
}

/// The fingerprint as the page stores it: 8 bytes, little-endian, in hex.
fn fp_hex(fp: u64) -> String {
    hex::encode(fp.to_le_bytes())
}

/// A page assembled here, from the format's parts, independently of the
/// crate's encoder.
fn assemble(version: u8, fingerprints: &[u64], blobs: &[&[u8]]) -> Vec<u8> {
    let mut out = b"FPG\x01".to_vec();
    out.push(version);
    for fp in fingerprints {
        out.extend_from_slice(&fp.to_le_bytes());
    }
    out.extend_from_slice(&(blobs.len() as u32).to_le_bytes());
    let mut end = out.len() + 4 * blobs.len();
    for blob in blobs {
        end += blob.len();
        out.extend_from_slice(&(end as u32).to_le_bytes());
    }
    for blob in blobs {
        out.extend_from_slice(blob);
    }
    out
}

fn golden_ticks() -> String {
    [
        "465047",                     // magic "FPG"
        "01",                         // page revision 1
        "01",                         // version 1: one fingerprint follows
        &fp_hex(Tick::FINGERPRINT),   // the fingerprint of version 1
        "02000000",                   // 2 facts
        "24000000",                   // fact 0 ends at 36 (starts at 25, 11 bytes)
        "2d000000",                   // fact 1 ends at 45 (9 bytes)
        "01_0900_0100_0b000000_6162", // Tick { at: 1, name: "ab" }
        "01_0900_0302_09000000",      // Tick { at: 0x0203, name: "" }
    ]
    .concat()
    .replace('_', "")
}

#[test]
fn page_golden() {
    let page = Page::from_facts(&ticks()).unwrap();
    assert_eq!(hex::encode(page.as_bytes()), golden_ticks());
    let blobs: Vec<Vec<u8>> = ticks()
        .iter()
        .map(|t| t.pack().as_bytes().to_vec())
        .collect();
    let parts: Vec<&[u8]> = blobs.iter().map(Vec::as_slice).collect();
    assert_eq!(assemble(1, &[Tick::FINGERPRINT], &parts), page.as_bytes());

    let back = Page::<Tick>::from_bytes(hex::decode(golden_ticks()).unwrap()).unwrap();
    assert_eq!(back, page);
    assert_eq!(back.len(), 2);
    assert_eq!(back.version(), 1);
    let unpacked: Vec<Tick> = back.iter().map(|v| v.unpack()).collect();
    assert_eq!(unpacked, ticks());
}

#[test]
fn empty_page_golden() {
    let expected = ["465047", "01", "01", &fp_hex(Tick::FINGERPRINT), "00000000"].concat();
    let page = PageBuilder::<Tick>::new().finish();
    assert_eq!(hex::encode(page.as_bytes()), expected);
    assert_eq!(page, Page::default());
    let back = Page::<Tick>::from_bytes(hex::decode(&expected).unwrap()).unwrap();
    assert!(back.is_empty());
    assert_eq!(back.iter().next().map(|v| v.unpack()), None);
    assert_eq!(back.columns().unwrap().at, Vec::<u16>::new());
}

#[test]
fn a_page_of_two_versions_golden() {
    let page = Page::from_facts(&[Evolved { a: 5, b: Some(7) }]).unwrap();
    let expected = [
        "465047",
        "01",
        "02", // version 2: two fingerprints follow
        &fp_hex(Evolved::FINGERPRINTS[0]),
        &fp_hex(Evolved::FINGERPRINTS[1]),
        "01000000",
        "24000000", // the fact ends at 36: it starts at 29, 7 bytes
        // version 2, header 7, a = 5; version 2's segment: null bitmap, b = 7
        "02_0700_0500_01_07",
    ]
    .concat()
    .replace('_', "");
    assert_eq!(hex::encode(page.as_bytes()), expected);
    let back = Page::<Evolved>::from_bytes(hex::decode(&expected).unwrap()).unwrap();
    assert_eq!(back.get(0).unwrap().unpack(), Evolved { a: 5, b: Some(7) });
}

#[test]
fn access_is_by_position() {
    let page = Page::from_facts(&ticks()).unwrap();
    let view: PageView<'_, Tick> = page.view();
    assert_eq!(view.get(1).unwrap().at(), 0x0203);
    assert_eq!(view.get(2).map(|v| v.at()), None);
    assert_eq!(page.blob(0), Some(ticks()[0].pack().as_bytes()));
    assert_eq!(page.packed(1), Some(ticks()[1].pack()));
    assert_eq!(page.packed(2), None);
    let mut iter = page.iter();
    assert_eq!(iter.len(), 2);
    assert_eq!(iter.next_back().unwrap().at(), 0x0203);
    assert_eq!(iter.len(), 1);
    assert_eq!(iter.next().unwrap().at(), 1);
    assert!(iter.next().is_none());
    assert_eq!(page.iter().nth(1).unwrap().at(), 0x0203);
    assert_eq!(page.iter().nth(2).map(|v| v.at()), None);
    let borrowed = PageView::<Tick>::from_bytes(page.as_bytes()).unwrap();
    assert_eq!(borrowed.to_page(), page);
    assert_eq!(format!("{page:?}"), format!("{:?}", ticks()));
}

#[test]
fn columns_come_straight_from_a_page() {
    let page = Page::from_facts(&ticks()).unwrap();
    let direct = page.columns().unwrap();
    let from_blobs = Tick::columns(ticks().iter().map(|t| t.pack())).unwrap();
    assert_eq!(format!("{direct:?}"), format!("{from_blobs:?}"));
    // Views of a page are a column source too.
    let from_views = Tick::columns(&page).unwrap();
    assert_eq!(format!("{from_views:?}"), format!("{direct:?}"));
    assert_eq!(direct.at, [1, 0x0203]);
    assert_eq!(direct.name.offsets, [0, 2, 2]);
}

#[test]
fn the_builder_takes_facts_packed_facts_and_validated_blobs() {
    let [one, two] = ticks();
    let mut b = PageBuilder::new();
    b.push(&one).unwrap();
    b.push_packed(&two.pack()).unwrap();
    b.push_blob(one.pack().as_bytes()).unwrap();
    assert_eq!(b.len(), 3);
    // An invalid blob is refused, by the position it would take, and the
    // builder is unchanged.
    let err = b.push_blob(&[1, 9, 0]).unwrap_err();
    assert_eq!(err.fact, Some(3));
    assert!(
        matches!(
            &err.kind,
            PageErrorKind::Fact(e) if matches!(e.kind, ErrorKind::Truncated { .. })
        ),
        "{err}"
    );
    let page = b.finish();
    assert_eq!(page.len(), 3);
    assert_eq!(page.get(2).unwrap().unpack(), one);
}

#[test]
fn a_page_holds_facts_of_its_own_version_only() {
    let old = EvolvedV1 { a: 3 }.pack();
    // A builder of the current version refuses a version-1 fact...
    let mut b = PageBuilder::<Evolved>::new();
    let err = b.push_blob(old.as_bytes()).unwrap_err();
    assert_eq!(err.fact, Some(0));
    assert_eq!(err.kind, PageErrorKind::Fact(version_mismatch(2, 1)));
    // ... which a version-1 page of the same type takes.
    let mut b = PageBuilder::<Evolved>::with_version(1).unwrap();
    b.push_blob(old.as_bytes()).unwrap();
    let err = b.push(&Evolved { a: 1, b: None }).unwrap_err();
    assert_eq!(err.kind, PageErrorKind::Fact(version_mismatch(1, 2)));
    let page = b.finish();
    assert_eq!(page.version(), 1);
    assert!(PageBuilder::<Evolved>::with_version(3).is_none());
    assert!(PageBuilder::<Evolved>::with_version(0).is_none());

    // Newer code reads the older page; older code reads a newer one.
    let columns = page.columns().unwrap();
    assert_eq!(columns.a, [3]);
    assert_eq!(columns.b.get(0), None);
    let new = Page::from_facts(&[Evolved { a: 4, b: Some(1) }]).unwrap();
    let read_by_old = Page::<EvolvedV1>::from_bytes(new.clone().into_bytes()).unwrap();
    assert_eq!(read_by_old.get(0).unwrap().a(), 4);
    assert_eq!(read_by_old.version(), 2);
}

fn version_mismatch(expected: u8, found: u8) -> factpack::Error {
    // Build the expected error through the crate: a blob of another version
    // in a page is reported as `VersionMismatch` at the fact's first byte.
    let page = assemble(
        expected,
        &Evolved::FINGERPRINTS[..usize::from(expected)],
        &[if found == 1 {
            EvolvedV1 { a: 3 }.pack().as_bytes().to_vec()
        } else {
            Evolved { a: 1, b: None }.pack().as_bytes().to_vec()
        }
        .as_slice()],
    );
    match Page::<Evolved>::from_bytes(page).unwrap_err().kind {
        PageErrorKind::Fact(e) => {
            assert_eq!(e.kind, ErrorKind::VersionMismatch { expected, found });
            assert_eq!((e.type_name, e.field, e.offset), ("Evolved", None, 0));
            e
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Corruption: each names what is wrong, where, and the fact to blame.

fn golden() -> Vec<u8> {
    hex::decode(golden_ticks()).unwrap()
}

#[track_caller]
fn rejected(bytes: Vec<u8>) -> PageError {
    let err = Page::<Tick>::from_bytes(bytes.clone()).unwrap_err();
    assert_eq!(err.type_name, "Tick");
    assert_eq!(PageView::<Tick>::from_bytes(&bytes).unwrap_err(), err);
    assert_eq!(Page::<Tick>::copy_from_slice(&bytes).unwrap_err(), err);
    assert!(err.offset <= bytes.len(), "{err}");
    assert!(!err.to_string().is_empty());
    err
}

#[test]
fn not_a_page() {
    let mut bytes = golden();
    bytes[0] = b'X';
    let err = rejected(bytes);
    assert_eq!((err.fact, err.offset), (None, 0));
    assert_eq!(err.kind, PageErrorKind::NotAPage { found: *b"XPG" });
    // A fact blob is not a page.
    let err = rejected(ticks()[0].pack().as_bytes().to_vec());
    assert!(matches!(err.kind, PageErrorKind::NotAPage { .. }), "{err}");
    assert!(matches!(
        rejected(Vec::new()).kind,
        PageErrorKind::Truncated { needed: 5, len: 0 }
    ));
}

#[test]
fn an_unknown_revision_or_version_zero() {
    let mut bytes = golden();
    bytes[3] = 2;
    let err = rejected(bytes);
    assert_eq!((err.fact, err.offset), (None, 3));
    assert_eq!(err.kind, PageErrorKind::UnknownRevision { found: 2 });
    let mut bytes = golden();
    bytes[4] = 0;
    let err = rejected(bytes);
    assert_eq!(
        (err.fact, err.offset, err.kind),
        (None, 4, PageErrorKind::ZeroVersion)
    );
}

#[test]
fn a_page_of_another_type() {
    let err = Page::<Tock>::from_bytes(golden()).unwrap_err();
    assert_eq!((err.type_name, err.fact, err.offset), ("Tock", None, 5));
    assert_eq!(
        err.kind,
        PageErrorKind::FingerprintMismatch {
            version: 1,
            expected: Tock::FINGERPRINT,
            found: Tick::FINGERPRINT,
        }
    );
}

#[test]
fn a_count_that_lies() {
    // Three facts claimed: the third end is read from the first blob's bytes.
    let mut bytes = golden();
    bytes[13] = 3;
    let err = rejected(bytes);
    assert_eq!((err.fact, err.offset), (Some(2), 25));
    assert!(
        matches!(err.kind, PageErrorKind::EndOutOfRange { len: 45, .. }),
        "{err}"
    );
    // One fact claimed: what follows it is left over.
    let mut bytes = golden();
    bytes[13] = 1;
    let err = rejected(bytes);
    assert_eq!(
        (err.fact, err.offset, err.kind),
        (
            None,
            36,
            PageErrorKind::TrailingBytes {
                expected_len: 36,
                len: 45
            }
        )
    );
    // More facts than the bytes can hold an offset table for.
    let mut bytes = golden();
    bytes[13..17].copy_from_slice(&u32::MAX.to_le_bytes());
    let err = rejected(bytes);
    assert_eq!((err.fact, err.offset), (None, 13));
    assert!(
        matches!(err.kind, PageErrorKind::Truncated { len: 45, .. }),
        "{err}"
    );
}

#[test]
fn a_bad_offset_table() {
    let mut bytes = golden();
    bytes[21] = 30; // fact 1 ends before it starts, at 36
    let err = rejected(bytes);
    assert_eq!((err.fact, err.offset), (Some(1), 21));
    assert_eq!(err.kind, PageErrorKind::EndBackwards { start: 36, end: 30 });
    let mut bytes = golden();
    bytes[17] = 20; // fact 0 ends before the facts start, at 25
    let err = rejected(bytes);
    assert_eq!((err.fact, err.offset), (Some(0), 17));
    assert_eq!(err.kind, PageErrorKind::EndBackwards { start: 25, end: 20 });
    // Two facts cut at another place: each is checked as a fact.
    let mut bytes = golden();
    bytes[17] = 35;
    let err = rejected(bytes);
    assert_eq!(err.fact, Some(0));
    assert!(matches!(err.kind, PageErrorKind::Fact(_)), "{err}");
}

#[test]
fn a_fact_out_of_range() {
    let mut bytes = golden();
    bytes[21] = 46;
    let err = rejected(bytes);
    assert_eq!((err.fact, err.offset), (Some(1), 21));
    assert_eq!(err.kind, PageErrorKind::EndOutOfRange { end: 46, len: 45 });
}

#[test]
fn a_bad_fact_is_named_by_its_position() {
    // Fact 1's pointer to its name's end (at byte 36 + 5) goes past it.
    let mut bytes = golden();
    bytes[41] = 10;
    let err = rejected(bytes);
    assert_eq!((err.fact, err.offset), (Some(1), 41));
    let PageErrorKind::Fact(e) = &err.kind else {
        panic!("{err}")
    };
    assert_eq!((e.field, e.offset), (Some("name"), 5));
    assert_eq!(e.kind, ErrorKind::PointerOutOfRange { end: 10, len: 9 });
    // A fact whose version byte is 0.
    let mut bytes = golden();
    bytes[25 + 11] = 0;
    let err = rejected(bytes);
    assert_eq!((err.fact, err.offset), (Some(1), 36));
    assert!(matches!(&err.kind, PageErrorKind::Fact(e) if e.kind == ErrorKind::ZeroVersion));
    // Fact 0's name is not UTF-8.
    let mut bytes = golden();
    bytes[34] = 0xff;
    let err = rejected(bytes);
    assert_eq!(err.fact, Some(0));
    assert!(matches!(&err.kind, PageErrorKind::Fact(e) if e.kind == ErrorKind::InvalidUtf8));
}

#[test]
fn a_fact_of_another_fingerprint() {
    // A version-2 fact in a version-1 page of the same type: its version is
    // its fingerprint's, not the page's.
    let v1 = EvolvedV1 { a: 3 }.pack();
    let v2 = Evolved { a: 4, b: None }.pack();
    let bytes = assemble(
        1,
        &Evolved::FINGERPRINTS[..1],
        &[v1.as_bytes(), v2.as_bytes()],
    );
    let err = Page::<Evolved>::from_bytes(bytes.clone()).unwrap_err();
    let start = bytes.len() - v2.as_bytes().len();
    assert_eq!((err.fact, err.offset), (Some(1), start));
    assert_eq!(err.kind, PageErrorKind::Fact(version_mismatch(1, 2)));
    // A page whose second fingerprint is not the type's.
    let bytes = assemble(2, &[Evolved::FINGERPRINTS[0], 7], &[v2.as_bytes()]);
    let err = Page::<Evolved>::from_bytes(bytes).unwrap_err();
    assert_eq!((err.fact, err.offset), (None, 13));
    assert_eq!(
        err.kind,
        PageErrorKind::FingerprintMismatch {
            version: 2,
            expected: Evolved::FINGERPRINTS[1],
            found: 7,
        }
    );
}

#[test]
fn every_truncation_and_extension_is_an_error() {
    let bytes = golden();
    for n in 0..bytes.len() {
        rejected(bytes[..n].to_vec());
    }
    let mut longer = bytes;
    longer.push(0);
    let err = rejected(longer);
    assert_eq!(
        err.kind,
        PageErrorKind::TrailingBytes {
            expected_len: 45,
            len: 46
        }
    );
}

#[test]
fn owned_pages_share_their_bytes() {
    let page = Page::from_facts(&ticks()).unwrap();
    let bytes = page.clone().into_bytes();
    assert_eq!(bytes.as_ptr(), page.as_bytes().as_ptr());
    let packed: Packed<Tick> = page.packed(0).unwrap();
    assert_eq!(packed.as_bytes().as_ptr(), page.blob(0).unwrap().as_ptr());
}

// ---------------------------------------------------------------------------
// Properties.

#[cfg(feature = "proptest")]
mod properties {
    use super::*;
    use fixtures::{Lists, Optionals, Point, Scalars};
    use prf::PullRequestFacts;
    use proptest::prelude::*;

    /// If `bytes` are a page of `T`: every fact reads without panicking and
    /// the page is canonical (rebuilding it from its facts gives its bytes).
    fn accepted_is_canonical<T: Facts>(bytes: &[u8]) -> Result<(), TestCaseError> {
        let Ok(page) = PageView::<T>::from_bytes(bytes) else {
            return Ok(());
        };
        let _ = format!("{page:?}");
        let _ = page
            .columns()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        if page.version() <= T::VERSION {
            let mut b = PageBuilder::<T>::with_version(page.version()).unwrap();
            for i in 0..page.len() {
                b.push_blob(page.blob(i).unwrap()).unwrap();
            }
            let rebuilt = b.finish();
            prop_assert_eq!(rebuilt.as_bytes(), bytes);
        }
        Ok(())
    }

    fn round_trip<T: Facts + PartialEq + core::fmt::Debug>(
        facts: &[T],
    ) -> Result<(), TestCaseError> {
        let page = Page::from_facts(facts).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back = Page::<T>::from_bytes(page.as_bytes().to_vec())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back.len(), facts.len());
        for (view, fact) in back.iter().zip(facts) {
            prop_assert_eq!(&view.unpack(), fact);
        }
        let direct = back
            .columns()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let packed: Vec<Packed<T>> = facts.iter().map(Facts::pack).collect();
        let from_blobs = T::columns(packed.iter().map(Packed::as_bytes))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(format!("{direct:?}"), format!("{from_blobs:?}"));
        // Every truncation is an error; every single-byte change is an
        // error or another canonical page.
        let bytes = page.as_bytes();
        for n in 0..bytes.len() {
            prop_assert!(
                PageView::<T>::from_bytes(&bytes[..n]).is_err(),
                "length {}",
                n
            );
        }
        let mut flipped = bytes.to_vec();
        for i in 0..flipped.len() {
            flipped[i] ^= 0x41;
            accepted_is_canonical::<T>(&flipped)?;
            flipped[i] ^= 0x41;
        }
        Ok(())
    }

    macro_rules! page_properties {
        ($($name:ident: $ty:ty),* $(,)?) => {$(
            mod $name {
                use super::*;

                proptest! {
                    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

                    #[test]
                    fn round_trips(facts in proptest::collection::vec(any::<$ty>(), 0..8)) {
                        round_trip(&facts)?;
                    }

                    #[test]
                    fn any_bytes_are_ok_or_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
                        accepted_is_canonical::<$ty>(&bytes)?;
                    }

                    #[test]
                    fn any_bytes_after_a_valid_header_are_ok_or_an_error(
                        count in 0u32..6,
                        rest in proptest::collection::vec(any::<u8>(), 0..300),
                    ) {
                        let mut bytes = b"FPG\x01".to_vec();
                        bytes.push(<$ty>::VERSION);
                        for fp in <$ty>::FINGERPRINTS {
                            bytes.extend_from_slice(&fp.to_le_bytes());
                        }
                        bytes.extend_from_slice(&count.to_le_bytes());
                        bytes.extend_from_slice(&rest);
                        accepted_is_canonical::<$ty>(&bytes)?;
                    }
                }
            }
        )*};
    }

    page_properties! {
        point: Point,
        scalars: Scalars,
        lists: Lists,
        optionals: Optionals,
        pull_requests: PullRequestFacts,
    }

    /// Offset tables over valid blobs, with ends drawn at random, are
    /// accepted only when they cut the facts back where they were.
    #[test]
    fn random_offset_tables_are_errors_or_the_page() {
        let facts = vec![
            Point {
                x: 1,
                y: 2,
                label: None,
                visible: true
            };
            3
        ];
        let page = Page::from_facts(&facts).unwrap();
        let bytes = page.as_bytes().to_vec();
        let table = 17;
        let mut runner = proptest::test_runner::TestRunner::default();
        runner
            .run(&proptest::collection::vec(0u32..80, 3), |ends| {
                let mut b = bytes.clone();
                for (i, end) in ends.iter().enumerate() {
                    b[table + 4 * i..table + 4 * i + 4].copy_from_slice(&end.to_le_bytes());
                }
                match Page::<Point>::from_bytes(b.clone()) {
                    Ok(p) => prop_assert_eq!(p, page.clone()),
                    Err(e) => prop_assert!(e.offset <= b.len()),
                }
                Ok(())
            })
            .unwrap();
    }
}
