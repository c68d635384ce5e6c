//! The typed RingPlus API: one method per endpoint, answers parsed into
//! models, pages walked, rate limits read and waited out,
//! and RingPlus's error shapes turned into [`ApiError`].

mod models;
mod pages;
mod params;
mod serde_time;

use oauth_core::ConfigError;
use std::time::SystemTime;

use oauth_core::http::header::{ACCEPT, CONTENT_TYPE};
use oauth_core::http::{HeaderMap, Method, StatusCode};
use oauth_core::transport::HttpResponse;
use oauth_core::url::Url;
use oauth_core::{Endpoint, ParseError, display_without_query};
use serde::de::DeserializeOwned;
use serde_json::Value;
use time::OffsetDateTime;

pub use self::models::*;
pub use self::pages::{Page, PageMeta, Pages};
pub use self::params::{AccountRegistration, AccountUpdate, UsageQuery, UserUpdate};

use self::params::WriteParams;
use crate::Error;
use crate::error::{ApiError, ApiErrorBody, FieldError};
use crate::handler::OAuthHandler;
use crate::provider::MEDIA_TYPE;

/// The endpoint name API calls carry in trace events and errors.
const ENDPOINT: &str = "ringplus api";

/// The RingPlus API, called with an [`OAuthHandler`]'s token.
///
/// Every request accepts `application/vnd.ringplus.v1` and goes through
/// the handler's [`Session`](oauth_core::Session), which carries the token
/// in the `Authorization` header only, refreshes it shortly before it
/// expires, renews it once after a `401`, and retries an idempotent
/// request (`GET`, `PUT`, `DELETE`) after a `429`'s `retry-after` (and
/// after `502`/`503`/`504`) as the handler's
/// [retry policy](crate::OAuthHandlerBuilder::retry) says. A `429` left
/// after that is [`Error::RateLimited`].
///
/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct Api {
    handler: OAuthHandler,
}

/// The API's rate-limit headers: `x-rate-limit-limit`,
/// `x-rate-limit-remaining`, `x-rate-limit-reset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// Requests allowed in the window, if sent.
    pub limit: Option<u32>,
    /// Requests left in the window.
    pub remaining: u32,
    /// When the window ends, if sent.
    pub reset: Option<OffsetDateTime>,
}

impl RateLimit {
    /// Reads the headers; `None` without `x-rate-limit-remaining`.
    #[must_use]
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let number =
            |name: &str| -> Option<u64> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
        let remaining = u32::try_from(number("x-rate-limit-remaining")?).ok()?;
        Some(RateLimit {
            limit: number("x-rate-limit-limit").and_then(|n| u32::try_from(n).ok()),
            remaining,
            reset: number("x-rate-limit-reset")
                .and_then(|s| i64::try_from(s).ok())
                .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok()),
        })
    }
}

impl Api {
    pub(crate) fn new(handler: OAuthHandler) -> Self {
        Api { handler }
    }

    /// The handler whose token the calls use.
    #[must_use]
    pub fn handler(&self) -> &OAuthHandler {
        &self.handler
    }

