//! Fieldless enums as fields: layout, views, errors, the catch-all variant,
//! evolution, the fingerprint, columns, Arrow and the store.

#[path = "common/types.rs"]
#[allow(dead_code)]
mod fixtures;

#[path = "common/backends.rs"]
#[allow(dead_code)]
mod backends;

// The fixed-size encoding is the derive's plumbing: its size and fingerprint
// are checked here through the hidden module.
use factpack::__private::FixedField;
use factpack::{EnumValue, EnumVariant, ErrorKind, FactEnum, FactView, Facts, FieldKind, Packed};
use fixtures::{Enums, Kind, Level, State, Tagged};

fn enums() -> Enums {
    Enums {
        state: State::Merged,
        level: Level::Low,
        maybe_state: None,
        maybe_level: Some(Level::High),
        history: vec![State::Open, State::Closed, State::Merged],
        levels: vec![Level::Mid],
        past_levels: Some(vec![Level::High, Level::Low]),
    }
}

#[test]
fn the_repr_decides_the_slot_and_its_default_is_the_narrowest_fit() {
    assert_eq!(<State as FixedField>::SIZE, 1);
    assert_eq!(<Level as FixedField>::SIZE, 2);
    assert_eq!(<Kind as FixedField>::SIZE, 4);
    assert_eq!(Enums::STATE.size(), 1);
    assert_eq!(Enums::LEVEL.size(), 2);
    assert_eq!(Enums::LEVEL.offset(), Enums::STATE.offset() + 1);
    let FieldKind::Enum {
        name,
        repr,
        variants,
    } = Enums::field("state").unwrap().kind
    else {
        panic!("state is not described as an enum");
    };
    assert_eq!((name, *repr), ("State", FieldKind::U8));
    assert_eq!(
        variants[1],
        EnumVariant {
            name: "Merged",
            value: 2,
            other: false
        }
    );
    assert_eq!(
        Tagged::field("kind").unwrap().kind.fixed_size(),
        Some(4),
        "an enum's slot is its repr's"
    );
    assert_eq!(Kind::OTHER, Some(Kind::Unknown));
    assert_eq!(State::OTHER, None);
    // Without a repr, a negative discriminant picks the narrowest signed type.
    #[derive(FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
    enum Signed {
        A = -1,
        B = 200,
    }
    assert_eq!(<Signed as FixedField>::SIZE, 2);
    assert_eq!(Signed::B.discriminant(), 200i16);
    #[derive(FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
    enum Wide {
        A = 0,
        B = 70_000,
    }
    assert_eq!(<Wide as FixedField>::SIZE, 4);
    assert_eq!(Wide::from_discriminant(70_000u32), Some(Wide::B));
    assert_eq!(Wide::from_discriminant(1u32), None);
}

#[test]
fn views_return_the_enum_by_value_and_unpack_round_trips() {
    let value = enums();
    let packed = value.pack();
    let view = packed.view();
    assert_eq!(view.state(), State::Merged);
    assert_eq!(view.level(), Level::Low);
    assert_eq!(view.maybe_state(), None);
    assert_eq!(view.maybe_level(), Some(Level::High));
    assert_eq!(view.history().len(), 3);
    assert_eq!(view.history().get(1), Some(State::Closed));
    assert_eq!(view.levels().get(0), Some(Level::Mid));
    assert_eq!(view.past_levels().map(|l| l.get(1)), Some(Some(Level::Low)));
    assert_eq!(view.unpack(), value);
    let bytes = packed.as_bytes();
    // The slots hold the discriminants, little-endian.
    assert_eq!(bytes[Enums::STATE.offset()], 2);
    let at = Enums::LEVEL.offset();
    assert_eq!(i16::from_le_bytes([bytes[at], bytes[at + 1]]), -300);
}

#[test]
fn an_unknown_discriminant_names_the_type_field_value_and_offset() {
    let mut bytes = enums().pack().as_bytes().to_vec();
    let at = Enums::STATE.offset();
    bytes[at] = 9;
    let err = Enums::validate(&bytes).unwrap_err();
    assert_eq!(
        (err.type_name, err.field, err.offset, &err.kind),
        (
            "Enums",
            Some("state"),
            at,
            &ErrorKind::UnknownVariant {
                value: EnumValue::Unsigned(9)
            }
        )
    );
    assert_eq!(
        err.to_string(),
        format!(
            "invalid `Enums`, field `state` at byte {at}: 9 is not the discriminant of any variant of the enum"
        )
    );
    assert!(Packed::<Enums>::copy_from_slice(&bytes).is_err());
}

