//! Sessions end to end against the sandbox: expiry with skew on a movable
//! clock, single-flight renewal, rotation saved before use, `invalid_grant`,
//! the 401 retry, `Retry-After` and backoff.
#![cfg(any(feature = "reqwest", feature = "hyper"))]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crate::support::*;
use oauth_core::http::StatusCode;
use oauth_core::transport::{HttpRequest, HttpTransport, transport_fn};
use oauth_core::{
    Client, ClientAuth, Error, ErrorCode, ManualClock, MemoryStore, RetryPolicy, Session, Token,
    TokenStore,
};
use oauth_sandbox::browser::{self, Decision};
use oauth_sandbox::{ClientConfig, Fault, FaultRule, Profile, RecordedRequest, Sandbox};

const LIFETIME: Duration = Duration::from_secs(3600);

async fn start(rotate: bool) -> Sandbox {
    Sandbox::builder()
        .profile(Profile::Generic)
        .client(
            ClientConfig::confidential(CLIENT_ID, SECRET)
                .redirect_uri(REDIRECT)
                .rotate_refresh_tokens(rotate),
        )
        .user(oauth_sandbox::UserConfig::new(USER, PASSWORD))
        .access_token_lifetime(LIFETIME)
        .start()
        .await
        .unwrap()
}

fn transport() -> Arc<dyn HttpTransport> {
    transports().remove(0).1
}

fn app_client(sandbox: &Sandbox) -> Client {
    client(sandbox, ClientAuth::Basic, Some(SECRET), &transport())
}

fn me(sandbox: &Sandbox) -> String {
    sandbox.api_url().join("api/me").unwrap().to_string()
}

fn token_requests(sandbox: &Sandbox) -> Vec<RecordedRequest> {
    requests_to(sandbox, sandbox.token_endpoint().path())
}

fn api_bearers(sandbox: &Sandbox) -> Vec<String> {
    requests_to(sandbox, "/api/me")
        .iter()
        .map(|r| r.header("authorization").unwrap_or_default().to_owned())
        .collect()
}

/// Moves both clocks: the server's (tokens expire there) and the client's
/// (the session judges staleness by it).
fn advance(sandbox: &Sandbox, clock: &ManualClock, by: Duration) {
    sandbox.advance(by);
    clock.advance(by);
}

/// A user's token through the real authorization code flow.
async fn user_token(sandbox: &Sandbox, client: &Client) -> Token {
    let (url, pending) = client.authorization_url().scope("read").build().unwrap();
    let callback = browser::sign_in(&url, USER, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    let token = client
        .exchange_callback(pending, callback.as_str())
        .await
        .unwrap();
    assert!(token.refresh_token().is_some());
    sandbox.clear_requests();
    token
}

#[tokio::test]
async fn the_token_is_renewed_inside_the_skew_and_not_before() {
    for (name, transport) in transports() {
        let sandbox = start(false).await;
        let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);
        let clock = Arc::new(ManualClock::new());
        let session = Session::client_credentials(&client, &["read"])
            .clock(Arc::clone(&clock))
            .build()
            .unwrap();

        let answer = session.get(me(&sandbox)).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{name}");
        assert_eq!(token_requests(&sandbox).len(), 1, "{name}");

        advance(&sandbox, &clock, LIFETIME - Duration::from_secs(61));
        let answer = session.get(me(&sandbox)).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{name}");
        assert_eq!(
            token_requests(&sandbox).len(),
            1,
            "{name}: outside the skew"
        );

        advance(&sandbox, &clock, Duration::from_secs(2));
        let answer = session.get(me(&sandbox)).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{name}");
        let tokens = token_requests(&sandbox);
        assert_eq!(tokens.len(), 2, "{name}: inside the skew");
        assert_eq!(
            tokens[1].form_value("grant_type").as_deref(),
            Some("client_credentials")
        );
        let bearers = api_bearers(&sandbox);
        assert_eq!(bearers[0], bearers[1], "{name}");
        assert_ne!(bearers[1], bearers[2], "{name}: the new token is used");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_tasks_on_an_expired_token_make_one_token_request() {
    let sandbox = start(true).await;
    let client = app_client(&sandbox);
    let clock = Arc::new(ManualClock::new());
    let session = Session::client_credentials(&client, &[])
        .clock(Arc::clone(&clock))
        .build()
        .unwrap();
    let first = session.access_token().await.unwrap();

    advance(&sandbox, &clock, LIFETIME);
    sandbox.clear_requests();
    // A slow token endpoint, so the stampede surely overlaps the renewal.
    sandbox.inject(FaultRule::on(
        sandbox.token_endpoint().path(),
        Fault::Delay(Duration::from_millis(200)),
    ));
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move { session.access_token().await })
        })
        .collect();
    let mut secrets = Vec::new();
    for task in tasks {
        secrets.push(
            task.await
                .unwrap()
                .unwrap()
                .access_token()
                .secret()
                .to_owned(),
        );
    }
    assert_eq!(
        token_requests(&sandbox).len(),
        1,
        "exactly one token request"
    );
    assert!(
        secrets.iter().all(|s| *s == secrets[0]),
        "all got the same token"
    );
    assert_ne!(secrets[0], first.access_token().secret());
}

