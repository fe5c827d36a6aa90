//! Nested facts with variable-length fields: stored as their whole blob (a
//! field's payload), lists of them as end offsets + blobs. Golden bytes,
//! views, corruption with exact errors, evolution of the nested type, and
//! columns.

#[path = "common/types.rs"]
#[allow(dead_code)]
mod types;

use factpack::__private::{mix, tag, FixedField};
use factpack::{Error, ErrorKind, FactView, Facts, Packed};

#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Src {
    pub file: String,
    pub line: u32,
}

#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: u8,
    pub source: Src,
    pub origin: Option<Src>,
    pub frames: Vec<Src>,
}

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
    assert_eq!(Packed::<T>::from_bytes(bytes).unwrap(), packed);
}

fn src(file: &str, line: u32) -> Src {
    Src {
        file: file.into(),
        line,
    }
}

/// `origin` present, and a list of two whose blobs hold strings.
fn full() -> Entry {
    Entry {
        id: 2,
        source: src("", 1),
        origin: Some(src("b", 2)),
        frames: vec![src("c", 3), src("de", 4)],
    }
}

// Entry's layout: prefix 0..3 | bitmap 3 | id 4 | source end 5..9 |
// origin end 9..13 | frames end 13..17 | header 17.
// Payloads of `full()`: source 17..28 | origin 28..40 | frames 40..77
// (count 40..44, ends 44..48 and 48..52, blobs 52..64 and 64..77).
const SOURCE: usize = 5;
const ORIGIN: usize = 9;
const FRAMES: usize = 13;
const SOURCE_BLOB: usize = 17;
const FRAMES_PAYLOAD: usize = 40;
const LEN: usize = 77;

#[test]
fn layout() {
    // Src: prefix | file end 3..7 | line 7..11.
    assert_eq!(Src::HEADER_LEN, 11);
    const { assert!(<Src as FixedField>::BLOB) };
    const { assert!(!<types::Point as FixedField>::BLOB) };
    assert_eq!(Entry::HEADER_LEN, 17);
    assert_eq!(Entry::SOURCE.offset(), SOURCE);
    assert_eq!(Entry::SOURCE.size(), 4);
    assert_eq!(Entry::ORIGIN.offset(), ORIGIN);
    assert_eq!(Entry::FRAMES.offset(), FRAMES);
    assert!(Entry::FIELDS[1].variable && Entry::FIELDS[2].variable);
    assert_eq!(Entry::FIELDS[2].null, Some((3, 0x01)));
    // The parent's fingerprint covers the nested type's whole layout, under
    // its own tag: a blob is not a body.
    let nested = mix(tag("nested blob"), Src::FINGERPRINT);
    assert_eq!(Entry::FIELDS[1].type_fp, nested);
    assert_eq!(Entry::FIELDS[2].type_fp, mix(tag("option"), nested));
    assert_eq!(Entry::FIELDS[3].type_fp, mix(tag("list"), nested));
}

/// A field, a null `Option` and an empty list.
#[test]
fn field_null_option_and_empty_list_golden() {
    let value = Entry {
        id: 1,
        source: src("a.rs", 7),
        origin: None,
        frames: vec![],
    };
    let expected = hex(&[
        "01",       // version 1
        "1100",     // header length 17
        "00",       // bitmap: `origin` null
        "01",       // id = 1
        "20000000", // source ends at 32
        "20000000", // origin: null, empty payload
        "20000000", // frames: empty list, empty payload
        // source: Src's whole blob, offsets from its own start
        "01", "0b00",     // Src version 1, header length 11
        "0f000000", // file ends at 15
        "07000000", // line = 7
        "612e7273", // "a.rs"
    ]);
    assert_golden(&value, &expected);
}

