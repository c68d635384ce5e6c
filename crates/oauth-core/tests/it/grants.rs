//! Every grant end to end against the sandbox, through every transport,
//! asserting the exact request the server received.
#![cfg(any(feature = "reqwest", feature = "hyper"))]

use crate::support::*;
use base64::Engine as _;
use oauth_core::{ClientAuth, Error, ErrorCode, RefreshToken, pkce_challenge};
use oauth_sandbox::browser::{self, Decision};
use oauth_sandbox::{ClientAuth as ServerAuth, ClientConfig};

fn basic_credentials(request: &oauth_sandbox::RecordedRequest) -> String {
    let header = request
        .header("authorization")
        .expect("an Authorization header");
    let encoded = header.strip_prefix("Basic ").expect("Basic scheme");
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap(),
    )
    .unwrap()
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    pairs.sort();
    pairs
}

/// A value of the token request, known only once the flow has run.
#[derive(Clone, Copy)]
enum Sent {
    Text(&'static str),
    /// The authorization code the browser brought back.
    Code,
    /// The PKCE verifier of the pending authorization.
    Verifier,
    /// The refresh token the first exchange issued.
    RefreshToken,
}

/// What a case runs against the token endpoint.
#[derive(Clone, Copy)]
enum Grant {
    /// The authorization code flow, completed with the callback URL.
    Code,
    /// Client credentials with these scopes.
    ClientCredentials(&'static [&'static str]),
    /// The code flow, then a refresh with the refresh token it issued.
    Refresh,
}

/// One row: how the sandbox registers the client, how the client
/// authenticates, what it runs, and the exact token request that must
/// arrive (its `Basic` credentials, or none, and its whole form).
struct Case {
    name: &'static str,
    server: fn() -> ClientConfig,
    auth: ClientAuth,
    secret: Option<&'static str>,
    grant: Grant,
    basic: Option<&'static str>,
    form: &'static [(&'static str, Sent)],
}

const CASES: &[Case] = &[
    Case {
        name: "authorization code, PKCE, Basic",
        server: || {
            ClientConfig::confidential(CLIENT_ID, SECRET)
                .redirect_uri(REDIRECT)
                .auth(ServerAuth::Basic)
                .require_pkce(true)
        },
        auth: ClientAuth::Basic,
        secret: Some(SECRET),
        grant: Grant::Code,
        // RFC 6749 §2.3.1: form-encoded before base64; the secret goes in
        // the header only.
        basic: Some("test-client:p%40ss+w%3Ard%2F%2B%25%26%3D%3F"),
        form: &[
            ("grant_type", Sent::Text("authorization_code")),
            ("code", Sent::Code),
            ("redirect_uri", Sent::Text(REDIRECT)),
            ("code_verifier", Sent::Verifier),
        ],
    },
    Case {
        name: "client credentials, body authentication",
        server: || {
            ClientConfig::confidential(CLIENT_ID, SECRET)
                .redirect_uri(REDIRECT)
                .auth(ServerAuth::Body)
        },
        auth: ClientAuth::RequestBody,
        secret: Some(SECRET),
        grant: Grant::ClientCredentials(&["read", "write"]),
        basic: None,
        form: &[
            ("grant_type", Sent::Text("client_credentials")),
            ("scope", Sent::Text("read write")),
            ("client_id", Sent::Text(CLIENT_ID)),
            ("client_secret", Sent::Text(SECRET)),
        ],
    },
    Case {
        name: "client credentials without scope sends none",
        server: || ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT),
        auth: ClientAuth::Basic,
        secret: Some(SECRET),
        grant: Grant::ClientCredentials(&[]),
        basic: Some("test-client:p%40ss+w%3Ard%2F%2B%25%26%3D%3F"),
        form: &[("grant_type", Sent::Text("client_credentials"))],
    },
    Case {
        name: "a public client sends its id and no secret",
        server: || ClientConfig::public(CLIENT_ID).redirect_uri(REDIRECT),
        auth: ClientAuth::Basic,
        secret: None,
        grant: Grant::Code,
        basic: None,
        form: &[
            ("grant_type", Sent::Text("authorization_code")),
            ("code", Sent::Code),
            ("redirect_uri", Sent::Text(REDIRECT)),
            ("code_verifier", Sent::Verifier),
            ("client_id", Sent::Text(CLIENT_ID)),
        ],
    },
    Case {
        name: "refresh, Basic",
        server: || {
            ClientConfig::confidential(CLIENT_ID, SECRET)
                .redirect_uri(REDIRECT)
                .rotate_refresh_tokens(true)
        },
        auth: ClientAuth::Basic,
        secret: Some(SECRET),
        grant: Grant::Refresh,
        basic: Some("test-client:p%40ss+w%3Ard%2F%2B%25%26%3D%3F"),
        form: &[
            ("grant_type", Sent::Text("refresh_token")),
            ("refresh_token", Sent::RefreshToken),
        ],
    },
];

