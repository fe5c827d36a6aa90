//! The keys a paged read by key asks for, grouped by their prefix.
//!
//! A page holds the facts of one prefix, each with the rest of its key (the
//! *suffix*) encoded. So the keys are kept as one small set of suffixes per
//! prefix: a page looks its prefix up once, and each of its facts probes a
//! set of that prefix's keys only. A set of a few thousand suffixes stays in
//! the processor's cache, where one set of every key asked for (each probe a
//! few cache misses) cost more than reading the pages. A suffix of at most
//! eight bytes whatever its values (one integer, time or float column, or a
//! few bools) is kept as a word in a set of words, which a probe reads
//! without following an offset into a buffer of bytes.

use rustc_hash::FxHashSet;

use super::super::encoded::Encoded;
use super::super::error::StoreError;
use super::super::key::Key;
use super::super::spec::Spec;
use super::super::value::SqlType;
use super::codec;
use super::shape::Layout;

/// Bytes in a [`Suffixes::Words`] word.
const WORD: usize = 8;

/// The suffixes asked for under one prefix.
#[derive(Debug)]
pub(crate) enum Suffixes {
    /// Suffixes of one fixed width of at most [`WORD`] bytes, each as the
    /// little-endian word of its bytes (zero-padded).
    Words {
        /// The suffixes' width.
        width: usize,
        /// The words.
        set: FxHashSet<u64>,
    },
    /// Suffixes of any width.
    Bytes(Encoded),
}

impl Suffixes {
    /// An empty set for suffixes of `width` bytes (`None`: of varying width).
    fn new(width: Option<usize>) -> Self {
        match width {
            Some(width) if width <= WORD => Self::Words {
                width,
                set: FxHashSet::default(),
            },
            _ => Self::Bytes(Encoded::with_capacity(0)),
        }
    }

    /// `bytes` as a word, when it has the words' width.
    fn word(width: usize, bytes: &[u8]) -> Option<u64> {
        (bytes.len() == width).then(|| u64::from_le_bytes(codec::word(bytes)))
    }

    /// Adds `suffix`; whether it was new.
    fn insert(&mut self, suffix: &[u8]) -> bool {
        match self {
            Self::Words { width, set } => {
                Self::word(*width, suffix).is_some_and(|word| set.insert(word))
            }
            Self::Bytes(set) => set.insert(suffix),
        }
    }

    /// Whether `suffix` was asked for.
    pub(crate) fn contains(&self, suffix: &[u8]) -> bool {
        match self {
            Self::Words { width, set } => {
                Self::word(*width, suffix).is_some_and(|word| set.contains(&word))
            }
            Self::Bytes(set) => set.position(suffix).is_some(),
        }
    }
}

/// The width of every encoded suffix of `types`, when it is fixed: a byte
/// for a bool, eight for every other type but text.
fn fixed_width(types: impl IntoIterator<Item = SqlType>) -> Option<usize> {
    types.into_iter().try_fold(0_usize, |width, sql| match sql {
        SqlType::Text => None,
        SqlType::Bool => Some(width.saturating_add(1)),
        _ => Some(width.saturating_add(8)),
    })
}

/// The distinct keys of a read, by prefix.
#[derive(Debug)]
pub(crate) struct Wanted {
    /// Each distinct prefix's encoding, at its position.
    prefixes: Encoded,
    /// Each prefix's suffixes.
    suffixes: Vec<Suffixes>,
    /// Distinct keys in all.
    len: usize,
}

impl Wanted {
    /// Groups `keys` by prefix, dropping repeats; each prefix's values are
    /// checked against their columns' types.
    ///
    /// # Errors
    /// A key value that its column cannot hold ([`StoreError::WrongType`]).
    pub(crate) fn new<K: Key>(
        spec: &Spec,
        layout: &Layout,
        keys: &[K],
    ) -> Result<Self, StoreError> {
        let mut wanted = Self {
            prefixes: Encoded::with_capacity(0),
            suffixes: Vec::new(),
            len: 0,
        };
        let (prefix_columns, suffix_columns) = layout.split(spec);
        let width = fixed_width(suffix_columns.iter().map(|c| c.sql));
        let mut buf = Vec::with_capacity(64);
        let mut values = Vec::with_capacity(spec.keys.len());
        // Keys often come grouped by prefix: the last one's position is
        // tried first.
        let mut last: Option<usize> = None;
        for key in keys {
            buf.clear();
            let split = key.put_encoded(layout.prefix, &mut buf);
            let (prefix, suffix) = buf.split_at(split.min(buf.len()));
            let same = last.filter(|&at| wanted.prefixes.get(at) == Some(prefix));
            let at = match same.or_else(|| wanted.prefixes.position(prefix)) {
                Some(at) => at,
                None => {
                    values.clear();
                    key.push_values(&mut values);
                    for (v, c) in values.iter().zip(prefix_columns) {
                        spec.cell(&c.name, c.sql, v)?;
                    }
                    // A set holds 4 billion prefixes; keys past that are
                    // not asked for, as past a key set's own bound.
                    let Some(at) = wanted.prefixes.place(prefix) else {
                        continue;
                    };
                    wanted.suffixes.push(Suffixes::new(width));
                    at
                }
            };
            last = Some(at);
            let new = wanted
                .suffixes
                .get_mut(at)
                .is_some_and(|s| s.insert(suffix));
            wanted.len = wanted.len.saturating_add(usize::from(new));
        }
        Ok(wanted)
    }

    /// Distinct keys asked for.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The suffixes asked for under the prefix encoded as `prefix`; `None`
    /// when no key has that prefix.
    pub(crate) fn suffixes(&self, prefix: &[u8]) -> Option<&Suffixes> {
        self.suffixes.get(self.prefixes.position(prefix)?)
    }

    /// Each distinct prefix, encoded.
    pub(crate) fn prefixes(&self) -> impl Iterator<Item = &[u8]> {
        self.prefixes.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_suffixes_are_words_and_others_bytes() {
        assert_eq!(fixed_width([SqlType::I64]), Some(8));
        assert_eq!(fixed_width([SqlType::Bool, SqlType::Bool]), Some(2));
        assert_eq!(fixed_width([SqlType::I64, SqlType::Text]), None);
        assert!(matches!(Suffixes::new(Some(8)), Suffixes::Words { .. }));
        assert!(matches!(Suffixes::new(Some(16)), Suffixes::Bytes(_)));
        assert!(matches!(Suffixes::new(None), Suffixes::Bytes(_)));
    }

    #[test]
    fn both_sets_answer_alike() {
        for width in [Some(2), None] {
            let mut set = Suffixes::new(width);
            assert!(set.insert(b"ab"));
            assert!(!set.insert(b"ab"));
            assert!(set.insert(b"\0\0"));
            assert!(set.contains(b"ab"));
            assert!(set.contains(b"\0\0"));
            assert!(!set.contains(b"ba"));
            // A suffix of another width is never asked for (a padded word
            // must not match a shorter suffix).
            assert!(!set.contains(b"\0"));
            assert!(!set.contains(b"ab\0"));
        }
    }
}
