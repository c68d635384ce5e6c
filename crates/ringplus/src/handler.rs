//! [`OAuthHandler`]: the tutorial's handler. It builds the authorization
//! URL, fetches the token from the redirected URL, and keeps the token in an
//! [`oauth_core::Session`] that refreshes it and sends the API calls.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use oauth_core::layer::Stack;
use oauth_core::transport::HttpTransport;
use oauth_core::url::Url;
use oauth_core::{
    Client, Clock, PendingAuthorization, RateLimiter, RetryPolicy, Session, Token, TokenStore,
};

use crate::Error;
use crate::api::{Api, RateLimit};
use crate::provider::{DEFAULT_API_BASE, RingPlusProvider, parse_base};

/// Called with every new token; see [`OAuthHandlerBuilder::on_token_change`].
type TokenHook = Arc<dyn Fn(&Token) + Send + Sync>;

/// The RingPlus OAuth handler of the tutorial: client id, client secret and
/// redirect URI, the authorization under way, and the token.
///
/// Cheap to clone; clones share the token, so one handler can serve many
/// tasks. Every method takes `&self`.
///
/// The token lives in an [`oauth_core::Session`]: it is refreshed shortly
/// before it expires (one refresh however many tasks call at once), saved
/// to the session's [`TokenStore`] before it is used, renewed once after a
/// `401`, and API calls are retried after a `429`'s `retry-after`.
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
    session: Session,
    api_base: Url,
    scopes: Vec<String>,
    pending: Mutex<Option<PendingAuthorization>>,
    #[cfg(feature = "login")]
    login: oauth_core::FormLogin,
    rate_limit: Mutex<Option<RateLimit>>,
}

