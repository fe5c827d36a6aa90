//! The precomputed-facts cache: get the facts of many keys, compute only
//! those missing or stale, keep what may be kept, answer in columns.
//!
//! The type and its rules are documented on [`Cache`].

use core::fmt;
use core::future::Future;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tracing::Instrument as _;

use crate::columns::{ColumnSource, Columns};
use crate::facts::Facts;
use crate::packed::Packed;

use super::batch::Batch;
use super::error::StoreError;
use super::fact_store::FactStore;
use super::key::Key;
use super::keyed::Keyed;
use super::lookup::KeySet;
use super::read;
use super::stats::Counter;
use super::{layout, rows};

/// The state of the raw data a fact was computed from: microseconds since
/// 1970-01-01 UTC, usually the time its source last changed. Stored in the
/// row's `source_stamp` column; [`Stamp::FINAL`] marks a final fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp(i64);

impl Stamp {
    /// Newer than every stamp: a fact stored with it is a hit for any request.
    pub const FINAL: Self = Self(i64::MAX);

    /// A stamp of `micros` microseconds since 1970-01-01 UTC.
    pub const fn from_micros(micros: i64) -> Self {
        Self(micros)
    }

    /// Microseconds since 1970-01-01 UTC.
    pub const fn micros(self) -> i64 {
        self.0
    }
}

impl From<DateTime<Utc>> for Stamp {
    fn from(at: DateTime<Utc>) -> Self {
        Self(at.timestamp_micros())
    }
}

/// What the cache does with a computed fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Keep {
    /// Stored for good: a hit for any later request, whatever its stamp.
    Final,
    /// Stored with the stamp it was asked for (none if none was): a hit for
    /// requests of that stamp or older.
    Provisional,
    /// Answered, not stored.
    Unstored,
}

/// A fact the compute function returns, for one key it was asked for.
#[derive(Debug, Clone)]
pub struct Computed<K, T: Facts> {
    key: K,
    fact: Packed<T>,
    keep: Keep,
}

impl<K, T: Facts> Computed<K, T> {
    /// A fact that will not change: stored for good ([`Keep::Final`]).
    pub fn done(key: K, fact: Packed<T>) -> Self {
        let keep = Keep::Final;
        Self { key, fact, keep }
    }

    /// A fact that may change when its source does ([`Keep::Provisional`]).
    pub fn provisional(key: K, fact: Packed<T>) -> Self {
        let keep = Keep::Provisional;
        Self { key, fact, keep }
    }

    /// A fact to answer with, not to store ([`Keep::Unstored`]).
    pub fn unstored(key: K, fact: Packed<T>) -> Self {
        let keep = Keep::Unstored;
        Self { key, fact, keep }
    }

    /// The key, the fact and what to do with it.
    pub fn into_parts(self) -> (K, Packed<T>, Keep) {
        (self.key, self.fact, self.keep)
    }
}

/// Why a cache call failed. Nothing of a failed call is written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError<E> {
    /// The compute function failed; its error, unchanged.
    #[error("computing facts failed: {0}")]
    Compute(#[source] E),
    /// Reading the cache failed, or (with [`Cache::strict`]) a cached fact
    /// was corrupt.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The compute function returned a fact for a key it was not asked for
    /// (or one key twice).
    #[error("table `{table}`: the compute function returned a fact for key {key}, which it was not asked for or returned twice")]
    Unasked {
        /// The table.
        table: String,
        /// The key, as `Debug` prints it.
        key: String,
    },
    /// The compute function returned no fact for some keys it was asked for.
    #[error("table `{table}`: the compute function returned no fact for {count} keys it was asked for, the first {first}")]
    Missing {
        /// The table.
        table: String,
        /// How many keys have no fact.
        count: usize,
        /// The first of them, as `Debug` prints it.
        first: String,
    },
}

