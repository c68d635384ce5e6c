//! The device authorization grant (RFC 8628): sign-in on another device
//! for TVs, consoles and command-line tools.

use std::fmt;
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::time::Instant;
use url::Url;

use crate::answer::json_object_answer;
use crate::client::Client;
use crate::error::{ConfigError, Endpoint, Error, ErrorCode};
use crate::token::Token;
use crate::url_policy::display_without_query;

/// The `grant_type` of the device access token request (RFC 8628 §3.4).
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The polling interval when the server names none (RFC 8628 §3.2).
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// Never poll faster than this, whatever the server says.
const MIN_INTERVAL: Duration = Duration::from_secs(1);
/// How much longer to wait after each `slow_down` (RFC 8628 §3.5).
const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// A device code (RFC 8628): the secret the device polls with.
///
/// Its `Debug` output is redacted and it has no `Display`; read the value
/// with [`secret`](Self::secret).
#[derive(Clone)]
pub struct DeviceCode(String);

impl DeviceCode {
    /// The secret value itself.
    ///
    /// # Security
    /// Whatever you do with this string, keep it out of logs, error
    /// messages and URLs.
    #[must_use]
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DeviceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceCode([redacted])")
    }
}

/// The server's answer to a device authorization request: what to show the
/// user, and what to poll with.
#[derive(Clone)]
pub struct DeviceAuthorization {
    device_code: DeviceCode,
    user_code: String,
    verification_uri: Url,
    verification_uri_complete: Option<Url>,
    expires_in: Duration,
    interval: Duration,
    /// When the codes expire: received plus `expires_in`.
    deadline: Instant,
    extra: Map<String, Value>,
}

impl fmt::Debug for DeviceAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceAuthorization")
            .field("device_code", &self.device_code)
            .field("user_code", &"[redacted]")
            .field("verification_uri", &self.verification_uri.as_str())
            .field(
                "verification_uri_complete",
                // Its query holds the user code.
                &self
                    .verification_uri_complete
                    .as_ref()
                    .map(display_without_query),
            )
            .field("expires_in", &self.expires_in)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

impl DeviceAuthorization {
    /// The device code the client polls with.
    #[must_use]
    pub fn device_code(&self) -> &DeviceCode {
        &self.device_code
    }

    /// The code the user types at [`verification_uri`](Self::verification_uri).
    /// Show it to the user only.
    #[must_use]
    pub fn user_code(&self) -> &str {
        &self.user_code
    }

    /// Where the user goes to enter the code.
    #[must_use]
    pub fn verification_uri(&self) -> &Url {
        &self.verification_uri
    }

    /// The verification URI with the code filled in (for a QR code), if the
    /// server sent one.
    #[must_use]
    pub fn verification_uri_complete(&self) -> Option<&Url> {
        self.verification_uri_complete.as_ref()
    }

    /// How long the codes were valid when they were issued.
    #[must_use]
    pub fn expires_in(&self) -> Duration {
        self.expires_in
    }

    /// How long to wait between polls (the server's `interval`, 5 seconds
    /// when it sent none, never under 1 second).
    #[must_use]
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Members of the answer this type does not name.
    #[must_use]
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }
}

