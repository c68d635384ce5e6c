//! The API-call layers against the sandbox, alone and stacked: what each
//! sends, and that their order holds (a retried request carries the token
//! as renewed; a `401` is renewed once by the Bearer layer and never
//! retried as well).
#![cfg(any(feature = "reqwest", feature = "hyper"))]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::*;
use oauth_core::http::{self, StatusCode};
use oauth_core::layer::{Bearer, RateLimit, Replay, Retry, RetrySafe, Timeout};
use oauth_core::transport::{HttpRequest, HttpTransport, transport_fn};
use oauth_core::{
    ClientAuth, Error, RateLimiter, RetryPolicy, Session, TransportError, TransportErrorKind,
};
use oauth_sandbox::{ClientConfig, Fault, FaultRule, Sandbox};

async fn start() -> Sandbox {
    sandbox(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT)).await
}

fn transport() -> Arc<dyn HttpTransport> {
    transports().remove(0).1
}

fn session(sandbox: &Sandbox) -> Session {
    let client = client(sandbox, ClientAuth::Basic, Some(SECRET), &transport());
    Session::client_credentials(&client, &[]).build().unwrap()
}

fn get(sandbox: &Sandbox, path: &str) -> HttpRequest {
    http::Request::get(sandbox.api_url().join(path).unwrap().as_str())
        .body(Vec::new())
        .unwrap()
}

/// A GET carrying the session's current token itself, for layers tested
/// without the Bearer layer.
async fn authorized_get(sandbox: &Sandbox, session: &Session, path: &str) -> HttpRequest {
    let mut request = get(sandbox, path);
    let token = session.access_token().await.unwrap();
    request
        .headers_mut()
        .insert(http::header::AUTHORIZATION, token.authorization().clone());
    request
}

fn status(status: u16, retry_after: &str) -> Fault {
    Fault::Status {
        status,
        headers: vec![("retry-after".to_owned(), retry_after.to_owned())],
        body: String::new(),
    }
}

fn bearers(sandbox: &Sandbox, path: &str) -> Vec<String> {
    requests_to(sandbox, path)
        .iter()
        .map(|r| r.header("authorization").unwrap_or("none").to_owned())
        .collect()
}

fn token_requests(sandbox: &Sandbox) -> usize {
    requests_to(sandbox, sandbox.token_endpoint().path()).len()
}

#[tokio::test]
async fn retry_alone_sends_an_idempotent_request_again_and_a_post_only_when_marked() {
    let sandbox = start().await;
    let session = session(&sandbox);
    let retry = Retry::new(RetryPolicy::default(), transport());
    sandbox.inject(FaultRule::on("/api/me", status(503, "0")).times(2));
    let answer = retry
        .send(authorized_get(&sandbox, &session, "api/me").await)
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(requests_to(&sandbox, "/api/me").len(), 3);
    let token = session.access_token().await.unwrap();

    let post = |safe: bool| {
        let mut request = http::Request::post(sandbox.api_url().join("api/echo").unwrap().as_str())
            .header(http::header::AUTHORIZATION, token.authorization().clone())
            .body(br#"{"say":"hi"}"#.to_vec())
            .unwrap();
        if safe {
            request.extensions_mut().insert(RetrySafe);
        }
        request
    };
    sandbox.inject(FaultRule::on("/api/echo", status(429, "0")));
    let answer = retry.send(post(false)).await.unwrap();
    assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
    sandbox.inject(FaultRule::on("/api/echo", status(429, "0")));
    let answer = retry.send(post(true)).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let echoes = requests_to(&sandbox, "/api/echo");
    assert_eq!(echoes.len(), 3, "one POST unmarked, two marked");
    assert!(
        echoes.iter().all(|r| r.body == br#"{"say":"hi"}"#),
        "each send carries the body"
    );
}

#[tokio::test]
async fn rate_limit_alone_spaces_the_sends() {
    let sandbox = start().await;
    let session = session(&sandbox);
    let limited = RateLimit::new(
        RateLimiter::with_burst(10, Duration::from_secs(1), 1),
        transport(),
    );
    let started = Instant::now();
    for _ in 0..3 {
        let request = authorized_get(&sandbox, &session, "api/me").await;
        let answer = limited.send(request).await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
    }
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(200),
        "three sends at 10/s: {took:?}"
    );
    assert_eq!(requests_to(&sandbox, "/api/me").len(), 3);
}

#[tokio::test]
async fn timeout_alone_bounds_the_whole_call() {
    let sandbox = start().await;
    sandbox.inject(FaultRule::on(
        "/api/me",
        Fault::Delay(Duration::from_secs(5)),
    ));
    let bounded = Timeout::new(Duration::from_millis(200), transport());
    let error = bounded.send(get(&sandbox, "api/me")).await.unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Timeout);
}