/// What one cache call did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct CacheReport {
    /// Distinct keys asked for.
    pub asked: usize,
    /// Answered from the table.
    pub hits: usize,
    /// Found nothing stored.
    pub missing: usize,
    /// Found only an older fact.
    pub stale: usize,
    /// Found a fact whose bytes were corrupt.
    pub corrupt: usize,
    /// Computed by this call.
    pub computed: usize,
    /// Taken from a concurrent call that was computing them.
    pub shared: usize,
    /// Rows written back.
    pub written: u64,
    /// Bytes of packed facts written back.
    pub bytes_written: u64,
    /// Why the write-back failed, if it did: the answer is still complete,
    /// and the facts are computed again next time.
    pub write_error: Option<StoreError>,
}

/// The answer to a cache call: every requested key's fact, in the order the
/// keys were first given, with the keys beside them, and what the call did.
#[derive(Debug)]
pub struct CacheAnswer<K: Key, T: Facts> {
    /// The facts, with their keys, one row per distinct key asked for.
    pub columns: Keyed<K, T::Columns>,
    /// What the call did.
    pub report: CacheReport,
}

/// A cache of computed facts over a [`FactStore`] of one fact per row.
/// Cheap to clone; clones share the in-flight computations, so concurrent
/// calls that miss the same keys compute each once.
///
/// A request names the keys it needs, each with an optional *source stamp*:
/// the state of the raw data its fact derives from (the time its pull
/// request was last updated, say). A stored fact is a **hit** when its
/// version and fingerprint are the reader's (as for every read) and its
/// stored stamp is at least the one asked for; a request without a stamp
/// takes any stored fact. Every other key is a **miss** (nothing stored),
/// **stale** (stored with an older stamp, or none) or **corrupt** (its bytes
/// fail validation). Those go to the application's compute function, all in
/// one call, and what it returns is written back according to each fact's
/// [`Keep`]:
///
/// - [`Keep::Final`]: stored for good, a hit for any later stamp (a pull
///   request that is done);
/// - [`Keep::Provisional`]: stored with the stamp it was asked for, so the
///   next request with the same stamp hits and a newer stamp recomputes;
/// - [`Keep::Unstored`]: answered, not stored.
///
/// The answer holds every requested key once, **in the order first given**,
/// hits and computed facts alike, as columns with the keys beside them.
///
/// The cache keeps one fact per row: a paged store rewrites every page of
/// a key prefix it touches, so writing back a few recomputed facts would
/// rewrite all their neighbours; [`FactStore::cache`] refuses a paged store.
///
/// ```
/// use factpack::store::{Computed, Db, FactStore, Stamp};
/// use factpack::Facts;
///
/// #[derive(Facts, Debug, Clone, PartialEq)]
/// pub struct Size {
///     pub lines: u32,
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let db = Db::connect("sqlite::memory:").await?;
/// let store = FactStore::<Size, i64>::builder(&db, "sizes").open().await?;
/// let cache = store.cache()?;
/// let request = [(1, Some(Stamp::from_micros(10))), (2, None)];
/// let compute = |keys: Vec<i64>| async move {
///     Ok::<_, std::io::Error>(
///         keys.into_iter()
///             .map(|k| Computed::provisional(k, Size { lines: k as u32 * 100 }.pack()))
///             .collect(),
///     )
/// };
/// let cold = cache.get_or_compute(&request, compute).await?;
/// assert_eq!(cold.report.computed, 2);
/// assert_eq!(cold.columns.keys.0, [1, 2]);            // the order asked for
/// assert_eq!(cold.columns.facts.lines, [100, 200]);
/// let warm = cache.get_or_compute(&request, compute).await?;
/// assert_eq!(warm.report.hits, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub struct Cache<T: Facts, K: Key> {
    store: FactStore<T, K>,
    flights: Arc<Flights<T>>,
    strict: bool,
}

impl<T: Facts, K: Key> Clone for Cache<T, K> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            flights: Arc::clone(&self.flights),
            strict: self.strict,
        }
    }
}

impl<T: Facts, K: Key> fmt::Debug for Cache<T, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache")
            .field("store", &self.store)
            .field("strict", &self.strict)
            .finish_non_exhaustive()
    }
}

/// Where a requested key stands once the table has been read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    Missing,
    Stale,
    Corrupt,
    /// A hit: bytes `start..end` of the call's arena.
    Hit(usize, usize),
}

