//! Property tests of the parsers of RingPlus answers: error bodies of any
//! shape, members of successful answers, and rate-limit headers. Any input
//! is a value or a typed error, never a panic; the two error shapes come
//! through typed; secret values in a JSON body never reach an error.
//! `PROPTEST_CASES` raises the case count (`cargo xtask fuzz`).

use oauth_core::http::{HeaderMap, HeaderValue, Method};
use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::error::FieldErrorCode;

fn url() -> Url {
    Url::parse("https://api.ringplus.net/accounts/1?page=2").expect("url")
}

fn response(status: u16, body: Vec<u8>) -> HttpResponse {
    oauth_core::http::Response::builder()
        .status(status)
        .body(body.into())
        .expect("response")
}

fn body_of(error: Error) -> ApiErrorBody {
    match error {
        Error::Api(api) => api.body,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{12,32}"
}

fn code() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("blank".to_owned()),
        Just("invalid".to_owned()),
        Just("unknown_attribute".to_owned()),
        Just("parameter_missing".to_owned()),
        "[a-z_]{1,16}",
    ]
}

/// A server's message: any printable text (control characters are
/// replaced by spaces, which `server_texts_stay_on_one_line` checks).
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[^\\p{{Cc}}]{{0,{max}}}")).expect("a valid regex")
}

proptest! {
    #[test]
    fn server_texts_stay_on_one_line(
        before in "[a-z ]{0,20}",
        control in "\\p{Cc}",
        after in "[a-z ]{0,20}",
        validation in any::<bool>(),
    ) {
        let message = format!("{before}{control}{after}");
        let body = if validation {
            json!({ "errors": [{"code": "invalid", "field": "name", "message": message}] })
        } else {
            json!({ "error": message, "status": 422 })
        };
        let error = api_error(Method::PUT, &url(), &response(422, body.to_string().into_bytes()), None);
        let expected = format!("{before} {after}");
        match body_of(error) {
            ApiErrorBody::Validation(errors) => prop_assert_eq!(errors[0].message.as_deref(), Some(expected.as_str())),
            ApiErrorBody::Message(got) => prop_assert_eq!(got, expected),
            ApiErrorBody::Unrecognized(excerpt) => prop_assert!(false, "unrecognised: {}", excerpt),
        }
    }

    #[test]
    fn any_error_body_is_typed(
        status in 400_u16..600,
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..1024),
            "[ -~]{0,1000}".prop_map(String::into_bytes),
        ],
    ) {
        let error = api_error(Method::GET, &url(), &response(status, body), None);
        let shown = error.to_string();
        prop_assert!(!shown.contains("page=2"), "the query is never shown: {}", shown);
        if let ApiErrorBody::Unrecognized(excerpt) = body_of(error) {
            // oauth-core's excerpts are 200 characters and an ellipsis.
            prop_assert!(excerpt.chars().count() <= 201);
            prop_assert!(!excerpt.chars().any(char::is_control));
        }
    }

    #[test]
    fn both_error_shapes_come_through_typed(
        status in 400_u16..600,
        message in text(40),
        entries in prop::collection::vec((code(), prop::option::of("[a-z_]{1,12}"), prop::option::of(text(20))), 1..4),
        validation in any::<bool>(),
    ) {
        let body = if validation {
            let errors: Vec<_> = entries
                .iter()
                .map(|(code, field, message)| json!({"code": code, "field": field, "message": message}))
                .collect();
            json!({ "errors": errors })
        } else {
            json!({ "error": message, "status": status })
        };
        let error = api_error(Method::PUT, &url(), &response(status, body.to_string().into_bytes()), None);
        match body_of(error) {
            ApiErrorBody::Validation(errors) => {
                prop_assert!(validation);
                prop_assert_eq!(errors.len(), entries.len());
                for (got, (code, field, message)) in errors.iter().zip(&entries) {
                    prop_assert_eq!(got.code.as_str(), code.as_str());
                    if code == "blank" {
                        prop_assert_eq!(&got.code, &FieldErrorCode::Blank);
                    }
                    prop_assert_eq!(&got.field, field);
                    prop_assert_eq!(&got.message, message);
                }
            }
            ApiErrorBody::Message(got) => {
                prop_assert!(!validation);
                prop_assert_eq!(got, message);
            }
            ApiErrorBody::Unrecognized(excerpt) => prop_assert!(false, "unrecognised: {}", excerpt),
        }
    }

    #[test]
    fn secret_values_never_reach_an_error(
        status in 400_u16..600,
        name in prop::sample::select(vec![
            "password", "access_token", "refreshToken", "token", "client_secret", "secret",
            "id_token", "code", "device_code", "assertion", "code_verifier", "clientSecret",
        ]),
        value in secret(),
        nested in any::<bool>(),
        noise in ".{0,60}",
    ) {
        let inner = json!({ name: value, "note": noise });
        let body = if nested { json!({ "data": [inner] }) } else { inner };
        let error = api_error(Method::GET, &url(), &response(status, body.to_string().into_bytes()), None);
        let shown = format!("{error} {error:?}");
        prop_assert!(!shown.contains(&value), "{} in {}", value, shown);
    }

    #[test]
    fn any_successful_answer_is_a_member_or_a_typed_error(
        // Any bytes or text, or an answer of the wrong shape holding a
        // password, which no error may show.
        (body, secret_in_body) in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..512).prop_map(|body| (body, None)),
            "[ -~]{0,400}".prop_map(|text| (text.into_bytes(), None)),
            (secret(), any::<i64>()).prop_map(|(password, n)| (
                json!({
                    "fluidcall_credentials": {"username": n, "password": [password.clone()]}
                }).to_string().into_bytes(),
                Some(password),
            )),
        ],
    ) {
        let result = parse_member::<crate::api::FluidcallCredentials>(&url(), &response(200, body), "fluidcall_credentials");
        match result {
            Ok(_) => {}
            Err(Error::OAuth(error)) => {
                prop_assert!(matches!(*error, oauth_core::Error::Parse(_)), "{:?}", error);
                if let Some(secret) = secret_in_body {
                    let shown = format!("{error} {error:?}");
                    prop_assert!(!shown.contains(&secret), "{} in {}", secret, shown);
                }
            }
            Err(other) => prop_assert!(false, "{:?}", other),
        }
    }

    #[test]
    fn rate_limit_headers_are_read_or_ignored(
        limit in prop::option::of(prop_oneof!["[ -~]{0,12}", any::<u32>().prop_map(|n| n.to_string())]),
        remaining in prop::option::of(prop_oneof!["[ -~]{0,12}", any::<u32>().prop_map(|n| n.to_string())]),
        reset in prop::option::of(prop_oneof!["[ -~]{0,12}", (0_i64..4_000_000_000).prop_map(|n| n.to_string())]),
    ) {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("x-rate-limit-limit", &limit),
            ("x-rate-limit-remaining", &remaining),
            ("x-rate-limit-reset", &reset),
        ] {
            if let Some(value) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
                headers.insert(name, value);
            }
        }
        let read = RateLimit::from_headers(&headers);
        let number = |v: &Option<String>| v.as_deref().and_then(|v| v.trim().parse::<u32>().ok());
        match (read, number(&remaining)) {
            (Some(read), Some(remaining)) => {
                prop_assert_eq!(read.remaining, remaining);
                prop_assert_eq!(read.limit, number(&limit));
            }
            (None, None) => {}
            (read, expected) => prop_assert!(false, "read {:?}, expected remaining {:?}", read, expected),
        }
    }
}
