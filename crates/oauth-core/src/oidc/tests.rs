//! ID token checks with tokens signed here by a fixed P-256 key.
#![allow(clippy::unwrap_used)] // Tests: a panic is the failure report.

use std::time::{Duration, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::json;

use super::*;

/// A P-256 private key (PKCS #8) and its public half, made for these tests.
const PRIVATE_PKCS8: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgXx08KsFH0JBh8ys1JeovfFQELgJpI2YXnVSdUaX7vEqhRANCAAQcLF+QrNbzJheuxbH7EELpxNjDExaz8jdt2RbBLlWwPOziu2EZupvNrP386R1ZNGOATx+B0nS/0anNxAAZp6af";
const PUBLIC_X: &str = "HCxfkKzW8yYXrsWx-xBC6cTYwxMWs_I3bdkWwS5VsDw";
const PUBLIC_Y: &str = "7OK7YRm6m82s_fzpHVk0Y4BPH4HSdL_Rqc3EABmnpp8";
/// Another key's public half.
const OTHER_X: &str = "9cWfLV2lh3OweqEl8NMeyWPQxSo-nCLYrs7lL4_fkFs";
const OTHER_Y: &str = "6VB3u9rdVqNQxK9ZKIfl5zNEX3kghodfZs_t3R_1k0E";

const ISSUER: &str = "https://id.example.com";
const CLIENT: &str = "my-app";
const NOW: u64 = 1_800_000_000;

fn jwks(x: &str, y: &str) -> Jwks {
    let doc = json!({"keys": [
        {"kty": "oct", "k": "c2VjcmV0", "kid": "mac"},
        {"kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": "k1", "use": "sig", "alg": "ES256"},
    ]});
    Jwks::from_json(doc.to_string().as_bytes()).unwrap()
}

fn verifier() -> IdTokenVerifier {
    IdTokenVerifier::new(ISSUER, CLIENT, jwks(PUBLIC_X, PUBLIC_Y))
}

fn claims() -> Value {
    json!({
        "iss": ISSUER,
        "sub": "alice",
        "aud": CLIENT,
        "exp": NOW + 600,
        "iat": NOW,
        "nonce": "n-0S6_WzA2Mj",
        "email": "alice@example.com",
    })
}

fn sign(claims: &Value, kid: Option<&str>) -> IdToken {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = kid.map(str::to_owned);
    let key = EncodingKey::from_ec_der(&STANDARD.decode(PRIVATE_PKCS8).unwrap());
    IdToken::new(jsonwebtoken::encode(&header, claims, &key).unwrap())
}

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

fn check(token: &IdToken, nonce: Option<&str>) -> Result<IdTokenClaims, IdTokenError> {
    verifier().verify_at(token, nonce, at(NOW + 1))
}

#[test]
fn a_valid_token_verifies() {
    let verified = check(&sign(&claims(), Some("k1")), Some("n-0S6_WzA2Mj")).unwrap();
    assert_eq!(verified.iss, ISSUER);
    assert_eq!(verified.sub, "alice");
    assert_eq!(verified.aud, vec![CLIENT.to_owned()]);
    assert_eq!(verified.exp, at(NOW + 600));
    assert_eq!(verified.iat, at(NOW));
    assert_eq!(verified.nonce.as_deref(), Some("n-0S6_WzA2Mj"));
    assert_eq!(verified.extra["email"], "alice@example.com");
    // Without kid, every fitting key is tried.
    check(&sign(&claims(), None), None).unwrap();
    // Valid up to and including `exp` plus the leeway (`check` runs at
    // NOW + 1, with 60 s).
    let mut last_second = claims();
    last_second["exp"] = json!(NOW - 59);
    check(&sign(&last_second, Some("k1")), None).unwrap();
    // Debug names the claims, not the values of the others.
    let shown = format!("{verified:?}");
    assert!(
        shown.starts_with(
            "IdTokenClaims { iss: \"https://id.example.com\", sub: \"alice\", aud: [\"my-app\"]"
        ),
        "{shown}"
    );
    assert!(shown.contains("extra: [\"email\"]"), "{shown}");
    assert!(!shown.contains("alice@example.com"), "{shown}");
}

#[test]
fn only_the_asymmetric_algorithms_a_server_lists_are_accepted() {
    let listed = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        accepted_of(&listed(&["RS256", "HS256", "none", "ES256"])),
        Some(vec![Algorithm::RS256, Algorithm::ES256])
    );
    assert_eq!(accepted_of(&listed(&["none"])), None);
    assert_eq!(accepted_of(&listed(&[])), None);
}

