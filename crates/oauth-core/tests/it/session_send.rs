//! Compile-time checks: sessions, stores and their futures can cross
//! threads, so they work in web handlers and spawned tasks.

use std::future::Future;
use std::sync::Arc;

use oauth_core::transport::{HttpRequest, transport_fn};
use oauth_core::{
    AccessToken, ApiRequest, ClientCredentialsSource, CurrentToken, Error, ManualClock,
    MemoryStore, RateLimiter, RefreshTokenSource, RetryPolicy, Session, SessionBuilder, Token,
    TokenSource, TokenStore,
};

fn shared<T: Send + Sync + Clone + 'static>() {}
fn send_sync<T: Send + Sync>() {}
fn send_future<F: Future + Send>(future: F) -> F {
    future
}

#[derive(Debug)]
struct Fixed;

#[oauth_core::async_trait]
impl TokenSource for Fixed {
    async fn fetch(&self, _current: Option<&Token>) -> Result<Token, Error> {
        Ok(Token::bearer(AccessToken::new("fixed")))
    }
}

#[test]
fn public_types_are_send_and_sync() {
    shared::<Session>();
    shared::<CurrentToken>();
    shared::<RateLimiter>();
    shared::<RetryPolicy>();
    shared::<ClientCredentialsSource>();
    shared::<RefreshTokenSource>();
    send_sync::<MemoryStore>();
    send_sync::<SessionBuilder>();
    send_sync::<ApiRequest>();
    send_sync::<ManualClock>();
    send_sync::<Arc<dyn TokenStore>>();
    send_sync::<Arc<dyn TokenSource>>();
    #[cfg(feature = "file-store")]
    shared::<oauth_core::FileStore>();
}

#[tokio::test]
async fn session_futures_are_send() {
    let transport = transport_fn(|_request: HttpRequest| async {
        Ok(oauth_core::http::Response::new(b"{}".to_vec().into()))
    });
    let session = Session::builder(Fixed, Arc::new(transport))
        .build()
        .unwrap();
    let token = send_future(session.access_token()).await.unwrap();
    assert_eq!(token.access_token().secret(), "fixed");
    send_future(session.refresh()).await.unwrap();
    send_future(session.set_token(Token::bearer(AccessToken::new("set"))))
        .await
        .unwrap();
    let answer = send_future(session.get("https://api.example.com/x").send())
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let request = oauth_core::http::Request::get("https://api.example.com/x")
        .body(Vec::new())
        .unwrap();
    send_future(session.send(request)).await.unwrap();
    let value: serde_json::Value = send_future(session.get("https://api.example.com/x").json())
        .await
        .unwrap();
    assert!(value.is_object());
    send_future(session.clear_token()).await.unwrap();
    let store = MemoryStore::new();
    send_future(store.load("k")).await.unwrap();
    send_future(RateLimiter::new(1, std::time::Duration::from_secs(1)).acquire()).await;
    // Spawning needs `Send + 'static` futures, the way web handlers do.
    let spawned = session.clone();
    tokio::spawn(async move { spawned.access_token().await.map(|_| ()) })
        .await
        .unwrap()
        .unwrap();
}
