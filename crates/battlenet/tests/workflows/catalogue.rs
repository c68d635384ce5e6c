//! Every catalogue endpoint against the sandbox, in every region: the path,
//! namespace, locale and credential it received; the typed accessors and
//! their documents; searches page by page; `post`.

use battlenet::catalogue::{self, ApiKind, Game, TokenNeed};
use battlenet::documents::Localized;
use battlenet::{BattleNetClient, Error, Locale, Namespace, Region};
use futures_util::StreamExt as _;
use oauth_sandbox::{Listener, RecordedRequest, Sandbox};
use serde_json::{Value, json};

use super::{REDIRECT, builder, sandbox, sign_in};

/// A value for a path parameter, by its name in the template.
fn sample(param: &str) -> &'static str {
    match param {
        "realmSlug" => "tarren-mill",
        "characterName" => "alicemage",
        "nameSlug" => "the-sandbox",
        "account" => "Alice-1234",
        "idOrSlug" => "52119-arch-villain-rafaam",
        "type" => "sets",
        "pvpBracket" => "3v3",
        "raid" => "tomb-of-sargeras",
        "faction" => "alliance",
        "leaderboard" => "rift-barbarian",
        "itemSlugAndId" => "corrupted-ashbringer-Unique_Sword_2H_104_x1",
        name if name.ends_with("Slug") => "sandbox-slug",
        _ => "7",
    }
}

fn region_builder(sandbox: &Sandbox, region: Region) -> battlenet::BattleNetClientBuilder {
    BattleNetClient::builder(region, super::ID, super::SECRET)
        .oauth_base(sandbox.oauth_url().clone())
        .api_base(sandbox.api_url().clone())
}

async fn user_client(sandbox: &Sandbox, region: Region, scope: &str) -> BattleNetClient {
    let client = region_builder(sandbox, region)
        .scope(scope)
        .redirect_uri(REDIRECT)
        .build()
        .unwrap();
    sign_in(&client, "alice", "wonderland").await
}

fn last_api_request(sandbox: &Sandbox) -> RecordedRequest {
    sandbox
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.listener == Listener::Api)
        .unwrap()
}

#[tokio::test]
async fn every_endpoint_answers_in_every_region() {
    // 281 requests a region in a burst: over Battle.net's 100 a second, so
    // the sandbox's limit is off here (the workflow tests cover it).
    let sandbox = Sandbox::builder()
        .profile(oauth_sandbox::Profile::BattleNet)
        .client(
            oauth_sandbox::ClientConfig::confidential(super::ID, super::SECRET)
                .redirect_uri(REDIRECT),
        )
        .user(oauth_sandbox::UserConfig::new("alice", "wonderland"))
        .rate_limit(None)
        .start()
        .await
        .unwrap();
    let releases = ["classic", "classic1x", "classicann"];
    let mut calls = 0;
    for region in Region::ALL {
        let app = region_builder(&sandbox, region).build().unwrap();
        let user = user_client(&sandbox, region, "openid wow.profile").await;
        let app_token = format!("Bearer {}", app.access_token().await.unwrap().secret());
        let user_token = format!("Bearer {}", user.access_token().await.unwrap().secret());
        let locale = region.locales()[0];
        let before = sandbox.requests().len();
        // What each request should have been: what, path, query, credential.
        let mut expected = Vec::new();
        for (n, endpoint) in catalogue::endpoints()
            .filter(|e| e.api != ApiKind::OAuth)
            .enumerate()
        {
            let args: Vec<&str> = endpoint.path_params().map(sample).collect();
            let (client, credential) = match endpoint.token {
                TokenNeed::User(_) => (&user, &user_token),
                _ => (&app, &app_token),
            };
            let release = (endpoint.game == Game::WowClassic).then(|| releases[n % 3]);
            let call = match release {
                Some(release) => client.classic_endpoint::<Value>(release, endpoint, &args),
                None => client.endpoint::<Value>(endpoint, &args),
            };
            let path = call.path().unwrap().to_owned();
            let answer = call.locale(locale).await;
            let what = format!("{} {} in {region}", endpoint.name, path);
            assert!(answer.is_ok(), "{what}: {answer:?}");
            calls += 1;

            let mut query = Vec::new();
            if let Some(kind) = endpoint.namespace.kind() {
                let kind = format!("{kind:?}").to_lowercase();
                let namespace = match release {
                    Some(release) => format!("{kind}-{release}-{region}"),
                    None => format!("{kind}-{region}"),
                };
                query.push(("namespace".to_owned(), namespace));
            }
            query.push(("locale".to_owned(), locale.as_str().to_owned()));
            expected.push((what, path, query, credential.clone()));
        }
        let received: Vec<RecordedRequest> = sandbox.requests()[before..]
            .iter()
            .filter(|r| r.listener == Listener::Api)
            .cloned()
            .collect();
        assert_eq!(received.len(), expected.len(), "one request per endpoint");
        for (request, (what, path, query, credential)) in received.iter().zip(&expected) {
            assert_eq!(request.method, "GET", "{what}");
            assert_eq!(&request.path, path, "{what}");
            assert_eq!(&request.query, query, "{what}");
            assert_eq!(
                request.header("authorization"),
                Some(credential.as_str()),
                "{what}"
            );
        }
    }
    assert_eq!(calls, 281 * 5);
}

