use factpack::Facts;

#[derive(Facts)]
#[facts(rename = "thing")]
struct Thing {
    id: u64,
}

fn main() {}
