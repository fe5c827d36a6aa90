use factpack::FactEnum;

#[derive(FactEnum, Debug, Clone, PartialEq)]
#[repr(u8)]
enum Outcome {
    Merged = 1,
    Rejected(Vec<u32>) = 2,
}

fn main() {}
