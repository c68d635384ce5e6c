//! OpenID Connect sign-ins done for the caller: the request makes and
//! keeps its nonce, the callback's issuer is checked (RFC 9207), the ID
//! token is verified with keys fetched again on an unknown `kid`, and
//! UserInfo is checked to be about the same user. (oidc-provider puts no
//! `at_hash` in the code flow's ID tokens: its check is a unit test.)

use oauth_core::jose::SigningKey;
use oauth_core::{
    CallbackError, Client, Error, GenericProvider, IdTokenError, IdTokenVerifier, Jwks, Password,
};

use crate::interop::authorization_code::form_login;
use crate::interop::harness::{
    CONFIDENTIAL_BASIC, PASSWORD, Server, USER, WEB_REDIRECT, transport,
};
use crate::server_or_skip;

async fn discovered_client(server: &Server) -> (Client, IdTokenVerifier) {
    let provider = GenericProvider::discover_with(server.issuer_str(), &*transport())
        .await
        .unwrap();
    let metadata = provider.metadata().unwrap().clone();
    assert!(metadata.authorization_response_iss_parameter_supported());
    let client = Client::builder(provider, CONFIDENTIAL_BASIC.id)
        .client_secret(CONFIDENTIAL_BASIC.secret.unwrap())
        .redirect_uri(WEB_REDIRECT)
        .shared_transport(transport())
        .build()
        .unwrap();
    let verifier = IdTokenVerifier::for_client(&client, &metadata)
        .await
        .unwrap();
    (client, verifier)
}

/// Signs in with `openid profile`, no nonce given: the request makes one.
async fn sign_in(client: &Client) -> (oauth_core::url::Url, oauth_core::PendingAuthorization) {
    let (url, pending) = client
        .authorization_url()
        .scopes(["openid", "profile"])
        .build()
        .unwrap();
    let sent_nonce = url
        .query_pairs()
        .find(|(name, _)| name == "nonce")
        .map(|(_, value)| value.into_owned());
    assert_eq!(
        sent_nonce.as_deref(),
        pending.nonce().map(oauth_core::Nonce::secret)
    );
    assert_eq!(sent_nonce.as_ref().map(String::len), Some(22));
    let callback = form_login()
        .sign_in(client, &url, USER, &Password::new(PASSWORD))
        .await
        .unwrap();
    (callback, pending)
}

#[tokio::test]
async fn a_sign_in_is_verified_for_the_caller_and_userinfo_is_the_same_user() {
    let server = server_or_skip!();
    let (client, verifier) = discovered_client(server).await;
    let (callback, pending) = sign_in(&client).await;
    let nonce = pending.nonce().unwrap().secret().to_owned();
    assert_eq!(pending.issuer(), Some(server.issuer_str()));
    // oidc-provider names itself in the response (RFC 9207).
    assert!(
        callback
            .query_pairs()
            .any(|(name, value)| name == "iss" && value == server.issuer_str())
    );

    let login = client
        .complete_login(pending, callback.as_str(), &verifier)
        .await
        .unwrap();
    assert_eq!(login.claims.sub, USER);
    assert_eq!(login.claims.iss, server.issuer_str());
    assert_eq!(login.claims.nonce.as_deref(), Some(nonce.as_str()));

    let info = client
        .user_info(login.token.access_token(), &login.claims)
        .await
        .unwrap();
    assert_eq!(info["sub"], USER);
    assert_eq!(info["name"], "Alice Liddell");
}

#[tokio::test]
async fn a_sign_in_with_a_max_age_is_checked_against_its_auth_time() {
    let server = server_or_skip!();
    let (client, verifier) = discovered_client(server).await;
    let (url, pending) = client
        .authorization_url()
        .scopes(["openid"])
        .param("max_age", "300")
        .build()
        .unwrap();
    assert_eq!(pending.max_age(), Some(std::time::Duration::from_secs(300)));
    assert!(url.query_pairs().any(|(k, v)| k == "max_age" && v == "300"));
    let callback = form_login()
        .sign_in(&client, &url, USER, &Password::new(PASSWORD))
        .await
        .unwrap();
    let login = client
        .complete_login(pending, callback.as_str(), &verifier)
        .await
        .unwrap();
    // oidc-provider gives `auth_time` when `max_age` is asked for, and it
    // is the sign-in just made.
    let ago = std::time::SystemTime::now()
        .duration_since(login.claims.auth_time.expect("auth_time"))
        .unwrap_or_default();
    assert!(ago < std::time::Duration::from_secs(60), "{ago:?}");
}

