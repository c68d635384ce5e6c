//! Unit tests of the response cache's pieces: keys and the memory store.

use std::sync::Arc;
use std::time::SystemTime;

use http_cache_semantics::{CacheOptions, CachePolicy};
use proptest::prelude::*;

use super::*;

fn entry(body_len: usize) -> Arc<CachedResponse> {
    let request = http::Request::get("https://api.example/x")
        .body(())
        .expect("request");
    let response = http::Response::builder()
        .header("cache-control", "max-age=60")
        .body(vec![b'x'; body_len])
        .expect("response");
    let options = CacheOptions {
        shared: false,
        ..CacheOptions::default()
    };
    Arc::new(CachedResponse {
        policy: CachePolicy::new_options(&request, &response, SystemTime::now(), options),
        status: response.status(),
        headers: response.headers().clone(),
        body: response.body().clone(),
    })
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
