//! Columns into Arrow: the schema, the buffers moved without copying, and a
//! round trip that reads every value of the batch back.
#![cfg(feature = "arrow")]

#[path = "common/prf.rs"]
#[allow(dead_code)]
mod prf;
#[path = "common/types.rs"]
#[allow(dead_code)]
mod types;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, DurationNanosecondType, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, UInt16Type, UInt32Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use chrono::{NaiveDate, TimeDelta, TimeZone, Utc};
use factpack::{Facts, Packed};

use prf::{PullRequestFacts, PullRequestFactsColumns, Rng};
use types::{Lists, ListsColumns, Optionals, OptionalsColumns, Point};

fn prf_facts(n: usize) -> Vec<PullRequestFacts> {
    let mut rng = Rng::new(0xa770);
    (0..n).map(|_| prf::realistic(&mut rng)).collect()
}

#[test]
fn the_schema_has_every_stored_field_with_its_arrow_type() {
    let schema = PullRequestFactsColumns::schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let stored: Vec<&str> = PullRequestFacts::FIELDS.iter().map(|f| f.name).collect();
    assert_eq!(names, stored, "transient fields are not in the batch");
    let created = schema.field_with_name("created").unwrap();
    assert_eq!(
        created.data_type(),
        &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
    );
    assert!(created.is_nullable());
    assert!(!schema.field_with_name("size").unwrap().is_nullable());
    assert_eq!(
        schema.field_with_name("done").unwrap().data_type(),
        &DataType::Boolean
    );
    let DataType::List(item) = schema
        .field_with_name("merged_with_failed_check_runs")
        .unwrap()
        .data_type()
    else {
        panic!("a list")
    };
    assert_eq!(item.data_type(), &DataType::Utf8);

    // Nested facts are flattened; lists of them are lists of structs.
    let schema = ListsColumns::schema();
    for name in ["origin_x", "origin_y", "origin_label", "origin_visible"] {
        assert!(schema.field_with_name(name).is_ok(), "{name} in {schema:?}");
    }
    let DataType::List(item) = schema.field_with_name("points").unwrap().data_type() else {
        panic!("a list")
    };
    let DataType::Struct(fields) = item.data_type() else {
        panic!("a struct")
    };
    assert_eq!(fields.len(), 4);
    let schema = OptionalsColumns::schema();
    assert!(
        schema.field_with_name("at_x").unwrap().is_nullable(),
        "under a null parent"
    );
}

#[test]
fn zero_facts_give_an_empty_batch_with_the_full_schema() {
    let columns = PullRequestFacts::columns(Vec::<Vec<u8>>::new()).unwrap();
    let batch = columns.into_record_batch().unwrap();
    assert_eq!(batch.num_rows(), 0);
    assert_eq!(batch.schema().as_ref(), &PullRequestFactsColumns::schema());
}

#[test]
fn buffers_move_into_arrow_without_a_copy() {
    let packed: Vec<Packed<PullRequestFacts>> = prf_facts(100).iter().map(Facts::pack).collect();
    let columns = PullRequestFacts::columns(&packed).unwrap();
    let size_ptr = columns.size.as_ptr();
    let merged_ptr = columns.merged.values.as_ptr();
    let strings_ptr = columns.merged_with_failed_check_runs.values.data.as_ptr();
    let batch = columns.into_record_batch().unwrap();
    let size = batch
        .column_by_name("size")
        .unwrap()
        .as_primitive::<Int64Type>();
    assert_eq!(size.values().as_ptr(), size_ptr);
    let merged = batch.column_by_name("merged").unwrap();
    assert_eq!(
        merged
            .as_primitive::<TimestampMicrosecondType>()
            .values()
            .as_ptr(),
        merged_ptr
    );
    let runs = batch
        .column_by_name("merged_with_failed_check_runs")
        .unwrap()
        .as_list::<i32>();
    assert_eq!(
        runs.values().as_string::<i32>().values().as_ptr(),
        strings_ptr
    );
}

