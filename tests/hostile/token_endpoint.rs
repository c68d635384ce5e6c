//! A token endpoint that echoes what it was sent, in its error description,
//! its error page or a `WWW-Authenticate` header, with line breaks and
//! escapes to forge log lines; and one that issues tokens the client cannot
//! present.

use base64::Engine as _;
use oauth_core::{
    AccessToken, ClientAuth, Error, ErrorCode, RefreshToken, Session, Token, TokenType,
};
use serde_json::json;

use super::server::{self, Hostile, Seen};
use super::{CLIENT_ID, CLIENT_SECRET, assert_clean, client, transports};

const REFRESH: &str = "refresh-Gz71Qp0Xk";
const ACCESS: &str = "access-Nw3Lr8Ty2";

/// Every value the request carried, in the words a careless server uses.
fn echo(seen: &Seen) -> String {
    let sent: Vec<String> = [
        "refresh_token",
        "code",
        "code_verifier",
        "client_secret",
        "device_code",
    ]
    .iter()
    .filter_map(|name| seen.form_value(name))
    .collect();
    format!(
        "Invalid grant {}\nINFO forged log line\u{1b}[2J; authorization was {}",
        sent.join(" and "),
        seen.header("authorization").unwrap_or("none"),
    )
}

/// The base64 of `id:secret` in a `Basic` header, as the server saw it.
fn basic_credential() -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
}

#[tokio::test]
async fn an_error_description_echoing_the_refresh_token_shows_none_of_it() {
    // Items 6 and 11: `error_description` quoting the refresh token and the
    // client secret, with a line break and an escape sequence.
    let server = Hostile::start(|seen| {
        server::json(
            400,
            &json!({"error": "invalid_grant", "error_description": echo(seen), "error_uri": format!("https://e.example/{}", seen.form_value("refresh_token").unwrap_or_default())}),
        )
    })
    .await;
    for (name, transport) in transports() {
        for auth in [ClientAuth::Basic, ClientAuth::RequestBody] {
            let client = client(&server, auth, &transport);
            let error = client
                .refresh(&RefreshToken::new(REFRESH))
                .await
                .unwrap_err();
            let Error::Server {
                error: server_error,
                ..
            } = &error
            else {
                panic!("{name}: expected the server's error, got {error:?}");
            };
            assert_eq!(server_error.error, ErrorCode::InvalidGrant);
            // The refresh token, and the client secret when it went in the
            // body.
            let sent = match auth {
                ClientAuth::Basic => "[redacted]",
                _ => "[redacted] and [redacted]",
            };
            assert_eq!(
                server_error
                    .error_description
                    .as_deref()
                    .unwrap()
                    .split(';')
                    .next(),
                Some(format!("Invalid grant {sent} INFO forged log line [2J").as_str()),
                "{name}"
            );
            assert!(
                server_error
                    .error_description
                    .as_deref()
                    .unwrap()
                    .ends_with(match auth {
                        ClientAuth::Basic => "authorization was Basic [redacted]",
                        _ => "authorization was none",
                    }),
                "{name}: {server_error}"
            );
            assert_eq!(
                server_error.error_uri.as_deref(),
                Some("https://e.example/[redacted]")
            );
            assert_clean(name, &error, &[REFRESH, CLIENT_SECRET, &basic_credential()]);

            // Through a session, the rejection becomes RefreshTokenRejected.
            let session = Session::refreshing(&client)
                .token(
                    Token::bearer(AccessToken::new(ACCESS))
                        .with_refresh_token(RefreshToken::new(REFRESH))
                        .with_expires_at(std::time::SystemTime::UNIX_EPOCH),
                )
                .build()
                .unwrap();
            let error = session.access_token().await.unwrap_err();
            assert!(matches!(error, Error::RefreshTokenRejected(_)), "{error:?}");
            assert_clean(name, &error, &[REFRESH, CLIENT_SECRET, ACCESS]);
        }
    }
}

