use factpack::FactEnum;

#[derive(FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Outcome {
    Merged = 1,
    Rejected(u32) = 2,
}

fn main() {}
