//! The OAuth client: a provider, the app's credentials, a redirect URI and a
//! transport; and every grant that runs through them.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderValue, Method};
use tracing::Instrument as _;
use url::Url;
use url::form_urlencoded;

use crate::authorization::{AuthorizationRequest, PendingAuthorization};
use crate::error::{ConfigError, Endpoint, Error};
use crate::provider::{ClientAuth, Provider};
use crate::redact::SentSecrets;
use crate::secret::{AuthorizationCode, ClientSecret, RefreshToken};
use crate::token::{Token, parse_token_response};
use crate::transport::{HttpRequest, HttpResponse, HttpTransport};
use crate::url_policy::check_endpoint;

/// An OAuth 2.0 client of one provider. Cheap to clone; clones share
/// everything.
///
/// ```
/// # #[cfg(any(feature = "reqwest", feature = "hyper"))]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let sandbox = oauth_sandbox::Sandbox::builder()
/// #     .client(oauth_sandbox::ClientConfig::confidential("my-client-id", "my-client-secret"))
/// #     .start().await?;
/// use oauth_core::{Client, GenericProvider};
///
/// let provider = GenericProvider::new(
///     "https://auth.example.com/authorize",
///     "https://auth.example.com/token",
/// )?;
/// # let provider = GenericProvider::new(
/// #     sandbox.authorization_endpoint().as_str(), sandbox.token_endpoint().as_str())?;
/// let client = Client::builder(provider, "my-client-id")
///     .client_secret("my-client-secret")
///     .build()?;
/// let token = client.client_credentials(&["read"]).await?;
/// assert_eq!(token.scopes(), Some(&["read".to_owned()][..]));
/// # Ok(()) }
/// # #[cfg(not(any(feature = "reqwest", feature = "hyper")))] fn main() {}
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    provider: Arc<dyn Provider>,
    client_id: String,
    client_secret: Option<ClientSecret>,
    redirect_uri: Option<RedirectUri>,
    transport: Arc<dyn HttpTransport>,
    /// How the client authenticates, settled when it was built.
    auth: ClientAuth,
    /// What signs its assertions (`private_key_jwt`, `client_secret_jwt`).
    #[cfg(feature = "jose")]
    assertion_key: Option<crate::jose::SigningKey>,
    /// The assertions' `aud`, when not the issuer or token endpoint.
    assertion_audience: Option<String>,
    /// The key the client's tokens are bound to (DPoP).
    #[cfg(feature = "jose")]
    dpop: Option<crate::jose::DpopKey>,
}

/// A redirect URI as registered: the exact string (servers compare it byte
/// for byte, and a URL parser would add a `/` to `https://app.example`) and
/// its parsed form, for matching callbacks.
#[derive(Clone, Debug)]
pub(crate) struct RedirectUri {
    pub(crate) exact: String,
    pub(crate) url: Url,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("provider", &self.inner.provider)
            .field("client_id", &self.inner.client_id)
            .field("client_secret", &self.inner.client_secret)
            .field(
                "redirect_uri",
                &self.inner.redirect_uri.as_ref().map(|r| r.exact.as_str()),
            )
            .field("transport", &self.inner.transport)
            .field("auth", &self.inner.auth)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`]; see [`Client::builder`].
#[must_use = "call `build` to get the client"]
pub struct ClientBuilder {
    provider: Arc<dyn Provider>,
    client_id: String,
    client_secret: Option<ClientSecret>,
    redirect_uri: Option<String>,
    transport: Option<Arc<dyn HttpTransport>>,
    #[cfg(feature = "jose")]
    signing_key: Option<crate::jose::SigningKey>,
    assertion_audience: Option<String>,
    #[cfg(feature = "jose")]
    dpop: Option<crate::jose::DpopKey>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("provider", &self.provider)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The client secret of a confidential client. Without one the client
    /// is public and sends only its id.
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(ClientSecret::new(secret));
        self
    }

    /// The redirect URI registered with the provider, exactly as registered.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// The transport to send requests with. Default: [`ReqwestTransport`]
    /// with the `reqwest` feature, else [`HyperTransport`] with `hyper`.
    ///
    /// [`ReqwestTransport`]: crate::transport::ReqwestTransport
    /// [`HyperTransport`]: crate::transport::HyperTransport
    pub fn transport(self, transport: impl HttpTransport + 'static) -> Self {
        self.shared_transport(Arc::new(transport))
    }

    /// A transport already shared with other clients.
    pub fn shared_transport(mut self, transport: Arc<dyn HttpTransport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The client's private key, to authenticate with `private_key_jwt`
    /// (RFC 7523 §2.2): each token request carries a JWT it signs (`iss`
    /// and `sub` the client id, `aud` the issuer when the provider was
    /// discovered, else the token endpoint; a fresh `jti`; valid for 60
    /// seconds). Used whenever a key is given, unless the server's metadata
    /// lists authentication methods without `private_key_jwt` (then the
    /// secret's method, if there is a secret). The key is never sent and
    /// never shown.
    ///
    /// ```
    /// use oauth_core::jose::SigningKey;
    /// use oauth_core::{Client, GenericProvider};
    ///
    /// # fn run(pem: &str) -> Result<(), Box<dyn std::error::Error>> {
    /// let provider = GenericProvider::new(
    ///     "https://auth.example.com/authorize",
    ///     "https://auth.example.com/token",
    /// )?;
    /// let client = Client::builder(provider, "my-client")
    ///     .signing_key(SigningKey::from_pkcs8_pem(pem)?.with_kid("key-1"))
    ///     .build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    #[cfg(feature = "jose")]
    pub fn signing_key(mut self, key: crate::jose::SigningKey) -> Self {
        self.signing_key = Some(key);
        self
    }

