//! Golden fixtures: they pin the byte format.
//!
//! Every expected blob below was derived by hand from the format (prefix,
//! then per version segment a null bitmap and the slots in declaration order,
//! then the payloads of the variable-length fields in field order) and is
//! written as commented parts so that a reader can audit it. The code must
//! produce exactly these bytes and decode them back to the value; a change to
//! any of them is a change of the storage format.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
// The fingerprint's building blocks are the derive's, reached as it does.
use factpack::__private::{mix, tag, FixedField};
use factpack::{FactView, Facts, FieldInfo, FieldKind, Packed, TimeUnit};

/// Joins the commented parts of an expected blob.
fn hex(parts: &[&str]) -> String {
    parts.concat()
}

/// Packs `value`, checks its bytes against `expected` and decodes the literal back.
#[track_caller]
fn assert_golden<T: Facts + PartialEq + core::fmt::Debug>(value: &T, expected: &str) {
    let packed = value.pack();
    assert_eq!(hex::encode(packed.as_bytes()), expected, "packed bytes");
    let bytes = hex::decode(expected).unwrap();
    let view = T::view(&bytes).unwrap();
    assert_eq!(&view.unpack(), value, "decoding the literal");
    let owned = Packed::<T>::from_bytes(bytes).unwrap();
    assert_eq!(owned, packed);
}

// ---------------------------------------------------------------------------
// An all-fixed type.

#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 1)]
pub struct Tiny {
    pub flag: bool,
    pub count: u16,
    pub delta: i64,
    pub at: Option<DateTime<Utc>>,
}

/// 2024-05-01T09:30:00Z = 1_714_555_800 s = 1_714_555_800_000_000 us = 0x0006_1768_2161_1600.
fn may_first() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 9, 30, 0).unwrap()
}

#[test]
fn tiny_layout() {
    // prefix 0..3 | bitmap 3 (1 nullable) | flag 4 | count 5..7 | delta 7..15 | at 15..23
    assert_eq!(Tiny::VERSION, 1);
    assert_eq!(Tiny::HEADER_LEN, 23);
    assert_eq!(Tiny::HEADER_LENS, &[23]);
    const { assert!(!Tiny::HAS_TAIL) };
    assert_eq!(Tiny::FLAG.offset(), 4);
    assert_eq!(Tiny::COUNT.offset(), 5);
    assert_eq!(Tiny::DELTA.offset(), 7);
    assert_eq!(Tiny::AT.offset(), 15);
    assert_eq!(
        [
            Tiny::FLAG.size(),
            Tiny::COUNT.size(),
            Tiny::DELTA.size(),
            Tiny::AT.size()
        ],
        [1, 2, 8, 8]
    );
    assert_eq!(Tiny::AT.name(), "at");
    assert_eq!(Tiny::AT.since(), 1);
    let timestamp_us = mix(tag("timestamp"), u64::from(factpack::unit::MICROS));
    assert_eq!(
        Tiny::FIELDS,
        &[
            FieldInfo {
                name: "flag",
                offset: 4,
                size: 1,
                null: None,
                variable: false,
                since: 1,
                type_fp: tag("bool"),
                kind: FieldKind::Bool,
                indexed: false,
            },
            FieldInfo {
                name: "count",
                offset: 5,
                size: 2,
                null: None,
                variable: false,
                since: 1,
                type_fp: tag("u16"),
                kind: FieldKind::U16,
                indexed: false,
            },
            FieldInfo {
                name: "delta",
                offset: 7,
                size: 8,
                null: None,
                variable: false,
                since: 1,
                type_fp: tag("i64"),
                kind: FieldKind::I64,
                indexed: false,
            },
            FieldInfo {
                name: "at",
                offset: 15,
                size: 8,
                null: Some((3, 0x01)),
                variable: false,
                since: 1,
                type_fp: mix(tag("option"), timestamp_us),
                kind: FieldKind::Timestamp {
                    unit: TimeUnit::Micros,
                    utc: true,
                },
                indexed: false,
            },
        ]
    );
    assert_eq!(Tiny::field("count"), Some(&Tiny::FIELDS[1]));
    assert_eq!(Tiny::field("nope"), None);
}

#[test]
fn tiny_golden() {
    let value = Tiny {
        flag: true,
        count: 0x1234,
        delta: -2,
        at: Some(may_first()),
    };
    let expected = hex(&[
        "01",               // version 1
        "1700",             // header length 23
        "01",               // bitmap: `at` present
        "01",               // flag = true
        "3412",             // count = 0x1234
        "feffffffffffffff", // delta = -2
        "0016682161170600", // at = 1_714_555_800_000_000 us
    ]);
    assert_golden(&value, &expected);
    let packed = value.pack();
    assert_eq!(packed.get(Tiny::AT), Some(Some(may_first())));
    assert_eq!(packed.get(Tiny::COUNT), Some(0x1234));
}

#[test]
fn tiny_golden_null_and_zero() {
    let value = Tiny {
        flag: false,
        count: 0,
        delta: 0,
        at: None,
    };
    let expected = hex(&[
        "01",               // version 1
        "1700",             // header length 23
        "00",               // bitmap: `at` null
        "00",               // flag = false
        "0000",             // count = 0
        "0000000000000000", // delta = 0
        "0000000000000000", // at: null, zeroed slot
    ]);
    assert_golden(&value, &expected);
}

