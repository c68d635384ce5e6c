//! World of Warcraft Classic: the Game Data and Profile APIs, with the
//! namespaces of one Classic release (`static-classic-us`,
//! `dynamic-classic1x-eu`, `profile-classicann-kr`, …).
//!
//! Source: <https://develop.battle.net/documentation/world-of-warcraft-classic/game-data-apis>
//! and <https://develop.battle.net/documentation/world-of-warcraft-classic/profile-apis>
//! (table written 2026-12-01; see the catalogue's notes on how it was checked).

use serde_json::Value;

use super::{accessor, endpoint_table, group, namespace_need, paging_of, token_doc, token_need};
use crate::documents::{
    ConnectedRealm, Item, Media, PlayableClass, PlayableRace, Realm, SearchPage, WowToken,
};

group! {
    /// World of Warcraft Classic's Game Data APIs for one release; made by
    /// [`BattleNetClient::wow_classic`](crate::BattleNetClient::wow_classic).
    WowClassic
}

group! {
    /// A Classic character's Profile APIs. Made by [`WowClassic::character`].
    WowClassicCharacter
}

group! {
    /// A Classic guild's APIs. Made by [`WowClassic::guild`].
    WowClassicGuild
}

impl<'a> WowClassic<'a> {
    /// A character, by realm slug and name (sent in lower case).
    pub fn character(&self, realm_slug: &str, name: &str) -> WowClassicCharacter<'a> {
        WowClassicCharacter::new(
            self.scope
                .with_args([realm_slug.to_lowercase(), name.to_lowercase()]),
        )
    }

    /// A guild, by realm slug and name slug.
    pub fn guild(&self, realm_slug: &str, name_slug: &str) -> WowClassicGuild<'a> {
        WowClassicGuild::new(
            self.scope
                .with_args([realm_slug.to_lowercase(), name_slug.to_lowercase()]),
        )
    }
}

