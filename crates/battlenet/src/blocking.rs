//! A blocking Battle.net client for scripts (feature `blocking`): the
//! async client's methods, each waiting for its answer on a runtime of its
//! own on a background thread, as `reqwest::blocking` does it.
//!
//! Catalogue calls are the async client's own: add
//! [`wait`](crate::catalogue::Call::wait) instead of `.await`.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # // The sandbox's server runs on a runtime of its own threads.
//! # let server = tokio::runtime::Runtime::new()?;
//! # let sandbox = server.block_on(
//! #     oauth_sandbox::Sandbox::builder()
//! #         .profile(oauth_sandbox::Profile::BattleNet)
//! #         .client(oauth_sandbox::ClientConfig::confidential("CLIENT_ID", "CLIENT_SECRET"))
//! #         .start(),
//! # )?;
//! # let (oauth, api) = (sandbox.oauth_url().clone(), sandbox.api_url().clone());
//! use battlenet::blocking::BattleNetClient;
//! use battlenet::{Locale, Namespace, Region};
//!
//! let client = BattleNetClient::builder(Region::Us, "CLIENT_ID", "CLIENT_SECRET")
//! #   .oauth_base(oauth).api_base(api)
//!     .build()?;
//! // As in the tutorial: `client.get(endpoint, locale, namespace)`, no await.
//! let price = client
//!     .get("/data/wow/token/index", Locale::EnUs, Namespace::dynamic(Region::Us))
//!     .send()?;
//! println!("a WoW token costs {} copper", price["price"]);
//! // Every catalogue call waits with `wait()`.
//! let shaman = client.wow().playable_class(7).locale(Locale::EnUs).wait()?;
//! assert_eq!(shaman.name.text(), Some("Shaman"));
//! # drop(sandbox);
//! # Ok(()) }
//! ```
//!
//! Calling a blocking method from inside an async runtime panics with a
//! message saying so: there, use the async client (or
//! `tokio::task::spawn_blocking`).

use std::fmt;
use std::future::Future;

use oauth_core::http::Method;
use oauth_core::url::Url;
use oauth_core::{PendingAuthorization, Token};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::catalogue::{Call, Diablo3, Endpoint, Hearthstone, StarCraft2, Wow, WowClassic};
use crate::client::RequestParts;
use crate::error::Error;
use crate::locale::Locale;
use crate::models::{TokenInfo, UserInfo};
use crate::namespace::Namespace;
use crate::provider::Hosts;
use crate::region::Region;

/// The blocking twin of [`crate::BattleNetClient`]. Cheap to clone; clones
/// share the token, the connections and the runtime.
#[derive(Clone, Debug)]
pub struct BattleNetClient {
    client: crate::BattleNetClient,
}

/// Builds a blocking client: the async builder, whose `build` gives a
/// blocking client.
#[derive(Debug)]
#[must_use = "call `build` to get the client"]
pub struct BattleNetClientBuilder(crate::BattleNetClientBuilder);

impl BattleNetClientBuilder {
    /// The async builder's options: `builder.with(|b| b.scope("openid"))`.
    pub fn with(
        self,
        options: impl FnOnce(crate::BattleNetClientBuilder) -> crate::BattleNetClientBuilder,
    ) -> Self {
        BattleNetClientBuilder(options(self.0))
    }

    /// See [`crate::BattleNetClientBuilder::scope`].
    pub fn scope(self, scope: &str) -> Self {
        BattleNetClientBuilder(self.0.scope(scope))
    }

    /// See [`crate::BattleNetClientBuilder::redirect_uri`].
    pub fn redirect_uri(self, uri: impl Into<String>) -> Self {
        BattleNetClientBuilder(self.0.redirect_uri(uri))
    }

    /// See [`crate::BattleNetClientBuilder::oauth_base`].
    pub fn oauth_base(self, base: Url) -> Self {
        BattleNetClientBuilder(self.0.oauth_base(base))
    }

