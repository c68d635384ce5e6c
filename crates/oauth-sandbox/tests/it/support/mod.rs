//! Shared test helpers: a small HTTP client over hyper-util, raw TCP
//! exchanges for malformed input, and ready-made sandboxes.
#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test binary uses a different part of the support module"
)]
#![allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::{HeaderMap, Method};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use oauth_sandbox::browser::{self, Decision};
use oauth_sandbox::url::Url;
use oauth_sandbox::{ClientConfig, Grant, Profile, Sandbox, UserConfig};
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

pub const CLIENT: &str = "client-id";
pub const SECRET: &str = "p@ss w:rd/+%&=?";
pub const REDIRECT: &str = "http://127.0.0.1:9/callback";
pub const PUBLIC: &str = "public-app";
pub const LOGIN: &str = "alice";
pub const PASSWORD: &str = "wonderland";

/// An HTTP answer, read in full.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not json ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn location(&self) -> Url {
        Url::parse(self.header("location").unwrap()).unwrap()
    }
}

/// The value of a query parameter of a URL.
pub fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Sends one request and reads the whole answer.
pub async fn send(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    try_send(method, url, headers, body).await.unwrap()
}

/// Like [`send`], but reports transport failures.
pub async fn try_send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Reply, String> {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut builder = http::Request::builder()
        .method(Method::from_bytes(method.as_bytes()).unwrap())
        .uri(url);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder
        .body(Full::new(Bytes::copy_from_slice(body)))
        .unwrap();
    let response = client
        .request(request)
        .await
        .map_err(|e| format!("{e:?}"))?;
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|e| format!("{e:?}"))?
        .to_bytes();
    Ok(Reply {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body: body.to_vec(),
    })
}

pub async fn get(url: &str, headers: &[(&str, &str)]) -> Reply {
    send("GET", url, headers, b"").await
}

/// A form POST with extra headers.
pub async fn post_form(url: &str, headers: &[(&str, &str)], pairs: &[(&str, &str)]) -> Reply {
    let mut all = vec![("content-type", "application/x-www-form-urlencoded")];
    all.extend_from_slice(headers);
    send("POST", url, &all, form(pairs).as_bytes()).await
}

pub fn form(pairs: &[(&str, &str)]) -> String {
    let mut serializer = oauth_sandbox::url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        serializer.append_pair(k, v);
    }
    serializer.finish()
}

/// An RFC 6749 §2.3.1 Basic header: each part form-encoded, then base64.
pub fn basic(id: &str, secret: &str) -> String {
    let enc = |s: &str| {
        oauth_sandbox::url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
    };
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
    )
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// Writes raw bytes and reads until the server closes (or 5 s pass).
pub async fn raw(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before reading everything.
    let _ = stream.write_all(bytes).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out)).await;
    out
}

/// The status line of a raw answer.
pub fn status_line(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The standard confidential client of these tests.
pub fn confidential() -> ClientConfig {
    ClientConfig::confidential(CLIENT, SECRET).redirect_uri(REDIRECT)
}

/// A sandbox of the profile with the standard client, a public client and
/// alice.
pub async fn sandbox(profile: Profile) -> Sandbox {
    Sandbox::builder()
        .profile(profile)
        .client(confidential().grants([
            Grant::AuthorizationCode,
            Grant::ClientCredentials,
            Grant::RefreshToken,
            Grant::Password,
        ]))
        .client(ClientConfig::public(PUBLIC).redirect_uri(REDIRECT))
        .user(UserConfig::new(LOGIN, PASSWORD))
        .user(UserConfig::new("bob", "builder").remember_consent(CLIENT))
        .start()
        .await
        .unwrap()
}

/// The profile's authorization URL with these parameters.
pub fn authorize_url(sandbox: &Sandbox, params: &[(&str, &str)]) -> Url {
    let mut url = sandbox.authorization_endpoint();
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in params {
            query.append_pair(k, v);
        }
    }
    url
}

/// The usual parameters of a code request by the standard client.
pub fn code_params(scope: &str) -> Vec<(&str, &str)> {
    vec![
        ("response_type", "code"),
        ("client_id", CLIENT),
        ("redirect_uri", REDIRECT),
        ("scope", scope),
        ("state", "st4te"),
    ]
}

/// Signs alice in through the browser and returns the code.
pub async fn code(sandbox: &Sandbox, params: &[(&str, &str)]) -> String {
    let url = authorize_url(sandbox, params);
    let callback = browser::sign_in(&url, LOGIN, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    param(&callback, "code").unwrap_or_else(|| panic!("no code in {callback}"))
}

/// Exchanges a code with Basic authentication.
pub async fn exchange(sandbox: &Sandbox, code: &str, extra: &[(&str, &str)]) -> Reply {
    let mut pairs = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
    ];
    pairs.extend_from_slice(extra);
    post_form(
        sandbox.token_endpoint().as_str(),
        &[("authorization", &basic(CLIENT, SECRET))],
        &pairs,
    )
    .await
}

/// A client-credentials token of the standard client.
pub async fn app_token(sandbox: &Sandbox, scope: Option<&str>) -> String {
    let mut pairs = vec![("grant_type", "client_credentials")];
    if let Some(scope) = scope {
        pairs.push(("scope", scope));
    }
    let reply = post_form(
        sandbox.token_endpoint().as_str(),
        &[("authorization", &basic(CLIENT, SECRET))],
        &pairs,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()["access_token"].as_str().unwrap().to_owned()
}

/// A user token of alice through the code flow.
pub async fn user_token(sandbox: &Sandbox, scope: &str) -> Value {
    let code = code(sandbox, &code_params(scope)).await;
    let reply = exchange(sandbox, &code, &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()
}

/// A URL on a listener.
pub fn at(base: &Url, path: &str) -> String {
    base.join(path.trim_start_matches('/')).unwrap().to_string()
}

/// A cookie-keeping client for walking pages by hand.
#[derive(Debug, Default)]
pub struct Agent {
    cookies: Vec<(String, String)>,
}

impl Agent {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, reply: &Reply) {
        for value in reply.headers.get_all("set-cookie") {
            let pair = value.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(k, _)| k != name);
            self.cookies.push((name.to_owned(), value.to_owned()));
        }
    }

    pub async fn get(&mut self, url: &str) -> Reply {
        let cookie = self.cookie_header();
        let reply = get(url, &[("cookie", &cookie)]).await;
        self.keep(&reply);
        reply
    }

    pub async fn post(&mut self, url: &str, pairs: &[(&str, &str)]) -> Reply {
        let cookie = self.cookie_header();
        let reply = post_form(url, &[("cookie", &cookie)], pairs).await;
        self.keep(&reply);
        reply
    }

    pub fn forget_cookies(&mut self) {
        self.cookies.clear();
    }
}

/// The value of the input named `name` in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no input {name} in {html}"))
        + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}
