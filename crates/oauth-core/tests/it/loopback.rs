//! The loopback redirect of native apps: only the one valid redirect ends
//! the wait; a denial is typed; no redirect is a clean timeout.
#![cfg(all(feature = "loopback", feature = "reqwest"))]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use oauth_core::transport::{HttpTransport as _, ReqwestTransport};
use oauth_core::{
    Client, ConfigError, Error, ErrorCode, GenericProvider, LoopbackConfig, LoopbackRedirect,
    OpenBrowser, TransportErrorKind, http,
};
use oauth_sandbox::browser::{self, Decision};
use oauth_sandbox::{ClientConfig, Profile, Sandbox, UserConfig};

async fn get(url: &str) -> (u16, String) {
    let request = http::Request::get(url).body(Vec::new()).unwrap();
    let answer = ReqwestTransport::new()
        .unwrap()
        .send(request)
        .await
        .unwrap();
    (
        answer.status().as_u16(),
        String::from_utf8_lossy(answer.body()).into_owned(),
    )
}

/// A listener whose "browser" signs in with `decision`, after first sending
/// a stray request and a forged callback that must both be ignored.
async fn run(decision: Decision) -> Result<oauth_core::Token, Error> {
    let seen: Arc<Mutex<Vec<(u16, String)>>> = Arc::default();
    let log = seen.clone();
    let open = OpenBrowser::With(Arc::new(move |url: &oauth_core::url::Url| {
        let url = url.clone();
        let log = log.clone();
        tokio::spawn(async move {
            let callback = browser::sign_in(&url, "alice", "wonderland", decision)
                .await
                .unwrap();
            let mut stray = callback.clone();
            stray.set_path("/favicon.ico");
            stray.set_query(None);
            let mut forged = callback.clone();
            forged.set_query(Some("code=stolen&state=forged"));
            for url in [stray, forged, callback] {
                let answer = get(url.as_str()).await;
                log.lock().unwrap().push(answer);
            }
        });
    }));
    let loopback = LoopbackRedirect::bind(
        LoopbackConfig::default()
            .open(open)
            .timeout(Duration::from_secs(20)),
    )
    .await
    .unwrap();
    let sandbox = Sandbox::builder()
        .profile(Profile::Generic)
        .client(ClientConfig::public("cli").redirect_uri(loopback.redirect_uri().as_str()))
        .user(UserConfig::new("alice", "wonderland"))
        .start()
        .await
        .unwrap();
    let provider = GenericProvider::discover(sandbox.oauth_url().as_str())
        .await
        .unwrap();
    let client = Client::builder(provider, "cli")
        .redirect_uri(loopback.redirect_uri().as_str())
        .build()
        .unwrap();
    let result = loopback
        .authorize(&client, client.authorization_url().scope("profile"))
        .await;
    // The browser's last request was answered before the flow returned.
    for _ in 0..50 {
        if seen.lock().unwrap().len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].0, 404);
    assert_eq!(seen[1].0, 400);
    assert_eq!(seen[2].0, 200);
    // The page says how it ended: signed in with a code, not without one.
    let page = match decision {
        Decision::Approve => "You are signed in.",
        _ => "The sign-in did not complete.",
    };
    assert!(seen[2].1.contains(page), "{}", seen[2].1);
    assert!(
        seen[2].1.contains("You may close this window"),
        "{}",
        seen[2].1
    );
    result
}

#[tokio::test]
async fn approved_sign_in_exchanges_the_code() {
    let token = run(Decision::Approve).await.unwrap();
    assert!(token.refresh_token().is_some());
}

#[tokio::test]
async fn denial_is_typed() {
    match run(Decision::Deny).await {
        Err(Error::AuthorizationDenied(denied)) => {
            assert_eq!(denied.error, ErrorCode::AccessDenied);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn no_redirect_times_out() {
    let loopback = LoopbackRedirect::bind(
        LoopbackConfig::default()
            .open(OpenBrowser::With(Arc::new(|_| {})))
            .timeout(Duration::from_millis(100)),
    )
    .await
    .unwrap();
    let client = Client::builder(
        GenericProvider::new("https://id.example.com/a", "https://id.example.com/t").unwrap(),
        "cli",
    )
    .redirect_uri(loopback.redirect_uri().as_str())
    .build()
    .unwrap();
    match loopback
        .authorize(&client, client.authorization_url())
        .await
    {
        Err(Error::Transport { source, .. }) => {
            assert_eq!(source.kind(), TransportErrorKind::Timeout);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_client_with_another_redirect_is_refused() {
    let loopback = LoopbackRedirect::bind(LoopbackConfig::default())
        .await
        .unwrap();
    let client = Client::builder(
        GenericProvider::new("https://id.example.com/a", "https://id.example.com/t").unwrap(),
        "cli",
    )
    .redirect_uri("http://127.0.0.1:1/callback")
    .build()
    .unwrap();
    let redirect_uri = loopback.redirect_uri().to_string();
    assert!(matches!(
        loopback
            .authorize(&client, client.authorization_url())
            .await,
        Err(Error::Config(ConfigError::NotTheLoopbackRedirect { listener }))
            if listener == redirect_uri
    ));
}

#[tokio::test]
async fn silent_connections_hold_at_most_thirty_two_places() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpStream;
    let loopback =
        LoopbackRedirect::bind(LoopbackConfig::default().timeout(Duration::from_secs(20)))
            .await
            .unwrap();
    let redirect = loopback.redirect_uri().clone();
    let client = Client::builder(
        GenericProvider::new("https://id.example.com/a", "https://id.example.com/t").unwrap(),
        "cli",
    )
    .redirect_uri(redirect.as_str())
    .build()
    .unwrap();
    let (url, pending) = client.authorization_url().build().unwrap();
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let waiting = tokio::spawn(async move { loopback.receive(&pending).await });
    let address = (
        redirect.host_str().unwrap().to_owned(),
        redirect.port().unwrap(),
    );
    // Thirty-two connections that never send a request.
    let mut silent = Vec::new();
    for _ in 0..32 {
        silent.push(TcpStream::connect(address.clone()).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut browser = TcpStream::connect(address.clone()).await.unwrap();
    browser
        .write_all(
            format!("GET /callback?code=c&state={state} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut answer = Vec::new();
    let early =
        tokio::time::timeout(Duration::from_millis(500), browser.read_to_end(&mut answer)).await;
    assert!(
        early.is_err(),
        "a 33rd connection waits its turn: {answer:?}"
    );
    // One silent connection goes away: the browser's is served.
    drop(silent.pop());
    tokio::time::timeout(Duration::from_secs(5), browser.read_to_end(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let url = waiting.await.unwrap().unwrap();
    assert!(
        url.query_pairs().any(|(k, v)| k == "code" && v == "c"),
        "{url}"
    );
}