#[test]
fn tiny_golden_epoch_is_not_null() {
    // The epoch encodes as 0, like a null slot: only the bitmap tells them apart.
    let value = Tiny {
        flag: false,
        count: 0xffff,
        delta: i64::MIN,
        at: Some(DateTime::UNIX_EPOCH),
    };
    let expected = hex(&[
        "01",               // version 1
        "1700",             // header length 23
        "01",               // bitmap: `at` present
        "00",               // flag = false
        "ffff",             // count = 65535
        "0000000000000080", // delta = i64::MIN
        "0000000000000000", // at = 0 us (the epoch)
    ]);
    assert_golden(&value, &expected);
}

// ---------------------------------------------------------------------------
// Variable-length fields.

#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 1)]
pub struct Texts {
    pub name: String,
    pub ids: Vec<u32>,
    pub tags: Vec<String>,
    pub note: Option<String>,
}

#[test]
fn texts_layout() {
    // prefix 0..3 | bitmap 3 | name 4..8 | ids 8..12 | tags 12..16 | note 16..20
    assert_eq!(Texts::HEADER_LEN, 20);
    assert_eq!(Texts::HEADER_LENS, &[20]);
    const { assert!(Texts::HAS_TAIL) };
    let offsets: Vec<_> = Texts::FIELDS.iter().map(|f| (f.name, f.offset)).collect();
    assert_eq!(
        offsets,
        [("name", 4), ("ids", 8), ("tags", 12), ("note", 16)]
    );
    assert!(Texts::FIELDS.iter().all(|f| f.variable && f.size == 4));
    assert_eq!(Texts::NAME.offset(), 4);
    assert_eq!(Texts::IDS.offset(), 8);
    assert_eq!(Texts::TAGS.offset(), 12);
    assert_eq!(Texts::NOTE.offset(), 16);
    assert_eq!(Texts::FIELDS[3].null, Some((3, 0x01)));
    assert_eq!(Texts::FIELDS[0].null, None);
}

#[test]
fn texts_golden() {
    let value = Texts {
        name: "hé".into(),
        ids: vec![1, 0x0102_0304],
        tags: vec!["a".into(), String::new(), "bc".into()],
        note: Some("x".into()),
    };
    let expected = hex(&[
        "01",       // version 1
        "1400",     // header length 20
        "01",       // bitmap: `note` present
        "17000000", // name ends at 23
        "1f000000", // ids end at 31
        "32000000", // tags end at 50
        "33000000", // note ends at 51
        // payloads, from 20
        "68c3a9", // name: "hé" (20..23)
        "01000000", "04030201", // ids: [1, 0x01020304] (23..31)
        "03000000", // tags: count 3 (31..50)
        "01000000", "01000000", "03000000", // ends 1, 1, 3
        "616263",   // "a" "" "bc"
        "78",       // note: "x" (50..51)
    ]);
    assert_golden(&value, &expected);
    let bytes = hex::decode(&expected).unwrap();
    let view = Texts::view(&bytes).unwrap();
    assert_eq!(view.name(), "hé");
    assert_eq!(view.ids().len(), 2);
    assert_eq!(view.ids().get(1), Some(0x0102_0304));
    assert_eq!(view.ids().as_bytes(), &bytes[23..31]);
    assert_eq!(view.tags().len(), 3);
    assert_eq!(view.tags().get(1), Some(""));
    assert_eq!(view.tags().ends().collect::<Vec<_>>(), [1, 1, 3]);
    assert_eq!(view.tags().data(), b"abc");
    assert_eq!(view.note(), Some("x"));
}

#[test]
fn texts_golden_empty_and_null() {
    let value = Texts {
        name: String::new(),
        ids: vec![],
        tags: vec![],
        note: None,
    };
    // Every payload is empty, so every end pointer is the header length.
    let expected = hex(&[
        "01",       // version 1
        "1400",     // header length 20
        "00",       // bitmap: `note` null
        "14000000", // name ends at 20
        "14000000", // ids end at 20
        "14000000", // tags end at 20 (empty list: empty payload)
        "14000000", // note: null, empty payload
    ]);
    assert_golden(&value, &expected);
    // A present empty string differs from null only in the bitmap.
    let some_empty = Texts {
        note: Some(String::new()),
        ..value
    };
    let expected = hex(&[
        "01",       // version 1
        "1400",     // header length 20
        "01",       // bitmap: `note` present
        "14000000", // name ends at 20
        "14000000", // ids end at 20
        "14000000", // tags end at 20
        "14000000", // note ends at 20: ""
    ]);
    assert_golden(&some_empty, &expected);
}

#[test]
fn texts_golden_null_between_payloads() {
    // A null variable-length field in the middle: its end is its start.
    #[derive(Facts, Debug, Clone, PartialEq)]
    #[facts(version = 1)]
    pub struct Sandwich {
        pub a: String,
        pub b: Option<String>,
        pub c: String,
    }
    let value = Sandwich {
        a: "A".into(),
        b: None,
        c: "C".into(),
    };
    let expected = hex(&[
        "01",       // version 1
        "1000",     // header length 16
        "00",       // bitmap: `b` null
        "11000000", // a ends at 17
        "11000000", // b: null, ends where it starts (17)
        "12000000", // c ends at 18
        "41",       // a: "A"
        "43",       // c: "C"
    ]);
    assert_golden(&value, &expected);
}

