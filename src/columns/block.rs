//! [`HeaderByte`]: one byte of every header of a block, gathered once for
//! all the columns that read bits of it.
//!
//! The validity bitmaps of a fact type's nullable fields come from its null
//! bitmap, eight fields to a byte: gathering that byte of the block's headers
//! once, then packing each field's bit eight rows at a time, replaces a load
//! per field and row.

use super::buffers::Bitmap;
use super::BLOCK;

/// One byte of each header of the block being appended, the one at
/// `offset`, kept while the next column reads the same byte.
///
/// A value serves one block: `push_block` makes a new one for each, and
/// every call on it must pass that block's headers (it gathers again only
/// when the offset or the number of headers changes).
#[derive(Debug, Clone)]
#[doc(hidden)]
pub struct HeaderByte {
    /// Where the gathered byte sits in each header; `None` before any.
    gathered: Option<usize>,
    /// How many headers were gathered.
    len: usize,
    bytes: [u8; BLOCK],
}

impl Default for HeaderByte {
    fn default() -> Self {
        Self {
            gathered: None,
            len: 0,
            bytes: [0; BLOCK],
        }
    }
}

impl HeaderByte {
    /// Appends to `bitmap`, for each header of `heads` (the block's, at most
    /// [`BLOCK`]), whether the byte at `offset` has bit `mask` set. An
    /// offset past the header reads as zero.
    #[inline(always)]
    pub fn extend_bitmap<const N: usize>(
        &mut self,
        bitmap: &mut Bitmap,
        heads: &[&[u8; N]],
        offset: usize,
        mask: u8,
    ) {
        if self.gathered != Some(offset) || self.len != heads.len().min(BLOCK) {
            for (byte, head) in self.bytes.iter_mut().zip(heads) {
                *byte = head.get(offset).copied().unwrap_or(0);
            }
            self.gathered = Some(offset);
            self.len = heads.len().min(BLOCK);
        }
        bitmap.extend_bit_of(self.bytes.get(..self.len).unwrap_or_default(), mask);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gathers_once_per_offset_and_block() {
        let a = [0b01u8, 0b10, 7];
        let b = [0b11u8, 0b00, 7];
        let heads: Vec<&[u8; 3]> = vec![&a, &b, &a];
        let mut byte = HeaderByte::default();
        let mut low = Bitmap::new();
        let mut high = Bitmap::new();
        byte.extend_bitmap(&mut low, &heads, 0, 0b01);
        byte.extend_bitmap(&mut high, &heads, 0, 0b10);
        assert_eq!(low.iter().collect::<Vec<_>>(), [true, true, true]);
        assert_eq!(high.iter().collect::<Vec<_>>(), [false, true, false]);
        // Another byte, then a shorter block at the first byte again.
        let mut second = Bitmap::new();
        byte.extend_bitmap(&mut second, &heads, 1, 0b10);
        assert_eq!(second.iter().collect::<Vec<_>>(), [true, false, true]);
        let mut short = Bitmap::new();
        byte.extend_bitmap(&mut short, &heads[1..], 0, 0b10);
        assert_eq!(short.iter().collect::<Vec<_>>(), [true, false]);
        // Past the header: zero.
        let mut past = Bitmap::new();
        byte.extend_bitmap(&mut past, &heads, 3, 0xff);
        assert_eq!(past.iter().collect::<Vec<_>>(), [false, false, false]);
    }
}
