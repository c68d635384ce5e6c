//! The HTTP transport contract, its configuration, and the adapters.
//!
//! The core speaks only `http::Request<Vec<u8>>` and `http::Response<Bytes>`
//! (the `http` and `bytes` crates every Rust HTTP client builds on), so no
//! HTTP client's types appear in its API and upgrading a client is never a
//! breaking change here.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use crate::error::TransportError;

#[cfg(feature = "hyper")]
mod hyper;
mod proxy;
#[cfg(feature = "reqwest")]
mod reqwest;
#[cfg(any(feature = "reqwest", feature = "hyper"))]
mod tls;

#[cfg(feature = "hyper")]
pub use self::hyper::HyperTransport;
#[cfg(feature = "reqwest")]
pub use self::reqwest::ReqwestTransport;

pub use self::proxy::Proxy;
pub use bytes::Bytes;

/// A request as the core hands it to a transport.
pub type HttpRequest = http::Request<Vec<u8>>;
/// An answer as a transport hands it back, body read in full. The body is
/// [`Bytes`], as hyper and reqwest read it: handed over
/// without a copy, and shared, not copied, by a cache hit.
pub type HttpResponse = http::Response<bytes::Bytes>;

/// Sends one HTTP request and returns the whole answer.
///
/// Implementations must not follow redirects (a 3xx is returned as is),
/// should cap the body they read, and should apply timeouts. Held as
/// `Arc<dyn HttpTransport>`; a closure can be one through [`transport_fn`].
#[async_trait::async_trait]
pub trait HttpTransport: Send + Sync + fmt::Debug {
    /// Sends `request` and reads the answer.
    ///
    /// # Errors
    /// A [`TransportError`] when no complete answer could be had. An HTTP
    /// error status is an answer, not an error.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
}

/// Options shared by the built-in transports.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TransportConfig {
    /// How long connecting (TCP and TLS) may take. Default: 10 seconds.
    pub connect_timeout: Duration,
    /// How long a whole exchange may take, body included. Default: 30 seconds.
    pub timeout: Duration,
    /// The largest answer body read; a larger one is an error. Default: 1 MiB.
    pub max_body_bytes: usize,
    /// Extra trusted root certificates (DER), on top of the platform's.
    pub extra_root_certificates: Vec<Vec<u8>>,
    /// The `User-Agent` sent with every request.
    pub user_agent: String,
    /// The proxy, if any. Default: the environment's `HTTP_PROXY`,
    /// `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY`, read as [`Proxy`] says
    /// (`http://` proxies only).
    pub proxy: Proxy,
    /// The certificate the client shows in TLS handshakes (mutual TLS, RFC
    /// 8705), if any.
    pub client_certificate: Option<ClientCertificate>,
}

/// A client certificate for mutual TLS (RFC 8705): its chain and its
/// private key, DER. The key is a secret: never in `Debug`.
#[derive(Clone)]
#[cfg_attr(not(any(feature = "reqwest", feature = "hyper")), allow(dead_code))]
pub struct ClientCertificate {
    pub(crate) chain: Vec<Vec<u8>>,
    pub(crate) key: Vec<u8>,
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("certificates", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl ClientCertificate {
    /// The certificate chain (the client's own first, DER) and its private
    /// key (PKCS#8, PKCS#1 or SEC1 DER).
    #[must_use]
    pub fn from_der(chain: Vec<Vec<u8>>, key: Vec<u8>) -> Self {
        ClientCertificate { chain, key }
    }
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body_bytes: 1024 * 1024,
            extra_root_certificates: Vec::new(),
            user_agent: concat!("oauth-core/", env!("CARGO_PKG_VERSION")).to_owned(),
            proxy: Proxy::from_env(),
            client_certificate: None,
        }
    }
}

impl TransportConfig {
    /// Sets the connect timeout.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the total timeout of one exchange.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the body size cap.
    #[must_use]
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Trusts one more root certificate (DER encoded), such as a private CA.
    #[must_use]
    pub fn add_root_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.extra_root_certificates.push(der.into());
        self
    }

    /// Sets the proxy ([`Proxy::none`] to go direct whatever the
    /// environment says).
    #[must_use]
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = proxy;
        self
    }

    /// Shows this certificate in TLS handshakes (mutual TLS).
    #[must_use]
    pub fn client_certificate(mut self, certificate: ClientCertificate) -> Self {
        self.client_certificate = Some(certificate);
        self
    }

    /// Sets the `User-Agent` header.
    #[must_use]
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }
}

/// A transport made of a closure; see [`transport_fn`].
pub struct FnTransport<F>(F);

impl<F> fmt::Debug for FnTransport<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnTransport")
    }
}

/// Makes a transport of an async closure, for tests or for wrapping a
/// client of your own.
///
/// ```
/// use oauth_core::transport::{transport_fn, Bytes, HttpRequest};
///
/// let transport = transport_fn(|request: HttpRequest| async move {
///     let _ = request;
///     Ok(oauth_core::http::Response::new(Bytes::from_static(b"{}")))
/// });
/// # let _ = transport;
/// ```
pub fn transport_fn<F, Fut>(f: F) -> FnTransport<F>
where
    F: Fn(HttpRequest) -> Fut + Send + Sync,
    Fut: Future<Output = Result<HttpResponse, TransportError>> + Send,
{
    FnTransport(f)
}

#[async_trait::async_trait]
impl<F, Fut> HttpTransport for FnTransport<F>
where
    F: Fn(HttpRequest) -> Fut + Send + Sync,
    Fut: Future<Output = Result<HttpResponse, TransportError>> + Send,
{
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        (self.0)(request).await
    }
}

/// The transport a client uses when none is given: reqwest if built in,
/// else hyper.
#[cfg(any(feature = "reqwest", feature = "hyper"))]
pub(crate) fn default_transport() -> Result<std::sync::Arc<dyn HttpTransport>, crate::Error> {
    #[cfg(feature = "reqwest")]
    let transport = ReqwestTransport::new()?;
    #[cfg(all(feature = "hyper", not(feature = "reqwest")))]
    let transport = HyperTransport::new()?;
    Ok(std::sync::Arc::new(transport))
}
