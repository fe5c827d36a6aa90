//! Round trips of every supported field type, with hand-checked layouts.

#[path = "common/types.rs"]
#[allow(dead_code)]
mod fixtures;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use factpack::{ErrorKind, FactView, Facts, FieldInfo, PackError, PackErrorKind, Packed};
use fixtures::*;

// ---------------------------------------------------------------- values

fn point(x: i32) -> Point {
    Point {
        x,
        y: -x,
        label: (x % 2 == 0).then_some(x as u16),
        visible: x > 0,
    }
}

fn scalars() -> Scalars {
    Scalars {
        flag: true,
        i8: i8::MIN,
        i16: -12_345,
        i32: i32::MAX,
        i64: -1,
        u8: 0xab,
        u16: u16::MAX,
        u32: 0x0102_0304,
        u64: u64::MAX - 1,
        f32: -0.0,
        f64: std::f64::consts::PI,
        ipv4: [192, 168, 0, 1],
        uuid: *b"0123456789abcdef",
    }
}

/// 2024-05-01T09:30:00Z plus 123_456_789 ns.
fn instant() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 9, 30, 0).unwrap() + TimeDelta::nanoseconds(123_456_789)
}

fn naive(secs: i64, nanos: u32) -> NaiveDateTime {
    DateTime::from_timestamp(secs, nanos).unwrap().naive_utc()
}

/// Values already at the precision of their unit, so they round-trip exactly.
fn times() -> Times {
    let at = Utc.with_ymd_and_hms(1969, 7, 20, 20, 17, 40).unwrap();
    Times {
        at: at + TimeDelta::microseconds(1),
        at_s: at,
        at_ms: at + TimeDelta::milliseconds(999),
        at_us: DateTime::<Utc>::MIN_UTC,
        at_ns: at + TimeDelta::nanoseconds(1),
        naive: naive(-1, 999_999_000),
        naive_s: naive(DateTime::<Utc>::MAX_UTC.timestamp(), 0),
        naive_ms: naive(1_700_000_000, 5_000_000),
        naive_us: naive(0, 1_000),
        naive_ns: naive(-5, 7),
        date: NaiveDate::from_ymd_opt(1900, 2, 28).unwrap(),
        delta: TimeDelta::seconds(-86_400),
        delta_s: TimeDelta::seconds(i64::MAX / 1_000),
        delta_ms: TimeDelta::MIN,
        delta_us: TimeDelta::microseconds(-3),
        delta_ns: TimeDelta::nanoseconds(i64::MIN),
    }
}

fn lists() -> Lists {
    Lists {
        name: "héllo, wörld".into(),
        origin: point(2),
        bools: vec![true, false, true],
        bytes: vec![0, 255, 7],
        counts: vec![1, u16::MAX],
        sizes: vec![i64::MIN, 0, i64::MAX],
        days: vec![
            NaiveDate::MIN,
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(),
            NaiveDate::MAX,
        ],
        stamps: vec![
            Utc.timestamp_millis_opt(-1).unwrap(),
            Utc.timestamp_millis_opt(1_714_555_800_123).unwrap(),
        ],
        waits: vec![TimeDelta::nanoseconds(-1), TimeDelta::nanoseconds(i64::MAX)],
        addrs: vec![[10, 0, 0, 1], [127, 0, 0, 1]],
        points: vec![point(1), point(-4), point(6)],
        tags: vec!["bug".into(), String::new(), "日本語".into()],
        note: String::new(),
    }
}

fn optionals_all(present: bool) -> Optionals {
    if !present {
        return Optionals {
            id: 9,
            flag: None,
            count: None,
            seen: None,
            day: None,
            took: None,
            addr: None,
            at: None,
            title: None,
            sizes: None,
            times: None,
            labels: None,
        };
    }
    Optionals {
        id: 9,
        flag: Some(false),
        count: Some(-7),
        seen: Some(Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 1).unwrap()),
        day: Some(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()),
        took: Some(TimeDelta::milliseconds(-1_500)),
        addr: Some([0; 4]),
        at: Some(point(4)),
        title: Some(String::new()),
        sizes: Some(vec![]),
        times: Some(vec![naive(1, 2_000), naive(-1, 0)]),
        labels: Some(vec![]),
    }
}

fn i64_at(bytes: &[u8], offset: usize) -> i64 {
    i64::from_le_bytes(bytes[offset..offset + 8].try_into().unwrap())
}

fn i32_at(bytes: &[u8], offset: usize) -> i32 {
    i32::from_le_bytes(bytes[offset..offset + 4].try_into().unwrap())
}

/// pack → view → unpack, and the same through `Packed::from_bytes`.
fn round_trip<T: Facts + PartialEq + std::fmt::Debug>(value: &T) -> Packed<T> {
    let packed = value.pack();
    let view = T::view(packed.as_bytes()).expect("a packed value validates");
    assert_eq!(&view.unpack(), value);
    assert_eq!(view.version(), T::VERSION);
    assert_eq!(&packed.unpack(), value);
    let reloaded = Packed::<T>::from_bytes(packed.as_bytes().to_vec()).unwrap();
    assert_eq!(&reloaded.unpack(), value);
    assert_eq!(reloaded, packed);
    let mut appended = vec![0xee; 5];
    value.pack_into(&mut appended).unwrap();
    assert_eq!(&appended[..5], &[0xee; 5]);
    assert_eq!(&appended[5..], packed.as_bytes());
    packed
}