#[test]
fn the_sandbox_serves_exactly_the_catalogue() {
    // The sandbox keeps its own table (it depends on no client crate):
    // each row of ours is a line of it, and it serves nothing else.
    let ours: std::collections::BTreeSet<String> = catalogue::endpoints()
        .filter(|e| e.api != ApiKind::OAuth)
        .map(|e| {
            let namespace = match (e.namespace.kind(), e.game) {
                (None, _) => "none".to_owned(),
                (Some(kind), Game::WowClassic) => format!("{kind:?}-classic").to_lowercase(),
                (Some(kind), _) => format!("{kind:?}").to_lowercase(),
            };
            let token = match e.token {
                TokenNeed::User(scope) => scope,
                _ => "app",
            };
            let paging = match e.paging.map(|p| p.page) {
                None => "-",
                Some("_page") => "wow-search",
                Some(_) => "hs-search",
            };
            format!("{namespace} {token} {paging} {}", e.path)
        })
        .collect();
    let theirs: std::collections::BTreeSet<String> = oauth_sandbox::BATTLENET_ROUTES
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        ours.difference(&theirs).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "not served"
    );
    assert_eq!(
        theirs.difference(&ours).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "not ours"
    );
    assert_eq!(ours.len(), 281);
}

#[tokio::test]
async fn oauth_rows_are_the_clients_own_methods() {
    let sandbox = sandbox().await;
    let user = user_client(&sandbox, Region::Us, "openid wow.profile").await;
    let rows: Vec<_> = catalogue::endpoints()
        .filter(|e| e.api == ApiKind::OAuth)
        .collect();
    let names: Vec<&str> = rows.iter().map(|e| e.name).collect();
    assert_eq!(
        names,
        [
            "client.authorization_url",
            "client.access_token",
            "client.user_info",
            "client.check_token",
            "client.openid_configuration",
            "client.jwks"
        ]
    );
    let before = sandbox.requests().len();
    let (url, _) = user.authorization_url().unwrap();
    assert_eq!(url.path(), rows[0].path);
    user.user_info().await.unwrap();
    user.check_token().await.unwrap();
    let discovery = user.openid_configuration().await.unwrap();
    assert!(discovery["issuer"].is_string(), "{discovery}");
    let keys = user.jwks().await.unwrap();
    assert!(keys["keys"].is_array(), "{keys}");
    let seen: Vec<(String, String)> = sandbox.requests()[before..]
        .iter()
        .map(|r| (r.method.to_string(), r.path.clone()))
        .collect();
    let expected: Vec<(String, String)> = rows[2..]
        .iter()
        .map(|e| (e.method.to_owned(), e.path.to_owned()))
        .collect();
    assert_eq!(seen, expected);
    // The app token comes from the row's token endpoint.
    let app = builder(&sandbox).build().unwrap();
    app.access_token().await.unwrap();
    let last = sandbox.requests().last().cloned().unwrap();
    assert_eq!(
        (last.method.as_str(), last.path.as_str()),
        (rows[1].method, rows[1].path)
    );
}

