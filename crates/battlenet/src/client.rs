//! `BattleNetClient`: both workflows of the tutorial, and `get`/`post` by
//! locale and namespace.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use oauth_core::http::Method;
use oauth_core::layer::Stack;
use oauth_core::transport::HttpTransport;
use oauth_core::url::Url;
use oauth_core::{
    Client, PendingAuthorization, Provider as _, RateLimiter, RetryPolicy, Session, SessionBuilder,
    Token,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::Error;
use crate::locale::Locale;
use crate::models::{TokenInfo, UserInfo};
use crate::namespace::Namespace;
use crate::provider::{BattleNetProvider, Hosts};
use crate::region::Region;
use crate::request::{ApiCall, NamespacePlacement, read_answer, read_typed, resolve};

/// A Battle.net client of one region, in the credential workflow (no
/// redirect URI: an app token, fetched on first use and renewed on expiry)
/// or the user workflow (a redirect URI: the user signs in, then calls go
/// with their token).
///
/// Cheap to clone; clones share the token and connections.
#[derive(Clone)]
pub struct BattleNetClient {
    inner: Arc<Inner>,
}

struct Inner {
    region: Region,
    hosts: Hosts,
    allowed_hosts: Vec<String>,
    oauth: Client,
    provider: Arc<BattleNetProvider>,
    scopes: Vec<String>,
    default_locale: Option<Locale>,
    placement: NamespacePlacement,
    /// The app token's session (credential workflow) or the user's (a
    /// client returned by `complete_authorization` or `with_user_token`).
    session: Option<Session>,
    /// Whether `session` holds a user's token.
    user_token: bool,
    session_config: SessionConfig,
    /// The ID token verifier, made on the first sign-in with `openid` and
    /// shared with the user clients made from this one.
    #[cfg(feature = "openid")]
    verifier: Arc<std::sync::Mutex<Option<oauth_core::IdTokenVerifier>>>,
    /// The signed-in user's verified ID token claims.
    #[cfg(feature = "openid")]
    id_claims: Option<Arc<oauth_core::IdTokenClaims>>,
    /// The blocking calls' runtime, started on first use and shared with
    /// the user clients made from this one.
    #[cfg(feature = "blocking")]
    runtime: Arc<std::sync::Mutex<Option<oauth_core::blocking::Runtime>>>,
}

#[derive(Clone, Debug)]
struct SessionConfig {
    skew: Duration,
    /// The layers of every session of this client and its user clients;
    /// its rate limiter is shared by all of them, as the quota is per
    /// client id.
    stack: Stack,
    /// The fleet's token store, for the app token.
    #[cfg(feature = "fleet")]
    fleet: Option<oauth_core::RedisStore>,
}

impl fmt::Debug for BattleNetClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BattleNetClient")
            .field("region", &self.inner.region)
            .field("hosts", &self.inner.hosts)
            .field("oauth", &self.inner.oauth)
            .field("scopes", &self.inner.scopes)
            .field("default_locale", &self.inner.default_locale)
            .finish_non_exhaustive()
    }
}

/// Builds a [`BattleNetClient`]; see [`BattleNetClient::builder`].
#[must_use = "call `build` to get the client"]
pub struct BattleNetClientBuilder {
    region: Region,
    client_id: String,
    client_secret: String,
    scopes: Vec<String>,
    redirect_uri: Option<String>,
    hosts: Hosts,
    extra_hosts: Vec<String>,
    transport: Option<Arc<dyn HttpTransport>>,
    default_locale: Option<Locale>,
    placement: NamespacePlacement,
    pkce: bool,
    session: SessionConfig,
}

impl fmt::Debug for BattleNetClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BattleNetClientBuilder")
            .field("region", &self.region)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("hosts", &self.hosts)
            .finish_non_exhaustive()
    }
}

impl BattleNetClientBuilder {
    /// Scopes to ask for in the user workflow (`openid`, `wow.profile`, …);
    /// space- or comma-separated.
    pub fn scope(mut self, scope: &str) -> Self {
        self.scopes.extend(
            scope
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        );
        self
    }

    /// The redirect URI registered for the app: turns on the user workflow.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// Where the OAuth endpoints are (default: the region's OAuth host). For
    /// China's legacy host, `https://www.battlenet.com.cn/oauth/`.
    pub fn oauth_base(mut self, base: Url) -> Self {
        self.hosts.oauth_base = with_trailing_slash(base);
        self
    }

