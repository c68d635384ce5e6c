//! Unit tests of the response cache's pieces: keys and the memory store.

use std::sync::Arc;
use std::time::SystemTime;

use http_cache_semantics::{CacheOptions, CachePolicy};
use proptest::prelude::*;

use super::*;

/// The entry made at `now` for `request` answered with `response`, as the
/// cache layer makes it.
pub(super) fn made(
    request: &http::Request<()>,
    response: &http::Response<Vec<u8>>,
    now: SystemTime,
) -> CachedResponse {
    let options = CacheOptions {
        shared: false,
        ..CacheOptions::default()
    };
    let policy = CachePolicy::new_options(request, response, now, options);
    let ttl = policy.time_to_live(now);
    CachedResponse::new(
        policy,
        ttl,
        response.status(),
        response.headers(),
        response.body().clone().into(),
        request.headers(),
        now,
    )
}

fn entry(body_len: usize) -> Arc<CachedResponse> {
    let request = http::Request::get("https://api.example/x")
        .body(())
        .expect("request");
    let response = http::Response::builder()
        .header("cache-control", "max-age=60")
        .body(vec![b'x'; body_len])
        .expect("response");
    Arc::new(made(&request, &response, SystemTime::now()))
}

fn key(path: &str) -> CacheKey {
    let uri: http::Uri = format!("https://api.example/{path}").parse().expect("uri");
    CacheKey::new("app:c", &http::Method::GET, &uri)
}

#[tokio::test]
async fn the_memory_store_stays_within_its_bound_and_drops_the_least_recent() {
    {
        let one = entry(1000);
        let weight = one.size() as u64 + key("00").as_str().len() as u64;
        let store = MemoryCache::new(weight * 10);
        for i in 0..10 {
            store
                .put(&key(&format!("{i:02}")), Arc::clone(&one))
                .await
                .expect("put");
        }
        assert_eq!(store.len(), 10);
        // Touch the oldest, then add one more: the second oldest goes.
        assert!(store.get(&key("00")).await.expect("get").is_some());
        store.put(&key("10"), Arc::clone(&one)).await.expect("put");
        assert_eq!(store.len(), 10);
        assert!(store.get(&key("00")).await.expect("get").is_some());
        assert!(store.get(&key("01")).await.expect("get").is_none());
        assert!(store.stored_bytes() <= weight * 10);
        // Replacing an entry does not count it twice.
        store.put(&key("10"), Arc::clone(&one)).await.expect("put");
        assert_eq!(store.stored_bytes(), weight * 10);
        store.remove(&key("10")).await.expect("remove");
        assert_eq!(store.stored_bytes(), weight * 9);
        // One answer larger than an eighth of the bound is not kept.
        store.put(&key("big"), entry(10_000)).await.expect("put");
        assert!(store.get(&key("big")).await.expect("get").is_none());
        assert_eq!(store.len(), 9);
    }
}

proptest! {
    /// Two requests share a key exactly when their partition, method and
    /// URL are the same; a key never holds more than those.
    #[test]
    fn keys_separate_partitions_methods_and_urls(
        partitions in proptest::collection::vec("(app|user|session):[a-z0-9:-]{1,12}", 2),
        paths in proptest::collection::vec("(/[a-z0-9/_-]{0,16})?(\\?[a-z]=[a-z0-9%]{0,8})?", 2),
        heads in proptest::collection::vec(any::<bool>(), 2),
    ) {
        let parts: Vec<(String, http::Method, http::Uri)> = (0..2)
            .map(|i| {
                let method = if heads[i] { http::Method::HEAD } else { http::Method::GET };
                let uri: http::Uri = format!("https://api.example{}", paths[i]).parse().expect("uri");
                (partitions[i].clone(), method, uri)
            })
            .collect();
        let keys: Vec<CacheKey> = parts
            .iter()
            .map(|(partition, method, uri)| CacheKey::new(partition, method, uri))
            .collect();
        prop_assert_eq!(keys[0] == keys[1], parts[0] == parts[1]);
        for ((partition, method, uri), key) in parts.iter().zip(&keys) {
            prop_assert_eq!(key.as_str(), format!("{partition} {method} {uri}"));
        }
    }
}

