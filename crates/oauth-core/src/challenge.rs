//! The `Bearer` challenge of a resource server's `WWW-Authenticate` header
//! (RFC 6750 §3), read with `http-auth`'s RFC 7235 challenge parser.

use http::HeaderMap;
use http::header::WWW_AUTHENTICATE;
use http_auth::parser::ChallengeParser;

use crate::error::{ErrorCode, ServerError};

/// Longest header value read; a challenge is a few hundred bytes.
const MAX_HEADER_BYTES: usize = 8 * 1024;

/// What a resource server said when it refused a bearer token: the
/// `Bearer` challenge of its `WWW-Authenticate` header.
///
/// A `401` with `error="invalid_token"` means the token is expired or
/// revoked (a session renews it once by itself); a `403` with
/// `error="insufficient_scope"` names in `scope` what the token lacks.
///
/// ```
/// use oauth_core::{BearerChallenge, ErrorCode};
///
/// let challenge = BearerChallenge::parse(
///     r#"Basic realm="x", Bearer realm="api", error="insufficient_scope", scope="wow.profile""#,
/// )
/// .unwrap();
/// assert_eq!(challenge.error, Some(ErrorCode::InsufficientScope));
/// assert_eq!(challenge.scope.as_deref(), Some("wow.profile"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BearerChallenge {
    /// `realm`, the protection space.
    pub realm: Option<String>,
    /// `error`: absent when the request carried no credentials.
    pub error: Option<ErrorCode>,
    /// `error_description`, for developers.
    pub error_description: Option<String>,
    /// `error_uri`.
    pub error_uri: Option<String>,
    /// `scope`: the scopes the resource needs, space-separated.
    pub scope: Option<String>,
}

