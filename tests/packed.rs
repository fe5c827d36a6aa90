//! `Packed<T>`: sharing, equality, hashing, Debug, construction, patching.

use std::collections::HashSet;

use bytes::Bytes;
use chrono::{DateTime, TimeZone, Utc};
use factpack::{FactView, Facts, PackErrorKind, Packed};

#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 1)]
pub struct Point {
    pub x: i32,
    pub y: Option<i16>,
}

#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 1)]
pub struct Foo {
    pub flag: bool,
    pub count: u32,
    pub at: Option<DateTime<Utc>>,
    pub name: String,
    pub ids: Vec<u32>,
    pub note: Option<String>,
    pub point: Point,
    pub maybe: Option<Point>,
    #[facts(unit = "ns")]
    pub precise: Option<DateTime<Utc>>,
    pub words: Vec<String>,
}

fn t() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 9, 30, 0).unwrap()
}

fn foo() -> Foo {
    Foo {
        flag: true,
        count: 3,
        at: Some(t()),
        name: "hé".into(),
        ids: vec![1, 2, 3],
        note: None,
        point: Point { x: -4, y: Some(9) },
        maybe: None,
        precise: Some(t()),
        words: vec!["a".into(), "bc".into()],
    }
}

#[test]
fn clone_shares_the_bytes() {
    let p = foo().pack();
    let q = p.clone();
    assert_eq!(p.as_bytes().as_ptr(), q.as_bytes().as_ptr());
    assert_eq!(p, q);
    let bytes = q.into_bytes();
    assert_eq!(bytes.as_ptr(), p.as_bytes().as_ptr());
}

#[test]
fn equality_ordering_and_hashing_follow_the_bytes() {
    let values: Vec<Foo> = (0..6)
        .map(|i| Foo {
            count: i % 3,
            ..foo()
        })
        .collect();
    let packed: Vec<Packed<Foo>> = values.iter().map(Facts::pack).collect();
    assert_eq!(packed[0], packed[3]);
    assert_ne!(packed[0], packed[1]);
    // Packed separately, equal values are equal records.
    assert_eq!(foo().pack(), foo().pack());
    let set: HashSet<Packed<Foo>> = packed.iter().cloned().collect();
    assert_eq!(set.len(), 3);
    assert!(set.contains(&Foo { count: 2, ..foo() }.pack()));
    assert!(!set.contains(&Foo { count: 7, ..foo() }.pack()));
    // Ordering is the bytes' ordering.
    let mut sorted = packed.clone();
    sorted.sort();
    let mut by_bytes: Vec<Vec<u8>> = packed.iter().map(|p| p.as_bytes().to_vec()).collect();
    by_bytes.sort();
    let sorted_bytes: Vec<Vec<u8>> = sorted.iter().map(|p| p.as_bytes().to_vec()).collect();
    assert_eq!(sorted_bytes, by_bytes);
    assert_eq!(
        packed[1].cmp(&packed[2]),
        packed[1].as_bytes().cmp(packed[2].as_bytes())
    );
    assert_eq!(
        packed[1].partial_cmp(&packed[2]),
        Some(packed[1].as_bytes().cmp(packed[2].as_bytes()))
    );
}