#[test]
fn prf_round_trips_through_a_record_batch() {
    let facts = prf_facts(500);
    let blobs: Vec<Vec<u8>> = facts.iter().map(|f| f.pack().as_bytes().to_vec()).collect();
    let batch = PullRequestFacts::columns(&blobs)
        .unwrap()
        .into_record_batch()
        .unwrap();
    assert_eq!(batch.num_rows(), facts.len());
    let times = |name: &str, get: fn(&PullRequestFacts) -> Option<chrono::DateTime<Utc>>| {
        let column = batch
            .column_by_name(name)
            .unwrap()
            .as_primitive::<TimestampMicrosecondType>();
        for (i, f) in facts.iter().enumerate() {
            let expected = get(f).map(|t| t.timestamp_micros());
            let actual = column.is_valid(i).then(|| column.value(i));
            assert_eq!(actual, expected, "{name}[{i}]");
        }
    };
    times("created", |f| f.created);
    times("first_commit", |f| f.first_commit);
    times("work_began", |f| f.work_began);
    times("last_commit_before_first_review", |f| {
        f.last_commit_before_first_review
    });
    times("last_commit", |f| f.last_commit);
    times("merged", |f| f.merged);
    times("first_comment_on_first_review", |f| {
        f.first_comment_on_first_review
    });
    times("first_review_request", |f| f.first_review_request);
    times("first_review_request_exact", |f| {
        f.first_review_request_exact
    });
    times("last_review", |f| f.last_review);
    times("approved", |f| f.approved);
    times("released", |f| f.released);
    times("closed", |f| f.closed);
    let done = batch.column_by_name("done").unwrap().as_boolean();
    let dropped = batch
        .column_by_name("force_push_dropped")
        .unwrap()
        .as_boolean();
    let ignored = batch
        .column_by_name("release_ignored")
        .unwrap()
        .as_boolean();
    let size = batch
        .column_by_name("size")
        .unwrap()
        .as_primitive::<Int64Type>();
    let counters = ["review_comments", "regular_comments", "participants"].map(|n| {
        batch
            .column_by_name(n)
            .unwrap()
            .as_primitive::<UInt16Type>()
            .clone()
    });
    let reviews = batch.column_by_name("reviews").unwrap().as_list::<i32>();
    let days = batch
        .column_by_name("activity_days")
        .unwrap()
        .as_list::<i32>();
    let runs = batch
        .column_by_name("merged_with_failed_check_runs")
        .unwrap()
        .as_list::<i32>();
    for (i, f) in facts.iter().enumerate() {
        assert_eq!(done.value(i), f.done);
        assert_eq!(dropped.value(i), f.force_push_dropped);
        assert_eq!(ignored.value(i), f.release_ignored);
        assert_eq!(size.value(i), f.size);
        assert_eq!(counters[0].value(i), f.review_comments);
        assert_eq!(counters[1].value(i), f.regular_comments);
        assert_eq!(counters[2].value(i), f.participants);
        let expect = |ts: &[chrono::DateTime<Utc>]| {
            ts.iter().map(|t| t.timestamp_micros()).collect::<Vec<_>>()
        };
        let got = |list: &arrow_array::ListArray| {
            list.value(i)
                .as_primitive::<TimestampMicrosecondType>()
                .values()
                .to_vec()
        };
        assert_eq!(got(reviews), expect(&f.reviews));
        assert_eq!(got(days), expect(&f.activity_days));
        let strings = runs.value(i);
        let strings: Vec<&str> = strings
            .as_string::<i32>()
            .iter()
            .map(Option::unwrap)
            .collect();
        assert_eq!(strings, f.merged_with_failed_check_runs);
    }
}

fn point(i: i32) -> Point {
    Point {
        x: i,
        y: 2 * i,
        label: (i % 2 == 0).then_some(i as u16),
        visible: i % 3 == 0,
    }
}

