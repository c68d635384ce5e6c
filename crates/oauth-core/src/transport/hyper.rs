//! The hyper adapter: hyper 1 with hyper-util's pooled client and rustls.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioIo};

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
    client: Client<Connector, Full<bytes::Bytes>>,
    /// Which destinations go through which proxy; `None` when none does.
    proxies: Option<Arc<Matcher>>,
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
        // `None` when no proxy is configured or the environment names
        // none: then no destination is asked about.
        let proxies = config.proxy.matcher().map(Arc::new);
        let connector = Connector {
            direct: hyper_rustls::HttpsConnectorBuilder::new()
                .with_tls_config(tls.clone())
                .https_or_http()
                .enable_http1()
                .wrap_connector(http.clone()),
            http,
            tls: Arc::new(tls),
            proxies: proxies.clone(),
        };
        let client = Client::builder(TokioExecutor::new()).build(connector);
        let user_agent = http::HeaderValue::from_str(&config.user_agent)
            .map_err(|_| ConfigError::InvalidHeader("the user agent"))?;
        Ok(HyperTransport {
            client,
            proxies,
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
        // A plain `http` request through a proxy carries the proxy's
        // credentials itself (an `https` one gives them to the tunnel).
        if parts.uri.scheme_str() == Some("http")
            && let Some(auth) = self
                .proxies
                .as_ref()
                .and_then(|proxies| proxies.intercept(&parts.uri))
                .and_then(|proxy| proxy.basic_auth().cloned())
        {
            parts
                .headers
                .insert(http::header::PROXY_AUTHORIZATION, auth);
        }
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

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Connects each destination directly, or through the proxy the matcher
/// names for it: a `CONNECT` tunnel for `https` (TLS to the destination
/// inside it), the proxy itself for plain `http`.
#[derive(Clone)]
struct Connector {
    direct: HttpsConnector<HttpConnector>,
    http: HttpConnector,
    tls: Arc<rustls::ClientConfig>,
    proxies: Option<Arc<Matcher>>,
}

impl tower_service::Service<Uri> for Connector {
    type Response = Conn;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Conn, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let proxy = self.proxies.as_ref().and_then(|p| p.intercept(&dst));
        let this = self.clone();
        Box::pin(async move {
            let Some(proxy) = proxy else {
                let mut direct = this.direct;
                return Ok(Conn {
                    inner: direct.call(dst).await?,
                    proxied: false,
                });
            };
            if dst.scheme_str() == Some("https") {
                let mut tunnel = Tunnel::new(proxy.uri().clone(), this.http);
                if let Some(auth) = proxy.basic_auth() {
                    tunnel = tunnel.with_auth(auth.clone());
                }
                let mut https = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_tls_config((*this.tls).clone())
                    .https_only()
                    .enable_http1()
                    .wrap_connector(tunnel);
                return Ok(Conn {
                    inner: https.call(dst).await?,
                    proxied: false,
                });
            }
            let mut http = this.http;
            let io = http.call(proxy.uri().clone()).await?;
            Ok(Conn {
                inner: MaybeHttpsStream::Http(io),
                proxied: true,
            })
        })
    }
}

/// A connection, marked when it goes to a proxy for plain `http` (the
/// client then sends each request with its whole URL).
struct Conn {
    inner: MaybeHttpsStream<TokioIo<tokio::net::TcpStream>>,
    proxied: bool,
}

impl Connection for Conn {
    fn connected(&self) -> Connected {
        self.inner.connected().proxy(self.proxied)
    }
}

impl hyper::rt::Read for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
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