    /// Where the API is (default: the region's API host).
    pub fn api_base(mut self, base: Url) -> Self {
        self.hosts.api_base = with_trailing_slash(base);
        self
    }

    /// One more host that full-URL endpoints may name (a proxy, say).
    pub fn allow_host(mut self, host: impl Into<String>) -> Self {
        self.extra_hosts.push(host.into().to_ascii_lowercase());
        self
    }

    /// The transport (default: oauth-core's default transport).
    pub fn transport(mut self, transport: Arc<dyn HttpTransport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The locale used when a call names none.
    pub fn default_locale(mut self, locale: Locale) -> Self {
        self.default_locale = Some(locale);
        self
    }

    /// Sends the namespace as the `Battlenet-Namespace` header instead of
    /// the `namespace` query parameter.
    pub fn namespace_placement(mut self, placement: NamespacePlacement) -> Self {
        self.placement = placement;
        self
    }

    /// Turns PKCE off for the user workflow. It is on by default, as the
    /// OAuth 2.0 security best practice (RFC 9700) asks of every client;
    /// servers that do not implement RFC 7636 ignore its parameters. Turn it
    /// off only if the authorization server rejects them.
    pub fn pkce(mut self, on: bool) -> Self {
        self.pkce = on;
        self
    }

    /// How long before expiry a token is renewed (default 60 s).
    pub fn refresh_skew(mut self, skew: Duration) -> Self {
        self.session.skew = skew;
        self
    }

    /// A client-side limit in requests per second, shared by every clone
    /// and every user client made from this one, so a busy job stays under
    /// Battle.net's quota (100 per second) instead of collecting 429s.
    /// Default: off.
    ///
    /// Battle.net counts requests per calendar second, so the limiter spaces
    /// requests evenly (no bursts): then no second ever holds more than
    /// `per_second` of them.
    pub fn rate_limit(mut self, per_second: u32) -> Self {
        self.session.stack = self.session.stack.rate_limiter(RateLimiter::with_burst(
            per_second,
            Duration::from_secs(1),
            1,
        ));
        self
    }

    /// How 429 and 5xx answers are retried (default: oauth-core's
    /// [`RetryPolicy::default`], which honours `Retry-After`).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.session.stack = self.session.stack.retry(policy);
        self
    }

    /// Keeps API answers in `cache` and serves them by HTTP's caching
    /// rules: Battle.net's game data carries a `max-age`, an `ETag` and
    /// `Last-Modified`, so a scan that comes back to a document asks again
    /// only once it is stale, and then with a conditional request that a
    /// `304` answers. Shared by every clone of this client and every user
    /// client made from it; a user's answers are served to that user's
    /// client only. See [`oauth_core::cache`].
    ///
    /// ```
    /// use battlenet::{BattleNetClient, Region};
    /// use oauth_core::cache::ResponseCache;
    ///
    /// let cache = ResponseCache::memory(256 << 20);
    /// let client = BattleNetClient::builder(Region::Eu, "client-id", "client-secret")
    ///     .cache(cache.clone())
    ///     .build()?;
    /// // … after a scan:
    /// let stats = cache.stats();
    /// println!("{} hits, {} sent", stats.hits, stats.misses + stats.revalidations);
    /// # Ok::<(), battlenet::Error>(())
    /// ```
    #[cfg(feature = "cache")]
    pub fn cache(mut self, cache: oauth_core::cache::ResponseCache) -> Self {
        self.session.stack = self.session.stack.cache(cache);
        self
    }

    /// Shares the app token with every worker that names the same Redis
    /// `store`, as a fleet's processes on one client id do: it is kept
    /// there, and renewed by one worker at a time across all of them (see
    /// [`SessionBuilder::fleet`](oauth_core::SessionBuilder::fleet)), so a
    /// fleet on an expired token makes one token request. For the fleet's
    /// rate budget and response cache, give [`stack`](Self::stack) a
    /// [`RateLimiter::fleet`](oauth_core::RateLimiter::fleet) and a cache on
    /// [`RedisCache`](oauth_core::cache::RedisCache).
    #[cfg(feature = "fleet")]
    pub fn fleet(mut self, store: oauth_core::RedisStore) -> Self {
        self.session.fleet = Some(store);
        self
    }

