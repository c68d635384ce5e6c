//! OpenID Connect ID tokens: the signature verified against the provider's
//! JWKS, then `iss`, `aud`, `azp`, `exp`, `iat` and `nonce` checked
//! (OpenID Connect Core §3.1.3.7).
//!
//! Signatures are checked by `jsonwebtoken` (on `ring`); only asymmetric
//! algorithms are accepted, never `none` or a MAC.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use url::Url;

use crate::answer::error_from_response;
use crate::client::Client;
use crate::discovery::{ServerMetadata, get};
use crate::error::{ConfigError, Endpoint, Error, ParseError};
use crate::introspection::numeric_date;
use crate::secret::{AccessToken, AuthorizationCode, IdToken, Nonce, constant_time_eq};
use crate::token::Token;
use crate::transport::HttpTransport;

/// Why an ID token was refused. No variant holds the token or a nonce.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdTokenError {
    /// The token answer carried no `id_token` (ask for the `openid` scope).
    #[error("the token answer has no id_token")]
    Missing,
    /// Not a signed JWT in compact form.
    #[error("malformed ID token: {0}")]
    Malformed(String),
    /// The header names an algorithm that is not accepted (`none`, a MAC,
    /// or one the verifier was told not to accept).
    #[error("ID token signed with `{0}`, which is not accepted")]
    UnsupportedAlgorithm(String),
    /// No key of the JWKS fits the token's `kid` and algorithm: the keys
    /// may have rotated (fetch them again).
    #[error("no key in the JWKS fits the ID token (kid {})", .kid.as_deref().unwrap_or("absent"))]
    UnknownKey {
        /// The token's `kid`, if it has one.
        kid: Option<String>,
    },
    /// The signature does not verify: the token was altered or not signed
    /// by the provider.
    #[error("the ID token's signature does not verify")]
    BadSignature,
    /// A required claim is missing or of the wrong type.
    #[error("the ID token's `{0}` claim is missing or invalid")]
    InvalidClaim(&'static str),
    /// `iss` is not the provider's issuer.
    #[error("the ID token was issued by `{actual}`, expected `{expected}`")]
    Issuer {
        /// The provider's issuer.
        expected: String,
        /// The token's `iss`.
        actual: String,
    },
    /// `aud` does not include this client, or `azp` names another client.
    #[error("the ID token is not meant for client `{client_id}`")]
    Audience {
        /// This client's id.
        client_id: String,
    },
    /// `exp` has passed (beyond the leeway).
    #[error("the ID token expired")]
    Expired,
    /// `iat` is in the future (beyond the leeway): the token is not yet
    /// valid, or the provider's clock is far ahead.
    #[error("the ID token was issued in the future (iat beyond the clock skew allowed)")]
    IssuedInFuture,
    /// `nonce` is missing or not the one sent with the authorization request.
    #[error("the ID token's nonce is missing or not the one sent")]
    Nonce,
    /// The authorization asked for `openid` but holds no nonce to check the
    /// ID token against (a pending authorization altered, or made by an
    /// older version): the token could be replayed, so it is not taken.
    #[error(
        "the authorization asked for `openid` but recorded no nonce to check the ID token with"
    )]
    NoNonceRecorded,
    /// The authorization asked for a `max_age` and the ID token says the
    /// user signed in longer ago (`auth_time`, beyond the leeway): the
    /// server did not ask the user to sign in again.
    #[error("the user signed in longer ago than the max_age asked for")]
    SignedInTooLongAgo,
    /// The JWKS is not a JSON Web Key Set with a usable signing key.
    #[error("invalid JWKS: {0}")]
    InvalidJwks(String),
    /// `at_hash` is not the access token's: the token answer was altered.
    #[error("the ID token's at_hash does not match the access token")]
    AtHash,
    /// `c_hash` is not the authorization code's.
    #[error("the ID token's c_hash does not match the authorization code")]
    CHash,
    /// The UserInfo answer is about another user than the ID token
    /// (OpenID Connect Core §5.3.2).
    #[error("the UserInfo answer's sub is not the ID token's")]
    UserInfoSubject,
}

/// A provider's public signing keys (a JSON Web Key Set, RFC 7517). Keys
/// of types this crate cannot use are left out.
#[derive(Clone)]
pub struct Jwks {
    keys: Vec<Jwk>,
}

