//! Authorized sessions: a token that renews itself, kept in a store, and
//! attached to API requests with retries and rate limiting.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use arc_swap::{ArcSwapOption, Guard};
use http::HeaderValue;
use tokio::sync::watch;
use tracing::Instrument as _;

use crate::client::Client;
use crate::clock::{Clock, SystemClock};
use crate::error::{ConfigError, Error};
use crate::layer::{RetrySafe, Stack};
use crate::rate_limit::RateLimiter;
use crate::retry::RetryPolicy;
use crate::secret::AccessToken;
use crate::store::{MemoryStore, TokenStore};
use crate::token::{Token, TokenType};
use crate::transport::{HttpRequest, HttpResponse, HttpTransport};
use crate::url_policy::{check_api_uri, shown_endpoint};

mod request;
mod source;

pub use self::request::ApiRequest;
pub use self::source::{ClientCredentialsSource, RefreshTokenSource, TokenSource};

/// The store key of a session that is given none.
pub const DEFAULT_KEY: &str = "default";

/// How long before expiry a session renews its token, unless told otherwise.
pub const DEFAULT_SKEW: Duration = Duration::from_secs(60);

/// An authorized client: a token that renews itself, and API calls that
/// carry it.
///
/// A session owns a [`TokenSource`] (client credentials, a refresh token,
/// or your own), a [`TokenStore`] and the transport. It
///
/// - hands out its cached token without locking or allocating while the
///   token is valid for longer than the skew (default 60 s);
/// - lets exactly one renewal run when many tasks find the token stale;
///   they all get its result, success or failure, and the next call after
///   a failure tries again;
/// - saves every new token to the store **before** using it, fails the
///   call if the save fails (keeping the old token), and keeps the old
///   refresh token when the server sends no new one;
/// - removes a refresh token the server rejects (`invalid_grant`) and
///   reports [`Error::RefreshTokenRejected`]: authorize again;
/// - on a 401 from the API, renews the token once and sends once more;
/// - retries idempotent requests on 429, 502, 503 and 504 after the
///   server's `Retry-After` or a jittered backoff ([`RetryPolicy`]);
/// - waits for an optional [`RateLimiter`] before every send.
///
/// Clones share everything; a session is `Send + Sync` and cheap to clone.
/// Retries and the rate limiter wait on tokio's timer.
///
/// ```
/// # #[cfg(any(feature = "reqwest", feature = "hyper"))]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let sandbox = oauth_sandbox::Sandbox::builder()
/// #     .client(oauth_sandbox::ClientConfig::confidential("my-client-id", "my-client-secret"))
/// #     .start().await?;
/// # let provider = oauth_core::GenericProvider::new(
/// #     sandbox.authorization_endpoint().as_str(), sandbox.token_endpoint().as_str())?;
/// # let client = oauth_core::Client::builder(provider, "my-client-id")
/// #     .client_secret("my-client-secret").build()?;
/// # let sandbox_api = sandbox.api_url().join("api/me")?;
/// use oauth_core::Session;
///
/// let api = "https://api.example.com/me";
/// # let api = sandbox_api.as_str();
/// let session = Session::client_credentials(&client, &[]).build()?;
/// let answer = session.get(api).query(&[("fields", "name")]).send().await?;
/// assert_eq!(answer.status(), 200);
/// # Ok(()) }
/// # #[cfg(not(any(feature = "reqwest", feature = "hyper")))] fn main() {}
/// ```
#[derive(Clone)]
pub struct Session {
    tokens: Arc<Tokens>,
    api: Arc<Api>,
}

type TokenHook = Arc<dyn Fn(&Token) + Send + Sync>;

