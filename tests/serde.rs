//! serde: views and `Packed` serialize their stored fields the way the fact
//! type's own derived `Serialize` writes them, and `Packed` deserializes by
//! packing the deserialized value.
#![cfg(feature = "serde")]

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use factpack::{Facts, Packed};
use serde::{Deserialize, Serialize};

/// Athenian's `PullRequestFacts`, cut down to one field of each kind.
#[derive(Facts, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct PullRequestFacts {
    created: DateTime<Utc>,
    merged: Option<DateTime<Utc>>,
    closed: Option<DateTime<Utc>>,
    size: i64,
    review_comments: u16,
    done: bool,
    reviews: Vec<DateTime<Utc>>,
    merged_with_failed_check_runs: Vec<String>,
    #[facts(transient)]
    #[serde(skip)]
    repository_full_name: Option<String>,
}

fn pull_request() -> PullRequestFacts {
    let created = Utc.with_ymd_and_hms(2024, 5, 1, 9, 30, 0).unwrap();
    PullRequestFacts {
        created,
        // 999 ns past a whole millisecond: stored at microseconds, so the
        // nanoseconds are gone from the bytes.
        merged: Some(
            Utc.with_ymd_and_hms(2024, 5, 2, 10, 0, 0).unwrap()
                + TimeDelta::nanoseconds(250_000_999),
        ),
        closed: None,
        size: -120,
        review_comments: 3,
        done: true,
        reviews: vec![created, created + TimeDelta::microseconds(1)],
        merged_with_failed_check_runs: vec!["ci/lint".into(), "ci/\"quoted\"".into()],
        repository_full_name: Some("athenianco/athenian-api".into()),
    }
}

const PULL_REQUEST_JSON: &str = concat!(
    r#"{"created":"2024-05-01T09:30:00Z","#,
    r#""merged":"2024-05-02T10:00:00.250Z","#,
    r#""closed":null,"#,
    r#""size":-120,"#,
    r#""review_comments":3,"#,
    r#""done":true,"#,
    r#""reviews":["2024-05-01T09:30:00Z","2024-05-01T09:30:00.000001Z"],"#,
    r#""merged_with_failed_check_runs":["ci/lint","ci/\"quoted\""]}"#,
);

#[test]
fn a_view_serializes_its_fields_by_name() {
    let packed = pull_request().pack();
    let json = serde_json::to_string(&packed.view()).unwrap();
    assert_eq!(json, PULL_REQUEST_JSON);
}

#[test]
fn packed_serializes_as_its_view_without_transient_fields() {
    let packed = pull_request().pack();
    assert!(packed.transient().repository_full_name.is_some());
    let from_packed = serde_json::to_string(&packed).unwrap();
    let from_view = serde_json::to_string(&packed.view()).unwrap();
    assert_eq!(from_packed, from_view);
    assert!(!from_packed.contains("repository_full_name"));
}

#[test]
fn packed_round_trips_through_json() {
    let packed = pull_request().pack();
    let json = serde_json::to_string(&packed).unwrap();
    let back: Packed<PullRequestFacts> = serde_json::from_str(&json).unwrap();
    assert_eq!(back.as_bytes(), packed.as_bytes());
    assert_eq!(back.view().merged(), packed.view().merged());
    // `#[serde(skip)]` gave the transient field its default.
    assert_eq!(back.transient().repository_full_name, None);
}

#[test]
fn an_edited_value_packs_as_edited() {
    let mut json: serde_json::Value = serde_json::to_value(pull_request().pack()).unwrap();
    json["size"] = 7.into();
    let back: Packed<PullRequestFacts> = serde_json::from_value(json).unwrap();
    assert_eq!(back.view().size(), 7);
    assert_eq!(back.unpack().size, 7);
}

#[derive(Facts, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Point {
    x: i32,
    y: i32,
    label: Option<u16>,
}

/// Every other kind of field: floats, byte arrays, naive times, durations,
/// strings, nested facts, lists of them, and their `Option`s.
#[derive(Facts, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Everything {
    ratio: f64,
    small: i8,
    big: u64,
    addr: [u8; 4],
    day: NaiveDate,
    #[facts(unit = "ms")]
    naive: NaiveDateTime,
    wait: TimeDelta,
    #[facts(unit = "ns")]
    took: Option<TimeDelta>,
    name: String,
    title: Option<String>,
    origin: Point,
    at: Option<Point>,
    nowhere: Option<Point>,
    sizes: Option<Vec<u32>>,
    days: Vec<NaiveDate>,
    points: Vec<Point>,
    tags: Option<Vec<String>>,
    none: Option<Vec<String>>,
    addrs: Vec<[u8; 2]>,
}

