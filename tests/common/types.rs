//! Fact types that together use every supported field type, shared by
//! `tests/types.rs` (examples) and `tests/properties.rs` (properties) through
//! `#[path = "common/types.rs"] mod fixtures;`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use factpack::{FactEnum, Facts};

/// A fixed-size fact (no tail) with a nullable field, nested below.
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Point {
    pub x: i32,
    pub y: i32,
    pub label: Option<u16>,
    pub visible: bool,
}

/// Every fixed-size scalar: booleans, integers, floats and byte arrays.
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Scalars {
    pub flag: bool,
    pub i8: i8,
    pub i16: i16,
    pub i32: i32,
    pub i64: i64,
    pub u8: u8,
    pub u16: u16,
    pub u32: u32,
    pub u64: u64,
    pub f32: f32,
    pub f64: f64,
    pub ipv4: [u8; 4],
    pub uuid: [u8; 16],
}

/// Every chrono type in every unit (no attribute = the type's natural unit).
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Times {
    pub at: DateTime<Utc>,
    #[facts(unit = "s")]
    pub at_s: DateTime<Utc>,
    #[facts(unit = "ms")]
    pub at_ms: DateTime<Utc>,
    #[facts(unit = "us")]
    pub at_us: DateTime<Utc>,
    #[facts(unit = "ns")]
    pub at_ns: DateTime<Utc>,
    pub naive: NaiveDateTime,
    #[facts(unit = "s")]
    pub naive_s: NaiveDateTime,
    #[facts(unit = "ms")]
    pub naive_ms: NaiveDateTime,
    #[facts(unit = "us")]
    pub naive_us: NaiveDateTime,
    #[facts(unit = "ns")]
    pub naive_ns: NaiveDateTime,
    pub date: NaiveDate,
    pub delta: TimeDelta,
    #[facts(unit = "s")]
    pub delta_s: TimeDelta,
    #[facts(unit = "ms")]
    pub delta_ms: TimeDelta,
    #[facts(unit = "us")]
    pub delta_us: TimeDelta,
    #[facts(unit = "ns")]
    pub delta_ns: TimeDelta,
}

/// Strings, lists of every kind and a nested fact; no floats, so that byte
/// equality and value equality coincide.
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Lists {
    pub name: String,
    pub origin: Point,
    pub bools: Vec<bool>,
    pub bytes: Vec<u8>,
    pub counts: Vec<u16>,
    pub sizes: Vec<i64>,
    pub days: Vec<NaiveDate>,
    #[facts(unit = "ms")]
    pub stamps: Vec<DateTime<Utc>>,
    #[facts(unit = "ns")]
    pub waits: Vec<TimeDelta>,
    pub addrs: Vec<[u8; 4]>,
    pub points: Vec<Point>,
    pub tags: Vec<String>,
    pub note: String,
}

/// `Option` of every kind: fixed, time with a unit, nested, `String`, `Vec<T>`
/// and `Vec<String>`; 11 nullable fields, so the bitmap takes 2 bytes.
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Optionals {
    pub id: u32,
    pub flag: Option<bool>,
    pub count: Option<i64>,
    #[facts(unit = "s")]
    pub seen: Option<DateTime<Utc>>,
    pub day: Option<NaiveDate>,
    #[facts(unit = "ms")]
    pub took: Option<TimeDelta>,
    pub addr: Option<[u8; 4]>,
    pub at: Option<Point>,
    pub title: Option<String>,
    pub sizes: Option<Vec<u32>>,
    #[facts(unit = "us")]
    pub times: Option<Vec<NaiveDateTime>>,
    pub labels: Option<Vec<String>>,
}

/// Exactly ten nullable bytes: the bitmap is 2 bytes and only the low 2 bits
/// of the second may be set.
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct TenNulls {
    pub n0: Option<u8>,
    pub n1: Option<u8>,
    pub n2: Option<u8>,
    pub n3: Option<u8>,
    pub n4: Option<u8>,
    pub n5: Option<u8>,
    pub n6: Option<u8>,
    pub n7: Option<u8>,
    pub n8: Option<u8>,
    pub n9: Option<u8>,
}

/// No stored field at all: a blob is just the 3-byte prefix.
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Empty {}

/// Stored fields and transient ones, one with a declared default.
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct WithTransient {
    pub id: u64,
    pub name: String,
    #[facts(transient, default = "unknown".to_owned())]
    pub owner: String,
    #[facts(transient)]
    pub hits: Option<u32>,
}

/// Few possible values (2 × 3 × 64), so that two arbitrary ones are often
/// equal: exercises "equal bytes ⇔ equal values" in both directions.
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Flags {
    pub a: bool,
    pub b: Option<bool>,
    pub c: Option<Vec<bool>>,
}

/// A pull request's state: no `#[repr]`, so stored as the narrowest type
/// that holds 1..=3, a `u8`. No variant is 0, so a zero slot is invalid.
#[derive(FactEnum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Open = 1,
    Merged = 2,
    Closed = 3,
}

