//! Enums whose variants carry data: a variable-length field whose payload is
//! the variant's tag, then its value (a fact's whole blob, a fixed-size
//! value's slot, nothing). Golden bytes, views, corruption, catch-alls,
//! evolution of a variant's fact, serde and columns.

use factpack::{EnumValue, ErrorKind, FactEnum, FactView, Facts, FieldKind, Packed, UnknownTag};

#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Circle {
    pub radius: u32,
    pub label: String,
}

#[derive(FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    Solid = 1,
    Hatched = 2,
}

#[derive(FactEnum, Debug, Clone, PartialEq)]
#[repr(u8)]
pub enum Shape {
    Circle(Circle) = 2,
    Point = 3,
    Code(u32) = 4,
    Filled(Fill) = 5,
    Corners([i16; 2]) = 6,
}

#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Drawing {
    pub id: u16,
    pub shape: Shape,
    pub maybe: Option<Shape>,
}

fn circle() -> Shape {
    Shape::Circle(Circle {
        radius: 5,
        label: "ab".into(),
    })
}

fn drawing() -> Drawing {
    Drawing {
        id: 7,
        shape: circle(),
        maybe: Some(Shape::Code(0x0102_0304)),
    }
}

/// prefix 0..3 | bitmap 3 (maybe) | id 4..6 | shape 6..10 | maybe 10..14
const SHAPE: usize = 6;
const MAYBE: usize = 10;
const TAIL: usize = 14;

#[track_caller]
fn golden(value: &Drawing, expected: &str) {
    let packed = value.pack();
    assert_eq!(hex::encode(packed.as_bytes()), expected);
    let bytes = hex::decode(expected).unwrap();
    assert_eq!(Drawing::view(&bytes).unwrap().unpack(), *value);
}

#[test]
fn layout_and_kind() {
    assert_eq!(Drawing::HEADER_LEN, TAIL);
    assert_eq!(Drawing::SHAPE.offset(), SHAPE);
    assert_eq!(Drawing::MAYBE.offset(), MAYBE);
    let info = Drawing::field("shape").unwrap();
    assert!(info.variable);
    assert_eq!(info.size, 4);
    let FieldKind::Union {
        name,
        repr,
        variants,
    } = info.kind
    else {
        panic!("{:?}", info.kind);
    };
    assert_eq!((name, *repr), ("Shape", FieldKind::U8));
    let names: Vec<(&str, i128)> = variants.iter().map(|v| (v.name, v.value)).collect();
    assert_eq!(
        names,
        [
            ("Circle", 2),
            ("Point", 3),
            ("Code", 4),
            ("Filled", 5),
            ("Corners", 6)
        ]
    );
    assert!(info.kind.is_variable());
    assert_eq!(info.kind.fixed_size(), None);
}

#[test]
fn a_fact_variant_is_its_tag_then_its_whole_blob() {
    golden(
        &drawing(),
        &[
            "01",       // version 1
            "0e00",     // header length 14
            "01",       // bitmap: maybe present
            "0700",     // id 7
            "1c000000", // shape: payload ends at 28
            "21000000", // maybe: payload ends at 33
            // shape's payload: tag 2, then Circle's blob (prefix included)
            "02", "010b00",   // Circle: version 1, header length 11
            "05000000", // radius 5
            "0d000000", // label ends at 13 (Circle's own offsets)
            "6162",     // "ab"
            // maybe's payload: tag 4, then the u32
            "04", "04030201",
        ]
        .concat(),
    );
}

