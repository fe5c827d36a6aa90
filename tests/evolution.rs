//! Evolution: three versions of one fact type, as three generations of code
//! would declare it, reading each other's blobs.

use factpack::{ErrorKind, FactView, Facts, PackErrorKind, Packed};

mod v1 {
    use factpack::Facts;

    #[derive(Facts, Debug, Clone, PartialEq)]
    #[facts(version = 1)]
    pub struct Deal {
        pub id: u64,
        pub title: String,
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
        pub title: String,
        pub amount: Option<i64>,
        pub tags: Vec<String>,
        #[facts(since = 2)]
        pub discount: Option<u32>,
        #[facts(since = 2, default = "unknown")]
        pub region: String,
        #[facts(since = 2, default)]
        pub owners: Vec<String>,
        #[facts(since = 2, default)]
        pub priority: u8,
    }
}

mod v3 {
    use factpack::Facts;

    #[derive(Facts, Debug, Clone, PartialEq)]
    #[facts(version = 3)]
    pub struct Deal {
        pub id: u64,
        pub title: String,
        pub amount: Option<i64>,
        pub tags: Vec<String>,
        #[facts(since = 2)]
        pub discount: Option<u32>,
        #[facts(since = 2, default = "unknown")]
        pub region: String,
        #[facts(since = 2, default)]
        pub owners: Vec<String>,
        #[facts(since = 2, default)]
        pub priority: u8,
        #[facts(since = 3)]
        pub closed: Option<bool>,
        #[facts(since = 3, default = 42)]
        pub score: u16,
        #[facts(since = 3)]
        pub memo: Option<String>,
    }
}

fn deal1() -> v1::Deal {
    v1::Deal {
        id: 7,
        title: "renewal".into(),
        amount: Some(-1_500),
        tags: vec!["q3".into(), "émea".into()],
    }
}

fn deal2() -> v2::Deal {
    v2::Deal {
        id: 7,
        title: "renewal".into(),
        amount: Some(-1_500),
        tags: vec!["q3".into(), "émea".into()],
        discount: Some(10),
        region: "north".into(),
        owners: vec!["ann".into(), "bob".into()],
        priority: 3,
    }
}

fn deal3() -> v3::Deal {
    v3::Deal {
        id: 7,
        title: "renewal".into(),
        amount: Some(-1_500),
        tags: vec!["q3".into(), "émea".into()],
        discount: Some(10),
        region: "north".into(),
        owners: vec!["ann".into(), "bob".into()],
        priority: 3,
        closed: Some(true),
        score: 99,
        memo: Some("signed".into()),
    }
}

#[test]
fn layouts_only_append() {
    // v1: prefix | bitmap 3 | id 4..12 | title 12..16 | amount 16..24 | tags 24..28
    // v2: bitmap 28 | discount 29..33 | region 33..37 | owners 37..41 | priority 41
    // v3: bitmap 42 | closed 43 | score 44..46 | memo 46..50
    assert_eq!(v1::Deal::HEADER_LENS, &[28]);
    assert_eq!(v2::Deal::HEADER_LENS, &[28, 42]);
    assert_eq!(v3::Deal::HEADER_LENS, &[28, 42, 50]);
    assert_eq!(v3::Deal::HEADER_LEN, 50);
    assert_eq!(v2::Deal::DISCOUNT.offset(), 29);
    assert_eq!(v2::Deal::PRIORITY.offset(), 41);
    assert_eq!(v3::Deal::CLOSED.offset(), 43);
    assert_eq!(v3::Deal::MEMO.offset(), 46);
    assert_eq!(v3::Deal::FIELDS[4].null, Some((28, 0x01)));
    assert_eq!(v3::Deal::FIELDS[8].null, Some((42, 0x01)));
    assert_eq!(v3::Deal::FIELDS[10].null, Some((42, 0x02)));
    // Every version agrees on the fields they share.
    assert_eq!(&v2::Deal::FIELDS[..4], v1::Deal::FIELDS);
    assert_eq!(&v3::Deal::FIELDS[..8], v2::Deal::FIELDS);
    assert_eq!(v2::Deal::REGION.since(), 2);
    assert_eq!(v3::Deal::SCORE.since(), 3);
    assert_eq!(v3::Deal::ID.since(), 1);
}

