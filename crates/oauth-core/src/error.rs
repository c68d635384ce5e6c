//! The one error type of the crate, and the server's own error words, typed.

use std::fmt;
use std::sync::Arc;

use http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::redact::{self, SentSecrets};

/// Every way an OAuth operation can fail.
///
/// No variant ever holds a secret: token and password values are redacted
/// from body excerpts, and URLs are shown without their query.
///
/// Errors clone cheaply (a cause is shared, not copied), so every waiter of
/// a failed renewal gets the same error, source chain included.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request never produced an HTTP answer (connect, TLS, timeout,
    /// body too large, or the transport's own failure).
    #[error("{endpoint}: {source}")]
    Transport {
        /// Which endpoint was being called.
        endpoint: Endpoint,
        /// What the transport reported.
        #[source]
        source: TransportError,
    },
    /// The server answered with a status this operation cannot use and no
    /// OAuth error body.
    #[error("{endpoint}: unexpected HTTP status {status}{}", excerpt_suffix(.excerpt))]
    Http {
        /// Which endpoint was being called.
        endpoint: Endpoint,
        /// The status received.
        status: StatusCode,
        /// A short, redacted excerpt of the body.
        excerpt: String,
    },
    /// The server answered with an RFC 6749 §5.2 error.
    #[error("{endpoint}: server answered {status} with {error}")]
    Server {
        /// Which endpoint was being called.
        endpoint: Endpoint,
        /// The status received (an error body with HTTP 200 keeps its 200).
        status: StatusCode,
        /// The server's error, typed.
        error: ServerError,
    },
    /// The server's answer could not be understood.
    #[error("{0}")]
    Parse(#[from] ParseError),
    /// The `state` in the callback is not the one this authorization sent.
    #[error("state mismatch: the callback's state is not the one this authorization sent")]
    StateMismatch,
    /// The authorization server redirected back with an error, such as
    /// `access_denied` when the user declined.
    #[error("authorization failed: {0}")]
    AuthorizationDenied(ServerError),
    /// The callback URL is not a valid answer to this authorization.
    #[error("invalid callback: {0}")]
    Callback(CallbackError),
    /// An OpenID Connect ID token (or UserInfo answer) failed a check.
    #[cfg(feature = "oidc")]
    #[error("ID token: {0}")]
    IdToken(#[from] crate::oidc::IdTokenError),
    /// The client, the provider or a request is set up in a way that
    /// cannot work; found before anything is sent.
    #[error("configuration error: {0}")]
    Config(#[from] ConfigError),
    /// An endpoint URL is refused (for example plain `http` off loopback).
    #[error("insecure endpoint {url}: {reason}")]
    InsecureUrl {
        /// The refused URL, without its query.
        url: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The token has expired and there is no refresh token to renew it:
    /// the user must authorize again.
    #[error("the access token has expired and there is no refresh token; authorize again")]
    ExpiredWithoutRefresh,
    /// A token store failed to load, save or remove a token; see
    /// [`Error::store`].
    #[error("token store: {0}")]
    Store(#[source] Cause),
    /// The server rejected the refresh token (`invalid_grant`): it expired,
    /// was revoked, or was already used. A session has removed it from its
    /// store; the user must authorize again.
    #[error("the refresh token was rejected with {0}; authorize again")]
    RefreshTokenRejected(ServerError),
    /// A session has no token yet and its source cannot get one without the
    /// user: authorize first, then give the session the token.
    #[error("the session has no token and its source cannot get one; authorize first")]
    NoToken,
    /// The token is of a type this client cannot present (RFC 6749 §7.1):
    /// only `Bearer` tokens are sent, so a `mac` token, say, is refused
    /// rather than sent as if it were a bearer token.
    #[error("the token is of type `{token_type}`, which this client cannot present")]
    UnsupportedTokenType {
        /// The `token_type` the server named, lower-cased.
        token_type: String,
    },
}

impl Error {
    /// A token store's failure, from any error or message:
    /// `Error::store(io_error)`, `Error::store("read-only store")`.
    pub fn store(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Error::Store(Cause::new(cause))
    }

    /// The RFC 6749 error code, when the server sent one (in a token answer
    /// or in the authorization callback).
    #[must_use]
    pub fn server_error(&self) -> Option<&ServerError> {
        match self {
            Error::Server { error, .. }
            | Error::AuthorizationDenied(error)
            | Error::RefreshTokenRejected(error) => Some(error),
            _ => None,
        }
    }

    /// Whether the user must authorize again before the app can get a
    /// token: the refresh token was rejected, has expired without a refresh
    /// token, or there never was a token.
    #[must_use]
    pub fn needs_authorization(&self) -> bool {
        matches!(
            self,
            Error::RefreshTokenRejected(_) | Error::ExpiredWithoutRefresh | Error::NoToken
        )
    }

    /// The HTTP status of the answer that caused this error, if there was one.
    #[must_use]
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Http { status, .. } | Error::Server { status, .. } => Some(*status),
            Error::Parse(parse) => Some(parse.status),
            _ => None,
        }
    }
}

impl Error {
    /// The same error with every secret the request sent masked in the
    /// texts that came from the server (descriptions, excerpts), for a
    /// server that echoes what it was sent.
    pub(crate) fn masking(self, sent: &SentSecrets) -> Self {
        if sent.is_empty() {
            return self;
        }
        let secrets = sent.values();
        let mask = |text: String| redact::mask(&text, &secrets);
        let mask_server = |error: ServerError| ServerError {
            error: error.error,
            error_description: error.error_description.map(mask),
            error_uri: error.error_uri.map(mask),
        };
        match self {
            Error::Http {
                endpoint,
                status,
                excerpt,
            } => Error::Http {
                endpoint,
                status,
                excerpt: mask(excerpt),
            },
            Error::Server {
                endpoint,
                status,
                error,
            } => Error::Server {
                endpoint,
                status,
                error: mask_server(error),
            },
            Error::Parse(parse) => Error::Parse(ParseError {
                message: mask(parse.message),
                excerpt: mask(parse.excerpt),
                ..parse
            }),
            Error::AuthorizationDenied(error) => Error::AuthorizationDenied(mask_server(error)),
            Error::RefreshTokenRejected(error) => Error::RefreshTokenRejected(mask_server(error)),
            other => other,
        }
    }
}

fn excerpt_suffix(excerpt: &str) -> String {
    if excerpt.is_empty() {
        " and an empty body".to_owned()
    } else {
        format!(": {excerpt}")
    }
}

/// Names the endpoint an error came from: its role and its URL without query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The role, such as `token` or `userinfo`.
    pub name: &'static str,
    /// The URL without query or fragment (shared: errors are cloned to
    /// every waiter of a failed refresh).
    pub url: Arc<str>,
}

impl Endpoint {
    /// Names an endpoint by its role and its URL, which is shown without
    /// query, fragment or credentials.
    #[must_use]
    pub fn new(name: &'static str, url: &url::Url) -> Self {
        Endpoint {
            name,
            url: crate::url_policy::display_without_query(url).into(),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} endpoint {}", self.name, self.url)
    }
}

/// A failure below HTTP: no answer came, or it could not be read in full.
/// Clones share the cause.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{kind}{}", source_suffix(.source.as_ref()))]
pub struct TransportError {
    kind: TransportErrorKind,
    #[source]
    source: Option<Cause>,
}

fn source_suffix(source: Option<&Cause>) -> String {
    source.map_or_else(String::new, |s| format!(": {s}"))
}

/// The underlying error of an [`Error`]: any error, shared by the clones of
/// the error that holds it. It dereferences to the error itself, so
/// `downcast_ref` finds the original type, and `Error::source` of the
/// holding error returns the original, not this wrapper.
#[derive(Clone)]
pub struct Cause(Arc<dyn std::error::Error + Send + Sync>);

impl Cause {
    /// Wraps any error, or a message.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Cause(Arc::from(error.into()))
    }
}

