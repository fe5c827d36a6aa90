use factpack::Facts;

#[derive(Facts)]
#[facts(version = 2)]
struct Evolved {
    id: u64,
    #[facts(since = 2)]
    second: Option<u32>,
    #[facts(since = 3)]
    added: Option<u32>,
}

fn main() {}
