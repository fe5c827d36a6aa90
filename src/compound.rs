//! Fixed-size arrays and tuples of fixed-size values: their elements' slots
//! back to back.
//!
//! `[T; N]` is `N` slots of `T`, element 0 first; `(A, B, ..)` is the slot of
//! `A`, then of `B`, and so on. Neither adds a byte of its own, so `[u8; N]` is
//! its bytes, and a nested fact among the elements is its body at its current
//! version, as in a field slot. A value is valid when every element is.

use crate::error::Fault;
use crate::error::{ErrorKind, PackErrorKind};
use crate::fingerprint::{mix, tag};
use crate::fixed::FixedField;

/// The bytes of element `i` of an array of `size`-byte elements; empty when
/// they are not all there (decoding then reads some value, never panics).
#[inline(always)]
pub(crate) fn element(bytes: &[u8], i: usize, size: usize) -> &[u8] {
    let start = i.wrapping_mul(size);
    bytes.get(start..start.wrapping_add(size)).unwrap_or(&[])
}

/// The encoding fingerprint of `[T; len]`: that of `[u8; len]` is the byte
/// string's, every other folds the element's and the length.
const fn array_fp(element: u64, len: usize) -> u64 {
    if element == tag("u8") {
        mix(tag("bytes"), len as u64)
    } else {
        mix(mix(tag("array"), element), len as u64)
    }
}

impl<const U: u8, T: FixedField<U>, const N: usize> FixedField<U> for [T; N] {
    const SIZE: usize = {
        assert!(
            !T::BLOB,
            "an array element must have a fixed size: a nested fact with variable-length fields can be a `Vec` element instead"
        );
        assert!(
            T::SIZE.checked_mul(N).is_some(),
            "a fixed-size array must fit in memory"
        );
        T::SIZE.wrapping_mul(N)
    };
    const TYPE_FP: u64 = array_fp(T::TYPE_FP, N);
    const ALWAYS_VALID: bool = T::ALWAYS_VALID || N == 0;
    const ZERO_IS_VALID: bool = T::ZERO_IS_VALID || N == 0;
    type Ref<'a> = [T::Ref<'a>; N];

    #[inline(always)]
    fn encode(&self, out: &mut [u8]) -> Result<(), PackErrorKind> {
        for (i, value) in self.iter().enumerate() {
            let start = i.wrapping_mul(T::SIZE);
            if let Some(slot) = out.get_mut(start..start.wrapping_add(T::SIZE)) {
                value.encode(slot)?;
            }
        }
        Ok(())
    }

    #[inline(always)]
    fn encode_or_null(value: Option<&Self>, out: &mut [u8]) -> Result<(), PackErrorKind> {
        match value {
            Some(value) => value.encode(out),
            None => Ok(()),
        }
    }

    #[inline]
    fn check(bytes: &[u8]) -> Result<(), ErrorKind> {
        Self::fault(bytes).map_err(|fault| fault.kind)
    }

    #[inline]
    fn fault(bytes: &[u8]) -> Result<(), Fault> {
        if bytes.len() != Self::SIZE {
            return Err(Fault::at(
                0,
                ErrorKind::Truncated {
                    needed: Self::SIZE,
                    len: bytes.len(),
                },
            ));
        }
        if !T::ALWAYS_VALID {
            for i in 0..N {
                let at = i.wrapping_mul(T::SIZE);
                T::fault(element(bytes, i, T::SIZE))
                    .map_err(|fault| Fault::at(at.saturating_add(fault.offset), fault.kind))?;
            }
        }
        Ok(())
    }

    #[inline(always)]
    fn is_valid(bytes: &[u8]) -> bool {
        bytes.len() == Self::SIZE
            && (T::ALWAYS_VALID || (0..N).all(|i| T::is_valid(element(bytes, i, T::SIZE))))
    }

    #[inline(always)]
    fn decode(bytes: &[u8]) -> Self::Ref<'_> {
        core::array::from_fn(|i| T::decode(element(bytes, i, T::SIZE)))
    }

    #[inline(always)]
    fn to_owned(value: Self::Ref<'_>) -> Self {
        value.map(T::to_owned)
    }
}