#[tokio::test]
async fn typed_accessors_read_their_documents() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox)
        .default_locale(Locale::EnUs)
        .build()
        .unwrap();
    let wow = client.wow();

    let token = wow.token_index().await.unwrap();
    assert_eq!(token.price, 2_873_560_000);
    let class = wow.playable_class(7).await.unwrap();
    assert_eq!((class.id, class.name.text()), (7, Some("Shaman")));
    let class = wow.playable_class(7).locale(Locale::EsMx).await.unwrap();
    assert_eq!(class.name, Localized::Text("Chamán".to_owned()));
    let race = wow.playable_race(3).await.unwrap();
    assert_eq!(race.faction.unwrap().kind, "ALLIANCE");
    let spec = wow.playable_specialization(64).await.unwrap();
    assert_eq!(spec.role.unwrap().kind, "DAMAGE");
    let realm = wow.realm("tarren-mill").await.unwrap();
    assert_eq!(
        (realm.slug.as_str(), realm.name.text()),
        ("tarren-mill", Some("Tarren Mill"))
    );
    let connected = wow.connected_realm(1084).await.unwrap();
    assert_eq!(connected.realms.len(), 2);
    let item = wow.item(19019).await.unwrap();
    assert_eq!(item.quality.unwrap().kind, "LEGENDARY");
    let media = wow.item_media(19019).await.unwrap();
    assert_eq!(media.assets[0].key, "icon");
    let class_media = wow.playable_class_media(7).await.unwrap();
    assert_eq!(class_media.id, Some(7));

    // Realm and name go in lower case, as the API wants.
    let character = wow.character("Tarren-Mill", "AliceMage");
    let summary = character.summary().await.unwrap();
    assert_eq!((summary.name.as_str(), summary.level), ("Alicemage", 80));
    let equipment = character.equipment().await.unwrap();
    let slots: Vec<&str> = equipment
        .equipped_items
        .iter()
        .map(|i| i.slot.kind.as_str())
        .collect();
    assert_eq!(slots, ["HEAD", "CHEST", "MAIN_HAND", "FINGER_1"]);
    assert_eq!(
        equipment.equipped_items[2].level.as_ref().unwrap().value,
        645
    );
    let request = last_api_request(&sandbox);
    assert_eq!(
        request.path,
        "/profile/wow/character/tarren-mill/alicemage/equipment"
    );
    assert_eq!(
        request.query,
        [
            ("namespace".into(), "profile-us".into()),
            ("locale".into(), "en_US".into())
        ]
    );
    let portrait = character.media().await.unwrap();
    assert_eq!(portrait.assets.len(), 3);

    let card = client
        .hearthstone()
        .cards()
        .card("52119-arch-villain-rafaam")
        .await
        .unwrap();
    assert_eq!((card.id, card.mana_cost), (52_119, Some(7)));
    let request = last_api_request(&sandbox);
    assert_eq!(
        request.query,
        [("locale".into(), "en_US".into())],
        "no namespace"
    );

    // Groups fill their part of the path: a BattleTag's `#` becomes `-`.
    let cases = [
        (
            client.diablo3().profile("Alice#1234").hero(7),
            "/d3/profile/Alice-1234/hero/7",
        ),
        (
            client.diablo3().profile("Alice-1234").career(),
            "/d3/profile/Alice-1234/",
        ),
        (
            client.starcraft2().profile(2, 1, 42).ladder(9),
            "/sc2/profile/2/1/42/ladder/9",
        ),
        (
            client.wow().guild("Tarren-Mill", "The-Sandbox").roster(),
            "/data/wow/guild/tarren-mill/the-sandbox/roster",
        ),
        (
            client.hearthstone().metadata_of("sets"),
            "/hearthstone/metadata/sets",
        ),
    ];
    for (call, path) in cases {
        assert_eq!(call.path(), Some(path));
        call.await.unwrap();
        assert_eq!(last_api_request(&sandbox).path, path);
    }

    // Classic: the release goes into the namespace.
    let classic = client.wow_classic("classic1x").unwrap();
    classic.playable_class(8).await.unwrap();
    assert_eq!(
        last_api_request(&sandbox)
            .query_value("namespace")
            .as_deref(),
        Some("static-classic1x-us")
    );
    let err = client.wow_classic("retail").unwrap_err();
    assert!(matches!(err, Error::Input(_)), "{err}");
}