    /// The rate-limit headers of the latest answer, if the API sent any.
    #[must_use]
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.handler.rate_limit()
    }

    /// `GET /users`: the users the token may see (the signed-in user).
    ///
    /// # Errors
    /// [`Error::Api`] for an error answer, [`Error::RateLimited`],
    /// [`Error::OAuth`] for transport, token and parse errors.
    pub async fn users(&self) -> Result<Vec<User>, Error> {
        self.get("users", &[], "users").await
    }

    /// `GET /users/{id}`.
    ///
    /// # Errors
    /// As [`Api::users`].
    pub async fn user(&self, id: UserId) -> Result<User, Error> {
        self.get(&format!("users/{id}"), &[], "user").await
    }

    /// `PUT /users/{id}` with `user[name]`, `user[email]`.
    ///
    /// # Errors
    /// As [`Api::users`]; a refused value is an [`ApiErrorBody::Validation`].
    pub async fn update_user(&self, id: UserId, update: &UserUpdate) -> Result<User, Error> {
        self.write(
            Method::PUT,
            &format!("users/{id}"),
            &update.params(),
            "user",
        )
        .await
    }

    /// `GET /users/{id}/accounts`.
    ///
    /// # Errors
    /// As [`Api::users`].
    pub async fn user_accounts(&self, id: UserId) -> Result<Vec<Account>, Error> {
        self.get(&format!("users/{id}/accounts"), &[], "accounts")
            .await
    }

    /// `GET /accounts`: every account the token may see.
    ///
    /// # Errors
    /// As [`Api::users`].
    pub async fn accounts(&self) -> Result<Vec<Account>, Error> {
        self.get("accounts", &[], "accounts").await
    }

    /// `GET /accounts/{id}`.
    ///
    /// # Errors
    /// As [`Api::users`].
    pub async fn account(&self, id: AccountId) -> Result<Account, Error> {
        self.get(&format!("accounts/{id}"), &[], "account").await
    }

    /// `PUT /accounts/{id}` with `account[name]`.
    ///
    /// # Errors
    /// As [`Api::update_user`].
    pub async fn update_account(
        &self,
        id: AccountId,
        update: &AccountUpdate,
    ) -> Result<Account, Error> {
        self.write(
            Method::PUT,
            &format!("accounts/{id}"),
            &update.params(),
            "account",
        )
        .await
    }

    /// `POST /users/{id}/account_registration_requests`: asks for a new
    /// account (line) for the user.
    ///
    /// # Errors
    /// As [`Api::update_user`].
    pub async fn create_account_registration_request(
        &self,
        user: UserId,
        registration: &AccountRegistration,
    ) -> Result<AccountRegistrationRequest, Error> {
        self.write(
            Method::POST,
            &format!("users/{user}/account_registration_requests"),
            &registration.params(),
            "account_registration_request",
        )
        .await
    }

    /// `GET /account_registration_requests/{id}`: where the request stands.
    ///
    /// # Errors
    /// As [`Api::users`].
    pub async fn account_registration_request(
        &self,
        id: AccountRegistrationRequestId,
    ) -> Result<AccountRegistrationRequest, Error> {
        self.get(
            &format!("account_registration_requests/{id}"),
            &[],
            "account_registration_request",
        )
        .await
    }

    /// `POST /accounts/{id}/device_change_requests` with
    /// `device_change_request[device_esn]`: moves the line to another
    /// device.
    ///
    /// # Errors
    /// As [`Api::update_user`].
    pub async fn create_device_change_request(
        &self,
        account: AccountId,
        device_esn: &str,
    ) -> Result<DeviceChangeRequest, Error> {
        let params =
            WriteParams::new("device_change_request").field("device_esn", Some(device_esn));
        self.write(
            Method::POST,
            &format!("accounts/{account}/device_change_requests"),
            &params,
            "device_change_request",
        )
        .await
    }

    /// `GET /device_change_requests/{id}`.
    ///
    /// # Errors
    /// As [`Api::users`].
    pub async fn device_change_request(
        &self,
        id: DeviceChangeRequestId,
    ) -> Result<DeviceChangeRequest, Error> {
        self.get(
            &format!("device_change_requests/{id}"),
            &[],
            "device_change_request",
        )
        .await
    }

    /// `POST /accounts/{id}/phone_number_change_requests` with
    /// `phone_number_change_request[area_code]`: a new number in that area.
    ///
    /// # Errors
    /// As [`Api::update_user`].
    pub async fn create_phone_number_change_request(
        &self,
        account: AccountId,
        area_code: &str,
    ) -> Result<PhoneNumberChangeRequest, Error> {
        let params =
            WriteParams::new("phone_number_change_request").field("area_code", Some(area_code));
        self.write(
            Method::POST,
            &format!("accounts/{account}/phone_number_change_requests"),
            &params,
            "phone_number_change_request",
        )
        .await
    }

    /// `GET /phone_number_change_requests/{id}`.
    ///
    /// # Errors
    /// As [`Api::users`].
    pub async fn phone_number_change_request(
        &self,
        id: PhoneNumberChangeRequestId,
    ) -> Result<PhoneNumberChangeRequest, Error> {
        self.get(
            &format!("phone_number_change_requests/{id}"),
            &[],
            "phone_number_change_request",
        )
        .await
    }

    /// `GET /accounts/{id}/enforced_carrier_services`.
    ///
    /// # Errors
    /// As [`Api::users`].
    pub async fn enforced_carrier_services(
        &self,
        account: AccountId,
    ) -> Result<Vec<CarrierService>, Error> {
        self.get(
            &format!("accounts/{account}/enforced_carrier_services"),
            &[],
            "enforced_carrier_services",
        )
        .await
    }

    /// `GET /accounts/{id}/fluidcall_credentials`.
    ///
    /// # Errors
    /// As [`Api::users`].
    pub async fn fluidcall_credentials(
        &self,
        account: AccountId,
    ) -> Result<FluidcallCredentials, Error> {
        self.get(
            &format!("accounts/{account}/fluidcall_credentials"),
            &[],
            "fluidcall_credentials",
        )
        .await
    }

    /// `GET /accounts/{id}/phone_calls`, page by page.
    pub fn phone_calls(&self, account: AccountId, query: UsageQuery) -> Pages<PhoneCall> {
        Pages::new(
            self.clone(),
            format!("accounts/{account}/phone_calls"),
            "phone_calls",
            query,
        )
    }

    /// `GET /accounts/{id}/phone_texts`, page by page.
    pub fn phone_texts(&self, account: AccountId, query: UsageQuery) -> Pages<PhoneText> {
        Pages::new(
            self.clone(),
            format!("accounts/{account}/phone_texts"),
            "phone_texts",
            query,
        )
    }

    /// `GET /accounts/{id}/phone_data`, page by page.
    pub fn phone_data(&self, account: AccountId, query: UsageQuery) -> Pages<PhoneData> {
        Pages::new(
            self.clone(),
            format!("accounts/{account}/phone_data"),
            "phone_data",
            query,
        )
    }

    /// `GET /voicemail_boxes/{id}/voicemail_messages`.
    ///
    /// # Errors
    /// As [`Api::users`].
    pub async fn voicemail_messages(
        &self,
        voicemail_box: VoicemailBoxId,
    ) -> Result<Vec<VoicemailMessage>, Error> {
        self.get(
            &format!("voicemail_boxes/{voicemail_box}/voicemail_messages"),
            &[],
            "voicemail_messages",
        )
        .await
    }

    /// `DELETE /voicemail_messages/{id}`.
    ///
    /// # Errors
    /// As [`Api::users`].
    pub async fn delete_voicemail_message(&self, id: VoicemailMessageId) -> Result<(), Error> {
        self.send(
            Method::DELETE,
            &format!("voicemail_messages/{id}"),
            &[],
            None,
        )
        .await
        .map(drop)
    }

    /// A `GET` whose answer is `{key: T}`.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        key: &str,
    ) -> Result<T, Error> {
        let (url, response) = self.send(Method::GET, path, query, None).await?;
        parse_member(&url, &response, key)
    }

    /// A `GET` whose answer is `{key: [T], meta: {…}}`.
    pub(crate) async fn get_page<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        key: &str,
    ) -> Result<Page<T>, Error> {
        let (url, response) = self.send(Method::GET, path, query, None).await?;
        Ok(Page {
            items: parse_member(&url, &response, key)?,
            meta: parse_member(&url, &response, "meta")?,
        })
    }

    async fn write<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        params: &WriteParams,
        key: &str,
    ) -> Result<T, Error> {
        let (url, response) = self.send(method, path, &[], Some(params)).await?;
        parse_member(&url, &response, key)
    }

    /// Sends a request through the handler's session (which attaches the
    /// token, refreshes it and retries as the type docs say) and returns a
    /// successful answer with the URL it came from.
    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        params: Option<&WriteParams>,
    ) -> Result<(Url, HttpResponse), Error> {
        let mut url = self.handler.api_base().join(path).map_err(|e| {
            Error::from(oauth_core::Error::from(ConfigError::InvalidUrl {
                what: "API path",
                url: path.to_owned(),
                reason: format!("cannot join it to the API base: {e}"),
            }))
        })?;
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let mut request = self
            .handler
            .session()
            .request(method.clone(), url.as_str())
            .header(ACCEPT, MEDIA_TYPE);
        if let Some(params) = params {
            request = request
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(params.encode());
        }
        let response = request.send().await?;
        let rate_limit = RateLimit::from_headers(response.headers());
        self.handler.record_rate_limit(rate_limit);
        let status = response.status();
        if status.is_success() {
            return Ok((url, response));
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(Error::RateLimited {
                method,
                url: display_without_query(&url),
                retry_after: oauth_core::retry_after(response.headers(), SystemTime::now()),
                rate_limit,
            });
        }
        Err(api_error(method, &url, &response, rate_limit))
    }
}