impl fmt::Debug for Jwks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kids: Vec<Option<&str>> = self
            .keys
            .iter()
            .map(|k| k.common.key_id.as_deref())
            .collect();
        f.debug_struct("Jwks").field("kids", &kids).finish()
    }
}

impl Jwks {
    /// Parses a JWKS document.
    ///
    /// # Errors
    /// [`IdTokenError::InvalidJwks`] when it is not a JSON object with a
    /// `keys` array holding at least one usable key.
    pub fn from_json(json: &[u8]) -> Result<Self, IdTokenError> {
        let document: Value = serde_json::from_slice(json)
            .map_err(|e| IdTokenError::InvalidJwks(format!("not JSON: {e}")))?;
        let Some(keys) = document.get("keys").and_then(Value::as_array) else {
            return Err(IdTokenError::InvalidJwks(
                "expected an object with a `keys` array".into(),
            ));
        };
        // A key this crate cannot read (another type, an encryption key)
        // is no reason to refuse the others.
        let keys: Vec<Jwk> = keys
            .iter()
            .filter_map(|key| serde_json::from_value::<Jwk>(key.clone()).ok())
            .filter(|key| {
                !matches!(key.algorithm, AlgorithmParameters::OctetKey(_))
                    && DecodingKey::from_jwk(key).is_ok()
            })
            .collect();
        if keys.is_empty() {
            return Err(IdTokenError::InvalidJwks("no usable signing key".into()));
        }
        Ok(Jwks { keys })
    }

    /// Fetches and parses the JWKS at `url`.
    ///
    /// # Errors
    /// [`Error::Transport`], [`Error::Http`]; [`Error::Parse`] for a
    /// document [`Jwks::from_json`] refuses; [`Error::InsecureUrl`].
    pub async fn fetch(url: &Url, transport: &dyn HttpTransport) -> Result<Self, Error> {
        crate::url_policy::check_endpoint(url)?;
        let endpoint = Endpoint::new("jwks", url);
        let response = get(transport, "jwks", url).await?;
        if !response.status().is_success() {
            return Err(error_from_response(&endpoint, &response));
        }
        Jwks::from_json(response.body()).map_err(|e| {
            Error::Parse(ParseError {
                endpoint,
                status: response.status(),
                field: None,
                message: e.to_string(),
                // A misconfigured JWKS may hold private keys: never quoted.
                excerpt: "[not shown]".into(),
            })
        })
    }

    /// How many usable keys the set holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set holds no usable key (never true for a parsed set).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The claims of a verified ID token.
#[derive(Clone)]
#[non_exhaustive]
pub struct IdTokenClaims {
    /// The issuer.
    pub iss: String,
    /// The subject: the user's id at the provider.
    pub sub: String,
    /// The audiences (this client among them).
    pub aud: Vec<String>,
    /// When the token expires.
    pub exp: SystemTime,
    /// When it was issued.
    pub iat: SystemTime,
    /// When the user signed in, if stated.
    pub auth_time: Option<SystemTime>,
    /// The nonce, if the token has one.
    pub nonce: Option<String>,
    /// The authorized party, if stated.
    pub azp: Option<String>,
    /// Every other claim (`email`, `name`, …).
    pub extra: Map<String, Value>,
}

impl fmt::Debug for IdTokenClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra: Vec<&str> = self.extra.keys().map(String::as_str).collect();
        f.debug_struct("IdTokenClaims")
            .field("iss", &self.iss)
            .field("sub", &self.sub)
            .field("aud", &self.aud)
            .field("exp", &self.exp)
            .field("iat", &self.iat)
            .field("auth_time", &self.auth_time)
            .field("azp", &self.azp)
            .field("extra", &extra)
            .finish_non_exhaustive()
    }
}

/// Verifies the ID tokens of one provider for one client.
///
/// (Compiled, not run: it needs a provider on the network; `tests/it/openid.rs` runs it against the sandbox, which signs its ID tokens, and the interop tests against oidc-provider.)
///
/// ```no_run
/// # async fn run(client: oauth_core::Client, token: oauth_core::Token, nonce: &str) -> Result<(), Box<dyn std::error::Error>> {
/// use oauth_core::{GenericProvider, IdTokenVerifier};
///
/// let provider = GenericProvider::discover("https://accounts.example.com").await?;
/// let verifier = IdTokenVerifier::for_client(&client, provider.metadata().expect("discovered")).await?;
/// let claims = verifier.verify_token(&token, Some(nonce))?;
/// println!("signed in as {}", claims.sub);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct IdTokenVerifier {
    issuer: String,
    client_id: String,
    /// Shared by the verifier's clones, replaced when fetched again.
    jwks: Arc<RwLock<Jwks>>,
    algorithms: Vec<Algorithm>,
    leeway: Duration,
    /// Where to fetch the keys again on an unknown `kid`, when known.
    refetch: Option<Arc<Refetch>>,
}

