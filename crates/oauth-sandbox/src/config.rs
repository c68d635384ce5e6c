//! Registration data: provider profiles, clients and users.

use std::collections::BTreeSet;
use std::time::Duration;

/// Which provider the sandbox pretends to be.
///
/// The profile picks the endpoint paths, the shape of token answers, the
/// known scopes, the sign-in page and the resource API.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Profile {
    /// A standards-following server: RFC 6749, 7009, 7636, 7662, 8414 and
    /// OpenID discovery, with a small bearer-protected API under `/api`.
    #[default]
    Generic,
    /// Battle.net (Blizzard): `/authorize`, `/token`, `/userinfo`,
    /// `/check_token` and a Game Data / Profile API with namespaces.
    BattleNet,
    /// RingPlus: Doorkeeper-like `/oauth/authorize` and `/oauth/token`, a
    /// Rails sign-in form and the RingPlus v1 API.
    RingPlus,
}

impl Profile {
    /// The lifetime of access tokens unless the builder overrides it.
    #[must_use]
    pub fn default_access_token_lifetime(self) -> Duration {
        match self {
            Self::Generic => Duration::from_secs(3600),
            Self::BattleNet => Duration::from_secs(86_399),
            Self::RingPlus => Duration::from_secs(86_400),
        }
    }

    /// The per-client rate limit on API endpoints unless the builder
    /// overrides it (requests per second).
    #[must_use]
    pub fn default_rate_limit(self) -> Option<u32> {
        match self {
            Self::BattleNet => Some(100),
            Self::Generic | Self::RingPlus => None,
        }
    }

    /// The scopes a client may request unless the builder overrides them.
    #[must_use]
    pub fn default_scopes(self) -> Vec<String> {
        let scopes: &[&str] = match self {
            Self::Generic => &[
                "openid",
                "profile",
                "email",
                "offline_access",
                "read",
                "write",
            ],
            Self::BattleNet => &["openid", "wow.profile", "sc2.profile", "d3.profile"],
            Self::RingPlus => &["public", "write"],
        };
        scopes.iter().map(|s| (*s).to_owned()).collect()
    }

    /// The short name used on the command line and in pages.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Generic => "generic",
            Self::BattleNet => "battlenet",
            Self::RingPlus => "ringplus",
        }
    }

    /// Parses a command-line name (`generic`, `battlenet`, `ringplus`).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "generic" => Some(Self::Generic),
            "battlenet" | "battle.net" | "bnet" => Some(Self::BattleNet),
            "ringplus" => Some(Self::RingPlus),
            _ => None,
        }
    }

    /// The path of the authorization endpoint on the OAuth listener.
    #[must_use]
    pub fn authorize_path(self) -> &'static str {
        match self {
            Self::Generic | Self::BattleNet => "/authorize",
            Self::RingPlus => "/oauth/authorize",
        }
    }

    /// The path of the token endpoint on the OAuth listener.
    #[must_use]
    pub fn token_path(self) -> &'static str {
        match self {
            Self::Generic | Self::BattleNet => "/token",
            Self::RingPlus => "/oauth/token",
        }
    }

    /// The path of the sign-in page on the OAuth listener.
    #[must_use]
    pub fn sign_in_path(self) -> &'static str {
        match self {
            Self::Generic | Self::BattleNet => "/login",
            Self::RingPlus => "/users/sign_in",
        }
    }
}

/// An OAuth 2.0 grant type a client may be allowed to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Grant {
    /// `authorization_code` (RFC 6749 §4.1).
    AuthorizationCode,
    /// `client_credentials` (RFC 6749 §4.4).
    ClientCredentials,
    /// `refresh_token` (RFC 6749 §6).
    RefreshToken,
    /// `password`, the resource-owner password grant (RFC 6749 §4.3).
    Password,
    /// A JWT as the authorization grant (RFC 7523 §2.1): an assertion the
    /// client signs with one of its registered keys, `sub` a user's login.
    JwtBearer,
    /// Token exchange (RFC 8693): an access token the sandbox issued, for
    /// another with the same user and at most its scopes.
    TokenExchange,
}

impl Grant {
    /// The `grant_type` value of this grant.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::ClientCredentials => "client_credentials",
            Self::RefreshToken => "refresh_token",
            Self::Password => "password",
            Self::JwtBearer => "urn:ietf:params:oauth:grant-type:jwt-bearer",
            Self::TokenExchange => "urn:ietf:params:oauth:grant-type:token-exchange",
        }
    }

    pub(crate) fn from_grant_type(value: &str) -> Option<Self> {
        match value {
            "authorization_code" => Some(Self::AuthorizationCode),
            "client_credentials" => Some(Self::ClientCredentials),
            "refresh_token" => Some(Self::RefreshToken),
            "password" => Some(Self::Password),
            "urn:ietf:params:oauth:grant-type:jwt-bearer" => Some(Self::JwtBearer),
            "urn:ietf:params:oauth:grant-type:token-exchange" => Some(Self::TokenExchange),
            _ => None,
        }
    }
}

