//! DPoP (RFC 9449) against oidc-provider, which requires its nonce: a
//! public client's tokens bound to its key, presented at UserInfo with a
//! proof, refreshed with the same key and refused with another.

use oauth_core::jose::DpopKey;
use oauth_core::{Client, Error, ErrorCode, Password, Session, TokenType};

use crate::interop::authorization_code::form_login;
use crate::interop::harness::{DPOP_PUBLIC, PASSWORD, Server, USER, WEB_REDIRECT, transport};
use crate::server_or_skip;

fn dpop_client(server: &Server, key: Option<DpopKey>) -> Client {
    let mut builder = Client::builder(server.provider(DPOP_PUBLIC.auth), DPOP_PUBLIC.id)
        .redirect_uri(WEB_REDIRECT)
        .shared_transport(transport());
    if let Some(key) = key {
        builder = builder.dpop(key);
    }
    builder.build().unwrap()
}

#[tokio::test]
async fn bound_tokens_are_presented_with_proofs_and_refreshed_only_with_the_key() {
    let server = server_or_skip!();
    let key = DpopKey::generate().unwrap();
    let client = dpop_client(server, Some(key.clone()));
    let (url, pending) = client
        .authorization_url()
        .scopes(["openid", "offline_access", "profile"])
        .param("prompt", "consent")
        .build()
        .unwrap();
    let callback = form_login()
        .sign_in(&client, &url, USER, &Password::new(PASSWORD))
        .await
        .unwrap();
    // The server asks for its nonce first; the client tries again with it.
    let token = client
        .exchange_callback(pending, callback.as_str())
        .await
        .unwrap();
    assert_eq!(token.token_type(), &TokenType::Other("dpop".into()));
    let refresh = token.refresh_token().unwrap().clone();

    // A session presents it at UserInfo: `Authorization: DPoP` and a proof
    // with the token's hash.
    let session = Session::refreshing(&client)
        .token(token.clone())
        .build()
        .unwrap();
    let me: serde_json::Value = session
        .get(format!("{}/me", server.issuer_str()))
        .json()
        .await
        .unwrap();
    assert_eq!(me["sub"], USER);
    // Renewed with the same key: a new bound token, and it works.
    let renewed = session.refresh().await.unwrap();
    assert!(!renewed.access_token().ct_eq(token.access_token()));
    let me: serde_json::Value = session
        .get(format!("{}/me", server.issuer_str()))
        .json()
        .await
        .unwrap();
    assert_eq!(me["sub"], USER);

    // The (rotated) refresh token is bound to the key: another key's proof
    // cannot spend it, nor can a request without one.
    let current = session.current_token().unwrap();
    let bound = current.token().refresh_token().unwrap();
    for other in [
        dpop_client(server, Some(DpopKey::generate().unwrap())),
        dpop_client(server, None),
    ] {
        let error = other.refresh(bound).await.unwrap_err();
        let code = error
            .server_error()
            .unwrap_or_else(|| panic!("the server's refusal, got {error:?}"))
            .error
            .clone();
        assert!(
            matches!(code, ErrorCode::InvalidGrant | ErrorCode::InvalidRequest)
                || code.as_str() == "invalid_dpop_proof",
            "{error}"
        );
    }
    // The first refresh token was rotated away.
    assert!(client.refresh(&refresh).await.is_err());

    // Without the key, a session will not present a DPoP token at all.
    let keyless = dpop_client(server, None);
    let error = Session::refreshing(&keyless)
        .token(current.token().clone())
        .build()
        .unwrap_err();
    assert!(
        matches!(&error, Error::UnsupportedTokenType { token_type } if token_type == "dpop"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_stale_nonce_is_replaced_and_a_replayed_proof_refused() {
    let server = server_or_skip!();
    let key = DpopKey::generate().unwrap();
    let client = dpop_client(server, Some(key.clone()));
    let (url, pending) = client
        .authorization_url()
        .scopes(["openid", "offline_access"])
        .param("prompt", "consent")
        .build()
        .unwrap();
    let callback = form_login()
        .sign_in(&client, &url, USER, &Password::new(PASSWORD))
        .await
        .unwrap();
    let token = client
        .exchange_callback(pending, callback.as_str())
        .await
        .unwrap();

    // A nonce the server no longer takes (replayed from elsewhere): the
    // refresh is told so, takes the new one and goes through.
    let token_url = format!("{}/token", server.issuer_str());
    let mut stale = oauth_core::http::HeaderMap::new();
    stale.insert(
        "dpop-nonce",
        "a-nonce-replayed-from-long-ago".parse().unwrap(),
    );
    assert!(key.remember_nonce(&token_url, &stale));
    let refreshed = client
        .refresh(token.refresh_token().unwrap())
        .await
        .unwrap();
    assert_eq!(refreshed.token_type(), &TokenType::Other("dpop".into()));

    // One proof sent twice to UserInfo: the first answered, the second
    // refused as a replay. (A session's call first, so the key holds the
    // server's current nonce.)
    let me = format!("{}/me", server.issuer_str());
    let session = Session::refreshing(&client)
        .token(refreshed.clone())
        .build()
        .unwrap();
    let _: serde_json::Value = session.get(&me).json().await.unwrap();
    let proof = key
        .proof(
            &oauth_core::http::Method::GET,
            &me,
            Some(refreshed.access_token().secret()),
        )
        .unwrap();
    let transport = crate::interop::harness::transport();
    let mut statuses = Vec::new();
    for _ in 0..2 {
        let request = oauth_core::http::Request::builder()
            .uri(me.as_str())
            .header(
                "authorization",
                format!("DPoP {}", refreshed.access_token().secret()),
            )
            .header("dpop", proof.as_str())
            .body(Vec::new())
            .unwrap();
        let answer = transport.send(request).await.unwrap();
        key.remember_nonce(&me, answer.headers());
        statuses.push((
            answer.status().as_u16(),
            answer.headers().get("www-authenticate").cloned(),
        ));
    }
    assert_eq!(statuses[0].0, 200, "{statuses:?}");
    let (second, challenge) = &statuses[1];
    assert_eq!(*second, 401, "{statuses:?}");
    let challenge = challenge.as_ref().unwrap().to_str().unwrap();
    assert!(challenge.starts_with("DPoP"), "{challenge}");
}
