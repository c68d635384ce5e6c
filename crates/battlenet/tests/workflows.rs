//! Both Battle.net workflows against the sandbox's Battle.net profile,
//! asserting the exact requests it received and the errors a user sees.
#![allow(clippy::unwrap_used)] // Tests: a panic is the failure report.

#[cfg(feature = "blocking")]
#[path = "workflows/blocking.rs"]
mod blocking;
#[cfg(feature = "cache")]
#[path = "workflows/cache.rs"]
mod cache;
#[path = "workflows/catalogue.rs"]
mod catalogue;

use std::time::Duration;

use base64::Engine as _;
use battlenet::{BattleNetClient, Error, Locale, Namespace, NamespacePlacement, Region};
use oauth_sandbox::browser::{self, Decision};
use oauth_sandbox::{ClientConfig, Fault, FaultRule, Profile, Sandbox, UserConfig};
use serde_json::Value;

const ID: &str = "bnet-client";
const SECRET: &str = "p@ss w:rd/+%&=?";
const REDIRECT: &str = "http://127.0.0.1:9/callback";

async fn sandbox() -> Sandbox {
    Sandbox::builder()
        .profile(Profile::BattleNet)
        .client(ClientConfig::confidential(ID, SECRET).redirect_uri(REDIRECT))
        .user(UserConfig::new("alice", "wonderland"))
        .start()
        .await
        .unwrap()
}

fn builder(sandbox: &Sandbox) -> battlenet::BattleNetClientBuilder {
    BattleNetClient::builder(Region::Us, ID, SECRET)
        .oauth_base(sandbox.oauth_url().clone())
        .api_base(sandbox.api_url().clone())
}

/// The WoW token index, the API call most of these tests make.
async fn token_index(client: &BattleNetClient) -> Result<Value, Error> {
    token_index_in(client, None).await
}

/// The WoW token index in `locale`.
async fn token_index_in(client: &BattleNetClient, locale: Option<Locale>) -> Result<Value, Error> {
    client
        .get(
            "/data/wow/token/index",
            locale,
            Namespace::dynamic(Region::Us),
        )
        .await
}

/// The signed-in user's WoW profile, in `locale` or every locale.
fn wow_profile(client: &BattleNetClient, locale: Option<Locale>) -> battlenet::ApiRequest<'_> {
    client.get("/profile/user/wow", locale, Namespace::profile(Region::Us))
}

/// The Mage's document (playable class 8), in `locale` or every locale.
fn mage(client: &BattleNetClient, locale: Option<Locale>) -> battlenet::ApiRequest<'_> {
    client.get(
        "/data/wow/playable-class/8",
        locale,
        Namespace::static_data(Region::Us),
    )
}

/// `user` signs in through the scripted browser; the client for them.
async fn sign_in(client: &BattleNetClient, user: &str, password: &str) -> BattleNetClient {
    let (url, pending) = client.authorization_url().unwrap();
    let callback = browser::sign_in(&url, user, password, Decision::Approve)
        .await
        .unwrap();
    client
        .complete_authorization(pending, callback.as_str())
        .await
        .unwrap()
}

fn requests_to(sandbox: &Sandbox, path: &str) -> Vec<oauth_sandbox::RecordedRequest> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path == path)
        .collect()
}

#[tokio::test]
async fn credential_workflow_fetches_the_app_token_on_first_use() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    assert!(sandbox.requests().is_empty(), "construction does no I/O");

    let index = token_index_in(&client, Some(Locale::EnUs)).await.unwrap();
    assert!(index["price"].as_u64().is_some(), "{index}");

    let token_requests = requests_to(&sandbox, "/token");
    assert_eq!(token_requests.len(), 1);
    let token_request = &token_requests[0];
    assert_eq!(token_request.method, "POST");
    assert_eq!(
        token_request.form(),
        vec![("grant_type".to_owned(), "client_credentials".to_owned())]
    );
    let basic = token_request
        .header("authorization")
        .unwrap()
        .strip_prefix("Basic ")
        .unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(basic)
        .unwrap();
    assert_eq!(
        String::from_utf8(decoded).unwrap(),
        "bnet-client:p%40ss+w%3Ard%2F%2B%25%26%3D%3F"
    );

    let api = &requests_to(&sandbox, "/data/wow/token/index")[0];
    assert_eq!(api.method, "GET");
    assert_eq!(
        api.query,
        vec![
            ("namespace".to_owned(), "dynamic-us".to_owned()),
            ("locale".to_owned(), "en_US".to_owned())
        ]
    );
    assert!(api.header("authorization").unwrap().starts_with("Bearer "));
    for request in sandbox.requests() {
        assert!(
            request.query_value("access_token").is_none(),
            "no token in any URL"
        );
    }

    // The token is reused, not fetched again.
    token_index(&client).await.unwrap();
    assert_eq!(requests_to(&sandbox, "/token").len(), 1);
}

