//! World of Warcraft (retail): the Game Data APIs, and the Profile APIs of
//! characters, guilds and the signed-in account.
//!
//! Source: <https://develop.battle.net/documentation/world-of-warcraft/game-data-apis>
//! and <https://develop.battle.net/documentation/world-of-warcraft/profile-apis>
//! (table written 2026-12-01; see the catalogue's notes on how it was checked).

use serde_json::Value;

use super::{accessor, endpoint_table, group, namespace_need, paging_of, token_doc, token_need};
use crate::documents::{
    ConnectedRealm, Item, Media, PlayableClass, PlayableRace, PlayableSpecialization, Realm,
    SearchPage, WowToken,
};

group! {
    /// World of Warcraft's Game Data APIs; [`character`](Wow::character),
    /// [`guild`](Wow::guild) and [`account`](Wow::account) lead to the
    /// Profile APIs. Made by [`BattleNetClient::wow`](crate::BattleNetClient::wow).
    Wow
}

group! {
    /// A character's Profile APIs (`/profile/wow/character/{realm}/{name}/…`),
    /// with an app token. Made by [`Wow::character`].
    WowCharacter
}

group! {
    /// A guild's APIs (`/data/wow/guild/{realm}/{name}/…`, profile
    /// namespace). Made by [`Wow::guild`].
    WowGuild
}

group! {
    /// The signed-in account's Profile APIs (`/profile/user/wow/…`): a user
    /// token with `wow.profile`. Made by [`Wow::account`].
    WowAccount
}

impl<'a> Wow<'a> {
    /// A character, by realm slug (`tarren-mill`) and name; both are sent
    /// in lower case, as the API wants.
    pub fn character(&self, realm_slug: &str, name: &str) -> WowCharacter<'a> {
        WowCharacter::new(
            self.scope
                .with_args([realm_slug.to_lowercase(), name.to_lowercase()]),
        )
    }

    /// A guild, by realm slug and name slug (`the-guild`).
    pub fn guild(&self, realm_slug: &str, name_slug: &str) -> WowGuild<'a> {
        WowGuild::new(
            self.scope
                .with_args([realm_slug.to_lowercase(), name_slug.to_lowercase()]),
        )
    }

    /// The signed-in account (user workflow).
    pub fn account(&self) -> WowAccount<'a> {
        WowAccount::new(self.scope.clone())
    }
}

