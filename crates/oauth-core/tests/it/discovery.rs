//! Discovery (OpenID Connect and RFC 8414), revocation and introspection
//! against the sandbox; malformed metadata through a scripted transport.
#![cfg(any(feature = "reqwest", feature = "hyper"))]

use std::sync::{Arc, Mutex};

use crate::support::*;
use oauth_core::transport::{HttpRequest, transport_fn};
use oauth_core::{Client, ClientAuth, ConfigError, Error, ErrorCode, GenericProvider, http};
use oauth_sandbox::ClientConfig;

#[tokio::test]
async fn discovery_fills_endpoints_auth_and_pkce() {
    for (name, transport) in transports() {
        let sandbox =
            sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
        let issuer = issuer(&sandbox);
        let provider = discovered_provider(&sandbox, &*transport).await;
        let endpoints = oauth_core::Provider::endpoints(&provider);
        let at = |path: &str| sandbox.oauth_url().join(path).unwrap();
        assert_eq!(endpoints.authorization(), Some(&at("authorize")), "{name}");
        assert_eq!(endpoints.token(), &at("token"));
        assert_eq!(endpoints.userinfo(), Some(&at("userinfo")));
        assert_eq!(endpoints.revocation(), Some(&at("revoke")));
        assert_eq!(endpoints.introspection(), Some(&at("introspect")));
        assert_eq!(endpoints.device_authorization(), None);
        assert_eq!(
            oauth_core::Provider::client_auth(&provider),
            ClientAuth::Basic
        );
        assert!(oauth_core::Provider::pkce(&provider));
        let metadata = provider.metadata().unwrap();
        assert_eq!(metadata.jwks_uri(), Some(&at("jwks/certs")));
        assert_eq!(metadata.issuer(), issuer);
        assert_eq!(metadata.authorization_endpoint(), &at("authorize"));
        assert_eq!(metadata.token_endpoint(), &at("token"));
        assert_eq!(metadata.userinfo_endpoint(), Some(&at("userinfo")));
        assert_eq!(metadata.revocation_endpoint(), Some(&at("revoke")));
        assert_eq!(metadata.introspection_endpoint(), Some(&at("introspect")));
        assert_eq!(metadata.device_authorization_endpoint(), None);
        let names = |list: Option<&[String]>| list.map(<[String]>::to_vec);
        assert!(
            names(metadata.scopes_supported()).is_some_and(|s| s.contains(&"openid".to_owned())),
            "{:?}",
            metadata.scopes_supported()
        );
        assert_eq!(
            names(metadata.response_types_supported()),
            Some(vec!["code".to_owned()])
        );
        assert_eq!(
            names(metadata.grant_types_supported()),
            Some(
                [
                    "authorization_code",
                    "client_credentials",
                    "refresh_token",
                    "password"
                ]
                .map(str::to_owned)
                .to_vec()
            )
        );
        assert_eq!(
            names(metadata.token_endpoint_auth_methods_supported()),
            Some(
                ["client_secret_basic", "client_secret_post", "none"]
                    .map(str::to_owned)
                    .to_vec()
            )
        );
        assert_eq!(
            names(metadata.code_challenge_methods_supported()),
            Some(vec!["S256".to_owned(), "plain".to_owned()])
        );
        // The sandbox's ID tokens are unsigned, and its metadata says so.
        assert_eq!(
            names(metadata.id_token_signing_alg_values_supported()),
            Some(vec!["ES256".to_owned()])
        );
        assert!(metadata.pkce_s256());
        assert_eq!(
            metadata.document()["response_modes_supported"],
            serde_json::json!(["query"]),
            "members without an accessor stay readable"
        );
        let shown = format!("{metadata:?}");
        assert!(
            shown.starts_with(&format!(
                "ServerMetadata {{ issuer: \"{issuer}\", authorization_endpoint: \"{}\"",
                at("authorize")
            )),
            "{shown}"
        );
        // The OpenID document came first, then the RFC 8414 one for what
        // it left out.
        let paths: Vec<String> = sandbox.requests().into_iter().map(|r| r.path).collect();
        assert_eq!(
            paths,
            [
                "/.well-known/openid-configuration",
                "/.well-known/oauth-authorization-server"
            ]
        );
    }
}

