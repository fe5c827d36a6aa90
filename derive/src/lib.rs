//! `#[derive(Facts)]`: the derive macro of [factpack](https://docs.rs/factpack).
//!
//! The macro runs in phases, one module each: `attr` parses `#[facts(..)]`,
//! `ast` models the struct, `valid` checks that the attributes add up to a
//! layout, `expand` generates code, and `fallback` stands in when there
//! are errors. Every error is collected and reported at once.
//! `#[derive(FactEnum)]`, for fieldless enums, has the same phases in `enums`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod ast;
mod attr;
mod columns;
mod ctxt;
mod enums;
mod expand;
mod fallback;
mod names;
mod serde;
mod valid;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Derives `factpack::Facts`: a fixed, little-endian byte layout for a struct
/// with named fields, a zero-copy view `FooView<'a>` with one O(1) accessor per
/// field, a typed handle per field (`Foo::FIELD_NAME`, a `factpack::FieldRef`)
/// that publishes its byte offset and names the field to a store's filters,
/// mirrors and conflict policy, and the struct's use as a nested field.
///
/// Generated code reaches factpack's internals only through
/// `factpack::__private`, which is not part of factpack's API.
///
/// # Field types
/// `bool`, `i8`..`i64`, `u8`..`u64`, `f32`, `f64`,
/// `chrono::DateTime<Utc>`, `NaiveDateTime`, `NaiveDate`, `TimeDelta`,
/// `String`, other fact types (with or without variable-length fields),
/// fieldless enums and enums whose variants carry data (`#[derive(FactEnum)]`),
/// arrays `[T; N]` and tuples (1 to 6 elements) of fixed-size types
/// (`[u8; 32]`, `(u32, f64)`, `[[i16; 2]; 3]`), `Vec` of any of these
/// (`Vec<String>` included), and `Option` of any of these.
///
/// A nested fact without variable-length fields is stored as its body (its
/// header without the prefix), and a `Vec` of them as one contiguous array of
/// bodies under a single list header naming their version; a nested type
/// whose fields accept every bit pattern (numbers, byte arrays, such nested
/// facts) has lists that validate in O(1). A nested fact with
/// variable-length fields is stored as its whole blob in the parent's tail,
/// and a `Vec` of them as end offsets and blobs. A type cannot nest itself.
/// See `FORMAT.md`.
///
/// # Attributes on the struct
/// - `#[facts(version = N)]`: the current version, 1 to 255 (1 when absent).
///   Raise it when appending fields.
/// - `#[facts(crate = "path")]`: where factpack is, if it was renamed.
///
/// # Attributes on a field
/// - `#[facts(transient)]`: the field is kept beside the bytes (in
///   `Packed::transient`, a generated `FooTransient` struct) and never stored.
///   Its type must be `Clone` and `Debug`, and have a `Default` unless one is
///   given with `default = expr`.
/// - `#[facts(since = N)]`: the version that appended the field. Blobs of older
///   versions lack it, so it must be an `Option` (reads as `None`) or have a
///   default. Fields must be declared in version order.
/// - `#[facts(default)]` / `#[facts(default = expr)]`: what the field reads as
///   in blobs that predate it (for `since`), or its initial value (for
///   `transient`). For a stored field the expression has the accessor's type:
///   `&str` for a `String`.
/// - `#[facts(unit = "s" | "ms" | "us" | "ns")]`: the precision of a time field
///   (and of every element of a list of them). Instants default to
///   microseconds, durations to seconds.
/// - `#[facts(index)]`: marks the field in `Facts::FIELDS` (`FieldInfo::indexed`)
///   so that a store mirrors it in its own SQL column, to filter on.
///
/// # Columns
/// The derive also generates `FooColumns`, the struct of arrays of many facts
/// (see `factpack::columns`), with one public field per field of `Foo`.
///
/// # Feature `proptest`
/// With factpack's `proptest` feature, the derive also implements
/// `proptest::arbitrary::Arbitrary` for the type (transient fields take their
/// defaults). proptest requires `Debug` of every `Arbitrary` type, so fact
/// types must then derive `Debug`; enable the feature in `[dev-dependencies]`
/// so that it only reaches test builds.
///
/// # Feature `serde`
/// With factpack's `serde` feature, the view (`FooView`) implements
/// `serde::Serialize`: a struct named `Foo` with one entry per stored field
/// (see factpack's crate docs for how each field type is written). Transient
/// fields are not in the bytes, so they are not in the output.
#[proc_macro_derive(Facts, attributes(facts))]
pub fn derive_facts(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let cx = ctxt::Ctxt::default();
    let model = ast::Input::from_syn(&cx, &input);
    if let Some(model) = &model {
        valid::check(&cx, model);
    }
    match (cx.finish(), model) {
        (None, Some(model)) => expand::derive(&model).into(),
        (Some(error), model) => {
            fallback::expand(model.as_ref(), ctxt::Ctxt::to_compile_errors(&error)).into()
        }
        (None, None) => TokenStream::new(),
    }
}

/// Derives `factpack::FactEnum` for a fieldless enum, so that it can be a
/// field of a fact, an `Option` field or a `Vec` element. The enum must also
/// be `Clone`, `Copy`, `Debug`, `PartialEq` and `Eq`. (For an enum whose
/// variants carry data, see below.)
///
/// Each variant is stored as its discriminant, which must be explicit
/// (`Open = 1`), so that adding or reordering variants never changes what an
/// existing variant is stored as. The stored integer is the enum's
/// `#[repr(u8 | u16 | u32 | u64 | i8 | i16 | i32 | i64)]`; without one, it is
/// the narrowest unsigned type that holds every discriminant (a signed one
/// when one is negative), and the discriminants must be integer literals.
///
/// A stored value that is no variant's discriminant (written by newer code
/// with more variants) is invalid, unless one variant is marked
/// `#[facts(other)]`: such values then read as that variant, which packs as
/// its own discriminant, so an unknown value does not survive unpacking and
/// packing again.
///
/// A fact's column of the enum holds the stored integers (`Vec<u8>` for a
/// `u8` enum); with the `arrow` feature it becomes a dictionary of variant
/// names. A store can mirror the field as an integer column, and the enum's
/// values are filter values (`Filter::new().eq(Pr::STATE, State::Merged)`).
///
/// # Enums whose variants carry data
/// An enum with a `#[repr(u8 | .. | i64)]` whose variants each hold one value
/// (`Circle(Circle) = 2`: a `#[derive(Facts)]` type, or a fixed-size value
/// such as `u32`, a fieldless `FactEnum`, an array or a tuple) or none
/// (`Point = 3`) derives `factpack::DataEnum` instead, and can be a field, an
/// `Option` field or a `Vec` element (whose accessor returns a
/// `factpack::VariantList`). It is stored as a variable-length field: the variant's
/// tag, then its value (a fact's whole blob, which carries its version). The
/// accessor returns a generated `FooView<'a>` enum with the same variants,
/// holding what each value reads as (a fact's view). Its column holds the
/// tags (with `arrow`, a dictionary of variant names); `#[facts(other)]` may
/// mark a unit variant as the catch-all for unknown tags. The enum must be
/// `Debug`.
///
/// # Attributes
/// - `#[facts(other)]` on one variant: the catch-all for unknown values.
/// - `#[facts(crate = "path")]` on the enum: where factpack is, if it was renamed.
///
/// # Feature `proptest`
/// A fact's generated `Arbitrary` draws a field of the enum from every
/// variant, uniformly.
#[proc_macro_derive(FactEnum, attributes(facts))]
pub fn derive_fact_enum(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    enums::derive(&input).into()
}
