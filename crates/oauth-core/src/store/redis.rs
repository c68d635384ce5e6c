//! Tokens on a Redis server, shared by the processes of a fleet.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use sha2::{Digest, Sha256};

use super::TokenStore;
use crate::error::Error;
use crate::redis_link;
use crate::session::TokenSource;
use crate::token::Token;

/// Tokens kept on a Redis server, so the workers of a fleet share one app
/// token (and a user's token) instead of each fetching its own.
///
/// - Each token is a hash, `NAMESPACE:token:KEY` (the namespace names the
///   application and its client id, say `guild-tool:CLIENT_ID`; the key is
///   the session's store key, a user's id), holding the token as JSON, its
///   expiry and a digest of its credentials.
/// - **A newer token is never replaced by an older one**: a save is one
///   atomic script that keeps the stored token when it expires later than
///   the one saved. A worker that renewed late (its answer slower than
///   another's) cannot put back a refresh token the server has rotated
///   away.
/// - A token without a refresh token expires from Redis when it expires;
///   one with a refresh token is kept until removed, as the refresh token
///   outlives it.
/// - [`remove_if`](TokenStore::remove_if) is one atomic script too.
///
/// Tokens are stored as they are: whoever can read the Redis (or its
/// backups) can use them. Give the server a password or an ACL user, reach
/// it over TLS (`rediss://`) off the local network, and keep its snapshots
/// as private as the application's secrets. The URL (which holds the
/// password) appears in no error and no `Debug`.
///
/// The connection is made on first use and again after a failure, with
/// connect and response timeouts of two seconds: a call that cannot reach
/// Redis fails with [`Error::Store`], never hangs.
#[derive(Clone)]
pub struct RedisStore {
    link: redis_link::Link,
    prefix: Arc<str>,
    /// The longest a renewal may hold the fleet's lease.
    lease: Duration,
}

/// Saves `token` unless the stored one expires later. Keys: the token's.
/// Arguments: the expiry (milliseconds since 1970, `-1` for none), the
/// credentials' digest, the token as JSON, the time to live in
/// milliseconds (`0`: kept until removed). Returns 1 when saved.
const SAVE: &str = r"
local stored = tonumber(redis.call('HGET', KEYS[1], 'expires'))
local new = tonumber(ARGV[1])
if stored and new >= 0 and stored > new then
  return 0
end
redis.call('HSET', KEYS[1], 'expires', ARGV[1], 'credentials', ARGV[2], 'token', ARGV[3])
local ttl = tonumber(ARGV[4])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  redis.call('PERSIST', KEYS[1])
end
return 1
";

/// Releases a renewal lease if it is still the one taken (its fencing
/// token): a renewer whose lease ran out never frees another's.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// How often a worker waiting on another's renewal looks for its token.
const WAIT_POLL: Duration = Duration::from_millis(25);

/// Removes the token if its credentials' digest is the one given (or no
/// token is there). Returns 1 when removed.
const REMOVE_IF: &str = r"
local stored = redis.call('HGET', KEYS[1], 'credentials')
if stored and stored ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
return 1
";

/// Why a [`RedisStore`] failed. Reaches the caller as [`Error::Store`];
/// use `downcast_ref::<RedisStoreError>()` on its source to tell the cases
/// apart.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisStoreError {
    /// The URL given cannot be read (it is not quoted: it may hold the
    /// password).
    #[error("the Redis URL cannot be read")]
    Url,
    /// Redis could not be reached, or refused the command.
    #[error("redis: {0}")]
    Redis(String),
    /// What is stored under the key is not a token this store wrote. It is
    /// left as it is.
    #[error("the token stored on Redis cannot be read: {0}")]
    Corrupt(&'static str),
}

impl RedisStore {
    /// A store on the Redis at `url` (`redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`,
    /// or `rediss://` for TLS), its keys under `namespace`.
    ///
    /// # Errors
    /// [`Error::Store`] ([`RedisStoreError::Url`]) when the URL cannot be
    /// read. Nothing is connected yet: an unreachable server fails the
    /// first calls, not this.
    pub fn connect(url: &str, namespace: &str) -> Result<Self, Error> {
        let link = redis_link::connect(url).map_err(|_| Error::store(RedisStoreError::Url))?;
        Ok(RedisStore {
            link,
            prefix: format!("{namespace}:token:").into(),
            lease: Duration::from_secs(10),
        })
    }

