//! Token answer parsing: every quirk of REFERENCE.md, and malformed answers.

use std::time::{Duration, SystemTime};

use http::StatusCode;

use super::*;
use crate::error::{ErrorCode, ParseError};

fn endpoint() -> Endpoint {
    Endpoint::new(
        "token",
        &url::Url::parse("https://auth.example/token?x=1").expect("url"),
    )
}

fn answer(status: u16, content_type: &str, body: &str) -> http::Response<bytes::Bytes> {
    http::Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(body.as_bytes().to_vec().into())
        .expect("response")
}

fn parse(status: u16, content_type: &str, body: &str) -> Result<Token, Error> {
    parse_token_response(&endpoint(), &answer(status, content_type, body))
}

fn ok(body: &str) -> Token {
    parse(200, "application/json", body).expect("token answer should parse")
}

fn parse_failure(result: Result<Token, Error>) -> ParseError {
    match result {
        Err(Error::Parse(e)) => e,
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn standard_answer() {
    let before = SystemTime::now();
    let token = ok(
        r#"{"access_token":"AT","token_type":"Bearer","expires_in":3600,
        "refresh_token":"RT","scope":"read write","sub":"42"}"#,
    );
    assert_eq!(token.access_token().secret(), "AT");
    assert_eq!(token.token_type(), &TokenType::Bearer);
    assert_eq!(token.refresh_token().map(RefreshToken::secret), Some("RT"));
    assert_eq!(
        token.scopes(),
        Some(&["read".to_owned(), "write".to_owned()][..])
    );
    assert_eq!(token.extra().get("sub"), Some(&Value::String("42".into())));
    let at = token.expires_at().expect("expiry");
    assert!(at >= before + Duration::from_secs(3600));
    assert!(at <= SystemTime::now() + Duration::from_secs(3600));
}

#[test]
fn battle_net_answer() {
    let token =
        ok(r#"{"access_token":"USVb1","token_type":"bearer","expires_in":86399,"sub":"client-1"}"#);
    assert_eq!(token.token_type(), &TokenType::Bearer);
    assert!(token.refresh_token().is_none());
    assert!(token.scopes().is_none());
    assert!(!token.expires_within(Duration::from_secs(86_000)));
    assert!(token.expires_within(Duration::from_secs(86_400)));
}

#[test]
fn string_expires_in() {
    let token = ok(r#"{"access_token":"AT","token_type":"bearer","expires_in":"3600"}"#);
    assert!(token.expires_within(Duration::from_secs(3601)));
    assert!(!token.expires_within(Duration::from_secs(3500)));
}

#[test]
fn fractional_expires_in() {
    let token = ok(r#"{"access_token":"AT","expires_in":59.9}"#);
    assert!(token.expires_within(Duration::from_secs(60)));
}

#[test]
fn token_type_any_case_or_missing() {
    assert_eq!(
        ok(r#"{"access_token":"AT","token_type":"BEARER"}"#).token_type(),
        &TokenType::Bearer
    );
    assert_eq!(
        ok(r#"{"access_token":"AT"}"#).token_type(),
        &TokenType::Bearer
    );
    assert_eq!(
        ok(r#"{"access_token":"AT","token_type":"MAC"}"#).token_type(),
        &TokenType::Other("mac".into())
    );
}

#[test]
fn scopes_comma_separated_or_array() {
    let expected = ["wow.profile".to_owned(), "openid".to_owned()];
    assert_eq!(
        ok(r#"{"access_token":"AT","scope":"wow.profile,openid"}"#).scopes(),
        Some(&expected[..])
    );
    assert_eq!(
        ok(r#"{"access_token":"AT","scope":"wow.profile, openid"}"#).scopes(),
        Some(&expected[..])
    );
    assert_eq!(
        ok(r#"{"access_token":"AT","scope":["wow.profile","openid"]}"#).scopes(),
        Some(&expected[..])
    );
}

#[test]
fn form_encoded_answer() {
    let token = parse(
        200,
        "application/x-www-form-urlencoded; charset=utf-8",
        "access_token=AT%2B1&token_type=bearer&scope=repo%2Cuser&expires_in=28800",
    )
    .expect("form answer");
    assert_eq!(token.access_token().secret(), "AT+1");
    assert_eq!(token.scopes().map(<[String]>::len), Some(2));
    // Under a text type too.
    let token =
        parse(200, "text/plain", "access_token=AT&token_type=bearer").expect("text form answer");
    assert_eq!(token.access_token().secret(), "AT");
}

#[test]
fn error_with_http_200() {
    let err = parse(200, "application/json", r#"{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired.","error_uri":"https://docs.example/e"}"#)
        .expect_err("error body");
    let Error::Server { status, error, .. } = &err else {
        panic!("expected a server error, got {err:?}");
    };
    assert_eq!(*status, StatusCode::OK);
    assert_eq!(
        error.error,
        ErrorCode::Other("bad_verification_code".into())
    );
    assert_eq!(
        error.error_description.as_deref(),
        Some("The code passed is incorrect or expired.")
    );
    assert_eq!(error.error_uri.as_deref(), Some("https://docs.example/e"));
    assert_eq!(
        err.to_string(),
        "token endpoint https://auth.example/token: server answered 200 OK with `bad_verification_code` (The code passed is incorrect or expired.) see https://docs.example/e"
    );
}

#[test]
fn form_encoded_error() {
    let err = parse(
        200,
        "application/x-www-form-urlencoded",
        "error=invalid_grant&error_description=expired",
    )
    .expect_err("form error");
    assert_eq!(
        err.server_error().map(|e| &e.error),
        Some(&ErrorCode::InvalidGrant)
    );
}

#[test]
fn json_error_with_400_and_500() {
    for status in [400, 401, 500] {
        let err =
            parse(status, "application/json", r#"{"error":"invalid_client"}"#).expect_err("error");
        assert_eq!(
            err.status(),
            Some(StatusCode::from_u16(status).expect("status"))
        );
        assert_eq!(
            err.server_error().map(|e| &e.error),
            Some(&ErrorCode::InvalidClient)
        );
    }
}

#[test]
fn html_error_page_names_status_and_excerpt() {
    let err = parse(
        502,
        "text/html",
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
    )
    .expect_err("html");
    assert_eq!(
        err.to_string(),
        "token endpoint https://auth.example/token: unexpected HTTP status 502 Bad Gateway: <html><body><h1>502 Bad Gateway</h1></body></html>"
    );
}

#[test]
fn html_page_with_200() {
    let e = parse_failure(parse(200, "text/html", "<html>sign in</html>"));
    assert_eq!(e.status, StatusCode::OK);
    assert_eq!(
        e.message,
        "expected a JSON object, got a body that is not JSON (text/html)"
    );
    assert_eq!(e.excerpt, "<html>sign in</html>");
}

#[test]
fn truncated_json() {
    let e = parse_failure(parse(
        200,
        "application/json",
        r#"{"access_token":"SECRET-AT","token_ty"#,
    ));
    assert_eq!(
        e.message,
        "expected a JSON object, got truncated JSON (application/json)"
    );
    assert_eq!(e.excerpt, r#"{"access_token":"[redacted]","token_ty"#);
    assert!(!e.to_string().contains("SECRET-AT"));
}

#[test]
fn empty_body() {
    let e = parse_failure(parse(200, "application/json", ""));
    assert_eq!(
        e.to_string(),
        "token endpoint https://auth.example/token: cannot parse the 200 OK answer: expected a JSON object, got an empty body (empty body)"
    );
}

#[test]
fn missing_access_token() {
    let e = parse_failure(parse(
        200,
        "application/json",
        r#"{"token_type":"bearer","expires_in":3600}"#,
    ));
    assert_eq!(e.field.as_deref(), Some("access_token"));
    assert_eq!(
        e.to_string(),
        r#"token endpoint https://auth.example/token: cannot parse the 200 OK answer at `access_token`: missing (body: {"token_type":"bearer","expires_in":3600})"#
    );
}

#[test]
fn bad_field_types_name_the_field_and_hide_secrets() {
    let cases = [
        (
            r#"{"access_token":"SECRET-AT","expires_in":"soon"}"#,
            "expires_in",
            r#"expected a number of seconds, got "soon""#,
        ),
        (
            r#"{"access_token":"SECRET-AT","expires_in":-5}"#,
            "expires_in",
            "expected a number of seconds, got -5",
        ),
        (
            r#"{"access_token":"SECRET-AT","scope":7}"#,
            "scope",
            "expected a string or an array, got a number",
        ),
        (
            r#"{"access_token":"SECRET-AT","scope":["a",1]}"#,
            "scope",
            "expected an array of strings, found a number",
        ),
        (
            r#"{"access_token":42}"#,
            "access_token",
            "expected a string, got a number",
        ),
        (
            r#"{"access_token":""}"#,
            "access_token",
            "expected a token, got an empty string",
        ),
        (
            r#"{"access_token":"SECRET-AT","refresh_token":{"v":"SECRET-RT"}}"#,
            "refresh_token",
            "expected a string, got an object",
        ),
        (
            r#"{"access_token":"SECRET-AT","token_type":true}"#,
            "token_type",
            "expected a string, got a boolean",
        ),
    ];
    for (body, field, message) in cases {
        let e = parse_failure(parse(200, "application/json", body));
        assert_eq!(e.field.as_deref(), Some(field), "{body}");
        assert_eq!(e.message, message, "{body}");
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}

#[test]
fn absurd_expiry_is_an_error_not_a_panic() {
    let e = parse_failure(parse(
        200,
        "application/json",
        r#"{"access_token":"AT","expires_in":18446744073709551615}"#,
    ));
    assert_eq!(e.field.as_deref(), Some("expires_in"));
}

#[test]
fn non_object_json() {
    let e = parse_failure(parse(200, "application/json", r#"["access_token"]"#));
    assert_eq!(e.message, "expected a JSON object, got a JSON array");
}

#[test]
fn serde_round_trip_keeps_everything() {
    let token = ok(
        r#"{"access_token":"AT","token_type":"bearer","expires_in":60,"refresh_token":"RT",
        "scope":"a b","id_token":"x.y.z","sub":"7"}"#,
    );
    let json = serde_json::to_string(&token).expect("serialise");
    let back: Token = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back.access_token().secret(), "AT");
    assert_eq!(back.refresh_token().map(RefreshToken::secret), Some("RT"));
    assert_eq!(back.id_token().map(IdToken::secret), Some("x.y.z"));
    assert_eq!(back.scopes(), token.scopes());
    assert_eq!(back.extra(), token.extra());
    let secs = |t: &Token| {
        t.expires_at().map(|at| {
            at.duration_since(std::time::UNIX_EPOCH)
                .expect("after epoch")
                .as_secs()
        })
    };
    assert_eq!(secs(&back), secs(&token));
}

#[test]
fn debug_shows_no_secret() {
    let token = ok(
        r#"{"access_token":"SECRET-AT","refresh_token":"SECRET-RT","id_token":"SECRET-ID","vendor_secret":"SECRET-X"}"#,
    );
    let shown = format!("{token:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(shown.contains("vendor_secret"));
}

#[test]
fn keep_refresh_token_only_fills_a_gap() {
    let mut token = ok(r#"{"access_token":"AT"}"#);
    token.keep_refresh_token(&RefreshToken::new("OLD"));
    assert_eq!(token.refresh_token().map(RefreshToken::secret), Some("OLD"));
    let mut rotated = ok(r#"{"access_token":"AT","refresh_token":"NEW"}"#);
    rotated.keep_refresh_token(&RefreshToken::new("OLD"));
    assert_eq!(
        rotated.refresh_token().map(RefreshToken::secret),
        Some("NEW")
    );
}

#[test]
fn expires_in_counts_down_to_zero() {
    let token = |at: Option<SystemTime>| {
        let token = Token::bearer(AccessToken::new("AT"));
        match at {
            Some(at) => token.with_expires_at(at),
            None => token,
        }
    };
    let left = token(Some(SystemTime::now() + Duration::from_secs(3600)))
        .expires_in()
        .expect("an expiry");
    assert!(
        left > Duration::from_secs(3590) && left <= Duration::from_secs(3600),
        "{left:?}"
    );
    let past = token(Some(SystemTime::now() - Duration::from_secs(5)));
    assert_eq!(past.expires_in(), Some(Duration::ZERO));
    assert_eq!(token(None).expires_in(), None);
}

#[test]
fn a_fresh_tokens_lifetime_is_dated_once_by_the_judges_clock() {
    let mut token = ok(r#"{"access_token":"AT","token_type":"bearer","expires_in":3600}"#);
    let then = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
    token.stamp_expiry(then);
    assert_eq!(token.expires_at(), Some(then + Duration::from_secs(3600)));
    // Once only: a later stamp leaves the date alone.
    token.stamp_expiry(then + Duration::from_secs(60));
    assert_eq!(token.expires_at(), Some(then + Duration::from_secs(3600)));
}

#[test]
fn the_same_credentials_are_the_same_access_and_refresh_tokens() {
    let access = |at: &str| Token::bearer(AccessToken::new(at));
    assert!(access("A").same_credentials(&access("A")));
    assert!(!access("A").same_credentials(&access("B")));
    let with = |rt: &str| access("A").with_refresh_token(RefreshToken::new(rt));
    assert!(with("R").same_credentials(&with("R")));
    assert!(!with("R").same_credentials(&with("S")));
    assert!(!with("R").same_credentials(&access("A")));
}

#[test]
fn a_form_type_is_read_as_a_form_even_when_the_body_would_not_pass_for_one() {
    // A member without `=` would not pass for a form under another type.
    let token = parse(
        200,
        "application/x-www-form-urlencoded",
        "access_token=AT&token_type=bearer&verbose",
    )
    .expect("form answer");
    assert_eq!(token.access_token().secret(), "AT");
    assert_eq!(token.extra().get("verbose"), Some(&Value::from("")));
}

#[test]
fn empty_strings_are_members_not_sent() {
    let token = ok(r#"{"access_token":"AT","token_type":"","refresh_token":""}"#);
    assert_eq!(token.token_type(), &TokenType::Bearer);
    assert!(token.refresh_token().is_none());
}

#[test]
fn expiries_of_a_thousand_million_million_seconds_or_more_are_refused() {
    let failure = parse_failure(parse(
        200,
        "application/json",
        r#"{"access_token":"AT","expires_in":1e15}"#,
    ));
    assert_eq!(failure.field.as_deref(), Some("expires_in"));
    assert_eq!(
        failure.message,
        "expected a number of seconds, got 1000000000000000.0"
    );
    let token = ok(r#"{"access_token":"AT","expires_in":999999999999999.0}"#);
    assert!(token.expires_at().is_some());
}

#[test]
fn a_bad_expiry_is_quoted_up_to_forty_characters() {
    let message = |value: &str| {
        let body = format!(r#"{{"access_token":"AT","expires_in":"{value}"}}"#);
        parse_failure(parse(200, "application/json", &body)).message
    };
    let forty = "x".repeat(38);
    assert_eq!(
        message(&forty),
        format!("expected a number of seconds, got \"{forty}\"")
    );
    let longer = "x".repeat(39);
    assert_eq!(
        message(&longer),
        format!("expected a number of seconds, got \"{}…", "x".repeat(39))
    );
}