    /// See [`crate::BattleNetClientBuilder::api_base`].
    pub fn api_base(self, base: Url) -> Self {
        BattleNetClientBuilder(self.0.api_base(base))
    }

    /// See [`crate::BattleNetClientBuilder::default_locale`].
    pub fn default_locale(self, locale: Locale) -> Self {
        BattleNetClientBuilder(self.0.default_locale(locale))
    }

    /// See [`crate::BattleNetClientBuilder::allow_host`].
    pub fn allow_host(self, host: impl Into<String>) -> Self {
        BattleNetClientBuilder(self.0.allow_host(host))
    }

    /// See [`crate::BattleNetClientBuilder::transport`].
    pub fn transport(
        self,
        transport: std::sync::Arc<dyn oauth_core::transport::HttpTransport>,
    ) -> Self {
        BattleNetClientBuilder(self.0.transport(transport))
    }

    /// See [`crate::BattleNetClientBuilder::namespace_placement`].
    pub fn namespace_placement(self, placement: crate::NamespacePlacement) -> Self {
        BattleNetClientBuilder(self.0.namespace_placement(placement))
    }

    /// See [`crate::BattleNetClientBuilder::pkce`].
    pub fn pkce(self, on: bool) -> Self {
        BattleNetClientBuilder(self.0.pkce(on))
    }

    /// See [`crate::BattleNetClientBuilder::refresh_skew`].
    pub fn refresh_skew(self, skew: std::time::Duration) -> Self {
        BattleNetClientBuilder(self.0.refresh_skew(skew))
    }

    /// See [`crate::BattleNetClientBuilder::rate_limit`].
    pub fn rate_limit(self, per_second: u32) -> Self {
        BattleNetClientBuilder(self.0.rate_limit(per_second))
    }

    /// See [`crate::BattleNetClientBuilder::retry`].
    pub fn retry(self, policy: oauth_core::RetryPolicy) -> Self {
        BattleNetClientBuilder(self.0.retry(policy))
    }

    /// See [`crate::BattleNetClientBuilder::cache`].
    #[cfg(feature = "cache")]
    pub fn cache(self, cache: oauth_core::cache::ResponseCache) -> Self {
        BattleNetClientBuilder(self.0.cache(cache))
    }

    /// See [`crate::BattleNetClientBuilder::stack`].
    pub fn stack(self, stack: oauth_core::layer::Stack) -> Self {
        BattleNetClientBuilder(self.0.stack(stack))
    }

    /// The client. Does no I/O; the runtime starts on the first call.
    ///
    /// # Errors
    /// As [`crate::BattleNetClientBuilder::build`].
    pub fn build(self) -> Result<BattleNetClient, Error> {
        self.0.build().map(BattleNetClient::from)
    }
}

impl From<crate::BattleNetClient> for BattleNetClient {
    fn from(client: crate::BattleNetClient) -> Self {
        BattleNetClient { client }
    }
}

impl BattleNetClient {
    /// As [`crate::BattleNetClient::new`], the tutorial's constructor.
    ///
    /// # Errors
    /// As [`crate::BattleNetClient::new`].
    pub fn new(
        region: &str,
        scope: &str,
        redirect_uri: Option<&str>,
        client_id: &str,
        client_secret: &str,
    ) -> Result<Self, Error> {
        crate::BattleNetClient::new(region, scope, redirect_uri, client_id, client_secret)
            .map(Self::from)
    }