    /// The longest one renewal may hold the fleet's lease
    /// ([`SessionBuilder::fleet`](crate::SessionBuilder::fleet)); a renewer
    /// that dies frees it when it runs out, and another worker renews.
    /// Default: 10 seconds, above a token endpoint's usual timeout.
    #[must_use]
    pub fn lease_time(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// `source`, renewing the token under `key` one worker at a time across
    /// every process on this store.
    pub(crate) fn leased(&self, key: String, source: Arc<dyn TokenSource>) -> Leased {
        Leased {
            store: self.clone(),
            key,
            source,
        }
    }

    fn lease_key(&self, key: &str) -> String {
        let namespace = self.prefix.trim_end_matches(":token:");
        format!("{namespace}:lease:{key}")
    }

    /// Takes the renewal lease of `key` with the fencing token `fence`, if
    /// no one holds it.
    async fn take_lease(&self, key: &str, fence: &str) -> Result<bool, Error> {
        let millis = u64::try_from(self.lease.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let mut connection = self
            .link
            .connection()
            .map_err(|e| Error::store(redis_error(&e)))?;
        let taken: Option<String> = redis::cmd("SET")
            .arg(self.lease_key(key))
            .arg(fence)
            .arg("NX")
            .arg("PX")
            .arg(millis)
            .query_async(&mut connection)
            .await
            .map_err(|e| Error::store(redis_error(&e)))?;
        Ok(taken.is_some())
    }

    async fn lease_held(&self, key: &str) -> Result<bool, Error> {
        let mut connection = self
            .link
            .connection()
            .map_err(|e| Error::store(redis_error(&e)))?;
        let held: i64 = redis::cmd("EXISTS")
            .arg(self.lease_key(key))
            .query_async(&mut connection)
            .await
            .map_err(|e| Error::store(redis_error(&e)))?;
        Ok(held == 1)
    }

    async fn release_lease(&self, key: &str, fence: &str) -> Result<(), Error> {
        let mut command = redis::cmd("EVAL");
        command
            .arg(RELEASE)
            .arg(1)
            .arg(self.lease_key(key))
            .arg(fence);
        let mut connection = self
            .link
            .connection()
            .map_err(|e| Error::store(redis_error(&e)))?;
        let _released: i64 = command
            .query_async(&mut connection)
            .await
            .map_err(|e| Error::store(redis_error(&e)))?;
        Ok(())
    }

    /// The stored token under `key` if it is a new one: not `current` and
    /// not about to expire.
    async fn renewed(&self, key: &str, current: Option<&Token>) -> Result<Option<Token>, Error> {
        let stored = self.load(key).await?;
        Ok(stored.filter(|stored| {
            !stored.expires_within(Duration::from_secs(1))
                && current.is_none_or(|current| !current.same_credentials(stored))
        }))
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    async fn script(&self, script: &str, key: &str, args: &[String]) -> Result<i64, Error> {
        let mut command = redis::cmd("EVAL");
        command.arg(script).arg(1).arg(self.key(key));
        for arg in args {
            command.arg(arg);
        }
        let mut connection = self
            .link
            .connection()
            .map_err(|e| Error::store(redis_error(&e)))?;
        command
            .query_async(&mut connection)
            .await
            .map_err(|e| Error::store(redis_error(&e)))
    }
}

/// A token source whose renewals are taken in turn by the workers of a
/// fleet: the one that takes the lease renews and saves; the others wait
/// for its token to appear in the store (looking every 25 ms, for as long
/// as the lease is held) and use it. A renewer that dies frees the lease
/// when it runs out, and a waiter takes it.
pub(crate) struct Leased {
    store: RedisStore,
    key: String,
    source: Arc<dyn TokenSource>,
}

impl fmt::Debug for Leased {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Leased")
            .field("store", &self.store)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl TokenSource for Leased {
    async fn fetch(&self, current: Option<&Token>) -> Result<Token, Error> {
        let store = &self.store;
        loop {
            let fence = fence()?;
            if store.take_lease(&self.key, &fence).await? {
                // Another worker may have renewed between the session's
                // look in the store and this lease.
                let fetched = match store.renewed(&self.key, current).await {
                    Ok(Some(token)) => Ok(token),
                    Ok(None) => self.source.fetch(current).await,
                    Err(error) => Err(error),
                };
                // Saved before the lease is freed, so the waiters find it.
                // A token got is never lost to Redis failing now: the
                // session saves it too (and handles that failure), and a
                // lease not freed runs out by itself.
                if let Ok(token) = &fetched
                    && let Err(error) = store.save(&self.key, token).await
                {
                    tracing::warn!(%error, "the renewed token could not be shared on Redis");
                }
                if let Err(error) = store.release_lease(&self.key, &fence).await {
                    tracing::warn!(%error, "the renewal lease could not be freed; it runs out");
                }
                return fetched;
            }
            // Another worker renews: wait for its token while it holds the
            // lease, bounded by the lease time.
            let deadline = Instant::now() + store.lease + WAIT_POLL;
            loop {
                tokio::time::sleep(WAIT_POLL).await;
                if let Some(token) = store.renewed(&self.key, current).await? {
                    return Ok(token);
                }
                if !store.lease_held(&self.key).await? || Instant::now() > deadline {
                    // Freed (or run out) without a new token: take it.
                    break;
                }
            }
        }
    }
}

/// A fencing token for one lease: random, so no two holders share one.
fn fence() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| Error::store(RedisStoreError::Redis(e.to_string())))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A Redis failure, without the URL.
fn redis_error(error: &redis::RedisError) -> RedisStoreError {
    RedisStoreError::Redis(redis_link::describe(error))
}

/// A digest of the token's credentials (access and refresh tokens), to
/// tell whether the stored token is still a given one without reading it.
fn credentials_digest(token: &Token) -> String {
    let mut digest = Sha256::new();
    digest.update(token.access_token().secret().as_bytes());
    digest.update([0]);
    if let Some(refresh) = token.refresh_token() {
        digest.update([1]);
        digest.update(refresh.secret().as_bytes());
    }
    digest
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn millis_since_epoch(time: SystemTime) -> i64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[async_trait::async_trait]
impl TokenStore for RedisStore {
    async fn load(&self, key: &str) -> Result<Option<Token>, Error> {
        let mut connection = self
            .link
            .connection()
            .map_err(|e| Error::store(redis_error(&e)))?;
        let json: Option<Vec<u8>> = redis::cmd("HGET")
            .arg(self.key(key))
            .arg("token")
            .query_async(&mut connection)
            .await
            .map_err(|e| Error::store(redis_error(&e)))?;
        json.map(|json| {
            // serde_json's message may quote the token: only its kind.
            serde_json::from_slice(&json)
                .map_err(|_| Error::store(RedisStoreError::Corrupt("not a token as JSON")))
        })
        .transpose()
    }

    /// Stores `token`, unless the token stored under `key` expires later
    /// (a newer one another worker saved): that one is kept.
    async fn save(&self, key: &str, token: &Token) -> Result<(), Error> {
        let json = serde_json::to_string(token).map_err(Error::store)?;
        let expires = token.expires_at().map_or(-1, millis_since_epoch);
        let ttl = match (token.refresh_token(), token.expires_at()) {
            (None, Some(at)) => {
                (millis_since_epoch(at) - millis_since_epoch(SystemTime::now())).max(1)
            }
            _ => 0,
        };
        let args = [
            expires.to_string(),
            credentials_digest(token),
            json,
            ttl.to_string(),
        ];
        self.script(SAVE, key, &args).await.map(drop)
    }

    async fn remove(&self, key: &str) -> Result<(), Error> {
        let mut connection = self
            .link
            .connection()
            .map_err(|e| Error::store(redis_error(&e)))?;
        let _removed: i64 = redis::cmd("DEL")
            .arg(self.key(key))
            .query_async(&mut connection)
            .await
            .map_err(|e| Error::store(redis_error(&e)))?;
        Ok(())
    }

    async fn remove_if(&self, key: &str, expected: &Token) -> Result<bool, Error> {
        let removed = self
            .script(REMOVE_IF, key, &[credentials_digest(expected)])
            .await?;
        Ok(removed == 1)
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("namespace", &self.prefix.trim_end_matches(":token:"))
            .finish_non_exhaustive()
    }
}
