//! Every grant end to end against the sandbox, through every transport,
//! asserting the exact request the server received.
#![cfg(any(feature = "reqwest", feature = "hyper"))]

use crate::support::*;
use base64::Engine as _;
use oauth_core::{ClientAuth, Error, ErrorCode, RefreshToken, pkce_challenge};
use oauth_sandbox::browser::{self, Decision};
use oauth_sandbox::{ClientAuth as ServerAuth, ClientConfig};

fn basic_credentials(request: &oauth_sandbox::RecordedRequest) -> String {
    let header = request
        .header("authorization")
        .expect("an Authorization header");
    let encoded = header.strip_prefix("Basic ").expect("Basic scheme");
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap(),
    )
    .unwrap()
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    pairs.sort();
    pairs
}

#[tokio::test]
async fn authorization_code_with_pkce_and_basic_auth() {
    for (name, transport) in transports() {
        let sandbox = sandbox(
            ClientConfig::confidential(CLIENT_ID, SECRET)
                .redirect_uri(REDIRECT)
                .auth(ServerAuth::Basic)
                .require_pkce(true),
        )
        .await;
        let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);

        let (url, pending) = client
            .authorization_url()
            .scope("openid")
            .scope("profile")
            .build()
            .unwrap();
        let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let verifier = pending.pkce_verifier().expect("PKCE is on by default");
        assert_eq!(
            query,
            vec![
                ("response_type".into(), "code".into()),
                ("client_id".into(), CLIENT_ID.into()),
                ("redirect_uri".into(), REDIRECT.into()),
                ("scope".into(), "openid profile".into()),
                ("state".into(), pending.state().secret().into()),
                ("code_challenge".into(), pkce_challenge(verifier)),
                ("code_challenge_method".into(), "S256".into()),
            ],
            "{name}"
        );

        let callback = browser::sign_in(&url, USER, PASSWORD, Decision::Approve)
            .await
            .unwrap();
        let code = callback
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .expect("the callback carries a code");
        let verifier = verifier.secret().to_owned();
        let token = client
            .exchange_callback(pending, callback.as_str())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!token.access_token().secret().is_empty());
        assert!(token.refresh_token().is_some(), "{name}");

        let requests = requests_to(&sandbox, "/token");
        assert_eq!(requests.len(), 1, "{name}");
        let request = &requests[0];
        assert_eq!(request.method, "POST");
        assert_eq!(
            request.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(request.header("accept"), Some("application/json"));
        assert_eq!(
            basic_credentials(request),
            "test-client:p%40ss+w%3Ard%2F%2B%25%26%3D%3F"
        );
        assert_eq!(
            sorted_form(request),
            owned(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", &verifier),
            ]),
            "{name}: the secret goes in the header only"
        );
    }
}

#[tokio::test]
async fn client_credentials_with_body_auth() {
    for (name, transport) in transports() {
        let sandbox = sandbox(
            ClientConfig::confidential(CLIENT_ID, SECRET)
                .redirect_uri(REDIRECT)
                .auth(ServerAuth::Body),
        )
        .await;
        let client = client(&sandbox, ClientAuth::RequestBody, Some(SECRET), &transport);
        let token = client.client_credentials(&["read", "write"]).await.unwrap();
        assert!(token.expires_at().is_some(), "{name}");

        let request = &requests_to(&sandbox, "/token")[0];
        assert_eq!(request.header("authorization"), None, "{name}");
        assert_eq!(
            sorted_form(request),
            owned(&[
                ("grant_type", "client_credentials"),
                ("scope", "read write"),
                ("client_id", CLIENT_ID),
                ("client_secret", SECRET),
            ]),
            "{name}"
        );
    }
}

#[tokio::test]
async fn client_credentials_without_scope_sends_none() {
    let (_, transport) = transports().remove(0);
    let sandbox =
        sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
    let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);
    client.client_credentials(&[]).await.unwrap();
    let request = &requests_to(&sandbox, "/token")[0];
    assert_eq!(
        sorted_form(request),
        owned(&[("grant_type", "client_credentials")])
    );
}