// ---------------------------------------------------------------------------
// Nested facts.

#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 1)]
pub struct Point {
    pub x: i32,
    pub y: Option<i16>,
}

#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 1)]
pub struct Shape {
    pub id: u8,
    pub origin: Point,
    pub corner: Option<Point>,
    pub points: Vec<Point>,
}

#[test]
fn nested_layout() {
    // Point: prefix 0..3 | bitmap 3 | x 4..8 | y 8..10; its body is 3..10.
    assert_eq!(Point::HEADER_LEN, 10);
    assert_eq!(<Point as FixedField>::SIZE, 7);
    assert_eq!(<Point as FixedField>::ELEMENT_SIZES, &[7]);
    // Shape: prefix | bitmap 3 | id 4 | origin 5..12 | corner 12..19 | points 19..23
    assert_eq!(Shape::HEADER_LEN, 23);
    assert_eq!(Shape::ID.offset(), 4);
    assert_eq!(Shape::ORIGIN.offset(), 5);
    assert_eq!(Shape::ORIGIN.size(), 7);
    assert_eq!(Shape::CORNER.offset(), 12);
    assert_eq!(Shape::POINTS.offset(), 19);
    assert_eq!(Shape::FIELDS[2].null, Some((3, 0x01)));
    // The parent's fingerprint covers the nested type's whole layout.
    assert_eq!(
        Shape::FIELDS[1].type_fp,
        mix(tag("nested fact"), Point::FINGERPRINT)
    );
}

#[test]
fn nested_golden() {
    let value = Shape {
        id: 7,
        origin: Point { x: -1, y: Some(2) },
        corner: None,
        points: vec![Point { x: 1, y: None }, Point { x: 2, y: Some(-2) }],
    };
    let expected = hex(&[
        "01",   // version 1
        "1700", // header length 23
        "00",   // bitmap: `corner` null
        "07",   // id = 7
        // origin: Point's body, no prefix: y present, x = -1, y = 2
        "01",
        "ffffffff",
        "0200",
        "00000000000000", // corner: null, 7 zero bytes
        "28000000",       // points end at 40
        // points payload: one list header (elements of version 1, 7 bytes
        // each), then the bodies back to back
        "01",
        "0700",
        "00",
        "01000000",
        "0000", // y null, x = 1, y zeroed
        "01",
        "02000000",
        "feff", // y present, x = 2, y = -2
    ]);
    assert_golden(&value, &expected);
    let bytes = hex::decode(&expected).unwrap();
    let view = Shape::view(&bytes).unwrap();
    assert_eq!(view.origin().as_bytes(), &bytes[5..12]);
    assert_eq!(view.origin().y(), Some(2));
    assert!(view.corner().is_none());
    assert_eq!(view.points().len(), 2);
    assert_eq!(view.points().stride(), 7);
    assert_eq!(view.points().first().map(|p| p.x()), Some(1));
    assert_eq!(view.points().get(1).map(|p| p.y()), Some(Some(-2)));
    assert_eq!(view.points().as_bytes(), &bytes[26..40]);
}

/// A list of nested facts that is empty has an empty payload: no list header.
#[test]
fn empty_list_of_nested_facts_golden() {
    let value = Shape {
        id: 1,
        origin: Point { x: 0, y: None },
        corner: Some(Point { x: 3, y: None }),
        points: vec![],
    };
    let expected = hex(&[
        "01", "1700", "01", // bitmap: `corner` present
        "01", "00", "00000000", "0000", "00", "03000000", "0000",
        "17000000", // points end at 23: empty
    ]);
    assert_golden(&value, &expected);
}

// ---------------------------------------------------------------------------
// Time units and the other fixed types.

#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 1)]
pub struct Units {
    pub day: NaiveDate,
    #[facts(unit = "s")]
    pub at_s: DateTime<Utc>,
    #[facts(unit = "ms")]
    pub at_ms: DateTime<Utc>,
    #[facts(unit = "ns")]
    pub at_ns: DateTime<Utc>,
    pub naive: NaiveDateTime,
    pub took: TimeDelta,
    #[facts(unit = "ms")]
    pub took_ms: TimeDelta,
    pub hash: [u8; 4],
    pub ratio: f64,
}