#[test]
fn fingerprints_per_version() {
    assert_eq!(v2::Deal::FINGERPRINTS[0], v1::Deal::FINGERPRINT);
    assert_ne!(v2::Deal::FINGERPRINT, v1::Deal::FINGERPRINT);
    assert_eq!(v2::Deal::FINGERPRINTS[1], v2::Deal::FINGERPRINT);
    assert_eq!(&v3::Deal::FINGERPRINTS[..2], v2::Deal::FINGERPRINTS);
    assert_ne!(v3::Deal::FINGERPRINT, v2::Deal::FINGERPRINT);
    assert_eq!(v3::Deal::fingerprint_at(1), Some(v1::Deal::FINGERPRINT));
    assert_eq!(v3::Deal::fingerprint_at(3), Some(v3::Deal::FINGERPRINT));
    assert_eq!(v1::Deal::fingerprint_at(2), None);
}

#[test]
fn new_code_reads_old_blobs() {
    let old = deal1().pack();
    let bytes = old.as_bytes();
    assert_eq!(bytes[0], 1);
    let view = v2::Deal::view(bytes).unwrap();
    assert_eq!(view.version(), 1);
    assert_eq!(view.id(), 7);
    assert_eq!(view.title(), "renewal");
    assert_eq!(view.amount(), Some(-1_500));
    assert_eq!(view.tags().to_vec(), ["q3", "émea"]);
    assert_eq!(view.discount(), None);
    assert_eq!(view.region(), "unknown");
    assert!(view.owners().is_empty());
    assert_eq!(view.priority(), 0);
    assert_eq!(
        view.unpack(),
        v2::Deal {
            discount: None,
            region: "unknown".into(),
            owners: vec![],
            priority: 0,
            ..deal2()
        }
    );
    let packed = Packed::<v2::Deal>::from_bytes(old.clone().into_bytes()).unwrap();
    assert_eq!(packed.version(), 1);
    assert_eq!(packed.as_bytes(), bytes);
    assert_eq!(packed.unpack().region, "unknown");

    // Version 3 reads both older versions.
    let view = v3::Deal::view(bytes).unwrap();
    assert_eq!(view.score(), 42);
    assert_eq!(view.closed(), None);
    assert_eq!(view.memo(), None);
    assert_eq!(view.region(), "unknown");
    let two = deal2().pack();
    let view = v3::Deal::view(two.as_bytes()).unwrap();
    assert_eq!(view.version(), 2);
    assert_eq!(
        view.unpack(),
        v3::Deal {
            closed: None,
            score: 42,
            memo: None,
            ..deal3()
        }
    );
}

#[test]
fn old_code_reads_new_blobs() {
    let new = deal2().pack();
    let bytes = new.as_bytes();
    assert_eq!(bytes[0], 2);
    let view = v1::Deal::view(bytes).unwrap();
    assert_eq!(view.version(), 2);
    // The variable-length fields before the new ones keep their payloads.
    assert_eq!(view.title(), "renewal");
    assert_eq!(view.tags().to_vec(), ["q3", "émea"]);
    assert_eq!(view.amount(), Some(-1_500));
    assert_eq!(view.unpack(), deal1());
    let packed = Packed::<v1::Deal>::copy_from_slice(bytes).unwrap();
    assert_eq!(packed.unpack(), deal1());
    // The bytes are kept whole: the newer fields survive a round trip through old code.
    let back = Packed::<v2::Deal>::from_bytes(packed.into_bytes()).unwrap();
    assert_eq!(back.unpack(), deal2());

    let newest = deal3().pack();
    assert_eq!(v1::Deal::view(newest.as_bytes()).unwrap().unpack(), deal1());
    assert_eq!(v2::Deal::view(newest.as_bytes()).unwrap().unpack(), deal2());
}