#[test]
fn a_key_set_keeps_the_usable_keys_and_shows_their_ids() {
    // The `oct` key is left out: a MAC key cannot sign an ID token here.
    let keys = jwks(PUBLIC_X, PUBLIC_Y);
    assert_eq!(keys.len(), 1);
    assert!(!keys.is_empty());
    assert_eq!(format!("{keys:?}"), "Jwks { kids: [Some(\"k1\")] }");
    let doc = json!({"keys": [
        {"kty": "EC", "crv": "P-256", "x": PUBLIC_X, "y": PUBLIC_Y, "kid": "a"},
        {"kty": "EC", "crv": "P-256", "x": OTHER_X, "y": OTHER_Y},
    ]});
    let keys = Jwks::from_json(doc.to_string().as_bytes()).unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(format!("{keys:?}"), "Jwks { kids: [Some(\"a\"), None] }");
}

#[test]
fn a_tampered_token_is_refused() {
    let token = sign(&claims(), Some("k1"));
    let mut parts: Vec<String> = token.secret().split('.').map(str::to_owned).collect();
    let mut payload = claims();
    payload["sub"] = json!("mallory");
    parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
    let tampered = IdToken::new(parts.join("."));
    assert_eq!(
        check(&tampered, None).unwrap_err(),
        IdTokenError::BadSignature
    );
}

#[test]
fn another_key_is_refused() {
    let verifier = IdTokenVerifier::new(ISSUER, CLIENT, jwks(OTHER_X, OTHER_Y));
    let error = verifier
        .verify_at(&sign(&claims(), Some("k1")), None, at(NOW))
        .unwrap_err();
    assert_eq!(error, IdTokenError::BadSignature);
}

#[test]
fn unknown_kid_asks_for_new_keys() {
    assert_eq!(
        check(&sign(&claims(), Some("k2")), None).unwrap_err(),
        IdTokenError::UnknownKey {
            kid: Some("k2".into())
        }
    );
}

#[test]
fn none_and_mac_algorithms_are_refused() {
    let payload = URL_SAFE_NO_PAD.encode(claims().to_string());
    for alg in ["none", "HS256"] {
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "kid": "mac"}).to_string());
        let token = IdToken::new(format!("{header}.{payload}.c2ln"));
        assert_eq!(
            check(&token, None).unwrap_err(),
            IdTokenError::UnsupportedAlgorithm(alg.into())
        );
    }
}

