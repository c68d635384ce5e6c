//! The authorization code flow's first half: building the authorization URL
//! (state, PKCE) and checking the callback it comes back with.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

use serde_json::Value;

use crate::answer::json_object_answer;
use crate::client::Client;
use crate::error::{CallbackError, Cause, ConfigError, Endpoint, Error, ServerError};
use crate::secret::{AuthorizationCode, CsrfState, Nonce, PkceCodeVerifier};
use crate::url_policy::{display_without_query, same_redirect_target};

/// Parameters the builder sets itself and will not let a caller override.
const RESERVED: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
];

/// Builds an authorization URL; see [`Client::authorization_url`].
#[derive(Debug)]
#[must_use = "call `build` to get the URL"]
pub struct AuthorizationRequest<'a> {
    client: &'a Client,
    scopes: Vec<String>,
    params: Vec<(String, String)>,
    pkce: bool,
}

impl<'a> AuthorizationRequest<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        AuthorizationRequest {
            client,
            scopes: Vec::new(),
            params: Vec::new(),
            pkce: client.provider().pkce(),
        }
    }

    /// Asks for one more scope.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// Asks for these scopes too.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Adds a parameter the provider understands (`prompt`, `login_hint`,
    /// `access_type`, …). The parameters this builder sets itself are
    /// refused by [`build`](Self::build). A `nonce` given here is the one
    /// the ID token is checked against; with the `openid` scope and none
    /// given, the request makes its own.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// Turns PKCE on or off for this request, whatever the provider's
    /// default.
    pub fn pkce(mut self, on: bool) -> Self {
        self.pkce = on;
        self
    }

    /// The URL to send the user to, and what the callback must be checked
    /// against. Keep the [`PendingAuthorization`] (it serialises) until the
    /// callback comes.
    ///
    /// # Errors
    /// [`Error::Config`] when the client has no redirect URI, a parameter
    /// would override one this builder sets, no randomness is available,
    /// or the server takes only pushed requests (then use
    /// [`push`](Self::push), or [`prepare`](Self::prepare) which chooses).
    pub fn build(self) -> Result<(Url, PendingAuthorization), Error> {
        if self
            .client
            .provider()
            .metadata()
            .is_some_and(crate::ServerMetadata::require_pushed_authorization_requests)
        {
            return Err(ConfigError::PushRequired.into());
        }
        let client = self.client;
        let (params, pending) = self.prepared()?;
        let mut url = authorization_endpoint(client)?;
        url.query_pairs_mut().extend_pairs(params);
        Ok((url, pending))
    }

    /// Pushes the request to the server first (RFC 9126): its parameters go
    /// in a POST with the client's authentication, and the URL to send the
    /// user to carries only `client_id` and the `request_uri` the server
    /// gave, so nothing of the request can be read or changed on its way
    /// through the browser.
    ///
    /// ```no_run
    /// # async fn run(client: oauth_core::Client) -> Result<(), oauth_core::Error> {
    /// let (url, pending) = client.authorization_url().scope("openid").push().await?;
    /// // url: https://auth.example.com/authorize?client_id=…&request_uri=urn%3A…
    /// # let _ = (url, pending); Ok(()) }
    /// ```
    ///
    /// # Errors
    /// Those of [`build`](Self::build) (but for the push it asks for);
    /// [`Error::Config`] when the provider has no pushed authorization
    /// request endpoint, or for a `request_uri` parameter, which a pushed
    /// request may not carry (RFC 9126 §2.1; the server gives it); the
    /// server's errors; [`Error::Parse`] for an answer without a
    /// `request_uri`.
    pub async fn push(self) -> Result<(Url, PendingAuthorization), Error> {
        if self.params.iter().any(|(name, _)| name == "request_uri") {
            return Err(ConfigError::ReservedParameter("request_uri".into()).into());
        }
        let client = self.client;
        let par = client
            .provider()
            .endpoints()
            .pushed_authorization()
            .ok_or(ConfigError::NoEndpoint("pushed authorization request"))?
            .clone();
        let (params, pending) = self.prepared()?;
        // The client's authentication names the client (in the body, or in
        // HTTP Basic, where the body says it too).
        let fields: Vec<(&str, &str)> = params
            .iter()
            .filter(|(name, _)| name != "client_id" || client.basic_auth_in_use())
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        let endpoint = Endpoint::new("pushed authorization request", &par);
        let (response, sent) = client.post_form(&endpoint, &par, &fields).await?;
        let request_uri = pushed_request_uri(&endpoint, &response).map_err(|e| e.masking(&sent))?;
        let mut url = authorization_endpoint(client)?;
        url.query_pairs_mut()
            .append_pair("client_id", client.client_id())
            .append_pair("request_uri", &request_uri);
        Ok((url, pending))
    }

    /// [`push`](Self::push) when the server's metadata says it takes only
    /// pushed requests, else [`build`](Self::build).
    ///
    /// # Errors
    /// Those of the one it runs.
    pub async fn prepare(self) -> Result<(Url, PendingAuthorization), Error> {
        let required = self
            .client
            .provider()
            .metadata()
            .is_some_and(crate::ServerMetadata::require_pushed_authorization_requests);
        if required {
            self.push().await
        } else {
            self.build()
        }
    }

    /// The request's parameters, in order, and what the callback is
    /// checked against.
    fn prepared(self) -> Result<(Vec<(String, String)>, PendingAuthorization), Error> {
        let redirect = self
            .client
            .redirect()
            .ok_or(ConfigError::NoRedirectUri {
                needed_by: "the authorization code flow",
            })?
            .clone();
        if let Some((name, _)) = self
            .params
            .iter()
            .find(|(name, _)| RESERVED.contains(&name.as_str()))
        {
            return Err(ConfigError::ReservedParameter(name.clone()).into());
        }
        let state = CsrfState::new(random_token(16)?);
        // OpenID Connect: the nonce binds the ID token to this request.
        let given_nonce = self
            .params
            .iter()
            .find(|(name, _)| name == "nonce")
            .map(|(_, value)| Nonce::new(value.clone()));
        // OpenID Connect: the longest ago the user may have signed in.
        let max_age = match self.params.iter().find(|(name, _)| name == "max_age") {
            None => None,
            Some((_, value)) => {
                Some(
                    value
                        .parse::<u64>()
                        .map_err(|_| ConfigError::InvalidValue {
                            what: "the max_age parameter",
                            reason: "not a whole number of seconds".to_owned(),
                        })?,
                )
            }
        };
        let separator = self.client.provider().scope_separator();
        let made_nonce = match given_nonce {
            None if asks_for_openid(&self.scopes, separator) => Some(Nonce::new(random_token(16)?)),
            _ => None,
        };
        let metadata = self.client.provider().metadata();
        let verifier = if self.pkce {
            Some(PkceCodeVerifier::new(random_token(32)?))
        } else {
            None
        };

        let mut params: Vec<(String, String)> = vec![
            ("response_type".into(), "code".into()),
            ("client_id".into(), self.client.client_id().to_owned()),
            ("redirect_uri".into(), redirect.exact.clone()),
        ];
        if !self.scopes.is_empty() {
            params.push(("scope".into(), self.scopes.join(separator)));
        }
        params.push(("state".into(), state.secret().to_owned()));
        if let Some(verifier) = &verifier {
            params.push(("code_challenge".into(), pkce_challenge(verifier)));
            params.push(("code_challenge_method".into(), "S256".into()));
        }
        if let Some(nonce) = &made_nonce {
            params.push(("nonce".into(), nonce.secret().to_owned()));
        }
        params.extend(self.params);
        let pending = PendingAuthorization {
            state,
            pkce_verifier: verifier,
            redirect_uri: redirect.url,
            redirect_uri_as_sent: Some(redirect.exact),
            scopes: self.scopes,
            nonce: made_nonce.or(given_nonce),
            issuer: metadata.map(|m| m.issuer().to_owned()),
            issuer_required: metadata
                .is_some_and(crate::ServerMetadata::authorization_response_iss_parameter_supported),
            max_age,
        };
        Ok((params, pending))
    }
}