#[test]
fn a_negative_unknown_value_reads_signed() {
    let mut bytes = enums().pack().as_bytes().to_vec();
    let at = Enums::LEVEL.offset();
    bytes[at..at + 2].copy_from_slice(&(-7i16).to_le_bytes());
    let err = Enums::validate(&bytes).unwrap_err();
    assert_eq!((err.field, err.offset), (Some("level"), at));
    assert_eq!(
        err.kind,
        ErrorKind::UnknownVariant {
            value: EnumValue::Signed(-7)
        }
    );
    bytes[at..at + 2].copy_from_slice(&7i16.to_le_bytes());
    assert_eq!(
        Enums::validate(&bytes).unwrap_err().kind,
        ErrorKind::UnknownVariant {
            value: EnumValue::Unsigned(7)
        }
    );
}

#[test]
fn an_unknown_list_element_is_blamed_at_its_own_offset() {
    let value = enums();
    let mut bytes = value.pack().as_bytes().to_vec();
    // The history payload is the first in the tail: 1, 3, 2.
    let start = Enums::HEADER_LEN;
    assert_eq!(&bytes[start..start + 3], &[1, 3, 2]);
    bytes[start + 2] = 0;
    let err = Enums::validate(&bytes).unwrap_err();
    assert_eq!(err.field, Some("history"));
    assert_eq!(err.offset, start + 2);
    assert_eq!(
        err.kind,
        ErrorKind::UnknownVariant {
            value: EnumValue::Unsigned(0)
        }
    );
}

#[test]
fn a_present_optional_enum_is_checked_and_a_null_one_must_be_zero() {
    let mut value = enums();
    value.maybe_state = Some(State::Open);
    let mut bytes = value.pack().as_bytes().to_vec();
    let at = Enums::MAYBE_STATE.offset();
    bytes[at] = 0; // present, but 0 is no State
    assert_eq!(
        Enums::validate(&bytes).unwrap_err().kind,
        ErrorKind::UnknownVariant {
            value: EnumValue::Unsigned(0)
        }
    );
    let mut bytes = enums().pack().as_bytes().to_vec();
    bytes[at] = 1; // null, but not zero
    assert_eq!(
        Enums::validate(&bytes).unwrap_err().kind,
        ErrorKind::NonZeroNull
    );
}

#[test]
fn the_catch_all_reads_unknown_values_and_repacks_as_its_own() {
    let value = Tagged {
        kind: Kind::Bug,
        maybe_kind: Some(Kind::Feature),
        kinds: vec![Kind::Feature, Kind::Bug],
    };
    let mut bytes = value.pack().as_bytes().to_vec();
    let at = Tagged::KIND.offset();
    bytes[at..at + 4].copy_from_slice(&7u32.to_le_bytes());
    let maybe = Tagged::MAYBE_KIND.offset();
    bytes[maybe..maybe + 4].copy_from_slice(&0u32.to_le_bytes());
    let list = Tagged::HEADER_LEN;
    bytes[list..list + 4].copy_from_slice(&3u32.to_le_bytes());
    let view = Tagged::view(&bytes).expect("a catch-all makes every value valid");
    assert_eq!(view.kind(), Kind::Unknown);
    assert_eq!(view.maybe_kind(), Some(Kind::Unknown));
    assert_eq!(view.kinds().get(0), Some(Kind::Unknown));
    assert_eq!(view.kinds().get(1), Some(Kind::Bug));
    // Unpacking loses the unknown value: packing again writes the
    // catch-all's discriminant, so the bytes differ from what was read.
    let repacked = view.unpack().pack();
    assert_ne!(repacked.as_bytes(), &bytes[..]);
    assert_eq!(
        repacked.as_bytes()[at..at + 4],
        0xffff_ffffu32.to_le_bytes()
    );
    assert_eq!(repacked.unpack(), view.unpack());
}

/// The same fact before and after its enum gained a variant.
mod v1 {
    use factpack::{FactEnum, Facts};

    #[derive(FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Review {
        Approved = 1,
        Rejected = 2,
    }

    #[derive(FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Check {
        Passed = 1,
        Failed = 2,
        #[facts(other)]
        Other = 0,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct Pr {
        pub review: Review,
        pub checks: Vec<Check>,
    }
}

