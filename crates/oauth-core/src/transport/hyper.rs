//! The hyper adapter: hyper 1 with hyper-util's pooled client and rustls.

use std::fmt;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::{HttpRequest, HttpResponse, HttpTransport, TransportConfig};
use crate::Error;
use crate::error::{ConfigError, TransportError, TransportErrorKind};

/// A transport on [hyper](https://docs.rs/hyper) 1 with rustls.
///
/// Follows no redirects, caps the body at
/// [`TransportConfig::max_body_bytes`] and applies both timeouts. Needs a
/// Tokio runtime. Clones share one connection pool.
#[derive(Clone)]
pub struct HyperTransport {
    client: Client<HttpsConnector<HttpConnector>, Full<bytes::Bytes>>,
    timeout: Duration,
    max_body_bytes: usize,
    user_agent: http::HeaderValue,
}

impl fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperTransport")
            .field("timeout", &self.timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

impl HyperTransport {
    /// A transport with the default [`TransportConfig`].
    ///
    /// # Errors
    /// [`Error::Config`] when TLS cannot be set up on this platform.
    pub fn new() -> Result<Self, Error> {
        Self::with_config(&TransportConfig::default())
    }

    /// A transport with the given options.
    ///
    /// # Errors
    /// [`Error::Config`] when TLS cannot be set up with these options or the
    /// user agent is not a valid header value.
    pub fn with_config(config: &TransportConfig) -> Result<Self, Error> {
        let tls = super::tls::client_config(config)?;
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(config.connect_timeout));
        http.set_nodelay(true);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new()).build(connector);
        let user_agent = http::HeaderValue::from_str(&config.user_agent)
            .map_err(|_| ConfigError::InvalidHeader("the user agent"))?;
        Ok(HyperTransport {
            client,
            timeout: config.timeout,
            max_body_bytes: config.max_body_bytes,
            user_agent,
        })
    }

    async fn exchange(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let (mut parts, body) = request.into_parts();
        parts
            .headers
            .entry(http::header::USER_AGENT)
            .or_insert_with(|| self.user_agent.clone());
        let request = http::Request::from_parts(parts, Full::new(bytes::Bytes::from(body)));
        let response = self.client.request(request).await.map_err(classify)?;
        let limit = self.max_body_bytes;
        let too_large = || TransportError::from_kind(TransportErrorKind::BodyTooLarge { limit });
        let declared = response
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > limit as u64) {
            return Err(too_large());
        }
        let (parts, body) = response.into_parts();
        let collected = Limited::new(body, limit).collect().await.map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                too_large()
            } else {
                TransportError::new(TransportErrorKind::Io, e)
            }
        })?;
        // A body that arrived in one piece is handed over without a copy.
        Ok(http::Response::from_parts(parts, collected.to_bytes()))
    }
}

#[async_trait::async_trait]
impl HttpTransport for HyperTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        tokio::time::timeout(self.timeout, self.exchange(request))
            .await
            .unwrap_or_else(|_| Err(TransportError::from_kind(TransportErrorKind::Timeout)))
    }
}

fn classify(error: hyper_util::client::legacy::Error) -> TransportError {
    let kind = if error.is_connect() {
        // The connector reports its own timeout as a connect failure.
        if error_chain_mentions_timeout(&error) {
            TransportErrorKind::Timeout
        } else {
            TransportErrorKind::Connect
        }
    } else {
        TransportErrorKind::Io
    };
    TransportError::new(kind, error)
}

fn error_chain_mentions_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return true;
        }
        current = e.source();
    }
    false
}
