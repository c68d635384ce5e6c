//! The Battle.net profile over real HTTP: token answers, userinfo,
//! `check_token`, the API's namespaces, locales, errors and rate limit.

use std::time::Duration;

use crate::support::*;
use oauth_sandbox::browser::{self, Decision};
use oauth_sandbox::{Profile, Sandbox};
use serde_json::{Value, json};

async fn battlenet() -> Sandbox {
    sandbox(Profile::BattleNet).await
}

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

fn assert_blizzard_error(reply: &Reply, status: u16, detail: &str) {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert_eq!(
        reply.header("content-type"),
        Some("application/json;charset=UTF-8")
    );
    assert_eq!(
        reply.json(),
        json!({ "code": status, "type": format!("BLZWEBAPI{status:08}"), "detail": detail })
    );
}

#[tokio::test]
async fn token_answers_are_shaped_like_battlenet() {
    let sandbox = battlenet().await;
    let tokens = user_token(&sandbox, "openid wow.profile").await;
    assert_eq!(
        keys(&tokens),
        [
            "access_token",
            "expires_in",
            "id_token",
            "scope",
            "sub",
            "token_type"
        ]
    );
    assert_eq!(tokens["token_type"], "bearer");
    assert_eq!(tokens["expires_in"], 86399);
    assert_eq!(tokens["sub"], "100000001");
    assert_eq!(tokens["scope"], "openid wow.profile");

    let reply = post_form(
        sandbox.token_endpoint().as_str(),
        &[("authorization", &basic(CLIENT, SECRET))],
        &[("grant_type", "client_credentials")],
    )
    .await;
    let body = reply.json();
    assert_eq!(
        keys(&body),
        ["access_token", "expires_in", "sub", "token_type"]
    );
    assert_eq!(body["sub"], CLIENT);

    // The legacy `/oauth/` paths answer too; GET is refused.
    let legacy = at(sandbox.oauth_url(), "/oauth/token");
    let reply = post_form(
        &legacy,
        &[("authorization", &basic(CLIENT, SECRET))],
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(reply.status, 200);
    let reply = get(sandbox.token_endpoint().as_str(), &[]).await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("POST"));
}

#[tokio::test]
async fn unknown_scopes_are_refused() {
    let sandbox = battlenet().await;
    let url = authorize_url(&sandbox, &code_params("openid profile"));
    let reply = get(url.as_str(), &[]).await;
    let location = reply.location();
    assert_eq!(param(&location, "error").as_deref(), Some("invalid_scope"));
    assert_eq!(
        param(&location, "error_description").as_deref(),
        Some("unknown scope: profile")
    );
}

#[tokio::test]
async fn the_browser_signs_in_on_battlenet() {
    let sandbox = battlenet().await;
    let url = authorize_url(&sandbox, &code_params("wow.profile"));
    let callback = browser::sign_in(&url, LOGIN, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    assert_eq!(
        callback.origin(),
        oauth_sandbox::url::Url::parse(REDIRECT).unwrap().origin()
    );
    assert!(param(&callback, "code").is_some());
    let paths: Vec<String> = sandbox.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "/authorize",
            "/login",
            "/login",
            "/authorize",
            "/consent",
            "/consent"
        ]
    );
}

#[tokio::test]
async fn userinfo_on_both_paths() {
    let sandbox = battlenet().await;
    let tokens = user_token(&sandbox, "openid").await;
    let auth = bearer(tokens["access_token"].as_str().unwrap());
    for path in ["/userinfo", "/oauth/userinfo"] {
        let reply = get(&at(sandbox.oauth_url(), path), &[("authorization", &auth)]).await;
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.json(),
            json!({ "sub": "100000001", "id": 100_000_001, "battletag": "Alice#1234" })
        );
    }
    let reply = get(&at(sandbox.oauth_url(), "/userinfo"), &[]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.header("www-authenticate"),
        Some("Bearer realm=\"oauth-sandbox\"")
    );
}