#[tokio::test]
async fn revoked_token_introspects_inactive() {
    let transport = transports().remove(0).1;
    let sandbox =
        sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
    let issuer = sandbox.oauth_url().as_str().to_owned();
    let provider = GenericProvider::discover_with(&issuer, &*transport)
        .await
        .unwrap();
    let client = Client::builder(provider, CLIENT_ID)
        .client_secret(SECRET)
        .shared_transport(transport)
        .build()
        .unwrap();
    let token = client.client_credentials(&[]).await.unwrap();

    let before = client.introspect(token.access_token()).await.unwrap();
    assert!(before.active);
    assert_eq!(before.client_id.as_deref(), Some(CLIENT_ID));
    assert!(before.expires_at.is_some());

    client.revoke(token.access_token()).await.unwrap();
    let revoke = requests_to(&sandbox, "/revoke").remove(0);
    assert_eq!(
        sorted_form(&revoke),
        vec![
            ("token".to_owned(), token.access_token().secret().to_owned()),
            ("token_type_hint".to_owned(), "access_token".to_owned()),
        ]
    );
    assert!(
        revoke
            .header("authorization")
            .unwrap()
            .starts_with("Basic ")
    );

    let after = client.introspect(token.access_token()).await.unwrap();
    assert!(!after.active);
    assert_eq!(after.client_id, None);
}

#[tokio::test]
async fn revocation_needs_an_endpoint() {
    let transport = transports().remove(0).1;
    let sandbox =
        sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
    let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);
    let token = oauth_core::AccessToken::new("t");
    let revoke = client.revoke(&token).await.unwrap_err();
    assert!(
        matches!(revoke, Error::Config(ConfigError::NoEndpoint("revocation"))),
        "{revoke:?}"
    );
    assert_eq!(
        revoke.to_string(),
        "configuration error: the provider has no revocation endpoint"
    );
    let introspect = client.introspect(&token).await.unwrap_err();
    assert_eq!(
        introspect.to_string(),
        "configuration error: the provider has no introspection endpoint"
    );
}

#[tokio::test]
async fn wrong_secret_at_revocation_is_invalid_client() {
    let transport = transports().remove(0).1;
    let sandbox =
        sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
    let provider = GenericProvider::discover_with(sandbox.oauth_url().as_str(), &*transport)
        .await
        .unwrap();
    let client = Client::builder(provider, CLIENT_ID)
        .client_secret("wrong")
        .shared_transport(transport)
        .build()
        .unwrap();
    let error = client
        .revoke(&oauth_core::AccessToken::new("t"))
        .await
        .unwrap_err();
    assert_eq!(
        error.server_error().unwrap().error,
        ErrorCode::InvalidClient
    );
}

/// A transport that answers each path from a table and records the paths.
fn scripted(
    answers: Vec<(&'static str, u16, impl Into<String>)>,
) -> (Arc<Mutex<Vec<String>>>, impl oauth_core::HttpTransport) {
    let answers: Vec<(&'static str, u16, String)> = answers
        .into_iter()
        .map(|(path, status, body)| (path, status, body.into()))
        .collect();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let transport = transport_fn(move |request: HttpRequest| {
        let path = request.uri().path().to_owned();
        log.lock().unwrap().push(path.clone());
        let (status, body) = answers
            .iter()
            .find(|(p, _, _)| *p == path)
            .map_or((404, "not found".to_owned()), |(_, s, b)| (*s, b.clone()));
        async move {
            Ok(http::Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(body.as_bytes().to_vec().into())
                .unwrap())
        }
    });
    (seen, transport)
}

const RFC8414_DOC: &str = r#"{
    "issuer": "https://id.example.com/tenant",
    "authorization_endpoint": "https://id.example.com/tenant/authorize",
    "token_endpoint": "https://id.example.com/tenant/token",
    "device_authorization_endpoint": "https://id.example.com/tenant/device",
    "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
    "code_challenge_methods_supported": ["plain"]
}"#;

#[tokio::test]
async fn rfc8414_is_the_fallback() {
    let (seen, transport) = scripted(vec![(
        "/.well-known/oauth-authorization-server/tenant",
        200,
        RFC8414_DOC,
    )]);
    let provider = GenericProvider::discover_with("https://id.example.com/tenant", &transport)
        .await
        .unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            "/tenant/.well-known/openid-configuration".to_owned(),
            "/.well-known/oauth-authorization-server/tenant".to_owned(),
        ]
    );
    assert_eq!(
        oauth_core::Provider::client_auth(&provider),
        ClientAuth::RequestBody
    );
    // The server lists PKCE methods without S256.
    assert!(!oauth_core::Provider::pkce(&provider));
    assert_eq!(
        oauth_core::Provider::endpoints(&provider)
            .device_authorization()
            .map(oauth_core::url::Url::as_str),
        Some("https://id.example.com/tenant/device")
    );
    assert_eq!(
        provider
            .metadata()
            .unwrap()
            .device_authorization_endpoint()
            .map(oauth_core::url::Url::as_str),
        Some("https://id.example.com/tenant/device")
    );
}

