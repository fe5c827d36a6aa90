//! factpack keeps precomputed facts as bytes.
//!
//! `#[derive(Facts)]` turns a struct into an immutable record with a fixed,
//! little-endian byte layout: [`pack`](Facts::pack) writes it, [`Packed::from_bytes`]
//! validates it once, and every field is then read in O(1) straight from the
//! bytes, without decoding the rest or allocating.
//!
//! ```
//! use chrono::{DateTime, TimeZone, Utc};
//! use factpack::{FactView, Facts, Packed};
//!
//! #[derive(Facts, Debug, Clone, PartialEq)]
//! #[facts(version = 1)]
//! pub struct PullRequestFacts {
//!     pub created: DateTime<Utc>,
//!     pub merged: Option<DateTime<Utc>>,
//!     pub size: i64,
//!     pub done: bool,
//!     pub reviews: Vec<DateTime<Utc>>,
//!     pub labels: Vec<String>,
//!     #[facts(transient)]
//!     pub repository_full_name: Option<String>,
//! }
//!
//! let created = Utc.with_ymd_and_hms(2024, 5, 1, 9, 30, 0).unwrap();
//! let facts = PullRequestFacts {
//!     created,
//!     merged: None,
//!     size: 120,
//!     done: false,
//!     reviews: vec![created],
//!     labels: vec!["bug".into()],
//!     repository_full_name: None,
//! };
//! let packed = facts.pack();                          // owned, immutable, cheap to clone
//! let bytes: &[u8] = packed.as_bytes();               // what to store
//! let view = PullRequestFacts::view(bytes)?;          // validated once, zero-copy
//! assert_eq!(view.size(), 120);                       // O(1), no decode
//! assert_eq!(view.merged(), None);
//! assert_eq!(view.labels().get(0), Some("bug"));
//! assert_eq!(view.unpack(), facts);
//! let owned = Packed::<PullRequestFacts>::copy_from_slice(bytes)?;
//! assert_eq!(owned, packed);                          // byte equality is value equality
//! # Ok::<(), factpack::Error>(())
//! ```
//!
//! Many facts at once go into columns, one `Vec` per field in Arrow's layout,
//! in one pass over the blobs (see [`columns`]):
//!
//! ```
//! # use chrono::{DateTime, Utc};
//! # use factpack::{Facts, Packed};
//! #[derive(Facts, Debug, Clone, PartialEq)]
//! pub struct Review {
//!     pub at: DateTime<Utc>,
//!     pub approved: Option<bool>,
//!     pub comments: Vec<String>,
//! }
//!
//! let blobs: Vec<Packed<Review>> = (0..3)
//!     .map(|i| Review {
//!         at: DateTime::from_timestamp(i * 60, 0).unwrap(),
//!         approved: (i > 0).then_some(i == 2),
//!         comments: vec!["lgtm".into(); i as usize],
//!     }.pack())
//!     .collect();
//! let columns = Review::columns(&blobs)?;           // bytes, `Packed` or views
//! assert_eq!(columns.at, [0, 60_000_000, 120_000_000]); // microseconds, as stored
//! assert_eq!(columns.approved.get(0), None);
//! assert_eq!(columns.approved.get(2), Some(true));
//! assert_eq!(columns.comments.offsets, [0, 0, 1, 3]);   // Arrow's list layout
//! # Ok::<(), factpack::ColumnsError>(())
//! ```
//!
//! # Features
//! - `derive` (default): `#[derive(Facts)]`.
//! - `proptest`: `proptest::arbitrary::Arbitrary` for every derived fact type.
//! - `arrow`: `FooColumns::into_record_batch()`, columns into Arrow arrays
//!   without copying.
//! - `serde`: `serde::Serialize` for every derived view and for [`Packed`],
//!   and `serde::Deserialize` for `Packed<T>` where `T: Deserialize`, which
//!   packs the deserialized `T` (see "serde" below).
//! - `store`: the precomputed-facts store on sqlx (module `store`).
//!
//! # serde
//! With the `serde` feature, a view (`FooView`, and [`Packed<Foo>`] through
//! it) serializes as a struct named `Foo` with one entry per stored field,
//! named as the field, in declaration order. Each value is written the way
//! the field's own Rust type is serialized (by serde, or chrono's `serde`
//! feature for the time types), so that `Foo`'s derived `Deserialize` reads
//! the output back:
//!
//! | field | serialized as |
//! |---|---|
//! | `bool`, integers, floats | themselves |
//! | `DateTime<Utc>` | an RFC 3339 string in UTC (`2024-05-01T09:30:00Z`, with 3, 6 or 9 fractional digits when needed) |
//! | `NaiveDateTime`, `NaiveDate` | ISO 8601 strings (`2024-05-01T09:30:00`, `2024-05-01`) |
//! | `TimeDelta` | `[seconds, nanoseconds]`, nanoseconds in `0..1_000_000_000` |
//! | `[u8; N]` | bytes, through serde's `Serializer::serialize_bytes` (an array of numbers in JSON) |
//! | `[T; N]` of any other `T`, a tuple | a tuple of its elements, each the same way |
//! | `String` | a string |
//! | `Vec<T>`, `Vec<String>` | a sequence |
//! | `Option<T>` | none or some |
//! | a nested fact | a nested struct, the same way |
//! | a `#[derive(FactEnum)]` enum | a unit variant, as serde's derive writes one (its name, in JSON) |
//! | an enum whose variants carry data | as serde's derive writes it: a unit variant by name, a newtype variant as `{"Name": value}` in JSON |
//!
//! A time shows the value stored, at its field's unit: an instant packed at
//! microseconds has no nanoseconds left. A field that a blob's version
//! predates shows what its accessor returns: its default, or none.
//!
//! Byte arrays are the one exception to "as the type itself": serde writes a
//! `[u8; N]` as a tuple. JSON writes bytes as an array of numbers, which
//! reads back into a `[u8; N]`; a format with a bytes type of its own
//! (bincode, CBOR, MessagePack) needs `#[serde(with = ..)]` on such a field
//! of the struct to read them back.
//!
//! Transient fields are not in the bytes, so a view cannot show them, and
//! [`Packed`] does not either: it serializes exactly as its view, which is
//! the value its equality and hashing compare. Deserializing a `Packed<T>`
//! packs the `T` that `T`'s `Deserialize` produced, transient fields
//! included; give them `#[serde(default)]` (or `#[serde(skip)]`) to read a
//! `Packed`'s output, which lacks them.
//!
//! # The API at a glance
//! - [`Facts`] (derived): pack, validate, view, columns; [`FactView`], what
//!   every generated `FooView` shares; [`Packed`], the owned record.
//! - [`FieldRef`]: a field's typed handle (`Foo::CREATED`), to read it, find
//!   its bytes, or name it to a store.
//! - [`FieldInfo`], [`FieldKind`], [`TimeUnit`], [`EnumVariant`]: the layout,
//!   described at run time for tools that have only bytes.
//! - [`Slice`], [`StrList`]: what accessors of list and string-list fields return.
//! - [`FactEnum`] (derived): fieldless enums as fields.
//! - [`Columns`], [`ColumnSource`], [`ColumnsError`] and the module
//!   [`columns`]: many facts as one struct of arrays.
//! - [`Error`], [`ErrorKind`], [`EnumValue`], [`PackError`], [`PackErrorKind`]:
//!   what validating and packing report.
//! - [`unit`](mod@unit): the time units of `#[facts(unit = "..")]`.
//! - `store` (feature `store`): the precomputed-facts store and its cache.
//!
//! The traits through which generated code reads and writes each field type
//! live in the hidden module `__private`: they are not part of the API and
//! may change in any release. Supported field types are listed on the derive.
//!
//! The byte format is specified in `FORMAT.md` at the root of the repository.
//! The crate has no `unsafe` code: arbitrary bytes give `Ok` or a precise
//! [`Error`], never a panic.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Untrusted bytes must never panic: the library reaches bytes only through
// checked accessors. Unit tests opt out, where a panic is the point.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod bytes;
pub mod columns;
mod compound;
mod enums;
mod error;
mod facts;
mod field;
mod fingerprint;
mod fixed;
mod kind;
mod layout;
mod list;
mod nested;
mod packed;
pub mod page;
mod slice;
mod time;
pub mod unit;
mod variants;

