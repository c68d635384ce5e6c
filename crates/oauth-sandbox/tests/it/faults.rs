//! Every fault kind over real HTTP, with the triggers that choose which
//! requests they hit.

use std::time::{Duration, Instant};

use crate::support::*;
use oauth_sandbox::{Fault, FaultRule, Profile, Sandbox, TokenQuirk};
use serde_json::json;

async fn generic() -> Sandbox {
    sandbox(Profile::Generic).await
}

async fn cc(sandbox: &Sandbox, scope: &str) -> Reply {
    post_form(
        sandbox.token_endpoint().as_str(),
        &[("authorization", &basic(CLIENT, SECRET))],
        &[("grant_type", "client_credentials"), ("scope", scope)],
    )
    .await
}

fn cc_raw(scope: &str) -> Vec<u8> {
    let body = format!("grant_type=client_credentials&scope={scope}");
    format!(
        "POST /token HTTP/1.1\r\nhost: x\r\nauthorization: {}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        basic(CLIENT, SECRET),
        body.len()
    )
    .into_bytes()
}

#[tokio::test]
async fn status_faults_for_the_next_n_requests() {
    let sandbox = generic().await;
    sandbox.inject(
        FaultRule::on(
            "/token",
            Fault::Status {
                status: 503,
                headers: vec![("retry-after".into(), "1".into())],
                body: "busy".into(),
            },
        )
        .times(2),
    );
    for _ in 0..2 {
        let reply = cc(&sandbox, "read").await;
        assert_eq!(reply.status, 503);
        assert_eq!(reply.header("retry-after"), Some("1"));
        assert_eq!(
            reply.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(reply.text(), "busy");
    }
    assert_eq!(cc(&sandbox, "read").await.status, 200);
    // Faulted requests are in the log like any other.
    assert_eq!(sandbox.requests().len(), 3);
    assert_eq!(sandbox.issued_tokens(), 1);

    sandbox.inject(FaultRule::on(
        "/token",
        Fault::Status {
            status: 400,
            headers: vec![],
            body: r#"{"error":"invalid_grant"}"#.into(),
        },
    ));
    let reply = cc(&sandbox, "read").await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.json(), json!({ "error": "invalid_grant" }));

    sandbox.inject(FaultRule::on(
        "/token",
        Fault::Status {
            status: 500,
            headers: vec![("content-type".into(), "text/xml".into())],
            body: "<oops/>".into(),
        },
    ));
    let reply = cc(&sandbox, "read").await;
    assert_eq!(reply.header("content-type"), Some("text/xml"));
    assert_eq!(reply.headers.get_all("content-type").iter().count(), 1);
}

#[tokio::test]
async fn faults_match_paths_exactly_on_either_listener() {
    let sandbox = generic().await;
    let token = app_token(&sandbox, None).await;
    sandbox.inject(FaultRule::on("/api/me", Fault::HtmlErrorPage(502)));
    sandbox.inject(FaultRule::on("/api", Fault::CloseConnection));
    let me = at(sandbox.api_url(), "/api/me");
    let reply = get(&me, &[("authorization", &bearer(&token))]).await;
    assert_eq!(reply.status, 502);
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(reply.text().contains("<h1>502 Bad Gateway</h1>"));
    let reply = get(&me, &[("authorization", &bearer(&token))]).await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn fractions_hit_every_other_request_until_cleared() {
    let sandbox = generic().await;
    sandbox.inject(FaultRule::on("/token", Fault::InvalidJson).fraction(0.5));
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let reply = cc(&sandbox, "read").await;
        statuses.push(serde_json::from_slice::<serde_json::Value>(&reply.body).is_ok());
    }
    assert_eq!(statuses, [true, false, true, false]);
    sandbox.clear_faults();
    for _ in 0..2 {
        assert_eq!(cc(&sandbox, "read").await.status, 200);
    }
}

#[tokio::test]
async fn invalid_json_is_200_with_a_broken_body() {
    let sandbox = generic().await;
    sandbox.inject(FaultRule::on("/token", Fault::InvalidJson));
    let reply = cc(&sandbox, "read").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert!(serde_json::from_slice::<serde_json::Value>(&reply.body).is_err());
    assert_eq!(sandbox.issued_tokens(), 0);
}

#[tokio::test]
async fn delays_then_answers_normally() {
    let sandbox = generic().await;
    sandbox.inject(FaultRule::on(
        "/token",
        Fault::Delay(Duration::from_millis(300)),
    ));
    let started = Instant::now();
    let reply = cc(&sandbox, "read").await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(reply.status, 200);
    assert!(reply.json()["access_token"].is_string());
}

