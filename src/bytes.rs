//! Little-endian reads and writes at byte offsets that never panic.
//!
//! Every read of the format goes through these helpers: an offset past the end
//! reads as zero instead of panicking. Validation guarantees that does not
//! happen on a validated blob; on any other input it keeps the accessors total.

/// Reads `N` bytes at `at`, or zeros if they are not all there.
#[inline(always)]
pub(crate) fn array<const N: usize>(blob: &[u8], at: usize) -> [u8; N] {
    match blob.get(at..at.wrapping_add(N)) {
        Some(bytes) => <[u8; N]>::try_from(bytes).unwrap_or([0; N]),
        None => [0; N],
    }
}

/// Reads the little-endian `u32` at `at`, as a `usize`.
#[inline(always)]
pub(crate) fn u32_at(blob: &[u8], at: usize) -> usize {
    u32::from_le_bytes(array(blob, at)) as usize
}

/// Reads the little-endian `u16` at `at`, as a `usize`.
#[inline(always)]
pub(crate) fn u16_at(blob: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes(array(blob, at)))
}

/// Whether bit `mask` of byte `byte` is set.
#[inline(always)]
pub(crate) fn bit(blob: &[u8], byte: usize, mask: u8) -> bool {
    blob.get(byte).is_some_and(|b| b & mask != 0)
}

/// Copies `bytes` over `out[at..]`. Callers write only into slots that the
/// layout has already reserved, so the range is always there; a range that is
/// not is left untouched rather than panicking.
#[inline(always)]
pub(crate) fn put(out: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(dst) = out.get_mut(at..at.wrapping_add(bytes.len())) {
        dst.copy_from_slice(bytes);
    }
}

/// Sets bit `mask` of byte `byte`.
#[inline(always)]
pub(crate) fn set_bit(out: &mut [u8], byte: usize, mask: u8) {
    if let Some(b) = out.get_mut(byte) {
        *b |= mask;
    }
}

/// Whether every byte is zero. Slots of 2, 4 and 8 bytes (the length is a
/// constant after inlining) are compared as one integer; LLVM's vectorizer
/// would otherwise turn a byte-wise reduction of 8 bytes into a dozen shifts.
#[inline(always)]
pub(crate) fn is_zero(bytes: &[u8]) -> bool {
    match bytes.len() {
        8 => u64::from_le_bytes(array(bytes, 0)) == 0,
        4 => u32::from_le_bytes(array(bytes, 0)) == 0,
        2 => u16::from_le_bytes(array(bytes, 0)) == 0,
        // An OR-reduction: branch-free, so long slots vectorize.
        _ => bytes.iter().fold(0, |acc, b| acc | b) == 0,
    }
}