/// A session's token state: where a token comes from and is kept, the
/// token in use and the renewal under way. The [`Bearer`] layer holds it.
pub(crate) struct Tokens {
    source: Arc<dyn TokenSource>,
    store: Arc<dyn TokenStore>,
    /// Whether the source saves what it renews itself (a fleet's renewal,
    /// compare-and-set on Redis): the session then does not save it again.
    source_saves: bool,
    key: String,
    clock: Arc<dyn Clock>,
    skew: Duration,
    on_token_change: Option<TokenHook>,
    /// The token in use: `None` until loaded or fetched, and after the
    /// store's token was rejected.
    current: ArcSwapOption<Cached>,
    /// The renewal under way, if one is. Held only to look and to swap,
    /// never across an await.
    flight: Mutex<Option<watch::Receiver<Option<Outcome>>>>,
    /// The key the session's tokens are bound to (DPoP), if any.
    #[cfg(feature = "jose")]
    dpop: Option<crate::jose::DpopKey>,
}

/// A session's API path: the layers, and what they were built of.
struct Api {
    stack: Stack,
    transport: Arc<dyn HttpTransport>,
    layers: Arc<dyn HttpTransport>,
}

/// What a renewal hands its waiters.
type Outcome = Result<Arc<Cached>, Error>;

/// A token with what the fast path needs ready-made.
struct Cached {
    token: Token,
    /// `Bearer …` (or `DPoP …`), marked sensitive.
    authorization: HeaderValue,
    /// A DPoP-bound token, presented only with a proof of the key.
    dpop: bool,
    /// When the token counts as stale: its expiry less the skew.
    stale_at: Option<SystemTime>,
}

impl Cached {
    /// The token ready for the fast path, its expiry dated by `now` if it
    /// is fresh from a token endpoint; a token of a type other than
    /// `Bearer` is refused, as it cannot be presented (RFC 6749 §7.1).
    fn new(mut token: Token, skew: Duration, now: SystemTime, dpop: bool) -> Result<Self, Error> {
        let scheme = match token.token_type() {
            TokenType::Bearer => "Bearer",
            // A DPoP-bound token (RFC 9449) goes only with a proof of its
            // key: without the key, it cannot be presented at all.
            TokenType::Other(token_type) if token_type == "dpop" && dpop => "DPoP",
            TokenType::Other(token_type) => {
                return Err(Error::UnsupportedTokenType {
                    token_type: token_type.clone(),
                });
            }
        };
        token.stamp_expiry(now);
        let mut authorization =
            HeaderValue::try_from(format!("{scheme} {}", token.access_token().secret()))
                .map_err(|_| ConfigError::InvalidHeader("the access token"))?;
        authorization.set_sensitive(true);
        let stale_at = token
            .expires_at()
            .map(|at| at.checked_sub(skew).unwrap_or(SystemTime::UNIX_EPOCH));
        Ok(Cached {
            token,
            authorization,
            dpop: scheme == "DPoP",
            stale_at,
        })
    }

    fn is_fresh(&self, now: SystemTime) -> bool {
        self.stale_at.is_none_or(|at| now < at)
    }
}

/// The session's current token: a cheap handle that stays valid however the
/// session's token changes afterwards.
///
/// Getting one touches no memory that other threads write: it is a guard
/// of the session's token slot (`arc_swap`'s), not a reference count on a
/// shared cache line, so many threads read one session's token without
/// slowing each other. Holding many at once on one thread, or cloning one,
/// falls back to a reference count.
pub struct CurrentToken(Guard<Option<Arc<Cached>>>);

impl CurrentToken {
    fn new(cached: Arc<Cached>) -> Self {
        CurrentToken(Guard::from_inner(Some(cached)))
    }

    /// The token with what the fast path needs.
    fn cached(&self) -> &Arc<Cached> {
        match &*self.0 {
            Some(cached) => cached,
            // Made only of a slot that held a token (`fresh_cached`) or of
            // a token (`new`).
            None => unreachable!("a CurrentToken always holds a token"),
        }
    }

    /// The access token.
    #[must_use]
    pub fn access_token(&self) -> &AccessToken {
        self.cached().token.access_token()
    }

    /// The whole token: expiry, scopes, refresh token.
    #[must_use]
    pub fn token(&self) -> &Token {
        &self.cached().token
    }

