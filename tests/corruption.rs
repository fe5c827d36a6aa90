//! Corruption: valid blobs with known bytes changed must fail validation with
//! exactly the right error: type, field, offset and kind.

#[path = "common/prf.rs"]
#[allow(dead_code)]
mod prf;

use chrono::{DateTime, Utc};
use factpack::{EnumValue, Error, ErrorKind, Facts, Packed};

#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 1)]
pub struct Inner {
    pub ok: bool,
    pub n: u16,
}

#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 1)]
pub struct Rec {
    pub flag: bool,
    pub at: Option<DateTime<Utc>>,
    pub inner: Inner,
    pub name: String,
    pub nums: Vec<u32>,
    pub tags: Vec<String>,
    pub note: Option<String>,
    pub times: Vec<DateTime<Utc>>,
}

// Rec's layout, derived by hand:
//   0 version | 1..3 header length (36) | 3 bitmap (0x01 at, 0x02 note)
//   4 flag | 5..13 at | 13..16 inner (Inner's body: ok, n; no prefix)
//   16 name end | 20 nums end | 24 tags end | 28 note end | 32 times end | header 36
// Payloads of `sample()`:
//   name "héllo" 36..42 | nums [1, 2] 42..50 | tags ["ab", "é"] 50..66
//   (count 50..54, ends 54..58 and 58..62, data "ab" 62..64, "é" 64..66)
//   note "n" 66..67 | times [t, t] 67..83
const BITMAP: usize = 3;
const FLAG: usize = 4;
const AT: usize = 5;
const INNER: usize = 13;
const NAME: usize = 16;
const NUMS: usize = 20;
const TAGS: usize = 24;
const NOTE: usize = 28;
const TIMES: usize = 32;
const HEADER: usize = 36;
const NAME_DATA: usize = 36;
const NUMS_DATA: usize = 42;
const TAGS_DATA: usize = 50;
const TIMES_DATA: usize = 67;
const LEN: usize = 83;

fn t() -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000, 0).unwrap()
}

fn sample() -> Rec {
    Rec {
        flag: true,
        at: Some(t()),
        inner: Inner { ok: true, n: 5 },
        name: "héllo".into(),
        nums: vec![1, 2],
        tags: vec!["ab".into(), "é".into()],
        note: Some("n".into()),
        times: vec![t(), t()],
    }
}

fn blob() -> Vec<u8> {
    sample().pack().as_bytes().to_vec()
}

/// The error's parts, for one comparison (`Error` is `#[non_exhaustive]`).
fn parts(e: &Error) -> (&'static str, Option<&'static str>, usize, ErrorKind) {
    (e.type_name, e.field, e.offset, e.kind.clone())
}

#[track_caller]
fn fails(bytes: &[u8]) -> Error {
    let err = Rec::validate(bytes).expect_err("corrupt blob validated");
    // Every entry point reports the same error.
    assert_eq!(Rec::view(bytes).err(), Some(err.clone()));
    assert_eq!(
        Packed::<Rec>::copy_from_slice(bytes).err(),
        Some(err.clone())
    );
    assert_eq!(
        Packed::<Rec>::from_bytes(bytes.to_vec()).err(),
        Some(err.clone())
    );
    err
}

#[track_caller]
fn expect(bytes: &[u8], field: Option<&'static str>, offset: usize, kind: ErrorKind) {
    assert_eq!(parts(&fails(bytes)), ("Rec", field, offset, kind));
}