/// Where one call's computed facts arrive, by their keys' encodings, for
/// the concurrent calls that miss the same keys and wait instead of
/// computing them again. It publishes once; if it is dropped unpublished
/// (its compute failed, or its future was dropped), the waiters see the
/// channel close and compute the keys themselves.
type Flight<T> = watch::Sender<Option<Results<T>>>;

/// A call's computed facts, by their keys' encodings.
type Results<T> = Arc<HashMap<Box<[u8]>, Packed<T>>>;

/// The keys being computed by some call of a cache or its clones, by
/// encoding, each with its flight.
type Flights<T> = Mutex<HashMap<Box<[u8]>, Arc<Flight<T>>>>;

/// The keys a call computes itself, registered in the flights until it is
/// dropped.
struct Claim<'a, T: Facts> {
    flights: &'a Flights<T>,
    flight: Arc<Flight<T>>,
    keys: Vec<Box<[u8]>>,
}

/// A key a running call computes: its position in this call, and where
/// that call's results arrive.
type Wait<T> = (usize, watch::Receiver<Option<Results<T>>>);

impl<'a, T: Facts> Claim<'a, T> {
    /// Claims the keys of `set` at `positions` that no running call
    /// computes; returns the claim, the positions it claimed, and the other
    /// positions, each with a receiver of the running call's results.
    fn new<K: Key>(
        flights: &'a Flights<T>,
        set: &KeySet<'_, K>,
        positions: Vec<usize>,
    ) -> (Self, Vec<usize>, Vec<Wait<T>>) {
        let mut claim = Claim {
            flights,
            flight: Arc::new(watch::channel(None).0),
            keys: Vec::new(),
        };
        let (mut own, mut waits) = (Vec::new(), Vec::new());
        let mut running = flights.lock().unwrap_or_else(PoisonError::into_inner);
        for position in positions {
            let key = set.encoded.get(position).unwrap_or_default();
            match running.get(key) {
                Some(other) => waits.push((position, other.subscribe())),
                None => {
                    running.insert(key.into(), Arc::clone(&claim.flight));
                    claim.keys.push(key.into());
                    own.push(position);
                }
            }
        }
        drop(running);
        (claim, own, waits)
    }
}

impl<T: Facts> Drop for Claim<'_, T> {
    fn drop(&mut self) {
        let mut running = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
        for key in &self.keys {
            running.remove(key);
        }
    }
}

impl<T: Facts, K: Key> FactStore<T, K> {
    /// A cache of computed facts over this store: see [`Cache`].
    ///
    /// # Errors
    /// [`StoreError::Config`] for a paged store: the cache keeps one fact
    /// per row (see [`Cache`] for why).
    pub fn cache(&self) -> Result<Cache<T, K>, StoreError> {
        if !layout::one_fact_per_row(&self.spec) {
            return Err(StoreError::config(
                self.table(),
                "the cache keeps one fact per row: a paged store rewrites every page of a key prefix it writes to",
            ));
        }
        Ok(Cache {
            store: self.clone(),
            flights: Arc::default(),
            strict: false,
        })
    }
}

impl<T: Facts, K: Key> Cache<T, K> {
    /// With `strict`, a corrupt cached fact fails the call with
    /// [`StoreError::Corrupt`] instead of being recomputed (default: off).
    #[must_use]
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// The store underneath.
    pub fn store(&self) -> &FactStore<T, K> {
        &self.store
    }