/// A present `Option` and a list of two blobs with a string inside.
#[test]
fn present_option_and_list_of_two_golden() {
    let expected = hex(&[
        "01", "1100",     // version 1, header length 17
        "01",       // bitmap: `origin` present
        "02",       // id = 2
        "1c000000", // source ends at 28
        "28000000", // origin ends at 40
        "4d000000", // frames end at 77
        // source: Src { file: "", line: 1 }
        "01", "0b00", "0b000000", "01000000", // origin: Src { file: "b", line: 2 }
        "01", "0b00", "0c000000", "02000000", "62",
        // frames: 2 elements, ending at 12 and 25 of the blobs
        "02000000", "0c000000", "19000000", // Src { file: "c", line: 3 }
        "01", "0b00", "0c000000", "03000000", "63", // Src { file: "de", line: 4 }
        "01", "0b00", "0d000000", "04000000", "6465",
    ]);
    assert_golden(&full(), &expected);
    let bytes = hex::decode(&expected).unwrap();
    assert_eq!(bytes.len(), LEN);
    let view = Entry::view(&bytes).unwrap();
    // The nested views are views of whole blobs, borrowed from the parent.
    assert_eq!(view.source().as_bytes(), &bytes[SOURCE_BLOB..28]);
    assert!(view.source().is_whole());
    assert_eq!(view.source().line(), 1);
    assert_eq!(view.origin().map(|o| o.file()), Some("b"));
    let frames = view.frames();
    assert_eq!(
        (frames.len(), frames.is_empty(), frames.stride()),
        (2, false, 0)
    );
    assert_eq!(frames.get(1).map(|f| f.file()), Some("de"));
    assert!(frames.get(2).is_none());
    assert_eq!(frames.first().map(|f| f.line()), Some(3));
    assert_eq!(frames.last().map(|f| f.line()), Some(4));
    let iter = frames.iter();
    assert_eq!(iter.len(), 2);
    assert_eq!(iter.map(|f| f.file()).collect::<Vec<_>>(), ["c", "de"]);
    assert_eq!(
        frames.iter().rev().map(|f| f.line()).collect::<Vec<_>>(),
        [4, 3]
    );
    let mut iter = frames.iter();
    assert_eq!(iter.next_back().map(|f| f.file()), Some("de"));
    assert_eq!(iter.next().map(|f| f.file()), Some("c"));
    assert!(iter.next().is_none() && iter.next_back().is_none());
    assert_eq!(frames.iter().nth(1).map(|f| f.file()), Some("de"));
    assert_eq!(frames.as_bytes(), &bytes[52..LEN]);
    assert_eq!(frames.to_vec(), full().frames);
}

// ---- corruption -------------------------------------------------------------

