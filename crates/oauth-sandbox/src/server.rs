//! The HTTP plumbing: accept loops, body limits, the request log, fault
//! injection and routing to the profile handlers.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, header};
use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::config::Profile;
use crate::fault::{Fault, TokenQuirk};
use crate::record::{Listener, RecordedRequest};
use crate::state::Shared;
use crate::wire::{self, FormError, Params, Reply};
use crate::{api, battlenet, oauth, ringplus};

/// A request as the handlers see it: head parsed, body read in full.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) raw_query: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Request {
    /// The query string, decoded strictly.
    pub(crate) fn query(&self) -> Result<Params, FormError> {
        Params::parse(self.raw_query.as_bytes())
    }

    /// The body as a form, decoded strictly.
    pub(crate) fn form(&self) -> Result<Params, FormError> {
        Params::parse(&self.body)
    }

    /// Whether the body is declared as a form.
    pub(crate) fn is_form(&self) -> bool {
        wire::media_type(&self.headers).as_deref() == Some("application/x-www-form-urlencoded")
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What the routers need besides the request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Extras {
    /// A token-answer quirk to apply, if a fault asked for one.
    pub(crate) quirk: Option<TokenQuirk>,
}

/// The error a service returns to make hyper drop the connection unanswered.
#[derive(Debug)]
struct CloseConnection;

impl fmt::Display for CloseConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection closed on purpose")
    }
}

impl std::error::Error for CloseConnection {}

/// Accepts connections until the task is aborted; aborting it drops the
/// `JoinSet`, which aborts every connection task too.
pub(crate) async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, kind: Listener) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let Ok((stream, _)) = listener.accept().await else {
            // Out of file descriptors and similar: back off, then go on.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let shared = Arc::clone(&shared);
        connections.spawn(async move {
            let service = service_fn(move |request| {
                let shared = Arc::clone(&shared);
                async move { handle(&shared, kind, request).await }
            });
            // Errors here are clients going away or faults closing the
            // connection on purpose; neither concerns the server.
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .max_header_size(32 * 1024)
                .max_buf_size(128 * 1024)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(
    shared: &Shared,
    kind: Listener,
    request: http::Request<Incoming>,
) -> Result<Reply, CloseConnection> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let raw_query = parts.uri.query().unwrap_or_default().to_owned();
    let body = read_body(&parts.headers, body).await;
    shared.log().push(RecordedRequest {
        listener: kind,
        method: parts.method.clone(),
        path: path.clone(),
        query: wire::parse_pairs_lossy(raw_query.as_bytes()),
        headers: parts.headers.clone(),
        body: body.as_ref().map(|b| b.to_vec()).unwrap_or_default(),
        received: std::time::Instant::now(),
    });
    let body = match body {
        Ok(body) => body,
        Err(status) => {
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "request body exceeds 65536 bytes"
            } else {
                "request body could not be read"
            };
            return Ok(plain_error(shared.profile, kind, status, message));
        }
    };
    let request = Request {
        method: parts.method,
        path,
        raw_query,
        headers: parts.headers,
        body,
    };
    let latency = shared.api_latency.load(Ordering::Relaxed);
    if kind == Listener::Api && latency > 0 {
        tokio::time::sleep(Duration::from_nanos(latency)).await;
    }
    let fault = shared.faults().take(&request.path);
    let mut extras = Extras { quirk: None };
    match fault {
        None => {}
        Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::Token(quirk)) => extras.quirk = Some(quirk),
        Some(Fault::CloseConnection) => return Err(CloseConnection),
        Some(other) => return Ok(fault_reply(shared, other)),
    }
    Ok(route(shared, kind, &request, extras))
}

/// Reads the body up to [`wire::MAX_BODY`]; the error is the status to
/// answer with.
async fn read_body(headers: &HeaderMap, body: Incoming) -> Result<Bytes, StatusCode> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > wire::MAX_BODY as u64) {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    match Limited::new(body, wire::MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            Err(StatusCode::PAYLOAD_TOO_LARGE)
        }
        Err(_) => Err(StatusCode::BAD_REQUEST),
    }
}

