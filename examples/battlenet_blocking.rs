//! The tutorial as a script, without async: the blocking client
//! (`battlenet` feature `blocking`) gets an app token, reads the WoW token
//! price with `get`, and a playable class and a character's equipment from
//! the catalogue with `wait()`.
//!
//! Runs against an embedded sandbox by default (served by a runtime of its
//! own); against the real Battle.net when `BATTLENET_CLIENT_ID` and
//! `BATTLENET_CLIENT_SECRET` are set.
//!
//! `cargo run --example battlenet_blocking`

// An example program: what it prints is its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]
#![forbid(unsafe_code)]

use battlenet::blocking::BattleNetClient;
use battlenet::{Locale, Namespace, Region};
use oauth_sandbox::{ClientConfig, Profile, Sandbox};

fn main() -> std::process::ExitCode {
    examples::exit(run())
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    // The sandbox needs a runtime to serve from; the script itself has none.
    let mut _sandbox: Option<(tokio::runtime::Runtime, Sandbox)> = None;
    let client = if let (Ok(id), Ok(secret)) = (
        std::env::var("BATTLENET_CLIENT_ID"),
        std::env::var("BATTLENET_CLIENT_SECRET"),
    ) {
        // As in the tutorial: region, scope, no redirect URI, id, secret.
        BattleNetClient::new("us", "", None, &id, &secret)?
    } else {
        let server = tokio::runtime::Runtime::new()?;
        let sandbox = server.block_on(
            Sandbox::builder()
                .profile(Profile::BattleNet)
                .client(ClientConfig::confidential("my-app", "my-secret"))
                .start(),
        )?;
        println!("Using a sandbox Battle.net at {}", sandbox.oauth_url());
        let client = BattleNetClient::builder(Region::Us, "my-app", "my-secret")
            .oauth_base(sandbox.oauth_url().clone())
            .api_base(sandbox.api_url().clone())
            .build()?;
        _sandbox = Some((server, sandbox));
        client
    };

    // `client.get(endpoint, locale, namespace)`, and the answer, no await.
    let index = client
        .get(
            "/data/wow/token/index",
            Locale::EnUs,
            Namespace::dynamic(Region::Us),
        )
        .send()?;
    println!(
        "a WoW token costs {} gold",
        index["price"].as_u64().unwrap_or_default() / 10_000
    );

    let class = client.wow().playable_class(7).locale(Locale::EnUs).wait()?;
    println!("playable class 7: {}", class.name.text().unwrap_or("?"));

    let equipment = client
        .wow()
        .character("tarren-mill", "alicemage")
        .equipment()
        .locale(Locale::EnUs)
        .wait()?;
    for item in equipment.equipped_items {
        println!(
            "  {:<10} {}",
            item.slot.kind,
            item.name.as_ref().and_then(|n| n.text()).unwrap_or("?")
        );
    }
    Ok(())
}