    /// The `Authorization: Bearer …` (or `DPoP …`) header value, marked
    /// sensitive.
    #[must_use]
    pub fn authorization(&self) -> &HeaderValue {
        &self.cached().authorization
    }

    /// Whether the token is DPoP-bound (presented with a proof).
    pub(crate) fn is_dpop(&self) -> bool {
        self.cached().dpop
    }
}

impl Clone for CurrentToken {
    fn clone(&self) -> Self {
        CurrentToken::new(Arc::clone(self.cached()))
    }
}

impl fmt::Debug for CurrentToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CurrentToken")
            .field(&self.cached().token)
            .finish()
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tokens = &self.tokens;
        f.debug_struct("Session")
            .field("source", &tokens.source)
            .field("store", &tokens.store)
            .field("key", &tokens.key)
            .field("transport", &self.api.transport)
            .field("clock", &tokens.clock)
            .field("skew", &tokens.skew)
            .field("retry", self.api.stack.retry_policy())
            .field("rate_limiter", &self.api.stack.limiter())
            .field("on_token_change", &tokens.on_token_change.is_some())
            .finish_non_exhaustive()
    }
}

/// Builds a [`Session`]; see [`Session::builder`].
#[must_use = "call `build` to get the session"]
pub struct SessionBuilder {
    source: Arc<dyn TokenSource>,
    transport: Arc<dyn HttpTransport>,
    store: Arc<dyn TokenStore>,
    key: String,
    clock: Arc<dyn Clock>,
    skew: Duration,
    stack: Stack,
    on_token_change: Option<TokenHook>,
    token: Option<Token>,
    owner: Owner,
    key_given: bool,
    /// The fleet's store, when renewals are taken in turn across processes.
    #[cfg(feature = "redis-store")]
    fleet: Option<crate::store::RedisStore>,
    /// The key its tokens are bound to (DPoP).
    #[cfg(feature = "jose")]
    dpop: Option<crate::jose::DpopKey>,
}

/// Whom a session's token stands for, which decides who may share its
/// cached answers.
#[derive(Clone, Debug)]
#[cfg_attr(not(feature = "cache"), allow(dead_code))]
enum Owner {
    /// The application itself (client credentials) of this client id.
    App(String),
    /// A user, of this client id if known.
    User(Option<String>),
}

impl fmt::Debug for SessionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionBuilder")
            .field("source", &self.source)
            .field("store", &self.store)
            .field("key", &self.key)
            .field("skew", &self.skew)
            .field("stack", &self.stack)
            .finish_non_exhaustive()
    }
}

impl SessionBuilder {
    /// Where tokens are kept. Default: a fresh [`MemoryStore`].
    pub fn store(self, store: impl TokenStore + 'static) -> Self {
        self.shared_store(Arc::new(store))
    }

