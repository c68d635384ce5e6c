//! The device authorization grant (RFC 8628) through a scripted server:
//! the request, the polling interval, `slow_down`, denial and expiry.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oauth_core::transport::{HttpRequest, transport_fn};
use oauth_core::{Client, Endpoints, Error, ErrorCode, GenericProvider, http};
use tokio::time::Instant;

const DEVICE_ANSWER: &str = r#"{
    "device_code": "DEVICE-CODE-SECRET",
    "user_code": "WDJB-MJHT",
    "verification_uri": "https://id.example.com/device",
    "verification_uri_complete": "https://id.example.com/device?user_code=WDJB-MJHT",
    "expires_in": 60,
    "interval": 2
}"#;

/// What the scripted server received: path, form, and when.
type Log = Arc<Mutex<Vec<(String, Vec<(String, String)>, Instant)>>>;

/// A client whose server answers the device endpoint with `device` and
/// the token endpoint with `polls`, in order.
fn client(device: &'static str, polls: Vec<(u16, &'static str)>) -> (Client, Log) {
    let log: Log = Arc::default();
    let seen = log.clone();
    let polls = Arc::new(Mutex::new(VecDeque::from(polls)));
    let transport = transport_fn(move |request: HttpRequest| {
        let path = request.uri().path().to_owned();
        let form = oauth_core::url::form_urlencoded::parse(request.body())
            .into_owned()
            .collect();
        seen.lock()
            .unwrap()
            .push((path.clone(), form, Instant::now()));
        let (status, body) = if path == "/device" {
            (200, device)
        } else {
            polls
                .lock()
                .unwrap()
                .pop_front()
                .expect("no more polls scripted")
        };
        async move {
            Ok(http::Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(body.as_bytes().to_vec().into())
                .unwrap())
        }
    });
    let endpoints = Endpoints::new(
        "https://id.example.com/authorize",
        "https://id.example.com/token",
    )
    .unwrap()
    .with_device_authorization("https://id.example.com/device")
    .unwrap();
    let client = Client::builder(GenericProvider::from_endpoints(endpoints), "tv-app")
        .transport(transport)
        .build()
        .unwrap();
    (client, log)
}