#[tokio::test]
async fn each_grant_sends_exactly_the_request_the_server_expects() {
    for case in CASES {
        for (transport_name, transport) in transports() {
            let name = format!("{} ({transport_name})", case.name);
            let sandbox = sandbox((case.server)()).await;
            let client = client(&sandbox, case.auth, case.secret, &transport);
            let mut flow = Flow::default();
            match case.grant {
                Grant::Code => {
                    flow = authorize(&client).await;
                }
                Grant::ClientCredentials(scopes) => {
                    let token = client.client_credentials(scopes).await.unwrap();
                    assert!(token.expires_at().is_some(), "{name}");
                }
                Grant::Refresh => {
                    flow = authorize(&client).await;
                    let old = flow
                        .token
                        .as_ref()
                        .unwrap()
                        .refresh_token()
                        .unwrap()
                        .clone();
                    let token = client.refresh(&old).await.unwrap();
                    assert_ne!(
                        token.refresh_token().unwrap().secret(),
                        old.secret(),
                        "{name}: rotation gives a new one"
                    );
                }
            }
            let request = requests_to(&sandbox, "/token").pop().unwrap();
            assert_eq!(request.method, "POST", "{name}");
            assert_eq!(
                request.header("content-type"),
                Some("application/x-www-form-urlencoded"),
                "{name}"
            );
            assert_eq!(request.header("accept"), Some("application/json"), "{name}");
            assert_eq!(
                request
                    .header("authorization")
                    .map(|_| basic_credentials(&request)),
                case.basic.map(str::to_owned),
                "{name}"
            );
            let expected: Vec<(&str, String)> = case
                .form
                .iter()
                .map(|&(field, sent)| (field, flow.value(sent)))
                .collect();
            let expected: Vec<(&str, &str)> =
                expected.iter().map(|(k, v)| (*k, v.as_str())).collect();
            assert_eq!(sorted_form(&request), owned(&expected), "{name}");
        }
    }
}

/// What an authorization code flow produced.
#[derive(Default)]
struct Flow {
    token: Option<oauth_core::Token>,
    code: String,
    verifier: String,
}

impl Flow {
    fn value(&self, sent: Sent) -> String {
        match sent {
            Sent::Text(text) => text.to_owned(),
            Sent::Code => self.code.clone(),
            Sent::Verifier => self.verifier.clone(),
            Sent::RefreshToken => self
                .token
                .as_ref()
                .and_then(|t| t.refresh_token())
                .map(|r| r.secret().to_owned())
                .unwrap_or_default(),
        }
    }
}

#[tokio::test]
async fn the_authorization_url_carries_state_and_the_pkce_challenge() {
    let (_, transport) = transports().remove(0);
    let sandbox =
        sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
    let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);
    let (url, pending) = client
        .authorization_url()
        .scope("openid")
        .scope("profile")
        .build()
        .unwrap();
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let verifier = pending.pkce_verifier().expect("PKCE is on by default");
    assert_eq!(
        query,
        vec![
            ("response_type".into(), "code".into()),
            ("client_id".into(), CLIENT_ID.into()),
            ("redirect_uri".into(), REDIRECT.into()),
            ("scope".into(), "openid profile".into()),
            ("state".into(), pending.state().secret().into()),
            ("code_challenge".into(), pkce_challenge(verifier)),
            ("code_challenge_method".into(), "S256".into()),
            // OpenID Connect: a nonce of its own, kept for the ID token.
            (
                "nonce".into(),
                pending.nonce().expect("made for openid").secret().into()
            ),
        ]
    );
}