#[test]
fn old_code_reads_new_blobs_with_empty_and_null_fields() {
    let value = v3::Deal {
        title: String::new(),
        amount: None,
        tags: vec![],
        discount: None,
        region: String::new(),
        owners: vec![],
        closed: Some(false),
        memo: None,
        ..deal3()
    };
    let bytes = value.pack().as_bytes().to_vec();
    assert_eq!(bytes.len(), v3::Deal::HEADER_LEN);
    let one = v1::Deal::view(&bytes).unwrap();
    assert_eq!(one.title(), "");
    assert!(one.tags().is_empty());
    assert_eq!(one.amount(), None);
    let two = v2::Deal::view(&bytes).unwrap();
    // The blob has the field, so its value, not the default, is read.
    assert_eq!(two.region(), "");
    assert_eq!(two.discount(), None);
    assert_eq!(v3::Deal::view(&bytes).unwrap().unpack(), value);
}

#[test]
fn field_handles_know_what_a_blob_predates() {
    let old = deal1().pack();
    let view = v2::Deal::view(old.as_bytes()).unwrap();
    assert_eq!(v2::Deal::DISCOUNT.get(&view), None);
    // `get` says the field is absent even where the accessor gives the default.
    assert_eq!(v2::Deal::REGION.get(&view), None);
    assert_eq!(v2::Deal::PRIORITY.get(&view), None);
    assert!(v2::Deal::OWNERS.get(&view).is_none());
    assert_eq!(v2::Deal::ID.get(&view), Some(7));
    assert_eq!(v2::Deal::TITLE.get(&view), Some("renewal"));

    let packed = Packed::<v2::Deal>::from_bytes(old.into_bytes()).unwrap();
    assert_eq!(packed.get(v2::Deal::DISCOUNT), None);
    assert_eq!(packed.get(v2::Deal::AMOUNT), Some(Some(-1_500)));

    let new = deal2().pack();
    let view = v2::Deal::view(new.as_bytes()).unwrap();
    assert_eq!(v2::Deal::DISCOUNT.get(&view), Some(Some(10)));
    assert_eq!(v2::Deal::REGION.get(&view), Some("north"));
    assert_eq!(v2::Deal::PRIORITY.get(&view), Some(3));
    let view = v3::Deal::view(new.as_bytes()).unwrap();
    assert_eq!(v3::Deal::SCORE.get(&view), None);
    assert_eq!(view.score(), 42);
}

#[test]
fn patching_a_field_the_blob_predates_fails() {
    let old = Packed::<v2::Deal>::from_bytes(deal1().pack().into_bytes()).unwrap();
    let err = old.with(v2::Deal::DISCOUNT, &Some(5)).unwrap_err();
    assert_eq!(
        (err.type_name, err.field, err.kind),
        ("Deal", Some("discount"), PackErrorKind::FieldAbsent)
    );
    let err = old.with(v2::Deal::PRIORITY, &1).unwrap_err();
    assert_eq!(
        (err.type_name, err.field, err.kind),
        ("Deal", Some("priority"), PackErrorKind::FieldAbsent)
    );
    assert_eq!(
        err.to_string(),
        "cannot pack `Deal`, field `priority`: the blob's version has no slot for this field"
    );
    // Fields of the blob's version can be patched; the blob stays version 1.
    let patched = old.with(v2::Deal::AMOUNT, &None).unwrap();
    assert_eq!(patched.version(), 1);
    assert_eq!(patched.unpack().amount, None);
    assert_eq!(
        v1::Deal::view(patched.as_bytes()).unwrap().unpack(),
        v1::Deal {
            amount: None,
            ..deal1()
        }
    );
    // Old code patches a newer blob and keeps the newer fields.
    let newer = Packed::<v1::Deal>::from_bytes(deal2().pack().into_bytes()).unwrap();
    let patched = newer.with(v1::Deal::ID, &8).unwrap();
    assert_eq!(
        v2::Deal::view(patched.as_bytes()).unwrap().unpack(),
        v2::Deal { id: 8, ..deal2() }
    );
}