#[test]
fn claims_are_checked() {
    let cases: Vec<(Value, Option<&str>, IdTokenError)> = vec![
        (
            json!({"iss": "https://evil.example.com"}),
            None,
            IdTokenError::Issuer {
                expected: ISSUER.into(),
                actual: "https://evil.example.com".into(),
            },
        ),
        (
            json!({"aud": "other-app"}),
            None,
            IdTokenError::Audience {
                client_id: CLIENT.into(),
            },
        ),
        (
            json!({"aud": [CLIENT, "other-app"]}),
            None,
            IdTokenError::Audience {
                client_id: CLIENT.into(),
            },
        ),
        (
            json!({"azp": "other-app"}),
            None,
            IdTokenError::Audience {
                client_id: CLIENT.into(),
            },
        ),
        (json!({"exp": NOW - 61}), None, IdTokenError::Expired),
        // `check` runs at NOW + 1 with 60 s of leeway: the last second in.
        (json!({"exp": NOW - 60}), None, IdTokenError::Expired),
        (
            json!({"exp": "soon"}),
            None,
            IdTokenError::InvalidClaim("exp"),
        ),
        (
            json!({"iat": null}),
            None,
            IdTokenError::InvalidClaim("iat"),
        ),
        // `check` runs at NOW + 1 with 60 s of leeway: the first second out.
        (json!({"iat": NOW + 62}), None, IdTokenError::IssuedInFuture),
        (
            json!({"iat": NOW + 3600}),
            None,
            IdTokenError::IssuedInFuture,
        ),
        (json!({"sub": ""}), None, IdTokenError::InvalidClaim("sub")),
        (json!({"iss": 7}), None, IdTokenError::InvalidClaim("iss")),
        (json!({}), Some("another nonce"), IdTokenError::Nonce),
        (
            json!({"nonce": null}),
            Some("n-0S6_WzA2Mj"),
            IdTokenError::Nonce,
        ),
    ];
    for (changes, nonce, expected) in cases {
        let mut payload = claims();
        for (name, value) in changes.as_object().unwrap() {
            payload[name] = value.clone();
        }
        let error = check(&sign(&payload, Some("k1")), nonce).unwrap_err();
        assert_eq!(error, expected, "{changes}");
    }
    // Several audiences are fine with this client as the authorized party;
    // an expiry within the leeway is fine.
    let mut payload = claims();
    payload["aud"] = json!([CLIENT, "api"]);
    payload["azp"] = json!(CLIENT);
    payload["exp"] = json!(NOW - 30);
    check(&sign(&payload, Some("k1")), None).unwrap();
    // An `iat` ahead by the leeway, no more, is fine too.
    let mut payload = claims();
    payload["iat"] = json!(NOW + 61);
    check(&sign(&payload, Some("k1")), None).unwrap();
}

#[test]
fn a_max_age_needs_an_auth_time_within_it() {
    let verifier = verifier();
    let signed_in = |auth_time: Option<u64>| {
        let mut claims = claims();
        if let Some(auth_time) = auth_time {
            claims["auth_time"] = json!(auth_time);
        }
        check(&sign(&claims, Some("k1")), None).unwrap()
    };
    let five_minutes = Duration::from_secs(300);
    // Signed in four minutes ago; and six, within the minute of leeway.
    for ago in [240, 360] {
        let claims = signed_in(Some(NOW - ago));
        assert_eq!(
            verifier.check_auth_time(&claims, five_minutes, at(NOW)),
            Ok(())
        );
    }
    assert_eq!(
        verifier.check_auth_time(&signed_in(Some(NOW - 361)), five_minutes, at(NOW)),
        Err(IdTokenError::SignedInTooLongAgo)
    );
    assert_eq!(
        verifier.check_auth_time(&signed_in(None), five_minutes, at(NOW)),
        Err(IdTokenError::InvalidClaim("auth_time"))
    );
    // A max_age too large to add is never exceeded.
    assert_eq!(
        verifier.check_auth_time(&signed_in(Some(0)), Duration::MAX, at(NOW)),
        Ok(())
    );
}

#[test]
fn garbage_is_malformed_not_a_panic() {
    for garbage in [
        "",
        "a.b",
        "a.b.c.d",
        "!!!.e30.x",
        "e30.e30.x",
        "eyJhbGciOiJFUzI1NiJ9.!!!.x",
        "eyJhbGciOiJFUzI1NiJ9.e30.!!!",
        "eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.AAAA",
    ] {
        let error = check(&IdToken::new(garbage), None).unwrap_err();
        assert!(
            matches!(
                error,
                IdTokenError::Malformed(_)
                    | IdTokenError::BadSignature
                    | IdTokenError::UnsupportedAlgorithm(_)
            ),
            "{garbage}: {error:?}"
        );
    }
}