#[tokio::test]
async fn check_token_answers_in_battlenet_shape() {
    let sandbox = battlenet().await;
    let tokens = user_token(&sandbox, "openid wow.profile").await;
    let user = tokens["access_token"].as_str().unwrap();
    for path in ["/check_token", "/oauth/check_token"] {
        let reply = post_form(&at(sandbox.oauth_url(), path), &[], &[("token", user)]).await;
        assert_eq!(reply.status, 200);
        let body = reply.json();
        assert_eq!(
            keys(&body),
            [
                "account_authorities",
                "authorities",
                "client_authorities",
                "client_id",
                "exp",
                "scope",
                "user_name"
            ]
        );
        assert_eq!(body["user_name"], "Alice#1234");
        assert_eq!(body["scope"], json!(["openid", "wow.profile"]));
        assert_eq!(body["client_id"], CLIENT);
        assert_eq!(
            body["authorities"],
            json!(["IS_AUTHENTICATED_FULLY", "ROLE_USER"])
        );
        assert!(body["exp"].as_u64().unwrap() > 1_700_000_000);
    }

    let app = app_token(&sandbox, None).await;
    let check = at(sandbox.oauth_url(), "/check_token");
    let body = post_form(&check, &[], &[("token", &app)]).await.json();
    assert!(body.get("user_name").is_none());
    assert_eq!(body["scope"], json!([]));
    // GET with a query works as well.
    let reply = get(&format!("{check}?token={app}"), &[]).await;
    assert_eq!(reply.status, 200);

    let reply = post_form(&check, &[], &[("token", "bogus")]).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.json(),
        json!({ "error": "invalid_token", "error_description": "Token was not recognised" })
    );
    let reply = post_form(&check, &[], &[]).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], "invalid_request");

    sandbox.advance(Duration::from_secs(86_399));
    let reply = post_form(&check, &[], &[("token", user)]).await;
    assert_eq!(
        reply.json(),
        json!({ "error": "invalid_token", "error_description": "Token has expired" })
    );
}

#[tokio::test]
async fn token_index_needs_a_dynamic_namespace() {
    let sandbox = battlenet().await;
    let auth = bearer(&app_token(&sandbox, None).await);
    let index = at(sandbox.api_url(), "/data/wow/token/index");

    let reply = get(
        &format!("{index}?namespace=dynamic-eu"),
        &[("authorization", &auth)],
    )
    .await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(
        body["_links"]["self"]["href"],
        format!("{}data/wow/token/?namespace=dynamic-eu", sandbox.api_url())
    );
    assert_eq!(body["price"], 3_415_120_000_u64);
    assert!(body["last_updated_timestamp"].as_u64().unwrap() > 1_700_000_000_000);

    // The header works like the query parameter, classic releases included.
    let reply = get(
        &index,
        &[
            ("authorization", &auth),
            ("battlenet-namespace", "dynamic-classic-us"),
        ],
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["price"], 2_873_560_000_u64);

    for query in [
        "",
        "?namespace=static-us",
        "?namespace=dynamic-xx",
        "?namespace=dynamicus",
    ] {
        let reply = get(&format!("{index}{query}"), &[("authorization", &auth)]).await;
        assert_blizzard_error(&reply, 404, "Not Found");
    }
}

#[tokio::test]
async fn playable_classes_are_localized() {
    let sandbox = battlenet().await;
    let auth = bearer(&app_token(&sandbox, None).await);
    let class = |id: &str, query: &str| {
        at(
            sandbox.api_url(),
            &format!("/data/wow/playable-class/{id}?{query}"),
        )
    };

    let reply = get(
        &class("1", "namespace=static-eu&locale=de_DE"),
        &[("authorization", &auth)],
    )
    .await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["id"], 1);
    assert_eq!(body["name"], "Krieger");

    let reply = get(
        &class("8", "namespace=static-classic-us"),
        &[("authorization", &auth)],
    )
    .await;
    let name = &reply.json()["name"];
    assert_eq!(name.as_object().unwrap().len(), 13);
    assert_eq!(name["en_US"], "Mage");
    assert_eq!(name["fr_FR"], "Mage");
    assert_eq!(name["ko_KR"], "마법사");
    assert_eq!(name["zh_CN"], "法师");

    let reply = get(
        &class("99", "namespace=static-us"),
        &[("authorization", &auth)],
    )
    .await;
    assert_blizzard_error(&reply, 404, "Not Found");
    let reply = get(
        &class("1", "namespace=dynamic-us"),
        &[("authorization", &auth)],
    )
    .await;
    assert_blizzard_error(&reply, 404, "Not Found");
}