/// Wraps a transport so token requests take `delay` longer.
fn slow_token_endpoint(inner: Arc<dyn HttpTransport>, delay: Duration) -> impl HttpTransport {
    transport_fn(move |request: HttpRequest| {
        let inner = Arc::clone(&inner);
        async move {
            if request.uri().path() == "/token" {
                tokio::time::sleep(delay).await;
            }
            inner.send(request).await
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_renewal_reaches_every_waiter_and_the_next_call_recovers() {
    let sandbox = start(true).await;
    assert_eq!(sandbox.token_endpoint().path(), "/token");
    let client = Client::builder(provider(&sandbox, ClientAuth::Basic), CLIENT_ID)
        .client_secret(SECRET)
        .transport(slow_token_endpoint(transport(), Duration::from_millis(200)))
        .build()
        .unwrap();
    let session = Session::client_credentials(&client, &[]).build().unwrap();
    sandbox.inject(FaultRule::on(
        "/token",
        Fault::Status {
            status: 503,
            headers: vec![],
            body: r#"{"error":"temporarily_unavailable"}"#.into(),
        },
    ));

    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move { session.access_token().await })
        })
        .collect();
    for task in tasks {
        let error = task.await.unwrap().unwrap_err();
        assert_eq!(
            error.status(),
            Some(StatusCode::SERVICE_UNAVAILABLE),
            "{error}"
        );
        assert_eq!(
            error.server_error().map(|e| &e.error),
            Some(&ErrorCode::TemporarilyUnavailable)
        );
    }
    assert_eq!(
        token_requests(&sandbox).len(),
        1,
        "one failed request for all"
    );

    session.access_token().await.unwrap();
    assert_eq!(
        token_requests(&sandbox).len(),
        2,
        "the next call tries again"
    );
}

/// A store that checks, at save time, that the sandbox has not yet seen the
/// token being saved; and that can be told to fail.
#[derive(Debug)]
struct WatchingStore {
    inner: MemoryStore,
    sandbox: Arc<Sandbox>,
    broken: AtomicBool,
    saved: Mutex<Vec<String>>,
}

#[oauth_core::async_trait]
impl TokenStore for WatchingStore {
    async fn load(&self, key: &str) -> Result<Option<Token>, Error> {
        self.inner.load(key).await
    }

    async fn save(&self, key: &str, token: &Token) -> Result<(), Error> {
        let bearer = format!("Bearer {}", token.access_token().secret());
        assert!(
            !api_bearers(&self.sandbox).contains(&bearer),
            "a token was used before it was saved"
        );
        if self.broken.load(Ordering::SeqCst) {
            return Err(Error::store("disk full"));
        }
        self.saved
            .lock()
            .unwrap()
            .push(token.access_token().secret().to_owned());
        self.inner.save(key, token).await
    }

    async fn remove(&self, key: &str) -> Result<(), Error> {
        self.inner.remove(key).await
    }
}

#[tokio::test]
async fn a_rotated_refresh_token_is_saved_before_the_new_access_token_is_used() {
    let sandbox = Arc::new(start(true).await);
    let client = app_client(&sandbox);
    let original = user_token(&sandbox, &client).await;
    let clock = Arc::new(ManualClock::new());
    let store = Arc::new(WatchingStore {
        inner: MemoryStore::new(),
        sandbox: Arc::clone(&sandbox),
        broken: AtomicBool::new(false),
        saved: Mutex::default(),
    });
    let announced = Arc::new(Mutex::new(Vec::new()));
    let hook = Arc::clone(&announced);
    let session = Session::refreshing(&client)
        .shared_store(store.clone())
        .key("alice")
        .clock(Arc::clone(&clock))
        .on_token_change(move |token: &Token| {
            hook.lock()
                .unwrap()
                .push(token.access_token().secret().to_owned());
        })
        .build()
        .unwrap();
    session.set_token(original.clone()).await.unwrap();

    advance(&sandbox, &clock, LIFETIME);
    let answer = session.get(me(&sandbox)).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);

    let refresh = token_requests(&sandbox);
    assert_eq!(refresh.len(), 1);
    assert_eq!(
        refresh[0].form_value("refresh_token").as_deref(),
        Some(original.refresh_token().unwrap().secret())
    );
    let stored = store.load("alice").await.unwrap().unwrap();
    let rotated = stored.refresh_token().unwrap().secret().to_owned();
    assert_ne!(
        rotated,
        original.refresh_token().unwrap().secret(),
        "rotated"
    );
    assert_eq!(
        api_bearers(&sandbox),
        [format!("Bearer {}", stored.access_token().secret())]
    );
    assert_eq!(
        *announced.lock().unwrap(),
        [
            original.access_token().secret().to_owned(),
            stored.access_token().secret().to_owned()
        ]
    );

    // A failed save fails the call; the new token is never used and the
    // session and store keep the old one.
    advance(&sandbox, &clock, LIFETIME);
    store.broken.store(true, Ordering::SeqCst);
    let error = session.get(me(&sandbox)).send().await.unwrap_err();
    assert!(matches!(error, Error::Store(_)), "{error:?}");
    assert_eq!(error.to_string(), "token store: disk full");
    assert_eq!(token_requests(&sandbox).len(), 2, "the refresh was made");
    assert_eq!(api_bearers(&sandbox).len(), 1, "but its token never used");
    let kept = store.load("alice").await.unwrap().unwrap();
    assert_eq!(kept.refresh_token().unwrap().secret(), rotated);
    assert_eq!(announced.lock().unwrap().len(), 2, "no change announced");
}