    /// A store shared with other sessions (each with its own key).
    pub fn shared_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = store;
        self
    }

    /// The key the token is kept under in the store, such as a user id.
    /// Default: [`DEFAULT_KEY`].
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = key.into();
        self.key_given = true;
        self
    }

    /// A token to start with, such as the one an authorization just
    /// returned. It is used as is; it reaches the store with the first
    /// renewal, or at once through [`Session::set_token`].
    pub fn token(mut self, token: Token) -> Self {
        self.token = Some(token);
        self
    }

    /// How long before its expiry a token is renewed. Default: 60 seconds.
    pub fn skew(mut self, skew: Duration) -> Self {
        self.skew = skew;
        self
    }

    /// How API requests are retried. Default: [`RetryPolicy::default`].
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.stack = self.stack.retry(policy);
        self
    }

    /// Paces API requests (not token requests). Pass a clone to share one
    /// budget among sessions. Default: none.
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.stack = self.stack.rate_limiter(limiter);
        self
    }

    /// The layers API requests go through, all options at once (see
    /// [`layer`](crate::layer)); replaces what [`retry`](Self::retry) and
    /// [`rate_limiter`](Self::rate_limiter) set. A provider gives every
    /// session it makes the same stack.
    pub fn stack(mut self, stack: Stack) -> Self {
        self.stack = stack;
        self
    }

    /// Called with every new token from the source, after it is saved and
    /// before it is used. Keep it short: it runs on the renewing task.
    pub fn on_token_change(mut self, hook: impl Fn(&Token) + Send + Sync + 'static) -> Self {
        self.on_token_change = Some(Arc::new(hook));
        self
    }

    /// Where the session reads the time to judge expiry. Default: the
    /// system clock.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The transport for API requests. Default: the client's, for sessions
    /// made from a [`Client`].
    pub fn transport(mut self, transport: Arc<dyn HttpTransport>) -> Self {
        self.transport = transport;
        self
    }

    /// Shares the token with every process that uses `store` (the workers
    /// of a fleet): it is kept there, and renewed by one worker at a time
    /// across all of them. The worker that takes the store's lease renews
    /// and saves (only if the stored token is still the one it renewed
    /// from: else it takes the stored one); the others wait for its token
    /// and use it; a renewer that dies frees the lease when it runs out
    /// ([`RedisStore::lease_time`](crate::RedisStore::lease_time)), and
    /// another renews. So many processes on one expired app token make one
    /// token request.
    ///
    /// ```no_run
    /// # async fn run(client: oauth_core::Client) -> Result<(), oauth_core::Error> {
    /// use oauth_core::{RedisStore, Session};
    ///
    /// let store = RedisStore::connect("redis://:PASSWORD@tokens.internal/", "guild-tool")?;
    /// let session = Session::client_credentials(&client, &[])
    ///     .fleet(store)
    ///     .key("app")
    ///     .build()?;
    /// # let _ = session; Ok(()) }
    /// ```
    #[cfg(feature = "redis-store")]
    pub fn fleet(mut self, store: crate::store::RedisStore) -> Self {
        self.store = Arc::new(store.clone());
        self.fleet = Some(store);
        self
    }

    /// Presents the session's DPoP-bound tokens with proofs of `key`
    /// (RFC 9449): each API request carries a proof for its method and URL
    /// with the token's hash (`ath`), and goes once more with the server's
    /// nonce when it asks for one. A session on a client with a DPoP key
    /// ([`ClientBuilder::dpop`](crate::ClientBuilder::dpop)) has it already.
    #[cfg(feature = "jose")]
    pub fn dpop(mut self, key: crate::jose::DpopKey) -> Self {
        self.dpop = Some(key);
        self
    }

    /// The client's DPoP key, if it has one.
    #[cfg(feature = "jose")]
    fn with_client_dpop(mut self, client: &Client) -> Self {
        self.dpop = client.dpop().cloned();
        self
    }

    #[cfg(not(feature = "jose"))]
    fn with_client_dpop(self, _client: &Client) -> Self {
        self
    }

    fn has_dpop(&self) -> bool {
        #[cfg(feature = "jose")]
        return self.dpop.is_some();
        #[cfg(not(feature = "jose"))]
        false
    }

    /// The session.
    ///
    /// # Errors
    /// [`Error::Config`] when the starting token cannot be sent in a header.
    pub fn build(self) -> Result<Session, Error> {
        let now = self.clock.now();
        let has_dpop = self.has_dpop();
        let current = self
            .token
            .map(|token| Cached::new(token, self.skew, now, has_dpop).map(Arc::new))
            .transpose()?;
        // Whose answers this session's are, for a response cache: made only
        // for a stack that has one.
        #[cfg(feature = "cache")]
        let partition = match self.stack.response_cache() {
            Some(_) => Some(partition(
                &self.owner,
                self.key_given.then_some(&*self.key),
            )?),
            None => None,
        };
        #[cfg(not(feature = "cache"))]
        let partition: Option<String> = None;
        #[cfg(feature = "redis-store")]
        let (source, source_saves): (Arc<dyn TokenSource>, bool) = match &self.fleet {
            Some(store) => (Arc::new(store.leased(self.key.clone(), self.source)), true),
            None => (self.source, false),
        };
        #[cfg(not(feature = "redis-store"))]
        let (source, source_saves) = (self.source, false);
        let tokens = Arc::new(Tokens {
            source,
            store: self.store,
            source_saves,
            key: self.key,
            clock: Arc::clone(&self.clock),
            skew: self.skew,
            on_token_change: self.on_token_change,
            current: ArcSwapOption::new(current),
            flight: Mutex::new(None),
            #[cfg(feature = "jose")]
            dpop: self.dpop,
        });
        let layers = self.stack.build(
            Arc::clone(&tokens),
            self.clock,
            Arc::clone(&self.transport),
            partition.as_deref(),
        );
        Ok(Session {
            tokens,
            api: Arc::new(Api {
                stack: self.stack,
                transport: self.transport,
                layers,
            }),
        })
    }
}

