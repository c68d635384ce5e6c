//! Signed client authentication (RFC 7523 §2.2, OpenID Connect Core §9):
//! `private_key_jwt` with RSA, P-256 and Ed25519 keys given as JWK or as
//! PKCS#8 PEM, and `client_secret_jwt`, as oidc-provider checks them.

use oauth_core::jose::{JwsAlgorithm, SigningKey};
use oauth_core::{Client, ClientAuth, Error, ErrorCode, GenericProvider, TokenRef};

use crate::interop::harness::{CLIENT_SECRET_JWT, PRIVATE_KEY_JWT, Server, transport};
use crate::server_or_skip;

fn keyed_client(server: &Server, key: SigningKey) -> Client {
    // The provider says nothing of signed authentication: a key given is
    // enough to choose it.
    Client::builder(server.provider(ClientAuth::Basic), PRIVATE_KEY_JWT.id)
        .signing_key(key)
        .shared_transport(transport())
        .build()
        .unwrap()
}

fn server_code(error: &Error) -> &ErrorCode {
    &error
        .server_error()
        .unwrap_or_else(|| panic!("expected a server error, got {error:?}"))
        .error
}

#[tokio::test]
async fn private_key_jwt_with_each_kind_of_key_from_a_jwk_or_pkcs8() {
    let server = server_or_skip!();
    for (name, alg) in [
        ("rsa", JwsAlgorithm::RS256),
        ("ec", JwsAlgorithm::ES256),
        ("ed", JwsAlgorithm::EdDSA),
    ] {
        let from_jwk = SigningKey::from_jwk(&server.client_key_jwk(name)).unwrap();
        let from_pem = SigningKey::from_pkcs8_pem(&server.client_key_pem(name)).unwrap();
        // The JWK names its key; the PEM does not, and the server finds
        // the key by its algorithm.
        assert!(from_jwk.kid().is_some());
        assert_eq!(from_pem.kid(), None);
        for key in [from_jwk, from_pem] {
            assert_eq!(key.algorithm(), alg);
            let client = keyed_client(server, key);
            assert_eq!(client.auth_method(), ClientAuth::PrivateKeyJwt);
            let token = client
                .client_credentials(&["api:read"])
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(token.scopes(), Some(&["api:read".to_owned()][..]));
        }
    }
}

#[tokio::test]
async fn each_request_carries_a_fresh_assertion() {
    let server = server_or_skip!();
    let key = SigningKey::from_jwk(&server.client_key_jwk("ec")).unwrap();
    let client = keyed_client(server, key);
    // The server refuses an assertion it has seen (its jti): three token
    // requests and an introspection in a row all pass.
    for _ in 0..3 {
        client.client_credentials(&["api:read"]).await.unwrap();
    }
    let token = client.client_credentials(&["api:read"]).await.unwrap();
    let introspection = client
        .introspect(TokenRef::Access(token.access_token()))
        .await
        .unwrap();
    assert!(introspection.active);
}

#[tokio::test]
async fn a_key_the_server_does_not_know_is_invalid_client() {
    let server = server_or_skip!();
    // A key of the right kind and id, but not the registered one.
    let stranger = SigningKey::generate_es256().unwrap().with_kid("client-ec");
    let error = keyed_client(server, stranger)
        .client_credentials(&["api:read"])
        .await
        .unwrap_err();
    assert_eq!(server_code(&error), &ErrorCode::InvalidClient);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    // No assertion in what the user sees: a JWT starts `eyJ`.
    assert!(!format!("{error} {error:?}").contains("eyJ"), "{error:?}");
}

#[tokio::test]
async fn client_secret_jwt_signs_with_the_secret() {
    let server = server_or_skip!();
    let client = server.client(CLIENT_SECRET_JWT);
    assert_eq!(client.auth_method(), ClientAuth::ClientSecretJwt);
    let token = client.client_credentials(&["api:read"]).await.unwrap();
    assert_eq!(token.scopes(), Some(&["api:read".to_owned()][..]));
    // Another secret signs an assertion the server refuses.
    let wrong = server.client_with(
        CLIENT_SECRET_JWT,
        Some("another-secret-long-enough-for-hs256-0123456789"),
        crate::interop::harness::WEB_REDIRECT,
    );
    let error = wrong.client_credentials(&["api:read"]).await.unwrap_err();
    assert_eq!(server_code(&error), &ErrorCode::InvalidClient);
}

#[tokio::test]
async fn discovery_lists_private_key_jwt_and_the_audience_is_the_issuer() {
    let server = server_or_skip!();
    let provider = GenericProvider::discover_with(server.issuer_str(), &*transport())
        .await
        .unwrap();
    let methods = provider
        .metadata()
        .unwrap()
        .token_endpoint_auth_methods_supported()
        .unwrap()
        .to_vec();
    assert!(
        methods.iter().any(|m| m == "private_key_jwt"),
        "{methods:?}"
    );
    let client = Client::builder(provider, PRIVATE_KEY_JWT.id)
        .signing_key(SigningKey::from_jwk(&server.client_key_jwk("rsa")).unwrap())
        .shared_transport(transport())
        .build()
        .unwrap();
    assert_eq!(client.auth_method(), ClientAuth::PrivateKeyJwt);
    client.client_credentials(&["api:read"]).await.unwrap();
    // An audience the server does not answer to is refused.
    let elsewhere = Client::builder(
        server.provider(ClientAuth::PrivateKeyJwt),
        PRIVATE_KEY_JWT.id,
    )
    .signing_key(SigningKey::from_jwk(&server.client_key_jwk("rsa")).unwrap())
    .assertion_audience("https://elsewhere.example")
    .shared_transport(transport())
    .build()
    .unwrap();
    let error = elsewhere
        .client_credentials(&["api:read"])
        .await
        .unwrap_err();
    assert_eq!(server_code(&error), &ErrorCode::InvalidClient);
}
