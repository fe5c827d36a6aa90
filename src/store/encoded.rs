//! A set of encoded keys in one buffer: each key's bytes back to back, and
//! a hash index from a key's bytes to its position, so that building the
//! set allocates nothing per key and a lookup hashes and compares once.

use core::hash::Hasher as _;

use rustc_hash::{FxHashMap, FxHasher};

/// Where a chain of positions sharing one hash ends.
const END: u32 = u32::MAX;

/// Distinct byte strings, each at the position it was first inserted at.
#[derive(Debug, Default)]
pub(crate) struct Encoded {
    bytes: Vec<u8>,
    /// Where each string ends in `bytes`.
    ends: Vec<usize>,
    /// A hash to the last position inserted with it.
    heads: FxHashMap<u64, u32>,
    /// Each position's previous position of the same hash, or [`END`].
    chain: Vec<u32>,
}

fn hash(bytes: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(bytes);
    h.finish()
}

impl Encoded {
    /// Room for `n` strings.
    pub(crate) fn with_capacity(n: usize) -> Self {
        Self {
            bytes: Vec::with_capacity(n.saturating_mul(32)),
            ends: Vec::with_capacity(n),
            heads: FxHashMap::with_capacity_and_hasher(n, Default::default()),
            chain: Vec::with_capacity(n),
        }
    }

    /// Strings held.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// String `i`.
    pub(crate) fn get(&self, i: usize) -> Option<&[u8]> {
        let start = match i.checked_sub(1) {
            Some(before) => *self.ends.get(before)?,
            None => 0,
        };
        self.bytes.get(start..*self.ends.get(i)?)
    }

    /// The position of `bytes`, if held.
    pub(crate) fn position(&self, bytes: &[u8]) -> Option<usize> {
        let mut at = *self.heads.get(&hash(bytes))?;
        while at != END {
            let i = usize::try_from(at).ok()?;
            if self.get(i) == Some(bytes) {
                return Some(i);
            }
            at = *self.chain.get(i)?;
        }
        None
    }

    /// Adds `bytes` unless held; whether it was added (at position
    /// [`len`](Self::len) before the call). Holds at most `u32::MAX - 1`
    /// strings; past that nothing is added.
    pub(crate) fn insert(&mut self, bytes: &[u8]) -> bool {
        let before = self.len();
        self.place(bytes) == Some(before)
    }

    /// The position of `bytes`, added first unless held; `None` when the
    /// set is full (`u32::MAX - 1` strings) and does not hold it.
    pub(crate) fn place(&mut self, bytes: &[u8]) -> Option<usize> {
        let h = hash(bytes);
        let mut at = self.heads.get(&h).copied().unwrap_or(END);
        let head = at;
        while at != END {
            let i = usize::try_from(at).ok()?;
            if self.get(i) == Some(bytes) {
                return Some(i);
            }
            at = self.chain.get(i).copied().unwrap_or(END);
        }
        let next = u32::try_from(self.ends.len()).ok().filter(|&n| n != END)?;
        self.bytes.extend_from_slice(bytes);
        self.ends.push(self.bytes.len());
        self.chain.push(head);
        self.heads.insert(h, next);
        Some(self.ends.len().saturating_sub(1))
    }

    /// Every string, in insertion order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_keep_their_first_position() {
        let mut set = Encoded::with_capacity(4);
        assert!(set.insert(b"a"));
        assert!(set.insert(b""));
        assert!(set.insert(b"abc"));
        assert!(!set.insert(b"a"));
        assert_eq!(set.place(b"abc"), Some(2));
        assert_eq!(set.place(b"d"), Some(3));
        assert_eq!(set.len(), 4);
        assert_eq!(set.position(b"a"), Some(0));
        assert_eq!(set.position(b""), Some(1));
        assert_eq!(set.position(b"abc"), Some(2));
        assert_eq!(set.position(b"ab"), None);
        let all: Vec<&[u8]> = set.iter().collect();
        assert_eq!(all, [&b"a"[..], b"", b"abc", b"d"]);
    }

    #[test]
    fn many_strings_are_all_found() {
        let mut set = Encoded::with_capacity(0);
        for i in 0..20_000_u32 {
            assert!(set.insert(&i.to_le_bytes()));
        }
        for i in 0..20_000_u32 {
            assert_eq!(set.position(&i.to_le_bytes()), Some(i as usize));
        }
        assert_eq!(set.position(&20_000_u32.to_le_bytes()), None);
    }
}