fn route(shared: &Shared, kind: Listener, request: &Request, extras: Extras) -> Reply {
    match kind {
        Listener::Oauth => oauth::route(shared, request, extras),
        Listener::Api => match shared.profile {
            Profile::Generic => api::route(shared, request),
            Profile::BattleNet => battlenet::route(shared, request),
            Profile::RingPlus => ringplus::route(shared, request),
        },
    }
}

/// An error in the listener's usual shape, for failures before routing.
pub(crate) fn plain_error(
    profile: Profile,
    kind: Listener,
    status: StatusCode,
    message: &str,
) -> Reply {
    match (kind, profile) {
        (Listener::Api, Profile::BattleNet) => battlenet::error(status),
        (Listener::Api, Profile::RingPlus) => ringplus::error(status, message),
        _ => wire::json(
            status,
            &json!({ "error": "invalid_request", "error_description": message }),
        ),
    }
}

fn fault_reply(shared: &Shared, fault: Fault) -> Reply {
    match fault {
        Fault::Status {
            status,
            headers,
            body,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let trimmed = body.trim_start();
            let content_type = if trimmed.starts_with('{') || trimmed.starts_with('[') {
                "application/json"
            } else {
                "text/plain; charset=utf-8"
            };
            let mut response = wire::reply(status, content_type, body);
            for (name, value) in &headers {
                if name.eq_ignore_ascii_case("content-type") {
                    response.headers_mut().remove(header::CONTENT_TYPE);
                }
                wire::set_header(&mut response, name, value);
            }
            response
        }
        Fault::TruncatedBody => {
            let partial = r#"{"access_token":"partial"#;
            let mut response = http::Response::new(wire::ResponseBody::truncated(partial));
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            headers.insert(header::CONTENT_LENGTH, http::HeaderValue::from(1024u32));
            response
        }
        Fault::InvalidJson => wire::reply(
            StatusCode::OK,
            "application/json",
            r#"{"access_token": "broken", "expires_in": 36"#,
        ),
        Fault::HtmlErrorPage(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let reason = status.canonical_reason().unwrap_or("Error");
            let title = format!("{} {}", status.as_u16(), reason);
            wire::html(
                status,
                format!(
                    "<!DOCTYPE html>\n<html><head><title>{title}</title></head>\n<body><h1>{title}</h1><p>The server could not handle the request.</p><hr><address>nginx</address></body></html>\n"
                ),
            )
        }
        Fault::RedirectTo(location) => wire::redirect(&location),
        Fault::OversizedBody(size) => {
            wire::reply(StatusCode::OK, "application/json", padding(size))
        }
        Fault::MissingAccessToken => {
            let lifetime = shared.access_lifetime.as_secs();
            wire::json(
                StatusCode::OK,
                &json!({ "token_type": "bearer", "expires_in": lifetime }),
            )
        }
        // Handled before a reply is built.
        Fault::Delay(_) | Fault::Token(_) | Fault::CloseConnection => {
            wire::empty(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// A JSON document of exactly `size` bytes when `size` allows one.
fn padding(size: usize) -> Vec<u8> {
    const OPEN: &[u8] = br#"{"padding":""#;
    const CLOSE: &[u8] = br#""}"#;
    if size < OPEN.len() + CLOSE.len() {
        return vec![b' '; size];
    }
    let mut body = Vec::with_capacity(size);
    body.extend_from_slice(OPEN);
    body.resize(size - CLOSE.len(), b'x');
    body.extend_from_slice(CLOSE);
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_is_exact_json() {
        let body = padding(100);
        assert_eq!(body.len(), 100);
        assert!(serde_json::from_slice::<serde_json::Value>(&body).is_ok());
        assert_eq!(padding(3), b"   ");
    }
}
