// A type named like the struct but from another module is another type: it
// nests like any other fact, directly, in an `Option` and in a list.
use factpack::Facts;

mod other {
    use factpack::Facts;

    #[derive(Facts, Debug, Clone, PartialEq)]
    pub struct Event {
        pub name: String,
    }
}

#[derive(Facts, Debug, Clone, PartialEq)]
struct Event {
    cause: other::Event,
    previous: Option<other::Event>,
    related: Vec<other::Event>,
}

fn main() {
    let cause = other::Event { name: "disk full".into() };
    let event = Event {
        cause: cause.clone(),
        previous: None,
        related: vec![cause],
    };
    let packed = event.pack();
    assert_eq!(packed.view().cause().name(), "disk full");
    assert_eq!(packed.unpack(), event);
}
