//! The authorization code flow through oidc-provider's own sign-in and
//! consent pages, walked by oauth-core's `FormLogin`; refresh, rotation,
//! scope changes, PKCE and replay errors; ID tokens.

use oauth_core::url::Url;
use oauth_core::{
    Client, Error, ErrorCode, FieldMatcher, FormLogin, FormLoginConfig, GenericProvider,
    IdTokenError, IdTokenVerifier, Password, PendingAuthorization, Token,
};

use crate::interop::harness::{
    CONFIDENTIAL_BASIC, CONFIDENTIAL_POST, PASSWORD, PUBLIC_PKCE, Server, TestClient, USER,
    transport,
};
use crate::interop::user_agent::User;
use crate::server_or_skip;

const SCOPES: [&str; 3] = ["openid", "offline_access", "profile"];

/// oidc-provider's dev pages: `login` and `password` fields, a consent form
/// whose button says "Continue".
pub fn form_login() -> FormLogin {
    FormLogin::new(
        FormLoginConfig::new(FieldMatcher::name("login"), FieldMatcher::name("password"))
            .approve_labels(["continue"])
            .max_requests(20),
    )
}

/// Signs the test user in for `client`, returning the callback URL and the
/// pending authorization. `prompt=consent` is what makes oidc-provider
/// grant `offline_access` (a refresh token).
pub async fn authorize(client: &Client, nonce: &str) -> (Url, PendingAuthorization) {
    let (url, pending) = client
        .authorization_url()
        .scopes(SCOPES)
        .param("prompt", "consent")
        .param("nonce", nonce)
        .build()
        .unwrap();
    let callback = form_login()
        .sign_in(client, &url, USER, &Password::new(PASSWORD))
        .await
        .unwrap();
    (callback, pending)
}

async fn signed_in(server: &Server, registration: TestClient) -> (Client, Token) {
    let client = server.client(registration);
    let (callback, pending) = authorize(&client, "nonce-1").await;
    let token = client
        .exchange_callback(pending, callback.as_str())
        .await
        .unwrap();
    (client, token)
}

fn code_of(error: &Error) -> ErrorCode {
    error
        .server_error()
        .unwrap_or_else(|| panic!("expected a server error, got {error:?}"))
        .error
        .clone()
}

/// A copy of a pending authorization (it serialises), to replay it.
fn copy(pending: &PendingAuthorization) -> PendingAuthorization {
    serde_json::from_value(serde_json::to_value(pending).unwrap()).unwrap()
}

#[tokio::test]
async fn confidential_clients_with_pkce() {
    let server = server_or_skip!();
    for registration in [CONFIDENTIAL_BASIC, CONFIDENTIAL_POST] {
        let (client, token) = signed_in(server, registration).await;
        assert_eq!(
            token.scopes().map(<[String]>::to_vec),
            Some(SCOPES.map(str::to_owned).to_vec()),
            "{registration:?}"
        );
        assert!(token.refresh_token().is_some());
        assert!(token.id_token().is_some());
        assert!(
            client
                .introspect(token.access_token())
                .await
                .unwrap()
                .active
        );
    }
}

#[tokio::test]
async fn public_client_refresh_rotates_and_reuse_is_invalid_grant() {
    let server = server_or_skip!();
    let (client, first) = signed_in(server, PUBLIC_PKCE).await;
    let first_refresh = first.refresh_token().unwrap().clone();

    let second = client.refresh(&first_refresh).await.unwrap();
    let second_refresh = second.refresh_token().unwrap();
    assert!(
        !second_refresh.ct_eq(&first_refresh),
        "a public client's refresh token rotates"
    );

    let error = client.refresh(&first_refresh).await.unwrap_err();
    assert_eq!(code_of(&error), ErrorCode::InvalidGrant);
}

#[tokio::test]
async fn refresh_to_a_narrower_scope_and_not_a_wider_one() {
    let server = server_or_skip!();
    let (client, token) = signed_in(server, CONFIDENTIAL_BASIC).await;
    let refresh = token.refresh_token().unwrap().secret().to_owned();

    let narrower = client
        .request_token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("scope", "openid"),
        ])
        .await
        .unwrap();
    assert_eq!(narrower.scopes(), Some(&["openid".to_owned()][..]));

    let error = client
        .request_token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("scope", "openid offline_access profile email"),
        ])
        .await
        .unwrap_err();
    assert_eq!(code_of(&error), ErrorCode::InvalidScope);
}

#[tokio::test]
async fn wrong_verifier_is_invalid_grant() {
    let server = server_or_skip!();
    let client = server.client(PUBLIC_PKCE);
    let (callback, pending) = authorize(&client, "nonce-2").await;
    let mut forged = serde_json::to_value(&pending).unwrap();
    forged["pkce_verifier"] = "a-verifier-that-was-never-sent-0123456789abcdef".into();
    let forged: PendingAuthorization = serde_json::from_value(forged).unwrap();
    let error = client
        .exchange_callback(forged, callback.as_str())
        .await
        .unwrap_err();
    assert_eq!(code_of(&error), ErrorCode::InvalidGrant);
}