impl std::ops::Deref for Cause {
    type Target = dyn std::error::Error + Send + Sync + 'static;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

impl fmt::Debug for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl TransportError {
    /// A transport error of this kind, with the underlying cause.
    pub fn new(
        kind: TransportErrorKind,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        TransportError {
            kind,
            source: Some(Cause::new(source)),
        }
    }

    /// A transport error of this kind with no further cause.
    #[must_use]
    pub fn from_kind(kind: TransportErrorKind) -> Self {
        TransportError { kind, source: None }
    }

    /// What went wrong.
    #[must_use]
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// A layer's own failure, carried through the layers below the one
    /// that made it; [`TransportError::into_error`] gives it back.
    #[must_use]
    pub fn layer(error: Error) -> Self {
        TransportError {
            kind: TransportErrorKind::Layer,
            source: Some(Cause::new(error)),
        }
    }

    /// The error a caller sees for this failure of a request to
    /// `endpoint`: a layer's own error as itself, anything else as
    /// [`Error::Transport`].
    #[must_use]
    pub fn into_error(self, endpoint: impl FnOnce() -> Endpoint) -> Error {
        if self.kind == TransportErrorKind::Layer
            && let Some(error) = self.source.as_ref().and_then(|c| c.downcast_ref::<Error>())
        {
            return error.clone();
        }
        Error::Transport {
            endpoint: endpoint(),
            source: self,
        }
    }
}

/// The kinds of [`TransportError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be made (refused, DNS, TLS handshake).
    Connect,
    /// The connect or total timeout passed.
    Timeout,
    /// The answer's body is larger than the configured cap.
    BodyTooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// The connection failed while the request or answer was under way
    /// (reset, closed early, truncated body).
    Io,
    /// The request could not be built or sent as given.
    InvalidRequest,
    /// Anything else, such as a user transport's own failure.
    Other,
    /// A layer of the API-call stack failed before or between sends (the
    /// token could not be had, say); the cause is that [`Error`], which a
    /// session returns as itself.
    Layer,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportErrorKind::Connect => f.write_str("could not connect"),
            TransportErrorKind::Timeout => f.write_str("timed out"),
            TransportErrorKind::BodyTooLarge { limit } => {
                write!(f, "answer body larger than the {limit}-byte limit")
            }
            TransportErrorKind::Io => f.write_str("connection failed mid-exchange"),
            TransportErrorKind::InvalidRequest => f.write_str("invalid request"),
            TransportErrorKind::Other => f.write_str("transport failed"),
            TransportErrorKind::Layer => f.write_str("a layer failed"),
        }
    }
}

