//! Columns: many facts into a struct of arrays. The first tests mirror
//! Athenian's own tests of `df_from_structs` and `vectorize_field`; the rest
//! cover every column shape, evolution, bad input and, as properties, that
//! columns always equal the unpacked facts field by field.

#[path = "common/prf.rs"]
#[allow(dead_code)]
mod prf;
#[path = "common/types.rs"]
#[allow(dead_code)]
mod types;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use factpack::columns::{ColumnData, Nullable};
use factpack::{Columns, ColumnsError, ErrorKind, FactView, Facts, Packed};
use prf::{PullRequestFacts, PullRequestFactsColumns, Rng};
use types::{Lists, Optionals, Point, WithTransient};

#[derive(Facts, Debug, Clone, PartialEq)]
struct Counter {
    id: u32,
    values: Vec<i64>,
}

fn counter(k: u32) -> Counter {
    Counter {
        id: k,
        values: vec![i64::from(k); k as usize],
    }
}

fn us(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp_micros())
}

// ---- mirrors of Athenian's tests --------------------------------------------

#[test]
fn one_fact_gives_one_row() {
    let fact = prf::realistic(&mut Rng::new(1));
    let packed = fact.pack();
    let columns = PullRequestFacts::columns([packed.as_bytes()]).unwrap();
    assert_eq!(columns.len(), 1);
    assert_prf_rows(&columns, &[fact]);
}

#[test]
fn an_iterator_of_unknown_length_works() {
    let blobs: Vec<Packed<Counter>> = (0..10).map(|k| counter(k).pack()).collect();
    // `filter` hides the length, so the columns grow as they go.
    let unsized_iter = blobs.iter().filter(|p| p.view().id() % 5 == 1);
    assert_eq!(unsized_iter.size_hint(), (0, Some(10)));
    let columns = Counter::columns(unsized_iter).unwrap();
    assert_eq!(columns.id, [1, 6]);
    assert_eq!(columns.values.offsets, [0, 1, 7]);
    assert_eq!(columns.values.values, [1, 6, 6, 6, 6, 6, 6]);
}

#[test]
fn a_scalar_field_of_100_facts_is_0_to_100() {
    let blobs: Vec<Vec<u8>> = (0..100)
        .map(|k| counter(k).pack().as_bytes().to_vec())
        .collect();
    let ids = Counter::ID.column(&blobs).unwrap();
    assert_eq!(ids, (0..100).collect::<Vec<u32>>());
    let columns = Counter::columns(&blobs).unwrap();
    assert_eq!(columns.id, ids);
}

#[test]
fn a_list_field_where_fact_k_holds_k_copies_of_k() {
    let n = 40u32;
    let blobs: Vec<Vec<u8>> = (0..n)
        .map(|k| counter(k).pack().as_bytes().to_vec())
        .collect();
    let list = Counter::VALUES.column(&blobs).unwrap();
    let mut offsets = vec![0i32];
    let mut values = Vec::new();
    for k in 0..n {
        offsets.push(offsets.last().unwrap() + k as i32);
        values.extend(std::iter::repeat_n(i64::from(k), k as usize));
    }
    assert_eq!(list.offsets.len(), n as usize + 1);
    assert_eq!(list.offsets, offsets, "offsets are the cumulative sums");
    assert_eq!(list.values, values, "k repeated k times");
    assert_eq!(Counter::columns(&blobs).unwrap().values, list);
}

#[test]
fn zero_facts_give_empty_columns_of_every_field() {
    let columns = PullRequestFacts::columns(Vec::<Vec<u8>>::new()).unwrap();
    assert_eq!(columns.len(), 0);
    assert!(columns.is_empty());
    assert_eq!(columns.created.len(), 0);
    assert_eq!(columns.reviews.offsets, [0], "N + 1 offsets for N = 0");
    assert_eq!(columns.merged_with_failed_check_runs.values.offsets, [0]);
    assert_eq!(columns.repository_full_name.len(), 0);
}

#[test]
fn transient_fields_are_columns_of_options() {
    let fact = WithTransient {
        id: 7,
        name: "seven".into(),
        owner: "alice".into(),
        hits: Some(3),
    };
    let packed = fact.pack();
    // A `Packed` carries its transient fields; bytes do not.
    let columns = WithTransient::columns([&packed]).unwrap();
    assert_eq!(columns.owner, [Some("alice".to_owned())]);
    assert_eq!(columns.hits, [Some(Some(3))]);
    let columns = WithTransient::columns([packed.as_bytes()]).unwrap();
    assert_eq!(columns.owner, [None]);
    assert_eq!(columns.hits, [None]);
    assert_eq!(columns.id, [7]);
    assert_eq!(columns.name.get(0), Some("seven"));
}