#[test]
fn unit_fixed_and_null_variants() {
    let value = Drawing {
        id: 1,
        shape: Shape::Point,
        maybe: None,
    };
    golden(
        &value,
        &[
            "010e00",   // prefix
            "00",       // bitmap: maybe null
            "0100",     // id
            "0f000000", // shape ends at 15: the tag alone
            "0f000000", // maybe: empty payload
            "03",       // Point
        ]
        .concat(),
    );
    let value = Drawing {
        id: 2,
        shape: Shape::Filled(Fill::Hatched),
        maybe: Some(Shape::Corners([-1, 0x0102])),
    };
    golden(
        &value,
        &[
            "010e00",
            "01",
            "0200",
            "10000000",   // shape ends at 16
            "15000000",   // maybe ends at 21
            "0502",       // Filled, Hatched = 2
            "06ffff0201", // Corners, [-1, 0x0102]
        ]
        .concat(),
    );
}

#[test]
fn the_view_reads_each_variant_without_copying() {
    let packed = drawing().pack();
    let view = packed.view();
    let ShapeView::Circle(c) = view.shape() else {
        panic!("{:?}", view.shape());
    };
    assert_eq!((c.radius(), c.label()), (5, "ab"));
    // The nested view borrows the parent's bytes.
    let label = c.label().as_ptr() as usize;
    let range = packed.as_bytes().as_ptr_range();
    assert!((range.start as usize..range.end as usize).contains(&label));
    assert!(matches!(view.maybe(), Some(ShapeView::Code(0x0102_0304))));
}

fn blob() -> Vec<u8> {
    drawing().pack().as_bytes().to_vec()
}

#[track_caller]
fn fails(bytes: &[u8], field: &str, offset: usize, kind: ErrorKind) {
    let err = Drawing::validate(bytes).expect_err("corrupt blob validated");
    assert_eq!(Drawing::view(bytes).err(), Some(err.clone()));
    assert_eq!(
        (err.type_name, err.field, err.offset, err.kind),
        ("Drawing", Some(field), offset, kind)
    );
}

#[test]
fn an_unknown_tag_names_the_enum_the_field_and_the_value() {
    let mut b = blob();
    b[TAIL] = 9;
    let kind = ErrorKind::UnknownTag(Box::new(UnknownTag {
        name: "Shape",
        value: EnumValue::Unsigned(9),
    }));
    fails(&b, "shape", TAIL, kind.clone());
    let err = Drawing::validate(&b).unwrap_err();
    assert!(err
        .to_string()
        .contains("9 is the tag of no variant of the enum `Shape`"));
    // In the Option's payload, at offset 28.
    let mut b = blob();
    b[28] = 0;
    fails(
        &b,
        "maybe",
        28,
        ErrorKind::UnknownTag(Box::new(UnknownTag {
            name: "Shape",
            value: EnumValue::Unsigned(0),
        })),
    );
}

#[test]
fn a_payload_that_does_not_fit_its_variant_is_refused() {
    // maybe's payload (tag 4, a u32) cut to 4 bytes: the blob ends early too,
    // so move the end and drop the last byte.
    let mut b = blob();
    b.pop();
    b[MAYBE..MAYBE + 4].copy_from_slice(&32u32.to_le_bytes());
    fails(
        &b,
        "maybe",
        28,
        ErrorKind::VariantSize {
            expected: 5,
            len: 4,
        },
    );
    // An empty payload has no tag.
    let value = Drawing {
        maybe: None,
        ..drawing()
    };
    let mut b = value.pack().as_bytes().to_vec();
    b[3] = 1; // present, but the payload is empty
    fails(&b, "maybe", 28, ErrorKind::Truncated { needed: 1, len: 0 });
    // A unit variant followed by a byte.
    let value = Drawing {
        id: 1,
        shape: Shape::Point,
        maybe: None,
    };
    let mut b = value.pack().as_bytes().to_vec();
    b.push(0);
    b[SHAPE..SHAPE + 4].copy_from_slice(&16u32.to_le_bytes());
    b[MAYBE..MAYBE + 4].copy_from_slice(&16u32.to_le_bytes());
    fails(
        &b,
        "shape",
        TAIL,
        ErrorKind::VariantSize {
            expected: 1,
            len: 2,
        },
    );
    // A null Option with a payload.
    let value = Drawing {
        maybe: None,
        ..drawing()
    };
    let mut b = value.pack().as_bytes().to_vec();
    b.push(3);
    b[MAYBE..MAYBE + 4].copy_from_slice(&29u32.to_le_bytes());
    fails(&b, "maybe", MAYBE, ErrorKind::NonZeroNull);
}

