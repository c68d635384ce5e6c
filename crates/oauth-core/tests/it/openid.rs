//! An OpenID sign-in completed for the caller against the sandbox, which
//! signs its ID tokens (ES256) and serves its keys: the nonce made by the
//! request comes back in the verified token.
#![cfg(all(feature = "oidc", any(feature = "reqwest", feature = "hyper")))]

use oauth_core::{Client, Error, GenericProvider, IdTokenError, IdTokenVerifier};
use oauth_sandbox::ClientConfig;
use oauth_sandbox::browser::{self, Decision};

use crate::support::*;

#[tokio::test]
async fn a_sign_in_on_the_sandbox_is_verified_and_a_wrong_nonce_refused() {
    let sandbox =
        sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
    let transport = transports().remove(0).1;
    let issuer = sandbox
        .oauth_url()
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let provider = GenericProvider::discover_with(&issuer, &*transport)
        .await
        .unwrap();
    let client = Client::builder(provider, CLIENT_ID)
        .client_secret(SECRET)
        .redirect_uri(REDIRECT)
        .shared_transport(transport)
        .build()
        .unwrap();
    let verifier = IdTokenVerifier::for_client(&client, client.metadata().unwrap())
        .await
        .unwrap();
    let sign_in = || async {
        let (url, pending) = client
            .authorization_url()
            .scopes(["openid", "profile"])
            .build()
            .unwrap();
        let callback = browser::sign_in(&url, USER, PASSWORD, Decision::Approve)
            .await
            .unwrap();
        (callback, pending)
    };
    let (callback, pending) = sign_in().await;
    let nonce = pending.nonce().unwrap().secret().to_owned();
    let login = client
        .complete_login(pending, callback.as_str(), &verifier)
        .await
        .unwrap();
    assert_eq!(login.claims.iss, issuer);
    assert_eq!(login.claims.aud, [CLIENT_ID]);
    assert_eq!(login.claims.nonce.as_deref(), Some(nonce.as_str()));
    assert_eq!(login.claims.extra["preferred_username"], USER);

    // A callback completed against another request's pending state: its
    // nonce is not the token's.
    let (callback, pending) = sign_in().await;
    let mut other: serde_json::Value = serde_json::to_value(&pending).unwrap();
    other["nonce"] = serde_json::json!("a-nonce-of-another-request");
    let other: oauth_core::PendingAuthorization = serde_json::from_value(other).unwrap();
    let error = client
        .complete_login(other, callback.as_str(), &verifier)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::IdToken(IdTokenError::Nonce)),
        "{error:?}"
    );
}
