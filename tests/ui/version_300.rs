use factpack::Facts;

#[derive(Facts)]
#[facts(version = 300)]
struct Big {
    id: u64,
}

fn main() {}