fn everything() -> Everything {
    let day = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
    Everything {
        ratio: 0.5,
        small: -8,
        big: u64::MAX,
        addr: [10, 0, 0, 1],
        day,
        naive: day.and_hms_milli_opt(23, 59, 59, 125).unwrap(),
        wait: TimeDelta::seconds(90),
        took: Some(TimeDelta::nanoseconds(-1_500_000_001)),
        name: "héllo".into(),
        title: None,
        origin: Point {
            x: 1,
            y: -2,
            label: Some(3),
        },
        at: Some(Point {
            x: 0,
            y: 0,
            label: None,
        }),
        nowhere: None,
        sizes: Some(vec![]),
        days: vec![day, day.succ_opt().unwrap()],
        points: vec![Point {
            x: 5,
            y: 6,
            label: None,
        }],
        tags: Some(vec!["a".into(), String::new()]),
        none: None,
        addrs: vec![[1, 2], [255, 0]],
    }
}

const EVERYTHING_JSON: &str = concat!(
    r#"{"ratio":0.5,"small":-8,"big":18446744073709551615,"addr":[10,0,0,1],"#,
    r#""day":"2024-02-29","naive":"2024-02-29T23:59:59.125","#,
    r#""wait":[90,0],"took":[-2,499999999],"#,
    r#""name":"héllo","title":null,"#,
    r#""origin":{"x":1,"y":-2,"label":3},"at":{"x":0,"y":0,"label":null},"nowhere":null,"#,
    r#""sizes":[],"days":["2024-02-29","2024-03-01"],"points":[{"x":5,"y":6,"label":null}],"#,
    r#""tags":["a",""],"none":null,"addrs":[[1,2],[255,0]]}"#,
);

#[test]
fn every_kind_of_field_serializes() {
    let packed = everything().pack();
    assert_eq!(
        serde_json::to_string(&packed.view()).unwrap(),
        EVERYTHING_JSON
    );
}

#[test]
fn the_output_is_what_the_types_own_serialize_writes() {
    // The fact type's derived `Serialize` (chrono's formats, serde's own
    // for the rest) and the view's agree, so the type's `Deserialize` reads
    // a view's output back.
    let fact = everything();
    let own = serde_json::to_value(&fact).unwrap();
    assert_eq!(serde_json::to_value(fact.pack()).unwrap(), own);
    let fact = PullRequestFacts {
        merged: Utc.with_ymd_and_hms(2024, 5, 2, 10, 0, 0).single(),
        ..pull_request()
    };
    let own = serde_json::to_value(&fact).unwrap();
    assert_eq!(serde_json::to_value(fact.pack().view()).unwrap(), own);
}

#[test]
fn every_kind_of_field_round_trips_through_json() {
    let packed = everything().pack();
    let json = serde_json::to_string(&packed).unwrap();
    let back: Packed<Everything> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, packed);
    assert_eq!(back.unpack(), everything());
}

#[test]
fn packed_round_trips_through_a_format_without_field_names() {
    // bincode writes no names, lengths of structs or tags of options: the
    // entries must come in the order and shape `Deserialize` expects.
    let config = bincode::config::standard();
    let packed = pull_request().pack();
    let bytes = bincode::serde::encode_to_vec(&packed, config).unwrap();
    let own = bincode::serde::encode_to_vec(packed.unpack(), config).unwrap();
    assert_eq!(bytes, own);
    let (back, read): (Packed<PullRequestFacts>, usize) =
        bincode::serde::decode_from_slice(&bytes, config).unwrap();
    assert_eq!(read, bytes.len());
    assert_eq!(back, packed);
}