    /// Every layer of the API calls at once (retries, rate limit, a total
    /// timeout, a response cache; see [`oauth_core::layer`]), replacing
    /// what [`rate_limit`](Self::rate_limit), [`retry`](Self::retry) and
    /// `cache` set. Its rate limiter and cache are shared by every session
    /// of this client.
    pub fn stack(mut self, stack: Stack) -> Self {
        self.session.stack = stack;
        self
    }

    /// The client. Does no I/O.
    ///
    /// # Errors
    /// [`Error::OAuth`] with a configuration error for an invalid redirect
    /// URI or host, or no transport.
    pub fn build(self) -> Result<BattleNetClient, Error> {
        let provider = Arc::new(BattleNetProvider::new(&self.hosts.oauth_base, self.pkce)?);
        let mut oauth = Client::builder_shared(provider.clone(), self.client_id)
            .client_secret(self.client_secret);
        if let Some(uri) = self.redirect_uri {
            oauth = oauth.redirect_uri(uri);
        }
        if let Some(transport) = self.transport {
            oauth = oauth.shared_transport(transport);
        }
        let oauth = oauth.build()?;
        oauth_core::check_endpoint(&self.hosts.api_base)?;

        let mut allowed_hosts: Vec<String> = Region::ALL
            .iter()
            .filter_map(|r| r.api_host().host_str().map(str::to_owned))
            .collect();
        allowed_hosts.extend(self.hosts.api_base.host_str().map(str::to_owned));
        allowed_hosts.extend(self.extra_hosts);

        // Credential workflow: the session fetches the app token on first
        // use, so building the client does no I/O.
        let session = match oauth.redirect_uri() {
            None => {
                let builder = configure(Session::client_credentials(&oauth, &[]), &self.session);
                #[cfg(feature = "fleet")]
                let builder = match &self.session.fleet {
                    Some(store) => builder.fleet(store.clone()).key("app"),
                    None => builder,
                };
                Some(builder.build()?)
            }
            Some(_) => None,
        };
        Ok(BattleNetClient {
            inner: Arc::new(Inner {
                region: self.region,
                hosts: self.hosts,
                allowed_hosts,
                oauth,
                provider,
                scopes: self.scopes,
                default_locale: self.default_locale,
                placement: self.placement,
                session,
                user_token: false,
                session_config: self.session,
                #[cfg(feature = "openid")]
                verifier: Arc::default(),
                #[cfg(feature = "openid")]
                id_claims: None,
                #[cfg(feature = "blocking")]
                runtime: Arc::default(),
            }),
        })
    }
}

fn configure(builder: SessionBuilder, config: &SessionConfig) -> SessionBuilder {
    builder.skew(config.skew).stack(config.stack.clone())
}

fn with_trailing_slash(mut base: Url) -> Url {
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    base
}

impl BattleNetClient {
    /// A client as in the tutorial:
    /// `BattleNetClient::new("us", "wow.profile", Some(redirect), id, secret)`.
    /// Without a redirect URI it uses the credential workflow.
    ///
    /// # Errors
    /// [`InputError::UnknownRegion`](crate::InputError::UnknownRegion), and those of
    /// [`BattleNetClientBuilder::build`].
    pub fn new(
        region: &str,
        scope: &str,
        redirect_uri: Option<&str>,
        client_id: &str,
        client_secret: &str,
    ) -> Result<Self, Error> {
        let region: Region = region.parse()?;
        let mut builder = Self::builder(region, client_id, client_secret).scope(scope);
        if let Some(uri) = redirect_uri {
            builder = builder.redirect_uri(uri);
        }
        builder.build()
    }

