use factpack::Facts;
use std::collections::HashMap;

#[derive(Facts, Debug)]
struct Counts {
    id: u64,
    counts: HashMap<String, u32>,
}

fn main() {}