#[test]
fn a_value_that_does_not_pack_is_a_deserialization_error() {
    #[derive(Facts, Serialize, Deserialize, Debug, Clone, PartialEq)]
    struct Nanos {
        #[facts(unit = "ns")]
        at: DateTime<Utc>,
    }
    // Nanoseconds since 1970 in an i64 end in 2262.
    let result = serde_json::from_str::<Packed<Nanos>>(r#"{"at":"2300-01-01T00:00:00Z"}"#);
    assert_eq!(
        result.unwrap_err().to_string(),
        "cannot pack `Nanos`, field `at`: the time value does not fit 64 bits in the declared unit"
    );
}

#[derive(Facts, Debug, Clone, PartialEq)]
struct RecordV1 {
    id: u32,
}

#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 2)]
struct RecordV2 {
    id: u32,
    #[facts(since = 2)]
    note: Option<String>,
    #[facts(since = 2, default = 7)]
    level: u8,
}

#[test]
fn fields_a_blob_predates_serialize_as_they_read() {
    let old = RecordV1 { id: 5 }.pack();
    let view = RecordV2::view(old.as_bytes()).unwrap();
    assert_eq!(
        serde_json::to_string(&view).unwrap(),
        r#"{"id":5,"note":null,"level":7}"#
    );
}

#[test]
fn lists_serialize_on_their_own() {
    let packed = everything().pack();
    let view = packed.view();
    assert_eq!(
        serde_json::to_string(&view.days()).unwrap(),
        r#"["2024-02-29","2024-03-01"]"#
    );
    assert_eq!(serde_json::to_string(&view.tags()).unwrap(), r#"["a",""]"#);
    assert_eq!(
        serde_json::to_string(&view.points()).unwrap(),
        r#"[{"x":5,"y":6,"label":null}]"#
    );
}

/// A fieldless enum, stored as its discriminant.
#[derive(factpack::FactEnum, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Open = 1,
    Merged = 2,
    Closed = 7,
}

#[derive(Facts, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct WithEnums {
    state: State,
    previous: Option<State>,
    history: Vec<State>,
}

#[test]
fn enum_fields_serialize_by_variant_name_and_round_trip() {
    let value = WithEnums {
        state: State::Closed,
        previous: Some(State::Merged),
        history: vec![State::Open, State::Merged, State::Closed],
    };
    let packed = value.pack();
    let json = serde_json::to_string(&packed).unwrap();
    assert_eq!(
        json,
        r#"{"state":"Closed","previous":"Merged","history":["Open","Merged","Closed"]}"#
    );
    assert_eq!(
        json,
        serde_json::to_string(&value).unwrap(),
        "as serde's own derive writes it"
    );
    let back: Packed<WithEnums> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, packed);
}

/// Arrays and tuples, of numbers, of nested facts, of arrays, in `Option`s
/// and lists.
#[derive(Facts, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Compound {
    coords: [i32; 3],
    corners: [Point; 2],
    grid: [[u8; 2]; 2],
    pair: (u32, bool),
    maybe: Option<(i8, [u16; 2])>,
    none: Option<[f64; 2]>,
    pairs: Vec<(u8, f32)>,
}

#[test]
fn arrays_and_tuples_serialize_as_sequences() {
    let fact = Compound {
        coords: [1, -2, 3],
        corners: [
            Point {
                x: 1,
                y: 2,
                label: Some(3),
            },
            Point {
                x: -1,
                y: 0,
                label: None,
            },
        ],
        grid: [[1, 2], [3, 4]],
        pair: (7, true),
        maybe: Some((-1, [5, 6])),
        none: None,
        pairs: vec![(1, 0.5), (2, -1.0)],
    };
    let json = serde_json::to_string(&fact.pack().view()).unwrap();
    assert_eq!(
        json,
        concat!(
            r#"{"coords":[1,-2,3],"corners":[{"x":1,"y":2,"label":3},{"x":-1,"y":0,"label":null}],"#,
            r#""grid":[[1,2],[3,4]],"pair":[7,true],"maybe":[-1,[5,6]],"none":null,"#,
            r#""pairs":[[1,0.5],[2,-1.0]]}"#
        )
    );
    // The type's own derived `Serialize` writes the same, so it reads it back.
    assert_eq!(
        serde_json::to_value(fact.pack()).unwrap(),
        serde_json::to_value(&fact).unwrap()
    );
    let back: Packed<Compound> = serde_json::from_str(&json).unwrap();
    assert_eq!(back.unpack(), fact);
}

/// Declares a fact whose field type comes from the macro's caller: the
/// generated `Serialize` must still reach the view's `self`, which the
/// macro's hygiene hides from tokens spanned at the caller's type.
macro_rules! fact_of {
    ($name:ident, $ty:ident) => {
        #[derive(Facts, Debug, Clone, PartialEq)]
        struct $name {
            value: $ty,
        }
    };
}

fact_of!(Labelled, String);

#[test]
fn a_fact_declared_by_a_macro_serializes() {
    let packed = Labelled { value: "x".into() }.pack();
    let json = serde_json::to_string(&packed.view()).unwrap();
    assert_eq!(json, r#"{"value":"x"}"#);
}