impl Session {
    /// Starts building a session around any token source.
    pub fn builder(
        source: impl TokenSource + 'static,
        transport: Arc<dyn HttpTransport>,
    ) -> SessionBuilder {
        SessionBuilder {
            source: Arc::new(source),
            transport,
            store: Arc::new(MemoryStore::new()),
            key: DEFAULT_KEY.to_owned(),
            clock: Arc::new(SystemClock),
            skew: DEFAULT_SKEW,
            stack: Stack::new(),
            on_token_change: None,
            token: None,
            owner: Owner::User(None),
            key_given: false,
            #[cfg(feature = "redis-store")]
            fleet: None,
            #[cfg(feature = "jose")]
            dpop: None,
        }
    }

    /// A session on an app token: the client credentials grant, run again
    /// whenever the token is about to expire.
    pub fn client_credentials(client: &Client, scopes: &[&str]) -> SessionBuilder {
        let mut builder = Self::builder(
            ClientCredentialsSource::new(client.clone(), scopes),
            Arc::clone(client.transport()),
        );
        builder.owner = Owner::App(client.client_id().to_owned());
        builder.with_client_dpop(client)
    }

    /// A session on a user's token, renewed with its refresh token. Give it
    /// the token with [`SessionBuilder::token`] or [`Session::set_token`],
    /// or a store that already holds it.
    pub fn refreshing(client: &Client) -> SessionBuilder {
        let mut builder = Self::builder(
            RefreshTokenSource::new(client.clone()),
            Arc::clone(client.transport()),
        );
        builder.owner = Owner::User(Some(client.client_id().to_owned()));
        builder.with_client_dpop(client)
    }

    /// The store key of this session's token.
    #[must_use]
    pub fn key(&self) -> &str {
        &self.tokens.key
    }

    /// The token state, for a [`Bearer`] layer.
    pub(crate) fn tokens(&self) -> Arc<Tokens> {
        Arc::clone(&self.tokens)
    }

    /// A valid access token: the cached one while it is fresh, else one
    /// loaded from the store or fetched from the source.
    ///
    /// # Errors
    /// Those of the store and of the source; [`Error::RefreshTokenRejected`]
    /// or [`Error::NoToken`] when the user must authorize (again).
    pub async fn access_token(&self) -> Result<CurrentToken, Error> {
        self.tokens.access_token().await
    }

    /// The token in use as it is now, fresh or not, without loading or
    /// renewing anything: `None` before the first load or fetch, and after
    /// the server rejected its refresh token.
    #[must_use]
    pub fn current_token(&self) -> Option<CurrentToken> {
        self.tokens.current.load_full().map(CurrentToken::new)
    }

    /// Replaces the token now, even if it is still valid.
    ///
    /// # Errors
    /// As [`Session::access_token`].
    pub async fn refresh(&self) -> Result<CurrentToken, Error> {
        match self.tokens.current.load_full() {
            Some(current) => self.tokens.renew(Some(&CurrentToken::new(current))).await,
            None => self.tokens.renew(None).await,
        }
    }