    /// The facts of `requests` (each key with the source stamp its fact must
    /// reflect, or `None` for any stored fact), from the table where they are
    /// fresh and from `compute` where they are not.
    ///
    /// The table is read once, in bulk. `compute` is called once with every
    /// key to compute (missing, stale or corrupt, and not being computed by a
    /// concurrent call of this cache or its clones), and must return exactly
    /// one [`Computed`] fact per key it is given, in any order. It is called
    /// a second time only for keys a concurrent call set out to compute and
    /// then did not (its compute failed, or its future was dropped). The
    /// facts to keep are written back in one transaction; a row is replaced
    /// only by a fact of the same or a newer stamp, so concurrent writers
    /// never put an older fact over a newer one.
    ///
    /// A write-back that fails loses the write, not the answer: the call
    /// still returns every fact, with the error in
    /// [`CacheReport::write_error`] (and a `tracing` warning); the facts are
    /// computed again next time. Dropping the future writes nothing it had
    /// not committed.
    ///
    /// The answer has one row per distinct key, in the order keys were first
    /// given (a key given twice is asked for with the newer of its stamps).
    ///
    /// # Errors
    /// [`CacheError::Compute`] with `compute`'s error; [`CacheError::Unasked`]
    /// or [`CacheError::Missing`] when it returns facts for other keys than
    /// it was given (nothing of the call is written then);
    /// [`CacheError::Store`] when reading the table fails.
    pub async fn get_or_compute<F, Fut, E>(
        &self,
        requests: &[(K, Option<Stamp>)],
        mut compute: F,
    ) -> Result<CacheAnswer<K, T>, CacheError<E>>
    where
        F: FnMut(Vec<K>) -> Fut,
        Fut: Future<Output = Result<Vec<Computed<K, T>>, E>>,
    {
        let started = Instant::now();
        let span = tracing::info_span!(
            "factpack.cache",
            table = %self.store.table(),
            layout = layout::name(self.store.spec()),
            asked = tracing::field::Empty,
            hits = tracing::field::Empty,
            missing = tracing::field::Empty,
            stale = tracing::field::Empty,
            corrupt = tracing::field::Empty,
            computed = tracing::field::Empty,
            shared = tracing::field::Empty,
            written = tracing::field::Empty,
            bytes_written = tracing::field::Empty,
            micros = tracing::field::Empty,
        );
        let answer = self
            .run(requests, &mut compute)
            .instrument(span.clone())
            .await?;
        let r = &answer.report;
        span.record("asked", r.asked);
        span.record("hits", r.hits);
        span.record("missing", r.missing);
        span.record("stale", r.stale);
        span.record("corrupt", r.corrupt);
        span.record("computed", r.computed);
        span.record("shared", r.shared);
        span.record("written", r.written);
        span.record("bytes_written", r.bytes_written);
        span.record(
            "micros",
            u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        );
        Ok(answer)
    }

    async fn run<F, Fut, E>(
        &self,
        requests: &[(K, Option<Stamp>)],
        compute: &mut F,
    ) -> Result<CacheAnswer<K, T>, CacheError<E>>
    where
        F: FnMut(Vec<K>) -> Fut,
        Fut: Future<Output = Result<Vec<Computed<K, T>>, E>>,
    {
        let (set, positions) = KeySet::indexed(requests.iter().map(|(k, _)| k));
        let mut stamps: Vec<Option<i64>> = vec![None; set.len()];
        for ((_, stamp), position) in requests.iter().zip(positions) {
            if let Some(slot) = position.and_then(|p| stamps.get_mut(p)) {
                *slot = (*slot).max(stamp.map(Stamp::micros));
            }
        }
        let mut report = CacheReport {
            asked: set.len(),
            ..CacheReport::default()
        };
        let mut arena: Vec<u8> = Vec::new();
        let found = self.read(&set, &stamps, &mut arena).await?;

        let mut computed: HashMap<usize, Packed<T>> = HashMap::new();
        let mut todo: Vec<usize> = Vec::new();
        for (position, state) in found.iter().enumerate() {
            let count = match state {
                Found::Hit(..) => &mut report.hits,
                Found::Missing => &mut report.missing,
                Found::Stale => &mut report.stale,
                Found::Corrupt => &mut report.corrupt,
            };
            *count = count.saturating_add(1);
            if !matches!(state, Found::Hit(..)) {
                todo.push(position);
            }
        }
        let counters = self.store.counters();
        counters.add(Counter::Hits, report.hits as u64);
        counters.add(Counter::Misses, report.missing as u64);
        counters.add(Counter::Stale, report.stale as u64);
        counters.add(Counter::Corrupt, report.corrupt as u64);

        // Twice at most: the keys this call claims, then those a concurrent
        // call claimed and did not compute.
        let mut round = 0_u8;
        while !todo.is_empty() && round < 2 {
            round = round.saturating_add(1);
            let (claim, own, waits) = Claim::new(&self.flights, &set, std::mem::take(&mut todo));
            if !own.is_empty() {
                let facts = self.compute(&set, &own, compute).await?;
                report.computed = report.computed.saturating_add(facts.len());
                counters.add(Counter::Computed, facts.len() as u64);
                let results = facts
                    .iter()
                    .filter_map(|(p, fact, _)| Some((set.encoded.get(*p)?.into(), fact.clone())))
                    .collect();
                claim.flight.send_replace(Some(Arc::new(results)));
                self.write_back(&set, &stamps, &facts, &mut report).await;
                computed.extend(facts.into_iter().map(|(p, fact, _)| (p, fact)));
            }
            drop(claim);
            for (position, mut receiver) in waits {
                let key = set.encoded.get(position).unwrap_or_default();
                let got = receiver
                    .wait_for(Option::is_some)
                    .await
                    .ok()
                    .and_then(|r| r.as_ref().and_then(|m| m.get(key).cloned()));
                match got {
                    Some(fact) => {
                        report.shared = report.shared.saturating_add(1);
                        computed.insert(position, fact);
                    }
                    None => todo.push(position),
                }
            }
        }
        counters.add(Counter::Shared, report.shared as u64);

        let columns = self.assemble(&set, &found, &arena, &computed)?;
        Ok(CacheAnswer { columns, report })
    }