#[test]
fn units_golden() {
    // No nullable field: no bitmap. day 3..7 | at_s 7..15 | at_ms 15..23 |
    // at_ns 23..31 | naive 31..39 | took 39..47 | took_ms 47..55 | hash 55..59 | ratio 59..67
    assert_eq!(Units::HEADER_LEN, 67);
    assert_eq!(Units::DAY.offset(), 3);
    assert_eq!(Units::RATIO.offset(), 59);
    let value = Units {
        day: NaiveDate::from_ymd_opt(1969, 12, 31).unwrap(),
        at_s: DateTime::from_timestamp(-1, 500_000_000).unwrap(), // -0.5 s
        at_ms: DateTime::from_timestamp(1, 1_500_000).unwrap(),   // 1.0015 s
        at_ns: DateTime::from_timestamp(0, 7).unwrap(),
        naive: DateTime::from_timestamp(0, 1_000).unwrap().naive_utc(),
        took: TimeDelta::milliseconds(-1_500),
        took_ms: TimeDelta::microseconds(1_500_900),
        hash: [0xde, 0xad, 0xbe, 0xef],
        ratio: 1.5,
    };
    let expected = hex(&[
        "01",               // version 1
        "4300",             // header length 67
        "ffffffff",         // day: -1 day since 1970-01-01
        "ffffffffffffffff", // at_s: -0.5 s floored to -1 s
        "e903000000000000", // at_ms: 1.0015 s floored to 1001 ms
        "0700000000000000", // at_ns: 7 ns
        "0100000000000000", // naive: 1 us (default unit)
        "ffffffffffffffff", // took: -1.5 s truncated toward zero to -1 s (default unit)
        "dc05000000000000", // took_ms: 1500.9 ms truncated to 1500 ms
        "deadbeef",         // hash
        "000000000000f83f", // ratio: 1.5
    ]);
    let packed = value.pack();
    assert_eq!(hex::encode(packed.as_bytes()), expected);
    // Decoding gives the values as stored, at their unit.
    let truncated = Units {
        at_s: DateTime::from_timestamp(-1, 0).unwrap(),
        at_ms: DateTime::from_timestamp(1, 1_000_000).unwrap(),
        took: TimeDelta::seconds(-1),
        took_ms: TimeDelta::milliseconds(1_500),
        ..value
    };
    assert_golden(&truncated, &expected);
}

// ---------------------------------------------------------------------------
// Version 2: an appended segment.

#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 1)]
pub struct EvolvedV1 {
    pub a: u32,
    pub label: String,
}

#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 2)]
pub struct Evolved {
    pub a: u32,
    pub label: String,
    #[facts(since = 2)]
    pub b: Option<u16>,
    #[facts(since = 2, default)]
    pub c: i8,
    #[facts(since = 2)]
    pub more: Option<String>,
}

#[test]
fn evolved_layout() {
    // segment 1: no nullable, no bitmap: a 3..7 | label 7..11
    // segment 2: bitmap 11 (b, more) | b 12..14 | c 14 | more 15..19
    assert_eq!(Evolved::VERSION, 2);
    assert_eq!(Evolved::HEADER_LENS, &[11, 19]);
    assert_eq!(Evolved::HEADER_LEN, 19);
    assert_eq!(EvolvedV1::HEADER_LENS, &[11]);
    assert_eq!(Evolved::A.offset(), 3);
    assert_eq!(Evolved::LABEL.offset(), 7);
    assert_eq!(Evolved::B.offset(), 12);
    assert_eq!(Evolved::C.offset(), 14);
    assert_eq!(Evolved::MORE.offset(), 15);
    assert_eq!(Evolved::B.since(), 2);
    assert_eq!(Evolved::A.since(), 1);
    assert_eq!(Evolved::FIELDS[2].null, Some((11, 0x01)));
    assert_eq!(Evolved::FIELDS[4].null, Some((11, 0x02)));
    let since: Vec<_> = Evolved::FIELDS.iter().map(|f| f.since).collect();
    assert_eq!(since, [1, 1, 2, 2, 2]);
    // The offsets of the fields both versions have agree.
    for (old, new) in EvolvedV1::FIELDS.iter().zip(Evolved::FIELDS) {
        assert_eq!(old, new);
    }
}

#[test]
fn evolved_golden() {
    let value = Evolved {
        a: 1,
        label: "hi".into(),
        b: Some(0xbeef),
        c: -1,
        more: Some("yo".into()),
    };
    let expected = hex(&[
        "02",       // version 2
        "1300",     // header length 19
        "01000000", // a = 1
        "15000000", // label ends at 21
        "03",       // segment 2 bitmap: b and more present
        "efbe",     // b = 0xbeef
        "ff",       // c = -1
        "17000000", // more ends at 23
        "6869",     // label: "hi" (19..21)
        "796f",     // more: "yo" (21..23)
    ]);
    assert_golden(&value, &expected);
}

#[test]
fn evolved_reads_a_hand_written_v1_blob() {
    let v1 = hex(&[
        "01",       // version 1
        "0b00",     // header length 11
        "01000000", // a = 1
        "0d000000", // label ends at 13
        "6869",     // label: "hi"
    ]);
    assert_golden(
        &EvolvedV1 {
            a: 1,
            label: "hi".into(),
        },
        &v1,
    );
    let bytes = hex::decode(&v1).unwrap();
    let view = Evolved::view(&bytes).unwrap();
    assert_eq!(view.version(), 1);
    assert_eq!(
        view.unpack(),
        Evolved {
            a: 1,
            label: "hi".into(),
            b: None,
            c: 0,
            more: None,
        }
    );
}

// ---------------------------------------------------------------------------
// Fingerprints.

/// FNV-1a 64, written out again here so that the pinned literals can be audited.
fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn tag_by_hand(name: &str) -> u64 {
    fnv(fnv(0xcbf2_9ce4_8422_2325, b"factpack"), name.as_bytes())
}

fn mix_by_hand(h: u64, v: u64) -> u64 {
    fnv(h, &v.to_le_bytes())
}

/// start = mix(tag("fact"), FORMAT_REVISION = 1); then per field:
/// mix(len(name)), name bytes, mix(type_fp), mix(nullable << 8 | since).
fn fingerprint_by_hand(fields: &[(&str, u64, bool, u8)]) -> u64 {
    let mut h = mix_by_hand(tag_by_hand("fact"), 1);
    for (name, type_fp, nullable, since) in fields {
        h = fnv(mix_by_hand(h, name.len() as u64), name.as_bytes());
        h = mix_by_hand(h, *type_fp);
        h = mix_by_hand(h, u64::from(*nullable) << 8 | u64::from(*since));
    }
    h
}

