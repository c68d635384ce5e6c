//! The Bearer credential: the session's token on every request, and one
//! renewal and resend after a `401`.

use std::fmt;
use std::sync::Arc;

use http::StatusCode;
use http::header::AUTHORIZATION;

use super::Again;
use crate::error::ConfigError;
use crate::error::TransportError;
use crate::redact::SentCredential;
use crate::session::{CurrentToken, Session, Tokens};
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
        self.present(&mut request, &token)?;
        let response = self.send_proven(request, &token, &again).await?;
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
        self.present(&mut request, &token)?;
        let response = self.send_proven(request, &token, &again).await?;
        Ok(marked(response, token))
    }
}

impl Bearer {
    /// Puts the token on the request: `Authorization: Bearer …`, or for a
    /// DPoP-bound token `Authorization: DPoP …` with a fresh proof.
    fn present(
        &self,
        request: &mut HttpRequest,
        token: &CurrentToken,
    ) -> Result<(), TransportError> {
        request
            .headers_mut()
            .insert(AUTHORIZATION, token.authorization().clone());
        if token.is_dpop() {
            self.prove(request, token)?;
        }
        Ok(())
    }

    #[cfg(feature = "jose")]
    fn prove(&self, request: &mut HttpRequest, token: &CurrentToken) -> Result<(), TransportError> {
        let failed = |what: String| TransportError::layer(ConfigError::ClientAuth(what).into());
        let Some(dpop) = self.tokens.dpop() else {
            return Err(failed(
                "a DPoP-bound token needs the session's DPoP key".into(),
            ));
        };
        let proof = dpop
            .proof(
                request.method(),
                &request.uri().to_string(),
                Some(token.access_token().secret()),
            )
            .map_err(|e| failed(format!("cannot make the DPoP proof: {e}")))?;
        let value = http::HeaderValue::try_from(proof)
            .map_err(|_| failed("the DPoP proof is not a header value".into()))?;
        request.headers_mut().insert("dpop", value);
        Ok(())
    }

    #[cfg(not(feature = "jose"))]
    #[allow(clippy::unused_self)] // The same call with or without the feature.
    fn prove(
        &self,
        _request: &mut HttpRequest,
        _token: &CurrentToken,
    ) -> Result<(), TransportError> {
        // A session without `jose` never takes a DPoP token.
        Err(TransportError::layer(
            ConfigError::ClientAuth("DPoP needs oauth-core's `jose` feature".into()).into(),
        ))
    }

    /// Sends `request`; for a DPoP-bound token, keeps the server's nonce
    /// and, when it refused the proof for want of that nonce (RFC 9449
    /// §9), sends once more with it.
    async fn send_proven(
        &self,
        request: HttpRequest,
        token: &CurrentToken,
        again: &Again,
    ) -> Result<HttpResponse, TransportError> {
        #[cfg(feature = "jose")]
        if token.is_dpop()
            && let Some(dpop) = self.tokens.dpop()
        {
            let url = request.uri().to_string();
            let response = self.inner.send(request).await?;
            let told = dpop.remember_nonce(&url, response.headers());
            if !(told && asks_for_nonce(&response)) {
                return Ok(response);
            }
            let Some(mut request) = again.request() else {
                return Ok(response);
            };
            self.present(&mut request, token)?;
            let response = self.inner.send(request).await?;
            dpop.remember_nonce(&url, response.headers());
            return Ok(response);
        }
        let _ = (token, again);
        self.inner.send(request).await
    }
}

/// Whether a resource server refused a DPoP proof for want of its nonce:
/// `401` with `WWW-Authenticate: DPoP error="use_dpop_nonce"`.
#[cfg(feature = "jose")]
fn asks_for_nonce(response: &HttpResponse) -> bool {
    response.status() == StatusCode::UNAUTHORIZED
        && response
            .headers()
            .get_all(http::header::WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains("use_dpop_nonce"))
}

/// Whatever error the caller makes of this answer masks the token it
/// carried, should the server echo it.
fn marked(mut response: HttpResponse, token: CurrentToken) -> HttpResponse {
    response.extensions_mut().insert(SentCredential(token));
    response
}