endpoint_table! {
    Wow GameData;
    Wow [0];
    // Achievement API
    get achievement_categories() -> Value = static app "/data/wow/achievement-category/index" [];
    get achievement_category(id: u64) -> Value = static app "/data/wow/achievement-category/{achievementCategoryId}" [];
    get achievements() -> Value = static app "/data/wow/achievement/index" [];
    get achievement(id: u64) -> Value = static app "/data/wow/achievement/{achievementId}" [];
    get achievement_media(id: u64) -> Media = static app "/data/wow/media/achievement/{achievementId}" [];
    // Auction House API
    get auctions(connected_realm_id: u64) -> Value = dynamic app "/data/wow/connected-realm/{connectedRealmId}/auctions" [];
    get commodities() -> Value = dynamic app "/data/wow/auctions/commodities" [];
    // Azerite Essence API
    get azerite_essences() -> Value = static app "/data/wow/azerite-essence/index" [];
    get azerite_essence(id: u64) -> Value = static app "/data/wow/azerite-essence/{azeriteEssenceId}" [];
    wow_search azerite_essence_search() -> SearchPage<Value> = static app "/data/wow/search/azerite-essence" ["allowed_specializations.id"];
    get azerite_essence_media(id: u64) -> Media = static app "/data/wow/media/azerite-essence/{azeriteEssenceId}" [];
    // Connected Realm API
    get connected_realms() -> Value = dynamic app "/data/wow/connected-realm/index" [];
    get connected_realm(id: u64) -> ConnectedRealm = dynamic app "/data/wow/connected-realm/{connectedRealmId}" [];
    wow_search connected_realm_search() -> SearchPage<ConnectedRealm> = dynamic app "/data/wow/search/connected-realm" ["status.type", "realms.timezone"];
    // Covenant API
    get covenants() -> Value = static app "/data/wow/covenant/index" [];
    get covenant(id: u64) -> Value = static app "/data/wow/covenant/{covenantId}" [];
    get covenant_media(id: u64) -> Media = static app "/data/wow/media/covenant/{covenantId}" [];
    get soulbinds() -> Value = static app "/data/wow/covenant/soulbind/index" [];
    get soulbind(id: u64) -> Value = static app "/data/wow/covenant/soulbind/{soulbindId}" [];
    get conduits() -> Value = static app "/data/wow/covenant/conduit/index" [];
    get conduit(id: u64) -> Value = static app "/data/wow/covenant/conduit/{conduitId}" [];
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
    // Heirloom API
    get heirlooms() -> Value = static app "/data/wow/heirloom/index" [];
    get heirloom(id: u64) -> Value = static app "/data/wow/heirloom/{heirloomId}" [];
    // Item API
    get item_classes() -> Value = static app "/data/wow/item-class/index" [];
    get item_class(id: u64) -> Value = static app "/data/wow/item-class/{itemClassId}" [];
    get item_sets() -> Value = static app "/data/wow/item-set/index" [];
    get item_set(id: u64) -> Value = static app "/data/wow/item-set/{itemSetId}" [];
    get item_subclass(class_id: u64, subclass_id: u64) -> Value = static app "/data/wow/item-class/{itemClassId}/item-subclass/{itemSubclassId}" [];
    get item(id: u64) -> Item = static app "/data/wow/item/{itemId}" [];
    get item_media(id: u64) -> Media = static app "/data/wow/media/item/{itemId}" [];
    wow_search item_search() -> SearchPage<Item> = static app "/data/wow/search/item" ["name.en_US"];
    // Journal API
    get journal_expansions() -> Value = static app "/data/wow/journal-expansion/index" [];
    get journal_expansion(id: u64) -> Value = static app "/data/wow/journal-expansion/{journalExpansionId}" [];
    get journal_encounters() -> Value = static app "/data/wow/journal-encounter/index" [];
    get journal_encounter(id: u64) -> Value = static app "/data/wow/journal-encounter/{journalEncounterId}" [];
    wow_search journal_encounter_search() -> SearchPage<Value> = static app "/data/wow/search/journal-encounter" ["instance.name.en_US"];
    get journal_instances() -> Value = static app "/data/wow/journal-instance/index" [];
    get journal_instance(id: u64) -> Value = static app "/data/wow/journal-instance/{journalInstanceId}" [];
    get journal_instance_media(id: u64) -> Media = static app "/data/wow/media/journal-instance/{journalInstanceId}" [];
    // Media Search API
    wow_search media_search() -> SearchPage<Value> = static app "/data/wow/search/media" ["tags"];
    // Modified Crafting API
    get modified_crafting() -> Value = static app "/data/wow/modified-crafting/index" [];
    get modified_crafting_categories() -> Value = static app "/data/wow/modified-crafting/category/index" [];
    get modified_crafting_category(id: u64) -> Value = static app "/data/wow/modified-crafting/category/{categoryId}" [];
    get modified_crafting_reagent_slot_types() -> Value = static app "/data/wow/modified-crafting/reagent-slot-type/index" [];
    get modified_crafting_reagent_slot_type(id: u64) -> Value = static app "/data/wow/modified-crafting/reagent-slot-type/{slotTypeId}" [];
    // Mount API
    get mounts() -> Value = static app "/data/wow/mount/index" [];
    get mount(id: u64) -> Value = static app "/data/wow/mount/{mountId}" [];
    wow_search mount_search() -> SearchPage<Value> = static app "/data/wow/search/mount" ["name.en_US"];
    // Mythic Keystone Affix API
    get keystone_affixes() -> Value = static app "/data/wow/keystone-affix/index" [];
    get keystone_affix(id: u64) -> Value = static app "/data/wow/keystone-affix/{keystoneAffixId}" [];
    get keystone_affix_media(id: u64) -> Media = static app "/data/wow/media/keystone-affix/{keystoneAffixId}" [];
    // Mythic Keystone Dungeon API
    get mythic_keystone() -> Value = dynamic app "/data/wow/mythic-keystone/index" [];
    get mythic_keystone_dungeons() -> Value = dynamic app "/data/wow/mythic-keystone/dungeon/index" [];
    get mythic_keystone_dungeon(id: u64) -> Value = dynamic app "/data/wow/mythic-keystone/dungeon/{dungeonId}" [];
    get mythic_keystone_periods() -> Value = dynamic app "/data/wow/mythic-keystone/period/index" [];
    get mythic_keystone_period(id: u64) -> Value = dynamic app "/data/wow/mythic-keystone/period/{periodId}" [];
    get mythic_keystone_seasons() -> Value = dynamic app "/data/wow/mythic-keystone/season/index" [];
    get mythic_keystone_season(id: u64) -> Value = dynamic app "/data/wow/mythic-keystone/season/{seasonId}" [];
    // Mythic Keystone Leaderboard API
    get mythic_keystone_leaderboards(connected_realm_id: u64) -> Value = dynamic app "/data/wow/connected-realm/{connectedRealmId}/mythic-leaderboard/index" [];
    get mythic_keystone_leaderboard(connected_realm_id: u64, dungeon_id: u64, period: u64) -> Value = dynamic app "/data/wow/connected-realm/{connectedRealmId}/mythic-leaderboard/{dungeonId}/period/{period}" [];
    // Mythic Raid Leaderboard API
    get mythic_raid_leaderboard(raid: &str, faction: &str) -> Value = dynamic app "/data/wow/leaderboard/hall-of-fame/{raid}/{faction}" [];
    // Pet API
    get pets() -> Value = static app "/data/wow/pet/index" [];
    get pet(id: u64) -> Value = static app "/data/wow/pet/{petId}" [];
    get pet_media(id: u64) -> Media = static app "/data/wow/media/pet/{petId}" [];
    get pet_abilities() -> Value = static app "/data/wow/pet-ability/index" [];
    get pet_ability(id: u64) -> Value = static app "/data/wow/pet-ability/{petAbilityId}" [];
    get pet_ability_media(id: u64) -> Media = static app "/data/wow/media/pet-ability/{petAbilityId}" [];
    // Playable Class API
    get playable_classes() -> Value = static app "/data/wow/playable-class/index" [];
    get playable_class(id: u64) -> PlayableClass = static app "/data/wow/playable-class/{classId}" [];
    get playable_class_media(id: u64) -> Media = static app "/data/wow/media/playable-class/{playableClassId}" [];
    get pvp_talent_slots(class_id: u64) -> Value = static app "/data/wow/playable-class/{classId}/pvp-talent-slots" [];
    // Playable Race API
    get playable_races() -> Value = static app "/data/wow/playable-race/index" [];
    get playable_race(id: u64) -> PlayableRace = static app "/data/wow/playable-race/{playableRaceId}" [];
    // Playable Specialization API
    get playable_specializations() -> Value = static app "/data/wow/playable-specialization/index" [];
    get playable_specialization(id: u64) -> PlayableSpecialization = static app "/data/wow/playable-specialization/{specId}" [];
    get playable_specialization_media(id: u64) -> Media = static app "/data/wow/media/playable-specialization/{specId}" [];
    // Power Type API
    get power_types() -> Value = static app "/data/wow/power-type/index" [];
    get power_type(id: u64) -> Value = static app "/data/wow/power-type/{powerTypeId}" [];
    // Profession API
    get professions() -> Value = static app "/data/wow/profession/index" [];
    get profession(id: u64) -> Value = static app "/data/wow/profession/{professionId}" [];
    get profession_media(id: u64) -> Media = static app "/data/wow/media/profession/{professionId}" [];
    get profession_skill_tier(profession_id: u64, skill_tier_id: u64) -> Value = static app "/data/wow/profession/{professionId}/skill-tier/{skillTierId}" [];
    get recipe(id: u64) -> Value = static app "/data/wow/recipe/{recipeId}" [];
    get recipe_media(id: u64) -> Media = static app "/data/wow/media/recipe/{recipeId}" [];
    // PvP Season API
    get pvp_seasons() -> Value = dynamic app "/data/wow/pvp-season/index" [];
    get pvp_season(id: u64) -> Value = dynamic app "/data/wow/pvp-season/{pvpSeasonId}" [];
    get pvp_leaderboards(season_id: u64) -> Value = dynamic app "/data/wow/pvp-season/{pvpSeasonId}/pvp-leaderboard/index" [];
    get pvp_leaderboard(season_id: u64, bracket: &str) -> Value = dynamic app "/data/wow/pvp-season/{pvpSeasonId}/pvp-leaderboard/{pvpBracket}" [];
    get pvp_rewards(season_id: u64) -> Value = dynamic app "/data/wow/pvp-season/{pvpSeasonId}/pvp-reward/index" [];
    // PvP Tier API
    get pvp_tiers() -> Value = static app "/data/wow/pvp-tier/index" [];
    get pvp_tier(id: u64) -> Value = static app "/data/wow/pvp-tier/{pvpTierId}" [];
    get pvp_tier_media(id: u64) -> Media = static app "/data/wow/media/pvp-tier/{pvpTierId}" [];
    // Quest API
    get quests() -> Value = static app "/data/wow/quest/index" [];
    get quest(id: u64) -> Value = static app "/data/wow/quest/{questId}" [];
    get quest_categories() -> Value = static app "/data/wow/quest/category/index" [];
    get quest_category(id: u64) -> Value = static app "/data/wow/quest/category/{questCategoryId}" [];
    get quest_areas() -> Value = static app "/data/wow/quest/area/index" [];
    get quest_area(id: u64) -> Value = static app "/data/wow/quest/area/{questAreaId}" [];
    get quest_types() -> Value = static app "/data/wow/quest/type/index" [];
    get quest_type(id: u64) -> Value = static app "/data/wow/quest/type/{questTypeId}" [];
    // Realm API
    get realms() -> Value = dynamic app "/data/wow/realm/index" [];
    get realm(slug: &str) -> Realm = dynamic app "/data/wow/realm/{realmSlug}" [];
    wow_search realm_search() -> SearchPage<Realm> = dynamic app "/data/wow/search/realm" ["timezone"];
    // Region API
    get regions() -> Value = dynamic app "/data/wow/region/index" [];
    get wow_region(id: u64) -> Value = dynamic app "/data/wow/region/{regionId}" [];
    // Reputations API
    get reputation_factions() -> Value = static app "/data/wow/reputation-faction/index" [];
    get reputation_faction(id: u64) -> Value = static app "/data/wow/reputation-faction/{reputationFactionId}" [];
    get reputation_tiers_index() -> Value = static app "/data/wow/reputation-tiers/index" [];
    get reputation_tiers(id: u64) -> Value = static app "/data/wow/reputation-tiers/{reputationTiersId}" [];
    // Spell API
    get spell(id: u64) -> Value = static app "/data/wow/spell/{spellId}" [];
    get spell_media(id: u64) -> Media = static app "/data/wow/media/spell/{spellId}" [];
    wow_search spell_search() -> SearchPage<Value> = static app "/data/wow/search/spell" ["name.en_US"];
    // Talent API
    get talent_trees() -> Value = static app "/data/wow/talent-tree/index" [];
    get talent_tree(tree_id: u64, spec_id: u64) -> Value = static app "/data/wow/talent-tree/{talentTreeId}/playable-specialization/{specId}" [];
    get talent_tree_nodes(tree_id: u64) -> Value = static app "/data/wow/talent-tree/{talentTreeId}" [];
    get talents() -> Value = static app "/data/wow/talent/index" [];
    get talent(id: u64) -> Value = static app "/data/wow/talent/{talentId}" [];
    get pvp_talents() -> Value = static app "/data/wow/pvp-talent/index" [];
    get pvp_talent(id: u64) -> Value = static app "/data/wow/pvp-talent/{pvpTalentId}" [];
    // Tech Talent API
    get tech_talent_trees() -> Value = static app "/data/wow/tech-talent-tree/index" [];
    get tech_talent_tree(id: u64) -> Value = static app "/data/wow/tech-talent-tree/{techTalentTreeId}" [];
    get tech_talents() -> Value = static app "/data/wow/tech-talent/index" [];
    get tech_talent(id: u64) -> Value = static app "/data/wow/tech-talent/{techTalentId}" [];
    get tech_talent_media(id: u64) -> Media = static app "/data/wow/media/tech-talent/{techTalentId}" [];
    // Title API
    get titles() -> Value = static app "/data/wow/title/index" [];
    get title(id: u64) -> Value = static app "/data/wow/title/{titleId}" [];
    // Toy API
    get toys() -> Value = static app "/data/wow/toy/index" [];
    get toy(id: u64) -> Value = static app "/data/wow/toy/{toyId}" [];
    // WoW Token API
    get token_index() -> WowToken = dynamic app "/data/wow/token/index" [];
}

