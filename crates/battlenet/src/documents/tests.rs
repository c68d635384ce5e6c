//! Round trips of recorded-shape documents: every field kept, unknown ones
//! included; wrong shapes named by field path.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::*;
use crate::locale::Locale;

/// Reads a fixture as `T`, writes it back, and compares with the fixture.
fn round_trip<T: DeserializeOwned + Serialize>(name: &str, fixture: &str) -> T {
    let document: T = serde_json::from_str(fixture).unwrap_or_else(|e| panic!("{name}: {e}"));
    let written = serde_json::to_value(&document).unwrap_or_else(|e| panic!("{name}: {e}"));
    let original: Value = serde_json::from_str(fixture).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(written, original, "{name} round-trips");
    document
}

macro_rules! fixture {
    ($name:literal) => {
        ($name, include_str!(concat!("fixtures/", $name, ".json")))
    };
}

#[test]
fn documents_round_trip_with_unknown_fields_kept() {
    let (n, f) = fixture!("wow_token");
    assert_eq!(round_trip::<WowToken>(n, f).price, 2_873_560_000);
    let (n, f) = fixture!("realm");
    let realm = round_trip::<Realm>(n, f);
    assert_eq!(realm.slug, "tarren-mill");
    assert_eq!(realm.extra["a_field_blizzard_adds_later"]["nested"][2], 3);
    let (n, f) = fixture!("connected_realm");
    let connected = round_trip::<ConnectedRealm>(n, f);
    assert_eq!(
        connected.realms[0].name.get(Locale::DeDe),
        Some("Tarren Mill")
    );
    assert!(connected.extra.contains_key("auctions"));
    let (n, f) = fixture!("playable_class");
    let class = round_trip::<PlayableClass>(n, f);
    assert_eq!(class.specializations.len(), 3);
    assert!(class.extra.contains_key("playable_races"));
    let (n, f) = fixture!("playable_race");
    assert_eq!(
        round_trip::<PlayableRace>(n, f)
            .faction
            .map(|f| f.kind)
            .as_deref(),
        Some("ALLIANCE")
    );
    let (n, f) = fixture!("playable_specialization");
    assert_eq!(
        round_trip::<PlayableSpecialization>(n, f)
            .role
            .map(|r| r.kind)
            .as_deref(),
        Some("DAMAGE")
    );
    let (n, f) = fixture!("item");
    let item = round_trip::<Item>(n, f);
    assert_eq!(item.sell_price, Some(323_055));
    assert!(item.extra.contains_key("preview_item"));
    let (n, f) = fixture!("media");
    assert_eq!(
        round_trip::<Media>(n, f).assets[0].file_data_id,
        Some(135_349)
    );
    let (n, f) = fixture!("character_profile");
    let character = round_trip::<CharacterProfile>(n, f);
    assert_eq!(
        character.realm.and_then(|r| r.slug).as_deref(),
        Some("tarren-mill")
    );
    assert!(character.extra.contains_key("covenant_progress"));
    let (n, f) = fixture!("equipment");
    let equipment = round_trip::<CharacterEquipment>(n, f);
    assert_eq!(
        equipment.equipped_items[1].level.as_ref().map(|l| l.value),
        Some(645)
    );
    assert!(equipment.equipped_items[0].extra.contains_key("stats"));
    let (n, f) = fixture!("hearthstone_card");
    let card = round_trip::<HearthstoneCard>(n, f);
    assert_eq!((card.attack, card.health), (Some(7), Some(8)));
    assert!(card.extra.contains_key("isZilliaxCosmeticModule"));
    let (n, f) = fixture!("card_search_page");
    let page = round_trip::<CardSearchPage>(n, f);
    assert_eq!(
        page.cards[0].name.get(Locale::DeDe),
        Some("Arkane Geschosse")
    );
    let (n, f) = fixture!("search_page");
    let page = round_trip::<SearchPage<Item>>(n, f);
    assert_eq!((page.page_count, page.results[0].data.id), (2, 19_019));
    // Search results are localized objects: `text` picks en_US.
    assert_eq!(
        page.results[0].data.name.text(),
        Some("Thunderfury, Blessed Blade of the Windseeker")
    );
}

#[test]
fn localized_strings_in_both_shapes() {
    let one: Localized = serde_json::from_str(r#""Shaman""#).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (one.get(Locale::FrFr), one.text()),
        (Some("Shaman"), Some("Shaman"))
    );
    let all: Localized = serde_json::from_str(r#"{"fr_FR":"Chaman","de_DE":"Schamane"}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(all.get(Locale::FrFr), Some("Chaman"));
    assert_eq!(all.get(Locale::EnUs), None);
    // Without en_US, any locale's text.
    assert_eq!(all.text(), Some("Schamane"));
}

#[test]
fn a_wrong_shape_is_named_by_its_field_path_and_never_quoted() {
    let (_, fixture) = fixture!("equipment");
    let mut bent: Value = serde_json::from_str(fixture).unwrap_or_else(|e| panic!("{e}"));
    bent["equipped_items"][1]["slot"]["type"] = Value::from("EU5ecret.tok".len());
    let response = oauth_core::http::Response::builder()
        .status(200)
        .body(bent.to_string().into_bytes().into())
        .unwrap_or_else(|e| panic!("{e}"));
    let err = crate::request::read_typed::<CharacterEquipment>("/x/equipment", &response)
        .expect_err("a number is not a slot type");
    assert_eq!(
        err.to_string(),
        "malformed answer from /x/equipment: at `equipped_items[1].slot.type`, a value of the wrong type or a missing field"
    );
    let response = oauth_core::http::Response::builder()
        .status(200)
        .body(br#"{"equipped_items":[{"item":{"id":1},"slot":{"type":"HEAD"},"level":{"value":"EU5ecret.tok"}}]}"#.to_vec().into())
        .unwrap_or_else(|e| panic!("{e}"));
    let err = crate::request::read_typed::<CharacterEquipment>("/x/equipment", &response)
        .expect_err("a string is not a level");
    assert!(
        err.to_string().contains("`equipped_items[0].level.value`"),
        "{err}"
    );
    assert!(!format!("{err} {err:?}").contains("EU5ecret"), "{err:?}");
}