mod v2 {
    use factpack::{FactEnum, Facts};

    #[derive(FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Review {
        Approved = 1,
        Rejected = 2,
        Commented = 3,
    }

    #[derive(FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Check {
        Passed = 1,
        Failed = 2,
        #[facts(other)]
        Other = 0,
        Skipped = 3,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct Pr {
        pub review: Review,
        pub checks: Vec<Check>,
    }
}

#[test]
fn newer_code_reads_blobs_of_older_variants() {
    let old = v1::Pr {
        review: v1::Review::Rejected,
        checks: vec![v1::Check::Passed, v1::Check::Failed, v1::Check::Other],
    };
    let new = v2::Pr::view(old.pack().as_bytes()).unwrap().unpack();
    assert_eq!(
        new,
        v2::Pr {
            review: v2::Review::Rejected,
            checks: vec![v2::Check::Passed, v2::Check::Failed, v2::Check::Other],
        }
    );
}

#[test]
fn older_code_rejects_an_appended_variant_or_reads_it_as_the_catch_all() {
    let new = v2::Pr {
        review: v2::Review::Commented,
        checks: vec![v2::Check::Skipped, v2::Check::Passed],
    };
    let bytes = new.pack().as_bytes().to_vec();
    let err = v1::Pr::validate(&bytes).unwrap_err();
    assert_eq!(err.field, Some("review"));
    assert_eq!(
        err.kind,
        ErrorKind::UnknownVariant {
            value: EnumValue::Unsigned(3)
        }
    );
    let known = v2::Pr {
        review: v2::Review::Approved,
        ..new
    };
    let old = v1::Pr::view(known.pack().as_bytes()).unwrap().unpack();
    assert_eq!(old.review, v1::Review::Approved);
    assert_eq!(old.checks, [v1::Check::Other, v1::Check::Passed]);
}

/// A fact that gained enum fields in its version 2.
mod appended {
    use super::fixtures::{Level, State};
    use factpack::Facts;

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct V1 {
        pub id: u32,
    }

    #[derive(Facts, Debug, Clone, PartialEq)]
    #[facts(version = 2)]
    pub struct V2 {
        pub id: u32,
        #[facts(since = 2, default = State::Open)]
        pub state: State,
        #[facts(since = 2)]
        pub level: Option<Level>,
    }
}

#[test]
fn an_appended_enum_field_reads_its_default_or_null_from_older_blobs() {
    let old = appended::V1 { id: 5 }.pack();
    let view = appended::V2::view(old.as_bytes()).unwrap();
    assert_eq!(view.state(), State::Open);
    assert_eq!(view.level(), None);
    let columns = appended::V2::columns([old.as_bytes()]).unwrap();
    assert_eq!(columns.state, [1u8]);
    assert_eq!(columns.level.get(0), None);
    assert_eq!(appended::V2::STATE.column([old.as_bytes()]).unwrap(), [1u8]);
    // Older code reads the newer blob and ignores the fields it does not know.
    let new = appended::V2 {
        id: 6,
        state: State::Closed,
        level: Some(Level::High),
    }
    .pack();
    assert_eq!(appended::V1::view(new.as_bytes()).unwrap().id(), 6);
}

#[test]
fn the_fingerprint_covers_every_variant_name_and_discriminant() {
    // Appending a variant is a new layout: a store keeps its rows apart.
    assert_ne!(v1::Pr::FINGERPRINT, v2::Pr::FINGERPRINT);
    assert_ne!(
        <v1::Review as FixedField>::TYPE_FP,
        <v2::Review as FixedField>::TYPE_FP
    );
    mod renamed {
        #[derive(factpack::FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Review {
            Approved = 1,
            Declined = 2,
        }
    }
    mod renumbered {
        #[derive(factpack::FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Review {
            Approved = 1,
            Rejected = 4,
        }
    }
    mod widened {
        #[derive(factpack::FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u16)]
        pub enum Review {
            Approved = 1,
            Rejected = 2,
        }
    }
    mod same {
        #[derive(factpack::FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Review {
            Approved = 1,
            Rejected = 2,
        }
    }
    mod other_marked {
        #[derive(factpack::FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Review {
            Approved = 1,
            #[facts(other)]
            Rejected = 2,
        }
    }
    let base = <v1::Review as FixedField>::TYPE_FP;
    assert_eq!(<same::Review as FixedField>::TYPE_FP, base);
    assert_ne!(<renamed::Review as FixedField>::TYPE_FP, base);
    assert_ne!(<renumbered::Review as FixedField>::TYPE_FP, base);
    assert_ne!(<widened::Review as FixedField>::TYPE_FP, base);
    assert_ne!(<other_marked::Review as FixedField>::TYPE_FP, base);
    // Without a repr, `Approved = 1, Rejected = 2` is a u8; spelled out, the same.
    mod explicit_u8 {
        #[derive(factpack::FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u8)]
        pub enum Review {
            Approved = 1,
            Rejected = 2,
        }
    }
    assert_eq!(<explicit_u8::Review as FixedField>::TYPE_FP, base);
}

