//! When a session sends a request again, and how long it waits first.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method, StatusCode};

/// How a [`Session`](crate::Session) retries API requests that the server
/// answered with 429, 502, 503 or 504.
///
/// Only idempotent requests (GET, HEAD, PUT, DELETE, OPTIONS, TRACE) are
/// retried, and a POST or PATCH the caller marks safe. The wait is the
/// server's `Retry-After` (seconds or an HTTP date) when it sends one, else
/// an exponential backoff with jitter: before retry *n*, a random time
/// between half and all of `min(initial_backoff × 2ⁿ⁻¹, max_backoff)`.
/// Retrying stops after `max_attempts` sends, or when the next wait would
/// end more than `max_elapsed` after the first send; the last answer is
/// then returned as it is.
///
/// ```
/// use std::time::Duration;
/// use oauth_core::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_attempts(5)
///     .initial_backoff(Duration::from_millis(100))
///     .max_elapsed(Duration::from_secs(10));
/// assert_eq!(policy.backoff(3), Duration::from_millis(400));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// How many times a request may be sent in all, the first time
    /// included. `1` turns retries off. Default: 4.
    pub max_attempts: u32,
    /// The backoff ceiling before the first retry. Default: 250 ms.
    pub initial_backoff: Duration,
    /// The largest backoff ceiling. Default: 10 s. A `Retry-After` may ask
    /// for longer and is honoured within `max_elapsed`.
    pub max_backoff: Duration,
    /// How long after the first send the last retry may start. Default: 30 s.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    #[must_use]
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sets how many sends a request may take in all.
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the backoff ceiling before the first retry.
    #[must_use]
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Sets the largest backoff ceiling.
    #[must_use]
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Sets how long after the first send the last retry may start.
    #[must_use]
    pub fn max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    /// The backoff ceiling before retry `retry` (counted from 1): the wait
    /// is a random time between half of it and all of it.
    #[must_use]
    pub fn backoff(&self, retry: u32) -> Duration {
        let doublings = retry.saturating_sub(1).min(31);
        self.initial_backoff
            .checked_mul(1 << doublings)
            .map_or(self.max_backoff, |d| d.min(self.max_backoff))
    }

    /// The wait before retry `retry` when the server named none: the
    /// ceiling's upper half, at random ("equal jitter"), so many clients
    /// that failed together do not come back together.
    pub(crate) fn jittered_backoff(&self, retry: u32) -> Duration {
        let ceiling = self.backoff(retry);
        let half = ceiling / 2;
        // Without randomness, waiting the full ceiling is still correct.
        let fraction = getrandom::u32().map_or(1.0, |r| f64::from(r) / f64::from(u32::MAX));
        half + (ceiling - half).mul_f64(fraction)
    }
}

/// Whether an answer with this status is worth sending again.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    )
}

/// Whether sending this request twice has the effect of sending it once
/// (RFC 9110 §9.2.2).
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// How long the answer's `Retry-After` asks to wait (RFC 9110 §10.2.3):
/// delay seconds, or an HTTP date taken relative to `now`. A date in the
/// past means no wait; an unreadable value counts as absent. Part of the
/// provider kit: a provider's own rate-limit error reads the wait with it.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // An absurdly long number is still "a long time".
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(retry_after: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::RETRY_AFTER,
            retry_after.parse().expect("header value"),
        );
        headers
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            retry_after(&headers("7"), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(retry_after(&headers(" 0 "), now), Some(Duration::ZERO));
        let date = httpdate::fmt_http_date(now + Duration::from_secs(42));
        assert_eq!(
            retry_after(&headers(&date), now),
            Some(Duration::from_secs(42))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(42));
        assert_eq!(retry_after(&headers(&past), now), Some(Duration::ZERO));
        for bad in ["soon", "-3", "1.5", ""] {
            assert_eq!(retry_after(&headers(bad), now), None, "{bad:?}");
        }
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
        assert_eq!(
            retry_after(&headers("99999999999999999999999"), now),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[test]
    fn each_setter_sets_its_own_field() {
        let defaults = RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(30),
        };
        assert_eq!(RetryPolicy::default(), defaults);
        assert_eq!(
            RetryPolicy::none(),
            RetryPolicy {
                max_attempts: 1,
                ..defaults.clone()
            }
        );
        let cases = [
            (
                RetryPolicy::default().max_attempts(7),
                RetryPolicy {
                    max_attempts: 7,
                    ..defaults.clone()
                },
            ),
            (
                RetryPolicy::default().initial_backoff(Duration::from_secs(1)),
                RetryPolicy {
                    initial_backoff: Duration::from_secs(1),
                    ..defaults.clone()
                },
            ),
            (
                RetryPolicy::default().max_backoff(Duration::from_secs(2)),
                RetryPolicy {
                    max_backoff: Duration::from_secs(2),
                    ..defaults.clone()
                },
            ),
            (
                RetryPolicy::default().max_elapsed(Duration::from_secs(3)),
                RetryPolicy {
                    max_elapsed: Duration::from_secs(3),
                    ..defaults.clone()
                },
            ),
        ];
        for (built, expected) in cases {
            assert_eq!(built, expected);
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_ceiling() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_secs(1));
        let ceilings: Vec<u128> = (1..=6).map(|n| policy.backoff(n).as_millis()).collect();
        assert_eq!(ceilings, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(policy.backoff(u32::MAX), Duration::from_secs(1));
    }

    #[test]
    fn jitter_stays_in_the_upper_half_and_varies() {
        let policy = RetryPolicy::default().initial_backoff(Duration::from_millis(1000));
        let waits: Vec<Duration> = (0..200).map(|_| policy.jittered_backoff(1)).collect();
        for wait in &waits {
            assert!(
                (Duration::from_millis(500)..=Duration::from_millis(1000)).contains(wait),
                "{wait:?}"
            );
        }
        assert!(waits.iter().any(|w| *w != waits[0]), "no jitter at all");
    }

    #[test]
    fn only_idempotent_methods_and_overload_statuses() {
        for method in [Method::GET, Method::HEAD, Method::PUT, Method::DELETE] {
            assert!(is_idempotent(&method), "{method}");
        }
        for method in [Method::POST, Method::PATCH, Method::CONNECT] {
            assert!(!is_idempotent(&method), "{method}");
        }
        for status in [429, 502, 503, 504] {
            assert!(is_retryable_status(
                StatusCode::from_u16(status).expect("status")
            ));
        }
        for status in [200, 400, 401, 404, 500, 501] {
            assert!(!is_retryable_status(
                StatusCode::from_u16(status).expect("status")
            ));
        }
        assert_eq!(RetryPolicy::default().max_attempts(0).max_attempts, 1);
        assert_eq!(RetryPolicy::none().max_attempts, 1);
    }
}

#[cfg(test)]
mod proptests;
