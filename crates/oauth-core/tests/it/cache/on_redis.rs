//! The store on Redis: a real `redis-server` with a password, started for
//! each test on a free loopback port.

use oauth_core::cache::RedisCache;
use oauth_sandbox::redis::RedisServer;

use super::*;

/// Set in the child process: the Redis URL (a secret: it holds the
/// password).
const URL_ENV: &str = "OAUTH_CORE_REDIS_CACHE_URL";
/// Set in the child process: the sandbox's OAuth and API base URLs.
const ORIGINS_ENV: &str = "OAUTH_CORE_REDIS_CACHE_ORIGINS";

fn store(redis: &RedisServer, namespace: &str) -> RedisCache {
    RedisCache::connect(&redis.url(), namespace).unwrap()
}

/// Every key and value in the server, read with its own client.
async fn everything(redis: &RedisServer) -> Vec<(String, Vec<u8>)> {
    let client = ::redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = ::redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut connection)
        .await
        .unwrap();
    let mut all = Vec::new();
    for key in keys {
        let value: Vec<u8> = ::redis::cmd("GET")
            .arg(&key)
            .query_async(&mut connection)
            .await
            .unwrap();
        all.push((key, value));
    }
    all
}

#[tokio::test]
async fn another_process_is_served_what_one_fetched() {
    let Some(redis) = RedisServer::start("oauth-core cache on Redis") else {
        return;
    };
    let sandbox = battlenet().await;
    let cache = ResponseCache::new(store(&redis, "scan"));
    let clock = Arc::new(ManualClock::new());
    let session = app_session(&sandbox, &cache, &clock);
    let first = get(&session, &sandbox, STATIC).await;
    assert_eq!(status_of(&first), Some(CacheStatus::Miss));
    assert_eq!(cache.stats().stores, 1);

    run_child(
        "cache::on_redis::reader_in_another_process",
        &[
            (URL_ENV, redis.url()),
            (
                ORIGINS_ENV,
                format!("{} {}", sandbox.oauth_url(), sandbox.api_url()),
            ),
        ],
    );
    assert_eq!(upstream(&sandbox, STATIC), 1, "the second never asked");

    // Kept under the namespace and the app's partition; the token in no
    // key and no value.
    let token = session.access_token().await.unwrap();
    let token = token.access_token().secret().as_bytes().to_vec();
    let all = everything(&redis).await;
    assert_eq!(all.len(), 1);
    let (key, value) = &all[0];
    assert!(
        key.starts_with(&format!("scan:cache:app:{CLIENT_ID} GET http://")),
        "{key}"
    );
    for bytes in [key.as_bytes(), value.as_slice()] {
        assert!(!bytes.windows(token.len()).any(|w| w == token.as_slice()));
    }
}

/// The second process of `another_process_is_served_what_one_fetched`:
/// its first call for the document must be served from Redis. Not a test
/// of its own.
#[tokio::test]
#[ignore = "a child process of another_process_is_served_what_one_fetched"]
async fn reader_in_another_process() {
    let url = std::env::var(URL_ENV).expect("started by its parent test");
    let cache = ResponseCache::new(RedisCache::connect(&url, "scan").unwrap());
    let (session, url) = session_of_parent(ORIGINS_ENV, &cache);
    let answer = session.get(url.as_str()).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(status_of(&answer), Some(CacheStatus::Hit));
    assert_eq!(cache.stats().hits, 1);
}