/// An entry made at `stored` for a `GET` with `request_headers`, answered
/// with `response_headers`.
fn entry_with(
    request_headers: &[(&str, &str)],
    response_headers: &[(&str, &str)],
    stored: SystemTime,
) -> CachedResponse {
    let mut request = http::Request::get("https://api.example/x");
    for (name, value) in request_headers {
        request = request.header(*name, *value);
    }
    let request = request.body(()).expect("request");
    let mut response = http::Response::builder();
    for (name, value) in response_headers {
        response = response.header(*name, *value);
    }
    let response = response.body(b"{}".to_vec()).expect("response");
    made(&request, &response, stored)
}

fn policy_says_fresh(entry: &CachedResponse, request: &http::Request<()>, now: SystemTime) -> bool {
    matches!(
        entry.policy.before_request(request, now),
        http_cache_semantics::BeforeRequest::Fresh(_)
    )
}

#[test]
fn a_hit_is_served_without_connection_headers_and_with_its_age() {
    let stored = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
    let entry = entry_with(
        &[],
        &[
            ("cache-control", "max-age=600"),
            ("age", "30"),
            ("connection", "keep-alive, x-hop"),
            ("x-hop", "1"),
            ("keep-alive", "timeout=5"),
            ("transfer-encoding", "chunked"),
            ("date", "Tue, 14 Nov 2023 22:13:20 GMT"),
            ("etag", "\"v1\""),
        ],
        stored,
    );
    let parts = entry.served_parts(stored + std::time::Duration::from_secs(12));
    let mut names: Vec<&str> = parts.headers.keys().map(http::HeaderName::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["age", "cache-control", "date", "etag"]);
    // The server's age and the time it has been kept since.
    assert_eq!(parts.headers["age"], "42");
    assert_eq!(parts.headers["date"], "Tue, 14 Nov 2023 22:13:20 GMT");
}

#[test]
fn an_answer_that_varies_or_a_request_with_directives_is_left_to_the_policy() {
    let now = SystemTime::now();
    let varies = entry_with(
        &[],
        &[("cache-control", "max-age=60"), ("vary", "accept")],
        now,
    );
    assert_eq!(varies.fresh_until, None);
    let hosted = entry_with(
        &[("host", "api.example")],
        &[("cache-control", "max-age=60")],
        now,
    );
    assert_eq!(hosted.fresh_until, None);
    let plain = entry_with(&[], &[("cache-control", "max-age=60")], now);
    assert!(plain.known_fresh(&http::HeaderMap::new(), now));
    // A store of bytes keeps the verdict too.
    let back = CachedResponse::from_bytes(&plain.to_bytes().expect("bytes")).expect("read back");
    assert!(back.fresh_until.is_some());
    assert_eq!(back.fresh_until, plain.fresh_until);
    for (name, value) in [
        ("cache-control", "no-cache"),
        ("pragma", "no-cache"),
        ("host", "api.example"),
    ] {
        let request = http::Request::get("https://api.example/x")
            .header(name, value)
            .body(())
            .expect("request");
        assert!(!plain.known_fresh(request.headers(), now), "{name}");
    }
}

proptest! {
    /// For a request that asks nothing of the cache, the verdict worked out
    /// when the entry was made is the policy's at every later time.
    #[test]
    fn the_verdict_kept_is_the_policys(
        max_age in proptest::option::of(0u64..100_000),
        age in proptest::option::of(0u64..100_000),
        modified_ago in proptest::option::of(0u64..10_000_000),
        later_millis in 0u64..200_000_000,
    ) {
        let stored = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let date = httpdate::fmt_http_date(stored);
        let mut headers: Vec<(&str, String)> = vec![("date", date)];
        if let Some(max_age) = max_age {
            headers.push(("cache-control", format!("max-age={max_age}")));
        }
        if let Some(age) = age {
            headers.push(("age", age.to_string()));
        }
        if let Some(ago) = modified_ago {
            headers.push(("last-modified", httpdate::fmt_http_date(stored - std::time::Duration::from_secs(ago))));
        }
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let entry = entry_with(&[], &headers, stored);
        let now = stored + std::time::Duration::from_millis(later_millis);
        let request = http::Request::get("https://api.example/x").body(()).expect("request");
        prop_assert!(entry.fresh_until.is_some());
        prop_assert_eq!(
            entry.known_fresh(request.headers(), now),
            policy_says_fresh(&entry, &request, now)
        );
    }
}
