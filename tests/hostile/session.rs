//! Sessions against a server that rotates refresh tokens while two
//! sessions race on one store, and a clock that is not the system's.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use oauth_core::{
    AccessToken, ClientAuth, Clock as _, Error, FileStore, ManualClock, MemoryStore, RefreshToken,
    Session, Token, TokenStore,
};
use oauth_sandbox::{ClientConfig, Grant, Profile, Sandbox};
use serde_json::json;
use tokio::sync::Barrier;

use super::server::{self, Hostile};
use super::{CLIENT_ID, CLIENT_SECRET, assert_clean, client, transports};

const KEY: &str = "user-7";

fn expired(access: &str, refresh: &str) -> Token {
    Token::bearer(AccessToken::new(access))
        .with_refresh_token(RefreshToken::new(refresh))
        .with_expires_at(SystemTime::UNIX_EPOCH + Duration::from_secs(1))
}

/// Waits until `store` holds a token whose refresh token is `refresh`.
async fn until_stored(store: &dyn TokenStore, refresh: &str) {
    for _ in 0..500 {
        let stored = store.load(KEY).await.unwrap();
        if stored
            .as_ref()
            .and_then(Token::refresh_token)
            .is_some_and(|r| r.secret() == refresh)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{refresh} was never stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_refresh_race_keeps_the_winners_rotated_token() {
    // Item 3: two sessions on one store and key refresh with the same
    // refresh token at once; the server rotates it, answers the first and
    // rejects the second once the first has saved. The loser used to
    // remove the key unconditionally, and the winner's new refresh token
    // with it.
    let dir = tempdir("race");
    // Each case: two sessions' stores, which share what they keep.
    type Pair = (&'static str, Arc<dyn TokenStore>, Arc<dyn TokenStore>);
    let stores: Vec<Pair> = vec![
        {
            let shared: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
            ("one memory store", Arc::clone(&shared), shared)
        },
        (
            "two file stores on one path",
            Arc::new(FileStore::new(dir.join("tokens.json"))),
            Arc::new(FileStore::new(dir.join("tokens.json"))),
        ),
    ];
    for (label, store_a, store_b) in stores {
        store_a
            .save(KEY, &expired("AT-1", "RT-1-Jm4"))
            .await
            .unwrap();
        let both_in_flight = Arc::new(Barrier::new(2));
        let arrivals = Arc::new(AtomicUsize::new(0));
        let watched = Arc::clone(&store_a);
        let server = Hostile::start_async(move |seen| {
            let both_in_flight = Arc::clone(&both_in_flight);
            let arrivals = Arc::clone(&arrivals);
            let watched = Arc::clone(&watched);
            async move {
                assert_eq!(seen.form_value("refresh_token").as_deref(), Some("RT-1-Jm4"));
                let first = arrivals.fetch_add(1, Ordering::SeqCst) == 0;
                both_in_flight.wait().await;
                if first {
                    server::json(
                        200,
                        &json!({"access_token": "AT-2", "token_type": "bearer", "expires_in": 3600, "refresh_token": "RT-2-Wq8"}),
                    )
                } else {
                    until_stored(&*watched, "RT-2-Wq8").await;
                    server::json(
                        400,
                        &json!({"error": "invalid_grant", "error_description": "refresh token RT-1-Jm4 was already used"}),
                    )
                }
            }
        })
        .await;
        let (_, transport) = transports().remove(0);
        let client = client(&server, ClientAuth::Basic, &transport);
        let session = |store: &Arc<dyn TokenStore>| {
            Session::refreshing(&client)
                .shared_store(Arc::clone(store))
                .key(KEY)
                .build()
                .unwrap()
        };
        let (a, b) = (session(&store_a), session(&store_b));
        let (a, b) = tokio::join!(a.access_token(), b.access_token());
        let a = a.unwrap_or_else(|e| panic!("{label}: {e}"));
        let b = b.unwrap_or_else(|e| panic!("{label}: the loser takes the winner's token: {e}"));
        assert_eq!(a.access_token().secret(), "AT-2", "{label}");
        assert_eq!(b.access_token().secret(), "AT-2", "{label}");
        let stored = store_b
            .load(KEY)
            .await
            .unwrap()
            .expect("the rotated token is kept");
        assert_eq!(
            stored.refresh_token().unwrap().secret(),
            "RT-2-Wq8",
            "{label}"
        );
        assert_eq!(server.seen().len(), 2, "{label}");
    }

    // Rejected with nothing newer stored: the token is removed, the user
    // must sign in again, and the error shows no token.
    let store: Arc<dyn TokenStore> = Arc::new(FileStore::new(dir.join("alone.json")));
    store.save(KEY, &expired("AT-9", "RT-9-Vb2")).await.unwrap();
    let server = Hostile::start(|_| {
        server::json(
            400,
            &json!({"error": "invalid_grant", "error_description": "RT-9-Vb2 revoked"}),
        )
    })
    .await;
    let (_, transport) = transports().remove(0);
    let client = client(&server, ClientAuth::Basic, &transport);
    let session = Session::refreshing(&client)
        .shared_store(Arc::clone(&store))
        .key(KEY)
        .build()
        .unwrap();
    let error = session.access_token().await.unwrap_err();
    assert!(matches!(error, Error::RefreshTokenRejected(_)), "{error:?}");
    assert!(error.needs_authorization());
    assert_clean("rejected", &error, &["RT-9-Vb2", "AT-9", CLIENT_SECRET]);
    assert!(store.load(KEY).await.unwrap().is_none());
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_session_on_its_own_clock_judges_the_servers_tokens_by_it() {
    // Item 5: with an injected clock ten days ahead, every token the
    // sandbox issued looked stale on arrival (its expiry was stamped from
    // the system clock), so each call asked for a new one.
    let sandbox = Sandbox::builder()
        .profile(Profile::Generic)
        .client(
            ClientConfig::confidential(CLIENT_ID, CLIENT_SECRET).grants([Grant::ClientCredentials]),
        )
        .access_token_lifetime(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    for (name, transport) in transports() {
        sandbox.clear_requests();
        let provider = oauth_core::GenericProvider::new(
            sandbox.authorization_endpoint().as_str(),
            sandbox.token_endpoint().as_str(),
        )
        .unwrap();
        let client = oauth_core::Client::builder(provider, CLIENT_ID)
            .client_secret(CLIENT_SECRET)
            .shared_transport(transport)
            .build()
            .unwrap();
        for offset in [Duration::from_secs(10 * 24 * 3600), Duration::ZERO] {
            sandbox.clear_requests();
            let clock = Arc::new(ManualClock::at(SystemTime::now() + offset));
            let session = Session::client_credentials(&client, &[])
                .clock(Arc::clone(&clock))
                .build()
                .unwrap();
            let first = session.access_token().await.unwrap();
            let again = session.access_token().await.unwrap();
            assert_eq!(
                first.access_token().secret(),
                again.access_token().secret(),
                "{name} {offset:?}"
            );
            let expires_at = first.token().expires_at().unwrap();
            assert_eq!(
                expires_at,
                clock.now() + Duration::from_secs(3600),
                "{name}: dated by the session's clock"
            );
            assert_eq!(token_posts(&sandbox), 1, "{name} {offset:?}");

            // Stale by that clock inside the skew: renewed once.
            clock.advance(Duration::from_secs(3600 - 59));
            session.access_token().await.unwrap();
            session.access_token().await.unwrap();
            assert_eq!(token_posts(&sandbox), 2, "{name} {offset:?}");
        }
    }
}

/// Token requests the sandbox received since its log was cleared.
fn token_posts(sandbox: &Sandbox) -> usize {
    let path = sandbox.token_endpoint().path().to_owned();
    sandbox.requests().iter().filter(|r| r.path == path).count()
}

pub(crate) fn tempdir(label: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "oauth-hostile-{label}-{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
