//! Token revocation (RFC 7009): telling the server a token is no longer
//! needed.

use crate::answer::error_from_response;
use crate::client::Client;
use crate::error::{ConfigError, Endpoint, Error};
use crate::secret::{AccessToken, RefreshToken};

/// A token to revoke or introspect, with its type as the hint the server
/// gets (`token_type_hint`).
///
/// Made from a reference with `.into()`: `client.revoke(token.access_token())`.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum TokenRef<'a> {
    /// An access token.
    Access(&'a AccessToken),
    /// A refresh token.
    Refresh(&'a RefreshToken),
}

impl TokenRef<'_> {
    /// The token's value.
    ///
    /// # Security
    /// A secret: keep it out of logs, messages and URLs.
    #[must_use]
    pub fn secret(&self) -> &str {
        match self {
            TokenRef::Access(token) => token.secret(),
            TokenRef::Refresh(token) => token.secret(),
        }
    }

    /// The `token_type_hint` value (RFC 7009 §2.1).
    #[must_use]
    pub fn type_hint(&self) -> &'static str {
        match self {
            TokenRef::Access(_) => "access_token",
            TokenRef::Refresh(_) => "refresh_token",
        }
    }
}

impl<'a> From<&'a AccessToken> for TokenRef<'a> {
    fn from(token: &'a AccessToken) -> Self {
        TokenRef::Access(token)
    }
}

impl<'a> From<&'a RefreshToken> for TokenRef<'a> {
    fn from(token: &'a RefreshToken) -> Self {
        TokenRef::Refresh(token)
    }
}

impl Client {
    /// Revokes a token at the provider's revocation endpoint (RFC 7009),
    /// with this client's authentication. Revoking a refresh token usually
    /// revokes the access tokens issued with it too.
    ///
    /// A token the server does not know counts as revoked: the server
    /// answers 200 for it (RFC 7009 §2.2), and so does this method.
    ///
    /// ```
    /// # #[cfg(any(feature = "reqwest", feature = "hyper"))]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = oauth_sandbox::Sandbox::builder()
    /// #     .client(oauth_sandbox::ClientConfig::confidential("my-client-id", "my-client-secret"))
    /// #     .start().await?;
    /// # let provider = oauth_core::GenericProvider::new(
    /// #     sandbox.authorization_endpoint().as_str(), sandbox.token_endpoint().as_str())?;
    /// # let client = oauth_core::Client::builder(provider, "my-client-id")
    /// #     .client_secret("my-client-secret").build()?;
    /// # let token = client.client_credentials(&[]).await?;
    /// # let provider = oauth_core::GenericProvider::new(
    /// #     sandbox.authorization_endpoint().as_str(), sandbox.token_endpoint().as_str())?
    /// #     .with_endpoints(oauth_core::Endpoints::new(
    /// #         sandbox.authorization_endpoint().as_str(), sandbox.token_endpoint().as_str())?
    /// #         .with_revocation(sandbox.oauth_url().join("revoke")?.as_str())?);
    /// # let client = oauth_core::Client::builder(provider, "my-client-id")
    /// #     .client_secret("my-client-secret").build()?;
    /// client.revoke(token.access_token()).await?;
    /// if let Some(refresh) = token.refresh_token() {
    ///     client.revoke(refresh).await?;
    /// }
    /// # Ok(()) }
    /// # #[cfg(not(any(feature = "reqwest", feature = "hyper")))] fn main() {}
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] when the provider has no revocation endpoint;
    /// [`Error::Server`] with the server's error (such as
    /// `unsupported_token_type` or `invalid_client`); [`Error::Http`] and
    /// [`Error::Transport`].
    pub async fn revoke<'a>(&self, token: impl Into<TokenRef<'a>>) -> Result<(), Error> {
        let token = token.into();
        let url = self
            .provider()
            .endpoints()
            .revocation()
            .ok_or(ConfigError::NoEndpoint("revocation"))?;
        let endpoint = Endpoint::new("revocation", url);
        let (response, sent) = self
            .post_form(
                &endpoint,
                url,
                &[
                    ("token", token.secret()),
                    ("token_type_hint", token.type_hint()),
                ],
            )
            .await?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(error_from_response(&endpoint, &response).masking(&sent))
        }
    }
}
