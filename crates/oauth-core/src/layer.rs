//! The API-call path as a stack of small layers.
//!
//! Each layer wraps an [`HttpTransport`] and is one, so a stack is layers
//! nested around the transport that does the sending. A [`Session`] sends
//! its API requests through the stack a [`Stack`] describes, from the
//! outside in:
//!
//! 1. [`Timeout`] (only when a total timeout is set): bounds the whole
//!    call, every retry and wait included.
//! 2. `Cached` (only when a response cache is set, with the `cache`
//!    feature): serves a fresh stored answer without going further,
//!    revalidates a stale one, stores a new one when it may be.
//! 3. [`Retry`]: sends an idempotent request (or one marked [`RetrySafe`])
//!    again after a `429`, `502`, `503` or `504`, after the server's
//!    `Retry-After` or a jittered backoff ([`RetryPolicy`]).
//! 4. [`Bearer`]: presents the session's token; on a `401`, renews it once
//!    and sends once more.
//! 5. [`RateLimit`] (only when a limiter is set): waits for the
//!    [`RateLimiter`] before every send.
//! 6. The transport.
//!
//! The order is the behaviour: a retried request passes [`Bearer`] again,
//! so it carries the token as it is then, renewed if it was; [`Retry`]
//! never retries a `401` (not a status it retries), so a refused token is
//! renewed by [`Bearer`] alone, once; every send — first, retried, or sent
//! again after a `401` — waits its turn at the rate limiter; and the total
//! timeout covers all of it. A layer's own failure (no token to be had)
//! travels up as [`TransportErrorKind::Layer`] and leaves the session as the
//! [`Error`] it was.
//!
//! Layers that are not configured are not in the stack, so they cost
//! nothing. A resend is made by the request's [`Replay`], which its maker
//! attached to build it again from its parts, or else from a copy the
//! layer took before the first send.
//!
//! [`Session`]: crate::Session
//! [`Error`]: crate::Error
//! [`TransportErrorKind::Layer`]: crate::TransportErrorKind::Layer

mod bearer;
#[cfg(feature = "cache")]
mod cached;
mod rate_limit;
mod retry;
mod timeout;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use self::bearer::Bearer;
#[cfg(feature = "cache")]
pub use self::cached::Cached;
pub use self::rate_limit::RateLimit;
pub use self::retry::Retry;
pub use self::timeout::Timeout;
use crate::clock::Clock;
use crate::rate_limit::RateLimiter;
use crate::retry::RetryPolicy;
use crate::session::Tokens;
use crate::transport::{HttpRequest, HttpTransport};

/// Marks a request, in its extensions, as safe to send more than once
/// although its method is not idempotent (a POST that only reads), so
/// [`Retry`] retries it like a GET.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RetrySafe;

/// The layers of a session's API calls and their options; see the
/// [module documentation](self) for the order. A provider builds one and
/// gives it to each of its sessions, which then share its rate limiter.
///
/// ```
/// use std::time::Duration;
/// use oauth_core::layer::Stack;
/// use oauth_core::{RateLimiter, RetryPolicy};
///
/// let stack = Stack::new()
///     .retry(RetryPolicy::default().max_attempts(3))
///     .rate_limiter(RateLimiter::new(100, Duration::from_secs(1)))
///     .total_timeout(Duration::from_secs(60));
/// # let _ = stack;
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct Stack {
    retry: RetryPolicy,
    limiter: Option<RateLimiter>,
    total_timeout: Option<Duration>,
    #[cfg(feature = "cache")]
    cache: Option<crate::cache::ResponseCache>,
}

impl Stack {
    /// The default stack: retries by [`RetryPolicy::default`], no rate
    /// limit, no total timeout (the transport's own timeout still bounds
    /// each exchange).
    pub fn new() -> Self {
        Self::default()
    }