#[test]
fn nested_lists_and_options_round_trip() {
    let at = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let lists: Vec<Lists> = (0..6)
        .map(|i| Lists {
            name: format!("n{i}"),
            origin: point(i),
            bools: vec![i % 2 == 0; i as usize],
            bytes: vec![i as u8],
            counts: vec![i as u16; 2],
            sizes: vec![],
            days: vec![NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()],
            stamps: vec![at + TimeDelta::milliseconds(i.into())],
            waits: vec![TimeDelta::nanoseconds(7)],
            addrs: vec![[i as u8; 4]],
            points: (0..i).map(point).collect(),
            tags: vec![],
            note: String::new(),
        })
        .collect();
    let batch: RecordBatch = Lists::columns(lists.iter().map(Facts::pack))
        .unwrap()
        .into_record_batch()
        .unwrap();
    let origin_label = batch
        .column_by_name("origin_label")
        .unwrap()
        .as_primitive::<arrow_array::types::UInt16Type>();
    let points = batch.column_by_name("points").unwrap().as_list::<i32>();
    let days = batch.column_by_name("days").unwrap().as_list::<i32>();
    let stamps = batch.column_by_name("stamps").unwrap().as_list::<i32>();
    let waits = batch.column_by_name("waits").unwrap().as_list::<i32>();
    let addrs = batch.column_by_name("addrs").unwrap().as_list::<i32>();
    for (i, l) in lists.iter().enumerate() {
        assert_eq!(
            origin_label.is_valid(i).then(|| origin_label.value(i)),
            l.origin.label
        );
        let p = points.value(i);
        let p = p.as_struct();
        let xs = p.column_by_name("x").unwrap().as_primitive::<Int32Type>();
        assert_eq!(
            xs.values().to_vec(),
            l.points.iter().map(|p| p.x).collect::<Vec<_>>()
        );
        let day = days.value(i);
        assert_eq!(
            day.as_primitive::<Date32Type>().value(0),
            19_782,
            "2024-02-29"
        );
        let stamp = stamps.value(i);
        assert_eq!(
            stamp.as_primitive::<TimestampMillisecondType>().value(0),
            l.stamps[0].timestamp_millis()
        );
        assert_eq!(
            waits
                .value(i)
                .as_primitive::<DurationNanosecondType>()
                .value(0),
            7
        );
        assert_eq!(addrs.value(i).as_fixed_size_binary().value(0), &l.addrs[0]);
    }

    let optionals: Vec<Optionals> = (0..4u32)
        .map(|i| Optionals {
            id: i,
            flag: None,
            count: None,
            seen: None,
            day: None,
            took: None,
            addr: None,
            at: (i % 2 == 1).then(|| point(i as i32)),
            title: (i > 1).then(|| format!("t{i}")),
            sizes: (i != 2).then(|| vec![i; 3]),
            times: None,
            labels: Some(vec!["x".into(); i as usize]),
        })
        .collect();
    let batch = Optionals::columns(optionals.iter().map(Facts::pack))
        .unwrap()
        .into_record_batch()
        .unwrap();
    let at_x = batch
        .column_by_name("at_x")
        .unwrap()
        .as_primitive::<Int32Type>();
    let at_label = batch.column_by_name("at_label").unwrap();
    let title = batch.column_by_name("title").unwrap().as_string::<i32>();
    let sizes = batch.column_by_name("sizes").unwrap().as_list::<i32>();
    for (i, o) in optionals.iter().enumerate() {
        assert_eq!(
            at_x.is_valid(i).then(|| at_x.value(i)),
            o.at.as_ref().map(|p| p.x)
        );
        // A null parent makes the child null too; a present parent keeps the child's own validity.
        assert_eq!(
            at_label.is_valid(i),
            o.at.as_ref().is_some_and(|p| p.label.is_some())
        );
        assert_eq!(
            title.is_valid(i).then(|| title.value(i)),
            o.title.as_deref()
        );
        assert_eq!(sizes.is_valid(i), o.sizes.is_some());
        if let Some(s) = &o.sizes {
            assert_eq!(
                &sizes
                    .value(i)
                    .as_primitive::<UInt32Type>()
                    .values()
                    .to_vec(),
                s
            );
        }
    }
}

