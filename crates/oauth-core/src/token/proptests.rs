//! Property tests of the token answer parser and of excerpts: any body,
//! status and content type gives a token or a typed error, never a panic;
//! well-formed answers round-trip; no secret value reaches an error.
//! `PROPTEST_CASES` raises the case count (`cargo xtask fuzz`).

use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::*;

fn endpoint() -> Endpoint {
    Endpoint::new(
        "token",
        &url::Url::parse("https://auth.example/token").expect("url"),
    )
}

fn answer(status: u16, content_type: Option<&str>, body: Vec<u8>) -> http::Response<bytes::Bytes> {
    let mut builder = http::Response::builder().status(status);
    if let Some(content_type) = content_type {
        builder = builder.header("content-type", content_type);
    }
    builder.body(body.into()).expect("response")
}

/// A secret as servers issue them: long enough to be recognisable.
fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9._~+/-]{12,40}"
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The fields a token answer has, each with any JSON value, plus others.
fn answer_object() -> impl Strategy<Value = Map<String, Value>> {
    let field = prop_oneof![
        Just("access_token".to_owned()),
        Just("token_type".to_owned()),
        Just("expires_in".to_owned()),
        Just("refresh_token".to_owned()),
        Just("scope".to_owned()),
        Just("id_token".to_owned()),
        Just("error".to_owned()),
        Just("error_description".to_owned()),
        "[a-z_]{1,12}",
    ];
    prop::collection::btree_map(field, json_value(), 0..10).prop_map(|m| m.into_iter().collect())
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop::option::of(prop::sample::select(vec![
        "application/json",
        "application/json; charset=utf-8",
        "application/x-www-form-urlencoded",
        "text/plain",
        "text/html",
    ]))
}

/// Every variant a token answer may turn into.
fn assert_typed(result: &Result<Token, Error>) {
    match result {
        Ok(token) => assert!(!token.access_token().secret().is_empty()),
        Err(Error::Parse(_) | Error::Server { .. } | Error::Http { .. }) => {}
        Err(other) => panic!("an untyped outcome: {other:?}"),
    }
}