#[tokio::test]
async fn the_app_token_is_renewed_on_expiry() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    token_index(&client).await.unwrap();
    // The sandbox's token expires; the client's copy still looks valid, so
    // the 401 makes it fetch a fresh token once and retry once.
    sandbox.advance(Duration::from_secs(86_400));
    token_index(&client).await.unwrap();
    assert_eq!(requests_to(&sandbox, "/token").len(), 2);
    let statuses: Vec<_> = requests_to(&sandbox, "/data/wow/token/index")
        .iter()
        .map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    assert_eq!(statuses.len(), 3, "first call, the refused one, the retry");
    assert_ne!(statuses[1], statuses[2], "the retry carries the new token");
}

#[tokio::test]
async fn typed_answers_locales_and_namespace_header() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox)
        .namespace_placement(NamespacePlacement::Header)
        .build()
        .unwrap();
    let class: Value = mage(&client, Some(Locale::EnUs)).await.unwrap();
    assert_eq!(class["name"], "Mage");
    let request = requests_to(&sandbox, "/data/wow/playable-class/8")
        .pop()
        .unwrap();
    assert_eq!(request.header("battlenet-namespace"), Some("static-us"));
    assert_eq!(request.query_value("namespace"), None);

    // Without a locale: every locale's name, keyed by locale.
    let all: Value = mage(&client, None).await.unwrap();
    assert!(all["name"].is_object(), "{all}");
    assert_eq!(all["name"]["en_US"], "Mage");

    #[derive(serde::Deserialize)]
    struct PlayableClass {
        id: u32,
        name: String,
    }
    let typed: PlayableClass = mage(&client, Some(Locale::EnUs)).json().await.unwrap();
    assert_eq!((typed.id, typed.name.as_str()), (8, "Mage"));
}

#[tokio::test]
async fn refusals_are_typed_and_say_why() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    let us = Region::Us;
    // Endpoint, locale, namespace, the message a user reads, and whether
    // the request reached the API (bad input never does).
    type Refusal<'a> = (&'a str, Option<Locale>, Option<Namespace>, &'a str, bool);
    let cases: [Refusal<'_>; 5] = [
        (
            "/data/wow/token/index",
            Some(Locale::FrFr),
            Some(Namespace::dynamic(us)),
            "locale fr_FR is not served in region us (it serves en_US, es_MX, pt_BR)",
            false,
        ),
        (
            "https://evil.example/data",
            None,
            None,
            "invalid endpoint `https://evil.example/data`: the host is not a Battle.net API host of this client",
            false,
        ),
        (
            "/data/wow/playable-class/999",
            None,
            Some(Namespace::static_data(us)),
            "not found: /data/wow/playable-class/999 (Not Found)",
            true,
        ),
        // Like the real API, a missing namespace is a 404 too.
        (
            "/data/wow/token/index",
            None,
            None,
            "not found: /data/wow/token/index (Not Found)",
            true,
        ),
        (
            "/profile/user/wow",
            None,
            Some(Namespace::profile(us)),
            "battle.net API refused the token for /profile/user/wow (403 Forbidden): `insufficient_scope` (a user token is required); scope needed: wow.profile",
            true,
        ),
    ];
    for (endpoint, locale, namespace, expected, sent) in cases {
        sandbox.clear_requests();
        let err = client.get(endpoint, locale, namespace).await.unwrap_err();
        assert_eq!(err.to_string(), expected, "{endpoint}");
        let reached = requests_to(
            &sandbox,
            endpoint.trim_start_matches("https://evil.example"),
        );
        assert_eq!(!reached.is_empty(), sent, "{endpoint}");
    }

    // A token in the query is refused before it is sent.
    let err = client
        .get("/data/wow/token/index", None, Namespace::dynamic(us))
        .query("access_token", "x")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("`access_token`"), "{err}");
    assert!(requests_to(&sandbox, "/data/wow/token/index").is_empty());
}

