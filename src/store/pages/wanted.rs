//! The keys a paged read by key asks for, grouped by their prefix.
//!
//! A page holds the facts of one prefix, each with the rest of its key (the
//! *suffix*) encoded. So the keys are kept as one small set of suffixes per
//! prefix: a page looks its prefix up once, and each of its facts probes a
//! set of that prefix's keys only. A set of a few thousand suffixes stays in
//! the processor's cache, where one set of every key asked for (each probe a
//! few cache misses) cost more than reading the pages.

use super::super::encoded::Encoded;
use super::super::error::StoreError;
use super::super::key::Key;
use super::super::mirror::Cell;
use super::super::spec::{Spec, Where};
use super::{prefix_in, Layout};

/// The distinct keys of a read, by prefix.
#[derive(Debug)]
pub(crate) struct Wanted {
    /// Each distinct prefix's encoding, at its position.
    prefixes: Encoded,
    /// Each prefix's cells, for the pages' `WHERE`.
    cells: Vec<Vec<Cell>>,
    /// Each prefix's suffixes.
    suffixes: Vec<Encoded>,
    /// Distinct keys in all.
    len: usize,
}

impl Wanted {
    /// Groups `keys` by prefix, dropping repeats; each prefix's cells are
    /// checked against their columns' types.
    ///
    /// # Errors
    /// A key value that its column cannot hold ([`StoreError::Config`]).
    pub(crate) fn new<K: Key>(
        spec: &Spec,
        layout: &Layout,
        keys: &[K],
    ) -> Result<Self, StoreError> {
        let mut wanted = Self {
            prefixes: Encoded::with_capacity(0),
            cells: Vec::new(),
            suffixes: Vec::new(),
            len: 0,
        };
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
                    let cells = values
                        .iter()
                        .zip(&spec.keys)
                        .take(layout.prefix)
                        .map(|(v, c)| spec.cell(&c.name, c.sql, v))
                        .collect::<Result<Vec<_>, _>>()?;
                    wanted.prefixes.insert(prefix);
                    wanted.cells.push(cells);
                    wanted.suffixes.push(Encoded::with_capacity(0));
                    wanted.prefixes.len().saturating_sub(1)
                }
            };
            last = Some(at);
            if wanted
                .suffixes
                .get_mut(at)
                .is_some_and(|s| s.insert(suffix))
            {
                wanted.len = wanted.len.saturating_add(1);
            }
        }
        Ok(wanted)
    }

    /// Distinct keys asked for.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The suffixes asked for under the prefix encoded as `prefix`; `None`
    /// when no key has that prefix.
    pub(crate) fn suffixes(&self, prefix: &[u8]) -> Option<&Encoded> {
        self.suffixes.get(self.prefixes.position(prefix)?)
    }

    /// The visible pages that can hold the keys: those of their prefixes.
    ///
    /// # Errors
    /// A prefix list the backend cannot bind.
    pub(crate) fn pages(&self, spec: &Spec, layout: &Layout) -> Result<Where, StoreError> {
        let mut w = Where::visible(spec);
        if layout.prefix > 0 {
            prefix_in(spec, layout, &mut w, self.cells.iter().map(Vec::as_slice))?;
        }
        Ok(w)
    }
}
