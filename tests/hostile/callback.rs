//! Callbacks an attacker can make a user's browser deliver: an error
//! without this authorization's `state` (a forged "access denied" with the
//! attacker's text and link), an error with line breaks.

use oauth_core::{CallbackError, ClientAuth, Error, ErrorCode};

use super::server::{self, Hostile};
use super::{REDIRECT, assert_clean, client, transports};

#[tokio::test]
async fn an_error_callback_needs_the_right_state() {
    // Item 13.
    let server = Hostile::start(|_| server::json(500, &serde_json::json!({}))).await;
    let (_, transport) = transports().remove(0);
    let client = client(&server, ClientAuth::Basic, &transport);
    let forged = "error=access_denied&error_description=Your%20account%20is%20locked%2C%20call%20us&error_uri=https%3A%2F%2Fevil.example%2Fsupport";
    let cases = [
        (format!("{REDIRECT}?{forged}"), "no state"),
        (
            format!("{REDIRECT}?{forged}&state=guessed"),
            "a wrong state",
        ),
    ];
    for (callback, case) in cases {
        let (_, pending) = client.authorization_url().build().unwrap();
        let error = client
            .exchange_callback(pending, &callback)
            .await
            .unwrap_err();
        match case {
            "no state" => assert!(
                matches!(error, Error::Callback(CallbackError::MissingState)),
                "{case}: {error:?}"
            ),
            _ => assert!(matches!(error, Error::StateMismatch), "{case}: {error:?}"),
        }
        let shown = super::shown(&error);
        assert!(!shown.contains("evil.example"), "{case}: {shown}");
        assert!(!shown.contains("locked"), "{case}: {shown}");
    }
    assert!(
        server.seen().is_empty(),
        "nothing is sent for a forged callback"
    );
}

#[tokio::test]
async fn a_denial_with_the_right_state_is_typed_and_kept_on_one_line() {
    // Item 11: the server's words reach the user without control
    // characters.
    let server = Hostile::start(|_| server::json(500, &serde_json::json!({}))).await;
    let (_, transport) = transports().remove(0);
    let client = client(&server, ClientAuth::Basic, &transport);
    let (_, pending) = client.authorization_url().build().unwrap();
    let state = pending.state().secret().to_owned();
    let callback = format!(
        "{REDIRECT}?error=access_denied&error_description=denied%0AERROR%20forged%1B%5B0m&state={state}"
    );
    let error = client
        .exchange_callback(pending, &callback)
        .await
        .unwrap_err();
    let Error::AuthorizationDenied(denied) = &error else {
        panic!("expected a denial, got {error:?}");
    };
    assert_eq!(denied.error, ErrorCode::AccessDenied);
    assert_eq!(
        denied.error_description.as_deref(),
        Some("denied ERROR forged [0m")
    );
    assert_clean("denial", &error, &[&state]);
}
