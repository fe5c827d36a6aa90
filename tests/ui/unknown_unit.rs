use chrono::{DateTime, Utc};
use factpack::Facts;

#[derive(Facts)]
struct Event {
    #[facts(unit = "minutes")]
    at: DateTime<Utc>,
}

fn main() {}