#[test]
fn columns_hold_the_stored_integers() {
    let a = enums();
    let b = Enums {
        state: State::Open,
        level: Level::High,
        maybe_state: Some(State::Closed),
        maybe_level: None,
        history: vec![],
        levels: vec![Level::Low, Level::High],
        past_levels: None,
    };
    let packed = [a.pack(), b.pack()];
    let columns = Enums::columns(&packed).unwrap();
    assert_eq!(columns.state, [2u8, 1]);
    assert_eq!(columns.level, [-300i16, 1000]);
    assert_eq!(columns.maybe_state.get(0), None);
    assert_eq!(columns.maybe_state.get(1), Some(3));
    assert_eq!(columns.maybe_level.get(0), Some(1000));
    assert_eq!(columns.history.values, [1u8, 3, 2]);
    assert_eq!(columns.history.offsets, [0, 3, 3]);
    assert_eq!(columns.levels.values, [0i16, -300, 1000]);
    assert_eq!(Enums::STATE.column(&packed).unwrap(), [2u8, 1]);
    // Back to the enum, through the trait.
    let states: Vec<State> = columns
        .state
        .iter()
        .map(|v| State::from_discriminant(*v).unwrap())
        .collect();
    assert_eq!(states, [State::Merged, State::Open]);
    // Bytes go through validation on the way in.
    let mut bad = packed[1].as_bytes().to_vec();
    bad[Enums::STATE.offset()] = 200;
    let err = Enums::columns([packed[0].as_bytes(), &bad[..]]).unwrap_err();
    assert_eq!(err.position(), 1);
}

#[cfg(feature = "arrow")]
mod arrow {
    use super::*;
    use arrow_array::types::{Int16Type, UInt32Type, UInt8Type};
    use arrow_array::{Array, DictionaryArray, ListArray, StringArray};
    use arrow_buffer::ArrowNativeType;
    use arrow_schema::DataType;

    fn names<K: arrow_array::types::ArrowDictionaryKeyType>(
        array: &DictionaryArray<K>,
    ) -> Vec<Option<String>> {
        let values = array
            .values()
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        array
            .keys()
            .iter()
            .map(|k| k.map(|k| values.value(k.as_usize()).to_owned()))
            .collect()
    }

    #[test]
    fn a_dense_enum_moves_its_keys_and_indexes_names_by_discriminant() {
        let packed = [
            enums().pack(),
            Enums {
                state: State::Closed,
                maybe_state: Some(State::Open),
                ..enums()
            }
            .pack(),
        ];
        let columns = Enums::columns(&packed).unwrap();
        let state_ptr = columns.state.as_ptr();
        let batch = columns.into_record_batch().unwrap();
        let schema = batch.schema();
        assert_eq!(
            schema.field_with_name("state").unwrap().data_type(),
            &DataType::Dictionary(Box::new(DataType::UInt8), Box::new(DataType::Utf8))
        );
        let state = batch
            .column_by_name("state")
            .unwrap()
            .as_any()
            .downcast_ref::<DictionaryArray<UInt8Type>>()
            .unwrap();
        assert_eq!(state.keys().values().as_ptr(), state_ptr, "keys not moved");
        assert_eq!(state.keys().values(), &[2, 3]);
        assert_eq!(
            names(state),
            [Some("Merged".to_owned()), Some("Closed".to_owned())]
        );
        let values = state
            .values()
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        assert_eq!(values.len(), 4);
        assert!(values.is_null(0), "no State is 0");
        let maybe = batch
            .column_by_name("maybe_state")
            .unwrap()
            .as_any()
            .downcast_ref::<DictionaryArray<UInt8Type>>()
            .unwrap();
        assert_eq!(names(maybe), [None, Some("Open".to_owned())]);
        let history = batch
            .column_by_name("history")
            .unwrap()
            .as_any()
            .downcast_ref::<ListArray>()
            .unwrap();
        let first = history.value(0);
        let first = first
            .as_any()
            .downcast_ref::<DictionaryArray<UInt8Type>>()
            .unwrap();
        assert_eq!(
            names(first),
            [
                Some("Open".to_owned()),
                Some("Closed".to_owned()),
                Some("Merged".to_owned())
            ]
        );
    }

