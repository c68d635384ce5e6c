//! The documents the Battle.net emulation answers with: small fixtures in
//! the shape of Blizzard's (the most-used documents in full, the rest as an
//! id, a name and a link), search pages that honour paging, and the cache
//! headers of every answer.

use std::time::{Duration, SystemTime};

use http::{StatusCode, header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::battlenet::{Ctx, class_name, ok};
use crate::battlenet_routes::{NamespaceRule, PagingRule, Route};
use crate::server::Request;
use crate::wire::{self, Params, Reply, ResponseBody};

/// How many results every search has in all.
pub(crate) const SEARCH_RESULTS: u32 = 7;

/// The answer for `path`, served by `route`.
pub(crate) fn document(ctx: &Ctx<'_>, route: &Route, path: &str, query: &Params) -> Reply {
    let id = path
        .rsplit('/')
        .find_map(|segment| segment.parse::<u64>().ok())
        .unwrap_or(1);
    let last = path.rsplit('/').find(|s| !s.is_empty()).unwrap_or_default();
    let template = route.template;
    let character = "/profile/wow/character/{realmSlug}/{characterName}";
    let value = match template {
        "/data/wow/playable-race/{playableRaceId}" => playable_race(ctx, id),
        "/data/wow/playable-specialization/{specId}" => specialization(ctx, id),
        "/data/wow/realm/{realmSlug}" => realm(ctx, last),
        "/data/wow/connected-realm/{connectedRealmId}" => connected_realm(ctx, id),
        "/data/wow/item/{itemId}" => item(ctx, id),
        "/hearthstone/cards/{idOrSlug}" => match card_by_id_or_slug(last) {
            Some(card) => hs_card(ctx, card),
            None => return crate::battlenet::error(StatusCode::NOT_FOUND),
        },
        "/hearthstone/cards" => return card_search(ctx, query),
        "/hearthstone/cardbacks" => return card_back_search(ctx, query),
        _ if template == character => character_summary(ctx, path),
        _ if template == format!("{character}/equipment") => equipment(ctx, path),
        _ if template == format!("{character}/character-media") => character_media(ctx, path),
        _ if template.starts_with("/data/wow/media/") => media(ctx, path, id),
        _ if route.paging == PagingRule::Wow => return wow_search(ctx, path, query),
        _ => generic(ctx, route, path, id, last),
    };
    ok(&value)
}

/// A document the sandbox has no fixture for: an id, a name and a link.
fn generic(ctx: &Ctx<'_>, route: &Route, path: &str, id: u64, last: &str) -> Value {
    let name = format!("Sandbox {last}");
    let mut value = json!({ "id": id, "name": ctx.localized(|_| name.clone()) });
    if route.namespace != NamespaceRule::None {
        value["_links"] = ctx.links(path);
    }
    value
}

fn href(ctx: &Ctx<'_>, path: &str) -> Value {
    json!({ "href": format!("{}?namespace={}", ctx.shared.api_link(path), ctx.namespace.raw) })
}

fn reference(ctx: &Ctx<'_>, path: &str, id: u64, name: &str) -> Value {
    json!({ "key": href(ctx, path), "name": ctx.localized(|_| name.to_owned()), "id": id })
}

fn type_name(ctx: &Ctx<'_>, kind: &str, name: &str) -> Value {
    json!({ "type": kind, "name": ctx.localized(|_| name.to_owned()) })
}

fn playable_race(ctx: &Ctx<'_>, id: u64) -> Value {
    json!({
        "_links": ctx.links(&format!("/data/wow/playable-race/{id}")),
        "id": id,
        "name": ctx.localized(|_| "Dwarf".to_owned()),
        "gender_name": { "male": ctx.localized(|_| "Dwarf".to_owned()), "female": ctx.localized(|_| "Dwarf".to_owned()) },
        "faction": type_name(ctx, "ALLIANCE", "Alliance"),
        "is_selectable": true,
        "is_allied_race": false,
        "playable_classes": [
            reference(ctx, "/data/wow/playable-class/1", 1, "Warrior"),
            reference(ctx, "/data/wow/playable-class/8", 8, "Mage"),
        ],
    })
}

fn specialization(ctx: &Ctx<'_>, id: u64) -> Value {
    let class = ctx.localized(|l| class_name(8, l).unwrap_or_default().to_owned());
    json!({
        "_links": ctx.links(&format!("/data/wow/playable-specialization/{id}")),
        "id": id,
        "playable_class": { "key": href(ctx, "/data/wow/playable-class/8"), "name": class, "id": 8 },
        "name": ctx.localized(|_| "Frost".to_owned()),
        "role": type_name(ctx, "DAMAGE", "Damage"),
        "media": { "key": href(ctx, &format!("/data/wow/media/playable-specialization/{id}")), "id": id },
        "primary_stat_type": type_name(ctx, "INTELLECT", "Intellect"),
    })
}

fn realm_value(ctx: &Ctx<'_>, id: u64, slug: &str) -> Value {
    let name = title_case(slug);
    json!({
        "id": id,
        "region": reference(ctx, "/data/wow/region/3", 3, "Europe"),
        "connected_realm": href(ctx, "/data/wow/connected-realm/1084"),
        "name": ctx.localized(|_| name.clone()),
        "category": ctx.localized(|_| "English".to_owned()),
        "locale": "enGB",
        "timezone": "Europe/Paris",
        "type": type_name(ctx, "NORMAL", "Normal"),
        "is_tournament": false,
        "slug": slug,
    })
}

fn realm(ctx: &Ctx<'_>, slug: &str) -> Value {
    let mut value = realm_value(ctx, 1084, slug);
    value["_links"] = ctx.links(&format!("/data/wow/realm/{slug}"));
    value
}

fn connected_realm(ctx: &Ctx<'_>, id: u64) -> Value {
    json!({
        "_links": ctx.links(&format!("/data/wow/connected-realm/{id}")),
        "id": id,
        "has_queue": false,
        "status": type_name(ctx, "UP", "Up"),
        "population": type_name(ctx, "HIGH", "High"),
        "realms": [realm_value(ctx, 1084, "tarren-mill"), realm_value(ctx, 1303, "aggra-portugues")],
        "mythic_leaderboards": href(ctx, &format!("/data/wow/connected-realm/{id}/mythic-leaderboard/")),
        "auctions": href(ctx, &format!("/data/wow/connected-realm/{id}/auctions")),
    })
}

fn item(ctx: &Ctx<'_>, id: u64) -> Value {
    json!({
        "_links": ctx.links(&format!("/data/wow/item/{id}")),
        "id": id,
        "name": ctx.localized(|_| "Thunderfury, Blessed Blade of the Windseeker".to_owned()),
        "quality": type_name(ctx, "LEGENDARY", "Legendary"),
        "level": 80,
        "required_level": 60,
        "media": { "key": href(ctx, &format!("/data/wow/media/item/{id}")), "id": id },
        "item_class": reference(ctx, "/data/wow/item-class/2", 2, "Weapon"),
        "item_subclass": reference(ctx, "/data/wow/item-class/2/item-subclass/7", 7, "Sword"),
        "inventory_type": type_name(ctx, "WEAPON", "One-Hand"),
        "purchase_price": 1_615_279,
        "sell_price": 323_055,
        "max_count": 1,
        "is_equippable": true,
        "is_stackable": false,
        "purchase_quantity": 1,
    })
}

fn media(ctx: &Ctx<'_>, path: &str, id: u64) -> Value {
    json!({
        "_links": ctx.links(path),
        "assets": [{
            "key": "icon",
            "value": format!("https://render.worldofwarcraft.com/{}/icons/56/sandbox_{id}.jpg", ctx.namespace.region),
            "file_data_id": 135_349,
        }],
        "id": id,
    })
}

/// The realm slug and character name of a character path.
fn character_of(path: &str) -> (String, String) {
    let mut parts = path
        .trim_start_matches("/profile/wow/character/")
        .split('/');
    let realm = parts.next().unwrap_or_default().to_owned();
    let name = parts.next().unwrap_or_default().to_owned();
    (realm, name)
}

fn character_ref(ctx: &Ctx<'_>, path: &str) -> Value {
    let (realm, name) = character_of(path);
    json!({
        "key": href(ctx, &format!("/profile/wow/character/{realm}/{name}")),
        "name": title_case(&name),
        "id": 2_000_007,
        "realm": { "key": href(ctx, &format!("/data/wow/realm/{realm}")), "name": ctx.localized(|_| title_case(&realm)), "id": 1084, "slug": realm },
    })
}

fn character_summary(ctx: &Ctx<'_>, path: &str) -> Value {
    let (realm, name) = character_of(path);
    let base = format!("/profile/wow/character/{realm}/{name}");
    let class = ctx.localized(|l| class_name(8, l).unwrap_or_default().to_owned());
    json!({
        "_links": ctx.links(&base),
        "id": 2_000_007,
        "name": title_case(&name),
        "gender": type_name(ctx, "FEMALE", "Female"),
        "faction": type_name(ctx, "ALLIANCE", "Alliance"),
        "race": reference(ctx, "/data/wow/playable-race/3", 3, "Dwarf"),
        "character_class": { "key": href(ctx, "/data/wow/playable-class/8"), "name": class, "id": 8 },
        "active_spec": reference(ctx, "/data/wow/playable-specialization/64", 64, "Frost"),
        "realm": { "key": href(ctx, &format!("/data/wow/realm/{realm}")), "name": ctx.localized(|_| title_case(&realm)), "id": 1084, "slug": realm },
        "guild": { "key": href(ctx, &format!("/data/wow/guild/{realm}/the-sandbox")), "name": "The Sandbox", "id": 77, "faction": type_name(ctx, "ALLIANCE", "Alliance") },
        "level": 80,
        "experience": 0,
        "achievement_points": 12_345,
        "last_login_timestamp": ctx.shared.clock.epoch().saturating_sub(3600) * 1000,
        "average_item_level": 639,
        "equipped_item_level": 636,
        "equipment": href(ctx, &format!("{base}/equipment")),
        "media": href(ctx, &format!("{base}/character-media")),
    })
}

/// The equipment's slots: slot type, slot name, item id, item name, level.
const EQUIPMENT: [(&str, &str, u64, &str, u32); 4] = [
    ("HEAD", "Head", 212_050, "Hood of the Sandbox", 639),
    ("CHEST", "Chest", 212_045, "Robe of Loopback Wards", 636),
    (
        "MAIN_HAND",
        "Main Hand",
        19_019,
        "Thunderfury, Blessed Blade of the Windseeker",
        645,
    ),
    ("FINGER_1", "Ring 1", 212_450, "Band of Offline Tests", 626),
];

fn equipment(ctx: &Ctx<'_>, path: &str) -> Value {
    let items: Vec<Value> = EQUIPMENT
        .iter()
        .map(|(slot, slot_name, id, name, level)| {
            json!({
                "item": { "key": href(ctx, &format!("/data/wow/item/{id}")), "id": id },
                "slot": type_name(ctx, slot, slot_name),
                "quantity": 1,
                "quality": type_name(ctx, "EPIC", "Epic"),
                "name": ctx.localized(|_| (*name).to_owned()),
                "level": { "value": level, "display_string": ctx.localized(|_| format!("Item Level {level}")) },
                "stats": [{ "type": type_name(ctx, "STAMINA", "Stamina"), "value": 3_120 }],
            })
        })
        .collect();
    json!({
        "_links": ctx.links(path),
        "character": character_ref(ctx, path),
        "equipped_items": items,
    })
}

fn character_media(ctx: &Ctx<'_>, path: &str) -> Value {
    let render = format!(
        "https://render.worldofwarcraft.com/{}/character/tarren-mill/7/2000007",
        ctx.namespace.region
    );
    json!({
        "_links": ctx.links(path),
        "character": character_ref(ctx, path),
        "assets": [
            { "key": "avatar", "value": format!("{render}-avatar.jpg") },
            { "key": "inset", "value": format!("{render}-inset.jpg") },
            { "key": "main-raw", "value": format!("{render}-main-raw.png") },
        ],
    })
}

/// A page number and size from a query, within the endpoint's bounds.
fn paging(query: &Params, page: &str, size: &str, default: u32, max: u32) -> (u32, u32) {
    let number = query
        .first(page)
        .and_then(|p| p.parse::<u32>().ok())
        .unwrap_or(1)
        .max(1);
    let size = query
        .first(size)
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(default)
        .clamp(1, max);
    (number, size)
}

fn wow_search(ctx: &Ctx<'_>, path: &str, query: &Params) -> Reply {
    let (page, size) = paging(query, "_page", "_pageSize", 100, 1000);
    let page_count = SEARCH_RESULTS.div_ceil(size);
    let kind = path.rsplit('/').next().unwrap_or_default();
    let first = (page - 1).saturating_mul(size);
    let results: Vec<Value> = (first..SEARCH_RESULTS.min(first.saturating_add(size)))
        .map(|n| {
            let id = u64::from(n) + 1;
            let name = format!("Sandbox {kind} {id}");
            json!({
                "key": href(ctx, &format!("/data/wow/{kind}/{id}")),
                "data": {
                    "id": id,
                    // Search results carry every locale, whatever was asked.
                    "name": all_locales(&name),
                    "slug": format!("sandbox-{kind}-{id}"),
                },
            })
        })
        .collect();
    ok(&json!({
        "page": page,
        "pageSize": size,
        "maxPageSize": 1000,
        "pageCount": page_count,
        "results": results,
    }))
}

fn all_locales(text: &str) -> Value {
    Value::Object(
        crate::battlenet::LOCALES
            .iter()
            .map(|l| ((*l).to_owned(), json!(text)))
            .collect(),
    )
}

/// The sandbox's Hearthstone cards: id, slug, name, class, mana cost.
const CARDS: [(u64, &str, &str, &str, u32); 8] = [
    (
        52_119,
        "52119-arch-villain-rafaam",
        "Arch-Villain Rafaam",
        "warlock",
        7,
    ),
    (64, "64-swipe", "Swipe", "druid", 4),
    (178, "178-frostbolt", "Frostbolt", "mage", 2),
    (179, "179-arcane-missiles", "Arcane Missiles", "mage", 1),
    (180, "180-fireball", "Fireball", "mage", 4),
    (181, "181-mirror-image", "Mirror Image", "mage", 1),
    (412, "412-leeroy-jenkins", "Leeroy Jenkins", "neutral", 5),
    (559, "559-flamestrike", "Flamestrike", "mage", 7),
];

fn class_id(class: &str) -> u32 {
    match class {
        "druid" => 2,
        "mage" => 4,
        "warlock" => 9,
        _ => 12,
    }
}

fn card_by_id_or_slug(
    key: &str,
) -> Option<&'static (u64, &'static str, &'static str, &'static str, u32)> {
    let id = key.split('-').next().and_then(|id| id.parse::<u64>().ok());
    CARDS
        .iter()
        .find(|card| Some(card.0) == id || card.1 == key)
}