/// The rows of the character, guild and account groups.
pub(crate) mod profile {
    use serde_json::Value;

    use super::{WowAccount, WowCharacter, WowGuild};
    use crate::catalogue::{
        accessor, endpoint_table, namespace_need, paging_of, token_doc, token_need,
    };
    use crate::documents::{CharacterEquipment, CharacterProfile, Media};

    endpoint_table! {
        Wow Profile;
        WowCharacter [2];
        get summary() -> CharacterProfile = profile app "/profile/wow/character/{realmSlug}/{characterName}" [];
        get achievements() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/achievements" [];
        get achievement_statistics() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/achievements/statistics" [];
        get appearance() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/appearance" [];
        get collections() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/collections" [];
        get pets() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/collections/pets" [];
        get mounts() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/collections/mounts" [];
        get heirlooms() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/collections/heirlooms" [];
        get toys() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/collections/toys" [];
        get transmogs() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/collections/transmogs" [];
        get encounters() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/encounters" [];
        get dungeons() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/encounters/dungeons" [];
        get raids() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/encounters/raids" [];
        get equipment() -> CharacterEquipment = profile app "/profile/wow/character/{realmSlug}/{characterName}/equipment" [];
        get hunter_pets() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/hunter-pets" [];
        get media() -> Media = profile app "/profile/wow/character/{realmSlug}/{characterName}/character-media" [];
        get mythic_keystone_profile() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/mythic-keystone-profile" [];
        get mythic_keystone_season(season_id: u64) -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/mythic-keystone-profile/season/{seasonId}" [];
        get professions() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/professions" [];
        get pvp_summary() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/pvp-summary" [];
        get pvp_bracket(bracket: &str) -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/pvp-bracket/{pvpBracket}" [];
        get quests() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/quests" [];
        get completed_quests() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/quests/completed" [];
        get reputations() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/reputations" [];
        get soulbinds() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/soulbinds" [];
        get specializations() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/specializations" [];
        get statistics() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/statistics" [];
        get titles() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/titles" [];
        get status() -> Value = profile app "/profile/wow/character/{realmSlug}/{characterName}/status" [];
    }