#[tokio::test]
async fn a_response_from_another_issuer_or_without_one_is_refused() {
    let server = server_or_skip!();
    let (client, verifier) = discovered_client(server).await;
    let (callback, pending) = sign_in(&client).await;
    let with_iss = |iss: Option<&str>| {
        let mut url = callback.clone();
        let pairs: Vec<(String, String)> = callback
            .query_pairs()
            .filter(|(name, _)| name != "iss")
            .map(|(n, v)| (n.into_owned(), v.into_owned()))
            .collect();
        {
            let mut query = url.query_pairs_mut();
            query.clear();
            for (name, value) in &pairs {
                query.append_pair(name, value);
            }
            if let Some(iss) = iss {
                query.append_pair("iss", iss);
            }
        }
        url
    };
    let copy = || -> oauth_core::PendingAuthorization {
        serde_json::from_value(serde_json::to_value(&pending).unwrap()).unwrap()
    };
    let attacker = with_iss(Some("https://attacker.example"));
    let error = client
        .complete_login(copy(), attacker.as_str(), &verifier)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "invalid callback: the authorization response comes from issuer `https://attacker.example`, expected `{}`",
            server.issuer_str()
        )
    );
    assert!(matches!(
        error,
        Error::Callback(CallbackError::IssuerMismatch { .. })
    ));
    let error = client
        .complete_login(copy(), with_iss(None).as_str(), &verifier)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Callback(CallbackError::MissingIssuer)),
        "{error:?}"
    );
    // Neither spent the code: the real callback still completes.
    client
        .complete_login(pending, callback.as_str(), &verifier)
        .await
        .unwrap();
}

#[tokio::test]
async fn code_and_state_alone_are_refused_and_the_issuer_given_is_compared_exactly() {
    let server = server_or_skip!();
    let (client, _verifier) = discovered_client(server).await;
    let (callback, pending) = sign_in(&client).await;
    let param = |name: &str| {
        callback
            .query_pairs()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    let (code, state, iss) = (param("code"), param("state"), param("iss"));
    assert_eq!(iss, server.issuer_str());
    let copy = || -> oauth_core::PendingAuthorization {
        serde_json::from_value(serde_json::to_value(&pending).unwrap()).unwrap()
    };

    // The server always sends `iss` (its metadata says so): without it the
    // response cannot be told from another issuer's.
    let error = client
        .exchange_code_with_state(copy(), &code, &state)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Callback(CallbackError::MissingIssuer)),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "invalid callback: no `iss` parameter, which this server always sends"
    );
    let error = client
        .exchange_code_with_issuer(copy(), &code, &state, None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Callback(CallbackError::MissingIssuer)),
        "{error:?}"
    );

    // Another issuer, or this one spelt otherwise (RFC 9207 §2.4: simple
    // string comparison), is refused.
    let issuer = server.issuer_str();
    for wrong in [
        "https://attacker.example".to_owned(),
        format!("{issuer}/"),
        issuer.to_uppercase(),
    ] {
        let error = client
            .exchange_code_with_issuer(copy(), &code, &state, Some(&wrong))
            .await
            .unwrap_err();
        match error {
            Error::Callback(CallbackError::IssuerMismatch { expected, actual }) => {
                assert_eq!(
                    (expected.as_str(), actual.as_str()),
                    (issuer, wrong.as_str())
                );
            }
            other => panic!("{wrong}: expected an issuer mismatch, got {other:?}"),
        }
    }
    // The same refusal from the whole callback URL, with a trailing slash.
    let mut slashed = callback.clone();
    let pairs: Vec<(String, String)> = callback
        .query_pairs()
        .map(|(n, v)| {
            let v = if n == "iss" {
                format!("{v}/")
            } else {
                v.into_owned()
            };
            (n.into_owned(), v)
        })
        .collect();
    slashed.query_pairs_mut().clear().extend_pairs(pairs);
    let error = client
        .exchange_callback(copy(), slashed.as_str())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Callback(CallbackError::IssuerMismatch { .. })),
        "{error:?}"
    );

    // None of them spent the code: the right issuer gets the token.
    let token = client
        .exchange_code_with_issuer(pending, &code, &state, Some(&iss))
        .await
        .unwrap();
    assert!(token.id_token().is_some());
}

#[tokio::test]
async fn rotated_keys_are_fetched_again_once_a_minute() {
    let server = server_or_skip!();
    let (client, verifier) = discovered_client(server).await;
    let (callback, pending) = sign_in(&client).await;
    let nonce = pending.nonce().cloned();
    let login = client
        .complete_login(pending, callback.as_str(), &verifier)
        .await
        .unwrap();

    // A verifier whose keys are stale (another key, another kid) fetches
    // the provider's again, once.
    let stale = SigningKey::generate_es256().unwrap().with_kid("stale");
    let stale = Jwks::from_json(
        serde_json::json!({ "keys": [stale.public_jwk().unwrap()] })
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    let rotated = verifier.clone().with_jwks(stale.clone());
    let claims = rotated
        .verify_login(&login.token, nonce.as_ref(), None)
        .await
        .unwrap();
    assert_eq!(claims.sub, USER);
    // Within the minute, a second unknown kid is not fetched again.
    let again = rotated.with_jwks(stale);
    let error = again
        .verify_login(&login.token, nonce.as_ref(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::IdToken(IdTokenError::UnknownKey { .. })),
        "{error:?}"
    );
}
