//! Signed client authentication as the server receives it: the exact form
//! of a `private_key_jwt` and a `client_secret_jwt` token request, the
//! assertion verified independently (`jsonwebtoken`) and by the sandbox
//! (which refuses an expired, replayed or foreign one with its words), and
//! the settings that cannot work refused when the client is built.
#![cfg(all(
    feature = "jose",
    feature = "oidc",
    any(feature = "reqwest", feature = "hyper")
))]

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use oauth_core::jose::SigningKey;
use oauth_core::{Client, ClientAuth, ConfigError, Error, GenericProvider};
use oauth_sandbox::ClientConfig;
use serde_json::Value;

use crate::support::*;

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A secret long enough to sign HS256 with (RFC 7518 §3.2: 32 bytes at
/// least), with the characters that HTTP Basic must form-encode.
const HS256_SECRET: &str = "p@ss w:rd/+%&=? shared for HS256 signing";

fn claims_of(assertion: &str, key: &DecodingKey, alg: Algorithm, audience: &str) -> Value {
    let mut validation = Validation::new(alg);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iat", "aud", "iss", "sub"]);
    jsonwebtoken::decode::<Value>(assertion, key, &validation)
        .expect("the assertion verifies")
        .claims
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn a_private_key_jwt_request_carries_a_fresh_signed_assertion_and_no_secret() {
    let key = SigningKey::generate_es256().unwrap().with_kid("key-1");
    let jwk = key.public_jwk().unwrap();
    let sandbox = sandbox(ClientConfig::public(CLIENT_ID).public_key(jwk.clone())).await;
    let client = Client::builder(provider(&sandbox, ClientAuth::Basic), CLIENT_ID)
        .signing_key(key)
        .shared_transport(transports().remove(0).1)
        .build()
        .unwrap();
    assert_eq!(client.auth_method(), ClientAuth::PrivateKeyJwt);
    for _ in 0..2 {
        client.client_credentials(&["read"]).await.unwrap();
    }
    let token_url = sandbox.token_endpoint().to_string();
    let sent = requests_to(&sandbox, sandbox.token_endpoint().path());
    assert_eq!(sent.len(), 2);
    let mut ids = Vec::new();
    for request in &sent {
        assert_eq!(request.header("authorization"), None);
        let form = sorted_form(request);
        let names: Vec<&str> = form.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            [
                "client_assertion",
                "client_assertion_type",
                "client_id",
                "grant_type",
                "scope"
            ]
        );
        assert_eq!(
            request.form_value("client_assertion_type").as_deref(),
            Some(ASSERTION_TYPE)
        );
        assert_eq!(request.form_value("client_id").as_deref(), Some(CLIENT_ID));
        let assertion = request.form_value("client_assertion").unwrap();
        let header = jsonwebtoken::decode_header(&assertion).unwrap();
        assert_eq!(header.alg, Algorithm::ES256);
        assert_eq!(header.kid.as_deref(), Some("key-1"));
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        let key =
            DecodingKey::from_ec_components(jwk["x"].as_str().unwrap(), jwk["y"].as_str().unwrap())
                .unwrap();
        // Undiscovered, the audience is the token endpoint.
        let claims = claims_of(&assertion, &key, Algorithm::ES256, &token_url);
        assert_eq!(claims["iss"], CLIENT_ID);
        assert_eq!(claims["sub"], CLIENT_ID);
        let (iat, exp) = (
            claims["iat"].as_u64().unwrap(),
            claims["exp"].as_u64().unwrap(),
        );
        assert_eq!(exp - iat, 60);
        assert!(iat.abs_diff(now()) <= 5);
        let jti = claims["jti"].as_str().unwrap().to_owned();
        assert_eq!(jti.len(), 22, "128 random bits, base64url: {jti}");
        ids.push(jti);
    }
    assert_ne!(ids[0], ids[1], "each request its own jti");
}

fn refusal(error: &Error) -> String {
    let server = error
        .server_error()
        .unwrap_or_else(|| panic!("expected the server's error, got {error:?}"));
    assert_eq!(server.error, oauth_core::ErrorCode::InvalidClient);
    assert!(
        !format!("{error} {error:?}").contains("eyJ"),
        "no assertion shown: {error:?}"
    );
    server.error_description.clone().unwrap_or_default()
}

#[tokio::test]
async fn an_expired_replayed_or_foreign_assertion_is_invalid_client() {
    let key = SigningKey::generate_es256().unwrap().with_kid("key-1");
    let sandbox =
        sandbox(ClientConfig::public(CLIENT_ID).public_key(key.public_jwk().unwrap())).await;
    let transport = transports().remove(0).1;
    let signed = |key: SigningKey| {
        Client::builder(provider(&sandbox, ClientAuth::PrivateKeyJwt), CLIENT_ID)
            .signing_key(key)
            .shared_transport(transport.clone())
            .build()
            .unwrap()
    };
    let client = signed(key);
    client.client_credentials(&[]).await.unwrap();

    // The same request again, assertion and all: its jti was seen.
    let first = &requests_to(&sandbox, sandbox.token_endpoint().path())[0];
    let replay = oauth_core::http::Request::builder()
        .method("POST")
        .uri(sandbox.token_endpoint().as_str())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(first.body.clone())
        .unwrap();
    let answer = transport.send(replay).await.unwrap();
    assert_eq!(answer.status(), 401);
    assert!(
        String::from_utf8_lossy(answer.body()).contains("the client assertion was used before"),
        "{:?}",
        answer.body()
    );

    // Another key under the registered key's id.
    let stranger = signed(SigningKey::generate_es256().unwrap().with_kid("key-1"));
    let error = stranger.client_credentials(&[]).await.unwrap_err();
    assert_eq!(
        refusal(&error),
        "the client assertion's signature does not verify"
    );

    // The server's clock two minutes ahead: a one-minute assertion made
    // now has expired by it.
    sandbox.advance(std::time::Duration::from_secs(120));
    let error = client.client_credentials(&[]).await.unwrap_err();
    assert_eq!(refusal(&error), "the client assertion has expired");
}

#[tokio::test]
async fn a_client_secret_jwt_request_never_sends_the_secret() {
    let sandbox = sandbox(ClientConfig::confidential(CLIENT_ID, HS256_SECRET)).await;
    let signed = client(
        &sandbox,
        ClientAuth::ClientSecretJwt,
        Some(HS256_SECRET),
        &transports().remove(0).1,
    );
    assert_eq!(signed.auth_method(), ClientAuth::ClientSecretJwt);
    signed.client_credentials(&[]).await.unwrap();
    let request = &requests_to(&sandbox, sandbox.token_endpoint().path())[0];
    assert_eq!(request.header("authorization"), None);
    assert_eq!(request.form_value("client_secret"), None);
    assert!(!String::from_utf8_lossy(&request.body).contains("w:rd"));
    let assertion = request.form_value("client_assertion").unwrap();
    let claims = claims_of(
        &assertion,
        &DecodingKey::from_secret(HS256_SECRET.as_bytes()),
        Algorithm::HS256,
        sandbox.token_endpoint().as_str(),
    );
    assert_eq!(claims["iss"], CLIENT_ID);
    // Signed with another secret, it is refused.
    let wrong = client(
        &sandbox,
        ClientAuth::ClientSecretJwt,
        Some("another secret, of the length HS256 needs"),
        &transports().remove(0).1,
    );
    let error = wrong.client_credentials(&[]).await.unwrap_err();
    assert_eq!(
        refusal(&error),
        "the client assertion's signature does not verify"
    );
}

fn config_error(result: Result<Client, Error>) -> String {
    match result.unwrap_err() {
        Error::Config(ConfigError::ClientAuth(reason)) => reason,
        other => panic!("expected a client authentication error, got {other:?}"),
    }
}

#[tokio::test]
async fn settings_that_cannot_authenticate_are_refused_when_built() {
    let sandbox = sandbox(ClientConfig::confidential(CLIENT_ID, SECRET)).await;
    let transport = transports().remove(0).1;
    let build = |auth: ClientAuth, secret: Option<&str>, key: Option<SigningKey>| {
        let mut builder = Client::builder(provider(&sandbox, auth), CLIENT_ID)
            .shared_transport(transport.clone());
        if let Some(secret) = secret {
            builder = builder.client_secret(secret);
        }
        if let Some(key) = key {
            builder = builder.signing_key(key);
        }
        builder.build()
    };
    assert_eq!(
        config_error(build(ClientAuth::PrivateKeyJwt, Some(SECRET), None)),
        "private_key_jwt needs the client's signing key"
    );
    assert_eq!(
        config_error(build(ClientAuth::ClientSecretJwt, None, None)),
        "client_secret_jwt needs the client secret"
    );
    // RFC 7518 §3.2: an HS256 key of 32 bytes at least. The secret is
    // not shown.
    let short = "a secret of thirty-one bytes...";
    assert_eq!(short.len(), 31);
    let error = build(ClientAuth::ClientSecretJwt, Some(short), None).unwrap_err();
    assert_eq!(
        error.to_string(),
        "configuration error: client authentication: client_secret_jwt needs a secret of at least 32 bytes (RFC 7518 §3.2)"
    );
    assert!(!format!("{error:?}").contains(short), "{error:?}");
    assert_eq!(
        config_error(build(ClientAuth::ClientSecretJwt, Some(SECRET), None)),
        "client_secret_jwt needs a secret of at least 32 bytes (RFC 7518 §3.2)"
    );
    // 32 bytes are enough, and the server takes the assertion.
    let exactly = "a secret of exactly 32 bytes...!";
    assert_eq!(exactly.len(), 32);
    let hs256 = crate::support::sandbox(ClientConfig::confidential(CLIENT_ID, exactly)).await;
    Client::builder(provider(&hs256, ClientAuth::ClientSecretJwt), CLIENT_ID)
        .client_secret(exactly)
        .shared_transport(transport.clone())
        .build()
        .unwrap()
        .client_credentials(&[])
        .await
        .unwrap();

    // The sandbox's metadata lists the secret methods only: a key is not
    // used there; with no secret either, the client cannot authenticate.
    let discovered = GenericProvider::discover_with(sandbox.oauth_url().as_str(), &*transport)
        .await
        .unwrap();
    let key = || SigningKey::generate_es256().unwrap();
    let with_secret = Client::builder(discovered.clone(), CLIENT_ID)
        .client_secret(SECRET)
        .signing_key(key())
        .shared_transport(transport.clone())
        .build()
        .unwrap();
    assert_eq!(with_secret.auth_method(), ClientAuth::Basic);
    with_secret.client_credentials(&[]).await.unwrap();
    let reason = config_error(
        Client::builder(discovered, CLIENT_ID)
            .signing_key(key())
            .shared_transport(transport.clone())
            .build(),
    );
    assert_eq!(
        reason,
        "the server does not list private_key_jwt among its methods"
    );
}
