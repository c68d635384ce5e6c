//! A fleet: worker processes on one Battle.net client id that share one
//! app token, one rate budget and one response cache through Redis. The
//! first worker scans 50 items; the others, started together after it,
//! scan the same items and are served from the shared cache, on the token
//! the first one fetched.
//!
//! Runs against an embedded sandbox and a `redis-server` it starts on a
//! free loopback port (Debian's `redis-server` package must be installed).
//!
//! `cargo run --example battlenet_fleet [-- WORKERS]`

// An example program: what it prints is its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]
#![forbid(unsafe_code)]

use std::process::Command;
use std::time::{Duration, Instant};

use battlenet::{BattleNetClient, Region};
use oauth_core::cache::{RedisCache, ResponseCache};
use oauth_core::layer::Stack;
use oauth_core::{RateLimiter, RedisStore};
use oauth_sandbox::Sandbox;
use oauth_sandbox::redis::RedisServer;

/// The items each worker scans.
const ITEMS: u64 = 50;
/// Where a worker finds the Redis (a secret: it holds the password) and
/// the sandbox.
const REDIS_ENV: &str = "FLEET_REDIS_URL";
const OAUTH_ENV: &str = "FLEET_OAUTH_BASE";
const API_ENV: &str = "FLEET_API_BASE";
/// The application's namespace on Redis: its name and client id.
const NAMESPACE: &str = "fleet-example:my-app";

fn main() -> std::process::ExitCode {
    if std::env::args().nth(1).as_deref() == Some("--worker") {
        return examples::run(worker());
    }
    examples::run(run())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let workers: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 4,
    };
    let Some(redis) = RedisServer::start("the battlenet_fleet example") else {
        return Ok(());
    };
    let sandbox = examples::battlenet_sandbox().await?;
    let started = Instant::now();
    // The first worker alone, then the others together.
    spawn(&redis, &sandbox, 1)?;
    spawn(&redis, &sandbox, workers.saturating_sub(1))?;
    let elapsed = started.elapsed();

    let requests = sandbox.requests();
    let tokens = requests
        .iter()
        .filter(|r| r.path == sandbox.token_endpoint().path())
        .count();
    let items = requests
        .iter()
        .filter(|r| r.path.starts_with("/data/wow/item/"))
        .count();
    println!("the sandbox issued {tokens} token for {workers} workers");
    println!(
        "requests the sandbox received for items: {items} of {} asked",
        ITEMS * workers as u64
    );
    println!(
        "{:.0} item requests a second to Battle.net, within the fleet's budget of 100",
        items as f64
            / elapsed
                .as_secs_f64()
                .max(Duration::from_millis(1).as_secs_f64())
    );
    Ok(())
}

/// Starts `count` workers at once and waits for them.
fn spawn(
    redis: &RedisServer,
    sandbox: &Sandbox,
    count: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let exe = std::env::current_exe()?;
    let children: Vec<_> = (0..count)
        .map(|_| {
            Command::new(&exe)
                .arg("--worker")
                .env(REDIS_ENV, redis.url())
                .env(OAUTH_ENV, sandbox.oauth_url().as_str())
                .env(API_ENV, sandbox.api_url().as_str())
                .spawn()
        })
        .collect::<Result<_, _>>()?;
    for mut child in children {
        let status = child.wait()?;
        if !status.success() {
            return Err(format!("a worker failed: {status}").into());
        }
    }
    Ok(())
}

/// One worker: its own client, on the fleet's token, budget and cache.
async fn worker() -> Result<(), Box<dyn std::error::Error>> {
    let redis = std::env::var(REDIS_ENV)?;
    let cache = ResponseCache::new(RedisCache::connect(&redis, NAMESPACE)?);
    // Battle.net's quota belongs to the client id: 100 a second, 36,000 an
    // hour, for all the workers together (4 of them share it when Redis is
    // out of reach).
    let limiter = RateLimiter::fleet(
        &redis,
        NAMESPACE,
        &[
            (100, Duration::from_secs(1)),
            (36_000, Duration::from_secs(3600)),
        ],
        4,
    )?;
    let client = BattleNetClient::builder(Region::Us, "my-app", "my-secret")
        .oauth_base(std::env::var(OAUTH_ENV)?.parse()?)
        .api_base(std::env::var(API_ENV)?.parse()?)
        .fleet(RedisStore::connect(&redis, NAMESPACE)?)
        .stack(Stack::new().cache(cache.clone()).rate_limiter(limiter))
        .build()?;
    let names = examples::item_names(&client, 1..=ITEMS, 8).await?;
    let stats = cache.stats();
    eprintln!(
        "worker {}: {} answers, {} from the shared cache",
        std::process::id(),
        names.len(),
        stats.hits
    );
    Ok(())
}
