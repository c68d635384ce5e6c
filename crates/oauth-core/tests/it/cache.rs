//! The response cache against the sandbox: what is served from it, what
//! is revalidated, what is never kept, and whose answers are shared.
#![cfg(all(feature = "cache", any(feature = "reqwest", feature = "hyper")))]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::*;
use oauth_core::cache::{
    CacheError, CacheKey, CacheStatus, CacheStore, CachedResponse, MemoryCache, NoCache,
    ResponseCache,
};
use oauth_core::http::{self, StatusCode};
use oauth_core::layer::Stack;
use oauth_core::transport::{HttpResponse, HttpTransport};
use oauth_core::{ClientAuth, ManualClock, RetryPolicy, Session, SessionBuilder};
use oauth_sandbox::{ClientConfig, Fault, FaultRule, Profile, Sandbox};

/// Static game data: fresh for a day, with an `ETag` and `Last-Modified`.
const STATIC: &str = "data/wow/playable-class/8?namespace=static-us&locale=en_US";
/// Dynamic game data: fresh for five minutes.
const DYNAMIC: &str = "data/wow/token/index?namespace=dynamic-us";

/// A sandbox shaped like Battle.net, whose game data carries caching
/// headers and answers `304` to a matching conditional request.
async fn battlenet() -> Sandbox {
    Sandbox::builder()
        .profile(Profile::BattleNet)
        .client(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT))
        .start()
        .await
        .unwrap()
}

fn transport() -> Arc<dyn HttpTransport> {
    transports().remove(0).1
}

/// A client-credentials session on `sandbox` through `cache`, on `clock`,
/// without retries (so each answer is the server's first).
fn app_session(sandbox: &Sandbox, cache: &ResponseCache, clock: &Arc<ManualClock>) -> Session {
    let client = client(sandbox, ClientAuth::Basic, Some(SECRET), &transport());
    with_cache(Session::client_credentials(&client, &[]), cache, clock)
}

fn with_cache(builder: SessionBuilder, cache: &ResponseCache, clock: &Arc<ManualClock>) -> Session {
    builder
        .clock(Arc::clone(clock))
        .stack(Stack::new().retry(RetryPolicy::none()).cache(cache.clone()))
        .build()
        .unwrap()
}

fn url(sandbox: &Sandbox, path: &str) -> String {
    sandbox.api_url().join(path).unwrap().to_string()
}

async fn get(session: &Session, sandbox: &Sandbox, path: &str) -> HttpResponse {
    session.get(url(sandbox, path)).send().await.unwrap()
}

fn status_of(response: &HttpResponse) -> Option<CacheStatus> {
    response.extensions().get::<CacheStatus>().copied()
}

fn upstream(sandbox: &Sandbox, path: &str) -> usize {
    let path = path.split('?').next().unwrap();
    requests_to(sandbox, &format!("/{path}")).len()
}

/// A `200` the test scripts, with `headers`, served `times` times.
fn scripted(path: &str, body: &str, headers: &[(&str, &str)], status: u16) -> FaultRule {
    FaultRule::on(
        format!("/{}", path.split('?').next().unwrap()),
        Fault::Status {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.to_owned(),
        },
    )
}

