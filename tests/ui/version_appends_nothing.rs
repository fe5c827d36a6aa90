use factpack::Facts;

#[derive(Facts)]
#[facts(version = 2)]
struct Bumped {
    id: u64,
    amount: Option<i64>,
}

fn main() {}
