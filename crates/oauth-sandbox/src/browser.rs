//! A scripted browser for tests: it walks the sandbox's sign-in and consent
//! pages over real HTTP, with its own cookie jar, and stops at the redirect
//! to the client.
//!
//! ```no_run
//! # async fn demo(authorize_url: url::Url) -> Result<(), oauth_sandbox::browser::BrowserError> {
//! use oauth_sandbox::browser::{self, Decision};
//!
//! let callback = browser::sign_in(&authorize_url, "alice", "wonderland", Decision::Approve).await?;
//! let code = callback.query_pairs().find(|(k, _)| k == "code");
//! # let _ = code;
//! # Ok(())
//! # }
//! ```

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, header};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use url::Url;

use crate::wire;

/// How many requests one sign-in may take before giving up.
const MAX_STEPS: usize = 20;

/// The largest page the browser reads.
const MAX_PAGE: usize = 1024 * 1024;

/// What to answer on the consent page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Grant the client access.
    Approve,
    /// Refuse; the client gets `error=access_denied`.
    Deny,
}

/// Why a scripted sign-in did not reach the client's redirect URI.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BrowserError {
    /// The sandbox answered with an error page (for instance an unknown
    /// client or an unregistered redirect URI).
    Rejected {
        /// The HTTP status of the page.
        status: u16,
        /// The page's error message.
        message: String,
    },
    /// The sign-in form came back: the credentials were refused.
    SignInFailed {
        /// The message the page showed.
        message: String,
    },
    /// A status the browser does not know what to do with.
    UnexpectedStatus {
        /// The status.
        status: u16,
        /// The URL that answered it.
        url: Url,
    },
    /// A page without the form the browser expected.
    UnexpectedPage {
        /// The page's URL.
        url: Url,
        /// What was missing.
        reason: String,
    },
    /// More than 20 requests without reaching the client.
    TooManySteps,
    /// A URL the browser cannot request (not `http`, or malformed).
    InvalidUrl(String),
    /// The connection failed.
    Http(String),
}

impl fmt::Display for BrowserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rejected { status, message } => {
                write!(
                    f,
                    "the sandbox refused the request with {status}: {message}"
                )
            }
            Self::SignInFailed { message } => write!(f, "sign-in failed: {message}"),
            Self::UnexpectedStatus { status, url } => {
                write!(f, "unexpected status {status} from {url}")
            }
            Self::UnexpectedPage { url, reason } => write!(f, "unexpected page at {url}: {reason}"),
            Self::TooManySteps => write!(f, "no redirect to the client after {MAX_STEPS} requests"),
            Self::InvalidUrl(url) => write!(f, "cannot request url {url}"),
            Self::Http(error) => write!(f, "http request failed: {error}"),
        }
    }
}

impl std::error::Error for BrowserError {}

/// Signs `login` in at the sandbox and answers the consent page.
///
/// GETs `authorize_url`, follows the sandbox's redirects (any `Location` on
/// the same origin), fills and submits the sign-in form (hidden fields such
/// as the CSRF token included), submits the consent form if one is shown,
/// and returns the first `Location` that leaves the sandbox's origin — the
/// client's redirect URI with `code` or `error` — without requesting it.
///
/// # Errors
///
/// [`BrowserError::Rejected`] when the sandbox shows an error page,
/// [`BrowserError::SignInFailed`] when the credentials are refused, and the
/// other variants for transport problems and pages it does not understand.
pub async fn sign_in(
    authorize_url: &Url,
    login: &str,
    password: &str,
    decision: Decision,
) -> Result<Url, BrowserError> {
    let mut browser = Browser::new();
    let origin = authorize_url.origin();
    let mut next = Step {
        method: Method::GET,
        url: authorize_url.clone(),
        form: None,
    };
    let mut signed_in = false;
    for _ in 0..MAX_STEPS {
        let page = browser.send(&next).await?;
        if page.status.is_redirection() {
            let location = page
                .headers
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| BrowserError::UnexpectedPage {
                    url: next.url.clone(),
                    reason: "a redirect without location".to_owned(),
                })?;
            let target = next
                .url
                .join(location)
                .map_err(|_| BrowserError::InvalidUrl(location.to_owned()))?;
            if target.origin() != origin {
                return Ok(target);
            }
            next = Step {
                method: Method::GET,
                url: target,
                form: None,
            };
            continue;
        }
        let text = String::from_utf8_lossy(&page.body).into_owned();
        if page.status.is_client_error() || page.status.is_server_error() {
            return Err(BrowserError::Rejected {
                status: page.status.as_u16(),
                message: error_text(&text),
            });
        }
        if page.status != StatusCode::OK {
            return Err(BrowserError::UnexpectedStatus {
                status: page.status.as_u16(),
                url: next.url,
            });
        }
        let forms = parse_forms(&text);
        if let Some(form) = forms.iter().find(|f| f.has_password()) {
            if signed_in {
                return Err(BrowserError::SignInFailed {
                    message: error_text(&text),
                });
            }
            signed_in = true;
            next = form.submit(&next.url, &form.sign_in_fields(login, password))?;
        } else if let Some((form, button)) = choose_consent(&forms, decision) {
            next = form.submit(&next.url, &form.fields_with(button))?;
        } else {
            return Err(BrowserError::UnexpectedPage {
                url: next.url,
                reason: "neither a sign-in nor a consent form".to_owned(),
            });
        }
    }
    Err(BrowserError::TooManySteps)
}