    /// Takes `token` as the session's token (after an authorization, say):
    /// saves it to the store, then uses it, then calls the
    /// `on_token_change` hook.
    ///
    /// # Errors
    /// [`Error::Store`] when it cannot be saved (the old token stays);
    /// [`Error::Config`] when it cannot be sent in a header.
    pub async fn set_token(&self, token: Token) -> Result<CurrentToken, Error> {
        let tokens = &self.tokens;
        let cached = Arc::new(Cached::new(
            token,
            tokens.skew,
            tokens.clock.now(),
            tokens.dpop().is_some(),
        )?);
        tokens.store.save(&tokens.key, &cached.token).await?;
        tokens.install(&cached, true);
        Ok(CurrentToken::new(cached))
    }

    /// Forgets the token, in the session and in the store (a sign-out).
    ///
    /// # Errors
    /// [`Error::Store`] when the store cannot remove it.
    pub async fn clear_token(&self) -> Result<(), Error> {
        self.tokens.current.store(None);
        self.tokens.store.remove(&self.tokens.key).await
    }

    /// A GET request to `url`; finish it with [`ApiRequest::send`] or
    /// [`ApiRequest::json`].
    pub fn get(&self, url: impl AsRef<str>) -> ApiRequest {
        self.request(http::Method::GET, url)
    }

    /// A POST request to `url`. It is not retried on 429/5xx unless marked
    /// [`retry_safe`](ApiRequest::retry_safe).
    pub fn post(&self, url: impl AsRef<str>) -> ApiRequest {
        self.request(http::Method::POST, url)
    }

    /// A PUT request to `url`.
    pub fn put(&self, url: impl AsRef<str>) -> ApiRequest {
        self.request(http::Method::PUT, url)
    }

    /// A DELETE request to `url`.
    pub fn delete(&self, url: impl AsRef<str>) -> ApiRequest {
        self.request(http::Method::DELETE, url)
    }

    /// A request with any method to `url`.
    pub fn request(&self, method: http::Method, url: impl AsRef<str>) -> ApiRequest {
        ApiRequest::new(self.clone(), method, url.as_ref())
    }

    /// Sends `request` with the session's token, retrying as the session's
    /// policy says (a POST is not retried; see [`ApiRequest::retry_safe`]).
    /// Any `Authorization` header is replaced; request extensions are not
    /// sent. A resend is made by the [`Replay`](crate::layer::Replay) in the
    /// request's extensions if it carries one, else from a copy taken before
    /// the first send.
    ///
    /// Returns the answer whatever its status, once retries are over.
    ///
    /// # Errors
    /// [`Error::InsecureUrl`] for an URL that is neither `https` nor
    /// loopback `http`, [`Error::Config`] for a relative one; transport
    /// errors; the token's errors as [`Session::access_token`].
    pub async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        self.execute(request, false).await
    }

    /// Sends an API request through the layers, in an `oauth.request` span
    /// that records the final status, the attempts and the duration.
    pub(crate) async fn execute(
        &self,
        mut request: HttpRequest,
        retry_safe: bool,
    ) -> Result<HttpResponse, Error> {
        check_api_uri(request.uri())?;
        let span = tracing::debug_span!(
            "oauth.request",
            endpoint = "api",
            url = tracing::field::Empty,
            method = %request.method(),
            status = tracing::field::Empty,
            attempts = 1,
            elapsed_ms = tracing::field::Empty,
        );
        // Kept to name the endpoint in an error; the URL as shown is made
        // only when something shows it.
        let uri = request.uri().clone();
        // Timed only for a span that records it.
        let started = (!span.is_disabled()).then(|| {
            span.record("url", &*shown_endpoint(&uri).url);
            std::time::Instant::now()
        });
        if retry_safe {
            request.extensions_mut().insert(RetrySafe);
        }
        let method = request.method().clone();
        let endpoint = || shown_endpoint(&uri);
        let result = self.api.layers.send(request).instrument(span.clone()).await;
        if let Some(started) = started {
            span.record("elapsed_ms", started.elapsed().as_millis());
        }
        match result {
            Ok(response) => {
                span.record("status", response.status().as_u16());
                span.in_scope(|| {
                    tracing::debug!(%method, status = response.status().as_u16(), "api request");
                });
                Ok(response)
            }
            Err(source) => {
                let error = source.into_error(endpoint);
                span.in_scope(|| tracing::debug!(%method, %error, "api request failed"));
                Err(error)
            }
        }
    }
}