#[test]
fn fingerprint_building_blocks_are_fnv1a() {
    assert_eq!(tag("bool"), tag_by_hand("bool"));
    assert_eq!(mix(tag("list"), 3), mix_by_hand(tag_by_hand("list"), 3));
}

#[test]
fn fingerprints_are_pinned() {
    let option = |t| mix_by_hand(tag_by_hand("option"), t);
    let list = |t| mix_by_hand(tag_by_hand("list"), t);
    let micros = mix_by_hand(tag_by_hand("timestamp"), 3);
    let tiny = fingerprint_by_hand(&[
        ("flag", tag_by_hand("bool"), false, 1),
        ("count", tag_by_hand("u16"), false, 1),
        ("delta", tag_by_hand("i64"), false, 1),
        ("at", option(micros), true, 1),
    ]);
    assert_eq!(tiny, 0xb177_ad4f_3a5b_a2a8);
    assert_eq!(Tiny::FINGERPRINT, 0xb177_ad4f_3a5b_a2a8);
    assert_eq!(Tiny::FINGERPRINTS, &[0xb177_ad4f_3a5b_a2a8]);

    let utf8 = tag_by_hand("utf8");
    let texts = fingerprint_by_hand(&[
        ("name", utf8, false, 1),
        ("ids", list(tag_by_hand("u32")), false, 1),
        ("tags", list(utf8), false, 1),
        ("note", option(utf8), true, 1),
    ]);
    assert_eq!(texts, 0x9805_5483_ceb5_979b);
    assert_eq!(Texts::FINGERPRINT, 0x9805_5483_ceb5_979b);

    let point = fingerprint_by_hand(&[
        ("x", tag_by_hand("i32"), false, 1),
        ("y", option(tag_by_hand("i16")), true, 1),
    ]);
    assert_eq!(point, 0x3e51_dff7_81d5_8e3e);
    assert_eq!(Point::FINGERPRINT, 0x3e51_dff7_81d5_8e3e);
    let nested = mix_by_hand(tag_by_hand("nested fact"), point);
    let shape = fingerprint_by_hand(&[
        ("id", tag_by_hand("u8"), false, 1),
        ("origin", nested, false, 1),
        ("corner", option(nested), true, 1),
        ("points", list(nested), false, 1),
    ]);
    assert_eq!(shape, 0xedcc_1f68_c001_0864);
    assert_eq!(Shape::FINGERPRINT, 0xedcc_1f68_c001_0864);

    let v1 = [
        ("a", tag_by_hand("u32"), false, 1),
        ("label", utf8, false, 1),
    ];
    assert_eq!(fingerprint_by_hand(&v1), 0xcdea_1a4f_df13_bf82);
    let mut v2 = v1.to_vec();
    v2.extend([
        ("b", option(tag_by_hand("u16")), true, 2),
        ("c", tag_by_hand("i8"), false, 2),
        ("more", option(utf8), true, 2),
    ]);
    assert_eq!(fingerprint_by_hand(&v2), 0xb2bd_a209_9b6a_1d24);
    assert_eq!(EvolvedV1::FINGERPRINT, 0xcdea_1a4f_df13_bf82);
    assert_eq!(
        Evolved::FINGERPRINTS,
        &[0xcdea_1a4f_df13_bf82, 0xb2bd_a209_9b6a_1d24]
    );
    assert_eq!(Evolved::FINGERPRINT, 0xb2bd_a209_9b6a_1d24);
    assert_eq!(Evolved::fingerprint_at(1), Some(EvolvedV1::FINGERPRINT));
    assert_eq!(Evolved::fingerprint_at(2), Some(Evolved::FINGERPRINT));
    assert_eq!(Evolved::fingerprint_at(0), None);
    assert_eq!(Evolved::fingerprint_at(3), None);
}

/// Near-identical copies of `Tiny`, each with one change.
mod near {
    use chrono::{DateTime, Utc};
    use factpack::Facts;

    /// Same fields as `Tiny` under another type name.
    #[derive(Facts, Debug)]
    pub struct Same {
        pub flag: bool,
        pub count: u16,
        pub delta: i64,
        pub at: Option<DateTime<Utc>>,
    }

    /// `count` is a `u32`.
    #[derive(Facts, Debug)]
    pub struct Retyped {
        pub flag: bool,
        pub count: u32,
        pub delta: i64,
        pub at: Option<DateTime<Utc>>,
    }

    /// `count` is a signed `i16`, same size.
    #[derive(Facts, Debug)]
    pub struct Signed {
        pub flag: bool,
        pub count: i16,
        pub delta: i64,
        pub at: Option<DateTime<Utc>>,
    }

    /// `count` is called `counter`.
    #[derive(Facts, Debug)]
    pub struct Renamed {
        pub flag: bool,
        pub counter: u16,
        pub delta: i64,
        pub at: Option<DateTime<Utc>>,
    }

    /// `count` before `flag`.
    #[derive(Facts, Debug)]
    pub struct Reordered {
        pub count: u16,
        pub flag: bool,
        pub delta: i64,
        pub at: Option<DateTime<Utc>>,
    }

