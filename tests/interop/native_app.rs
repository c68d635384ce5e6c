//! The native-app flow (RFC 8252): a loopback listener on a port the OS
//! picks, a native client registered without a port, the "browser" being
//! oauth-core's `FormLogin` followed by a request to the listener.

use std::sync::Arc;
use std::time::Duration;

use oauth_core::http;
use oauth_core::{LoopbackConfig, LoopbackRedirect, OpenBrowser, Password};

use crate::interop::authorization_code::form_login;
use crate::interop::harness::{NATIVE, PASSWORD, USER, transport};
use crate::server_or_skip;

#[tokio::test]
async fn loopback_redirect_signs_the_user_in() {
    let server = server_or_skip!();
    let runtime = tokio::runtime::Handle::current();
    let browser_client = Arc::new(std::sync::Mutex::new(None));
    let for_browser = browser_client.clone();
    let open = OpenBrowser::With(Arc::new(move |url: &oauth_core::url::Url| {
        let url = url.clone();
        let client = for_browser.lock().unwrap().clone().expect("client set");
        runtime.spawn(async move {
            let callback = form_login()
                .sign_in(&client, &url, USER, &Password::new(PASSWORD))
                .await
                .unwrap();
            // The browser follows the redirect to the app's listener.
            let answer = transport()
                .send(
                    http::Request::get(callback.as_str())
                        .body(Vec::new())
                        .unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(answer.status(), 200);
            let page = String::from_utf8_lossy(answer.body()).into_owned();
            assert!(page.contains("You may close this window"), "{page}");
        });
    }));
    let loopback = LoopbackRedirect::bind(
        LoopbackConfig::default()
            .open(open)
            .timeout(Duration::from_secs(30)),
    )
    .await
    .unwrap();
    assert_eq!(loopback.redirect_uri().host_str(), Some("127.0.0.1"));
    assert_ne!(loopback.redirect_uri().port(), Some(80));
    let client = server.client_with(NATIVE, None, loopback.redirect_uri().as_str());
    *browser_client.lock().unwrap() = Some(client.clone());

    let token = loopback
        .authorize(&client, client.authorization_url().scope("openid"))
        .await
        .unwrap();
    assert!(token.id_token().is_some());
    assert!(
        client
            .introspect(token.access_token())
            .await
            .unwrap()
            .active
    );
}

#[tokio::test]
async fn loopback_times_out_cleanly() {
    server_or_skip!();
    let loopback = LoopbackRedirect::bind(
        LoopbackConfig::default()
            .open(OpenBrowser::With(Arc::new(|_| {})))
            .timeout(Duration::from_millis(200)),
    )
    .await
    .unwrap();
    let server = crate::interop::harness::server().unwrap();
    let client = server.client_with(NATIVE, None, loopback.redirect_uri().as_str());
    let error = loopback
        .authorize(&client, client.authorization_url())
        .await
        .unwrap_err();
    match error {
        oauth_core::Error::Transport { source, .. } => {
            assert_eq!(source.kind(), oauth_core::TransportErrorKind::Timeout);
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
}
