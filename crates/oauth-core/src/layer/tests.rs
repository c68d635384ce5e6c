//! Which layers a stack holds and in what order, and what a request copy keeps.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::clock::ManualClock;
use crate::secret::AccessToken;
use crate::session::Session;
use crate::token::Token;
use crate::transport::transport_fn;

fn refusing() -> Arc<dyn HttpTransport> {
    Arc::new(transport_fn(|_request: HttpRequest| async {
        Ok(http::Response::new(Default::default()))
    }))
}

fn session() -> Session {
    let client = crate::Client::builder(
        crate::GenericProvider::new("https://id.example/a", "https://id.example/t")
            .expect("provider"),
        "cli",
    )
    .transport(transport_fn(|_request: HttpRequest| async {
        Ok(http::Response::new(Default::default()))
    }))
    .build()
    .expect("client");
    Session::client_credentials(&client, &[])
        .token(Token::bearer(AccessToken::new("t")))
        .build()
        .expect("session")
}

/// The layers of a stack, outermost first, as its `Debug` names them.
fn layers(stack: &Stack) -> Vec<&'static str> {
    let session = session();
    let built = stack.build(
        session.tokens(),
        Arc::new(ManualClock::new()),
        refusing(),
        Some("app:cli"),
    );
    let shown = format!("{built:?}");
    ["Timeout", "Retry", "Bearer", "RateLimit", "FnTransport"]
        .into_iter()
        .filter_map(|name| shown.find(name).map(|at| (at, name)))
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_values()
        .collect()
}

#[test]
fn the_stack_holds_only_what_is_configured_in_the_documented_order() {
    assert_eq!(layers(&Stack::new()), ["Retry", "Bearer", "FnTransport"]);
    assert_eq!(
        layers(&Stack::new().retry(RetryPolicy::none())),
        ["Bearer", "FnTransport"]
    );
    assert_eq!(
        layers(
            &Stack::new()
                .rate_limiter(RateLimiter::new(10, Duration::from_secs(1)))
                .total_timeout(Duration::from_secs(5))
        ),
        ["Timeout", "Retry", "Bearer", "RateLimit", "FnTransport"]
    );
}

#[test]
fn a_copy_keeps_everything_the_request_was_made_of() {
    let mut request = http::Request::builder()
        .method(http::Method::PUT)
        .uri("https://api.example/v1/x?y=1")
        .version(http::Version::HTTP_2)
        .header("x-a", "1")
        .header("x-a", "2")
        .body(b"body".to_vec())
        .expect("request");
    request.extensions_mut().insert(RetrySafe);
    let copy = copy_request(&request);
    assert_eq!(copy.method(), http::Method::PUT);
    assert_eq!(copy.uri(), "https://api.example/v1/x?y=1");
    assert_eq!(copy.version(), http::Version::HTTP_2);
    assert_eq!(copy.headers(), request.headers());
    assert_eq!(copy.body(), b"body");
    assert_eq!(copy.extensions().get::<RetrySafe>(), Some(&RetrySafe));
}

#[test]
fn the_stack_options_read_back() {
    let stack = Stack::new().retry(RetryPolicy::none().max_attempts(2));
    assert_eq!(stack.retry_policy().max_attempts, 2);
    assert!(stack.limiter().is_none());
    let stack = stack.rate_limiter(RateLimiter::new(1, Duration::from_secs(1)));
    assert!(stack.limiter().is_some());
}

#[test]
fn a_request_is_copied_for_a_resend_only_when_it_carries_no_replay() {
    use std::sync::atomic::{AtomicUsize, Ordering};

    // Without one: a copy that makes the request as it was.
    let request = http::Request::get("https://api.example/v1/x?y=1")
        .header("x-a", "1")
        .body(Vec::new())
        .expect("request");
    let again = Again::of(&request);
    assert!(matches!(again, Again::Copy(_)));
    let made = again.request().expect("made again");
    assert_eq!(made.uri(), "https://api.example/v1/x?y=1");
    assert_eq!(made.headers(), request.headers());

    // With one: that one, called only for a resend, and carried on.
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let mut request = http::Request::get("https://api.example/v1/x")
        .body(Vec::new())
        .expect("request");
    request.extensions_mut().insert(Replay::new(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        http::Request::get("https://api.example/v1/x")
            .body(Vec::new())
            .ok()
    }));
    let again = Again::of(&request);
    assert_eq!(calls.load(Ordering::SeqCst), 0, "nothing made yet");
    let made = again.request().expect("made again");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let _ = Again::of(&made).request();
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "the same replay, carried on"
    );
    let replay = made.extensions().get::<Replay>().expect("carried");
    assert_eq!(format!("{replay:?}"), "Replay");
}
