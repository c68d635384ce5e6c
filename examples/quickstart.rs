//! The main job, end to end: Battle.net's credential workflow, then the WoW
//! token price and a playable class in a chosen locale.
//!
//! By default it runs against an embedded sandbox that emulates Battle.net,
//! so it needs no network and no account. With `BATTLENET_CLIENT_ID` and
//! `BATTLENET_CLIENT_SECRET` set it talks to the real Battle.net (region
//! `BATTLENET_REGION`, default `us`).
//!
//! `cargo run --example quickstart [locale]` — the locale in any spelling
//! (`en_US`, `enus`, `en-us`); default `en_US`.

// An example program: what it prints is its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]
#![forbid(unsafe_code)]

use battlenet::{Locale, Namespace, Region};
use serde_json::Value;

fn main() -> std::process::ExitCode {
    examples::run(run())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let locale: Locale = std::env::args()
        .nth(1)
        .as_deref()
        .unwrap_or("en_US")
        .parse()?;

    // The sandbox, if one runs, lives as long as the client.
    let (client, _sandbox) = examples::battlenet_app(Region::Us).await?;
    let region = client.region();
    // The tutorial's `locale` checked against the region before any request.
    let locale = locale.check_region(region)?;

    // The credential workflow: the app token is fetched on this first call.
    let token: Value = client
        .get("/data/wow/token/index", locale, Namespace::dynamic(region))
        .await?;
    let price = token["price"].as_u64().unwrap_or_default();
    println!(
        "WoW token price in {region}: {} gold {} silver {} copper",
        price / 10_000,
        price / 100 % 100,
        price % 100
    );

    let class: Value = client
        .get(
            "/data/wow/playable-class/7",
            locale,
            Namespace::static_data(region),
        )
        .await?;
    println!(
        "Playable class {} in {locale}: {}",
        class["id"],
        class["name"].as_str().unwrap_or("?")
    );
    Ok(())
}
