use factpack::Facts;

#[derive(Facts)]
#[facts(version = 2)]
struct Evolved {
    id: u64,
    #[facts(since = 2)]
    added: Option<u32>,
    late: u16,
}

fn main() {}