/// Checks what every layout must satisfy for a version-1 type: slots are
/// contiguous after the bitmap, in declaration order, and end at `HEADER_LEN`.
fn check_layout<T: Facts>(nullable: usize) {
    let bitmap = nullable.div_ceil(8);
    let mut next = 3 + bitmap;
    let mut null_index = 0;
    for info in T::FIELDS {
        assert_eq!(info.offset, next, "{}::{}", T::NAME, info.name);
        assert!(info.size > 0);
        if let Some((byte, mask)) = info.null {
            assert_eq!((byte, mask), (3 + null_index / 8, 1 << (null_index % 8)));
            null_index += 1;
        }
        assert_eq!(info.since, 1);
        next += info.size;
    }
    assert_eq!(null_index, nullable);
    assert_eq!(next, T::HEADER_LEN);
    assert_eq!(T::HEADER_LENS, &[T::HEADER_LEN as u16]);
    assert_eq!(T::FINGERPRINTS, &[T::FINGERPRINT]);
    assert_eq!(T::VERSION, 1);
    let offsets: Vec<usize> = T::FIELDS.iter().map(|f| f.offset).collect();
    assert!(offsets.windows(2).all(|w| w[0] < w[1]), "{offsets:?}");
}

fn info<T: Facts>(name: &str) -> &'static FieldInfo {
    T::field(name).unwrap_or_else(|| panic!("{} has no field {name}", T::NAME))
}

// ---------------------------------------------------------------- layout

#[test]
fn header_lengths_match_hand_computed_sums() {
    // prefix 3 + bitmap 1 (1 nullable) + x 4 + y 4 + label 2 + visible 1
    assert_eq!(Point::HEADER_LEN, 15);
    // prefix 3 + bool 1 + i8 1 + i16 2 + i32 4 + i64 8 + u8 1 + u16 2 + u32 4
    // + u64 8 + f32 4 + f64 8 + [u8;4] 4 + [u8;16] 16
    assert_eq!(Scalars::HEADER_LEN, 66);
    // prefix 3 + 15 instants/durations × 8 + date 4
    assert_eq!(Times::HEADER_LEN, 127);
    // prefix 3 + 12 end pointers × 4 + nested Point's body 12
    assert_eq!(Lists::HEADER_LEN, 63);
    // prefix 3 + bitmap 2 (11 nullable) + id 4 + flag 1 + count 8 + seen 8 + day 4
    // + took 8 + addr 4 + at 12 (a Point's body) + 4 pointers × 4
    assert_eq!(Optionals::HEADER_LEN, 70);
    // prefix 3 + bitmap 2 (10 nullable) + 10 × 1
    assert_eq!(TenNulls::HEADER_LEN, 15);
    // prefix only
    assert_eq!(Empty::HEADER_LEN, 3);
    // prefix 3 + id 8 + name pointer 4; the transient fields take nothing
    assert_eq!(WithTransient::HEADER_LEN, 15);
}

#[test]
fn fields_are_contiguous_in_declaration_order_after_the_bitmap() {
    check_layout::<Point>(1);
    check_layout::<Scalars>(0);
    check_layout::<Times>(0);
    check_layout::<Lists>(0);
    check_layout::<Optionals>(11);
    check_layout::<TenNulls>(10);
    check_layout::<Empty>(0);
    check_layout::<WithTransient>(0);
}

#[test]
fn field_refs_agree_with_fields_table() {
    fn same<T: Facts>(name: &str, offset: usize, size: usize, since: u8) {
        let info = info::<T>(name);
        assert_eq!(
            (info.offset, info.size, info.since),
            (offset, size, since),
            "{name}"
        );
    }
    macro_rules! check {
        ($ty:ident: $($handle:ident),* $(,)?) => {{
            let mut offsets = Vec::new();
            $(
                let h = $ty::$handle;
                same::<$ty>(h.name(), h.offset(), h.size(), h.since());
                offsets.push(h.offset());
            )*
            assert!(offsets.windows(2).all(|w| w[0] < w[1]), "{offsets:?}");
            let names: Vec<&str> = $ty::FIELDS.iter().map(|f| f.name).collect();
            assert_eq!(names, [$($ty::$handle.name()),*]);
        }};
    }
    check!(Point: X, Y, LABEL, VISIBLE);
    check!(Scalars: FLAG, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64, IPV4, UUID);
    check!(Times: AT, AT_S, AT_MS, AT_US, AT_NS, NAIVE, NAIVE_S, NAIVE_MS, NAIVE_US, NAIVE_NS,
        DATE, DELTA, DELTA_S, DELTA_MS, DELTA_US, DELTA_NS);
    check!(Lists: NAME, ORIGIN, BOOLS, BYTES, COUNTS, SIZES, DAYS, STAMPS, WAITS, ADDRS, POINTS,
        TAGS, NOTE);
    check!(Optionals: ID, FLAG, COUNT, SEEN, DAY, TOOK, ADDR, AT, TITLE, SIZES, TIMES, LABELS);
    check!(TenNulls: N0, N1, N2, N3, N4, N5, N6, N7, N8, N9);
    check!(WithTransient: ID, NAME);
    assert!(Empty::FIELDS.is_empty());
}

