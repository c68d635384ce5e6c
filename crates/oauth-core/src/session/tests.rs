//! Session behaviour against scripted token sources and transports: no
//! network, time under the test's control.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{Method, StatusCode};

use super::*;
use crate::clock::ManualClock;
use crate::error::TransportError;
use crate::error::{Endpoint, ErrorCode, ServerError, TransportErrorKind};
use crate::secret::RefreshToken;
use crate::transport::transport_fn;
use http::header::AUTHORIZATION;

/// A token source that counts its calls and can be told to fail.
#[derive(Debug)]
struct Scripted {
    clock: Arc<ManualClock>,
    lifetime: Duration,
    calls: AtomicUsize,
    delay: Duration,
    fail: Mutex<VecDeque<Error>>,
}

impl Scripted {
    fn new(clock: &Arc<ManualClock>) -> Arc<Self> {
        Arc::new(Scripted {
            clock: Arc::clone(clock),
            lifetime: Duration::from_secs(3600),
            calls: AtomicUsize::new(0),
            delay: Duration::ZERO,
            fail: Mutex::new(VecDeque::new()),
        })
    }

    fn slow(clock: &Arc<ManualClock>, delay: Duration) -> Arc<Self> {
        let mut source = Arc::into_inner(Self::new(clock)).expect("sole owner");
        source.delay = delay;
        Arc::new(source)
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn fail_next(&self, error: Error) {
        self.fail.lock().expect("lock").push_back(error);
    }
}

#[async_trait::async_trait]
impl TokenSource for Scripted {
    async fn fetch(&self, _current: Option<&Token>) -> Result<Token, Error> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        if let Some(error) = self.fail.lock().expect("lock").pop_front() {
            return Err(error);
        }
        Ok(Token::bearer(AccessToken::new(format!("access-{n}")))
            .with_expires_at(self.clock.now() + self.lifetime)
            .with_refresh_token(RefreshToken::new(format!("refresh-{n}"))))
    }
}

/// The answers a scripted API gives, in order; 200 once they run out.
type Script = Arc<Mutex<VecDeque<HttpResponse>>>;
/// The `Authorization` header and method of every request the API saw.
type Seen = Arc<Mutex<Vec<(Method, String)>>>;

fn api(script: Vec<HttpResponse>) -> (Arc<dyn HttpTransport>, Seen) {
    let script: Script = Arc::new(Mutex::new(script.into()));
    let seen: Seen = Arc::default();
    let log = Arc::clone(&seen);
    let transport = transport_fn(move |request: HttpRequest| {
        let auth = request
            .headers()
            .get(AUTHORIZATION)
            .map(|v| v.to_str().expect("ascii").to_owned())
            .unwrap_or_default();
        log.lock()
            .expect("lock")
            .push((request.method().clone(), auth));
        let answer = script
            .lock()
            .expect("lock")
            .pop_front()
            .unwrap_or_else(|| response(200, &[]));
        async move { Ok(answer) }
    });
    (Arc::new(transport), seen)
}

fn response(status: u16, headers: &[(&str, &str)]) -> HttpResponse {
    let mut builder = http::Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(b"{}".to_vec().into()).expect("response")
}

fn session(source: &Arc<Scripted>, transport: Arc<dyn HttpTransport>) -> SessionBuilder {
    Session::builder(Arc::clone(source), transport)
        .clock(Arc::clone(&source.clock))
        .retry(
            RetryPolicy::default()
                .initial_backoff(Duration::from_secs(1))
                .max_backoff(Duration::from_secs(4)),
        )
}

/// A store whose saves fail while `broken` is set.
#[derive(Debug, Default)]
struct FlakyStore {
    inner: MemoryStore,
    broken: AtomicBool,
}

#[async_trait::async_trait]
impl TokenStore for FlakyStore {
    async fn load(&self, key: &str) -> Result<Option<Token>, Error> {
        self.inner.load(key).await
    }
    async fn save(&self, key: &str, token: &Token) -> Result<(), Error> {
        if self.broken.load(Ordering::SeqCst) {
            return Err(Error::store("disk full"));
        }
        self.inner.save(key, token).await
    }
    async fn remove(&self, key: &str) -> Result<(), Error> {
        self.inner.remove(key).await
    }
}

const URL: &str = "https://api.example.com/v1/me";

