//! Pushed authorization requests (RFC 9126): the request's parameters sent
//! by POST with the client's authentication, the browser given only
//! `client_id` and `request_uri`; a client registered to require it.

use oauth_core::{ConfigError, Error, ErrorCode, Password};

use crate::interop::authorization_code::form_login;
use crate::interop::harness::{
    CONFIDENTIAL_BASIC, PAR_REQUIRED, PASSWORD, PRIVATE_KEY_JWT, PUBLIC_PKCE, Server, TestClient,
    USER, transport,
};
use crate::server_or_skip;

async fn pushed_sign_in(server: &Server, client: &oauth_core::Client) -> oauth_core::Token {
    let (url, pending) = client
        .authorization_url()
        .scopes(["openid", "offline_access"])
        .param("prompt", "consent")
        .push()
        .await
        .unwrap();
    let names: Vec<String> = url
        .query_pairs()
        .map(|(name, _)| name.into_owned())
        .collect();
    assert_eq!(names, ["client_id", "request_uri"]);
    let request_uri = url
        .query_pairs()
        .find(|(n, _)| n == "request_uri")
        .unwrap()
        .1;
    assert!(
        request_uri.starts_with("urn:ietf:params:oauth:request_uri:"),
        "{request_uri}"
    );
    assert!(
        url.as_str()
            .starts_with(&format!("{}/auth?", server.issuer_str()))
    );
    let callback = form_login()
        .sign_in(client, &url, USER, &Password::new(PASSWORD))
        .await
        .unwrap();
    client
        .exchange_callback(pending, callback.as_str())
        .await
        .unwrap()
}

#[tokio::test]
async fn pushed_requests_sign_in_with_each_kind_of_client() {
    let server = server_or_skip!();
    let registrations: [TestClient; 3] = [CONFIDENTIAL_BASIC, PUBLIC_PKCE, PAR_REQUIRED];
    for registration in registrations {
        let client = server.client(registration);
        let token = pushed_sign_in(server, &client).await;
        assert!(token.refresh_token().is_some(), "{registration:?}");
    }
    // A private_key_jwt client authenticates its push with an assertion.
    let key = oauth_core::jose::SigningKey::from_jwk(&server.client_key_jwk("ec")).unwrap();
    let signed =
        oauth_core::Client::builder(server.provider(PRIVATE_KEY_JWT.auth), PRIVATE_KEY_JWT.id)
            .signing_key(key)
            .redirect_uri(crate::interop::harness::WEB_REDIRECT)
            .shared_transport(transport())
            .build()
            .unwrap();
    pushed_sign_in(server, &signed).await;
}

#[tokio::test]
async fn a_client_that_must_push_is_refused_a_plain_request() {
    let server = server_or_skip!();
    let client = server.client(PAR_REQUIRED);
    let (url, pending) = client.authorization_url().scope("openid").build().unwrap();
    // The server sends the browser back with the error, which the sign-in
    // reads from the redirect.
    let error = form_login()
        .sign_in(&client, &url, USER, &Password::new(PASSWORD))
        .await
        .unwrap_err();
    match error {
        oauth_core::FormLoginError::OAuth(Error::AuthorizationDenied(denied)) => {
            assert_eq!(denied.error, ErrorCode::InvalidRequest, "{denied:?}");
            assert_eq!(
                denied.error_description.as_deref(),
                Some("Pushed Authorization Request must be used")
            );
        }
        other => panic!("expected the server's refusal, got {other:?}"),
    }
    drop(pending);
}

#[tokio::test]
async fn a_push_the_server_refuses_is_its_typed_error() {
    let server = server_or_skip!();
    // A wrong secret: the push's client authentication fails.
    let client = server.client_with(
        CONFIDENTIAL_BASIC,
        Some("not-the-secret"),
        crate::interop::harness::WEB_REDIRECT,
    );
    let error = client
        .authorization_url()
        .scope("openid")
        .push()
        .await
        .unwrap_err();
    let server_error = error.server_error().expect("the server's error");
    assert_eq!(server_error.error, ErrorCode::InvalidClient);
    assert!(!format!("{error:?}").contains("not-the-secret"));
}

#[tokio::test]
async fn a_request_uri_given_to_a_push_is_refused_before_it_is_sent() {
    let server = server_or_skip!();
    // RFC 9126 §2.1: the server gives the request_uri; a pushed request
    // carrying one is not sent at all.
    for registration in [CONFIDENTIAL_BASIC, PAR_REQUIRED] {
        let client = server.client(registration);
        let refused = || {
            client
                .authorization_url()
                .scope("openid")
                .param("request_uri", "urn:ietf:params:oauth:request_uri:chosen")
        };
        let error = refused().push().await.unwrap_err();
        assert!(
            matches!(&error, Error::Config(ConfigError::ReservedParameter(name)) if name == "request_uri"),
            "{registration:?}: {error:?}"
        );
        assert_eq!(
            error.to_string(),
            "configuration error: parameter `request_uri` is set by the authorization request itself"
        );
    }
    // A plain request may name a request object by reference (RFC 9101):
    // only the push refuses it.
    let client = server.client(CONFIDENTIAL_BASIC);
    let (url, _pending) = client
        .authorization_url()
        .param("request_uri", "urn:example:request-object")
        .build()
        .unwrap();
    assert!(url.query_pairs().any(|(name, _)| name == "request_uri"));
}
