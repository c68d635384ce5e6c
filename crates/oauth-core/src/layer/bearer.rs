//! The Bearer credential: the session's token on every request, and one
//! renewal and resend after a `401`.

use std::fmt;
use std::sync::Arc;

use http::StatusCode;
use http::header::AUTHORIZATION;

use super::Again;
use crate::error::TransportError;
use crate::redact::SentCredential;
use crate::session::{Session, Tokens};
use crate::transport::{HttpRequest, HttpResponse, HttpTransport};

/// Presents a session's token as `Authorization: Bearer …` (replacing any
/// `Authorization` header), and marks the answer with the token it carried
/// so any error made of it masks the token. On a `401` it renews the token
/// once (the refused one is never handed out again) and sends once more;
/// the second answer is returned whatever it is.
///
/// A token that cannot be had fails the call with
/// [`TransportErrorKind::Layer`](crate::TransportErrorKind::Layer), whose
/// cause is the session's [`Error`](crate::Error).
#[derive(Clone)]
pub struct Bearer {
    tokens: Arc<Tokens>,
    inner: Arc<dyn HttpTransport>,
}

impl Bearer {
    /// Presents `session`'s token on requests sent through `inner`.
    pub fn new(session: &Session, inner: Arc<dyn HttpTransport>) -> Self {
        Self::from_tokens(session.tokens(), inner)
    }

    pub(crate) fn from_tokens(tokens: Arc<Tokens>, inner: Arc<dyn HttpTransport>) -> Self {
        Bearer { tokens, inner }
    }
}

impl fmt::Debug for Bearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bearer")
            .field("key", &self.tokens.key())
            .field("inner", &self.inner)
            .finish()
    }
}

#[async_trait::async_trait]
impl HttpTransport for Bearer {
    async fn send(&self, mut request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let token = self
            .tokens
            .access_token()
            .await
            .map_err(TransportError::layer)?;
        let again = Again::of(&request);
        request
            .headers_mut()
            .insert(AUTHORIZATION, token.authorization().clone());
        let response = self.inner.send(request).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(marked(response, token));
        }
        // A token we believed valid was refused (revoked, or the server's
        // clock runs ahead): renew once, send once more.
        tracing::debug!("api request refused with 401; renewing the token and sending once more");
        let renewed = self
            .tokens
            .renew(Some(&token))
            .await
            .map_err(TransportError::layer)?;
        let Some(mut request) = again.request() else {
            // Renewed for the next call; this one cannot be made again.
            return Ok(marked(response, token));
        };
        let token = renewed;
        request
            .headers_mut()
            .insert(AUTHORIZATION, token.authorization().clone());
        let response = self.inner.send(request).await?;
        Ok(marked(response, token))
    }
}

/// Whatever error the caller makes of this answer masks the token it
/// carried, should the server echo it.
fn marked(mut response: HttpResponse, token: crate::session::CurrentToken) -> HttpResponse {
    response.extensions_mut().insert(SentCredential(token));
    response
}