/// One request to make.
#[derive(Debug, Clone)]
struct Step {
    method: Method,
    url: Url,
    form: Option<String>,
}

/// One answer received.
#[derive(Debug)]
struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// The HTTP client and its cookie jar (one origin, so names suffice).
#[derive(Debug)]
struct Browser {
    client: Client<HttpConnector, Full<Bytes>>,
    cookies: Vec<(String, String)>,
}

impl Browser {
    fn new() -> Self {
        Self {
            client: Client::builder(TokioExecutor::new()).build_http(),
            cookies: Vec::new(),
        }
    }

    async fn send(&mut self, step: &Step) -> Result<Page, BrowserError> {
        if step.url.scheme() != "http" {
            return Err(BrowserError::InvalidUrl(step.url.to_string()));
        }
        let uri: http::Uri = step
            .url
            .as_str()
            .parse()
            .map_err(|_| BrowserError::InvalidUrl(step.url.to_string()))?;
        let mut builder = http::Request::builder()
            .method(step.method.clone())
            .uri(uri)
            .header(header::ACCEPT, "text/html")
            .header(header::USER_AGENT, "oauth-sandbox-browser");
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            builder = builder.header(header::COOKIE, jar.join("; "));
        }
        let body = match &step.form {
            Some(form) => {
                builder = builder.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Full::new(Bytes::from(form.clone()))
            }
            None => Full::new(Bytes::new()),
        };
        let request = builder
            .body(body)
            .map_err(|e| BrowserError::Http(e.to_string()))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| BrowserError::Http(e.to_string()))?;
        let (parts, body) = response.into_parts();
        let body = Limited::new(body, MAX_PAGE)
            .collect()
            .await
            .map_err(|e| BrowserError::Http(e.to_string()))?
            .to_bytes();
        for value in parts.headers.get_all(header::SET_COOKIE) {
            if let Some((name, value)) = value
                .to_str()
                .ok()
                .and_then(|v| v.split(';').next())
                .and_then(|pair| pair.trim().split_once('='))
            {
                self.cookies.retain(|(existing, _)| existing != name);
                if !value.is_empty() {
                    self.cookies.push((name.to_owned(), value.to_owned()));
                }
            }
        }
        Ok(Page {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }
}

/// A form field or button.
#[derive(Debug, Clone, Default)]
struct Field {
    kind: String,
    name: Option<String>,
    value: String,
    /// A button's text.
    label: String,
}

impl Field {
    fn is_submit(&self) -> bool {
        matches!(self.kind.as_str(), "submit" | "image")
    }
}

/// A form as the page declares it.
#[derive(Debug, Clone, Default)]
struct Form {
    action: String,
    method: String,
    fields: Vec<Field>,
}

impl Form {
    fn has_password(&self) -> bool {
        self.fields.iter().any(|f| f.kind == "password")
    }

