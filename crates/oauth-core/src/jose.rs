//! Keys that sign: a client's proof of who it is at the token endpoint
//! (RFC 7523 `private_key_jwt` and `client_secret_jwt`), and a session's
//! proof that it holds the key its tokens are bound to (DPoP, RFC 9449);
//! read from PKCS#8 (DER or PEM) or from a JWK, signed with `ring`.
//!
//! Only signing lives here: a JWS in compact form is the two JSON parts
//! and the signature, each base64url, joined by dots. Verifying tokens
//! from others (where the pitfalls are) is `jsonwebtoken`'s, in
//! [`IdTokenVerifier`](crate::IdTokenVerifier).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair};
use rustls_pki_types::PrivatePkcs8KeyDer;
use rustls_pki_types::pem::PemObject as _;
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

/// The JWS algorithms a [`SigningKey`] signs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JwsAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RSA keys of 2048 to 4096 bits).
    RS256,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// Ed25519.
    EdDSA,
    /// HMAC with SHA-256, keyed by the client secret (`client_secret_jwt`).
    HS256,
}

impl JwsAlgorithm {
    /// The name in a JWS header (`alg`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::ES256 => "ES256",
            Self::EdDSA => "EdDSA",
            Self::HS256 => "HS256",
        }
    }
}

impl fmt::Display for JwsAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a key cannot be used. Never quotes the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The PEM text holds no `PRIVATE KEY` (PKCS#8) block.
    #[error("no PKCS#8 private key in the PEM text")]
    Pem,
    /// The PKCS#8 key is none of RSA, P-256 or Ed25519, or is damaged.
    #[error("the PKCS#8 key is not an RSA (2048–4096 bits), P-256 or Ed25519 private key")]
    Pkcs8,
    /// The JWK is not a JSON object, or lacks a member (named) or has one
    /// that is not base64url.
    #[error("the JWK cannot be read: {0}")]
    Jwk(&'static str),
    /// The JWK is of a kind or curve this crate does not sign with.
    #[error("unsupported key: {0}")]
    Unsupported(String),
    /// `ring` refused the key (its words, which never hold key material).
    #[error("the key is refused: {0}")]
    Rejected(String),
    /// Signing failed.
    #[error("signing failed")]
    Sign,
}

#[derive(Clone)]
enum Inner {
    Rsa(Arc<RsaKeyPair>),
    Ecdsa(Arc<EcdsaKeyPair>),
    Ed25519(Arc<Ed25519KeyPair>),
    Hmac(ring::hmac::Key),
}

/// A private key that signs JWTs: RSA (RS256), P-256 (ES256) or Ed25519
/// (EdDSA). Cheap to clone; its `Debug` shows the algorithm and key id
/// only.
///
/// ```
/// use oauth_core::jose::{JwsAlgorithm, SigningKey};
///
/// let key = SigningKey::generate_es256()?.with_kid("client-key-1");
/// assert_eq!(key.algorithm(), JwsAlgorithm::ES256);
/// assert_eq!(key.public_jwk().unwrap()["kid"], "client-key-1");
/// # Ok::<(), oauth_core::jose::KeyError>(())
/// ```
#[derive(Clone)]
pub struct SigningKey {
    inner: Inner,
    kid: Option<String>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.algorithm())
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A key from PKCS#8 DER (`openssl genpkey` output in DER, or the
    /// body of a `PRIVATE KEY` PEM block): RSA, P-256 or Ed25519.
    ///
    /// # Errors
    /// [`KeyError::Pkcs8`] for anything else.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let rng = SystemRandom::new();
        let inner = if let Ok(key) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
            Inner::Ed25519(Arc::new(key))
        } else if let Ok(key) =
            EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, der, &rng)
        {
            Inner::Ecdsa(Arc::new(key))
        } else if let Ok(key) = RsaKeyPair::from_pkcs8(der) {
            Inner::Rsa(Arc::new(key))
        } else {
            return Err(KeyError::Pkcs8);
        };
        Ok(SigningKey { inner, kid: None })
    }

    /// A key from a PEM `PRIVATE KEY` (PKCS#8) block.
    ///
    /// # Errors
    /// [`KeyError::Pem`] without such a block; [`KeyError::Pkcs8`] as
    /// [`from_pkcs8_der`](Self::from_pkcs8_der).
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, KeyError> {
        let der = PrivatePkcs8KeyDer::from_pem_slice(pem.as_bytes()).map_err(|_| KeyError::Pem)?;
        Self::from_pkcs8_der(der.secret_pkcs8_der())
    }

    /// A key from a private JWK (RFC 7517): `"kty": "RSA"` with its CRT
    /// members, `"EC"` on `P-256`, or `"OKP"` on `Ed25519`. Its `kid`, if
    /// any, is kept.
    ///
    /// # Errors
    /// [`KeyError::Jwk`] for a member missing or unreadable;
    /// [`KeyError::Unsupported`] for another kind or curve;
    /// [`KeyError::Rejected`] when the members do not make a key.
    pub fn from_jwk(jwk: &str) -> Result<Self, KeyError> {
        let jwk: Map<String, Value> =
            serde_json::from_str(jwk).map_err(|_| KeyError::Jwk("not a JSON object"))?;
        let text = |name: &'static str| {
            jwk.get(name)
                .and_then(Value::as_str)
                .ok_or(KeyError::Jwk(name))
        };
        let bytes = |name: &'static str| {
            text(name).and_then(|v| B64.decode(v).map_err(|_| KeyError::Jwk(name)))
        };
        let rejected = |e: ring::error::KeyRejected| KeyError::Rejected(e.to_string());
        let inner = match (text("kty")?, jwk.get("crv").and_then(Value::as_str)) {
            ("EC", Some("P-256")) => {
                let mut point = vec![4];
                point.extend(bytes("x")?);
                point.extend(bytes("y")?);
                Inner::Ecdsa(Arc::new(
                    EcdsaKeyPair::from_private_key_and_public_key(
                        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                        &bytes("d")?,
                        &point,
                        &SystemRandom::new(),
                    )
                    .map_err(rejected)?,
                ))
            }
            ("OKP", Some("Ed25519")) => Inner::Ed25519(Arc::new(
                Ed25519KeyPair::from_seed_and_public_key(&bytes("d")?, &bytes("x")?)
                    .map_err(rejected)?,
            )),
            ("RSA", _) => {
                let components = ring::rsa::KeyPairComponents {
                    public_key: ring::rsa::PublicKeyComponents {
                        n: bytes("n")?,
                        e: bytes("e")?,
                    },
                    d: bytes("d")?,
                    p: bytes("p")?,
                    q: bytes("q")?,
                    dP: bytes("dp")?,
                    dQ: bytes("dq")?,
                    qInv: bytes("qi")?,
                };
                Inner::Rsa(Arc::new(
                    RsaKeyPair::from_components(&components).map_err(rejected)?,
                ))
            }
            (kty, crv) => {
                return Err(KeyError::Unsupported(match crv {
                    Some(crv) => format!("kty {kty} on curve {crv}"),
                    None => format!("kty {kty}"),
                }));
            }
        };
        let kid = jwk.get("kid").and_then(Value::as_str).map(str::to_owned);
        Ok(SigningKey { inner, kid })
    }

    /// A new P-256 key (ES256), made from the system's randomness: for a
    /// key of the session's own, such as a DPoP key.
    ///
    /// # Errors
    /// [`KeyError::Rejected`] if the system has no randomness to give.
    pub fn generate_es256() -> Result<Self, KeyError> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| KeyError::Rejected("no randomness".to_owned()))?;
        Self::from_pkcs8_der(pkcs8.as_ref())
    }

    /// An HMAC key (HS256) from a shared secret.
    ///
    /// # Errors
    /// [`KeyError::Rejected`] for a secret shorter than 32 bytes, the
    /// least RFC 7518 §3.2 allows.
    pub(crate) fn hmac(secret: &[u8]) -> Result<Self, KeyError> {
        if secret.len() < 32 {
            return Err(KeyError::Rejected(
                "an HS256 secret must be at least 32 bytes (RFC 7518 §3.2)".to_owned(),
            ));
        }
        Ok(SigningKey {
            inner: Inner::Hmac(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret)),
            kid: None,
        })
    }

    /// The key id sent in the JWS header (`kid`), as the server knows the
    /// key by.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// The key id, if any.
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The algorithm it signs with.
    #[must_use]
    pub fn algorithm(&self) -> JwsAlgorithm {
        match self.inner {
            Inner::Rsa(_) => JwsAlgorithm::RS256,
            Inner::Ecdsa(_) => JwsAlgorithm::ES256,
            Inner::Ed25519(_) => JwsAlgorithm::EdDSA,
            Inner::Hmac(_) => JwsAlgorithm::HS256,
        }
    }

    /// The public half as a JWK (with `kid`, `alg` and `use: sig`), to
    /// register with a server; `None` for an HMAC key.
    #[must_use]
    pub fn public_jwk(&self) -> Option<Value> {
        let mut jwk = self.public_members()?;
        if let Some(kid) = &self.kid {
            jwk["kid"] = json!(kid);
        }
        jwk["alg"] = json!(self.algorithm().as_str());
        jwk["use"] = json!("sig");
        Some(jwk)
    }

    /// The JWK thumbprint of the public key (RFC 7638, SHA-256, base64url);
    /// `None` for an HMAC key.
    #[must_use]
    pub fn thumbprint(&self) -> Option<String> {
        let members = self.public_members()?;
        Some(B64.encode(Sha256::digest(canonical(&members)?.as_bytes())))
    }

    /// The public key's required JWK members (RFC 7638 §3.2).
    fn public_members(&self) -> Option<Value> {
        Some(match &self.inner {
            Inner::Rsa(key) => {
                let public = ring::rsa::PublicKeyComponents::<Vec<u8>>::from(key.public());
                json!({ "kty": "RSA", "n": B64.encode(public.n), "e": B64.encode(public.e) })
            }
            Inner::Ecdsa(key) => {
                // An uncompressed point: 0x04, then x and y of 32 bytes.
                let point = key.public_key().as_ref();
                let (x, y) = point.get(1..)?.split_at(32);
                json!({ "kty": "EC", "crv": "P-256", "x": B64.encode(x), "y": B64.encode(y) })
            }
            Inner::Ed25519(key) => {
                json!({ "kty": "OKP", "crv": "Ed25519", "x": B64.encode(key.public_key()) })
            }
            Inner::Hmac(_) => return None,
        })
    }

    /// `claims` signed as a JWT (`typ` `JWT`, this key's `alg` and `kid`):
    /// an assertion for the JWT-bearer grant
    /// ([`Client::jwt_bearer`](crate::Client::jwt_bearer)), say.
    ///
    /// # Errors
    /// [`KeyError::Sign`] when signing fails.
    pub fn sign(&self, claims: &Value) -> Result<String, KeyError> {
        self.sign_jwt("JWT", &[], claims)
    }

    /// A JWS in compact form of `claims`, its header `alg`, `kid` (if
    /// any), `typ` and the `extra` members.
    pub(crate) fn sign_jwt(
        &self,
        typ: &str,
        extra: &[(&str, Value)],
        claims: &Value,
    ) -> Result<String, KeyError> {
        let mut header = json!({ "alg": self.algorithm().as_str(), "typ": typ });
        if let Some(kid) = &self.kid {
            header["kid"] = json!(kid);
        }
        for (name, value) in extra {
            header[*name] = value.clone();
        }
        let mut jws = B64.encode(header.to_string());
        jws.push('.');
        jws.push_str(&B64.encode(claims.to_string()));
        let signature = self.sign_bytes(jws.as_bytes())?;
        jws.push('.');
        jws.push_str(&B64.encode(signature));
        Ok(jws)
    }

    fn sign_bytes(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let rng = SystemRandom::new();
        match &self.inner {
            Inner::Rsa(key) => {
                let mut signature = vec![0; key.public().modulus_len()];
                key.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut signature)
                    .map_err(|_| KeyError::Sign)?;
                Ok(signature)
            }
            Inner::Ecdsa(key) => key
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| KeyError::Sign),
            Inner::Ed25519(key) => Ok(key.sign(message).as_ref().to_vec()),
            Inner::Hmac(key) => Ok(ring::hmac::sign(key, message).as_ref().to_vec()),
        }
    }
}

