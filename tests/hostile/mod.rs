//! The hostile suite: small servers on loopback that misbehave on purpose,
//! as an attacker who controls the authorization server, the API, the
//! network's answers or another local account would. Every attack goes
//! through the public API; each test names what it defends against. What a
//! user may see (every error's `Display`, `Debug` and causes) must hold no
//! value the client sent, and no input from outside may panic.
#![allow(clippy::unwrap_used, clippy::print_stderr)] // Tests: a panic is the failure report.

mod battlenet;
mod callback;
mod device;
mod form_login;
mod loopback;
mod server;
mod session;
mod store;
mod token_endpoint;

use std::fmt::Write as _;
use std::sync::Arc;

use oauth_core::transport::{HttpTransport, HyperTransport, ReqwestTransport};
use oauth_core::{Client, ClientAuth, GenericProvider};

use self::server::Hostile;

const CLIENT_ID: &str = "hostile-client";
const CLIENT_SECRET: &str = "client-secret-Vq8Zr3Lm";
const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// Both transports: every attack on a token endpoint is tried on each.
fn transports() -> Vec<(&'static str, Arc<dyn HttpTransport>)> {
    vec![
        ("reqwest", Arc::new(ReqwestTransport::new().unwrap())),
        ("hyper", Arc::new(HyperTransport::new().unwrap())),
    ]
}

/// A confidential client of the hostile server, authenticating as `auth`
/// says.
fn client(server: &Hostile, auth: ClientAuth, transport: &Arc<dyn HttpTransport>) -> Client {
    let provider = GenericProvider::new(
        server.url("/authorize").as_str(),
        server.url("/token").as_str(),
    )
    .unwrap()
    .with_client_auth(auth);
    Client::builder(provider, CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .redirect_uri(REDIRECT)
        .shared_transport(Arc::clone(transport))
        .build()
        .unwrap()
}

/// Everything a user can be shown of an error: `Display`, `Debug` (plain
/// and pretty), and the same of every cause.
fn shown(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = format!("{error}\n{error:?}\n{error:#?}");
    let mut cause = error.source();
    while let Some(c) = cause {
        let _ = write!(text, "\n{c}\n{c:?}");
        cause = c.source();
    }
    text
}

/// Fails if what `error` shows holds any of `secrets`, or a line break or
/// escape character a server could forge a log line with.
#[track_caller]
fn assert_clean(label: &str, error: &(dyn std::error::Error + 'static), secrets: &[&str]) {
    let display = error.to_string();
    assert!(
        !display.chars().any(char::is_control),
        "{label}: a control character in {display:?}"
    );
    let text = shown(error);
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "{label}: `{secret}` is shown in:\n{text}"
        );
    }
}