/// The provider's authorization endpoint.
fn authorization_endpoint(client: &Client) -> Result<Url, Error> {
    Ok(client
        .provider()
        .endpoints()
        .authorization()
        .ok_or(ConfigError::NoEndpoint("authorization"))?
        .clone())
}

/// Whether `scopes` ask for `openid`, each one split on whitespace and on
/// the provider's separator, since a caller may give several in one string
/// (`"openid profile"`).
pub(crate) fn asks_for_openid(scopes: &[String], separator: &str) -> bool {
    // An empty separator would split a scope into its characters.
    let separator = separator.trim();
    scopes
        .iter()
        .flat_map(|scope| scope.split_whitespace())
        .any(|part| {
            if separator.is_empty() {
                part == "openid"
            } else {
                part.split(separator).any(|scope| scope == "openid")
            }
        })
}

/// The `request_uri` of a pushed authorization request's answer (RFC 9126
/// §2.2: `201 Created` with `request_uri` and `expires_in`).
fn pushed_request_uri(
    endpoint: &Endpoint,
    response: &http::Response<bytes::Bytes>,
) -> Result<String, Error> {
    let (fields, errors) = json_object_answer(endpoint, response)?;
    match fields.get("request_uri") {
        Some(Value::String(uri)) if !uri.is_empty() => Ok(uri.clone()),
        Some(_) => Err(errors.field(Some("request_uri"), "expected a string".into())),
        None => Err(errors.field(Some("request_uri"), "missing".into())),
    }
}