#[tokio::test]
async fn the_wow_profile_needs_a_user_token_with_the_scope() {
    let sandbox = battlenet().await;
    let profile = at(
        sandbox.api_url(),
        "/profile/user/wow?namespace=profile-us&locale=en_US",
    );

    let tokens = user_token(&sandbox, "openid wow.profile").await;
    let auth = bearer(tokens["access_token"].as_str().unwrap());
    let reply = get(&profile, &[("authorization", &auth)]).await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["id"], 100_000_001);
    let character = &body["wow_accounts"][0]["characters"][0];
    assert_eq!(character["name"], "Alicemage");
    assert_eq!(character["playable_class"]["name"], "Mage");

    let reply = get(
        &at(sandbox.api_url(), "/profile/user/wow?namespace=static-us"),
        &[("authorization", &auth)],
    )
    .await;
    assert_blizzard_error(&reply, 404, "Not Found");

    let narrow = user_token(&sandbox, "openid").await;
    let reply = get(
        &profile,
        &[(
            "authorization",
            &bearer(narrow["access_token"].as_str().unwrap()),
        )],
    )
    .await;
    assert_blizzard_error(&reply, 403, "Forbidden");
    assert_eq!(
        reply.header("www-authenticate"),
        Some(
            "Bearer realm=\"oauth-sandbox\", error=\"insufficient_scope\", error_description=\"the token lacks the wow.profile scope\", scope=\"wow.profile\""
        )
    );

    let app = app_token(&sandbox, Some("wow.profile")).await;
    let reply = get(&profile, &[("authorization", &bearer(&app))]).await;
    assert_blizzard_error(&reply, 403, "Forbidden");
}

#[tokio::test]
async fn api_authentication_errors() {
    let sandbox = battlenet().await;
    let app = app_token(&sandbox, None).await;
    let index = at(
        sandbox.api_url(),
        "/data/wow/token/index?namespace=dynamic-us",
    );

    let reply = get(&format!("{index}&access_token={app}"), &[]).await;
    assert_blizzard_error(&reply, 401, "Unauthorized");
    assert_eq!(
        reply.header("www-authenticate"),
        Some(
            "Bearer realm=\"oauth-sandbox\", error=\"invalid_request\", error_description=\"access tokens are accepted in the authorization header only, not in the url\""
        )
    );
    // Even alongside a valid header.
    let reply = get(
        &format!("{index}&access_token={app}"),
        &[("authorization", &bearer(&app))],
    )
    .await;
    assert_eq!(reply.status, 401);

    let reply = get(&index, &[]).await;
    assert_blizzard_error(&reply, 401, "Unauthorized");
    let reply = get(&index, &[("authorization", "Bearer nope")]).await;
    assert_blizzard_error(&reply, 401, "Unauthorized");
    assert!(
        reply
            .header("www-authenticate")
            .unwrap()
            .contains("invalid_token")
    );

    let reply = get(
        &at(sandbox.api_url(), "/data/wow/nothing"),
        &[("authorization", &bearer(&app))],
    )
    .await;
    assert_blizzard_error(&reply, 404, "Not Found");
    let reply = send("POST", &index, &[("authorization", &bearer(&app))], b"").await;
    assert_blizzard_error(&reply, 405, "Method Not Allowed");
    assert_eq!(reply.header("allow"), Some("GET"));
}

#[tokio::test]
async fn answers_carry_cache_headers_and_conditional_requests_get_304() {
    let sandbox = battlenet().await;
    let auth = bearer(&app_token(&sandbox, None).await);
    let user = user_token(&sandbox, "wow.profile").await;
    let user = bearer(user["access_token"].as_str().unwrap());
    // Path, credential, the Cache-Control expected.
    let cases = [
        (
            "/data/wow/playable-race/3?namespace=static-us",
            &auth,
            "public, max-age=86400",
        ),
        (
            "/data/wow/realm/tarren-mill?namespace=dynamic-eu",
            &auth,
            "public, max-age=300",
        ),
        (
            "/profile/wow/character/tarren-mill/alice/equipment?namespace=profile-eu",
            &auth,
            "public, max-age=60",
        ),
        (
            "/profile/user/wow/collections?namespace=profile-us",
            &user,
            "private, max-age=60",
        ),
        ("/hearthstone/metadata", &auth, "public, max-age=86400"),
    ];
    for (path, credential, cache_control) in cases {
        let url = at(sandbox.api_url(), path);
        let reply = get(&url, &[("authorization", credential)]).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text());
        assert_eq!(reply.header("cache-control"), Some(cache_control), "{path}");
        let etag = reply.header("etag").unwrap().to_owned();
        assert!(etag.starts_with('"') && etag.len() == 18, "{etag}");
        let modified = reply.header("last-modified").unwrap().to_owned();
        assert!(modified.ends_with(" GMT"), "{modified}");

        let again = get(
            &url,
            &[("authorization", credential), ("if-none-match", &etag)],
        )
        .await;
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty());
        assert_eq!(again.header("etag"), Some(etag.as_str()));
        let again = get(
            &url,
            &[
                ("authorization", credential),
                ("if-modified-since", &modified),
            ],
        )
        .await;
        assert_eq!(again.status, 304, "{path}");
        let other = get(
            &url,
            &[
                ("authorization", credential),
                ("if-none-match", "\"other\""),
            ],
        )
        .await;
        assert_eq!(other.status, 200, "{path}");
    }
}

