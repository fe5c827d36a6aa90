use factpack::Facts;

#[derive(Facts, Debug)]
struct Inner {
    id: u64,
    name: String,
}

#[derive(Facts, Debug)]
struct Outer {
    inner: Inner,
}

fn main() {}
