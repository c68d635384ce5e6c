//! The rate budget of a fleet, kept on Redis: every process of one client
//! id draws from one GCRA bucket per limit, in one atomic script per
//! request; a process that cannot reach Redis paces itself locally at its
//! share of the budget, and says so.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::RateLimiter;
use crate::error::Error;
use crate::redis_link;
use crate::store::RedisStoreError;

/// Takes one request from every limit's bucket, or none. Keys: one per
/// limit. Arguments: each limit's interval and burst, in microseconds.
/// Returns 0 when taken, else the microseconds to wait. The clock is the
/// server's, so the fleet's machines need not agree on the time. A value
/// that is not a number (something else wrote it) counts as a full
/// bucket, and is replaced.
const TAKE: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local wait = 0
local next = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', key)) or now
  if tat < now then tat = now end
  local due = tat - now + interval
  if due > burst then
    wait = math.max(wait, due - burst)
  end
  next[i] = tat + interval
end
if wait > 0 then
  return wait
end
for i, key in ipairs(KEYS) do
  redis.call('SET', key, string.format('%d', next[i]), 'PX', math.floor((next[i] - now) / 1000) + 1000)
end
return 0
";

/// How long a process paces itself locally after Redis failed, before it
/// tries Redis again: doubled after each failure in a row, up to
/// [`LOCAL_FOR_AT_MOST`].
const LOCAL_FOR: Duration = Duration::from_secs(1);
const LOCAL_FOR_AT_MOST: Duration = Duration::from_secs(4);

/// How long a try of Redis after a failure may take: a Redis that answers
/// answers in far less, and the process's requests wait on the try.
const RETRY_WITHIN: Duration = Duration::from_millis(250);

/// The longest period a limit may have: a hundred years.
const LONGEST_PERIOD: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// The interval and burst (the script's arguments) of a limit spaced
/// evenly: `requests` per `per`, as a provider counts a per-second limit.
///
/// The requests are spaced a hundredth of `per` wider than even (`per +
/// per / 100` for `requests` of them), and one may go a thousandth of
/// `per` early, so that a waker a little late (a timer's tick) does not
/// push the rest back. Any `requests + 1` in a row then span at least
/// `per + per / 100 - per / 1000`: no window of `per` holds more than
/// `requests`, as the requests leave or as the provider sees them, when
/// they reach it out of step by less than 9 thousandths of `per`. The
/// budget used at most: 99 %.
fn paced(requests: u32, per: Duration) -> (Duration, Duration) {
    let interval = per.saturating_add(per / 100) / requests;
    (interval, interval.saturating_add(per / 1000))
}

pub(super) struct Fleet {
    link: redis_link::Link,
    keys: Vec<String>,
    /// Each limit's interval and burst, in microseconds.
    args: Vec<u64>,
    /// Each limit at this process's share, used while Redis is out of reach.
    local: Vec<RateLimiter>,
    /// Until when the local limiters pace, after a failure of Redis, and
    /// for how long they paced last (doubled after each failure in a row).
    local_until: Mutex<(Option<Instant>, Duration)>,
    /// Whether the fall back to local pacing has been told, this outage.
    told: AtomicBool,
    /// This process's requests go to Redis one at a time, in order.
    line: tokio::sync::Mutex<()>,
}

impl Fleet {
    pub(super) fn connect(
        url: &str,
        namespace: &str,
        limits: &[(u32, Duration)],
        share: u32,
    ) -> Result<Self, Error> {
        if limits.is_empty() {
            return Err(crate::error::ConfigError::InvalidValue {
                what: "the fleet's rate limits",
                reason: "none given".to_owned(),
            }
            .into());
        }
        let link = redis_link::connect(url).map_err(|_| Error::store(RedisStoreError::Url))?;
        let micros = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let mut keys = Vec::new();
        let mut args = Vec::new();
        let mut local = Vec::new();
        for (index, &(requests, per)) in limits.iter().enumerate() {
            let requests = requests.max(1);
            let per = &per.min(LONGEST_PERIOD);
            // The first limit is spaced, the others quotas: kept apart.
            let kind = if index == 0 { "paced" } else { "quota" };
            keys.push(format!(
                "{namespace}:rate:{requests}/{}ms:{kind}",
                per.as_millis()
            ));
            let (interval, burst) = if index == 0 {
                paced(requests, *per)
            } else {
                // A quota (per hour) may be spent at any pace: its whole
                // count at once.
                let interval = *per / requests;
                (interval, interval.saturating_mul(requests))
            };
            args.push(micros(interval));
            args.push(micros(burst));
            let here = (requests / share.max(1)).max(1);
            local.push(RateLimiter::with_burst(
                here,
                *per,
                if index == 0 { 1 } else { here },
            ));
        }
        Ok(Fleet {
            link,
            keys,
            args,
            local,
            local_until: Mutex::new((None, Duration::ZERO)),
            told: AtomicBool::new(false),
            line: tokio::sync::Mutex::new(()),
        })
    }

