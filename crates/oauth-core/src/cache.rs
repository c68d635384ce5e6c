//! A response cache for API calls, with HTTP's caching rules (RFC 9111,
//! as a private cache), switched on as a layer of the call stack
//! ([`Stack::cache`](crate::layer::Stack::cache)).
//!
//! The rules are those of the `http-cache-semantics` crate: freshness from
//! `Cache-Control` (`max-age`, `no-store`, `no-cache`, `private`),
//! `Expires`, `Age` and, without them, a tenth of the time since
//! `Last-Modified`; `Vary`; revalidation with `If-None-Match` and
//! `If-Modified-Since`, where a `304` refreshes the stored entry. On top
//! of them, this cache keeps only what is safe to keep for an OAuth client:
//!
//! - only answers to `GET` and `HEAD` with status 200, 203, 204, 300, 301,
//!   404 or 410: never a `401`, `403` or `429`;
//! - never an answer to a request whose URL carries a secret in its query
//!   (`access_token`, `code`, …: the names of
//!   [`is_secret_field`](crate::is_secret_field)), so no secret reaches a
//!   key or a file;
//! - never an answer to a request marked [`NoCache`], nor one that is
//!   stale at once with nothing to revalidate it by (no `ETag`, no
//!   `Last-Modified`);
//! - a successful `POST`, `PUT`, `DELETE` or `PATCH` to a URL forgets what
//!   is stored for it (RFC 9111 §4.4), so a read that follows sees the
//!   change;
//! - entries are kept apart by the identity the token belongs to (its
//!   [`partition`](CacheKey)): the answers to an app token (client
//!   credentials) are shared by the sessions of the same client id; the
//!   answers to a user's token only by sessions of that user (a session
//!   built with an explicit store key, which names the user), and
//!   otherwise only by the session itself;
//! - the token is never part of a key or of a stored entry: the cache sits
//!   above the layer that presents it;
//! - a stale entry is served when the server cannot be reached or answers
//!   `5xx` only when [`ResponseCache::stale_if_error`] says so;
//! - requests for one key that need the server at the same time send one
//!   request: the others wait for its answer and are served it from the
//!   store (or, when it could not be stored, then ask themselves).
//!
//! Each answer that went through the cache says what it was in its
//! extensions ([`CacheStatus`]), and [`ResponseCache::stats`] counts hits,
//! revalidations, misses and the bytes stored.
//!
//! Stores are behind [`CacheStore`]: [`MemoryCache`] (bounded by bytes,
//! least recently used first out) is the default; `SqliteCache` (feature
//! `sqlite-cache`) keeps them in one file across restarts, shared by the
//! processes of a host; `RedisCache` (feature `redis-cache`) on a Redis
//! server, shared by the processes of a fleet. A store of your own that keeps bytes (on a
//! key-value server, say) writes an entry with
//! [`CachedResponse::to_bytes`] and reads it back with
//! [`CachedResponse::from_bytes`]. A store keeps API answers as they came,
//! so a store that outlives the process holds users' data: keep it where
//! only the application can read it.

mod encoding;
mod memory;
#[cfg(feature = "redis-cache")]
mod redis;
#[cfg(feature = "sqlite-cache")]
mod sqlite;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use http::header::{AGE, CACHE_CONTROL, CONNECTION, HOST, PRAGMA, VARY};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use http_cache_semantics::CachePolicy;
use tokio::sync::watch;

pub use self::memory::MemoryCache;
#[cfg(feature = "redis-cache")]
pub use self::redis::RedisCache;
#[cfg(feature = "sqlite-cache")]
pub use self::sqlite::SqliteCache;

/// Marks a request, in its extensions, as one whose answer must not be
/// taken from or put in the cache.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoCache;

