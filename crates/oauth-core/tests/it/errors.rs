//! What a user sees when things go wrong: bad callbacks, misbehaving token
//! endpoints, insecure URLs; and that no secret is ever shown.
#![cfg(any(feature = "reqwest", feature = "hyper"))]

use std::sync::Arc;
use std::time::Duration;

use crate::support::*;
use oauth_core::http::StatusCode;
use oauth_core::transport::{HttpTransport, TransportConfig};
use oauth_core::{
    CallbackError, Client, ClientAuth, ConfigError, Error, ErrorCode, GenericProvider, TokenType,
    TransportErrorKind,
};
use oauth_sandbox::browser::{self, Decision};
use oauth_sandbox::{ClientConfig, Fault, FaultRule, Sandbox, TokenQuirk};

async fn setup() -> (Sandbox, Client) {
    let (_, transport) = transports().remove(0);
    let sandbox =
        sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
    let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);
    (sandbox, client)
}

/// A real callback URL from the sandbox, and its pending authorization.
async fn real_callback(client: &Client) -> (oauth_core::PendingAuthorization, url::Url) {
    let (url, pending) = client.authorization_url().build().unwrap();
    let callback = browser::sign_in(&url, USER, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    (pending, callback)
}

fn with_param(url: &url::Url, name: &str, value: Option<&str>) -> String {
    let mut changed = url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .filter(|(k, _)| k != name)
        .collect();
    {
        let mut query = changed.query_pairs_mut();
        query.clear();
        for (k, v) in &pairs {
            query.append_pair(k, v);
        }
        if let Some(value) = value {
            query.append_pair(name, value);
        }
    }
    changed.to_string()
}

#[tokio::test]
async fn state_mismatch_is_refused_before_any_request() {
    let (sandbox, client) = setup().await;
    let (pending, callback) = real_callback(&client).await;
    let forged = with_param(&callback, "state", Some("forged-state"));
    let err = client
        .exchange_callback(pending, &forged)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::StateMismatch), "{err:?}");
    assert_eq!(
        err.to_string(),
        "state mismatch: the callback's state is not the one this authorization sent"
    );
    assert!(requests_to(&sandbox, "/token").is_empty());
}

#[tokio::test]
async fn missing_code_and_missing_state() {
    let (_sandbox, client) = setup().await;
    let (pending, callback) = real_callback(&client).await;
    let err = client
        .exchange_callback(pending, &with_param(&callback, "code", None))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Callback(CallbackError::MissingCode)),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "invalid callback: no `code` parameter");

    let (pending, callback) = real_callback(&client).await;
    let err = client
        .exchange_callback(pending, &with_param(&callback, "state", None))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Callback(CallbackError::MissingState)),
        "{err:?}"
    );
}

#[tokio::test]
async fn denied_consent_is_a_typed_error() {
    let (sandbox, client) = setup().await;
    let (url, pending) = client.authorization_url().build().unwrap();
    let callback = browser::sign_in(&url, USER, PASSWORD, Decision::Deny)
        .await
        .unwrap();
    let err = client
        .exchange_callback(pending, callback.as_str())
        .await
        .unwrap_err();
    let Error::AuthorizationDenied(denied) = &err else {
        panic!("expected AuthorizationDenied, got {err:?}");
    };
    assert_eq!(denied.error, ErrorCode::AccessDenied);
    assert!(
        err.to_string()
            .starts_with("authorization failed: `access_denied`"),
        "{err}"
    );
    assert!(requests_to(&sandbox, "/token").is_empty());
}

#[tokio::test]
async fn callback_to_another_address_is_refused() {
    let (_sandbox, client) = setup().await;
    let (pending, callback) = real_callback(&client).await;
    let elsewhere = callback
        .as_str()
        .replace("127.0.0.1:9/callback", "127.0.0.1:9/other");
    let err = client
        .exchange_callback(pending, &elsewhere)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid callback: expected a redirect to http://127.0.0.1:9/callback, got http://127.0.0.1:9/other"
    );
    let (pending, _) = real_callback(&client).await;
    let err = client
        .exchange_callback(pending, "not a url")
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Callback(CallbackError::InvalidUrl(_))),
        "{err:?}"
    );
}

#[tokio::test]
async fn duplicated_parameters_are_refused() {
    let (_sandbox, client) = setup().await;
    let (pending, callback) = real_callback(&client).await;
    let doubled = format!("{callback}&code=another");
    let err = client
        .exchange_callback(pending, &doubled)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Callback(CallbackError::DuplicateParameter("code"))
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn token_answer_quirks_through_a_real_server() {
    let (sandbox, client) = setup().await;
    for quirk in [
        TokenQuirk::StringExpiresIn,
        TokenQuirk::MissingTokenType,
        TokenQuirk::UppercaseTokenType,
        TokenQuirk::CommaScopes,
        TokenQuirk::ArrayScopes,
        TokenQuirk::FormEncoded,
    ] {
        sandbox.inject(FaultRule::on("/token", Fault::Token(quirk)));
        let token = client
            .client_credentials(&["read", "write"])
            .await
            .unwrap_or_else(|e| panic!("{quirk:?}: {e}"));
        assert_eq!(token.token_type(), &TokenType::Bearer, "{quirk:?}");
        assert!(token.expires_at().is_some(), "{quirk:?}");
        if matches!(quirk, TokenQuirk::CommaScopes | TokenQuirk::ArrayScopes) {
            assert_eq!(
                token.scopes(),
                Some(&["read".to_owned(), "write".to_owned()][..]),
                "{quirk:?}"
            );
        }
    }
    sandbox.inject(FaultRule::on(
        "/token",
        Fault::Token(TokenQuirk::ErrorWith200),
    ));
    let err = client.client_credentials(&[]).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::OK));
    assert_eq!(
        err.server_error().map(|e| &e.error),
        Some(&ErrorCode::InvalidGrant)
    );
}

