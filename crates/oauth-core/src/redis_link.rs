//! The connection the Redis stores share: lazy, made again after a
//! failure, with timeouts so an unreachable server fails a call instead of
//! hanging it; and how a Redis failure is told without the URL.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// The URL cannot be read (not quoted: it may hold the password).
pub(crate) struct BadUrl;

/// The connection to one Redis, made on first use (within a Tokio runtime,
/// which the connection's background task needs) and made again by itself
/// after a failure.
#[derive(Clone)]
pub(crate) struct Link(Arc<Inner>);

struct Inner {
    client: redis::Client,
    manager: Mutex<Option<ConnectionManager>>,
}

impl Link {
    /// A handle on the connection, made now if it is the first use.
    ///
    /// # Errors
    /// When called outside a Tokio runtime, or when the client refuses its
    /// settings.
    pub(crate) fn connection(&self) -> Result<ConnectionManager, redis::RedisError> {
        let mut manager = self
            .0
            .manager
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(manager) = manager.as_ref() {
            return Ok(manager.clone());
        }
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(redis::RedisError::from((
                redis::ErrorKind::Client,
                "Redis is reached only from within a Tokio runtime",
            )));
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(1);
        let made = ConnectionManager::new_lazy_with_config(self.0.client.clone(), config)?;
        *manager = Some(made.clone());
        Ok(made)
    }
}

/// The connection to the Redis at `url`, made on first use: nothing is
/// connected (or spawned) yet, so this needs no runtime.
pub(crate) fn connect(url: &str) -> Result<Link, BadUrl> {
    // The parse error may quote the URL: it is not passed on.
    let client = redis::Client::open(url).map_err(|_| BadUrl)?;
    Ok(Link(Arc::new(Inner {
        client,
        manager: Mutex::new(None),
    })))
}

/// A Redis failure as text: its kind and the server's words, never the URL
/// it was reached by.
pub(crate) fn describe(error: &redis::RedisError) -> String {
    let detail = error.detail().map(|d| format!(": {d}")).unwrap_or_default();
    format!("{:?}{detail}", error.kind())
}
