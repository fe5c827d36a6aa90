use factpack::Facts;

#[derive(Facts)]
#[facts(version = 2)]
struct Cached {
    id: u64,
    #[facts(since = 2)]
    added: Option<u32>,
    #[facts(transient, since = 2)]
    note: Option<String>,
}

fn main() {}
