//! World of Warcraft documents.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Link, Localized, Reference, TypeName};

/// The WoW token's price (`/data/wow/token/index`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WowToken {
    /// When the price was last updated, in milliseconds since the Unix
    /// epoch.
    pub last_updated_timestamp: u64,
    /// The price in copper (10,000 copper make a gold).
    pub price: u64,
    /// Fields not named above (`_links`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A realm (`/data/wow/realm/{slug}`, and inside connected realms).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Realm {
    /// The id.
    pub id: u64,
    /// The name.
    pub name: Localized,
    /// The slug (`tarren-mill`).
    pub slug: String,
    /// Its region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Reference>,
    /// Its connected realm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_realm: Option<Link>,
    /// The category (`English`, `Oceanic`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Localized>,
    /// The locale (`enGB`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The time zone (`Europe/Paris`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// The type (`NORMAL`, `RP`, …).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<TypeName>,
    /// Whether it is a tournament realm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_tournament: Option<bool>,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A connected realm (`/data/wow/connected-realm/{id}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConnectedRealm {
    /// The id.
    pub id: u64,
    /// Whether it has a login queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_queue: Option<bool>,
    /// `UP` or `DOWN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TypeName>,
    /// `LOW`, `MEDIUM`, `HIGH`, `FULL`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<TypeName>,
    /// Its realms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub realms: Vec<Realm>,
    /// Fields not named above (`mythic_leaderboards`, `auctions`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A playable class (`/data/wow/playable-class/{id}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlayableClass {
    /// The id (1 Warrior … 13 Evoker).
    pub id: u64,
    /// The name.
    pub name: Localized,
    /// Its power type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_type: Option<Reference>,
    /// Its specializations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub specializations: Vec<Reference>,
    /// Its media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<Reference>,
    /// Fields not named above (`gender_name`, `playable_races`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A playable race (`/data/wow/playable-race/{id}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlayableRace {
    /// The id.
    pub id: u64,
    /// The name.
    pub name: Localized,
    /// `ALLIANCE`, `HORDE` or `NEUTRAL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faction: Option<TypeName>,
    /// Whether it can be chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_selectable: Option<bool>,
    /// Whether it is an allied race.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_allied_race: Option<bool>,
    /// The classes it can play.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub playable_classes: Vec<Reference>,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A playable specialization (`/data/wow/playable-specialization/{id}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlayableSpecialization {
    /// The id.
    pub id: u64,
    /// The name.
    pub name: Localized,
    /// Its class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub playable_class: Option<Reference>,
    /// `TANK`, `HEALER` or `DAMAGE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<TypeName>,
    /// Its media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<Reference>,
    /// Fields not named above (`pvp_talents`, `spec_talent_tree`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An item (`/data/wow/item/{id}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Item {
    /// The id.
    pub id: u64,
    /// The name.
    pub name: Localized,
    /// `POOR` … `LEGENDARY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<TypeName>,
    /// The item level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u32>,
    /// The level needed to use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_level: Option<u32>,
    /// Its media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<Reference>,
    /// Its class (`Weapon`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_class: Option<Reference>,
    /// Its subclass (`Sword`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_subclass: Option<Reference>,
    /// Where it is worn (`ONE_HAND`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory_type: Option<TypeName>,
    /// What a vendor asks for it, in copper.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_price: Option<u64>,
    /// What a vendor pays for it, in copper.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sell_price: Option<u64>,
    /// Whether it can be equipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_equippable: Option<bool>,
    /// Whether it stacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_stackable: Option<bool>,
    /// Fields not named above (`preview_item`, `purchase_quantity`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Media: images of an item, a class, a character, … (`/data/wow/media/…`,
/// `…/character-media`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Media {
    /// The id, for game data media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// The images.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assets: Vec<MediaAsset>,
    /// Fields not named above (`character` for character media).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One image of a [`Media`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MediaAsset {
    /// What it shows (`icon`, `avatar`, `inset`, `main-raw`).
    pub key: String,
    /// Its URL, on a render host.
    pub value: String,
    /// The game's file id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_data_id: Option<u64>,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A character's profile summary (`/profile/wow/character/{realm}/{name}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CharacterProfile {
    /// The id.
    pub id: u64,
    /// The name.
    pub name: String,
    /// `MALE` or `FEMALE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<TypeName>,
    /// `ALLIANCE` or `HORDE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faction: Option<TypeName>,
    /// The race.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub race: Option<Reference>,
    /// The class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub character_class: Option<Reference>,
    /// The active specialization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_spec: Option<Reference>,
    /// The realm (with its slug).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realm: Option<Reference>,
    /// The guild.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild: Option<Reference>,
    /// The level.
    pub level: u32,
    /// Experience on this level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experience: Option<u64>,
    /// Achievement points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achievement_points: Option<u64>,
    /// Last login, in milliseconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login_timestamp: Option<u64>,
    /// Average item level of everything carried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_item_level: Option<u32>,
    /// Average item level of what is equipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equipped_item_level: Option<u32>,
    /// Fields not named above (links to the other character documents).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What a character wears (`…/equipment`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CharacterEquipment {
    /// The character.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub character: Option<Reference>,
    /// The equipped items, slot by slot.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equipped_items: Vec<EquippedItem>,
    /// Fields not named above (`equipped_item_sets`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One equipped item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EquippedItem {
    /// The item.
    pub item: Reference,
    /// The slot (`HEAD`, `MAIN_HAND`, …).
    pub slot: TypeName,
    /// The item's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Localized>,
    /// `POOR` … `LEGENDARY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<TypeName>,
    /// The item level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<ItemLevel>,
    /// Fields not named above (stats, enchantments, sockets, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An equipped item's level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ItemLevel {
    /// The level.
    pub value: u32,
    /// As shown in game (`Item Level 639`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_string: Option<Localized>,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