#[tokio::test]
async fn classic_and_retail_namespaces_are_told_apart() {
    let sandbox = battlenet().await;
    let auth = bearer(&app_token(&sandbox, None).await);
    // Path, namespace, status, the sandbox's reason for a 404.
    let cases = [
        ("/data/wow/playable-race/2", "static-us", 200, None),
        (
            "/data/wow/playable-race/2",
            "static-classic1x-eu",
            200,
            None,
        ),
        (
            "/data/wow/playable-race/2",
            "dynamic-us",
            404,
            Some("namespace does not fit this endpoint"),
        ),
        // Only Classic has several auction houses per realm; only retail has heirlooms.
        (
            "/data/wow/connected-realm/4372/auctions/index",
            "dynamic-classic-us",
            200,
            None,
        ),
        (
            "/data/wow/connected-realm/4372/auctions/index",
            "dynamic-us",
            404,
            Some("namespace does not fit this endpoint"),
        ),
        ("/data/wow/heirloom/index", "static-us", 200, None),
        (
            "/data/wow/heirloom/index",
            "static-classic-us",
            404,
            Some("namespace does not fit this endpoint"),
        ),
    ];
    for (path, namespace, status, reason) in cases {
        let url = at(sandbox.api_url(), &format!("{path}?namespace={namespace}"));
        let reply = get(&url, &[("authorization", &auth)]).await;
        assert_eq!(reply.status, status, "{path} {namespace}: {}", reply.text());
        assert_eq!(
            reply.header("x-sandbox-reason"),
            reason,
            "{path} {namespace}"
        );
    }
}

#[tokio::test]
async fn one_hundred_requests_per_second_then_429() {
    let sandbox = battlenet().await;
    let auth = bearer(&app_token(&sandbox, None).await);
    let index = at(
        sandbox.api_url(),
        "/data/wow/token/index?namespace=dynamic-us",
    );
    // A paused clock: the burst falls in one window however slow it is.
    sandbox.pause_clock();
    let mut statuses = Vec::new();
    for _ in 0..101 {
        statuses.push(get(&index, &[("authorization", &auth)]).await.status);
    }
    assert!(statuses[..100].iter().all(|s| *s == 200), "{statuses:?}");
    let reply = get(&index, &[("authorization", &auth)]).await;
    assert_blizzard_error(&reply, 429, "Too Many Requests");
    assert_eq!(reply.header("retry-after"), Some("1"));
    assert_eq!(statuses[100], 429);
    sandbox.advance(Duration::from_secs(1));
    assert_eq!(get(&index, &[("authorization", &auth)]).await.status, 200);
}

#[tokio::test]
async fn battlenet_discovery() {
    let sandbox = battlenet().await;
    let base = sandbox
        .oauth_url()
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let doc = get(
        &at(sandbox.oauth_url(), "/.well-known/openid-configuration"),
        &[],
    )
    .await
    .json();
    assert_eq!(doc["userinfo_endpoint"], format!("{base}/oauth/userinfo"));
    assert_eq!(
        doc["scopes_supported"],
        json!(["openid", "wow.profile", "sc2.profile", "d3.profile"])
    );
    assert_eq!(
        doc["grant_types_supported"],
        json!(["authorization_code", "client_credentials"])
    );
    let reply = get(
        &at(
            sandbox.oauth_url(),
            "/.well-known/oauth-authorization-server",
        ),
        &[],
    )
    .await;
    assert_eq!(reply.status, 404);
}

#[tokio::test]
async fn api_answers_wait_for_the_latency_set_and_oauth_answers_do_not() {
    let sandbox = battlenet().await;
    let auth = bearer(&app_token(&sandbox, None).await);
    let index = at(
        sandbox.api_url(),
        "/data/wow/token/index?namespace=dynamic-us",
    );
    sandbox.set_api_latency(Duration::from_secs(1));
    let started = std::time::Instant::now();
    assert_eq!(get(&index, &[("authorization", &auth)]).await.status, 200);
    assert!(started.elapsed() >= Duration::from_secs(1), "API delayed");
    // A token is not: the OAuth host is another server. (Far below the
    // latency even on a busy machine.)
    let started = std::time::Instant::now();
    app_token(&sandbox, None).await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "OAuth not delayed"
    );
    sandbox.set_api_latency(Duration::ZERO);
    let started = std::time::Instant::now();
    assert_eq!(get(&index, &[("authorization", &auth)]).await.status, 200);
    assert!(started.elapsed() < Duration::from_secs(1), "back to none");
}