#[tokio::test]
async fn a_refresh_without_a_new_refresh_token_keeps_the_old_one() {
    let sandbox = start(false).await;
    let client = app_client(&sandbox);
    let original = user_token(&sandbox, &client).await;
    let clock = Arc::new(ManualClock::new());
    let store = Arc::new(MemoryStore::new());
    let session = Session::refreshing(&client)
        .shared_store(store.clone())
        .clock(Arc::clone(&clock))
        .token(original.clone())
        .build()
        .unwrap();
    for _ in 0..2 {
        advance(&sandbox, &clock, LIFETIME);
        session.access_token().await.unwrap();
    }
    assert_eq!(token_requests(&sandbox).len(), 2);
    let stored = store.load(session.key()).await.unwrap().unwrap();
    assert_eq!(
        stored.refresh_token().unwrap().secret(),
        original.refresh_token().unwrap().secret()
    );
}

#[tokio::test]
async fn invalid_grant_on_refresh_removes_the_token_and_asks_to_authorize_again() {
    let sandbox = start(true).await;
    let client = app_client(&sandbox);
    let original = user_token(&sandbox, &client).await;
    let clock = Arc::new(ManualClock::new());
    let store = Arc::new(MemoryStore::new());
    let session = Session::refreshing(&client)
        .shared_store(store.clone())
        .clock(Arc::clone(&clock))
        .build()
        .unwrap();
    session.set_token(original.clone()).await.unwrap();

    sandbox.revoke_all_tokens();
    advance(&sandbox, &clock, LIFETIME);
    let error = session.get(me(&sandbox)).send().await.unwrap_err();
    let Error::RefreshTokenRejected(server) = &error else {
        panic!("expected RefreshTokenRejected, got {error:?}");
    };
    assert_eq!(server.error, ErrorCode::InvalidGrant);
    assert!(error.needs_authorization());
    assert!(error.to_string().ends_with("; authorize again"), "{error}");
    let refresh = original.refresh_token().unwrap().secret();
    assert!(!error.to_string().contains(refresh));
    assert!(
        store.load(session.key()).await.unwrap().is_none(),
        "removed"
    );
    assert!(requests_to(&sandbox, "/api/me").is_empty());

    let error = session.access_token().await.unwrap_err();
    assert!(matches!(error, Error::NoToken), "{error:?}");
    assert_eq!(
        token_requests(&sandbox).len(),
        1,
        "no second try with a dead token"
    );
}