async fn discovery_error(doc: &'static str) -> Error {
    let (_, transport) = scripted(vec![("/.well-known/openid-configuration", 200, doc)]);
    GenericProvider::discover_with("https://id.example.com", &transport)
        .await
        .unwrap_err()
}

#[tokio::test]
async fn malformed_metadata_is_a_typed_error() {
    let cases: &[(&str, Option<&str>)] = &[
        ("[]", None),
        ("{", None),
        (
            r#"{"authorization_endpoint":"https://id.example.com/a","token_endpoint":"https://id.example.com/t"}"#,
            Some("issuer"),
        ),
        (
            r#"{"issuer":"https://evil.example.com","authorization_endpoint":"https://id.example.com/a","token_endpoint":"https://id.example.com/t"}"#,
            Some("issuer"),
        ),
        (
            r#"{"issuer":"https://id.example.com","authorization_endpoint":"https://id.example.com/a"}"#,
            Some("token_endpoint"),
        ),
        (
            r#"{"issuer":"https://id.example.com","authorization_endpoint":"https://id.example.com/a","token_endpoint":42}"#,
            Some("token_endpoint"),
        ),
        (
            r#"{"issuer":"https://id.example.com","authorization_endpoint":"not a url","token_endpoint":"https://id.example.com/t"}"#,
            Some("authorization_endpoint"),
        ),
        (
            r#"{"issuer":"https://id.example.com","authorization_endpoint":"https://id.example.com/a","token_endpoint":"https://id.example.com/t","scopes_supported":["a",1]}"#,
            Some("scopes_supported[1]"),
        ),
        (
            r#"{"issuer":"https://id.example.com","authorization_endpoint":"https://id.example.com/a","token_endpoint":"https://id.example.com/t","grant_types_supported":"code"}"#,
            Some("grant_types_supported"),
        ),
    ];
    for (doc, field) in cases {
        match discovery_error(doc).await {
            Error::Parse(parse) => assert_eq!(parse.field.as_deref(), *field, "{doc}"),
            other => panic!("{doc}: {other:?}"),
        }
    }
    // What came instead is named by its kind, never quoted.
    let base = r#""issuer":"https://id.example.com","authorization_endpoint":"https://id.example.com/a","token_endpoint":"https://id.example.com/t""#;
    for (member, message) in [
        (
            r#""grant_types_supported":true"#,
            "expected an array of strings, got a boolean",
        ),
        (
            r#""grant_types_supported":7"#,
            "expected an array of strings, got a number",
        ),
        (
            r#""grant_types_supported":"code""#,
            "expected an array of strings, got a string",
        ),
        (
            r#""grant_types_supported":{}"#,
            "expected an array of strings, got an object",
        ),
        (
            r#""scopes_supported":["a",null]"#,
            "expected a string, got null",
        ),
        (
            r#""scopes_supported":["a",[]]"#,
            "expected a string, got an array",
        ),
    ] {
        let doc = format!(r#"{{{base},{member}}}"#);
        let (_, transport) = scripted_owned("/.well-known/openid-configuration", doc);
        let error = GenericProvider::discover_with("https://id.example.com", &transport)
            .await
            .unwrap_err();
        let Error::Parse(parse) = error else {
            panic!("{member}: {error:?}");
        };
        assert_eq!(parse.message, message, "{member}");
    }
}

/// A transport that answers one path with an owned document.
fn scripted_owned(
    path: &'static str,
    doc: String,
) -> (Arc<Mutex<Vec<String>>>, impl oauth_core::HttpTransport) {
    scripted(vec![(path, 200, doc)])
}

#[tokio::test]
async fn basic_authentication_unless_only_the_body_is_listed() {
    let base = r#""issuer":"https://id.example.com","authorization_endpoint":"https://id.example.com/a","token_endpoint":"https://id.example.com/t""#;
    for (methods, expected) in [
        (r#"["private_key_jwt"]"#, ClientAuth::Basic),
        (r#"["client_secret_post"]"#, ClientAuth::RequestBody),
        (
            r#"["client_secret_post","client_secret_basic"]"#,
            ClientAuth::Basic,
        ),
    ] {
        let doc = format!(r#"{{{base},"token_endpoint_auth_methods_supported":{methods}}}"#);
        let (_, transport) = scripted_owned("/.well-known/openid-configuration", doc);
        let provider = GenericProvider::discover_with("https://id.example.com", &transport)
            .await
            .unwrap();
        assert_eq!(
            oauth_core::Provider::client_auth(&provider),
            expected,
            "{methods}"
        );
    }
}

#[tokio::test]
async fn insecure_endpoints_in_metadata_are_refused() {
    let error = discovery_error(
        r#"{"issuer":"https://id.example.com","authorization_endpoint":"https://id.example.com/a","token_endpoint":"http://id.example.com/t"}"#,
    )
    .await;
    assert!(matches!(error, Error::InsecureUrl { .. }), "{error:?}");
}

#[tokio::test]
async fn missing_metadata_is_an_http_error() {
    let (_, transport) = scripted(Vec::<(&str, u16, &str)>::new());
    let error = GenericProvider::discover_with("https://id.example.com", &transport)
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::NOT_FOUND));
    assert!(matches!(error, Error::Http { .. }), "{error:?}");
}

#[cfg(feature = "oidc")]
#[tokio::test]
async fn a_key_set_is_fetched_and_judged() {
    let (_, transport) = transports().remove(0);
    let sandbox =
        sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
    // The sandbox's key set: its one signing key.
    let url = sandbox.oauth_url().join("jwks/certs").unwrap();
    let jwks = oauth_core::Jwks::fetch(&url, &*transport).await.unwrap();
    assert_eq!(jwks.len(), 1);
    assert_eq!(
        format!("{jwks:?}"),
        "Jwks { kids: [Some(\"sandbox-es256\")] }"
    );
    // An empty key set: a document the client reads, and refuses, without
    // quoting it.
    sandbox.inject(oauth_sandbox::FaultRule::on(
        "/jwks/certs",
        oauth_sandbox::Fault::Status {
            status: 200,
            headers: Vec::new(),
            body: r#"{"keys": []}"#.into(),
        },
    ));
    let err = oauth_core::Jwks::fetch(&url, &*transport)
        .await
        .unwrap_err();
    let Error::Parse(parse) = &err else {
        panic!("expected a parse error, got {err:?}");
    };
    assert_eq!(parse.status, http::StatusCode::OK);
    assert_eq!(parse.message, "invalid JWKS: no usable signing key");
    assert_eq!(parse.excerpt, "[not shown]");
    // No key set there at all: the answer's status, not a parse.
    let url = sandbox.oauth_url().join("jwks/none").unwrap();
    let err = oauth_core::Jwks::fetch(&url, &*transport)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::NOT_FOUND), "{err:?}");
    assert!(!matches!(err, Error::Parse(_)), "{err:?}");
}