#[tokio::test]
async fn malformed_answers_give_typed_errors() {
    let (sandbox, client) = setup().await;
    let endpoint = format!("token endpoint {}token", sandbox.oauth_url());

    sandbox.inject(FaultRule::on("/token", Fault::HtmlErrorPage(502)));
    let err = client.client_credentials(&[]).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Http {
                status: StatusCode::BAD_GATEWAY,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with(&format!(
            "{endpoint}: unexpected HTTP status 502 Bad Gateway: <"
        )),
        "{err}"
    );

    sandbox.inject(FaultRule::on("/token", Fault::InvalidJson));
    let Error::Parse(parse) = client.client_credentials(&[]).await.unwrap_err() else {
        panic!("invalid JSON is a parse error");
    };
    assert_eq!(parse.status, StatusCode::OK);
    assert!(!parse.excerpt.is_empty());

    sandbox.inject(FaultRule::on("/token", Fault::MissingAccessToken));
    let Error::Parse(parse) = client.client_credentials(&[]).await.unwrap_err() else {
        panic!("a token answer without a token is a parse error");
    };
    assert_eq!(parse.field.as_deref(), Some("access_token"));
    assert_eq!(parse.message, "missing");

    sandbox.inject(FaultRule::on(
        "/token",
        Fault::Status {
            status: 500,
            headers: vec![],
            body: r#"{"error":"server_error","error_description":"database down"}"#.into(),
        },
    ));
    let err = client.client_credentials(&[]).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{endpoint}: server answered 500 Internal Server Error with `server_error` (database down)"
        )
    );

    sandbox.inject(FaultRule::on(
        "/token",
        Fault::Status {
            status: 503,
            headers: vec![],
            body: String::new(),
        },
    ));
    let err = client.client_credentials(&[]).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{endpoint}: unexpected HTTP status 503 Service Unavailable and an empty body")
    );
}

#[tokio::test]
async fn broken_connections_are_transport_errors_on_every_transport() {
    for (name, transport) in transports() {
        let sandbox =
            sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
        let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);

        sandbox.inject(FaultRule::on("/token", Fault::CloseConnection));
        let err = client.client_credentials(&[]).await.unwrap_err();
        assert!(
            matches!(&err, Error::Transport { source, .. } if source.kind() == TransportErrorKind::Io),
            "{name}: {err:?}"
        );

        sandbox.inject(FaultRule::on("/token", Fault::TruncatedBody));
        let err = client.client_credentials(&[]).await.unwrap_err();
        assert!(
            matches!(&err, Error::Transport { source, .. } if source.kind() == TransportErrorKind::Io),
            "{name}: {err:?}"
        );

        sandbox.inject(FaultRule::on(
            "/token",
            Fault::OversizedBody(2 * 1024 * 1024),
        ));
        let err = client.client_credentials(&[]).await.unwrap_err();
        assert!(
            matches!(&err, Error::Transport { source, .. }
                if source.kind() == TransportErrorKind::BodyTooLarge { limit: 1024 * 1024 }),
            "{name}: {err:?}"
        );
        // The sandbox keeps working after each fault.
        client.client_credentials(&[]).await.unwrap();
    }
}

#[tokio::test]
async fn a_slow_answer_times_out_on_every_transport() {
    let config = TransportConfig::default().timeout(Duration::from_millis(200));
    #[allow(clippy::vec_init_then_push)] // Which pushes exist depends on the features.
    let mut slow: Vec<(&str, Arc<dyn HttpTransport>)> = Vec::new();
    #[cfg(feature = "reqwest")]
    slow.push((
        "reqwest",
        Arc::new(oauth_core::transport::ReqwestTransport::with_config(&config).unwrap()),
    ));
    #[cfg(feature = "hyper")]
    slow.push((
        "hyper",
        Arc::new(oauth_core::transport::HyperTransport::with_config(&config).unwrap()),
    ));
    for (name, transport) in slow {
        let sandbox =
            sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
        let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);
        sandbox.inject(FaultRule::on(
            "/token",
            Fault::Delay(Duration::from_secs(3)),
        ));
        let started = std::time::Instant::now();
        let err = client.client_credentials(&[]).await.unwrap_err();
        assert!(
            matches!(&err, Error::Transport { source, .. } if source.kind() == TransportErrorKind::Timeout),
            "{name}: {err:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(2), "{name}");
    }
}

