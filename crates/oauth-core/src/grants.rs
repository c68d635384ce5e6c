//! Two more grants: a JWT as the authorization grant (RFC 7523 §2.1) and
//! token exchange (RFC 8693).

use crate::client::Client;
use crate::error::Error;
use crate::token::Token;

/// The `grant_type` of a JWT used as an authorization grant.
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The `grant_type` of token exchange.
pub const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

/// The token type URIs of token exchange (RFC 8693 §3).
pub mod token_types {
    /// An OAuth access token.
    pub const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";
    /// An OAuth refresh token.
    pub const REFRESH_TOKEN: &str = "urn:ietf:params:oauth:token-type:refresh_token";
    /// An OpenID Connect ID token.
    pub const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
    /// A JWT.
    pub const JWT: &str = "urn:ietf:params:oauth:token-type:jwt";
}

/// A token exchange request (RFC 8693 §2.1): the token to exchange and
/// its type, and what the new one is for.
///
/// ```no_run
/// # async fn run(client: oauth_core::Client, user_token: &str) -> Result<(), oauth_core::Error> {
/// use oauth_core::{TokenExchange, token_types};
///
/// let exchange = TokenExchange::new(user_token, token_types::ACCESS_TOKEN)
///     .audience("billing-api")
///     .scope("invoices:read");
/// let token = client.token_exchange(&exchange).await?;
/// println!("issued a {:?}", token.issued_token_type());
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use]
pub struct TokenExchange {
    subject_token: String,
    subject_token_type: String,
    actor: Option<(String, String)>,
    resources: Vec<String>,
    audiences: Vec<String>,
    scopes: Vec<String>,
    requested_token_type: Option<String>,
}

impl std::fmt::Debug for TokenExchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenExchange")
            .field("subject_token", &"[redacted]")
            .field("subject_token_type", &self.subject_token_type)
            .field(
                "actor",
                &self.actor.as_ref().map(|(_, kind)| ("[redacted]", kind)),
            )
            .field("resources", &self.resources)
            .field("audiences", &self.audiences)
            .field("scopes", &self.scopes)
            .field("requested_token_type", &self.requested_token_type)
            .finish()
    }
}

impl TokenExchange {
    /// Exchanges `subject_token`, of type `subject_token_type` (one of
    /// [`token_types`]).
    pub fn new(subject_token: impl Into<String>, subject_token_type: impl Into<String>) -> Self {
        TokenExchange {
            subject_token: subject_token.into(),
            subject_token_type: subject_token_type.into(),
            actor: None,
            resources: Vec::new(),
            audiences: Vec::new(),
            scopes: Vec::new(),
            requested_token_type: None,
        }
    }

    /// Who acts for the subject (delegation): its token and type.
    pub fn actor(mut self, token: impl Into<String>, token_type: impl Into<String>) -> Self {
        self.actor = Some((token.into(), token_type.into()));
        self
    }

    /// A resource (URI) the new token is for; may be given several times.
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resources.push(resource.into());
        self
    }

    /// A service (by name) the new token is for; may be given several
    /// times.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// A scope the new token should have; may be given several times.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// The type of token wanted (one of [`token_types`]).
    pub fn requested_token_type(mut self, token_type: impl Into<String>) -> Self {
        self.requested_token_type = Some(token_type.into());
        self
    }
}

impl Client {
    /// The JWT-bearer grant (RFC 7523 §2.1): `assertion`, a JWT the server
    /// trusts (signed by the client's key, say, with
    /// [`SigningKey::sign`](crate::jose::SigningKey::sign)), for a token.
    /// The client authenticates as for any grant.
    ///
    /// # Errors
    /// Transport, HTTP, server and parse errors of the token request.
    pub async fn jwt_bearer(&self, assertion: &str, scopes: &[&str]) -> Result<Token, Error> {
        let scope = scopes.join(self.provider().scope_separator());
        let mut params = vec![("grant_type", JWT_BEARER_GRANT), ("assertion", assertion)];
        if !scope.is_empty() {
            params.push(("scope", &scope));
        }
        self.request_token(&params).await
    }

    /// Token exchange (RFC 8693): a token for another, for a given
    /// audience or resource, narrower scopes, or on behalf of someone. The
    /// answer's `issued_token_type` is
    /// [`Token::issued_token_type`](crate::Token::issued_token_type).
    ///
    /// # Errors
    /// Transport, HTTP, server and parse errors of the token request.
    pub async fn token_exchange(&self, exchange: &TokenExchange) -> Result<Token, Error> {
        let scope = exchange.scopes.join(self.provider().scope_separator());
        let mut params = vec![
            ("grant_type", TOKEN_EXCHANGE_GRANT),
            ("subject_token", exchange.subject_token.as_str()),
            ("subject_token_type", exchange.subject_token_type.as_str()),
        ];
        if let Some((token, kind)) = &exchange.actor {
            params.push(("actor_token", token));
            params.push(("actor_token_type", kind));
        }
        for resource in &exchange.resources {
            params.push(("resource", resource));
        }
        for audience in &exchange.audiences {
            params.push(("audience", audience));
        }
        if !scope.is_empty() {
            params.push(("scope", &scope));
        }
        if let Some(kind) = &exchange.requested_token_type {
            params.push(("requested_token_type", kind));
        }
        self.request_token(&params).await
    }
}
