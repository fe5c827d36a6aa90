use factpack::FactEnum;

#[derive(FactEnum, Debug, Clone, PartialEq)]
enum Outcome {
    Merged = 1,
    Rejected(u32) = 2,
}

fn main() {}
