//! [`Packed<T>`] as a sqlx value wherever sqlx has byte strings: PostgreSQL
//! `bytea` (and `bytea[]`, for `UNNEST` batches) and SQLite `BLOB`.
//!
//! Decoding validates the blob. Both drivers hand out the value as bytes
//! borrowed from the row, so the only copy is the one into the `Packed`'s
//! own buffer; [`FactRef`] reads without even that.

use sqlx::decode::Decode;
use sqlx::encode::{Encode, IsNull};
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgHasArrayType, PgTypeInfo};
use sqlx::types::Type;
use sqlx::Database;

use crate::facts::Facts;
use crate::packed::Packed;

/// `Type` for `$t`: a byte string's, wherever sqlx has byte strings.
macro_rules! bytes_type {
    ($t:ty) => {
        impl<DB: Database, T: Facts> Type<DB> for $t
        where
            [u8]: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <[u8] as Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <[u8] as Type<DB>>::compatible(ty)
            }
        }
    };
}

bytes_type!(Packed<T>);
bytes_type!(FactRef<'_, T>);

impl<T: Facts> PgHasArrayType for Packed<T> {
    fn array_type_info() -> PgTypeInfo {
        <&[u8] as PgHasArrayType>::array_type_info()
    }
}

/// On SQLite, whose arguments own their bytes, this is one copy.
impl<'q, DB: Database, T: Facts> Encode<'q, DB> for Packed<T>
where
    for<'a> &'a [u8]: Encode<'q, DB>,
{
    fn encode_by_ref(&self, buf: &mut DB::ArgumentBuffer) -> Result<IsNull, BoxDynError> {
        self.as_bytes().encode(buf)
    }

    fn size_hint(&self) -> usize {
        self.as_bytes().len()
    }
}

impl<'r, DB: Database, T: Facts> Decode<'r, DB> for Packed<T>
where
    &'r [u8]: Decode<'r, DB>,
{
    fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Self::copy_from_slice(<&[u8]>::decode(value)?)?)
    }
}

/// A fact decoded from a row without copying: the validated view of the bytes
/// the driver holds, valid while the row is.
///
/// ```no_run
/// # async fn demo<T: factpack::Facts>(pool: &sqlx::PgPool) -> Result<(), sqlx::Error> {
/// use factpack::store::FactRef;
/// use sqlx::Row;
/// let row = sqlx::query("SELECT data FROM facts LIMIT 1").fetch_one(pool).await?;
/// let fact: FactRef<'_, T> = row.try_get("data")?;
/// let _view = fact.0;
/// # Ok(()) }
/// ```
pub struct FactRef<'r, T: Facts>(pub T::View<'r>);

impl<T: Facts> core::fmt::Debug for FactRef<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&self.0, f)
    }
}

impl<'r, DB: Database, T: Facts> Decode<'r, DB> for FactRef<'r, T>
where
    &'r [u8]: Decode<'r, DB>,
{
    fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Self(T::view(<&[u8]>::decode(value)?)?))
    }
}