/// How a confidential client must authenticate at the token endpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClientAuth {
    /// HTTP Basic with RFC 6749 §2.3.1 form-encoding (`client_secret_basic`).
    Basic,
    /// `client_id` and `client_secret` in the form body (`client_secret_post`).
    Body,
    /// Either of the two, but never both in one request.
    #[default]
    Any,
}

/// A client registered with the sandbox.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientConfig {
    pub(crate) id: String,
    pub(crate) secret: Option<String>,
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) grants: BTreeSet<Grant>,
    pub(crate) auth: ClientAuth,
    pub(crate) rotate_refresh_tokens: bool,
    pub(crate) require_pkce: bool,
    /// Public keys for `private_key_jwt` (a JWKS's `keys`).
    pub(crate) keys: Vec<serde_json::Value>,
}

impl ClientConfig {
    /// A confidential client, authenticated with its secret.
    ///
    /// PKCE is optional for it unless [`ClientConfig::require_pkce`] says
    /// otherwise.
    pub fn confidential(id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self::new(id.into(), Some(secret.into()))
    }

    /// A public client (no secret); PKCE is required unless turned off.
    pub fn public(id: impl Into<String>) -> Self {
        Self::new(id.into(), None)
    }

    fn new(id: String, secret: Option<String>) -> Self {
        let require_pkce = secret.is_none();
        Self {
            id,
            secret,
            redirect_uris: Vec::new(),
            grants: [
                Grant::AuthorizationCode,
                Grant::ClientCredentials,
                Grant::RefreshToken,
            ]
            .into_iter()
            .collect(),
            auth: ClientAuth::Any,
            rotate_refresh_tokens: true,
            require_pkce,
            keys: Vec::new(),
        }
    }

    /// Registers a public key (a JWK) the client signs its assertions with
    /// (`private_key_jwt`, RFC 7523 §2.2); may be called several times. A
    /// client with a key is confidential even without a secret, and must
    /// then authenticate with an assertion. A
    /// client with a secret may also sign with it (`client_secret_jwt`,
    /// HS256). The token endpoint checks the assertion's signature, `iss`
    /// and `sub` (the client id), `aud` (the issuer or the token endpoint),
    /// `exp` by the sandbox clock, and that its `jti` was not seen before.
    #[must_use]
    pub fn public_key(mut self, jwk: serde_json::Value) -> Self {
        self.keys.push(jwk);
        self
    }

    /// Registers a redirect URI; the authorization endpoint compares them
    /// byte for byte. May be called several times.
    #[must_use]
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uris.push(uri.into());
        self
    }

    /// Replaces the set of grants the client may use.
    #[must_use]
    pub fn grants(mut self, grants: impl IntoIterator<Item = Grant>) -> Self {
        self.grants = grants.into_iter().collect();
        self
    }

    /// Sets how the client authenticates at the token endpoint.
    #[must_use]
    pub fn auth(mut self, auth: ClientAuth) -> Self {
        self.auth = auth;
        self
    }

    /// Whether a refresh issues a new refresh token and invalidates the old
    /// one (default `true`).
    #[must_use]
    pub fn rotate_refresh_tokens(mut self, rotate: bool) -> Self {
        self.rotate_refresh_tokens = rotate;
        self
    }

    /// Whether authorization requests must carry a PKCE challenge.
    #[must_use]
    pub fn require_pkce(mut self, require: bool) -> Self {
        self.require_pkce = require;
        self
    }

    /// The client identifier.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The client secret, if the client is confidential.
    #[must_use]
    pub fn secret(&self) -> Option<&str> {
        self.secret.as_deref()
    }

    /// The registered redirect URIs.
    #[must_use]
    pub fn redirect_uris(&self) -> &[String] {
        &self.redirect_uris
    }
}

/// A resource owner who can sign in on the sandbox's sign-in page.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct UserConfig {
    pub(crate) login: String,
    pub(crate) password: String,
    pub(crate) remembered: BTreeSet<String>,
}

impl UserConfig {
    /// A user with a login name and a password.
    pub fn new(login: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            login: login.into(),
            password: password.into(),
            remembered: BTreeSet::new(),
        }
    }

    /// Marks consent for `client_id` as already given, so the consent page
    /// is skipped (unless the request says `prompt=consent`).
    #[must_use]
    pub fn remember_consent(mut self, client_id: impl Into<String>) -> Self {
        self.remembered.insert(client_id.into());
        self
    }

    /// The login name.
    #[must_use]
    pub fn login(&self) -> &str {
        &self.login
    }
}