/// How an [`IdTokenVerifier`] fetches the provider's keys again.
struct Refetch {
    url: Url,
    transport: Arc<dyn HttpTransport>,
    /// When they were last fetched again: at most once a minute.
    last: Mutex<Option<Instant>>,
}

impl fmt::Debug for Refetch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Refetch")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

/// The least time between two fetches of the keys on unknown `kid`s, so a
/// stream of forged tokens cannot make the client hammer the provider.
const REFETCH_EVERY: Duration = Duration::from_secs(60);

/// A sign-in completed by [`Client::complete_login`]: the tokens, and the
/// claims of the ID token, verified.
#[derive(Debug)]
#[non_exhaustive]
pub struct OpenIdLogin {
    /// The token answer (access token, refresh token, ID token).
    pub token: Token,
    /// Who signed in: the ID token's verified claims.
    pub claims: IdTokenClaims,
}

/// Of the algorithms a server lists, those accepted (the asymmetric ones),
/// or `None` when it lists none of them (only `none`, say): then every
/// asymmetric one stays accepted.
fn accepted_of(listed: &[String]) -> Option<Vec<Algorithm>> {
    let accepted: Vec<Algorithm> = ASYMMETRIC
        .iter()
        .copied()
        .filter(|alg| listed.iter().any(|l| l == alg_name(*alg)))
        .collect();
    (!accepted.is_empty()).then_some(accepted)
}

/// The algorithms accepted unless told otherwise: every asymmetric one.
const ASYMMETRIC: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