#[test]
fn a_fact_variant_with_a_bad_blob_is_a_nested_error() {
    // Circle's label "ab" becomes invalid UTF-8.
    let mut b = blob();
    b[26] = 0xff;
    let err = Drawing::validate(&b).unwrap_err();
    assert_eq!((err.field, err.offset), (Some("shape"), TAIL + 1));
    let ErrorKind::Nested(inner) = err.kind else {
        panic!("{err}");
    };
    assert_eq!(
        (inner.type_name, inner.field, inner.offset, inner.kind),
        ("Circle", Some("label"), 11, ErrorKind::InvalidUtf8)
    );
    // A fixed variant's invalid value: Filled with 7.
    let value = Drawing {
        shape: Shape::Filled(Fill::Solid),
        ..drawing()
    };
    let mut b = value.pack().as_bytes().to_vec();
    b[TAIL + 1] = 7;
    fails(
        &b,
        "shape",
        TAIL + 1,
        ErrorKind::UnknownVariant {
            value: EnumValue::Unsigned(7),
        },
    );
}

#[test]
fn every_truncation_and_every_byte_flip_is_refused_or_canonical() {
    for value in [
        drawing(),
        Drawing {
            id: 3,
            shape: Shape::Corners([1, 2]),
            maybe: Some(Shape::Point),
        },
    ] {
        let packed = value.pack();
        let bytes = packed.as_bytes();
        for k in 0..bytes.len() {
            assert!(Drawing::validate(&bytes[..k]).is_err(), "cut to {k}");
        }
        for i in 0..bytes.len() {
            for mask in [1u8, 0x80, 0xff] {
                let mut flipped = bytes.to_vec();
                flipped[i] ^= mask;
                if let Ok(view) = Drawing::view(&flipped) {
                    let repacked = view.unpack().pack();
                    if i == 0 || (TAIL + 1..TAIL + 2).contains(&i) {
                        // A newer version byte (of the blob or of Circle's)
                        // reads as the same fields.
                        continue;
                    }
                    assert_eq!(repacked.as_bytes(), &flipped[..], "byte {i} ^ {mask:#x}");
                }
            }
        }
    }
}

// ---- a catch-all ---------------------------------------------------------------

#[derive(FactEnum, Debug, Clone, PartialEq)]
#[repr(u16)]
pub enum Event {
    Opened(Circle) = 1,
    Closed = 2,
    #[facts(other)]
    Unknown = 0xffff,
}

#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Log {
    pub event: Event,
}

#[test]
fn an_unknown_tag_reads_as_the_catch_all() {
    let packed = Log {
        event: Event::Closed,
    }
    .pack();
    let mut b = packed.as_bytes().to_vec();
    // Tag 2 (u16) at the tail: written by newer code, 9 with a value.
    b[7] = 9;
    b.extend_from_slice(&[1, 2, 3]);
    let end = b.len() as u32;
    b[3..7].copy_from_slice(&end.to_le_bytes());
    let view = Log::view(&b).unwrap();
    assert!(matches!(view.event(), EventView::Unknown));
    assert_eq!(view.unpack().event, Event::Unknown);
}

// ---- evolution of a variant's fact -----------------------------------------------

mod v1 {
    use factpack::{FactEnum, Facts};

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct Pr {
        pub number: u32,
    }

    #[derive(FactEnum, Debug, Clone, PartialEq)]
    #[repr(u8)]
    pub enum Item {
        Pr(Pr) = 1,
        None = 2,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct Feed {
        pub item: Item,
    }
}

mod v2 {
    use factpack::{FactEnum, Facts};