#[tokio::test]
async fn replayed_code_is_invalid_grant() {
    let server = server_or_skip!();
    let client = server.client(CONFIDENTIAL_BASIC);
    let (callback, pending) = authorize(&client, "nonce-3").await;
    let replay = copy(&pending);
    client
        .exchange_callback(pending, callback.as_str())
        .await
        .unwrap();
    let error = client
        .exchange_callback(replay, callback.as_str())
        .await
        .unwrap_err();
    assert_eq!(code_of(&error), ErrorCode::InvalidGrant);
}

#[tokio::test]
async fn denial_at_consent_is_a_typed_denial() {
    let server = server_or_skip!();
    let client = server.client(CONFIDENTIAL_BASIC);
    let (url, pending) = client
        .authorization_url()
        .scopes(SCOPES)
        .param("prompt", "consent")
        .build()
        .unwrap();
    let mut user = User::new();
    let sign_in = user.get(&url).await.page();
    let consent = user
        .submit(&sign_in, &[("login", USER), ("password", PASSWORD)])
        .await
        .page();
    assert!(consent.1.contains("name=\"prompt\" value=\"consent\""));
    let callback = user.follow_link(&consent, "Cancel").await.redirect();
    match client.exchange_callback(pending, callback.as_str()).await {
        Err(Error::AuthorizationDenied(denied)) => {
            assert_eq!(denied.error, ErrorCode::AccessDenied);
            assert_eq!(
                denied.error_description.as_deref(),
                Some("End-User aborted interaction")
            );
        }
        other => panic!("expected a denial, got {other:?}"),
    }
}

#[tokio::test]
async fn refresh_token_revoked_then_refresh_is_invalid_grant() {
    let server = server_or_skip!();
    let (client, token) = signed_in(server, CONFIDENTIAL_POST).await;
    let refresh = token.refresh_token().unwrap();
    assert!(client.introspect(refresh).await.unwrap().active);
    client.revoke(refresh).await.unwrap();
    assert!(!client.introspect(refresh).await.unwrap().active);
    let error = client.refresh(refresh).await.unwrap_err();
    assert_eq!(code_of(&error), ErrorCode::InvalidGrant);
}

#[tokio::test]
async fn id_token_verifies_and_a_tampered_one_does_not() {
    let server = server_or_skip!();
    let provider = GenericProvider::discover_with(server.issuer_str(), &*transport())
        .await
        .unwrap();
    let metadata = provider.metadata().unwrap().clone();
    let client = Client::builder(provider, CONFIDENTIAL_BASIC.id)
        .client_secret(CONFIDENTIAL_BASIC.secret.unwrap())
        .redirect_uri(crate::interop::harness::WEB_REDIRECT)
        .shared_transport(transport())
        .build()
        .unwrap();
    let (callback, pending) = authorize(&client, "nonce-4-abcdef").await;
    let token = client
        .exchange_callback(pending, callback.as_str())
        .await
        .unwrap();

    let verifier = IdTokenVerifier::for_client(&client, &metadata)
        .await
        .unwrap();
    let claims = verifier
        .verify_token(&token, Some("nonce-4-abcdef"))
        .unwrap();
    assert_eq!(claims.sub, USER);
    assert_eq!(claims.iss, server.issuer_str());
    assert_eq!(claims.aud, vec![CONFIDENTIAL_BASIC.id.to_owned()]);
    assert_eq!(claims.nonce.as_deref(), Some("nonce-4-abcdef"));

    assert_eq!(
        verifier
            .verify_token(&token, Some("another nonce"))
            .unwrap_err(),
        IdTokenError::Nonce
    );

    // Change one character of the payload: the signature no longer holds.
    let jwt = token.id_token().unwrap().secret();
    let dot = jwt.find('.').unwrap() + 5;
    let mut tampered = jwt.to_owned();
    let replacement = if &jwt[dot..=dot] == "A" { "B" } else { "A" };
    tampered.replace_range(dot..=dot, replacement);
    let error = verifier
        .verify(&oauth_core::IdToken::new(tampered), None)
        .unwrap_err();
    assert!(
        matches!(
            error,
            IdTokenError::BadSignature | IdTokenError::Malformed(_)
        ),
        "{error:?}"
    );

    // Another client's verifier refuses the token.
    let other = IdTokenVerifier::for_client(&server.client(CONFIDENTIAL_POST), &metadata)
        .await
        .unwrap();
    assert_eq!(
        other.verify_token(&token, None).unwrap_err(),
        IdTokenError::Audience {
            client_id: CONFIDENTIAL_POST.id.to_owned()
        }
    );
}
