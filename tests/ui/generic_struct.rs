use factpack::Facts;

#[derive(Facts)]
struct Wrapper<T> {
    value: T,
}

fn main() {}