    #[derive(Facts, Debug, Clone, PartialEq)]
    #[facts(version = 2)]
    pub struct Pr {
        pub number: u32,
        #[facts(since = 2)]
        pub title: Option<String>,
    }

    #[derive(FactEnum, Debug, Clone, PartialEq)]
    #[repr(u8)]
    pub enum Item {
        Pr(Pr) = 1,
        None = 2,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct Feed {
        pub item: Item,
    }
}

#[test]
fn a_variants_fact_evolves_both_ways() {
    let old = v1::Feed {
        item: v1::Item::Pr(v1::Pr { number: 7 }),
    }
    .pack();
    let new = v2::Feed {
        item: v2::Item::Pr(v2::Pr {
            number: 8,
            title: Some("fix".into()),
        }),
    }
    .pack();
    // New code reads the old blob: the appended field is absent.
    let read = v2::Feed::view(old.as_bytes()).unwrap().unpack();
    assert_eq!(
        read.item,
        v2::Item::Pr(v2::Pr {
            number: 7,
            title: None
        })
    );
    // Old code reads the new blob: the fields it knows.
    let read = v1::Feed::view(new.as_bytes()).unwrap().unpack();
    assert_eq!(read.item, v1::Item::Pr(v1::Pr { number: 8 }));
    // The nested fact's version is in the payload, not in the parent's
    // layout: the parents share their fingerprint only if the variant's
    // fingerprints agree, which they do not (the fact's layout changed).
    assert_ne!(v1::Feed::FINGERPRINT, v2::Feed::FINGERPRINT);
}

// ---- fingerprint ----------------------------------------------------------------

#[derive(FactEnum, Debug, Clone, PartialEq)]
#[repr(u8)]
pub enum ShapeRenumbered {
    Circle(Circle) = 2,
    Point = 3,
    Code(u32) = 4,
    Filled(Fill) = 5,
    Corners([i16; 3]) = 6,
}

#[test]
fn the_fingerprint_sees_each_variants_value_type() {
    use factpack::DataEnum;
    assert_ne!(
        <Shape as DataEnum>::TYPE_FP,
        <ShapeRenumbered as DataEnum>::TYPE_FP
    );
    assert_ne!(<Shape as DataEnum>::TYPE_FP, <Event as DataEnum>::TYPE_FP);
}

// ---- columns --------------------------------------------------------------------

#[test]
fn columns_hold_each_rows_tag() {
    let facts: Vec<Packed<Drawing>> = vec![
        drawing().pack(),
        Drawing {
            id: 2,
            shape: Shape::Point,
            maybe: None,
        }
        .pack(),
    ];
    let columns = Drawing::columns(&facts).unwrap();
    assert_eq!(columns.shape, [2, 3]);
    assert_eq!(columns.maybe.get(0), Some(4));
    assert_eq!(columns.maybe.get(1), None);
}

#[cfg(feature = "arrow")]
#[test]
fn arrow_gets_a_dictionary_of_variant_names() {
    use arrow_array::cast::AsArray;
    use arrow_array::types::UInt8Type;
    let facts: Vec<Packed<Drawing>> = vec![drawing().pack()];
    let batch = Drawing::columns(&facts)
        .unwrap()
        .into_record_batch()
        .unwrap();
    let shape = batch.column_by_name("shape").unwrap();
    let dict = shape.as_dictionary::<UInt8Type>();
    let names = dict.values().as_string::<i32>();
    let key = dict.keys().value(0) as usize;
    assert_eq!(names.value(key), "Circle");

    // A list of them: a list of dictionary keys.
    let facts: Vec<Packed<Timeline>> = vec![timeline().pack()];
    let batch = Timeline::columns(&facts)
        .unwrap()
        .into_record_batch()
        .unwrap();
    let lists = batch.column_by_name("shapes").unwrap().as_list::<i32>();
    let first = lists.value(0);
    let dict = first.as_dictionary::<UInt8Type>();
    let names = dict.values().as_string::<i32>();
    let tags: Vec<&str> = dict
        .keys()
        .values()
        .iter()
        .map(|k| names.value(*k as usize))
        .collect();
    assert_eq!(tags, ["Point", "Code", "Circle"]);
}

// ---- serde ----------------------------------------------------------------------

#[cfg(feature = "serde")]
mod serde_form {
    use factpack::{FactEnum, Facts, Packed};
    use serde::{Deserialize, Serialize};

