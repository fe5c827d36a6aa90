use factpack::Facts;

#[derive(Facts, Debug)]
struct Chunks {
    id: u64,
    chunks: Vec<Vec<u8>>,
}

fn main() {}