fn endpoint(url: &Url) -> Endpoint {
    Endpoint::new(ENDPOINT, url)
}

/// Parses `{key: T}` from a successful answer.
pub(crate) fn parse_member<T: DeserializeOwned>(
    url: &Url,
    response: &HttpResponse,
    key: &str,
) -> Result<T, Error> {
    let status = response.status();
    let parse_error = |field: Option<String>, message: String| ParseError {
        endpoint: endpoint(url),
        status,
        field,
        message,
        excerpt: oauth_core::answer_excerpt(response),
    };
    let mut value: Value = serde_json::from_slice(response.body()).map_err(|e| {
        parse_error(
            None,
            format!("expected a JSON object: {}", oauth_core::json_problem(&e)),
        )
    })?;
    let Some(member) = value.as_object_mut().and_then(|object| object.remove(key)) else {
        return Err(parse_error(
            Some(key.to_owned()),
            format!("expected an object with `{key}`"),
        )
        .into());
    };
    serde_path_to_error::deserialize(member).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            key.to_owned()
        } else {
            format!("{key}.{path}")
        };
        let message = describe(&e.into_inner(), is_secret_path(&field));
        parse_error(Some(field), message).into()
    })
}

/// What went wrong deserialising, without quoting the body: serde's own
/// message may hold a value from it, which could be a secret.
fn describe(error: &serde_json::Error, secret: bool) -> String {
    let message = error.to_string();
    // These name a field or say what was expected, never a value (the
    // `expected …` ones are this crate's own).
    let safe = [
        "missing field",
        "unknown field",
        "duplicate field",
        "expected ",
    ]
    .iter()
    .any(|p| message.starts_with(p));
    if safe && !secret {
        message
    } else {
        "a value of the wrong type or form".to_owned()
    }
}

