//! The reqwest adapter: a newtype, so reqwest's version is not part of the
//! core's API.

use std::fmt;

use super::{HttpRequest, HttpResponse, HttpTransport, TransportConfig};
use crate::Error;
use crate::error::{Cause, ConfigError, TransportError, TransportErrorKind};

/// A transport on [`reqwest`](https://docs.rs/reqwest) with rustls.
///
/// Follows no redirects, caps the body at
/// [`TransportConfig::max_body_bytes`] and applies both timeouts. Clones
/// share one connection pool.
#[derive(Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    max_body_bytes: usize,
}

impl fmt::Debug for ReqwestTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReqwestTransport")
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

impl ReqwestTransport {
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
    /// [`Error::Config`] when TLS cannot be set up with these options.
    pub fn with_config(config: &TransportConfig) -> Result<Self, Error> {
        let tls = super::tls::client_config(config)?;
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .user_agent(config.user_agent.clone());
        // Never reqwest's own reading of the environment: it would take
        // `https://` and SOCKS proxies, which the hyper transport does not.
        // The environment is read once, by `Proxy`, for both.
        builder = builder.no_proxy();
        for proxy in config.proxy.for_reqwest()? {
            builder = builder.proxy(proxy);
        }
        let client = builder
            .tls_backend_preconfigured(tls)
            .build()
            .map_err(|e| ConfigError::Environment {
                what: "build the reqwest client",
                source: Cause::new(e),
            })?;
        Ok(ReqwestTransport {
            client,
            max_body_bytes: config.max_body_bytes,
        })
    }
}

#[async_trait::async_trait]
impl HttpTransport for ReqwestTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let request = reqwest::Request::try_from(request)
            .map_err(|e| TransportError::new(TransportErrorKind::InvalidRequest, e))?;
        let mut response = self.client.execute(request).await.map_err(classify)?;
        let limit = self.max_body_bytes;
        let too_large = || TransportError::from_kind(TransportErrorKind::BodyTooLarge { limit });
        let declared = response.content_length();
        if declared.is_some_and(|len| len > limit as u64) {
            return Err(too_large());
        }
        let mut builder = http::Response::builder()
            .status(response.status())
            .version(response.version());
        if let Some(headers) = builder.headers_mut() {
            *headers = std::mem::take(response.headers_mut());
        }
        // A body that comes in one chunk is handed over as it is; one in
        // several is joined, sized once for a declared length (already
        // checked against the cap).
        let mut body = bytes::Bytes::new();
        let mut joined = bytes::BytesMut::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.len() + joined.len() + chunk.len() > limit {
                return Err(too_large());
            }
            if body.is_empty() && joined.is_empty() {
                body = chunk;
                continue;
            }
            if joined.is_empty() {
                joined.reserve(declared.map_or(0, |len| usize::try_from(len).unwrap_or(limit)));
                joined.extend_from_slice(&std::mem::take(&mut body));
            }
            joined.extend_from_slice(&chunk);
        }
        let body = if joined.is_empty() {
            body
        } else {
            joined.freeze()
        };
        builder
            .body(body)
            .map_err(|e| TransportError::new(TransportErrorKind::Other, e))
    }
}

fn classify(error: reqwest::Error) -> TransportError {
    let kind = if error.is_timeout() {
        TransportErrorKind::Timeout
    } else if error.is_connect() {
        TransportErrorKind::Connect
    } else if error.is_builder() {
        TransportErrorKind::InvalidRequest
    } else {
        TransportErrorKind::Io
    };
    // reqwest's messages name the URL; ours never carry a secret in one.
    TransportError::new(kind, error.without_url())
}
