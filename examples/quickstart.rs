//! factpack on one page: declare a fact type, pack facts, read a field in
//! O(1), turn many facts into columns, keep them in SQLite and read them back.
//! Every step checks its own result.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use chrono::{DateTime, TimeDelta, TimeZone as _, Utc};
use factpack::columns::ColumnData as _;
use factpack::store::{Db, FactStore, Filter};
use factpack::{Facts, Packed};

/// One deployment of a service: a fact the application computes once.
#[derive(Facts, Debug, Clone, PartialEq)]
#[facts(version = 1)]
pub struct Deploy {
    #[facts(index)] // mirrored as an indexed SQL column, for filters
    pub started: DateTime<Utc>,
    pub finished: Option<DateTime<Utc>>, // a bit of the null bitmap says if present
    pub commits: u32,
    pub authors: Vec<String>, // variable-length: its payload sits in the tail
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let day = |d: u32| Utc.with_ymd_and_hms(2024, 5, d, 12, 0, 0).unwrap();
    let deploys: Vec<Deploy> = (1..=10)
        .map(|d| Deploy {
            started: day(d),
            finished: (!d.is_multiple_of(3)).then(|| day(d) + TimeDelta::minutes(d.into())),
            commits: d * 2,
            authors: vec![format!("dev{}", d % 4), "bot".to_owned()],
        })
        .collect();

    // Pack: one immutable blob per fact, cheap to clone, stored as it is.
    let packed: Vec<Packed<Deploy>> = deploys.iter().map(Deploy::pack).collect();
    let bytes: &[u8] = packed[2].as_bytes();

    // View: validated once, then any field in O(1), without decoding the rest.
    let view = Deploy::view(bytes)?;
    assert_eq!(view.commits(), 6);
    assert_eq!(view.finished(), None);
    assert_eq!(view.authors().to_vec(), ["dev3", "bot"]);
    assert_eq!(
        Packed::<Deploy>::copy_from_slice(bytes)?.unpack(),
        deploys[2]
    );

    // Columns: many facts into one struct of arrays (Arrow's buffers), in one pass.
    let columns = Deploy::columns(&packed)?;
    assert_eq!(columns.len(), 10);
    assert_eq!(columns.commits.iter().sum::<u32>(), 110);
    assert_eq!(columns.finished.get(2), None);

    // Store: a table keyed by (account, service), here in an in-memory SQLite;
    // `Db::connect` takes a `postgres://` URL just as well.
    let db = Db::connect("sqlite::memory:").await?;
    let store = FactStore::<Deploy, (i64, String)>::builder(&db, "deploys")
        .key(["account", "service"])
        .open()
        .await?;
    let rows: Vec<((i64, String), Packed<Deploy>)> = (packed.iter().enumerate())
        .map(|(i, p)| ((1, format!("svc{i}")), p.clone()))
        .collect();
    store.upsert(&rows).await?;

    // Read back: by key, and by a filter on a mirrored field straight into columns.
    let got = store.get(&[(1, "svc2".to_owned())]).await?;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1, packed[2]);
    // Key columns are named as `.key` named them; fields by their typed handle.
    let recent = Filter::new()
        .eq("account", 1)
        .range(Deploy::STARTED, day(6)..);
    let late = store.read_columns(&recent).await?;
    assert_eq!(late.len(), 5);
    assert_eq!(late.commits.iter().sum::<u32>(), 80);

    println!("quickstart: packed, viewed, columned, stored and read back 10 deploys");
    Ok(())
}
