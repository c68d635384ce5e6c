//! Signed client authentication as the server receives it: the exact form
//! of a `private_key_jwt` and a `client_secret_jwt` token request (the
//! sandbox logs it, then refuses the assertion it does not check), the
//! assertion verified independently (`jsonwebtoken`), and the settings that
//! cannot work refused when the client is built.
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
    let sandbox = sandbox(ClientConfig::confidential(CLIENT_ID, SECRET)).await;
    let key = SigningKey::generate_es256().unwrap().with_kid("key-1");
    let jwk = key.public_jwk().unwrap();
    let client = Client::builder(provider(&sandbox, ClientAuth::Basic), CLIENT_ID)
        .signing_key(key)
        .shared_transport(transports().remove(0).1)
        .build()
        .unwrap();
    assert_eq!(client.auth_method(), ClientAuth::PrivateKeyJwt);
    // The sandbox checks secrets, not assertions: it refuses both, after
    // logging what it received.
    for _ in 0..2 {
        client.client_credentials(&["read"]).await.unwrap_err();
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

#[tokio::test]
async fn a_client_secret_jwt_request_never_sends_the_secret() {
    let sandbox = sandbox(ClientConfig::confidential(CLIENT_ID, SECRET)).await;
    let client = client(
        &sandbox,
        ClientAuth::ClientSecretJwt,
        Some(SECRET),
        &transports().remove(0).1,
    );
    assert_eq!(client.auth_method(), ClientAuth::ClientSecretJwt);
    client.client_credentials(&[]).await.unwrap_err();
    let request = &requests_to(&sandbox, sandbox.token_endpoint().path())[0];
    assert_eq!(request.header("authorization"), None);
    assert_eq!(request.form_value("client_secret"), None);
    assert!(!String::from_utf8_lossy(&request.body).contains("w:rd"));
    let assertion = request.form_value("client_assertion").unwrap();
    let claims = claims_of(
        &assertion,
        &DecodingKey::from_secret(SECRET.as_bytes()),
        Algorithm::HS256,
        sandbox.token_endpoint().as_str(),
    );
    assert_eq!(claims["iss"], CLIENT_ID);
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
