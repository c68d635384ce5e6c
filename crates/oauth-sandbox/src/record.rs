//! The request log: what a client sent, as the sandbox received it.

use http::{HeaderMap, Method};

use crate::wire;

/// Which of the sandbox's two listeners received a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Listener {
    /// The authorization server ([`crate::Sandbox::oauth_url`]).
    Oauth,
    /// The resource server ([`crate::Sandbox::api_url`]).
    Api,
}

/// One request as it arrived, in arrival order across both listeners.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The listener that received it.
    pub listener: Listener,
    /// The request method.
    pub method: Method,
    /// The path, still percent-encoded as sent.
    pub path: String,
    /// The query parameters, decoded (lossily, for bytes that are not
    /// UTF-8), in the order sent.
    pub query: Vec<(String, String)>,
    /// The request headers.
    pub headers: HeaderMap,
    /// The request body; empty when the body was refused as too large.
    pub body: Vec<u8>,
    /// When it arrived (real time, not the sandbox clock), to count what a
    /// provider counts: requests in each second.
    pub received: std::time::Instant,
}

impl RecordedRequest {
    /// The body decoded as `application/x-www-form-urlencoded` (lossily).
    #[must_use]
    pub fn form(&self) -> Vec<(String, String)> {
        wire::parse_pairs_lossy(&self.body)
    }

    /// The first form field of that name.
    #[must_use]
    pub fn form_value(&self, name: &str) -> Option<String> {
        self.form()
            .into_iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

    /// The first query parameter of that name.
    #[must_use]
    pub fn query_value(&self, name: &str) -> Option<String> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    }

    /// The first header of that name, if it is visible ASCII.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}