impl Tokens {
    /// The key the session's tokens are bound to (DPoP), if any.
    #[cfg(feature = "jose")]
    pub(crate) fn dpop(&self) -> Option<&crate::jose::DpopKey> {
        self.dpop.as_ref()
    }

    #[cfg(not(feature = "jose"))]
    #[allow(clippy::unused_self)] // The same call with or without the feature.
    pub(crate) fn dpop(&self) -> Option<&std::convert::Infallible> {
        None
    }

    /// The store key of the token.
    pub(crate) fn key(&self) -> &str {
        &self.key
    }

    /// As [`Session::access_token`].
    pub(crate) async fn access_token(&self) -> Result<CurrentToken, Error> {
        if let Some(token) = self.fresh_cached(None) {
            return Ok(token);
        }
        // Boxed so the fast path's future stays a few words, not the size
        // of a whole renewal.
        Box::pin(self.renew(None)).await
    }

    /// The cached token if it is fresh and is not `rejected`.
    fn fresh_cached(&self, rejected: Option<&CurrentToken>) -> Option<CurrentToken> {
        let guard = self.current.load();
        let cached = guard.as_ref()?;
        if !cached.is_fresh(self.clock.now()) {
            return None;
        }
        if rejected.is_some_and(|r| Arc::ptr_eq(r.cached(), cached)) {
            return None;
        }
        Some(CurrentToken(guard))
    }

    /// Gets a fresh token other than `rejected`, with at most one renewal
    /// under way at a time: the first caller runs it, the others wait for
    /// its outcome.
    pub(crate) async fn renew(
        &self,
        rejected: Option<&CurrentToken>,
    ) -> Result<CurrentToken, Error> {
        loop {
            let role = {
                let mut flight = self.flight.lock().unwrap_or_else(PoisonError::into_inner);
                // A renewal may have finished since the caller looked.
                if let Some(token) = self.fresh_cached(rejected) {
                    return Ok(token);
                }
                match &*flight {
                    Some(waiting) => Err(waiting.clone()),
                    None => {
                        let (sender, receiver) = watch::channel(None);
                        *flight = Some(receiver);
                        Ok(sender)
                    }
                }
            };
            match role {
                Ok(sender) => {
                    // Clears the flight even if this task is cancelled
                    // mid-renewal; the waiters then start over.
                    let flight = FlightGuard(&self.flight);
                    let result = self.renew_now(rejected).await;
                    let outcome = match &result {
                        Ok(cached) => Ok(Arc::clone(cached)),
                        Err(error) => Err(error.clone()),
                    };
                    drop(flight);
                    // No receiver left is fine: nobody was waiting.
                    let _ = sender.send(Some(outcome));
                    return result.map(CurrentToken::new);
                }
                Err(mut receiver) => {
                    let outcome = match receiver.wait_for(Option::is_some).await {
                        Ok(outcome) => outcome.clone(),
                        // The renewing task was cancelled: try again.
                        Err(_) => continue,
                    };
                    return match outcome {
                        Some(Ok(cached)) => Ok(CurrentToken::new(cached)),
                        Some(Err(error)) => Err(error),
                        None => continue,
                    };
                }
            }
        }
    }

