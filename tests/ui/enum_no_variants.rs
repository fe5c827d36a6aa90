use factpack::FactEnum;

#[derive(FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum Never {}

fn main() {}