#[tokio::test]
async fn the_openid_document_is_completed_by_the_rfc8414_one() {
    let sandbox =
        sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await;
    let transport = transports().remove(0).1;
    let provider = discovered_provider(&sandbox, &*transport).await;
    // The sandbox's OpenID document leaves revocation and introspection
    // out, as many do; its RFC 8414 document has them.
    let fetched: Vec<String> = sandbox.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        fetched,
        [
            "/.well-known/openid-configuration",
            "/.well-known/oauth-authorization-server"
        ]
    );
    let client = oauth_core::Client::builder(provider, CLIENT_ID)
        .client_secret(SECRET)
        .shared_transport(transport)
        .build()
        .unwrap();
    // The metadata stays reachable from the built client.
    let metadata = client.metadata().expect("discovered");
    let at = |path: &str| sandbox.oauth_url().join(path).unwrap();
    assert_eq!(metadata.revocation_endpoint(), Some(&at("revoke")));
    assert_eq!(metadata.introspection_endpoint(), Some(&at("introspect")));
    // The OpenID document's own members are kept.
    assert_eq!(
        metadata.id_token_signing_alg_values_supported(),
        Some(&["ES256".to_owned()][..])
    );
    let token = client.client_credentials(&[]).await.unwrap();
    assert!(
        client
            .introspect(token.access_token())
            .await
            .unwrap()
            .active
    );
    client.revoke(token.access_token()).await.unwrap();
}

