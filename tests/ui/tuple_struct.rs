use factpack::Facts;

#[derive(Facts)]
struct Pair(u32, u64);

fn main() {}