#[tokio::test]
async fn renews_ahead_of_expiry_by_the_skew() {
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::new(&clock);
    let (transport, _) = api(vec![]);
    let session = session(&source, transport).build().expect("session");

    let first = session.access_token().await.expect("token");
    assert_eq!(first.access_token().secret(), "access-1");
    assert_eq!(source.calls(), 1);

    clock.advance(Duration::from_secs(3600 - 61));
    let same = session.access_token().await.expect("token");
    assert_eq!(same.access_token().secret(), "access-1");
    assert_eq!(source.calls(), 1, "61 s before expiry is outside the skew");

    clock.advance(Duration::from_secs(1));
    let renewed = session.access_token().await.expect("token");
    assert_eq!(renewed.access_token().secret(), "access-2");
    assert_eq!(source.calls(), 2, "60 s before expiry is inside the skew");
}

#[tokio::test]
async fn a_custom_skew_is_honoured() {
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::new(&clock);
    let (transport, _) = api(vec![]);
    let session = session(&source, transport)
        .skew(Duration::from_secs(600))
        .build()
        .expect("session");
    session.access_token().await.expect("token");
    clock.advance(Duration::from_secs(3000));
    session.access_token().await.expect("token");
    assert_eq!(source.calls(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_on_a_stale_token_make_one_request() {
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::slow(&clock, Duration::from_millis(50));
    let (transport, _) = api(vec![]);
    let session = session(&source, transport).build().expect("session");

    let tasks: Vec<_> = (0..500)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move { session.access_token().await })
        })
        .collect();
    for task in tasks {
        let token = task.await.expect("task").expect("token");
        assert_eq!(token.access_token().secret(), "access-1");
    }
    assert_eq!(source.calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_renewal_reaches_every_waiter_and_the_next_call_retries() {
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::slow(&clock, Duration::from_millis(50));
    source.fail_next(Error::Transport {
        endpoint: Endpoint {
            name: "token",
            url: "https://auth.example.com/token".into(),
        },
        source: TransportError::new(TransportErrorKind::Connect, "connection refused"),
    });
    let (transport, _) = api(vec![]);
    let session = session(&source, transport).build().expect("session");

    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move { session.access_token().await })
        })
        .collect();
    for task in tasks {
        let error = task.await.expect("task").expect_err("the renewal failed");
        assert!(
            matches!(&error, Error::Transport { source, .. } if source.kind() == TransportErrorKind::Connect),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "token endpoint https://auth.example.com/token: could not connect: connection refused"
        );
    }
    assert_eq!(source.calls(), 1, "waiters share the one failed renewal");

    let token = session.access_token().await.expect("recovers");
    assert_eq!(token.access_token().secret(), "access-2");
}

#[tokio::test]
async fn a_cancelled_renewal_does_not_wedge_the_session() {
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::slow(&clock, Duration::from_millis(200));
    let (transport, _) = api(vec![]);
    let session = session(&source, transport).build().expect("session");

    let abandoned = tokio::time::timeout(Duration::from_millis(20), session.access_token()).await;
    assert!(abandoned.is_err(), "timed out mid-renewal");
    let token = session.access_token().await.expect("a new renewal runs");
    assert_eq!(token.access_token().secret(), "access-2");
}