    #[derive(Facts, Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Dot {
        pub x: i32,
    }

    #[derive(FactEnum, Serialize, Deserialize, Debug, Clone, PartialEq)]
    #[repr(u8)]
    pub enum Mark {
        Dot(Dot) = 1,
        Blank = 2,
        Count(u16) = 3,
    }

    #[derive(Facts, Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Sheet {
        pub mark: Mark,
        pub other: Option<Mark>,
        pub none: Option<Mark>,
    }

    #[test]
    fn variants_serialize_under_their_names_and_round_trip() {
        let sheet = Sheet {
            mark: Mark::Dot(Dot { x: -3 }),
            other: Some(Mark::Blank),
            none: None,
        };
        let json = serde_json::to_string(&sheet.pack().view()).unwrap();
        assert_eq!(
            json,
            r#"{"mark":{"Dot":{"x":-3}},"other":"Blank","none":null}"#
        );
        assert_eq!(json, serde_json::to_string(&sheet).unwrap());
        let back: Packed<Sheet> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.unpack(), sheet);
        let count = Sheet {
            mark: Mark::Count(9),
            ..sheet
        };
        assert_eq!(
            serde_json::to_string(&count.pack()).unwrap(),
            r#"{"mark":{"Count":9},"other":"Blank","none":null}"#
        );
    }

    #[derive(Facts, Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Sheets {
        pub marks: Vec<Mark>,
        pub maybe: Option<Vec<Mark>>,
    }

    #[test]
    fn lists_of_variants_serialize_as_sequences() {
        let sheets = Sheets {
            marks: vec![Mark::Blank, Mark::Dot(Dot { x: 1 })],
            maybe: Some(vec![]),
        };
        let json = serde_json::to_string(&sheets.pack()).unwrap();
        assert_eq!(json, r#"{"marks":["Blank",{"Dot":{"x":1}}],"maybe":[]}"#);
        assert_eq!(json, serde_json::to_string(&sheets).unwrap());
        let back: Packed<Sheets> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.unpack(), sheets);
    }
}

// ---- columns from arbitrary facts ------------------------------------------------

#[cfg(feature = "proptest")]
#[path = "common/types.rs"]
#[allow(dead_code)]
mod types;

#[cfg(feature = "proptest")]
mod arbitrary {
    use super::types;
    use factpack::{DataEnum, Facts, Packed};
    use proptest::prelude::*;
    use types::{Shape, Shapes};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn columns_hold_every_rows_tag(facts in proptest::collection::vec(any::<Shapes>(), 0..12)) {
            let packed: Vec<Packed<Shapes>> = facts.iter().map(Facts::pack).collect();
            let columns = Shapes::columns(&packed).unwrap();
            let tags: Vec<u16> = facts.iter().map(|f| f.shape.tag()).collect();
            prop_assert_eq!(&columns.shape, &tags);
            for (i, f) in facts.iter().enumerate() {
                prop_assert_eq!(columns.maybe.get(i), f.maybe.as_ref().map(Shape::tag));
                let history: Vec<u16> = f.history.iter().map(Shape::tag).collect();
                prop_assert_eq!(columns.history.get(i).unwrap(), &history[..]);
            }
        }
    }
}

// ---- lists ----------------------------------------------------------------------

#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Timeline {
    pub shapes: Vec<Shape>,
    pub maybe: Option<Vec<Shape>>,
}

fn timeline() -> Timeline {
    Timeline {
        shapes: vec![Shape::Point, Shape::Code(1), circle()],
        maybe: None,
    }
}