impl IdTokenVerifier {
    /// A verifier of tokens from `issuer` (exactly as in its tokens' `iss`)
    /// for `client_id`, signed by a key of `jwks`, with 60 seconds of leeway
    /// on `exp` and `iat` and every asymmetric algorithm accepted.
    #[must_use]
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>, jwks: Jwks) -> Self {
        IdTokenVerifier {
            issuer: issuer.into(),
            client_id: client_id.into(),
            jwks: Arc::new(RwLock::new(jwks)),
            algorithms: ASYMMETRIC.to_vec(),
            leeway: Duration::from_secs(60),
            refetch: None,
        }
    }

    /// A verifier for `client` from discovered metadata: its issuer, its
    /// JWKS (fetched now through the client's transport), and the
    /// algorithms it lists in `id_token_signing_alg_values_supported`.
    ///
    /// # Errors
    /// [`Error::Config`] when the metadata has no `jwks_uri`; the errors of
    /// [`Jwks::fetch`].
    pub async fn for_client(client: &Client, metadata: &ServerMetadata) -> Result<Self, Error> {
        let jwks_uri = metadata
            .jwks_uri()
            .ok_or(ConfigError::NoEndpoint("JWKS (`jwks_uri`)"))?;
        let jwks = Jwks::fetch(jwks_uri, &**client.transport()).await?;
        let mut verifier = IdTokenVerifier::new(metadata.issuer(), client.client_id(), jwks);
        verifier.refetch = Some(Arc::new(Refetch {
            url: jwks_uri.clone(),
            transport: Arc::clone(client.transport()),
            last: Mutex::new(None),
        }));
        if let Some(listed) = metadata
            .id_token_signing_alg_values_supported()
            .and_then(accepted_of)
        {
            verifier.algorithms = listed;
        }
        Ok(verifier)
    }

    /// Sets the clock skew allowed: how far past `exp` a token is still
    /// accepted, and how far ahead of now its `iat` may be.
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Replaces the signing keys (after the provider rotated them).
    #[must_use]
    pub fn with_jwks(mut self, jwks: Jwks) -> Self {
        self.jwks = Arc::new(RwLock::new(jwks));
        self
    }

    /// Fetches the provider's keys again (a verifier made by
    /// [`for_client`](Self::for_client) knows where), at most once a
    /// minute; whether it did.
    ///
    /// # Errors
    /// Those of [`Jwks::fetch`].
    pub async fn refresh_keys(&self) -> Result<bool, Error> {
        let Some(refetch) = &self.refetch else {
            return Ok(false);
        };
        {
            let mut last = refetch.last.lock().unwrap_or_else(PoisonError::into_inner);
            if last.is_some_and(|at| at.elapsed() < REFETCH_EVERY) {
                return Ok(false);
            }
            *last = Some(Instant::now());
        }
        let jwks = Jwks::fetch(&refetch.url, &*refetch.transport).await?;
        *self.jwks.write().unwrap_or_else(PoisonError::into_inner) = jwks;
        Ok(true)
    }

    /// Checks that the user signed in within `max_age` of `now` (the
    /// leeway allowed), as a sign-in that sent `max_age` requires
    /// (OpenID Connect Core §3.1.3.7, step 13): `auth_time` must be
    /// present.
    ///
    /// # Errors
    /// [`IdTokenError::InvalidClaim`]`("auth_time")` when it is missing;
    /// [`IdTokenError::SignedInTooLongAgo`] when it is too long ago.
    pub fn check_auth_time(
        &self,
        claims: &IdTokenClaims,
        max_age: Duration,
        now: SystemTime,
    ) -> Result<(), IdTokenError> {
        let auth_time = claims
            .auth_time
            .ok_or(IdTokenError::InvalidClaim("auth_time"))?;
        // A limit past the end of time is never reached.
        let within = auth_time
            .checked_add(max_age)
            .and_then(|limit| limit.checked_add(self.leeway))
            .is_none_or(|limit| now <= limit);
        if within {
            Ok(())
        } else {
            Err(IdTokenError::SignedInTooLongAgo)
        }
    }

    /// Verifies the ID token of a sign-in's token answer as
    /// [`verify`](Self::verify) does, and more: the keys are fetched again
    /// once when the token names an unknown one (rotated keys); `nonce`
    /// must be the one sent; `at_hash`, when present, must be the access
    /// token's and `c_hash` the code's.
    ///
    /// # Errors
    /// [`Error::IdToken`] with the check that failed; those of fetching the
    /// keys.
    pub async fn verify_login(
        &self,
        token: &Token,
        nonce: Option<&Nonce>,
        code: Option<&AuthorizationCode>,
    ) -> Result<IdTokenClaims, Error> {
        let id_token = token.id_token().ok_or(IdTokenError::Missing)?;
        let nonce = nonce.map(Nonce::secret);
        let claims = match self.verify(id_token, nonce) {
            Err(IdTokenError::UnknownKey { .. }) if self.refresh_keys().await? => {
                self.verify(id_token, nonce)?
            }
            other => other?,
        };
        let alg = header(id_token.secret())?
            .get("alg")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_default();
        check_hash(&claims, "at_hash", token.access_token().secret(), &alg)
            .map_err(|()| IdTokenError::AtHash)?;
        if let Some(code) = code {
            check_hash(&claims, "c_hash", code.secret(), &alg).map_err(|()| IdTokenError::CHash)?;
        }
        Ok(claims)
    }

    /// Verifies the `id_token` of a token answer; see [`verify`](Self::verify).
    ///
    /// # Errors
    /// [`IdTokenError::Missing`] when there is none; those of `verify`.
    pub fn verify_token(
        &self,
        token: &Token,
        nonce: Option<&str>,
    ) -> Result<IdTokenClaims, IdTokenError> {
        let id_token = token.id_token().ok_or(IdTokenError::Missing)?;
        self.verify(id_token, nonce)
    }

    /// Verifies an ID token now: the signature with the JWKS, then `iss`,
    /// `aud` (and `azp` with several audiences), `exp`, `iat` (present and
    /// not in the future beyond the leeway), `sub`, and
    /// the `nonce` when one was sent (pass the one given to the
    /// authorization request with [`AuthorizationRequest::param`]).
    ///
    /// [`AuthorizationRequest::param`]: crate::AuthorizationRequest::param
    ///
    /// # Errors
    /// The [`IdTokenError`] of the first check that fails.
    pub fn verify(
        &self,
        id_token: &IdToken,
        nonce: Option<&str>,
    ) -> Result<IdTokenClaims, IdTokenError> {
        self.verify_at(id_token, nonce, SystemTime::now())
    }

    /// As [`verify`](Self::verify), as if it were `now`.
    ///
    /// # Errors
    /// As `verify`.
    pub fn verify_at(
        &self,
        id_token: &IdToken,
        nonce: Option<&str>,
        now: SystemTime,
    ) -> Result<IdTokenClaims, IdTokenError> {
        let claims = self.verified_payload(id_token.secret())?;
        self.check_claims(claims, nonce, now)
    }

    /// The payload of the token, once its signature verifies.
    fn verified_payload(&self, jwt: &str) -> Result<Map<String, Value>, IdTokenError> {
        let header = header(jwt)?;
        let alg_name = header
            .get("alg")
            .and_then(Value::as_str)
            .ok_or_else(|| IdTokenError::Malformed("the header has no `alg`".into()))?;
        let alg = self
            .algorithms
            .iter()
            .copied()
            .find(|alg| self::alg_name(*alg) == alg_name)
            .ok_or_else(|| IdTokenError::UnsupportedAlgorithm(alg_name.to_owned()))?;
        let kid = header.get("kid").and_then(Value::as_str);
        let jwks = self.jwks.read().unwrap_or_else(PoisonError::into_inner);
        let candidates: Vec<&Jwk> = jwks
            .keys
            .iter()
            .filter(|key| kid.is_none_or(|kid| key.common.key_id.as_deref() == Some(kid)))
            .filter(|key| key_fits(key, alg))
            .collect();
        if candidates.is_empty() {
            return Err(IdTokenError::UnknownKey {
                kid: kid.map(str::to_owned),
            });
        }
        let mut validation = Validation::new(alg);
        // Claims are checked below, with errors of our own.
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        for key in candidates {
            let Ok(decoding) = DecodingKey::from_jwk(key) else {
                continue;
            };
            match jsonwebtoken::decode::<Map<String, Value>>(jwt, &decoding, &validation) {
                Ok(data) => return Ok(data.claims),
                Err(e) => match e.kind() {
                    jsonwebtoken::errors::ErrorKind::InvalidSignature
                    | jsonwebtoken::errors::ErrorKind::InvalidAlgorithm
                    | jsonwebtoken::errors::ErrorKind::InvalidKeyFormat
                    | jsonwebtoken::errors::ErrorKind::Crypto(_) => {}
                    _ => return Err(IdTokenError::Malformed(describe_jwt_error(&e))),
                },
            }
        }
        Err(IdTokenError::BadSignature)
    }

    fn check_claims(
        &self,
        mut claims: Map<String, Value>,
        nonce: Option<&str>,
        now: SystemTime,
    ) -> Result<IdTokenClaims, IdTokenError> {
        let mut string = |name: &'static str| match claims.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(IdTokenError::InvalidClaim(name)),
        };
        let iss = string("iss")?.ok_or(IdTokenError::InvalidClaim("iss"))?;
        if iss != self.issuer {
            return Err(IdTokenError::Issuer {
                expected: self.issuer.clone(),
                actual: iss,
            });
        }
        let sub = string("sub")?
            .filter(|s| !s.is_empty())
            .ok_or(IdTokenError::InvalidClaim("sub"))?;
        let azp = string("azp")?;
        let token_nonce = string("nonce")?;
        let aud = match claims.remove("aud") {
            Some(Value::String(aud)) => vec![aud],
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s),
                    _ => Err(IdTokenError::InvalidClaim("aud")),
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(IdTokenError::InvalidClaim("aud")),
        };
        let wrong_audience = || IdTokenError::Audience {
            client_id: self.client_id.clone(),
        };
        if !aud.contains(&self.client_id) {
            return Err(wrong_audience());
        }
        match &azp {
            Some(azp) if *azp != self.client_id => return Err(wrong_audience()),
            None if aud.len() > 1 => return Err(wrong_audience()),
            _ => {}
        }
        let mut time = |name: &'static str| match claims.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => numeric_date(&value)
                .map(Some)
                .ok_or(IdTokenError::InvalidClaim(name)),
        };
        let exp = time("exp")?.ok_or(IdTokenError::InvalidClaim("exp"))?;
        let iat = time("iat")?.ok_or(IdTokenError::InvalidClaim("iat"))?;
        let auth_time = time("auth_time")?;
        // An `exp` so far ahead that the leeway overflows the clock is not
        // past.
        if exp
            .checked_add(self.leeway)
            .is_some_and(|limit| now > limit)
        {
            return Err(IdTokenError::Expired);
        }
        // The same leeway the other way: a clock that far behind the
        // provider's is not skew. A `now` so far ahead that the leeway
        // overflows has every `iat` behind it.
        if now
            .checked_add(self.leeway)
            .is_some_and(|limit| iat > limit)
        {
            return Err(IdTokenError::IssuedInFuture);
        }
        if let Some(expected) = nonce {
            let matches = token_nonce
                .as_deref()
                .is_some_and(|got| constant_time_eq(got.as_bytes(), expected.as_bytes()));
            if !matches {
                return Err(IdTokenError::Nonce);
            }
        }
        Ok(IdTokenClaims {
            iss,
            sub,
            aud,
            exp,
            iat,
            auth_time,
            nonce: token_nonce,
            azp,
            extra: claims,
        })
    }
}

