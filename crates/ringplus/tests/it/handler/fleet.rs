//! A fleet's workers on one RingPlus user's token, kept on a real
//! `redis-server` (started for the test on a free loopback port, with a
//! password): one refresh for all of them, and the refresh token RingPlus
//! rotates to kept.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use oauth_core::{RedisStore, TokenStore as _};
use oauth_sandbox::redis::RedisServer;

use crate::support::*;

const SUITE: &str = "ringplus fleet on Redis";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_on_one_users_token_refresh_once_and_keep_the_rotated_refresh_token() {
    let Some(redis) = RedisServer::start(SUITE) else {
        return;
    };
    let (sandbox, signed_in) = ready(true).await;
    let token = signed_in.token().unwrap();
    let first_refresh = token.refresh_token().unwrap().secret().to_owned();
    // The fleet holds the user's token, expired.
    let store = RedisStore::connect(&redis.url(), "ringplus-fleet").unwrap();
    store
        .save(
            "user-42",
            &token.with_expires_at(SystemTime::now() - Duration::from_secs(60)),
        )
        .await
        .unwrap();

    // Four workers, each its own handler and connection, eight calls each.
    let mut calls = Vec::new();
    for _ in 0..4 {
        let worker = builder(&sandbox)
            .fleet(RedisStore::connect(&redis.url(), "ringplus-fleet").unwrap())
            .store_key("user-42")
            .build()
            .unwrap();
        for _ in 0..8 {
            let worker = worker.clone();
            calls.push(tokio::spawn(async move { worker.valid_token().await }));
        }
    }
    let mut tokens = BTreeSet::new();
    for call in calls {
        let token = call.await.unwrap().unwrap();
        tokens.insert(token.access_token().secret().to_owned());
    }
    assert_eq!(
        tokens.len(),
        1,
        "every worker holds the one refreshed token"
    );
    let refreshes = requests_to(&sandbox, "/oauth/token");
    assert_eq!(refreshes.len(), 1, "one refresh for 4 workers × 8 calls");
    assert_eq!(
        refreshes[0].form_value("refresh_token").as_deref(),
        Some(first_refresh.as_str())
    );

    // Redis keeps the rotated refresh token, and RingPlus takes it.
    let stored = store.load("user-42").await.unwrap().unwrap();
    let rotated = stored.refresh_token().unwrap().secret().to_owned();
    assert_ne!(rotated, first_refresh);
    let later = builder(&sandbox)
        .fleet(RedisStore::connect(&redis.url(), "ringplus-fleet").unwrap())
        .store_key("user-42")
        .build()
        .unwrap();
    later.valid_token().await.unwrap();
    later.refresh_token().await.unwrap();
    assert_eq!(
        requests_to(&sandbox, "/oauth/token")[1]
            .form_value("refresh_token")
            .as_deref(),
        Some(rotated.as_str())
    );
}
