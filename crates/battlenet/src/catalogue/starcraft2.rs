//! StarCraft II: the Community APIs (profiles, ladders, the account,
//! legacy data) and the Game Data API (leagues). No namespace.
//!
//! Source: <https://develop.battle.net/documentation/starcraft-2/community-apis>
//! and <https://develop.battle.net/documentation/starcraft-2/game-data-apis>
//! (table written 2026-12-01; see the catalogue's notes on how it was checked).

use serde_json::Value;

use super::{accessor, endpoint_table, group, namespace_need, paging_of, token_doc, token_need};

group! {
    /// StarCraft II's APIs; made by
    /// [`BattleNetClient::starcraft2`](crate::BattleNetClient::starcraft2).
    /// Region ids: 1 US, 2 EU, 3 KR and TW, 5 CN.
    StarCraft2
}

group! {
    /// One StarCraft II profile's APIs. Made by [`StarCraft2::profile`].
    StarCraft2Profile
}

impl<'a> StarCraft2<'a> {
    /// A profile, by region id, realm id and profile id.
    pub fn profile(&self, region_id: u8, realm_id: u8, profile_id: u64) -> StarCraft2Profile<'a> {
        StarCraft2Profile::new(self.scope.with_args([
            region_id.to_string(),
            realm_id.to_string(),
            profile_id.to_string(),
        ]))
    }
}

endpoint_table! {
    StarCraft2 Community;
    StarCraft2 [0];
    get static_profile(region_id: u8) -> Value = none app "/sc2/static/profile/{regionId}" [];
    get grandmaster_leaderboard(region_id: u8) -> Value = none app "/sc2/ladder/grandmaster/{regionId}" [];
    get season(region_id: u8) -> Value = none app "/sc2/ladder/season/{regionId}" [];
    get player(account_id: u64) -> Value = none app "/sc2/player/{accountId}" [];
    get legacy_ladder(region_id: u8, ladder_id: u64) -> Value = none app "/sc2/legacy/ladder/{regionId}/{ladderId}" [];
    get legacy_achievements(region_id: u8) -> Value = none app "/sc2/legacy/data/achievements/{regionId}" [];
    get legacy_rewards(region_id: u8) -> Value = none app "/sc2/legacy/data/rewards/{regionId}" [];
}

/// Leagues.
pub(crate) mod game_data {
    use serde_json::Value;

    use super::StarCraft2;
    use crate::catalogue::{
        accessor, endpoint_table, namespace_need, paging_of, token_doc, token_need,
    };

    endpoint_table! {
        StarCraft2 GameData;
        StarCraft2 [0];
        /// A league: season id, queue id (201 1v1, 202 2v2, …), team type
        /// (0 arranged, 1 random), league id (0 bronze … 6 grandmaster).
        get league(season_id: u64, queue_id: u64, team_type: u8, league_id: u8) -> Value = none app "/data/sc2/league/{seasonId}/{queueId}/{teamType}/{leagueId}" [];
    }
}

/// One profile.
pub(crate) mod profile {
    use serde_json::Value;

    use super::StarCraft2Profile;
    use crate::catalogue::{
        accessor, endpoint_table, namespace_need, paging_of, token_doc, token_need,
    };

    endpoint_table! {
        StarCraft2 Community;
        StarCraft2Profile [3];
        get metadata() -> Value = none app "/sc2/metadata/profile/{regionId}/{realmId}/{profileId}" [];
        get summary() -> Value = none app "/sc2/profile/{regionId}/{realmId}/{profileId}" [];
        get ladder_summary() -> Value = none app "/sc2/profile/{regionId}/{realmId}/{profileId}/ladder/summary" [];
        get ladder(ladder_id: u64) -> Value = none app "/sc2/profile/{regionId}/{realmId}/{profileId}/ladder/{ladderId}" [];
        get legacy_profile() -> Value = none app "/sc2/legacy/profile/{regionId}/{realmId}/{profileId}" [];
        get legacy_ladders() -> Value = none app "/sc2/legacy/profile/{regionId}/{realmId}/{profileId}/ladders" [];
        get legacy_matches() -> Value = none app "/sc2/legacy/profile/{regionId}/{realmId}/{profileId}/matches" [];
    }
}
