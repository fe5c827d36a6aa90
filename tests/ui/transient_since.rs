use factpack::Facts;

#[derive(Facts)]
#[facts(version = 2)]
struct Cached {
    id: u64,
    #[facts(transient, since = 2)]
    note: Option<String>,
}

fn main() {}
