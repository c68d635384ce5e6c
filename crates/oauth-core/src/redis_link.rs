//! The connection the Redis stores share: lazy, made again after a
//! failure, with timeouts so an unreachable server fails a call instead of
//! hanging it; and how a Redis failure is told without the URL.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// Why no connection could be set up for a URL.
pub(crate) enum LinkError {
    /// The URL cannot be read (not quoted: it may hold the password).
    Url,
    /// The client refused the settings.
    Redis(String),
}

/// A connection to the Redis at `url`, made on first use.
pub(crate) fn connect(url: &str) -> Result<ConnectionManager, LinkError> {
    // The parse error may quote the URL: it is not passed on.
    let client = redis::Client::open(url).map_err(|_| LinkError::Url)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(2)))
        .set_number_of_retries(1);
    ConnectionManager::new_lazy_with_config(client, config)
        .map_err(|e| LinkError::Redis(describe(&e)))
}

/// A Redis failure as text: its kind and the server's words, never the URL
/// it was reached by.
pub(crate) fn describe(error: &redis::RedisError) -> String {
    let detail = error.detail().map(|d| format!(": {d}")).unwrap_or_default();
    format!("{:?}{detail}", error.kind())
}