/// A DPoP key (RFC 9449): proves, request by request, that whoever
/// presents a token holds the key it was bound to. Each proof is a JWT
/// (`typ` `dpop+jwt`, the public key in its header) naming the method and
/// URL it is for, when it was made, a fresh `jti`, the access token's hash
/// on resource requests (`ath`) and the server's latest `DPoP-Nonce`.
///
/// A session's key is made with [`DpopKey::generate`] (P-256) or given
/// ([`DpopKey::new`]); give it to the client
/// ([`ClientBuilder::dpop`](crate::ClientBuilder::dpop)) and every token it
/// gets is bound to it, and every session on it presents the token with a
/// proof. Cheap to clone; the clones share the nonces the servers gave.
#[derive(Clone)]
pub struct DpopKey {
    inner: Arc<DpopInner>,
}

struct DpopInner {
    key: SigningKey,
    /// The public key as the proofs' header carries it.
    jwk: Value,
    /// The latest `DPoP-Nonce` of each server (by origin).
    nonces: Mutex<HashMap<String, String>>,
}

impl fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DpopKey")
            .field("alg", &self.inner.key.algorithm())
            .field("thumbprint", &self.thumbprint())
            .finish_non_exhaustive()
    }
}

impl DpopKey {
    /// A DPoP key of its own: a new P-256 key (ES256).
    ///
    /// # Errors
    /// [`KeyError::Rejected`] if the system has no randomness to give.
    pub fn generate() -> Result<Self, KeyError> {
        Self::new(SigningKey::generate_es256()?)
    }

