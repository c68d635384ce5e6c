//! A client-side rate limiter, so a busy program stays under a provider's
//! request quota instead of collecting 429 answers.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

#[cfg(feature = "redis-store")]
mod fleet;

/// A token bucket: up to `burst` requests at once, refilled at `requests`
/// per `per`. Clones share one bucket, and so do all clones of a
/// [`Session`](crate::Session) given one.
///
/// Requests wait their turn in arrival order, on tokio's timer. The one at
/// the head of the line is admitted by the clock at the moment it wakes, not
/// by a slot booked when it arrived: a process that stalls (a busy machine,
/// a long pause) does not send the requests that queued up meanwhile in one
/// burst, which the provider's per-second count would refuse. A wait that is
/// cancelled gives its turn to the next and costs no budget.
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
    /// The fleet's budget on Redis, for a limiter made by
    /// [`RateLimiter::fleet`].
    #[cfg(feature = "redis-store")]
    fleet: Option<Arc<fleet::Fleet>>,
}

struct Inner {
    /// Time between two requests at the sustained rate.
    interval: Duration,
    /// How far ahead of the sustained rate a burst may run.
    burst: Duration,
    /// The "theoretical arrival time" of the next request (GCRA): the
    /// bucket is full when this is in the past.
    next: Mutex<Option<Instant>>,
    /// The line of waiting requests (tokio's mutex queues in order).
    line: tokio::sync::Mutex<()>,
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
    /// A period beyond a hundred years is a hundred years.
    #[must_use]
    pub fn with_burst(requests: u32, per: Duration, burst: u32) -> Self {
        let per = per.min(Duration::from_secs(100 * 365 * 24 * 3600));
        let interval = per / requests.max(1);
        RateLimiter {
            inner: Arc::new(Inner {
                interval,
                burst: interval.saturating_mul(burst.max(1)),
                next: Mutex::new(None),
                line: tokio::sync::Mutex::new(()),
            }),
            #[cfg(feature = "redis-store")]
            fleet: None,
        }
    }

    /// One budget for every process of a fleet, kept on the Redis at `url`
    /// under `namespace` (name it after the client id: the provider's quota
    /// is the client id's): at most `requests` per `per` for each of
    /// `limits`, across all of them (Battle.net: `[(100, 1 s), (36_000, 1
    /// h)]`). The first limit is spaced evenly, a hundredth wider than its
    /// count would allow, so that no window of its period holds more than
    /// its count as the provider counts them, even when requests reach it
    /// out of step by up to nine thousandths of the period (9 ms of a
    /// second); the others are quotas spent at any pace (their whole count
    /// at once when unused). Each request is one atomic script on Redis,
    /// timed by the server's clock. A process that cannot reach Redis paces itself at
    /// `1 / share` of each limit (give the number of processes), says so
    /// in a warning, and tries Redis again a second later (then two, then
    /// four while it stays out of reach), waiting a quarter second at most
    /// for its answer.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use oauth_core::RateLimiter;
    ///
    /// let limiter = RateLimiter::fleet(
    ///     "redis://:PASSWORD@limits.internal/",
    ///     "guild-tool:CLIENT_ID",
    ///     &[(100, Duration::from_secs(1)), (36_000, Duration::from_secs(3600))],
    ///     8,
    /// )?;
    /// # Ok::<(), oauth_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Store`](crate::Error::Store) when the URL cannot be read (it
    /// is not quoted: it may hold the password);
    /// [`Error::Config`](crate::Error::Config) when `limits` is empty.
    #[cfg(feature = "redis-store")]
    pub fn fleet(
        url: &str,
        namespace: &str,
        limits: &[(u32, Duration)],
        share: u32,
    ) -> Result<Self, crate::Error> {
        let fleet = fleet::Fleet::connect(url, namespace, limits, share)?;
        let mut limiter = Self::new(1, Duration::from_secs(1));
        limiter.fleet = Some(Arc::new(fleet));
        Ok(limiter)
    }

    /// Waits until one more request is allowed, and takes it.
    pub async fn acquire(&self) {
        #[cfg(feature = "redis-store")]
        if let Some(fleet) = &self.fleet {
            return fleet.acquire().await;
        }
        self.acquire_here().await;
    }

    /// Waits for this process's own bucket, and takes from it.
    async fn acquire_here(&self) {
        let _turn = self.inner.line.lock().await;
        while let Err(wait) = self.take(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
    }

    /// Takes one request if it is allowed right now and no one is waiting.
    /// A fleet's limiter, whose budget is on Redis, takes none this way:
    /// use [`acquire`](Self::acquire).
    #[must_use]
    pub fn try_acquire(&self) -> bool {
        #[cfg(feature = "redis-store")]
        if self.fleet.is_some() {
            return false;
        }
        match self.inner.line.try_lock() {
            Ok(_turn) => self.take(Instant::now()).is_ok(),
            Err(_) => false,
        }
    }

    /// Takes one request if the bucket allows it at `now`; otherwise says
    /// how long until it will.
    fn take(&self, now: Instant) -> Result<(), Duration> {
        let mut next = self.next();
        let start = next.map_or(now, |n| n.max(now));
        let due = (start - now) + self.inner.interval;
        if due > self.inner.burst {
            return Err(due - self.inner.burst);
        }
        *next = Some(start + self.inner.interval);
        Ok(())
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
    async fn a_period_too_long_to_add_is_a_hundred_years() {
        let limiter = RateLimiter::new(1, Duration::MAX);
        limiter.acquire().await;
        assert!(!limiter.try_acquire());
        let limiter = RateLimiter::with_burst(u32::MAX, Duration::MAX, u32::MAX);
        assert!(limiter.try_acquire());
    }

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

    #[tokio::test(start_paused = true)]
    async fn requests_queued_through_a_stall_do_not_go_out_in_one_burst() {
        let limiter = RateLimiter::with_burst(10, Duration::from_secs(1), 1);
        let start = Instant::now();
        limiter.acquire().await;
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let limiter = limiter.clone();
                tokio::spawn(async move {
                    limiter.acquire().await;
                    start.elapsed()
                })
            })
            .collect();
        tokio::task::yield_now().await;
        // The process stalls for a second while three requests wait: the
        // first may go when it ends, the others one interval apart after
        // it, not all three together.
        tokio::time::advance(Duration::from_secs(1)).await;
        let mut sent = Vec::new();
        for waiter in waiters {
            sent.push(waiter.await.expect("waiter"));
        }
        assert_eq!(
            sent,
            [1000, 1100, 1200].map(Duration::from_millis),
            "admitted by the clock when they woke"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_wait_costs_nothing_and_gives_up_its_turn() {
        let limiter = RateLimiter::with_burst(10, Duration::from_secs(1), 1);
        let start = Instant::now();
        limiter.acquire().await;
        // Gives up after 50 ms of the 100 it had to wait.
        let gave_up = tokio::time::timeout(Duration::from_millis(50), limiter.acquire()).await;
        assert!(gave_up.is_err());
        limiter.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_millis(100), "not 200");
    }
}
