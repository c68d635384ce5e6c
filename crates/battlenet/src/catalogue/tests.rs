//! The table against its accessors, and path filling.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

#[test]
fn every_row_has_an_accessor_and_every_accessor_a_row() {
    let accessors: BTreeMap<&str, usize> =
        ACCESSORS.iter().flat_map(|g| g.iter().copied()).collect();
    let api_rows: Vec<&Endpoint> = endpoints().filter(|e| e.api != ApiKind::OAuth).collect();
    let rows: BTreeSet<&str> = api_rows.iter().map(|e| e.name).collect();
    assert_eq!(rows.len(), api_rows.len(), "row names are unique");
    assert_eq!(
        rows,
        accessors.keys().copied().collect::<BTreeSet<_>>(),
        "rows and accessors differ"
    );
    for row in api_rows {
        assert_eq!(
            row.path_params().count(),
            accessors[row.name],
            "{}: the accessor's arguments (group's and its own) fill {}",
            row.name,
            row.path
        );
    }
}

#[test]
fn the_catalogue_covers_every_game() {
    let count = |game: Game| endpoints().filter(|e| e.game == game).count();
    let counts = [
        (Game::Wow, count(Game::Wow)),
        (Game::WowClassic, count(Game::WowClassic)),
        (Game::Diablo3, count(Game::Diablo3)),
        (Game::Hearthstone, count(Game::Hearthstone)),
        (Game::StarCraft2, count(Game::StarCraft2)),
        (Game::BattleNet, count(Game::BattleNet)),
    ];
    assert_eq!(
        counts,
        [
            (Game::Wow, 181),
            (Game::WowClassic, 58),
            (Game::Diablo3, 20),
            (Game::Hearthstone, 7),
            (Game::StarCraft2, 15),
            (Game::BattleNet, 6),
        ]
    );
    assert_eq!(endpoints().count(), 287);
    let wow_profile = endpoints()
        .filter(|e| e.game == Game::Wow && e.api == ApiKind::Profile)
        .count();
    assert_eq!(
        wow_profile, 41,
        "World of Warcraft's Profile APIs; 140 Game Data"
    );
}

#[test]
fn rows_are_consistent() {
    let mut seen = BTreeSet::new();
    for row in endpoints() {
        assert!(row.path.starts_with('/'), "{}", row.name);
        assert!(
            seen.insert((format!("{:?}", row.game), row.method, row.path)),
            "{} repeats {} {}",
            row.name,
            row.method,
            row.path
        );
        // Namespaces are World of Warcraft's alone.
        let wow = matches!(row.game, Game::Wow | Game::WowClassic);
        assert_eq!(row.namespace != NamespaceNeed::None, wow, "{}", row.name);
        // Profile documents sit in the profile namespace.
        if row.path.starts_with("/profile/") || row.path.starts_with("/data/wow/guild/") {
            assert_eq!(row.namespace, NamespaceNeed::Profile, "{}", row.name);
        }
        // Only the account's documents need a user token with wow.profile.
        assert_eq!(
            row.token == TokenNeed::User("wow.profile"),
            row.path.starts_with("/profile/user/wow"),
            "{}",
            row.name
        );
        assert_eq!(
            row.paging.is_some(),
            row.path.contains("/search/")
                || row.path.ends_with("/cards")
                || row.path.ends_with("/cardbacks"),
            "{}",
            row.name
        );
        if row.path.starts_with("/data/wow/media/") {
            assert!(row.name.ends_with("_media"), "{}", row.name);
        }
    }
}

#[test]
fn paths_are_filled_and_encoded() {
    let equipment = endpoints()
        .find(|e| e.name == "WowCharacter.equipment")
        .expect("row");
    let cases: &[(&[&str], Result<&str, &str>)] = &[
        (
            &["tarren-mill", "alice"],
            Ok("/profile/wow/character/tarren-mill/alice/equipment"),
        ),
        (
            &["tarren-mill", "ärthas"],
            Ok("/profile/wow/character/tarren-mill/%C3%A4rthas/equipment"),
        ),
        (
            &["a/b", "c?d#e"],
            Ok("/profile/wow/character/a%2Fb/c%3Fd%23e/equipment"),
        ),
        (
            &["..", "x"],
            Ok("/profile/wow/character/%2E%2E/x/equipment"),
        ),
        (&["tarren-mill"], Err("expected 2 path parameters, got 1")),
        (&["", "x"], Err("the path parameter `realmSlug` is empty")),
    ];
    for (args, expected) in cases {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let got = equipment.fill(&args).map_err(|e| match e {
            InputError::InvalidEndpoint { reason, .. } => reason,
            other => other.to_string(),
        });
        assert_eq!(
            got.as_deref(),
            expected.map_err(str::to_owned).as_deref(),
            "{args:?}"
        );
    }
    let protected = endpoints()
        .find(|e| e.name == "WowAccount.protected_character")
        .expect("row");
    assert_eq!(
        protected.path_params().collect::<Vec<_>>(),
        ["realmId", "characterId"]
    );
    assert_eq!(
        protected.fill(&["1084".into(), "7".into()]).as_deref(),
        Ok("/profile/user/wow/protected-character/1084-7")
    );
}

#[test]
fn calls_are_send_and_sync_and_their_futures_send() {
    fn shared<T: Send + Sync>() {}
    fn sent<T: Send>(_: &T) {}
    shared::<Call<'static, serde_json::Value>>();
    shared::<Search<'static, crate::documents::SearchPage<crate::documents::Item>>>();
    shared::<Wow<'static>>();
    shared::<WowCharacter<'static>>();
    let client = crate::BattleNetClient::new("eu", "", None, "id", "secret").expect("client");
    sent(&std::future::IntoFuture::into_future(
        client.wow().playable_class(7),
    ));
    sent(&client.hearthstone().cards().search().pages());
    #[cfg(feature = "blocking")]
    shared::<crate::blocking::BattleNetClient>();
}
