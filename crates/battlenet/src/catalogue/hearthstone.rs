//! Hearthstone: cards, card backs, decks and metadata. No namespace.
//!
//! Source: <https://develop.battle.net/documentation/hearthstone/game-data-apis>
//! and the card search guide,
//! <https://develop.battle.net/documentation/hearthstone/guides/card-search>
//! (table written 2026-12-01; see the catalogue's notes on how it was checked).

use std::fmt;

use serde_json::Value;

use super::{
    Call, accessor, endpoint_table, group, namespace_need, paging_of, token_doc, token_need,
};
group! {
    /// Hearthstone's Game Data APIs; made by
    /// [`BattleNetClient::hearthstone`](crate::BattleNetClient::hearthstone).
    Hearthstone
}

group! {
    /// Hearthstone's cards: search and one card. Made by [`Hearthstone::cards`].
    HearthstoneCards
}

group! {
    /// Hearthstone's card backs. Made by [`Hearthstone::card_backs`].
    HearthstoneCardBacks
}

impl<'a> Hearthstone<'a> {
    /// The cards.
    ///
    /// ```no_run
    /// # async fn run(client: battlenet::BattleNetClient) -> Result<(), battlenet::Error> {
    /// let page = client
    ///     .hearthstone()
    ///     .cards()
    ///     .search()
    ///     .filter("class", "mage")
    ///     .filter("manaCost", "1,2")
    ///     .order_by("manaCost:asc")
    ///     .page_size(20)
    ///     .await?;
    /// println!("{} cards", page.card_count);
    /// # Ok(()) }
    /// ```
    pub fn cards(&self) -> HearthstoneCards<'a> {
        HearthstoneCards::new(self.scope.clone())
    }

    /// The card backs.
    pub fn card_backs(&self) -> HearthstoneCardBacks<'a> {
        HearthstoneCardBacks::new(self.scope.clone())
    }

    /// A deck from its deck code (`code`).
    pub fn deck_by_code(&self, code: impl fmt::Display) -> Call<'a, Value> {
        self.deck().query("code", code)
    }

    /// A deck from a list of card ids (`ids`, comma-separated).
    pub fn deck_by_cards(&self, ids: &[u64]) -> Call<'a, Value> {
        let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
        self.deck().query("ids", ids.join(","))
    }
}

endpoint_table! {
    Hearthstone GameData;
    Hearthstone [0];
    /// A deck: add `code` (a deck code) or `ids` (card ids), as
    /// [`deck_by_code`](Hearthstone::deck_by_code) and
    /// [`deck_by_cards`](Hearthstone::deck_by_cards) do.
    get deck() -> Value = none app "/hearthstone/deck" ["code", "ids", "hero"];
    /// Every kind of metadata: sets, set groups, types, rarities, classes,
    /// minion types, keywords.
    get metadata() -> Value = none app "/hearthstone/metadata" [];
    /// One kind of metadata (`sets`, `setGroups`, `types`, `rarities`,
    /// `classes`, `minionTypes`, `keywords`).
    get metadata_of(kind: &str) -> Value = none app "/hearthstone/metadata/{type}" [];
}

/// Cards.
pub(crate) mod cards {
    use super::HearthstoneCards;
    use crate::catalogue::{
        accessor, endpoint_table, namespace_need, paging_of, token_doc, token_need,
    };
    use crate::documents::{CardSearchPage, HearthstoneCard};

    endpoint_table! {
        Hearthstone GameData;
        HearthstoneCards [0];
        /// A card search; see the card search guide for the filters.
        hs_search search() -> CardSearchPage = none app "/hearthstone/cards" ["set", "class", "manaCost", "attack", "health", "collectible", "rarity", "type", "minionType", "keyword", "textFilter", "gameMode", "spellSchool"];
        /// One card, by id or slug (`52119-arch-villain-rafaam`).
        get card(id_or_slug: &str) -> HearthstoneCard = none app "/hearthstone/cards/{idOrSlug}" ["gameMode"];
    }
}

/// Card backs.
pub(crate) mod card_backs {
    use serde_json::Value;

    use super::HearthstoneCardBacks;
    use crate::catalogue::{
        accessor, endpoint_table, namespace_need, paging_of, token_doc, token_need,
    };

    endpoint_table! {
        Hearthstone GameData;
        HearthstoneCardBacks [0];
        /// A card back search.
        hs_search search() -> Value = none app "/hearthstone/cardbacks" ["cardBackCategory", "textFilter"];
        /// One card back, by id or slug.
        get card_back(id_or_slug: &str) -> Value = none app "/hearthstone/cardbacks/{idOrSlug}" [];
    }
}