impl Client {
    /// Starts the device authorization grant (RFC 8628 §3.1): asks the
    /// provider's device authorization endpoint for a device code and a
    /// user code. Show the user [`DeviceAuthorization::verification_uri`]
    /// and [`DeviceAuthorization::user_code`], then call
    /// [`Client::poll_device_token`].
    ///
    /// (Compiled, not run: the sandbox has no device endpoint; the interop tests run this flow against oidc-provider (`tests/interop/device.rs`).)
    ///
    /// ```no_run
    /// # async fn run(client: oauth_core::Client) -> Result<(), oauth_core::Error> {
    /// let device = client.device_authorization(&["openid", "offline_access"]).await?;
    /// eprintln!("open {} and enter {}", device.verification_uri(), device.user_code());
    /// let token = client.poll_device_token(&device).await?;
    /// # let _ = token;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] when the provider has no device authorization
    /// endpoint; [`Error::Server`] (such as `invalid_client` or
    /// `invalid_scope`), [`Error::Http`], [`Error::Transport`];
    /// [`Error::Parse`] naming the field of a malformed answer.
    pub async fn device_authorization(
        &self,
        scopes: &[&str],
    ) -> Result<DeviceAuthorization, Error> {
        let url = self
            .provider()
            .endpoints()
            .device_authorization()
            .ok_or(ConfigError::NoEndpoint("device authorization"))?;
        let endpoint = Endpoint::new("device authorization", url);
        let scope = scopes.join(self.provider().scope_separator());
        let mut params = Vec::new();
        if !scope.is_empty() {
            params.push(("scope", scope.as_str()));
        }
        let (response, sent) = self.post_form(&endpoint, url, &params).await?;
        parse_device_authorization(&endpoint, &response, Instant::now())
            .map_err(|e| e.masking(&sent))
    }

    /// Polls the token endpoint until the user has approved or denied the
    /// device (RFC 8628 §3.4, §3.5): waits `interval` before each request,
    /// keeps waiting on `authorization_pending`, waits 5 seconds longer
    /// after each `slow_down`.
    ///
    /// Dropping the future stops polling.
    ///
    /// # Errors
    /// [`Error::AuthorizationDenied`] with `access_denied` when the user
    /// declined; [`Error::Server`] with `expired_token` when the codes
    /// expired, or with `authorization_pending` when the codes' lifetime
    /// passed while the server still said pending; any other error of the
    /// token request as it came.
    pub async fn poll_device_token(&self, device: &DeviceAuthorization) -> Result<Token, Error> {
        let deadline = device.deadline;
        let mut interval = device.interval;
        loop {
            // Never past the codes' deadline: one last poll there lets the
            // server say how it ended.
            let remaining = deadline.saturating_duration_since(Instant::now());
            tokio::time::sleep(interval.min(remaining)).await;
            let error = match self.device_token_once(device).await {
                Ok(token) => return Ok(token),
                Err(error) => error,
            };
            let code = error.server_error().map(|e| e.error.clone());
            match code {
                Some(ErrorCode::AuthorizationPending) => {}
                Some(ErrorCode::SlowDown) => interval = interval.saturating_add(SLOW_DOWN_STEP),
                Some(ErrorCode::AccessDenied) => {
                    return Err(match error {
                        Error::Server { error, .. } => Error::AuthorizationDenied(error),
                        other => other,
                    });
                }
                _ => return Err(error),
            }
            if Instant::now() >= deadline {
                return Err(error);
            }
        }
    }

    /// One device access token request, for callers that run their own
    /// polling loop: `authorization_pending` and `slow_down` come back as
    /// [`Error::Server`].
    ///
    /// # Errors
    /// The errors of the token request.
    pub async fn device_token_once(&self, device: &DeviceAuthorization) -> Result<Token, Error> {
        self.request_token(&[
            ("grant_type", DEVICE_CODE_GRANT),
            ("device_code", device.device_code.secret()),
        ])
        .await
    }
}

