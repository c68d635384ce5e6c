//! The tutorial's OAuthHandler end to end against the sandbox's RingPlus
//! profile: authorization URL, token fetch, refresh, saved tokens, and the
//! exact errors of each way it can go wrong.
#![cfg(any(feature = "reqwest", feature = "hyper"))]

#[cfg(feature = "blocking")]
#[path = "handler/blocking.rs"]
mod blocking;
#[cfg(feature = "fleet")]
#[path = "handler/fleet.rs"]
mod fleet;

use std::time::Duration;

use crate::support::*;
use oauth_core::{CallbackError, ErrorCode, pkce_challenge};
use oauth_sandbox::Listener;
use oauth_sandbox::browser::{self, BrowserError, Decision};
use ringplus::{Error, OAuthHandler, Token};

#[tokio::test]
async fn the_tutorials_whole_flow() {
    let sandbox = sandbox(true).await;
    let auth = handler(&sandbox);

    // auth_url = auth.get_authorization_url()
    let auth_url = auth.authorization_url().unwrap();
    assert_eq!(
        auth_url.as_str().split('?').next().unwrap(),
        format!("{}oauth/authorize", sandbox.oauth_url())
    );
    let query: Vec<(String, String)> = auth_url.query_pairs().into_owned().collect();
    let value = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    let names: Vec<&str> = query.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "response_type",
            "client_id",
            "redirect_uri",
            "state",
            "code_challenge",
            "code_challenge_method"
        ]
    );
    assert_eq!(value("response_type"), "code");
    assert_eq!(value("client_id"), CLIENT_ID);
    assert_eq!(value("redirect_uri"), REDIRECT);
    assert_eq!(value("code_challenge_method"), "S256");
    assert!(value("state").len() >= 22);

    // The user approves; RingPlus redirects to the redirect URI.
    let callback = browser::sign_in(&auth_url, EMAIL, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    assert!(callback.as_str().starts_with(&format!("{REDIRECT}?code=")));
    sandbox.clear_requests();

    // auth.fetch_token(final_redirected_url); print(auth.token)
    let token = auth.fetch_token(callback.as_str()).await.unwrap();
    let kept = auth.token().unwrap();
    assert_eq!(kept.access_token().secret(), token.access_token().secret());
    let lifetime = kept.expires_in().unwrap();
    assert!(
        lifetime > Duration::from_secs(86_390) && lifetime <= Duration::from_secs(86_400),
        "{lifetime:?}"
    );
    assert!(kept.refresh_token().is_some());

    // Exactly one request: the code exchange, credentials in the body.
    let requests = sandbox.requests();
    assert_eq!(requests.len(), 1);
    let exchange = &requests[0];
    assert_eq!(exchange.listener, Listener::Oauth);
    assert_eq!(exchange.method, "POST");
    assert_eq!(exchange.path, "/oauth/token");
    assert_eq!(exchange.header("authorization"), None);
    let code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let verifier = exchange.form_value("code_verifier").unwrap();
    assert_eq!(
        pkce_challenge(&oauth_core::PkceCodeVerifier::new(verifier.clone())),
        value("code_challenge")
    );
    assert_eq!(
        sorted_form(exchange),
        pairs(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
        ])
    );

    // Ready for API calls.
    let users = auth.api().users().await.unwrap();
    assert_eq!(users[0].email, EMAIL);

    // auth.refresh_token()
    let refreshed = auth.refresh_token().await.unwrap();
    assert_ne!(
        refreshed.access_token().secret(),
        token.access_token().secret()
    );
    assert_eq!(
        auth.token().unwrap().access_token().secret(),
        refreshed.access_token().secret()
    );
}

#[tokio::test]
async fn refresh_with_rotation_keeps_the_new_refresh_token() {
    let (sandbox, auth) = ready(true).await;
    let first = auth.token().unwrap();
    let old_refresh = first.refresh_token().unwrap().secret().to_owned();

    let refreshed = auth.refresh_token().await.unwrap();
    let new_refresh = refreshed.refresh_token().unwrap().secret().to_owned();
    assert_ne!(new_refresh, old_refresh);
    assert_eq!(
        auth.token().unwrap().refresh_token().unwrap().secret(),
        new_refresh
    );

    let requests = requests_to(&sandbox, "/oauth/token");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("authorization"), None);
    assert_eq!(
        sorted_form(&requests[0]),
        pairs(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &old_refresh),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
        ])
    );

    // The rotated-out token is dead; the kept one works.
    auth.refresh_token().await.unwrap();
    assert_eq!(
        requests_to(&sandbox, "/oauth/token")[1].form_value("refresh_token"),
        Some(new_refresh)
    );
}

