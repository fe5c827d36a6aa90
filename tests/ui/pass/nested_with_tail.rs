use factpack::{Facts, Packed};

#[derive(Facts, Debug, Clone, PartialEq)]
struct Inner {
    id: u64,
    name: String,
}

#[derive(Facts, Debug, Clone, PartialEq)]
struct Outer {
    inner: Inner,
    maybe: Option<Inner>,
    many: Vec<Inner>,
}

fn main() {
    let inner = Inner {
        id: 1,
        name: "one".into(),
    };
    let outer = Outer {
        inner: inner.clone(),
        maybe: None,
        many: vec![inner.clone(), inner],
    };
    let packed: Packed<Outer> = outer.pack();
    let view = packed.view();
    assert_eq!(view.inner().name(), "one");
    assert_eq!(view.many().len(), 2);
}
