//! Token introspection (RFC 7662): asking the server whether a token is
//! active, and what it grants.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::answer::{json_kind, json_object_answer};
use crate::client::Client;
use crate::error::{ConfigError, Endpoint, Error};
use crate::revocation::TokenRef;

/// The server's answer about a token (RFC 7662 §2.2). An inactive token
/// (expired, revoked, unknown, or not the caller's to see) has only
/// `active == false`.
#[derive(Clone)]
#[non_exhaustive]
pub struct Introspection {
    /// Whether the token is active.
    pub active: bool,
    /// The scopes it grants.
    pub scopes: Option<Vec<String>>,
    /// The client it was issued to.
    pub client_id: Option<String>,
    /// The resource owner's human-readable name.
    pub username: Option<String>,
    /// Its type, such as `Bearer`.
    pub token_type: Option<String>,
    /// When it expires.
    pub expires_at: Option<SystemTime>,
    /// When it was issued.
    pub issued_at: Option<SystemTime>,
    /// Not to be used before.
    pub not_before: Option<SystemTime>,
    /// The subject (resource owner, or client for an app token).
    pub sub: Option<String>,
    /// Its audiences.
    pub aud: Vec<String>,
    /// Its issuer.
    pub iss: Option<String>,
    /// Its identifier.
    pub jti: Option<String>,
    /// Members this type does not name.
    pub extra: Map<String, Value>,
}

impl fmt::Debug for Introspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Unknown members may hold secrets of their own: show their names.
        let extra: Vec<&str> = self.extra.keys().map(String::as_str).collect();
        f.debug_struct("Introspection")
            .field("active", &self.active)
            .field("scopes", &self.scopes)
            .field("client_id", &self.client_id)
            .field("username", &self.username)
            .field("token_type", &self.token_type)
            .field("expires_at", &self.expires_at)
            .field("issued_at", &self.issued_at)
            .field("not_before", &self.not_before)
            .field("sub", &self.sub)
            .field("aud", &self.aud)
            .field("iss", &self.iss)
            .field("jti", &self.jti)
            .field("extra", &extra)
            .finish()
    }
}

impl Client {
    /// Asks the provider's introspection endpoint (RFC 7662) about a token,
    /// with this client's authentication.
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
    /// # let token = client.client_credentials(&[]).await?;
    /// # let provider = oauth_core::GenericProvider::new(
    /// #     sandbox.authorization_endpoint().as_str(), sandbox.token_endpoint().as_str())?
    /// #     .with_endpoints(oauth_core::Endpoints::new(
    /// #         sandbox.authorization_endpoint().as_str(), sandbox.token_endpoint().as_str())?
    /// #         .with_introspection(sandbox.oauth_url().join("introspect")?.as_str())?);
    /// # let client = oauth_core::Client::builder(provider, "my-client-id")
    /// #     .client_secret("my-client-secret").build()?;
    /// let answer = client.introspect(token.access_token()).await?;
    /// if !answer.active {
    ///     // Expired or revoked: get a new token.
    /// }
    /// # assert!(answer.active);
    /// # Ok(()) }
    /// # #[cfg(not(any(feature = "reqwest", feature = "hyper")))] fn main() {}
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] when the provider has no introspection endpoint;
    /// [`Error::Server`] (such as `invalid_client`), [`Error::Http`] and
    /// [`Error::Transport`]; [`Error::Parse`] naming the field for an
    /// answer that is not an RFC 7662 object.
    pub async fn introspect<'a>(
        &self,
        token: impl Into<TokenRef<'a>>,
    ) -> Result<Introspection, Error> {
        let token = token.into();
        let url = self
            .provider()
            .endpoints()
            .introspection()
            .ok_or(ConfigError::NoEndpoint("introspection"))?;
        let endpoint = Endpoint::new("introspection", url);
        let (response, sent) = self
            .post_form(
                &endpoint,
                url,
                &[
                    ("token", token.secret()),
                    ("token_type_hint", token.type_hint()),
                ],
            )
            .await?;
        parse_introspection(&endpoint, &response).map_err(|e| e.masking(&sent))
    }
}

