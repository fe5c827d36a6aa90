use factpack::Facts;

#[derive(Default, Debug)]
struct Handle(u32);

#[derive(Facts, Debug)]
struct Cached {
    id: u64,
    #[facts(transient)]
    handle: Handle,
}

fn main() {}