/// An authorization under way: what the callback is checked against and
/// what the code exchange needs.
///
/// It serialises with serde, so a web app can keep it in the user's session
/// between the redirect and the callback. It is consumed when completed.
#[derive(Serialize, Deserialize)]
pub struct PendingAuthorization {
    state: CsrfState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pkce_verifier: Option<PkceCodeVerifier>,
    redirect_uri: Url,
    /// The redirect URI exactly as sent, when it differs from the parsed
    /// form (`https://app.example` parses as `https://app.example/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    redirect_uri_as_sent: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    /// The OpenID Connect nonce sent, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<Nonce>,
    /// The issuer the request went to, when the provider was discovered:
    /// an `iss` in the response must name it (RFC 9207).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    issuer: Option<String>,
    /// Whether the server always sends `iss` in its responses.
    #[serde(default)]
    issuer_required: bool,
    /// The `max_age` sent (OpenID Connect Core §3.1.2.1), in seconds: the
    /// ID token's `auth_time` must be within it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_age: Option<u64>,
}

impl fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingAuthorization")
            .field("state", &self.state)
            .field("pkce_verifier", &self.pkce_verifier)
            .field("redirect_uri", &self.redirect_uri.as_str())
            .field("scopes", &self.scopes)
            .field("nonce", &self.nonce)
            .field("issuer", &self.issuer)
            .field("max_age", &self.max_age)
            .finish()
    }
}

impl PendingAuthorization {
    /// The `state` sent with the request.
    #[must_use]
    pub fn state(&self) -> &CsrfState {
        &self.state
    }

    /// The PKCE verifier, when PKCE is used.
    #[must_use]
    pub fn pkce_verifier(&self) -> Option<&PkceCodeVerifier> {
        self.pkce_verifier.as_ref()
    }