    /// A DPoP key from a signing key of one's own (RSA, P-256, Ed25519).
    ///
    /// # Errors
    /// [`KeyError::Unsupported`] for an HMAC key, which cannot be shown.
    pub fn new(key: SigningKey) -> Result<Self, KeyError> {
        let jwk = key
            .public_members()
            .ok_or_else(|| KeyError::Unsupported("a DPoP key must be asymmetric".to_owned()))?;
        Ok(DpopKey {
            inner: Arc::new(DpopInner {
                key,
                jwk,
                nonces: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The key's JWK thumbprint (RFC 7638), as a server binds tokens to it
    /// (`cnf.jkt`, `dpop_jkt`).
    #[must_use]
    pub fn thumbprint(&self) -> String {
        self.inner.key.thumbprint().unwrap_or_default()
    }

    /// A proof for a request of `method` to `url` (its query and fragment
    /// left out, as `htu` wants), with the access token's hash when one is
    /// presented, and the server's latest nonce: for a request made outside
    /// a session, as the `DPoP` header. Each proof is for one request.
    ///
    /// # Errors
    /// [`KeyError::Rejected`] for a URL that cannot be read;
    /// [`KeyError::Sign`] when signing fails.
    pub fn proof(
        &self,
        method: &http::Method,
        url: &str,
        access_token: Option<&str>,
    ) -> Result<String, KeyError> {
        let target =
            url::Url::parse(url).map_err(|_| KeyError::Rejected("the request's URL".to_owned()))?;
        let mut htu = target.clone();
        htu.set_query(None);
        htu.set_fragment(None);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut claims = json!({
            "jti": random_id()?,
            "htm": method.as_str(),
            "htu": htu.as_str(),
            "iat": now,
        });
        if let Some(token) = access_token {
            claims["ath"] = json!(B64.encode(Sha256::digest(token.as_bytes())));
        }
        if let Some(nonce) = self.nonce_for(&target) {
            claims["nonce"] = json!(nonce);
        }
        // The proof names its key by value, not by id.
        let mut key = self.inner.key.clone();
        key.kid = None;
        key.sign_jwt("dpop+jwt", &[("jwk", self.inner.jwk.clone())], &claims)
    }

    fn nonce_for(&self, url: &url::Url) -> Option<String> {
        let nonces = self
            .inner
            .nonces
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        nonces.get(&url.origin().ascii_serialization()).cloned()
    }

    /// Keeps the server's `DPoP-Nonce`, if its answer to `url` carries one,
    /// for the next proofs to that origin; whether it did.
    pub fn remember_nonce(&self, url: &str, headers: &http::HeaderMap) -> bool {
        let Some(nonce) = headers.get("dpop-nonce").and_then(|v| v.to_str().ok()) else {
            return false;
        };
        let Ok(url) = url::Url::parse(url) else {
            return false;
        };
        self.inner
            .nonces
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(url.origin().ascii_serialization(), nonce.to_owned());
        true
    }
}

/// The required members of a JWK in lexical order, without spaces (RFC
/// 7638 §3.3), whatever order the map keeps.
fn canonical(members: &Value) -> Option<String> {
    let mut pairs: Vec<(&String, &Value)> = members.as_object()?.iter().collect();
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let fields: Vec<String> = pairs
        .into_iter()
        .map(|(name, value)| format!("{}:{value}", Value::from(name.as_str())))
        .collect();
    Some(format!("{{{}}}", fields.join(",")))
}

/// A fresh `jti`: 128 random bits, base64url.
pub(crate) fn random_id() -> Result<String, KeyError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| KeyError::Rejected("no randomness".to_owned()))?;
    Ok(B64.encode(bytes))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests: a panic is the failure report.
mod tests {
    use super::*;

    fn parts(jws: &str) -> (Value, Value, Vec<u8>) {
        let mut parts = jws.split('.');
        let mut next = || B64.decode(parts.next().unwrap()).unwrap();
        let header = serde_json::from_slice(&next()).unwrap();
        let claims = serde_json::from_slice(&next()).unwrap();
        (header, claims, next())
    }

    #[test]
    fn an_es256_jwt_verifies_with_its_public_jwk() {
        let key = SigningKey::generate_es256().unwrap().with_kid("k1");
        let jws = key
            .sign_jwt("JWT", &[], &json!({ "iss": "client", "n": 1 }))
            .unwrap();
        let (header, claims, signature) = parts(&jws);
        assert_eq!(header, json!({ "alg": "ES256", "typ": "JWT", "kid": "k1" }));
        assert_eq!(claims, json!({ "iss": "client", "n": 1 }));
        let jwk = key.public_jwk().unwrap();
        let mut point = vec![4];
        point.extend(B64.decode(jwk["x"].as_str().unwrap()).unwrap());
        point.extend(B64.decode(jwk["y"].as_str().unwrap()).unwrap());
        let signed = jws.rsplit_once('.').unwrap().0;
        signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
            .verify(signed.as_bytes(), &signature)
            .unwrap();
    }

    #[test]
    fn a_jwk_and_its_pkcs8_make_the_same_key() {
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let from_der = SigningKey::from_pkcs8_der(pkcs8.as_ref()).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        // The seed is the 32 bytes after the v2 PKCS#8 prefix of ring.
        let seed = &pkcs8.as_ref()[16..48];
        let jwk = json!({
            "kty": "OKP", "crv": "Ed25519", "kid": "ed",
            "d": B64.encode(seed), "x": B64.encode(pair.public_key()),
        });
        let from_jwk = SigningKey::from_jwk(&jwk.to_string()).unwrap();
        assert_eq!(from_jwk.algorithm(), JwsAlgorithm::EdDSA);
        assert_eq!(from_jwk.kid(), Some("ed"));
        assert_eq!(from_jwk.thumbprint(), from_der.thumbprint());
        assert_eq!(
            from_jwk.sign_bytes(b"m").unwrap(),
            from_der.sign_bytes(b"m").unwrap()
        );
    }

    #[test]
    fn the_thumbprint_is_rfc_7638s() {
        // RFC 7638 §3.1's example key and thumbprint.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let members = json!({ "kty": "RSA", "n": n, "e": "AQAB" });
        let canonical = canonical(&members).unwrap();
        assert!(canonical.starts_with(r#"{"e":"AQAB","kty":"RSA","n":"0vx7"#));
        assert_eq!(
            B64.encode(Sha256::digest(canonical.as_bytes())),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn bad_keys_are_typed_and_quote_nothing() {
        assert_eq!(
            SigningKey::from_pkcs8_der(b"not a key").unwrap_err(),
            KeyError::Pkcs8
        );
        assert_eq!(
            SigningKey::from_pkcs8_pem("no pem here").unwrap_err(),
            KeyError::Pem
        );
        assert_eq!(
            SigningKey::from_jwk("[1]").unwrap_err(),
            KeyError::Jwk("not a JSON object")
        );
        assert_eq!(
            SigningKey::from_jwk(r#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}"#).unwrap_err(),
            KeyError::Jwk("d")
        );
        assert_eq!(
            SigningKey::from_jwk(r#"{"kty":"EC","crv":"P-384","d":"c2VjcmV0"}"#).unwrap_err(),
            KeyError::Unsupported("kty EC on curve P-384".to_owned())
        );
        let error = SigningKey::from_jwk(
            r#"{"kty":"OKP","crv":"Ed25519","d":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI","x":"AAAA"}"#,
        )
        .unwrap_err();
        assert!(matches!(error, KeyError::Rejected(_)), "{error:?}");
        assert!(!error.to_string().contains("c2Vj"));
    }

    #[test]
    fn a_dpop_proof_names_its_request_its_key_the_tokens_hash_and_the_nonce() {
        let key = DpopKey::generate().unwrap();
        let url = "https://api.example.com/me?x=1#f";
        let proof = key
            .proof(&http::Method::GET, url, Some("the-access-token"))
            .unwrap();
        let (header, claims, signature) = parts(&proof);
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["jwk"]["kty"], "EC");
        assert!(header.get("kid").is_none());
        assert!(header["jwk"].get("d").is_none(), "only the public key");
        assert_eq!(claims["htm"], "GET");
        assert_eq!(claims["htu"], "https://api.example.com/me");
        assert_eq!(
            claims["ath"],
            B64.encode(Sha256::digest(b"the-access-token")).as_str()
        );
        assert!(claims.get("nonce").is_none());
        assert_eq!(claims["jti"].as_str().unwrap().len(), 22);
        // It verifies with the key in its own header.
        let mut point = vec![4];
        point.extend(B64.decode(header["jwk"]["x"].as_str().unwrap()).unwrap());
        point.extend(B64.decode(header["jwk"]["y"].as_str().unwrap()).unwrap());
        signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
            .verify(proof.rsplit_once('.').unwrap().0.as_bytes(), &signature)
            .unwrap();

        // The server's nonce is kept for its origin, and only for it.
        let mut headers = http::HeaderMap::new();
        headers.insert("dpop-nonce", http::HeaderValue::from_static("n-1"));
        assert!(key.remember_nonce("https://api.example.com/other", &headers));
        let (_, claims, _) = parts(&key.proof(&http::Method::POST, url, None).unwrap());
        assert_eq!(claims["nonce"], "n-1");
        assert!(claims.get("ath").is_none());
        let (_, claims, _) = parts(
            &key.proof(&http::Method::GET, "https://elsewhere.example/", None)
                .unwrap(),
        );
        assert!(claims.get("nonce").is_none());
        // An HMAC key cannot be shown, so it cannot be a DPoP key.
        let hmac = SigningKey::hmac(b"a shared secret of thirty-two by").unwrap();
        assert!(DpopKey::new(hmac).is_err());
        // Shorter than RFC 7518 §3.2 allows, refused without being quoted.
        let short = SigningKey::hmac(b"a shared secret, 31 bytes long.").unwrap_err();
        assert_eq!(
            short.to_string(),
            "the key is refused: an HS256 secret must be at least 32 bytes (RFC 7518 §3.2)"
        );
        assert!(!format!("{key:?}").contains("\"d\""));
    }
}