#[tokio::test]
async fn a_nonce_given_is_the_one_kept_and_none_is_made_without_openid() {
    let (_, transport) = transports().remove(0);
    let sandbox =
        sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
    let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);
    let nonces = |url: &oauth_core::url::Url| -> Vec<String> {
        url.query_pairs()
            .filter(|(name, _)| name == "nonce")
            .map(|(_, value)| value.into_owned())
            .collect()
    };
    let (url, pending) = client
        .authorization_url()
        .scope("openid")
        .param("nonce", "my-own-nonce")
        .build()
        .unwrap();
    assert_eq!(nonces(&url), ["my-own-nonce"]);
    assert_eq!(
        pending.nonce().map(oauth_core::Nonce::secret),
        Some("my-own-nonce")
    );
    let (url, pending) = client.authorization_url().scope("profile").build().unwrap();
    assert!(nonces(&url).is_empty());
    assert!(pending.nonce().is_none());
    // Undiscovered, the issuer is unknown: an `iss` in the callback is
    // not checked against anything, and none is required.
    assert_eq!(pending.issuer(), None);
}

#[tokio::test]
async fn pkce_can_be_switched_off_per_provider() {
    let (_, transport) = transports().remove(0);
    let sandbox =
        sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
    let provider = provider(&sandbox, ClientAuth::Basic).with_pkce(false);
    let client = oauth_core::Client::builder(provider, CLIENT_ID)
        .client_secret(SECRET)
        .redirect_uri(REDIRECT)
        .shared_transport(transport)
        .build()
        .unwrap();
    let (url, pending) = client.authorization_url().build().unwrap();
    assert!(pending.pkce_verifier().is_none());
    assert!(
        !url.query_pairs()
            .any(|(k, _)| k.starts_with("code_challenge"))
    );
    let callback = browser::sign_in(&url, USER, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    client
        .exchange_callback(pending, callback.as_str())
        .await
        .unwrap();
    assert_eq!(
        requests_to(&sandbox, "/token")[0].form_value("code_verifier"),
        None
    );
}

#[tokio::test]
async fn code_and_state_completion_and_serde_of_pending() {
    let (_, transport) = transports().remove(0);
    let sandbox =
        sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
    let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);
    let (url, pending) = client.authorization_url().build().unwrap();
    // A web app keeps the pending authorization in its session store.
    let stored = serde_json::to_string(&pending).unwrap();
    let restored: oauth_core::PendingAuthorization = serde_json::from_str(&stored).unwrap();
    let callback = browser::sign_in(&url, USER, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    let param = |name: &str| {
        callback
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    let token = client
        .exchange_code_with_state(restored, &param("code"), &param("state"))
        .await
        .unwrap();
    assert!(token.refresh_token().is_some());
}

#[tokio::test]
async fn refresh_with_and_without_rotation() {
    // With rotation the old refresh token dies; without, the answer brings
    // none and the client keeps the one it has, which keeps working.
    for rotate in [true, false] {
        for (name, transport) in transports() {
            let sandbox = sandbox(
                ClientConfig::confidential(CLIENT_ID, SECRET)
                    .redirect_uri(REDIRECT)
                    .rotate_refresh_tokens(rotate),
            )
            .await;
            let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);
            let first = authorize(&client).await.token.unwrap();
            let old = first.refresh_token().unwrap().clone();
            let refreshed = client.refresh(&old).await.unwrap();
            assert_ne!(
                refreshed.access_token().secret(),
                first.access_token().secret(),
                "{name}"
            );
            let kept = refreshed.refresh_token().map(RefreshToken::secret) == Some(old.secret());
            assert_eq!(kept, !rotate, "{name}, rotation {rotate}");
            let again = client.refresh(&old).await;
            if rotate {
                let err = again.unwrap_err();
                assert_eq!(
                    err.server_error().map(|e| &e.error),
                    Some(&ErrorCode::InvalidGrant),
                    "{name}: {err}"
                );
                assert_eq!(
                    err.status(),
                    Some(oauth_core::http::StatusCode::BAD_REQUEST)
                );
            } else {
                again.unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
    }
}

#[cfg(feature = "password-grant")]
#[tokio::test]
async fn password_grant_only_for_clients_allowed_it() {
    use oauth_core::Password;
    use oauth_sandbox::Grant;
    let (_, transport) = transports().remove(0);
    let sandbox = oauth_sandbox::Sandbox::builder()
        .client(
            ClientConfig::confidential(CLIENT_ID, SECRET)
                .redirect_uri(REDIRECT)
                .grants([Grant::Password, Grant::RefreshToken]),
        )
        .client(ClientConfig::confidential("other", SECRET).redirect_uri(REDIRECT))
        .user(oauth_sandbox::UserConfig::new(USER, PASSWORD))
        .start()
        .await
        .unwrap();
    let allowed = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);
    let token = allowed
        .password(USER, &Password::new(PASSWORD), &["profile"])
        .await
        .unwrap();
    assert!(token.refresh_token().is_some());
    let request = &requests_to(&sandbox, "/token")[0];
    assert_eq!(
        sorted_form(request),
        owned(&[
            ("grant_type", "password"),
            ("username", USER),
            ("password", PASSWORD),
            ("scope", "profile"),
        ])
    );

    let wrong = allowed
        .password(USER, &Password::new("not-it"), &[])
        .await
        .unwrap_err();
    assert_eq!(
        wrong.server_error().map(|e| &e.error),
        Some(&ErrorCode::InvalidGrant)
    );

    let other = oauth_core::Client::builder(provider(&sandbox, ClientAuth::Basic), "other")
        .client_secret(SECRET)
        .shared_transport(transport)
        .build()
        .unwrap();
    let denied = other
        .password(USER, &Password::new(PASSWORD), &[])
        .await
        .unwrap_err();
    assert_eq!(
        denied.server_error().map(|e| &e.error),
        Some(&ErrorCode::UnauthorizedClient),
        "{denied}"
    );
}

#[tokio::test]
async fn a_closure_is_a_transport() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let (_, inner) = transports().remove(0);
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let transport = oauth_core::transport::transport_fn(move |request| {
        let inner = inner.clone();
        let counted = counted.clone();
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            inner.send(request).await
        }
    });
    let sandbox =
        sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
    let client = oauth_core::Client::builder(provider(&sandbox, ClientAuth::Basic), CLIENT_ID)
        .client_secret(SECRET)
        .transport(transport)
        .build()
        .unwrap();
    client.client_credentials(&[]).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_same_code_cannot_be_exchanged_twice() {
    let (_, transport) = transports().remove(0);
    let sandbox =
        sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
    let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);
    let (url, pending) = client.authorization_url().build().unwrap();
    let callback = browser::sign_in(&url, USER, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    // A pending authorization is consumed; a copy kept by other means
    // (here, its serialised form) is refused by the server.
    let copy: oauth_core::PendingAuthorization =
        serde_json::from_str(&serde_json::to_string(&pending).unwrap()).unwrap();
    client
        .exchange_callback(pending, callback.as_str())
        .await
        .unwrap();
    let err = client
        .exchange_callback(copy, callback.as_str())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Server { error, .. } if error.error == ErrorCode::InvalidGrant),
        "{err:?}"
    );
}

