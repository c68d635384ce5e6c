//! A request to a resource server, built up and then sent through a
//! session.

use std::fmt;

use http::header::{ACCEPT, CONTENT_TYPE};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;
use url::form_urlencoded;

use super::Session;
use crate::answer::error_from_response;
use crate::error::{ConfigError, Endpoint, Error, ParseError};
use crate::redact::{self, SentSecrets};
use crate::transport::HttpResponse;

/// An API request in the making; see [`Session::get`] and its siblings.
///
/// A mistake made while building (an invalid URL or header) is reported by
/// [`send`](ApiRequest::send).
#[must_use = "a request does nothing until it is sent"]
pub struct ApiRequest {
    session: Session,
    method: Method,
    url: Result<Url, Error>,
    headers: HeaderMap,
    body: Vec<u8>,
    retry_safe: bool,
    error: Option<Error>,
}

impl fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiRequest")
            .field("method", &self.method)
            .field(
                "url",
                &self
                    .url
                    .as_ref()
                    .map(crate::url_policy::display_without_query),
            )
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body_bytes", &self.body.len())
            .field("retry_safe", &self.retry_safe)
            .finish_non_exhaustive()
    }
}

impl ApiRequest {
    pub(super) fn new(session: Session, method: Method, url: &str) -> Self {
        ApiRequest {
            session,
            method,
            url: Url::parse(url)
                .map_err(|e| ConfigError::InvalidRequest(format!("invalid URL: {e}")).into()),
            headers: HeaderMap::new(),
            body: Vec::new(),
            retry_safe: false,
            error: None,
        }
    }

    /// Adds a header (an `Authorization` header is replaced by the
    /// session's).
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        HeaderName: TryFrom<K>,
        HeaderValue: TryFrom<V>,
    {
        match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            (Ok(name), Ok(value)) => {
                self.headers.append(name, value);
            }
            _ => self.fail(ConfigError::InvalidHeader("a header name or value").into()),
        }
        self
    }

    /// Appends query parameters, percent-encoded.
    pub fn query(mut self, pairs: &[(&str, &str)]) -> Self {
        if let Ok(url) = &mut self.url {
            url.query_pairs_mut().extend_pairs(pairs);
        }
        self
    }

    /// Sets the body as is.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets a JSON body and `Content-Type: application/json`.
    pub fn json_body<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => {
                self.body = body;
                self.headers
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            Err(e) => self.fail(
                ConfigError::InvalidValue {
                    what: "the JSON body",
                    reason: e.to_string(),
                }
                .into(),
            ),
        }
        self
    }

    /// Sets a form body and `Content-Type: application/x-www-form-urlencoded`.
    pub fn form(mut self, pairs: &[(&str, &str)]) -> Self {
        self.body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
            .into_bytes();
        self.headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        self
    }

    /// Marks a request that is safe to send twice although its method is
    /// not idempotent (a POST that only reads), so it is retried on
    /// 429/502/503/504 like a GET.
    pub fn retry_safe(mut self) -> Self {
        self.retry_safe = true;
        self
    }

    fn fail(&mut self, error: Error) {
        self.error.get_or_insert(error);
    }

    /// Sends the request and returns the answer, whatever its status.
    ///
    /// # Errors
    /// A mistake made while building; then as [`Session::send`].
    pub async fn send(self) -> Result<HttpResponse, Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let url = self.url?;
        let uri = http::Uri::try_from(url.as_str())
            .map_err(|e| ConfigError::InvalidRequest(format!("invalid URL: {e}")))?;
        let mut request = http::Request::new(self.body);
        *request.method_mut() = self.method;
        *request.uri_mut() = uri;
        *request.headers_mut() = self.headers;
        self.session.execute(request, self.retry_safe).await
    }

    /// Sends the request (with `Accept: application/json` unless another
    /// `Accept` was set) and parses a successful answer as JSON.
    ///
    /// # Errors
    /// As [`send`](ApiRequest::send); for an answer that is not a success,
    /// [`Error::Server`] when it carries an OAuth error, else
    /// [`Error::Http`]; [`Error::Parse`] when the body is not the JSON
    /// expected.
    pub async fn json<T: DeserializeOwned>(mut self) -> Result<T, Error> {
        if !self.headers.contains_key(ACCEPT) {
            self.headers
                .insert(ACCEPT, HeaderValue::from_static("application/json"));
        }
        let endpoint = self.url.as_ref().ok().map(|url| Endpoint::new("api", url));
        let response = self.send().await?;
        let Some(endpoint) = endpoint else {
            // `send` fails on an invalid URL before any answer comes.
            return Err(ConfigError::InvalidRequest("invalid URL".into()).into());
        };
        if !response.status().is_success() {
            return Err(error_from_response(&endpoint, &response)
                .masking(&SentSecrets::of_answer(&response)));
        }
        serde_json::from_slice(response.body()).map_err(|e| {
            Error::Parse(ParseError {
                endpoint,
                status: response.status(),
                field: None,
                message: redact::json_problem(&e),
                excerpt: redact::answer_excerpt(&response),
            })
        })
    }
}