/// What the cache did for an answer; found in the answer's extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CacheStatus {
    /// Served from the cache without asking the server.
    Hit,
    /// The server confirmed the stored answer (`304 Not Modified`), which
    /// was served and refreshed.
    Revalidated,
    /// Fetched from the server (and stored if it may be).
    Miss,
    /// A stale stored answer, served because the server could not be
    /// reached or failed (only with [`ResponseCache::stale_if_error`]).
    StaleOnError,
}

/// The key of a stored answer: the identity the token belongs to, the
/// method and the full URL (query included). A request whose `Vary`-named
/// headers differ from the stored answer's request is not served it: it
/// goes to the server, and its answer replaces the stored one.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CacheKey(String);

impl CacheKey {
    /// The key of `method` and `uri` for the identity `partition` (the
    /// cache layer names it; see [`CacheKey`]): for a store's own tests.
    #[must_use]
    pub fn new(partition: &str, method: &http::Method, uri: &http::Uri) -> Self {
        // Written piece by piece: `Uri`'s `Display` goes through the
        // formatter for each part, a third of a hit's cost.
        let (scheme, authority) = (uri.scheme_str(), uri.authority());
        let (path, query) = (uri.path(), uri.query());
        let mut key = String::with_capacity(
            partition.len()
                + method.as_str().len()
                + 16
                + uri_len(scheme, authority, path)
                + query.map_or(0, str::len),
        );
        for part in [partition, " ", method.as_str(), " "] {
            key.push_str(part);
        }
        if let Some(scheme) = scheme {
            key.push_str(scheme);
            key.push_str("://");
        }
        if let Some(authority) = authority {
            key.push_str(authority.as_str());
        }
        key.push_str(path);
        if let Some(query) = query {
            key.push('?');
            key.push_str(query);
        }
        CacheKey(key)
    }

    /// The key as text: the partition, the method and the URL, separated
    /// by spaces (none of them holds one).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The slot of `key` among [`MARK_SLOTS`].
fn slot_of(key: &CacheKey) -> usize {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    key.hash(&mut hasher);
    // The remainder is below `MARK_SLOTS`, so it fits.
    usize::try_from(hasher.finish() % MARK_SLOTS as u64).unwrap_or(0)
}

fn uri_len(scheme: Option<&str>, authority: Option<&http::uri::Authority>, path: &str) -> usize {
    scheme.map_or(0, str::len) + authority.map_or(0, |a| a.as_str().len()) + path.len()
}

impl fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CacheKey").field(&self.as_str()).finish()
    }
}

/// A stored answer: the caching policy it came with, its status, headers
/// and body.
#[derive(Clone, Debug)]
pub struct CachedResponse {
    pub(crate) policy: CachePolicy,
    pub(crate) status: StatusCode,
    /// The headers a hit is served with: the answer's, without those that
    /// concern only one connection (RFC 9110 §7.6.1), with an `Age` set
    /// when served.
    pub(crate) headers: HeaderMap,
    pub(crate) body: bytes::Bytes,
    /// Until when the policy finds the answer fresh for a request that asks
    /// nothing of the cache itself ([`asks_nothing`]): its verdict, worked
    /// out once, when the entry was made. The verdict only changes with the
    /// time, as the answer ages; this saves judging it again on every hit.
    /// `None` when it also depends on the request: the answer names request
    /// headers it varies by (`Vary`), or the request that fetched it named
    /// its own `Host`.
    pub(crate) fresh_until: Option<SystemTime>,
}

/// The headers that concern one connection, not the answer, and are never
/// served from a cache (RFC 9110 §7.6.1).
const HOP_BY_HOP: [HeaderName; 8] = [
    CONNECTION,
    HeaderName::from_static("keep-alive"),
    http::header::PROXY_AUTHENTICATE,
    http::header::PROXY_AUTHORIZATION,
    http::header::TE,
    http::header::TRAILER,
    http::header::TRANSFER_ENCODING,
    http::header::UPGRADE,
];