#[test]
fn nested_facts_are_columns_of_their_fields() {
    let facts: Vec<Lists> = (0..5).map(lists).collect();
    let packed: Vec<Packed<Lists>> = facts.iter().map(Facts::pack).collect();
    let columns = Lists::columns(&packed).unwrap();
    assert_eq!(
        columns.origin.x,
        facts.iter().map(|f| f.origin.x).collect::<Vec<_>>()
    );
    assert_eq!(columns.origin.label.get(1), facts[1].origin.label);
    assert_lists_rows(&columns, &facts);
}

#[test]
fn columns_filled_by_hand_count_their_rows() {
    let mut columns = CounterColumns::default();
    columns.id.push(4);
    columns.values.values.extend([4, 4]);
    columns.values.close_row();
    assert_eq!(columns.len(), 1);
    columns.push(counter(2).pack()).unwrap();
    assert_eq!(columns.len(), 2);
    assert_eq!(columns.values.get(1), Some(&[2, 2][..]));
}

#[test]
fn debug_shows_the_columns_and_nothing_internal() {
    let columns = Counter::columns([counter(1).pack(), counter(2).pack()]).unwrap();
    let shown = format!("{columns:?}");
    assert!(
        shown.starts_with("CounterColumns { id: [1, 2], values: "),
        "{shown}"
    );
    assert!(!shown.contains("__rows"), "{shown}");
}

// ---- every shape ------------------------------------------------------------

fn point(i: i32) -> Point {
    Point {
        x: i,
        y: -i,
        label: (i % 2 == 0).then_some(i as u16),
        visible: i % 3 == 0,
    }
}

fn lists(i: i32) -> Lists {
    let at = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap() + TimeDelta::hours(i.into());
    Lists {
        name: format!("list {i}"),
        origin: point(i),
        bools: (0..i).map(|j| j % 2 == 0).collect(),
        bytes: vec![i as u8; i as usize],
        counts: (0..i as u16).collect(),
        sizes: vec![-i64::from(i); 2],
        days: vec![at.date_naive(); i as usize % 3],
        stamps: vec![at; i as usize % 2],
        waits: vec![TimeDelta::nanoseconds(i.into())],
        addrs: vec![[i as u8, 0, 0, 1]],
        points: (0..i).map(point).collect(),
        tags: (0..i).map(|j| format!("tag{j}")).collect(),
        note: "é".repeat(i as usize),
    }
}

fn optionals(i: u32) -> Optionals {
    let some = i % 2 == 1;
    Optionals {
        id: i,
        flag: some.then_some(i % 4 == 1),
        count: some.then_some(-i64::from(i)),
        seen: some.then(|| Utc.timestamp_opt(i64::from(i) * 1000, 0).unwrap()),
        day: None,
        took: some.then(|| TimeDelta::milliseconds(i.into())),
        addr: some.then_some([1, 2, 3, i as u8]),
        at: some.then(|| point(i as i32)),
        title: some.then(|| format!("t{i}")),
        sizes: some.then(|| vec![i; i as usize]),
        times: None,
        labels: some.then(|| vec![format!("l{i}"), String::new()]),
    }
}

#[test]
fn optional_fields_have_validity_and_placeholders() {
    let facts: Vec<Optionals> = (0..6).map(optionals).collect();
    let blobs: Vec<Vec<u8>> = facts.iter().map(|f| f.pack().as_bytes().to_vec()).collect();
    let columns = Optionals::columns(&blobs).unwrap();
    assert_optionals_rows(&columns, &facts);
    assert_eq!(columns.count.null_count(), 3);
    // Null rows hold zero / empty placeholders, as Arrow expects.
    assert_eq!(columns.count.values[0], 0);
    assert_eq!(columns.title.values.get(0), Some(""));
    assert_eq!(columns.sizes.values.range(0), Some(0..0));
}

// ---- evolution ----------------------------------------------------------------

mod v1 {
    use factpack::Facts;

    #[derive(Facts, Debug, Clone, PartialEq)]
    #[facts(version = 1)]
    pub struct Pr {
        pub id: u32,
        pub title: String,
    }
}

mod v2 {
    use factpack::Facts;

