//! [`Packed<T>`]: an owned, validated, immutable fact.

use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};

use bytes::Bytes;

use crate::error::{Error, PackError, PackErrorKind};
use crate::facts::{FactView, Facts, FieldRef};
use crate::field::Field;

/// An owned fact: validated bytes, shared on clone, plus the transient fields
/// that live beside them.
///
/// Equality, ordering and hashing look at the bytes only, and byte equality is
/// value equality: every value has exactly one encoding. (Floats compare by
/// their bits, so `NaN` equals itself and `0.0` differs from `-0.0`.)
pub struct Packed<T: Facts> {
    bytes: Bytes,
    transient: T::Transient,
}

impl<T: Facts> Packed<T> {
    /// Validates `bytes` and takes them over without copying (`Vec<u8>`,
    /// [`Bytes`], `&'static [u8]`, ...). Transient fields start at their defaults.
    /// A blob of a newer version is kept whole, fields this code does not know
    /// included, once its header proves longer than this code's newest.
    ///
    /// # Errors
    /// See [`Facts::validate`].
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Result<Self, Error> {
        let bytes = bytes.into();
        T::validate(&bytes)?;
        Ok(Self::from_validated(bytes, T::Transient::default()))
    }

    /// Validates `bytes` and copies them.
    ///
    /// # Errors
    /// See [`Facts::validate`].
    pub fn copy_from_slice(bytes: &[u8]) -> Result<Self, Error> {
        T::validate(bytes)?;
        Ok(Self::from_validated(
            Bytes::copy_from_slice(bytes),
            T::Transient::default(),
        ))
    }

    pub(crate) fn from_validated(bytes: Bytes, transient: T::Transient) -> Self {
        Self { bytes, transient }
    }

    /// The packed bytes: what to store.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The packed bytes, shared.
    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }

    /// The view: O(1) access to every field.
    #[inline]
    pub fn view(&self) -> T::View<'_> {
        T::view_unvalidated(&self.bytes)
    }

    /// Decodes into the owned value, transient fields included.
    pub fn unpack(&self) -> T {
        T::from_view(self.view(), self.transient.clone())
    }

    /// The version that wrote the bytes.
    #[inline]
    pub fn version(&self) -> u8 {
        self.view().version()
    }

    /// The transient fields.
    pub fn transient(&self) -> &T::Transient {
        &self.transient
    }

    /// The transient fields, to set after loading (they are not in the bytes).
    pub fn transient_mut(&mut self) -> &mut T::Transient {
        &mut self.transient
    }

    /// The same fact with these transient fields.
    #[must_use]
    pub fn with_transient(mut self, transient: T::Transient) -> Self {
        self.transient = transient;
        self
    }

    /// Reads one field through its handle; `None` when the blob's version
    /// predates the field.
    #[inline]
    pub fn get<F: Field<U>, const U: u8>(&self, field: FieldRef<T, F, U>) -> Option<F::Ref<'_>> {
        field.get_raw(&self.bytes)
    }

    /// A copy with one fixed-size field changed, without decoding the rest: the
    /// bytes are copied and the field's slot (and null bit) rewritten in place.
    ///
    /// Only fixed-size fields can be patched so; a variable-length one is a
    /// compile-time error.
    ///
    /// # Errors
    /// [`PackErrorKind::FieldAbsent`] when the blob's version predates the
    /// field, or [`PackErrorKind::TimeOutOfRange`] for a time value its unit cannot hold.
    pub fn with<F: Field<U>, const U: u8>(
        &self,
        field: FieldRef<T, F, U>,
        value: &F,
    ) -> Result<Self, PackError> {
        const {
            assert!(
                !F::VARIABLE,
                "only fixed-size fields can be patched in place"
            )
        };
        let fail = |kind| PackError {
            type_name: T::NAME,
            field: Some(field.name()),
            kind,
        };
        if self.version() < field.since() {
            return Err(fail(PackErrorKind::FieldAbsent));
        }
        let slot = field.slot();
        let mut out = self.bytes.to_vec();
        if let Some(bytes) = out.get_mut(slot.offset..slot.offset.saturating_add(F::SLOT_SIZE)) {
            bytes.fill(0);
        }
        if let Some(b) = slot
            .null
            .and_then(|(byte, mask)| Some((out.get_mut(byte)?, mask)))
        {
            *b.0 &= !b.1;
        }
        value.write(&mut out, 0, slot).map_err(fail)?;
        Ok(Self::from_validated(out.into(), self.transient.clone()))
    }
}

impl<T: Facts> Clone for Packed<T> {
    fn clone(&self) -> Self {
        Self {
            bytes: self.bytes.clone(),
            transient: self.transient.clone(),
        }
    }
}

impl<T: Facts> PartialEq for Packed<T> {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl<T: Facts> Eq for Packed<T> {}

impl<T: Facts> PartialOrd for Packed<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: Facts> Ord for Packed<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.bytes.cmp(&other.bytes)
    }
}

impl<T: Facts> Hash for Packed<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.bytes.hash(state);
    }
}

impl<T: Facts> AsRef<[u8]> for Packed<T> {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl<T: Facts> fmt::Debug for Packed<T> {
    /// Prints the fields, not the bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.view(), f)
    }
}

impl<T: Facts> TryFrom<Bytes> for Packed<T> {
    type Error = Error;

    fn try_from(bytes: Bytes) -> Result<Self, Error> {
        Self::from_bytes(bytes)
    }
}

impl<T: Facts> TryFrom<Vec<u8>> for Packed<T> {
    type Error = Error;

    fn try_from(bytes: Vec<u8>) -> Result<Self, Error> {
        Self::from_bytes(bytes)
    }
}

impl<T: Facts> From<Packed<T>> for Bytes {
    fn from(packed: Packed<T>) -> Bytes {
        packed.bytes
    }
}
