use factpack::Facts;

#[derive(Facts, Debug, Clone, PartialEq)]
struct Named {
    name: String,
}

#[derive(Facts, Debug, Clone, PartialEq)]
struct Pair {
    both: [Named; 2],
}

fn main() {}
