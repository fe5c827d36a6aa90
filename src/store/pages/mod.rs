//! Pages: many facts in one row, for stores whose rows are so many that the
//! server's cost per row dominates writes and reads.
//!
//! A paged store keys each row by the first columns of the application's key
//! (the *prefix*, e.g. account and repository) and a time bucket of one
//! mirrored time field (e.g. `created` by 30 days), plus a page number when a
//! bucket holds more than [`PageSpec::max_facts`] facts. The row's `data` is
//! a [`Page`](crate::Page) of its facts followed by each fact's remaining key
//! columns (see `codec`); reads hand each fact's blob to the columns as a
//! slice of the row, without copying. Per page, every mirrored field has a `<field>_min` and
//! `<field>_max` column, so that SQL skips pages that cannot match; the exact
//! filter then runs in Rust on each fact's own fields.
//!
//! Writes read, merge and rewrite the pages of the key prefixes they touch,
//! inside the batch's transaction. Version and fingerprint stay part of the
//! primary key: a page of another layout is a miss, never misread.

mod codec;
mod exact;
mod incoming;
mod read;
mod shape;
mod wanted;
mod write;

pub(crate) use self::read::{count, get, read};
pub use self::shape::PageSpec;
pub(crate) use self::shape::{columns, ddl};
pub(crate) use self::write::{delete, delete_where, upsert};
