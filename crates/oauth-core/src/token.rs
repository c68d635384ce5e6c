//! Tokens, and the parser of token endpoint answers (RFC 6749 §5.1 and the
//! ways real servers bend it).

use std::fmt;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::answer::{
    answer_fields, describe_body, error_from_response, json_kind as kind, server_error_from,
};
use crate::error::{Endpoint, Error, ParseError};
use crate::redact;
use crate::secret::{AccessToken, IdToken, RefreshToken};

/// A token set as issued by a token endpoint.
///
/// Serialises with serde (secrets included, so a store can keep it) and
/// shows nothing secret through `Debug`.
#[derive(Clone, Serialize, Deserialize)]
pub struct Token {
    access_token: AccessToken,
    #[serde(default)]
    token_type: TokenType,
    #[serde(
        default,
        with = "unix_seconds",
        skip_serializing_if = "Option::is_none"
    )]
    expires_at: Option<SystemTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<RefreshToken>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scopes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<IdToken>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    extra: Map<String, Value>,
    /// The answer's `expires_in`, until a session stamps the expiry with
    /// its own clock (see [`Token::stamp_expiry`]); not stored.
    #[serde(skip)]
    lifetime: Option<Duration>,
}

impl Token {
    /// A bearer token with no expiry, refresh token or scopes: for tokens
    /// obtained elsewhere.
    #[must_use]
    pub fn bearer(access_token: AccessToken) -> Self {
        Token {
            access_token,
            token_type: TokenType::Bearer,
            expires_at: None,
            refresh_token: None,
            scopes: None,
            id_token: None,
            extra: Map::new(),
            lifetime: None,
        }
    }

    /// Sets the absolute expiry.
    #[must_use]
    pub fn with_expires_at(mut self, expires_at: SystemTime) -> Self {
        self.expires_at = Some(expires_at);
        self
    }

    /// Sets the refresh token.
    #[must_use]
    pub fn with_refresh_token(mut self, refresh_token: RefreshToken) -> Self {
        self.refresh_token = Some(refresh_token);
        self
    }

    /// The access token.
    #[must_use]
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// The token type (almost always bearer).
    #[must_use]
    pub fn token_type(&self) -> &TokenType {
        &self.token_type
    }

    /// When the access token expires, if the server said.
    #[must_use]
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }

    /// How long the access token has left (zero once expired), if known.
    #[must_use]
    pub fn expires_in(&self) -> Option<Duration> {
        let at = self.expires_at?;
        Some(
            at.duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO),
        )
    }

    /// Whether the token expires within `skew` from now. A token without
    /// an expiry never does.
    #[must_use]
    pub fn expires_within(&self, skew: Duration) -> bool {
        self.expires_at
            .is_some_and(|at| SystemTime::now() + skew >= at)
    }

    /// The refresh token, if one was issued.
    #[must_use]
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// The scopes the server says it granted; `None` when the answer did not
    /// say (RFC 6749: then they are the ones requested).
    #[must_use]
    pub fn scopes(&self) -> Option<&[String]> {
        self.scopes.as_deref()
    }

    /// The OpenID Connect ID token, if one came.
    #[must_use]
    pub fn id_token(&self) -> Option<&IdToken> {
        self.id_token.as_ref()
    }

    /// The type of token a token exchange issued (RFC 8693
    /// `issued_token_type`), when the answer named one.
    #[must_use]
    pub fn issued_token_type(&self) -> Option<&str> {
        self.extra.get("issued_token_type").and_then(Value::as_str)
    }

    /// Fields of the answer this crate does not interpret (such as
    /// Battle.net's `sub`).
    #[must_use]
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }

    /// Dates the expiry of a token fresh from a token endpoint by `now`, the
    /// clock of whoever judges it: the answer said "valid for so long", and
    /// the parser stamped that from the system clock. Once only; a token
    /// read back from a store keeps its date.
    pub(crate) fn stamp_expiry(&mut self, now: SystemTime) {
        if let Some(lifetime) = self.lifetime.take() {
            self.expires_at = Some(now.checked_add(lifetime).unwrap_or(now));
        }
    }

    /// Whether `other` carries the same access and refresh tokens (compared
    /// in constant time).
    pub(crate) fn same_credentials(&self, other: &Token) -> bool {
        let refresh = match (&self.refresh_token, &other.refresh_token) {
            (Some(a), Some(b)) => a.ct_eq(b),
            (None, None) => true,
            _ => false,
        };
        self.access_token.ct_eq(&other.access_token) & refresh
    }

    /// Keeps `previous` as the refresh token when this answer brought none:
    /// a refresh that does not rotate must not lose the refresh token.
    pub(crate) fn keep_refresh_token(&mut self, previous: &RefreshToken) {
        if self.refresh_token.is_none() {
            self.refresh_token = Some(previous.clone());
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Unknown fields may hold secrets of their own: show only their names.
        let extra: Vec<&str> = self.extra.keys().map(String::as_str).collect();
        f.debug_struct("Token")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &self.refresh_token)
            .field("scopes", &self.scopes)
            .field("id_token", &self.id_token)
            .field("extra", &extra)
            .finish()
    }
}

/// The `token_type` of a token answer, compared case-insensitively.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenType {
    /// RFC 6750 bearer tokens (also assumed when the answer names no type).
    #[default]
    Bearer,
    /// Any other type, lower-cased.
    Other(String),
}

impl TokenType {
    fn parse(s: &str) -> Self {
        if s.eq_ignore_ascii_case("bearer") {
            TokenType::Bearer
        } else {
            TokenType::Other(s.to_ascii_lowercase())
        }
    }