/// Whether a request leaves freshness to the stored answer: it carries no
/// directive of its own (`Cache-Control`, `Pragma`) and names no host of
/// its own. The policy's verdict for such a request depends only on the
/// time.
pub(crate) fn asks_nothing(request: &HeaderMap) -> bool {
    [CACHE_CONTROL, PRAGMA, HOST]
        .iter()
        .all(|name| !request.contains_key(name))
}

impl CachedResponse {
    /// The entry for an answer of `status` with `headers` and `body`, under
    /// `policy` (made from it and the request whose headers are `asked`)
    /// at `now`, when the policy gives it `ttl` to live.
    pub(crate) fn new(
        policy: CachePolicy,
        ttl: Duration,
        status: StatusCode,
        headers: &HeaderMap,
        body: bytes::Bytes,
        asked: &HeaderMap,
        now: SystemTime,
    ) -> Self {
        let fresh_until = (!headers.contains_key(VARY) && asks_nothing(asked))
            .then(|| now.checked_add(ttl))
            .flatten();
        let mut kept = headers.clone();
        // Rare in answers: looked for in one pass before removing any.
        if headers.keys().any(|name| HOP_BY_HOP.contains(name)) {
            for named in headers.get_all(CONNECTION) {
                for name in named.to_str().unwrap_or_default().split(',') {
                    kept.remove(name.trim());
                }
            }
            for name in &HOP_BY_HOP {
                kept.remove(name);
            }
        }
        // The answer's age is the policy's to tell, at each hit; the slot
        // is kept so that setting it costs no new room in a copy.
        kept.insert(AGE, HeaderValue::from_static("0"));
        CachedResponse {
            policy,
            status,
            headers: kept,
            body,
            fresh_until,
        }
    }

    /// Whether the entry is known to be fresh at `now`, without asking its
    /// policy, for a request with `headers` (whose method and URL are the
    /// entry's). `false` means the policy must judge.
    pub(crate) fn known_fresh(&self, headers: &HeaderMap, now: SystemTime) -> bool {
        self.fresh_until
            .is_some_and(|until| now < until && asks_nothing(headers))
    }

    /// The status and headers a hit at `now` is served with: the stored
    /// ones, and the answer's `Age` by its policy.
    pub(crate) fn served_parts(&self, now: SystemTime) -> http::response::Parts {
        let (mut parts, ()) = http::Response::new(()).into_parts();
        parts.status = self.status;
        parts.headers = self.headers.clone();
        parts
            .headers
            .insert(AGE, HeaderValue::from(self.policy.age(now).as_secs()));
        parts
    }

    /// About how many bytes the entry takes in memory: the body; the
    /// headers, kept twice (in the answer and in its policy), each with its
    /// slot in a header map and its own allocation; and the policy's parsed
    /// directives, its URL and the store's bookkeeping. Measured against
    /// the resident memory of a full store (`cargo xtask bench`, case 8).
    #[must_use]
    pub fn size(&self) -> usize {
        /// A header's slot in a map, its value's allocation and the
        /// allocator's rounding.
        const PER_HEADER: usize = 160;
        /// The policy's directive maps, URL and request headers, the
        /// entry's `Arc`, and the store's node and key.
        const PER_ENTRY: usize = 1280;
        let headers: usize = self
            .headers
            .iter()
            .map(|(name, value)| PER_HEADER + name.as_str().len() + value.len())
            .sum();
        self.body.len() + 2 * headers + PER_ENTRY
    }

    /// The status stored.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The body stored.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

/// Why a cache store failed. The cache layer never fails a call for it: it
/// logs the failure, counts it ([`CacheStats::store_errors`]) and goes to
/// the server as if the entry were not there.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// The store could not be read or written.
    #[error("the cache store failed: {0}")]
    Store(String),
    /// An entry could not be read back as it was stored.
    #[error("a cache entry is corrupt: {0}")]
    Corrupt(String),
}

