//! Another local account against the loopback redirect: connections that
//! say nothing, held open to stall the browser's callback.

use std::time::{Duration, Instant};

use oauth_core::{ClientAuth, LoopbackConfig, LoopbackRedirect};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;

use super::server::{self, Hostile};
use super::transports;

#[tokio::test]
async fn silent_local_connections_never_hold_up_the_callback() {
    // Item 17: each silent connection used to cost 5 s before the next was
    // read; a few of them stalled the sign-in.
    let server = Hostile::start(|_| server::json(500, &serde_json::json!({}))).await;
    let loopback = LoopbackRedirect::bind(LoopbackConfig::default())
        .await
        .unwrap();
    let redirect = loopback.redirect_uri().clone();
    let (_, transport) = transports().remove(0);
    let client = {
        let provider = oauth_core::GenericProvider::new(
            server.url("/authorize").as_str(),
            server.url("/token").as_str(),
        )
        .unwrap()
        .with_client_auth(ClientAuth::Basic);
        oauth_core::Client::builder(provider, super::CLIENT_ID)
            .redirect_uri(redirect.as_str())
            .shared_transport(transport)
            .build()
            .unwrap()
    };
    let (_, pending) = client.authorization_url().build().unwrap();
    let state = pending.state().secret().to_owned();

    let addr = format!("127.0.0.1:{}", redirect.port().unwrap());
    // Silent connections, and one that sends half a request head.
    let mut stallers = Vec::new();
    for _ in 0..8 {
        stallers.push(TcpStream::connect(&addr).await.unwrap());
    }
    let mut partial = TcpStream::connect(&addr).await.unwrap();
    partial.write_all(b"GET /callback?state=").await.unwrap();
    stallers.push(partial);

    let started = Instant::now();
    let browser = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut stream = TcpStream::connect(&addr).await.unwrap();
        let request =
            format!("GET /callback?code=c-1&state={state} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut stream, &mut answer)
            .await
            .unwrap();
        answer
    });
    let callback = tokio::time::timeout(Duration::from_secs(3), loopback.receive(&pending))
        .await
        .expect("the callback is served while the silent connections wait")
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(
        callback.query_pairs().find(|(n, _)| n == "code").unwrap().1,
        "c-1"
    );
    let answer = browser.await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains("You are signed in"), "{answer}");
    drop(stallers);
}