    /// Binds the client's tokens to a DPoP key (RFC 9449): every token
    /// request carries a proof of it (again with the server's nonce, when
    /// it asks for one), the server issues `DPoP` tokens, and the sessions
    /// on this client present them with a proof for each request. A public
    /// client's refresh tokens are bound to the key as well.
    ///
    /// ```
    /// use oauth_core::jose::DpopKey;
    /// use oauth_core::{Client, GenericProvider};
    ///
    /// # fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let provider = GenericProvider::new(
    ///     "https://auth.example.com/authorize",
    ///     "https://auth.example.com/token",
    /// )?;
    /// let client = Client::builder(provider, "my-client").dpop(DpopKey::generate()?).build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    #[cfg(feature = "jose")]
    pub fn dpop(mut self, key: crate::jose::DpopKey) -> Self {
        self.dpop = Some(key);
        self
    }

    /// The `aud` of the client's assertions (`private_key_jwt`,
    /// `client_secret_jwt`), for a server that wants another than the
    /// issuer (or, undiscovered, the token endpoint).
    pub fn assertion_audience(mut self, audience: impl Into<String>) -> Self {
        self.assertion_audience = Some(audience.into());
        self
    }

    /// How the client will authenticate: the provider's method, or
    /// `private_key_jwt` when a key is given and the server takes it.
    fn settle_auth(&self) -> Result<ClientAuth, Error> {
        let refuse = |reason: &str| Err(ConfigError::ClientAuth(reason.to_owned()).into());
        let requested = self.provider.client_auth();
        #[cfg(feature = "jose")]
        let has_key = self.signing_key.is_some();
        #[cfg(not(feature = "jose"))]
        let has_key = false;
        match requested {
            ClientAuth::PrivateKeyJwt | ClientAuth::ClientSecretJwt if !cfg!(feature = "jose") => {
                refuse("signed client authentication needs oauth-core's `jose` feature")
            }
            ClientAuth::PrivateKeyJwt if !has_key => {
                refuse("private_key_jwt needs the client's signing key")
            }
            ClientAuth::ClientSecretJwt if self.client_secret.is_none() => {
                refuse("client_secret_jwt needs the client secret")
            }
            // RFC 7518 §3.2: an HS256 key as long as the hash at least.
            ClientAuth::ClientSecretJwt
                if self
                    .client_secret
                    .as_ref()
                    .is_some_and(|s| s.secret().len() < HS256_MIN_SECRET_BYTES) =>
            {
                refuse("client_secret_jwt needs a secret of at least 32 bytes (RFC 7518 §3.2)")
            }
            ClientAuth::Basic | ClientAuth::RequestBody if has_key => {
                let takes_keys = self
                    .provider
                    .metadata()
                    .and_then(|m| m.token_endpoint_auth_methods_supported())
                    .is_none_or(|methods| methods.iter().any(|m| m == "private_key_jwt"));
                if takes_keys {
                    Ok(ClientAuth::PrivateKeyJwt)
                } else if self.client_secret.is_some() {
                    Ok(requested)
                } else {
                    refuse("the server does not list private_key_jwt among its methods")
                }
            }
            other => Ok(other),
        }
    }