/// Where cached answers are kept. Implement it to keep them elsewhere; the
/// cache layer calls it from async code, so a store that blocks must move
/// its work off the runtime's threads.
#[async_trait::async_trait]
pub trait CacheStore: fmt::Debug + Send + Sync {
    /// The entry stored under `key`, if any.
    async fn get(&self, key: &CacheKey) -> Result<Option<Arc<CachedResponse>>, CacheError>;

    /// Stores `entry` under `key`, replacing any; the store may evict other
    /// entries to stay within its bound.
    async fn put(&self, key: &CacheKey, entry: Arc<CachedResponse>) -> Result<(), CacheError>;

    /// Forgets the entry under `key`.
    async fn remove(&self, key: &CacheKey) -> Result<(), CacheError>;

    /// About how many bytes the entries take ([`CachedResponse::size`]
    /// summed).
    fn stored_bytes(&self) -> u64;
}

/// Counts of what the cache did, since it was made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheStats {
    /// Answers served from the cache without asking the server.
    pub hits: u64,
    /// Stored answers confirmed by the server (`304`) and served.
    pub revalidations: u64,
    /// Requests that went to the server for a new answer.
    pub misses: u64,
    /// Stale answers served because the server failed.
    pub stale_served: u64,
    /// Answers handed to the store (which declines one larger than an
    /// eighth of its bound).
    pub stores: u64,
    /// Failures of the store, each handled as a miss.
    pub store_errors: u64,
    /// About how many bytes the store holds.
    pub stored_bytes: u64,
}

/// A response cache: a [`CacheStore`] and how to use it. Clones share the
/// store and the counts; give one to several sessions (or providers) to
/// share what they fetch, within the rules of the
/// [module documentation](self).
///
/// ```
/// use oauth_core::cache::ResponseCache;
/// use oauth_core::layer::Stack;
///
/// // Up to 64 MiB of answers in memory.
/// let cache = ResponseCache::memory(64 << 20);
/// let stack = Stack::new().cache(cache.clone());
/// # let _ = stack;
/// assert_eq!(cache.stats().hits, 0);
/// ```
#[derive(Clone)]
pub struct ResponseCache {
    inner: Arc<Shared>,
    /// This handle's choice; the store, counts and flights are shared.
    stale_if_error: bool,
}

struct Shared {
    store: Arc<dyn CacheStore>,
    counts: Counts,
    /// The keys being fetched or revalidated now, each with the news of
    /// its end: whether the answer was stored.
    flights: Mutex<HashMap<CacheKey, watch::Receiver<Option<bool>>>>,
    /// Answers stored through this cache, counted by the key's slot
    /// ([`StoreMark`]).
    stored: [AtomicU64; MARK_SLOTS],
}

/// How many slots [`StoreMark`]s count stores in: enough that two keys
/// fetched at once rarely share one.
const MARK_SLOTS: usize = 256;

/// What had been stored in a key's slot when a request first looked for
/// it: a request that then leads the fetch of its key looks again only if
/// an answer in the slot was stored since (another fetch of the key may
/// have ended in between), not on every miss.
#[derive(Clone, Copy)]
pub(crate) struct StoreMark {
    slot: usize,
    stored: u64,
}

/// A request's place in the fetches of one key.
pub(crate) enum Flight<'a> {
    /// It fetches; the others wait until the guard is dropped.
    Leader(FlightGuard<'a>),
    /// Another fetches: wait for it, then look again (its answer was
    /// stored) or go to the server too (it was not).
    Wait(watch::Receiver<Option<bool>>),
}

/// Ends a fetch's flight when dropped, telling its waiters whether the
/// answer was stored (not, if the fetch was cancelled).
pub(crate) struct FlightGuard<'a> {
    shared: &'a Shared,
    key: CacheKey,
    news: watch::Sender<Option<bool>>,
    stored: bool,
}

impl FlightGuard<'_> {
    /// The answer was stored: the waiters will find it.
    pub(crate) fn stored(&mut self) {
        self.stored = true;
    }
}

impl Drop for FlightGuard<'_> {
    fn drop(&mut self) {
        self.shared
            .flights
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
        // No waiter left is fine.
        let _ = self.news.send(Some(self.stored));
    }
}