fn hs_card(ctx: &Ctx<'_>, card: &(u64, &str, &str, &str, u32)) -> Value {
    let (id, slug, name, class, cost) = *card;
    json!({
        "id": id,
        "collectible": 1,
        "slug": slug,
        "classId": class_id(class),
        "multiClassIds": [],
        "cardTypeId": 5,
        "cardSetId": 1635,
        "rarityId": 1,
        "artistName": "Sandbox Artist",
        "manaCost": cost,
        "name": ctx.localized(|_| name.to_owned()),
        "text": ctx.localized(|_| format!("The sandbox's {name}.")),
        "image": ctx.localized(|l| format!("https://d15f34w2p8l1cc.cloudfront.net/hearthstone/{slug}-{l}.png")),
        "flavorText": ctx.localized(|_| "Offline, as ever.".to_owned()),
        "cropImage": format!("https://d15f34w2p8l1cc.cloudfront.net/hearthstone/{slug}-crop.png"),
        "keywordIds": [],
    })
}

fn card_search(ctx: &Ctx<'_>, query: &Params) -> Reply {
    let (page, size) = paging(query, "page", "pageSize", 40, 500);
    let class = query.first("class");
    let costs: Option<Vec<u32>> = query.first("manaCost").map(|list| {
        list.split(',')
            .filter_map(|c| c.trim().parse().ok())
            .collect()
    });
    let mut cards: Vec<_> = CARDS
        .iter()
        .filter(|card| class.is_none_or(|class| card.3 == class))
        .filter(|card| costs.as_ref().is_none_or(|costs| costs.contains(&card.4)))
        .collect();
    match query.first("sort") {
        Some(sort) if sort.starts_with("manaCost:desc") => {
            cards.sort_by(|a, b| b.4.cmp(&a.4).then(a.2.cmp(b.2)));
        }
        Some(sort) if sort.starts_with("name") => cards.sort_by(|a, b| a.2.cmp(b.2)),
        _ => cards.sort_by(|a, b| a.4.cmp(&b.4).then(a.2.cmp(b.2))),
    }
    let count = u32::try_from(cards.len()).unwrap_or(u32::MAX);
    let first = usize::try_from((page - 1).saturating_mul(size)).unwrap_or(usize::MAX);
    let page_cards: Vec<Value> = cards
        .iter()
        .skip(first)
        .take(usize::try_from(size).unwrap_or(usize::MAX))
        .map(|card| hs_card(ctx, card))
        .collect();
    ok(&json!({
        "cards": page_cards,
        "cardCount": count,
        "pageCount": count.div_ceil(size).max(1),
        "page": page,
    }))
}