/// Negative, zero and sparse discriminants in an `i16`.
#[derive(FactEnum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i16)]
pub enum Level {
    Low = -300,
    Mid = 0,
    High = 1000,
}

/// A catch-all for values of no variant, in a `u32`.
#[derive(FactEnum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Kind {
    Bug = 1,
    Feature = 2,
    #[facts(other)]
    Unknown = 0xffff_ffff,
}

/// Enums without a catch-all in every shape: a field, an `Option`, a list,
/// an optional list.
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Enums {
    pub state: State,
    pub level: Level,
    pub maybe_state: Option<State>,
    pub maybe_level: Option<Level>,
    pub history: Vec<State>,
    pub levels: Vec<Level>,
    pub past_levels: Option<Vec<Level>>,
}

/// An enum with a catch-all in every shape: every stored value is valid,
/// and values of no variant read as `Kind::Unknown`.
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Tagged {
    pub kind: Kind,
    pub maybe_kind: Option<Kind>,
    pub kinds: Vec<Kind>,
}

/// Three floats: every bit pattern is a valid value.
#[derive(Facts, Debug, Clone, Copy, PartialEq)]
pub struct Vector3 {
    pub x: f32,
    pub y: f32,
    pub z: f32,
}

/// A normal and three vertices: nested facts made only of floats, so lists
/// of them validate in O(1).
#[derive(Facts, Debug, Clone, Copy, PartialEq)]
pub struct Triangle {
    pub normal: Vector3,
    pub a: Vector3,
    pub b: Vector3,
    pub c: Vector3,
}

/// Nested facts in every shape: a slot, an `Option`, a list of elements that
/// need no check, a list of elements that do (a `bool`, an `Option`), and an
/// optional list.
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Nested {
    pub id: u32,
    pub origin: Vector3,
    pub bounds: Option<Triangle>,
    pub triangles: Vec<Triangle>,
    pub points: Vec<Point>,
    pub marks: Option<Vec<Point>>,
}

/// A nested fact with variable-length fields of every kind a top-level fact
/// has: strings, a list of strings, an `Option` string, an enum, a fixed
/// nested fact and a list of numbers. Nested, it is stored as its whole blob.
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Source {
    pub file: String,
    pub line: u32,
    pub state: State,
    pub at: Point,
    pub tags: Vec<String>,
    pub column: Option<u16>,
    pub note: Option<String>,
    pub offsets: Vec<i64>,
}

/// A nested fact with variable-length fields that itself nests them: a list
/// of `Source`s and an optional one.
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Frame {
    pub function: String,
    pub sources: Vec<Source>,
    pub origin: Option<Source>,
}

/// Nested facts with variable-length fields in every shape: a field, an
/// `Option`, a list, an optional list, and two levels deep.
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Trace {
    pub id: u32,
    pub source: Source,
    pub caller: Option<Source>,
    pub frames: Vec<Frame>,
    pub extra: Option<Vec<Source>>,
    pub points: Vec<Point>,
}

/// A tuple as a list element.
pub type ShortAndBytes = (i16, [u8; 2]);

/// Arrays and tuples of fixed-size values in every shape: arrays of
/// numbers, of checked elements (`bool`, enums, nested facts), of time
/// values in a declared unit, of arrays; tuples mixing them; each as a
/// field, an `Option` and a list element.
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Compound {
    pub hash: [u8; 4],
    pub coords: [i32; 3],
    pub flags: [bool; 2],
    pub states: [State; 2],
    pub corners: [Point; 2],
    #[facts(unit = "ms")]
    pub stamps: [DateTime<Utc>; 2],
    pub grid: [[u16; 2]; 2],
    pub pair: (u32, f64),
    pub triple: (i64, [u8; 4], bool),
    pub quad: (State, Vector3, bool, [i8; 1]),
    pub single: (u16,),
    pub maybe_coords: Option<[i32; 3]>,
    pub maybe_flags: Option<[bool; 2]>,
    pub maybe_pair: Option<(u32, bool)>,
    pub empty: [u64; 0],
    pub coord_list: Vec<[i32; 2]>,
    pub flag_lists: Vec<[bool; 3]>,
    pub pairs: Vec<(u8, State)>,
    pub maybe_pairs: Option<Vec<ShortAndBytes>>,
}

/// An enum whose variants carry data: a fixed fact, a fact with a tail, a
/// fieldless enum, an array, nothing.
#[derive(FactEnum, Debug, Clone, PartialEq)]
#[repr(u16)]
#[allow(clippy::large_enum_variant)] // a fixture: the sizes do not matter
pub enum Shape {
    At(Point) = 1,
    Listed(Lists) = 2,
    State(State) = 3,
    Corners([i16; 2]) = 4,
    Nowhere = 0x100,
}

/// Enums whose variants carry data, as a field, an `Option`, a list and an
/// optional list, between other variable-length fields.
#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Shapes {
    pub name: String,
    pub shape: Shape,
    pub maybe: Option<Shape>,
    pub id: u32,
    pub tags: Vec<String>,
    pub history: Vec<Shape>,
    pub maybe_history: Option<Vec<Shape>>,
}
