use factpack::Facts;

#[derive(Facts, Debug)]
struct Maybe {
    id: u64,
    value: Option<Option<u8>>,
}

fn main() {}