/// An answer that could not be parsed, with where and why.
#[derive(Clone, Debug, thiserror::Error)]
#[error(
    "{endpoint}: cannot parse the {status} answer{}: {message}{}",
    field_suffix(.field),
    body_suffix(.excerpt)
)]
pub struct ParseError {
    /// Which endpoint answered.
    pub endpoint: Endpoint,
    /// The HTTP status of the answer.
    pub status: StatusCode,
    /// The path of the offending field (`expires_in`, `scope[2]`), if one.
    pub field: Option<String>,
    /// What was expected and what came.
    pub message: String,
    /// A short excerpt of the body with secret values redacted.
    pub excerpt: String,
}

fn field_suffix(field: &Option<String>) -> String {
    field
        .as_ref()
        .map_or_else(String::new, |f| format!(" at `{f}`"))
}

fn body_suffix(excerpt: &str) -> String {
    if excerpt.is_empty() {
        " (empty body)".to_owned()
    } else {
        format!(" (body: {excerpt})")
    }
}

/// What is wrong with a configuration or a request being built: the
/// cause of [`Error::Config`]. No variant holds a secret.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The client id is empty.
    #[error("the client id is empty")]
    EmptyClientId,
    /// No transport was given, and the crate was built without one.
    #[error(
        "no transport given, and oauth-core was built without the `reqwest` or `hyper` feature"
    )]
    NoTransport,
    /// A URL given to the configuration cannot be used.
    #[error("invalid {what} `{url}`: {reason}")]
    InvalidUrl {
        /// Which URL: `redirect URI`, `endpoint URL`, `issuer`, …
        what: &'static str,
        /// The URL as given.
        url: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// The operation needs a redirect URI and the client has none.
    #[error("{needed_by} needs a redirect URI")]
    NoRedirectUri {
        /// The operation, such as `the authorization code flow`.
        needed_by: &'static str,
    },
    /// The client's redirect URI is not the one a loopback listener serves.
    #[error("the client's redirect URI must be the loopback listener's, {listener}")]
    NotTheLoopbackRedirect {
        /// The listener's redirect URI.
        listener: String,
    },
    /// The provider has no endpoint for this operation.
    #[error("the provider has no {0} endpoint")]
    NoEndpoint(&'static str),
    /// An extra authorization parameter that the request sets itself (a
    /// pushed request's `request_uri` among them: the server gives it,
    /// RFC 9126 §2.1).
    #[error("parameter `{0}` is set by the authorization request itself")]
    ReservedParameter(String),
    /// A header's value (or name) holds characters a header cannot carry.
    #[error("invalid header text in {0}")]
    InvalidHeader(&'static str),
    /// The server takes only pushed authorization requests (RFC 9126).
    #[error(
        "the server takes only pushed authorization requests: use `AuthorizationRequest::push` (or `prepare`)"
    )]
    PushRequired,
    /// The client cannot authenticate as configured: a signed method
    /// without its key or secret, or one the server does not take.
    #[error("client authentication: {0}")]
    ClientAuth(String),
    /// A value cannot be written as the request needs it.
    #[error("cannot write {what}: {reason}")]
    InvalidValue {
        /// What was being written, such as `the JSON body`.
        what: &'static str,
        /// Why it could not be.
        reason: String,
    },
    /// A request cannot be built from its parts (a URL that is not
    /// absolute, or that does not make a valid request target).
    #[error("cannot build the request: {0}")]
    InvalidRequest(String),
    /// The system cannot give what the client needs: TLS roots,
    /// randomness, a runtime.
    #[error("cannot {what}: {source}")]
    Environment {
        /// What failed, such as `set up TLS`.
        what: &'static str,
        /// The system's error.
        #[source]
        source: Cause,
    },
}

