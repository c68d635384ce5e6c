//! An OpenID sign-in completed for the caller against the sandbox, which
//! signs its ID tokens (ES256) and serves its keys: the nonce made by the
//! request comes back in the verified token, whether `openid` was asked
//! for alone or in one string with other scopes; a pending authorization
//! without its nonce, and an ID token issued in the future, are refused.
#![cfg(all(feature = "oidc", any(feature = "reqwest", feature = "hyper")))]

use std::time::Duration;

use oauth_core::{Client, Error, IdTokenError, IdTokenVerifier};
use oauth_sandbox::browser::{self, Decision};
use oauth_sandbox::{ClientConfig, Sandbox};

use crate::support::*;

/// A sandbox, a client of it from its discovered metadata, and a verifier
/// of its ID tokens.
async fn discovered() -> (Sandbox, Client, IdTokenVerifier) {
    let sandbox =
        sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
    let transport = transports().remove(0).1;
    let provider = discovered_provider(&sandbox, &*transport).await;
    let client = Client::builder(provider, CLIENT_ID)
        .client_secret(SECRET)
        .redirect_uri(REDIRECT)
        .shared_transport(transport)
        .build()
        .unwrap();
    let verifier = IdTokenVerifier::for_client(&client, client.metadata().unwrap())
        .await
        .unwrap();
    (sandbox, client, verifier)
}

/// Signs in with `scope` given as one string, approving.
async fn sign_in_with(
    client: &Client,
    scope: &str,
) -> (oauth_core::url::Url, oauth_core::PendingAuthorization) {
    sign_in_with_scopes(client, &[scope]).await
}

/// Signs in with these scopes, approving.
async fn sign_in_with_scopes(
    client: &Client,
    scopes: &[&str],
) -> (oauth_core::url::Url, oauth_core::PendingAuthorization) {
    let (url, pending) = client
        .authorization_url()
        .scopes(scopes.iter().copied())
        .build()
        .unwrap();
    let callback = browser::sign_in(&url, USER, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    (callback, pending)
}

/// `pending` with its JSON form changed by `change`, as a web app would
/// restore an altered one.
fn altered(
    pending: &oauth_core::PendingAuthorization,
    change: impl FnOnce(&mut serde_json::Value),
) -> oauth_core::PendingAuthorization {
    let mut json = serde_json::to_value(pending).unwrap();
    change(&mut json);
    serde_json::from_value(json).unwrap()
}

#[tokio::test]
async fn a_sign_in_on_the_sandbox_is_verified_and_a_wrong_nonce_refused() {
    let (sandbox, client, verifier) = discovered().await;
    let issuer = issuer(&sandbox);
    let sign_in = || sign_in_with_scopes(&client, &["openid", "profile"]);
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
    let other = altered(&pending, |json| {
        json["nonce"] = "a-nonce-of-another-request".into();
    });
    let error = client
        .complete_login(other, callback.as_str(), &verifier)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::IdToken(IdTokenError::Nonce)),
        "{error:?}"
    );
}

#[tokio::test]
async fn openid_among_several_scopes_in_one_string_gets_a_nonce_that_is_checked() {
    let (_sandbox, client, verifier) = discovered().await;
    for scope in ["openid profile", "profile openid", "profile  openid"] {
        let (callback, pending) = sign_in_with(&client, scope).await;
        let nonce = pending
            .nonce()
            .unwrap_or_else(|| panic!("{scope:?}: no nonce made"))
            .secret()
            .to_owned();
        // The token carries the nonce sent, and it is the one checked: the
        // same callback against another nonce is refused.
        let error = client
            .complete_login(
                altered(&pending, |json| json["nonce"] = "another-request".into()),
                callback.as_str(),
                &verifier,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::IdToken(IdTokenError::Nonce)),
            "{scope:?}: {error:?}"
        );
        let (callback, pending) = sign_in_with(&client, scope).await;
        let nonce_sent = pending.nonce().unwrap().secret().to_owned();
        assert_ne!(nonce, nonce_sent, "each request its own nonce");
        let login = client
            .complete_login(pending, callback.as_str(), &verifier)
            .await
            .unwrap();
        assert_eq!(login.claims.nonce.as_deref(), Some(nonce_sent.as_str()));
    }
}