    /// Starts building a client of `region`.
    pub fn builder(
        region: Region,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> BattleNetClientBuilder {
        BattleNetClientBuilder {
            region,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scopes: Vec::new(),
            redirect_uri: None,
            hosts: Hosts::of(region),
            extra_hosts: Vec::new(),
            transport: None,
            default_locale: None,
            placement: NamespacePlacement::default(),
            pkce: true,
            session: SessionConfig {
                skew: Duration::from_secs(60),
                stack: Stack::new(),
                #[cfg(feature = "fleet")]
                fleet: None,
            },
        }
    }

    /// The region.
    #[must_use]
    pub fn region(&self) -> Region {
        self.inner.region
    }

    /// The hosts in use.
    #[must_use]
    pub fn hosts(&self) -> &Hosts {
        &self.inner.hosts
    }

    /// The underlying OAuth client.
    #[must_use]
    pub fn oauth(&self) -> &Client {
        &self.inner.oauth
    }

    /// The user workflow's first step: the URL to send the user to, and
    /// what completing it needs (keep it server-side, per browser session).
    ///
    /// # Errors
    /// [`Error::Workflow`] in the credential workflow (no redirect URI).
    pub fn authorization_url(&self) -> Result<(Url, PendingAuthorization), Error> {
        if self.inner.oauth.redirect_uri().is_none() {
            return Err(Error::Workflow(
                "the authorization URL needs a redirect URI (the user workflow)",
            ));
        }
        Ok(self
            .inner
            .oauth
            .authorization_url()
            .scopes(self.inner.scopes.iter().cloned())
            .build()?)
    }

    /// Completes the user workflow from the full callback URL: checks
    /// `state`, exchanges the code, and returns a client that calls the API
    /// with the user's token.
    ///
    /// # Errors
    /// The callback's and the token request's errors.
    pub async fn complete_authorization(
        &self,
        pending: PendingAuthorization,
        callback_url: &str,
    ) -> Result<BattleNetClient, Error> {
        #[cfg(feature = "openid")]
        if self.wants_id_token() {
            let verifier = self.verifier().await?;
            let login = self
                .inner
                .oauth
                .complete_login(pending, callback_url, &verifier)
                .await?;
            return self
                .user_client(login.token, Some(Arc::new(login.claims)))
                .await;
        }
        let token = self
            .inner
            .oauth
            .exchange_callback(pending, callback_url)
            .await?;
        self.with_user_token(token).await
    }

    /// As [`complete_authorization`](Self::complete_authorization), from the
    /// callback's `code` and `state` parameters.
    ///
    /// # Errors
    /// As [`complete_authorization`](Self::complete_authorization).
    pub async fn complete_authorization_with_code(
        &self,
        pending: PendingAuthorization,
        code: &str,
        state: &str,
    ) -> Result<BattleNetClient, Error> {
        #[cfg(feature = "openid")]
        let nonce = pending.nonce().cloned();
        let token = self
            .inner
            .oauth
            .exchange_code_with_state(pending, code, state)
            .await?;
        #[cfg(feature = "openid")]
        if self.wants_id_token() {
            let verifier = self.verifier().await?;
            let code = oauth_core::AuthorizationCode::new(code);
            let claims = verifier
                .verify_login(&token, nonce.as_ref(), Some(&code))
                .await?;
            return self.user_client(token, Some(Arc::new(claims))).await;
        }
        self.with_user_token(token).await
    }

    /// Whether the user workflow asks for an ID token (`openid`).
    #[cfg(feature = "openid")]
    fn wants_id_token(&self) -> bool {
        self.inner.scopes.iter().any(|s| s == "openid")
    }

    /// The verifier of Battle.net's ID tokens: its issuer (the OAuth host)
    /// and keys, read from its discovery document on first use.
    #[cfg(feature = "openid")]
    async fn verifier(&self) -> Result<oauth_core::IdTokenVerifier, Error> {
        let cached = self
            .inner
            .verifier
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if let Some(verifier) = cached {
            return Ok(verifier);
        }
        let issuer = self.inner.hosts.oauth_base.as_str().trim_end_matches('/');
        let metadata =
            oauth_core::ServerMetadata::fetch(issuer, &**self.inner.oauth.transport()).await?;
        let verifier =
            oauth_core::IdTokenVerifier::for_client(&self.inner.oauth, &metadata).await?;
        *self
            .inner
            .verifier
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(verifier.clone());
        Ok(verifier)
    }

    /// The signed-in user's ID token claims, verified (the user workflow
    /// with the `openid` scope): `sub` is their account id, and the
    /// BattleTag is in `extra` when Battle.net sends it.
    #[cfg(feature = "openid")]
    #[must_use]
    pub fn id_token_claims(&self) -> Option<&oauth_core::IdTokenClaims> {
        self.inner.id_claims.as_deref()
    }

    /// A client like this one that calls the API with `token`, a user token
    /// kept from an earlier sign-in: for web apps, one per signed-in user.
    ///
    /// Battle.net issues no refresh tokens: when the user token expires,
    /// calls fail with an error whose
    /// [`needs_authorization`](oauth_core::Error::needs_authorization) is
    /// true, and the user signs in again.
    ///
    /// # Errors
    /// A store error when the token cannot be kept.
    pub async fn with_user_token(&self, token: Token) -> Result<BattleNetClient, Error> {
        self.user_client(
            token,
            #[cfg(feature = "openid")]
            None,
        )
        .await
    }

    /// A user client on `token`, with its verified claims if any.
    async fn user_client(
        &self,
        token: Token,
        #[cfg(feature = "openid")] id_claims: Option<Arc<oauth_core::IdTokenClaims>>,
    ) -> Result<BattleNetClient, Error> {
        let session = configure(
            Session::refreshing(&self.inner.oauth),
            &self.inner.session_config,
        )
        .build()?;
        session.set_token(token).await?;
        Ok(BattleNetClient {
            inner: Arc::new(Inner {
                region: self.inner.region,
                hosts: self.inner.hosts.clone(),
                allowed_hosts: self.inner.allowed_hosts.clone(),
                oauth: self.inner.oauth.clone(),
                provider: self.inner.provider.clone(),
                scopes: self.inner.scopes.clone(),
                default_locale: self.inner.default_locale,
                placement: self.inner.placement,
                session: Some(session),
                user_token: true,
                session_config: self.inner.session_config.clone(),
                #[cfg(feature = "openid")]
                verifier: self.inner.verifier.clone(),
                #[cfg(feature = "openid")]
                id_claims,
                #[cfg(feature = "blocking")]
                runtime: self.inner.runtime.clone(),
            }),
        })
    }

    /// Runs `future` on this client's blocking runtime (started on first
    /// use) and waits for it.
    ///
    /// # Panics
    /// Inside an async runtime (see [`oauth_core::blocking::Runtime::block_on`]).
    #[cfg(feature = "blocking")]
    pub(crate) fn block_on<F>(&self, future: F) -> Result<F::Output, Error>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let runtime = {
            let mut slot = self
                .inner
                .runtime
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match &*slot {
                Some(runtime) => runtime.clone(),
                None => {
                    let runtime = oauth_core::blocking::Runtime::new().map_err(|e| {
                        oauth_core::Error::from(oauth_core::ConfigError::Environment {
                            what: "start the blocking runtime",
                            source: oauth_core::Cause::new(e),
                        })
                    })?;
                    *slot = Some(runtime.clone());
                    runtime
                }
            }
        };
        Ok(runtime.block_on(future))
    }

