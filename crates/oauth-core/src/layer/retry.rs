//! Retries: an idempotent request sent again after a `429` or a `502`,
//! `503` or `504`, after `Retry-After` or a jittered backoff.

use std::sync::Arc;

use super::{Again, RetrySafe};
use crate::clock::{Clock, SystemClock};
use crate::error::TransportError;
use crate::retry::{RetryPolicy, is_idempotent, is_retryable_status, retry_after};
use crate::transport::{HttpRequest, HttpResponse, HttpTransport};

/// Sends a request again as a [`RetryPolicy`] says: only an idempotent
/// method (`GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS`, `TRACE`) or a
/// request marked [`RetrySafe`]; only after `429`, `502`, `503` or `504`;
/// after the answer's `Retry-After` (seconds, or a date read by the
/// layer's clock) or else a backoff with equal jitter; at most
/// `max_attempts` sends, and never a wait that would pass `max_elapsed`.
/// The last answer is returned whatever its status.
///
/// It records the number of sends as `attempts` on the current span once
/// there is more than one.
#[derive(Clone, Debug)]
pub struct Retry {
    policy: RetryPolicy,
    clock: Arc<dyn Clock>,
    inner: Arc<dyn HttpTransport>,
}

impl Retry {
    /// Retries the requests sent through `inner` as `policy` says.
    pub fn new(policy: RetryPolicy, inner: Arc<dyn HttpTransport>) -> Self {
        Retry {
            policy,
            clock: Arc::new(SystemClock),
            inner,
        }
    }

    /// The clock that dates a `Retry-After` given as an HTTP date.
    /// Default: the system clock.
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}

#[async_trait::async_trait]
impl HttpTransport for Retry {
    async fn send(&self, mut request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let policy = &self.policy;
        let may_retry =
            is_idempotent(request.method()) || request.extensions().get::<RetrySafe>().is_some();
        if !may_retry || policy.max_attempts <= 1 {
            return self.inner.send(request).await;
        }
        let again = Again::of(&request);
        let started = tokio::time::Instant::now();
        let mut attempt: u32 = 1;
        // The first send takes the request itself; a retry rebuilds it.
        loop {
            if attempt > 1 {
                // The session's span starts at one attempt.
                tracing::Span::current().record("attempts", attempt);
            }
            let response = self.inner.send(request).await?;
            if attempt >= policy.max_attempts {
                return Ok(response);
            }
            let status = response.status();
            if is_retryable_status(status) {
                let wait = retry_after(response.headers(), self.clock.now())
                    .unwrap_or_else(|| policy.jittered_backoff(attempt));
                if started.elapsed().saturating_add(wait) <= policy.max_elapsed
                    && let Some(resend) = again.request()
                {
                    tracing::debug!(
                        attempt,
                        status = status.as_u16(),
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "api request will be retried"
                    );
                    tokio::time::sleep(wait).await;
                    request = resend;
                    attempt += 1;
                    continue;
                }
            }
            return Ok(response);
        }
    }
}