#[test]
fn trailing_bytes_after_a_known_version() {
    let mut bytes = deal1().pack().as_bytes().to_vec();
    let len = bytes.len();
    bytes.push(0xaa);
    for err in [
        v1::Deal::validate(&bytes).unwrap_err(),
        v2::Deal::validate(&bytes).unwrap_err(),
        v3::Deal::validate(&bytes).unwrap_err(),
    ] {
        assert_eq!(
            (err.type_name, err.field, err.offset, err.kind),
            (
                "Deal",
                None,
                len,
                ErrorKind::TrailingBytes {
                    expected_len: len,
                    len: len + 1
                }
            )
        );
    }
    // After a newer version's blob, unknown payloads may follow what old code knows.
    let mut bytes = deal2().pack().as_bytes().to_vec();
    bytes.push(0xaa);
    assert!(v1::Deal::validate(&bytes).is_ok());
    assert!(v2::Deal::validate(&bytes).is_err());
}

#[test]
fn header_length_checks_across_versions() {
    // A version 2 blob whose header is shorter than version 1's: to version 1
    // code it needs at least one byte more than its own.
    let mut bytes = deal2().pack().as_bytes().to_vec();
    bytes[1] = 27;
    let err = v1::Deal::validate(&bytes).unwrap_err();
    assert_eq!(
        (err.type_name, err.field, err.offset, err.kind),
        (
            "Deal",
            None,
            1,
            ErrorKind::HeaderLength {
                expected: 29,
                found: 27
            }
        )
    );
    // To version 2 itself the header length of version 2 is exact.
    let err = v2::Deal::validate(&bytes).unwrap_err();
    assert_eq!(
        (err.offset, err.kind),
        (
            1,
            ErrorKind::HeaderLength {
                expected: 42,
                found: 27
            }
        )
    );
    // A version 1 blob that claims version 2's header length.
    let mut bytes = deal1().pack().as_bytes().to_vec();
    bytes[1] = 42;
    let err = v2::Deal::validate(&bytes).unwrap_err();
    assert_eq!(
        (err.offset, err.kind),
        (
            1,
            ErrorKind::HeaderLength {
                expected: 28,
                found: 42
            }
        )
    );
    // A version 3 blob read by version 2 code needs a longer header than
    // version 2's.
    for short in [41, 42] {
        let mut bytes = deal3().pack().as_bytes().to_vec();
        bytes[1] = short;
        let err = v2::Deal::validate(&bytes).unwrap_err();
        assert_eq!(
            (err.offset, err.kind),
            (
                1,
                ErrorKind::HeaderLength {
                    expected: 43,
                    found: usize::from(short)
                }
            )
        );
    }
}

#[test]
fn a_version_claim_is_checked_against_the_fields() {
    // A version 1 blob relabelled as version 2 (with version 1's header length).
    let mut bytes = deal1().pack().as_bytes().to_vec();
    bytes[0] = 2;
    let err = v2::Deal::validate(&bytes).unwrap_err();
    assert_eq!(
        (err.offset, err.kind),
        (
            1,
            ErrorKind::HeaderLength {
                expected: 42,
                found: 28
            }
        )
    );
    // Old code does not know version 2's fields, but knows that a newer
    // version's header is longer than its own.
    let err = v1::Deal::validate(&bytes).unwrap_err();
    assert_eq!(
        (err.offset, err.kind),
        (
            1,
            ErrorKind::HeaderLength {
                expected: 29,
                found: 28
            }
        )
    );
}

