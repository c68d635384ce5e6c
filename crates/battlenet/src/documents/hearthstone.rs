//! Hearthstone documents.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Localized;
use crate::catalogue::Paginated;

/// A Hearthstone card (`/hearthstone/cards/{idOrSlug}`, and in searches).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HearthstoneCard {
    /// The id.
    pub id: u64,
    /// The slug (`52119-arch-villain-rafaam`).
    pub slug: String,
    /// The name.
    pub name: Localized,
    /// The class id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_id: Option<u32>,
    /// The card type id (minion, spell, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_type_id: Option<u32>,
    /// The set id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_set_id: Option<u32>,
    /// The rarity id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rarity_id: Option<u32>,
    /// Mana cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mana_cost: Option<u32>,
    /// Attack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attack: Option<u32>,
    /// Health.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<u32>,
    /// Rules text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Localized>,
    /// Image URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Localized>,
    /// Flavor text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flavor_text: Option<Localized>,
    /// Artist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artist_name: Option<String>,
    /// 1 when collectible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collectible: Option<u8>,
    /// Fields not named above (`keywordIds`, `childIds`, `cropImage`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One page of a Hearthstone card search (`/hearthstone/cards`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CardSearchPage {
    /// The cards of this page.
    #[serde(default)]
    pub cards: Vec<HearthstoneCard>,
    /// Cards in all pages.
    pub card_count: u64,
    /// How many pages there are.
    pub page_count: u32,
    /// This page's number, from 1.
    pub page: u32,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Paginated for CardSearchPage {
    fn page_number(&self) -> u32 {
        self.page
    }

    fn page_count(&self) -> u32 {
        self.page_count
    }
}
