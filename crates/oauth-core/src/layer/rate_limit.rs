//! The client-side rate limit: every send waits for the limiter.

use std::sync::Arc;

use crate::error::TransportError;
use crate::rate_limit::RateLimiter;
use crate::transport::{HttpRequest, HttpResponse, HttpTransport};

/// Waits for a [`RateLimiter`] before every send. Clones of one limiter
/// in several stacks share one budget.
#[derive(Clone, Debug)]
pub struct RateLimit {
    limiter: RateLimiter,
    inner: Arc<dyn HttpTransport>,
}

impl RateLimit {
    /// Paces the requests sent through `inner` by `limiter`.
    pub fn new(limiter: RateLimiter, inner: Arc<dyn HttpTransport>) -> Self {
        RateLimit { limiter, inner }
    }
}

#[async_trait::async_trait]
impl HttpTransport for RateLimit {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.limiter.acquire().await;
        self.inner.send(request).await
    }
}
