//! A scan of game data through the response cache: 200 item documents,
//! each asked for three times in a shuffled order, as a tool that walks
//! auctions or a guild's gear comes back to the same items. The first ask
//! of each goes to Battle.net; the others are served from the cache until
//! the document is stale (a day for static data), then revalidated with a
//! conditional request that a `304` answers.
//!
//! Runs against an embedded sandbox by default; against the real
//! Battle.net when `BATTLENET_CLIENT_ID` and `BATTLENET_CLIENT_SECRET` are
//! set. Give a file path as the argument to keep the cache in SQLite
//! across runs: against the real Battle.net a second run then sends
//! nothing (the sandbox listens on a new port each run, so its URLs are
//! new each time).
//!
//! `cargo run --example battlenet_scan [-- cache.sqlite]`

// An example program: what it prints is its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]
#![forbid(unsafe_code)]

use battlenet::Region;
use oauth_core::cache::{ResponseCache, SqliteCache};

/// Distinct documents, and how many times each is asked for.
const ITEMS: u64 = 200;
const ROUNDS: u64 = 3;

fn main() -> std::process::ExitCode {
    examples::run(run())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let cache = match std::env::args().nth(1) {
        Some(path) => {
            let (store, replaced) = SqliteCache::open_or_replace(&path, 256 << 20)?;
            if let Some(error) = replaced {
                eprintln!("started an empty cache: {error}");
            }
            println!("Caching in {path}");
            ResponseCache::new(store)
        }
        None => ResponseCache::memory(64 << 20),
    };
    // The rate limit paces what goes to Battle.net (its quota is 100 a
    // second); answers from the cache sit above it and never wait.
    let (client, sandbox) = examples::battlenet_app_with(Region::Us, |builder| {
        builder.cache(cache.clone()).rate_limit(100)
    })
    .await?;

    // Every item three times, in an order that mixes the rounds: the n-th
    // ask is item (n × 7919) mod 200, a prime stride that visits each item
    // once per 200 asks.
    let asks = (0..ITEMS * ROUNDS).map(|n| 19 + (n * 7919) % ITEMS);
    let names = examples::item_names(&client, asks, 8).await?;

    let stats = cache.stats();
    println!(
        "scanned {} answers of {ITEMS} documents: {} from the cache, {} from Battle.net, {} revalidated",
        names.len(),
        stats.hits,
        stats.misses,
        stats.revalidations
    );
    if let Some(sandbox) = &sandbox {
        let sent = sandbox
            .requests()
            .iter()
            .filter(|r| r.path.starts_with("/data/wow/item/"))
            .count();
        println!("requests the sandbox received for items: {sent}");
    }
    println!("the cache holds about {} KiB", stats.stored_bytes / 1024);
    Ok(())
}