#[tokio::test]
async fn public_client_sends_its_id_and_no_secret() {
    for (name, transport) in transports() {
        let sandbox = sandbox(ClientConfig::public(CLIENT_ID).redirect_uri(REDIRECT)).await;
        let client = client(&sandbox, ClientAuth::Basic, None, &transport);
        let (url, pending) = client.authorization_url().build().unwrap();
        let verifier = pending.pkce_verifier().unwrap().secret().to_owned();
        let callback = browser::sign_in(&url, USER, PASSWORD, Decision::Approve)
            .await
            .unwrap();
        client
            .exchange_callback(pending, callback.as_str())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let request = &requests_to(&sandbox, "/token")[0];
        assert_eq!(request.header("authorization"), None, "{name}");
        assert_eq!(request.form_value("client_id").as_deref(), Some(CLIENT_ID));
        assert_eq!(request.form_value("client_secret"), None);
        assert_eq!(request.form_value("code_verifier"), Some(verifier));
    }
}

#[tokio::test]
async fn pkce_can_be_switched_off_per_provider() {
    let (_, transport) = transports().remove(0);
    let sandbox =
        sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
    let provider = provider(&sandbox, ClientAuth::Basic).with_pkce(false);
    let client = oauth_core::Client::builder(provider, CLIENT_ID)
        .client_secret(SECRET)
        .redirect_uri(REDIRECT)
        .shared_transport(transport)
        .build()
        .unwrap();
    let (url, pending) = client.authorization_url().build().unwrap();
    assert!(pending.pkce_verifier().is_none());
    assert!(
        !url.query_pairs()
            .any(|(k, _)| k.starts_with("code_challenge"))
    );
    let callback = browser::sign_in(&url, USER, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    client
        .exchange_callback(pending, callback.as_str())
        .await
        .unwrap();
    assert_eq!(
        requests_to(&sandbox, "/token")[0].form_value("code_verifier"),
        None
    );
}

#[tokio::test]
async fn code_and_state_completion_and_serde_of_pending() {
    let (_, transport) = transports().remove(0);
    let sandbox =
        sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
    let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);
    let (url, pending) = client.authorization_url().build().unwrap();
    // A web app keeps the pending authorization in its session store.
    let stored = serde_json::to_string(&pending).unwrap();
    let restored: oauth_core::PendingAuthorization = serde_json::from_str(&stored).unwrap();
    let callback = browser::sign_in(&url, USER, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    let param = |name: &str| {
        callback
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    let token = client
        .exchange_code_with_state(restored, &param("code"), &param("state"))
        .await
        .unwrap();
    assert!(token.refresh_token().is_some());
}

#[tokio::test]
async fn refresh_rotates_and_the_old_token_dies() {
    for (name, transport) in transports() {
        let sandbox = sandbox(
            ClientConfig::confidential(CLIENT_ID, SECRET)
                .redirect_uri(REDIRECT)
                .rotate_refresh_tokens(true),
        )
        .await;
        let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);
        let first = authorize(&client).await;
        let old = first.refresh_token().unwrap().clone();

        let second = client.refresh(&old).await.unwrap();
        let new = second.refresh_token().unwrap();
        assert_ne!(
            new.secret(),
            old.secret(),
            "{name}: rotation gives a new one"
        );
        let request = requests_to(&sandbox, "/token").pop().unwrap();
        assert_eq!(
            sorted_form(&request),
            owned(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", old.secret())
            ]),
            "{name}"
        );

        let err = client.refresh(&old).await.unwrap_err();
        assert_eq!(
            err.server_error().map(|e| &e.error),
            Some(&ErrorCode::InvalidGrant),
            "{name}: {err}"
        );
        assert_eq!(
            err.status(),
            Some(oauth_core::http::StatusCode::BAD_REQUEST)
        );
    }
}

#[tokio::test]
async fn refresh_without_rotation_keeps_the_refresh_token() {
    let (_, transport) = transports().remove(0);
    let sandbox = sandbox(
        ClientConfig::confidential(CLIENT_ID, SECRET)
            .redirect_uri(REDIRECT)
            .rotate_refresh_tokens(false),
    )
    .await;
    let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);
    let first = authorize(&client).await;
    let original = first.refresh_token().unwrap().clone();
    let refreshed = client.refresh(&original).await.unwrap();
    assert_eq!(
        refreshed.refresh_token().map(RefreshToken::secret),
        Some(original.secret())
    );
    assert_ne!(
        refreshed.access_token().secret(),
        first.access_token().secret()
    );
    // And it still works a second time.
    client.refresh(&original).await.unwrap();
}

