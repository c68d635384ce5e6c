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

use battlenet::{BattleNetClient, Locale, Namespace, Region};
use oauth_sandbox::{ClientConfig, Profile, Sandbox};
use serde_json::Value;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut _sandbox = None;
    let client = if let (Ok(id), Ok(secret)) = (
        std::env::var("BATTLENET_CLIENT_ID"),
        std::env::var("BATTLENET_CLIENT_SECRET"),
    ) {
        // As in the tutorial: region, scope, no redirect URI, id, secret.
        BattleNetClient::new("us", "", None, &id, &secret)?
    } else {
        let sandbox = Sandbox::builder()
            .profile(Profile::BattleNet)
            .client(ClientConfig::confidential("my-app", "my-secret"))
            .start()
            .await?;
        let client = BattleNetClient::builder(Region::Us, "my-app", "my-secret")
            .oauth_base(sandbox.oauth_url().clone())
            .api_base(sandbox.api_url().clone())
            .build()?;
        _sandbox = Some(sandbox);
        client
    };

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