const PENDING: (u16, &str) = (400, r#"{"error":"authorization_pending"}"#);
const TOKEN: (u16, &str) = (
    200,
    r#"{"access_token":"AT","token_type":"Bearer","expires_in":3600,"refresh_token":"RT"}"#,
);

#[tokio::test(start_paused = true)]
async fn polls_at_the_interval_and_slows_down() {
    let (client, log) = client(
        DEVICE_ANSWER,
        vec![PENDING, (400, r#"{"error":"slow_down"}"#), PENDING, TOKEN],
    );
    let device = client
        .device_authorization(&["openid", "offline_access"])
        .await
        .unwrap();
    assert_eq!(device.user_code(), "WDJB-MJHT");
    assert_eq!(
        device.verification_uri().as_str(),
        "https://id.example.com/device"
    );
    assert_eq!(device.interval(), Duration::from_secs(2));
    assert_eq!(device.expires_in(), Duration::from_secs(60));
    let shown = format!("{device:?}");
    assert!(
        !shown.contains("DEVICE-CODE-SECRET") && !shown.contains("WDJB"),
        "{shown}"
    );

    let token = client.poll_device_token(&device).await.unwrap();
    assert_eq!(token.access_token().secret(), "AT");

    let log = log.lock().unwrap();
    assert_eq!(
        log[0].1,
        vec![
            ("scope".to_owned(), "openid offline_access".to_owned()),
            ("client_id".to_owned(), "tv-app".to_owned()),
        ]
    );
    assert_eq!(
        log[1].1,
        vec![
            (
                "grant_type".to_owned(),
                "urn:ietf:params:oauth:grant-type:device_code".to_owned()
            ),
            ("device_code".to_owned(), "DEVICE-CODE-SECRET".to_owned()),
            ("client_id".to_owned(), "tv-app".to_owned()),
        ]
    );
    let gaps: Vec<u64> = log
        .windows(2)
        .map(|w| (w[1].2 - w[0].2).as_secs())
        .collect();
    // 2 s before each poll; 2 + 5 s from the slow_down on.
    assert_eq!(gaps, vec![2, 2, 7, 7]);
}

#[tokio::test(start_paused = true)]
async fn denial_is_authorization_denied() {
    let (client, _) = client(
        DEVICE_ANSWER,
        vec![
            PENDING,
            (400, r#"{"error":"access_denied","error_description":"no"}"#),
        ],
    );
    let device = client.device_authorization(&[]).await.unwrap();
    match client.poll_device_token(&device).await {
        Err(Error::AuthorizationDenied(error)) => {
            assert_eq!(error.error, ErrorCode::AccessDenied);
            assert_eq!(error.error_description.as_deref(), Some("no"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn expired_token_ends_polling() {
    let (client, _) = client(
        DEVICE_ANSWER,
        vec![PENDING, (400, r#"{"error":"expired_token"}"#)],
    );
    let device = client.device_authorization(&[]).await.unwrap();
    let error = client.poll_device_token(&device).await.unwrap_err();
    assert_eq!(error.server_error().unwrap().error, ErrorCode::ExpiredToken);
}

#[tokio::test(start_paused = true)]
async fn polling_stops_when_the_codes_lifetime_has_passed() {
    // expires_in 60 with interval 2: 30 polls, all pending.
    let (client, log) = client(DEVICE_ANSWER, vec![PENDING; 30]);
    let device = client.device_authorization(&[]).await.unwrap();
    let error = client.poll_device_token(&device).await.unwrap_err();
    assert_eq!(
        error.server_error().unwrap().error,
        ErrorCode::AuthorizationPending
    );
    assert_eq!(log.lock().unwrap().len(), 31);
}

#[tokio::test(start_paused = true)]
async fn default_interval_is_five_seconds() {
    let (client, log) = client(
        r#"{"device_code":"d","user_code":"u","verification_url":"https://id.example.com/d","expires_in":"600"}"#,
        vec![TOKEN],
    );
    let device = client.device_authorization(&[]).await.unwrap();
    assert_eq!(device.interval(), Duration::from_secs(5));
    assert_eq!(
        device.verification_uri().as_str(),
        "https://id.example.com/d"
    );
    client.poll_device_token(&device).await.unwrap();
    let log = log.lock().unwrap();
    assert_eq!((log[1].2 - log[0].2).as_secs(), 5);
}

#[tokio::test]
async fn malformed_device_answers_name_the_field() {
    let cases: &[(&'static str, Option<&str>)] = &[
        (
            r#"{"user_code":"u","verification_uri":"https://x.example/d","expires_in":1}"#,
            Some("device_code"),
        ),
        (
            r#"{"device_code":"d","verification_uri":"https://x.example/d","expires_in":1}"#,
            Some("user_code"),
        ),
        (
            r#"{"device_code":"d","user_code":"u","expires_in":1}"#,
            Some("verification_uri"),
        ),
        (
            r#"{"device_code":"d","user_code":"u","verification_uri":"nope","expires_in":1}"#,
            Some("verification_uri"),
        ),
        (
            r#"{"device_code":"d","user_code":"u","verification_uri":"https://x.example/d"}"#,
            Some("expires_in"),
        ),
        (
            r#"{"device_code":"d","user_code":"u","verification_uri":"https://x.example/d","expires_in":-1}"#,
            Some("expires_in"),
        ),
        (
            r#"{"device_code":"d","user_code":"u","verification_uri":"https://x.example/d","expires_in":1,"interval":"soon"}"#,
            Some("interval"),
        ),
        (
            r#"{"device_code":7,"user_code":"u","verification_uri":"https://x.example/d","expires_in":1}"#,
            Some("device_code"),
        ),
        ("[1]", None),
    ];
    for (body, field) in cases {
        let (client, _) = client(body, vec![]);
        match client.device_authorization(&[]).await {
            Err(Error::Parse(parse)) => {
                assert_eq!(parse.field.as_deref(), *field, "{body}");
                assert!(!parse.to_string().contains("\"d\""), "{parse}");
            }
            other => panic!("{body}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn server_errors_at_the_device_endpoint_are_typed() {
    let (client, _) = client(r#"{"error":"invalid_scope"}"#, vec![]);
    // A 200 carrying an error body is still the server's error.
    let error = client.device_authorization(&["admin"]).await.unwrap_err();
    assert_eq!(error.server_error().unwrap().error, ErrorCode::InvalidScope);
}
