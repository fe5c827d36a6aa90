use factpack::Facts;

#[derive(Facts)]
struct Thing {
    #[facts(skip)]
    id: u64,
}

fn main() {}
