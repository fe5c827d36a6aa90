//! Keys being computed by a call of a cache, so that a concurrent call that
//! misses the same keys waits for that computation instead of repeating it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;

use crate::facts::Facts;
use crate::packed::Packed;

/// What a computation hands to the calls waiting on it: each computed fact,
/// by its key's encoding.
pub(super) type Results<T> = Arc<HashMap<Box<[u8]>, Packed<T>>>;

/// One call's computation: waiters subscribe; it publishes once. If it is
/// dropped unpublished (its compute failed, or its future was dropped), the
/// waiters see the channel close and compute the keys themselves.
pub(super) type Flight<T> = Arc<watch::Sender<Option<Results<T>>>>;

/// A key a running call computes: its position in this call, its encoding,
/// and where that call's results arrive.
pub(super) type Wait<T> = (usize, Box<[u8]>, watch::Receiver<Option<Results<T>>>);

/// The keys being computed by some call, by encoding, each with its flight.
pub(super) struct Flights<T: Facts> {
    running: Mutex<HashMap<Box<[u8]>, Flight<T>>>,
}

impl<T: Facts> Default for Flights<T> {
    fn default() -> Self {
        Self {
            running: Mutex::new(HashMap::new()),
        }
    }
}

/// The keys a call computes itself, registered until it is dropped.
pub(super) struct Claim<'a, T: Facts> {
    flights: &'a Flights<T>,
    flight: Flight<T>,
    keys: Vec<Box<[u8]>>,
}

impl<T: Facts> Flights<T> {
    /// Splits the encoded `keys` (with their positions) into those this
    /// call computes, claimed, and those a running call computes, with a
    /// receiver of that call's results.
    pub(super) fn claim<'a>(
        &'a self,
        keys: Vec<(usize, Box<[u8]>)>,
    ) -> (Claim<'a, T>, Vec<usize>, Vec<Wait<T>>) {
        let (sender, _) = watch::channel(None);
        let flight: Flight<T> = Arc::new(sender);
        let mut own = Vec::new();
        let mut own_keys = Vec::new();
        let mut waits = Vec::new();
        {
            let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
            for (position, key) in keys {
                match running.get(&key) {
                    Some(other) => waits.push((position, key, other.subscribe())),
                    None => {
                        running.insert(key.clone(), Arc::clone(&flight));
                        own.push(position);
                        own_keys.push(key);
                    }
                }
            }
        }
        let claim = Claim {
            flights: self,
            flight,
            keys: own_keys,
        };
        (claim, own, waits)
    }
}

impl<T: Facts> Claim<'_, T> {
    /// Hands the computed facts to the calls waiting on this one.
    pub(super) fn publish(&self, results: Results<T>) {
        self.flight.send_replace(Some(results));
    }
}

impl<T: Facts> Drop for Claim<'_, T> {
    fn drop(&mut self) {
        let mut running = self
            .flights
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for key in &self.keys {
            if running
                .get(key)
                .is_some_and(|f| Arc::ptr_eq(f, &self.flight))
            {
                running.remove(key);
            }
        }
    }
}