#[tokio::test]
async fn a_401_on_a_valid_token_renews_once_and_retries_once() {
    let sandbox = start(true).await;
    let client = app_client(&sandbox);
    let session = Session::client_credentials(&client, &[]).build().unwrap();
    session.get(me(&sandbox)).send().await.unwrap();

    // The provider forgets every token: ours is refused though not expired.
    sandbox.revoke_all_tokens();
    let answer = session.get(me(&sandbox)).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let bearers = api_bearers(&sandbox);
    assert_eq!(bearers.len(), 3);
    assert_eq!(bearers[0], bearers[1], "sent with the token believed valid");
    assert_ne!(bearers[1], bearers[2], "then with a new one");
    assert_eq!(token_requests(&sandbox).len(), 2);

    // A resource that keeps refusing: one renewal, one retry, then its answer.
    sandbox.inject(
        FaultRule::on(
            "/api/me",
            Fault::Status {
                status: 401,
                headers: vec![(
                    "www-authenticate".into(),
                    r#"Bearer error="invalid_token""#.into(),
                )],
                body: String::new(),
            },
        )
        .times(5),
    );
    let answer = session.get(me(&sandbox)).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(api_bearers(&sandbox).len(), 5);
    assert_eq!(token_requests(&sandbox).len(), 3);
}

fn overloaded(status: u16, retry_after: Option<String>) -> Fault {
    Fault::Status {
        status,
        headers: retry_after
            .map(|v| vec![("retry-after".to_owned(), v)])
            .unwrap_or_default(),
        body: r#"{"error":"slow_down"}"#.into(),
    }
}

#[tokio::test]
async fn retry_after_in_seconds_and_as_a_date_is_honoured() {
    let sandbox = start(true).await;
    let client = app_client(&sandbox);
    let session = Session::client_credentials(&client, &[]).build().unwrap();
    session.access_token().await.unwrap();

    sandbox.inject(FaultRule::on("/api/me", overloaded(429, Some("1".into()))));
    let started = Instant::now();
    let answer = session.get(me(&sandbox)).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(requests_to(&sandbox, "/api/me").len(), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited as asked"
    );

    // A date two seconds ahead: one whole second at least, given rounding.
    sandbox.clear_requests();
    let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    sandbox.inject(FaultRule::on("/api/me", overloaded(503, Some(date))));
    let started = Instant::now();
    let answer = session.get(me(&sandbox)).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(requests_to(&sandbox, "/api/me").len(), 2);
    let waited = started.elapsed();
    assert!(
        (Duration::from_secs(1)..Duration::from_secs(3)).contains(&waited),
        "{waited:?}"
    );
}

