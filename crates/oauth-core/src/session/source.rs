//! Where a session's tokens come from: the [`TokenSource`] trait and the
//! grants that implement it.

use std::fmt;

use crate::client::Client;
use crate::error::{Error, ErrorCode};
use crate::token::Token;

/// Gets a session a new token: by minting one (client credentials), by
/// refreshing the current one, or however the caller likes.
///
/// The session calls it at most once at a time, only when its token is
/// missing, about to expire, or was refused by the resource server.
///
/// ```
/// use oauth_core::{AccessToken, Error, Token, TokenSource};
///
/// /// Tokens from a service of our own.
/// #[derive(Debug)]
/// struct Vault;
///
/// #[oauth_core::async_trait]
/// impl TokenSource for Vault {
///     async fn fetch(&self, _current: Option<&Token>) -> Result<Token, Error> {
///         Ok(Token::bearer(AccessToken::new("from-the-vault")))
///     }
/// }
/// ```
#[async_trait::async_trait]
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// A new token. `current` is the token the session holds, perhaps
    /// expired: a refreshing source takes its refresh token from it.
    ///
    /// # Errors
    /// Whatever getting the token failed with. Return
    /// [`Error::RefreshTokenRejected`] when the refresh token is dead: the
    /// session then removes it from its store.
    async fn fetch(&self, current: Option<&Token>) -> Result<Token, Error>;
}

#[async_trait::async_trait]
impl<S: TokenSource + ?Sized> TokenSource for std::sync::Arc<S> {
    async fn fetch(&self, current: Option<&Token>) -> Result<Token, Error> {
        (**self).fetch(current).await
    }
}

/// Mints app tokens with the client credentials grant (RFC 6749 §4.4).
#[derive(Clone, Debug)]
pub struct ClientCredentialsSource {
    client: Client,
    scopes: Vec<String>,
}

impl ClientCredentialsSource {
    /// Tokens for `client` with these scopes (none: the server's default).
    pub fn new(client: Client, scopes: &[&str]) -> Self {
        ClientCredentialsSource {
            client,
            scopes: scopes.iter().map(|&s| s.to_owned()).collect(),
        }
    }
}

#[async_trait::async_trait]
impl TokenSource for ClientCredentialsSource {
    async fn fetch(&self, _current: Option<&Token>) -> Result<Token, Error> {
        let scopes: Vec<&str> = self.scopes.iter().map(String::as_str).collect();
        self.client.client_credentials(&scopes).await
    }
}

/// Renews a user's token with its refresh token (RFC 6749 §6).
///
/// The refresh token comes from the session's current token; an answer
/// without a new one keeps the old one. `invalid_grant` becomes
/// [`Error::RefreshTokenRejected`].
#[derive(Clone, Debug)]
pub struct RefreshTokenSource {
    client: Client,
}

impl RefreshTokenSource {
    /// Refreshes through `client`.
    #[must_use]
    pub fn new(client: Client) -> Self {
        RefreshTokenSource { client }
    }
}

#[async_trait::async_trait]
impl TokenSource for RefreshTokenSource {
    async fn fetch(&self, current: Option<&Token>) -> Result<Token, Error> {
        let current = current.ok_or(Error::NoToken)?;
        let refresh_token = current
            .refresh_token()
            .ok_or(Error::ExpiredWithoutRefresh)?;
        self.client
            .refresh(refresh_token)
            .await
            .map_err(|error| match error {
                Error::Server { error, .. } if error.error == ErrorCode::InvalidGrant => {
                    Error::RefreshTokenRejected(error)
                }
                other => other,
            })
    }
}