#[tokio::test]
async fn searches_walk_their_pages() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();

    // World of Warcraft: seven results in all, three a page.
    let pages: Vec<_> = client
        .wow()
        .item_search()
        .filter("name.en_US", "Sandbox")
        .order_by("id")
        .page_size(3)
        .pages()
        .collect()
        .await;
    let ids: Vec<Vec<u64>> = pages
        .into_iter()
        .map(|page| page.unwrap().results.iter().map(|r| r.data.id).collect())
        .collect();
    assert_eq!(ids, [vec![1, 2, 3], vec![4, 5, 6], vec![7]]);
    let queries: Vec<Vec<(String, String)>> = sandbox
        .requests()
        .iter()
        .filter(|r| r.path == "/data/wow/search/item")
        .map(|r| r.query.clone())
        .collect();
    let expected: Vec<Vec<(String, String)>> = (1..=3)
        .map(|page| {
            [
                ("name.en_US", "Sandbox".to_owned()),
                ("orderby", "id".to_owned()),
                ("_page", page.to_string()),
                ("_pageSize", "3".to_owned()),
                ("namespace", "static-us".to_owned()),
            ]
            .map(|(k, v)| (k.to_owned(), v))
            .to_vec()
        })
        .collect();
    assert_eq!(queries, expected);

    // Hearthstone: five mage cards, two a page, cheapest first.
    let search = client
        .hearthstone()
        .cards()
        .search()
        .filter("class", "mage")
        .order_by("manaCost:asc")
        .page_size(2);
    let first = search.clone().await.unwrap();
    assert_eq!((first.card_count, first.page_count, first.page), (5, 3, 1));
    let names: Vec<String> = search
        .pages()
        .try_collect()
        .await
        .unwrap()
        .iter()
        .flat_map(|page| {
            page.cards
                .iter()
                .map(|c| c.name.text().unwrap_or_default().to_owned())
        })
        .collect();
    assert_eq!(
        names,
        [
            "Arcane Missiles",
            "Mirror Image",
            "Frostbolt",
            "Fireball",
            "Flamestrike"
        ]
    );
    // Page sizes are capped at the endpoint's maximum.
    client.wow().realm_search().page_size(5000).await.unwrap();
    assert_eq!(
        last_api_request(&sandbox)
            .query_value("_pageSize")
            .as_deref(),
        Some("1000")
    );
}

