//! Property tests of the `Retry-After` parser: any header value is the wait
//! RFC 9110 gives it or nothing, never a panic; delay seconds and HTTP
//! dates round-trip.
//! `PROPTEST_CASES` raises the case count.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, HeaderValue};
use proptest::prelude::*;

use super::*;

fn headers(value: HeaderValue) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(http::header::RETRY_AFTER, value);
    headers
}

fn now() -> impl Strategy<Value = SystemTime> {
    (0_u64..4_000_000_000).prop_map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs(s))
}

proptest! {
    #[test]
    fn any_value_is_a_wait_or_nothing(
        bytes in prop::collection::vec(any::<u8>(), 0..64),
        now in now(),
    ) {
        // Only what a header can carry reaches the parser.
        let Ok(value) = HeaderValue::from_bytes(&bytes) else {
            return Ok(());
        };
        // RFC 9110 §10.2.3: delay-seconds (any length: a huge number is a
        // long wait) or an HTTP date (a past one is no wait); else nothing.
        let expected = match value.to_str().map(str::trim) {
            Ok(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
                Some(Duration::from_secs(text.parse().unwrap_or(u64::MAX)))
            }
            Ok(text) => httpdate::parse_http_date(text)
                .ok()
                .map(|at| at.duration_since(now).unwrap_or(Duration::ZERO)),
            Err(_) => None,
        };
        prop_assert_eq!(retry_after(&headers(value), now), expected);
    }

    #[test]
    fn delay_seconds_round_trip(seconds in any::<u64>(), now in now(), pad in 0_usize..3) {
        let text = format!("{}{seconds}{}", " ".repeat(pad), " ".repeat(pad));
        let value = HeaderValue::from_str(&text).expect("header");
        prop_assert_eq!(retry_after(&headers(value), now), Some(Duration::from_secs(seconds)));
    }

    #[test]
    fn http_dates_round_trip(
        // Far enough from 1970 that `at` is a date an HTTP header can carry.
        now in (100_000_u64..4_000_000_000)
            .prop_map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs(s)),
        offset in -100_000_i64..100_000,
    ) {
        let at = if offset >= 0 {
            now + Duration::from_secs(offset.unsigned_abs())
        } else {
            now - Duration::from_secs(offset.unsigned_abs())
        };
        let value = HeaderValue::from_str(&httpdate::fmt_http_date(at)).expect("header");
        let expected = Duration::from_secs(u64::try_from(offset).unwrap_or(0));
        prop_assert_eq!(retry_after(&headers(value), now), Some(expected));
    }

    #[test]
    fn anything_else_is_nothing(text in "[A-Za-z .:+-]{1,30}", now in now()) {
        // Not all digits and not an HTTP date: no wait is invented.
        prop_assume!(httpdate::parse_http_date(text.trim()).is_err());
        let value = HeaderValue::from_str(&text).expect("header");
        prop_assert_eq!(retry_after(&headers(value), now), None);
    }

    #[test]
    fn backoff_is_bounded(
        initial_ms in 0_u64..100_000,
        max_ms in 0_u64..1_000_000,
        retry in any::<u32>(),
    ) {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(initial_ms))
            .max_backoff(Duration::from_millis(max_ms));
        let ceiling = policy.backoff(retry);
        prop_assert!(ceiling <= Duration::from_millis(max_ms));
        let wait = policy.jittered_backoff(retry);
        prop_assert!(wait <= ceiling && wait >= ceiling / 2);
    }
}
