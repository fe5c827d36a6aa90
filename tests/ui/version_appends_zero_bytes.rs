use factpack::Facts;

#[derive(Facts, Debug)]
#[facts(version = 2)]
struct Hollow {
    id: u64,
    #[facts(since = 2, default)]
    marker: [u8; 0],
}

fn main() {}