pub(crate) fn parse_device_authorization(
    endpoint: &Endpoint,
    response: &http::Response<bytes::Bytes>,
    received_at: Instant,
) -> Result<DeviceAuthorization, Error> {
    let (mut fields, errors) = json_object_answer(endpoint, response)?;
    let fail = |field: Option<&str>, message: String| errors.field(field, message);
    let mut string = |name: &'static str| match fields.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Err(fail(Some(name), "empty".into())),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(fail(Some(name), "expected a string".into())),
    };
    let device_code =
        string("device_code")?.ok_or_else(|| fail(Some("device_code"), "missing".into()))?;
    let user_code =
        string("user_code")?.ok_or_else(|| fail(Some("user_code"), "missing".into()))?;
    // Some servers spell it `verification_url` (an early draft's name).
    let verification_uri = match string("verification_uri")? {
        Some(uri) => ("verification_uri", uri),
        None => (
            "verification_url",
            string("verification_url")?
                .ok_or_else(|| fail(Some("verification_uri"), "missing".into()))?,
        ),
    };
    let verification_uri_complete = string("verification_uri_complete")?;
    // The user is sent there: a web page, never `javascript:` or a file.
    let parse_url = |(name, value): (&str, String)| match Url::parse(&value) {
        Ok(url) if matches!(url.scheme(), "https" | "http") => Ok(url),
        Ok(url) => Err(fail(
            Some(name),
            format!("expected an https URL, got a `{}:` URL", url.scheme()),
        )),
        Err(e) => Err(fail(Some(name), format!("expected a URL: {e}"))),
    };
    let verification_uri = parse_url(verification_uri)?;
    let verification_uri_complete = verification_uri_complete
        .map(|uri| parse_url(("verification_uri_complete", uri)))
        .transpose()?;
    let mut seconds = |name: &'static str| match fields.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => whole_seconds(&value)
            .map(|s| Some(Duration::from_secs(s)))
            .ok_or_else(|| fail(Some(name), "expected a whole number of seconds".into())),
    };
    let expires_in =
        seconds("expires_in")?.ok_or_else(|| fail(Some("expires_in"), "missing".into()))?;
    let deadline = received_at.checked_add(expires_in).ok_or_else(|| {
        fail(
            Some("expires_in"),
            format!("{} seconds is out of range", expires_in.as_secs()),
        )
    })?;
    let interval = seconds("interval")?
        .unwrap_or(DEFAULT_INTERVAL)
        .max(MIN_INTERVAL);
    Ok(DeviceAuthorization {
        device_code: DeviceCode(device_code),
        user_code,
        verification_uri,
        verification_uri_complete,
        expires_in,
        interval,
        deadline,
        extra: fields,
    })
}