#[tokio::test]
async fn an_error_page_echoing_the_basic_credentials_shows_none_of_them() {
    // Item 7: a 500 page quoting the `Authorization: Basic` header; item 8:
    // secrets in camelCase fields and `code_verifier`.
    let server = Hostile::start(|seen| {
        let body = format!(
            "<pre>Authorization: {}\n{{\"refreshToken\":\"{}\",\"codeVerifier\":\"{}\",\"clientSecret\":\"leaked-Hx2\",\"accessToken\":\"leaked-Mq9\",\"idToken\":\"leaked-Pz4\"}}</pre>",
            seen.header("authorization").unwrap_or_default(),
            seen.form_value("refresh_token").unwrap_or_default(),
            seen.form_value("code_verifier").unwrap_or_default(),
        );
        server::html(500, &body)
    })
    .await;
    for (name, transport) in transports() {
        let client = client(&server, ClientAuth::Basic, &transport);
        let error = client
            .refresh(&RefreshToken::new(REFRESH))
            .await
            .unwrap_err();
        let Error::Http { excerpt, .. } = &error else {
            panic!("{name}: expected an HTTP error, got {error:?}");
        };
        assert!(
            excerpt.starts_with(
                "<pre>Authorization: Basic [redacted] {\"refreshToken\":\"[redacted]\""
            ),
            "{name}: {excerpt}"
        );
        assert_clean(
            name,
            &error,
            &[
                REFRESH,
                CLIENT_SECRET,
                &basic_credential(),
                "leaked-Hx2",
                "leaked-Mq9",
                "leaked-Pz4",
            ],
        );
    }
}

#[tokio::test]
async fn a_code_exchange_echoing_the_code_and_verifier_shows_neither() {
    // Item 6 on the authorization code grant: the code and the PKCE
    // verifier, raw and form-encoded, in the description.
    let server = Hostile::start(|seen| {
        let raw = String::from_utf8_lossy(&seen.body).into_owned();
        server::json(
            400,
            &json!({"error": "invalid_grant", "error_description": format!("{} / {raw}", echo(seen))}),
        )
    })
    .await;
    for (name, transport) in transports() {
        let client = client(&server, ClientAuth::RequestBody, &transport);
        let (_, pending) = client.authorization_url().build().unwrap();
        let state = pending.state().secret().to_owned();
        let verifier = pending.pkce_verifier().unwrap().secret().to_owned();
        let code = "code with spaces/and+plus=";
        let error = client
            .exchange_code_with_state(pending, code, &state)
            .await
            .unwrap_err();
        let encoded: String =
            oauth_core::url::form_urlencoded::byte_serialize(code.as_bytes()).collect();
        assert_clean(name, &error, &[code, &encoded, &verifier, CLIENT_SECRET]);
        assert!(error.to_string().contains("[redacted]"), "{error}");
    }
}

#[tokio::test]
async fn a_www_authenticate_description_echoing_the_access_token_shows_none_of_it() {
    // Item 6 on the API: a resource server quoting the token in its Bearer
    // challenge and in its body.
    let server = Hostile::start(|seen| {
        if seen.path() == "/token" {
            return server::json(
                200,
                &json!({"access_token": ACCESS, "token_type": "Bearer", "expires_in": 3600}),
            );
        }
        let token = seen
            .header("authorization")
            .unwrap_or_default()
            .trim_start_matches("Bearer ")
            .to_owned();
        let challenge = format!(
            "Bearer error=\"insufficient_scope\", error_description=\"token {token} lacks scope\""
        );
        server::reply(
            403,
            &[
                ("WWW-Authenticate", &challenge),
                ("Content-Type", "text/plain"),
            ],
            format!("forbidden for {token}").as_bytes(),
        )
    })
    .await;
    for (name, transport) in transports() {
        let client = client(&server, ClientAuth::Basic, &transport);
        let session = Session::client_credentials(&client, &[]).build().unwrap();
        let error = session
            .get(server.url("/api/me"))
            .json::<serde_json::Value>()
            .await
            .unwrap_err();
        let Error::Server {
            error: server_error,
            ..
        } = &error
        else {
            panic!("{name}: expected the challenge's error, got {error:?}");
        };
        assert_eq!(server_error.error, ErrorCode::InsufficientScope);
        assert_eq!(
            server_error.error_description.as_deref(),
            Some("token [redacted] lacks scope")
        );
        assert_clean(name, &error, &[ACCESS]);

        // The plain answer, read by a provider crate with the kit.
        let answer = session.get(server.url("/api/me")).send().await.unwrap();
        assert_eq!(
            oauth_core::answer_excerpt(&answer),
            "forbidden for [redacted]"
        );
        assert_eq!(
            oauth_core::server_text(&answer, &format!("{ACCESS}\r\nx")),
            "[redacted]  x"
        );
    }
}

