//! `RedisStore` on a real `redis-server` with a password, started for each
//! test on a free loopback port: the token store contract, keys kept
//! apart, expiry in Redis, workers sharing one app token with renewals
//! saved compare-and-set, and failures that stay typed and quiet.
#![cfg(feature = "redis-store")]

use std::time::{Duration, SystemTime};

use oauth_core::{
    AccessToken, ClientAuth, Error, RedisStore, RedisStoreError, RefreshToken, Session, Token,
    TokenStore,
};
use oauth_sandbox::redis::RedisServer;
use oauth_sandbox::{Fault, FaultRule};

use crate::support::*;

const SUITE: &str = "oauth-core token store on Redis";

fn token(access: &str, refresh: Option<&str>, lives: Duration) -> Token {
    let token = Token::bearer(AccessToken::new(access)).with_expires_at(SystemTime::now() + lives);
    match refresh {
        Some(refresh) => token.with_refresh_token(RefreshToken::new(refresh)),
        None => token,
    }
}

fn access(token: Option<Token>) -> Option<String> {
    token.map(|t| t.access_token().secret().to_owned())
}

/// A command on the server with its own client.
async fn raw<T: ::redis::FromRedisValue>(redis: &RedisServer, args: &[&str]) -> T {
    let client = ::redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let mut command = ::redis::cmd(args[0]);
    for arg in &args[1..] {
        command.arg(*arg);
    }
    command.query_async(&mut connection).await.unwrap()
}

#[tokio::test]
async fn a_save_replaces_and_keys_stay_apart() {
    let Some(redis) = RedisServer::start(SUITE) else {
        return;
    };
    let store = RedisStore::connect(&redis.url(), "app").unwrap();
    assert_eq!(access(store.load("alice").await.unwrap()), None);
    let older = token("at-1", Some("rt-1"), Duration::from_secs(3600));
    let newer = token("at-2", Some("rt-2"), Duration::from_secs(7200));
    store.save("alice", &older).await.unwrap();
    store.save("alice", &newer).await.unwrap();
    let kept = store.load("alice").await.unwrap().unwrap();
    assert_eq!(kept.access_token().secret(), "at-2");
    assert_eq!(kept.refresh_token().unwrap().secret(), "rt-2");
    // A save replaces whatever is stored, even a token living longer (a
    // new sign-in on a server that gives shorter tokens, say).
    store.save("bob", &newer).await.unwrap();
    store.save("bob", &older).await.unwrap();
    assert_eq!(
        access(store.load("bob").await.unwrap()).as_deref(),
        Some("at-1")
    );
    store.remove("bob").await.unwrap();
    // Keys apart: another user, another namespace, and a key holding the
    // separator, which cannot reach into another namespace's keys.
    assert_eq!(access(store.load("carol").await.unwrap()), None);
    let other = RedisStore::connect(&redis.url(), "other").unwrap();
    assert_eq!(access(other.load("alice").await.unwrap()), None);
    other.save("k:lease:z", &older).await.unwrap();
    let mut keys: Vec<String> = raw(&redis, &["KEYS", "*"]).await;
    keys.sort();
    assert_eq!(keys, ["app:token:alice", "other:token:k%3Alease%3Az"]);
    assert_eq!(
        access(other.load("k:lease:z").await.unwrap()).as_deref(),
        Some("at-1")
    );
    other.remove("k:lease:z").await.unwrap();

    // Removed only while it is still the token named.
    assert!(!store.remove_if("alice", &older).await.unwrap());
    assert_eq!(
        access(store.load("alice").await.unwrap()).as_deref(),
        Some("at-2")
    );
    assert!(store.remove_if("alice", &newer).await.unwrap());
    assert_eq!(access(store.load("alice").await.unwrap()), None);
    assert!(
        store.remove_if("alice", &newer).await.unwrap(),
        "nothing there"
    );
    store.save("alice", &newer).await.unwrap();
    store.remove("alice").await.unwrap();
    assert_eq!(access(store.load("alice").await.unwrap()), None);
}

