use factpack::Facts;

#[derive(Facts, Debug)]
struct Named {
    id: u64,
    name: &'static str,
}

fn main() {}