#[test]
fn fields_table_marks_variable_and_nullable_fields() {
    assert!(info::<Lists>("name").variable);
    assert!(!info::<Lists>("origin").variable);
    assert!(info::<Lists>("points").variable);
    assert_eq!(info::<Lists>("tags").size, 4);
    // A nested fact's slot holds its body: its header without the prefix.
    assert_eq!(info::<Lists>("origin").size, Point::HEADER_LEN - 3);
    assert_eq!(info::<Optionals>("id").null, None);
    assert!(info::<Optionals>("labels").variable);
    assert_eq!(info::<Optionals>("flag").null, Some((3, 1)));
    assert_eq!(info::<Optionals>("labels").null, Some((4, 1 << 2)));
    assert_eq!(info::<TenNulls>("n7").null, Some((3, 1 << 7)));
    assert_eq!(info::<TenNulls>("n8").null, Some((4, 1)));
    assert_eq!(info::<TenNulls>("n9").null, Some((4, 2)));
    const { assert!(Lists::HAS_TAIL && Optionals::HAS_TAIL && WithTransient::HAS_TAIL) };
    const { assert!(!Point::HAS_TAIL && !Scalars::HAS_TAIL && !Times::HAS_TAIL) };
    const { assert!(!TenNulls::HAS_TAIL && !Empty::HAS_TAIL) };
    assert_eq!(WithTransient::TRANSIENT_FIELDS, ["owner", "hits"]);
    assert!(Lists::TRANSIENT_FIELDS.is_empty());
    assert!(WithTransient::field("owner").is_none());
}

#[test]
fn fixed_size_fact_is_exactly_its_header() {
    let packed = round_trip(&scalars());
    assert_eq!(packed.as_bytes().len(), Scalars::HEADER_LEN);
    assert_eq!(round_trip(&times()).as_bytes().len(), Times::HEADER_LEN);
    assert_eq!(round_trip(&point(3)).as_bytes().len(), Point::HEADER_LEN);
}

// ---------------------------------------------------------------- scalars

#[test]
fn scalars_round_trip_through_accessors() {
    let value = scalars();
    let packed = round_trip(&value);
    let v = packed.view();
    assert!(v.flag());
    assert_eq!(v.i8(), value.i8);
    assert_eq!(v.i16(), value.i16);
    assert_eq!(v.i32(), value.i32);
    assert_eq!(v.i64(), value.i64);
    assert_eq!(v.u8(), value.u8);
    assert_eq!(v.u16(), value.u16);
    assert_eq!(v.u32(), value.u32);
    assert_eq!(v.u64(), value.u64);
    assert_eq!(v.f32().to_bits(), (-0.0f32).to_bits());
    assert_eq!(v.f64(), value.f64);
    assert_eq!(v.ipv4(), value.ipv4);
    assert_eq!(v.uuid(), value.uuid);
    assert_eq!(packed.get(Scalars::U32), Some(value.u32));
    assert_eq!(Scalars::UUID.get(&v), Some(value.uuid));
}

#[test]
fn scalars_are_little_endian_at_their_offsets() {
    let value = scalars();
    let packed = value.pack();
    let b = packed.as_bytes();
    let at = |h: usize, n: usize| &b[h..h + n];
    assert_eq!(&b[..3], &[1, 66, 0]);
    assert_eq!(at(Scalars::FLAG.offset(), 1), &[1]);
    assert_eq!(at(Scalars::I8.offset(), 1), &[0x80]);
    assert_eq!(at(Scalars::I16.offset(), 2), &value.i16.to_le_bytes());
    assert_eq!(at(Scalars::U32.offset(), 4), &[4, 3, 2, 1]);
    assert_eq!(at(Scalars::U64.offset(), 8), &value.u64.to_le_bytes());
    assert_eq!(at(Scalars::F32.offset(), 4), &[0, 0, 0, 0x80]);
    assert_eq!(at(Scalars::F64.offset(), 8), &value.f64.to_le_bytes());
    assert_eq!(at(Scalars::IPV4.offset(), 4), &value.ipv4);
    assert_eq!(at(Scalars::UUID.offset(), 16), &value.uuid);
}

#[test]
fn nan_keeps_its_bits() {
    let value = Scalars {
        f32: f32::from_bits(0x7fc0_0001),
        f64: f64::from_bits(0xfff8_0000_0000_0abc),
        ..scalars()
    };
    let packed = value.pack();
    assert_eq!(packed.view().f32().to_bits(), 0x7fc0_0001);
    assert_eq!(packed.unpack().f64.to_bits(), 0xfff8_0000_0000_0abc);
}

#[test]
fn bool_byte_other_than_zero_or_one_is_rejected() {
    let mut bytes = scalars().pack().as_bytes().to_vec();
    bytes[Scalars::FLAG.offset()] = 2;
    let err = Scalars::validate(&bytes).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidBool { byte: 2 });
    assert_eq!(err.field, Some("flag"));
    assert_eq!(err.offset, Scalars::FLAG.offset());
}