pub(crate) fn parse_introspection(
    endpoint: &Endpoint,
    response: &http::Response<bytes::Bytes>,
) -> Result<Introspection, Error> {
    let (mut fields, errors) = json_object_answer(endpoint, response)?;
    let fail = |field: Option<&str>, message: String| errors.field(field, message);
    let field_error = |(field, message): (&str, String)| fail(Some(field), message);
    let active = match fields.remove("active") {
        Some(Value::Bool(active)) => active,
        // Some servers send the boolean as a string.
        Some(Value::String(s)) if s == "true" => true,
        Some(Value::String(s)) if s == "false" => false,
        Some(other) => {
            return Err(fail(
                Some("active"),
                format!("expected a boolean, got {}", describe(&other)),
            ));
        }
        None => return Err(fail(Some("active"), "missing".into())),
    };
    let scopes = optional_string(&mut fields, "scope")
        .map_err(field_error)?
        .map(|s| s.split_whitespace().map(str::to_owned).collect());
    let aud = match fields.remove("aud") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s],
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s),
                other => Err(fail(
                    Some(&format!("aud[{i}]")),
                    format!("expected a string, got {}", describe(&other)),
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(fail(
                Some("aud"),
                format!("expected a string or an array, got {}", describe(&other)),
            ));
        }
    };
    Ok(Introspection {
        active,
        scopes,
        client_id: optional_string(&mut fields, "client_id").map_err(field_error)?,
        username: optional_string(&mut fields, "username").map_err(field_error)?,
        token_type: optional_string(&mut fields, "token_type").map_err(field_error)?,
        expires_at: optional_time(&mut fields, "exp").map_err(field_error)?,
        issued_at: optional_time(&mut fields, "iat").map_err(field_error)?,
        not_before: optional_time(&mut fields, "nbf").map_err(field_error)?,
        sub: optional_string(&mut fields, "sub").map_err(field_error)?,
        aud,
        iss: optional_string(&mut fields, "iss").map_err(field_error)?,
        jti: optional_string(&mut fields, "jti").map_err(field_error)?,
        extra: fields,
    })
}

type FieldError = (&'static str, String);

fn optional_string(
    fields: &mut Map<String, Value>,
    name: &'static str,
) -> Result<Option<String>, FieldError> {
    match fields.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err((name, format!("expected a string, got {}", describe(&other)))),
    }
}

/// A NumericDate (seconds since the epoch, RFC 7519 §2).
pub(crate) fn numeric_date(value: &Value) -> Option<SystemTime> {
    let seconds = match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(truncate)
        }),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }?;
    UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // Checked finite and non-negative; fractions of a second do not matter.
fn truncate(seconds: f64) -> u64 {
    seconds as u64
}

fn optional_time(
    fields: &mut Map<String, Value>,
    name: &'static str,
) -> Result<Option<SystemTime>, FieldError> {
    match fields.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => numeric_date(&value).map(Some).ok_or_else(|| {
            (
                name,
                format!("expected seconds since the epoch, got {}", describe(&value)),
            )
        }),
    }
}

