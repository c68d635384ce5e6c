//! A client-side rate limiter, so a busy program stays under a provider's
//! request quota instead of collecting 429 answers.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// A token bucket: up to `burst` requests at once, refilled at `requests`
/// per `per`. Clones share one bucket, and so do all clones of a
/// [`Session`](crate::Session) given one.
///
/// Each request waits (on tokio's timer) until the bucket allows it; waits
/// are handed out in arrival order and no lock is held while waiting. A
/// wait that is cancelled still counts against the budget.
///
/// ```
/// use std::time::Duration;
/// use oauth_core::RateLimiter;
///
/// // Battle.net allows 100 requests per second per client.
/// let limiter = RateLimiter::new(100, Duration::from_secs(1));
/// # let _ = limiter;
/// ```
#[derive(Clone)]
pub struct RateLimiter {
    inner: Arc<Inner>,
}

struct Inner {
    /// Time between two requests at the sustained rate.
    interval: Duration,
    /// How far ahead of the sustained rate a burst may run.
    burst: Duration,
    /// The "theoretical arrival time" of the next request (GCRA): the
    /// bucket is full when this is in the past.
    next: Mutex<Option<Instant>>,
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("interval", &self.inner.interval)
            .field("burst", &self.inner.burst)
            .finish()
    }
}

impl RateLimiter {
    /// At most `requests` per `per`, all of them allowed at once when the
    /// bucket is full. Zero requests counts as one.
    #[must_use]
    pub fn new(requests: u32, per: Duration) -> Self {
        Self::with_burst(requests, per, requests)
    }

    /// At most `requests` per `per` sustained, and at most `burst` at once.
    #[must_use]
    pub fn with_burst(requests: u32, per: Duration, burst: u32) -> Self {
        let interval = per / requests.max(1);
        RateLimiter {
            inner: Arc::new(Inner {
                interval,
                burst: interval.saturating_mul(burst.max(1)),
                next: Mutex::new(None),
            }),
        }
    }

    /// Waits until one more request is allowed, and takes it.
    pub async fn acquire(&self) {
        let wait = self.reserve();
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Takes one request if it is allowed right now.
    #[must_use]
    pub fn try_acquire(&self) -> bool {
        let now = Instant::now();
        let mut next = self.next();
        let start = next.map_or(now, |n| n.max(now));
        if (start - now) + self.inner.interval > self.inner.burst {
            return false;
        }
        *next = Some(start + self.inner.interval);
        true
    }

    /// Books the next slot and says how long until it comes.
    fn reserve(&self) -> Duration {
        let now = Instant::now();
        let mut next = self.next();
        let start = next.map_or(now, |n| n.max(now));
        *next = Some(start + self.inner.interval);
        ((start - now) + self.inner.interval).saturating_sub(self.inner.burst)
    }

    fn next(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        // The guarded value is one `Instant`, always whole.
        self.inner
            .next
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn bursts_then_paces() {
        let limiter = RateLimiter::new(4, Duration::from_secs(1));
        let start = Instant::now();
        for _ in 0..4 {
            limiter.acquire().await;
        }
        assert_eq!(
            start.elapsed(),
            Duration::ZERO,
            "a full bucket allows a burst"
        );
        assert!(!limiter.try_acquire());
        limiter.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_millis(250));
        for _ in 0..4 {
            limiter.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::from_millis(1250));
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert!(limiter.try_acquire(), "refilled after a pause");
    }

    #[tokio::test(start_paused = true)]
    async fn clones_share_one_bucket() {
        let limiter = RateLimiter::with_burst(10, Duration::from_secs(1), 1);
        let other = limiter.clone();
        let start = Instant::now();
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let limiter = if i % 2 == 0 {
                    limiter.clone()
                } else {
                    other.clone()
                };
                tokio::spawn(async move { limiter.acquire().await })
            })
            .collect();
        for task in tasks {
            task.await.expect("task");
        }
        // 10 requests at 10 per second, no burst: the last one 900 ms in.
        assert_eq!(start.elapsed(), Duration::from_millis(900));
    }
}