#[tokio::test]
async fn a_fresh_answer_is_served_from_the_cache() {
    let sandbox = battlenet().await;
    let cache = ResponseCache::memory(1 << 20);
    let clock = Arc::new(ManualClock::new());
    let session = app_session(&sandbox, &cache, &clock);
    let first = get(&session, &sandbox, STATIC).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(status_of(&first), Some(CacheStatus::Miss));
    clock.advance(Duration::from_secs(3600));
    let second = get(&session, &sandbox, STATIC).await;
    assert_eq!(status_of(&second), Some(CacheStatus::Hit));
    assert_eq!(second.status(), StatusCode::OK);
    assert_eq!(second.body(), first.body());
    assert_eq!(
        second.headers().get("etag"),
        first.headers().get("etag"),
        "the stored headers come with it"
    );
    assert_eq!(second.headers().get("date"), first.headers().get("date"));
    assert_eq!(second.headers()["age"], "3600", "kept for an hour");
    assert_eq!(upstream(&sandbox, STATIC), 1, "the second never left");
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.stores), (1, 1, 1));
    assert!(stats.stored_bytes > first.body().len() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_for_one_document_at_once_send_one() {
    let sandbox = battlenet().await;
    let cache = ResponseCache::memory(1 << 20);
    let clock = Arc::new(ManualClock::new());
    let session = app_session(&sandbox, &cache, &clock);
    session.access_token().await.unwrap();
    let asks: Vec<_> = (0..16)
        .map(|_| {
            let (session, url) = (session.clone(), url(&sandbox, STATIC));
            tokio::spawn(async move { session.get(url).send().await.unwrap() })
        })
        .collect();
    let mut answers = Vec::new();
    for ask in asks {
        answers.push(ask.await.unwrap());
    }
    assert!(answers.iter().all(|a| a.status() == StatusCode::OK));
    assert!(answers.iter().all(|a| a.body() == answers[0].body()));
    assert_eq!(upstream(&sandbox, STATIC), 1, "one sent for sixteen");
    let stats = cache.stats();
    assert_eq!((stats.misses, stats.hits), (1, 15));

    // An answer that cannot be kept: the others ask for theirs, none hangs.
    let path = "data/wow/item/6?namespace=static-us";
    sandbox.inject(scripted(path, "{}", &[("cache-control", "no-store")], 200).times(8));
    let asks: Vec<_> = (0..8)
        .map(|_| {
            let (session, url) = (session.clone(), url(&sandbox, path));
            tokio::spawn(async move { session.get(url).send().await.unwrap() })
        })
        .collect();
    for ask in asks {
        assert_eq!(ask.await.unwrap().status(), StatusCode::OK);
    }
    assert_eq!(upstream(&sandbox, path), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_waiting_on_a_cancelled_one_goes_on_by_itself() {
    let sandbox = battlenet().await;
    let cache = ResponseCache::memory(1 << 20);
    let clock = Arc::new(ManualClock::new());
    let session = app_session(&sandbox, &cache, &clock);
    session.access_token().await.unwrap();
    sandbox.set_api_latency(Duration::from_millis(400));
    let leader = {
        let (session, url) = (session.clone(), url(&sandbox, STATIC));
        tokio::spawn(async move {
            tokio::time::timeout(Duration::from_millis(100), session.get(url).send()).await
        })
    };
    // The follower joins the leader's fetch, which is then cancelled.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let follower = {
        let (session, url) = (session.clone(), url(&sandbox, STATIC));
        tokio::spawn(async move { session.get(url).send().await })
    };
    assert!(leader.await.unwrap().is_err(), "the leader gave up");
    let answer = tokio::time::timeout(Duration::from_secs(10), follower)
        .await
        .expect("the follower does not hang")
        .unwrap()
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(status_of(&answer), Some(CacheStatus::Miss));
    sandbox.set_api_latency(Duration::ZERO);
    let stored = get(&session, &sandbox, STATIC).await;
    assert_eq!(
        status_of(&stored),
        Some(CacheStatus::Hit),
        "the follower's answer kept"
    );
}

#[tokio::test]
async fn a_stale_answer_is_revalidated_and_a_304_refreshes_it() {
    let sandbox = battlenet().await;
    let cache = ResponseCache::memory(1 << 20);
    let clock = Arc::new(ManualClock::new());
    let session = app_session(&sandbox, &cache, &clock);
    let first = get(&session, &sandbox, STATIC).await;
    let etag = first.headers().get("etag").unwrap().clone();
    // A day and a second later, the stored answer is stale.
    clock.advance(Duration::from_secs(86_401));
    let second = get(&session, &sandbox, STATIC).await;
    assert_eq!(status_of(&second), Some(CacheStatus::Revalidated));
    assert_eq!(
        second.status(),
        StatusCode::OK,
        "the caller sees the document"
    );
    assert_eq!(second.body(), first.body());
    let sent = requests_to(&sandbox, "/data/wow/playable-class/8");
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[1].header("if-none-match"),
        etag.to_str().ok(),
        "revalidated with the stored validator"
    );
    // The 304 made the entry fresh again.
    clock.advance(Duration::from_secs(3600));
    let third = get(&session, &sandbox, STATIC).await;
    assert_eq!(status_of(&third), Some(CacheStatus::Hit));
    assert_eq!(upstream(&sandbox, STATIC), 2);
    assert_eq!(cache.stats().revalidations, 1);
}

/// A path, the status and headers scripted there, and how many sends
/// meet them.
type Unkept = (
    &'static str,
    u16,
    &'static [(&'static str, &'static str)],
    u32,
);

#[tokio::test]
async fn answers_that_must_not_be_kept_are_not() {
    let sandbox = battlenet().await;
    let cache = ResponseCache::memory(1 << 20);
    let clock = Arc::new(ManualClock::new());
    let session = app_session(&sandbox, &cache, &clock);
    // A 401 is met twice: the Bearer layer renews the token and sends
    // once more.
    let cases: [Unkept; 4] = [
        ("data/wow/item/1", 200, &[("cache-control", "no-store")], 1),
        (
            "data/wow/item/2",
            429,
            &[("cache-control", "max-age=600")],
            1,
        ),
        (
            "data/wow/item/3",
            403,
            &[("cache-control", "max-age=600")],
            1,
        ),
        (
            "data/wow/item/4",
            401,
            &[("cache-control", "max-age=600")],
            2,
        ),
    ];
    for (path, status, headers, sends) in cases {
        sandbox.inject(scripted(path, "{}", headers, status).times(sends));
        let path = format!("{path}?namespace=static-us");
        let first = get(&session, &sandbox, &path).await;
        assert_eq!(first.status().as_u16(), status);
        let second = get(&session, &sandbox, &path).await;
        assert_eq!(status_of(&second), Some(CacheStatus::Miss), "{path}");
        assert_eq!(second.status(), StatusCode::OK, "{path}: the server's own");
        assert_eq!(upstream(&sandbox, &path), sends as usize + 1, "{path}");
    }
    assert_eq!(cache.stats().stores, 4, "only the four second answers");
}

#[tokio::test]
async fn a_change_to_a_url_forgets_its_stored_answer_and_a_failed_one_does_not() {
    let sandbox = battlenet().await;
    let cache = ResponseCache::memory(1 << 20);
    let clock = Arc::new(ManualClock::new());
    let session = app_session(&sandbox, &cache, &clock);
    get(&session, &sandbox, STATIC).await;
    // Battle.net answers a POST to game data with `405`: nothing changed.
    let refused = session.post(url(&sandbox, STATIC)).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::METHOD_NOT_ALLOWED);
    let kept = get(&session, &sandbox, STATIC).await;
    assert_eq!(status_of(&kept), Some(CacheStatus::Hit));
    // A change the server accepts.
    sandbox.inject(scripted(STATIC, "{}", &[], 200).times(1));
    let changed = session.put(url(&sandbox, STATIC)).send().await.unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    let after = get(&session, &sandbox, STATIC).await;
    assert_eq!(status_of(&after), Some(CacheStatus::Miss), "asked again");
    assert_eq!(upstream(&sandbox, STATIC), 4, "GET, POST, PUT, GET");
}

