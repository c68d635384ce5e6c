//! Where sessions keep their tokens: the [`TokenStore`] trait, the
//! in-memory default and, with the `file-store` feature, a JSON file; with
//! `redis-store`, a Redis server shared by a fleet.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};

use crate::error::Error;
use crate::token::Token;

#[cfg(feature = "file-store")]
mod file;
#[cfg(feature = "redis-store")]
mod redis;

#[cfg(feature = "file-store")]
pub use self::file::{FileStore, FileStoreError};
#[cfg(feature = "redis-store")]
pub use self::redis::{RedisStore, RedisStoreError};

/// Keeps tokens under a key, so one store can serve many users (a key per
/// user) or many apps.
///
/// A [`Session`](crate::Session) loads its token from the store before it
/// asks for a new one, and saves every new token **before** it uses it: a
/// rotated refresh token is never only in memory. A failed save fails the
/// call that caused it.
///
/// Implementations report their own failures as [`Error::Store`].
///
/// ```
/// use oauth_core::{Error, Token, TokenStore};
///
/// #[derive(Debug)]
/// struct Nowhere;
///
/// #[oauth_core::async_trait]
/// impl TokenStore for Nowhere {
///     async fn load(&self, _key: &str) -> Result<Option<Token>, Error> {
///         Ok(None)
///     }
///     async fn save(&self, _key: &str, _token: &Token) -> Result<(), Error> {
///         Err(Error::store("read-only store"))
///     }
///     async fn remove(&self, _key: &str) -> Result<(), Error> {
///         Ok(())
///     }
/// }
/// ```
#[async_trait::async_trait]
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// The token stored under `key`, or `None` when there is none.
    ///
    /// # Errors
    /// [`Error::Store`] when the store cannot be read or holds something
    /// that is not a token.
    async fn load(&self, key: &str) -> Result<Option<Token>, Error>;

    /// Stores `token` under `key`, replacing what was there. When this
    /// returns `Ok`, the token must survive whatever the store promises to
    /// survive (a restart, for a file).
    ///
    /// # Errors
    /// [`Error::Store`] when the token could not be kept.
    async fn save(&self, key: &str, token: &Token) -> Result<(), Error>;

    /// Forgets the token under `key`; nothing stored is not an error.
    ///
    /// # Errors
    /// [`Error::Store`] when the store cannot be changed.
    async fn remove(&self, key: &str) -> Result<(), Error>;

    /// Forgets the token under `key` only if it is still `expected` (the
    /// same access and refresh tokens), and says whether it did: a
    /// session whose refresh token was rejected must not remove the
    /// rotated token another session saved in the meantime. Nothing
    /// stored counts as removed.
    ///
    /// The default loads, compares and removes, which another writer may
    /// interleave with; stores shared by several sessions should make it
    /// one atomic step, as [`MemoryStore`] and `FileStore` do.
    ///
    /// # Errors
    /// [`Error::Store`] when the store cannot be read or changed.
    async fn remove_if(&self, key: &str, expected: &Token) -> Result<bool, Error> {
        match self.load(key).await? {
            Some(stored) if !stored.same_credentials(expected) => Ok(false),
            Some(_) => self.remove(key).await.map(|()| true),
            None => Ok(true),
        }
    }
}

/// Tokens in memory, lost when the process ends. The default store of a
/// session.
///
/// Each token is kept as its compact JSON, the form a [`Token`] round-trips
/// through serde: a server with many signed-in users keeps a few hundred
/// bytes per user, where a `Token` value with any extra answer field (such
/// as Battle.net's `sub`) takes over a kilobyte. Sessions load from their
/// store only when their cached token is stale.
#[derive(Default)]
pub struct MemoryStore {
    tokens: Mutex<HashMap<String, Box<[u8]>>>,
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, Box<[u8]>>> {
        // A panic elsewhere cannot leave the map half-changed: every change
        // is one insert or remove.
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keys may name users; show only how many there are.
        f.debug_struct("MemoryStore")
            .field("tokens", &self.tokens().len())
            .finish()
    }
}

#[async_trait::async_trait]
impl TokenStore for MemoryStore {
    async fn load(&self, key: &str) -> Result<Option<Token>, Error> {
        let tokens = self.tokens();
        let Some(json) = tokens.get(key) else {
            return Ok(None);
        };
        // Only what `save` wrote is here, so this cannot fail; serde's
        // message could quote a value, so it is not passed on.
        serde_json::from_slice(json)
            .map(Some)
            .map_err(|_| Error::store("a token in the memory store could not be read back"))
    }

    async fn save(&self, key: &str, token: &Token) -> Result<(), Error> {
        let json = serde_json::to_vec(token)
            .map_err(|_| Error::store("the token could not be serialised"))?;
        self.tokens()
            .insert(key.to_owned(), json.into_boxed_slice());
        Ok(())
    }

    async fn remove(&self, key: &str) -> Result<(), Error> {
        self.tokens().remove(key);
        Ok(())
    }

    async fn remove_if(&self, key: &str, expected: &Token) -> Result<bool, Error> {
        let mut tokens = self.tokens();
        let Some(json) = tokens.get(key) else {
            return Ok(true);
        };
        let stored: Token = serde_json::from_slice(json)
            .map_err(|_| Error::store("a token in the memory store could not be read back"))?;
        if !stored.same_credentials(expected) {
            return Ok(false);
        }
        tokens.remove(key);
        Ok(true)
    }
}