fn put_u32(blob: &mut [u8], at: usize, value: u32) {
    blob[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

#[test]
fn the_layout_is_as_derived() {
    let b = blob();
    assert_eq!(b.len(), LEN);
    assert_eq!(Rec::HEADER_LEN, HEADER);
    let offsets: Vec<_> = Rec::FIELDS.iter().map(|f| f.offset).collect();
    assert_eq!(offsets, [FLAG, AT, INNER, NAME, NUMS, TAGS, NOTE, TIMES]);
    assert_eq!(Rec::FIELDS[1].null, Some((BITMAP, 0x01)));
    assert_eq!(Rec::FIELDS[6].null, Some((BITMAP, 0x02)));
    assert_eq!(b[BITMAP], 0x03);
    assert_eq!(&b[NAME_DATA..NUMS_DATA], "héllo".as_bytes());
    assert_eq!(&b[TAGS_DATA..TAGS_DATA + 4], &[2, 0, 0, 0]);
    assert_eq!(&b[TAGS_DATA + 12..TAGS_DATA + 16], "abé".as_bytes());
    assert_eq!(Rec::validate(&b), Ok(()));
}

#[test]
fn truncated_prefix() {
    let b = blob();
    for len in 0..3 {
        expect(&b[..len], None, 0, ErrorKind::Truncated { needed: 3, len });
    }
}

#[test]
fn version_zero() {
    let mut b = blob();
    b[0] = 0;
    expect(&b, None, 0, ErrorKind::ZeroVersion);
    // Zeroed memory is not a fact.
    expect(&[0; LEN], None, 0, ErrorKind::ZeroVersion);
}

#[test]
fn wrong_header_length() {
    let mut b = blob();
    b[1] = 40;
    let kind = ErrorKind::HeaderLength {
        expected: 36,
        found: 40,
    };
    expect(&b, None, 1, kind);
    b[1] = 35;
    let kind = ErrorKind::HeaderLength {
        expected: 36,
        found: 35,
    };
    expect(&b, None, 1, kind);
}

#[test]
fn truncated_header() {
    let b = blob();
    expect(
        &b[..20],
        None,
        20,
        ErrorKind::Truncated {
            needed: 36,
            len: 20,
        },
    );
    expect(
        &b[..HEADER - 1],
        None,
        HEADER - 1,
        ErrorKind::Truncated {
            needed: 36,
            len: 35,
        },
    );
}

#[test]
fn truncated_tail() {
    let b = blob();
    // Cut inside the last payload: the last end pointer is past the end.
    expect(
        &b[..LEN - 1],
        Some("times"),
        TIMES,
        ErrorKind::PointerOutOfRange {
            end: LEN,
            len: LEN - 1,
        },
    );
}

#[test]
fn bool_byte_two() {
    let mut b = blob();
    b[FLAG] = 2;
    expect(&b, Some("flag"), FLAG, ErrorKind::InvalidBool { byte: 2 });
    b[FLAG] = 0xff;
    expect(
        &b,
        Some("flag"),
        FLAG,
        ErrorKind::InvalidBool { byte: 0xff },
    );
}

#[test]
fn unused_null_bit() {
    let mut b = blob();
    b[BITMAP] |= 0x04;
    expect(&b, None, BITMAP, ErrorKind::UnusedNullBit { byte: 0x07 });
    b[BITMAP] = 0x83;
    expect(&b, None, BITMAP, ErrorKind::UnusedNullBit { byte: 0x83 });
}

#[test]
fn null_fixed_field_with_a_non_zero_slot() {
    // The bit cleared, the value left in the slot.
    let mut b = blob();
    b[BITMAP] &= !0x01;
    expect(&b, Some("at"), AT, ErrorKind::NonZeroNull);
    // A null value with one non-zero byte in its slot.
    let mut b = Rec {
        at: None,
        ..sample()
    }
    .pack()
    .as_bytes()
    .to_vec();
    assert_eq!(Rec::validate(&b), Ok(()));
    b[AT + 7] = 1;
    expect(&b, Some("at"), AT, ErrorKind::NonZeroNull);
}

#[test]
fn null_variable_field_with_a_payload() {
    let mut b = blob();
    b[BITMAP] &= !0x02;
    expect(&b, Some("note"), NOTE, ErrorKind::NonZeroNull);
}

#[test]
fn pointer_backwards() {
    let mut b = blob();
    put_u32(&mut b, NAME, 35);
    expect(
        &b,
        Some("name"),
        NAME,
        ErrorKind::PointerBackwards { start: 36, end: 35 },
    );
    // Before the previous payload's end.
    let mut b = blob();
    put_u32(&mut b, NUMS, 41);
    expect(
        &b,
        Some("nums"),
        NUMS,
        ErrorKind::PointerBackwards { start: 42, end: 41 },
    );
    // Zero.
    let mut b = blob();
    put_u32(&mut b, TIMES, 0);
    expect(
        &b,
        Some("times"),
        TIMES,
        ErrorKind::PointerBackwards { start: 67, end: 0 },
    );
}

#[test]
fn pointer_out_of_range() {
    let mut b = blob();
    put_u32(&mut b, TIMES, LEN as u32 + 1);
    expect(
        &b,
        Some("times"),
        TIMES,
        ErrorKind::PointerOutOfRange {
            end: LEN + 1,
            len: LEN,
        },
    );
    let mut b = blob();
    put_u32(&mut b, NAME, u32::MAX);
    expect(
        &b,
        Some("name"),
        NAME,
        ErrorKind::PointerOutOfRange {
            end: u32::MAX as usize,
            len: LEN,
        },
    );
}

#[test]
fn trailing_bytes() {
    let mut b = blob();
    b.push(0);
    expect(
        &b,
        None,
        LEN,
        ErrorKind::TrailingBytes {
            expected_len: LEN,
            len: LEN + 1,
        },
    );
    // An all-fixed fact has no tail at all.
    let mut b = Inner { ok: false, n: 0 }.pack().as_bytes().to_vec();
    b.extend_from_slice(&[1, 2]);
    let err = Inner::validate(&b).unwrap_err();
    assert_eq!(
        parts(&err),
        (
            "Inner",
            None,
            6,
            ErrorKind::TrailingBytes {
                expected_len: 6,
                len: 8
            }
        )
    );
}

#[test]
fn invalid_utf8_in_a_string() {
    let mut b = blob();
    // "héllo" = 68 c3 a9 6c 6c 6f: the second byte breaks the 'é'.
    b[NAME_DATA + 1] = 0xff;
    expect(&b, Some("name"), NAME_DATA + 1, ErrorKind::InvalidUtf8);
    // A character cut at the end of the payload.
    let mut b = blob();
    b[NAME_DATA + 5] = 0xc3;
    expect(&b, Some("name"), NAME_DATA + 5, ErrorKind::InvalidUtf8);
}

#[test]
fn invalid_utf8_in_a_list_of_strings() {
    let mut b = blob();
    // data "ab" c3 a9 at 65..69: break the 'é'.
    b[TAGS_DATA + 15] = b'A';
    expect(&b, Some("tags"), TAGS_DATA + 14, ErrorKind::InvalidUtf8);
}

#[test]
fn string_offsets_not_ascending() {
    let mut b = blob();
    // ends [2, 4] -> [4, 2]
    put_u32(&mut b, TAGS_DATA + 4, 4);
    put_u32(&mut b, TAGS_DATA + 8, 2);
    expect(&b, Some("tags"), TAGS_DATA + 8, ErrorKind::BadStringOffsets);
}

#[test]
fn string_offset_inside_a_character() {
    let mut b = blob();
    // ends [2, 4] -> [3, 4]: 3 splits the 'é' at 2..4.
    put_u32(&mut b, TAGS_DATA + 4, 3);
    expect(&b, Some("tags"), TAGS_DATA + 4, ErrorKind::BadStringOffsets);
}

#[test]
fn string_offsets_short_of_the_data() {
    let mut b = blob();
    // ends [2, 4] -> [2, 2]: the last end must be the byte count.
    put_u32(&mut b, TAGS_DATA + 8, 2);
    expect(&b, Some("tags"), TAGS_DATA + 4, ErrorKind::BadStringOffsets);
    // ... and past the data.
    let mut b = blob();
    put_u32(&mut b, TAGS_DATA + 8, 5);
    expect(&b, Some("tags"), TAGS_DATA + 8, ErrorKind::BadStringOffsets);
}

#[test]
fn string_count_too_large() {
    for count in [5, 1000, u32::MAX] {
        let mut b = blob();
        put_u32(&mut b, TAGS_DATA, count);
        expect(&b, Some("tags"), TAGS_DATA, ErrorKind::BadStringOffsets);
    }
}

#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 1)]
pub struct Words {
    pub words: Vec<String>,
}

#[test]
fn empty_list_of_strings_must_be_an_empty_payload() {
    // version 1 | header 7 | words end at 7
    let empty = [1, 7, 0, 7, 0, 0, 0];
    assert_eq!(Words { words: vec![] }.pack().as_bytes(), &empty);
    let mut b = empty.to_vec();
    b[3] = 11;
    b.extend_from_slice(&[0, 0, 0, 0]);
    let err = Words::validate(&b).unwrap_err();
    assert_eq!(
        parts(&err),
        ("Words", Some("words"), 7, ErrorKind::NonCanonicalEmptyList)
    );
    // A payload shorter than a count.
    let mut b = empty.to_vec();
    b[3] = 9;
    b.extend_from_slice(&[1, 0]);
    let err = Words::validate(&b).unwrap_err();
    assert_eq!(
        parts(&err),
        (
            "Words",
            Some("words"),
            7,
            ErrorKind::Truncated { needed: 4, len: 2 }
        )
    );
}

#[test]
fn ragged_list() {
    let mut b = blob();
    // nums' payload 42..50 becomes 42..49; the tags' payload then starts at 49,
    // but nums is checked first.
    put_u32(&mut b, NUMS, 49);
    expect(
        &b,
        Some("nums"),
        NUMS_DATA,
        ErrorKind::RaggedList {
            len: 7,
            element_size: 4,
        },
    );
}

#[test]
fn time_out_of_range_in_a_fixed_field() {
    let mut b = blob();
    b[AT..AT + 8].copy_from_slice(&i64::MAX.to_le_bytes());
    expect(
        &b,
        Some("at"),
        AT,
        ErrorKind::TimeOutOfRange { raw: i64::MAX },
    );
    // One microsecond past chrono's range.
    let max = DateTime::<Utc>::MAX_UTC.timestamp_micros() + 1;
    b[AT..AT + 8].copy_from_slice(&max.to_le_bytes());
    expect(&b, Some("at"), AT, ErrorKind::TimeOutOfRange { raw: max });
}

#[test]
fn time_out_of_range_in_a_list() {
    let mut b = blob();
    // The second element of `times`.
    b[TIMES_DATA + 8..TIMES_DATA + 16].copy_from_slice(&i64::MIN.to_le_bytes());
    expect(
        &b,
        Some("times"),
        TIMES_DATA + 8,
        ErrorKind::TimeOutOfRange { raw: i64::MIN },
    );
}

#[track_caller]
fn nested(bytes: &[u8]) -> Error {
    let err = fails(bytes);
    assert_eq!(
        (err.type_name, err.field, err.offset),
        ("Rec", Some("inner"), INNER)
    );
    match err.kind {
        ErrorKind::Nested(inner) => *inner,
        other => panic!("expected a nested error, got {other:?}"),
    }
}

#[test]
fn nested_invalid_bool() {
    let mut b = blob();
    b[INNER] = 2;
    let inner = nested(&b);
    // The inner offset counts from the start of the nested body.
    assert_eq!(
        parts(&inner),
        ("Inner", Some("ok"), 0, ErrorKind::InvalidBool { byte: 2 })
    );
}

#[test]
fn errors_display_well() {
    let mut b = blob();
    b[FLAG] = 2;
    let flag = fails(&b);
    assert_eq!(
        flag.to_string(),
        "invalid `Rec`, field `flag` at byte 4: bool byte 0x02 is neither 0 nor 1"
    );
    let mut b = blob();
    b.push(9);
    assert_eq!(
        fails(&b).to_string(),
        "invalid `Rec` at byte 83: 84 bytes where the payloads end at 83"
    );
    let mut b = blob();
    b[INNER] = 2;
    let outer = fails(&b);
    assert_eq!(
        outer.to_string(),
        "invalid `Rec`, field `inner` at byte 13: nested invalid `Inner`, field `ok` at byte 0: \
         bool byte 0x02 is neither 0 nor 1"
    );
    let mut b = blob();
    put_u32(&mut b, TIMES, 100);
    let range = fails(&b);
    assert_eq!(
        range.to_string(),
        "invalid `Rec`, field `times` at byte 32: payload ends at 100, past the end of the 83-byte blob"
    );
    for e in [&flag, &outer, &range] {
        let s = e.to_string();
        assert!(s.starts_with(|c: char| c.is_lowercase()), "{s}");
        assert!(!s.ends_with('.'), "{s}");
        assert!(s.contains("`Rec`"), "{s}");
        assert!(s.contains("field `"), "{s}");
    }
}

#[test]
fn nested_errors_have_a_source() {
    use std::error::Error as _;
    let mut b = blob();
    b[INNER] = 2;
    let outer = fails(&b);
    let source = outer.source().expect("a nested error has a source");
    let inner = source
        .downcast_ref::<Error>()
        .expect("the source is an Error");
    assert_eq!(
        parts(inner),
        ("Inner", Some("ok"), 0, ErrorKind::InvalidBool { byte: 2 })
    );
    assert!(inner.source().is_none());
    let mut b = blob();
    b[FLAG] = 2;
    assert!(fails(&b).source().is_none());
}

// ---------------------------------------------------------------------------
// The Athenian `PullRequestFacts`.

use prf::PullRequestFacts as Prf;

#[track_caller]
fn prf_fails(bytes: &[u8]) -> Error {
    let err = Prf::validate(bytes).expect_err("corrupt blob validated");
    assert_eq!(err.type_name, "PullRequestFacts");
    err
}

#[test]
fn pull_request_facts_layout() {
    // 13 nullable timestamps: a 2-byte bitmap at 3..5, then the slots.
    assert_eq!(Prf::CREATED.offset(), 5);
    assert_eq!(Prf::FIELDS[0].null, Some((3, 0x01)));
    assert_eq!(Prf::FIELDS[12].null, Some((4, 0x10)));
    assert_eq!(Prf::CLOSED.offset(), 5 + 12 * 8);
    assert_eq!(Prf::DONE.offset(), 5 + 13 * 8);
    assert_eq!(Prf::SIZE.offset(), Prf::RELEASE_IGNORED.offset() + 1);
    assert_eq!(Prf::REVIEWS.offset(), Prf::PARTICIPANTS.offset() + 2);
    assert_eq!(
        Prf::HEADER_LEN,
        Prf::MERGED_WITH_FAILED_CHECK_RUNS.offset() + 4
    );
}

#[test]
fn pull_request_facts_corruption_names_the_field() {
    let mut rng = prf::Rng::new(7);
    let mut seen_failed_runs = false;
    for _ in 0..300 {
        let facts = prf::realistic(&mut rng);
        let good = facts.pack().as_bytes().to_vec();
        let len = good.len();

        // A flag byte of 2.
        for (field, offset) in [
            ("done", Prf::DONE.offset()),
            ("force_push_dropped", Prf::FORCE_PUSH_DROPPED.offset()),
            ("release_ignored", Prf::RELEASE_IGNORED.offset()),
        ] {
            let mut b = good.clone();
            b[offset] ^= 0x02;
            let e = prf_fails(&b);
            assert_eq!(
                (e.field, e.offset, e.kind),
                (
                    Some(field),
                    offset,
                    ErrorKind::InvalidBool {
                        byte: good[offset] ^ 0x02
                    }
                )
            );
        }

        // The top byte of a timestamp: out of range when present, not zero when null.
        let mut b = good.clone();
        let merged = Prf::MERGED.offset();
        b[merged + 7] ^= 0x80;
        let e = prf_fails(&b);
        assert_eq!((e.field, e.offset), (Some("merged"), merged));
        if facts.merged.is_some() {
            let raw = i64::from_le_bytes(b[merged..merged + 8].try_into().unwrap());
            assert_eq!(e.kind, ErrorKind::TimeOutOfRange { raw });
        } else {
            assert_eq!(e.kind, ErrorKind::NonZeroNull);
        }

        // The unused high bits of the second bitmap byte.
        let mut b = good.clone();
        b[4] ^= 0x80;
        let e = prf_fails(&b);
        assert_eq!(
            (e.field, e.offset, e.kind),
            (
                None,
                4,
                ErrorKind::UnusedNullBit {
                    byte: good[4] ^ 0x80
                }
            )
        );

        // The high byte of an end pointer.
        let mut b = good.clone();
        let reviews = Prf::REVIEWS.offset();
        b[reviews + 3] ^= 0x01;
        let e = prf_fails(&b);
        let end = u32::from_le_bytes(b[reviews..reviews + 4].try_into().unwrap()) as usize;
        assert_eq!(
            (e.field, e.offset, e.kind),
            (
                Some("reviews"),
                reviews,
                ErrorKind::PointerOutOfRange { end, len }
            )
        );

        // A byte of a review timestamp.
        if !facts.reviews.is_empty() {
            let start = Prf::HEADER_LEN;
            let mut b = good.clone();
            b[start + 7] ^= 0x80;
            let e = prf_fails(&b);
            let raw = i64::from_le_bytes(b[start..start + 8].try_into().unwrap());
            assert_eq!(
                (e.field, e.offset, e.kind),
                (Some("reviews"), start, ErrorKind::TimeOutOfRange { raw })
            );
        }

        // The count of the failed check runs.
        if !facts.merged_with_failed_check_runs.is_empty() {
            seen_failed_runs = true;
            let slot = Prf::MERGED_WITH_FAILED_CHECK_RUNS.offset();
            let start = u32::from_le_bytes(
                good[Prf::ACTIVITY_DAYS.offset()..Prf::ACTIVITY_DAYS.offset() + 4]
                    .try_into()
                    .unwrap(),
            ) as usize;
            let mut b = good.clone();
            b[start] ^= 0x10;
            let e = prf_fails(&b);
            assert_eq!(
                (e.field, e.offset, e.kind),
                (
                    Some("merged_with_failed_check_runs"),
                    start,
                    ErrorKind::BadStringOffsets
                )
            );
            // A string byte that is not UTF-8.
            let mut b = good.clone();
            b[len - 1] = 0xff;
            let e = prf_fails(&b);
            assert_eq!(
                (e.field, e.offset, e.kind),
                (
                    Some("merged_with_failed_check_runs"),
                    len - 1,
                    ErrorKind::InvalidUtf8
                )
            );
            assert_eq!(
                u32::from_le_bytes(good[slot..slot + 4].try_into().unwrap()) as usize,
                len
            );
        }

        // One byte more.
        let mut b = good.clone();
        b.push(0);
        let e = prf_fails(&b);
        assert_eq!(
            (e.field, e.offset, e.kind),
            (
                None,
                len,
                ErrorKind::TrailingBytes {
                    expected_len: len,
                    len: len + 1
                }
            )
        );
    }
    assert!(seen_failed_runs);
}

#[test]
fn every_single_byte_flip_is_an_error_or_a_different_value() {
    // Canonical encoding: a flipped byte never validates to the same value.
    let mut rng = prf::Rng::new(11);
    for _ in 0..20 {
        let facts = prf::realistic(&mut rng);
        let good = facts.pack().as_bytes().to_vec();
        // The version byte too: a newer version's header is longer than
        // this code's, so a raised version byte alone is an error.
        for i in 0..good.len() {
            for mask in [0x01u8, 0x80] {
                let mut b = good.clone();
                b[i] ^= mask;
                if let Ok(view) = Prf::view(&b) {
                    assert_ne!(
                        factpack::FactView::unpack(&view),
                        facts,
                        "byte {i} ^ {mask:#x} decodes to the same value"
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Other fixed types.

#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 1)]
pub struct Group {
    pub items: Vec<Inner>,
    pub day: chrono::NaiveDate,
    #[facts(unit = "ms")]
    pub took: chrono::TimeDelta,
    pub flags: Vec<bool>,
}

#[test]
fn invalid_elements_of_other_lists() {
    // prefix | items end 3..7 | day 7..11 | took 11..19 | flags end 19..23 | header 23
    // items: list header 23..26 (version 1, 3-byte elements), two Inner
    // bodies 26..29 and 29..32 | flags 32..35
    let value = Group {
        items: vec![Inner { ok: true, n: 1 }, Inner { ok: false, n: 2 }],
        day: chrono::NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
        took: chrono::TimeDelta::milliseconds(5),
        flags: vec![true, false, true],
    };
    let good = value.pack().as_bytes().to_vec();
    assert_eq!(good.len(), 35);
    assert_eq!(&good[23..26], &[1, 3, 0]);
    let fail = |b: &[u8]| {
        let e = Group::validate(b).unwrap_err();
        assert_eq!(e.type_name, "Group");
        e
    };
    // The second item's bool: the error points at the element.
    let mut b = good.clone();
    b[29] = 5;
    let e = fail(&b);
    assert_eq!((e.field, e.offset), (Some("items"), 29));
    let ErrorKind::Nested(inner) = e.kind else {
        panic!("{e:?}")
    };
    assert_eq!(
        parts(&inner),
        ("Inner", Some("ok"), 0, ErrorKind::InvalidBool { byte: 5 })
    );
    // A list of nested facts is ragged by the nested fact's size, counted
    // after the list header.
    let mut b = good.clone();
    b[3] = 31;
    let e = fail(&b);
    assert_eq!(
        (e.field, e.offset, e.kind),
        (
            Some("items"),
            26,
            ErrorKind::RaggedList {
                len: 5,
                element_size: 3
            }
        )
    );
    // The list header: version 0, a size its version does not have, a newer
    // version whose elements are no larger, a header without elements, a
    // header cut short.
    let header_error = |at: usize, byte: u8| {
        let mut b = good.clone();
        b[at] = byte;
        let e = fail(&b);
        assert_eq!(e.field, Some("items"));
        (e.offset, e.kind)
    };
    assert_eq!(header_error(23, 0), (23, ErrorKind::ZeroVersion));
    assert_eq!(
        header_error(24, 4),
        (
            24,
            ErrorKind::ElementSize {
                expected: 3,
                found: 4
            }
        )
    );
    assert_eq!(
        header_error(23, 2),
        (
            24,
            ErrorKind::ElementSize {
                expected: 4,
                found: 3
            }
        )
    );
    assert_eq!(header_error(3, 26), (23, ErrorKind::NonCanonicalEmptyList));
    assert_eq!(
        header_error(3, 25),
        (23, ErrorKind::Truncated { needed: 3, len: 2 })
    );
    // A date outside chrono's range.
    let mut b = good.clone();
    b[7..11].copy_from_slice(&i32::MAX.to_le_bytes());
    let e = fail(&b);
    assert_eq!(
        (e.field, e.offset, e.kind),
        (
            Some("day"),
            7,
            ErrorKind::TimeOutOfRange {
                raw: i64::from(i32::MAX)
            }
        )
    );
    // A duration outside chrono's range.
    let mut b = good.clone();
    b[11..19].copy_from_slice(&i64::MIN.to_le_bytes());
    let e = fail(&b);
    assert_eq!(
        (e.field, e.offset, e.kind),
        (
            Some("took"),
            11,
            ErrorKind::TimeOutOfRange { raw: i64::MIN }
        )
    );
    // The third bool of a list.
    let mut b = good.clone();
    b[34] = 2;
    let e = fail(&b);
    assert_eq!(
        (e.field, e.offset, e.kind),
        (Some("flags"), 34, ErrorKind::InvalidBool { byte: 2 })
    );
}

// ---------------------------------------------------------------------------
// Enum fields: a slot or list element holding no variant's discriminant.

#[derive(factpack::FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum Stage {
    Draft = 1,
    Review = 2,
    Done = 0x0100,
}

#[derive(factpack::FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass = 0,
    Fail = 1,
    #[facts(other)]
    Unknown = 255,
}

#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Ticket {
    pub stage: Stage,
    pub next: Option<Stage>,
    pub verdict: Verdict,
    pub stages: Vec<Stage>,
}

// Ticket's layout, derived by hand:
//   0 version | 1..3 header length (13) | 3 bitmap (0x01 next)
//   4..6 stage | 6..8 next | 8 verdict | 9..13 stages end | header 13
// Payload of `ticket()`: stages [Draft, Done] 13..17.
const STAGE: usize = 4;
const NEXT: usize = 6;
const VERDICT: usize = 8;
const STAGES: usize = 9;
const STAGES_DATA: usize = 13;

fn ticket() -> Vec<u8> {
    Ticket {
        stage: Stage::Review,
        next: Some(Stage::Done),
        verdict: Verdict::Fail,
        stages: vec![Stage::Draft, Stage::Done],
    }
    .pack()
    .as_bytes()
    .to_vec()
}

#[track_caller]
fn ticket_fails(bytes: &[u8], field: &'static str, offset: usize, kind: ErrorKind) {
    let err = Ticket::validate(bytes).expect_err("corrupt blob validated");
    assert_eq!(Ticket::view(bytes).err(), Some(err.clone()));
    assert_eq!(
        Packed::<Ticket>::copy_from_slice(bytes).err(),
        Some(err.clone())
    );
    assert_eq!(parts(&err), ("Ticket", Some(field), offset, kind));
}

fn unknown(value: u64) -> ErrorKind {
    ErrorKind::UnknownVariant {
        value: EnumValue::Unsigned(value),
    }
}

#[test]
fn ticket_layout_is_as_derived() {
    let b = ticket();
    assert_eq!(Ticket::HEADER_LEN, STAGES_DATA);
    let offsets: Vec<_> = Ticket::FIELDS.iter().map(|f| f.offset).collect();
    assert_eq!(offsets, [STAGE, NEXT, VERDICT, STAGES]);
    let expected = [
        "01", "0d00",     // version 1, header length 13
        "01",       // bitmap: next present
        "0200",     // stage: Review = 2, a u16
        "0001",     // next: Done = 0x0100
        "01",       // verdict: Fail = 1, a u8
        "11000000", // stages end at 17
        "0100", "0001", // stages: Draft, Done
    ];
    assert_eq!(hex::encode(&b), expected.concat());
}

#[test]
fn unknown_discriminant_in_a_fixed_slot() {
    let mut b = ticket();
    b[STAGE] = 3; // 0x0003
    ticket_fails(&b, "stage", STAGE, unknown(3));
    let mut b = ticket();
    b[STAGE + 1] = 1; // 0x0102: the high byte counts
    ticket_fails(&b, "stage", STAGE, unknown(0x0102));
}

#[test]
fn unknown_discriminant_in_a_present_option_and_a_non_zero_null() {
    let mut b = ticket();
    b[NEXT..NEXT + 2].copy_from_slice(&[0, 0]);
    ticket_fails(&b, "next", NEXT, unknown(0));
    let mut b = ticket();
    b[BITMAP] = 0; // null, but the slot still holds Done
    ticket_fails(&b, "next", NEXT, ErrorKind::NonZeroNull);
}

#[test]
fn unknown_discriminant_in_a_list_element() {
    let mut b = ticket();
    b[STAGES_DATA + 2..STAGES_DATA + 4].copy_from_slice(&7u16.to_le_bytes());
    ticket_fails(&b, "stages", STAGES_DATA + 2, unknown(7));
}

#[test]
fn ragged_list_of_enums() {
    let mut b = ticket();
    b.pop();
    put_u32(&mut b, STAGES, 16);
    ticket_fails(
        &b,
        "stages",
        STAGES_DATA,
        ErrorKind::RaggedList {
            len: 3,
            element_size: 2,
        },
    );
}

#[test]
fn a_catch_all_enum_accepts_every_byte() {
    for byte in 0..=255u8 {
        let mut b = ticket();
        b[VERDICT] = byte;
        let view = Ticket::view(&b).expect("every verdict byte is valid");
        let expected = match byte {
            0 => Verdict::Pass,
            1 => Verdict::Fail,
            _ => Verdict::Unknown,
        };
        assert_eq!(view.verdict(), expected);
    }
}

// ---------------------------------------------------------------------------
// Lists of nested facts: every corrupt byte.

/// Every bit pattern valid: lists of it are checked by header and length.
#[derive(Facts, Debug, Clone, Copy, PartialEq)]
#[facts(version = 1)]
pub struct Pair {
    pub a: f32,
    pub b: u16,
}

#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 1)]
pub struct Holder {
    pub one: Inner,
    pub maybe: Option<Pair>,
    pub pairs: Vec<Pair>,
    pub inners: Vec<Inner>,
}

#[test]
fn every_corrupt_byte_of_nested_lists_is_an_error_or_another_value() {
    let value = Holder {
        one: Inner { ok: true, n: 3 },
        maybe: Some(Pair { a: 1.5, b: 2 }),
        pairs: vec![Pair { a: -1.0, b: 7 }, Pair { a: 0.25, b: 9 }],
        inners: vec![Inner { ok: false, n: 1 }, Inner { ok: true, n: 2 }],
    };
    let good = value.pack().as_bytes().to_vec();
    const { assert!(<Pair as factpack::__private::FixedField>::ALWAYS_VALID) };
    const { assert!(!<Inner as factpack::__private::FixedField>::ALWAYS_VALID) };
    for i in 0..good.len() {
        for mask in [0x01u8, 0x02, 0x80, 0xff] {
            let mut b = good.clone();
            b[i] ^= mask;
            match Holder::view(&b) {
                Ok(view) => {
                    let back = factpack::FactView::unpack(&view);
                    assert_ne!(back, value, "byte {i} ^ {mask:#x} reads as the same value");
                    // Accepted bytes are the canonical encoding of what they hold.
                    assert_eq!(back.pack().as_bytes(), &b[..], "byte {i} ^ {mask:#x}");
                }
                Err(e) => {
                    assert_eq!(e.type_name, "Holder", "byte {i} ^ {mask:#x}: {e}");
                    // Only the prefix, the bitmap and the blob's end are
                    // nobody's field.
                    assert!(
                        e.field.is_some()
                            || i < 3
                            || matches!(
                                e.kind,
                                ErrorKind::TrailingBytes { .. } | ErrorKind::UnusedNullBit { .. }
                            ),
                        "byte {i} ^ {mask:#x}: {e}"
                    );
                    assert!(e.offset <= b.len(), "byte {i} ^ {mask:#x}: {e}");
                    if let ErrorKind::Nested(inner) = &e.kind {
                        assert_eq!(inner.type_name, "Inner", "byte {i} ^ {mask:#x}: {e}");
                        assert!(inner.field.is_some(), "byte {i} ^ {mask:#x}: {e}");
                    }
                }
            }
        }
    }
    // Every truncation is an error.
    for len in 0..good.len() {
        assert!(
            Holder::validate(&good[..len]).is_err(),
            "truncated to {len}"
        );
    }
}

// ---- arrays and tuples ------------------------------------------------------

#[derive(factpack::FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Light {
    Red = 1,
    Green = 2,
}

#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Shapes {
    pub bits: [bool; 3],
    pub lights: [Light; 2],
    pub cells: [Inner; 2],
    pub pair: (u8, bool),
    pub maybe: Option<(Light, u16)>,
    pub list: Vec<[bool; 2]>,
}

/// bitmap 3 | bits 4..7 | lights 7..9 | cells 9..15 | pair 15..17 | maybe 17..20 | list 20..24
fn shapes() -> Vec<u8> {
    Shapes {
        bits: [true, false, true],
        lights: [Light::Red, Light::Green],
        cells: [Inner { ok: true, n: 1 }, Inner { ok: false, n: 2 }],
        pair: (9, true),
        maybe: None,
        list: vec![[true, true]],
    }
    .pack()
    .as_bytes()
    .to_vec()
}

#[track_caller]
fn shapes_fail(bytes: &[u8], field: &'static str, offset: usize, kind: ErrorKind) {
    let err = Shapes::validate(bytes).expect_err("corrupt blob validated");
    assert_eq!(Shapes::view(bytes).err(), Some(err.clone()));
    assert_eq!(
        (err.type_name, err.field, err.offset, err.kind),
        ("Shapes", Some(field), offset, kind)
    );
}

#[test]
fn an_invalid_element_fails_its_array_or_tuple() {
    assert_eq!(Shapes::HEADER_LEN, 24);
    let good = shapes();
    assert_eq!(Shapes::validate(&good), Ok(()));
    // The third bool of `bits`: the error is at the element.
    let mut b = good.clone();
    b[6] = 2;
    shapes_fail(&b, "bits", 6, ErrorKind::InvalidBool { byte: 2 });
    // The second light.
    let mut b = good.clone();
    b[8] = 3;
    shapes_fail(
        &b,
        "lights",
        8,
        ErrorKind::UnknownVariant {
            value: EnumValue::Unsigned(3),
        },
    );
    // The second cell's `ok`: a nested body's error names the nested field.
    let mut b = good.clone();
    b[12] = 5;
    let err = Shapes::validate(&b).unwrap_err();
    assert_eq!((err.field, err.offset), (Some("cells"), 12));
    let ErrorKind::Nested(inner) = err.kind else {
        panic!("not a nested error: {err}");
    };
    assert_eq!(
        (inner.field, inner.kind),
        (Some("ok"), ErrorKind::InvalidBool { byte: 5 })
    );
    // The tuple's bool.
    let mut b = good.clone();
    b[16] = 7;
    shapes_fail(&b, "pair", 16, ErrorKind::InvalidBool { byte: 7 });
    // A null tuple's slot must be zero.
    let mut b = good.clone();
    b[19] = 1;
    shapes_fail(&b, "maybe", 17, ErrorKind::NonZeroNull);
    // A present tuple with an unknown light.
    let mut b = good.clone();
    b[3] = 1;
    shapes_fail(
        &b,
        "maybe",
        17,
        ErrorKind::UnknownVariant {
            value: EnumValue::Unsigned(0),
        },
    );
    // The second bool of the list's element, a `[bool; 2]` at 24.
    let mut b = good.clone();
    b[25] = 9;
    shapes_fail(&b, "list", 25, ErrorKind::InvalidBool { byte: 9 });
}
