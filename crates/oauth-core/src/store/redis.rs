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
///   the session's store key, a user's id, with `%` and `:` written `%25`
///   and `%3A` so that no key reaches into another namespace), holding the
///   token as JSON and a digest of its credentials.
/// - **A renewal is compare-and-set**
///   ([`SessionBuilder::fleet`](crate::SessionBuilder::fleet)): the token a
///   worker renewed is saved only if the stored one is still the one it
///   renewed from, in one atomic script. A worker whose renewal answered
///   late (its lease ran out, and another renewed meanwhile) cannot put
///   back a refresh token the server has rotated away: it takes the stored
///   token instead. No clock is compared, so the fleet's machines need not
///   agree on the time, nor its tokens on their lifetimes.
/// - [`save`](TokenStore::save) itself (a new sign-in, say) replaces what
///   is stored, as the [`TokenStore`] contract says.
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
    namespace: Arc<str>,
    /// The longest a renewal may hold the fleet's lease without showing
    /// it is alive.
    lease: Duration,
}

/// Saves a token. Keys: the token's. Arguments: the credentials' digest,
/// the token as JSON, the time to live in milliseconds (`0`: kept until
/// removed), and the condition: `*` to replace whatever is stored, `-` to
/// save only where nothing is, or the digest the stored token's
/// credentials must have. Returns 1 when saved, 0 when the condition
/// failed.
const SAVE: &str = r"
local condition = ARGV[4]
if condition ~= '*' then
  local stored = redis.call('HGET', KEYS[1], 'credentials')
  if condition == '-' then
    if stored then return 0 end
  elseif stored ~= condition then
    return 0
  end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'credentials', ARGV[1], 'token', ARGV[2])
local ttl = tonumber(ARGV[3])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
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

/// Extends a renewal lease by `ARGV[2]` milliseconds if it is still the
/// one taken (`ARGV[1]`, its fencing token). Returns 1 when extended.
const EXTEND: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
";

/// How often a worker waiting on another's renewal looks for its token.
const WAIT_POLL: Duration = Duration::from_millis(25);