#[test]
fn bad_jwks_are_typed_errors() {
    for doc in [
        "not json",
        "[]",
        r#"{"keys": 1}"#,
        r#"{"keys": []}"#,
        r#"{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}"#,
        r#"{"keys": [{"kty": "RSA", "n": "!!", "e": "AQAB"}]}"#,
        r#"{"keys": [{"kty": "EC", "crv": "P-256", "x": 1}]}"#,
    ] {
        assert!(
            matches!(
                Jwks::from_json(doc.as_bytes()),
                Err(IdTokenError::InvalidJwks(_))
            ),
            "{doc}"
        );
    }
    assert_eq!(jwks(PUBLIC_X, PUBLIC_Y).len(), 1);
}

#[test]
fn errors_never_quote_the_token() {
    let token = sign(&claims(), Some("k2"));
    let error = check(&token, Some("n-0S6_WzA2Mj")).unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(token.secret()));
    let error = check(&token, Some("nonce-value")).unwrap_err();
    assert!(!error.to_string().contains("nonce-value"));
}

#[test]
fn an_exp_at_the_end_of_time_is_not_an_overflow() {
    // Signed by the issuer's key: only the leeway arithmetic stands between
    // such a token and a panic.
    let end_of_time = u64::try_from(i64::MAX).unwrap();
    for exp in [end_of_time, end_of_time - 30, u64::from(u32::MAX) * 1000] {
        let mut claims = claims();
        claims["exp"] = json!(exp);
        let verified = check(&sign(&claims, Some("k1")), None);
        let verified = verified.unwrap_or_else(|e| panic!("exp {exp}: {e}"));
        assert_eq!(verified.sub, "alice");
    }
}

