//! Reading an OAuth endpoint's answer: its fields (a JSON object, or a
//! form-encoded body where servers send one), the RFC 6749 §5.2 error in
//! them or in a `Bearer` challenge, and parse errors that name the member
//! and never quote a value.

use serde_json::{Map, Value};

use crate::challenge::BearerChallenge;
use crate::error::{Endpoint, Error, ParseError, ServerError};
use crate::redact;

/// Turns a non-success answer into the server's OAuth error when it sent
/// one (in the body, or for a resource server in its `WWW-Authenticate`
/// `Bearer` challenge), else into [`Error::Http`].
pub(crate) fn error_from_response(
    endpoint: &Endpoint,
    response: &http::Response<bytes::Bytes>,
) -> Error {
    let status = response.status();
    let from_body = || answer_fields(response).and_then(|fields| server_error_from(&fields));
    let from_challenge = || {
        BearerChallenge::from_headers(response.headers())
            .as_ref()
            .and_then(BearerChallenge::server_error)
    };
    if let Some(error) = from_body().or_else(from_challenge) {
        return Error::Server {
            endpoint: endpoint.clone(),
            status,
            error,
        };
    }
    Error::Http {
        endpoint: endpoint.clone(),
        status,
        excerpt: redact::excerpt(response.body()),
    }
}

/// The JSON object of a successful answer from an OAuth endpoint other than
/// the token endpoint (device authorization, introspection), and the means
/// to report a member of it that cannot be used.
///
/// An error status, or an RFC 6749 §5.2 error body even with a success
/// status, becomes the server's error; a body that is not a JSON object, a
/// parse error.
pub(crate) fn json_object_answer<'a>(
    endpoint: &'a Endpoint,
    response: &'a http::Response<bytes::Bytes>,
) -> Result<(Map<String, Value>, FieldErrors<'a>), Error> {
    let status = response.status();
    if !status.is_success() {
        return Err(error_from_response(endpoint, response));
    }
    let errors = FieldErrors { endpoint, response };
    let fields = match serde_json::from_slice::<Value>(response.body()) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(errors.field(None, "expected a JSON object".into())),
        Err(e) => return Err(errors.field(None, format!("expected a JSON object: {e}"))),
    };
    if let Some(error) = server_error_from(&fields) {
        return Err(Error::Server {
            endpoint: endpoint.clone(),
            status,
            error,
        });
    }
    Ok((fields, errors))
}

/// Turns a problem with an answer's member into a [`ParseError`] naming the
/// endpoint, status and member, with a redacted excerpt of the body.
pub(crate) struct FieldErrors<'a> {
    endpoint: &'a Endpoint,
    response: &'a http::Response<bytes::Bytes>,
}

impl FieldErrors<'_> {
    pub(crate) fn field(&self, field: Option<&str>, message: String) -> Error {
        Error::Parse(ParseError {
            endpoint: self.endpoint.clone(),
            status: self.response.status(),
            field: field.map(str::to_owned),
            message,
            excerpt: redact::excerpt(self.response.body()),
        })
    }
}

/// The answer's fields, from a JSON object or a form-encoded body.
pub(crate) fn answer_fields(response: &http::Response<bytes::Bytes>) -> Option<Map<String, Value>> {
    let body = response.body();
    if is_form_encoded(response) {
        return Some(form_fields(body));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Some(map),
        // Some servers send a form-encoded answer under a JSON or text type.
        Err(_) if looks_like_form(body) => Some(form_fields(body)),
        Ok(_) | Err(_) => None,
    }
}

fn is_form_encoded(response: &http::Response<bytes::Bytes>) -> bool {
    response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        })
}

pub(crate) fn looks_like_form(body: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(body) else {
        return false;
    };
    let text = text.trim();
    !text.is_empty()
        && !text.contains(char::is_whitespace)
        && text.split('&').all(|pair| pair.contains('='))
        && (text.contains("access_token=") || text.contains("error="))
}

fn form_fields(body: &[u8]) -> Map<String, Value> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect()
}

pub(crate) fn describe_body(response: &http::Response<bytes::Bytes>) -> String {
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no content type");
    match serde_json::from_slice::<Value>(response.body()) {
        Ok(Value::Array(_)) => "a JSON array".to_owned(),
        Ok(Value::String(_)) => "a JSON string".to_owned(),
        Ok(_) => "a JSON scalar".to_owned(),
        Err(e) if e.is_eof() => format!("truncated JSON ({content_type})"),
        Err(_) => format!("a body that is not JSON ({content_type})"),
    }
}

/// The RFC 6749 §5.2 error in an answer's fields, if there is one.
pub(crate) fn server_error_from(fields: &Map<String, Value>) -> Option<ServerError> {
    let code = fields.get("error")?.as_str()?;
    let text = |name: &str| fields.get(name).and_then(Value::as_str);
    Some(ServerError::from_wire(
        code,
        text("error_description"),
        text("error_uri"),
    ))
}

/// What kind of JSON value this is, for an error that must not quote it.
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_body_shaped_like_a_token_form_passes_for_one() {
        for (body, form) in [
            ("access_token=AT&token_type=bearer", true),
            ("error=invalid_grant", true),
            (" access_token=AT ", true),
            ("", false),
            ("scope=a", false),
            ("access_token=A T", false),
            ("access_token=AT&verbose", false),
            ("hello", false),
        ] {
            assert_eq!(looks_like_form(body.as_bytes()), form, "{body:?}");
        }
    }
}
