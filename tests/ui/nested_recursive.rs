use factpack::Facts;

// A type nested in itself has no layout: its fingerprint would fold in itself.
#[derive(Facts, Debug)]
struct Tree {
    label: String,
    children: Vec<Tree>,
}

fn main() {}