    /// The client.
    ///
    /// # Errors
    /// [`Error::Config`] for an empty client id, an invalid redirect URI
    /// (not absolute, or with a fragment), or no transport when the crate
    /// was built without one.
    pub fn build(self) -> Result<Client, Error> {
        if self.client_id.is_empty() {
            return Err(ConfigError::EmptyClientId.into());
        }
        let auth = self.settle_auth()?;
        let redirect_uri = self
            .redirect_uri
            .map(|uri| parse_redirect_uri(&uri))
            .transpose()?;
        let transport = match self.transport {
            Some(transport) => transport,
            None => default_transport()?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                provider: self.provider,
                client_id: self.client_id,
                client_secret: self.client_secret,
                redirect_uri,
                transport,
                auth,
                #[cfg(feature = "jose")]
                assertion_key: self.signing_key,
                assertion_audience: self.assertion_audience,
                #[cfg(feature = "jose")]
                dpop: self.dpop,
            }),
        })
    }
}

/// `request` with a DPoP proof for its method and URL (no token yet).
#[cfg(feature = "jose")]
fn with_proof(dpop: &crate::jose::DpopKey, mut request: HttpRequest) -> Result<HttpRequest, Error> {
    let proof = dpop
        .proof(request.method(), &request.uri().to_string(), None)
        .map_err(|e| ConfigError::ClientAuth(format!("cannot make the DPoP proof: {e}")))?;
    let value = HeaderValue::try_from(proof).map_err(|_| ConfigError::InvalidHeader("DPoP"))?;
    request.headers_mut().insert("dpop", value);
    Ok(request)
}

/// Whether a token endpoint's answer is RFC 9449's `use_dpop_nonce` error.
#[cfg(feature = "jose")]
fn asks_for_dpop_nonce(response: &HttpResponse) -> bool {
    response.status() == http::StatusCode::BAD_REQUEST
        && serde_json::from_slice::<serde_json::Value>(response.body())
            .is_ok_and(|body| body["error"] == "use_dpop_nonce")
}

/// The shortest secret `client_secret_jwt` signs with: an HS256 key must
/// be at least as long as the hash (RFC 7518 §3.2).
const HS256_MIN_SECRET_BYTES: usize = 32;

/// The `client_assertion_type` of a JWT assertion (RFC 7523 §2.2).
const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long a client assertion is valid: one request's worth.
#[cfg(feature = "jose")]
const ASSERTION_LIFETIME_SECS: u64 = 60;

#[cfg(feature = "jose")]
fn assertion_error(error: &crate::jose::KeyError) -> Error {
    ConfigError::ClientAuth(format!("cannot sign the client assertion: {error}")).into()
}

#[cfg(any(feature = "reqwest", feature = "hyper"))]
fn default_transport() -> Result<Arc<dyn HttpTransport>, Error> {
    crate::transport::default_transport()
}

#[cfg(not(any(feature = "reqwest", feature = "hyper")))]
fn default_transport() -> Result<Arc<dyn HttpTransport>, Error> {
    Err(ConfigError::NoTransport.into())
}

fn parse_redirect_uri(uri: &str) -> Result<RedirectUri, Error> {
    let invalid = |reason: String| ConfigError::InvalidUrl {
        what: "redirect URI",
        url: uri.to_owned(),
        reason,
    };
    let url = Url::parse(uri).map_err(|e| invalid(e.to_string()))?;
    if url.fragment().is_some() {
        // RFC 6749 §3.1.2: the redirection endpoint URI must not include a fragment.
        return Err(invalid("it has a fragment, which RFC 6749 forbids".into()).into());
    }
    Ok(RedirectUri {
        exact: uri.to_owned(),
        url,
    })
}

impl Client {
    /// Starts building a client of `provider` with this client id.
    pub fn builder(
        provider: impl Provider + 'static,
        client_id: impl Into<String>,
    ) -> ClientBuilder {
        Self::builder_shared(Arc::new(provider), client_id)
    }

    /// As [`Client::builder`], with a provider shared elsewhere.
    pub fn builder_shared(
        provider: Arc<dyn Provider>,
        client_id: impl Into<String>,
    ) -> ClientBuilder {
        ClientBuilder {
            provider,
            client_id: client_id.into(),
            client_secret: None,
            redirect_uri: None,
            transport: None,
            #[cfg(feature = "jose")]
            signing_key: None,
            assertion_audience: None,
            #[cfg(feature = "jose")]
            dpop: None,
        }
    }

