use factpack::Facts;

#[derive(Facts)]
#[facts(version = 0)]
struct Zero {
    id: u64,
}

fn main() {}