    /// `at` is not nullable.
    #[derive(Facts, Debug)]
    pub struct NotNull {
        pub flag: bool,
        pub count: u16,
        pub delta: i64,
        pub at: DateTime<Utc>,
    }

    /// `count` is nullable.
    #[derive(Facts, Debug)]
    pub struct Nullable {
        pub flag: bool,
        pub count: Option<u16>,
        pub delta: i64,
        pub at: Option<DateTime<Utc>>,
    }

    /// `at` is stored in milliseconds.
    #[derive(Facts, Debug)]
    pub struct Millis {
        pub flag: bool,
        pub count: u16,
        pub delta: i64,
        #[facts(unit = "ms")]
        pub at: Option<DateTime<Utc>>,
    }

    /// `at` explicitly in microseconds, the default unit.
    #[derive(Facts, Debug)]
    pub struct Micros {
        pub flag: bool,
        pub count: u16,
        pub delta: i64,
        #[facts(unit = "us")]
        pub at: Option<DateTime<Utc>>,
    }

    /// `at` is a `NaiveDateTime` with the same encoding.
    #[derive(Facts, Debug)]
    pub struct Naive {
        pub flag: bool,
        pub count: u16,
        pub delta: i64,
        pub at: Option<chrono::NaiveDateTime>,
    }

    /// `at` dropped.
    #[derive(Facts, Debug)]
    pub struct Dropped {
        pub flag: bool,
        pub count: u16,
        pub delta: i64,
    }

    /// `at` added in version 2 instead of 1.
    #[derive(Facts, Debug)]
    #[facts(version = 2)]
    pub struct Later {
        pub flag: bool,
        pub count: u16,
        pub delta: i64,
        #[facts(since = 2)]
        pub at: Option<DateTime<Utc>>,
    }

    /// `Tiny` plus a field appended in version 2.
    #[derive(Facts, Debug)]
    #[facts(version = 2)]
    pub struct Appended {
        pub flag: bool,
        pub count: u16,
        pub delta: i64,
        pub at: Option<DateTime<Utc>>,
        #[facts(since = 2)]
        pub extra: Option<u8>,
    }

    /// `Tiny` with a transient field: not stored, so not in the fingerprint.
    #[derive(Facts, Debug)]
    pub struct WithTransient {
        pub flag: bool,
        pub count: u16,
        pub delta: i64,
        pub at: Option<DateTime<Utc>>,
        #[facts(transient)]
        pub cache: Option<String>,
    }

    /// A point whose `y` is an `i32`: changes `Shape`'s fingerprint through nesting.
    #[derive(Facts, Debug)]
    pub struct Point {
        pub x: i32,
        pub y: Option<i32>,
    }

    /// `Shape` over the changed point.
    #[derive(Facts, Debug)]
    pub struct Shape {
        pub id: u8,
        pub origin: Point,
        pub corner: Option<Point>,
        pub points: Vec<Point>,
    }
}

#[test]
fn fingerprint_sees_every_layout_change() {
    let tiny = Tiny::FINGERPRINT;
    // The type's name is not part of the layout.
    assert_eq!(near::Same::FINGERPRINT, tiny);
    // Transient fields are not stored.
    assert_eq!(near::WithTransient::FINGERPRINT, tiny);
    // The explicit default unit is the default unit.
    assert_eq!(near::Micros::FINGERPRINT, tiny);
    let changed = [
        ("retyped", near::Retyped::FINGERPRINT),
        ("signed", near::Signed::FINGERPRINT),
        ("renamed", near::Renamed::FINGERPRINT),
        ("reordered", near::Reordered::FINGERPRINT),
        ("not null", near::NotNull::FINGERPRINT),
        ("nullable", near::Nullable::FINGERPRINT),
        ("millis", near::Millis::FINGERPRINT),
        ("naive", near::Naive::FINGERPRINT),
        ("dropped", near::Dropped::FINGERPRINT),
        ("later", near::Later::FINGERPRINT),
        ("appended", near::Appended::FINGERPRINT),
    ];
    for (i, (what, fp)) in changed.iter().enumerate() {
        assert_ne!(*fp, tiny, "{what}");
        for (other, fp2) in &changed[i + 1..] {
            assert_ne!(fp, fp2, "{what} vs {other}");
        }
    }
    // Appending a version-2 field keeps version 1's fingerprint.
    assert_eq!(near::Appended::FINGERPRINTS[0], tiny);
    assert_eq!(near::Appended::FINGERPRINTS[1], near::Appended::FINGERPRINT);
    // Moving a field to a later version changes both versions' fingerprints.
    assert_eq!(near::Later::FINGERPRINTS[0], near::Dropped::FINGERPRINT);
    assert_ne!(near::Later::FINGERPRINTS[1], tiny);
    // A nested type's layout reaches its parent.
    assert_ne!(near::Point::FINGERPRINT, Point::FINGERPRINT);
    assert_ne!(near::Shape::FINGERPRINT, Shape::FINGERPRINT);
    // A header length change is not the only signal: same size, other type.
    assert_eq!(near::Signed::HEADER_LEN, Tiny::HEADER_LEN);
    assert_eq!(near::Naive::HEADER_LEN, Tiny::HEADER_LEN);
}

// ---------------------------------------------------------------------------
// Fieldless enums: each variant is stored as its discriminant, little-endian,
// in the enum's repr (the narrowest unsigned type that holds the
// discriminants when no repr is given).

