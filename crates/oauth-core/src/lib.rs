//! Provider-agnostic OAuth 2.0 client: a pluggable HTTP transport, every
//! grant, tokens with secret types, sessions that renew their own tokens,
//! token stores, and typed errors.
//!
//! `oauth-core` never names a provider. Provider crates (`battlenet`,
//! `ringplus`) and your own implement [`Provider`]; most standard servers
//! need only a [`GenericProvider`] built from their URLs.
//!
//! # Example: the authorization code flow
//!
//! The examples run against an [`oauth-sandbox`](https://docs.rs/oauth-sandbox)
//! on loopback; the hidden lines start it and put its URLs in place of the
//! `example.com` ones.
//!
//! ```
//! # #[cfg(any(feature = "reqwest", feature = "hyper"))]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sandbox = oauth_sandbox::Sandbox::builder()
//! #     .client(oauth_sandbox::ClientConfig::confidential("my-client-id", "my-client-secret")
//! #         .redirect_uri("https://app.example.com/callback"))
//! #     .user(oauth_sandbox::UserConfig::new("alice", "wonderland"))
//! #     .start().await?;
//! use oauth_core::{Client, GenericProvider};
//!
//! let provider = GenericProvider::new(
//!     "https://auth.example.com/authorize",
//!     "https://auth.example.com/token",
//! )?;
//! # let provider = GenericProvider::new(
//! #     sandbox.authorization_endpoint().as_str(), sandbox.token_endpoint().as_str())?;
//! let client = Client::builder(provider, "my-client-id")
//!     .client_secret("my-client-secret")
//!     .redirect_uri("https://app.example.com/callback")
//!     .build()?;
//!
//! // 1. Send the user to `url`; keep `pending` (it serialises) in their session.
//! let (url, pending) = client.authorization_url().scope("profile").build()?;
//! // 2. The browser comes back to the redirect URI: hand over the full URL.
//! let callback = "https://app.example.com/callback?code=…&state=…";
//! # let callback = oauth_sandbox::browser::sign_in(
//! #     &url, "alice", "wonderland", oauth_sandbox::browser::Decision::Approve).await?;
//! # let callback = callback.as_str();
//! let token = client.exchange_callback(pending, callback).await?;
//! assert!(token.refresh_token().is_some());
//! # Ok(()) }
//! # #[cfg(not(any(feature = "reqwest", feature = "hyper")))] fn main() {}
//! ```
//!
//! # Example: an app token
//!
//! ```
//! # #[cfg(any(feature = "reqwest", feature = "hyper"))]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sandbox = oauth_sandbox::Sandbox::builder()
//! #     .client(oauth_sandbox::ClientConfig::confidential("my-client-id", "my-client-secret"))
//! #     .start().await?;
//! # let provider = oauth_core::GenericProvider::new(
//! #     sandbox.authorization_endpoint().as_str(), sandbox.token_endpoint().as_str())?;
//! # let client = oauth_core::Client::builder(provider, "my-client-id")
//! #     .client_secret("my-client-secret").build()?;
//! let token = client.client_credentials(&[]).await?;
//! println!("valid for {:?}", token.expires_in());
//! # Ok(()) }
//! # #[cfg(not(any(feature = "reqwest", feature = "hyper")))] fn main() {}
//! ```
//!
//! # Example: a session that renews its own token
//!
//! A [`Session`] holds a token source, a [`TokenStore`] and the transport.
//! It renews the token ahead of expiry (one request however many tasks
//! ask), saves every new token before using it, attaches it to API calls,
//! renews once after a 401, and retries idempotent calls on 429/502/503/504.
//!
//! ```
//! # #[cfg(any(feature = "reqwest", feature = "hyper"))]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sandbox = oauth_sandbox::Sandbox::builder()
//! #     .client(oauth_sandbox::ClientConfig::confidential("my-client-id", "my-client-secret")
//! #         .redirect_uri("https://app.example.com/callback"))
//! #     .user(oauth_sandbox::UserConfig::new("alice", "wonderland"))
//! #     .start().await?;
//! # let provider = oauth_core::GenericProvider::new(
//! #     sandbox.authorization_endpoint().as_str(), sandbox.token_endpoint().as_str())?;
//! # let client = oauth_core::Client::builder(provider, "my-client-id")
//! #     .client_secret("my-client-secret")
//! #     .redirect_uri("https://app.example.com/callback").build()?;
//! # let (url, pending) = client.authorization_url().build()?;
//! # let callback = oauth_sandbox::browser::sign_in(
//! #     &url, "alice", "wonderland", oauth_sandbox::browser::Decision::Approve).await?;
//! # let token = client.exchange_callback(pending, callback.as_str()).await?;
//! # let sandbox_api = sandbox.api_url().join("api/me")?;
//! use std::time::Duration;
//! use oauth_core::{RateLimiter, Session};
//!
//! let api = "https://api.example.com/me";
//! # let api = sandbox_api.as_str();
//!
//! // An app token, renewed by the client credentials grant.
//! let session = Session::client_credentials(&client, &[])
//!     .rate_limiter(RateLimiter::new(100, Duration::from_secs(1)))
//!     .build()?;
//! let me: serde_json::Value = session.get(api).json().await?;
//! # let _ = me;
//!
//! // A user's token, renewed with its refresh token and kept under their id.
//! let user = Session::refreshing(&client).key("user-42").build()?;
//! user.set_token(token).await?;
//! let answer = match user.get(api).send().await {
//!     // The refresh token is dead (and removed): send the user to sign in.
//!     Err(e) if e.needs_authorization() => return Ok(()),
//!     other => other?,
//! };
//! assert!(answer.status().is_success());
//! # Ok(()) }
//! # #[cfg(not(any(feature = "reqwest", feature = "hyper")))] fn main() {}
//! ```
//!
//! Stores: [`MemoryStore`] (the default) and, with `file-store`,
//! [`FileStore`]; or implement [`TokenStore`] for your
//! database. A [`Clock`] can be injected to test expiry without waiting.
//!
//! # Discovery, revocation, introspection, devices, native apps
//! - [`GenericProvider::discover`] reads OpenID Connect discovery (else
//!   RFC 8414) metadata: endpoints, client authentication, PKCE support;
//!   [`ServerMetadata`] keeps the rest.
//! - [`Client::revoke`] (RFC 7009) and [`Client::introspect`] (RFC 7662)
//!   take an access or a refresh token ([`TokenRef`]).
//! - [`Client::device_authorization`] and [`Client::poll_device_token`]:
//!   the device grant of RFC 8628, polling at the server's `interval` and
//!   slowing down when told.
//! - With `loopback`, [`LoopbackRedirect`] runs the native-app flow of
//!   RFC 8252; with `oidc`, [`IdTokenVerifier`] checks ID tokens.
//!
//! ```
//! # #[cfg(any(feature = "reqwest", feature = "hyper"))]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sandbox = oauth_sandbox::Sandbox::builder()
//! #     .client(oauth_sandbox::ClientConfig::confidential("my-app", "my-secret"))
//! #     .start().await?;
//! # let sandbox_issuer = sandbox.oauth_url().as_str().trim_end_matches('/').to_owned();
//! use oauth_core::{Client, GenericProvider};
//!
//! let issuer = "https://accounts.example.com";
//! # let issuer = sandbox_issuer.as_str();
//! let provider = GenericProvider::discover(issuer).await?;
//! let client = Client::builder(provider, "my-app")
//!     .client_secret("my-secret")
//!     .build()?;
//! let token = client.client_credentials(&[]).await?;
//! assert!(client.introspect(token.access_token()).await?.active);
//! client.revoke(token.access_token()).await?;
//! assert!(!client.introspect(token.access_token()).await?.active);
//! # Ok(()) }
//! # #[cfg(not(any(feature = "reqwest", feature = "hyper")))] fn main() {}
//! ```
//!
//! # Transports
//! Requests go through an [`HttpTransport`]: one async method from
//! `http::Request<Vec<u8>>` to `http::Response<Bytes>` ([`Bytes`](transport::Bytes)). The built-in
//! adapters follow no redirects, cap answer bodies (1 MiB by default) and
//! apply a connect timeout (10 s) and a total timeout (30 s); see
//! [`TransportConfig`]. A closure becomes a transport with
//! [`transport_fn`](transport::transport_fn).
//!
//! # Security
//! - Secrets ([`AccessToken`], [`RefreshToken`], [`ClientSecret`], …) are
//!   newtypes with a redacted `Debug` and no `Display`.
//! - Endpoints must be `https`, or `http` on a loopback host.
//! - No token is ever put in a URL, a log event or an error message: the
//!   bodies that errors quote pass through [`body_excerpt`], which masks
//!   secret fields ([`is_secret_field`], in every spelling) and `Bearer` and
//!   `Basic` credentials; every secret a request sent is masked in whatever
//!   the server says back (descriptions, pages, challenges), and a server's
//!   words are kept on one line so they cannot forge log lines. Provider
//!   crates read their API answers with [`answer_excerpt`],
//!   [`server_text`] and [`json_problem`] to the same effect.
//! - Credentials go only to `https` or loopback `http` URLs, whatever path
//!   sends them ([`Client::form_request`], [`Client::send_to`]); only
//!   `Bearer` tokens are presented ([`Error::UnsupportedTokenType`]).
//! - An error callback without this authorization's `state` is a state
//!   error, never an "access denied" with a stranger's text and link.
//!
//! # Errors
//! One [`Error`] for everything. A server's RFC 6749 §5.2 answer is
//! [`Error::Server`] with its fields typed, whether it came in the body or,
//! from a resource server, only in a `WWW-Authenticate: Bearer` challenge
//! ([`BearerChallenge`]: `invalid_token`, `insufficient_scope` and the
//! scope needed).
//! - `state` is random and compared in constant time; PKCE S256 is on by default.
//!
//! # Feature flags
//! - `reqwest` (default): [`ReqwestTransport`](transport::ReqwestTransport),
//!   reqwest with rustls on `ring`.
//! - `hyper`: [`HyperTransport`](transport::HyperTransport), hyper 1 with
//!   hyper-util's client and rustls on `ring`.
//! - `password-grant`: [`Client::password`], the resource owner password
//!   grant. Off by default: current security advice forbids it.
//! - `file-store`: [`FileStore`], tokens in a JSON file
//!   replaced atomically (temporary file, `fsync`, rename), mode 0600 on
//!   Unix. Its file I/O runs on tokio's blocking pool.
//! - `redis-store`: `RedisStore`, tokens on a Redis server shared by the
//!   processes of a fleet; each renewal saved compare-and-set;
//!   `SessionBuilder::fleet`, one renewal at a time across the fleet;
//!   `RateLimiter::fleet`, one rate budget across the fleet.
//! - `redis-cache`: `cache::RedisCache`, the response cache on Redis.
//! - `form-login`: [`FormLogin`], signing a user in through a provider's
//!   HTML sign-in and consent forms (with an HTML parser and a cookie jar,
//!   neither compiled without it).
//! - `oidc`: [`IdTokenVerifier`], ID tokens' signatures verified against
//!   the provider's JWKS (`jsonwebtoken` on `ring`) and their claims checked.
//! - `loopback`: [`LoopbackRedirect`], a one-shot listener on 127.0.0.1
//!   that catches the authorization redirect of a native or command-line
//!   app (RFC 8252), opening the system browser when there is one.
//! - `blocking`: [`blocking::Runtime`], a runtime on a background thread
//!   for the blocking clients of provider crates.
//! - `cache`: [`cache::ResponseCache`], API answers kept and served by
//!   HTTP's caching rules as a layer of the call stack
//!   ([`layer::Stack::cache`]), in memory by default.
//! - `sqlite-cache`: `cache::SqliteCache`, the response cache in one SQLite
//!   file (SQLite compiled in), kept across restarts and shared by the
//!   processes of a host.
//!
//! With no default features the crate builds without any HTTP client; bring
//! your own transport.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod answer;
mod authorization;
#[cfg(feature = "blocking")]
pub mod blocking;
#[cfg(feature = "cache")]
pub mod cache;
mod challenge;
mod client;
mod clock;
mod device;
mod discovery;
mod error;
#[cfg(feature = "form-login")]
mod form_login;
mod grants;
mod introspection;
#[cfg(feature = "jose")]
#[cfg_attr(docsrs, doc(cfg(feature = "jose")))]
pub mod jose;
pub mod layer;
#[cfg(feature = "loopback")]
mod loopback;
#[cfg(feature = "oidc")]
mod oidc;
mod provider;
mod rate_limit;
mod redact;
#[cfg(any(feature = "redis-cache", feature = "redis-store"))]
mod redis_link;
mod retry;
mod revocation;
mod secret;
pub mod session;
pub mod store;
mod token;
pub mod transport;
mod url_policy;