    /// The redirect URI the request named, parsed.
    #[must_use]
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }

    /// The redirect URI exactly as the request sent it, which the code
    /// exchange must repeat byte for byte (RFC 6749 §4.1.3).
    #[must_use]
    pub fn redirect_uri_as_sent(&self) -> &str {
        self.redirect_uri_as_sent
            .as_deref()
            .unwrap_or(self.redirect_uri.as_str())
    }

    /// The scopes requested.
    #[must_use]
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The OpenID Connect nonce sent (made by the request for the `openid`
    /// scope, or given as a parameter), which the ID token must carry.
    #[must_use]
    pub fn nonce(&self) -> Option<&Nonce> {
        self.nonce.as_ref()
    }

    /// The `max_age` sent (OpenID Connect Core §3.1.2.1), given with
    /// [`param("max_age", …)`](AuthorizationRequest::param): the longest
    /// ago the user may have signed in.
    /// [`Client::complete_login`](crate::Client::complete_login) checks the
    /// ID token's `auth_time` against it.
    #[must_use]
    pub fn max_age(&self) -> Option<std::time::Duration> {
        self.max_age.map(std::time::Duration::from_secs)
    }

    /// The issuer the request went to, when the provider was discovered.
    #[must_use]
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// Checks a callback URL (the full URL the user's browser was sent to)
    /// and returns its code.
    ///
    /// # Errors
    /// [`Error::Callback`] when the URL is not one to this redirect URI or
    /// lacks `code` or `state`; [`Error::StateMismatch`]; and
    /// [`Error::AuthorizationDenied`] when it carries an `error`.
    pub(crate) fn code_from_callback(
        &self,
        callback_url: &str,
    ) -> Result<AuthorizationCode, Error> {
        let url = Url::parse(callback_url)
            .map_err(|e| Error::Callback(CallbackError::InvalidUrl(e.to_string())))?;
        if !same_redirect_target(&self.redirect_uri, &url) {
            return Err(Error::Callback(CallbackError::RedirectMismatch {
                expected: display_without_query(&self.redirect_uri),
                actual: display_without_query(&url),
            }));
        }
        let mut code = None;
        let mut state = None;
        let mut error = None;
        let mut error_description = None;
        let mut error_uri = None;
        let mut iss = None;
        for (name, value) in url.query_pairs() {
            let (slot, name) = match name.as_ref() {
                "code" => (&mut code, "code"),
                "state" => (&mut state, "state"),
                "error" => (&mut error, "error"),
                "error_description" => (&mut error_description, "error_description"),
                "error_uri" => (&mut error_uri, "error_uri"),
                "iss" => (&mut iss, "iss"),
                _ => continue,
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(Error::Callback(CallbackError::DuplicateParameter(name)));
            }
        }
        // RFC 9207: a response from another issuer is not this request's,
        // error or not.
        self.check_issuer(iss.as_deref())?;
        if let Some(error) = error {
            // An error answer carries the state too (RFC 6749 §4.1.2.1):
            // without the right one it is not an answer to this request,
            // and its text and link are nobody's to show.
            let state = state.ok_or(Error::Callback(CallbackError::MissingState))?;
            if !self.state_matches(&state) {
                return Err(Error::StateMismatch);
            }
            return Err(Error::AuthorizationDenied(ServerError::from_wire(
                &error,
                error_description.as_deref(),
                error_uri.as_deref(),
            )));
        }
        self.code_from_parts(code.as_deref(), state.as_deref())
    }

    /// Checks `state` and returns the code.
    pub(crate) fn code_from_parts(
        &self,
        code: Option<&str>,
        state: Option<&str>,
    ) -> Result<AuthorizationCode, Error> {
        let state = state.ok_or(Error::Callback(CallbackError::MissingState))?;
        if !self.state_matches(state) {
            return Err(Error::StateMismatch);
        }
        match code {
            Some(code) if !code.is_empty() => Ok(AuthorizationCode::new(code)),
            _ => Err(Error::Callback(CallbackError::MissingCode)),
        }
    }

    /// Checks the response's `iss` against the issuer the request went to
    /// (RFC 9207): the same string exactly when both are known (§2.4: no
    /// normalisation, so `https://as.example/` is not `https://as.example`),
    /// present when the server always sends it.
    pub(crate) fn check_issuer(&self, iss: Option<&str>) -> Result<(), Error> {
        match (iss, &self.issuer) {
            (Some(actual), Some(expected)) if actual != expected => {
                Err(Error::Callback(CallbackError::IssuerMismatch {
                    expected: expected.clone(),
                    actual: actual.to_owned(),
                }))
            }
            (None, Some(_)) if self.issuer_required => {
                Err(Error::Callback(CallbackError::MissingIssuer))
            }
            _ => Ok(()),
        }
    }

    fn state_matches(&self, state: &str) -> bool {
        self.state.ct_eq(&CsrfState::new(state))
    }
}