#[tokio::test]
async fn a_new_token_is_saved_before_use_and_a_failed_save_keeps_the_old() {
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::new(&clock);
    let store = Arc::new(FlakyStore::default());
    let changes = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&changes);
    let (transport, seen) = api(vec![]);
    let session = session(&source, transport)
        .shared_store(store.clone())
        .key("alice")
        .on_token_change(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .expect("session");

    session.access_token().await.expect("token");
    let stored = store.load("alice").await.expect("load").expect("saved");
    assert_eq!(stored.access_token().secret(), "access-1");
    assert_eq!(changes.load(Ordering::SeqCst), 1);

    clock.advance(Duration::from_secs(3590));
    store.broken.store(true, Ordering::SeqCst);
    let error = session.get(URL).send().await.expect_err("save failed");
    assert!(matches!(error, Error::Store(_)), "{error:?}");
    assert!(seen.lock().expect("lock").is_empty(), "nothing was sent");
    assert_eq!(changes.load(Ordering::SeqCst), 1, "no change announced");
    let kept = store.load("alice").await.expect("load").expect("kept");
    assert_eq!(kept.refresh_token().expect("rt").secret(), "refresh-1");
    let cached = session.tokens.current.load_full().expect("cached");
    assert_eq!(cached.token.access_token().secret(), "access-1");

    store.broken.store(false, Ordering::SeqCst);
    session.get(URL).send().await.expect("sent");
    let saved = store.load("alice").await.expect("load").expect("saved");
    assert_eq!(saved.refresh_token().expect("rt").secret(), "refresh-3");
    assert_eq!(
        seen.lock().expect("lock").as_slice(),
        [(Method::GET, "Bearer access-3".to_owned())]
    );
    assert_eq!(changes.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_rejected_refresh_token_is_removed_and_reported() {
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::new(&clock);
    let store = Arc::new(MemoryStore::new());
    let (transport, _) = api(vec![]);
    let session = session(&source, transport)
        .shared_store(store.clone())
        .build()
        .expect("session");
    assert!(session.current_token().is_none(), "nothing loaded yet");
    session.access_token().await.expect("token");
    let current = session.current_token().expect("the token in use");
    assert_eq!(current.access_token().secret(), "access-1");

    clock.advance(Duration::from_secs(3600));
    let stale = session.current_token().expect("stale, still shown");
    assert_eq!(stale.access_token().secret(), "access-1");
    source.fail_next(Error::RefreshTokenRejected(ServerError {
        error: ErrorCode::InvalidGrant,
        error_description: Some("refresh token revoked".into()),
        error_uri: None,
    }));
    let error = session.access_token().await.expect_err("rejected");
    assert!(error.needs_authorization());
    assert_eq!(
        error.to_string(),
        "the refresh token was rejected with `invalid_grant` (refresh token revoked); authorize again"
    );
    assert!(store.load(DEFAULT_KEY).await.expect("load").is_none());
    assert!(session.tokens.current.load().is_none());
    assert!(
        session.current_token().is_none(),
        "a rejected token is not shown"
    );
}

#[tokio::test]
async fn a_fresh_token_in_the_store_is_used_without_a_request() {
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::new(&clock);
    let store = Arc::new(MemoryStore::new());
    let token = Token::bearer(AccessToken::new("stored"))
        .with_expires_at(clock.now() + Duration::from_secs(600));
    store.save("bob", &token).await.expect("save");
    let (transport, _) = api(vec![]);
    let session = session(&source, transport)
        .shared_store(store)
        .key("bob")
        .build()
        .expect("session");
    let token = session.access_token().await.expect("token");
    assert_eq!(token.access_token().secret(), "stored");
    assert_eq!(source.calls(), 0);
}

/// A source that reports which refresh token it was handed.
#[derive(Debug, Default)]
struct Echo {
    seen: Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl TokenSource for Echo {
    async fn fetch(&self, current: Option<&Token>) -> Result<Token, Error> {
        let refresh = current
            .and_then(Token::refresh_token)
            .map(|r| r.secret().to_owned())
            .unwrap_or_default();
        self.seen.lock().expect("lock").push(refresh);
        Ok(Token::bearer(AccessToken::new("renewed")))
    }
}

#[tokio::test]
async fn renewal_starts_from_the_later_of_the_stored_and_the_given_token() {
    let clock = Arc::new(ManualClock::new());
    let now = clock.now();
    let store = Arc::new(MemoryStore::new());
    let older = Token::bearer(AccessToken::new("older"))
        .with_expires_at(now - Duration::from_secs(100))
        .with_refresh_token(RefreshToken::new("older-refresh"));
    store.save(DEFAULT_KEY, &older).await.expect("save");
    let given = Token::bearer(AccessToken::new("given"))
        .with_expires_at(now + Duration::from_secs(30))
        .with_refresh_token(RefreshToken::new("given-refresh"));
    let source = Arc::new(Echo::default());
    let (transport, _) = api(vec![]);
    let session = Session::builder(Arc::clone(&source), transport)
        .shared_store(store.clone())
        .clock(Arc::clone(&clock))
        .token(given)
        .build()
        .expect("session");
    session.access_token().await.expect("token");
    assert_eq!(*source.seen.lock().expect("lock"), ["given-refresh"]);

    // A later token in the store (another process rotated) wins.
    let rotated = Token::bearer(AccessToken::new("rotated"))
        .with_expires_at(now + Duration::from_secs(40))
        .with_refresh_token(RefreshToken::new("rotated-refresh"));
    store.save(DEFAULT_KEY, &rotated).await.expect("save");
    session.refresh().await.expect("token");
    assert_eq!(
        *source.seen.lock().expect("lock"),
        ["given-refresh", "rotated-refresh"]
    );

    // On a tie the store wins: it may hold what another process saved.
    let tie = Token::bearer(AccessToken::new("renewed"))
        .with_refresh_token(RefreshToken::new("tie-refresh"));
    store.save(DEFAULT_KEY, &tie).await.expect("save");
    session.refresh().await.expect("token");
    assert_eq!(
        *source.seen.lock().expect("lock"),
        ["given-refresh", "rotated-refresh", "tie-refresh"]
    );
}

#[tokio::test]
async fn a_401_renews_once_and_sends_once_more() {
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::new(&clock);
    let unauthorized = || {
        response(
            401,
            &[("www-authenticate", "Bearer error=\"invalid_token\"")],
        )
    };
    let (transport, seen) = api(vec![unauthorized(), unauthorized(), unauthorized()]);
    let session = session(&source, transport).build().expect("session");

    let answer = session.get(URL).send().await.expect("answer");
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED, "one retry only");
    assert_eq!(
        seen.lock().expect("lock").as_slice(),
        [
            (Method::GET, "Bearer access-1".to_owned()),
            (Method::GET, "Bearer access-2".to_owned()),
        ]
    );
    assert_eq!(source.calls(), 2);

    // A POST is sent again after a 401 too: the server refused it unread.
    let answer = session.post(URL).body("x").send().await.expect("answer");
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(seen.lock().expect("lock").len(), 4);
}

#[tokio::test(start_paused = true)]
async fn retry_after_seconds_and_dates_are_honoured() {
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::new(&clock);
    let date = httpdate::fmt_http_date(clock.now() + Duration::from_secs(7));
    let (transport, seen) = api(vec![
        response(429, &[("retry-after", "3")]),
        response(503, &[("retry-after", &date)]),
    ]);
    let session = session(&source, transport)
        .retry(RetryPolicy::default().max_elapsed(Duration::from_secs(60)))
        .build()
        .expect("session");
    let start = tokio::time::Instant::now();
    let answer = session.get(URL).send().await.expect("answer");
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(seen.lock().expect("lock").len(), 3);
    // Seconds are exact; the date loses its sub-second part.
    let waited = start.elapsed();
    assert!(
        (Duration::from_secs(9)..=Duration::from_secs(10)).contains(&waited),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn backoff_is_bounded_by_attempts_and_jittered() {
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::new(&clock);
    let (transport, seen) = api(vec![
        response(502, &[]),
        response(503, &[]),
        response(504, &[]),
        response(503, &[]),
        response(503, &[]),
    ]);
    let session = session(&source, transport).build().expect("session");
    let start = tokio::time::Instant::now();
    let answer = session.get(URL).send().await.expect("answer");
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(seen.lock().expect("lock").len(), 4, "max_attempts is 4");
    // Ceilings 1 s, 2 s, 4 s; each wait in the upper half of its ceiling.
    let waited = start.elapsed();
    assert!(
        (Duration::from_millis(3500)..=Duration::from_secs(7)).contains(&waited),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn retries_stop_at_the_time_budget() {
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::new(&clock);
    let (transport, seen) = api(vec![response(429, &[("retry-after", "120")])]);
    let session = session(&source, transport).build().expect("session");
    let start = tokio::time::Instant::now();
    let answer = session.get(URL).send().await.expect("answer");
    assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(seen.lock().expect("lock").len(), 1);
    assert_eq!(start.elapsed(), Duration::ZERO, "no pointless wait");
}

#[tokio::test(start_paused = true)]
async fn a_post_is_retried_only_when_marked_safe() {
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::new(&clock);
    let (transport, seen) = api(vec![response(503, &[]), response(503, &[])]);
    let session = session(&source, transport).build().expect("session");

    let answer = session.post(URL).send().await.expect("answer");
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(seen.lock().expect("lock").len(), 1);

    let answer = session.post(URL).retry_safe().send().await.expect("answer");
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(seen.lock().expect("lock").len(), 3);
}

#[tokio::test(start_paused = true)]
async fn the_rate_limiter_paces_every_send() {
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::new(&clock);
    let (transport, seen) = api(vec![]);
    let session = session(&source, transport)
        .rate_limiter(RateLimiter::with_burst(10, Duration::from_secs(1), 1))
        .build()
        .expect("session");
    let start = tokio::time::Instant::now();
    let clone = session.clone();
    for _ in 0..3 {
        session.get(URL).send().await.expect("answer");
        clone.get(URL).send().await.expect("answer");
    }
    assert_eq!(seen.lock().expect("lock").len(), 6);
    assert_eq!(start.elapsed(), Duration::from_millis(500));
}

#[tokio::test]
async fn insecure_and_relative_urls_are_refused_unsent() {
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::new(&clock);
    let (transport, seen) = api(vec![]);
    let session = session(&source, transport).build().expect("session");
    let error = session
        .get("http://api.example.com/v1/me")
        .send()
        .await
        .expect_err("refused");
    assert!(matches!(error, Error::InsecureUrl { .. }), "{error:?}");
    let error = session.get("/v1/me").send().await.expect_err("refused");
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    assert!(seen.lock().expect("lock").is_empty());
    session
        .get("http://127.0.0.1:8080/v1/me")
        .send()
        .await
        .expect("loopback http is fine");
}

#[tokio::test]
async fn json_parses_success_and_types_failures() {
    #[derive(serde::Deserialize, Debug)]
    struct Me {
        id: u64,
        #[serde(default)]
        access_token: u64,
    }
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::new(&clock);
    let ok = http::Response::builder()
        .status(200)
        .body(br#"{"id": 7}"#.to_vec().into())
        .expect("response");
    let wrong = http::Response::builder()
        .status(200)
        .body(br#"{"id": 1, "access_token": "sekrit"}"#.to_vec().into())
        .expect("response");
    let (transport, _) = api(vec![ok, wrong, response(404, &[])]);
    let session = session(&source, transport).build().expect("session");

    let me: Me = session.get(URL).json().await.expect("parsed");
    assert_eq!((me.id, me.access_token), (7, 0));
    let error = session.get(URL).json::<Me>().await.expect_err("wrong type");
    assert!(matches!(error, Error::Parse(_)), "{error:?}");
    assert!(
        !error.to_string().contains("sekrit"),
        "no quoted value: {error}"
    );
    let error = session.get(URL).json::<Me>().await.expect_err("404");
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
}

#[test]
fn the_bearer_header_is_sensitive_and_nothing_leaks() {
    let cached = Cached::new(
        Token::bearer(AccessToken::new("top-secret")),
        DEFAULT_SKEW,
        SystemTime::now(),
        false,
    )
    .expect("cached");
    let current = CurrentToken::new(Arc::new(cached));
    assert!(current.authorization().is_sensitive());
    assert_eq!(
        current.authorization().to_str().ok(),
        Some("Bearer top-secret")
    );
    assert!(!format!("{current:?}").contains("top-secret"));
    assert!(matches!(
        Cached::new(
            Token::bearer(AccessToken::new("a\nb")),
            DEFAULT_SKEW,
            SystemTime::now(),
            false,
        ),
        Err(Error::Config(_))
    ));
    // A DPoP-bound token: `DPoP …` with the session's key, refused without.
    let dpop: Token = serde_json::from_value(serde_json::json!({
        "access_token": "bound", "token_type": "DPoP",
    }))
    .expect("token");
    let bound = Cached::new(dpop.clone(), DEFAULT_SKEW, SystemTime::now(), true).expect("cached");
    assert_eq!(bound.authorization.to_str().ok(), Some("DPoP bound"));
    assert!(bound.dpop);
    assert!(matches!(
        Cached::new(dpop, DEFAULT_SKEW, SystemTime::now(), false),
        Err(Error::UnsupportedTokenType { token_type }) if token_type == "dpop"
    ));
}

/// A store that counts its loads.
#[derive(Debug, Default)]
struct CountingStore {
    inner: MemoryStore,
    loads: AtomicUsize,
}

#[async_trait::async_trait]
impl TokenStore for CountingStore {
    async fn load(&self, key: &str) -> Result<Option<Token>, Error> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        self.inner.load(key).await
    }
    async fn save(&self, key: &str, token: &Token) -> Result<(), Error> {
        self.inner.save(key, token).await
    }
    async fn remove(&self, key: &str) -> Result<(), Error> {
        self.inner.remove(key).await
    }
}

#[tokio::test]
async fn a_fresh_cached_token_needs_neither_the_store_nor_the_source() {
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::new(&clock);
    let store = Arc::new(CountingStore::default());
    let (transport, _) = api(vec![]);
    let session = session(&source, transport)
        .shared_store(Arc::clone(&store) as Arc<dyn TokenStore>)
        .build()
        .expect("session");
    for _ in 0..3 {
        let token = session.access_token().await.expect("token");
        assert_eq!(token.access_token().secret(), "access-1");
    }
    assert_eq!(source.calls(), 1);
    assert_eq!(store.loads.load(Ordering::SeqCst), 1, "only the first call");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handles_held_in_numbers_and_across_threads_keep_their_token_through_a_change() {
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::new(&clock);
    let (transport, _) = api(vec![]);
    let session = session(&source, transport).build().expect("session");
    // More handles than a thread has cheap slots, some moved to another
    // thread and dropped there.
    let mut held = Vec::new();
    for _ in 0..40 {
        held.push(session.access_token().await.expect("token"));
    }
    let copies: Vec<CurrentToken> = held.iter().map(Clone::clone).collect();
    let moved = tokio::spawn(async move {
        copies
            .iter()
            .all(|token| token.access_token().secret() == "access-1")
    });
    session
        .set_token(Token::bearer(AccessToken::new("given")))
        .await
        .expect("set");
    assert!(moved.await.expect("joined"), "moved handles keep theirs");
    for token in &held {
        assert_eq!(token.access_token().secret(), "access-1");
    }
    drop(held);
    let now = session.access_token().await.expect("token");
    assert_eq!(now.access_token().secret(), "given");
    let current = session.current_token().expect("current");
    assert_eq!(current.authorization().to_str().ok(), Some("Bearer given"));
}

#[tokio::test]
async fn clearing_the_token_forgets_it_in_the_session_and_the_store() {
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::new(&clock);
    let store = Arc::new(MemoryStore::new());
    let (transport, _) = api(vec![]);
    let session = session(&source, transport)
        .shared_store(Arc::clone(&store) as Arc<dyn TokenStore>)
        .key("user-7")
        .build()
        .expect("session");
    assert_eq!(session.key(), "user-7");
    session
        .set_token(Token::bearer(AccessToken::new("given")))
        .await
        .expect("set");
    let saved = store.load("user-7").await.expect("load").expect("saved");
    assert_eq!(saved.access_token().secret(), "given");

    session.clear_token().await.expect("cleared");
    assert!(store.load("user-7").await.expect("load").is_none());
    let next = session.access_token().await.expect("token");
    assert_eq!(next.access_token().secret(), "access-1", "fetched anew");
    assert_eq!(source.calls(), 1);
}

/// Every request the API saw, whole.
type Requests = Arc<Mutex<Vec<HttpRequest>>>;

fn recording_api() -> (Arc<dyn HttpTransport>, Requests) {
    let requests: Requests = Arc::default();
    let log = Arc::clone(&requests);
    let transport = transport_fn(move |request: HttpRequest| {
        log.lock().expect("lock").push(request);
        async { Ok(response(200, &[])) }
    });
    (Arc::new(transport), requests)
}

fn header_values(request: &HttpRequest, name: &str) -> Vec<String> {
    request
        .headers()
        .get_all(name)
        .iter()
        .map(|v| v.to_str().expect("ascii").to_owned())
        .collect()
}

#[tokio::test]
async fn requests_reach_the_server_as_built() {
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::new(&clock);
    let (transport, requests) = recording_api();
    let session = session(&source, transport).build().expect("session");

    session
        .post(URL)
        .header("x-trace", "a")
        .header("x-trace", "b")
        .header("authorization", "Basic forged")
        .query(&[("q", "1 2"), ("r", "&")])
        .form(&[("name", "a b"), ("n", "=")])
        .send()
        .await
        .expect("form");
    session
        .put(URL)
        .json_body(&serde_json::json!({"id": 7}))
        .send()
        .await
        .expect("json body");
    session
        .delete(URL)
        .body(b"raw".to_vec())
        .send()
        .await
        .expect("raw body");
    let _: serde_json::Value = session.get(URL).json().await.expect("json");
    let _: serde_json::Value = session
        .request(Method::PATCH, URL)
        .header("accept", "application/vnd.api+json")
        .json()
        .await
        .expect("json");

    let requests = requests.lock().expect("lock");
    let seen: Vec<_> = requests
        .iter()
        .map(|r| {
            (
                r.method().clone(),
                r.uri().to_string(),
                header_values(r, "content-type"),
                header_values(r, "accept"),
                String::from_utf8(r.body().clone()).expect("utf-8"),
            )
        })
        .collect();
    let strings = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        seen,
        [
            (
                Method::POST,
                format!("{URL}?q=1+2&r=%26"),
                strings(&["application/x-www-form-urlencoded"]),
                vec![],
                "name=a+b&n=%3D".to_owned(),
            ),
            (
                Method::PUT,
                URL.to_owned(),
                strings(&["application/json"]),
                vec![],
                r#"{"id":7}"#.to_owned(),
            ),
            (Method::DELETE, URL.to_owned(), vec![], vec![], "raw".into()),
            (
                Method::GET,
                URL.to_owned(),
                vec![],
                strings(&["application/json"]),
                String::new(),
            ),
            (
                Method::PATCH,
                URL.to_owned(),
                vec![],
                strings(&["application/vnd.api+json"]),
                String::new(),
            ),
        ]
    );
    assert_eq!(header_values(&requests[0], "x-trace"), ["a", "b"]);
    for request in requests.iter() {
        assert_eq!(header_values(request, "authorization"), ["Bearer access-1"]);
    }
}

#[tokio::test]
async fn a_mistake_while_building_fails_the_send_unsent() {
    /// Serialises to an error: JSON object keys must be strings.
    fn unserialisable() -> std::collections::BTreeMap<Vec<u8>, u8> {
        [(vec![1], 1)].into()
    }
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::new(&clock);
    let (transport, requests) = recording_api();
    let session = session(&source, transport).build().expect("session");
    let cases = [
        (
            session.get(URL).header("bad name", "v"),
            "configuration error: invalid header text in a header name or value",
        ),
        (
            session.get(URL).header("x-ok", "line\nbreak"),
            "configuration error: invalid header text in a header name or value",
        ),
        (
            session.post(URL).json_body(&unserialisable()),
            "configuration error: cannot write the JSON body: key must be a string",
        ),
        (
            // The first mistake is the one reported.
            session
                .post(URL)
                .header("bad name", "v")
                .json_body(&unserialisable()),
            "configuration error: invalid header text in a header name or value",
        ),
        (
            session.get("not a url"),
            "configuration error: cannot build the request: invalid URL: relative URL without a base",
        ),
    ];
    for (request, expected) in cases {
        let error = request.send().await.expect_err(expected);
        assert_eq!(error.to_string(), expected);
    }
    let error = session
        .get("not a url")
        .json::<serde_json::Value>()
        .await
        .expect_err("invalid URL");
    assert_eq!(
        error.to_string(),
        "configuration error: cannot build the request: invalid URL: relative URL without a base"
    );
    assert!(requests.lock().expect("lock").is_empty());
    assert_eq!(source.calls(), 0, "no token fetched for a request not sent");
}

#[tokio::test]
async fn debug_output_names_the_parts_and_hides_the_secrets() {
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::new(&clock);
    let (transport, _) = api(vec![]);
    let builder = session(&source, transport).key("user-7");
    let shown = format!("{builder:?}");
    assert!(
        shown.starts_with("SessionBuilder { source: Scripted {")
            && shown.contains("key: \"user-7\""),
        "{shown}"
    );
    let session = builder.build().expect("session");
    let token = session.access_token().await.expect("token");
    let shown = format!("{session:?}");
    assert!(
        shown.starts_with("Session { source: Scripted {")
            && shown.contains("key: \"user-7\"")
            && shown.contains("on_token_change: false"),
        "{shown}"
    );
    let shown = format!("{token:?}");
    assert!(shown.starts_with("CurrentToken(Token {"), "{shown}");
    assert!(!shown.contains("access-1"), "{shown}");
    let request = session
        .get("https://api.example.com/v1/me?code=secret")
        .header("x-a", "1")
        .body("abc");
    assert_eq!(
        format!("{request:?}"),
        "ApiRequest { method: GET, url: Ok(\"https://api.example.com/v1/me\"), \
         headers: [\"x-a\"], body_bytes: 3, retry_safe: false, .. }"
    );
}

/// A client whose token endpoint answers from `script`, and the form
/// bodies it was sent.
fn token_client(script: Vec<(u16, &'static str)>) -> (Client, Arc<Mutex<Vec<String>>>) {
    let script = Arc::new(Mutex::new(VecDeque::from(script)));
    let bodies: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = Arc::clone(&bodies);
    let transport = transport_fn(move |request: HttpRequest| {
        log.lock()
            .expect("lock")
            .push(String::from_utf8(request.body().clone()).expect("utf-8"));
        let (status, body) = script.lock().expect("lock").pop_front().expect("scripted");
        async move {
            Ok(http::Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(body.as_bytes().to_vec().into())
                .expect("response"))
        }
    });
    let provider = crate::provider::GenericProvider::new(
        "https://auth.example/authorize",
        "https://auth.example/token",
    )
    .expect("provider");
    let client = Client::builder(provider, "app")
        .client_secret("s")
        .transport(transport)
        .build()
        .expect("client");
    (client, bodies)
}

#[tokio::test]
async fn the_sources_ask_the_token_endpoint_and_type_a_rejected_refresh() {
    const OK: &str = r#"{"access_token":"new","token_type":"bearer","expires_in":60}"#;
    let (client, bodies) = token_client(vec![
        (200, OK),
        (200, OK),
        (400, r#"{"error":"invalid_grant"}"#),
        (400, r#"{"error":"invalid_client"}"#),
    ]);
    let minted = ClientCredentialsSource::new(client.clone(), &["a", "b"])
        .fetch(None)
        .await
        .expect("minted");
    assert_eq!(minted.access_token().secret(), "new");

    let source: Arc<dyn TokenSource> = Arc::new(RefreshTokenSource::new(client));
    let with_refresh =
        Token::bearer(AccessToken::new("old")).with_refresh_token(RefreshToken::new("r1"));
    let renewed = source.fetch(Some(&with_refresh)).await.expect("renewed");
    assert_eq!(renewed.access_token().secret(), "new");
    let rejected = source
        .fetch(Some(&with_refresh))
        .await
        .expect_err("rejected");
    assert!(
        matches!(&rejected, Error::RefreshTokenRejected(e) if e.error == ErrorCode::InvalidGrant),
        "{rejected:?}"
    );
    let other = source.fetch(Some(&with_refresh)).await.expect_err("server");
    assert!(
        matches!(&other, Error::Server { error, .. } if error.error == ErrorCode::InvalidClient),
        "{other:?}"
    );
    assert!(matches!(source.fetch(None).await, Err(Error::NoToken)));
    assert!(matches!(
        source
            .fetch(Some(&Token::bearer(AccessToken::new("old"))))
            .await,
        Err(Error::ExpiredWithoutRefresh)
    ));
    let bodies = bodies.lock().expect("lock");
    assert_eq!(bodies.len(), 4, "no request without a refresh token");
    assert!(
        bodies[0].contains("grant_type=client_credentials") && bodies[0].contains("scope=a+b"),
        "{}",
        bodies[0]
    );
    assert!(
        bodies[1].contains("grant_type=refresh_token") && bodies[1].contains("refresh_token=r1"),
        "{}",
        bodies[1]
    );
}

/// Records the `url` field of every span, as a log subscriber would see it.
#[derive(Clone, Default)]
struct SpanUrls(Arc<Mutex<Vec<String>>>);

impl tracing::field::Visit for SpanUrls {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "url" {
            self.0.lock().expect("lock").push(value.to_owned());
        }
    }
    fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
}

impl tracing::Subscriber for SpanUrls {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        span.record(&mut self.clone());
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        values.record(&mut self.clone());
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn a_logged_request_names_its_url_without_the_query() {
    let urls = SpanUrls::default();
    tracing::subscriber::with_default(urls.clone(), || {
        // Another test thread may have met the span's callsite first, with
        // no subscriber, and tracing caches that it interests no one:
        // count this subscriber in again.
        tracing::callsite::rebuild_interest_cache();
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(async {
                let clock = Arc::new(ManualClock::new());
                let source = Scripted::new(&clock);
                let (transport, _) = api(vec![]);
                let session = session(&source, transport).build().expect("session");
                session
                    .get(format!("{URL}?secret=1"))
                    .send()
                    .await
                    .expect("answer");
            });
    });
    assert_eq!(*urls.0.lock().expect("lock"), [URL]);
}