/// No repr, discriminants 1..=9: stored as a `u8`.
#[derive(factpack::FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Plan = 1,
    Build = 2,
    Ship = 9,
}

#[derive(factpack::FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i16)]
pub enum Trend {
    Down = -2,
    Flat = 0,
    Up = 0x0102,
}

/// A catch-all: every byte is a valid `Mark`.
#[derive(factpack::FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Clear = 0,
    #[facts(other)]
    Unknown = 7,
}

#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Job {
    pub phase: Phase,
    pub trend: Option<Trend>,
    pub mark: Mark,
    pub history: Vec<Trend>,
}

#[test]
fn enums_layout() {
    // prefix 0..3 | bitmap 3 (trend) | phase 4 | trend 5..7 | mark 7 | history end 8..12
    assert_eq!(Job::HEADER_LEN, 12);
    assert_eq!(
        [
            Job::PHASE.offset(),
            Job::TREND.offset(),
            Job::MARK.offset(),
            Job::HISTORY.offset()
        ],
        [4, 5, 7, 8]
    );
    assert_eq!(
        [Job::PHASE.size(), Job::TREND.size(), Job::MARK.size()],
        [1, 2, 1]
    );
    assert_eq!(Job::FIELDS[1].null, Some((3, 0x01)));
    let FieldKind::Enum { repr, variants, .. } = Job::FIELDS[1].kind else {
        panic!("trend is an enum");
    };
    assert_eq!(*repr, FieldKind::I16);
    let values: Vec<(&str, i128)> = variants.iter().map(|v| (v.name, v.value)).collect();
    assert_eq!(values, [("Down", -2), ("Flat", 0), ("Up", 0x0102)]);
}

#[test]
fn enums_golden() {
    let job = Job {
        phase: Phase::Ship,
        trend: Some(Trend::Up),
        mark: Mark::Clear,
        history: vec![Trend::Down, Trend::Up],
    };
    let expected = hex(&[
        "01",       // version 1
        "0c00",     // header length 12
        "01",       // bitmap: trend present
        "09",       // phase: Ship = 9, a u8
        "0201",     // trend: Up = 0x0102, an i16
        "00",       // mark: Clear = 0
        "10000000", // history ends at 16
        "feff",     // history[0]: Down = -2
        "0201",     // history[1]: Up
    ]);
    assert_golden(&job, &expected);
}

#[test]
fn enums_golden_null_empty_and_catch_all() {
    let job = Job {
        phase: Phase::Plan,
        trend: None,
        mark: Mark::Unknown,
        history: vec![],
    };
    let expected = hex(&[
        "01", "0c00",     //
        "00",       // bitmap: trend null
        "01",       // phase: Plan
        "0000",     // trend: null, all zero
        "07",       // mark: Unknown = 7
        "0c000000", // history: empty, ends at 12
    ]);
    assert_golden(&job, &expected);
    // Any other mark byte reads as the catch-all, and packs back as 7.
    let mut bytes = hex::decode(&expected).unwrap();
    bytes[7] = 0x42;
    let view = Job::view(&bytes).unwrap();
    assert_eq!(view.mark(), Mark::Unknown);
    assert_eq!(hex::encode(view.unpack().pack().as_bytes()), expected);
}

/// An enum's encoding: mix(tag("enum"), repr's), the variant count, then per
/// variant its name's tag, its discriminant as two little-endian u64 halves
/// (i128), and whether it is the catch-all.
fn enum_fp_by_hand(repr: &str, variants: &[(&str, i128, bool)]) -> u64 {
    let mut h = mix_by_hand(tag_by_hand("enum"), tag_by_hand(repr));
    h = mix_by_hand(h, variants.len() as u64);
    for (name, value, other) in variants {
        h = mix_by_hand(h, tag_by_hand(name));
        h = mix_by_hand(h, *value as u64);
        h = mix_by_hand(h, (*value >> 64) as u64);
        h = mix_by_hand(h, u64::from(*other));
    }
    h
}

#[test]
fn enum_fingerprints_are_pinned() {
    use factpack::__private::FixedField;
    let phase = enum_fp_by_hand(
        "u8",
        &[("Plan", 1, false), ("Build", 2, false), ("Ship", 9, false)],
    );
    let trend = enum_fp_by_hand(
        "i16",
        &[
            ("Down", -2, false),
            ("Flat", 0, false),
            ("Up", 0x0102, false),
        ],
    );
    let mark = enum_fp_by_hand("u8", &[("Clear", 0, false), ("Unknown", 7, true)]);
    assert_eq!(<Phase as FixedField>::TYPE_FP, phase);
    assert_eq!(<Trend as FixedField>::TYPE_FP, trend);
    assert_eq!(<Mark as FixedField>::TYPE_FP, mark);
    let job = fingerprint_by_hand(&[
        ("phase", phase, false, 1),
        ("trend", mix_by_hand(tag_by_hand("option"), trend), true, 1),
        ("mark", mark, false, 1),
        ("history", mix_by_hand(tag_by_hand("list"), trend), false, 1),
    ]);
    assert_eq!(Job::FINGERPRINT, job);
    assert_eq!(job, 0x20e8_c1fc_d77d_d0e9);
}

// ---------------------------------------------------------------------------
// Arrays and tuples: their elements' slots back to back.