/// A misfit as shown in an error: booleans and numbers as they are (they
/// hold no secret), anything else by its kind.
fn describe(value: &Value) -> String {
    match value {
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => json_kind(other).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> http::Response<bytes::Bytes> {
        http::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(body.as_bytes().to_vec().into())
            .expect("response")
    }

    fn endpoint() -> Endpoint {
        Endpoint::new(
            "introspection",
            &url::Url::parse("https://id.example.com/introspect").expect("url"),
        )
    }

    #[test]
    fn active_answer_is_typed() {
        let parsed = parse_introspection(
            &endpoint(),
            &answer(
                200,
                r#"{"active":true,"scope":"a b","client_id":"c","exp":1700000000,"iat":1699990000.5,"aud":["x","y"],"sub":"alice","custom":1}"#,
            ),
        )
        .expect("parses");
        assert!(parsed.active);
        assert_eq!(parsed.scopes, Some(vec!["a".into(), "b".into()]));
        assert_eq!(parsed.client_id.as_deref(), Some("c"));
        assert_eq!(
            parsed.expires_at,
            Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        );
        assert_eq!(
            parsed.issued_at,
            Some(UNIX_EPOCH + Duration::from_secs(1_699_990_000))
        );
        assert_eq!(parsed.aud, vec!["x".to_owned(), "y".to_owned()]);
        assert_eq!(parsed.extra.keys().collect::<Vec<_>>(), vec!["custom"]);
    }

    #[test]
    fn active_as_a_string_and_debug_naming_unknown_members_only() {
        for (active, expected) in [("true", true), ("false", false)] {
            let body = format!(r#"{{"active":"{active}","token":"t0ps3cret"}}"#);
            let parsed = parse_introspection(&endpoint(), &answer(200, &body)).expect("parses");
            assert_eq!(parsed.active, expected, "{body}");
            let shown = format!("{parsed:?}");
            assert!(
                shown.starts_with(&format!(
                    "Introspection {{ active: {expected}, scopes: None"
                )),
                "{shown}"
            );
            assert!(shown.ends_with(r#"extra: ["token"] }"#), "{shown}");
            assert!(!shown.contains("t0ps3cret"), "{shown}");
        }
    }

    #[test]
    fn numeric_dates_are_whole_seconds_from_numbers_and_digit_strings() {
        let at = |s: u64| Some(UNIX_EPOCH + Duration::from_secs(s));
        let cases = [
            (serde_json::json!(1_700_000_000), at(1_700_000_000)),
            (serde_json::json!(1_700_000_000.9), at(1_700_000_000)),
            (serde_json::json!(" 1700000000 "), at(1_700_000_000)),
            (serde_json::json!(-5.5), None),
            (serde_json::json!(-5), None),
            (serde_json::json!("soon"), None),
            (serde_json::json!(true), None),
            // Past what the clock can hold.
            (serde_json::json!(1e300), None),
        ];
        for (value, expected) in cases {
            assert_eq!(numeric_date(&value), expected, "{value}");
        }
    }

    #[test]
    fn inactive_answer() {
        let parsed =
            parse_introspection(&endpoint(), &answer(200, r#"{"active":false}"#)).expect("parses");
        assert!(!parsed.active);
        assert_eq!(parsed.scopes, None);
    }

    #[test]
    fn malformed_answers_name_the_field() {
        for (body, field, message) in [
            (r#"{"scope":"a"}"#, Some("active"), "missing"),
            (
                r#"{"active":"yes"}"#,
                Some("active"),
                "expected a boolean, got a string",
            ),
            (
                r#"{"active":null}"#,
                Some("active"),
                "expected a boolean, got null",
            ),
            (
                r#"{"active":1}"#,
                Some("active"),
                "expected a boolean, got 1",
            ),
            (
                r#"{"active":true,"exp":"tomorrow"}"#,
                Some("exp"),
                "expected seconds since the epoch, got a string",
            ),
            (
                r#"{"active":true,"aud":[1]}"#,
                Some("aud[0]"),
                "expected a string, got 1",
            ),
            (
                r#"{"active":true,"aud":false}"#,
                Some("aud"),
                "expected a string or an array, got false",
            ),
            (
                r#"{"active":true,"scope":["a"]}"#,
                Some("scope"),
                "expected a string, got an array",
            ),
            (
                r#"{"active":true,"sub":{}}"#,
                Some("sub"),
                "expected a string, got an object",
            ),
            ("[]", None, "expected a JSON object"),
        ] {
            match parse_introspection(&endpoint(), &answer(200, body)) {
                Err(Error::Parse(e)) => {
                    assert_eq!(e.field.as_deref(), field, "{body}");
                    assert_eq!(e.message, message, "{body}");
                }
                other => panic!("{body}: {other:?}"),
            }
        }
        match parse_introspection(&endpoint(), &answer(200, "not json")) {
            Err(Error::Parse(e)) => assert_eq!(e.field, None),
            other => panic!("not json: {other:?}"),
        }
    }

    #[test]
    fn server_errors_are_typed() {
        let error = parse_introspection(&endpoint(), &answer(401, r#"{"error":"invalid_client"}"#))
            .expect_err("an error");
        assert_eq!(
            error.server_error().map(|e| e.error.clone()),
            Some(crate::ErrorCode::InvalidClient)
        );
    }
}