#[tokio::test]
async fn an_answer_fresh_forever_is_kept_a_hundred_years() {
    let Some(redis) = RedisServer::start("oauth-core cache on Redis") else {
        return;
    };
    let sandbox = battlenet().await;
    let cache = ResponseCache::new(store(&redis, "forever"));
    let clock = Arc::new(ManualClock::new());
    let session = app_session(&sandbox, &cache, &clock);
    let path = "data/wow/item/8?namespace=static-us";
    let headers = huge_times(true);
    sandbox.inject(scripted(path, r#"{"id":8}"#, &as_pairs(&headers), 200).times(1));
    assert_eq!(
        status_of(&get(&session, &sandbox, path).await),
        Some(CacheStatus::Miss)
    );
    assert_eq!(cache.stats().stores, 1, "stored, not refused by Redis");
    let second = get(&session, &sandbox, path).await;
    assert_eq!(status_of(&second), Some(CacheStatus::Hit));
    assert_eq!(upstream(&sandbox, path), 1);
    let client = ::redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = ::redis::cmd("KEYS")
        .arg("forever:*")
        .query_async(&mut connection)
        .await
        .unwrap();
    assert_eq!(keys.len(), 1);
    let ttl: i64 = ::redis::cmd("PTTL")
        .arg(&keys[0])
        .query_async(&mut connection)
        .await
        .unwrap();
    let century_ms = 100 * 365 * 24 * 3600 * 1000_i64;
    assert!((century_ms - 60_000..=century_ms).contains(&ttl), "{ttl}");
}

#[tokio::test]
async fn users_are_kept_apart_and_namespaces_too() {
    let Some(redis) = RedisServer::start("oauth-core cache on Redis") else {
        return;
    };
    let sandbox = battlenet().await;
    let clock = Arc::new(ManualClock::new());
    let app = ResponseCache::new(store(&redis, "one"));
    let app_session = app_session(&sandbox, &app, &clock);
    assert_eq!(
        status_of(&get(&app_session, &sandbox, STATIC).await),
        Some(CacheStatus::Miss)
    );
    // Another application on the same server, under its own namespace,
    // does not see the first one's answers.
    let other = ResponseCache::new(store(&redis, "two"));
    let other_session = super::app_session(&sandbox, &other, &clock);
    assert_eq!(
        status_of(&get(&other_session, &sandbox, STATIC).await),
        Some(CacheStatus::Miss)
    );
    // A user's session on the first namespace (here given a token by
    // hand, under the user's store key) is not served the app's.
    let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport());
    let token = app_session.access_token().await.unwrap().token().clone();
    let user = with_cache(
        Session::refreshing(&client).token(token).key("alice"),
        &app,
        &clock,
    );
    assert_eq!(
        status_of(&get(&user, &sandbox, STATIC).await),
        Some(CacheStatus::Miss)
    );
    assert_eq!(upstream(&sandbox, STATIC), 3);
    let mut keys: Vec<String> = everything(&redis)
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    keys.sort();
    let prefixes: Vec<&str> = keys
        .iter()
        .map(|key| key.split(" GET ").next().unwrap())
        .collect();
    assert_eq!(
        prefixes,
        [
            format!("one:cache:app:{CLIENT_ID}"),
            format!("one:cache:user:{CLIENT_ID}:alice"),
            format!("two:cache:app:{CLIENT_ID}"),
        ]
    );
}

#[tokio::test]
async fn an_unreachable_or_refusing_redis_is_only_a_miss_and_never_shows_the_password() {
    let Some(redis) = RedisServer::start("oauth-core cache on Redis") else {
        return;
    };
    let sandbox = battlenet().await;
    let clock = Arc::new(ManualClock::new());
    // A wrong password, and a port where nothing listens.
    let refused = format!("redis://:not-the-password@127.0.0.1:{}/", redis.port());
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        format!("redis://:{}@127.0.0.1:{port}/", redis.password())
    };
    for url in [refused, closed] {
        let store = RedisCache::connect(&url, "broken").unwrap();
        let shown = format!("{store:?}");
        let cache = ResponseCache::new(store);
        let session = app_session(&sandbox, &cache, &clock);
        let started = std::time::Instant::now();
        for _ in 0..2 {
            let answer = get(&session, &sandbox, STATIC).await;
            assert_eq!(answer.status(), StatusCode::OK, "served from the server");
            assert_eq!(status_of(&answer), Some(CacheStatus::Miss));
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no hang");
        assert!(cache.stats().store_errors >= 2, "{:?}", cache.stats());
        for secret in ["not-the-password", redis.password()] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
    // What the store says of a failure names no password either.
    let store = RedisCache::connect(
        &format!("redis://:not-the-password@127.0.0.1:{}/", redis.port()),
        "broken",
    )
    .unwrap();
    let uri: http::Uri = url(&sandbox, STATIC).parse().unwrap();
    let key = oauth_core::cache::CacheKey::new("app:x", &http::Method::GET, &uri);
    let error = oauth_core::cache::CacheStore::remove(&store, &key)
        .await
        .expect_err("refused");
    let text = error.to_string();
    assert!(text.starts_with("the cache store failed: redis"), "{text}");
    assert!(!text.contains("not-the-password"), "{text}");
    let garbled = RedisCache::connect("redis://:pa ss@[::1", "x").expect_err("unreadable");
    assert!(!garbled.to_string().contains("pa ss"), "{garbled}");
}