/// A fixed nested fact for the array fixtures: body = bitmap, x, y.
#[derive(Facts, Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    pub x: u8,
    pub y: Option<i16>,
}

#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Arrays {
    pub words: [u16; 3],
    pub bits: [bool; 2],
    pub phases: [Phase; 2],
    pub cells: [Cell; 2],
    pub grid: [[i8; 2]; 2],
    pub maybe: Option<[u32; 2]>,
    pub rows: Vec<[u8; 2]>,
    #[facts(unit = "s")]
    pub stamps: [DateTime<Utc>; 1],
}

#[test]
fn arrays_golden() {
    // bitmap 3 (maybe) | words 4..10 | bits 10..12 | phases 12..14 |
    // cells 14..22 (two bodies of 4) | grid 22..26 | maybe 26..34 |
    // rows 34..38 | stamps 38..46
    assert_eq!(Arrays::WORDS.offset(), 4);
    assert_eq!(Arrays::CELLS.offset(), 14);
    assert_eq!(Arrays::GRID.offset(), 22);
    assert_eq!(Arrays::MAYBE.offset(), 26);
    assert_eq!(Arrays::HEADER_LEN, 46);
    let value = Arrays {
        words: [1, 0x0203, 0xffff],
        bits: [true, false],
        phases: [Phase::Ship, Phase::Plan],
        cells: [Cell { x: 7, y: None }, Cell { x: 8, y: Some(-2) }],
        grid: [[1, -1], [2, -2]],
        maybe: Some([5, 6]),
        rows: vec![[0xaa, 0xbb], [0xcc, 0xdd]],
        stamps: [DateTime::from_timestamp(2, 0).unwrap()],
    };
    let expected = hex(&[
        "01",               // version 1
        "2e00",             // header length 46
        "01",               // bitmap: maybe present
        "01000302ffff",     // words: 1, 0x0203, 0xffff
        "0100",             // bits: true, false
        "0901",             // phases: Ship = 9, Plan = 1
        "00070000",         // cells[0]: bitmap (y null), x 7, y zero
        "0108feff",         // cells[1]: bitmap (y present), x 8, y -2
        "01ff02fe",         // grid: [1, -1], [2, -2]
        "0500000006000000", // maybe: [5, 6]
        "32000000",         // rows: end of payload at 50
        "0200000000000000", // stamps: [2 s]
        "aabbccdd",         // rows' payload: two [u8; 2] back to back
    ]);
    assert_golden(&value, &expected);
    let null = Arrays {
        maybe: None,
        rows: vec![],
        ..value
    };
    let bytes = null.pack();
    assert_eq!(bytes.as_bytes()[3], 0, "bitmap: maybe null");
    assert_eq!(
        &bytes.as_bytes()[26..34],
        &[0; 8],
        "a null array's slot is zero"
    );
}

#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Tuples {
    pub pair: (u32, f64),
    pub triple: (i64, [u8; 4], bool),
    pub maybe: Option<(Phase, u8)>,
    pub list: Vec<(u8, i16)>,
}

#[test]
fn tuples_golden() {
    // bitmap 3 (maybe) | pair 4..16 | triple 16..29 | maybe 29..31 | list 31..35
    assert_eq!(Tuples::TRIPLE.offset(), 16);
    assert_eq!(Tuples::MAYBE.offset(), 29);
    assert_eq!(Tuples::HEADER_LEN, 35);
    let value = Tuples {
        pair: (7, 1.5),
        triple: (-1, [1, 2, 3, 4], true),
        maybe: Some((Phase::Build, 0x10)),
        list: vec![(1, -1), (2, 0x0102)],
    };
    let expected = hex(&[
        "01",               // version 1
        "2300",             // header length 35
        "01",               // bitmap: maybe present
        "07000000",         // pair.0: 7
        "000000000000f83f", // pair.1: 1.5
        "ffffffffffffffff", // triple.0: -1
        "01020304",         // triple.1
        "01",               // triple.2: true
        "0210",             // maybe: Build = 2, 0x10
        "29000000",         // list: end of payload at 41
        "01ffff",           // list[0]: 1, -1
        "020201",           // list[1]: 2, 0x0102
    ]);
    assert_golden(&value, &expected);
}

#[test]
fn array_and_tuple_fingerprints_are_pinned() {
    let array = |t, n| mix_by_hand(mix_by_hand(tag_by_hand("array"), t), n);
    // `[u8; N]` keeps the byte string's encoding fingerprint.
    assert_eq!(
        <[u8; 4] as FixedField>::TYPE_FP,
        mix_by_hand(tag_by_hand("bytes"), 4)
    );
    assert_eq!(
        <[u16; 3] as FixedField>::TYPE_FP,
        array(tag_by_hand("u16"), 3)
    );
    assert_eq!(
        <[[i8; 2]; 2] as FixedField>::TYPE_FP,
        array(array(tag_by_hand("i8"), 2), 2)
    );
    let mut pair = mix_by_hand(tag_by_hand("tuple"), 2);
    pair = mix_by_hand(pair, tag_by_hand("u32"));
    pair = mix_by_hand(pair, tag_by_hand("f64"));
    assert_eq!(<(u32, f64) as FixedField>::TYPE_FP, pair);
    // Order matters.
    assert_ne!(
        <(u8, i16) as FixedField>::TYPE_FP,
        <(i16, u8) as FixedField>::TYPE_FP
    );
}