// ---------------------------------------------------------------- time

#[test]
fn times_round_trip_through_accessors() {
    let value = times();
    let packed = round_trip(&value);
    let v = packed.view();
    assert_eq!(v.at(), value.at);
    assert_eq!(v.at_s(), value.at_s);
    assert_eq!(v.at_ms(), value.at_ms);
    assert_eq!(v.at_us(), DateTime::<Utc>::MIN_UTC);
    assert_eq!(v.at_ns(), value.at_ns);
    assert_eq!(v.naive(), value.naive);
    assert_eq!(v.naive_s(), value.naive_s);
    assert_eq!(v.naive_ms(), value.naive_ms);
    assert_eq!(v.naive_us(), value.naive_us);
    assert_eq!(v.naive_ns(), value.naive_ns);
    assert_eq!(v.date(), value.date);
    assert_eq!(v.delta(), value.delta);
    assert_eq!(v.delta_s(), value.delta_s);
    assert_eq!(v.delta_ms(), TimeDelta::MIN);
    assert_eq!(v.delta_us(), value.delta_us);
    assert_eq!(v.delta_ns(), value.delta_ns);
}

/// The same instant and duration everywhere, to compare the stored integers.
fn same_everywhere(at: DateTime<Utc>, delta: TimeDelta) -> Times {
    Times {
        at,
        at_s: at,
        at_ms: at,
        at_us: at,
        at_ns: at,
        naive: at.naive_utc(),
        naive_s: at.naive_utc(),
        naive_ms: at.naive_utc(),
        naive_us: at.naive_utc(),
        naive_ns: at.naive_utc(),
        date: at.date_naive(),
        delta,
        delta_s: delta,
        delta_ms: delta,
        delta_us: delta,
        delta_ns: delta,
    }
}

#[test]
fn units_change_the_stored_integer() {
    let at = instant();
    let delta = TimeDelta::seconds(90_061) + TimeDelta::nanoseconds(500_000_001);
    let packed = same_everywhere(at, delta).pack();
    let b = packed.as_bytes();
    let secs = 1_714_555_800i64;
    // Instants: default microseconds.
    assert_eq!(i64_at(b, Times::AT.offset()), secs * 1_000_000 + 123_456);
    assert_eq!(i64_at(b, Times::AT_S.offset()), secs);
    assert_eq!(i64_at(b, Times::AT_MS.offset()), secs * 1_000 + 123);
    assert_eq!(i64_at(b, Times::AT_US.offset()), secs * 1_000_000 + 123_456);
    assert_eq!(
        i64_at(b, Times::AT_NS.offset()),
        secs * 1_000_000_000 + 123_456_789
    );
    assert_eq!(i64_at(b, Times::NAIVE.offset()), secs * 1_000_000 + 123_456);
    assert_eq!(i64_at(b, Times::NAIVE_S.offset()), secs);
    assert_eq!(i64_at(b, Times::NAIVE_MS.offset()), secs * 1_000 + 123);
    assert_eq!(
        i64_at(b, Times::NAIVE_US.offset()),
        secs * 1_000_000 + 123_456
    );
    assert_eq!(
        i64_at(b, Times::NAIVE_NS.offset()),
        secs * 1_000_000_000 + 123_456_789
    );
    // 2024-05-01 is day 19_844 since 1970-01-01.
    assert_eq!(i32_at(b, Times::DATE.offset()), 19_844);
    // Durations: default seconds.
    assert_eq!(i64_at(b, Times::DELTA.offset()), 90_061);
    assert_eq!(i64_at(b, Times::DELTA_S.offset()), 90_061);
    assert_eq!(i64_at(b, Times::DELTA_MS.offset()), 90_061_500);
    assert_eq!(i64_at(b, Times::DELTA_US.offset()), 90_061_500_000);
    assert_eq!(i64_at(b, Times::DELTA_NS.offset()), 90_061_500_000_001);
}

#[test]
fn instants_are_floored_to_their_unit() {
    // 1.5 ms before the epoch: floors to -2 ms, -1 s, -1500 µs.
    let before = DateTime::from_timestamp(-1, 998_500_000).unwrap();
    let after = instant();
    for (at, s, ms, us) in [
        (before, -1, -2, -1_500),
        (
            after,
            1_714_555_800,
            1_714_555_800_123,
            1_714_555_800_123_456,
        ),
    ] {
        let packed = same_everywhere(at, TimeDelta::zero()).pack();
        let v = packed.view();
        assert_eq!(v.at_s(), DateTime::from_timestamp(s, 0).unwrap());
        assert_eq!(v.at_ms(), DateTime::from_timestamp_millis(ms).unwrap());
        assert_eq!(v.at_us(), DateTime::from_timestamp_micros(us).unwrap());
        assert_eq!(v.at(), v.at_us());
        assert_eq!(v.at_ns(), at);
        assert_eq!(v.naive_s(), v.at_s().naive_utc());
        assert_eq!(v.naive_ms(), v.at_ms().naive_utc());
        assert_eq!(v.naive(), v.at_us().naive_utc());
        assert_eq!(v.naive_ns(), at.naive_utc());
        let b = packed.as_bytes();
        assert_eq!(i64_at(b, Times::AT_MS.offset()), ms);
    }
}