/// The authorization code flow through the sandbox's sign-in page,
/// completed with the callback URL.
async fn authorize(client: &oauth_core::Client) -> Flow {
    let (url, pending) = client.authorization_url().build().unwrap();
    let verifier = pending
        .pkce_verifier()
        .map(|v| v.secret().to_owned())
        .unwrap_or_default();
    let callback = browser::sign_in(&url, USER, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    let code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("the callback carries a code");
    let token = client
        .exchange_callback(pending, callback.as_str())
        .await
        .unwrap();
    assert!(!token.access_token().secret().is_empty());
    assert!(token.refresh_token().is_some());
    Flow {
        token: Some(token),
        code,
        verifier,
    }
}

#[tokio::test]
async fn the_redirect_uri_is_sent_exactly_as_registered() {
    // A URL parser writes `http://127.0.0.1:9` as `http://127.0.0.1:9/`;
    // servers compare redirect URIs byte for byte.
    const BARE: &str = "http://127.0.0.1:9";
    let (_, transport) = transports().remove(0);
    let sandbox = sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(BARE)).await;
    let client = oauth_core::Client::builder(provider(&sandbox, ClientAuth::Basic), CLIENT_ID)
        .client_secret(SECRET)
        .redirect_uri(BARE)
        .shared_transport(transport)
        .build()
        .unwrap();
    let (url, pending) = client.authorization_url().build().unwrap();
    assert_eq!(
        url.query_pairs()
            .find(|(k, _)| k == "redirect_uri")
            .unwrap()
            .1,
        BARE
    );
    // It survives the trip through a web app's session store.
    let pending: oauth_core::PendingAuthorization =
        serde_json::from_str(&serde_json::to_string(&pending).unwrap()).unwrap();
    assert_eq!(pending.redirect_uri_as_sent(), BARE);
    let callback = browser::sign_in(&url, USER, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    client
        .exchange_callback(pending, callback.as_str())
        .await
        .unwrap();
    assert_eq!(
        requests_to(&sandbox, "/token")[0]
            .form_value("redirect_uri")
            .as_deref(),
        Some(BARE)
    );
}
