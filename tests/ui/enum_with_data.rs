use factpack::FactEnum;

#[derive(FactEnum, Debug, Clone, PartialEq)]
#[repr(u8)]
enum Outcome {
    Merged = 1,
    Rejected(u32, String) = 2,
}

fn main() {}