    fn session(&self) -> Result<&Session, Error> {
        self.inner.session.as_ref().ok_or(Error::Workflow(
            "no user has signed in with this client: call the API with the client that complete_authorization returned",
        ))
    }

    /// Whether this client calls the API with a user's token (a client
    /// returned by `complete_authorization` or `with_user_token`).
    #[must_use]
    pub fn has_user_token(&self) -> bool {
        self.inner.user_token
    }

    /// The OpenID Connect discovery document of the OAuth host
    /// (`/.well-known/openid-configuration`), as sent.
    ///
    /// # Errors
    /// Transport, status and parse errors.
    pub async fn openid_configuration(&self) -> Result<Value, Error> {
        self.oauth_document(".well-known/openid-configuration")
            .await
    }

    /// The OAuth host's signing keys (`/jwks/certs`), as sent.
    ///
    /// # Errors
    /// Transport, status and parse errors.
    pub async fn jwks(&self) -> Result<Value, Error> {
        self.oauth_document("jwks/certs").await
    }

    /// A public document of the OAuth host: no token is sent.
    async fn oauth_document(&self, relative: &'static str) -> Result<Value, Error> {
        let url = self.inner.hosts.oauth_base.join(relative).map_err(|e| {
            oauth_core::Error::from(oauth_core::ConfigError::InvalidUrl {
                what: "OAuth path",
                url: relative.to_owned(),
                reason: e.to_string(),
            })
        })?;
        let request = oauth_core::http::Request::builder()
            .method(Method::GET)
            .uri(url.as_str())
            .header(oauth_core::http::header::ACCEPT, "application/json")
            .body(Vec::new())
            .map_err(|e| {
                oauth_core::Error::from(oauth_core::ConfigError::InvalidRequest(e.to_string()))
            })?;
        let response = self.inner.oauth.send_to(relative, request).await?;
        read_typed(url.path(), &response)
    }

    /// The access token in use (the app token is fetched if needed).
    ///
    /// # Errors
    /// The token request's errors.
    pub async fn access_token(&self) -> Result<oauth_core::AccessToken, Error> {
        Ok(self.session()?.access_token().await?.access_token().clone())
    }