fn card_back_search(ctx: &Ctx<'_>, query: &Params) -> Reply {
    let (page, size) = paging(query, "page", "pageSize", 40, 500);
    let first = (page - 1).saturating_mul(size);
    let backs: Vec<Value> = (first..SEARCH_RESULTS.min(first.saturating_add(size)))
        .map(|n| {
            let id = u64::from(n) + 1;
            json!({
                "id": id,
                "sortCategory": 1,
                "text": ctx.localized(|_| "A card back of the sandbox.".to_owned()),
                "name": ctx.localized(|_| format!("Sandbox Back {id}")),
                "image": format!("https://d15f34w2p8l1cc.cloudfront.net/hearthstone/back-{id}.png"),
                "slug": format!("{id}-sandbox-back"),
            })
        })
        .collect();
    ok(&json!({
        "cardBacks": backs,
        "cardCount": SEARCH_RESULTS,
        "pageCount": SEARCH_RESULTS.div_ceil(size),
        "page": page,
    }))
}

fn title_case(slug: &str) -> String {
    slug.split('-')
        .filter(|w| !w.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Adds `Cache-Control`, `ETag` and `Last-Modified` to a successful
/// answer, and answers `304 Not Modified` to a request whose
/// `If-None-Match` or `If-Modified-Since` says the client's copy is
/// current.
///
/// Static and Classic game data last a day, dynamic data five minutes
/// (changing on 20-minute boundaries of the sandbox clock, like the WoW
/// token's price), profiles a minute; a user's own documents are
/// `private`.
pub(crate) fn cache_headers(
    ctx: &Ctx<'_>,
    route: &Route,
    request: &Request,
    reply: Reply,
) -> Reply {
    if reply.status() != StatusCode::OK {
        return reply;
    }
    let ResponseBody::Full(body) = reply.body() else {
        return reply;
    };
    let digest = Sha256::digest(body.as_deref().unwrap_or_default());
    let etag = format!(
        "\"{}\"",
        digest[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let epoch = ctx.shared.clock.epoch();
    let started = ctx.shared.clock.started_epoch();
    let (max_age, modified) = match route.namespace {
        NamespaceRule::Kind {
            kind: "dynamic", ..
        } => (300, epoch - epoch % 1200),
        NamespaceRule::Kind {
            kind: "profile", ..
        } => (60, started.saturating_sub(3600)),
        _ => (86_400, started.saturating_sub(86_400)),
    };
    let privacy = if route.scope.is_some() {
        "private"
    } else {
        "public"
    };
    let last_modified =
        httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(modified));
    let unchanged = match request.header(header::IF_NONE_MATCH.as_str()) {
        Some(tags) => tags
            .split(',')
            .any(|tag| tag.trim() == etag || tag.trim() == "*"),
        None => request
            .header(header::IF_MODIFIED_SINCE.as_str())
            .and_then(|since| httpdate::parse_http_date(since).ok())
            .is_some_and(|since| since >= SystemTime::UNIX_EPOCH + Duration::from_secs(modified)),
    };
    let mut reply = if unchanged {
        wire::empty(StatusCode::NOT_MODIFIED)
    } else {
        reply
    };
    wire::set_header(
        &mut reply,
        header::CACHE_CONTROL.as_str(),
        &format!("{privacy}, max-age={max_age}"),
    );
    wire::set_header(&mut reply, header::ETAG.as_str(), &etag);
    wire::set_header(&mut reply, header::LAST_MODIFIED.as_str(), &last_modified);
    reply
}