    /// Reads the stored facts of `set`, copying each fresh, valid one into
    /// `arena`; where each key stands.
    async fn read(
        &self,
        set: &KeySet<'_, K>,
        stamps: &[Option<i64>],
        arena: &mut Vec<u8>,
    ) -> Result<Vec<Found>, StoreError> {
        let mut found = vec![Found::Missing; set.len()];
        let store = &self.store;
        let spec = store.spec();
        let w = rows::where_keys(store, set).await?;
        let mut buf = Vec::with_capacity(64);
        let mut rows = 0_usize;
        let strict = self.strict;
        read::scan_rows(store, w, true, |row| {
            buf.clear();
            row.put_key(spec, &mut buf)?;
            let Some((position, slot)) = set.position(&buf).and_then(|p| Some((p, found.get_mut(p)?)))
            else {
                return Ok(());
            };
            rows = rows.saturating_add(1);
            let stored = row.stamp(spec)?;
            let wanted = stamps.get(position).copied().flatten();
            if wanted.is_some_and(|w| stored.is_none_or(|s| s < w)) {
                *slot = Found::Stale;
                return Ok(());
            }
            let blob = row.data(spec)?;
            // The blob's own version byte must be the row's.
            let mismatch = read::version_mismatch::<T>(blob, row.version(spec));
            match mismatch.map_or_else(|| T::validate(blob), Err) {
                Ok(()) => {
                    let start = arena.len();
                    arena.extend_from_slice(blob);
                    *slot = Found::Hit(start, arena.len());
                }
                Err(error) if strict => {
                    return Err(StoreError::Corrupt {
                        table: spec.table.clone(),
                        key: format!("{:?}", row.key::<K>(spec)?),
                        source: error,
                    })
                }
                Err(error) => {
                    tracing::warn!(table = %spec.table, error = %error, "a cached fact is corrupt: computing it again");
                    *slot = Found::Corrupt;
                }
            }
            Ok(())
        })
        .await?;
        store.count_read(rows);
        Ok(found)
    }