#[async_trait::async_trait]
impl<S: TokenStore + ?Sized> TokenStore for std::sync::Arc<S> {
    async fn load(&self, key: &str) -> Result<Option<Token>, Error> {
        (**self).load(key).await
    }

    async fn save(&self, key: &str, token: &Token) -> Result<(), Error> {
        (**self).save(key, token).await
    }

    async fn remove(&self, key: &str) -> Result<(), Error> {
        (**self).remove(key).await
    }

    async fn remove_if(&self, key: &str, expected: &Token) -> Result<bool, Error> {
        (**self).remove_if(key, expected).await
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::secret::{AccessToken, RefreshToken};

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(future)
    }

    /// A store with only the required methods, so `remove_if` is the
    /// trait's default.
    #[derive(Debug, Default)]
    struct Plain(MemoryStore);

    #[async_trait::async_trait]
    impl TokenStore for Plain {
        async fn load(&self, key: &str) -> Result<Option<Token>, Error> {
            self.0.load(key).await
        }
        async fn save(&self, key: &str, token: &Token) -> Result<(), Error> {
            self.0.save(key, token).await
        }
        async fn remove(&self, key: &str) -> Result<(), Error> {
            self.0.remove(key).await
        }
    }

    fn token(access: &str, refresh: Option<&str>) -> Token {
        let token = Token::bearer(AccessToken::new(access));
        match refresh {
            Some(refresh) => token.with_refresh_token(RefreshToken::new(refresh)),
            None => token,
        }
    }

    async fn access(store: &dyn TokenStore, key: &str) -> Option<String> {
        let token = store.load(key).await.expect("load")?;
        Some(token.access_token().secret().to_owned())
    }

    /// What every store must do, whichever way it keeps its tokens: keys
    /// apart, removal idempotent, and `remove_if` removing only the token
    /// it was shown.
    pub(super) async fn keeps_the_store_contract(store: &dyn TokenStore) {
        assert_eq!(access(store, "alice").await, None);
        store
            .save("alice", &token("a1", Some("r1")))
            .await
            .expect("save");
        store.save("bob", &token("b1", None)).await.expect("save");
        assert_eq!(access(store, "alice").await.as_deref(), Some("a1"));
        assert_eq!(access(store, "bob").await.as_deref(), Some("b1"));

        // (shown, removed?, what stays under "alice")
        let cases = [
            (token("a1", Some("other")), false, Some("a1")),
            (token("a1", None), false, Some("a1")),
            (token("a2", Some("r1")), false, Some("a1")),
            (token("a1", Some("r1")), true, None),
            (token("a1", Some("r1")), true, None),
        ];
        for (shown, removed, stays) in cases {
            let done = store.remove_if("alice", &shown).await.expect("remove_if");
            assert_eq!(done, removed, "{shown:?}");
            assert_eq!(access(store, "alice").await.as_deref(), stays);
        }
        assert_eq!(access(store, "bob").await.as_deref(), Some("b1"));
        store.save("alice", &token("a3", None)).await.expect("save");
        store.remove("bob").await.expect("remove");
        store.remove("bob").await.expect("removing twice is fine");
        assert_eq!(access(store, "bob").await, None);
        assert_eq!(access(store, "alice").await.as_deref(), Some("a3"));
    }

    #[test]
    fn every_memory_store_keeps_the_contract() {
        block_on(async {
            keeps_the_store_contract(&MemoryStore::new()).await;
            keeps_the_store_contract(&Plain::default()).await;
            let shared: std::sync::Arc<dyn TokenStore> = std::sync::Arc::new(MemoryStore::new());
            keeps_the_store_contract(&shared).await;
        });
    }

    #[test]
    fn memory_store_gives_back_every_field() {
        block_on(async {
            let token: Token = serde_json::from_value(serde_json::json!({
                "access_token": "a",
                "token_type": "bearer",
                "expires_at": 1_900_000_000,
                "refresh_token": "r",
                "scopes": ["openid", "wow.profile"],
                "id_token": "i",
                "extra": { "sub": "123", "nested": { "n": [1, 2.5, null] } },
            }))
            .expect("token");
            let store = MemoryStore::new();
            store.save("alice", &token).await.expect("save");
            let loaded = store.load("alice").await.expect("load").expect("stored");
            assert_eq!(
                serde_json::to_value(&loaded).expect("json"),
                serde_json::to_value(&token).expect("json")
            );
        });
    }

    #[test]
    fn memory_store_keeps_tokens_by_key() {
        block_on(async {
            let store = MemoryStore::new();
            assert!(store.load("alice").await.expect("load").is_none());
            store
                .save("alice", &Token::bearer(AccessToken::new("a")))
                .await
                .expect("save");
            store
                .save("bob", &Token::bearer(AccessToken::new("b")))
                .await
                .expect("save");
            let alice = store.load("alice").await.expect("load").expect("stored");
            assert_eq!(alice.access_token().secret(), "a");
            store.remove("alice").await.expect("remove");
            store.remove("alice").await.expect("removing twice is fine");
            assert!(store.load("alice").await.expect("load").is_none());
            assert!(store.load("bob").await.expect("load").is_some());
            assert_eq!(format!("{store:?}"), "MemoryStore { tokens: 1 }");
        });
    }
}