#[cfg(feature = "password-grant")]
#[tokio::test]
async fn password_grant_only_for_clients_allowed_it() {
    use oauth_core::Password;
    use oauth_sandbox::Grant;
    let (_, transport) = transports().remove(0);
    let sandbox = oauth_sandbox::Sandbox::builder()
        .client(
            ClientConfig::confidential(CLIENT_ID, SECRET)
                .redirect_uri(REDIRECT)
                .grants([Grant::Password, Grant::RefreshToken]),
        )
        .client(ClientConfig::confidential("other", SECRET).redirect_uri(REDIRECT))
        .user(oauth_sandbox::UserConfig::new(USER, PASSWORD))
        .start()
        .await
        .unwrap();
    let allowed = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);
    let token = allowed
        .password(USER, &Password::new(PASSWORD), &["profile"])
        .await
        .unwrap();
    assert!(token.refresh_token().is_some());
    let request = &requests_to(&sandbox, "/token")[0];
    assert_eq!(
        sorted_form(request),
        owned(&[
            ("grant_type", "password"),
            ("username", USER),
            ("password", PASSWORD),
            ("scope", "profile"),
        ])
    );

    let wrong = allowed
        .password(USER, &Password::new("not-it"), &[])
        .await
        .unwrap_err();
    assert_eq!(
        wrong.server_error().map(|e| &e.error),
        Some(&ErrorCode::InvalidGrant)
    );

    let other = oauth_core::Client::builder(provider(&sandbox, ClientAuth::Basic), "other")
        .client_secret(SECRET)
        .shared_transport(transport)
        .build()
        .unwrap();
    let denied = other
        .password(USER, &Password::new(PASSWORD), &[])
        .await
        .unwrap_err();
    assert_eq!(
        denied.server_error().map(|e| &e.error),
        Some(&ErrorCode::UnauthorizedClient),
        "{denied}"
    );
}

#[tokio::test]
async fn a_closure_is_a_transport() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let (_, inner) = transports().remove(0);
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let transport = oauth_core::transport::transport_fn(move |request| {
        let inner = inner.clone();
        let counted = counted.clone();
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            inner.send(request).await
        }
    });
    let sandbox =
        sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
    let client = oauth_core::Client::builder(provider(&sandbox, ClientAuth::Basic), CLIENT_ID)
        .client_secret(SECRET)
        .transport(transport)
        .build()
        .unwrap();
    client.client_credentials(&[]).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_same_code_cannot_be_exchanged_twice() {
    let (_, transport) = transports().remove(0);
    let sandbox =
        sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
    let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);
    let (url, pending) = client.authorization_url().build().unwrap();
    let callback = browser::sign_in(&url, USER, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    // A pending authorization is consumed; a copy kept by other means
    // (here, its serialised form) is refused by the server.
    let copy: oauth_core::PendingAuthorization =
        serde_json::from_str(&serde_json::to_string(&pending).unwrap()).unwrap();
    client
        .exchange_callback(pending, callback.as_str())
        .await
        .unwrap();
    let err = client
        .exchange_callback(copy, callback.as_str())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Server { error, .. } if error.error == ErrorCode::InvalidGrant),
        "{err:?}"
    );
}

async fn authorize(client: &oauth_core::Client) -> oauth_core::Token {
    let (url, pending) = client.authorization_url().build().unwrap();
    let callback = browser::sign_in(&url, USER, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    client
        .exchange_callback(pending, callback.as_str())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_redirect_uri_is_sent_exactly_as_registered() {
    // A URL parser writes `http://127.0.0.1:9` as `http://127.0.0.1:9/`;
    // servers compare redirect URIs byte for byte.
    const BARE: &str = "http://127.0.0.1:9";
    let (_, transport) = transports().remove(0);
    let sandbox = sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(BARE)).await;
    let client = oauth_core::Client::builder(provider(&sandbox, ClientAuth::Basic), CLIENT_ID)
        .client_secret(SECRET)
        .redirect_uri(BARE)
        .shared_transport(transport)
        .build()
        .unwrap();
    let (url, pending) = client.authorization_url().build().unwrap();
    assert_eq!(
        url.query_pairs()
            .find(|(k, _)| k == "redirect_uri")
            .unwrap()
            .1,
        BARE
    );
    // It survives the trip through a web app's session store.
    let pending: oauth_core::PendingAuthorization =
        serde_json::from_str(&serde_json::to_string(&pending).unwrap()).unwrap();
    assert_eq!(pending.redirect_uri_as_sent(), BARE);
    let callback = browser::sign_in(&url, USER, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    client
        .exchange_callback(pending, callback.as_str())
        .await
        .unwrap();
    assert_eq!(
        requests_to(&sandbox, "/token")[0]
            .form_value("redirect_uri")
            .as_deref(),
        Some(BARE)
    );
}