    /// Every non-button field with its value.
    fn plain_fields(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .filter(|f| !f.is_submit() && f.kind != "button" && f.kind != "reset")
            .filter_map(|f| f.name.clone().map(|n| (n, f.value.clone())))
            .collect()
    }

    fn sign_in_fields(&self, login: &str, password: &str) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        let mut button_sent = false;
        for field in &self.fields {
            let Some(name) = field.name.clone() else {
                continue;
            };
            let lower = name.to_ascii_lowercase();
            if field.kind == "password" {
                pairs.push((name, password.to_owned()));
            } else if matches!(field.kind.as_str(), "text" | "email" | "")
                && ["email", "login", "user", "name"]
                    .iter()
                    .any(|hint| lower.contains(hint))
            {
                pairs.push((name, login.to_owned()));
            } else if field.is_submit() {
                // A browser sends only the button that was pressed: the first.
                if !button_sent {
                    button_sent = true;
                    pairs.push((name, field.value.clone()));
                }
            } else if field.kind != "button" && field.kind != "reset" {
                pairs.push((name, field.value.clone()));
            }
        }
        pairs
    }

    fn fields_with(&self, button: &Field) -> Vec<(String, String)> {
        let mut pairs = self.plain_fields();
        if let Some(name) = &button.name {
            pairs.push((name.clone(), button.value.clone()));
        }
        pairs
    }

    fn submit(&self, page: &Url, pairs: &[(String, String)]) -> Result<Step, BrowserError> {
        let action = if self.action.is_empty() {
            page.clone()
        } else {
            page.join(&self.action)
                .map_err(|_| BrowserError::InvalidUrl(self.action.clone()))?
        };
        let encoded = wire::form_encode(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        if self.method.eq_ignore_ascii_case("get") {
            let mut url = action;
            url.set_query(Some(&encoded));
            Ok(Step {
                method: Method::GET,
                url,
                form: None,
            })
        } else {
            Ok(Step {
                method: Method::POST,
                url: action,
                form: Some(encoded),
            })
        }
    }
}

/// The form and button that express the decision on a consent page.
fn choose_consent(forms: &[Form], decision: Decision) -> Option<(&Form, &Field)> {
    let hints: &[&str] = match decision {
        Decision::Approve => &["approve", "authorize", "allow", "accept"],
        Decision::Deny => &["deny", "reject", "cancel", "decline"],
    };
    forms.iter().find_map(|form| {
        form.fields
            .iter()
            .filter(|f| f.is_submit())
            .find(|f| {
                let text = format!("{} {}", f.value, f.label).to_ascii_lowercase();
                hints.iter().any(|hint| text.contains(hint))
            })
            .map(|button| (form, button))
    })
}

/// The message of an error page: the element with `id="error"`, or the
/// page's text.
fn error_text(html: &str) -> String {
    let inner = html
        .find("id=\"error\"")
        .and_then(|at| html[at..].find('>').map(|end| at + end + 1))
        .and_then(|start| {
            html[start..]
                .find('<')
                .map(|end| html[start..start + end].to_owned())
        });
    let text = inner.unwrap_or_else(|| strip_tags(html));
    let collapsed: Vec<&str> = text.split_whitespace().collect();
    let mut message = unescape(&collapsed.join(" "));
    if message.len() > 300 {
        let mut cut = 300;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
    }
    message
}

