//! The tutorial's credential workflow: a client with no redirect URI gets an
//! app token on first use and renews it on expiry; `get` and `post` take a
//! locale and a namespace.
//!
//! Runs against an embedded sandbox by default; against the real Battle.net
//! when `BATTLENET_CLIENT_ID` and `BATTLENET_CLIENT_SECRET` are set.
//!
//! `cargo run --example battlenet_credentials`

// An example program: what it prints is its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]
#![forbid(unsafe_code)]

use battlenet::{Locale, Namespace, Region};
use serde_json::Value;

fn main() -> std::process::ExitCode {
    examples::run(run())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // As in the tutorial, `BattleNetClient::new("us", "", None, id, secret)`
    // makes this client; here it may be the sandbox's.
    let (client, _sandbox) = examples::battlenet_app(Region::Us).await?;

    // Loose spellings of a locale are accepted at the edge.
    let locale: Locale = "enus".parse()?;
    let index: Value = client
        .get(
            "/data/wow/token/index",
            locale,
            Namespace::dynamic(Region::Us),
        )
        .await?;
    println!("token index: {index:#}");

    // Without a locale, localized strings come back keyed by locale.
    let class: Value = client
        .get(
            "/data/wow/playable-class/1",
            None,
            Namespace::static_data(Region::Us),
        )
        .await?;
    println!("class 1 in every locale: {}", class["name"]);

    let info = client.check_token().await?;
    println!("the app token is valid until {} (unix time)", info.exp);
    Ok(())
}
