use factpack::{FactEnum, Facts};

#[derive(FactEnum, Debug, Clone, PartialEq)]
#[repr(u8)]
enum Outcome {
    Merged = 1,
    Rejected(u32) = 2,
}

#[derive(Facts, Debug, Clone, PartialEq)]
struct Pr {
    outcomes: Vec<Outcome>,
}

fn main() {}