fn full_bytes() -> Vec<u8> {
    full().pack().as_bytes().to_vec()
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

#[track_caller]
fn nested(error: &Error) -> &Error {
    match &error.kind {
        ErrorKind::Nested(inner) => inner,
        other => panic!("not a nested error: {other:?}"),
    }
}

#[test]
fn an_inner_end_offset_out_of_range_is_blamed_on_both_fields() {
    let mut bytes = full_bytes();
    // Src's `file` end, 3 bytes into the source blob: 32, past its 11 bytes.
    put_u32(&mut bytes, SOURCE_BLOB + 3, 32);
    let error = Entry::validate(&bytes).unwrap_err();
    assert_eq!(
        (error.type_name, error.field, error.offset),
        ("Entry", Some("source"), SOURCE_BLOB + 3)
    );
    let inner = nested(&error);
    assert_eq!(
        (inner.type_name, inner.field, inner.offset, &inner.kind),
        (
            "Src",
            Some("file"),
            3,
            &ErrorKind::PointerOutOfRange { end: 32, len: 11 }
        )
    );
}

#[test]
fn an_inner_blob_of_another_version_is_rejected() {
    let mut bytes = full_bytes();
    // Version 2 claims fields Src does not know, with no room for them.
    bytes[SOURCE_BLOB] = 2;
    let error = Entry::validate(&bytes).unwrap_err();
    assert_eq!(
        (error.type_name, error.field, error.offset),
        ("Entry", Some("source"), SOURCE_BLOB + 1)
    );
    let inner = nested(&error);
    assert_eq!(
        (inner.type_name, inner.field, inner.offset),
        ("Src", None, 1)
    );
    assert_eq!(
        inner.kind,
        ErrorKind::HeaderLength {
            expected: 12,
            found: 11
        }
    );
    bytes[SOURCE_BLOB] = 0;
    let error = Entry::validate(&bytes).unwrap_err();
    assert_eq!(error.offset, SOURCE_BLOB);
    assert_eq!(nested(&error).kind, ErrorKind::ZeroVersion);
}

#[test]
fn an_inner_blob_of_another_type_is_rejected() {
    // A blob of a type with another layout: Entry's own blob where a Src's
    // belongs fails Src's header-length check.
    let mut other = Vec::new();
    Entry {
        id: 0,
        source: src("", 0),
        origin: None,
        frames: vec![],
    }
    .pack_into(&mut other)
    .unwrap();
    let mut bytes = vec![0u8; 17];
    bytes[..3].copy_from_slice(&[1, 17, 0]);
    let end = 17 + other.len() as u32;
    put_u32(&mut bytes, SOURCE, end);
    put_u32(&mut bytes, ORIGIN, end);
    put_u32(&mut bytes, FRAMES, end);
    bytes.extend_from_slice(&other);
    let error = Entry::validate(&bytes).unwrap_err();
    assert_eq!((error.field, error.offset), (Some("source"), 17 + 1));
    assert_eq!(
        nested(&error).kind,
        ErrorKind::HeaderLength {
            expected: 11,
            found: 17
        }
    );
}

#[test]
fn list_offsets_that_descend_or_pass_the_payload_are_rejected() {
    let second_end = FRAMES_PAYLOAD + 8;
    for bad in [11, 26, u32::MAX] {
        let mut bytes = full_bytes();
        put_u32(&mut bytes, second_end, bad);
        let error = Entry::validate(&bytes).unwrap_err();
        assert_eq!(
            (error.type_name, error.field, error.offset, error.kind),
            (
                "Entry",
                Some("frames"),
                second_end,
                ErrorKind::BadListOffsets
            ),
            "end {bad}"
        );
    }
    // A count the payload cannot hold.
    let mut bytes = full_bytes();
    put_u32(&mut bytes, FRAMES_PAYLOAD, 9);
    let error = Entry::validate(&bytes).unwrap_err();
    assert_eq!(
        (error.field, error.offset, error.kind),
        (Some("frames"), FRAMES_PAYLOAD, ErrorKind::BadListOffsets)
    );
}

#[test]
fn a_list_that_stops_short_of_its_payload_blames_the_last_element() {
    let mut bytes = full_bytes();
    // The second blob now ends a byte early: its own `file` end points past it.
    put_u32(&mut bytes, FRAMES_PAYLOAD + 8, 24);
    let error = Entry::validate(&bytes).unwrap_err();
    assert_eq!((error.field, error.offset), (Some("frames"), 64 + 3));
    let ErrorKind::NestedElement {
        index,
        error: inner,
    } = &error.kind
    else {
        panic!("{error:?}");
    };
    assert_eq!(*index, 1);
    assert_eq!(
        (inner.type_name, inner.field, inner.offset, &inner.kind),
        (
            "Src",
            Some("file"),
            3,
            &ErrorKind::PointerOutOfRange { end: 13, len: 12 }
        )
    );
}

#[test]
fn an_invalid_element_names_its_index() {
    let mut bytes = full_bytes();
    bytes[63] = 0xff; // the first element's file, "c"
    let error = Entry::validate(&bytes).unwrap_err();
    assert_eq!(
        (error.type_name, error.field, error.offset),
        ("Entry", Some("frames"), 63)
    );
    let ErrorKind::NestedElement {
        index,
        error: inner,
    } = &error.kind
    else {
        panic!("{error:?}");
    };
    assert_eq!((*index, inner.field, inner.offset), (0, Some("file"), 11));
    assert_eq!(inner.kind, ErrorKind::InvalidUtf8);
    assert!(error.to_string().contains("list element 0"), "{error}");
}

#[test]
fn a_null_option_with_a_payload_is_not_canonical() {
    let mut bytes = full_bytes();
    bytes[3] = 0; // `origin` null, its blob still there
    let error = Entry::validate(&bytes).unwrap_err();
    assert_eq!(
        (error.field, error.offset, error.kind),
        (Some("origin"), ORIGIN, ErrorKind::NonZeroNull)
    );
}

#[test]
fn an_empty_list_has_one_encoding() {
    let value = Entry {
        frames: vec![],
        ..full()
    };
    let mut bytes = value.pack().as_bytes().to_vec();
    let end = bytes.len() as u32 + 4;
    put_u32(&mut bytes, FRAMES, end);
    bytes.extend_from_slice(&[0; 4]); // a count of 0
    let error = Entry::validate(&bytes).unwrap_err();
    assert_eq!(
        (error.field, error.kind),
        (Some("frames"), ErrorKind::NonCanonicalEmptyList)
    );
}

/// Every flipped bit and every truncation gives a precise error, or a blob
/// that is the canonical encoding of what it reads as.
#[test]
fn every_flip_and_truncation_is_rejected_or_canonical() {
    let bytes = full_bytes();
    let mut flipped = 0;
    for at in 0..bytes.len() {
        for bit in 0..8 {
            let mut bad = bytes.clone();
            bad[at] ^= 1 << bit;
            match Entry::view(&bad) {
                Ok(view) => assert_eq!(view.unpack().pack().as_bytes(), &bad[..], "at {at}"),
                Err(error) => {
                    assert_eq!(error.type_name, "Entry", "at {at}");
                    assert!(error.offset < bad.len(), "{error} at {at}");
                    flipped += 1;
                }
            }
        }
    }
    assert!(flipped > bytes.len() * 4, "most flips are caught");
    for len in 0..bytes.len() {
        let error = Entry::validate(&bytes[..len]).unwrap_err();
        assert_eq!(error.type_name, "Entry");
    }
}

// ---- evolution --------------------------------------------------------------

mod v1 {
    use factpack::Facts;

    #[derive(Facts, Debug, Clone, PartialEq)]
    #[facts(version = 1)]
    pub struct Src {
        pub file: String,
        pub line: u32,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct Log {
        pub source: Src,
        pub frames: Vec<Src>,
    }
}

mod v2 {
    use factpack::Facts;

    #[derive(Facts, Debug, Clone, PartialEq)]
    #[facts(version = 2)]
    pub struct Src {
        pub file: String,
        pub line: u32,
        #[facts(since = 2)]
        pub column: Option<u16>,
        #[facts(since = 2, default = "main")]
        pub function: String,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct Log {
        pub source: Src,
        pub frames: Vec<Src>,
    }
}

#[test]
fn newer_code_reads_older_nested_blobs() {
    let old = v1::Log {
        source: v1::Src {
            file: "a.rs".into(),
            line: 1,
        },
        frames: vec![v1::Src {
            file: "b.rs".into(),
            line: 2,
        }],
    }
    .pack();
    let view = v2::Log::view(old.as_bytes()).unwrap();
    assert_eq!(view.source().version(), 1);
    assert_eq!(
        (
            view.source().file(),
            view.source().column(),
            view.source().function()
        ),
        ("a.rs", None, "main")
    );
    let frame = view.frames().get(0).unwrap();
    assert_eq!((frame.line(), frame.function()), (2, "main"));
    assert_eq!(
        view.unpack().frames,
        [v2::Src {
            file: "b.rs".into(),
            line: 2,
            column: None,
            function: "main".into(),
        }]
    );
}

#[test]
fn older_code_reads_newer_nested_blobs() {
    let new = v2::Log {
        source: v2::Src {
            file: "a.rs".into(),
            line: 1,
            column: Some(4),
            function: "run".into(),
        },
        frames: vec![
            v2::Src {
                file: "b.rs".into(),
                line: 2,
                column: None,
                function: String::new(),
            };
            2
        ],
    }
    .pack();
    let view = v1::Log::view(new.as_bytes()).unwrap();
    assert_eq!(view.source().version(), 2);
    assert_eq!((view.source().file(), view.source().line()), ("a.rs", 1));
    assert_eq!(
        view.frames().iter().map(|f| f.file()).collect::<Vec<_>>(),
        ["b.rs", "b.rs"]
    );
    // The nested blob carries its version, so the layouts differ in the
    // parent's fingerprint only.
    assert_ne!(v1::Log::FINGERPRINT, v2::Log::FINGERPRINT);
}

// ---- columns ----------------------------------------------------------------

fn trace(i: u32) -> types::Trace {
    use types::{Frame, Point, Source, State, Trace};
    let source = |k: u32| Source {
        file: format!("src/{k}.rs"),
        line: k,
        state: State::Merged,
        at: Point {
            x: k as i32,
            y: 0,
            label: None,
            visible: true,
        },
        tags: (0..k % 3).map(|t| format!("t{t}")).collect(),
        column: k.is_multiple_of(2).then_some(k as u16),
        note: None,
        offsets: vec![i64::from(k); (k % 4) as usize],
    };
    Trace {
        id: i,
        source: source(i),
        caller: (i % 2 == 1).then(|| source(i + 100)),
        frames: (0..i % 3)
            .map(|f| Frame {
                function: format!("f{f}"),
                sources: (0..f).map(source).collect(),
                origin: (f == 1).then(|| source(7)),
            })
            .collect(),
        extra: i.is_multiple_of(3).then(|| vec![source(i + 1)]),
        points: vec![],
    }
}

#[test]
fn nested_blobs_are_columns_of_their_fields() {
    let facts: Vec<types::Trace> = (0..9).map(trace).collect();
    let packed: Vec<Packed<types::Trace>> = facts.iter().map(Facts::pack).collect();
    let columns = types::Trace::columns(&packed).unwrap();
    for (i, fact) in facts.iter().enumerate() {
        assert_eq!(columns.source.file.get(i), Some(fact.source.file.as_str()));
        assert_eq!(columns.source.line[i], fact.source.line);
        assert_eq!(columns.source.tags.get(i).unwrap(), fact.source.tags);
        assert_eq!(columns.source.column.get(i), fact.source.column);
        assert_eq!(columns.source.at.x[i], fact.source.at.x);
        assert_eq!(columns.caller.is_valid(i), fact.caller.is_some());
        let caller_file = columns.caller.values.file.get(i).unwrap();
        match &fact.caller {
            Some(caller) => assert_eq!(caller_file, caller.file),
            None => assert_eq!(caller_file, ""),
        }
        let frames = columns.frames.range(i).unwrap();
        assert_eq!(frames.len(), fact.frames.len());
        for (row, frame) in frames.zip(&fact.frames) {
            assert_eq!(
                columns.frames.values.function.get(row),
                Some(frame.function.as_str())
            );
            let sources = columns.frames.values.sources.range(row).unwrap();
            let files: Vec<&str> = sources
                .map(|s| columns.frames.values.sources.values.file.get(s).unwrap())
                .collect();
            let expected: Vec<&str> = frame.sources.iter().map(|s| s.file.as_str()).collect();
            assert_eq!(files, expected);
            assert_eq!(
                columns.frames.values.origin.is_valid(row),
                frame.origin.is_some()
            );
        }
        assert_eq!(columns.extra.is_valid(i), fact.extra.is_some());
    }
    // One at a time, the same rows.
    let mut one = types::TraceColumns::default();
    factpack::Columns::push(&mut one, &packed[4]).unwrap();
    assert_eq!(one.source.file.get(0), Some("src/4.rs"));
}

#[test]
fn older_nested_blobs_land_in_newer_columns_with_their_defaults() {
    let old = v1::Log {
        source: v1::Src {
            file: "a.rs".into(),
            line: 1,
        },
        frames: vec![
            v1::Src {
                file: "b.rs".into(),
                line: 2,
            };
            3
        ],
    }
    .pack();
    let columns = v2::Log::columns([old.as_bytes()]).unwrap();
    assert_eq!(columns.source.file.get(0), Some("a.rs"));
    assert_eq!(columns.source.column.get(0), None);
    assert_eq!(columns.source.function.get(0), Some("main"));
    assert_eq!(columns.frames.range(0), Some(0..3));
    assert_eq!(columns.frames.values.function.get(2), Some("main"));
}

#[cfg(feature = "arrow")]
#[test]
fn nested_blobs_become_structs_and_lists_of_structs_in_arrow() {
    use arrow_array::cast::AsArray;
    use arrow_array::Array;
    use arrow_schema::DataType;

    let facts: Vec<types::Trace> = (0..6).map(trace).collect();
    let batch = types::Trace::columns(facts.iter().map(Facts::pack))
        .unwrap()
        .into_record_batch()
        .unwrap();
    let files = batch
        .column_by_name("source_file")
        .unwrap()
        .as_string::<i32>();
    let frames = batch.column_by_name("frames").unwrap().as_list::<i32>();
    assert!(matches!(
        batch.schema().field_with_name("frames").unwrap().data_type(),
        DataType::List(item) if matches!(item.data_type(), DataType::Struct(_))
    ));
    let caller_files = batch
        .column_by_name("caller_file")
        .unwrap()
        .as_string::<i32>();
    for (i, fact) in facts.iter().enumerate() {
        assert_eq!(files.value(i), fact.source.file);
        assert_eq!(
            caller_files.is_valid(i).then(|| caller_files.value(i)),
            fact.caller.as_ref().map(|c| c.file.as_str())
        );
        let row = frames.value(i);
        let row = row.as_struct();
        let functions = row.column_by_name("function").unwrap().as_string::<i32>();
        assert_eq!(row.len(), fact.frames.len());
        for (k, frame) in fact.frames.iter().enumerate() {
            assert_eq!(functions.value(k), frame.function);
        }
    }
}

#[cfg(feature = "serde")]
#[test]
fn nested_blobs_serialize_as_their_fields() {
    let json = serde_json::to_string(&full().pack().view()).unwrap();
    assert_eq!(
        json,
        r#"{"id":2,"source":{"file":"","line":1},"origin":{"file":"b","line":2},"frames":[{"file":"c","line":3},{"file":"de","line":4}]}"#
    );
}

/// Properties over arbitrary facts (the derive's `Arbitrary` needs the `proptest` feature).
#[cfg(feature = "proptest")]
mod properties {
    use super::types::{Source, Trace};
    use factpack::{FactView, Facts, Packed};
    use proptest::prelude::*;

    fn assert_source_row(c: &super::types::SourceColumns, row: usize, s: &Source) {
        assert_eq!(c.file.get(row), Some(s.file.as_str()));
        assert_eq!(c.line[row], s.line);
        assert_eq!(c.tags.get(row).unwrap(), s.tags);
        assert_eq!(c.column.get(row), s.column);
        assert_eq!(
            c.note.values.get(row),
            Some(s.note.as_deref().unwrap_or(""))
        );
        assert_eq!(c.offsets.get(row), Some(&s.offsets[..]));
        assert_eq!(c.at.y[row], s.at.y);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn trace_columns_equal_the_unpacked_facts(
            facts in proptest::collection::vec(any::<Trace>(), 0..6),
        ) {
            let packed: Vec<Packed<Trace>> = facts.iter().map(Facts::pack).collect();
            let c = Trace::columns(&packed).unwrap();
            let mut frame_row = 0;
            for (i, fact) in facts.iter().enumerate() {
                assert_source_row(&c.source, i, &fact.source);
                prop_assert_eq!(c.caller.is_valid(i), fact.caller.is_some());
                if let Some(caller) = &fact.caller {
                    assert_source_row(&c.caller.values, i, caller);
                }
                prop_assert_eq!(c.frames.range(i).map(|r| r.len()), Some(fact.frames.len()));
                for frame in &fact.frames {
                    let f = &c.frames.values;
                    prop_assert_eq!(f.function.get(frame_row), Some(frame.function.as_str()));
                    let rows = f.sources.range(frame_row).unwrap();
                    prop_assert_eq!(rows.len(), frame.sources.len());
                    for (row, source) in rows.zip(&frame.sources) {
                        assert_source_row(&f.sources.values, row, source);
                    }
                    frame_row += 1;
                }
                prop_assert_eq!(c.extra.is_valid(i), fact.extra.is_some());
            }
        }

        #[test]
        fn nested_views_read_what_was_packed(value in any::<Trace>()) {
            let packed = value.pack();
            let view = packed.view();
            prop_assert_eq!(view.source().unpack(), value.source.clone());
            prop_assert_eq!(view.frames().len(), value.frames.len());
            for (i, frame) in value.frames.iter().enumerate() {
                let read = view.frames().get(i).unwrap();
                prop_assert_eq!(read.function(), frame.function.as_str());
                prop_assert_eq!(read.sources().to_vec(), frame.sources.clone());
            }
            let rev: Vec<_> = view.frames().iter().rev().map(|f| f.unpack()).collect();
            let mut expected = value.frames.clone();
            expected.reverse();
            prop_assert_eq!(rev, expected);
        }
    }
}

mod parent_v2 {
    use factpack::Facts;

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct Src {
        pub file: String,
        pub line: u32,
    }

    /// `Log` of module `v1` with nested blobs appended in version 2 (a
    /// nested fact's accessor returns a view, so such a field is an `Option`).
    #[derive(Facts, Debug, Clone, PartialEq)]
    #[facts(version = 2)]
    pub struct Log {
        pub source: Src,
        pub frames: Vec<Src>,
        #[facts(since = 2)]
        pub cause: Option<Src>,
        #[facts(since = 2)]
        pub causes: Option<Vec<Src>>,
    }
}

#[test]
fn nested_blobs_appended_in_a_new_version_read_as_none() {
    let old = v1::Log {
        source: v1::Src {
            file: "a.rs".into(),
            line: 1,
        },
        frames: vec![],
    }
    .pack();
    let view = parent_v2::Log::view(old.as_bytes()).unwrap();
    assert!(view.cause().is_none() && view.causes().is_none());
    let columns = parent_v2::Log::columns([old.as_bytes()]).unwrap();
    assert!(!columns.cause.is_valid(0) && !columns.causes.is_valid(0));
    assert_eq!(columns.cause.values.file.get(0), Some(""));
    assert_eq!(columns.source.file.get(0), Some("a.rs"));
    // A newer blob reads its own values, through old code too.
    let new = parent_v2::Log {
        cause: Some(parent_v2::Src {
            file: "c.rs".into(),
            line: 3,
        }),
        ..view.unpack()
    }
    .pack();
    assert_eq!(
        parent_v2::Log::view(new.as_bytes())
            .unwrap()
            .cause()
            .map(|c| c.line()),
        Some(3)
    );
    assert_eq!(
        v1::Log::view(new.as_bytes()).unwrap().source().file(),
        "a.rs"
    );
}

// ---- deep nesting under corruption -------------------------------------------

mod deep {
    use factpack::Facts;

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct Leaf {
        pub name: String,
        pub n: u8,
    }

    /// Its only variable-length field is a nested blob: it is a blob too.
    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct Wrap {
        pub leaf: Leaf,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct Branch {
        pub id: u16,
        pub wraps: Vec<Wrap>,
        pub maybe: Option<Wrap>,
    }

    /// Nested blobs in a list in a nested blob in a list, four levels down.
    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct Root {
        pub branches: Vec<Branch>,
        pub top: Wrap,
        pub spare: Option<Vec<Wrap>>,
    }
}

fn wrap(name: &str, n: u8) -> deep::Wrap {
    deep::Wrap {
        leaf: deep::Leaf {
            name: name.into(),
            n,
        },
    }
}

fn root() -> deep::Root {
    deep::Root {
        branches: vec![
            deep::Branch {
                id: 1,
                wraps: vec![wrap("a", 1), wrap("", 2)],
                maybe: None,
            },
            deep::Branch {
                id: 2,
                wraps: vec![],
                maybe: Some(wrap("bc", 3)),
            },
        ],
        top: wrap("d", 4),
        spare: Some(vec![wrap("e", 5)]),
    }
}

/// Reads every accessor of `view`, at every depth, forwards and backwards.
fn read_all(view: deep::RootView<'_>) -> usize {
    let leaf = |w: deep::WrapView<'_>| w.leaf().name().len() + usize::from(w.leaf().n());
    let mut total = leaf(view.top());
    for branch in view.branches().iter().chain(view.branches().iter().rev()) {
        total += usize::from(branch.id());
        total += branch.wraps().iter().map(leaf).sum::<usize>();
        total += branch.wraps().iter().rev().map(leaf).sum::<usize>();
        total += (0..=branch.wraps().len())
            .filter_map(|i| branch.wraps().get(i))
            .count();
        total += branch.maybe().map_or(0, leaf);
    }
    total += view.spare().map_or(0, |s| s.iter().map(leaf).sum());
    total
}

#[test]
fn a_fact_whose_only_variable_field_is_a_nested_blob_is_a_blob() {
    const { assert!(<deep::Wrap as Facts>::HAS_TAIL) };
    const { assert!(<deep::Wrap as FixedField>::BLOB) };
    let value = root();
    let packed = value.pack();
    assert_eq!(packed.unpack(), value);
    assert_eq!(
        packed
            .view()
            .branches()
            .get(1)
            .unwrap()
            .maybe()
            .unwrap()
            .leaf()
            .name(),
        "bc"
    );
    // A Wrap is its prefix, its one end offset, and the Leaf's blob.
    let alone = wrap("x", 9).pack();
    let leaf = wrap("x", 9).leaf.pack();
    assert_eq!(alone.as_bytes().len(), 3 + 4 + leaf.as_bytes().len());
    assert_eq!(&alone.as_bytes()[7..], leaf.as_bytes());
}

/// Every single-byte change, every truncation and every extension of a
/// deeply nested blob is a precise error that the fast path agrees with, or
/// the canonical blob of what it reads as (the types have one version each).
/// The unvalidated view of every such string reads without a panic.
#[test]
fn every_change_to_a_deep_blob_is_rejected_or_canonical_and_never_panics() {
    use factpack::__private::FastPath;
    let bytes = root().pack().as_bytes().to_vec();
    let mut candidates: Vec<Vec<u8>> = Vec::new();
    for at in 0..bytes.len() {
        for value in [
            0x00,
            0x01,
            0x02,
            0x04,
            0x80,
            0xff,
            bytes[at] ^ 0x10,
            bytes[at] + 1,
        ] {
            let mut bad = bytes.clone();
            bad[at] = value;
            candidates.push(bad);
        }
        candidates.push(bytes[..at].to_vec());
    }
    for extra in [&[0u8][..], &[1, 0, 0, 0], &[0xff; 9]] {
        candidates.push([&bytes[..], extra].concat());
    }
    let (mut valid, mut rejected) = (0, 0);
    for bad in &candidates {
        read_all(deep::Root::view_unvalidated(bad));
        let _ = format!("{:?}", deep::Root::view_unvalidated(bad));
        let fast = <deep::Root as FastPath>::validate_fast(bad);
        match deep::Root::validate(bad) {
            Ok(()) => {
                assert!(fast, "fast path rejects a valid blob: {bad:?}");
                let view = deep::Root::view(bad).unwrap();
                assert_eq!(view.unpack().pack().as_bytes(), &bad[..], "{bad:?}");
                let columns = deep::Root::columns([&bad[..]]).unwrap();
                assert_eq!(factpack::columns::ColumnData::len(&columns), 1);
                valid += 1;
            }
            Err(error) => {
                assert!(!fast, "fast path accepts an invalid blob: {bad:?}");
                assert_eq!(error.type_name, "Root");
                assert!(error.offset <= bad.len(), "{error}");
                assert!(deep::Root::columns([&bad[..]]).is_err());
                let mut inner = &error;
                while let ErrorKind::Nested(next) | ErrorKind::NestedElement { error: next, .. } =
                    &inner.kind
                {
                    assert!(next.offset <= bad.len(), "{error}");
                    inner = next;
                }
                rejected += 1;
            }
        }
    }
    assert!(
        rejected > candidates.len() / 2,
        "{rejected} of {}",
        candidates.len()
    );
    assert!(
        valid > 0,
        "some changes (a name's byte, a number) stay valid"
    );
}

/// Arbitrary bytes through the unvalidated view never panic or loop; the
/// generator is a fixed xorshift, so a failure reproduces.
#[test]
fn unvalidated_views_of_random_bytes_never_panic() {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let base = root().pack().as_bytes().to_vec();
    for round in 0..4000 {
        let mut bytes = base.clone();
        let edits = 1 + next() % 6;
        for _ in 0..edits {
            let at = (next() % bytes.len() as u64) as usize;
            // Small numbers: offsets and counts that land inside the blob.
            bytes[at] = (next() % if round % 2 == 0 { 256 } else { 96 }) as u8;
        }
        bytes.truncate(bytes.len() - (next() % 4) as usize);
        read_all(deep::Root::view_unvalidated(&bytes));
        if let Ok(view) = deep::Root::view(&bytes) {
            assert_eq!(view.unpack().pack().as_bytes(), &bytes[..]);
        }
    }
}

/// A chain of facts, each nesting the one before as a blob: `L0` holds a
/// string, `L{n}` holds one `L{n-1}`.
mod chain {
    use factpack::Facts;

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L0 {
        pub name: String,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L1 {
        pub inner: L0,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L2 {
        pub inner: L1,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L3 {
        pub inner: L2,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L4 {
        pub inner: L3,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L5 {
        pub inner: L4,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L6 {
        pub inner: L5,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L7 {
        pub inner: L6,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L8 {
        pub inner: L7,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L9 {
        pub inner: L8,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L10 {
        pub inner: L9,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L11 {
        pub inner: L10,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L12 {
        pub inner: L11,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L13 {
        pub inner: L12,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L14 {
        pub inner: L13,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L15 {
        pub inner: L14,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L16 {
        pub inner: L15,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L17 {
        pub inner: L16,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L18 {
        pub inner: L17,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L19 {
        pub inner: L18,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L20 {
        pub inner: L19,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L21 {
        pub inner: L20,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L22 {
        pub inner: L21,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L23 {
        pub inner: L22,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct L24 {
        pub inner: L23,
    }
}

/// Rejecting an invalid leaf deep down costs time linear in the depth: were
/// each level to retry its nested blob on the precise path after the fast
/// one failed, the leaf would be validated 2^24 times (seconds), not ~24.
#[test]
fn an_invalid_leaf_deep_down_is_rejected_in_linear_time() {
    let mut value = chain::L0 { name: "ok".into() }.pack().as_bytes().to_vec();
    let depth = 24;
    for _ in 0..depth {
        // Each level: prefix, header length 7, the inner blob's end, the blob.
        let end = 7 + value.len() as u32;
        let mut outer = vec![1, 7, 0];
        outer.extend_from_slice(&end.to_le_bytes());
        outer.extend_from_slice(&value);
        value = outer;
    }
    assert!(chain::L24::validate(&value).is_ok());
    let last = value.len() - 1;
    value[last] = 0xff; // the leaf's string is no longer UTF-8
    let start = std::time::Instant::now();
    let mut error = chain::L24::validate(&value).unwrap_err();
    let elapsed = start.elapsed();
    for _ in 0..depth {
        error = match error.kind {
            ErrorKind::Nested(inner) => *inner,
            other => panic!("{other:?}"),
        };
    }
    assert_eq!(
        (error.type_name, error.kind),
        ("L0", ErrorKind::InvalidUtf8)
    );
    assert!(elapsed.as_millis() < 500, "{elapsed:?}");
}