    /// The type as written in answers.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            TokenType::Bearer => "bearer",
            TokenType::Other(other) => other,
        }
    }
}

impl Serialize for TokenType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TokenType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(TokenType::parse(&String::deserialize(deserializer)?))
    }
}

mod unix_seconds {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use serde::{Deserialize, Deserializer, Serializer};

    #[allow(clippy::ref_option)] // serde's `with` hands the field by reference
    pub(super) fn serialize<S: Serializer>(
        at: &Option<SystemTime>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => {
                let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
                serializer.serialize_some(&secs)
            }
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<SystemTime>, D::Error> {
        let secs = Option::<u64>::deserialize(deserializer)?;
        secs.map(|secs| {
            UNIX_EPOCH
                .checked_add(Duration::from_secs(secs))
                .ok_or_else(|| serde::de::Error::custom("expiry out of range"))
        })
        .transpose()
    }
}

/// Parses a token endpoint's answer into a [`Token`], or into the error the
/// server sent.
///
/// Accepts JSON (RFC 6749 §5.1) and form-encoded answers; `expires_in` as a
/// number or a numeric string; `token_type` in any case or missing; `scope`
/// space- or comma-separated or as an array; an error body even with HTTP 200.
pub(crate) fn parse_token_response(
    endpoint: &Endpoint,
    response: &http::Response<bytes::Bytes>,
) -> Result<Token, Error> {
    let status = response.status();
    let body = response.body();
    let parse_error = |field: Option<&str>, message: String| {
        Error::Parse(ParseError {
            endpoint: endpoint.clone(),
            status,
            field: field.map(str::to_owned),
            message,
            excerpt: redact::excerpt(body),
        })
    };

    if !status.is_success() {
        return Err(error_from_response(endpoint, response));
    }
    let Some(fields) = answer_fields(response) else {
        let message = if body.is_empty() {
            "expected a JSON object, got an empty body".to_owned()
        } else {
            format!("expected a JSON object, got {}", describe_body(response))
        };
        return Err(parse_error(None, message));
    };
    if let Some(error) = server_error_from(&fields) {
        return Err(Error::Server {
            endpoint: endpoint.clone(),
            status,
            error,
        });
    }
    token_from_fields(fields, SystemTime::now())
        .map_err(|(field, message)| parse_error(Some(field), message))
}

type FieldError = (&'static str, String);

fn token_from_fields(mut fields: Map<String, Value>, now: SystemTime) -> Result<Token, FieldError> {
    let access_token = match fields.remove("access_token") {
        Some(Value::String(s)) if !s.is_empty() => AccessToken::new(s),
        Some(Value::String(_)) => {
            return Err((
                "access_token",
                "expected a token, got an empty string".into(),
            ));
        }
        Some(other) => {
            return Err((
                "access_token",
                format!("expected a string, got {}", kind(&other)),
            ));
        }
        None => return Err(("access_token", "missing".into())),
    };
    let token_type = match fields.remove("token_type") {
        None | Some(Value::Null) => TokenType::Bearer,
        Some(Value::String(s)) if s.is_empty() => TokenType::Bearer,
        Some(Value::String(s)) => TokenType::parse(&s),
        Some(other) => {
            return Err((
                "token_type",
                format!("expected a string, got {}", kind(&other)),
            ));
        }
    };
    let mut lifetime = None;
    let expires_at = match fields.remove("expires_in") {
        None | Some(Value::Null) => None,
        Some(value) => {
            let seconds = seconds(&value).ok_or_else(|| {
                (
                    "expires_in",
                    format!("expected a number of seconds, got {}", shown(&value)),
                )
            })?;
            let at = now
                .checked_add(Duration::from_secs(seconds))
                .ok_or(("expires_in", format!("{seconds} seconds is out of range")))?;
            lifetime = Some(Duration::from_secs(seconds));
            Some(at)
        }
    };
    let scopes = match fields.remove("scope") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(split_scopes(&s)),
        Some(Value::Array(items)) => {
            let mut scopes = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) => scopes.push(s),
                    other => {
                        return Err((
                            "scope",
                            format!("expected an array of strings, found {}", kind(&other)),
                        ));
                    }
                }
            }
            Some(scopes)
        }
        Some(other) => {
            return Err((
                "scope",
                format!("expected a string or an array, got {}", kind(&other)),
            ));
        }
    };
    let refresh_token = optional_string(&mut fields, "refresh_token")?.map(RefreshToken::new);
    let id_token = optional_string(&mut fields, "id_token")?.map(IdToken::new);
    Ok(Token {
        access_token,
        token_type,
        expires_at,
        refresh_token,
        scopes,
        id_token,
        extra: fields,
        lifetime,
    })
}

fn optional_string(
    fields: &mut Map<String, Value>,
    name: &'static str,
) -> Result<Option<String>, FieldError> {
    match fields.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err((name, format!("expected a string, got {}", kind(&other)))),
    }
}

/// A whole number of seconds from a JSON number or a numeric string.
fn seconds(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            // Some servers send `3600.0`; a fraction of a second is dropped.
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0 && *f < 1e15)
                .map(|f| {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    // Range checked on the line above.
                    let whole = f.trunc() as u64;
                    whole
                })
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn split_scopes(s: &str) -> Vec<String> {
    s.split([' ', ','])
        .filter(|scope| !scope.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A value as shown in an error: only used for non-secret fields.
fn shown(value: &Value) -> String {
    let mut text = value.to_string();
    if text.len() > 40 {
        let cut = (0..=40)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        text.truncate(cut);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
