//! Client-side time: what a session asks to decide whether its token is
//! stale, so tests can move time instead of sleeping.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// Tells the current wall-clock time.
///
/// A [`Session`](crate::Session) reads it to decide whether its token is
/// about to expire and to turn a `Retry-After` date into a wait. The
/// default is [`SystemClock`]; tests use a [`ManualClock`].
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system's wall clock.
///
/// On Linux it reads the coarse real-time clock (`CLOCK_REALTIME_COARSE`):
/// its resolution is the kernel's tick (a few milliseconds), plenty to
/// judge an expiry with a skew of seconds, and reading it costs a quarter
/// of `SystemTime::now()`, which matters on a session's fast path. Elsewhere
/// it is `SystemTime::now()`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        coarse_now()
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn coarse_now() -> SystemTime {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::RealtimeCoarse);
    match (u64::try_from(now.tv_sec), u32::try_from(now.tv_nsec)) {
        (Ok(seconds), Ok(nanos)) if nanos < 1_000_000_000 => {
            SystemTime::UNIX_EPOCH + Duration::new(seconds, nanos)
        }
        // A clock set before 1970: the precise reading copes.
        _ => SystemTime::now(),
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn coarse_now() -> SystemTime {
    SystemTime::now()
}

/// A clock that moves only when told to: for tests of expiry.
///
/// ```
/// use std::time::Duration;
/// use oauth_core::{Clock, ManualClock};
///
/// let clock = ManualClock::new();
/// let before = clock.now();
/// clock.advance(Duration::from_secs(3600));
/// assert_eq!(clock.now(), before + Duration::from_secs(3600));
/// ```
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<SystemTime>,
}

impl ManualClock {
    /// A clock stopped at the system's current time.
    #[must_use]
    pub fn new() -> Self {
        Self::at(SystemTime::now())
    }

    /// A clock stopped at `now`.
    #[must_use]
    pub fn at(now: SystemTime) -> Self {
        ManualClock {
            now: Mutex::new(now),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *now += by;
    }

    /// Sets the clock.
    pub fn set(&self, to: SystemTime) {
        *self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = to;
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> SystemTime {
        (**self).now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_clock_is_the_wall_clock_to_within_a_tick() {
        let before = SystemTime::now();
        let now = SystemClock.now();
        let after = SystemTime::now();
        // The coarse clock may lag the precise one by up to a tick (the
        // kernel's is at most 10 ms), never lead it.
        let tick = Duration::from_millis(20);
        assert!(now <= after, "{now:?} after {after:?}");
        assert!(now + tick >= before, "{now:?} a tick behind {before:?}");
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let clock = ManualClock::at(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::from_secs(5));
        assert_eq!(clock.now(), start + Duration::from_secs(5));
        clock.set(start);
        assert_eq!(clock.now(), start);
    }
}