/// Why a callback URL was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// The callback is not a valid absolute URL.
    #[error("not a valid URL: {0}")]
    InvalidUrl(String),
    /// The callback does not go to the redirect URI this authorization used.
    #[error("expected a redirect to {expected}, got {actual}")]
    RedirectMismatch {
        /// The registered redirect URI.
        expected: String,
        /// Where the callback went, without its query.
        actual: String,
    },
    /// The callback carries neither `code` nor `error`.
    #[error("no `code` parameter")]
    MissingCode,
    /// The callback has no `state` parameter.
    #[error("no `state` parameter")]
    MissingState,
    /// A parameter appears more than once.
    #[error("parameter `{0}` appears more than once")]
    DuplicateParameter(&'static str),
    /// The response names another issuer than the one the request went to
    /// (RFC 9207): a mix-up attack, or a misconfigured client.
    #[error("the authorization response comes from issuer `{actual}`, expected `{expected}`")]
    IssuerMismatch {
        /// The issuer the request went to.
        expected: String,
        /// The `iss` of the response.
        actual: String,
    },
    /// The server says it names itself in its responses (RFC 9207), and
    /// this one has no `iss`.
    #[error("no `iss` parameter, which this server always sends")]
    MissingIssuer,
}

/// An RFC 6749 §4.1.2.1 / §5.2 error from the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerError {
    /// The `error` code.
    pub error: ErrorCode,
    /// The `error_description`, if sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    /// The `error_uri`, if sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_uri: Option<String>,
}

impl ServerError {
    /// A server's error as it came over the wire (a body, a header, a
    /// callback's query), its texts kept on one line with secret fields
    /// and credentials masked: a server's words must not forge log lines.
    pub(crate) fn from_wire(
        code: &str,
        error_description: Option<&str>,
        error_uri: Option<&str>,
    ) -> Self {
        let clean = |text: &str| redact::clean(text, &[]);
        ServerError {
            error: ErrorCode::from(clean(code).as_str()),
            error_description: error_description.map(clean),
            error_uri: error_uri.map(clean),
        }
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.error)?;
        if let Some(description) = &self.error_description {
            write!(f, " ({description})")?;
        }
        if let Some(uri) = &self.error_uri {
            write!(f, " see {uri}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ServerError {}

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident => $text:literal,)*) => {
        /// The `error` values of RFC 6749, 6750, 8628 and OpenID Connect; any
        /// other value is kept in [`ErrorCode::Other`].
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
            /// A code this crate does not know, as sent.
            Other(String),
        }