    #[derive(Facts, Debug, Clone, PartialEq)]
    #[facts(version = 2)]
    pub struct Pr {
        pub id: u32,
        pub title: String,
        #[facts(since = 2)]
        pub reviewers: Option<Vec<String>>,
        #[facts(since = 2, default = 5)]
        pub priority: u8,
        #[facts(since = 2, default = "n/a")]
        pub team: String,
    }
}

#[test]
fn older_blobs_land_with_newer_fields_null_or_default() {
    let old = v1::Pr {
        id: 1,
        title: "old".into(),
    }
    .pack();
    let new = v2::Pr {
        id: 2,
        title: "new".into(),
        reviewers: Some(vec!["ann".into()]),
        priority: 9,
        team: "core".into(),
    }
    .pack();
    let columns = v2::Pr::columns([old.as_bytes(), new.as_bytes()]).unwrap();
    assert_eq!(columns.id, [1, 2]);
    assert_eq!(
        columns.reviewers.validity.iter().collect::<Vec<_>>(),
        [false, true]
    );
    assert_eq!(columns.reviewers.values.get(1), Some(vec!["ann"]));
    assert_eq!(columns.priority, [5, 9], "the declared default");
    assert_eq!(columns.team.get(0), Some("n/a"));
    assert_eq!(columns.team.get(1), Some("core"));
    // The single-field path agrees.
    let priority = v2::Pr::PRIORITY
        .column([old.as_bytes(), new.as_bytes()])
        .unwrap();
    assert_eq!(priority, [5, 9]);
    // New blobs into old columns: the extra fields are ignored.
    let columns = v1::Pr::columns([new.as_bytes(), old.as_bytes()]).unwrap();
    assert_eq!(columns.id, [2, 1]);
}

#[test]
fn blocks_and_one_by_one_agree_across_versions_sizes_and_errors() {
    let mut rng = Rng::new(77);
    for round in 0..6 {
        let n = [0, 1, 63, 64, 65, 1500][round];
        let old: Vec<Vec<u8>> = (0..n)
            .map(|i| {
                if rng.chance(30) {
                    v1::Pr {
                        id: i,
                        title: format!("o{i}"),
                    }
                    .pack()
                    .as_bytes()
                    .to_vec()
                } else {
                    v2::Pr {
                        id: i,
                        title: "n".repeat(i as usize % 5),
                        reviewers: rng
                            .chance(50)
                            .then(|| vec![format!("r{i}"); i as usize % 3]),
                        priority: i as u8,
                        team: String::new(),
                    }
                    .pack()
                    .as_bytes()
                    .to_vec()
                }
            })
            .collect();
        let mut inputs = old.clone();
        let bad = (n > 0 && round % 2 == 1).then(|| rng.below(u64::from(n)) as usize);
        if let Some(at) = bad {
            inputs[at].push(0); // a trailing byte: not canonical
        }
        let built = v2::Pr::columns(&inputs);
        let mut one_by_one = v2::PrColumns::default();
        let mut first_error = None;
        for blob in &inputs {
            if let Err(e) = one_by_one.push(&blob[..]) {
                first_error = Some(e.position());
                break;
            }
        }
        match (built, bad) {
            (Ok(columns), None) => {
                assert_eq!(format!("{columns:?}"), format!("{one_by_one:?}"), "n = {n}");
                assert_eq!(columns.len(), n as usize);
            }
            (Err(e), Some(at)) => {
                assert_eq!(e.position(), at);
                assert_eq!(first_error, Some(at));
                let mut partial = v2::PrColumns::default();
                assert!(partial.extend_from(&inputs).is_err());
                assert_eq!(
                    format!("{partial:?}"),
                    format!("{one_by_one:?}"),
                    "the facts before the bad one"
                );
            }
            (other, bad) => panic!("{other:?} with a bad blob at {bad:?}"),
        }
    }
}

// ---- bad input ------------------------------------------------------------------

#[test]
fn a_bad_blob_is_reported_by_position_and_nothing_of_it_lands() {
    let good = counter(3).pack();
    let mut truncated = good.as_bytes().to_vec();
    truncated.pop();
    let inputs: Vec<&[u8]> = vec![
        good.as_bytes(),
        good.as_bytes(),
        &truncated,
        good.as_bytes(),
    ];
    let err = Counter::columns(inputs.iter().copied()).unwrap_err();
    assert_eq!(err.position(), 2);
    let ColumnsError::Invalid { error, .. } = &err else {
        panic!("expected Invalid, got {err:?}");
    };
    assert_eq!(error.type_name, "Counter");
    assert!(err.to_string().starts_with("input 2: "), "{err}");

    // Extending existing columns keeps the facts before the bad one.
    let mut columns = Counter::columns([good.as_bytes()]).unwrap();
    let err = columns.extend_from(inputs.iter().copied()).unwrap_err();
    assert_eq!(err.position(), 2);
    assert_eq!(columns.len(), 3);
    assert_eq!(columns.id.len(), 3);
    assert_eq!(columns.values.offsets.len(), 4);
}