#[tokio::test]
async fn the_errors_a_caller_sees() {
    let sandbox = sandbox().await;
    let app = builder(&sandbox).build().unwrap();

    // A user's documents, asked with the app token: refused before any I/O.
    let before = sandbox.requests().len();
    let err = app.wow().account().summary().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "this endpoint needs a user token: call it with the client that complete_authorization returned"
    );
    assert_eq!(sandbox.requests().len(), before);

    // A user token without `wow.profile`: the API names the scope.
    let user = user_client(&sandbox, Region::Us, "openid").await;
    let err = user.wow().account().collections().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "battle.net API refused the token for /profile/user/wow/collections (403 Forbidden): \
         `insufficient_scope` (the token lacks the wow.profile scope); scope needed: wow.profile"
    );

    // Unknown things are `NotFound`.
    let err = app
        .hearthstone()
        .cards()
        .card("999-nothing")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "not found: /hearthstone/cards/999-nothing (Not Found)"
    );

    // A document that does not fit names the field, never the value.
    let cases = [
        (
            r#"{"price":"s3cr3t-t0ken","last_updated_timestamp":1}"#,
            "price",
            "a value of the wrong type or a missing field",
        ),
        (
            r#"{"price":1}"#,
            ".",
            "a value of the wrong type or a missing field",
        ),
        (
            r#"{"price":1,"last_updated_timestamp":1"#,
            ".",
            "the body is not valid JSON",
        ),
        (
            r#"{"price":1,"last_updated_timestamp":1} s3cr3t-t0ken"#,
            ".",
            "the body is not valid JSON",
        ),
    ];
    for (body, field, problem) in cases {
        sandbox.inject(
            oauth_sandbox::FaultRule::on(
                "/data/wow/token/index",
                oauth_sandbox::Fault::Status {
                    status: 200,
                    headers: vec![],
                    body: body.to_owned(),
                },
            )
            .times(1),
        );
        let err = app.wow().token_index().await.unwrap_err();
        let Error::Malformed {
            path,
            field: got,
            problem: kind,
        } = &err
        else {
            panic!("{body}: {err:?}");
        };
        assert_eq!(
            (path.as_str(), got.as_str()),
            ("/data/wow/token/index", field),
            "{body}"
        );
        assert_eq!(
            err.to_string(),
            format!("malformed answer from /data/wow/token/index: at `{field}`, {problem}")
        );
        assert_eq!(kind.to_string(), problem);
        assert!(!format!("{err:?}").contains("s3cr3t"), "{err:?}");
    }

    // Classic rows need a release, retail rows take none: before any I/O.
    let classic_auctions = catalogue::endpoints()
        .find(|e| e.name == "WowClassic.auction_houses")
        .unwrap();
    let retail_heirlooms = catalogue::endpoints()
        .find(|e| e.name == "Wow.heirlooms")
        .unwrap();
    let before = sandbox.requests().len();
    let err = app
        .endpoint::<Value>(classic_auctions, &["4372"])
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid endpoint `/data/wow/connected-realm/{connectedRealmId}/auctions/index`: \
         a WoW Classic endpoint needs a release (`classic_endpoint`, `wow_classic`)"
    );
    let err = app
        .classic_endpoint::<Value>("classic", retail_heirlooms, &[])
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid endpoint `/data/wow/heirloom/index`: a retail World of Warcraft endpoint takes no Classic release"
    );
    assert_eq!(sandbox.requests().len(), before);

    // Invalid path parameters are reported when the call is awaited.
    let err = app.wow().realm("").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid endpoint `/data/wow/realm/{realmSlug}`: the path parameter `realmSlug` is empty"
    );
}

#[tokio::test]
async fn post_sends_its_body_and_the_api_answers_405() {
    // Battle.net's API is read-only (its only POSTs are the OAuth host's
    // `token` and `check_token`, which the client sends itself): a POST
    // reaches the API with its body and comes back as a typed 405.
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    let err = client
        .post(
            "/data/wow/token/index",
            Locale::EnUs,
            Namespace::dynamic(Region::Us),
        )
        .body(&json!({ "ids": [1, 2] }))
        .unwrap()
        .await
        .unwrap_err();
    let Error::Api { status, path, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(
        (status.as_u16(), path.as_str()),
        (405, "/data/wow/token/index")
    );
    let request = last_api_request(&sandbox);
    assert_eq!(request.method, "POST");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.body, br#"{"ids":[1,2]}"#);
    assert_eq!(
        request.query,
        [
            ("namespace".into(), "dynamic-us".into()),
            ("locale".into(), "en_US".into())
        ]
    );
    assert!(
        request
            .header("authorization")
            .unwrap()
            .starts_with("Bearer ")
    );
}
