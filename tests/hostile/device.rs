//! A device authorization endpoint that sends lifetimes no clock can hold,
//! intervals of an hour for codes that live two seconds, and verification
//! addresses a user should never be sent to.

use std::time::{Duration, Instant};

use oauth_core::{Client, ClientAuth, Endpoints, Error, ErrorCode, GenericProvider};
use serde_json::{Value, json};

use super::server::{self, Hostile};
use super::{CLIENT_ID, CLIENT_SECRET, assert_clean, transports};

const DEVICE_CODE: &str = "device-code-Rk38Wd1";

fn device_client(server: &Hostile) -> Client {
    let (_, transport) = transports().remove(0);
    let endpoints = Endpoints::new(
        server.url("/authorize").as_str(),
        server.url("/token").as_str(),
    )
    .unwrap()
    .with_device_authorization(server.url("/device").as_str())
    .unwrap();
    let provider = GenericProvider::from_endpoints(endpoints).with_client_auth(ClientAuth::Basic);
    Client::builder(provider, CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .shared_transport(transport)
        .build()
        .unwrap()
}

fn device_answer(extra: &Value) -> Value {
    let mut answer = json!({
        "device_code": DEVICE_CODE,
        "user_code": "WDJB-MJHT",
        "verification_uri": "https://example.com/device",
        "expires_in": 600,
        "interval": 5,
    });
    for (name, value) in extra.as_object().unwrap() {
        answer[name] = value.clone();
    }
    answer
}

#[tokio::test]
async fn lifetimes_past_the_end_of_the_clock_are_a_parse_error() {
    // Item 2: `expires_in: u64::MAX` used to panic when polling began.
    for (extra, field) in [
        (json!({"expires_in": u64::MAX}), "expires_in"),
        (json!({"expires_in": "18446744073709551615"}), "expires_in"),
        (json!({"expires_in": -5}), "expires_in"),
        (
            json!({"verification_uri": "javascript:alert(1)"}),
            "verification_uri",
        ),
        (
            json!({"verification_uri_complete": "file:///etc/passwd"}),
            "verification_uri_complete",
        ),
    ] {
        let answer = device_answer(&extra);
        let server = Hostile::start(move |_| server::json(200, &answer)).await;
        let client = device_client(&server);
        let error = client.device_authorization(&[]).await.unwrap_err();
        let Error::Parse(parse) = &error else {
            panic!("{extra}: expected a parse error, got {error:?}");
        };
        assert_eq!(parse.field.as_deref(), Some(field), "{extra}: {error}");
        assert_clean("device", &error, &[DEVICE_CODE, CLIENT_SECRET]);
    }
}

#[tokio::test]
async fn an_interval_of_an_hour_never_sleeps_past_the_codes_deadline() {
    // Item 16: codes living 2 seconds, polled every hour; and a `slow_down`
    // storm adding 5 seconds each time to an interval near the maximum.
    let answer = device_answer(&json!({"expires_in": 2, "interval": 3600}));
    let server = Hostile::start(move |seen| {
        if seen.path() == "/device" {
            server::json(200, &answer)
        } else {
            server::json(400, &json!({"error": "expired_token", "error_description": format!("code {} expired", seen.form_value("device_code").unwrap_or_default())}))
        }
    })
    .await;
    let client = device_client(&server);
    let device = client.device_authorization(&[]).await.unwrap();
    let started = Instant::now();
    let error = tokio::time::timeout(Duration::from_secs(30), client.poll_device_token(&device))
        .await
        .expect("polling stops at the codes' deadline, not after an hour")
        .unwrap_err();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "it waited for the deadline"
    );
    assert_eq!(
        error.server_error().map(|e| &e.error),
        Some(&ErrorCode::ExpiredToken)
    );
    assert_clean("device", &error, &[DEVICE_CODE, CLIENT_SECRET]);
    let polls = server
        .seen()
        .iter()
        .filter(|s| s.path() == "/token")
        .count();
    assert_eq!(polls, 1, "one poll, at the deadline");

    let answer = device_answer(&json!({"expires_in": 2, "interval": u64::MAX / 2}));
    let server = Hostile::start(move |seen| {
        if seen.path() == "/device" {
            server::json(200, &answer)
        } else {
            server::json(400, &json!({"error": "slow_down"}))
        }
    })
    .await;
    let client = device_client(&server);
    let device = client.device_authorization(&[]).await.unwrap();
    let error = tokio::time::timeout(Duration::from_secs(30), client.poll_device_token(&device))
        .await
        .expect("polling ends")
        .unwrap_err();
    assert_eq!(
        error.server_error().map(|e| &e.error),
        Some(&ErrorCode::SlowDown)
    );
}