#[tokio::test]
async fn refresh_without_rotation_keeps_the_old_refresh_token() {
    let (sandbox, auth) = ready(false).await;
    let old_refresh = auth
        .token()
        .unwrap()
        .refresh_token()
        .unwrap()
        .secret()
        .to_owned();

    let refreshed = auth.refresh_token().await.unwrap();
    assert_eq!(refreshed.refresh_token().unwrap().secret(), old_refresh);
    auth.refresh_token().await.unwrap();

    let sent: Vec<Option<String>> = requests_to(&sandbox, "/oauth/token")
        .iter()
        .map(|r| r.form_value("refresh_token"))
        .collect();
    assert_eq!(sent, [Some(old_refresh.clone()), Some(old_refresh)]);
}

#[tokio::test]
async fn refreshing_without_a_token_or_refresh_token_is_a_typed_error() {
    let sandbox = sandbox(true).await;
    let auth = handler(&sandbox);
    let err = auth.refresh_token().await.unwrap_err();
    assert!(
        matches!(err.oauth(), Some(oauth_core::Error::NoToken)),
        "{err:?}"
    );
    assert!(err.needs_authorization());
    assert_eq!(
        err.to_string(),
        "the session has no token and its source cannot get one; authorize first"
    );

    auth.set_token(Token::bearer(oauth_core::AccessToken::new("at")))
        .await
        .unwrap();
    let err = auth.refresh_token().await.unwrap_err();
    assert!(matches!(err, Error::NoRefreshToken), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the token has no refresh token; authorize again"
    );
    assert!(err.needs_authorization());
    assert!(sandbox.requests().is_empty());
}

#[tokio::test]
async fn a_refused_refresh_checks_the_status_and_says_why() {
    let (sandbox, auth) = ready(true).await;

    // An error page instead of a token answer: the status is checked.
    sandbox.inject(oauth_sandbox::FaultRule::on(
        "/oauth/token",
        oauth_sandbox::Fault::HtmlErrorPage(502),
    ));
    let err = auth.refresh_token().await.unwrap_err();
    assert!(
        matches!(err.oauth(), Some(oauth_core::Error::Http { status, .. }) if status.as_u16() == 502),
        "{err:?}"
    );
    assert!(!err.needs_authorization());
    assert!(auth.token().is_some(), "a failed refresh loses nothing");

    // A refresh token RingPlus no longer knows: typed, and forgotten.
    sandbox.revoke_all_tokens();
    let err = auth.refresh_token().await.unwrap_err();
    let Some(oauth_core::Error::RefreshTokenRejected(rejected)) = err.oauth() else {
        panic!("expected a rejected refresh token, got {err:?}");
    };
    assert_eq!(rejected.error, ErrorCode::InvalidGrant);
    assert!(err.needs_authorization());
    assert!(auth.token().is_none());
    assert_eq!(requests_to(&sandbox, "/oauth/token").len(), 2);
}