endpoint_table! {
    WowClassic GameData;
    WowClassic [0];
    // Auction House API
    get auction_houses(connected_realm_id: u64) -> Value = dynamic app "/data/wow/connected-realm/{connectedRealmId}/auctions/index" [];
    get auctions(connected_realm_id: u64, auction_house_id: u64) -> Value = dynamic app "/data/wow/connected-realm/{connectedRealmId}/auctions/{auctionHouseId}" [];
    // Connected Realm API
    get connected_realms() -> Value = dynamic app "/data/wow/connected-realm/index" [];
    get connected_realm(id: u64) -> ConnectedRealm = dynamic app "/data/wow/connected-realm/{connectedRealmId}" [];
    wow_search connected_realm_search() -> SearchPage<ConnectedRealm> = dynamic app "/data/wow/search/connected-realm" ["status.type"];
    // Creature API
    get creature_families() -> Value = static app "/data/wow/creature-family/index" [];
    get creature_family(id: u64) -> Value = static app "/data/wow/creature-family/{creatureFamilyId}" [];
    get creature_types() -> Value = static app "/data/wow/creature-type/index" [];
    get creature_type(id: u64) -> Value = static app "/data/wow/creature-type/{creatureTypeId}" [];
    get creature(id: u64) -> Value = static app "/data/wow/creature/{creatureId}" [];
    wow_search creature_search() -> SearchPage<Value> = static app "/data/wow/search/creature" ["name.en_US"];
    get creature_display_media(id: u64) -> Media = static app "/data/wow/media/creature-display/{creatureDisplayId}" [];
    get creature_family_media(id: u64) -> Media = static app "/data/wow/media/creature-family/{creatureFamilyId}" [];
    // Guild Crest API
    get guild_crest_components() -> Value = static app "/data/wow/guild-crest/index" [];
    get guild_crest_border_media(id: u64) -> Media = static app "/data/wow/media/guild-crest/border/{borderId}" [];
    get guild_crest_emblem_media(id: u64) -> Media = static app "/data/wow/media/guild-crest/emblem/{emblemId}" [];
    // Item API
    get item_classes() -> Value = static app "/data/wow/item-class/index" [];
    get item_class(id: u64) -> Value = static app "/data/wow/item-class/{itemClassId}" [];
    get item_subclass(class_id: u64, subclass_id: u64) -> Value = static app "/data/wow/item-class/{itemClassId}/item-subclass/{itemSubclassId}" [];
    get item(id: u64) -> Item = static app "/data/wow/item/{itemId}" [];
    get item_media(id: u64) -> Media = static app "/data/wow/media/item/{itemId}" [];
    wow_search item_search() -> SearchPage<Item> = static app "/data/wow/search/item" ["name.en_US"];
    // Media Search API
    wow_search media_search() -> SearchPage<Value> = static app "/data/wow/search/media" ["tags"];
    // Playable Class API
    get playable_classes() -> Value = static app "/data/wow/playable-class/index" [];
    get playable_class(id: u64) -> PlayableClass = static app "/data/wow/playable-class/{classId}" [];
    get playable_class_media(id: u64) -> Media = static app "/data/wow/media/playable-class/{playableClassId}" [];
    // Playable Race API
    get playable_races() -> Value = static app "/data/wow/playable-race/index" [];
    get playable_race(id: u64) -> PlayableRace = static app "/data/wow/playable-race/{playableRaceId}" [];
    // Power Type API
    get power_types() -> Value = static app "/data/wow/power-type/index" [];
    get power_type(id: u64) -> Value = static app "/data/wow/power-type/{powerTypeId}" [];
    // PvP Season API
    get pvp_seasons() -> Value = dynamic app "/data/wow/pvp-season/index" [];
    get pvp_season(id: u64) -> Value = dynamic app "/data/wow/pvp-season/{pvpSeasonId}" [];
    get pvp_regions() -> Value = dynamic app "/data/wow/pvp-region/index" [];
    get pvp_region_seasons(pvp_region_id: u64) -> Value = dynamic app "/data/wow/pvp-region/{pvpRegionId}/pvp-season/index" [];
    get pvp_region_season(pvp_region_id: u64, season_id: u64) -> Value = dynamic app "/data/wow/pvp-region/{pvpRegionId}/pvp-season/{pvpSeasonId}" [];
    get pvp_leaderboards(pvp_region_id: u64, season_id: u64) -> Value = dynamic app "/data/wow/pvp-region/{pvpRegionId}/pvp-season/{pvpSeasonId}/pvp-leaderboard/index" [];
    get pvp_leaderboard(pvp_region_id: u64, season_id: u64, bracket: &str) -> Value = dynamic app "/data/wow/pvp-region/{pvpRegionId}/pvp-season/{pvpSeasonId}/pvp-leaderboard/{pvpBracket}" [];
    get pvp_rewards(pvp_region_id: u64, season_id: u64) -> Value = dynamic app "/data/wow/pvp-region/{pvpRegionId}/pvp-season/{pvpSeasonId}/pvp-reward/index" [];
    // Realm API
    get realms() -> Value = dynamic app "/data/wow/realm/index" [];
    get realm(slug: &str) -> Realm = dynamic app "/data/wow/realm/{realmSlug}" [];
    wow_search realm_search() -> SearchPage<Realm> = dynamic app "/data/wow/search/realm" ["timezone"];
    // Region API
    get regions() -> Value = dynamic app "/data/wow/region/index" [];
    get wow_region(id: u64) -> Value = dynamic app "/data/wow/region/{regionId}" [];
    // WoW Token API
    get token_index() -> WowToken = dynamic app "/data/wow/token/index" [];
}

/// The rows of the Classic character and guild groups.
pub(crate) mod profile {
    use serde_json::Value;

    use super::{WowClassicCharacter, WowClassicGuild};
    use crate::catalogue::{
        accessor, endpoint_table, namespace_need, paging_of, token_doc, token_need,
    };
    use crate::documents::{CharacterEquipment, CharacterProfile, Media};

    endpoint_table! {
        WowClassic Profile;
        WowClassicCharacter [2];
        get summary() -> CharacterProfile = profile app "/profile/wow/character/{realmSlug}/{characterName}" [];
        get achievements() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/achievements" [];
        get appearance() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/appearance" [];
        get equipment() -> CharacterEquipment = profile app "/profile/wow/character/{realmSlug}/{characterName}/equipment" [];
        get hunter_pets() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/hunter-pets" [];
        get media() -> Media = profile app "/profile/wow/character/{realmSlug}/{characterName}/character-media" [];
        get pvp_summary() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/pvp-summary" [];
        get pvp_bracket(bracket: &str) -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/pvp-bracket/{pvpBracket}" [];
        get specializations() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/specializations" [];
        get statistics() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/statistics" [];
        get status() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/status" [];
    }

    pub(crate) mod guild {
        use serde_json::Value;

        use super::WowClassicGuild;
        use crate::catalogue::{
            accessor, endpoint_table, namespace_need, paging_of, token_doc, token_need,
        };

        endpoint_table! {
            WowClassic Profile;
            WowClassicGuild [2];
            get summary() -> Value = profile app "/data/wow/guild/{realmSlug}/{nameSlug}" [];
            get achievements() -> Value = profile app "/data/wow/guild/{realmSlug}/{nameSlug}/achievements" [];
            get roster() -> Value = profile app "/data/wow/guild/{realmSlug}/{nameSlug}/roster" [];
        }
    }
}