/// A whole number of seconds from a JSON number or numeric string.
fn whole_seconds(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<DeviceAuthorization, Error> {
        let url = Url::parse("https://id.example/device?tenant=x").expect("url");
        let response = http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(body.as_bytes().to_vec().into())
            .expect("response");
        parse_device_authorization(&Endpoint::new("device", &url), &response, Instant::now())
    }

    /// The field and message of a parse error.
    fn refusal(body: &str) -> (Option<String>, String) {
        match parse(body) {
            Err(Error::Parse(e)) => (e.field, e.message),
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    const FULL: &str = r#"{
        "device_code": "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS",
        "user_code": "WDJB-MJHT",
        "verification_uri": "https://id.example/device",
        "verification_uri_complete": "https://id.example/device?user_code=WDJB-MJHT",
        "expires_in": 1800,
        "interval": "7",
        "tenant": "north"
    }"#;

    #[test]
    fn every_member_is_read() {
        let device = parse(FULL).expect("device answer");
        assert_eq!(
            device.device_code().secret(),
            "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS"
        );
        assert_eq!(device.user_code(), "WDJB-MJHT");
        assert_eq!(
            device.verification_uri().as_str(),
            "https://id.example/device"
        );
        assert_eq!(
            device.verification_uri_complete().map(Url::as_str),
            Some("https://id.example/device?user_code=WDJB-MJHT")
        );
        assert_eq!(device.expires_in(), Duration::from_secs(1800));
        assert_eq!(
            device.interval(),
            Duration::from_secs(7),
            "a numeric string"
        );
        assert_eq!(device.extra().get("tenant"), Some(&Value::from("north")));
        assert!(
            device.extra().get("device_code").is_none(),
            "named members are taken out"
        );
    }

    #[test]
    fn debug_shows_neither_code() {
        let device = parse(FULL).expect("device answer");
        let shown = format!("{device:?}");
        assert_eq!(
            shown,
            "DeviceAuthorization { device_code: DeviceCode([redacted]), \
             user_code: \"[redacted]\", verification_uri: \"https://id.example/device\", \
             verification_uri_complete: Some(\"https://id.example/device\"), \
             expires_in: 1800s, interval: 7s, .. }"
        );
        assert_eq!(
            format!("{:?}", device.device_code()),
            "DeviceCode([redacted])"
        );
    }

    #[test]
    fn the_interval_defaults_to_five_seconds_and_is_never_under_one() {
        let answer = |interval: &str| {
            format!(
                r#"{{"device_code":"d","user_code":"u","verification_url":"https://id.example/d",
                    "expires_in":600{interval}}}"#
            )
        };
        let device = parse(&answer("")).expect("no interval");
        assert_eq!(device.interval(), Duration::from_secs(5));
        assert_eq!(
            device.verification_uri().as_str(),
            "https://id.example/d",
            "the early drafts' `verification_url`"
        );
        assert!(device.verification_uri_complete().is_none());
        let device = parse(&answer(r#","interval":0"#)).expect("zero interval");
        assert_eq!(device.interval(), Duration::from_secs(1));
        let device = parse(&answer(r#","interval":null"#)).expect("null interval");
        assert_eq!(device.interval(), Duration::from_secs(5));
    }

    #[test]
    fn bad_members_are_named() {
        let cases: &[(&str, &str, &str)] = &[
            (
                r#"{"user_code":"u","verification_uri":"https://a.example/","expires_in":60}"#,
                "device_code",
                "missing",
            ),
            (
                r#"{"device_code":"","user_code":"u","verification_uri":"https://a.example/","expires_in":60}"#,
                "device_code",
                "empty",
            ),
            (
                r#"{"device_code":"d","user_code":7,"verification_uri":"https://a.example/","expires_in":60}"#,
                "user_code",
                "expected a string",
            ),
            (
                r#"{"device_code":"d","user_code":"u","expires_in":60}"#,
                "verification_uri",
                "missing",
            ),
            (
                r#"{"device_code":"d","user_code":"u","verification_uri":"javascript:alert(1)","expires_in":60}"#,
                "verification_uri",
                "expected an https URL, got a `javascript:` URL",
            ),
            (
                r#"{"device_code":"d","user_code":"u","verification_uri":"https://a.example/","verification_uri_complete":"file:///etc/passwd","expires_in":60}"#,
                "verification_uri_complete",
                "expected an https URL, got a `file:` URL",
            ),
            (
                r#"{"device_code":"d","user_code":"u","verification_uri":"https://a.example/"}"#,
                "expires_in",
                "missing",
            ),
            (
                r#"{"device_code":"d","user_code":"u","verification_uri":"https://a.example/","expires_in":-5}"#,
                "expires_in",
                "expected a whole number of seconds",
            ),
            (
                r#"{"device_code":"d","user_code":"u","verification_uri":"https://a.example/","expires_in":60,"interval":"soon"}"#,
                "interval",
                "expected a whole number of seconds",
            ),
        ];
        for (body, field, message) in cases {
            assert_eq!(
                refusal(body),
                (Some((*field).to_owned()), (*message).to_owned()),
                "{body}"
            );
        }
        let (field, message) = refusal(
            r#"{"device_code":"d","user_code":"u","verification_uri":"nowhere","expires_in":60}"#,
        );
        assert_eq!(field.as_deref(), Some("verification_uri"));
        assert!(message.starts_with("expected a URL: "), "{message}");
    }

    #[test]
    fn whole_seconds_come_from_numbers_and_numeric_strings() {
        assert_eq!(whole_seconds(&Value::from(30)), Some(30));
        assert_eq!(whole_seconds(&Value::from(" 30 ")), Some(30));
        assert_eq!(whole_seconds(&Value::from(1.5)), None);
        assert_eq!(whole_seconds(&Value::from("1.5")), None);
        assert_eq!(whole_seconds(&Value::Bool(true)), None);
    }
}
