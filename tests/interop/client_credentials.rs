//! The client credentials grant with each way of authenticating the client.

use oauth_core::{Error, ErrorCode};

use crate::interop::harness::{
    CONFIDENTIAL_BASIC, CONFIDENTIAL_POST, SPECIAL_SECRET, WEB_REDIRECT,
};
use crate::server_or_skip;

fn server_code(error: &Error) -> &ErrorCode {
    &error
        .server_error()
        .unwrap_or_else(|| panic!("expected a server error, got {error:?}"))
        .error
}

#[tokio::test]
async fn basic_authentication() {
    let server = server_or_skip!();
    let token = server
        .client(CONFIDENTIAL_BASIC)
        .client_credentials(&["api:read"])
        .await
        .unwrap();
    assert_eq!(token.scopes(), Some(&["api:read".to_owned()][..]));
    assert!(token.expires_in().is_some_and(|d| d.as_secs() > 500));
    assert!(token.refresh_token().is_none());
}

#[tokio::test]
async fn body_authentication() {
    let server = server_or_skip!();
    let token = server
        .client(CONFIDENTIAL_POST)
        .client_credentials(&["api:read", "api:write"])
        .await
        .unwrap();
    assert_eq!(
        token.scopes(),
        Some(&["api:read".to_owned(), "api:write".to_owned()][..])
    );
}

#[tokio::test]
async fn secret_with_special_characters_in_basic() {
    let server = server_or_skip!();
    let token = server
        .client(SPECIAL_SECRET)
        .client_credentials(&["api:read"])
        .await
        .unwrap();
    assert_eq!(token.scopes(), Some(&["api:read".to_owned()][..]));
}

#[tokio::test]
async fn wrong_secret_is_invalid_client() {
    let server = server_or_skip!();
    for registration in [CONFIDENTIAL_BASIC, CONFIDENTIAL_POST, SPECIAL_SECRET] {
        let client = server.client_with(registration, Some("p@ss w:rd/+%&="), WEB_REDIRECT);
        let error = client.client_credentials(&[]).await.unwrap_err();
        assert_eq!(
            server_code(&error),
            &ErrorCode::InvalidClient,
            "{registration:?}"
        );
        assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
        // The wrong secret is not repeated back in the message.
        assert!(!error.to_string().contains("p@ss"), "{error}");
    }
}

#[tokio::test]
async fn scope_beyond_the_registration_is_invalid_scope() {
    let server = server_or_skip!();
    let error = server
        .client(SPECIAL_SECRET)
        .client_credentials(&["api:write"])
        .await
        .unwrap_err();
    assert_eq!(server_code(&error), &ErrorCode::InvalidScope);
}