/// Checks the hash claim `name` (`at_hash`, `c_hash`), when the token has
/// one, against `value`: the left half of its digest by the hash of the
/// token's algorithm (SHA-512 for EdDSA), base64url (OpenID Connect Core
/// §3.1.3.6, §3.3.2.11).
fn check_hash(claims: &IdTokenClaims, name: &str, value: &str, alg: &str) -> Result<(), ()> {
    use sha2::Digest as _;
    let Some(stated) = claims.extra.get(name) else {
        return Ok(());
    };
    let digest: Vec<u8> = if alg.ends_with("384") {
        sha2::Sha384::digest(value.as_bytes()).to_vec()
    } else if alg.ends_with("512") || alg == "EdDSA" {
        sha2::Sha512::digest(value.as_bytes()).to_vec()
    } else {
        sha2::Sha256::digest(value.as_bytes()).to_vec()
    };
    let expected = URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2]);
    match stated.as_str() {
        Some(stated) if constant_time_eq(stated.as_bytes(), expected.as_bytes()) => Ok(()),
        _ => Err(()),
    }
}

impl Client {
    /// Completes an OpenID Connect sign-in from the callback URL: checks
    /// the callback (redirect, `state`, the issuer of RFC 9207), exchanges
    /// the code, and verifies the ID token with `verifier`
    /// ([`IdTokenVerifier::verify_login`]: signature, `iss`, `aud`/`azp`,
    /// `exp`, `iat`, the nonce the request made, `at_hash`, `c_hash`), and
    /// `auth_time` when the request sent a `max_age`
    /// ([`IdTokenVerifier::check_auth_time`]).
    ///
    /// ```no_run
    /// # async fn run(client: oauth_core::Client, verifier: oauth_core::IdTokenVerifier, callback: &str) -> Result<(), oauth_core::Error> {
    /// let (url, pending) = client.authorization_url().scopes(["openid", "email"]).build()?;
    /// // … the user signs in at `url`, the browser comes back to `callback` …
    /// let login = client.complete_login(pending, callback, &verifier).await?;
    /// println!("signed in as {}", login.claims.sub);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// Those of [`Client::exchange_callback`]; [`Error::IdToken`] when the
    /// ID token is missing or fails a check, and
    /// ([`IdTokenError::NoNonceRecorded`]) before the code is exchanged
    /// when the request asked for `openid` and `pending` holds no nonce.
    pub async fn complete_login(
        &self,
        pending: crate::PendingAuthorization,
        callback_url: &str,
        verifier: &IdTokenVerifier,
    ) -> Result<OpenIdLogin, Error> {
        let code = pending.code_from_callback(callback_url)?;
        // Without a nonce the ID token's binding to this request cannot be
        // checked; the request makes one for `openid`, so none means the
        // pending authorization did not come from it as it is.
        let openid = crate::authorization::asks_for_openid(
            pending.scopes(),
            self.provider().scope_separator(),
        );
        if openid && pending.nonce().is_none() {
            return Err(IdTokenError::NoNonceRecorded.into());
        }
        let token = self.exchange_code(&pending, &code).await?;
        let claims = verifier
            .verify_login(&token, pending.nonce(), Some(&code))
            .await?;
        if let Some(max_age) = pending.max_age() {
            verifier.check_auth_time(&claims, max_age, SystemTime::now())?;
        }
        Ok(OpenIdLogin { token, claims })
    }

