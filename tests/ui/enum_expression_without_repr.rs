use factpack::FactEnum;

#[derive(FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Open = 1,
    Closed = 1 + 1,
}

fn main() {}
