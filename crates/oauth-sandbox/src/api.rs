//! Bearer-token checks (RFC 6750) shared by every resource endpoint, the
//! per-client rate limit, and the generic profile's small API.

use http::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::server::Request;
use crate::state::{AccessRecord, Shared, TokenProblem};
use crate::wire::{self, Reply};

/// The realm named in `WWW-Authenticate` challenges.
pub(crate) const REALM: &str = "oauth-sandbox";

/// Why a request carries no usable bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BearerFailure {
    /// No `Authorization: Bearer` header.
    Missing,
    /// A `Bearer` header without a well-formed token.
    Malformed,
    /// An `access_token` query parameter: tokens do not belong in URLs.
    InQuery,
    /// The token is unknown, revoked or expired.
    Invalid(TokenProblem),
}

/// A refused request, ready to be rendered in a profile's error shape.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    /// The RFC 6750 error code, absent when no credentials were sent.
    pub(crate) error: Option<&'static str>,
    pub(crate) description: String,
    pub(crate) challenge: String,
}

impl BearerFailure {
    pub(crate) fn refusal(self) -> Refusal {
        let (status, error, description) = match self {
            Self::Missing => (
                StatusCode::UNAUTHORIZED,
                None,
                "a bearer token is required in the authorization header",
            ),
            Self::Malformed => (
                StatusCode::BAD_REQUEST,
                Some("invalid_request"),
                "the authorization header is not a well-formed bearer token",
            ),
            Self::InQuery => (
                StatusCode::UNAUTHORIZED,
                Some("invalid_request"),
                "access tokens are accepted in the authorization header only, not in the url",
            ),
            Self::Invalid(TokenProblem::Unknown) => (
                StatusCode::UNAUTHORIZED,
                Some("invalid_token"),
                "the access token is unknown or revoked",
            ),
            Self::Invalid(TokenProblem::Expired) => (
                StatusCode::UNAUTHORIZED,
                Some("invalid_token"),
                "the access token has expired",
            ),
        };
        Refusal {
            status,
            error,
            description: description.to_owned(),
            challenge: challenge(error, description, None),
        }
    }
}

/// A `403 insufficient_scope` refusal naming the scope that is needed.
pub(crate) fn insufficient_scope(scope: &str, description: &str) -> Refusal {
    Refusal {
        status: StatusCode::FORBIDDEN,
        error: Some("insufficient_scope"),
        description: description.to_owned(),
        challenge: challenge(Some("insufficient_scope"), description, Some(scope)),
    }
}

/// A `WWW-Authenticate: Bearer` challenge value.
fn challenge(error: Option<&str>, description: &str, scope: Option<&str>) -> String {
    let mut value = format!("Bearer realm=\"{REALM}\"");
    if let Some(error) = error {
        value.push_str(&format!(
            ", error=\"{error}\", error_description=\"{description}\""
        ));
    }
    if let Some(scope) = scope {
        value.push_str(&format!(", scope=\"{scope}\""));
    }
    value
}

impl Refusal {
    /// Renders the refusal with an RFC 6750 JSON body.
    pub(crate) fn to_reply(&self) -> Reply {
        let body = json!({
            "error": self.error.unwrap_or("unauthorized"),
            "error_description": self.description,
        });
        self.with_body(wire::json(self.status, &body))
    }

    /// Adds the challenge header to a reply built in a profile's shape.
    pub(crate) fn with_body(&self, mut reply: Reply) -> Reply {
        wire::set_header(
            &mut reply,
            header::WWW_AUTHENTICATE.as_str(),
            &self.challenge,
        );
        reply
    }
}

/// The access token a request presents, checked against the sandbox clock.
pub(crate) fn bearer(shared: &Shared, request: &Request) -> Result<AccessRecord, BearerFailure> {
    let in_query = wire::parse_pairs_lossy(request.raw_query.as_bytes())
        .iter()
        .any(|(key, _)| key == "access_token");
    if in_query {
        return Err(BearerFailure::InQuery);
    }
    let Some(value) = request.header(header::AUTHORIZATION.as_str()) else {
        return Err(BearerFailure::Missing);
    };
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(BearerFailure::Missing);
    }
    let token = token.trim();
    if token.is_empty() || token.contains(' ') {
        return Err(BearerFailure::Malformed);
    }
    shared
        .state()
        .check_access(token, shared.clock.elapsed())
        .cloned()
        .map_err(BearerFailure::Invalid)
}