    /// The signed-in user's claims from the provider's UserInfo endpoint
    /// (OpenID Connect Core §5.3), checked to be about the user of the ID
    /// token (`sub`).
    ///
    /// # Errors
    /// [`Error::Config`] when the provider has no UserInfo endpoint; the
    /// server's errors; [`Error::Parse`] for an answer that is not a JSON
    /// object with a `sub`; [`Error::IdToken`]
    /// ([`IdTokenError::UserInfoSubject`]) for another user.
    pub async fn user_info(
        &self,
        access_token: &AccessToken,
        id_token_claims: &IdTokenClaims,
    ) -> Result<Map<String, Value>, Error> {
        let url = self
            .provider()
            .endpoints()
            .userinfo()
            .ok_or(ConfigError::NoEndpoint("userinfo"))?
            .clone();
        crate::url_policy::check_endpoint(&url)?;
        let endpoint = Endpoint::new("userinfo", &url);
        let authorization =
            http::HeaderValue::from_str(&format!("Bearer {}", access_token.secret()))
                .map_err(|_| ConfigError::InvalidHeader("the access token"))?;
        let request = http::Request::builder()
            .method(http::Method::GET)
            .uri(url.as_str())
            .header(http::header::ACCEPT, "application/json")
            .header(http::header::AUTHORIZATION, authorization)
            .body(Vec::new())
            .map_err(|e| ConfigError::InvalidRequest(e.to_string()))?;
        let response = self.send(&endpoint, request).await?;
        let (fields, errors) = crate::answer::json_object_answer(&endpoint, &response)?;
        let sub = fields
            .get("sub")
            .and_then(Value::as_str)
            .ok_or_else(|| errors.field(Some("sub"), "expected the user's `sub`".into()))?;
        if !constant_time_eq(sub.as_bytes(), id_token_claims.sub.as_bytes()) {
            return Err(IdTokenError::UserInfoSubject.into());
        }
        Ok(fields)
    }
}