impl fmt::Debug for OAuthHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthHandler")
            .field("client", &self.inner.client)
            .field("session", &self.inner.session)
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
    store: Option<Arc<dyn TokenStore>>,
    store_key: Option<String>,
    refresh_skew: Option<Duration>,
    /// The layers of the session's API calls.
    stack: Stack,
    clock: Option<Arc<dyn Clock>>,
    on_token_change: Option<TokenHook>,
    #[cfg(feature = "login")]
    login: Option<oauth_core::FormLoginConfig>,
    #[cfg(feature = "fleet")]
    fleet: Option<oauth_core::RedisStore>,
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

    /// Where the session keeps the token (default: in memory). With
    /// oauth-core's `file-store` feature, a `FileStore` keeps it across
    /// runs; a store that already holds a token is used from the first
    /// call on.
    pub fn store(self, store: impl TokenStore + 'static) -> Self {
        self.shared_store(Arc::new(store))
    }

    /// A store shared with other sessions; give each its own
    /// [`store_key`](Self::store_key).
    pub fn shared_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Keeps the user's token on Redis, shared with every worker (process)
    /// that names the same `store` and [`store_key`](Self::store_key), and
    /// refreshed by one worker at a time across all of them (see
    /// [`SessionBuilder::fleet`](oauth_core::SessionBuilder::fleet)): two
    /// workers never spend one refresh token, so the one RingPlus rotates
    /// to is never lost. In place of [`store`](Self::store).
    ///
    /// ```no_run
    /// # fn run() -> Result<(), ringplus::Error> {
    /// use oauth_core::RedisStore;
    /// use ringplus::OAuthHandler;
    ///
    /// let store = RedisStore::connect("redis://:PASSWORD@tokens.internal/", "my-app")?;
    /// let handler = OAuthHandler::builder("CLIENT_ID", "CLIENT_SECRET", "https://example.com/cb")
    ///     .fleet(store)
    ///     .store_key("user-42")
    ///     .build()?;
    /// # let _ = handler; Ok(()) }
    /// ```
    #[cfg(feature = "fleet")]
    pub fn fleet(mut self, store: oauth_core::RedisStore) -> Self {
        self.fleet = Some(store);
        self
    }

    /// The key the token is kept under in the store, such as a user id.
    pub fn store_key(mut self, key: impl Into<String>) -> Self {
        self.store_key = Some(key.into());
        self
    }

    /// How long before its expiry the token is refreshed before an API call
    /// (default: the session's, 60 s).
    pub fn refresh_skew(mut self, skew: Duration) -> Self {
        self.refresh_skew = Some(skew);
        self
    }

    /// How API calls are retried after a `429` (honouring `retry-after`) or
    /// a `502`/`503`/`504` (default: [`RetryPolicy::default`]). A `POST` is
    /// never retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.stack = self.stack.retry(policy);
        self
    }

    /// Paces API calls, to stay under RingPlus's rate limit.
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.stack = self.stack.rate_limiter(limiter);
        self
    }

    /// Keeps API answers in `cache` and serves them by HTTP's caching rules
    /// (see [`oauth_core::cache`]). RingPlus's answers are a user's own:
    /// they are shared only by handlers of the same user (the same
    /// [`store_key`](Self::store_key)), and without a store key by no
    /// other handler.
    ///
    /// ```
    /// # fn main() -> Result<(), ringplus::Error> {
    /// use oauth_core::cache::ResponseCache;
    ///
    /// let handler = ringplus::OAuthHandler::builder(
    ///     "client-id",
    ///     "client-secret",
    ///     "https://app.example/callback",
    /// )
    /// .store_key("user-42")
    /// .cache(ResponseCache::memory(16 << 20))
    /// .build()?;
    /// # let _ = handler;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "cache")]
    pub fn cache(mut self, cache: oauth_core::cache::ResponseCache) -> Self {
        self.stack = self.stack.cache(cache);
        self
    }

    /// Every layer of the API calls at once (retries, rate limit, a total
    /// timeout, a response cache; see [`oauth_core::layer`]), replacing
    /// what [`retry`](Self::retry), [`rate_limiter`](Self::rate_limiter)
    /// and `cache` set.
    pub fn stack(mut self, stack: Stack) -> Self {
        self.stack = stack;
        self
    }

    /// Where the session reads the time to judge expiry (default: the
    /// system clock); for tests.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Called with every new token (fetched, refreshed, or set), after the
    /// store has saved it: a place to save it yourself.
    pub fn on_token_change(mut self, hook: impl Fn(&Token) + Send + Sync + 'static) -> Self {
        self.on_token_change = Some(Arc::new(hook));
        self
    }

    /// How [`OAuthHandler::login`] finds and fills the sign-in and consent
    /// forms (default: [`form_login_config`](crate::form_login_config)).
    #[cfg(feature = "login")]
    pub fn login_config(mut self, config: oauth_core::FormLoginConfig) -> Self {
        self.login = Some(config);
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
        let mut session = Session::refreshing(&client).stack(self.stack);
        if let Some(token) = self.token {
            session = session.token(token);
        }
        if let Some(store) = self.store {
            session = session.shared_store(store);
        }
        #[cfg(feature = "fleet")]
        if let Some(store) = self.fleet {
            session = session.fleet(store);
        }
        if let Some(key) = self.store_key {
            session = session.key(key);
        }
        if let Some(skew) = self.refresh_skew {
            session = session.skew(skew);
        }
        if let Some(clock) = self.clock {
            session = session.clock(SharedClock(clock));
        }
        if let Some(hook) = self.on_token_change {
            session = session.on_token_change(move |token| hook(token));
        }
        let session = session.build()?;
        Ok(OAuthHandler {
            inner: Arc::new(Inner {
                client,
                session,
                api_base,
                scopes: self.scopes,
                pending: Mutex::new(None),
                #[cfg(feature = "login")]
                login: oauth_core::FormLogin::new(
                    self.login
                        .unwrap_or_else(crate::provider::form_login_config),
                ),
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
            store: None,
            store_key: None,
            #[cfg(feature = "fleet")]
            fleet: None,
            refresh_skew: None,
            stack: Stack::new(),
            clock: None,
            on_token_change: None,
            #[cfg(feature = "login")]
            login: None,
        }
    }

    /// The OAuth client underneath, for anything this crate does not wrap.
    #[must_use]
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The session that holds the token and sends the API calls, for
    /// requests this crate does not wrap.
    #[must_use]
    pub fn session(&self) -> &Session {
        &self.inner.session
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
        self.set_token(token.clone()).await?;
        Ok(token)
    }

    /// Signs the user in with their email and password, without a browser
    /// (the tutorial's "avoiding the redirect dance", feature `login`):
    /// fetches the authorization URL with a cookie session, fills and
    /// submits RingPlus's sign-in form (CSRF token included), approves the
    /// app on the consent form if one comes, and takes the code from the
    /// redirect to the redirect URI without requesting it; then exchanges
    /// the code and keeps the token, as [`fetch_token`](Self::fetch_token).
    ///
    /// It depends on RingPlus's pages staying as they are; the form mapping
    /// can be changed with [`OAuthHandlerBuilder::login_config`]. If the user
    /// never approved the app, the consent form is approved for them
    /// (unless the configuration says [`ConsentPolicy::Refuse`]).
    ///
    /// [`ConsentPolicy::Refuse`]: oauth_core::ConsentPolicy::Refuse
    ///
    /// ```
    /// # use oauth_sandbox::{ClientConfig, Profile, Sandbox, UserConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = Sandbox::builder()
    /// #     .profile(Profile::RingPlus)
    /// #     .client(ClientConfig::confidential("client-id", "client-secret")
    /// #         .redirect_uri("https://www.ringplus.net/callback"))
    /// #     .user(UserConfig::new("ann@example.com", "secret"))
    /// #     .start()
    /// #     .await?;
    /// use ringplus::{OAuthHandler, Password};
    ///
    /// let auth = OAuthHandler::builder("client-id", "client-secret", "https://www.ringplus.net/callback")
    ///     .oauth_base(sandbox.oauth_url().as_str())
    ///     .api_base(sandbox.api_url().as_str())
    ///     .build()?;
    /// auth.login("ann@example.com", &Password::new("secret")).await?;
    /// assert!(auth.token().is_some());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`Error::Login`] with a [`FormLoginError`](oauth_core::FormLoginError):
    /// `WrongCredentials` (the form came back), `NoLoginForm`,
    /// `ConsentRequired`, `ConsentDenied`, `Rejected` (an error page, such
    /// as an unregistered redirect URI), `TooManyRedirects`,
    /// `UnexpectedHost`; [`Error::OAuth`] for transport errors and those of
    /// the code exchange.
    #[cfg(feature = "login")]
    pub async fn login(
        &self,
        username: &str,
        password: &oauth_core::Password,
    ) -> Result<Token, Error> {
        let (url, pending) = self.authorization_request()?;
        let callback = self
            .inner
            .login
            .sign_in(&self.inner.client, &url, username, password)
            .await?;
        self.fetch_token_with(pending, callback.as_str()).await
    }

    /// The token the handler holds, if any (the tutorial's `auth.token`):
    /// the one it fetched, refreshed or was given, or loaded from its store
    /// by the latest call. [`valid_token`](Self::valid_token) makes sure it
    /// is fresh first.
    ///
    /// It serialises with serde, secrets included: save it somewhere safe
    /// and give it back with [`set_token`](Self::set_token) or
    /// [`OAuthHandlerBuilder::token`] so the user need not sign in on every
    /// run (or give the handler a [store](OAuthHandlerBuilder::store)).
    #[must_use]
    pub fn token(&self) -> Option<Token> {
        self.inner
            .session
            .current_token()
            .map(|current| current.token().clone())
    }

    /// A token valid for the next call: the held one while it is fresh,
    /// else one loaded from the store or refreshed.
    ///
    /// # Errors
    /// As [`refresh_token`](Self::refresh_token).
    pub async fn valid_token(&self) -> Result<Token, Error> {
        let current = self.inner.session.access_token().await?;
        Ok(current.token().clone())
    }

    /// Replaces the token, for example with one saved earlier: saves it to
    /// the store, then uses it.
    ///
    /// # Errors
    /// [`Error::OAuth`] with a store error when it cannot be saved (the old
    /// token stays).
    pub async fn set_token(&self, token: Token) -> Result<(), Error> {
        self.inner.session.set_token(token).await?;
        Ok(())
    }

    /// Refreshes the token now (the tutorial's `refresh_token`) and keeps
    /// the answer. When RingPlus sends no new refresh token, the old one is
    /// kept.
    ///
    /// # Errors
    /// [`Error::NoRefreshToken`] when the token has no refresh token, and
    /// [`Error::OAuth`] with [`NoToken`](oauth_core::Error::NoToken) when
    /// there is no token; with
    /// [`RefreshTokenRejected`](oauth_core::Error::RefreshTokenRejected)
    /// when RingPlus refuses the refresh token (it is then forgotten: see
    /// [`Error::needs_authorization`]); else the token endpoint's errors,
    /// such as an unexpected HTTP status.
    pub async fn refresh_token(&self) -> Result<Token, Error> {
        if self.token().is_some_and(|t| t.refresh_token().is_none()) {
            return Err(Error::NoRefreshToken);
        }
        let current = self.inner.session.refresh().await?;
        Ok(current.token().clone())
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
}

/// A clock given to the builder, shared with the session.
#[derive(Debug)]
struct SharedClock(Arc<dyn Clock>);

impl Clock for SharedClock {
    fn now(&self) -> std::time::SystemTime {
        self.0.now()
    }
}

// A panic while holding these locks leaves plain data behind, still valid.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