    /// The provider.
    #[must_use]
    pub fn provider(&self) -> &dyn Provider {
        &*self.inner.provider
    }

    /// The client id.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// The redirect URI exactly as given, with its parsed form.
    pub(crate) fn redirect(&self) -> Option<&RedirectUri> {
        self.inner.redirect_uri.as_ref()
    }

    /// The redirect URI, if the client has one, parsed. It is sent exactly
    /// as it was given to [`ClientBuilder::redirect_uri`].
    #[must_use]
    pub fn redirect_uri(&self) -> Option<&Url> {
        self.inner.redirect_uri.as_ref().map(|r| &r.url)
    }

    /// The transport, for API calls that should share its connections.
    #[must_use]
    pub fn transport(&self) -> &Arc<dyn HttpTransport> {
        &self.inner.transport
    }

    /// Starts an authorization code request (RFC 6749 §4.1) with a random
    /// `state` and, unless the provider turns it off, PKCE S256.
    pub fn authorization_url(&self) -> AuthorizationRequest<'_> {
        AuthorizationRequest::new(self)
    }

    /// Completes an authorization from the full callback URL the browser
    /// was sent to: checks it goes to the redirect URI, checks `state`,
    /// and exchanges the code.
    ///
    /// # Errors
    /// The callback's own errors ([`Error::Callback`],
    /// [`Error::StateMismatch`], [`Error::AuthorizationDenied`]) before any
    /// request is made; then those of the token request.
    pub async fn exchange_callback(
        &self,
        pending: PendingAuthorization,
        callback_url: &str,
    ) -> Result<Token, Error> {
        let code = pending.code_from_callback(callback_url)?;
        self.exchange_code(&pending, &code).await
    }

    /// Completes an authorization from the `code` and `state` parameters of
    /// the callback, as a web framework hands them over.
    ///
    /// It cannot see the callback's `iss` (RFC 9207), so it refuses to go
    /// on when the server's metadata says it always sends one
    /// (`authorization_response_iss_parameter_supported`): then use
    /// [`exchange_code_with_issuer`](Self::exchange_code_with_issuer), or
    /// [`exchange_callback`](Self::exchange_callback) with the whole URL.
    ///
    /// # Errors
    /// As [`Client::exchange_callback`]; [`Error::Callback`] with
    /// [`CallbackError::MissingIssuer`](crate::CallbackError::MissingIssuer)
    /// when the server always sends `iss`, before any request is made.
    pub async fn exchange_code_with_state(
        &self,
        pending: PendingAuthorization,
        code: &str,
        state: &str,
    ) -> Result<Token, Error> {
        self.exchange_code_with_issuer(pending, code, state, None)
            .await
    }

    /// Completes an authorization from the `code`, `state` and `iss`
    /// parameters of the callback (`iss` `None` when it has none), as a web
    /// framework hands them over. `iss` is checked as
    /// [`exchange_callback`](Self::exchange_callback) checks it (RFC 9207):
    /// when the provider was discovered, it must be the issuer exactly, and
    /// present when the server says it always sends it. Undiscovered, there
    /// is no issuer to compare it with and it is not checked.
    ///
    /// ```no_run
    /// # async fn run(client: oauth_core::Client, pending: oauth_core::PendingAuthorization) -> Result<(), oauth_core::Error> {
    /// // From the callback's query: ?code=…&state=…&iss=…
    /// let (code, state, iss) = ("the-code", "the-state", Some("https://auth.example.com"));
    /// let token = client.exchange_code_with_issuer(pending, code, state, iss).await?;
    /// # let _ = token; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Client::exchange_callback`]: among them [`Error::Callback`]
    /// with [`CallbackError::IssuerMismatch`](crate::CallbackError::IssuerMismatch)
    /// or [`CallbackError::MissingIssuer`](crate::CallbackError::MissingIssuer),
    /// before any request is made.
    pub async fn exchange_code_with_issuer(
        &self,
        pending: PendingAuthorization,
        code: &str,
        state: &str,
        iss: Option<&str>,
    ) -> Result<Token, Error> {
        pending.check_issuer(iss)?;
        let code = pending.code_from_parts(Some(code), Some(state))?;
        self.exchange_code(&pending, &code).await
    }

    pub(crate) async fn exchange_code(
        &self,
        pending: &PendingAuthorization,
        code: &AuthorizationCode,
    ) -> Result<Token, Error> {
        let mut params = vec![
            ("grant_type", "authorization_code"),
            ("code", code.secret()),
            ("redirect_uri", pending.redirect_uri_as_sent()),
        ];
        if let Some(verifier) = pending.pkce_verifier() {
            params.push(("code_verifier", verifier.secret()));
        }
        self.request_token(&params).await
    }

    /// The client credentials grant (RFC 6749 §4.4): a token for the app
    /// itself.
    ///
    /// # Errors
    /// Transport, HTTP, server and parse errors of the token request.
    pub async fn client_credentials(&self, scopes: &[&str]) -> Result<Token, Error> {
        let scope = scopes.join(self.provider().scope_separator());
        let mut params = vec![("grant_type", "client_credentials")];
        if !scope.is_empty() {
            params.push(("scope", &scope));
        }
        self.request_token(&params).await
    }

    /// The refresh grant (RFC 6749 §6). When the answer brings no new
    /// refresh token, the returned token keeps `refresh_token`.
    ///
    /// # Errors
    /// Transport, HTTP, server and parse errors of the token request; an
    /// `invalid_grant` server error means the user must authorize again.
    pub async fn refresh(&self, refresh_token: &RefreshToken) -> Result<Token, Error> {
        let params = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.secret()),
        ];
        let mut token = self.request_token(&params).await?;
        token.keep_refresh_token(refresh_token);
        Ok(token)
    }

    /// The resource owner password grant (RFC 6749 §4.3). Only for
    /// first-party clients of servers that still allow it.
    ///
    /// # Errors
    /// Transport, HTTP, server and parse errors of the token request.
    #[cfg(feature = "password-grant")]
    pub async fn password(
        &self,
        username: &str,
        password: &crate::secret::Password,
        scopes: &[&str],
    ) -> Result<Token, Error> {
        let scope = scopes.join(self.provider().scope_separator());
        let mut params = vec![
            ("grant_type", "password"),
            ("username", username),
            ("password", password.secret()),
        ];
        if !scope.is_empty() {
            params.push(("scope", &scope));
        }
        self.request_token(&params).await
    }

    /// Sends a token request with these form parameters (plus client
    /// authentication) and parses the answer: for grants this crate does not
    /// name.
    ///
    /// # Errors
    /// Transport, HTTP, server and parse errors of the token request.
    pub async fn request_token(&self, params: &[(&str, &str)]) -> Result<Token, Error> {
        let url = self.provider().endpoints().token();
        let endpoint = Endpoint::new("token", url);
        let (response, sent) = self.post_form(&endpoint, url, params).await?;
        let response = self.provider().adapt_token_response(response);
        parse_token_response(&endpoint, &response).map_err(|e| e.masking(&sent))
    }

    /// Sends a form POST with this client's authentication to one of the
    /// server's OAuth endpoints, and returns the answer with the secrets
    /// the request carried, to be masked in whatever error the answer
    /// makes: a server may echo them in its error description.
    pub(crate) async fn post_form(
        &self,
        endpoint: &Endpoint,
        url: &Url,
        params: &[(&str, &str)],
    ) -> Result<(HttpResponse, SentSecrets), Error> {
        let mut sent = self.sent_secrets(params);
        let (request, assertion) = self.authenticated_form(url, params)?;
        sent.add_all(assertion);
        #[cfg(feature = "jose")]
        if let Some(dpop) = &self.inner.dpop {
            let request = with_proof(dpop, request)?;
            let response = self.send(endpoint, request).await?;
            // RFC 9449 §8: a server that wants a nonce says so once; the
            // request goes again with it (and a new assertion).
            let told = dpop.remember_nonce(url.as_str(), response.headers());
            if !(told && asks_for_dpop_nonce(&response)) {
                return Ok((response, sent));
            }
            let (request, assertion) = self.authenticated_form(url, params)?;
            sent.add_all(assertion);
            let response = self.send(endpoint, with_proof(dpop, request)?).await?;
            dpop.remember_nonce(url.as_str(), response.headers());
            return Ok((response, sent));
        }
        let response = self.send(endpoint, request).await?;
        Ok((response, sent))
    }

    /// The client's DPoP key, if its tokens are bound to one.
    #[cfg(feature = "jose")]
    #[must_use]
    pub fn dpop(&self) -> Option<&crate::jose::DpopKey> {
        self.inner.dpop.as_ref()
    }

    /// The secrets a form request with these parameters carries: the
    /// values of its secret fields and this client's secret, raw and as
    /// the `Basic` credential.
    pub(crate) fn sent_secrets(&self, params: &[(&str, &str)]) -> SentSecrets {
        let mut sent = SentSecrets::new();
        sent.add_params(params);
        if let Some(secret) = &self.inner.client_secret {
            sent.add(secret.secret());
            if let Ok(basic) = basic_auth(&self.inner.client_id, secret)
                && let Ok(value) = basic.to_str()
            {
                sent.add(value.trim_start_matches("Basic "));
            }
        }
        sent
    }

    /// Builds a form POST to `url` with these parameters and this client's
    /// authentication (as for the token endpoint): for a provider's own
    /// endpoints, such as a token check or revocation.
    ///
    /// # Errors
    /// [`Error::InsecureUrl`] for a URL that is neither `https` nor `http`
    /// on loopback (the request would carry the client's credentials);
    /// [`Error::Config`] when the request cannot be built.
    pub fn form_request(&self, url: &Url, params: &[(&str, &str)]) -> Result<HttpRequest, Error> {
        self.authenticated_form(url, params)
            .map(|(request, _)| request)
    }

    /// The server metadata the provider was discovered from, if it was:
    /// endpoints, supported methods, and every other member
    /// ([`ServerMetadata::document`](crate::ServerMetadata::document)).
    #[must_use]
    pub fn metadata(&self) -> Option<&crate::ServerMetadata> {
        self.provider().metadata()
    }

    /// Whether the client authenticates with HTTP Basic (its id then not
    /// otherwise in a form it sends).
    pub(crate) fn basic_auth_in_use(&self) -> bool {
        self.inner.client_secret.is_some() && self.inner.auth == ClientAuth::Basic
    }

    /// How this client authenticates (settled when it was built).
    #[must_use]
    pub fn auth_method(&self) -> ClientAuth {
        self.inner.auth
    }

    /// [`form_request`](Self::form_request), and the client assertion it
    /// carries, if any (a secret for its short life).
    fn authenticated_form(
        &self,
        url: &Url,
        params: &[(&str, &str)],
    ) -> Result<(HttpRequest, Option<String>), Error> {
        check_endpoint(url)?;
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.extend_pairs(params.iter().copied());
        let mut builder = http::Request::builder()
            .method(Method::POST)
            .uri(url.as_str())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json");
        let mut assertion = None;
        match (&self.inner.client_secret, self.inner.auth) {
            (_, ClientAuth::PrivateKeyJwt | ClientAuth::ClientSecretJwt) => {
                let signed = self.client_assertion()?;
                form.append_pair("client_id", &self.inner.client_id)
                    .append_pair("client_assertion_type", CLIENT_ASSERTION_TYPE)
                    .append_pair("client_assertion", &signed);
                assertion = Some(signed);
            }
            // Mutual TLS: the certificate in the handshake authenticates;
            // the form names the client.
            (None, _) | (_, ClientAuth::TlsClientAuth | ClientAuth::SelfSignedTlsClientAuth) => {
                form.append_pair("client_id", &self.inner.client_id);
            }
            (Some(secret), ClientAuth::RequestBody) => {
                form.append_pair("client_id", &self.inner.client_id)
                    .append_pair("client_secret", secret.secret());
            }
            (Some(secret), ClientAuth::Basic) => {
                builder = builder.header(AUTHORIZATION, basic_auth(&self.inner.client_id, secret)?);
            }
        }
        let request = builder
            .body(form.finish().into_bytes())
            .map_err(|e| Error::from(ConfigError::InvalidRequest(e.to_string())))?;
        Ok((request, assertion))
    }

    /// The `aud` of this client's assertions: as configured, else the
    /// issuer when the provider was discovered, else the token endpoint.
    fn assertion_audience(&self) -> String {
        match (&self.inner.assertion_audience, self.provider().metadata()) {
            (Some(audience), _) => audience.clone(),
            (None, Some(metadata)) => metadata.issuer().to_owned(),
            (None, None) => self.provider().endpoints().token().to_string(),
        }
    }

    /// A client assertion (RFC 7523 §3) for one request: `iss` and `sub`
    /// the client id, the audience, a fresh `jti`, valid for 60 seconds.
    #[cfg(feature = "jose")]
    fn client_assertion(&self) -> Result<String, Error> {
        let key = match (
            self.inner.auth,
            &self.inner.assertion_key,
            &self.inner.client_secret,
        ) {
            (ClientAuth::PrivateKeyJwt, Some(key), _) => key.clone(),
            (ClientAuth::ClientSecretJwt, _, Some(secret)) => {
                crate::jose::SigningKey::hmac(secret.secret().as_bytes())
                    .map_err(|e| assertion_error(&e))?
            }
            _ => return Err(ConfigError::ClientAuth("no key to sign the assertion".into()).into()),
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let claims = serde_json::json!({
            "iss": self.inner.client_id,
            "sub": self.inner.client_id,
            "aud": self.assertion_audience(),
            "jti": crate::jose::random_id().map_err(|e| assertion_error(&e))?,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_SECS,
        });
        key.sign_jwt("JWT", &[], &claims)
            .map_err(|e| assertion_error(&e))
    }

    #[cfg(not(feature = "jose"))]
    fn client_assertion(&self) -> Result<String, Error> {
        let _ = self.assertion_audience();
        Err(ConfigError::ClientAuth(
            "signed client authentication needs oauth-core's `jose` feature".into(),
        )
        .into())
    }

    /// Sends a request through the transport with a trace event naming
    /// `endpoint` (its role) and the URL without query, the status and the
    /// duration; never a body or header. A transport failure becomes
    /// [`Error::Transport`] naming the endpoint.
    ///
    /// # Errors
    /// [`Error::InsecureUrl`] for a URL that is neither `https` nor `http`
    /// on loopback, whatever the request carries; [`Error::Config`] for a
    /// URI that is not absolute; [`Error::Transport`].
    pub async fn send_to(
        &self,
        endpoint: &'static str,
        request: HttpRequest,
    ) -> Result<HttpResponse, Error> {
        let url = Url::parse(&request.uri().to_string())
            .map_err(|e| ConfigError::InvalidRequest(format!("invalid request URI: {e}")))?;
        check_endpoint(&url)?;
        self.send(&Endpoint::new(endpoint, &url), request).await
    }

    /// Sends a request through the transport in an `oauth.request` span
    /// that names the endpoint and method and records the status and
    /// duration on completion, with a trace event (never a body or header).
    pub(crate) async fn send(
        &self,
        endpoint: &Endpoint,
        request: HttpRequest,
    ) -> Result<HttpResponse, Error> {
        let started = Instant::now();
        let method = request.method().clone();
        let span = tracing::debug_span!(
            "oauth.request",
            endpoint = endpoint.name,
            url = %endpoint.url,
            %method,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let result = self
            .inner
            .transport
            .send(request)
            .instrument(span.clone())
            .await;
        let elapsed_ms = started.elapsed().as_millis();
        span.record("elapsed_ms", elapsed_ms);
        span.in_scope(|| match &result {
            Ok(response) => {
                span.record("status", response.status().as_u16());
                tracing::debug!(
                    endpoint = endpoint.name,
                    url = %endpoint.url,
                    %method,
                    status = response.status().as_u16(),
                    elapsed_ms,
                    "oauth request"
                );
            }
            Err(error) => tracing::debug!(
                endpoint = endpoint.name,
                url = %endpoint.url,
                %method,
                %error,
                elapsed_ms,
                "oauth request failed"
            ),
        });
        result.map_err(|source| Error::Transport {
            endpoint: endpoint.clone(),
            source,
        })
    }
}

/// The `Authorization: Basic` value of RFC 6749 §2.3.1: id and secret are
/// form-encoded before they are joined and base64-encoded, so a `:` or a
/// non-ASCII character in either survives.
fn basic_auth(client_id: &str, secret: &ClientSecret) -> Result<HeaderValue, Error> {
    let id: String = form_urlencoded::byte_serialize(client_id.as_bytes()).collect();
    let secret: String = form_urlencoded::byte_serialize(secret.secret().as_bytes()).collect();
    // Base64 output is always a valid header value.
    let mut value = HeaderValue::try_from(format!(
        "Basic {}",
        STANDARD.encode(format!("{id}:{secret}"))
    ))
    .map_err(|_| ConfigError::InvalidHeader("the client credentials"))?;
    // Keeps the value out of HTTP/2 header compression tables and debug output.
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_form_encodes_before_base64() {
        let value = basic_auth("client id", &ClientSecret::new("p@ss w:rd/+%&=?")).expect("header");
        let encoded = value.to_str().expect("ascii").trim_start_matches("Basic ");
        let decoded = String::from_utf8(STANDARD.decode(encoded).expect("base64")).expect("utf-8");
        assert_eq!(decoded, "client+id:p%40ss+w%3Ard%2F%2B%25%26%3D%3F");
        assert!(value.is_sensitive());
        assert_eq!(format!("{value:?}"), "Sensitive");
    }

    fn unsent() -> crate::transport::FnTransport<
        impl Fn(HttpRequest) -> std::future::Ready<Result<HttpResponse, crate::error::TransportError>>
        + Send
        + Sync,
    > {
        crate::transport::transport_fn(|_request: HttpRequest| {
            std::future::ready(Ok(http::Response::new(Default::default())))
        })
    }

    fn provider() -> crate::GenericProvider {
        crate::GenericProvider::new("https://id.example/authorize", "https://id.example/token")
            .expect("provider")
    }

    #[test]
    fn debug_shows_the_setup_and_never_the_secret() {
        let builder = Client::builder(provider(), "cli")
            .client_secret("s3cret")
            .redirect_uri("https://app.example")
            .transport(unsent());
        let shown = format!("{builder:?}");
        assert!(
            shown.starts_with("ClientBuilder { provider: GenericProvider {"),
            "{shown}"
        );
        assert!(shown.contains("client_id: \"cli\""), "{shown}");
        assert!(
            shown.contains("redirect_uri: Some(\"https://app.example\")"),
            "{shown}"
        );
        assert!(!shown.contains("s3cret"), "{shown}");
        let client = builder.build().expect("client");
        let shown = format!("{client:?}");
        assert!(
            shown.starts_with("Client { provider: GenericProvider {"),
            "{shown}"
        );
        assert!(shown.contains("client_id: \"cli\""), "{shown}");
        assert!(
            shown.contains("redirect_uri: Some(\"https://app.example\")"),
            "the URI as registered, no slash added: {shown}"
        );
        assert!(shown.contains("transport: FnTransport"), "{shown}");
        assert!(!shown.contains("s3cret"), "{shown}");
    }

    #[test]
    fn the_redirect_uri_is_kept_exact_and_parsed() {
        let client = Client::builder(provider(), "cli")
            .redirect_uri("https://app.example")
            .transport(unsent())
            .build()
            .expect("client");
        assert_eq!(
            client.redirect_uri().map(Url::as_str),
            Some("https://app.example/")
        );
        assert_eq!(
            client.redirect().map(|r| r.exact.as_str()),
            Some("https://app.example")
        );
        let without = Client::builder(provider(), "cli")
            .transport(unsent())
            .build()
            .expect("client");
        assert!(without.redirect_uri().is_none());
    }

    #[test]
    fn the_secrets_a_request_sent_include_the_client_secret_in_every_form() {
        let client = Client::builder(provider(), "cli")
            .client_secret("p@ss word")
            .transport(unsent())
            .build()
            .expect("client");
        let sent = client.sent_secrets(&[("grant_type", "refresh_token"), ("refresh_token", "R1")]);
        let values = sent.values();
        let basic = basic_auth("cli", &ClientSecret::new("p@ss word")).expect("basic");
        let basic = basic.to_str().expect("ascii").trim_start_matches("Basic ");
        for expected in ["R1", "p@ss word", "p%40ss+word", "p%40ss%20word", basic] {
            assert!(values.contains(&expected), "{expected} in {values:?}");
        }
        assert!(
            !values.contains(&"refresh_token"),
            "a field name is no secret"
        );
        let public = Client::builder(provider(), "cli")
            .transport(unsent())
            .build()
            .expect("client");
        assert!(
            public
                .sent_secrets(&[("grant_type", "client_credentials")])
                .is_empty()
        );
    }

    #[cfg(not(any(feature = "reqwest", feature = "hyper")))]
    #[test]
    fn without_a_transport_feature_a_client_must_be_given_one() {
        let error = Client::builder(provider(), "cli")
            .build()
            .expect_err("no transport");
        assert!(
            matches!(error, Error::Config(ConfigError::NoTransport)),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "configuration error: no transport given, and oauth-core was built without the `reqwest` or `hyper` feature"
        );
    }
}