#[tokio::test]
async fn backoff_is_bounded_and_a_post_is_retried_only_when_safe() {
    let sandbox = start(true).await;
    let client = app_client(&sandbox);
    let session = Session::client_credentials(&client, &[])
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(100))
                .max_backoff(Duration::from_millis(150)),
        )
        .build()
        .unwrap();
    session.access_token().await.unwrap();

    sandbox.inject(FaultRule::on("/api/me", overloaded(502, None)).times(10));
    let started = Instant::now();
    let answer = session.get(me(&sandbox)).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_GATEWAY, "attempts ran out");
    assert_eq!(requests_to(&sandbox, "/api/me").len(), 3);
    // Waits of 50–100 ms then 75–150 ms.
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(125), "{waited:?}");
    assert!(waited < Duration::from_secs(2), "{waited:?}");
    sandbox.clear_faults();

    let echo = sandbox.api_url().join("api/echo").unwrap().to_string();
    sandbox.inject(FaultRule::on("/api/echo", overloaded(503, None)));
    let answer = session.post(&echo).body("hi").send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        requests_to(&sandbox, "/api/echo").len(),
        1,
        "a POST is not retried"
    );

    sandbox.inject(FaultRule::on("/api/echo", overloaded(503, None)));
    let answer = session
        .post(&echo)
        .json_body(&serde_json::json!({ "say": "hi" }))
        .retry_safe()
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(&answer.body()[..], br#"{"say":"hi"}"#);
    assert_eq!(
        requests_to(&sandbox, "/api/echo").len(),
        3,
        "retried once marked safe"
    );
}

#[tokio::test]
async fn api_calls_carry_a_bearer_header_and_follow_no_redirect() {
    #[derive(serde::Deserialize)]
    struct Me {
        client_id: String,
    }
    let sandbox = start(true).await;
    let client = app_client(&sandbox);
    let session = Session::client_credentials(&client, &[]).build().unwrap();
    let me_answer: Me = session.get(me(&sandbox)).json().await.unwrap();
    assert_eq!(me_answer.client_id, CLIENT_ID);
    let request = &requests_to(&sandbox, "/api/me")[0];
    let token = session.access_token().await.unwrap();
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {}", token.access_token().secret()).as_str())
    );
    assert!(request.query.is_empty(), "no token in the URL");

    sandbox.inject(FaultRule::on(
        "/api/me",
        Fault::RedirectTo("http://127.0.0.1:9/steal".into()),
    ));
    let answer = session.get(me(&sandbox)).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::FOUND, "returned, not followed");
}

#[tokio::test]
async fn a_resource_refusal_in_a_bearer_challenge_is_a_typed_server_error() {
    let sandbox = start(true).await;
    let client = app_client(&sandbox);
    let session = Session::client_credentials(&client, &[]).build().unwrap();
    // A resource server that says why only in its challenge, with no body.
    sandbox.inject(FaultRule::on(
        "/api/me",
        Fault::Status {
            status: 403,
            headers: vec![(
                "www-authenticate".into(),
                r#"Bearer realm="api", error="insufficient_scope", error_description="needs the admin scope", scope="admin""#.into(),
            )],
            body: String::new(),
        },
    ));
    let err = session
        .get(me(&sandbox))
        .json::<serde_json::Value>()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "api endpoint {}: server answered 403 Forbidden with `insufficient_scope` (needs the admin scope)",
            me(&sandbox)
        )
    );
    assert_eq!(
        err.server_error().map(|e| &e.error),
        Some(&ErrorCode::InsufficientScope)
    );
    assert_eq!(
        requests_to(&sandbox, "/api/me").len(),
        1,
        "a 403 is not retried"
    );
}