#[tokio::test]
async fn a_token_without_refresh_expires_from_redis_and_one_with_it_stays() {
    let Some(redis) = RedisServer::start(SUITE) else {
        return;
    };
    let store = RedisStore::connect(&redis.url(), "app").unwrap();
    store
        .save("app", &token("at", None, Duration::from_secs(300)))
        .await
        .unwrap();
    let ttl: i64 = raw(&redis, &["PTTL", "app:token:app"]).await;
    assert!((290_000..=300_000).contains(&ttl), "{ttl}");
    store
        .save("user", &token("at", Some("rt"), Duration::from_secs(300)))
        .await
        .unwrap();
    let ttl: i64 = raw(&redis, &["PTTL", "app:token:user"]).await;
    assert_eq!(ttl, -1, "kept until removed: the refresh token outlives it");
}

#[tokio::test]
async fn two_workers_share_one_app_token() {
    let Some(redis) = RedisServer::start(SUITE) else {
        return;
    };
    let sandbox = sandbox(oauth_sandbox::ClientConfig::confidential(CLIENT_ID, SECRET)).await;
    let transport = transports().remove(0).1;
    let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);
    let worker = || {
        Session::client_credentials(&client, &[])
            .store(RedisStore::connect(&redis.url(), "fleet").unwrap())
            .key("app")
            .build()
            .unwrap()
    };
    let (one, two) = (worker(), worker());
    let first = one.access_token().await.unwrap();
    let second = two.access_token().await.unwrap();
    assert_eq!(
        first.access_token().secret(),
        second.access_token().secret(),
        "the second worker read the first one's token"
    );
    assert_eq!(
        requests_to(&sandbox, sandbox.token_endpoint().path()).len(),
        1,
        "one token request for both"
    );
}

#[tokio::test]
async fn damage_and_failures_are_typed_errors_that_show_no_secret() {
    let Some(redis) = RedisServer::start(SUITE) else {
        return;
    };
    // A value this store did not write.
    let _: () = raw(
        &redis,
        &["HSET", "app:token:eve", "token", "{not json at-SECRET"],
    )
    .await;
    let store = RedisStore::connect(&redis.url(), "app").unwrap();
    let error = store.load("eve").await.expect_err("damaged");
    assert!(matches!(cause(&error), Some(RedisStoreError::Corrupt(_))));
    assert!(!format!("{error} {error:?}").contains("SECRET"));

    // A wrong password, a closed port, an unreadable URL.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        format!("redis://:{}@127.0.0.1:{port}/", redis.password())
    };
    let refused = format!("redis://:wrong-password@127.0.0.1:{}/", redis.port());
    for url in [refused, closed] {
        let store = RedisStore::connect(&url, "app").unwrap();
        let started = std::time::Instant::now();
        let error = store.load("alice").await.expect_err("unreachable");
        assert!(started.elapsed() < Duration::from_secs(15), "no hang");
        assert!(matches!(cause(&error), Some(RedisStoreError::Redis(_))));
        let shown = format!("{error} {error:?} {store:?}");
        for secret in ["wrong-password", redis.password()] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
    let error = RedisStore::connect("redis://:pa ss@[::1", "app").expect_err("unreadable");
    assert!(matches!(cause(&error), Some(RedisStoreError::Url)));
    assert!(!format!("{error} {error:?}").contains("pa ss"));
}

fn cause(error: &Error) -> Option<&RedisStoreError> {
    match error {
        Error::Store(cause) => cause.downcast_ref::<RedisStoreError>(),
        _ => None,
    }
}