#[tokio::test]
async fn fetch_token_checks_the_state() {
    let sandbox = sandbox(true).await;
    let auth = handler(&sandbox);
    let url = auth.authorization_url().unwrap();
    let callback = browser::sign_in(&url, EMAIL, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    // A second authorization_url replaces the state the first one sent.
    auth.authorization_url().unwrap();
    sandbox.clear_requests();
    let err = auth.fetch_token(callback.as_str()).await.unwrap_err();
    assert!(
        matches!(err.oauth(), Some(oauth_core::Error::StateMismatch)),
        "{err:?}"
    );
    assert!(sandbox.requests().is_empty(), "no code was exchanged");
    assert!(auth.token().is_none());

    // The pending authorization was used up.
    let err = auth.fetch_token(callback.as_str()).await.unwrap_err();
    assert!(matches!(err, Error::NoPendingAuthorization), "{err:?}");
}

#[tokio::test]
async fn a_denied_authorization_is_a_typed_error() {
    let sandbox = sandbox(true).await;
    let auth = handler(&sandbox);
    let url = auth.authorization_url().unwrap();
    let callback = browser::sign_in(&url, EMAIL, PASSWORD, Decision::Deny)
        .await
        .unwrap();
    let err = auth.fetch_token(callback.as_str()).await.unwrap_err();
    let Some(oauth_core::Error::AuthorizationDenied(denied)) = err.oauth() else {
        panic!("expected a denial, got {err:?}");
    };
    assert_eq!(denied.error, ErrorCode::AccessDenied);
}

#[tokio::test]
async fn the_redirect_uri_must_match_exactly() {
    let sandbox = sandbox(true).await;

    // "www.ringplus.net" is not "https://www.ringplus.net": not even a URL.
    let err = OAuthHandler::builder(CLIENT_ID, SECRET, "www.ringplus.net")
        .oauth_base(sandbox.oauth_url().as_str())
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err.oauth(),
            Some(oauth_core::Error::Config(
                oauth_core::ConfigError::InvalidUrl {
                    what: "redirect URI",
                    ..
                }
            ))
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "configuration error: invalid redirect URI `www.ringplus.net`: relative URL without a base"
    );

    // Another scheme is another redirect URI: RingPlus refuses to redirect.
    let other = OAuthHandler::builder(CLIENT_ID, SECRET, "http://www.ringplus.net/callback")
        .oauth_base(sandbox.oauth_url().as_str())
        .build()
        .unwrap();
    let url = other.authorization_url().unwrap();
    let refused = browser::sign_in(&url, EMAIL, PASSWORD, Decision::Approve)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, BrowserError::Rejected { status: 400, message }
            if message.contains("is not registered")),
        "{refused:?}"
    );

    // A redirected URL to anywhere but the redirect URI is refused before
    // any request.
    let auth = handler(&sandbox);
    let url = auth.authorization_url().unwrap();
    let callback = browser::sign_in(&url, EMAIL, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    sandbox.clear_requests();
    let elsewhere = callback
        .as_str()
        .replace("https://www.ringplus.net/", "https://evil.example/");
    let err = auth.fetch_token(&elsewhere).await.unwrap_err();
    assert!(
        matches!(
            err.oauth(),
            Some(oauth_core::Error::Callback(CallbackError::RedirectMismatch { expected, actual }))
                if expected == REDIRECT && actual == "https://evil.example/callback"
        ),
        "{err:?}"
    );
    assert!(sandbox.requests().is_empty());
}

#[tokio::test]
async fn a_saved_token_restores_the_session() {
    let (sandbox, auth) = ready(true).await;
    let saved = serde_json::to_string(&auth.token().unwrap()).unwrap();

    let restored: Token = serde_json::from_str(&saved).unwrap();
    let again = builder(&sandbox).token(restored).build().unwrap();
    let users = again.api().users().await.unwrap();
    assert_eq!(users[0].email, EMAIL);
    // The 24-hour expiry survives the round trip (to the second).
    let seconds = |token: Token| {
        token
            .expires_at()
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    assert_eq!(
        seconds(again.token().unwrap()),
        seconds(auth.token().unwrap())
    );
    // No sign-in and no token request: only the API call.
    let paths: Vec<String> = sandbox.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/users"]);
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output() {
    let (_sandbox, auth) = ready(true).await;
    let token = auth.token().unwrap();
    let shown = format!("{auth:?} {token:?}");
    // What they do show: who the handler is, and that it holds a token.
    assert!(shown.starts_with("OAuthHandler { client: "), "{shown}");
    assert!(
        shown.contains(&format!("client_id: \"{CLIENT_ID}\"")),
        "{shown}"
    );
    assert!(shown.contains("has_token: true"), "{shown}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(!shown.contains(token.access_token().secret()), "{shown}");
    assert!(
        !shown.contains(token.refresh_token().unwrap().secret()),
        "{shown}"
    );
    let builder = format!("{:?}", OAuthHandler::builder(CLIENT_ID, SECRET, REDIRECT));
    assert_eq!(
        builder,
        format!(
            "OAuthHandlerBuilder {{ client_id: \"{CLIENT_ID}\", client_secret: \"[redacted]\", \
             redirect_uri: \"{REDIRECT}\", oauth_base: None, api_base: None, scopes: [], .. }}"
        )
    );
}

#[test]
fn handler_futures_are_send() {
    fn send<T: Send>(_: T) {}
    fn sync<T: Send + Sync>() {}
    sync::<OAuthHandler>();
    sync::<ringplus::Api>();
    let auth = OAuthHandler::new(CLIENT_ID, SECRET, REDIRECT).unwrap();
    send(auth.fetch_token("https://www.ringplus.net/callback?code=x&state=y"));
    send(auth.refresh_token());
    send(async move { auth.api().users().await });
}