/// The attribute that implements this crate's async traits
/// ([`HttpTransport`], [`TokenStore`], [`TokenSource`]), re-exported so
/// implementations use the same version.
pub use async_trait::async_trait;

pub use http;
pub use url;

pub use crate::authorization::{AuthorizationRequest, PendingAuthorization, pkce_challenge};
pub use crate::challenge::BearerChallenge;
pub use crate::client::{Client, ClientBuilder};
pub use crate::clock::{Clock, ManualClock, SystemClock};
pub use crate::device::{DEVICE_CODE_GRANT, DeviceAuthorization, DeviceCode};
pub use crate::discovery::ServerMetadata;
pub use crate::error::{
    CallbackError, Cause, ConfigError, Endpoint, Error, ErrorCode, ParseError, ServerError,
    TransportError, TransportErrorKind,
};
#[cfg(feature = "form-login")]
pub use crate::form_login::{
    ConsentPolicy, DEFAULT_ERROR_SELECTOR, FieldMatcher, FormLogin, FormLoginConfig, FormLoginError,
};
pub use crate::grants::{JWT_BEARER_GRANT, TOKEN_EXCHANGE_GRANT, TokenExchange, token_types};
pub use crate::introspection::Introspection;
#[cfg(feature = "loopback")]
pub use crate::loopback::{LoopbackConfig, LoopbackRedirect, OpenBrowser};
#[cfg(feature = "oidc")]
pub use crate::oidc::{IdTokenClaims, IdTokenError, IdTokenVerifier, Jwks, OpenIdLogin};
pub use crate::provider::{ClientAuth, Endpoints, GenericProvider, Provider};
pub use crate::rate_limit::RateLimiter;
pub use crate::redact::{answer_excerpt, body_excerpt, is_secret_field, json_problem, server_text};
pub use crate::retry::{RetryPolicy, retry_after};
pub use crate::revocation::TokenRef;
pub use crate::secret::{
    AccessToken, AuthorizationCode, ClientSecret, CsrfState, IdToken, Nonce, Password,
    PkceCodeVerifier, RefreshToken,
};
pub use crate::session::{
    ApiRequest, ClientCredentialsSource, CurrentToken, RefreshTokenSource, Session, SessionBuilder,
    TokenSource,
};
#[cfg(feature = "file-store")]
pub use crate::store::{FileStore, FileStoreError};
pub use crate::store::{MemoryStore, TokenStore};
#[cfg(feature = "redis-store")]
pub use crate::store::{RedisStore, RedisStoreError};
pub use crate::token::{Token, TokenType};
pub use crate::transport::{HttpTransport, TransportConfig};
pub use crate::url_policy::{check_endpoint, display_without_query, is_loopback};