#[tokio::test]
async fn a_whole_stack_is_given_at_once() {
    use battlenet::oauth_core::layer::Stack;
    use battlenet::oauth_core::{RetryPolicy, TransportErrorKind};
    let sandbox = sandbox().await;
    let client = builder(&sandbox)
        .stack(
            Stack::new()
                .retry(RetryPolicy::none())
                .total_timeout(Duration::from_millis(300)),
        )
        .build()
        .unwrap();
    let get = || {
        client.get(
            "/data/wow/token/index",
            None,
            Namespace::dynamic(Region::Us),
        )
    };
    let _: serde_json::Value = get().await.unwrap();
    sandbox.inject(FaultRule::on(
        "/data/wow/token/index",
        Fault::HtmlErrorPage(503),
    ));
    let err = get().await.unwrap_err();
    assert!(
        matches!(&err, Error::Api { status, .. } if status.as_u16() == 503),
        "{err:?}"
    );
    assert_eq!(
        requests_to(&sandbox, "/data/wow/token/index").len(),
        2,
        "no retry: the stack's policy"
    );
    sandbox.inject(FaultRule::on(
        "/data/wow/token/index",
        Fault::Delay(Duration::from_secs(5)),
    ));
    let err = get().await.unwrap_err();
    let Some(battlenet::oauth_core::Error::Transport { source, .. }) = err.oauth() else {
        panic!("expected the total timeout, got {err:?}");
    };
    assert_eq!(source.kind(), TransportErrorKind::Timeout);
}

#[tokio::test]
async fn server_errors_are_typed() {
    let sandbox = sandbox().await;
    // A server error that outlasts the retries: the status and the body.
    let client = builder(&sandbox)
        .retry(battlenet::oauth_core::RetryPolicy::none())
        .build()
        .unwrap();
    sandbox.inject(FaultRule::on(
        "/data/wow/token/index",
        Fault::HtmlErrorPage(500),
    ));
    let err = client
        .get(
            "/data/wow/token/index",
            None,
            Namespace::dynamic(Region::Us),
        )
        .await
        .unwrap_err();
    let Error::Api {
        status,
        path,
        excerpt,
    } = &err
    else {
        panic!("expected an API error, got {err:?}");
    };
    assert_eq!(
        (status.as_u16(), path.as_str()),
        (500, "/data/wow/token/index")
    );
    assert!(excerpt.starts_with('<'), "{excerpt}");
}

#[tokio::test]
async fn a_profile_call_on_the_app_token_is_refused_naming_the_scope() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    let err = wow_profile(&client, None).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "battle.net API refused the token for /profile/user/wow (403 Forbidden): \
         `insufficient_scope` (a user token is required); scope needed: wow.profile"
    );
    let Error::Refused { challenge, .. } = &err else {
        panic!("expected a refusal, got {err:?}");
    };
    assert_eq!(
        challenge.error,
        Some(battlenet::oauth_core::ErrorCode::InsufficientScope)
    );
    // Refused once, not retried: a scope does not come back by retrying.
    assert_eq!(requests_to(&sandbox, "/profile/user/wow").len(), 1);
}

#[tokio::test]
async fn rate_limited_requests_wait_for_retry_after() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    token_index(&client).await.unwrap();
    sandbox.inject(
        FaultRule::on(
            "/data/wow/token/index",
            Fault::Status {
                status: 429,
                headers: vec![("retry-after".into(), "1".into())],
                body: r#"{"code":429,"type":"BLZWEBAPI00000429","detail":"Too Many Requests"}"#
                    .into(),
            },
        )
        .times(1),
    );
    let started = std::time::Instant::now();
    token_index(&client).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After was honoured"
    );
    assert_eq!(requests_to(&sandbox, "/data/wow/token/index").len(), 3);
}