#[test]
fn a_newer_version_with_no_longer_header_is_refused() {
    // Were these read, a value would have as many encodings as version bytes
    // above the reader's own: its blob, relabelled.
    let refused = ErrorKind::HeaderLength {
        expected: 29,
        found: 28,
    };
    for version in [2, 3, 255] {
        let mut bytes = deal1().pack().as_bytes().to_vec();
        bytes[0] = version;
        let err = v1::Deal::view(&bytes).unwrap_err();
        assert_eq!(
            (err.type_name, err.field, err.offset, &err.kind),
            ("Deal", None, 1, &refused)
        );
        let err = Packed::<v1::Deal>::copy_from_slice(&bytes).unwrap_err();
        assert_eq!((err.offset, &err.kind), (1, &refused));
        let err = Packed::<v1::Deal>::from_bytes(bytes.clone()).unwrap_err();
        assert_eq!((err.offset, &err.kind), (1, &refused));
        match v1::Deal::columns([&bytes[..]]).unwrap_err() {
            factpack::ColumnsError::Invalid { position, error } => {
                assert_eq!(
                    (position, error.offset, error.kind),
                    (0, 1, refused.clone())
                );
            }
            other => panic!("expected an invalid blob, got {other}"),
        }
    }
    // The same for code that knows several versions: version 2 code and a
    // version 2 blob relabelled as version 3.
    let mut bytes = deal2().pack().as_bytes().to_vec();
    bytes[0] = 3;
    let err = v2::Deal::view(&bytes).unwrap_err();
    assert_eq!(
        (err.offset, err.kind),
        (
            1,
            ErrorKind::HeaderLength {
                expected: 43,
                found: 42
            }
        )
    );
    // To version 1 code that blob has a longer header than its own, as a
    // version 3 blob would: what it cannot know, it does not judge.
    assert_eq!(v1::Deal::view(&bytes).unwrap().unpack(), deal1());
    // The newer version's own blobs are read by both.
    let three = deal3().pack();
    assert_eq!(v2::Deal::view(three.as_bytes()).unwrap().unpack(), deal2());
    assert_eq!(v1::Deal::view(three.as_bytes()).unwrap().unpack(), deal1());
}

#[test]
fn new_segments_are_validated_only_by_code_that_knows_them() {
    let mut bytes = deal2().pack().as_bytes().to_vec();
    // An unused bit in version 2's bitmap (one nullable field: bit 0 only).
    bytes[28] |= 0x02;
    let err = v2::Deal::validate(&bytes).unwrap_err();
    assert_eq!(
        (err.field, err.offset, err.kind),
        (None, 28, ErrorKind::UnusedNullBit { byte: 0x03 })
    );
    assert!(v1::Deal::validate(&bytes).is_ok());
    // A broken payload of a version 2 field.
    let mut bytes = deal2().pack().as_bytes().to_vec();
    let region_end = u32::from_le_bytes(bytes[33..37].try_into().unwrap()) as usize;
    bytes[region_end - 1] = 0xff;
    let err = v2::Deal::validate(&bytes).unwrap_err();
    assert_eq!(
        (err.field, err.offset, err.kind),
        (Some("region"), region_end - 1, ErrorKind::InvalidUtf8)
    );
    assert!(v1::Deal::validate(&bytes).is_ok());
    assert!(v3::Deal::validate(&bytes).is_err());
}

#[test]
fn hand_written_version_2_blob() {
    // The simplest version 2 blob, by hand: every value empty or default.
    let bytes: Vec<u8> = [
        &[2u8, 42, 0][..],    // version 2, header length 42
        &[0],                 // v1 bitmap: amount null
        &[0; 8],              // id 0
        &42u32.to_le_bytes(), // title ""
        &[0; 8],              // amount: null
        &42u32.to_le_bytes(), // tags []
        &[0],                 // v2 bitmap: discount null
        &[0; 4],              // discount: null
        &45u32.to_le_bytes(), // region "abc" 42..45
        &45u32.to_le_bytes(), // owners []
        &[0],                 // priority 0
        b"abc",
    ]
    .concat();
    let value = v2::Deal {
        id: 0,
        title: String::new(),
        amount: None,
        tags: vec![],
        discount: None,
        region: "abc".into(),
        owners: vec![],
        priority: 0,
    };
    assert_eq!(value.pack().as_bytes(), &bytes[..]);
    assert_eq!(v2::Deal::view(&bytes).unwrap().unpack(), value);
    let old = v1::Deal::view(&bytes).unwrap().unpack();
    assert_eq!(old.title, "");
    assert!(old.tags.is_empty());
}

