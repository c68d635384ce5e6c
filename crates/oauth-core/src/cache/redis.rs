//! The Redis store: one cache shared by every process of a fleet.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use super::{CacheError, CacheKey, CacheStore, CachedResponse};
use crate::redis_link;

/// The longest an entry is kept on Redis: a hundred years.
const LONGEST_KEPT: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// Answers kept in Redis, shared by every process that names the same
/// server and namespace: what one worker fetched, the others are served.
/// The rules of the [cache module](super) hold as they do in memory: keys
/// keep identities apart (an app token's answers are shared by the sessions
/// of its client id, a user's only by that user's), and no token is ever
/// part of a key or a value.
///
/// Each entry is one Redis string, `NAMESPACE:cache:KEY`, holding
/// [`CachedResponse::to_bytes`], set to expire when it has been stale for
/// [`keep_stale_for`](Self::keep_stale_for) (a day by default: long enough
/// to be revalidated with a `304` rather than fetched again). The bound on
/// the whole is Redis's own: set `maxmemory` and an eviction policy such as
/// `allkeys-lru` on the server. An entry larger than
/// [`max_entry_bytes`](Self::max_entry_bytes) is not kept.
///
/// The connection is made on first use and made again after a failure; a
/// call that cannot reach Redis is a store error, which the cache layer
/// counts and answers by going to the server: a call never fails for the
/// cache. Whoever can read the Redis can read the cached answers (users'
/// profiles among them): give it a password (or an ACL user) and keep it on
/// a network only the application reaches.
pub struct RedisCache {
    link: redis_link::Link,
    prefix: Arc<str>,
    keep_stale: Duration,
    max_entry_bytes: usize,
    /// Bytes this handle has written: Redis counts the whole.
    written: AtomicU64,
}

impl RedisCache {
    /// A store on the Redis at `url` (`redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`,
    /// or `rediss://` for TLS), its keys under `namespace` (say, the
    /// application's name). The URL is a secret when it holds a password:
    /// it appears in no error and no `Debug`.
    ///
    /// # Errors
    /// [`CacheError::Store`] when the URL cannot be read (nothing is
    /// connected yet: an unreachable server fails the first calls, not
    /// this).
    pub fn connect(url: &str, namespace: &str) -> Result<Self, CacheError> {
        let link = redis_link::connect(url)
            .map_err(|_| CacheError::Store("the Redis URL cannot be read".into()))?;
        Ok(RedisCache {
            link,
            prefix: format!("{namespace}:cache:").into(),
            keep_stale: Duration::from_secs(24 * 3600),
            max_entry_bytes: 1 << 20,
            written: AtomicU64::new(0),
        })
    }

    /// How long an entry is kept once stale, to be revalidated rather than
    /// fetched anew. Default: a day.
    #[must_use]
    pub fn keep_stale_for(mut self, keep: Duration) -> Self {
        self.keep_stale = keep;
        self
    }

    /// The largest entry kept, in bytes as stored. Default: 1 MiB.
    #[must_use]
    pub fn max_entry_bytes(mut self, bytes: usize) -> Self {
        self.max_entry_bytes = bytes;
        self
    }

    fn key(&self, key: &CacheKey) -> String {
        let mut full = String::with_capacity(self.prefix.len() + key.as_str().len());
        full.push_str(&self.prefix);
        full.push_str(key.as_str());
        full
    }
}

/// A Redis failure as a store error, without the URL.
fn store_error(error: &redis::RedisError) -> CacheError {
    CacheError::Store(format!("redis: {}", redis_link::describe(error)))
}

#[async_trait::async_trait]
impl CacheStore for RedisCache {
    async fn get(&self, key: &CacheKey) -> Result<Option<Arc<CachedResponse>>, CacheError> {
        let mut connection = self.link.connection().map_err(|e| store_error(&e))?;
        let bytes: Option<Vec<u8>> = redis::cmd("GET")
            .arg(self.key(key))
            .query_async(&mut connection)
            .await
            .map_err(|e| store_error(&e))?;
        bytes
            .map(|bytes| CachedResponse::from_bytes(&bytes).map(Arc::new))
            .transpose()
    }

    async fn put(&self, key: &CacheKey, entry: Arc<CachedResponse>) -> Result<(), CacheError> {
        let bytes = entry.to_bytes()?;
        if bytes.len() > self.max_entry_bytes {
            return Ok(());
        }
        // A time to live beyond a hundred years is a hundred years: Redis
        // refuses an expiry past what it can hold.
        let ttl = entry
            .policy
            .time_to_live(SystemTime::now())
            .saturating_add(self.keep_stale)
            .min(LONGEST_KEPT);
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut connection = self.link.connection().map_err(|e| store_error(&e))?;
        let len = bytes.len();
        () = redis::cmd("SET")
            .arg(self.key(key))
            .arg(bytes)
            .arg("PX")
            .arg(millis)
            .query_async(&mut connection)
            .await
            .map_err(|e| store_error(&e))?;
        self.written
            .fetch_add(u64::try_from(len).unwrap_or(u64::MAX), Ordering::Relaxed);
        Ok(())
    }

    async fn remove(&self, key: &CacheKey) -> Result<(), CacheError> {
        let mut connection = self.link.connection().map_err(|e| store_error(&e))?;
        let _removed: u64 = redis::cmd("DEL")
            .arg(self.key(key))
            .query_async(&mut connection)
            .await
            .map_err(|e| store_error(&e))?;
        Ok(())
    }

    /// The bytes this handle has written (replaced and expired entries
    /// included): the server's own count of the whole is in `INFO memory`.
    fn stored_bytes(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }
}

impl fmt::Debug for RedisCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisCache")
            .field("namespace", &self.prefix.trim_end_matches(":cache:"))
            .field("keep_stale", &self.keep_stale)
            .field("max_entry_bytes", &self.max_entry_bytes)
            .finish_non_exhaustive()
    }
}
