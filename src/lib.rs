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
//!   a struct with the stored fields' names as keys (times as chrono's
//!   `serde` writes them: RFC 3339 for `DateTime<Utc>`), and
//!   `serde::Deserialize` for `Packed<T>` where `T: Deserialize`, which packs
//!   the deserialized `T`. The `SerializeField` trait documents the format.
//! - `store`: the precomputed-facts store on sqlx (module `store`).
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
mod enums;
mod error;
mod facts;
mod field;
pub mod fingerprint;
mod fixed;
mod kind;
pub mod layout;
mod list;
mod packed;
mod slice;
mod time;
pub mod unit;

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
pub use crate::enums::{EnumRepr, EnumVariant, FactEnum};
pub use crate::error::{EnumValue, Error, ErrorKind, PackError, PackErrorKind};
pub use crate::facts::{FactView, Facts, FieldInfo, FieldRef};
pub use crate::field::{Fault, Field, Payload, Slot};
pub use crate::fixed::FixedField;
pub use crate::kind::{FieldKind, TimeUnit};
pub use crate::packed::Packed;
pub use crate::slice::{Slice, SliceIter, StrList};

#[cfg(feature = "proptest")]
pub use crate::arbitrary::FieldStrategy;

#[cfg(feature = "serde")]
pub use crate::serialize::{SerializeField, SerializeFixed};

/// Derives [`Facts`] for a struct with named fields. See the crate docs and
/// `FORMAT.md`; the attributes are documented on the macro in `factpack-derive`.
#[cfg(feature = "derive")]
pub use factpack_derive::Facts;

/// Derives [`FactEnum`] for a fieldless enum, so that it can be a field of a
/// fact (also in `Option` and `Vec`). See the macro in `factpack-derive`.
#[cfg(feature = "derive")]
pub use factpack_derive::FactEnum;