// ---------------------------------------------------------------------------
// Lists of nested facts whose element type evolves: the list header names
// the elements' version and size, so each side reads the other's lists.

mod elem_v1 {
    use factpack::Facts;

    #[derive(Facts, Debug, Clone, PartialEq)]
    #[facts(version = 1)]
    pub struct Sample {
        pub at: u32,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    #[facts(version = 1)]
    pub struct Series {
        pub samples: Vec<Sample>,
    }
}

mod elem_v2 {
    use factpack::Facts;

    #[derive(Facts, Debug, Clone, PartialEq)]
    #[facts(version = 2)]
    pub struct Sample {
        pub at: u32,
        #[facts(since = 2)]
        pub flag: Option<bool>,
        #[facts(since = 2, default = 7)]
        pub level: u8,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    #[facts(version = 1)]
    pub struct Series {
        pub samples: Vec<Sample>,
    }
}

#[test]
fn new_code_reads_lists_of_older_elements() {
    let old = elem_v1::Series {
        samples: vec![elem_v1::Sample { at: 1 }, elem_v1::Sample { at: 2 }],
    };
    let packed = old.pack();
    // One list header: version 1, elements of 4 bytes.
    assert_eq!(&packed.as_bytes()[7..10], &[1, 4, 0]);
    let view = elem_v2::Series::view(packed.as_bytes()).unwrap();
    let samples = view.samples();
    assert_eq!((samples.len(), samples.stride()), (2, 4));
    let second = samples.get(1).unwrap();
    assert_eq!((second.at(), second.flag(), second.level()), (2, None, 7));
    assert_eq!(second.version(), 1);
    assert_eq!(
        view.unpack().samples,
        [
            elem_v2::Sample {
                at: 1,
                flag: None,
                level: 7
            },
            elem_v2::Sample {
                at: 2,
                flag: None,
                level: 7
            },
        ]
    );
    // Columns fill the missing fields the same way.
    let columns = elem_v2::Series::columns([packed.as_bytes()]).unwrap();
    assert_eq!(columns.samples.values.level, [7, 7]);
    assert_eq!(columns.samples.values.at, [1, 2]);
}

#[test]
fn old_code_reads_lists_of_newer_elements_by_their_size() {
    let new = elem_v2::Series {
        samples: vec![
            elem_v2::Sample {
                at: 5,
                flag: Some(true),
                level: 1,
            },
            elem_v2::Sample {
                at: 6,
                flag: None,
                level: 2,
            },
        ],
    };
    let packed = new.pack();
    // Version 2's body: `at` 0..4, then a bitmap 4, `flag` 5 and `level` 6.
    assert_eq!(&packed.as_bytes()[7..10], &[2, 7, 0]);
    let view = elem_v1::Series::view(packed.as_bytes()).unwrap();
    assert_eq!(view.samples().stride(), 7);
    let ats: Vec<u32> = view.samples().iter().map(|s| s.at()).collect();
    assert_eq!(ats, [5, 6]);
    assert_eq!(
        view.unpack().samples,
        [elem_v1::Sample { at: 5 }, elem_v1::Sample { at: 6 }]
    );
    // A newer version's elements must be larger than this code's newest.
    let mut bytes = packed.as_bytes().to_vec();
    bytes[8] = 4;
    let err = elem_v1::Series::validate(&bytes).unwrap_err();
    assert_eq!(
        (err.field, err.offset, err.kind),
        (
            Some("samples"),
            8,
            ErrorKind::ElementSize {
                expected: 5,
                found: 4
            }
        )
    );
    // New code still checks what it knows of its own elements.
    let mut bytes = packed.as_bytes().to_vec();
    bytes[10 + 5] = 3; // the first element's `flag`
    let err = elem_v2::Series::validate(&bytes).unwrap_err();
    assert_eq!((err.field, err.offset), (Some("samples"), 10));
}
