//! The code `#[derive(Facts)]` generates must compile in a hostile module: no
//! implicit prelude, factpack named through an `extern crate .. as` alias, and local
//! items shadowing the names generated code is tempted to use unqualified.
//!
//! `crate = "::renamed_factpack"` (with the leading `::`) is the spelling that
//! works everywhere: inside a `#![no_implicit_prelude]` module the extern
//! prelude is not in scope, so a relative `crate = "renamed_factpack"` would not
//! resolve there. The relative spelling works in an ordinary module; see
//! `RelativePath` at the bottom.

extern crate factpack as renamed_factpack;

mod hostile {
    #![no_implicit_prelude]
    #![allow(dead_code, non_camel_case_types, clippy::all)]

    // Names that generated code must not use unqualified.
    struct Result;
    struct Option;
    struct Some;
    struct None;
    struct Ok;
    struct Err;
    struct Vec;
    struct Box;
    struct String;
    struct Default;
    struct Clone;
    struct Copy;
    struct Debug;
    struct Facts;
    struct FactEnum;
    struct EnumVariant;
    struct FactView;
    struct Field;
    struct FixedField;
    struct PartialEq;
    struct Sized;
    struct Send;
    struct Sync;
    struct Iterator;
    struct Into;
    struct From;
    struct fmt;
    struct proptest;
    struct factpack;
    mod core {}
    mod std {}
    mod chrono {}
    mod __private {}
    #[allow(unused_macros)]
    macro_rules! assert {
        ($($t:tt)*) => {
            ::core::compile_error!("the generated code used a local `assert!`")
        };
    }
    #[allow(unused_macros)]
    macro_rules! unreachable {
        ($($t:tt)*) => {
            ::core::compile_error!("the generated code used a local `unreachable!`")
        };
    }
    #[allow(unused_macros)]
    macro_rules! panic {
        ($($t:tt)*) => {
            ::core::compile_error!("the generated code used a local `panic!`")
        };
    }

    /// A trait in scope whose methods share names with those the generated
    /// code calls, implemented for every type. By-value trait methods win over
    /// inherent `&self` methods, so generated code is exposed wherever it calls
    /// a `&self` method or a trait method with method syntax.
    pub trait Everything {
        fn is_err(self) -> ()
        where
            Self: ::core::marker::Sized,
        {
        }
        fn truncate(self) -> ()
        where
            Self: ::core::marker::Sized,
        {
        }
        fn prop_map(self) -> ()
        where
            Self: ::core::marker::Sized,
        {
        }
        fn boxed(self) -> ()
        where
            Self: ::core::marker::Sized,
        {
        }
        fn map_err(self, _: ()) -> ()
        where
            Self: ::core::marker::Sized,
        {
        }
        fn unpack(self) -> ()
        where
            Self: ::core::marker::Sized,
        {
        }
        fn clone(self) -> ()
        where
            Self: ::core::marker::Sized,
        {
        }
        fn fmt(self) -> ()
        where
            Self: ::core::marker::Sized,
        {
        }
    }
    impl<T> Everything for T {}

    /// A fixed-size fact, nested in `Hostile`.
    #[derive(
        ::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq, ::renamed_factpack::Facts,
    )]
    #[facts(crate = "::renamed_factpack")]
    pub struct Inner {
        pub a: ::core::primitive::u32,
        pub b: ::core::primitive::bool,
        pub c: ::core::option::Option<::core::primitive::i16>,
    }

    /// Every kind of field: nullable time, string, lists, nested fact,
    /// transient, and fields added in version 2.
    #[derive(
        ::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq, ::renamed_factpack::Facts,
    )]
    #[facts(crate = "::renamed_factpack", version = 2)]
    pub struct Hostile {
        pub at: ::core::option::Option<::chrono::DateTime<::chrono::Utc>>,
        #[facts(unit = "ms")]
        pub at_ms: ::chrono::DateTime<::chrono::Utc>,
        pub name: ::std::string::String,
        pub numbers: ::std::vec::Vec<::core::primitive::u32>,
        pub labels: ::std::vec::Vec<::std::string::String>,
        pub inner: Inner,
        pub inners: ::std::vec::Vec<Inner>,
        pub maybe_name: ::core::option::Option<::std::string::String>,
        #[facts(transient)]
        pub cache: ::core::option::Option<::std::string::String>,
        #[facts(transient, default = 7)]
        pub hits: ::core::primitive::u64,
        #[facts(since = 2)]
        pub added: ::core::option::Option<::core::primitive::u64>,
        #[facts(since = 2, default = 3)]
        pub count: ::core::primitive::u16,
        #[facts(since = 2, default)]
        pub note: ::std::string::String,
    }

    /// A fieldless enum with a catch-all, stored as an `i16`.
    #[derive(
        ::core::fmt::Debug,
        ::core::clone::Clone,
        ::core::marker::Copy,
        ::core::cmp::PartialEq,
        ::core::cmp::Eq,
        ::renamed_factpack::FactEnum,
    )]
    #[facts(crate = "::renamed_factpack")]
    #[repr(i16)]
    pub enum Mood {
        Low = -1,
        High = 1,
        #[facts(other)]
        Other = 0,
    }

    /// The enum in every shape.
    #[derive(
        ::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq, ::renamed_factpack::Facts,
    )]
    #[facts(crate = "::renamed_factpack")]
    pub struct Moods {
        pub mood: Mood,
        pub maybe: ::core::option::Option<Mood>,
        pub all: ::std::vec::Vec<Mood>,
    }

    /// An enum whose variants carry data: a fact, a fixed value, an array,
    /// a fieldless enum, nothing; and a catch-all.
    #[derive(
        ::core::fmt::Debug,
        ::core::clone::Clone,
        ::core::cmp::PartialEq,
        ::renamed_factpack::FactEnum,
    )]
    #[facts(crate = "::renamed_factpack")]
    #[repr(u8)]
    pub enum Shape {
        Inner(Inner) = 1,
        Code(::core::primitive::u32) = 2,
        Pair([::core::primitive::i8; 2]) = 3,
        Mood(Mood) = 4,
        Nothing = 5,
        #[facts(other)]
        Unknown = 0xff,
    }

    /// The data enum as a field and an `Option`.
    #[derive(
        ::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq, ::renamed_factpack::Facts,
    )]
    #[facts(crate = "::renamed_factpack")]
    pub struct Shapes {
        pub shape: Shape,
        pub maybe: ::core::option::Option<Shape>,
    }
}

