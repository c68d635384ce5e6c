//! The JWT-bearer grant (RFC 7523 §2.1) and token exchange (RFC 8693)
//! against the sandbox: the exact requests, the user the new tokens are
//! for, and the server's refusals as typed errors.
#![cfg(all(feature = "jose", any(feature = "reqwest", feature = "hyper")))]

use std::time::{SystemTime, UNIX_EPOCH};

use oauth_core::jose::SigningKey;
use oauth_core::{ClientAuth, Error, ErrorCode, TokenExchange, token_types};
use oauth_sandbox::{ClientConfig, Grant};
use serde_json::{Value, json};

use crate::support::*;

fn code_of(error: &Error) -> ErrorCode {
    error
        .server_error()
        .unwrap_or_else(|| panic!("expected the server's error, got {error:?}"))
        .error
        .clone()
}

/// Who the sandbox says a token is for.
async fn user_of(sandbox: &oauth_sandbox::Sandbox, token: &oauth_core::Token) -> Value {
    let transport = transports().remove(0).1;
    let request = oauth_core::http::Request::builder()
        .uri(sandbox.oauth_url().join("userinfo").unwrap().as_str())
        .header(
            "authorization",
            format!("Bearer {}", token.access_token().secret()),
        )
        .body(Vec::new())
        .unwrap();
    let answer = transport.send(request).await.unwrap();
    serde_json::from_slice(answer.body()).unwrap()
}

#[tokio::test]
async fn a_signed_assertion_is_granted_for_the_user_it_names() {
    let key = SigningKey::generate_es256().unwrap().with_kid("grant-key");
    let sandbox = sandbox(
        ClientConfig::confidential(CLIENT_ID, SECRET)
            .public_key(key.public_jwk().unwrap())
            .grants([Grant::JwtBearer]),
    )
    .await;
    let client = client(
        &sandbox,
        ClientAuth::Basic,
        Some(SECRET),
        &transports().remove(0).1,
    );
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let assertion = |sub: &str, jti: &str| {
        key.sign(&json!({
            "iss": CLIENT_ID, "sub": sub, "aud": sandbox.token_endpoint().as_str(),
            "iat": now, "exp": now + 60, "jti": jti,
        }))
        .unwrap()
    };
    let first = assertion(USER, "grant-1");
    let token = client.jwt_bearer(&first, &["profile"]).await.unwrap();
    assert_eq!(token.scopes(), Some(&["profile".to_owned()][..]));
    assert_eq!(user_of(&sandbox, &token).await["preferred_username"], USER);
    let sent = &requests_to(&sandbox, sandbox.token_endpoint().path())[0];
    assert_eq!(
        sorted_form(sent),
        [
            ("assertion".to_owned(), first.clone()),
            (
                "grant_type".to_owned(),
                "urn:ietf:params:oauth:grant-type:jwt-bearer".to_owned()
            ),
            ("scope".to_owned(), "profile".to_owned()),
        ]
    );

    // Used again, or naming no user: the server's invalid_grant, the
    // assertion in none of the error.
    for (assertion, words) in [
        (first, "used before"),
        (assertion("nobody", "grant-2"), "no user: nobody"),
    ] {
        let error = client.jwt_bearer(&assertion, &[]).await.unwrap_err();
        assert_eq!(code_of(&error), ErrorCode::InvalidGrant);
        let description = error.server_error().unwrap().error_description.clone();
        assert!(description.unwrap_or_default().contains(words), "{error}");
        assert!(!format!("{error} {error:?}").contains(&assertion[..40]));
    }
}

#[tokio::test]
async fn a_token_is_exchanged_for_a_narrower_one_of_the_same_user() {
    let sandbox = sandbox(
        ClientConfig::confidential(CLIENT_ID, SECRET)
            .grants([Grant::Password, Grant::TokenExchange]),
    )
    .await;
    let client = client(
        &sandbox,
        ClientAuth::Basic,
        Some(SECRET),
        &transports().remove(0).1,
    );
    let user_token = client
        .request_token(&[
            ("grant_type", "password"),
            ("username", USER),
            ("password", PASSWORD),
            ("scope", "profile read write"),
        ])
        .await
        .unwrap();
    let subject = user_token.access_token().secret().to_owned();
    let exchange = TokenExchange::new(subject.clone(), token_types::ACCESS_TOKEN)
        .audience("billing-api")
        .scope("read");
    assert!(!format!("{exchange:?}").contains(&subject));
    let token = client.token_exchange(&exchange).await.unwrap();
    assert_eq!(token.issued_token_type(), Some(token_types::ACCESS_TOKEN));
    assert_eq!(token.scopes(), Some(&["read".to_owned()][..]));
    assert!(!token.access_token().ct_eq(user_token.access_token()));
    assert_eq!(user_of(&sandbox, &token).await["preferred_username"], USER);
    let sent = requests_to(&sandbox, sandbox.token_endpoint().path())
        .pop()
        .unwrap();
    assert_eq!(
        sorted_form(&sent),
        [
            ("audience".to_owned(), "billing-api".to_owned()),
            (
                "grant_type".to_owned(),
                "urn:ietf:params:oauth:grant-type:token-exchange".to_owned()
            ),
            ("scope".to_owned(), "read".to_owned()),
            ("subject_token".to_owned(), subject.clone()),
            (
                "subject_token_type".to_owned(),
                token_types::ACCESS_TOKEN.to_owned()
            ),
        ]
    );

    // Wider than the subject token: invalid_scope. A token the server
    // never issued: invalid_grant. Neither error shows the token.
    let wider = TokenExchange::new(subject.clone(), token_types::ACCESS_TOKEN).scope("email");
    let error = client.token_exchange(&wider).await.unwrap_err();
    assert_eq!(code_of(&error), ErrorCode::InvalidScope);
    let unknown = TokenExchange::new("not-a-token-of-this-server", token_types::ACCESS_TOKEN);
    let error = client.token_exchange(&unknown).await.unwrap_err();
    assert_eq!(code_of(&error), ErrorCode::InvalidGrant);
    assert!(!format!("{error} {error:?}").contains("not-a-token-of-this-server"));
}