/// The outcome of counting a request against its client's budget.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RateStatus {
    pub(crate) limit: u32,
    pub(crate) remaining: u32,
    /// Seconds (sandbox wall clock, Unix epoch) when the window ends.
    pub(crate) reset: u64,
    pub(crate) exceeded: bool,
}

/// Counts a request for `client_id` when a rate limit is configured.
///
/// The window is one second of the sandbox clock, so `Sandbox::advance`
/// opens a new one.
pub(crate) fn rate(shared: &Shared, client_id: &str) -> Option<RateStatus> {
    let limit = shared.rate_limit?;
    let elapsed = shared.clock.elapsed();
    let result = shared.state().take_rate(client_id, limit, elapsed);
    let reset = shared.clock.epoch().saturating_add(1);
    Some(match result {
        Ok(remaining) => RateStatus {
            limit,
            remaining,
            reset,
            exceeded: false,
        },
        Err(()) => RateStatus {
            limit,
            remaining: 0,
            reset,
            exceeded: true,
        },
    })
}

/// The generic profile's API: `GET /api/me`, `POST /api/echo`,
/// `GET /api/scope/{scope}`.
pub(crate) fn route(shared: &Shared, request: &Request) -> Reply {
    let path = request.path.as_str();
    let known = path == "/api/me" || path == "/api/echo" || path.starts_with("/api/scope/");
    if !known {
        return wire::json(
            StatusCode::NOT_FOUND,
            &json!({ "error": "not_found", "error_description": format!("no endpoint at {path}") }),
        );
    }
    let token = match bearer(shared, request) {
        Ok(token) => token,
        Err(failure) => return failure.refusal().to_reply(),
    };
    if let Some(status) = rate(shared, &token.client_id)
        && status.exceeded
    {
        let mut reply = wire::json(
            StatusCode::TOO_MANY_REQUESTS,
            &json!({ "error": "rate_limited", "error_description": "too many requests; retry after the current second" }),
        );
        wire::set_header(&mut reply, header::RETRY_AFTER.as_str(), "1");
        return reply;
    }
    match (path, &request.method) {
        ("/api/me", &Method::GET) => me(shared, &token),
        ("/api/echo", &Method::POST) => echo(request),
        (_, &Method::GET) if path.starts_with("/api/scope/") => {
            let scope = &path["/api/scope/".len()..];
            if token.scopes.iter().any(|s| s == scope) {
                wire::json(StatusCode::OK, &json!({ "scope": scope, "granted": true }))
            } else {
                insufficient_scope(scope, &format!("the token lacks the {scope} scope")).to_reply()
            }
        }
        ("/api/echo", _) => crate::oauth::method_not_allowed("POST"),
        _ => crate::oauth::method_not_allowed("GET"),
    }
}

fn me(shared: &Shared, token: &AccessRecord) -> Reply {
    let state = shared.state();
    let body = match token.user.and_then(|u| state.users.get(u)) {
        Some(user) => json!({
            "sub": user.id.to_string(),
            "login": user.config.login,
            "name": user.name,
            "email": user.email,
            "client_id": token.client_id,
            "scope": token.scopes.join(" "),
        }),
        None => json!({
            "sub": token.client_id,
            "client_id": token.client_id,
            "scope": token.scopes.join(" "),
        }),
    };
    wire::json(StatusCode::OK, &body)
}

fn echo(request: &Request) -> Reply {
    match serde_json::from_slice::<Value>(&request.body) {
        Ok(value) => wire::json(StatusCode::OK, &value),
        Err(error) => wire::json(
            StatusCode::BAD_REQUEST,
            &json!({ "error": "invalid_request", "error_description": format!("the body is not json: {error}") }),
        ),
    }
}