    #[test]
    fn a_sparse_enum_keys_names_by_variant_position() {
        let columns = Enums::columns([enums().pack()]).unwrap();
        let batch = columns.into_record_batch().unwrap();
        let level = batch
            .column_by_name("level")
            .unwrap()
            .as_any()
            .downcast_ref::<DictionaryArray<Int16Type>>()
            .unwrap();
        assert_eq!(level.keys().values(), &[0], "Low is the first variant");
        assert_eq!(names(level), [Some("Low".to_owned())]);
        assert_eq!(level.values().len(), 3);
        let levels = Enums::columns([
            enums().pack(),
            Enums {
                maybe_level: None,
                ..enums()
            }
            .pack(),
        ])
        .unwrap()
        .into_record_batch()
        .unwrap();
        let maybe = levels
            .column_by_name("maybe_level")
            .unwrap()
            .as_any()
            .downcast_ref::<DictionaryArray<Int16Type>>()
            .unwrap();
        assert_eq!(names(maybe), [Some("High".to_owned()), None]);
        let list = levels
            .column_by_name("past_levels")
            .unwrap()
            .as_any()
            .downcast_ref::<ListArray>()
            .unwrap();
        let first = list.value(0);
        let first = first
            .as_any()
            .downcast_ref::<DictionaryArray<Int16Type>>()
            .unwrap();
        assert_eq!(
            names(first),
            [Some("High".to_owned()), Some("Low".to_owned())]
        );
    }

    #[test]
    fn unknown_values_become_the_catch_all() {
        let value = Tagged {
            kind: Kind::Feature,
            maybe_kind: None,
            kinds: vec![],
        };
        let mut bytes = value.pack().as_bytes().to_vec();
        let at = Tagged::KIND.offset();
        bytes[at..at + 4].copy_from_slice(&9u32.to_le_bytes());
        let columns = Tagged::columns([value.pack().as_bytes(), &bytes[..]]).unwrap();
        assert_eq!(columns.kind, [2, 9], "the column keeps the stored value");
        let batch = columns.into_record_batch().unwrap();
        let kind = batch
            .column_by_name("kind")
            .unwrap()
            .as_any()
            .downcast_ref::<DictionaryArray<UInt32Type>>()
            .unwrap();
        assert_eq!(
            names(kind),
            [Some("Feature".to_owned()), Some("Unknown".to_owned())]
        );
    }
}

#[cfg(feature = "store")]
mod store {
    use super::*;
    use backends::on_backends;
    use factpack::store::{FactStore, Filter};

    #[tokio::test]
    async fn an_enum_is_mirrored_as_its_integer_and_filters_by_variant() {
        on_backends("enum_mirror", |db, table| async move {
            let store = FactStore::<Enums, i64>::builder(&db, &table)
                .key(["id"])
                .mirror(Enums::STATE)
                .mirror("maybe_level")
                .open()
                .await
                .unwrap();
            let rows: Vec<(i64, Packed<Enums>)> = (0..9)
                .map(|i| {
                    let state = [State::Open, State::Merged, State::Closed][i as usize % 3];
                    let maybe_level = (i % 2 == 0).then_some(Level::Low);
                    let fact = Enums {
                        state,
                        maybe_level,
                        ..enums()
                    };
                    (i, fact.pack())
                })
                .collect();
            store.upsert(&rows).await.unwrap();
            let merged = store
                .read_columns(&Filter::new().eq(Enums::STATE, State::Merged))
                .await
                .unwrap();
            assert_eq!(merged.state, [2, 2, 2]);
            let some = store
                .read_columns(
                    &Filter::new()
                        .is_in(Enums::STATE, [State::Open, State::Closed])
                        .eq(Enums::MAYBE_LEVEL, Level::Low),
                )
                .await
                .unwrap();
            // Open or Closed: i % 3 in {0, 2}; Low: i even → 0, 2, 6, 8.
            assert_eq!(some.state.len(), 4);
            assert!(some.state.iter().all(|s| *s != 2));
        })
        .await;
    }
}
