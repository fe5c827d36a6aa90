use factpack::FactEnum;

#[derive(FactEnum, Debug, Clone, PartialEq)]
#[repr(u8)]
enum Outcome {
    Merged = 1,
    Rejected { code: u32 } = 2,
}

fn main() {}