fn is_secret_path(path: &str) -> bool {
    path.split(['.', '[', ']']).any(oauth_core::is_secret_field)
}

/// The error answer, in whichever of RingPlus's shapes it came.
fn api_error(
    method: Method,
    url: &Url,
    response: &HttpResponse,
    rate_limit: Option<RateLimit>,
) -> Error {
    #[derive(serde::Deserialize)]
    struct Message {
        error: String,
    }
    #[derive(serde::Deserialize)]
    struct Errors {
        errors: Vec<FieldError>,
    }
    // The server's words are shown on one line, with the token the request
    // carried masked should they echo it.
    let text = |text: String| oauth_core::server_text(response, &text);
    let body = if let Ok(Errors { errors }) = serde_json::from_slice(response.body()) {
        ApiErrorBody::Validation(
            errors
                .into_iter()
                .map(|error| FieldError {
                    field: error.field.map(text),
                    message: error.message.map(text),
                    ..error
                })
                .collect(),
        )
    } else if let Ok(Message { error }) = serde_json::from_slice(response.body()) {
        ApiErrorBody::Message(text(error))
    } else {
        ApiErrorBody::Unrecognized(oauth_core::answer_excerpt(response))
    };
    Error::Api(Box::new(ApiError {
        method,
        url: display_without_query(url),
        status: response.status(),
        body,
        rate_limit,
    }))
}

#[cfg(test)]
mod proptests;

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests: a panic is the failure report.
mod tests {
    use oauth_core::http::HeaderValue;

    use super::*;
    use crate::error::FieldErrorCode;