        impl ErrorCode {
            /// The code as it appears on the wire.
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $(ErrorCode::$variant => $text,)*
                    ErrorCode::Other(other) => other,
                }
            }
        }

        impl From<&str> for ErrorCode {
            fn from(code: &str) -> Self {
                match code {
                    $($text => ErrorCode::$variant,)*
                    other => ErrorCode::Other(other.to_owned()),
                }
            }
        }
    };
}

error_codes! {
    /// `invalid_request`
    InvalidRequest => "invalid_request",
    /// `invalid_client`
    InvalidClient => "invalid_client",
    /// `invalid_grant`: the code, refresh token or credentials are not valid.
    InvalidGrant => "invalid_grant",
    /// `unauthorized_client`
    UnauthorizedClient => "unauthorized_client",
    /// `unsupported_grant_type`
    UnsupportedGrantType => "unsupported_grant_type",
    /// `invalid_scope`
    InvalidScope => "invalid_scope",
    /// `access_denied`: the user or server declined.
    AccessDenied => "access_denied",
    /// `unsupported_response_type`
    UnsupportedResponseType => "unsupported_response_type",
    /// `server_error`
    ServerError => "server_error",
    /// `temporarily_unavailable`
    TemporarilyUnavailable => "temporarily_unavailable",
    /// `interaction_required` (OpenID Connect)
    InteractionRequired => "interaction_required",
    /// `login_required` (OpenID Connect)
    LoginRequired => "login_required",
    /// `consent_required` (OpenID Connect)
    ConsentRequired => "consent_required",
    /// `invalid_token` (RFC 6750)
    InvalidToken => "invalid_token",
    /// `insufficient_scope` (RFC 6750)
    InsufficientScope => "insufficient_scope",
    /// `authorization_pending` (RFC 8628)
    AuthorizationPending => "authorization_pending",
    /// `slow_down` (RFC 8628)
    SlowDown => "slow_down",
    /// `expired_token` (RFC 8628)
    ExpiredToken => "expired_token",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Ok(ErrorCode::from(code.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint() -> Endpoint {
        Endpoint::new(
            "token",
            &url::Url::parse("https://u:p@auth.example/token?code=c#f").expect("url"),
        )
    }

    fn server(description: Option<&str>, uri: Option<&str>) -> ServerError {
        ServerError::from_wire("invalid_grant", description, uri)
    }

    fn parse_error(field: Option<&str>, excerpt: &str) -> Error {
        Error::Parse(ParseError {
            endpoint: endpoint(),
            status: StatusCode::OK,
            field: field.map(str::to_owned),
            message: "expected a string, got 7".into(),
            excerpt: excerpt.into(),
        })
    }

    #[test]
    fn each_error_says_what_it_is() {
        // (error, message, server error code, needs authorization, status)
        let cases = [
            (
                Error::Transport {
                    endpoint: endpoint(),
                    source: TransportError::from_kind(TransportErrorKind::Timeout),
                },
                "token endpoint https://auth.example/token: timed out",
                None,
                false,
                None,
            ),
            (
                Error::Http {
                    endpoint: endpoint(),
                    status: StatusCode::BAD_GATEWAY,
                    excerpt: String::new(),
                },
                "token endpoint https://auth.example/token: unexpected HTTP status 502 Bad Gateway and an empty body",
                None,
                false,
                Some(502),
            ),
            (
                Error::Http {
                    endpoint: endpoint(),
                    status: StatusCode::NOT_FOUND,
                    excerpt: "<html>".into(),
                },
                "token endpoint https://auth.example/token: unexpected HTTP status 404 Not Found: <html>",
                None,
                false,
                Some(404),
            ),
            (
                Error::Server {
                    endpoint: endpoint(),
                    status: StatusCode::BAD_REQUEST,
                    error: server(Some("expired"), Some("https://e.example")),
                },
                "token endpoint https://auth.example/token: server answered 400 Bad Request with `invalid_grant` (expired) see https://e.example",
                Some("invalid_grant"),
                false,
                Some(400),
            ),
            (
                parse_error(Some("expires_in"), "{\"expires_in\":7}"),
                "token endpoint https://auth.example/token: cannot parse the 200 OK answer at `expires_in`: expected a string, got 7 (body: {\"expires_in\":7})",
                None,
                false,
                Some(200),
            ),
            (
                parse_error(None, ""),
                "token endpoint https://auth.example/token: cannot parse the 200 OK answer: expected a string, got 7 (empty body)",
                None,
                false,
                Some(200),
            ),
            (
                Error::AuthorizationDenied(ServerError::from_wire("access_denied", None, None)),
                "authorization failed: `access_denied`",
                Some("access_denied"),
                false,
                None,
            ),
            (
                Error::RefreshTokenRejected(server(None, None)),
                "the refresh token was rejected with `invalid_grant`; authorize again",
                Some("invalid_grant"),
                true,
                None,
            ),
            (
                Error::ExpiredWithoutRefresh,
                "the access token has expired and there is no refresh token; authorize again",
                None,
                true,
                None,
            ),
            (
                Error::NoToken,
                "the session has no token and its source cannot get one; authorize first",
                None,
                true,
                None,
            ),
            (
                Error::StateMismatch,
                "state mismatch: the callback's state is not the one this authorization sent",
                None,
                false,
                None,
            ),
        ];
        for (error, message, code, needs_authorization, status) in cases {
            assert_eq!(error.to_string(), message);
            assert_eq!(
                error.server_error().map(|e| e.error.as_str().to_owned()),
                code.map(str::to_owned),
                "{message}"
            );
            assert_eq!(
                error.needs_authorization(),
                needs_authorization,
                "{message}"
            );
            assert_eq!(error.status().map(|s| s.as_u16()), status, "{message}");
        }
    }

    #[test]
    fn transport_errors_name_their_kind_and_cause() {
        let cases = [
            (TransportErrorKind::Connect, "could not connect"),
            (TransportErrorKind::Timeout, "timed out"),
            (
                TransportErrorKind::BodyTooLarge { limit: 10 },
                "answer body larger than the 10-byte limit",
            ),
            (TransportErrorKind::Io, "connection failed mid-exchange"),
            (TransportErrorKind::InvalidRequest, "invalid request"),
            (TransportErrorKind::Other, "transport failed"),
        ];
        for (kind, message) in cases {
            let bare = TransportError::from_kind(kind);
            assert_eq!(bare.kind(), kind);
            assert_eq!(bare.to_string(), message);
            assert!(std::error::Error::source(&bare).is_none());
            let caused = TransportError::new(kind, "reset by peer");
            assert_eq!(caused.kind(), kind);
            assert_eq!(caused.to_string(), format!("{message}: reset by peer"));
        }
    }

    #[test]
    fn masking_hides_what_was_sent_in_the_servers_words() {
        const ECHOED: &str = "got s3cret";
        let cases = || {
            [
                (
                    Error::Http {
                        endpoint: endpoint(),
                        status: StatusCode::BAD_REQUEST,
                        excerpt: ECHOED.into(),
                    },
                    "token endpoint https://auth.example/token: unexpected HTTP status 400 Bad Request: got [redacted]",
                ),
                (
                    Error::Server {
                        endpoint: endpoint(),
                        status: StatusCode::BAD_REQUEST,
                        error: server(Some(ECHOED), Some(ECHOED)),
                    },
                    "token endpoint https://auth.example/token: server answered 400 Bad Request with `invalid_grant` (got [redacted]) see got [redacted]",
                ),
                (
                    Error::Parse(ParseError {
                        endpoint: endpoint(),
                        status: StatusCode::OK,
                        field: None,
                        message: ECHOED.into(),
                        excerpt: ECHOED.into(),
                    }),
                    "token endpoint https://auth.example/token: cannot parse the 200 OK answer: got [redacted] (body: got [redacted])",
                ),
                (
                    Error::AuthorizationDenied(server(Some(ECHOED), None)),
                    "authorization failed: `invalid_grant` (got [redacted])",
                ),
                (
                    Error::RefreshTokenRejected(server(None, Some(ECHOED))),
                    "the refresh token was rejected with `invalid_grant` see got [redacted]; authorize again",
                ),
                // Our own words hold no echo.
                (
                    Error::Config(ConfigError::InvalidRequest(ECHOED.into())),
                    "configuration error: cannot build the request: got s3cret",
                ),
            ]
        };
        let mut sent = SentSecrets::new();
        sent.add("s3cret");
        for (error, masked) in cases() {
            assert_eq!(error.masking(&sent).to_string(), masked);
        }
        for (error, _) in cases() {
            let unmasked = error.to_string();
            assert!(unmasked.contains("s3cret"), "{unmasked}");
            assert_eq!(
                error.masking(&SentSecrets::new()).to_string(),
                unmasked,
                "nothing sent, nothing masked"
            );
        }
    }

    #[test]
    fn error_codes_read_and_write_as_on_the_wire() {
        for (wire, code) in [
            ("invalid_grant", ErrorCode::InvalidGrant),
            ("access_denied", ErrorCode::AccessDenied),
            ("slow_down", ErrorCode::Other("slow_down".into())),
        ] {
            let code = match code {
                ErrorCode::Other(_) => ErrorCode::from(wire),
                known => known,
            };
            assert_eq!(code.to_string(), wire);
            let json = serde_json::to_string(&code).expect("serialise");
            assert_eq!(json, format!("\"{wire}\""));
            let back: ErrorCode = serde_json::from_str(&json).expect("deserialise");
            assert_eq!(back, code);
        }
        assert_eq!(
            ServerError::from_wire("x\ny", Some("a\nb"), None),
            ServerError {
                error: ErrorCode::from("x y"),
                error_description: Some("a b".into()),
                error_uri: None,
            }
        );
    }

    fn chain(error: &(dyn std::error::Error + 'static)) -> Vec<String> {
        let mut texts = vec![error.to_string()];
        let mut next = error.source();
        while let Some(cause) = next {
            texts.push(cause.to_string());
            next = cause.source();
        }
        texts
    }

    #[test]
    fn a_clone_shares_its_cause_with_the_whole_chain() {
        let original = Error::Transport {
            endpoint: Endpoint::new(
                "token",
                &url::Url::parse("https://a.example/t").expect("url"),
            ),
            source: TransportError::new(
                TransportErrorKind::Connect,
                Error::store(std::io::Error::other("disk full")),
            ),
        };
        let copy = original.clone();
        assert_eq!(chain(&copy), chain(&original));
        assert_eq!(
            chain(&copy),
            [
                "token endpoint https://a.example/t: could not connect: token store: disk full",
                "could not connect: token store: disk full",
                "token store: disk full",
                "disk full",
            ]
        );
        let Error::Transport { source, .. } = &copy else {
            unreachable!()
        };
        let Some(Error::Store(cause)) =
            std::error::Error::source(source).and_then(|cause| cause.downcast_ref::<Error>())
        else {
            panic!("the transport's cause is the store error itself");
        };
        assert!(cause.downcast_ref::<std::io::Error>().is_some());
    }

    #[test]
    fn a_store_error_from_a_message_or_an_error() {
        let message = Error::store("read-only store");
        assert_eq!(message.to_string(), "token store: read-only store");
        let io = Error::store(std::io::Error::other("disk full"));
        let source = std::error::Error::source(&io).expect("a source");
        assert_eq!(
            source
                .downcast_ref::<std::io::Error>()
                .map(ToString::to_string),
            Some("disk full".to_owned()),
            "the source is the original error, not a wrapper"
        );
        assert_eq!(
            format!("{io:?}"),
            format!("Store({:?})", std::io::Error::other("disk full"))
        );
    }
}