#[tokio::test]
async fn a_retried_and_a_renewed_call_are_sent_again_whole() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox)
        .namespace_placement(NamespacePlacement::Header)
        .build()
        .unwrap();
    let first: Value = mage(&client, Some(Locale::EnUs)).await.unwrap();
    let path = "/data/wow/playable-class/8";
    let fault = |status: u16| Fault::Status {
        status,
        headers: vec![("retry-after".into(), "0".into())],
        body: String::new(),
    };
    // A 503 (retried), then a 401 (the app token renewed, the call sent
    // once more), then the answer.
    sandbox.inject(FaultRule::on(path, fault(503)).times(1));
    sandbox.inject(FaultRule::on(path, fault(401)).times(1));
    let again: Value = mage(&client, Some(Locale::EnUs)).await.unwrap();
    assert_eq!(again, first);
    let sent = requests_to(&sandbox, path);
    assert_eq!(
        sent.len(),
        4,
        "the first call, then three sends of the second"
    );
    for request in &sent {
        assert_eq!(request.header("battlenet-namespace"), Some("static-us"));
        assert_eq!(request.query_value("locale").as_deref(), Some("en_US"));
        assert_eq!(request.header("accept"), Some("application/json"));
    }
    let bearers: Vec<_> = sent.iter().map(|r| r.header("authorization")).collect();
    assert_eq!(bearers[1], bearers[2], "the retry carries the same token");
    assert_ne!(bearers[2], bearers[3], "the resend carries the renewed one");
    assert_eq!(requests_to(&sandbox, "/token").len(), 2, "one renewal");
}

#[tokio::test]
async fn user_workflow_end_to_end() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox)
        .scope("openid wow.profile")
        .redirect_uri(REDIRECT)
        .build()
        .unwrap();
    // Before sign-in there is no user token to call with.
    let err = wow_profile(&client, None).await.unwrap_err();
    assert!(matches!(err, Error::Workflow(_)), "{err:?}");

    let (url, pending) = client.authorization_url().unwrap();
    assert_eq!(
        url.query_pairs().find(|(k, _)| k == "scope").unwrap().1,
        "openid wow.profile"
    );
    let callback = browser::sign_in(&url, "alice", "wonderland", Decision::Approve)
        .await
        .unwrap();
    let user = client
        .complete_authorization(pending, callback.as_str())
        .await
        .unwrap();

    let info = user.user_info().await.unwrap();
    assert_eq!(info.battletag, "Alice#1234");
    let profile: Value = wow_profile(&user, Some(Locale::EnUs)).await.unwrap();
    assert_eq!(
        profile["wow_accounts"][0]["characters"][0]["name"],
        "Alicemage"
    );

    let check = user.check_token().await.unwrap();
    assert_eq!(check.client_id, ID);
    assert_eq!(check.user_name.as_deref(), Some("Alice#1234"));
    assert!(check.scope.contains(&"wow.profile".to_owned()));
    let check_request = requests_to(&sandbox, "/check_token").pop().unwrap();
    assert_eq!(check_request.method, "POST");
    assert!(check_request.form_value("token").is_some());

    let code_exchange = requests_to(&sandbox, "/token").pop().unwrap();
    assert_eq!(
        code_exchange.form_value("grant_type").as_deref(),
        Some("authorization_code")
    );
    assert_eq!(
        code_exchange.form_value("redirect_uri").as_deref(),
        Some(REDIRECT)
    );

    // The user token expires after 24 hours and Battle.net has no refresh
    // token: the error tells the app to sign the user in again.
    sandbox.advance(Duration::from_secs(86_400));
    let err = wow_profile(&user, None).await.unwrap_err();
    assert!(
        err.oauth()
            .is_some_and(battlenet::oauth_core::Error::needs_authorization),
        "{err:?}"
    );
}

#[tokio::test]
async fn denied_consent_reaches_the_app() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).redirect_uri(REDIRECT).build().unwrap();
    let (url, pending) = client.authorization_url().unwrap();
    let callback = browser::sign_in(&url, "alice", "wonderland", Decision::Deny)
        .await
        .unwrap();
    let err = client
        .complete_authorization(pending, callback.as_str())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.oauth(),
            Some(battlenet::oauth_core::Error::AuthorizationDenied(_))
        ),
        "{err:?}"
    );
}

