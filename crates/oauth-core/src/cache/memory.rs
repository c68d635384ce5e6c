//! The in-memory store: least recently used out first, bounded by bytes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use lru::LruCache;

use super::{CacheError, CacheKey, CacheStore, CachedResponse};

/// Answers kept in memory, about `max_bytes` at most ([`CachedResponse::size`]
/// summed): when a new entry passes the bound, the least recently used go
/// first. An entry larger than an eighth of the bound is not kept, so one
/// large answer never empties the cache.
pub struct MemoryCache {
    entries: Mutex<Entries>,
    max_bytes: u64,
    /// The bytes held, also readable without the lock.
    bytes: AtomicU64,
}

struct Entries {
    lru: LruCache<CacheKey, Arc<CachedResponse>>,
    bytes: u64,
}

impl MemoryCache {
    /// An empty store of about `max_bytes` at most.
    #[must_use]
    pub fn new(max_bytes: u64) -> Self {
        MemoryCache {
            entries: Mutex::new(Entries {
                lru: LruCache::unbounded(),
                bytes: 0,
            }),
            max_bytes,
            bytes: AtomicU64::new(0),
        }
    }

    /// How many entries it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().lru.len()
    }

    /// Whether it holds no entry.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // An entry is replaced whole under the lock: a panic elsewhere
        // cannot leave it half written.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn weight(entry: &CachedResponse, key: &CacheKey) -> u64 {
    u64::try_from(entry.size() + key.as_str().len()).unwrap_or(u64::MAX)
}

#[async_trait::async_trait]
impl CacheStore for MemoryCache {
    async fn get(&self, key: &CacheKey) -> Result<Option<Arc<CachedResponse>>, CacheError> {
        Ok(self.lock().lru.get(key).cloned())
    }

    async fn put(&self, key: &CacheKey, entry: Arc<CachedResponse>) -> Result<(), CacheError> {
        let added = weight(&entry, key);
        let mut entries = self.lock();
        if let Some(old) = entries.lru.pop(key) {
            entries.bytes -= weight(&old, key);
        }
        if added <= self.max_bytes / 8 {
            entries.lru.put(key.clone(), entry);
            entries.bytes += added;
            while entries.bytes > self.max_bytes {
                let Some((old_key, old)) = entries.lru.pop_lru() else {
                    break;
                };
                entries.bytes -= weight(&old, &old_key);
            }
        }
        self.bytes.store(entries.bytes, Ordering::Relaxed);
        Ok(())
    }

    async fn remove(&self, key: &CacheKey) -> Result<(), CacheError> {
        let mut entries = self.lock();
        if let Some(old) = entries.lru.pop(key) {
            entries.bytes -= weight(&old, key);
        }
        self.bytes.store(entries.bytes, Ordering::Relaxed);
        Ok(())
    }

    fn stored_bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }
}

impl std::fmt::Debug for MemoryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryCache")
            .field("max_bytes", &self.max_bytes)
            .field("stored_bytes", &self.stored_bytes())
            .finish_non_exhaustive()
    }
}