/// The RFC 7636 S256 challenge of a verifier: BASE64URL(SHA256(verifier)).
#[must_use]
pub fn pkce_challenge(verifier: &PkceCodeVerifier) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.secret().as_bytes()))
}

/// `bytes` random bytes from the OS, base64url-encoded.
pub(crate) fn random_token(bytes: usize) -> Result<String, Error> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| ConfigError::Environment {
        what: "get randomness from the operating system",
        source: Cause::new(e.to_string()),
    })?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::error::{TransportError, TransportErrorKind};
    use crate::provider::GenericProvider;
    use crate::transport::{HttpRequest, transport_fn};

    const REDIRECT: &str = "https://app.example/cb";

    /// A client whose transport is never used: building URLs and checking
    /// callbacks send nothing.
    fn client(redirect: Option<&str>, provider: GenericProvider) -> Client {
        let mut builder = Client::builder(provider, "the-client").transport(transport_fn(
            |_: HttpRequest| async { Err(TransportError::from_kind(TransportErrorKind::Connect)) },
        ));
        if let Some(redirect) = redirect {
            builder = builder.redirect_uri(redirect);
        }
        builder.build().expect("client")
    }

    fn provider() -> GenericProvider {
        GenericProvider::new(
            "https://auth.example/authorize?tenant=t1",
            "https://auth.example/token",
        )
        .expect("provider")
    }

    fn pending() -> PendingAuthorization {
        let client = client(Some(REDIRECT), provider());
        client.authorization_url().build().expect("build").1
    }

    fn query(url: &Url) -> Vec<(String, String)> {
        url.query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[test]
    fn the_url_carries_every_parameter_in_order() {
        let client = client(
            Some("https://app.example"),
            provider().with_scope_separator(","),
        );
        let (url, pending) = client
            .authorization_url()
            .scope("read")
            .scopes(["write", "admin"])
            .param("prompt", "consent")
            .build()
            .expect("build");
        assert_eq!(url.path(), "/authorize");
        let verifier = pending.pkce_verifier().expect("pkce on by default");
        let expected = [
            ("tenant", "t1"),
            ("response_type", "code"),
            ("client_id", "the-client"),
            ("redirect_uri", "https://app.example"),
            ("scope", "read,write,admin"),
            ("state", pending.state().secret()),
            ("code_challenge", &pkce_challenge(verifier)),
            ("code_challenge_method", "S256"),
            ("prompt", "consent"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()));
        assert_eq!(query(&url), expected);
        assert_eq!(pending.state().secret().len(), 22, "16 random bytes");
        assert_eq!(verifier.secret().len(), 43, "32 random bytes");
        assert_eq!(pending.scopes(), ["read", "write", "admin"]);
        assert_eq!(pending.redirect_uri().as_str(), "https://app.example/");
        assert_eq!(pending.redirect_uri_as_sent(), "https://app.example");
    }

    #[test]
    fn without_pkce_or_scopes_those_parameters_are_left_out() {
        let client = client(Some(REDIRECT), provider());
        let (url, pending) = client
            .authorization_url()
            .pkce(false)
            .build()
            .expect("build");
        let names: Vec<String> = query(&url).into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            names,
            [
                "tenant",
                "response_type",
                "client_id",
                "redirect_uri",
                "state"
            ]
        );
        assert!(pending.pkce_verifier().is_none());
        let client = self::client(Some(REDIRECT), provider().with_pkce(false));
        let (url, _) = client
            .authorization_url()
            .pkce(true)
            .build()
            .expect("build");
        assert!(query(&url).iter().any(|(k, _)| k == "code_challenge"));
    }

    #[test]
    fn reserved_parameters_and_a_missing_redirect_are_refused() {
        for name in RESERVED {
            let client = client(Some(REDIRECT), provider());
            let err = client
                .authorization_url()
                .param("prompt", "none")
                .param(*name, "x")
                .build()
                .expect_err(name);
            assert_eq!(
                err.to_string(),
                format!(
                    "configuration error: parameter `{name}` is set by the authorization request itself"
                )
            );
        }
        let err = client(None, provider())
            .authorization_url()
            .build()
            .expect_err("no redirect");
        assert_eq!(
            err.to_string(),
            "configuration error: the authorization code flow needs a redirect URI"
        );
    }

    #[test]
    fn callbacks_are_judged_exactly() {
        let pending = pending();
        let state = pending.state().secret().to_owned();
        let ok = |query: &str| format!("{REDIRECT}?{}", query.replace("STATE", &state));
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("code=the-code&state=STATE", Ok("the-code")),
            ("state=STATE&code=c%2B1&extra=1", Ok("c+1")),
            (
                "code=&state=STATE",
                Err("invalid callback: no `code` parameter"),
            ),
            ("state=STATE", Err("invalid callback: no `code` parameter")),
            ("code=c", Err("invalid callback: no `state` parameter")),
            (
                "code=c&state=other",
                Err("state mismatch: the callback's state is not the one this authorization sent"),
            ),
            (
                "code=c&code=d&state=STATE",
                Err("invalid callback: parameter `code` appears more than once"),
            ),
            (
                "code=c&state=STATE&state=STATE",
                Err("invalid callback: parameter `state` appears more than once"),
            ),
            (
                "error=a&error=b&state=STATE",
                Err("invalid callback: parameter `error` appears more than once"),
            ),
            (
                "error=a&error_description=x&error_description=y&state=STATE",
                Err("invalid callback: parameter `error_description` appears more than once"),
            ),
            (
                "error=a&error_uri=x&error_uri=y&state=STATE",
                Err("invalid callback: parameter `error_uri` appears more than once"),
            ),
            (
                "error=access_denied&error_description=no%20thanks&error_uri=https%3A%2F%2Fauth.example%2Fe&state=STATE",
                Err("authorization failed: `access_denied` (no thanks) see https://auth.example/e"),
            ),
            (
                "error=access_denied&code=c&state=STATE",
                Err("authorization failed: `access_denied`"),
            ),
            (
                "error=access_denied&error_description=forged",
                Err("invalid callback: no `state` parameter"),
            ),
            (
                "error=access_denied&error_description=forged&state=other",
                Err("state mismatch: the callback's state is not the one this authorization sent"),
            ),
        ];
        for (query, expected) in cases {
            let got = pending
                .code_from_callback(&ok(query))
                .map(|code| code.secret().to_owned())
                .map_err(|e| e.to_string());
            assert_eq!(
                got,
                expected.map(str::to_owned).map_err(str::to_owned),
                "{query}"
            );
        }
        let denied = pending
            .code_from_callback(&ok(
                "error=access_denied&error_description=d&error_uri=u&state=STATE",
            ))
            .expect_err("denied");
        assert_eq!(
            denied.server_error(),
            Some(&ServerError {
                error: ErrorCode::AccessDenied,
                error_description: Some("d".into()),
                error_uri: Some("u".into()),
            })
        );
    }

    #[test]
    fn callbacks_elsewhere_are_refused() {
        let pending = pending();
        let state = pending.state().secret().to_owned();
        for (url, expected) in [
            (
                format!("https://evil.example/cb?code=c&state={state}"),
                "invalid callback: expected a redirect to https://app.example/cb, got https://evil.example/cb",
            ),
            (
                format!("https://app.example/cb/x?code=c&state={state}"),
                "invalid callback: expected a redirect to https://app.example/cb, got https://app.example/cb/x",
            ),
            (
                "/cb?code=c".to_owned(),
                "invalid callback: not a valid URL: relative URL without a base",
            ),
        ] {
            let err = pending.code_from_callback(&url).expect_err(&url);
            assert_eq!(err.to_string(), expected, "{url}");
        }
    }

    #[test]
    fn a_pending_authorization_round_trips_and_hides_its_secrets() {
        let pending = pending();
        let json = serde_json::to_string(&pending).expect("serialise");
        let back: PendingAuthorization = serde_json::from_str(&json).expect("deserialise");
        assert!(back.state().ct_eq(pending.state()));
        assert!(
            back.pkce_verifier()
                .expect("verifier")
                .ct_eq(pending.pkce_verifier().expect("verifier"))
        );
        assert_eq!(back.redirect_uri_as_sent(), REDIRECT);
        // An older form without the exact string falls back to the parsed
        // URL.
        let old: PendingAuthorization =
            serde_json::from_str(r#"{"state":"s","redirect_uri":"https://app.example"}"#)
                .expect("old form");
        assert_eq!(old.redirect_uri_as_sent(), "https://app.example/");
        assert_eq!(
            format!("{pending:?}"),
            "PendingAuthorization { state: CsrfState([redacted]), \
             pkce_verifier: Some(PkceCodeVerifier([redacted])), \
             redirect_uri: \"https://app.example/cb\", scopes: [], nonce: None, issuer: None, \
             max_age: None }"
        );
        // An OpenID request's nonce round-trips too, and shows redacted.
        let client = client(Some(REDIRECT), provider());
        let openid = client
            .authorization_url()
            .scope("openid")
            .build()
            .expect("build")
            .1;
        let json = serde_json::to_string(&openid).expect("serialise");
        let back: PendingAuthorization = serde_json::from_str(&json).expect("deserialise");
        assert!(
            back.nonce()
                .expect("nonce")
                .ct_eq(openid.nonce().expect("nonce"))
        );
        assert!(format!("{back:?}").contains("nonce: Some(Nonce([redacted]))"));
    }

    #[test]
    fn openid_is_found_among_scopes_given_in_one_string() {
        let cases: &[(&str, &[&str], bool)] = &[
            (" ", &["openid"], true),
            (" ", &["openid profile"], true),
            (" ", &["profile\topenid"], true),
            (",", &["profile,openid"], true),
            (",", &["email", "profile, openid"], true),
            ("+", &["profile+openid"], true),
            ("", &["openid"], true),
            (" ", &["profile,openid"], false),
            (" ", &["openid_connect", "xopenid"], false),
            (",", &[], false),
        ];
        for (separator, scopes, expected) in cases {
            let client = client(Some(REDIRECT), provider().with_scope_separator(*separator));
            let (url, pending) = client
                .authorization_url()
                .scopes(scopes.iter().copied())
                .build()
                .expect("build");
            let sent = query(&url).into_iter().find(|(k, _)| k == "nonce");
            assert_eq!(sent.is_some(), *expected, "{separator:?} {scopes:?}");
            assert_eq!(
                sent.map(|(_, v)| v).as_deref(),
                pending.nonce().map(Nonce::secret),
                "{separator:?} {scopes:?}"
            );
        }
    }

    #[test]
    fn the_issuer_is_compared_exactly() {
        let mut pending = pending();
        pending.issuer = Some("https://auth.example".into());
        let state = pending.state().secret().to_owned();
        for (iss, expected) in [
            ("https://auth.example", Ok(())),
            (
                "https://auth.example/",
                Err(
                    "invalid callback: the authorization response comes from issuer `https://auth.example/`, expected `https://auth.example`",
                ),
            ),
            (
                "https://AUTH.example",
                Err(
                    "invalid callback: the authorization response comes from issuer `https://AUTH.example`, expected `https://auth.example`",
                ),
            ),
        ] {
            let callback = format!(
                "{REDIRECT}?code=c&state={state}&iss={}",
                url::form_urlencoded::byte_serialize(iss.as_bytes()).collect::<String>()
            );
            let got = pending
                .code_from_callback(&callback)
                .map(|_| ())
                .map_err(|e| e.to_string());
            assert_eq!(got, expected.map_err(str::to_owned), "{iss}");
        }
    }

    #[test]
    fn pkce_matches_rfc_7636_appendix_b() {
        let verifier = PkceCodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            pkce_challenge(&verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn random_tokens_are_long_and_distinct() {
        let a = random_token(32).expect("randomness");
        let b = random_token(32).expect("randomness");
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }
}
