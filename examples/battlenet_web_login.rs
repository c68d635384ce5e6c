//! The tutorial's user workflow as a real website: "Log in with Battle.net",
//! the callback, a profile page with the BattleTag and the WoW profile, and
//! log out.
//!
//! By default it runs against an embedded sandbox (sign in as `alice` /
//! `wonderland`). With `BATTLENET_CLIENT_ID`, `BATTLENET_CLIENT_SECRET` and
//! `BATTLENET_REDIRECT_URI` set it talks to the real Battle.net; the redirect
//! URI must be `http://127.0.0.1:PORT/callback` as registered, and `PORT` is
//! where the site listens.
//!
//! `cargo run --example battlenet_web_login`, then open the printed address.

// An example program: what it prints is its output.
#![allow(clippy::print_stdout)]
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use battlenet::oauth_core::PendingAuthorization;
use battlenet::{BattleNetClient, Namespace, Region, UserInfo};
use oauth_sandbox::{ClientConfig, Profile, Sandbox, UserConfig};
use tokio::net::TcpListener;

const COOKIE: &str = "demo_session";

/// What the site keeps per browser, server-side: the pending authorization
/// between the redirect and the callback, then the signed-in user's client.
#[derive(Default)]
struct BrowserSession {
    pending: Option<PendingAuthorization>,
    user: Option<(UserInfo, BattleNetClient)>,
}

struct App {
    client: BattleNetClient,
    origin: String,
    sessions: Mutex<HashMap<String, BrowserSession>>,
}

impl App {
    fn with_session<T>(&self, id: &str, f: impl FnOnce(&mut BrowserSession) -> T) -> T {
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        f(sessions.entry(id.to_owned()).or_default())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let real = std::env::var("BATTLENET_CLIENT_ID")
        .ok()
        .zip(std::env::var("BATTLENET_CLIENT_SECRET").ok());
    let real_redirect = std::env::var("BATTLENET_REDIRECT_URI").ok();
    let port = real_redirect
        .as_deref()
        .and_then(|uri| url::Url::parse(uri).ok())
        .and_then(|uri| uri.port())
        .unwrap_or(0);
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let origin = format!("http://{}", listener.local_addr()?);
    let redirect_uri = real_redirect.unwrap_or_else(|| format!("{origin}/callback"));

    // Kept alive for as long as the site runs.
    let mut _sandbox = None;
    let client = match real {
        Some((id, secret)) => BattleNetClient::builder(Region::Us, id, secret)
            .scope("openid wow.profile")
            .redirect_uri(&redirect_uri)
            .build()?,
        None => {
            let sandbox = Sandbox::builder()
                .profile(Profile::BattleNet)
                .client(
                    ClientConfig::confidential("web-demo", "web-demo-secret")
                        .redirect_uri(&redirect_uri),
                )
                .user(UserConfig::new("alice", "wonderland"))
                .start()
                .await?;
            let client = BattleNetClient::builder(Region::Us, "web-demo", "web-demo-secret")
                .scope("openid wow.profile")
                .redirect_uri(&redirect_uri)
                .oauth_base(sandbox.oauth_url().clone())
                .api_base(sandbox.api_url().clone())
                .build()?;
            println!(
                "sandbox Battle.net at {} (sign in as alice / wonderland)",
                sandbox.oauth_url()
            );
            _sandbox = Some(sandbox);
            client
        }
    };

    let app = Arc::new(App {
        client,
        origin: origin.clone(),
        sessions: Mutex::new(HashMap::new()),
    });
    let router = Router::new()
        .route("/", get(home))
        .route("/login", get(login))
        .route("/callback", get(callback))
        .route("/profile", get(profile))
        .route("/logout", get(logout))
        .with_state(app);
    println!("listening on {origin}");
    std::io::stdout().flush()?;
    axum::serve(listener, router).await?;
    Ok(())
}

/// The browser's session id from its cookie, or a new one to set.
fn session_id(headers: &HeaderMap) -> (String, Option<String>) {
    let existing = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned());
    match existing {
        Some(id) => (id, None),
        None => {
            let mut bytes = [0u8; 16];
            // Without randomness there is no safe session id; stop here.
            getrandom::fill(&mut bytes).unwrap_or_else(|e| panic!("no randomness: {e}"));
            let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let cookie = format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax");
            (id, Some(cookie))
        }
    }
}

