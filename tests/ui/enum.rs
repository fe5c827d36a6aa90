use factpack::Facts;

#[derive(Facts)]
enum Status {
    Open,
    Closed,
}

fn main() {}