#[test]
fn garbage_gives_errors_not_panics() {
    let mut rng = Rng::new(9);
    for len in 0..200 {
        let bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        if let Err(e) = PullRequestFacts::columns([&bytes[..]]) {
            assert_eq!(e.position(), 0);
        }
        let _ = PullRequestFacts::SIZE.column([&bytes[..]]);
    }
    let err = PullRequestFacts::columns([&[1u8, 0][..]]).unwrap_err();
    let ColumnsError::Invalid { error, .. } = err else {
        panic!()
    };
    assert!(
        matches!(error.kind, ErrorKind::Truncated { .. }),
        "{error:?}"
    );
}

// ---- properties -------------------------------------------------------------------

fn assert_prf_rows(c: &PullRequestFactsColumns, facts: &[PullRequestFacts]) {
    assert_eq!(c.len(), facts.len());
    let times = |col: &Nullable<Vec<i64>>, get: fn(&PullRequestFacts) -> Option<DateTime<Utc>>| {
        let expected: Vec<Option<i64>> = facts.iter().map(|f| us(get(f))).collect();
        assert_eq!(col.iter().collect::<Vec<_>>(), expected);
    };
    times(&c.created, |f| f.created);
    times(&c.first_commit, |f| f.first_commit);
    times(&c.work_began, |f| f.work_began);
    times(&c.last_commit_before_first_review, |f| {
        f.last_commit_before_first_review
    });
    times(&c.last_commit, |f| f.last_commit);
    times(&c.merged, |f| f.merged);
    times(&c.first_comment_on_first_review, |f| {
        f.first_comment_on_first_review
    });
    times(&c.first_review_request, |f| f.first_review_request);
    times(&c.first_review_request_exact, |f| {
        f.first_review_request_exact
    });
    times(&c.last_review, |f| f.last_review);
    times(&c.approved, |f| f.approved);
    times(&c.released, |f| f.released);
    times(&c.closed, |f| f.closed);
    for (i, f) in facts.iter().enumerate() {
        assert_eq!(c.done.get(i), Some(f.done));
        assert_eq!(c.force_push_dropped.get(i), Some(f.force_push_dropped));
        assert_eq!(c.release_ignored.get(i), Some(f.release_ignored));
        assert_eq!(c.size[i], f.size);
        assert_eq!(c.review_comments[i], f.review_comments);
        assert_eq!(c.regular_comments[i], f.regular_comments);
        assert_eq!(c.participants[i], f.participants);
        let micros: Vec<i64> = f.reviews.iter().map(|t| t.timestamp_micros()).collect();
        assert_eq!(c.reviews.get(i).unwrap(), &micros[..]);
        let micros: Vec<i64> = f
            .activity_days
            .iter()
            .map(|t| t.timestamp_micros())
            .collect();
        assert_eq!(c.activity_days.get(i).unwrap(), &micros[..]);
        assert_eq!(
            c.merged_with_failed_check_runs.get(i).unwrap(),
            f.merged_with_failed_check_runs
        );
    }
}

