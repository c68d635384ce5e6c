//! Client authentication by signed assertion (RFC 7523 §2.2, OpenID
//! Connect Core §9), checked as an authorization server does: the
//! signature with the client's registered public keys (`private_key_jwt`)
//! or its secret (`client_secret_jwt`, HS256), then `iss`, `sub`, `aud`,
//! `exp` by the sandbox clock, and a `jti` never seen before.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use crate::config::ClientConfig;
use crate::state::{Shared, State};

/// The `client_assertion_type` of a JWT assertion.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The client the assertion proves, or why it does not (words for the
/// `error_description`).
pub(crate) fn verify(
    shared: &Shared,
    assertion: &str,
    named: Option<&str>,
) -> Result<ClientConfig, String> {
    verify_in(shared, &mut shared.state(), assertion, named, true).map(|(client, _)| client)
}

/// An authorization grant's JWT (RFC 7523 §2.1), signed by `client`'s
/// key: the `sub` it names (a user's login, checked by the caller).
pub(crate) fn verify_grant(
    shared: &Shared,
    state: &mut State,
    assertion: &str,
    client: &ClientConfig,
) -> Result<String, String> {
    let (signer, payload) = verify_in(shared, state, assertion, None, false)?;
    if signer.id != client.id {
        return Err("the assertion is not signed by this client".into());
    }
    payload
        .get("sub")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| "the assertion has no sub".into())
}

/// Checks an assertion signed by the client its `iss` names: signature,
/// `aud`, `exp`, a new `jti`, and (for client authentication) `sub`
/// equal to `iss`.
fn verify_in(
    shared: &Shared,
    state: &mut State,
    assertion: &str,
    named: Option<&str>,
    authenticates: bool,
) -> Result<(ClientConfig, Map<String, Value>), String> {
    let (header, payload) = parts(assertion).ok_or("the client assertion is not a JWT")?;
    let text = |map: &Map<String, Value>, name: &str| {
        map.get(name).and_then(Value::as_str).map(str::to_owned)
    };
    let iss = text(&payload, "iss").ok_or("the client assertion has no iss")?;
    if named.is_some_and(|id| id != iss) {
        return Err("client_id is not the client assertion's iss".into());
    }
    let client = state
        .clients
        .get(&iss)
        .cloned()
        .ok_or_else(|| format!("unknown client: {iss}"))?;
    let alg: Algorithm = text(&header, "alg")
        .and_then(|alg| alg.parse().ok())
        .ok_or("the client assertion's alg is not supported")?;
    let keys = decoding_keys(&client, alg, text(&header, "kid").as_deref());
    if keys.is_empty() {
        return Err(format!(
            "no key of the client fits the client assertion ({alg:?})"
        ));
    }
    let mut validation = Validation::new(alg);
    // The claims are checked below, by the sandbox's clock.
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    if !keys
        .iter()
        .any(|key| jsonwebtoken::decode::<Value>(assertion, key, &validation).is_ok())
    {
        return Err("the client assertion's signature does not verify".into());
    }
    if authenticates && text(&payload, "sub").as_deref() != Some(iss.as_str()) {
        return Err("the client assertion's sub must be the client id".into());
    }
    let audiences: Vec<String> = match payload.get("aud") {
        Some(Value::String(aud)) => vec![aud.clone()],
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => return Err("the client assertion has no aud".into()),
    };
    let accepted = [
        shared.issuer(),
        shared.oauth_link(shared.profile.token_path()),
    ];
    if !audiences.iter().any(|aud| accepted.contains(aud)) {
        return Err(
            "the client assertion's aud is neither the issuer nor the token endpoint".into(),
        );
    }
    let exp = payload
        .get("exp")
        .and_then(Value::as_u64)
        .ok_or("the client assertion has no exp")?;
    if exp <= shared.clock.epoch() {
        return Err("the client assertion has expired".into());
    }
    let jti = text(&payload, "jti").ok_or("the client assertion has no jti")?;
    if !state.assertion_ids.insert(jti) {
        return Err("the client assertion was used before (its jti)".into());
    }
    Ok((client, payload))
}

/// The JOSE header and the payload, unverified (to find the client and its
/// key).
fn parts(jwt: &str) -> Option<(Map<String, Value>, Map<String, Value>)> {
    let mut parts = jwt.split('.');
    let (Some(header), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let json = |part: &str| match serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    };
    Some((json(header)?, json(payload)?))
}

/// The client's keys that may have signed with `alg`: its registered
/// public keys (by `kid` when the assertion names one), or its secret for
/// HS256.
fn decoding_keys(client: &ClientConfig, alg: Algorithm, kid: Option<&str>) -> Vec<DecodingKey> {
    if alg == Algorithm::HS256 {
        return client
            .secret
            .as_deref()
            .map(|secret| vec![DecodingKey::from_secret(secret.as_bytes())])
            .unwrap_or_default();
    }
    client
        .keys
        .iter()
        .filter_map(|jwk| serde_json::from_value::<Jwk>(jwk.clone()).ok())
        .filter(|jwk| kid.is_none_or(|kid| jwk.common.key_id.as_deref() == Some(kid)))
        .filter_map(|jwk| DecodingKey::from_jwk(&jwk).ok())
        .collect()
}
