use factpack::Facts;

#[derive(Facts)]
union Bits {
    a: u32,
    b: f32,
}

fn main() {}