/// The relative spelling of the renamed crate, from an ordinary module.
mod relative {
    #[derive(Debug, Clone, PartialEq, renamed_factpack::Facts)]
    #[facts(crate = "renamed_factpack")]
    pub struct RelativePath {
        pub id: u64,
        pub name: String,
    }
}

use chrono::{TimeZone, Utc};
use hostile::{Hostile, Inner};
use relative::RelativePath;
use renamed_factpack::{FactView, Facts};

fn sample() -> Hostile {
    let inner = Inner {
        a: 7,
        b: true,
        c: Some(-3),
    };
    Hostile {
        at: Some(Utc.timestamp_opt(1_700_000_000, 123_456_000).unwrap()),
        at_ms: Utc.timestamp_opt(1_600_000_000, 5_000_000).unwrap(),
        name: "hostile".to_owned(),
        numbers: vec![1, 2, 3],
        labels: vec!["a".to_owned(), String::new(), "ccc".to_owned()],
        inner: inner.clone(),
        inners: vec![inner.clone(), Inner { c: None, ..inner }],
        maybe_name: None,
        cache: Some("not stored".to_owned()),
        hits: 99,
        added: Some(42),
        count: 5,
        note: "later".to_owned(),
    }
}

#[test]
fn round_trip_through_hostile_module() {
    let fact = sample();
    let packed = fact.pack();
    assert_eq!(packed.version(), 2);
    // `Packed::unpack` carries the transient fields along.
    assert_eq!(packed.unpack(), fact);

    let view = Hostile::view(packed.as_bytes()).unwrap();
    assert_eq!(view.name(), "hostile");
    assert_eq!(view.labels().to_vec(), fact.labels);
    assert_eq!(view.numbers().to_vec(), fact.numbers);
    assert_eq!(view.inner().unpack(), fact.inner);
    assert_eq!(view.added(), Some(42));
    assert_eq!(view.count(), 5);
    assert_eq!(view.note(), "later");
    assert_eq!(Hostile::COUNT.get(&view), Some(5));

    // Unpacking a bare view gets the transient defaults.
    let unpacked = view.unpack();
    assert_eq!(unpacked.cache, None);
    assert_eq!(unpacked.hits, 7);
    assert_eq!(
        Hostile {
            cache: None,
            hits: 7,
            ..fact.clone()
        },
        unpacked
    );

    let inner = fact.inner.pack();
    assert_eq!(Inner::view(inner.as_bytes()).unwrap().unpack(), fact.inner);
    const { assert!(!Inner::HAS_TAIL) };
    const { assert!(Hostile::HAS_TAIL) };
    assert_eq!(Hostile::TRANSIENT_FIELDS, ["cache", "hits"]);
    assert!(format!("{view:?}").contains("hostile"));
}

#[test]
fn enums_through_hostile_module() {
    use hostile::{Mood, Moods};
    let fact = Moods {
        mood: Mood::High,
        maybe: None,
        all: vec![Mood::Low, Mood::Other],
    };
    let packed = fact.pack();
    assert_eq!(packed.view().mood(), Mood::High);
    assert_eq!(packed.view().all().get(0), Some(Mood::Low));
    assert_eq!(packed.unpack(), fact);
}

#[test]
fn data_enums_through_hostile_module() {
    use hostile::{Inner, Mood, Shape, ShapeView, Shapes};
    for (shape, maybe) in [
        (
            Shape::Inner(Inner {
                a: 1,
                b: false,
                c: None,
            }),
            Some(Shape::Code(9)),
        ),
        (Shape::Pair([1, -1]), Some(Shape::Mood(Mood::Low))),
        (Shape::Nothing, None),
        (Shape::Unknown, Some(Shape::Nothing)),
    ] {
        let fact = Shapes { shape, maybe };
        let packed = fact.pack();
        assert_eq!(packed.unpack(), fact);
    }
    let packed = Shapes {
        shape: Shape::Code(3),
        maybe: None,
    }
    .pack();
    assert!(matches!(packed.view().shape(), ShapeView::Code(3)));
}

#[test]
fn relative_crate_path() {
    let fact = RelativePath {
        id: 1,
        name: "x".to_owned(),
    };
    assert_eq!(fact.pack().unpack(), fact);
}

#[cfg(feature = "proptest")]
mod arbitrary {
    use super::hostile::Hostile;
    use proptest::prelude::*;
    use renamed_factpack::Facts;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn arbitrary_hostile_round_trips(fact: Hostile) {
            let packed = fact.pack();
            prop_assert_eq!(packed.unpack(), fact);
        }
    }
}