#[test]
fn a_key_fits_only_the_algorithms_of_its_type_curve_alg_and_use() {
    let jwk = |doc: Value| serde_json::from_value::<Jwk>(doc).unwrap();
    let p256 = json!({"kty": "EC", "crv": "P-256", "x": PUBLIC_X, "y": PUBLIC_Y});
    let rsa = json!({"kty": "RSA", "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw", "e": "AQAB"});
    let okp =
        json!({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"});
    let p384 = json!({"kty": "EC", "crv": "P-384",
        "x": "iA7lWQLzVrKGEFjfGMfMHfTEZ2KnLiKU7JuNT3E7ygsfE7ygsfE7ygsfE7ygsfE7",
        "y": "ygsfE7ygsfE7ygsfE7ygsfE7ygsfE7ygsfE7ygsfE7ygsfE7ygsfE7ygsfE7ygsf"});
    let cases = [
        (p256.clone(), Algorithm::ES256, true),
        (p256.clone(), Algorithm::ES384, false),
        (p256.clone(), Algorithm::RS256, false),
        (p384.clone(), Algorithm::ES384, true),
        (p384, Algorithm::ES256, false),
        (rsa.clone(), Algorithm::RS256, true),
        (rsa.clone(), Algorithm::PS512, true),
        (rsa, Algorithm::ES256, false),
        (okp.clone(), Algorithm::EdDSA, true),
        (okp, Algorithm::ES256, false),
    ];
    for (key, alg, fits) in cases {
        assert_eq!(key_fits(&jwk(key.clone()), alg), fits, "{key} {alg:?}");
    }
    let mut stated = p256.clone();
    stated["alg"] = json!("ES384");
    assert!(
        !key_fits(&jwk(stated), Algorithm::ES256),
        "its own alg differs"
    );
    let mut encryption = p256;
    encryption["use"] = json!("enc");
    assert!(
        !key_fits(&jwk(encryption), Algorithm::ES256),
        "not a signing key"
    );
}

#[test]
fn a_jwt_that_cannot_be_decoded_is_described_without_quoting_it() {
    use jsonwebtoken::errors::{Error as JwtError, ErrorKind};
    let utf8 = String::from_utf8(vec![0xff]).unwrap_err();
    let json = serde_json::from_str::<Value>("{").unwrap_err();
    let cases = [
        (JwtError::from(ErrorKind::InvalidToken), "not a compact JWS"),
        (
            JwtError::from(base64::DecodeError::InvalidLength(5)),
            "a part is not base64url",
        ),
        (JwtError::from(json), "the payload is not a JSON object"),
        (JwtError::from(utf8), "the payload is not UTF-8"),
        (
            JwtError::from(ErrorKind::MissingAlgorithm),
            "cannot be decoded",
        ),
    ];
    for (error, described) in cases {
        assert_eq!(describe_jwt_error(&error), described, "{error:?}");
    }
}

#[test]
fn hash_claims_follow_openid_connect_cores_examples() {
    // OpenID Connect Core, Appendix A.4 and A.6 (RS256: SHA-256).
    let mut claims = check(&sign(&claims(), Some("k1")), Some("n-0S6_WzA2Mj")).unwrap();
    claims
        .extra
        .insert("at_hash".into(), json!("77QmUPtjPfzWtF2AnpK9RQ"));
    claims
        .extra
        .insert("c_hash".into(), json!("LDktKdoQak3Pk0cnXxCltA"));
    let access = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";
    let code = "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk";
    assert_eq!(check_hash(&claims, "at_hash", access, "RS256"), Ok(()));
    assert_eq!(check_hash(&claims, "c_hash", code, "RS256"), Ok(()));
    assert_eq!(check_hash(&claims, "at_hash", "another", "RS256"), Err(()));
    // The hash follows the algorithm: the same value under SHA-384 differs.
    assert_eq!(check_hash(&claims, "at_hash", access, "ES384"), Err(()));
    // No claim, nothing to check.
    assert_eq!(check_hash(&claims, "s_hash", "anything", "RS256"), Ok(()));
}

#[tokio::test]
async fn a_login_checks_the_nonce_sent_and_the_access_tokens_hash() {
    use sha2::Digest as _;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let access = "an-access-token-of-the-sign-in";
    let digest = sha2::Sha256::digest(access.as_bytes());
    let mut payload = claims();
    payload["exp"] = json!(now + 600);
    payload["iat"] = json!(now);
    payload["at_hash"] = json!(URL_SAFE_NO_PAD.encode(&digest[..16]));
    let id_token = sign(&payload, Some("k1"));
    let token_with = |access: &str| -> Token {
        serde_json::from_value(json!({
            "access_token": access,
            "token_type": "Bearer",
            "id_token": id_token.secret(),
        }))
        .unwrap()
    };
    let nonce = Nonce::new("n-0S6_WzA2Mj");
    let claims = verifier()
        .verify_login(&token_with(access), Some(&nonce), None)
        .await
        .unwrap();
    assert_eq!(claims.sub, "alice");
    let error = |result: Result<IdTokenClaims, Error>| match result.unwrap_err() {
        Error::IdToken(error) => error,
        other => panic!("expected an ID token error, got {other:?}"),
    };
    assert_eq!(
        error(
            verifier()
                .verify_login(&token_with("swapped"), Some(&nonce), None)
                .await
        ),
        IdTokenError::AtHash
    );
    assert_eq!(
        error(
            verifier()
                .verify_login(&token_with(access), Some(&Nonce::new("another")), None)
                .await
        ),
        IdTokenError::Nonce
    );
    let bare: Token =
        serde_json::from_value(json!({ "access_token": access, "token_type": "Bearer" })).unwrap();
    assert_eq!(
        error(verifier().verify_login(&bare, Some(&nonce), None).await),
        IdTokenError::Missing
    );
    // Without a place to fetch keys from, an unknown kid stays unknown.
    assert!(!verifier().refresh_keys().await.unwrap());
}