#[tokio::test]
async fn bearer_alone_presents_the_token_and_renews_once_after_a_401() {
    let sandbox = start().await;
    let session = session(&sandbox);
    let bearer = Bearer::new(&session, transport());
    let answer = bearer.send(get(&sandbox, "api/me")).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let token = session.access_token().await.unwrap();
    assert_eq!(
        bearers(&sandbox, "/api/me"),
        [format!("Bearer {}", token.access_token().secret())]
    );

    sandbox.revoke_all_tokens();
    let answer = bearer.send(get(&sandbox, "api/me")).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK, "renewed, sent again");
    let sent = bearers(&sandbox, "/api/me");
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0], sent[1], "first with the token believed valid");
    assert_ne!(sent[1], sent[2], "then with the renewed one");
    assert_eq!(token_requests(&sandbox), 2);
}

#[tokio::test]
async fn a_token_that_cannot_be_had_leaves_the_stack_as_the_sessions_error() {
    let sandbox = start().await;
    let client = oauth_core::Client::builder(provider(&sandbox, ClientAuth::Basic), CLIENT_ID)
        .client_secret("not-the-secret")
        .shared_transport(transport())
        .build()
        .unwrap();
    let session = Session::client_credentials(&client, &[]).build().unwrap();
    let bearer = Bearer::new(&session, transport());
    let error = bearer.send(get(&sandbox, "api/me")).await.unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Layer);
    let error = error.into_error(|| unreachable!("a layer's error names its own endpoint"));
    assert!(
        matches!(&error, Error::Server { endpoint, .. } if endpoint.name == "token"),
        "{error:?}"
    );
    let through_session = session
        .get(sandbox.api_url().join("api/me").unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(through_session.to_string(), error.to_string());
    assert!(
        requests_to(&sandbox, "/api/me").is_empty(),
        "nothing sent without a token"
    );
}

#[tokio::test]
async fn a_retried_request_carries_the_token_as_renewed_meanwhile() {
    let sandbox = start().await;
    let session = session(&sandbox);
    session.access_token().await.unwrap();
    // Between the two sends, the token is renewed (as another task's 401
    // would renew it).
    let sends = Arc::new(AtomicUsize::new(0));
    let real = transport();
    let renewing = {
        let session = session.clone();
        let sends = Arc::clone(&sends);
        transport_fn(move |request: HttpRequest| {
            let (session, sends, real) = (session.clone(), Arc::clone(&sends), Arc::clone(&real));
            async move {
                let answer = real.send(request).await;
                if sends.fetch_add(1, Ordering::SeqCst) == 0 {
                    session.refresh().await.map_err(TransportError::layer)?;
                }
                answer
            }
        })
    };
    let stack = Retry::new(
        RetryPolicy::default(),
        Arc::new(Bearer::new(&session, Arc::new(renewing))),
    );
    sandbox.inject(FaultRule::on("/api/me", status(503, "0")));
    let answer = stack.send(get(&sandbox, "api/me")).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let sent = bearers(&sandbox, "/api/me");
    assert_eq!(sent.len(), 2);
    assert_ne!(sent[0], sent[1], "the retry went through Bearer again");
    let renewed = session.access_token().await.unwrap();
    assert_eq!(
        sent[1],
        format!("Bearer {}", renewed.access_token().secret())
    );
}

#[tokio::test]
async fn a_401_is_renewed_once_and_never_retried_as_well() {
    let sandbox = start().await;
    let session = session(&sandbox);
    session.access_token().await.unwrap();
    sandbox.inject(FaultRule::on("/api/me", status(401, "0")).times(10));
    let answer = session
        .get(sandbox.api_url().join("api/me").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        requests_to(&sandbox, "/api/me").len(),
        2,
        "one send, one after the renewal, no retry"
    );
    assert_eq!(token_requests(&sandbox), 2, "one renewal");
}