#[test]
fn authorization_urls_for_every_region() {
    for region in Region::ALL {
        let client = BattleNetClient::new(
            region.as_str(),
            "openid",
            Some("https://app.example/cb"),
            "id",
            "secret",
        )
        .unwrap();
        let (url, _) = client.authorization_url().unwrap();
        let expected = if region == Region::Cn {
            "oauth.battlenet.com.cn"
        } else {
            "oauth.battle.net"
        };
        assert_eq!(url.host_str(), Some(expected), "{region}");
        assert_eq!(url.path(), "/authorize");
        assert_eq!(url.scheme(), "https");
        let params: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
        assert_eq!(
            params,
            [
                "response_type",
                "client_id",
                "redirect_uri",
                "scope",
                "state",
                "code_challenge",
                "code_challenge_method",
                // The `openid` scope: a nonce for the ID token.
                "nonce"
            ]
        );
    }
    // China's legacy host, as some client ids need.
    let legacy = BattleNetClient::builder(Region::Cn, "id", "secret")
        .redirect_uri("https://app.example/cb")
        .oauth_base(
            battlenet::oauth_core::url::Url::parse("https://www.battlenet.com.cn/oauth").unwrap(),
        )
        .build()
        .unwrap();
    let (url, _) = legacy.authorization_url().unwrap();
    assert_eq!(
        url.as_str().split('?').next(),
        Some("https://www.battlenet.com.cn/oauth/authorize")
    );
}

#[tokio::test]
async fn the_rate_limiter_keeps_a_busy_job_under_the_quota() {
    let sandbox = sandbox().await;
    // 90 of Battle.net's 100 a second: the margin absorbs the jitter
    // between sending a request and its arrival on a busy machine.
    let client = builder(&sandbox)
        .rate_limit(90)
        .retry(battlenet::oauth_core::RetryPolicy::none())
        .build()
        .unwrap();
    let calls = (0..150).map(|_| {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .get(
                    "/data/wow/token/index",
                    None,
                    Namespace::dynamic(Region::Us),
                )
                .await
        })
    });
    for call in calls.collect::<Vec<_>>() {
        // With retries off, a single 429 would fail its call.
        call.await.unwrap().unwrap();
    }
    assert_eq!(requests_to(&sandbox, "/data/wow/token/index").len(), 150);
}

#[cfg(feature = "openid")]
#[tokio::test]
async fn an_openid_sign_in_verifies_battle_nets_id_token() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox)
        .scope("openid wow.profile")
        .redirect_uri(REDIRECT)
        .build()
        .unwrap();
    let first = sign_in(&client, "alice", "wonderland").await;
    let claims = first.id_token_claims().expect("a verified ID token");
    let info = first.user_info().await.unwrap();
    assert_eq!(claims.sub, info.id.to_string(), "the same account");
    assert_eq!(
        claims.iss,
        sandbox.oauth_url().as_str().trim_end_matches('/')
    );
    assert_eq!(claims.aud, [ID]);
    assert!(claims.nonce.is_some(), "the nonce the request made");
    // The keys and discovery are read once for every sign-in.
    sign_in(&client, "alice", "wonderland").await;
    assert_eq!(requests_to(&sandbox, "/jwks/certs").len(), 1);
    assert_eq!(
        requests_to(&sandbox, "/.well-known/openid-configuration").len(),
        1
    );

    // A callback completed with another request's nonce is refused.
    let (url, pending) = client.authorization_url().unwrap();
    let callback = browser::sign_in(&url, "alice", "wonderland", Decision::Approve)
        .await
        .unwrap();
    let mut other = serde_json::to_value(&pending).unwrap();
    other["nonce"] = serde_json::json!("another-request's-nonce");
    let other: battlenet::oauth_core::PendingAuthorization = serde_json::from_value(other).unwrap();
    let err = client
        .complete_authorization(other, callback.as_str())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.oauth(),
            Some(battlenet::oauth_core::Error::IdToken(
                battlenet::oauth_core::IdTokenError::Nonce
            ))
        ),
        "{err:?}"
    );

    // Without `openid`, no ID token is asked for or checked.
    let plain = builder(&sandbox)
        .scope("wow.profile")
        .redirect_uri(REDIRECT)
        .build()
        .unwrap();
    let user = sign_in(&plain, "alice", "wonderland").await;
    assert!(user.id_token_claims().is_none());
}