    /// The renewal itself: the store's token if it is fresh and not
    /// `rejected`, else a new one from the source, saved before use.
    async fn renew_now(&self, rejected: Option<&CurrentToken>) -> Result<Arc<Cached>, Error> {
        let inner = self;
        let stored = inner.store.load(&inner.key).await?;
        if let Some(stored) = stored.as_ref() {
            // Another process (or an earlier run) may have renewed already.
            let is_rejected =
                rejected.is_some_and(|r| r.access_token().ct_eq(stored.access_token()));
            let cached = Cached::new(
                stored.clone(),
                inner.skew,
                inner.clock.now(),
                inner.dpop().is_some(),
            )?;
            if !is_rejected && cached.is_fresh(inner.clock.now()) {
                let cached = Arc::new(cached);
                self.install(&cached, false);
                return Ok(cached);
            }
        }
        // Renew from the later of the stored and the cached token: the store
        // may hold another process's rotation, the cache a token given to
        // the builder and not saved yet.
        let cached = inner.current.load_full().map(|c| c.token.clone());
        let current = match (stored, cached) {
            (Some(stored), Some(cached)) if cached.expires_at() > stored.expires_at() => {
                Some(cached)
            }
            (Some(stored), _) => Some(stored),
            (None, cached) => cached,
        };
        let token = match inner.source.fetch(current.as_ref()).await {
            Ok(token) => token,
            Err(error @ Error::RefreshTokenRejected(_)) => {
                return self.after_rejection(current.as_ref(), error).await;
            }
            Err(error) => return Err(error),
        };
        let cached = Arc::new(Cached::new(
            token,
            inner.skew,
            inner.clock.now(),
            inner.dpop().is_some(),
        )?);
        // Saved before use: a rotated refresh token must never live only
        // in memory. A failed save fails the call and keeps the old token.
        if !inner.source_saves {
            inner.store.save(&inner.key, &cached.token).await?;
        }
        self.install(&cached, true);
        Ok(cached)
    }

    /// The server rejected the refresh token of `rejected`. Another session
    /// sharing the store may have used it a moment ago and saved the
    /// rotated one: the stored token is removed only if it is still the
    /// rejected one, and a newer stored token is taken instead.
    async fn after_rejection(
        &self,
        rejected: Option<&Token>,
        error: Error,
    ) -> Result<Arc<Cached>, Error> {
        let inner = self;
        let removed = match rejected {
            Some(rejected) => inner.store.remove_if(&inner.key, rejected).await,
            None => inner.store.remove(&inner.key).await.map(|()| true),
        };
        match removed {
            Ok(true) => {}
            Ok(false) => {
                if let Some(stored) = inner.store.load(&inner.key).await? {
                    let cached = Arc::new(Cached::new(
                        stored,
                        inner.skew,
                        inner.clock.now(),
                        inner.dpop().is_some(),
                    )?);
                    if cached.is_fresh(inner.clock.now()) {
                        self.install(&cached, false);
                        return Ok(cached);
                    }
                }
            }
            Err(remove) => {
                tracing::warn!(error = %remove, "could not remove a rejected token from the store");
            }
        }
        inner.current.store(None);
        Err(error)
    }

    fn install(&self, cached: &Arc<Cached>, notify: bool) {
        self.current.store(Some(Arc::clone(cached)));
        if notify && let Some(hook) = &self.on_token_change {
            hook(&cached.token);
        }
    }
}

/// The cache partition of a session: an app token's answers are shared by
/// the sessions of its client id; a user token's by the sessions of that
/// user (named by an explicit store key), and otherwise by no other
/// session (a random name, so that no other session or process, now or
/// later, can pick it).
#[cfg(feature = "cache")]
fn partition(owner: &Owner, key: Option<&str>) -> Result<String, Error> {
    Ok(match (owner, key) {
        (Owner::App(client_id), _) => format!("app:{client_id}"),
        (Owner::User(client_id), Some(key)) => {
            format!("user:{}:{key}", client_id.as_deref().unwrap_or("-"))
        }
        (Owner::User(_), None) => format!("session:{}", crate::authorization::random_token(16)?),
    })
}

/// Ends a renewal's flight when dropped, whether it finished or not.
struct FlightGuard<'a>(&'a Mutex<Option<watch::Receiver<Option<Outcome>>>>);

impl Drop for FlightGuard<'_> {
    fn drop(&mut self) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

#[cfg(test)]
mod tests;