/// Arrays become fixed-size lists (`[u8; N]` fixed-size binary), tuples
/// structs with children `0`, `1`, ..., at every depth, and the values
/// survive the move.
#[test]
fn arrays_and_tuples_become_fixed_size_lists_and_structs() {
    use arrow_array::types::{Float64Type, Int16Type, UInt8Type};
    use types::{Compound, CompoundColumns, State, Vector3};
    let fact = |i: u8| Compound {
        hash: [i, 1, 2, 3],
        coords: [i32::from(i), -1, 2],
        flags: [true, i.is_multiple_of(2)],
        states: [State::Open, State::Closed],
        corners: [point(i32::from(i)), point(-1)],
        stamps: [Utc.timestamp_opt(i64::from(i), 0).unwrap(); 2],
        grid: [[u16::from(i), 1], [2, 3]],
        pair: (u32::from(i), 0.5),
        triple: (-1, [i; 4], false),
        quad: (
            State::Merged,
            Vector3 {
                x: 1.0,
                y: 2.0,
                z: 3.0,
            },
            true,
            [-1],
        ),
        single: (7,),
        maybe_coords: i.is_multiple_of(2).then_some([1, 2, 3]),
        maybe_flags: None,
        maybe_pair: Some((9, true)),
        empty: [],
        coord_list: vec![[1, 2]; usize::from(i)],
        flag_lists: vec![],
        pairs: vec![(i, State::Open)],
        maybe_pairs: Some(vec![(-3, [4, 5])]),
    };
    let facts: Vec<Packed<Compound>> = (0..5).map(|i| fact(i).pack()).collect();
    let batch: RecordBatch = Compound::columns(&facts)
        .unwrap()
        .into_record_batch()
        .unwrap();
    let schema = CompoundColumns::schema();
    assert_eq!(batch.schema().as_ref(), &schema);
    assert_eq!(
        schema.field_with_name("hash").unwrap().data_type(),
        &DataType::FixedSizeBinary(4)
    );
    let DataType::FixedSizeList(item, 3) = schema.field_with_name("coords").unwrap().data_type()
    else {
        panic!("coords is not a fixed-size list of 3");
    };
    assert_eq!(item.data_type(), &DataType::Int32);
    let DataType::Struct(children) = schema.field_with_name("pair").unwrap().data_type() else {
        panic!("pair is not a struct");
    };
    let names: Vec<&str> = children.iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, ["0", "1"]);

    let hash = batch.column_by_name("hash").unwrap().as_fixed_size_binary();
    assert_eq!(hash.value(3), [3, 1, 2, 3]);
    let coords = batch.column_by_name("coords").unwrap().as_fixed_size_list();
    assert_eq!(
        coords.value(4).as_primitive::<Int32Type>().values(),
        &[4, -1, 2]
    );
    let maybe = batch.column_by_name("maybe_coords").unwrap();
    assert_eq!(maybe.null_count(), 2);
    let corners = batch
        .column_by_name("corners")
        .unwrap()
        .as_fixed_size_list();
    let corner = corners.value(2);
    let xs = corner.as_struct().column_by_name("x").unwrap();
    assert_eq!(xs.as_primitive::<Int32Type>().values(), &[2, -1]);
    let grid = batch.column_by_name("grid").unwrap().as_fixed_size_list();
    let rows = grid.value(1);
    let second = rows.as_fixed_size_list().value(0);
    assert_eq!(second.as_primitive::<UInt16Type>().values(), &[1, 1]);
    let pair = batch.column_by_name("pair").unwrap().as_struct();
    assert_eq!(
        pair.column(0).as_primitive::<UInt32Type>().values(),
        &[0, 1, 2, 3, 4]
    );
    assert_eq!(pair.column(1).as_primitive::<Float64Type>().value(3), 0.5);
    let quad = batch.column_by_name("quad").unwrap().as_struct();
    let z = quad.column(1).as_struct().column_by_name("z").unwrap();
    assert_eq!(
        z.as_primitive::<arrow_array::types::Float32Type>().value(0),
        3.0
    );
    let maybe_pairs = batch
        .column_by_name("maybe_pairs")
        .unwrap()
        .as_list::<i32>();
    let pairs = maybe_pairs.value(0);
    let pairs = pairs.as_struct();
    assert_eq!(pairs.column(0).as_primitive::<Int16Type>().values(), &[-3]);
    assert_eq!(pairs.column(1).as_fixed_size_binary().value(0), [4, 5]);
    let lists = batch.column_by_name("pairs").unwrap().as_list::<i32>();
    let firsts = lists.value(4);
    assert_eq!(
        firsts
            .as_struct()
            .column(0)
            .as_primitive::<UInt8Type>()
            .values(),
        &[4]
    );
    assert_eq!(batch.column_by_name("empty").unwrap().len(), 5);
}