    pub(super) async fn acquire(&self) {
        let _turn = self.line.lock().await;
        loop {
            if self.pacing_locally() {
                for limiter in &self.local {
                    limiter.acquire_here().await;
                }
                return;
            }
            // After a failure, Redis is tried briefly: the process's
            // requests wait on the try.
            let taken = if self.told.load(Ordering::Relaxed) {
                tokio::time::timeout(RETRY_WITHIN, self.take())
                    .await
                    .unwrap_or_else(|_| {
                        Err(RedisStoreError::Redis(
                            "no answer within the retry's time".to_owned(),
                        ))
                    })
            } else {
                self.take().await
            };
            match taken {
                Ok(0) => {
                    self.told.store(false, Ordering::Relaxed);
                    self.local_until().1 = Duration::ZERO;
                    return;
                }
                Ok(wait) => tokio::time::sleep(Duration::from_micros(wait)).await,
                Err(error) => {
                    let mut local = self.local_until();
                    let pace_for = (local.1 * 2).clamp(LOCAL_FOR, LOCAL_FOR_AT_MOST);
                    *local = (Some(Instant::now() + pace_for), pace_for);
                    drop(local);
                    if !self.told.swap(true, Ordering::Relaxed) {
                        tracing::warn!(
                            %error,
                            "the fleet's rate budget on Redis is out of reach; pacing locally at this process's share"
                        );
                    }
                }
            }
        }
    }

    fn pacing_locally(&self) -> bool {
        let mut until = self.local_until();
        match until.0 {
            Some(at) if Instant::now() < at => true,
            Some(_) => {
                until.0 = None;
                false
            }
            None => false,
        }
    }

    fn local_until(&self) -> std::sync::MutexGuard<'_, (Option<Instant>, Duration)> {
        // Always whole.
        self.local_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    async fn take(&self) -> Result<u64, RedisStoreError> {
        let mut command = redis::cmd("EVAL");
        command.arg(TAKE).arg(self.keys.len());
        for key in &self.keys {
            command.arg(key);
        }
        for arg in &self.args {
            command.arg(*arg);
        }
        let mut connection = self
            .link
            .connection()
            .map_err(|e| RedisStoreError::Redis(redis_link::describe(&e)))?;
        command
            .query_async(&mut connection)
            .await
            .map_err(|e| RedisStoreError::Redis(redis_link::describe(&e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Any `count + 1` requests in a row span more than the period, with
    /// 9 thousandths of it to spare for arrivals out of step, and the
    /// budget used is 99 % of it.
    #[test]
    fn a_paced_limit_leaves_no_window_over_its_count() {
        for per in [Duration::from_secs(1), Duration::from_secs(3600)] {
            for count in [1, 2, 7, 20, 100, 36_000] {
                let (interval, burst) = paced(count, per);
                let early = burst - interval;
                let span = interval * count - early;
                let spare = span.saturating_sub(per);
                // Less a nanosecond a request, for the interval's rounding.
                assert!(
                    spare + Duration::from_nanos(u64::from(count)) >= per * 9 / 1000,
                    "{count}/{per:?}: {spare:?} to spare"
                );
                let used = per.as_secs_f64() / (interval * count).as_secs_f64();
                assert!((0.989..0.991).contains(&used), "{count}/{per:?}: {used}");
            }
        }
    }
}
