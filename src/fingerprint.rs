//! The schema fingerprint: a compile-time hash of a fact type's layout.
//!
//! It folds, field by field in order, the field's name, its encoding (type and
//! unit), whether it is nullable and the version that added it. Reordering,
//! renaming, retyping or removing a field changes it; so does a change of a
//! nested fact's layout. The store keys rows by it, so a row written under
//! another layout is a miss, never a misread.
//!
//! The hash is FNV-1a (64-bit) over the little-endian bytes of every input: it
//! runs in `const` contexts and is stable across platforms and compiler
//! versions. It is a change detector, not a cryptographic digest.

// Hashing is wrapping arithmetic by design, and `const fn` loops need plain
// indexing bounded by the loop condition.
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// Revision of the byte format itself, folded into every fingerprint so that a
/// future incompatible revision of factpack makes every stored row a miss.
pub const FORMAT_REVISION: u64 = 1;

/// Folds `bytes` into the running hash `h`.
const fn fold(mut h: u64, bytes: &[u8]) -> u64 {
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(PRIME);
        i += 1;
    }
    h
}

/// The fingerprint of a type tag such as `"i64"` or `"timestamp[us]"`.
pub const fn tag(name: &str) -> u64 {
    fold(fold(OFFSET_BASIS, b"factpack"), name.as_bytes())
}

/// Folds the number `value` into the hash `h`.
pub const fn mix(h: u64, value: u64) -> u64 {
    fold(h, &value.to_le_bytes())
}

/// The fingerprint of a fact type before any field is folded in.
pub const fn start() -> u64 {
    mix(tag("fact"), FORMAT_REVISION)
}

/// Folds one field into a fact type's fingerprint.
pub const fn field(h: u64, name: &str, type_fp: u64, nullable: bool, since: u8) -> u64 {
    let h = fold(mix(h, name.len() as u64), name.as_bytes());
    let h = mix(h, type_fp);
    mix(h, (nullable as u64) << 8 | since as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_sees_order_names_and_types() {
        let a = field(
            field(start(), "a", tag("i64"), false, 1),
            "b",
            tag("i64"),
            false,
            1,
        );
        let b = field(
            field(start(), "b", tag("i64"), false, 1),
            "a",
            tag("i64"),
            false,
            1,
        );
        let c = field(
            field(start(), "a", tag("i64"), false, 1),
            "b",
            tag("u64"),
            false,
            1,
        );
        let d = field(
            field(start(), "a", tag("i64"), false, 1),
            "b",
            tag("i64"),
            true,
            1,
        );
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        // The name's length is folded in, so names cannot trade bytes.
        assert_ne!(
            field(
                field(start(), "ab", tag("i64"), false, 1),
                "c",
                tag("i64"),
                false,
                1
            ),
            field(
                field(start(), "a", tag("i64"), false, 1),
                "bc",
                tag("i64"),
                false,
                1
            )
        );
    }

    #[test]
    fn fnv1a_matches_the_reference_vector() {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c.
        assert_eq!(fold(OFFSET_BASIS, b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
