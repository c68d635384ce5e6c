//! The blocking client (feature `blocking`) against the sandbox: both
//! workflows, catalogue calls with `wait()`, search pages as an iterator,
//! and the refusal inside an async runtime.

use battlenet::blocking::BattleNetClient;
use battlenet::{Error, Locale, Namespace, Region};
use oauth_sandbox::browser::{self, Decision};
use oauth_sandbox::{ClientConfig, Listener, Profile, Sandbox, UserConfig};

use super::{ID, REDIRECT, SECRET};

/// The sandbox, served by a runtime of its own threads: the test's thread
/// stays outside any runtime, as a script's does.
fn sandbox() -> (tokio::runtime::Runtime, Sandbox) {
    let server = tokio::runtime::Runtime::new().unwrap();
    let sandbox = server
        .block_on(
            Sandbox::builder()
                .profile(Profile::BattleNet)
                .client(ClientConfig::confidential(ID, SECRET).redirect_uri(REDIRECT))
                .user(UserConfig::new("alice", "wonderland"))
                .start(),
        )
        .unwrap();
    (server, sandbox)
}

fn builder(sandbox: &Sandbox) -> battlenet::blocking::BattleNetClientBuilder {
    BattleNetClient::builder(Region::Us, ID, SECRET)
        .oauth_base(sandbox.oauth_url().clone())
        .api_base(sandbox.api_url().clone())
}

#[test]
fn a_whole_stack_reaches_the_blocking_client() {
    use battlenet::oauth_core::RetryPolicy;
    use battlenet::oauth_core::layer::Stack;
    use oauth_sandbox::{Fault, FaultRule};
    let (_server, sandbox) = sandbox();
    let client = builder(&sandbox)
        .stack(Stack::new().retry(RetryPolicy::none()))
        .build()
        .unwrap();
    sandbox.inject(FaultRule::on(
        "/data/wow/token/index",
        Fault::HtmlErrorPage(503),
    ));
    let err = client
        .get(
            "/data/wow/token/index",
            None,
            Namespace::dynamic(Region::Us),
        )
        .send()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { status, .. } if status.as_u16() == 503),
        "{err:?}"
    );
    let sent = sandbox
        .requests()
        .iter()
        .filter(|r| r.path == "/data/wow/token/index")
        .count();
    assert_eq!(sent, 1, "the stack's policy: no retry");
}

#[test]
fn the_credential_workflow_blocks_until_each_answer() {
    let (_server, sandbox) = sandbox();
    let client = builder(&sandbox).build().unwrap();

    let index = client
        .get(
            "/data/wow/token/index",
            Locale::EnUs,
            Namespace::dynamic(Region::Us),
        )
        .send()
        .unwrap();
    assert_eq!(index["price"], 2_873_560_000_u64);
    let class = client.wow().playable_class(7).locale(Locale::FrFr).wait();
    let err = class.unwrap_err();
    assert_eq!(
        err.to_string(),
        "locale fr_FR is not served in region us (it serves en_US, es_MX, pt_BR)"
    );
    let class = client
        .wow()
        .playable_class(7)
        .locale(Locale::EsMx)
        .wait()
        .unwrap();
    assert_eq!(class.name.text(), Some("Chamán"));
    let pages: Vec<u32> = client
        .wow()
        .realm_search()
        .page_size(3)
        .pages_blocking()
        .map(|page| page.unwrap().page)
        .collect();
    assert_eq!(pages, [1, 2, 3]);
    let cards = client
        .hearthstone()
        .cards()
        .search()
        .filter("manaCost", "7")
        .wait()
        .unwrap();
    assert_eq!(cards.card_count, 2);
    let err = client
        .post(
            "/data/wow/token/index",
            None,
            Namespace::dynamic(Region::Us),
        )
        .body(&serde_json::json!({ "a": 1 }))
        .unwrap()
        .send()
        .unwrap_err();
    assert!(
        matches!(err, Error::Api { status, .. } if status == 405),
        "{err}"
    );

    let paths: Vec<String> = sandbox
        .requests()
        .iter()
        .filter(|r| r.listener == Listener::Api)
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        paths,
        [
            "GET /data/wow/token/index",
            "GET /data/wow/playable-class/7",
            "GET /data/wow/search/realm",
            "GET /data/wow/search/realm",
            "GET /data/wow/search/realm",
            "GET /hearthstone/cards",
            "POST /data/wow/token/index",
        ]
    );
    assert_eq!(
        sandbox
            .requests()
            .iter()
            .filter(|r| r.path == "/token")
            .count(),
        1
    );
}

#[test]
fn the_user_workflow_blocks_too() {
    let (server, sandbox) = sandbox();
    let client = builder(&sandbox)
        .scope("openid wow.profile")
        .redirect_uri(REDIRECT)
        .build()
        .unwrap();
    let (url, pending) = client.authorization_url().unwrap();
    // The user's browser, played by the sandbox's scripted one.
    let callback = server
        .block_on(browser::sign_in(
            &url,
            "alice",
            "wonderland",
            Decision::Approve,
        ))
        .unwrap();
    let user = client
        .complete_authorization(pending, callback.as_str())
        .unwrap();
    assert!(user.has_user_token() && !client.has_user_token());
    assert_eq!(user.user_info().unwrap().battletag, "Alice#1234");
    assert_eq!(user.check_token().unwrap().scope, ["openid", "wow.profile"]);
    let profile = user.wow().account().summary().wait().unwrap();
    assert!(profile["wow_accounts"].is_array());
    assert!(user.openid_configuration().unwrap()["issuer"].is_string());
    assert!(user.jwks().unwrap()["keys"].is_array());
}

#[test]
fn calling_it_inside_an_async_runtime_is_refused_with_a_clear_panic() {
    let (server, sandbox) = sandbox();
    let client = builder(&sandbox).build().unwrap();
    let refused = server.block_on(async {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            client.wow().token_index().wait()
        }))
    });
    let panic = refused.unwrap_err();
    let message = panic.downcast_ref::<&str>().copied().unwrap_or_default();
    assert_eq!(
        message,
        "a blocking client was called from inside an async runtime, where it would stall the \
         runtime's thread: use the async client there, or call it in tokio::task::spawn_blocking"
    );
    assert!(sandbox.requests().is_empty(), "nothing was sent");
}
