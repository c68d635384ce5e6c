//! The one error type of the crate: the core's OAuth errors, wrapped, and
//! RingPlus's own API errors, typed.

use std::fmt;
use std::time::Duration;

use oauth_core::http::{Method, StatusCode};

use crate::api::RateLimit;

/// Every way a RingPlus operation can fail.
///
/// No variant holds a token, a password or a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An OAuth operation failed: transport, token endpoint, callback
    /// checks (state, redirect URI), configuration, or an answer that could
    /// not be parsed.
    #[error(transparent)]
    OAuth(Box<oauth_core::Error>),
    /// [`fetch_token`](crate::OAuthHandler::fetch_token) was called without
    /// an authorization under way.
    #[error("no authorization is under way: call `authorization_url` first")]
    NoPendingAuthorization,
    /// The token has no refresh token, so it cannot be refreshed: the user
    /// must authorize again.
    #[error("the token has no refresh token; authorize again")]
    NoRefreshToken,
    /// The RingPlus API answered with an error.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The username/password login failed: refused credentials, no sign-in
    /// form, consent needed or denied, a redirect loop or an unexpected
    /// host; OAuth failures on the way are kept inside.
    #[cfg(feature = "login")]
    #[error(transparent)]
    Login(Box<oauth_core::FormLoginError>),
    /// The RingPlus API refused the request for its rate limit, and waiting
    /// was not possible or did not help.
    #[error("{method} {url}: rate limited{}", retry_suffix(*.retry_after))]
    RateLimited {
        /// The request's method.
        method: Method,
        /// The request's URL, without query.
        url: String,
        /// How long the API asked to wait, if it said.
        retry_after: Option<Duration>,
        /// The rate-limit headers of the refusal, if sent.
        rate_limit: Option<RateLimit>,
    },
}

fn retry_suffix(retry_after: Option<Duration>) -> String {
    retry_after.map_or_else(String::new, |d| {
        format!("; retry after {} s", d.as_secs_f64().ceil())
    })
}

impl Error {
    /// The core's error, when this is an OAuth error (for login failures
    /// that came from the token exchange, too).
    #[must_use]
    pub fn oauth(&self) -> Option<&oauth_core::Error> {
        match self {
            Error::OAuth(error) => Some(error),
            #[cfg(feature = "login")]
            Error::Login(error) => match &**error {
                oauth_core::FormLoginError::OAuth(error) => Some(error),
                _ => None,
            },
            _ => None,
        }
    }

    /// The login error, when the username/password login failed.
    #[cfg(feature = "login")]
    #[must_use]
    pub fn login(&self) -> Option<&oauth_core::FormLoginError> {
        match self {
            Error::Login(error) => Some(error),
            _ => None,
        }
    }

    /// The API error, when the RingPlus API answered with one.
    #[must_use]
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(error) => Some(error),
            _ => None,
        }
    }

    /// The HTTP status of the answer behind this error, if there was one.
    #[must_use]
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::OAuth(error) => error.status(),
            Error::Api(error) => Some(error.status),
            Error::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            _ => None,
        }
    }

    /// Whether the user must authorize again (sign in, or approve the app)
    /// before calls can succeed.
    #[must_use]
    pub fn needs_authorization(&self) -> bool {
        match self {
            Error::NoRefreshToken => true,
            Error::OAuth(error) => {
                error.needs_authorization()
                    || error
                        .server_error()
                        .is_some_and(|e| e.error == oauth_core::ErrorCode::InvalidGrant)
            }
            _ => false,
        }
    }
}

impl From<oauth_core::Error> for Error {
    fn from(error: oauth_core::Error) -> Self {
        Error::OAuth(Box::new(error))
    }
}

#[cfg(feature = "login")]
impl From<oauth_core::FormLoginError> for Error {
    fn from(error: oauth_core::FormLoginError) -> Self {
        match error {
            // An OAuth failure on the way is an OAuth failure.
            oauth_core::FormLoginError::OAuth(error) => Error::from(error),
            other => Error::Login(Box::new(other)),
        }
    }
}

impl From<oauth_core::ParseError> for Error {
    fn from(error: oauth_core::ParseError) -> Self {
        Error::from(oauth_core::Error::Parse(error))
    }
}

/// An error answer of the RingPlus API.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ApiError {
    /// The request's method.
    pub method: Method,
    /// The request's URL, without query.
    pub url: String,
    /// The HTTP status of the answer.
    pub status: StatusCode,
    /// What the body said.
    pub body: ApiErrorBody,
    /// The rate-limit headers of the answer, if sent.
    pub rate_limit: Option<RateLimit>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: ringplus answered {}: {}",
            self.method, self.url, self.status, self.body
        )
    }
}

impl std::error::Error for ApiError {}

/// The body of a RingPlus error answer, in one of its two shapes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiErrorBody {
    /// `{"error": "…", "status": 404}`.
    Message(String),
    /// `{"errors": [{"code": …, "field": …, "message": …}]}`.
    Validation(Vec<FieldError>),
    /// A body in neither shape: a short excerpt, secrets redacted.
    Unrecognized(String),
}

impl fmt::Display for ApiErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiErrorBody::Message(message) => f.write_str(message),
            ApiErrorBody::Validation(errors) => {
                for (i, error) in errors.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{error}")?;
                }
                Ok(())
            }
            ApiErrorBody::Unrecognized(excerpt) if excerpt.is_empty() => f.write_str("empty body"),
            ApiErrorBody::Unrecognized(excerpt) => write!(f, "body: {excerpt}"),
        }
    }
}