/// The offset of each element of a tuple whose elements take `sizes` bytes.
#[allow(clippy::indexing_slicing)] // a `const fn` loop, bounded by its condition
pub(crate) const fn offsets<const K: usize>(sizes: [usize; K]) -> [usize; K] {
    let mut out = [0; K];
    let mut at = 0usize;
    let mut i = 0;
    while i < K {
        out[i] = at;
        // Saturating: a tuple's `SIZE` refuses to compile past `usize`.
        at = at.saturating_add(sizes[i]);
        i = i.wrapping_add(1);
    }
    out
}

/// The size of a tuple whose elements take `sizes` bytes; one past `usize`
/// fails to compile.
#[allow(clippy::indexing_slicing)] // a `const fn` loop, bounded by its condition
const fn tuple_size<const K: usize>(sizes: [usize; K]) -> usize {
    let mut total = 0usize;
    let mut i = 0;
    while i < K {
        let sum = total.checked_add(sizes[i]);
        assert!(sum.is_some(), "a tuple must fit in memory");
        total = total.saturating_add(sizes[i]);
        i = i.wrapping_add(1);
    }
    total
}

/// Implements [`FixedField`] for tuples of fixed-size types.
macro_rules! tuple_field {
    ($($k:literal: ($($t:ident $i:tt),+);)*) => {$(
        impl<const U: u8, $($t: FixedField<U>),+> FixedField<U> for ($($t,)+) {
            const SIZE: usize = {
                assert!(
                    !($($t::BLOB)||+),
                    "a tuple element must have a fixed size: make a nested fact of the values instead"
                );
                tuple_size([$($t::SIZE),+])
            };
            const TYPE_FP: u64 = {
                let mut h = mix(tag("tuple"), $k);
                $(h = mix(h, $t::TYPE_FP);)+
                h
            };
            const ALWAYS_VALID: bool = $($t::ALWAYS_VALID)&&+;
            const ZERO_IS_VALID: bool = $($t::ZERO_IS_VALID)&&+;
            type Ref<'a> = ($($t::Ref<'a>,)+);

            #[inline(always)]
            fn encode(&self, out: &mut [u8]) -> Result<(), PackErrorKind> {
                let offsets = offsets([$($t::SIZE),+]);
                $(
                    let at = offsets[$i];
                    if let Some(slot) = out.get_mut(at..at.wrapping_add($t::SIZE)) {
                        self.$i.encode(slot)?;
                    }
                )+
                Ok(())
            }

            #[inline]
            fn check(bytes: &[u8]) -> Result<(), ErrorKind> {
                Self::fault(bytes).map_err(|fault| fault.kind)
            }

            #[inline]
            fn fault(bytes: &[u8]) -> Result<(), Fault> {
                let offsets = offsets([$($t::SIZE),+]);
                if bytes.len() != Self::SIZE {
                    return Err(Fault::at(
                        0,
                        ErrorKind::Truncated { needed: Self::SIZE, len: bytes.len() },
                    ));
                }
                $(
                    if !$t::ALWAYS_VALID {
                        let at = offsets[$i];
                        $t::fault(part(bytes, at, $t::SIZE))
                            .map_err(|fault| Fault::at(at.saturating_add(fault.offset), fault.kind))?;
                    }
                )+
                Ok(())
            }

            #[inline(always)]
            fn is_valid(bytes: &[u8]) -> bool {
                let offsets = offsets([$($t::SIZE),+]);
                bytes.len() == Self::SIZE
                    $(&& ($t::ALWAYS_VALID || $t::is_valid(part(bytes, offsets[$i], $t::SIZE))))+
            }

            #[inline(always)]
            fn decode(bytes: &[u8]) -> Self::Ref<'_> {
                let offsets = offsets([$($t::SIZE),+]);
                ($($t::decode(part(bytes, offsets[$i], $t::SIZE)),)+)
            }

            #[inline(always)]
            fn to_owned(value: Self::Ref<'_>) -> Self {
                ($($t::to_owned(value.$i),)+)
            }
        }
    )*};
}

/// The `size` bytes at `at`; empty when they are not all there.
#[inline(always)]
pub(crate) fn part(bytes: &[u8], at: usize, size: usize) -> &[u8] {
    bytes.get(at..at.wrapping_add(size)).unwrap_or(&[])
}

tuple_field! {
    1: (A 0);
    2: (A 0, B 1);
    3: (A 0, B 1, C 2);
    4: (A 0, B 1, C 2, D 3);
    5: (A 0, B 1, C 2, D 3, E 4);
    6: (A 0, B 1, C 2, D 3, E 4, F 5);
}
