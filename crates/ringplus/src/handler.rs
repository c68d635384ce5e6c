//! [`OAuthHandler`]: the tutorial's handler. It builds the authorization
//! URL, fetches the token from the redirected URL, keeps the token, refreshes
//! it, and hands it to the API.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use oauth_core::transport::HttpTransport;
use oauth_core::url::Url;
use oauth_core::{AccessToken, Client, PendingAuthorization, Token};

use crate::Error;
use crate::api::{Api, RateLimit};
use crate::provider::{DEFAULT_API_BASE, RingPlusProvider, parse_base};

/// How long before its expiry a token is refreshed by default.
const DEFAULT_REFRESH_SKEW: Duration = Duration::from_secs(60);

/// The longest `retry-after` the API client waits out by default.
const DEFAULT_MAX_RETRY_WAIT: Duration = Duration::from_secs(30);

/// The RingPlus OAuth handler of the tutorial: client id, client secret and
/// redirect URI, the authorization under way, and the token.
///
/// Cheap to clone; clones share the token, so one handler can serve many
/// tasks. Every method takes `&self`.
///
/// ```no_run
/// # async fn run(final_redirected_url: &str) -> Result<(), ringplus::Error> {
/// use ringplus::OAuthHandler;
///
/// let auth = OAuthHandler::new("client-id", "client-secret", "https://www.ringplus.net/callback")?;
/// let auth_url = auth.authorization_url()?;
/// println!("go to {auth_url}");
/// // …the user approves; RingPlus redirects to the redirect URI…
/// let token = auth.fetch_token(final_redirected_url).await?;
/// assert!(auth.token().is_some());
/// # let _ = token;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct OAuthHandler {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    api_base: Url,
    scopes: Vec<String>,
    refresh_skew: Duration,
    max_retry_wait: Duration,
    pending: Mutex<Option<PendingAuthorization>>,
    token: RwLock<Option<Token>>,
    /// Held while a refresh runs, so that many tasks finding the token
    /// stale refresh it once.
    refreshing: tokio::sync::Mutex<()>,
    rate_limit: Mutex<Option<RateLimit>>,
}

impl fmt::Debug for OAuthHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthHandler")
            .field("client", &self.inner.client)
            .field("api_base", &self.inner.api_base.as_str())
            .field("scopes", &self.inner.scopes)
            .field("has_token", &self.token().is_some())
            .finish_non_exhaustive()
    }
}

/// Builds an [`OAuthHandler`]; see [`OAuthHandler::builder`].
#[must_use = "call `build` to get the handler"]
pub struct OAuthHandlerBuilder {
    client_id: String,
    client_secret: String,
    redirect_uri: String,
    oauth_base: Option<String>,
    provider: Option<RingPlusProvider>,
    api_base: Option<String>,
    scopes: Vec<String>,
    pkce: bool,
    transport: Option<Arc<dyn HttpTransport>>,
    token: Option<Token>,
    refresh_skew: Duration,
    max_retry_wait: Duration,
}