#[tokio::test]
async fn a_token_of_a_type_the_client_cannot_present_is_refused() {
    // Item 14: `token_type: mac` must never go out as a Bearer credential.
    for token_type in ["mac", "N_A", "pop"] {
        let server = Hostile::start(move |seen| {
            assert_eq!(seen.path(), "/token", "no API request may be made");
            server::json(
                200,
                &json!({"access_token": ACCESS, "token_type": token_type, "expires_in": 3600, "mac_key": "k"}),
            )
        })
        .await;
        for (name, transport) in transports() {
            let client = client(&server, ClientAuth::Basic, &transport);
            // The token itself parses: a caller may present it its own way.
            let token = client.client_credentials(&[]).await.unwrap();
            assert_eq!(
                token.token_type(),
                &TokenType::Other(token_type.to_ascii_lowercase())
            );
            let session = Session::client_credentials(&client, &[]).build().unwrap();
            let error = session.get(server.url("/api/me")).send().await.unwrap_err();
            let Error::UnsupportedTokenType { token_type: got } = &error else {
                panic!("{name}: expected a refusal, got {error:?}");
            };
            assert_eq!(got, &token_type.to_ascii_lowercase());
            assert_eq!(
                error.to_string(),
                format!(
                    "the token is of type `{}`, which this client cannot present",
                    token_type.to_ascii_lowercase()
                )
            );
            assert_clean(name, &error, &[ACCESS]);
        }
        assert!(server.seen().iter().all(|seen| seen.path() == "/token"));
    }
}

#[tokio::test]
async fn credentials_go_only_to_urls_the_policy_allows() {
    // Item 15: the public form request and send path refuse plain http off
    // loopback before any credential is built or sent.
    let server = Hostile::start(|_| server::json(200, &json!({}))).await;
    for (name, transport) in transports() {
        let client = client(&server, ClientAuth::Basic, &transport);
        for url in [
            "http://auth.example.com/check_token",
            "http://10.0.0.1/token",
            "ftp://127.0.0.1/token",
        ] {
            let url = oauth_core::url::Url::parse(url).unwrap();
            let error = client.form_request(&url, &[("token", ACCESS)]).unwrap_err();
            assert!(
                matches!(error, Error::InsecureUrl { .. }),
                "{name} {url}: {error:?}"
            );
            assert_clean(name, &error, &[ACCESS, CLIENT_SECRET]);

            let request = oauth_core::http::Request::builder()
                .method("POST")
                .uri(url.as_str())
                .header("authorization", format!("Basic {}", basic_credential()))
                .body(b"token=x".to_vec())
                .unwrap();
            let error = client.send_to("check", request).await.unwrap_err();
            assert!(
                matches!(error, Error::InsecureUrl { .. }),
                "{name} {url}: {error:?}"
            );
        }
        // Loopback http is allowed, and the credentials are sent.
        let request = client
            .form_request(&server.url("/check"), &[("token", ACCESS)])
            .unwrap();
        let answer = client.send_to("check", request).await.unwrap();
        assert_eq!(answer.status(), 200);
    }
    assert_eq!(
        server.seen().len(),
        2,
        "only the loopback requests were sent"
    );
}

#[tokio::test]
async fn hostile_token_answers_are_typed_errors() {
    // Beyond the list: answers that have broken other clients, each a
    // typed error naming the field, never a panic or an accepted token.
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (
            json!({"access_token": ACCESS, "expires_in": -1}),
            "expires_in",
        ),
        (
            json!({"access_token": ACCESS, "expires_in": 1e300}),
            "expires_in",
        ),
        (
            json!({"access_token": ACCESS, "expires_in": u64::MAX}),
            "expires_in",
        ),
        (
            json!({"access_token": ACCESS, "refresh_token": {"a": 1}}),
            "refresh_token",
        ),
        (json!({"access_token": [ACCESS]}), "access_token"),
        (json!({"access_token": ACCESS, "scope": [1, 2]}), "scope"),
        (
            json!({"access_token": ACCESS, "token_type": 7}),
            "token_type",
        ),
    ];
    for (answer, field) in cases {
        let server = Hostile::start(move |_| server::json(200, &answer)).await;
        for (name, transport) in transports() {
            let client = client(&server, ClientAuth::Basic, &transport);
            let error = client.client_credentials(&[]).await.unwrap_err();
            let Error::Parse(parse) = &error else {
                panic!("{name}: expected a parse error, got {error:?}");
            };
            assert_eq!(parse.field.as_deref(), Some(field), "{name}: {error}");
            assert_clean(name, &error, &[ACCESS, CLIENT_SECRET]);
        }
    }
}
