use factpack::FactEnum;

#[derive(FactEnum, Debug, Clone, PartialEq)]
#[repr(u8)]
enum Outcome<T> {
    Merged = 1,
    Rejected(T) = 2,
}

fn main() {}