/// The session's default stack of the two layers that resend.
fn retry_over_bearer(session: &Session) -> Retry {
    Retry::new(
        RetryPolicy::default(),
        Arc::new(Bearer::new(session, transport())),
    )
}

/// The next call to `/api/me` meets a 503 (a retry), then a 401 (a
/// renewal and a resend), then the answer.
fn unavailable_then_refused(sandbox: &Sandbox) {
    sandbox.inject(FaultRule::on("/api/me", status(503, "0")).times(1));
    sandbox.inject(FaultRule::on("/api/me", status(401, "0")).times(1));
}

/// A GET that carries a [`Replay`] counting its rebuilds, each the same
/// request with a header saying which rebuild it is.
fn counted_get(sandbox: &Sandbox, path: &str) -> (HttpRequest, Arc<AtomicUsize>) {
    let url = sandbox.api_url().join(path).unwrap().to_string();
    let made = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&made);
    let make = move || {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        http::Request::get(url.as_str())
            .header("x-made", n.to_string())
            .body(Vec::new())
            .ok()
    };
    let mut request = make().unwrap();
    request.extensions_mut().insert(Replay::new(make));
    (request, made)
}

#[tokio::test]
async fn a_request_answered_the_first_time_is_never_made_again() {
    let sandbox = start().await;
    let session = session(&sandbox);
    let stack = retry_over_bearer(&session);
    let (request, made) = counted_get(&sandbox, "api/me");
    let answer = stack.send(request).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(made.load(Ordering::SeqCst), 1, "made once, by the caller");
}

#[tokio::test]
async fn each_resend_is_made_again_by_the_requests_replay() {
    let sandbox = start().await;
    let session = session(&sandbox);
    session.access_token().await.unwrap();
    let stack = retry_over_bearer(&session);
    unavailable_then_refused(&sandbox);
    let (request, made) = counted_get(&sandbox, "api/me");
    let answer = stack.send(request).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let sent = requests_to(&sandbox, "/api/me");
    let made_in_turn: Vec<_> = sent.iter().map(|r| r.header("x-made").unwrap()).collect();
    assert_eq!(made_in_turn, ["0", "1", "2"], "each resend made anew");
    assert_eq!(made.load(Ordering::SeqCst), 3);
    assert_eq!(token_requests(&sandbox), 2, "one renewal");
}

#[tokio::test]
async fn a_request_without_a_replay_is_sent_again_whole() {
    let sandbox = start().await;
    let session = session(&sandbox);
    session.access_token().await.unwrap();
    let stack = retry_over_bearer(&session);
    unavailable_then_refused(&sandbox);
    let mut request = get(&sandbox, "api/me?fields=name");
    request
        .headers_mut()
        .insert("x-kept", http::HeaderValue::from_static("yes"));
    let answer = stack.send(request).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let sent = requests_to(&sandbox, "/api/me");
    assert_eq!(sent.len(), 3, "first, retried, resent after the renewal");
    for request in &sent {
        assert_eq!(request.header("x-kept"), Some("yes"));
        assert_eq!(request.query_value("fields").as_deref(), Some("name"));
    }
    assert_eq!(token_requests(&sandbox), 2, "one renewal");
}

#[tokio::test]
async fn a_replay_that_cannot_make_the_request_again_returns_the_answer_it_has() {
    let sandbox = start().await;
    let session = session(&sandbox);
    session.access_token().await.unwrap();
    let stack = Retry::new(RetryPolicy::default(), transport());
    sandbox.inject(FaultRule::on("/api/me", status(503, "0")).times(1));
    let mut request = authorized_get(&sandbox, &session, "api/me").await;
    request.extensions_mut().insert(Replay::new(|| None));
    let answer = stack.send(request).await.unwrap();
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(requests_to(&sandbox, "/api/me").len(), 1);

    let bearer = Bearer::new(&session, transport());
    sandbox.inject(FaultRule::on("/api/me", status(401, "0")).times(1));
    let mut request = get(&sandbox, "api/me");
    request.extensions_mut().insert(Replay::new(|| None));
    let answer = bearer.send(request).await.unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(requests_to(&sandbox, "/api/me").len(), 2, "not sent again");
    assert_eq!(token_requests(&sandbox), 2, "but renewed for the next call");
}