    /// Starts building a client of `region`.
    pub fn builder(
        region: Region,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> BattleNetClientBuilder {
        BattleNetClientBuilder(crate::BattleNetClient::builder(
            region,
            client_id,
            client_secret,
        ))
    }

    /// The async client underneath, for code that has a runtime.
    #[must_use]
    pub fn async_client(&self) -> &crate::BattleNetClient {
        &self.client
    }

    /// See [`crate::BattleNetClient::region`].
    #[must_use]
    pub fn region(&self) -> Region {
        self.client.region()
    }

    /// See [`crate::BattleNetClient::hosts`].
    #[must_use]
    pub fn hosts(&self) -> &Hosts {
        self.client.hosts()
    }

    /// See [`crate::BattleNetClient::oauth`].
    #[must_use]
    pub fn oauth(&self) -> &oauth_core::Client {
        self.client.oauth()
    }

    /// See [`crate::BattleNetClient::has_user_token`].
    #[must_use]
    pub fn has_user_token(&self) -> bool {
        self.client.has_user_token()
    }

    /// See [`crate::BattleNetClient::authorization_url`] (no I/O).
    ///
    /// # Errors
    /// As [`crate::BattleNetClient::authorization_url`].
    pub fn authorization_url(&self) -> Result<(Url, PendingAuthorization), Error> {
        self.client.authorization_url()
    }

    fn wait<T, F>(&self, call: impl FnOnce(crate::BattleNetClient) -> F) -> Result<T, Error>
    where
        F: Future<Output = Result<T, Error>> + Send + 'static,
        T: Send + 'static,
    {
        self.client.block_on(call(self.client.clone()))?
    }

    /// See [`crate::BattleNetClient::complete_authorization`].
    ///
    /// # Errors
    /// As [`crate::BattleNetClient::complete_authorization`].
    pub fn complete_authorization(
        &self,
        pending: PendingAuthorization,
        callback_url: &str,
    ) -> Result<BattleNetClient, Error> {
        let callback_url = callback_url.to_owned();
        self.wait(|c| async move { c.complete_authorization(pending, &callback_url).await })
            .map(Self::from)
    }

    /// See [`crate::BattleNetClient::complete_authorization_with_code`].
    ///
    /// # Errors
    /// As [`crate::BattleNetClient::complete_authorization_with_code`].
    pub fn complete_authorization_with_code(
        &self,
        pending: PendingAuthorization,
        code: &str,
        state: &str,
    ) -> Result<BattleNetClient, Error> {
        let (code, state) = (code.to_owned(), state.to_owned());
        self.wait(|c| async move {
            c.complete_authorization_with_code(pending, &code, &state)
                .await
        })
        .map(Self::from)
    }

    /// See [`crate::BattleNetClient::with_user_token`].
    ///
    /// # Errors
    /// As [`crate::BattleNetClient::with_user_token`].
    pub fn with_user_token(&self, token: Token) -> Result<BattleNetClient, Error> {
        self.wait(|c| async move { c.with_user_token(token).await })
            .map(Self::from)
    }

    /// See [`crate::BattleNetClient::access_token`].
    ///
    /// # Errors
    /// As [`crate::BattleNetClient::access_token`].
    pub fn access_token(&self) -> Result<oauth_core::AccessToken, Error> {
        self.wait(|c| async move { c.access_token().await })
    }

    /// See [`crate::BattleNetClient::user_info`].
    ///
    /// # Errors
    /// As [`crate::BattleNetClient::user_info`].
    pub fn user_info(&self) -> Result<UserInfo, Error> {
        self.wait(|c| async move { c.user_info().await })
    }

    /// See [`crate::BattleNetClient::check_token`].
    ///
    /// # Errors
    /// As [`crate::BattleNetClient::check_token`].
    pub fn check_token(&self) -> Result<TokenInfo, Error> {
        self.wait(|c| async move { c.check_token().await })
    }

    /// See [`crate::BattleNetClient::openid_configuration`].
    ///
    /// # Errors
    /// As [`crate::BattleNetClient::openid_configuration`].
    pub fn openid_configuration(&self) -> Result<Value, Error> {
        self.wait(|c| async move { c.openid_configuration().await })
    }

    /// See [`crate::BattleNetClient::jwks`].
    ///
    /// # Errors
    /// As [`crate::BattleNetClient::jwks`].
    pub fn jwks(&self) -> Result<Value, Error> {
        self.wait(|c| async move { c.jwks().await })
    }

    /// A GET, as in the tutorial; see [`crate::BattleNetClient::get`].
    pub fn get(
        &self,
        endpoint: &str,
        locale: impl Into<Option<Locale>>,
        namespace: impl Into<Option<Namespace>>,
    ) -> ApiRequest {
        self.request(Method::GET, endpoint, locale.into(), namespace.into())
    }

    /// A POST; see [`crate::BattleNetClient::post`].
    pub fn post(
        &self,
        endpoint: &str,
        locale: impl Into<Option<Locale>>,
        namespace: impl Into<Option<Namespace>>,
    ) -> ApiRequest {
        self.request(Method::POST, endpoint, locale.into(), namespace.into())
    }

    fn request(
        &self,
        method: Method,
        endpoint: &str,
        locale: Option<Locale>,
        namespace: Option<Namespace>,
    ) -> ApiRequest {
        ApiRequest {
            client: self.client.clone(),
            parts: RequestParts::new(method, endpoint, locale, namespace),
        }
    }

    /// World of Warcraft's APIs; each call ends with `wait()`.
    #[must_use]
    pub fn wow(&self) -> Wow<'_> {
        self.client.wow()
    }