proptest! {
    #[test]
    fn any_bytes_give_a_token_or_a_typed_error(
        status in 100_u16..600,
        content_type in content_type(),
        body in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let result = parse_token_response(&endpoint(), &answer(status, content_type, body));
        assert_typed(&result);
    }

    #[test]
    fn any_json_object_gives_a_token_or_a_typed_error(
        status in prop::sample::select(vec![200_u16, 201, 400, 401, 500]),
        content_type in content_type(),
        object in answer_object(),
    ) {
        let body = serde_json::to_vec(&Value::Object(object)).expect("json");
        let result = parse_token_response(&endpoint(), &answer(status, content_type, body));
        assert_typed(&result);
        if let Ok(token) = &result {
            // A parsed expiry lies ahead (or now) and within u64 seconds.
            if let Some(at) = token.expires_at() {
                prop_assert!(at + Duration::from_secs(1) >= SystemTime::now());
            }
        }
    }

    #[test]
    fn well_formed_answers_round_trip(
        access in secret(),
        refresh in prop::option::of(secret()),
        expires_in in prop::option::of(0_u64..10_000_000),
        expires_as_string in any::<bool>(),
        token_type in "(?i)bearer|mac|dpop",
        scopes in prop::collection::vec("[a-z][a-z0-9.:]{0,10}", 0..5),
        scope_style in 0_u8..3,
        form in any::<bool>(),
    ) {
        let mut fields = vec![
            ("access_token".to_owned(), json!(access)),
            ("token_type".to_owned(), json!(token_type)),
        ];
        if let Some(seconds) = expires_in {
            let value = if expires_as_string || form { json!(seconds.to_string()) } else { json!(seconds) };
            fields.push(("expires_in".to_owned(), value));
        }
        if let Some(refresh) = &refresh {
            fields.push(("refresh_token".to_owned(), json!(refresh)));
        }
        if !scopes.is_empty() {
            let value = match scope_style {
                0 if !form => json!(scopes),
                1 => json!(scopes.join(",")),
                _ => json!(scopes.join(" ")),
            };
            fields.push(("scope".to_owned(), value));
        }
        let (content_type, body) = if form {
            let mut serializer = url::form_urlencoded::Serializer::new(String::new());
            for (name, value) in &fields {
                serializer.append_pair(name, value.as_str().expect("form values are strings"));
            }
            ("application/x-www-form-urlencoded", serializer.finish().into_bytes())
        } else {
            let object: Map<String, Value> = fields.into_iter().collect();
            ("application/json", serde_json::to_vec(&object).expect("json"))
        };
        let before = SystemTime::now();
        let token = parse_token_response(&endpoint(), &answer(200, Some(content_type), body))
            .expect("a well-formed answer parses");
        prop_assert_eq!(token.access_token().secret(), access.as_str());
        prop_assert_eq!(token.refresh_token().map(RefreshToken::secret), refresh.as_deref());
        prop_assert_eq!(token.token_type().as_str(), token_type.to_ascii_lowercase());
        if let Some(seconds) = expires_in {
            let at = token.expires_at().expect("an expiry");
            let lifetime = at.duration_since(before).expect("ahead");
            prop_assert!(lifetime >= Duration::from_secs(seconds));
            prop_assert!(lifetime <= Duration::from_secs(seconds + 60));
        } else {
            prop_assert!(token.expires_at().is_none());
        }
        if scopes.is_empty() {
            prop_assert!(token.scopes().is_none());
        } else {
            prop_assert_eq!(token.scopes().expect("scopes"), scopes.as_slice());
        }

        // And the token survives a store's serde round trip.
        let stored = serde_json::to_string(&token).expect("serialise");
        let back: Token = serde_json::from_str(&stored).expect("deserialise");
        prop_assert_eq!(back.access_token().secret(), token.access_token().secret());
        prop_assert_eq!(back.refresh_token().map(RefreshToken::secret), token.refresh_token().map(RefreshToken::secret));
        let secs = |t: &Token| t.expires_at().map(|at| at.duration_since(SystemTime::UNIX_EPOCH).expect("after 1970").as_secs());
        prop_assert_eq!(secs(&back), secs(&token));
        prop_assert_eq!(back.scopes(), token.scopes());
        // Debug shows no secret.
        let debug = format!("{token:?}");
        prop_assert!(!debug.contains(&access));
    }

    #[test]
    fn no_secret_value_reaches_an_error(
        status in prop::sample::select(vec![200_u16, 400, 401, 500, 503]),
        access in secret(),
        refresh in secret(),
        password in secret(),
        broken in 0_u8..4,
        form in any::<bool>(),
    ) {
        // Answers that fail in different ways while carrying secrets.
        let (content_type, body) = if form {
            let mut body = format!("access_token={access}&refresh_token={refresh}&password={password}");
            if broken % 2 == 0 {
                body.push_str("&expires_in=soon");
            }
            ("application/x-www-form-urlencoded", body)
        } else {
            let mut object = json!({
                "access_token": access,
                "refresh_token": refresh,
                "client_secret": password,
            });
            match broken {
                0 => object["expires_in"] = json!("soon"),
                1 => object["scope"] = json!(7),
                2 => object["token_type"] = json!([1]),
                _ => object["id_token"] = json!({"x": 1}),
            }
            ("application/json", object.to_string())
        };
        let result = parse_token_response(&endpoint(), &answer(status, Some(content_type), body.into_bytes()));
        if let Err(error) = result {
            let shown = format!("{error} {error:?}");
            for value in [&access, &refresh, &password] {
                prop_assert!(!shown.contains(value.as_str()), "{} in {}", value, shown);
            }
        }
    }

    #[test]
    fn excerpts_are_short_single_line_and_redacted(
        body in prop::collection::vec(any::<u8>(), 0..4096),
        name in prop::sample::select(vec![
            "access_token", "refresh_token", "id_token", "client_secret", "password", "code",
            "device_code", "token", "assertion",
        ]),
        value in secret(),
        form in any::<bool>(),
        prefix in "[ -~]{0,300}",
    ) {
        let shown = redact::excerpt(&body);
        prop_assert!(shown.chars().count() <= 201);
        prop_assert!(!shown.chars().any(char::is_control));

        let body = if form {
            format!("{prefix}&{name}={value}&x=1")
        } else {
            format!("{prefix} {{\"{name}\": \"{value}\", \"x\": 1}}")
        };
        let shown = redact::excerpt(body.as_bytes());
        prop_assert!(!shown.contains(&value), "{} in {}", value, shown);
    }
}
