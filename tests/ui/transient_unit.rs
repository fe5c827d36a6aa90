use chrono::{DateTime, Utc};
use factpack::Facts;

#[derive(Facts)]
struct Cached {
    id: u64,
    #[facts(transient, unit = "ms")]
    seen: Option<DateTime<Utc>>,
}

fn main() {}