#[test]
fn debug_prints_the_fields() {
    let value = foo();
    let p = value.pack();
    let debug = format!("{p:?}");
    // Field for field what the struct's own Debug prints.
    assert_eq!(debug, format!("{value:?}"));
    assert_eq!(format!("{p:#?}"), format!("{value:#?}"));
    assert!(debug.starts_with("Foo { flag: true, count: 3, "), "{debug}");
    assert!(debug.contains(r#"name: "hé""#), "{debug}");
    assert!(debug.contains("ids: [1, 2, 3]"), "{debug}");
    assert!(debug.contains("note: None"), "{debug}");
    assert!(
        debug.contains("point: Point { x: -4, y: Some(9) }"),
        "{debug}"
    );
    assert!(debug.contains(r#"words: ["a", "bc"]"#), "{debug}");
    let view = p.view();
    assert_eq!(format!("{view:?}"), debug);
}

#[test]
fn from_bytes_takes_vec_bytes_and_static() {
    let p = foo().pack();
    let vec = p.as_bytes().to_vec();
    let ptr = vec.as_ptr();
    let from_vec = Packed::<Foo>::from_bytes(vec).unwrap();
    assert_eq!(from_vec, p);
    assert_eq!(
        from_vec.as_bytes().as_ptr(),
        ptr,
        "a Vec is taken over, not copied"
    );

    let bytes = Bytes::copy_from_slice(p.as_bytes());
    let ptr = bytes.as_ptr();
    let from_bytes = Packed::<Foo>::from_bytes(bytes).unwrap();
    assert_eq!(from_bytes, p);
    assert_eq!(from_bytes.as_bytes().as_ptr(), ptr);

    let leaked: &'static [u8] = Box::leak(p.as_bytes().to_vec().into_boxed_slice());
    let from_static = Packed::<Foo>::from_bytes(leaked).unwrap();
    assert_eq!(from_static, p);
    assert_eq!(from_static.as_bytes().as_ptr(), leaked.as_ptr());

    static POINT: &[u8] = &[1, 10, 0, 1, 0xfc, 0xff, 0xff, 0xff, 9, 0];
    let point = Packed::<Point>::from_bytes(POINT).unwrap();
    assert_eq!(point.unpack(), Point { x: -4, y: Some(9) });
    assert_eq!(point.as_bytes().as_ptr(), POINT.as_ptr());

    let tried: Packed<Foo> = p.as_bytes().to_vec().try_into().unwrap();
    assert_eq!(tried, p);
    let tried: Packed<Foo> = Bytes::copy_from_slice(p.as_bytes()).try_into().unwrap();
    assert_eq!(tried, p);
    let err = Packed::<Foo>::try_from(vec![0u8; 3]).unwrap_err();
    assert_eq!(err.kind, factpack::ErrorKind::ZeroVersion);
}

#[test]
fn copy_from_slice_copies() {
    let p = foo().pack();
    let q = Packed::<Foo>::copy_from_slice(p.as_bytes()).unwrap();
    assert_eq!(q, p);
    assert_ne!(q.as_bytes().as_ptr(), p.as_bytes().as_ptr());
    assert_eq!(q.unpack(), foo());
    assert!(Packed::<Foo>::copy_from_slice(&p.as_bytes()[1..]).is_err());
}

#[test]
fn into_bytes_and_back() {
    let p = foo().pack();
    let copy = p.as_bytes().to_vec();
    let bytes: Bytes = p.clone().into();
    assert_eq!(&bytes[..], &copy[..]);
    assert_eq!(p.clone().into_bytes(), bytes);
    assert_eq!(p.as_ref(), &copy[..]);
    let back = Packed::<Foo>::from_bytes(bytes).unwrap();
    assert_eq!(back, p);
    assert_eq!(back.version(), 1);
}

/// Checks that `patched` differs from `original` only inside `ranges` (start, end).
#[track_caller]
fn only_changed(original: &[u8], patched: &[u8], ranges: &[(usize, usize)]) {
    assert_eq!(original.len(), patched.len());
    for (i, (a, b)) in original.iter().zip(patched).enumerate() {
        if !ranges.iter().any(|&(start, end)| (start..end).contains(&i)) {
            assert_eq!(a, b, "byte {i} changed");
        }
    }
}

#[track_caller]
fn check_patch(original: &Packed<Foo>, patched: &Packed<Foo>, expected: &Foo) {
    assert_eq!(Foo::validate(patched.as_bytes()), Ok(()));
    assert_eq!(&patched.unpack(), expected);
    assert_eq!(patched, &expected.pack());
    // The original is untouched.
    assert_eq!(original.unpack(), foo());
}

#[test]
fn with_patches_exactly_the_slot() {
    let p = foo().pack();
    let bitmap = Foo::FIELDS[2].null.unwrap().0;
    assert_eq!(bitmap, 3);

    let q = p.with(Foo::COUNT, &0xdead_beef).unwrap();
    let at = Foo::COUNT.offset();
    only_changed(p.as_bytes(), q.as_bytes(), &[(at, at + 4)]);
    assert_eq!(&q.as_bytes()[at..at + 4], &[0xef, 0xbe, 0xad, 0xde]);
    check_patch(
        &p,
        &q,
        &Foo {
            count: 0xdead_beef,
            ..foo()
        },
    );

    let q = p.with(Foo::FLAG, &false).unwrap();
    let at = Foo::FLAG.offset();
    only_changed(p.as_bytes(), q.as_bytes(), &[(at, at + 1)]);
    check_patch(
        &p,
        &q,
        &Foo {
            flag: false,
            ..foo()
        },
    );

    // Setting an Option to None clears its bit and zeroes its slot.
    let q = p.with(Foo::AT, &None).unwrap();
    let at = Foo::AT.offset();
    only_changed(
        p.as_bytes(),
        q.as_bytes(),
        &[(at, at + 8), (bitmap, bitmap + 1)],
    );
    assert_eq!(&q.as_bytes()[at..at + 8], &[0; 8]);
    let (byte, mask) = Foo::FIELDS[2].null.unwrap();
    assert_eq!(q.as_bytes()[byte] & mask, 0);
    assert_eq!(q.as_bytes()[byte] | mask, p.as_bytes()[byte]);
    check_patch(&p, &q, &Foo { at: None, ..foo() });

    // ... and back to Some.
    let later = t() + chrono::TimeDelta::seconds(1);
    let r = q.with(Foo::AT, &Some(later)).unwrap();
    only_changed(
        q.as_bytes(),
        r.as_bytes(),
        &[(at, at + 8), (bitmap, bitmap + 1)],
    );
    assert_eq!(r.get(Foo::AT), Some(Some(later)));
    assert_eq!(
        r.unpack(),
        Foo {
            at: Some(later),
            ..foo()
        }
    );

    // A nested fact.
    let point = Point { x: 1, y: None };
    let q = p.with(Foo::POINT, &point).unwrap();
    let at = Foo::POINT.offset();
    only_changed(p.as_bytes(), q.as_bytes(), &[(at, at + Foo::POINT.size())]);
    check_patch(
        &p,
        &q,
        &Foo {
            point: point.clone(),
            ..foo()
        },
    );
    let q = p.with(Foo::MAYBE, &Some(point.clone())).unwrap();
    let at = Foo::MAYBE.offset();
    only_changed(
        p.as_bytes(),
        q.as_bytes(),
        &[(at, at + Foo::MAYBE.size()), (bitmap, bitmap + 1)],
    );
    check_patch(
        &p,
        &q,
        &Foo {
            maybe: Some(point),
            ..foo()
        },
    );

    // The same value: the same bytes.
    let q = p.with(Foo::COUNT, &3).unwrap();
    assert_eq!(q, p);
}

#[test]
fn with_reports_values_that_do_not_fit() {
    let p = foo().pack();
    let far = DateTime::from_timestamp(100_000_000_000, 0).unwrap();
    let err = p.with(Foo::PRECISE, &Some(far)).unwrap_err();
    assert_eq!(
        (err.type_name, err.field, err.kind),
        ("Foo", Some("precise"), PackErrorKind::TimeOutOfRange)
    );
}

#[test]
fn get_reads_one_field() {
    let p = foo().pack();
    assert_eq!(p.get(Foo::FLAG), Some(true));
    assert_eq!(p.get(Foo::COUNT), Some(3));
    assert_eq!(p.get(Foo::AT), Some(Some(t())));
    assert_eq!(p.get(Foo::NAME), Some("hé"));
    assert_eq!(p.get(Foo::IDS).map(|s| s.to_vec()), Some(vec![1, 2, 3]));
    assert_eq!(p.get(Foo::NOTE), Some(None));
    assert_eq!(p.get(Foo::POINT).map(|v| v.x()), Some(-4));
    assert!(p.get(Foo::MAYBE).unwrap().is_none());
    assert_eq!(p.get(Foo::PRECISE), Some(Some(t())));
    assert_eq!(
        p.get(Foo::WORDS).map(|w| w.to_vec()),
        Some(vec!["a".to_owned(), "bc".to_owned()])
    );
    let view = p.view();
    assert_eq!(Foo::NAME.get(&view), Some("hé"));
}

#[test]
fn pack_into_appends() {
    let a = foo();
    let b = Foo {
        name: "second".into(),
        note: Some("n".into()),
        ids: vec![],
        ..foo()
    };
    let mut out = b"junk".to_vec();
    a.pack_into(&mut out).unwrap();
    let mid = out.len();
    b.pack_into(&mut out).unwrap();
    assert_eq!(&out[..4], b"junk");
    let (ra, rb) = (4..mid, mid..out.len());
    assert_eq!(&out[ra.clone()], a.pack().as_bytes());
    assert_eq!(&out[rb.clone()], b.pack().as_bytes());
    let va = Foo::view(&out[ra]).unwrap();
    let vb = Foo::view(&out[rb]).unwrap();
    assert_eq!(va.unpack(), a);
    assert_eq!(vb.unpack(), b);
    assert_eq!(vb.name(), "second");
    assert_eq!(vb.note(), Some("n"));
}

#[test]
fn failed_pack_into_leaves_the_buffer_alone() {
    let far = DateTime::from_timestamp(100_000_000_000, 0).unwrap();
    let bad = Foo {
        precise: Some(far),
        ..foo()
    };
    let mut out = b"keep".to_vec();
    foo().pack_into(&mut out).unwrap();
    let before = out.clone();
    let err = bad.pack_into(&mut out).unwrap_err();
    assert_eq!(
        (err.type_name, err.field, err.kind),
        ("Foo", Some("precise"), PackErrorKind::TimeOutOfRange)
    );
    assert_eq!(out, before);
    assert!(bad.try_pack().is_err());
    assert_eq!(
        err.to_string(),
        "cannot pack `Foo`, field `precise`: the time value does not fit 64 bits in the declared unit"
    );
}

#[test]
#[should_panic(expected = "cannot pack `Foo`, field `precise`")]
fn pack_panics_where_try_pack_fails() {
    let far = DateTime::from_timestamp(100_000_000_000, 0).unwrap();
    let _ = Foo {
        precise: Some(far),
        ..foo()
    }
    .pack();
}

#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 1)]
pub struct WithCache {
    pub id: u32,
    #[facts(transient)]
    pub cache: Option<String>,
}

#[test]
fn transient_fields_live_beside_the_bytes() {
    let value = WithCache {
        id: 5,
        cache: Some("x".into()),
    };
    assert_eq!(WithCache::TRANSIENT_FIELDS, &["cache"]);
    let p = value.pack();
    assert_eq!(p.transient().cache.as_deref(), Some("x"));
    assert_eq!(p.unpack(), value);
    // Not in the bytes: equality, hashing and Debug ignore it.
    let bare = Packed::<WithCache>::copy_from_slice(p.as_bytes()).unwrap();
    assert_eq!(bare.transient().cache, None);
    assert_eq!(bare, p);
    assert_eq!(format!("{bare:?}"), "WithCache { id: 5 }");
    assert_eq!(bare.unpack(), WithCache { id: 5, cache: None });
    let mut set = HashSet::new();
    set.insert(p.clone());
    assert!(set.contains(&bare));
    // Set after loading.
    let mut loaded = bare.clone();
    loaded.transient_mut().cache = Some("y".into());
    assert_eq!(loaded.unpack().cache.as_deref(), Some("y"));
    let with = bare.with_transient(WithCacheTransient {
        cache: Some("z".into()),
    });
    assert_eq!(with.unpack().cache.as_deref(), Some("z"));
    // Clones and patches keep it.
    assert_eq!(with.clone().transient().cache.as_deref(), Some("z"));
    let patched = with.with(WithCache::ID, &6).unwrap();
    assert_eq!(
        patched.unpack(),
        WithCache {
            id: 6,
            cache: Some("z".into())
        }
    );
    // The view's unpack has no transient fields to give.
    assert_eq!(p.view().unpack().cache, None);
}