fn strip_tags(html: &str) -> String {
    let body = html.find("<body").map_or(html, |at| &html[at..]);
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Decodes the character references the sandbox (and most pages) use.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';').filter(|end| *end <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .map(|hex| u32::from_str_radix(hex, 16))
                .or_else(|| entity.strip_prefix('#').map(str::parse::<u32>))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Finds the forms of a page with their inputs and buttons. Not a full
/// HTML parser: enough for server-rendered forms.
fn parse_forms(html: &str) -> Vec<Form> {
    let mut forms: Vec<Form> = Vec::new();
    let mut current: Option<Form> = None;
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let name_end = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let tag = rest[..name_end].to_ascii_lowercase();
        let (attributes, after) = split_tag(&rest[name_end..]);
        rest = after;
        match tag.as_str() {
            "form" => {
                if let Some(form) = current.take() {
                    forms.push(form);
                }
                current = Some(Form {
                    action: attribute(&attributes, "action").unwrap_or_default(),
                    method: attribute(&attributes, "method").unwrap_or_else(|| "get".into()),
                    fields: Vec::new(),
                });
            }
            "/form" => {
                if let Some(form) = current.take() {
                    forms.push(form);
                }
            }
            "input" | "button" => {
                let label = if tag == "button" {
                    let end = rest.find("</button").unwrap_or(rest.len());
                    strip_tags(&rest[..end]).trim().to_owned()
                } else {
                    String::new()
                };
                let default_kind = if tag == "button" { "submit" } else { "text" };
                let field = Field {
                    kind: attribute(&attributes, "type")
                        .map_or_else(|| default_kind.to_owned(), |t| t.to_ascii_lowercase()),
                    name: attribute(&attributes, "name"),
                    value: attribute(&attributes, "value").unwrap_or_default(),
                    label: unescape(&label),
                };
                if let Some(form) = current.as_mut() {
                    form.fields.push(field);
                }
            }
            _ => {}
        }
    }
    if let Some(form) = current.take() {
        forms.push(form);
    }
    forms
}

/// Splits `attrs...>rest` at the tag's closing `>`, honouring quotes.
fn split_tag(text: &str) -> (Vec<(String, String)>, &str) {
    let mut attributes = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'>' => return (attributes, &text[i + 1..]),
            b if b.is_ascii_whitespace() || b == b'/' => i += 1,
            _ => {
                let name_start = i;
                while i < bytes.len()
                    && !bytes[i].is_ascii_whitespace()
                    && !matches!(bytes[i], b'=' | b'>' | b'/')
                {
                    i += 1;
                }
                let name = text[name_start..i].to_ascii_lowercase();
                while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                let mut value = String::new();
                if i < bytes.len() && bytes[i] == b'=' {
                    i += 1;
                    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    if i < bytes.len() && matches!(bytes[i], b'"' | b'\'') {
                        let quote = bytes[i];
                        let value_start = i + 1;
                        i = value_start;
                        while i < bytes.len() && bytes[i] != quote {
                            i += 1;
                        }
                        value = unescape(&text[value_start..i.min(bytes.len())]);
                        i += 1;
                    } else {
                        let value_start = i;
                        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>'
                        {
                            i += 1;
                        }
                        value = unescape(&text[value_start..i]);
                    }
                }
                attributes.push((name, value));
            }
        }
    }
    (attributes, "")
}

fn attribute(attributes: &[(String, String)], name: &str) -> Option<String> {
    attributes
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms_inputs_and_buttons() {
        let html = r#"<form action="/x?a=1&amp;b=2" method="post"><input type="hidden" name="t" value="a&quot;b">
            <input name='user[email]'><input type=password name=pw>
            <button type="submit" name="decision" value="approve">Approve <b>now</b></button></form>
            <form id="deny" action="/y"><input type="submit" name="commit" value="Deny"></form>"#;
        let forms = parse_forms(html);
        assert_eq!(forms.len(), 2);
        assert_eq!(forms[0].action, "/x?a=1&b=2");
        assert_eq!(forms[0].method, "post");
        assert_eq!(forms[0].fields[0].value, "a\"b");
        assert_eq!(forms[0].fields[1].kind, "text");
        assert!(forms[0].has_password());
        assert_eq!(forms[0].fields[3].label, "Approve  now");
        assert_eq!(forms[1].method, "get");
        let (form, button) = choose_consent(&forms, Decision::Deny).unwrap_or_else(|| {
            panic!("no deny button found");
        });
        assert_eq!(form.action, "/y");
        assert_eq!(button.value, "Deny");
    }

    #[test]
    fn error_text_prefers_the_error_element() {
        let html = "<html><body><h1>x</h1><p class=\"error\" id=\"error\">unknown   client: a&amp;b</p></body></html>";
        assert_eq!(error_text(html), "unknown client: a&b");
        assert_eq!(error_text("<body><p>plain</p></body>"), "plain");
    }

    #[test]
    fn unescapes_numeric_references() {
        assert_eq!(unescape("&#x2713; &#10003; &bogus; & x"), "✓ ✓ &bogus; & x");
    }
}
