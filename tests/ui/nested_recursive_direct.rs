use factpack::Facts;

// Every way a field can name the struct itself is refused by the derive, each
// at the type that names it. (`Box` keeps rustc's own infinite-size error out.)
#[derive(Facts, Debug)]
struct Node {
    label: String,
    parent: Option<Box<Node>>,
    children: Vec<Self>,
    siblings: Option<Vec<self::Node>>,
}

fn main() {}