#[tokio::test]
async fn an_openid_authorization_without_its_nonce_is_refused_before_the_exchange() {
    let (sandbox, client, verifier) = discovered().await;
    let (callback, pending) = sign_in_with(&client, "openid profile").await;
    let without = altered(&pending, |json| {
        json.as_object_mut().unwrap().remove("nonce");
    });
    assert!(without.nonce().is_none());
    let error = client
        .complete_login(without, callback.as_str(), &verifier)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::IdToken(IdTokenError::NoNonceRecorded)),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "ID token: the authorization asked for `openid` but recorded no nonce to check the ID token with"
    );
    // The code was not sent: the real pending authorization completes.
    assert!(requests_to(&sandbox, sandbox.token_endpoint().path()).is_empty());
    client
        .complete_login(pending, callback.as_str(), &verifier)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_id_token_issued_in_the_future_is_refused() {
    let (sandbox, client, verifier) = discovered().await;
    // The provider's clock five minutes ahead of ours: its tokens' `iat`
    // is past the verifier's 60 seconds of leeway.
    sandbox.advance(Duration::from_secs(300));
    let (callback, pending) = sign_in_with(&client, "openid").await;
    let error = client
        .complete_login(pending, callback.as_str(), &verifier)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::IdToken(IdTokenError::IssuedInFuture)),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "ID token: the ID token was issued in the future (iat beyond the clock skew allowed)"
    );
    // Within the leeway it is clock skew, and taken.
    let (callback, pending) = sign_in_with(&client, "openid").await;
    let lenient = verifier.clone().leeway(Duration::from_secs(600));
    client
        .complete_login(pending, callback.as_str(), &lenient)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_max_age_is_sent_kept_and_checked_against_the_auth_time() {
    let (sandbox, client, verifier) = discovered().await;
    let sign_in_within = |max_age: &str| {
        let built = client
            .authorization_url()
            .scopes(["openid"])
            .param("max_age", max_age)
            .build();
        async move {
            let (url, pending) = built.unwrap();
            let callback = browser::sign_in(&url, USER, PASSWORD, Decision::Approve)
                .await
                .unwrap();
            (callback, pending)
        }
    };
    let (callback, pending) = sign_in_within("300").await;
    // Kept through the pending authorization's JSON, as a web app keeps it.
    let pending: oauth_core::PendingAuthorization =
        serde_json::from_value(serde_json::to_value(&pending).unwrap()).unwrap();
    assert_eq!(pending.max_age(), Some(Duration::from_secs(300)));
    let login = client
        .complete_login(pending, callback.as_str(), &verifier)
        .await
        .unwrap();
    let signed_in = login.claims.auth_time.expect("the sandbox sends auth_time");
    assert!(signed_in.elapsed().unwrap_or_default() < Duration::from_secs(60));

    // With no leeway, a sign-in even a moment ago is older than a max_age
    // of 0: the check is made, and its error is the one a user sees.
    let strict = verifier.clone().leeway(Duration::ZERO);
    let (callback, pending) = sign_in_within("0").await;
    let error = client
        .complete_login(pending, callback.as_str(), &strict)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "ID token: the user signed in longer ago than the max_age asked for"
    );
    assert_eq!(
        requests_to(&sandbox, sandbox.token_endpoint().path()).len(),
        2
    );

    let error = client
        .authorization_url()
        .scopes(["openid"])
        .param("max_age", "five minutes")
        .build()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "configuration error: cannot write the max_age parameter: not a whole number of seconds"
    );
}
