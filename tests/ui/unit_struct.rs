use factpack::Facts;

#[derive(Facts)]
struct Marker;

fn main() {}