/// The JOSE header of a compact JWS, as JSON.
fn header(jwt: &str) -> Result<Map<String, Value>, IdTokenError> {
    let mut parts = jwt.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(IdTokenError::Malformed(
            "expected three dot-separated parts".into(),
        ));
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| IdTokenError::Malformed("the header is not base64url".into()))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(IdTokenError::Malformed(
            "the header is not a JSON object".into(),
        )),
    }
}

/// Whether `key` can verify `alg`: its type and curve fit, and its own
/// `alg`, if stated, is `alg`.
fn key_fits(key: &Jwk, alg: Algorithm) -> bool {
    if key
        .common
        .key_algorithm
        .is_some_and(|key_alg| key_alg.to_string() != alg_name(alg))
    {
        return false;
    }
    if key
        .common
        .public_key_use
        .as_ref()
        .is_some_and(|u| *u != jsonwebtoken::jwk::PublicKeyUse::Signature)
    {
        return false;
    }
    match (&key.algorithm, alg) {
        (
            AlgorithmParameters::RSA(_),
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512,
        )
        | (AlgorithmParameters::OctetKeyPair(_), Algorithm::EdDSA) => true,
        (AlgorithmParameters::EllipticCurve(ec), Algorithm::ES256) => {
            ec.curve == EllipticCurve::P256
        }
        (AlgorithmParameters::EllipticCurve(ec), Algorithm::ES384) => {
            ec.curve == EllipticCurve::P384
        }
        _ => false,
    }
}

fn alg_name(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::HS256 => "HS256",
        Algorithm::HS384 => "HS384",
        Algorithm::HS512 => "HS512",
        Algorithm::ES256 => "ES256",
        Algorithm::ES384 => "ES384",
        Algorithm::RS256 => "RS256",
        Algorithm::RS384 => "RS384",
        Algorithm::RS512 => "RS512",
        Algorithm::PS256 => "PS256",
        Algorithm::PS384 => "PS384",
        Algorithm::PS512 => "PS512",
        Algorithm::EdDSA => "EdDSA",
    }
}

/// What went wrong with a JWT, without quoting it.
fn describe_jwt_error(error: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::InvalidToken => "not a compact JWS".into(),
        ErrorKind::Base64(_) => "a part is not base64url".into(),
        ErrorKind::Json(_) => "the payload is not a JSON object".into(),
        ErrorKind::Utf8(_) => "the payload is not UTF-8".into(),
        _ => "cannot be decoded".into(),
    }
}

#[cfg(test)]
mod tests;
