//! Enums whose variants carry data: a variable-length field holding the
//! variant's tag and value.

use factpack::{ErrorKind, FactEnum, FactView, Facts, Packed};

#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Circle {
    pub radius: u32,
    pub label: String,
}

#[derive(FactEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    Solid = 1,
    Hatched = 2,
}

#[derive(FactEnum, Debug, Clone, PartialEq)]
#[repr(u8)]
pub enum Shape {
    Circle(Circle) = 2,
    Point = 3,
    Code(u32) = 4,
    Filled(Fill) = 5,
    Corners([i16; 2]) = 6,
}

#[derive(Facts, Debug, Clone, PartialEq)]
pub struct Drawing {
    pub id: u16,
    pub shape: Shape,
    pub maybe: Option<Shape>,
}

fn drawing() -> Drawing {
    Drawing {
        id: 7,
        shape: Shape::Circle(Circle {
            radius: 5,
            label: "ab".into(),
        }),
        maybe: Some(Shape::Code(0x0102_0304)),
    }
}

#[test]
fn round_trip() {
    let value = drawing();
    let packed = value.pack();
    let view = packed.view();
    match view.shape() {
        ShapeView::Circle(c) => {
            assert_eq!(c.radius(), 5);
            assert_eq!(c.label(), "ab");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(view.maybe(), Some(ShapeView::Code(0x0102_0304))));
    assert_eq!(view.unpack(), value);
    let _ = Packed::<Drawing>::from_bytes(packed.as_bytes().to_vec()).unwrap();
    let _ = ErrorKind::InvalidUtf8;
}