#[cfg(feature = "proptest")]
mod arbitrary;

#[cfg(feature = "serde")]
mod serialize;

#[cfg(feature = "store")]
pub mod store;

#[doc(hidden)]
pub mod __private;

/// The README's example compiles and runs as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;

pub use crate::columns::{ColumnSource, Columns, ColumnsError};
pub use crate::enums::FactEnum;
pub use crate::error::{EnumValue, Error, ErrorKind, PackError, PackErrorKind, UnknownTag};
pub use crate::facts::{FactView, Facts, FieldRef};
pub use crate::kind::{EnumVariant, FieldInfo, FieldKind, TimeUnit};
pub use crate::packed::Packed;
pub use crate::page::{Page, PageBuilder, PageError, PageErrorKind, PageView};
pub use crate::slice::{Slice, SliceIter, StrList};
pub use crate::variants::{DataEnum, VariantList};

/// Derives [`Facts`] for a struct with named fields. See the crate docs and
/// `FORMAT.md`; the attributes are documented on the macro in `factpack-derive`.
#[cfg(feature = "derive")]
pub use factpack_derive::Facts;

/// Derives [`FactEnum`] for a fieldless enum, so that it can be a field of a
/// fact (also in `Option` and `Vec`). See the macro in `factpack-derive`.
#[cfg(feature = "derive")]
pub use factpack_derive::FactEnum;