#[tokio::test]
async fn truncated_bodies_stop_short_of_their_length() {
    let sandbox = generic().await;
    sandbox.inject(FaultRule::on("/token", Fault::TruncatedBody).times(2));
    let error = try_send(
        "POST",
        sandbox.token_endpoint().as_str(),
        &[
            ("authorization", &basic(CLIENT, SECRET)),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        b"grant_type=client_credentials",
    )
    .await
    .unwrap_err();
    assert!(!error.is_empty());

    let answer = raw(sandbox.oauth_addr(), &cc_raw("read")).await;
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("content-length: 1024\r\n"), "{text}");
    let body = text.split("\r\n\r\n").nth(1).unwrap();
    assert_eq!(body, r#"{"access_token":"partial"#);
}

#[tokio::test]
async fn closed_connections_get_no_answer() {
    let sandbox = generic().await;
    sandbox.inject(FaultRule::on("/token", Fault::CloseConnection).times(2));
    let answer = raw(sandbox.oauth_addr(), &cc_raw("read")).await;
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    let result = try_send(
        "POST",
        sandbox.token_endpoint().as_str(),
        &[
            ("authorization", &basic(CLIENT, SECRET)),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        b"grant_type=client_credentials",
    )
    .await;
    assert!(result.is_err());
    assert_eq!(cc(&sandbox, "read").await.status, 200);
}

#[tokio::test]
async fn redirects_and_oversized_bodies() {
    let sandbox = generic().await;
    sandbox.inject(FaultRule::on(
        "/token",
        Fault::RedirectTo("http://169.254.169.254/latest/meta-data".into()),
    ));
    let reply = cc(&sandbox, "read").await;
    assert_eq!(reply.status, 302);
    assert_eq!(
        reply.header("location"),
        Some("http://169.254.169.254/latest/meta-data")
    );

    sandbox.inject(FaultRule::on("/token", Fault::OversizedBody(200_000)));
    let reply = cc(&sandbox, "read").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body.len(), 200_000);
    assert_eq!(reply.header("content-length"), Some("200000"));
    assert_eq!(sandbox.issued_tokens(), 0);
}

#[tokio::test]
async fn a_token_answer_without_access_token() {
    let sandbox = generic().await;
    sandbox.inject(FaultRule::on("/token", Fault::MissingAccessToken));
    let reply = cc(&sandbox, "read").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({ "token_type": "bearer", "expires_in": 3600 })
    );
    assert_eq!(sandbox.issued_tokens(), 0);
}

#[tokio::test]
async fn token_quirks_bend_a_real_answer() {
    let sandbox = generic().await;
    let me = at(sandbox.api_url(), "/api/me");
    let quirk = |q: TokenQuirk| FaultRule::on("/token", Fault::Token(q));

    sandbox.inject(quirk(TokenQuirk::StringExpiresIn));
    let body = cc(&sandbox, "read write").await.json();
    assert_eq!(body["expires_in"], "3600");
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(
        get(&me, &[("authorization", &bearer(token))]).await.status,
        200
    );

    sandbox.inject(quirk(TokenQuirk::MissingTokenType));
    let body = cc(&sandbox, "read").await.json();
    assert!(body.get("token_type").is_none());
    assert!(body["access_token"].is_string());

    sandbox.inject(quirk(TokenQuirk::UppercaseTokenType));
    assert_eq!(cc(&sandbox, "read").await.json()["token_type"], "BEARER");

    sandbox.inject(quirk(TokenQuirk::CommaScopes));
    assert_eq!(
        cc(&sandbox, "read write").await.json()["scope"],
        "read,write"
    );

    sandbox.inject(quirk(TokenQuirk::ArrayScopes));
    assert_eq!(
        cc(&sandbox, "read write").await.json()["scope"],
        json!(["read", "write"])
    );

    sandbox.inject(quirk(TokenQuirk::FormEncoded));
    let reply = cc(&sandbox, "read").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let pairs: Vec<(String, String)> = oauth_sandbox::url::form_urlencoded::parse(&reply.body)
        .into_owned()
        .collect();
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(value("token_type").as_deref(), Some("Bearer"));
    assert_eq!(value("expires_in").as_deref(), Some("3600"));
    assert_eq!(value("scope").as_deref(), Some("read"));
    let token = value("access_token").unwrap();
    assert_eq!(
        get(&me, &[("authorization", &bearer(&token))]).await.status,
        200
    );
    assert_eq!(sandbox.issued_tokens(), 6);

    // A quirk on another path leaves that path alone.
    sandbox.inject(FaultRule::on(
        "/api/me",
        Fault::Token(TokenQuirk::FormEncoded),
    ));
    let reply = get(&me, &[("authorization", &bearer(&token))]).await;
    assert_eq!(reply.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn an_error_with_200_leaves_the_code_unused() {
    let sandbox = generic().await;
    let code = code(&sandbox, &code_params("read")).await;
    sandbox.inject(FaultRule::on(
        "/token",
        Fault::Token(TokenQuirk::ErrorWith200),
    ));
    let reply = exchange(&sandbox, &code, &[]).await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["error"], "invalid_grant");
    assert!(body["error_description"].is_string());
    assert!(body.get("access_token").is_none());
    let reply = exchange(&sandbox, &code, &[]).await;
    assert_eq!(reply.status, 200);
    assert!(reply.json()["access_token"].is_string());
}
