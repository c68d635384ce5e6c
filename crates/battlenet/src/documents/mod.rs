//! Typed documents of the most-used endpoints: the WoW token, realms,
//! playable classes, races and specializations, items, a character's
//! profile and equipment, media, Hearthstone cards, and search pages.
//!
//! Every document keeps the fields it does not name in `extra`, so a field
//! Blizzard adds never breaks a program, and serialising a document gives
//! back what was read (save `null`s and empty lists left out). Every other
//! endpoint answers [`serde_json::Value`], or the caller's own type with
//! [`Call::json`](crate::catalogue::Call::json).

mod hearthstone;
mod wow;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use self::hearthstone::{CardSearchPage, HearthstoneCard};
pub use self::wow::{
    CharacterEquipment, CharacterProfile, ConnectedRealm, EquippedItem, Item, ItemLevel, Media,
    MediaAsset, PlayableClass, PlayableRace, PlayableSpecialization, Realm, WowToken,
};
use crate::catalogue::Paginated;
use crate::locale::Locale;

/// A localized string: one text when a locale was asked for, every
/// locale's text otherwise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Localized {
    /// The text in the locale asked for.
    Text(String),
    /// The text in every locale, keyed by locale (`en_US`).
    ByLocale(BTreeMap<String, String>),
}

impl Localized {
    /// The text in `locale`: the one text, or that locale's entry.
    #[must_use]
    pub fn get(&self, locale: Locale) -> Option<&str> {
        match self {
            Localized::Text(text) => Some(text),
            Localized::ByLocale(all) => all.get(locale.as_str()).map(String::as_str),
        }
    }

    /// The one text, or the `en_US` entry, or any.
    #[must_use]
    pub fn text(&self) -> Option<&str> {
        match self {
            Localized::Text(text) => Some(text),
            Localized::ByLocale(all) => all
                .get("en_US")
                .or_else(|| all.values().next())
                .map(String::as_str),
        }
    }
}

/// A link to another document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Link {
    /// Its URL, namespace included.
    pub href: String,
}

/// A reference to another document: its link, and usually its id and
/// name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Reference {
    /// The link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<Link>,
    /// The id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// The name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Localized>,
    /// The slug (realms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A typed value with its name: `{"type": "ALLIANCE", "name": "Alliance"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TypeName {
    /// The type, in upper case (`ALLIANCE`, `EPIC`, `HEAD`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Localized>,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One page of a World of Warcraft search.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SearchPage<T> {
    /// This page's number, from 1.
    pub page: u32,
    /// Results per page.
    pub page_size: u32,
    /// The largest page size allowed.
    pub max_page_size: u32,
    /// How many pages there are.
    pub page_count: u32,
    /// The results.
    #[serde(default = "Vec::new")]
    pub results: Vec<SearchResult<T>>,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One search result: the document's link and the document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SearchResult<T> {
    /// The document's link.
    pub key: Link,
    /// The document (localized strings come with every locale).
    pub data: T,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl<T> Paginated for SearchPage<T> {
    fn page_number(&self) -> u32 {
        self.page
    }

    fn page_count(&self) -> u32 {
        self.page_count
    }
}