impl BearerChallenge {
    /// The first `Bearer` challenge of one `WWW-Authenticate` value, which
    /// may hold several challenges; `None` when there is none, or when the
    /// value is malformed before one is found.
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        if value.len() > MAX_HEADER_BYTES {
            return None;
        }
        for challenge in ChallengeParser::new(value) {
            // Past a syntax error the rest cannot be trusted.
            let challenge = challenge.ok()?;
            if !challenge.scheme.eq_ignore_ascii_case("bearer") {
                continue;
            }
            let mut found = BearerChallenge::default();
            for (name, value) in &challenge.params {
                let slot = match name.to_ascii_lowercase().as_str() {
                    "realm" => &mut found.realm,
                    "error" => {
                        found.error = Some(ErrorCode::from(value.to_unescaped().as_str()));
                        continue;
                    }
                    "error_description" => &mut found.error_description,
                    "error_uri" => &mut found.error_uri,
                    "scope" => &mut found.scope,
                    _ => continue,
                };
                *slot = Some(value.to_unescaped());
            }
            return Some(found);
        }
        None
    }

    /// The first `Bearer` challenge among a response's `WWW-Authenticate`
    /// headers.
    #[must_use]
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        headers
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find_map(BearerChallenge::parse)
    }

    /// The challenge's error as an OAuth error, when it names one.
    #[must_use]
    pub fn server_error(&self) -> Option<ServerError> {
        let error = self.error.as_ref()?;
        Some(ServerError::from_wire(
            error.as_str(),
            self.error_description.as_deref(),
            self.error_uri.as_deref(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    #[test]
    fn every_field_is_read_and_unescaped() {
        let challenge = BearerChallenge::parse(
            r#"Bearer realm="example", error="invalid_token", error_description="the \"token\" expired", error_uri="https://e.example/e", scope="a b""#,
        )
        .expect("a bearer challenge");
        assert_eq!(
            challenge,
            BearerChallenge {
                realm: Some("example".into()),
                error: Some(ErrorCode::InvalidToken),
                error_description: Some(r#"the "token" expired"#.into()),
                error_uri: Some("https://e.example/e".into()),
                scope: Some("a b".into()),
            }
        );
    }

    #[test]
    fn the_bearer_challenge_is_found_among_others_in_any_case() {
        let challenge = BearerChallenge::parse(
            r#"Newauth realm="apps", type=1, BEARER error=insufficient_scope, Basic realm="x""#,
        )
        .expect("a bearer challenge");
        assert_eq!(challenge.error, Some(ErrorCode::InsufficientScope));
        assert_eq!(challenge.realm, None);
        assert_eq!(
            BearerChallenge::parse("Bearer"),
            Some(BearerChallenge::default())
        );
    }

    #[test]
    fn no_or_malformed_challenges_give_none() {
        for value in [
            "",
            "Basic realm=\"x\"",
            "Bearer error=\"unterminated",
            "Bearer error=",
            "=x, Bearer error=\"invalid_token\"",
            "Bearer ,,, error=\"x\" error=\"y\"",
        ] {
            assert_eq!(BearerChallenge::parse(value), None, "{value:?}");
        }
        assert_eq!(
            BearerChallenge::parse(&format!("Bearer realm=\"{}\"", "x".repeat(9000))),
            None
        );
    }

    #[test]
    fn values_up_to_8_kib_are_read() {
        // `Bearer realm="…"` is 15 bytes around the realm.
        let of_length = |n: usize| format!("Bearer realm=\"{}\"", "x".repeat(n - 15));
        let longest = of_length(8 * 1024);
        assert_eq!(longest.len(), 8192);
        let challenge = BearerChallenge::parse(&longest).expect("8 KiB is read");
        assert_eq!(challenge.realm.map(|r| r.len()), Some(8192 - 15));
        assert_eq!(BearerChallenge::parse(&of_length(8 * 1024 + 1)), None);
    }

    #[test]
    fn headers_are_searched_in_order() {
        let mut headers = HeaderMap::new();
        assert_eq!(BearerChallenge::from_headers(&headers), None);
        headers.append(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"x\""),
        );
        headers.append(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
        let challenge = BearerChallenge::from_headers(&headers).expect("found");
        assert_eq!(
            challenge.server_error(),
            Some(ServerError {
                error: ErrorCode::InvalidToken,
                error_description: None,
                error_uri: None,
            })
        );
    }
}

/// Any header value gives a challenge or `None`, never a panic; challenges
/// written by a server round-trip. `PROPTEST_CASES` raises the case count
/// (`cargo xtask fuzz`).
#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    /// A quoted-string's content as a server writes it, and its value.
    fn quoted() -> impl Strategy<Value = (String, String)> {
        "[ -~]{0,40}".prop_map(|value| {
            let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
            (format!("\"{escaped}\""), value)
        })
    }

    /// A challenge written back as a server would write it.
    fn written(challenge: &BearerChallenge) -> String {
        let quote = |v: &str| format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""));
        let params: Vec<String> = [
            ("realm", challenge.realm.clone()),
            (
                "error",
                challenge.error.as_ref().map(|e| e.as_str().to_owned()),
            ),
            ("error_description", challenge.error_description.clone()),
            ("error_uri", challenge.error_uri.clone()),
            ("scope", challenge.scope.clone()),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| format!("{name}={}", quote(&v))))
        .collect();
        format!("Bearer {}", params.join(", "))
            .trim_end()
            .to_owned()
    }

    /// What holds of any parse: a challenge only where the word `Bearer`
    /// is, no field longer than the input, and written back it reads the
    /// same.
    fn check(value: &str) -> Result<(), TestCaseError> {
        let Some(challenge) = BearerChallenge::parse(value) else {
            return Ok(());
        };
        prop_assert!(value.to_ascii_lowercase().contains("bearer"), "{value}");
        for field in [
            &challenge.realm,
            &challenge.error_description,
            &challenge.error_uri,
            &challenge.scope,
        ]
        .into_iter()
        .flatten()
        {
            prop_assert!(field.len() <= value.len());
        }
        let again = written(&challenge);
        prop_assert_eq!(BearerChallenge::parse(&again), Some(challenge), "{}", again);
        Ok(())
    }

    proptest! {
        #[test]
        fn any_value_is_a_challenge_or_none(value in "\\PC{0,200}") {
            check(&value)?;
        }

        #[test]
        fn any_printable_ascii_is_a_challenge_or_none(value in "[ -~]{0,200}") {
            check(&value)?;
        }

        #[test]
        fn a_value_without_a_bearer_challenge_is_none(value in "[A-Za-z0-9 =,\"]{0,80}") {
            prop_assume!(!value.to_ascii_lowercase().contains("bearer"));
            prop_assert_eq!(BearerChallenge::parse(&value), None);
        }

        #[test]
        fn written_challenges_round_trip(
            before in prop::option::of("[A-Za-z]{1,8} realm=\"x\""),
            realm in quoted(),
            code in "[a-z_]{1,20}",
            description in quoted(),
            scope in quoted(),
        ) {
            let mut value = before.map(|c| format!("{c}, ")).unwrap_or_default();
            if value.to_ascii_lowercase().starts_with("bearer ") {
                value.clear();
            }
            value.push_str(&format!(
                "Bearer realm={}, error=\"{code}\", error_description={}, scope={}",
                realm.0, description.0, scope.0
            ));
            let challenge = BearerChallenge::parse(&value);
            prop_assert_eq!(
                challenge,
                Some(BearerChallenge {
                    realm: Some(realm.1),
                    error: Some(ErrorCode::from(code.as_str())),
                    error_description: Some(description.1),
                    error_uri: None,
                    scope: Some(scope.1),
                })
            );
        }
    }
}
