use factpack::FactEnum;

#[derive(FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
enum Status {
    Open = 1,
    Closed = 2,
}

fn main() {}