/// One entry of a RingPlus `errors` list.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[non_exhaustive]
pub struct FieldError {
    /// What is wrong, typed.
    pub code: FieldErrorCode,
    /// The attribute concerned, if one.
    #[serde(default)]
    pub field: Option<String>,
    /// The server's message.
    #[serde(default)]
    pub message: Option<String>,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field} `{}`", self.code)?,
            None => write!(f, "`{}`", self.code)?,
        }
        if let Some(message) = &self.message {
            write!(f, " ({message})")?;
        }
        Ok(())
    }
}

/// The `code` of a RingPlus field error.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldErrorCode {
    /// `blank`: a required value is empty.
    Blank,
    /// `invalid`: the value has the wrong form.
    Invalid,
    /// `unknown_attribute`: the attribute cannot be written.
    UnknownAttribute,
    /// `parameter_missing`: the container was not sent at all.
    ParameterMissing,
    /// A code this crate does not know, as sent.
    Other(String),
}

impl FieldErrorCode {
    /// The code as sent.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            FieldErrorCode::Blank => "blank",
            FieldErrorCode::Invalid => "invalid",
            FieldErrorCode::UnknownAttribute => "unknown_attribute",
            FieldErrorCode::ParameterMissing => "parameter_missing",
            FieldErrorCode::Other(other) => other,
        }
    }
}

impl From<&str> for FieldErrorCode {
    fn from(code: &str) -> Self {
        match code {
            "blank" => FieldErrorCode::Blank,
            "invalid" => FieldErrorCode::Invalid,
            "unknown_attribute" => FieldErrorCode::UnknownAttribute,
            "parameter_missing" => FieldErrorCode::ParameterMissing,
            other => FieldErrorCode::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for FieldErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for FieldErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Ok(FieldErrorCode::from(code.as_str()))
    }
}

#[cfg(all(test, feature = "login"))]
mod tests {
    use super::*;

    #[test]
    fn a_login_that_failed_at_the_token_exchange_is_also_an_oauth_error() {
        let exchange = Error::Login(Box::new(oauth_core::FormLoginError::OAuth(
            oauth_core::Error::Config(oauth_core::ConfigError::EmptyClientId),
        )));
        assert!(matches!(
            exchange.oauth(),
            Some(oauth_core::Error::Config(
                oauth_core::ConfigError::EmptyClientId
            ))
        ));
        assert!(exchange.login().is_some());
        let form = Error::Login(Box::new(oauth_core::FormLoginError::PasswordInUrl {
            url: "https://www.ringplus.net/login".into(),
        }));
        assert!(form.oauth().is_none());
        assert!(matches!(
            form.login(),
            Some(oauth_core::FormLoginError::PasswordInUrl { url }) if url == "https://www.ringplus.net/login"
        ));
    }
}

#[cfg(test)]
mod status_tests {
    use super::*;

    #[test]
    fn the_status_behind_a_core_error_is_its_answers() {
        let url = oauth_core::url::Url::parse("https://api.ringplus.net/oauth/token").expect("url");
        let error = Error::from(oauth_core::Error::Parse(oauth_core::ParseError {
            endpoint: oauth_core::Endpoint::new("token", &url),
            status: StatusCode::BAD_GATEWAY,
            field: None,
            message: "expected a JSON object".into(),
            excerpt: String::new(),
        }));
        assert_eq!(error.status(), Some(StatusCode::BAD_GATEWAY));
        assert_eq!(Error::NoRefreshToken.status(), None);
    }

    #[test]
    fn an_invalid_grant_from_the_token_endpoint_needs_authorization() {
        let url = oauth_core::url::Url::parse("https://api.ringplus.net/oauth/token").expect("url");
        let server = |error: oauth_core::ErrorCode| {
            Error::from(oauth_core::Error::Server {
                endpoint: oauth_core::Endpoint::new("token", &url),
                status: StatusCode::BAD_REQUEST,
                error: oauth_core::ServerError {
                    error,
                    error_description: None,
                    error_uri: None,
                },
            })
        };
        assert!(server(oauth_core::ErrorCode::InvalidGrant).needs_authorization());
        assert!(!server(oauth_core::ErrorCode::InvalidScope).needs_authorization());
        assert!(Error::NoRefreshToken.needs_authorization());
    }

    #[test]
    fn each_body_shape_reads_as_a_sentence() {
        let field = |field: Option<&str>, code, message: Option<&str>| FieldError {
            code,
            field: field.map(str::to_owned),
            message: message.map(str::to_owned),
        };
        let cases = [
            (ApiErrorBody::Message("not found".into()), "not found"),
            (
                ApiErrorBody::Validation(vec![
                    field(Some("email"), FieldErrorCode::Blank, Some("can't be blank")),
                    field(None, FieldErrorCode::ParameterMissing, None),
                ]),
                "email `blank` (can't be blank); `parameter_missing`",
            ),
            (
                ApiErrorBody::Validation(vec![field(Some("name"), FieldErrorCode::Invalid, None)]),
                "name `invalid`",
            ),
            (ApiErrorBody::Unrecognized(String::new()), "empty body"),
            (ApiErrorBody::Unrecognized("<html>".into()), "body: <html>"),
        ];
        for (body, shown) in cases {
            assert_eq!(body.to_string(), shown);
        }
    }
}