/// How long a worker waits for another's renewal, beyond three lease
/// times, while that one keeps its lease alive: past a slow token
/// endpoint's timeout and retries.
const LONGEST_RENEWAL: Duration = Duration::from_secs(120);

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
    /// Another worker's renewal held the lease for longer than this worker
    /// waits without saving a token: three lease times for a lease that
    /// never runs out (set by something else), two minutes more for any
    /// other (see [`RedisStore::lease_time`]).
    #[error("another worker's renewal held the lease for {0:?} without a new token")]
    LeaseStuck(Duration),
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
            namespace: namespace.into(),
            lease: Duration::from_secs(10),
        })
    }

    /// How long the fleet's renewal lease
    /// ([`SessionBuilder::fleet`](crate::SessionBuilder::fleet)) lasts
    /// unless its holder extends it: a living renewer extends it every
    /// third of this time while its token request runs (however slow the
    /// server), so this bounds only how long a renewer that died keeps the
    /// others waiting before one of them renews. A worker waits for
    /// another's renewal while the lease is held, up to two minutes and
    /// three lease times (three lease times alone for a lease without an
    /// expiry, which something else set), then fails with
    /// [`RedisStoreError::LeaseStuck`]. Default: 10 seconds; it is taken
    /// between 100 milliseconds and a day.
    #[must_use]
    pub fn lease_time(mut self, lease: Duration) -> Self {
        self.lease = lease.clamp(Duration::from_millis(100), Duration::from_secs(86_400));
        self
    }

    fn lease_millis(&self) -> u64 {
        u64::try_from(self.lease.as_millis()).unwrap_or(u64::MAX)
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
        format!("{}:lease:{}", self.namespace, escape(key))
    }

    /// Takes the renewal lease of `key` with the fencing token `fence`, if
    /// no one holds it.
    async fn take_lease(&self, key: &str, fence: &str) -> Result<bool, Error> {
        let millis = self.lease_millis();
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

    /// Whether the lease of `key` is held, and if so whether it runs out
    /// by itself (it has an expiry).
    async fn lease_held(&self, key: &str) -> Result<Option<bool>, Error> {
        let mut connection = self
            .link
            .connection()
            .map_err(|e| Error::store(redis_error(&e)))?;
        let ttl: i64 = redis::cmd("PTTL")
            .arg(self.lease_key(key))
            .query_async(&mut connection)
            .await
            .map_err(|e| Error::store(redis_error(&e)))?;
        // -2: no lease; -1: a lease without an expiry.
        Ok((ttl != -2).then_some(ttl >= 0))
    }

    async fn release_lease(&self, key: &str, fence: &str) -> Result<(), Error> {
        self.run(RELEASE, self.lease_key(key), &[fence.to_owned()])
            .await
            .map(drop)
    }

    /// Extends the lease of `key` if `fence` still holds it; says whether
    /// it did.
    async fn extend_lease(&self, key: &str, fence: &str) -> Result<bool, Error> {
        let args = [fence.to_owned(), self.lease_millis().to_string()];
        Ok(self.run(EXTEND, self.lease_key(key), &args).await? == 1)
    }

    /// The stored token under `key` if it is a new one (see [`is_new`]).
    async fn renewed(&self, key: &str, current: Option<&Token>) -> Result<Option<Token>, Error> {
        let stored = self.load(key).await?;
        Ok(stored.filter(|stored| is_new(stored, current)))
    }

    fn key(&self, key: &str) -> String {
        format!("{}:token:{}", self.namespace, escape(key))
    }

    /// Saves `token` under `key` if `condition` holds (see [`SAVE`]); says
    /// whether it did.
    async fn save_if(&self, key: &str, token: &Token, condition: String) -> Result<bool, Error> {
        // serde_json's message could quote the token: only its kind.
        let json = serde_json::to_string(token).map_err(|_| {
            Error::store(RedisStoreError::Corrupt("the token cannot be serialised"))
        })?;
        let ttl = match (token.refresh_token(), token.expires_at()) {
            (None, Some(at)) => at
                .duration_since(SystemTime::now())
                .map_or(1, |left| {
                    u64::try_from(left.as_millis()).unwrap_or(u64::MAX)
                })
                .max(1),
            _ => 0,
        };
        let args = [credentials_digest(token), json, ttl.to_string(), condition];
        Ok(self.script(SAVE, key, &args).await? == 1)
    }

    async fn script(&self, script: &str, key: &str, args: &[String]) -> Result<i64, Error> {
        self.run(script, self.key(key), args).await
    }

    async fn run(&self, script: &str, redis_key: String, args: &[String]) -> Result<i64, Error> {
        let mut command = redis::cmd("EVAL");
        command.arg(script).arg(1).arg(redis_key);
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

impl Leased {
    /// The renewal of the worker holding the lease `fence`: the stored
    /// token if another worker renewed since the session looked, else a
    /// new one from the source, saved if the stored token is still the one
    /// looked at (else the stored one, newer, is taken). The lease is
    /// extended while the source runs.
    async fn renew(&self, fence: &str, current: Option<&Token>) -> Result<Token, Error> {
        let store = &self.store;
        let stored = store.load(&self.key).await?;
        if let Some(stored) = stored.as_ref().filter(|s| is_new(s, current)) {
            return Ok(stored.clone());
        }
        let condition = stored
            .as_ref()
            .map_or_else(|| "-".to_owned(), credentials_digest);
        let fetch = self.source.fetch(current);
        tokio::pin!(fetch);
        let token = loop {
            match tokio::time::timeout(store.lease / 3, &mut fetch).await {
                Ok(token) => break token?,
                Err(_still_running) => match store.extend_lease(&self.key, fence).await {
                    Ok(true) => {}
                    Ok(false) => tracing::warn!(
                        "the renewal lease ran out while the token request ran; \
                         another worker may renew too"
                    ),
                    Err(error) => {
                        tracing::warn!(%error, "the renewal lease could not be extended");
                    }
                },
            }
        };
        // Saved before the lease is freed, so the waiters find it. A failed
        // save fails the renewal, as a session's own save does: a rotated
        // refresh token must not live only in one process.
        if store.save_if(&self.key, &token, condition).await? {
            return Ok(token);
        }
        // Another worker saved a token while this renewal ran: that one is
        // the fleet's, whatever this renewal got. If it was removed since
        // (a sign-out, a rejected refresh), this one is saved where
        // nothing is, never kept only here.
        tracing::debug!("another worker's renewal was saved first; its token is used");
        for _ in 0..3 {
            if let Some(stored) = store.load(&self.key).await? {
                return Ok(stored);
            }
            if store.save_if(&self.key, &token, "-".to_owned()).await? {
                return Ok(token);
            }
        }
        Err(Error::store(RedisStoreError::Redis(
            "the stored token kept changing while the renewed one was saved".to_owned(),
        )))
    }
}

#[async_trait::async_trait]
impl TokenSource for Leased {
    async fn fetch(&self, current: Option<&Token>) -> Result<Token, Error> {
        let store = &self.store;
        let started = Instant::now();
        let patience = store.lease * 3;
        let longest = patience + LONGEST_RENEWAL;
        loop {
            let fence = fence()?;
            if store.take_lease(&self.key, &fence).await? {
                let renewed = self.renew(&fence, current).await;
                if let Err(error) = store.release_lease(&self.key, &fence).await {
                    tracing::warn!(%error, "the renewal lease could not be freed; it runs out");
                }
                return renewed;
            }
            // Another worker renews: wait for its token while it holds the
            // lease (it extends the lease while alive), within patience.
            loop {
                tokio::time::sleep(WAIT_POLL).await;
                if let Some(token) = store.renewed(&self.key, current).await? {
                    return Ok(token);
                }
                let Some(runs_out) = store.lease_held(&self.key).await? else {
                    // Freed (or run out) without a new token: take it.
                    break;
                };
                let waited = started.elapsed();
                if waited > longest || (!runs_out && waited > patience) {
                    return Err(Error::store(RedisStoreError::LeaseStuck(started.elapsed())));
                }
            }
        }
    }
}

/// Whether `stored` is a token renewed since `current`: other credentials,
/// and not about to expire.
fn is_new(stored: &Token, current: Option<&Token>) -> bool {
    !stored.expires_within(Duration::from_secs(1))
        && current.is_none_or(|current| !current.same_credentials(stored))
}

/// A store key as it is written in a Redis key: `%` and `:` escaped, so a
/// key cannot reach into another namespace's keys.
fn escape(key: &str) -> std::borrow::Cow<'_, str> {
    if key.contains(['%', ':']) {
        key.replace('%', "%25").replace(':', "%3A").into()
    } else {
        key.into()
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

    /// Stores `token`, replacing what is stored. A fleet's renewals save
    /// with a condition instead (see [`RedisStore`]).
    async fn save(&self, key: &str, token: &Token) -> Result<(), Error> {
        self.save_if(key, token, "*".to_owned()).await.map(drop)
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
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}