    /// A GET of `endpoint` (a path such as `/data/wow/token/index`, or a
    /// full URL on a Battle.net API host) with a locale and a namespace, as
    /// in the tutorial. Await it for a [`serde_json::Value`], or call
    /// [`json`](ApiRequest::json) for your own type.
    pub fn get(
        &self,
        endpoint: &str,
        locale: impl Into<Option<Locale>>,
        namespace: impl Into<Option<Namespace>>,
    ) -> ApiRequest<'_> {
        let parts = RequestParts::new(Method::GET, endpoint, locale.into(), namespace.into());
        ApiRequest::from_parts(self, parts)
    }

    /// A POST of `endpoint`; see [`get`](Self::get). Add a JSON body with
    /// [`ApiRequest::body`].
    pub fn post(
        &self,
        endpoint: &str,
        locale: impl Into<Option<Locale>>,
        namespace: impl Into<Option<Namespace>>,
    ) -> ApiRequest<'_> {
        let parts = RequestParts::new(Method::POST, endpoint, locale.into(), namespace.into());
        ApiRequest::from_parts(self, parts)
    }

    /// The signed-in user (user workflow).
    ///
    /// # Errors
    /// [`Error::Workflow`] before sign-in; API and parse errors.
    pub async fn user_info(&self) -> Result<UserInfo, Error> {
        let url = self
            .inner
            .provider
            .endpoints()
            .userinfo()
            .cloned()
            .ok_or(Error::Workflow("no userinfo endpoint"))?;
        let request = oauth_core::http::Request::builder()
            .method(Method::GET)
            .uri(url.as_str())
            .header(oauth_core::http::header::ACCEPT, "application/json")
            .body(Vec::new())
            .map_err(|e| {
                oauth_core::Error::from(oauth_core::ConfigError::InvalidRequest(e.to_string()))
            })?;
        let response = self.session()?.send(request).await?;
        read_answer(url.path(), &response)
    }

    /// What Battle.net says about the token in use (`check_token`).
    ///
    /// # Errors
    /// Token, API and parse errors.
    pub async fn check_token(&self) -> Result<TokenInfo, Error> {
        let token = self.access_token().await?;
        let url = self.inner.provider.check_token_url().clone();
        let request = self
            .inner
            .oauth
            .form_request(&url, &[("token", token.secret())])?;
        let response = self.inner.oauth.send_to("check_token", request).await?;
        read_answer(url.path(), &response)
    }

    async fn execute<T: DeserializeOwned>(&self, call: ApiCall) -> Result<T, Error> {
        let session = self.session()?;
        let (path, request) = call.into_request()?;
        let response = session.send(request).await?;
        read_answer(&path, &response)
    }

    /// As `execute`, reading a typed document ([`Error::Malformed`] names
    /// the field where it does not fit).
    async fn execute_typed<T: DeserializeOwned>(&self, call: ApiCall) -> Result<T, Error> {
        let session = self.session()?;
        let (path, request) = call.into_request()?;
        let response = session.send(request).await?;
        read_typed(&path, &response)
    }
}

/// What an API request is made of, shared by [`ApiRequest`] and its
/// blocking twin.
pub(crate) struct RequestParts {
    method: Method,
    endpoint: String,
    locale: Option<Locale>,
    namespace: Option<Namespace>,
    query: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl RequestParts {
    pub(crate) fn new(
        method: Method,
        endpoint: &str,
        locale: Option<Locale>,
        namespace: Option<Namespace>,
    ) -> Self {
        RequestParts {
            method,
            endpoint: endpoint.to_owned(),
            locale,
            namespace,
            query: Vec::new(),
            body: None,
        }
    }

    pub(crate) fn query(&mut self, name: String, value: String) {
        self.query.push((name, value));
    }

    pub(crate) fn body<B: serde::Serialize>(&mut self, body: &B) -> Result<(), Error> {
        self.body = Some(serde_json::to_vec(body).map_err(|source| Error::Json {
            path: self.endpoint.clone(),
            field: None,
            problem: format!(
                "cannot write the body: {}",
                oauth_core::json_problem(&source)
            ),
        })?);
        Ok(())
    }
}

/// Shown as the request it describes, body and query left out.
impl fmt::Debug for RequestParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiRequest")
            .field("method", &self.method)
            .field("endpoint", &self.endpoint)
            .field("locale", &self.locale)
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

/// One API call under construction; await it for JSON.
#[must_use = "an API request does nothing until awaited"]
pub struct ApiRequest<'a> {
    client: &'a BattleNetClient,
    parts: RequestParts,
}

