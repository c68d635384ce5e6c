//! The typed catalogue: a character's equipment, its portrait, and a
//! Hearthstone card search walked page by page.
//!
//! Runs against an embedded sandbox by default; against the real Battle.net
//! when `BATTLENET_CLIENT_ID` and `BATTLENET_CLIENT_SECRET` are set (region
//! `BATTLENET_REGION`, default `eu`; character `BATTLENET_REALM` /
//! `BATTLENET_CHARACTER`, default `tarren-mill` / `alicemage`).
//!
//! `cargo run --example battlenet_catalogue`

// An example program: what it prints is its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]
#![forbid(unsafe_code)]

use battlenet::{Locale, Region};
use futures_util::StreamExt as _;

fn main() -> std::process::ExitCode {
    examples::run(run())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let (client, _sandbox) = examples::battlenet_app(Region::Eu).await?;
    let locale = client.region().locales()[0];
    let (realm, name) = (
        var("BATTLENET_REALM", "tarren-mill"),
        var("BATTLENET_CHARACTER", "alicemage"),
    );

    // A character's documents: summary, equipment, portrait.
    let character = client.wow().character(&realm, &name);
    let summary = character.summary().locale(locale).await?;
    println!(
        "{} ({}), level {}, item level {}",
        summary.name,
        summary
            .realm
            .as_ref()
            .and_then(|r| r.name.as_ref())
            .and_then(|n| n.text())
            .unwrap_or(&realm),
        summary.level,
        summary.equipped_item_level.unwrap_or_default()
    );
    let equipment = character.equipment().locale(locale).await?;
    for item in &equipment.equipped_items {
        println!(
            "  {:<10} {} ({})",
            item.slot.kind,
            item.name.as_ref().and_then(|n| n.text()).unwrap_or("?"),
            item.level.as_ref().map_or(0, |l| l.value)
        );
    }
    let portrait = character.media().await?;
    if let Some(avatar) = portrait.assets.iter().find(|a| a.key == "avatar") {
        println!("  portrait: {}", avatar.value);
    }

    // Hearthstone: mage cards of cost 1 to 4, cheapest first, two a page.
    let mut pages = client
        .hearthstone()
        .cards()
        .search()
        .filter("class", "mage")
        .filter("manaCost", "1,2,3,4")
        .order_by("manaCost:asc,name:asc")
        .page_size(2)
        .locale(Locale::EnGb.check_region(client.region()).unwrap_or(locale))
        .pages();
    while let Some(page) = pages.next().await {
        let page = page?;
        println!("Hearthstone page {} of {}:", page.page, page.page_count);
        for card in &page.cards {
            println!(
                "  {} mana: {}",
                card.mana_cost.unwrap_or_default(),
                card.name.text().unwrap_or("?")
            );
        }
    }
    Ok(())
}
