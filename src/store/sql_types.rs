//! [`Packed<T>`] as a sqlx value: PostgreSQL `bytea` (and `bytea[]`, for
//! `UNNEST` batches) and SQLite `BLOB`.
//!
//! Decoding validates the blob. Both drivers hand out the value as bytes
//! borrowed from the row, so the only copy is the one into the `Packed`'s
//! own buffer; [`FactRef`] reads without even that.

use sqlx::decode::Decode;
use sqlx::encode::{Encode, IsNull};
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgHasArrayType, PgTypeInfo, PgValueRef, Postgres};
use sqlx::sqlite::{Sqlite, SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::types::Type;

use crate::facts::Facts;
use crate::packed::Packed;

impl<T: Facts> Type<Postgres> for Packed<T> {
    fn type_info() -> PgTypeInfo {
        <[u8] as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <[u8] as Type<Postgres>>::compatible(ty)
    }
}

impl<T: Facts> PgHasArrayType for Packed<T> {
    fn array_type_info() -> PgTypeInfo {
        <&[u8] as PgHasArrayType>::array_type_info()
    }
}

impl<T: Facts> Encode<'_, Postgres> for Packed<T> {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <&[u8] as Encode<Postgres>>::encode(self.as_bytes(), buf)
    }

    fn size_hint(&self) -> usize {
        self.as_bytes().len()
    }
}

impl<'r, T: Facts> Decode<'r, Postgres> for Packed<T> {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let bytes = <&[u8] as Decode<Postgres>>::decode(value)?;
        Ok(Self::copy_from_slice(bytes)?)
    }
}

impl<T: Facts> Type<Sqlite> for Packed<T> {
    fn type_info() -> SqliteTypeInfo {
        <[u8] as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <[u8] as Type<Sqlite>>::compatible(ty)
    }
}

impl<T: Facts> Encode<'_, Sqlite> for Packed<T> {
    fn encode_by_ref(&self, args: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        // sqlx's SQLite arguments own their bytes, so this is one copy.
        <&[u8] as Encode<Sqlite>>::encode(self.as_bytes(), args)
    }
}

impl<'r, T: Facts> Decode<'r, Sqlite> for Packed<T> {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let bytes = <&[u8] as Decode<Sqlite>>::decode(value)?;
        Ok(Self::copy_from_slice(bytes)?)
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

impl<T: Facts> Type<Postgres> for FactRef<'_, T> {
    fn type_info() -> PgTypeInfo {
        <[u8] as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <[u8] as Type<Postgres>>::compatible(ty)
    }
}

impl<'r, T: Facts> Decode<'r, Postgres> for FactRef<'r, T> {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let bytes = <&'r [u8] as Decode<Postgres>>::decode(value)?;
        Ok(Self(T::view(bytes)?))
    }
}

impl<T: Facts> Type<Sqlite> for FactRef<'_, T> {
    fn type_info() -> SqliteTypeInfo {
        <[u8] as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <[u8] as Type<Sqlite>>::compatible(ty)
    }
}

impl<'r, T: Facts> Decode<'r, Sqlite> for FactRef<'r, T> {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let bytes = <&'r [u8] as Decode<Sqlite>>::decode(value)?;
        Ok(Self(T::view(bytes)?))
    }
}