#[tokio::test]
async fn an_answer_stale_at_once_without_validators_is_not_kept() {
    let sandbox = battlenet().await;
    let cache = ResponseCache::memory(1 << 20);
    let clock = Arc::new(ManualClock::new());
    let session = app_session(&sandbox, &cache, &clock);
    let path = "data/wow/item/5?namespace=static-us";
    sandbox.inject(scripted(path, "{}", &[], 200).times(1));
    assert_eq!(get(&session, &sandbox, path).await.status(), StatusCode::OK);
    assert_eq!(cache.stats().stores, 0);
    assert_eq!(cache.stats().stored_bytes, 0);
}

/// A `u64`'s greatest value, as a server may write it in `Age` and
/// `max-age` (or a hostile one, to overflow a cache's sums).
const HUGE: &str = "18446744073709551615";

/// The headers of an answer fresh "forever" and already "ancient".
fn huge_times(vary: bool) -> Vec<(&'static str, String)> {
    let mut headers = vec![
        ("cache-control", format!("max-age={HUGE}")),
        ("age", HUGE.to_owned()),
    ];
    if vary {
        headers.push(("vary", "accept-language".to_owned()));
    }
    headers
}

fn as_pairs<'a>(headers: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    headers.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn times_past_what_a_cache_holds_are_taken_as_the_greatest_it_does() {
    let sandbox = battlenet().await;
    let cache = ResponseCache::memory(1 << 20);
    let clock = Arc::new(ManualClock::new());
    let session = app_session(&sandbox, &cache, &clock);
    for (path, vary) in [
        ("data/wow/item/6?namespace=static-us", false),
        ("data/wow/item/7?namespace=static-us", true),
    ] {
        let headers = huge_times(vary);
        sandbox.inject(scripted(path, r#"{"id":6}"#, &as_pairs(&headers), 200).times(1));
        let first = get(&session, &sandbox, path).await;
        assert_eq!(status_of(&first), Some(CacheStatus::Miss));
        clock.advance(Duration::from_secs(3600));
        let second = get(&session, &sandbox, path).await;
        assert_eq!(status_of(&second), Some(CacheStatus::Hit), "vary: {vary}");
        assert_eq!(second.body(), first.body());
        // RFC 9111 §1.2.2: an `Age` past 2^31 seconds is taken as 2^31.
        assert_eq!(
            second.headers()["age"],
            (2_147_483_648_u64 + 3600).to_string()
        );
        assert_eq!(upstream(&sandbox, path), 1);
    }
}

#[tokio::test]
async fn a_url_with_a_secret_in_its_query_is_never_kept() {
    let sandbox = battlenet().await;
    let store = Arc::new(Recording::default());
    let cache = ResponseCache::shared(Arc::clone(&store) as Arc<dyn CacheStore>);
    let clock = Arc::new(ManualClock::new());
    let session = app_session(&sandbox, &cache, &clock);
    let path = format!("{STATIC}&code=leaked-in-a-url");
    for _ in 0..2 {
        let answer = get(&session, &sandbox, &path).await;
        assert_eq!(status_of(&answer), None, "the cache stood aside");
    }
    assert!(store.kept.lock().unwrap().is_empty());
    assert_eq!(upstream(&sandbox, STATIC), 2);
}

#[tokio::test]
async fn a_request_marked_no_cache_goes_to_the_server_and_is_not_kept() {
    let sandbox = battlenet().await;
    let cache = ResponseCache::memory(1 << 20);
    let clock = Arc::new(ManualClock::new());
    let session = app_session(&sandbox, &cache, &clock);
    for _ in 0..2 {
        let mut request = http::Request::get(url(&sandbox, STATIC))
            .body(Vec::new())
            .unwrap();
        request.extensions_mut().insert(NoCache);
        let answer = session.send(request).await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        assert_eq!(status_of(&answer), None, "the cache stood aside");
    }
    assert_eq!(upstream(&sandbox, STATIC), 2);
    assert_eq!(cache.stats().stores, 0);
}

#[tokio::test]
async fn vary_keeps_a_variant_from_another_request() {
    let sandbox = battlenet().await;
    let cache = ResponseCache::memory(1 << 20);
    let clock = Arc::new(ManualClock::new());
    let session = app_session(&sandbox, &cache, &clock);
    let path = "data/wow/item/9?namespace=static-us";
    let headers = [
        ("cache-control", "max-age=600"),
        ("vary", "accept-language"),
    ];
    let ask = |language: &'static str| {
        let session = session.clone();
        let url = url(&sandbox, path);
        async move {
            session
                .get(url)
                .header("accept-language", language)
                .send()
                .await
                .unwrap()
        }
    };
    sandbox.inject(scripted(path, r#"{"name":"Sword"}"#, &headers, 200).times(1));
    assert_eq!(&ask("en").await.body()[..], br#"{"name":"Sword"}"#);
    sandbox.inject(scripted(path, r#"{"name":"Epee"}"#, &headers, 200).times(1));
    let french = ask("fr").await;
    assert_eq!(status_of(&french), Some(CacheStatus::Miss));
    assert_eq!(
        &french.body()[..],
        br#"{"name":"Epee"}"#,
        "never the English one"
    );
    let again = ask("fr").await;
    assert_eq!(status_of(&again), Some(CacheStatus::Hit));
    assert_eq!(&again.body()[..], br#"{"name":"Epee"}"#);
    assert_eq!(upstream(&sandbox, path), 2);
}

#[tokio::test]
async fn an_app_tokens_answers_are_shared_by_its_client_and_no_user_gets_them() {
    let sandbox = battlenet().await;
    let cache = ResponseCache::memory(1 << 20);
    let clock = Arc::new(ManualClock::new());
    let one = app_session(&sandbox, &cache, &clock);
    let other = app_session(&sandbox, &cache, &clock);
    get(&one, &sandbox, DYNAMIC).await;
    let shared = get(&other, &sandbox, DYNAMIC).await;
    assert_eq!(status_of(&shared), Some(CacheStatus::Hit), "same client id");
    assert_eq!(upstream(&sandbox, DYNAMIC), 1);

    // A user's session (here given a token by hand) never sees it, nor do
    // two users see each other's.
    let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport());
    let app_token = one.access_token().await.unwrap().token().clone();
    let user = |key: Option<&str>| {
        let mut builder = Session::refreshing(&client).token(app_token.clone());
        if let Some(key) = key {
            builder = builder.key(key);
        }
        with_cache(builder, &cache, &clock)
    };
    let (anonymous, alice, alice_again, bob) = (
        user(None),
        user(Some("alice")),
        user(Some("alice")),
        user(Some("bob")),
    );
    for session in [&anonymous, &alice, &bob] {
        let answer = get(session, &sandbox, DYNAMIC).await;
        assert_eq!(status_of(&answer), Some(CacheStatus::Miss));
    }
    let answer = get(&alice_again, &sandbox, DYNAMIC).await;
    assert_eq!(status_of(&answer), Some(CacheStatus::Hit), "alice's own");
    let another_anonymous = user(None);
    let answer = get(&another_anonymous, &sandbox, DYNAMIC).await;
    assert_eq!(
        status_of(&answer),
        Some(CacheStatus::Miss),
        "a session without a key shares with none"
    );
    assert_eq!(upstream(&sandbox, DYNAMIC), 5);
}

#[tokio::test]
async fn a_stale_answer_is_served_on_error_only_when_asked() {
    let sandbox = battlenet().await;
    let clock = Arc::new(ManualClock::new());
    for stale_if_error in [false, true] {
        let base = ResponseCache::memory(1 << 20);
        let cache = base.clone().stale_if_error(stale_if_error);
        let session = app_session(&sandbox, &cache, &clock);
        let first = get(&session, &sandbox, STATIC).await;
        clock.advance(Duration::from_secs(86_401));
        sandbox.inject(scripted(STATIC, "", &[], 503).times(1));
        let answer = get(&session, &sandbox, STATIC).await;
        if stale_if_error {
            assert_eq!(status_of(&answer), Some(CacheStatus::StaleOnError));
            assert_eq!(answer.status(), StatusCode::OK);
            assert_eq!(answer.body(), first.body());
            assert_eq!(cache.stats().stale_served, 1);
        } else {
            assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(status_of(&answer), Some(CacheStatus::Miss));
        }
        assert_eq!(base.stats(), cache.stats(), "one store, one count");
    }
}

/// A store that records what it is given and can be made to fail.
#[derive(Debug)]
struct Recording {
    inner: MemoryCache,
    kept: Mutex<Vec<(String, Arc<CachedResponse>)>>,
    broken: std::sync::atomic::AtomicBool,
}

impl Recording {
    fn check(&self) -> Result<(), CacheError> {
        if self.broken.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(CacheError::Store("disk full".into()));
        }
        Ok(())
    }
}

#[oauth_core::async_trait]
impl CacheStore for Recording {
    async fn get(&self, key: &CacheKey) -> Result<Option<Arc<CachedResponse>>, CacheError> {
        self.check()?;
        self.inner.get(key).await
    }
    async fn put(&self, key: &CacheKey, entry: Arc<CachedResponse>) -> Result<(), CacheError> {
        self.check()?;
        self.kept
            .lock()
            .unwrap()
            .push((key.as_str().to_owned(), Arc::clone(&entry)));
        self.inner.put(key, entry).await
    }
    async fn remove(&self, key: &CacheKey) -> Result<(), CacheError> {
        self.inner.remove(key).await
    }
    fn stored_bytes(&self) -> u64 {
        self.inner.stored_bytes()
    }
}

impl Default for Recording {
    fn default() -> Self {
        Recording {
            inner: MemoryCache::new(1 << 20),
            kept: Mutex::default(),
            broken: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

#[tokio::test]
async fn the_token_is_never_kept_and_a_failing_store_is_only_a_miss() {
    let sandbox = battlenet().await;
    let store = Arc::new(Recording::default());
    let cache = ResponseCache::shared(Arc::clone(&store) as Arc<dyn CacheStore>);
    let clock = Arc::new(ManualClock::new());
    let session = app_session(&sandbox, &cache, &clock);
    // A token set by hand in the request is replaced below the cache and
    // never reaches it either.
    let request = http::Request::get(url(&sandbox, STATIC))
        .header("authorization", "Bearer hand-made-secret")
        .body(Vec::new())
        .unwrap();
    let answer = session.send(request).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let token = session.access_token().await.unwrap();
    let secret = token.access_token().secret().to_owned();
    let kept = store.kept.lock().unwrap().clone();
    assert_eq!(kept.len(), 1);
    for (key, entry) in &kept {
        let shown = format!("{key} {entry:?}");
        assert!(!shown.contains(&secret), "{shown}");
        assert!(!shown.contains("hand-made-secret"), "{shown}");
        assert!(
            key.starts_with(&format!("app:{CLIENT_ID} GET http://")),
            "{key}"
        );
    }

    store
        .broken
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let answer = get(&session, &sandbox, STATIC).await;
    assert_eq!(answer.status(), StatusCode::OK, "served from the server");
    assert_eq!(status_of(&answer), Some(CacheStatus::Miss));
    assert_eq!(
        cache.stats().store_errors,
        2,
        "the look and the write (nothing was stored meanwhile: no second look)"
    );
}

/// A store whose first look finds nothing, then waits to answer until the
/// test says: meanwhile another request fetches and stores the answer.
#[derive(Debug)]
struct Slow {
    inner: MemoryCache,
    looks: std::sync::atomic::AtomicUsize,
    go: tokio::sync::Notify,
}

#[oauth_core::async_trait]
impl CacheStore for Slow {
    async fn get(&self, key: &CacheKey) -> Result<Option<Arc<CachedResponse>>, CacheError> {
        let found = self.inner.get(key).await;
        if self.looks.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            self.go.notified().await;
        }
        found
    }
    async fn put(&self, key: &CacheKey, entry: Arc<CachedResponse>) -> Result<(), CacheError> {
        self.inner.put(key, entry).await
    }
    async fn remove(&self, key: &CacheKey) -> Result<(), CacheError> {
        self.inner.remove(key).await
    }
    fn stored_bytes(&self) -> u64 {
        self.inner.stored_bytes()
    }
}

#[tokio::test]
async fn a_fetch_that_ends_between_a_look_and_the_next_is_not_made_again() {
    let sandbox = battlenet().await;
    let store = Arc::new(Slow {
        inner: MemoryCache::new(1 << 20),
        looks: Default::default(),
        go: tokio::sync::Notify::new(),
    });
    let cache = ResponseCache::shared(Arc::clone(&store) as Arc<dyn CacheStore>);
    let clock = Arc::new(ManualClock::new());
    let session = app_session(&sandbox, &cache, &clock);
    session.access_token().await.unwrap();
    // The first request looks, finds nothing, and is held there.
    let first = tokio::spawn({
        let (session, url) = (session.clone(), url(&sandbox, STATIC));
        async move { session.get(url).send().await.unwrap() }
    });
    while store.looks.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        tokio::task::yield_now().await;
    }
    // The second fetches the document and stores it, all of it before the
    // first goes on.
    let second = get(&session, &sandbox, STATIC).await;
    assert_eq!(status_of(&second), Some(CacheStatus::Miss));
    store.go.notify_one();
    let first = first.await.unwrap();
    assert_eq!(
        status_of(&first),
        Some(CacheStatus::Hit),
        "the first looked again on leading its own fetch"
    );
    assert_eq!(upstream(&sandbox, STATIC), 1);
}

/// A store of bytes by key, as a user's own store on a key-value server
/// would be.
#[derive(Debug, Default)]
struct Bytes(Mutex<std::collections::HashMap<String, Vec<u8>>>);

#[oauth_core::async_trait]
impl CacheStore for Bytes {
    async fn get(&self, key: &CacheKey) -> Result<Option<Arc<CachedResponse>>, CacheError> {
        let bytes = self.0.lock().unwrap().get(key.as_str()).cloned();
        bytes
            .map(|bytes| CachedResponse::from_bytes(&bytes).map(Arc::new))
            .transpose()
    }
    async fn put(&self, key: &CacheKey, entry: Arc<CachedResponse>) -> Result<(), CacheError> {
        let bytes = entry.to_bytes()?;
        self.0
            .lock()
            .unwrap()
            .insert(key.as_str().to_owned(), bytes);
        Ok(())
    }
    async fn remove(&self, key: &CacheKey) -> Result<(), CacheError> {
        self.0.lock().unwrap().remove(key.as_str());
        Ok(())
    }
    fn stored_bytes(&self) -> u64 {
        self.0
            .lock()
            .unwrap()
            .values()
            .map(|v| v.len() as u64)
            .sum()
    }
}

#[tokio::test]
async fn a_store_of_bytes_of_ones_own_serves_as_well() {
    let sandbox = battlenet().await;
    let store = Arc::new(Bytes::default());
    let cache = ResponseCache::shared(Arc::clone(&store) as Arc<dyn CacheStore>);
    let clock = Arc::new(ManualClock::new());
    let session = app_session(&sandbox, &cache, &clock);
    let first = get(&session, &sandbox, STATIC).await;
    let again = get(&session, &sandbox, STATIC).await;
    assert_eq!(status_of(&again), Some(CacheStatus::Hit));
    assert_eq!(again.body(), first.body());
    assert_eq!(upstream(&sandbox, STATIC), 1);
    // A day later, revalidated through the bytes as through memory.
    clock.advance(Duration::from_secs(86_401));
    let later = get(&session, &sandbox, STATIC).await;
    assert_eq!(status_of(&later), Some(CacheStatus::Revalidated));
    assert_eq!(later.body(), first.body());
    let secret = session.access_token().await.unwrap();
    let secret = secret.access_token().secret().as_bytes().to_vec();
    for bytes in store.0.lock().unwrap().values() {
        assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_slice()));
    }
}

/// In a child process: an app session with `cache` on the sandbox of the
/// parent test, whose OAuth and API base URLs are in the environment
/// variable `origins_env`; and the URL of [`STATIC`] there.
#[cfg(any(feature = "sqlite-cache", feature = "redis-cache"))]
fn session_of_parent(origins_env: &str, cache: &ResponseCache) -> (Session, String) {
    let origins = std::env::var(origins_env).expect("started by its parent test");
    let (oauth, api) = origins.split_once(' ').unwrap();
    let oauth = oauth_core::url::Url::parse(oauth).unwrap();
    let provider = oauth_core::GenericProvider::new(
        oauth.join("authorize").unwrap().as_str(),
        oauth.join("token").unwrap().as_str(),
    )
    .unwrap()
    .with_client_auth(ClientAuth::Basic);
    let client = oauth_core::Client::builder(provider, CLIENT_ID)
        .client_secret(SECRET)
        .shared_transport(transport())
        .build()
        .unwrap();
    let session = Session::client_credentials(&client, &[])
        .stack(Stack::new().cache(cache.clone()))
        .build()
        .unwrap();
    let url = oauth_core::url::Url::parse(api)
        .unwrap()
        .join(STATIC)
        .unwrap();
    (session, url.to_string())
}

/// Runs `test` (an ignored test of this binary) in a child process with
/// `env` set, and checks that it ran and passed.
#[cfg(any(feature = "sqlite-cache", feature = "redis-cache"))]
fn run_child(test: &str, env: &[(&str, String)]) {
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command.args([
        test,
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "the child failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("1 passed"),
        "the child ran"
    );
}

#[cfg(feature = "redis-cache")]
mod on_redis;

/// The store on disk: across a restart, from another process, and when
/// its file is damaged.
#[cfg(feature = "sqlite-cache")]
mod on_disk {
    use oauth_core::cache::SqliteCache;

    use super::*;
    use crate::temp::temp_dir;

    /// Set in the child process: the cache file.
    const PATH_ENV: &str = "OAUTH_CORE_SQLITE_CACHE_PATH";
    /// Set in the child process: the sandbox's OAuth and API base URLs.
    const ORIGINS_ENV: &str = "OAUTH_CORE_SQLITE_CACHE_ORIGINS";

    #[tokio::test]
    async fn the_file_survives_a_restart_and_another_process_reads_it() {
        let sandbox = battlenet().await;
        let path = temp_dir("sqlite-cache").join("cache.sqlite");
        let clock = Arc::new(ManualClock::new());
        let first = {
            let cache = ResponseCache::new(SqliteCache::open(&path, 8 << 20).unwrap());
            let session = app_session(&sandbox, &cache, &clock);
            let first = get(&session, &sandbox, STATIC).await;
            assert_eq!(status_of(&first), Some(CacheStatus::Miss));
            assert!(cache.stats().stored_bytes > 0);
            first
        };
        // A restart: a new store on the same file.
        let cache = ResponseCache::new(SqliteCache::open(&path, 8 << 20).unwrap());
        let session = app_session(&sandbox, &cache, &clock);
        let again = get(&session, &sandbox, STATIC).await;
        assert_eq!(status_of(&again), Some(CacheStatus::Hit));
        assert_eq!(again.body(), first.body());
        assert_eq!(again.headers().get("etag"), first.headers().get("etag"));

        // Another process, reading the same file through its own session.
        run_child(
            "cache::on_disk::reader_in_another_process",
            &[
                (PATH_ENV, path.display().to_string()),
                (
                    ORIGINS_ENV,
                    format!("{} {}", sandbox.oauth_url(), sandbox.api_url()),
                ),
            ],
        );
        assert_eq!(upstream(&sandbox, STATIC), 1, "neither asked the server");
    }

    /// The second process of `the_file_survives_a_restart_and_another_process_reads_it`:
    /// its first call for the document must be served from the file. Not
    /// a test of its own.
    #[tokio::test]
    #[ignore = "a child process of the_file_survives_a_restart_and_another_process_reads_it"]
    async fn reader_in_another_process() {
        let path = std::env::var_os(PATH_ENV).expect("started by its parent test");
        let cache = ResponseCache::new(SqliteCache::open(path, 8 << 20).unwrap());
        let (session, url) = session_of_parent(ORIGINS_ENV, &cache);
        let answer = session.get(url.as_str()).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        assert_eq!(status_of(&answer), Some(CacheStatus::Hit));
        assert_eq!(cache.stats().hits, 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_writes_at_once_all_land() {
        let sandbox = battlenet().await;
        let path = temp_dir("sqlite-writes").join("cache.sqlite");
        let cache = ResponseCache::new(SqliteCache::open(&path, 8 << 20).unwrap());
        let clock = Arc::new(ManualClock::new());
        let session = app_session(&sandbox, &cache, &clock);
        session.access_token().await.unwrap();
        let items: Vec<String> = (100..132)
            .map(|item| format!("data/wow/item/{item}?namespace=static-us"))
            .collect();
        for round in [CacheStatus::Miss, CacheStatus::Hit] {
            let asks: Vec<_> = items
                .iter()
                .map(|path| {
                    let (session, url) = (session.clone(), url(&sandbox, path));
                    tokio::spawn(async move { session.get(url).send().await.unwrap() })
                })
                .collect();
            for ask in asks {
                assert_eq!(status_of(&ask.await.unwrap()), Some(round));
            }
        }
        let stats = cache.stats();
        assert_eq!((stats.stores, stats.store_errors, stats.hits), (32, 0, 32));
    }

    #[tokio::test]
    async fn a_damaged_file_is_a_typed_error_and_the_cache_starts_empty() {
        let sandbox = battlenet().await;
        let path = temp_dir("sqlite-corrupt").join("cache.sqlite");
        std::fs::write(&path, vec![0x5a; 8192]).unwrap();
        let error = SqliteCache::open(&path, 8 << 20).unwrap_err();
        assert!(matches!(error, CacheError::Corrupt(_)), "{error:?}");
        assert!(error.to_string().contains("cache.sqlite"), "{error}");

        let (store, replaced) = SqliteCache::open_or_replace(&path, 8 << 20).unwrap();
        assert!(matches!(replaced, Some(CacheError::Corrupt(_))));
        let mut aside = path.as_os_str().to_owned();
        aside.push(".corrupt");
        assert_eq!(
            std::fs::read(&aside).unwrap(),
            vec![0x5a; 8192],
            "kept aside"
        );
        let cache = ResponseCache::new(store);
        let clock = Arc::new(ManualClock::new());
        let session = app_session(&sandbox, &cache, &clock);
        let first = get(&session, &sandbox, STATIC).await;
        assert_eq!(status_of(&first), Some(CacheStatus::Miss), "empty");
        let second = get(&session, &sandbox, STATIC).await;
        assert_eq!(status_of(&second), Some(CacheStatus::Hit));
    }

    #[tokio::test]
    async fn the_file_stays_within_its_bound() {
        let sandbox = battlenet().await;
        let path = temp_dir("sqlite-bound").join("cache.sqlite");
        let bound = 64 << 10;
        let cache = ResponseCache::new(SqliteCache::open(&path, bound).unwrap());
        let clock = Arc::new(ManualClock::new());
        let session = app_session(&sandbox, &cache, &clock);
        for item in 0..40 {
            let path = format!("data/wow/item/{item}?namespace=static-us");
            assert_eq!(
                get(&session, &sandbox, &path).await.status(),
                StatusCode::OK
            );
        }
        let stats = cache.stats();
        assert_eq!(stats.stores, 40);
        assert!(stats.stored_bytes <= bound, "{stats:?}");
        assert!(stats.stored_bytes > bound * 3 / 4, "{stats:?}");
        // The newest is still there, the oldest is gone.
        let newest = get(&session, &sandbox, "data/wow/item/39?namespace=static-us").await;
        assert_eq!(status_of(&newest), Some(CacheStatus::Hit));
        let oldest = get(&session, &sandbox, "data/wow/item/0?namespace=static-us").await;
        assert_eq!(status_of(&oldest), Some(CacheStatus::Miss));
    }
}