    /// Calls `compute` for the keys at `own` and checks that it answered
    /// each exactly once; the facts by position, with what to keep.
    async fn compute<F, Fut, E>(
        &self,
        set: &KeySet<'_, K>,
        own: &[usize],
        compute: &mut F,
    ) -> Result<Vec<(usize, Packed<T>, Keep)>, CacheError<E>>
    where
        F: FnMut(Vec<K>) -> Fut,
        Fut: Future<Output = Result<Vec<Computed<K, T>>, E>>,
    {
        let keys: Vec<K> = own
            .iter()
            .filter_map(|p| set.keys.get(*p).map(|k| (*k).clone()))
            .collect();
        let facts = compute(keys).await.map_err(CacheError::Compute)?;
        let mut answered: HashMap<usize, bool> = own.iter().map(|p| (*p, false)).collect();
        let mut out = Vec::with_capacity(facts.len());
        let mut buf = Vec::with_capacity(64);
        for computed in facts {
            buf.clear();
            computed.key.put_encoded(0, &mut buf);
            match set.position(&buf) {
                // Asked for (an entry) and not yet answered (`false`).
                Some(p) if answered.insert(p, true) == Some(false) => {
                    out.push((p, computed.fact, computed.keep));
                }
                _ => {
                    return Err(CacheError::Unasked {
                        table: self.store.table().to_owned(),
                        key: format!("{:?}", computed.key),
                    })
                }
            }
        }
        if let Some(first) = own.iter().find(|p| answered.get(p) == Some(&false)) {
            return Err(CacheError::Missing {
                table: self.store.table().to_owned(),
                count: own.len().saturating_sub(out.len()),
                first: set
                    .keys
                    .get(*first)
                    .map(|k| format!("{k:?}"))
                    .unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// Writes the facts to keep, in one transaction; a failure is reported,
    /// not returned.
    async fn write_back(
        &self,
        set: &KeySet<'_, K>,
        stamps: &[Option<i64>],
        facts: &[(usize, Packed<T>, Keep)],
        report: &mut CacheReport,
    ) {
        let rows: Vec<(&K, &Packed<T>, Option<i64>)> = facts
            .iter()
            .filter_map(|(p, fact, keep)| {
                let stamp = match keep {
                    Keep::Final => Some(Stamp::FINAL.micros()),
                    Keep::Provisional => stamps.get(*p).copied().flatten(),
                    Keep::Unstored => return None,
                };
                Some((*set.keys.get(*p)?, fact, stamp))
            })
            .collect();
        if rows.is_empty() {
            return;
        }
        let bytes: usize = rows.iter().map(|(_, f, _)| f.as_bytes().len()).sum();
        let bytes = bytes as u64;
        let store = &self.store;
        let written = async { store.write(&Batch::build(store.spec(), rows, true)?).await };
        match written.await {
            Ok(n) => {
                store.count_write(n, bytes);
                report.written = report.written.saturating_add(n);
                report.bytes_written = report.bytes_written.saturating_add(bytes);
            }
            Err(error) => {
                tracing::warn!(table = %store.table(), error = %error, "the cache's write-back failed; the answer is complete");
                store.counters().add(Counter::WriteFailures, 1);
                report.write_error = Some(error);
            }
        }
    }

    /// The answer's columns: every key in order, from the arena or computed.
    fn assemble(
        &self,
        set: &KeySet<'_, K>,
        found: &[Found],
        arena: &[u8],
        computed: &HashMap<usize, Packed<T>>,
    ) -> Result<Keyed<K, T::Columns>, StoreError> {
        let mut keys = K::Columns::default();
        K::reserve_columns(&mut keys, set.len());
        let mut facts = T::Columns::with_capacity(set.len());
        let fill = self.store.fill();
        let mut sources: Vec<Source<'_, T>> = Vec::with_capacity(set.len());
        for (position, (key, state)) in set.keys.iter().zip(found).enumerate() {
            let bytes = match state {
                Found::Hit(start, end) => arena.get(*start..*end),
                _ => computed.get(&position).map(Packed::as_bytes),
            };
            let Some(bytes) = bytes else {
                continue;
            };
            let transient = fill.map(|fill| {
                let mut t = T::Transient::default();
                fill(key, &mut t);
                t
            });
            key.push_columns(&mut keys);
            sources.push(Source { bytes, transient });
        }
        facts
            .extend_from(sources.iter())
            .map_err(|source| StoreError::Columns {
                table: self.store.table().to_owned(),
                key: String::new(),
                source,
            })?;
        Ok(Keyed::new(self.store.key_names(), keys, facts))
    }
}

/// A fact validated on the way in (read and checked, or packed), with its
/// transient fields when the store fills them.
struct Source<'a, T: Facts> {
    bytes: &'a [u8],
    transient: Option<T::Transient>,
}

impl<T: Facts> ColumnSource<T> for &Source<'_, T> {
    const VALIDATED: bool = true;

    fn bytes(&self) -> &[u8] {
        self.bytes
    }

    fn transient(&self) -> Option<&T::Transient> {
        self.transient.as_ref()
    }
}