#[test]
fn a_list_is_a_count_its_ends_then_the_payloads() {
    // prefix 0..3 | bitmap 3 | shapes 4..8 | maybe 8..12
    let expected = [
        "010c00",                       // version 1, header length 12
        "00",                           // bitmap: maybe null
        "30000000",                     // shapes ends at 48
        "30000000",                     // maybe: empty
        "03000000",                     // 3 elements
        "01000000",                     // Point's payload ends at 1
        "06000000",                     // Code's at 6
        "14000000",                     // Circle's at 20
        "03",                           // Point
        "0401000000",                   // Code(1)
        "02010b00050000000d0000006162", // Circle: tag, then its blob
    ]
    .concat();
    let value = timeline();
    let packed = value.pack();
    assert_eq!(hex::encode(packed.as_bytes()), expected);
    let bytes = hex::decode(&expected).unwrap();
    let view = Timeline::view(&bytes).unwrap();
    let shapes = view.shapes();
    assert_eq!(shapes.len(), 3);
    assert!(matches!(shapes.get(1), Some(ShapeView::Code(1))));
    let Some(ShapeView::Circle(c)) = shapes.get(2) else {
        panic!("{shapes:?}");
    };
    assert_eq!(c.label(), "ab");
    assert!(shapes.get(3).is_none());
    assert_eq!(shapes.tags().collect::<Vec<_>>(), [3, 4, 2]);
    assert_eq!(view.unpack(), value);
    // The empty list is an empty payload; a present empty Option too.
    let empty = Timeline {
        shapes: vec![],
        maybe: Some(vec![]),
    };
    assert_eq!(
        hex::encode(empty.pack().as_bytes()),
        "010c00010c0000000c000000"
    );
    assert_eq!(
        Timeline::view(empty.pack().as_bytes()).unwrap().unpack(),
        empty
    );
}

#[test]
fn a_bad_list_names_the_element_or_the_table() {
    let good = timeline().pack().as_bytes().to_vec();
    let fails = |bytes: &[u8], offset: usize, kind: ErrorKind| {
        let err = Timeline::validate(bytes).expect_err("corrupt list validated");
        assert_eq!(
            (err.type_name, err.field, err.offset, err.kind),
            ("Timeline", Some("shapes"), offset, kind)
        );
    };
    // An unknown tag in the second element (data starts at 28).
    let mut b = good.clone();
    b[29] = 9;
    fails(
        &b,
        29,
        ErrorKind::UnknownTag(Box::new(UnknownTag {
            name: "Shape",
            value: EnumValue::Unsigned(9),
        })),
    );
    // Ends out of order: the second end before the first.
    let mut b = good.clone();
    b[20..24].copy_from_slice(&0u32.to_le_bytes());
    fails(&b, 20, ErrorKind::BadListOffsets);
    // The Circle's payload cut by one: its blob is refused, at its start.
    let mut b = good.clone();
    b[24..28].copy_from_slice(&19u32.to_le_bytes());
    let err = Timeline::validate(&b).unwrap_err();
    assert_eq!((err.field, err.offset), (Some("shapes"), 35));
    assert!(matches!(err.kind, ErrorKind::Nested(ref inner) if inner.type_name == "Circle"));
    // The last end short of the data: a byte after the last payload.
    let mut b = good.clone();
    b.push(0);
    b[4..8].copy_from_slice(&49u32.to_le_bytes());
    b[8..12].copy_from_slice(&49u32.to_le_bytes());
    fails(&b, 16, ErrorKind::BadListOffsets);
    // A count larger than the table that fits.
    let mut b = good.clone();
    b[12..16].copy_from_slice(&100u32.to_le_bytes());
    fails(&b, 12, ErrorKind::BadListOffsets);
    // A count of zero is not the empty list's encoding.
    let mut b = good;
    b[12..16].copy_from_slice(&0u32.to_le_bytes());
    fails(&b, 12, ErrorKind::NonCanonicalEmptyList);
}