#[derive(Default)]
pub(crate) struct Counts {
    pub(crate) hits: AtomicU64,
    pub(crate) revalidations: AtomicU64,
    pub(crate) misses: AtomicU64,
    pub(crate) stale_served: AtomicU64,
    pub(crate) stores: AtomicU64,
    pub(crate) store_errors: AtomicU64,
}

impl Counts {
    pub(crate) fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

impl ResponseCache {
    /// A cache in `store`.
    pub fn new(store: impl CacheStore + 'static) -> Self {
        Self::shared(Arc::new(store))
    }

    /// A cache in a store shared with other caches.
    pub fn shared(store: Arc<dyn CacheStore>) -> Self {
        ResponseCache {
            inner: Arc::new(Shared {
                store,
                counts: Counts::default(),
                flights: Mutex::default(),
                stored: std::array::from_fn(|_| AtomicU64::new(0)),
            }),
            stale_if_error: false,
        }
    }

    /// A cache in memory of about `max_bytes` at most ([`MemoryCache`]).
    pub fn memory(max_bytes: u64) -> Self {
        Self::new(MemoryCache::new(max_bytes))
    }

    /// Serves a stale stored answer when the server cannot be reached or
    /// answers `5xx`, instead of the failure (RFC 5861's `stale-if-error`,
    /// chosen by the client). Off by default. The store and the counts
    /// stay shared with the other clones.
    #[must_use]
    pub fn stale_if_error(mut self, on: bool) -> Self {
        self.stale_if_error = on;
        self
    }

    /// What the cache has done so far.
    #[must_use]
    pub fn stats(&self) -> CacheStats {
        let counts = &self.inner.counts;
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        CacheStats {
            hits: read(&counts.hits),
            revalidations: read(&counts.revalidations),
            misses: read(&counts.misses),
            stale_served: read(&counts.stale_served),
            stores: read(&counts.stores),
            store_errors: read(&counts.store_errors),
            stored_bytes: self.inner.store.stored_bytes(),
        }
    }

    pub(crate) fn store(&self) -> &dyn CacheStore {
        &*self.inner.store
    }

    pub(crate) fn serves_stale_on_error(&self) -> bool {
        self.stale_if_error
    }

    pub(crate) fn counts(&self) -> &Counts {
        &self.inner.counts
    }

    /// The mark of `key`'s slot now, taken before looking for it.
    pub(crate) fn mark(&self, key: &CacheKey) -> StoreMark {
        let slot = slot_of(key);
        StoreMark {
            slot,
            stored: self.inner.stored[slot].load(Ordering::Acquire),
        }
    }

    /// Counts an answer stored under `key`, once it is in the store.
    pub(crate) fn count_stored(&self, key: &CacheKey) {
        self.inner.stored[slot_of(key)].fetch_add(1, Ordering::Release);
    }

    /// Whether an answer in `mark`'s slot was stored since it was taken.
    pub(crate) fn stored_since(&self, mark: StoreMark) -> bool {
        self.inner.stored[mark.slot].load(Ordering::Acquire) != mark.stored
    }

    /// Joins the fetches of `key`: the first request to need the server
    /// for it leads, the others wait for its answer instead of asking too.
    pub(crate) fn flight(&self, key: &CacheKey) -> Flight<'_> {
        let mut flights = self
            .inner
            .flights
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(news) = flights.get(key) {
            return Flight::Wait(news.clone());
        }
        let (news, receiver) = watch::channel(None);
        flights.insert(key.clone(), receiver);
        Flight::Leader(FlightGuard {
            shared: &self.inner,
            key: key.clone(),
            news,
            stored: false,
        })
    }
}

impl fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseCache")
            .field("store", &self.inner.store)
            .field("stale_if_error", &self.stale_if_error)
            .field("stats", &self.stats())
            .finish()
    }
}

#[cfg(test)]
mod tests;