    pub(crate) mod guild {
        use serde_json::Value;

        use super::WowGuild;
        use crate::catalogue::{
            accessor, endpoint_table, namespace_need, paging_of, token_doc, token_need,
        };

        endpoint_table! {
            Wow Profile;
            WowGuild [2];
            get summary() -> Value = profile app "/data/wow/guild/{realmSlug}/{nameSlug}" [];
            get activity() -> Value = profile app "/data/wow/guild/{realmSlug}/{nameSlug}/activity" [];
            get achievements() -> Value = profile app "/data/wow/guild/{realmSlug}/{nameSlug}/achievements" [];
            get roster() -> Value = profile app "/data/wow/guild/{realmSlug}/{nameSlug}/roster" [];
        }
    }

    pub(crate) mod account {
        use serde_json::Value;

        use super::WowAccount;
        use crate::catalogue::{
            accessor, endpoint_table, namespace_need, paging_of, token_doc, token_need,
        };

        endpoint_table! {
            Wow Profile;
            WowAccount [0];
            get summary() -> Value = profile "wow.profile" "/profile/user/wow" [];
            get protected_character(realm_id: u64, character_id: u64) -> Value = profile "wow.profile" "/profile/user/wow/protected-character/{realmId}-{characterId}" [];
            get collections() -> Value = profile "wow.profile" "/profile/user/wow/collections" [];
            get pets() -> Value = profile "wow.profile" "/profile/user/wow/collections/pets" [];
            get mounts() -> Value = profile "wow.profile" "/profile/user/wow/collections/mounts" [];
            get heirlooms() -> Value = profile "wow.profile" "/profile/user/wow/collections/heirlooms" [];
            get toys() -> Value = profile "wow.profile" "/profile/user/wow/collections/toys" [];
            get transmogs() -> Value = profile "wow.profile" "/profile/user/wow/collections/transmogs" [];
        }
    }
}