    fn answer(status: u16, body: &str) -> HttpResponse {
        oauth_core::http::Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec().into())
            .expect("response")
    }

    fn api_body(status: u16, body: &str) -> ApiErrorBody {
        let url = Url::parse("https://api.example/users?page=2").expect("url");
        match api_error(Method::GET, &url, &answer(status, body), None) {
            Error::Api(error) => {
                assert_eq!(error.url, "https://api.example/users");
                error.body
            }
            other => panic!("expected an API error, got {other:?}"),
        }
    }

    #[test]
    fn error_answers_hide_secret_values_in_every_shape() {
        let body = api_body(
            500,
            r#"{"fluidcall_credentials":{"username":"u","password":"hunter2"}}"#,
        );
        assert_eq!(
            body,
            ApiErrorBody::Unrecognized(
                r#"{"fluidcall_credentials":{"username":"u","password":"[redacted]"}}"#.into()
            )
        );
        assert!(is_secret_path("fluidcall_credentials.password"));
        assert!(is_secret_path("credentials.refreshToken"));
        assert!(!is_secret_path("account.name"));
        // The server's words, each on one line.
        let body = api_body(
            422,
            r#"{"errors":[{"code":"invalid","field":"pass\nword","message":"bad\tvalue"}]}"#,
        );
        assert_eq!(
            body,
            ApiErrorBody::Validation(vec![FieldError {
                code: FieldErrorCode::Invalid,
                field: Some("pass word".into()),
                message: Some("bad value".into()),
            }])
        );
        let body = api_body(404, r#"{"error":"no such\nuser","status":404}"#);
        assert_eq!(body, ApiErrorBody::Message("no such user".into()));
    }

    #[test]
    fn a_misfit_at_a_secret_path_is_described_without_the_message() {
        #[derive(Debug, serde::Deserialize)]
        struct Credentials {
            #[allow(dead_code)]
            password: u32,
        }
        let url = Url::parse("https://api.example/credentials").expect("url");
        let misfit = |key: &str, body: &str| match parse_member::<Credentials>(
            &url,
            &answer(200, body),
            key,
        ) {
            Err(Error::OAuth(error)) => match *error {
                oauth_core::Error::Parse(parse) => (parse.field, parse.message),
                other => panic!("expected a parse error, got {other:?}"),
            },
            other => panic!("expected a parse error, got {other:?}"),
        };
        let (field, message) = misfit(
            "fluidcall_credentials",
            r#"{"fluidcall_credentials":{"password":"hunter2"}}"#,
        );
        assert_eq!(field.as_deref(), Some("fluidcall_credentials.password"));
        assert_eq!(message, "a value of the wrong type or form");
        let (field, message) = misfit("account", r#"{"account":{}}"#);
        assert_eq!(field.as_deref(), Some("account"));
        assert_eq!(message, "missing field `password`");
        // At a secret path even serde's safe words are not shown.
        let (field, message) = misfit("password", r#"{"password":{}}"#);
        assert_eq!(field.as_deref(), Some("password"));
        assert_eq!(message, "a value of the wrong type or form");
        // Elsewhere, words that may quote a value are not shown either.
        let (field, message) = misfit("account", r#"{"account":{"password":[1]}}"#);
        assert_eq!(field.as_deref(), Some("account.password"));
        assert_eq!(message, "a value of the wrong type or form");
        #[derive(Debug, serde::Deserialize)]
        struct Plan {
            #[allow(dead_code)]
            minutes: u32,
        }
        let answer = super::tests::answer(200, r#"{"plan":{"minutes":"lots"}}"#);
        let Err(Error::OAuth(error)) = parse_member::<Plan>(&url, &answer, "plan") else {
            panic!("expected a parse error");
        };
        let oauth_core::Error::Parse(parse) = *error else {
            panic!("expected a parse error, got {error:?}");
        };
        assert_eq!(parse.field.as_deref(), Some("plan.minutes"));
        assert_eq!(
            parse.message, "a value of the wrong type or form",
            "never `lots`"
        );
    }

    #[test]
    fn rate_limit_headers_are_read() {
        let mut headers = HeaderMap::new();
        headers.insert("x-rate-limit-limit", HeaderValue::from_static("10"));
        headers.insert("x-rate-limit-remaining", HeaderValue::from_static("7"));
        headers.insert("x-rate-limit-reset", HeaderValue::from_static("1425204900"));
        let limit = RateLimit::from_headers(&headers).unwrap();
        assert_eq!(limit.limit, Some(10));
        assert_eq!(limit.remaining, 7);
        assert_eq!(limit.reset.unwrap().unix_timestamp(), 1_425_204_900);
        assert_eq!(RateLimit::from_headers(&HeaderMap::new()), None);
    }
}