impl fmt::Debug for OAuthHandlerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthHandlerBuilder")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("redirect_uri", &self.redirect_uri)
            .field("oauth_base", &self.oauth_base)
            .field("api_base", &self.api_base)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl OAuthHandlerBuilder {
    /// The authorization server's base URL (default
    /// `https://my.ringplus.net/`); the endpoints are `oauth/authorize` and
    /// `oauth/token` below it.
    pub fn oauth_base(mut self, base: impl Into<String>) -> Self {
        self.oauth_base = Some(base.into());
        self
    }

    /// A provider with endpoints of your choosing; replaces
    /// [`oauth_base`](Self::oauth_base).
    pub fn provider(mut self, provider: RingPlusProvider) -> Self {
        self.provider = Some(provider);
        self
    }

    /// The API's base URL (default `https://api.ringplus.net/`).
    pub fn api_base(mut self, base: impl Into<String>) -> Self {
        self.api_base = Some(base.into());
        self
    }

    /// Asks for one more scope (RingPlus knows `public`, its default, and
    /// `write`).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// Turns PKCE off (it is on by default) for a server that rejects it.
    pub fn pkce(mut self, on: bool) -> Self {
        self.pkce = on;
        self
    }

    /// The transport to send every request with (default: oauth-core's).
    pub fn transport(self, transport: impl HttpTransport + 'static) -> Self {
        self.shared_transport(Arc::new(transport))
    }

    /// A transport shared with other clients.
    pub fn shared_transport(mut self, transport: Arc<dyn HttpTransport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Starts with a token saved earlier (see [`OAuthHandler::token`]), so a
    /// program need not sign in on every run.
    pub fn token(mut self, token: Token) -> Self {
        self.token = Some(token);
        self
    }

    /// How long before its expiry the token is refreshed before an API call
    /// (default 60 s).
    pub fn refresh_skew(mut self, skew: Duration) -> Self {
        self.refresh_skew = skew;
        self
    }

    /// The longest `retry-after` an API call waits out before it retries
    /// (default 30 s); a longer one fails with
    /// [`Error::RateLimited`].
    pub fn max_retry_wait(mut self, wait: Duration) -> Self {
        self.max_retry_wait = wait;
        self
    }

    /// The handler.
    ///
    /// # Errors
    /// [`Error::OAuth`] with a configuration or insecure-URL error for an
    /// empty client id, an invalid redirect URI or base URL, or no
    /// transport when the crate was built without one.
    pub fn build(self) -> Result<OAuthHandler, Error> {
        let provider = match (self.provider, &self.oauth_base) {
            (Some(provider), _) => provider,
            (None, Some(base)) => RingPlusProvider::with_oauth_base(base)?,
            (None, None) => RingPlusProvider::new(),
        }
        .with_pkce(self.pkce);
        let api_base = parse_base(self.api_base.as_deref().unwrap_or(DEFAULT_API_BASE))?;
        let mut client = Client::builder(provider, self.client_id)
            .client_secret(self.client_secret)
            .redirect_uri(self.redirect_uri);
        if let Some(transport) = self.transport {
            client = client.shared_transport(transport);
        }
        let client = client.build()?;
        Ok(OAuthHandler {
            inner: Arc::new(Inner {
                client,
                api_base,
                scopes: self.scopes,
                refresh_skew: self.refresh_skew,
                max_retry_wait: self.max_retry_wait,
                pending: Mutex::new(None),
                token: RwLock::new(self.token),
                refreshing: tokio::sync::Mutex::new(()),
                rate_limit: Mutex::new(None),
            }),
        })
    }
}

impl OAuthHandler {
    /// A handler for RingPlus's own servers: the tutorial's
    /// `OAuthHandler(client_id, client_secret, redirect_uri)`.
    ///
    /// The redirect URI must be exactly the one registered with the app:
    /// `https://www.ringplus.net` is not `www.ringplus.net`.
    ///
    /// # Errors
    /// As [`OAuthHandlerBuilder::build`].
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Result<Self, Error> {
        Self::builder(client_id, client_secret, redirect_uri).build()
    }

    /// Starts building a handler, for other hosts, scopes, a transport or
    /// a saved token.
    pub fn builder(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> OAuthHandlerBuilder {
        OAuthHandlerBuilder {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            redirect_uri: redirect_uri.into(),
            oauth_base: None,
            provider: None,
            api_base: None,
            scopes: Vec::new(),
            pkce: true,
            transport: None,
            token: None,
            refresh_skew: DEFAULT_REFRESH_SKEW,
            max_retry_wait: DEFAULT_MAX_RETRY_WAIT,
        }
    }

    /// The OAuth client underneath, for anything this crate does not wrap.
    #[must_use]
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The API's base URL.
    #[must_use]
    pub fn api_base(&self) -> &Url {
        &self.inner.api_base
    }

    /// The URL to send the user to, to grant the app access (the tutorial's
    /// `get_authorization_url`). The handler keeps the request's `state`
    /// and PKCE verifier to check the redirect against; a new call replaces
    /// them.
    ///
    /// # Errors
    /// [`Error::OAuth`] when no randomness is available.
    pub fn authorization_url(&self) -> Result<Url, Error> {
        let (url, pending) = self.authorization_request()?;
        *lock(&self.inner.pending) = Some(pending);
        Ok(url)
    }

    /// The URL to send the user to and the authorization to complete later,
    /// for a web app that keeps the [`PendingAuthorization`] (it serialises)
    /// in the user's session; complete it with
    /// [`fetch_token_with`](Self::fetch_token_with).
    ///
    /// # Errors
    /// As [`authorization_url`](Self::authorization_url).
    pub fn authorization_request(&self) -> Result<(Url, PendingAuthorization), Error> {
        Ok(self
            .inner
            .client
            .authorization_url()
            .scopes(self.inner.scopes.iter().cloned())
            .build()?)
    }

    /// Fetches the token from the URL RingPlus redirected the user to (the
    /// tutorial's `fetch_token`): checks it goes to the redirect URI and
    /// carries the `state` of [`authorization_url`](Self::authorization_url),
    /// exchanges the code, keeps the token and returns it.
    ///
    /// # Errors
    /// [`Error::NoPendingAuthorization`] without a prior
    /// `authorization_url`; [`Error::OAuth`] with
    /// [`StateMismatch`](oauth_core::Error::StateMismatch),
    /// [`Callback`](oauth_core::Error::Callback) (another redirect target,
    /// no code),
    /// [`AuthorizationDenied`](oauth_core::Error::AuthorizationDenied), or
    /// the token endpoint's errors.
    pub async fn fetch_token(&self, final_redirected_url: &str) -> Result<Token, Error> {
        let pending = lock(&self.inner.pending)
            .take()
            .ok_or(Error::NoPendingAuthorization)?;
        self.fetch_token_with(pending, final_redirected_url).await
    }

    /// As [`fetch_token`](Self::fetch_token), completing an authorization
    /// from [`authorization_request`](Self::authorization_request).
    ///
    /// # Errors
    /// As [`fetch_token`](Self::fetch_token).
    pub async fn fetch_token_with(
        &self,
        pending: PendingAuthorization,
        final_redirected_url: &str,
    ) -> Result<Token, Error> {
        let token = self
            .inner
            .client
            .exchange_callback(pending, final_redirected_url)
            .await?;
        self.set_token(token.clone());
        Ok(token)
    }

    /// The token the handler holds, if any (the tutorial's `auth.token`).
    ///
    /// It serialises with serde, secrets included: save it somewhere safe
    /// and give it back with [`set_token`](Self::set_token) or
    /// [`OAuthHandlerBuilder::token`] so the user need not sign in on every
    /// run.
    #[must_use]
    pub fn token(&self) -> Option<Token> {
        read(&self.inner.token).clone()
    }

    /// Replaces the token, for example with one saved earlier.
    pub fn set_token(&self, token: Token) {
        *write(&self.inner.token) = Some(token);
    }

    /// Refreshes the token now (the tutorial's `refresh_token`) and keeps
    /// the answer. When RingPlus sends no new refresh token, the old one is
    /// kept.
    ///
    /// # Errors
    /// [`Error::NoToken`] and [`Error::NoRefreshToken`] when there is
    /// nothing to refresh with; [`Error::OAuth`] with the token endpoint's
    /// error otherwise (a `Server` error with `invalid_grant` when the
    /// refresh token is no longer valid: see
    /// [`Error::needs_authorization`]).
    pub async fn refresh_token(&self) -> Result<Token, Error> {
        let _refreshing = self.inner.refreshing.lock().await;
        self.refresh_now().await
    }

    /// Refreshes with the held token's refresh token; the caller holds the
    /// refresh lock.
    async fn refresh_now(&self) -> Result<Token, Error> {
        let current = self.token().ok_or(Error::NoToken)?;
        let refresh_token = current.refresh_token().ok_or(Error::NoRefreshToken)?;
        let token = self.inner.client.refresh(refresh_token).await?;
        self.set_token(token.clone());
        Ok(token)
    }

    /// An access token good for the next call: the held one, refreshed
    /// first when it expires within the refresh skew. When many tasks find
    /// it stale at once, one refreshes and the others use its result.
    pub(crate) async fn fresh_access_token(&self) -> Result<AccessToken, Error> {
        let token = self.token().ok_or(Error::NoToken)?;
        if !token.expires_within(self.inner.refresh_skew) {
            return Ok(token.access_token().clone());
        }
        let _refreshing = self.inner.refreshing.lock().await;
        // Another task may have refreshed while this one waited.
        let token = self.token().ok_or(Error::NoToken)?;
        if !token.expires_within(self.inner.refresh_skew) {
            return Ok(token.access_token().clone());
        }
        if token.refresh_token().is_none() {
            return Err(oauth_core::Error::ExpiredWithoutRefresh.into());
        }
        Ok(self.refresh_now().await?.access_token().clone())
    }

    /// Refreshes after the API refused `refused` as invalid, unless another
    /// task has already replaced it. Returns the token to retry with.
    pub(crate) async fn refresh_after_refusal(
        &self,
        refused: &AccessToken,
    ) -> Result<AccessToken, Error> {
        let _refreshing = self.inner.refreshing.lock().await;
        let token = self.token().ok_or(Error::NoToken)?;
        if !token.access_token().ct_eq(refused) {
            return Ok(token.access_token().clone());
        }
        Ok(self.refresh_now().await?.access_token().clone())
    }

    /// The typed RingPlus API, calling with this handler's token.
    #[must_use]
    pub fn api(&self) -> Api {
        Api::new(self.clone())
    }

    /// The rate-limit headers of the API's latest answer, if it sent any.
    #[must_use]
    pub fn rate_limit(&self) -> Option<RateLimit> {
        *lock(&self.inner.rate_limit)
    }

    pub(crate) fn record_rate_limit(&self, rate_limit: Option<RateLimit>) {
        if rate_limit.is_some() {
            *lock(&self.inner.rate_limit) = rate_limit;
        }
    }

    pub(crate) fn max_retry_wait(&self) -> Duration {
        self.inner.max_retry_wait
    }
}

// A panic while holding these locks leaves plain data behind, still valid.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}