impl fmt::Debug for ApiRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.parts.fmt(f)
    }
}

impl<'a> ApiRequest<'a> {
    /// The request `parts` describe, sent by `client`.
    pub(crate) fn from_parts(client: &'a BattleNetClient, parts: RequestParts) -> Self {
        ApiRequest { client, parts }
    }

    /// Adds a query parameter (`locale`, `namespace` and `access_token` are
    /// refused: the first two have their own arguments, and a token never
    /// goes in a URL).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.parts.query(name.into(), value.into());
        self
    }

    /// A JSON body.
    ///
    /// # Errors
    /// When `body` cannot be serialised.
    pub fn body<B: serde::Serialize>(mut self, body: &B) -> Result<Self, Error> {
        self.parts.body(body)?;
        Ok(self)
    }

    /// Sends the request and reads the answer as `T`.
    ///
    /// # Errors
    /// [`Error::Input`] for a bad endpoint, locale or query before any I/O;
    /// [`Error::NotFound`] on 404; [`Error::Refused`] for a token refused
    /// with a `Bearer` challenge; [`Error::Api`] for other statuses;
    /// [`Error::Json`] when the answer is not a `T`; the core's errors.
    pub async fn json<T: DeserializeOwned>(self) -> Result<T, Error> {
        let client = self.client;
        let call = self.prepare()?;
        client.execute(call).await
    }

    /// As [`json`](Self::json), with a malformed answer reported as
    /// [`Error::Malformed`] (field path, no value).
    pub(crate) async fn typed<T: DeserializeOwned>(self) -> Result<T, Error> {
        let client = self.client;
        let call = self.prepare()?;
        client.execute_typed(call).await
    }

    fn prepare(self) -> Result<ApiCall, Error> {
        let ApiRequest { client, parts } = self;
        let url = resolve(
            &parts.endpoint,
            &client.inner.hosts.api_base,
            &client.inner.allowed_hosts,
        )?;
        let locale = parts.locale.or(client.inner.default_locale);
        if let Some(locale) = locale {
            let region = parts
                .namespace
                .as_ref()
                .and_then(Namespace::region)
                .unwrap_or(client.inner.region);
            locale.check_region(region)?;
        }
        let mut call = ApiCall::new(
            parts.method,
            url,
            locale,
            parts.namespace.as_ref(),
            client.inner.placement,
            &parts.query,
        )?;
        call.body = parts.body;
        Ok(call)
    }
}

impl<'a> IntoFuture for ApiRequest<'a> {
    type Output = Result<Value, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.json())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_types_are_send_and_sync() {
        fn is<T: Send + Sync>() {}
        is::<BattleNetClient>();
        is::<ApiRequest<'static>>();
    }

    #[test]
    fn construction_does_no_io_and_validates() {
        let client =
            BattleNetClient::new("EU", "", None, "id", "secret").expect("credential workflow");
        assert_eq!(client.region(), Region::Eu);
        assert_eq!(
            client.hosts().api_base.as_str(),
            "https://eu.api.blizzard.com/"
        );
        assert!(matches!(
            client.authorization_url(),
            Err(Error::Workflow(_))
        ));
        let err = BattleNetClient::new("moon", "", None, "id", "secret").expect_err("bad region");
        assert_eq!(
            err.to_string(),
            "unknown region `moon`: expected one of us, eu, kr, tw, cn"
        );
        let shown = format!("{client:?}");
        assert!(!shown.contains("secret\""), "{shown}");
    }

    #[test]
    fn user_workflow_authorization_url() {
        let client = BattleNetClient::new(
            "us",
            "openid wow.profile",
            Some("https://app.example/cb"),
            "id",
            "secret",
        )
        .expect("user workflow");
        let (url, pending) = client.authorization_url().expect("url");
        assert_eq!(url.host_str(), Some("oauth.battle.net"));
        assert_eq!(url.path(), "/authorize");
        let scope = url
            .query_pairs()
            .find(|(k, _)| k == "scope")
            .map(|(_, v)| v.into_owned());
        assert_eq!(scope.as_deref(), Some("openid wow.profile"));
        assert_eq!(pending.redirect_uri().as_str(), "https://app.example/cb");
    }
}