#[tokio::test]
async fn a_redirect_from_the_token_endpoint_is_not_followed() {
    for (name, transport) in transports() {
        let sandbox =
            sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
        let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);
        let elsewhere = sandbox.api_url().join("api/echo").unwrap();
        sandbox.inject(FaultRule::on(
            "/token",
            Fault::RedirectTo(elsewhere.to_string()),
        ));
        let err = client.client_credentials(&[]).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::Http {
                    status: StatusCode::FOUND,
                    ..
                }
            ),
            "{name}: {err:?}"
        );
        assert!(
            requests_to(&sandbox, "/api/echo").is_empty(),
            "{name}: the redirect target must not be requested"
        );
    }
}

#[tokio::test]
async fn plain_http_off_loopback_is_refused() {
    let err = GenericProvider::new(
        "http://auth.example.com/authorize",
        "https://auth.example.com/token",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "insecure endpoint http://auth.example.com/authorize: plain http is only allowed on loopback hosts"
    );
    let err = GenericProvider::new(
        "https://auth.example.com/authorize",
        "http://10.1.2.3/token",
    )
    .unwrap_err();
    assert!(matches!(err, Error::InsecureUrl { .. }), "{err:?}");
    assert!(GenericProvider::new("https://a.example/authorize", "https://a.example/token").is_ok());
}

#[tokio::test]
async fn no_secret_in_debug_or_display() {
    let (sandbox, client) = setup().await;
    let (pending, callback) = real_callback(&client).await;
    let code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let state = pending.state().secret().to_owned();
    let verifier = pending.pkce_verifier().unwrap().secret().to_owned();
    let pending_debug = format!("{pending:?}");
    let token = client
        .exchange_callback(pending, callback.as_str())
        .await
        .unwrap();
    let access = token.access_token().secret().to_owned();
    let refresh = token.refresh_token().unwrap().secret().to_owned();

    // Errors whose bodies carry tokens: the excerpt is redacted.
    sandbox.inject(FaultRule::on(
        "/token",
        Fault::Status {
            status: 400,
            headers: vec![],
            body: format!(r#"{{"access_token":"{access}","refresh_token":"{refresh}","oops":true"#),
        },
    ));
    let err = client
        .refresh(token.refresh_token().unwrap())
        .await
        .unwrap_err();

    let shown = [
        format!("{client:?}"),
        format!("{token:?}"),
        pending_debug,
        format!("{err} {err:?}"),
        format!("{:?}", token.access_token()),
    ];
    for text in &shown {
        for secret in [
            SECRET,
            access.as_str(),
            refresh.as_str(),
            code.as_str(),
            state.as_str(),
            verifier.as_str(),
        ] {
            assert!(!text.contains(secret), "{text} shows a secret");
        }
    }
    assert!(shown[1].contains("AccessToken([redacted])"));
}

#[tokio::test]
async fn reserved_parameters_cannot_be_overridden() {
    let (_sandbox, client) = setup().await;
    let err = client
        .authorization_url()
        .param("redirect_uri", "https://evil.example/")
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration error: parameter `redirect_uri` is set by the authorization request itself"
    );
    let (url, _) = client
        .authorization_url()
        .param("prompt", "consent")
        .build()
        .unwrap();
    assert!(
        url.query_pairs()
            .any(|(k, v)| k == "prompt" && v == "consent")
    );
}

#[tokio::test]
async fn a_token_only_provider_gets_tokens_and_refuses_the_code_flow() {
    let (sandbox, _) = setup().await;
    let endpoints = oauth_core::Endpoints::token_only(sandbox.token_endpoint().as_str()).unwrap();
    assert_eq!(endpoints.authorization(), None);
    let client = Client::builder(GenericProvider::from_endpoints(endpoints), CLIENT_ID)
        .client_secret(SECRET)
        .redirect_uri(REDIRECT)
        .shared_transport(transports().remove(0).1)
        .build()
        .unwrap();
    let token = client.client_credentials(&[]).await.unwrap();
    assert!(!token.access_token().secret().is_empty());
    let err = client.authorization_url().build().unwrap_err();
    assert!(
        matches!(err, Error::Config(ConfigError::NoEndpoint("authorization"))),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "configuration error: the provider has no authorization endpoint"
    );
}

#[tokio::test]
async fn configuration_errors() {
    let (sandbox, _) = setup().await;
    let no_redirect = Client::builder(provider(&sandbox, ClientAuth::Basic), CLIENT_ID)
        .build()
        .unwrap();
    let err = no_redirect.authorization_url().build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration error: the authorization code flow needs a redirect URI"
    );
    let err = Client::builder(provider(&sandbox, ClientAuth::Basic), CLIENT_ID)
        .redirect_uri("https://app.example/cb#frag")
        .build()
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Config(ConfigError::InvalidUrl { what: "redirect URI", url, .. })
                if url == "https://app.example/cb#frag"
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "configuration error: invalid redirect URI `https://app.example/cb#frag`: \
         it has a fragment, which RFC 6749 forbids"
    );
    let err = Client::builder(provider(&sandbox, ClientAuth::Basic), "")
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration error: the client id is empty"
    );
}