/// Workers of one application, each its own session and connection, as
/// processes of a fleet would be.
fn fleet_worker(sandbox: &oauth_sandbox::Sandbox, redis: &RedisServer, lease: Duration) -> Session {
    let transport = transports().remove(0).1;
    let client = client(sandbox, ClientAuth::Basic, Some(SECRET), &transport);
    let store = RedisStore::connect(&redis.url(), "fleet")
        .unwrap()
        .lease_time(lease);
    Session::client_credentials(&client, &[])
        .fleet(store)
        .key("app")
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_on_one_expired_app_token_makes_one_token_request() {
    let Some(redis) = RedisServer::start(SUITE) else {
        return;
    };
    let sandbox = sandbox(oauth_sandbox::ClientConfig::confidential(CLIENT_ID, SECRET)).await;
    // The token the fleet had, expired.
    let expired = Token::bearer(AccessToken::new("expired"))
        .with_expires_at(SystemTime::now() - Duration::from_secs(60));
    RedisStore::connect(&redis.url(), "fleet")
        .unwrap()
        .save("app", &expired)
        .await
        .unwrap();
    let workers: Vec<Session> = (0..8)
        .map(|_| fleet_worker(&sandbox, &redis, Duration::from_secs(10)))
        .collect();
    let mut tasks = Vec::new();
    for worker in &workers {
        for _ in 0..50 {
            let worker = worker.clone();
            tasks.push(tokio::spawn(async move {
                worker
                    .access_token()
                    .await
                    .map(|t| t.access_token().secret().to_owned())
            }));
        }
    }
    let mut tokens = std::collections::BTreeSet::new();
    for task in tasks {
        tokens.insert(task.await.unwrap().unwrap());
    }
    assert_eq!(tokens.len(), 1, "every worker holds the one new token");
    assert!(!tokens.contains("expired"));
    assert_eq!(
        requests_to(&sandbox, sandbox.token_endpoint().path()).len(),
        1,
        "one token request for 8 workers × 50 tasks"
    );
}

#[tokio::test]
async fn a_renewer_that_dies_holding_the_lease_is_taken_over_when_it_runs_out() {
    let Some(redis) = RedisServer::start(SUITE) else {
        return;
    };
    let sandbox = sandbox(oauth_sandbox::ClientConfig::confidential(CLIENT_ID, SECRET)).await;
    let lease = Duration::from_millis(1500);
    // A worker took the lease and died before renewing.
    let _: () = raw(
        &redis,
        &["SET", "fleet:lease:app", "dead-worker", "PX", "1500"],
    )
    .await;
    let worker = fleet_worker(&sandbox, &redis, lease);
    let started = std::time::Instant::now();
    let token = worker.access_token().await.unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(1200) && waited < lease + Duration::from_secs(1),
        "renewed once the dead lease ran out, within it + 1 s: {waited:?}"
    );
    assert!(!token.access_token().secret().is_empty());
    assert_eq!(
        requests_to(&sandbox, sandbox.token_endpoint().path()).len(),
        1
    );
    // Its lease released: none left behind.
    let held: i64 = raw(&redis, &["EXISTS", "fleet:lease:app"]).await;
    assert_eq!(held, 0);
}

/// The fleet's app token, expired, as the workers find it on Redis.
async fn expired_app_token(redis: &RedisServer) -> Token {
    let expired = Token::bearer(AccessToken::new("expired"))
        .with_expires_at(SystemTime::now() - Duration::from_secs(60));
    RedisStore::connect(&redis.url(), "fleet")
        .unwrap()
        .save("app", &expired)
        .await
        .unwrap();
    expired
}

async fn stored_app_token(redis: &RedisServer) -> String {
    let store = RedisStore::connect(&redis.url(), "fleet").unwrap();
    access(store.load("app").await.unwrap()).unwrap()
}