fn page(title: &str, body: &str, set_cookie: Option<String>) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1>{body}</body></html>"
    );
    let mut response = Html(html).into_response();
    if let Some(cookie) = set_cookie.and_then(|c| c.parse().ok()) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn home(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let (id, set_cookie) = session_id(&headers);
    let user = app.with_session(&id, |s| {
        s.user.as_ref().map(|(info, _)| info.battletag.clone())
    });
    let body = match user {
        Some(battletag) => format!(
            "<p>Signed in as <strong id=\"battletag\">{}</strong>.</p>\
             <p><a id=\"profile\" href=\"/profile\">Your WoW profile</a> · <a id=\"logout\" href=\"/logout\">Log out</a></p>",
            escape(&battletag)
        ),
        None => "<p><a id=\"login\" href=\"/login\">Log in with Battle.net</a></p>".to_owned(),
    };
    page("Battle.net demo", &body, set_cookie)
}

async fn login(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let (id, set_cookie) = session_id(&headers);
    match app.client.authorization_url() {
        Ok((url, pending)) => {
            app.with_session(&id, |s| s.pending = Some(pending));
            let mut response = Redirect::to(url.as_str()).into_response();
            if let Some(cookie) = set_cookie.and_then(|c| c.parse().ok()) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(e) => error_page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

async fn callback(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri) -> Response {
    let (id, _) = session_id(&headers);
    let Some(pending) = app.with_session(&id, |s| s.pending.take()) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "no sign-in is under way in this browser",
        );
    };
    let callback_url = format!("{}{}", app.origin, uri);
    let user = match app
        .client
        .complete_authorization(pending, &callback_url)
        .await
    {
        Ok(user) => user,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, &format!("sign-in failed: {e}")),
    };
    match user.user_info().await {
        Ok(info) => {
            app.with_session(&id, |s| s.user = Some((info, user)));
            Redirect::to("/profile").into_response()
        }
        Err(e) => error_page(
            StatusCode::BAD_GATEWAY,
            &format!("cannot read the profile: {e}"),
        ),
    }
}

async fn profile(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let (id, _) = session_id(&headers);
    let Some((info, user)) = app.with_session(&id, |s| s.user.clone()) else {
        return Redirect::to("/").into_response();
    };
    let namespace = Namespace::profile(user.region());
    let summary = match user.get("/profile/user/wow", None, namespace).await {
        Ok(profile) => characters(&profile),
        Err(e) => format!("<p>No WoW profile: {}</p>", escape(&e.to_string())),
    };
    let body = format!(
        "<p>BattleTag: <strong id=\"battletag\">{}</strong> (account {})</p>{summary}\
         <p><a href=\"/\">Home</a> · <a id=\"logout\" href=\"/logout\">Log out</a></p>",
        escape(&info.battletag),
        info.id
    );
    page("Your profile", &body, None)
}

/// The characters of a `/profile/user/wow` answer as an HTML list.
fn characters(profile: &serde_json::Value) -> String {
    let mut items = String::new();
    let accounts = profile["wow_accounts"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for character in accounts.iter().flat_map(|a| {
        a["characters"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
    }) {
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            // Without a locale, names come as an object keyed by locale.
            other => other["en_US"].as_str().unwrap_or_default().to_owned(),
        };
        items.push_str(&format!(
            "<li class=\"character\">{} — level {} {} on {}</li>",
            escape(&text(&character["name"])),
            character["level"],
            escape(&text(&character["playable_class"]["name"])),
            escape(&text(&character["realm"]["name"])),
        ));
    }
    format!("<h2>WoW characters</h2><ul>{items}</ul>")
}

async fn logout(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let (id, _) = session_id(&headers);
    app.sessions
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&id);
    Redirect::to("/").into_response()
}

fn error_page(status: StatusCode, message: &str) -> Response {
    let mut response = page(
        "Sign-in problem",
        &format!(
            "<p id=\"error\">{}</p><p><a href=\"/\">Home</a></p>",
            escape(message)
        ),
        None,
    );
    *response.status_mut() = status;
    response
}