    /// How requests are retried. [`RetryPolicy::none`] takes the retry
    /// layer out.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Paces every send. Pass a clone to share one budget.
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Bounds a whole call, retries and waits included.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = Some(timeout);
        self
    }

    /// Serves and keeps API answers in `cache` by HTTP's caching rules
    /// (see [`cache`](crate::cache)). Pass a clone to share one cache.
    #[cfg(feature = "cache")]
    pub fn cache(mut self, cache: crate::cache::ResponseCache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// The response cache, if one is set.
    #[cfg(feature = "cache")]
    #[must_use]
    pub fn response_cache(&self) -> Option<&crate::cache::ResponseCache> {
        self.cache.as_ref()
    }

    /// The retry policy.
    #[must_use]
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The rate limiter, if one is set.
    #[must_use]
    pub fn limiter(&self) -> Option<&RateLimiter> {
        self.limiter.as_ref()
    }

    /// The layers around `transport`, presenting `tokens`' token; a cache
    /// keeps the answers apart by `partition` (whose token it is).
    pub(crate) fn build(
        &self,
        tokens: Arc<Tokens>,
        clock: Arc<dyn Clock>,
        transport: Arc<dyn HttpTransport>,
        partition: Option<&str>,
    ) -> Arc<dyn HttpTransport> {
        let mut stack = transport;
        if let Some(limiter) = &self.limiter {
            stack = Arc::new(RateLimit::new(limiter.clone(), stack));
        }
        stack = Arc::new(Bearer::from_tokens(tokens, stack));
        if self.retry.max_attempts > 1 {
            stack = Arc::new(Retry::new(self.retry.clone(), stack).clock(Arc::clone(&clock)));
        }
        #[cfg(feature = "cache")]
        if let (Some(cache), Some(partition)) = (&self.cache, partition) {
            stack = Arc::new(Cached::new(cache.clone(), partition, stack).clock(clock));
        }
        #[cfg(not(feature = "cache"))]
        let _ = (clock, partition);
        if let Some(total) = self.total_timeout {
            stack = Arc::new(Timeout::new(total, stack));
        }
        stack
    }
}

/// How to make a request again, for the layers that may send it more than
/// once ([`Retry`] after a `429` or `5xx`, [`Bearer`] after a `401`).
///
/// A request that carries a `Replay` in its extensions is made again with
/// it, only when a resend happens; one that carries none is copied before
/// its first send by each layer that may resend it. An entry point that
/// makes its requests from parts attaches a `Replay` that makes them
/// again, so a call answered the first time copies nothing.
///
/// ```
/// use oauth_core::http;
/// use oauth_core::layer::Replay;
///
/// let url = "https://api.example.com/v1/me";
/// let make = move || http::Request::get(url).body(Vec::new()).ok();
/// let mut request = make().expect("a valid request");
/// request.extensions_mut().insert(Replay::new(make));
/// # let _ = request;
/// ```
#[derive(Clone)]
pub struct Replay(Arc<dyn Fn() -> Option<HttpRequest> + Send + Sync>);

impl Replay {
    /// A replay that calls `rebuild` for each resend. `None` means the
    /// request cannot be made again: the layer then returns the answer it
    /// has.
    pub fn new(rebuild: impl Fn() -> Option<HttpRequest> + Send + Sync + 'static) -> Self {
        Replay(Arc::new(rebuild))
    }

    /// The request again, carrying this replay; `None` when it cannot be
    /// made.
    pub(crate) fn request(&self) -> Option<HttpRequest> {
        let mut request = (self.0)()?;
        request.extensions_mut().insert(self.clone());
        Some(request)
    }
}

/// How a layer makes a request again: with the request's own [`Replay`],
/// or from a copy it keeps.
// It lives in one call's future; boxing the copy would cost an allocation
// per call to save stack space.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Again {
    Replay(Replay),
    Copy(HttpRequest),
}

impl Again {
    /// Ready to make `request` again: its replay if it carries one (no
    /// copy), else a copy of it.
    pub(crate) fn of(request: &HttpRequest) -> Again {
        match request.extensions().get::<Replay>() {
            Some(replay) => Again::Replay(replay.clone()),
            None => Again::Copy(copy_request(request)),
        }
    }

    /// The request again; `None` when its replay cannot make it.
    pub(crate) fn request(&self) -> Option<HttpRequest> {
        match self {
            Again::Replay(replay) => replay.request(),
            Again::Copy(template) => Some(copy_request(template)),
        }
    }
}

impl fmt::Debug for Replay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Replay")
    }
}

/// A copy of `request` to send again: method, URI, version, headers, body
/// and extensions.
pub(crate) fn copy_request(request: &HttpRequest) -> HttpRequest {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    *copy.extensions_mut() = request.extensions().clone();
    copy
}

#[cfg(test)]
mod tests;