fn assert_lists_rows(c: &types::ListsColumns, facts: &[Lists]) {
    assert_eq!(c.len(), facts.len());
    for (i, f) in facts.iter().enumerate() {
        assert_eq!(c.name.get(i), Some(&f.name[..]));
        assert_eq!(c.origin.x[i], f.origin.x);
        assert_eq!(c.origin.y[i], f.origin.y);
        assert_eq!(c.origin.label.get(i), f.origin.label);
        assert_eq!(c.origin.visible.get(i), Some(f.origin.visible));
        let bools: Vec<bool> = c
            .bools
            .range(i)
            .unwrap()
            .map(|j| c.bools.values.get(j).unwrap())
            .collect();
        assert_eq!(bools, f.bools);
        assert_eq!(c.bytes.get(i).unwrap(), &f.bytes[..]);
        assert_eq!(c.counts.get(i).unwrap(), &f.counts[..]);
        assert_eq!(c.sizes.get(i).unwrap(), &f.sizes[..]);
        let days: Vec<i32> = f
            .days
            .iter()
            .map(|d| (*d - chrono::NaiveDate::default()).num_days() as i32)
            .collect();
        assert_eq!(c.days.get(i).unwrap(), &days[..]);
        let stamps: Vec<i64> = f.stamps.iter().map(|t| t.timestamp_millis()).collect();
        assert_eq!(c.stamps.get(i).unwrap(), &stamps[..]);
        let waits: Vec<i64> = f
            .waits
            .iter()
            .map(|t| t.num_nanoseconds().unwrap())
            .collect();
        assert_eq!(c.waits.get(i).unwrap(), &waits[..]);
        assert_eq!(c.addrs.get(i).unwrap(), &f.addrs[..]);
        let points = c.points.range(i).unwrap();
        let xs: Vec<i32> = points.clone().map(|j| c.points.values.x[j]).collect();
        let labels: Vec<Option<u16>> = points.map(|j| c.points.values.label.get(j)).collect();
        assert_eq!(xs, f.points.iter().map(|p| p.x).collect::<Vec<_>>());
        assert_eq!(labels, f.points.iter().map(|p| p.label).collect::<Vec<_>>());
        assert_eq!(c.tags.get(i).unwrap(), f.tags);
        assert_eq!(c.note.get(i), Some(&f.note[..]));
    }
}

fn assert_optionals_rows(c: &types::OptionalsColumns, facts: &[Optionals]) {
    assert_eq!(c.len(), facts.len());
    for (i, f) in facts.iter().enumerate() {
        assert_eq!(c.id[i], f.id);
        assert_eq!(c.flag.is_valid(i), f.flag.is_some());
        assert_eq!(
            c.flag.validity.get(i).unwrap() && c.flag.values.get(i).unwrap(),
            f.flag == Some(true)
        );
        assert_eq!(c.count.get(i), f.count);
        assert_eq!(c.seen.get(i), f.seen.map(|t| t.timestamp()));
        let day = f
            .day
            .map(|d| (d - chrono::NaiveDate::default()).num_days() as i32);
        assert_eq!(c.day.get(i), day);
        assert_eq!(c.took.get(i), f.took.map(|t| t.num_milliseconds()));
        assert_eq!(c.addr.get(i), f.addr);
        assert_eq!(c.at.is_valid(i), f.at.is_some());
        assert_eq!(c.at.values.x[i], f.at.as_ref().map_or(0, |p| p.x));
        assert_eq!(c.title.get(i), f.title.as_deref());
        assert_eq!(c.sizes.is_valid(i), f.sizes.is_some());
        assert_eq!(
            c.sizes.values.get(i).unwrap(),
            f.sizes.as_deref().unwrap_or_default()
        );
        let times: Vec<i64> = f
            .times
            .iter()
            .flatten()
            .map(|t| t.and_utc().timestamp_micros())
            .collect();
        assert_eq!(c.times.values.get(i).unwrap(), &times[..]);
        assert_eq!(c.labels.is_valid(i), f.labels.is_some());
        assert_eq!(
            c.labels.values.get(i).unwrap(),
            f.labels.clone().unwrap_or_default()
        );
    }
}

/// Properties over arbitrary facts (the derive's `Arbitrary` needs the `proptest` feature).
#[cfg(feature = "proptest")]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn prf_columns_equal_the_unpacked_facts(facts in proptest::collection::vec(any::<PullRequestFacts>(), 0..12)) {
            let blobs: Vec<Vec<u8>> = facts.iter().map(|f| f.pack().as_bytes().to_vec()).collect();
            let columns = PullRequestFacts::columns(&blobs).unwrap();
            let unpacked: Vec<PullRequestFacts> = blobs.iter().map(|b| PullRequestFacts::view(b).unwrap().unpack()).collect();
            assert_prf_rows(&columns, &unpacked);
            // Packed values and views give the same columns.
            let packed: Vec<Packed<PullRequestFacts>> = facts.iter().map(Facts::pack).collect();
            let from_packed = PullRequestFacts::columns(&packed).unwrap();
            let views = blobs.iter().map(|b| PullRequestFacts::view(b).unwrap());
            let from_views = PullRequestFacts::columns(views).unwrap();
            prop_assert_eq!(format!("{from_packed:?}").replace("Some(None)", "None"), format!("{columns:?}"));
            prop_assert_eq!(format!("{from_views:?}"), format!("{columns:?}"));
        }

        #[test]
        fn lists_columns_equal_the_unpacked_facts(facts in proptest::collection::vec(any::<Lists>(), 0..6)) {
            let packed: Vec<Packed<Lists>> = facts.iter().map(Facts::pack).collect();
            let columns = Lists::columns(&packed).unwrap();
            let unpacked: Vec<Lists> = packed.iter().map(Packed::unpack).collect();
            assert_lists_rows(&columns, &unpacked);
        }

        #[test]
        fn optionals_columns_equal_the_unpacked_facts(facts in proptest::collection::vec(any::<Optionals>(), 0..10)) {
            let packed: Vec<Packed<Optionals>> = facts.iter().map(Facts::pack).collect();
            let columns = Optionals::columns(&packed).unwrap();
            let unpacked: Vec<Optionals> = packed.iter().map(Packed::unpack).collect();
            assert_optionals_rows(&columns, &unpacked);
        }

        #[test]
        fn any_bytes_give_columns_or_a_positioned_error(bytes in proptest::collection::vec(any::<u8>(), 0..300), at in 0usize..4) {
            let good = counter(2).pack();
            let mut inputs: Vec<&[u8]> = vec![good.as_bytes(); 4];
            inputs[at] = &bytes;
            match Counter::columns(inputs.iter().copied()) {
                Ok(columns) => prop_assert_eq!(columns.len(), 4),
                Err(e) => prop_assert_eq!(e.position(), at),
            }
        }
    }
}

