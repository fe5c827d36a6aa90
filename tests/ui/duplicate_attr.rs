use factpack::Facts;

#[derive(Facts)]
#[facts(version = 2, version = 3)]
struct Thing {
    id: u64,
    #[facts(since = 2)]
    added: Option<u32>,
}

fn main() {}