#[test]
fn durations_are_truncated_toward_zero() {
    let delta = -(TimeDelta::seconds(1) + TimeDelta::nanoseconds(999_999_999)); // -1.999999999 s
    let packed = same_everywhere(instant(), delta).pack();
    let v = packed.view();
    assert_eq!(v.delta(), TimeDelta::seconds(-1));
    assert_eq!(v.delta_s(), TimeDelta::seconds(-1));
    assert_eq!(v.delta_ms(), TimeDelta::milliseconds(-1_999));
    assert_eq!(v.delta_us(), TimeDelta::microseconds(-1_999_999));
    assert_eq!(v.delta_ns(), delta);
    assert_eq!(i64_at(packed.as_bytes(), Times::DELTA_MS.offset()), -1_999);
}

#[test]
fn dates_are_days_since_the_epoch() {
    for (date, days) in [
        (NaiveDate::from_ymd_opt(1970, 1, 1).unwrap(), 0),
        (NaiveDate::from_ymd_opt(1969, 12, 31).unwrap(), -1),
        (NaiveDate::MIN, -96_465_292),
        (NaiveDate::MAX, 95_026_236),
    ] {
        let value = Times { date, ..times() };
        let packed = round_trip(&value);
        assert_eq!(i32_at(packed.as_bytes(), Times::DATE.offset()), days);
        assert_eq!(packed.view().date(), date);
    }
}

#[test]
fn nanoseconds_out_of_range_fail_to_pack() {
    let far = Utc.with_ymd_and_hms(2300, 1, 1, 0, 0, 0).unwrap();
    let value = Times {
        at_ns: far,
        ..times()
    };
    let err = value.try_pack().unwrap_err();
    let PackError {
        type_name,
        field,
        kind,
        ..
    } = err;
    assert_eq!(
        (type_name, field, kind),
        ("Times", Some("at_ns"), PackErrorKind::TimeOutOfRange)
    );
    // The same instant at microseconds is fine.
    let ok = Times {
        at_us: far,
        ..times()
    };
    assert_eq!(ok.pack().view().at_us(), far);

    let value = Times {
        naive_ns: Utc
            .with_ymd_and_hms(1600, 1, 1, 0, 0, 0)
            .unwrap()
            .naive_utc(),
        ..times()
    };
    assert_eq!(value.try_pack().unwrap_err().field, Some("naive_ns"));
}

#[test]
fn durations_out_of_range_fail_to_pack() {
    for (value, field) in [
        (
            Times {
                delta_ns: TimeDelta::MAX,
                ..times()
            },
            "delta_ns",
        ),
        (
            Times {
                delta_us: TimeDelta::MIN,
                ..times()
            },
            "delta_us",
        ),
    ] {
        let err = value.try_pack().unwrap_err();
        assert_eq!(err.kind, PackErrorKind::TimeOutOfRange);
        assert_eq!(err.field, Some(field));
    }
}

#[test]
fn failed_pack_into_leaves_the_vec_unchanged() {
    let far = Utc.with_ymd_and_hms(2300, 1, 1, 0, 0, 0).unwrap();
    let mut out = vec![1, 2, 3];
    let bad = Times {
        at_ns: far,
        ..times()
    };
    assert!(bad.pack_into(&mut out).is_err());
    assert_eq!(out, [1, 2, 3]);

    // In a list payload, after the header was written and other payloads appended.
    let bad = Lists {
        waits: vec![TimeDelta::zero(), TimeDelta::MAX],
        ..lists()
    };
    let err = bad.pack_into(&mut out).unwrap_err();
    assert_eq!((err.type_name, err.field), ("Lists", Some("waits")));
    assert_eq!(out, [1, 2, 3]);
    assert!(bad.try_pack().is_err());
}

#[test]
#[should_panic(expected = "at_ns")]
fn pack_panics_where_try_pack_fails() {
    let far = Utc.with_ymd_and_hms(2300, 1, 1, 0, 0, 0).unwrap();
    let _ = Times {
        at_ns: far,
        ..times()
    }
    .pack();
}

#[test]
fn time_out_of_range_in_bytes_is_rejected() {
    let mut bytes = times().pack().as_bytes().to_vec();
    let at = Times::AT_S.offset();
    bytes[at..at + 8].copy_from_slice(&i64::MAX.to_le_bytes());
    let err = Times::validate(&bytes).unwrap_err();
    assert_eq!(err.kind, ErrorKind::TimeOutOfRange { raw: i64::MAX });
    assert_eq!((err.field, err.offset), (Some("at_s"), at));
}

// ---------------------------------------------------------------- lists

