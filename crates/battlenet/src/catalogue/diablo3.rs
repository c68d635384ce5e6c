//! Diablo III: the Community APIs (acts, artisans, followers, classes,
//! items, a player's career and heroes) and the Game Data APIs (seasons,
//! eras, leaderboards). No namespace.
//!
//! Source: <https://develop.battle.net/documentation/diablo-3/community-apis>
//! and <https://develop.battle.net/documentation/diablo-3/game-data-apis>
//! (table written 2026-12-01; see the catalogue's notes on how it was checked).

use serde_json::Value;

use super::{accessor, endpoint_table, group, namespace_need, paging_of, token_doc, token_need};

group! {
    /// Diablo III's APIs; made by
    /// [`BattleNetClient::diablo3`](crate::BattleNetClient::diablo3).
    Diablo3
}

group! {
    /// A player's Diablo III career and heroes. Made by [`Diablo3::profile`].
    Diablo3Profile
}

impl<'a> Diablo3<'a> {
    /// A player by BattleTag: `Alice#1234` (sent as `Alice-1234`) or
    /// `Alice-1234`.
    pub fn profile(&self, battletag: &str) -> Diablo3Profile<'a> {
        Diablo3Profile::new(self.scope.with_args([battletag.replace('#', "-")]))
    }
}

endpoint_table! {
    Diablo3 Community;
    Diablo3 [0];
    get acts() -> Value = none app "/d3/data/act" [];
    get act(id: u64) -> Value = none app "/d3/data/act/{actId}" [];
    get artisan(artisan_slug: &str) -> Value = none app "/d3/data/artisan/{artisanSlug}" [];
    get recipe(artisan_slug: &str, recipe_slug: &str) -> Value = none app "/d3/data/artisan/{artisanSlug}/recipe/{recipeSlug}" [];
    get follower(follower_slug: &str) -> Value = none app "/d3/data/follower/{followerSlug}" [];
    get character_class(class_slug: &str) -> Value = none app "/d3/data/hero/{classSlug}" [];
    get skill(class_slug: &str, skill_slug: &str) -> Value = none app "/d3/data/hero/{classSlug}/skill/{skillSlug}" [];
    get item_types() -> Value = none app "/d3/data/item-type" [];
    get item_type(item_type_slug: &str) -> Value = none app "/d3/data/item-type/{itemTypeSlug}" [];
    get item(item_slug_and_id: &str) -> Value = none app "/d3/data/item/{itemSlugAndId}" [];
}

/// Seasons, eras and their leaderboards.
pub(crate) mod game_data {
    use serde_json::Value;

    use super::Diablo3;
    use crate::catalogue::{
        accessor, endpoint_table, namespace_need, paging_of, token_doc, token_need,
    };

    endpoint_table! {
        Diablo3 GameData;
        Diablo3 [0];
        get seasons() -> Value = none app "/data/d3/season/" [];
        get season(id: u64) -> Value = none app "/data/d3/season/{seasonId}" [];
        get season_leaderboard(season_id: u64, leaderboard: &str) -> Value = none app "/data/d3/season/{seasonId}/leaderboard/{leaderboard}" [];
        get eras() -> Value = none app "/data/d3/era/" [];
        get era(id: u64) -> Value = none app "/data/d3/era/{eraId}" [];
        get era_leaderboard(era_id: u64, leaderboard: &str) -> Value = none app "/data/d3/era/{eraId}/leaderboard/{leaderboard}" [];
    }
}

/// A player's career and heroes.
pub(crate) mod profile {
    use serde_json::Value;

    use super::Diablo3Profile;
    use crate::catalogue::{
        accessor, endpoint_table, namespace_need, paging_of, token_doc, token_need,
    };

    endpoint_table! {
        Diablo3 Community;
        Diablo3Profile [1];
        get career() -> Value = none app "/d3/profile/{account}/" [];
        get hero(hero_id: u64) -> Value = none app "/d3/profile/{account}/hero/{heroId}" [];
        get hero_items(hero_id: u64) -> Value = none app "/d3/profile/{account}/hero/{heroId}/items" [];
        get follower_items(hero_id: u64) -> Value = none app "/d3/profile/{account}/hero/{heroId}/follower-items" [];
    }
}