// ---- arrays and tuples --------------------------------------------------------

/// Every row of a `Compound` column equals the field of its fact.
#[cfg(feature = "proptest")]
fn assert_compound_rows(c: &types::CompoundColumns, facts: &[types::Compound]) {
    assert_eq!(c.len(), facts.len());
    for (i, f) in facts.iter().enumerate() {
        assert_eq!(c.hash.get(i), Some(f.hash));
        assert_eq!(c.coords.get(i), Some(f.coords));
        let flags: Vec<bool> = c
            .flags
            .range(i)
            .map(|k| c.flags.values.get(k).unwrap())
            .collect();
        assert_eq!(flags, f.flags);
        let states: Vec<u8> = c.states.values[c.states.range(i)].to_vec();
        let expected: Vec<u8> = f.states.iter().map(|s| *s as u8).collect();
        assert_eq!(states, expected);
        let xs: Vec<i32> = c.corners.range(i).map(|k| c.corners.values.x[k]).collect();
        assert_eq!(xs, f.corners.iter().map(|p| p.x).collect::<Vec<_>>());
        let ms: Vec<i64> = c.stamps.values[c.stamps.range(i)].to_vec();
        assert_eq!(ms, f.stamps.map(|t| t.timestamp_millis()));
        let grid = c.grid.range(i).map(|row| c.grid.values.get(row).unwrap());
        assert_eq!(grid.collect::<Vec<_>>(), f.grid);
        assert_eq!((c.pair.0[i], c.pair.1[i]), f.pair);
        assert_eq!(c.triple.0[i], f.triple.0);
        assert_eq!(c.triple.1.get(i), Some(f.triple.1));
        assert_eq!(c.triple.2.get(i), Some(f.triple.2));
        assert_eq!(c.quad.1.z[i], f.quad.1.z);
        assert_eq!(c.single.0[i], f.single.0);
        assert_eq!(c.maybe_coords.get(i), f.maybe_coords);
        assert_eq!(c.maybe_pair.is_valid(i), f.maybe_pair.is_some());
        assert_eq!(c.empty.len(), facts.len());
        assert_eq!(c.coord_list.get(i).unwrap(), f.coord_list);
        let pairs = c.pairs.range(i).unwrap();
        let firsts: Vec<u8> = c.pairs.values.0[pairs].to_vec();
        assert_eq!(firsts, f.pairs.iter().map(|p| p.0).collect::<Vec<_>>());
    }
}

#[cfg(feature = "proptest")]
#[test]
fn arrays_and_tuples_land_in_their_columns() {
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = proptest::collection::vec(proptest::arbitrary::any::<types::Compound>(), 0..40);
    for _ in 0..20 {
        let facts = strategy.new_tree(&mut runner).unwrap().current();
        let packed: Vec<Packed<types::Compound>> = facts.iter().map(Facts::pack).collect();
        let columns = types::Compound::columns(&packed).unwrap();
        assert_compound_rows(&columns, &facts);
        let blobs: Vec<&[u8]> = packed.iter().map(Packed::as_bytes).collect();
        let from_bytes = types::Compound::columns(blobs).unwrap();
        assert_compound_rows(&from_bytes, &facts);
    }
}