#[test]
fn lists_round_trip_through_accessors() {
    let value = lists();
    let packed = round_trip(&value);
    let v = packed.view();
    assert_eq!(v.name(), "héllo, wörld");
    assert_eq!(v.note(), "");
    assert_eq!(v.bools().to_vec(), value.bools);
    assert_eq!(v.bytes().as_bytes(), &[0, 255, 7]);
    assert_eq!(v.counts().to_vec(), value.counts);
    assert_eq!(v.sizes().to_vec(), value.sizes);
    assert_eq!(v.days().to_vec(), value.days);
    assert_eq!(v.stamps().to_vec(), value.stamps);
    assert_eq!(v.waits().to_vec(), value.waits);
    assert_eq!(v.addrs().to_vec(), value.addrs);
    assert_eq!(v.points().to_vec(), value.points);
    assert_eq!(v.tags().to_vec(), value.tags);
    assert!(v.sizes() == value.sizes[..]);
    assert!(v.tags() == value.tags[..]);
    // header + payloads, nothing else
    let payload: usize = 14
        + 3
        + 3
        + 2 * 2
        + 3 * 8
        + 3 * 4
        + 2 * 8
        + 2 * 8
        + 2 * 4
        + (3 + 3 * 12)
        + (4 + 3 * 4 + 3 + 9);
    assert_eq!(packed.as_bytes().len(), Lists::HEADER_LEN + payload);
}

#[test]
fn slice_methods() {
    let value = lists();
    let packed = value.pack();
    let sizes = packed.view().sizes();
    assert_eq!(sizes.len(), 3);
    assert!(!sizes.is_empty());
    assert_eq!(sizes.get(0), Some(i64::MIN));
    assert_eq!(sizes.get(2), Some(i64::MAX));
    assert_eq!(sizes.get(3), None);
    assert_eq!(sizes.get(usize::MAX), None);
    assert_eq!(sizes.first(), Some(i64::MIN));
    assert_eq!(sizes.last(), Some(i64::MAX));
    assert_eq!(sizes.iter().collect::<Vec<_>>(), value.sizes);
    assert_eq!(sizes.iter().len(), 3);
    assert_eq!(sizes.into_iter().next_back(), Some(i64::MAX));
    assert_eq!(sizes.as_bytes().len(), 24);
    assert_eq!(&sizes.as_bytes()[8..16], &0i64.to_le_bytes());
    assert_eq!(format!("{sizes:?}"), format!("{:?}", value.sizes));

    let days = packed.view().days();
    assert_eq!(days.last(), Some(NaiveDate::MAX));
    assert_eq!(days.get(1), NaiveDate::from_ymd_opt(2024, 2, 29));

    let bools = packed.view().bools();
    assert_eq!(bools.iter().collect::<Vec<_>>(), [true, false, true]);
    assert_eq!(bools.get(3), None);

    let empty = Lists {
        sizes: vec![],
        ..value
    }
    .pack();
    let none = empty.view().sizes();
    assert_eq!(none.len(), 0);
    assert!(none.is_empty());
    assert_eq!(none.first(), None);
    assert_eq!(none.last(), None);
    assert_eq!(none.get(0), None);
    assert_eq!(none.iter().count(), 0);
    assert!(none.to_vec().is_empty());
}