const OPENID_DOC: &str = r#"{
    "issuer": "https://id.example.com/tenant",
    "authorization_endpoint": "https://id.example.com/tenant/authorize",
    "token_endpoint": "https://id.example.com/tenant/token"
}"#;

#[tokio::test]
async fn without_a_usable_rfc8414_document_the_openid_one_stands_alone() {
    let other_issuer = RFC8414_DOC.replace("id.example.com/tenant\"", "elsewhere.example.com\"");
    for (status, rfc8414) in [(404, "not found".to_owned()), (200, other_issuer)] {
        let (seen, transport) = scripted(vec![
            (
                "/tenant/.well-known/openid-configuration",
                200,
                OPENID_DOC.to_owned(),
            ),
            (
                "/.well-known/oauth-authorization-server/tenant",
                status,
                rfc8414,
            ),
        ]);
        let provider = GenericProvider::discover_with("https://id.example.com/tenant", &transport)
            .await
            .unwrap();
        assert_eq!(seen.lock().unwrap().len(), 2, "both were asked for");
        let endpoints = oauth_core::Provider::endpoints(&provider);
        assert_eq!(endpoints.revocation(), None);
        assert_eq!(endpoints.device_authorization(), None, "{status}");
    }
}

#[tokio::test]
async fn mutual_tls_endpoint_aliases_replace_the_plain_ones_when_asked() {
    let doc = r#"{
        "issuer": "https://id.example.com/tenant",
        "authorization_endpoint": "https://id.example.com/tenant/authorize",
        "token_endpoint": "https://id.example.com/tenant/token",
        "revocation_endpoint": "https://id.example.com/tenant/revoke",
        "mtls_endpoint_aliases": {
            "token_endpoint": "https://mtls.id.example.com/tenant/token",
            "revocation_endpoint": "https://mtls.id.example.com/tenant/revoke"
        }
    }"#;
    let (_, transport) = scripted(vec![("/tenant/.well-known/openid-configuration", 200, doc)]);
    let provider = GenericProvider::discover_with("https://id.example.com/tenant", &transport)
        .await
        .unwrap();
    let plain = oauth_core::Provider::endpoints(&provider).clone();
    assert_eq!(
        plain.token().as_str(),
        "https://id.example.com/tenant/token"
    );
    let mtls = provider.with_mtls_aliases().unwrap();
    let endpoints = oauth_core::Provider::endpoints(&mtls);
    assert_eq!(
        endpoints.token().as_str(),
        "https://mtls.id.example.com/tenant/token"
    );
    assert_eq!(
        endpoints.revocation().map(oauth_core::url::Url::as_str),
        Some("https://mtls.id.example.com/tenant/revoke")
    );
    // The authorization endpoint is the browser's: no alias.
    assert_eq!(endpoints.authorization(), plain.authorization());
}