    /// World of Warcraft Classic's APIs of one release.
    ///
    /// # Errors
    /// As [`crate::BattleNetClient::wow_classic`].
    pub fn wow_classic<'a>(&'a self, release: &'a str) -> Result<WowClassic<'a>, Error> {
        self.client.wow_classic(release)
    }

    /// Diablo III's APIs.
    #[must_use]
    pub fn diablo3(&self) -> Diablo3<'_> {
        self.client.diablo3()
    }

    /// Hearthstone's APIs.
    #[must_use]
    pub fn hearthstone(&self) -> Hearthstone<'_> {
        self.client.hearthstone()
    }

    /// StarCraft II's APIs.
    #[must_use]
    pub fn starcraft2(&self) -> StarCraft2<'_> {
        self.client.starcraft2()
    }

    /// See [`crate::BattleNetClient::endpoint`].
    pub fn endpoint<T>(&self, endpoint: &'static Endpoint, args: &[&str]) -> Call<'_, T> {
        self.client.endpoint(endpoint, args)
    }

    /// See [`crate::BattleNetClient::classic_endpoint`].
    pub fn classic_endpoint<'a, T>(
        &'a self,
        release: &'a str,
        endpoint: &'static Endpoint,
        args: &[&str],
    ) -> Call<'a, T> {
        self.client.classic_endpoint(release, endpoint, args)
    }
}

/// The blocking twin of [`crate::ApiRequest`]: finish it with
/// [`send`](Self::send) or [`json`](Self::json).
#[must_use = "a request does nothing until sent"]
pub struct ApiRequest {
    client: crate::BattleNetClient,
    parts: RequestParts,
}

impl fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.parts.fmt(f)
    }
}

impl ApiRequest {
    /// See [`crate::ApiRequest::query`].
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.parts.query(name.into(), value.into());
        self
    }

    /// See [`crate::ApiRequest::body`].
    ///
    /// # Errors
    /// When `body` cannot be serialised.
    pub fn body<B: serde::Serialize>(mut self, body: &B) -> Result<Self, Error> {
        self.parts.body(body)?;
        Ok(self)
    }

    /// Sends the request and reads the answer as JSON.
    ///
    /// # Errors
    /// As [`crate::ApiRequest::json`].
    ///
    /// # Panics
    /// Inside an async runtime.
    pub fn send(self) -> Result<Value, Error> {
        self.json()
    }

    /// Sends the request and reads the answer as `T`.
    ///
    /// # Errors
    /// As [`crate::ApiRequest::json`].
    ///
    /// # Panics
    /// Inside an async runtime.
    pub fn json<T: DeserializeOwned + Send + 'static>(self) -> Result<T, Error> {
        let ApiRequest { client, parts } = self;
        let runner = client.clone();
        runner
            .block_on(async move { crate::ApiRequest::from_parts(&client, parts).json().await })?
    }
}
