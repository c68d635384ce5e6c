//! The total timeout: one bound for a whole call.

use std::sync::Arc;
use std::time::Duration;

use crate::error::{TransportError, TransportErrorKind};
use crate::transport::{HttpRequest, HttpResponse, HttpTransport};

/// Fails a call that takes longer than `total`, whatever it was doing
/// (sending, waiting to retry, renewing the token), with
/// [`TransportErrorKind::Timeout`].
#[derive(Clone, Debug)]
pub struct Timeout {
    total: Duration,
    inner: Arc<dyn HttpTransport>,
}

impl Timeout {
    /// Bounds every call through `inner` by `total`.
    pub fn new(total: Duration, inner: Arc<dyn HttpTransport>) -> Self {
        Timeout { total, inner }
    }
}

#[async_trait::async_trait]
impl HttpTransport for Timeout {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        tokio::time::timeout(self.total, self.inner.send(request))
            .await
            .unwrap_or_else(|_| Err(TransportError::from_kind(TransportErrorKind::Timeout)))
    }
}