#[test]
fn str_list_methods() {
    let packed = lists().pack();
    let tags = packed.view().tags();
    assert_eq!(tags.len(), 3);
    assert!(!tags.is_empty());
    assert_eq!(tags.get(0), Some("bug"));
    assert_eq!(tags.get(1), Some(""));
    assert_eq!(tags.get(2), Some("日本語"));
    assert_eq!(tags.get(3), None);
    assert_eq!(tags.get(usize::MAX), None);
    assert_eq!(tags.iter().collect::<Vec<_>>(), ["bug", "", "日本語"]);
    assert_eq!(tags.iter().len(), 3);
    assert_eq!(tags.to_vec(), ["bug", "", "日本語"]);
    assert_eq!(tags.ends().collect::<Vec<_>>(), [3, 3, 12]);
    assert_eq!(tags.data(), "bug日本語".as_bytes());
    assert_eq!(format!("{tags:?}"), r#"["bug", "", "日本語"]"#);

    let one_empty = Lists {
        tags: vec![String::new()],
        ..lists()
    }
    .pack();
    let tags = one_empty.view().tags();
    assert_eq!((tags.len(), tags.get(0), tags.get(1)), (1, Some(""), None));

    let none = Lists {
        tags: vec![],
        ..lists()
    }
    .pack();
    let tags = none.view().tags();
    assert!(tags.is_empty());
    assert_eq!(tags.get(0), None);
    assert_eq!(tags.iter().count(), 0);
    assert!(tags.to_vec().is_empty());
    // An empty list of strings has an empty payload; [""] has count and one end.
    assert_eq!(one_empty.as_bytes().len(), none.as_bytes().len() + 8);
}

#[test]
fn nested_view_accessors() {
    let value = lists();
    let packed = value.pack();
    let v = packed.view();
    let origin = v.origin();
    assert_eq!(
        (origin.x(), origin.y(), origin.label(), origin.visible()),
        (2, -2, Some(2), true)
    );
    assert_eq!(origin.unpack(), value.origin);
    // A nested view sees the body: the header without the prefix.
    assert_eq!(origin.as_bytes().len(), Point::HEADER_LEN - 3);
    assert_eq!(origin.version(), 1);
    let points = v.points();
    assert_eq!(points.len(), 3);
    let second = points.get(1).unwrap();
    assert_eq!(
        (second.x(), second.y(), second.label()),
        (-4, 4, Some(65_532))
    );
    assert!(!second.visible());
    assert_eq!(points.first().unwrap().label(), None);
    assert_eq!(points.last().unwrap().unpack(), point(6));
    assert!(points.get(3).is_none());
    assert_eq!(points.iter().map(|p| p.x()).collect::<Vec<_>>(), [1, -4, 6]);
    // The nested fact's body (its blob without the prefix) sits verbatim
    // at the field's offset.
    let at = Lists::ORIGIN.offset();
    assert_eq!(
        &packed.as_bytes()[at..at + Point::HEADER_LEN - 3],
        &point(2).pack().as_bytes()[3..]
    );
    assert_eq!(packed.get(Lists::ORIGIN).unwrap().x(), 2);
}

#[test]
fn nested_views_are_refused_as_column_sources() {
    use factpack::columns::ColumnData as _;
    use factpack::ColumnsError;
    let packed = lists().pack();
    let v = packed.view();
    // A body is not a blob, however much it may look like one: refused by
    // position, whether a field's or a list element's.
    let err = Point::columns([v.origin()]).unwrap_err();
    assert_eq!(
        err,
        ColumnsError::Body {
            position: 0,
            type_name: "Point"
        }
    );
    assert!(err.to_string().contains("body, not a blob"), "{err}");
    let points = v.points();
    let err = Point::columns(points.iter().collect::<Vec<_>>().iter()).unwrap_err();
    assert_eq!(err.position(), 0);
    // The nested facts' own blobs are a source.
    let blobs: Vec<_> = points.iter().map(|p| p.unpack().pack()).collect();
    assert_eq!(Point::columns(&blobs).unwrap().len(), 3);
}

#[test]
fn nested_fact_with_an_unused_null_bit_is_rejected() {
    let mut bytes = lists().pack().as_bytes().to_vec();
    // The first byte of Point's body is its bitmap, whose one field owns bit 0.
    bytes[Lists::ORIGIN.offset()] = 2;
    let err = Lists::validate(&bytes).unwrap_err();
    assert_eq!(err.field, Some("origin"));
    assert!(matches!(err.kind, ErrorKind::Nested(_)), "{err:?}");
}

// ---------------------------------------------------------------- options

#[test]
fn options_round_trip_when_all_present() {
    let value = optionals_all(true);
    let packed = round_trip(&value);
    let v = packed.view();
    assert_eq!(v.flag(), Some(false));
    assert_eq!(v.count(), Some(-7));
    assert_eq!(v.seen(), value.seen);
    assert_eq!(v.day(), value.day);
    assert_eq!(v.took(), Some(TimeDelta::milliseconds(-1_500)));
    assert_eq!(v.addr(), Some([0; 4]));
    assert_eq!(v.at().unwrap().unpack(), point(4));
    assert_eq!(v.at().unwrap().label(), Some(4));
    assert_eq!(v.title(), Some(""));
    assert_eq!(v.sizes().unwrap().len(), 0);
    assert_eq!(v.times().unwrap().to_vec(), value.times.clone().unwrap());
    assert_eq!(v.times().unwrap().get(2), None);
    assert!(v.labels().unwrap().is_empty());
    // 11 bits set: all 8 of the first byte and the low 3 of the second.
    assert_eq!(&packed.as_bytes()[3..5], &[0xff, 0b111]);
}

#[test]
fn options_round_trip_when_all_absent() {
    let value = optionals_all(false);
    let packed = round_trip(&value);
    let v = packed.view();
    assert_eq!(v.id(), 9);
    assert_eq!(
        (v.flag(), v.count(), v.seen(), v.day(), v.took(), v.addr()),
        (None, None, None, None, None, None)
    );
    assert!(v.at().is_none());
    assert_eq!(v.title(), None);
    assert!(v.sizes().is_none() && v.times().is_none() && v.labels().is_none());
    let b = packed.as_bytes();
    assert_eq!(b.len(), Optionals::HEADER_LEN, "null payloads are empty");
    // Null slots are zero; the pointers of the empty payloads all point at the header's end.
    let id = Optionals::ID;
    assert!(b[3..id.offset()].iter().all(|&x| x == 0));
    assert!(b[id.offset() + 4..Optionals::TITLE.offset()]
        .iter()
        .all(|&x| x == 0));
    for h in [
        Optionals::TITLE.offset(),
        Optionals::SIZES.offset(),
        Optionals::TIMES.offset(),
        Optionals::LABELS.offset(),
    ] {
        assert_eq!(i32_at(b, h), 70);
    }
}

#[test]
fn some_empty_differs_from_none() {
    let some = optionals_all(true);
    let none = Optionals {
        title: None,
        sizes: None,
        labels: None,
        ..some.clone()
    };
    assert_ne!(some.pack(), none.pack());
    assert_eq!(some.pack().as_bytes().len(), none.pack().as_bytes().len());
}

#[test]
fn null_slot_with_nonzero_bytes_is_rejected() {
    let mut bytes = optionals_all(false).pack().as_bytes().to_vec();
    bytes[Optionals::COUNT.offset() + 7] = 1;
    let err = Optionals::validate(&bytes).unwrap_err();
    assert_eq!(
        (err.field, err.kind),
        (Some("count"), ErrorKind::NonZeroNull)
    );
}

#[test]
fn bitmap_of_ten_nullable_fields_takes_two_bytes() {
    let value = TenNulls {
        n0: None,
        n1: Some(1),
        n2: None,
        n3: None,
        n4: None,
        n5: None,
        n6: None,
        n7: Some(7),
        n8: None,
        n9: Some(0),
    };
    let packed = round_trip(&value);
    let b = packed.as_bytes();
    assert_eq!(
        b,
        &[1, 15, 0, 0b1000_0010, 0b10, 0, 1, 0, 0, 0, 0, 0, 7, 0, 0]
    );
    let v = packed.view();
    assert_eq!(
        (v.n1(), v.n7(), v.n8(), v.n9()),
        (Some(1), Some(7), None, Some(0))
    );

    // Bits above the tenth are unused and must be zero.
    let mut bad = b.to_vec();
    bad[4] |= 0b100;
    assert_eq!(
        TenNulls::validate(&bad).unwrap_err().kind,
        ErrorKind::UnusedNullBit { byte: 0b110 }
    );
}

// ---------------------------------------------------------------- empty

#[test]
fn type_without_stored_fields_is_its_prefix() {
    let packed = round_trip(&Empty {});
    assert_eq!(packed.as_bytes(), &[1, 3, 0]);
    assert!(Empty::validate(&[1, 3, 0, 0]).is_err());
    assert_eq!(
        Empty::validate(&[0, 3, 0]).unwrap_err().kind,
        ErrorKind::ZeroVersion
    );
    assert!(Empty::validate(&[1, 3]).is_err());
    assert_eq!(format!("{packed:?}"), "Empty");
}

// ---------------------------------------------------------------- transient

fn with_transient() -> WithTransient {
    WithTransient {
        id: 42,
        name: "answer".into(),
        owner: "alice".into(),
        hits: Some(3),
    }
}

#[test]
fn transient_fields_are_not_in_the_bytes() {
    let a = with_transient();
    let b = WithTransient {
        owner: "bob".into(),
        hits: None,
        ..a.clone()
    };
    assert_eq!(a.pack().as_bytes(), b.pack().as_bytes());
    assert_eq!(a.pack(), b.pack());
    assert_eq!(
        a.pack().as_bytes().len(),
        WithTransient::HEADER_LEN + "answer".len()
    );
}

#[test]
fn packed_carries_transient_fields() {
    let value = with_transient();
    let packed = value.pack();
    assert_eq!(packed.transient().owner, "alice");
    assert_eq!(packed.transient().hits, Some(3));
    assert_eq!(packed.unpack(), value);
    let t = value.transient();
    assert_eq!((t.owner.as_str(), t.hits), ("alice", Some(3)));

    let replaced = packed.clone().with_transient(WithTransientTransient {
        owner: "carol".into(),
        hits: None,
    });
    assert_eq!(replaced.unpack().owner, "carol");
    assert_eq!(replaced.unpack().hits, None);
    assert_eq!(replaced, packed, "equality looks at the bytes only");

    let mut edited = packed;
    edited.transient_mut().hits = Some(99);
    assert_eq!(edited.unpack().hits, Some(99));
}

#[test]
fn view_unpack_uses_transient_defaults() {
    let value = with_transient();
    let packed = value.pack();
    let unpacked = packed.view().unpack();
    assert_eq!(unpacked.owner, "unknown");
    assert_eq!(unpacked.hits, None);
    assert_eq!((unpacked.id, unpacked.name.as_str()), (42, "answer"));
    // Loaded bytes start with the defaults too.
    let loaded = Packed::<WithTransient>::copy_from_slice(packed.as_bytes()).unwrap();
    assert_eq!(loaded.transient().owner, "unknown");
    assert_eq!(WithTransientTransient::default().owner, "unknown");
    assert_eq!(
        loaded.unpack(),
        WithTransient {
            owner: "unknown".into(),
            hits: None,
            ..value
        }
    );
}

/// Raw identifiers: the field is named without its `r#` everywhere a name
/// is shown or stored.
#[derive(Facts, Debug, Clone, PartialEq)]
struct Keywords {
    r#type: u32,
    r#match: Option<String>,
}

#[test]
fn raw_identifier_fields_are_named_without_r_hash() {
    let names: Vec<&str> = Keywords::FIELDS.iter().map(|f| f.name).collect();
    assert_eq!(names, ["type", "match"]);
    assert_eq!(Keywords::TYPE.name(), "type");
    let fact = Keywords {
        r#type: 7,
        r#match: Some("x".into()),
    };
    let packed = fact.pack();
    assert_eq!(packed.view().r#type(), 7);
    assert_eq!(
        format!("{:?}", packed.view()),
        r#"Keywords { type: 7, match: Some("x") }"#
    );
    let columns = Keywords::columns([&packed]).unwrap();
    let shown = format!("{columns:?}");
    assert!(
        shown.starts_with("KeywordsColumns { type: [7], match: "),
        "{shown}"
    );
    assert!(!shown.contains("r#"), "{shown}");
}
