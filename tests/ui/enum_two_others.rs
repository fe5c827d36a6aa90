use factpack::FactEnum;

#[derive(FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Open = 1,
    #[facts(other)]
    Unknown = 0,
    #[facts(other)]
    Missing = 2,
}

fn main() {}