/// A sandbox whose next token request answers after `delay`, the fleet's
/// app token on Redis expired, and two workers on leases of 300 ms.
async fn slow_renewal(
    redis: &RedisServer,
    delay: Duration,
) -> (oauth_sandbox::Sandbox, Session, Session) {
    let sandbox = sandbox(oauth_sandbox::ClientConfig::confidential(CLIENT_ID, SECRET)).await;
    expired_app_token(redis).await;
    sandbox.inject(FaultRule::on(
        sandbox.token_endpoint().path(),
        Fault::Delay(delay),
    ));
    let lease = Duration::from_millis(300);
    let workers = (
        fleet_worker(&sandbox, redis, lease),
        fleet_worker(&sandbox, redis, lease),
    );
    (sandbox, workers.0, workers.1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewer_slower_than_its_lease_keeps_it_and_the_others_wait() {
    let Some(redis) = RedisServer::start(SUITE) else {
        return;
    };
    // The token endpoint answers in 1.2 s, four lease times.
    let (sandbox, one, two) = slow_renewal(&redis, Duration::from_millis(1200)).await;
    let first = tokio::spawn(async move { one.access_token().await.unwrap() });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let second = two.access_token().await.unwrap();
    let first = first.await.unwrap();
    assert_eq!(
        requests_to(&sandbox, sandbox.token_endpoint().path()).len(),
        1,
        "the renewer extended its lease while its request ran: no second renewal"
    );
    assert_eq!(
        first.access_token().secret(),
        second.access_token().secret()
    );
    assert_eq!(
        stored_app_token(&redis).await,
        first.access_token().secret()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewal_answered_after_another_was_saved_takes_the_fleets_token() {
    let Some(redis) = RedisServer::start(SUITE) else {
        return;
    };
    let (sandbox, slow, other) = slow_renewal(&redis, Duration::from_millis(1500)).await;
    let slow = tokio::spawn(async move { slow.access_token().await.unwrap() });
    // The slow renewer's lease is lost (as to a renewer stalled past it),
    // and another worker renews and saves first.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _: i64 = raw(&redis, &["DEL", "fleet:lease:app"]).await;
    let saved_first = other.access_token().await.unwrap();
    let late = slow.await.unwrap();
    assert_eq!(
        requests_to(&sandbox, sandbox.token_endpoint().path()).len(),
        2
    );
    assert_eq!(
        late.access_token().secret(),
        saved_first.access_token().secret(),
        "the late renewal took the token saved first, not its own"
    );
    assert_eq!(
        stored_app_token(&redis).await,
        saved_first.access_token().secret(),
        "and did not replace it"
    );
}

#[tokio::test]
async fn a_renewal_whose_token_was_removed_meanwhile_is_still_saved() {
    let Some(redis) = RedisServer::start(SUITE) else {
        return;
    };
    let sandbox = sandbox(oauth_sandbox::ClientConfig::confidential(CLIENT_ID, SECRET)).await;
    expired_app_token(&redis).await;
    sandbox.inject(FaultRule::on(
        sandbox.token_endpoint().path(),
        Fault::Delay(Duration::from_millis(800)),
    ));
    let worker = fleet_worker(&sandbox, &redis, Duration::from_secs(5));
    let renewal = tokio::spawn(async move { worker.access_token().await.unwrap() });
    // While the token request runs, the token is removed (a sign-out on
    // another worker): the renewal's condition fails, and its token is
    // saved where nothing is rather than kept only in its process.
    tokio::time::sleep(Duration::from_millis(300)).await;
    RedisStore::connect(&redis.url(), "fleet")
        .unwrap()
        .remove("app")
        .await
        .unwrap();
    let renewed = renewal.await.unwrap();
    assert_eq!(
        stored_app_token(&redis).await,
        renewed.access_token().secret()
    );
}

#[tokio::test]
async fn a_renewal_living_shorter_than_the_token_it_replaces_is_saved() {
    let Some(redis) = RedisServer::start(SUITE) else {
        return;
    };
    let sandbox = sandbox(oauth_sandbox::ClientConfig::confidential(CLIENT_ID, SECRET)).await;
    // Two hours left, renewed three hours early: the sandbox's new token
    // lives one hour, less than the old one.
    let old = token("old", None, Duration::from_secs(7200));
    let store = RedisStore::connect(&redis.url(), "fleet").unwrap();
    store.save("app", &old).await.unwrap();
    let transport = transports().remove(0).1;
    let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);
    let worker = Session::client_credentials(&client, &[])
        .fleet(store)
        .key("app")
        .skew(Duration::from_secs(3 * 3600))
        .build()
        .unwrap();
    let renewed = worker.access_token().await.unwrap();
    assert_ne!(renewed.access_token().secret(), "old");
    assert_eq!(
        stored_app_token(&redis).await,
        renewed.access_token().secret(),
        "the fleet shares the renewed token"
    );
}

#[tokio::test]
async fn a_lease_that_never_runs_out_is_a_typed_error_not_a_hang() {
    let Some(redis) = RedisServer::start(SUITE) else {
        return;
    };
    let sandbox = sandbox(oauth_sandbox::ClientConfig::confidential(CLIENT_ID, SECRET)).await;
    expired_app_token(&redis).await;
    // Set by something else, without an expiry.
    let _: () = raw(&redis, &["SET", "fleet:lease:app", "stuck"]).await;
    let worker = fleet_worker(&sandbox, &redis, Duration::from_millis(200));
    let started = std::time::Instant::now();
    let error = worker.access_token().await.unwrap_err();
    let waited = started.elapsed();
    assert!(
        matches!(cause(&error), Some(RedisStoreError::LeaseStuck(_))),
        "{error:?}"
    );
    assert!(
        waited >= Duration::from_millis(600) && waited < Duration::from_secs(3),
        "three lease times: {waited:?}"
    );
    assert!(requests_to(&sandbox, sandbox.token_endpoint().path()).is_empty());
}

/// The most acquisitions in any window of `width` starting at one of them.
fn most_in_a_window(times: &[std::time::Instant], width: Duration) -> usize {
    times
        .iter()
        .map(|start| {
            times
                .iter()
                .filter(|t| **t >= *start && **t < *start + width)
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_draws_from_one_rate_budget() {
    let Some(redis) = RedisServer::start(SUITE) else {
        return;
    };
    let limits = [
        (20, Duration::from_secs(1)),
        (1000, Duration::from_secs(3600)),
    ];
    let times = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let started = std::time::Instant::now();
    let mut workers = Vec::new();
    for _ in 0..4 {
        let limiter =
            oauth_core::RateLimiter::fleet(&redis.url(), "fleet:client", &limits, 4).unwrap();
        let times = std::sync::Arc::clone(&times);
        workers.push(tokio::spawn(async move {
            for _ in 0..10 {
                limiter.acquire().await;
                times.lock().unwrap().push(std::time::Instant::now());
            }
        }));
    }
    for worker in workers {
        worker.await.unwrap();
    }
    let times = times.lock().unwrap().clone();
    assert_eq!(times.len(), 40);
    // 40 at 20 a second, spaced: about two seconds; each worker alone at
    // 20 a second would have taken half a second.
    assert!(
        started.elapsed() >= Duration::from_millis(1800),
        "{:?}",
        started.elapsed()
    );
    // No second holds more than the budget, as seen here: Redis spaces
    // them by its own clock, and a worker stalled on a busy machine may
    // note a few late (five, a quarter second's worth); without the shared
    // budget a second holds all 40.
    let most = most_in_a_window(&times, Duration::from_secs(1));
    assert!(most <= 25, "{most} in one second");
    // Both limits are kept on the server, under the namespace.
    let mut keys: Vec<String> = raw(&redis, &["KEYS", "fleet:client:rate:*"]).await;
    keys.sort();
    assert_eq!(
        keys,
        [
            "fleet:client:rate:1000/3600000ms:quota",
            "fleet:client:rate:20/1000ms:paced"
        ]
    );
}

#[tokio::test]
async fn a_process_that_cannot_reach_the_budget_paces_itself_at_its_share() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        format!("redis://:secret-password@127.0.0.1:{port}/")
    };
    // 20 a second for the fleet, 2 processes: 10 a second here.
    let limiter =
        oauth_core::RateLimiter::fleet(&closed, "fleet", &[(20, Duration::from_secs(1))], 2)
            .unwrap();
    assert!(!format!("{limiter:?}").contains("secret-password"));
    let started = std::time::Instant::now();
    for _ in 0..6 {
        limiter.acquire().await;
    }
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(450) && took < Duration::from_secs(10),
        "six at ten a second, after one failed look at Redis: {took:?}"
    );
}

#[tokio::test]
async fn a_budget_key_someone_else_wrote_is_taken_as_full_and_no_limits_is_refused() {
    let Some(redis) = RedisServer::start(SUITE) else {
        return;
    };
    let limits = [(5, Duration::from_secs(1))];
    let limiter = oauth_core::RateLimiter::fleet(&redis.url(), "fleet", &limits, 1).unwrap();
    let _: () = raw(
        &redis,
        &["SET", "fleet:rate:5/1000ms:paced", "not a number"],
    )
    .await;
    let started = std::time::Instant::now();
    for _ in 0..3 {
        limiter.acquire().await;
    }
    // Drawn from Redis (not paced locally at one a second after a failed
    // script): three at five a second.
    assert!(started.elapsed() < Duration::from_millis(900));
    let value: String = raw(&redis, &["GET", "fleet:rate:5/1000ms:paced"]).await;
    assert!(value.parse::<u64>().is_ok(), "{value}");

    let error = oauth_core::RateLimiter::fleet(&redis.url(), "fleet", &[], 1).unwrap_err();
    assert_eq!(
        error.to_string(),
        "configuration error: cannot write the fleet's rate limits: none given"
    );
}

/// The fleet's pieces are built where a program sets up, before any
/// runtime runs (they connect on first use), and work once one does.
#[test]
fn the_fleets_pieces_are_built_outside_a_runtime_and_used_in_one() {
    let Some(redis) = RedisServer::start(SUITE) else {
        return;
    };
    let store = RedisStore::connect(&redis.url(), "outside").unwrap();
    let limiter =
        oauth_core::RateLimiter::fleet(&redis.url(), "outside", &[(10, Duration::from_secs(1))], 1)
            .unwrap();
    #[cfg(feature = "redis-cache")]
    let _cache = oauth_core::cache::RedisCache::connect(&redis.url(), "outside").unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        limiter.acquire().await;
        store
            .save("app", &token("at", None, Duration::from_secs(60)))
            .await
            .unwrap();
        assert_eq!(
            access(store.load("app").await.unwrap()).as_deref(),
            Some("at")
        );
    });
    let keys: Vec<String> = runtime.block_on(raw(&redis, &["KEYS", "outside:*"]));
    assert_eq!(keys.len(), 2, "the token and the rate bucket: {keys:?}");
}

/// Redis stopped under a worker and started again (empty, as after a
/// crash): calls on a fresh token go on, the rate budget paces locally, a
/// renewal fails with a typed error that shows no password, and everything
/// is back by itself once Redis is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_goes_on_through_a_redis_outage_and_recovers_by_itself() {
    let Some(mut redis) = RedisServer::start(SUITE) else {
        return;
    };
    let sandbox = sandbox(oauth_sandbox::ClientConfig::confidential(CLIENT_ID, SECRET)).await;
    let worker = fleet_worker(&sandbox, &redis, Duration::from_secs(10));
    let limiter = oauth_core::RateLimiter::fleet(
        &redis.url(),
        "fleet:client",
        &[(40, Duration::from_secs(1))],
        2,
    )
    .unwrap();
    let first = worker.access_token().await.unwrap();
    limiter.acquire().await;

    redis.stop();
    let started = std::time::Instant::now();
    let during = worker.access_token().await.unwrap();
    assert!(during.access_token().ct_eq(first.access_token()));
    for _ in 0..10 {
        limiter.acquire().await;
    }
    // Ten at this process's share (20 a second), not all at once; and no
    // hang on the unreachable server.
    let paced = started.elapsed();
    assert!(
        paced >= Duration::from_millis(400) && paced < Duration::from_secs(5),
        "{paced:?}"
    );
    let error = worker.refresh().await.unwrap_err();
    assert!(
        matches!(cause(&error), Some(RedisStoreError::Redis(_))),
        "{error:?}"
    );
    assert!(!format!("{error} {error:?}").contains(redis.password()));
    assert!(started.elapsed() < Duration::from_secs(8));

    redis.restart().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let renewed = loop {
        match worker.refresh().await {
            Ok(token) => break token,
            Err(error) if std::time::Instant::now() < deadline => {
                let _ = error;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => panic!("not back after the restart: {error}"),
        }
    };
    assert!(!renewed.access_token().ct_eq(first.access_token()));
    let stored = RedisStore::connect(&redis.url(), "fleet")
        .unwrap()
        .load("app")
        .await
        .unwrap()
        .unwrap();
    assert!(stored.access_token().ct_eq(renewed.access_token()));
    // The budget is drawn from Redis again within seconds: a handle's
    // first command after the restart may meet its failed connection, and
    // paces locally up to four seconds more (its tries spaced out while
    // Redis stayed away).
    let deadline = std::time::Instant::now() + Duration::from_secs(8);
    loop {
        limiter.acquire().await;
        let keys: Vec<String> = raw(&redis, &["KEYS", "fleet:client:rate:*"]).await;
        if keys == ["fleet:client:rate:40/1000ms:paced"] {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the budget is not on Redis again: {keys:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
