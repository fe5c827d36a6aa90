use factpack::Facts;

#[derive(Facts, Debug)]
struct Event {
    #[facts(unit = "ms")]
    at: i64,
}

fn main() {}
