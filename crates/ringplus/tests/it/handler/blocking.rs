//! The blocking handler and API (feature `blocking`): the tutorial's flow
//! without async, pages as an iterator, and the refusal inside a runtime.

use oauth_sandbox::browser::{self, Decision};
use oauth_sandbox::{Listener, Sandbox};
use ringplus::blocking::OAuthHandler;
use ringplus::{AccountId, UsageQuery, UserUpdate};

use crate::support::{ACCOUNT, CLIENT_ID, EMAIL, PASSWORD, REDIRECT, SECRET, sandbox};

/// The sandbox, served by a runtime of its own threads: the test's thread
/// stays outside any runtime, as a script's does.
fn server() -> (tokio::runtime::Runtime, Sandbox) {
    let server = tokio::runtime::Runtime::new().unwrap();
    let sandbox = server.block_on(sandbox(true));
    (server, sandbox)
}

fn handler(sandbox: &Sandbox) -> OAuthHandler {
    OAuthHandler::builder(CLIENT_ID, SECRET, REDIRECT)
        .with(|b| {
            b.oauth_base(sandbox.oauth_url().as_str())
                .api_base(sandbox.api_url().as_str())
        })
        .build()
        .unwrap()
}

#[test]
fn the_tutorial_without_async() {
    let (server, sandbox) = server();
    let auth = handler(&sandbox);
    let auth_url = auth.authorization_url().unwrap();
    let redirected = server
        .block_on(browser::sign_in(
            &auth_url,
            EMAIL,
            PASSWORD,
            Decision::Approve,
        ))
        .unwrap();
    let token = auth.fetch_token(redirected.as_str()).unwrap();
    assert_eq!(
        auth.token().map(|t| t.access_token().secret().to_owned()),
        Some(token.access_token().secret().to_owned())
    );

    let api = auth.api();
    let accounts = api.accounts().unwrap();
    assert_eq!(accounts[0].id, AccountId(ACCOUNT));
    let user = api.users().unwrap().remove(0);
    let renamed = api
        .update_user(user.id, &UserUpdate::new().name("Ann B."))
        .unwrap();
    assert_eq!(renamed.name, "Ann B.");
    let pages: Vec<usize> = api
        .phone_calls(AccountId(ACCOUNT), UsageQuery::new().per_page(2))
        .map(|page| page.unwrap().items.len())
        .collect();
    assert_eq!(pages, [2, 2, 1]);
    let calls = api
        .phone_calls(AccountId(ACCOUNT), UsageQuery::new())
        .try_collect()
        .unwrap();
    assert_eq!(calls.len(), 5);

    let refreshed = auth.refresh_token().unwrap();
    assert_ne!(
        refreshed.access_token().secret(),
        token.access_token().secret()
    );
    let api_paths: Vec<String> = sandbox
        .requests()
        .iter()
        .filter(|r| r.listener == Listener::Api)
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        api_paths,
        [
            "GET /accounts",
            "GET /users",
            "PUT /users/100000001",
            "GET /accounts/2001/phone_calls",
            "GET /accounts/2001/phone_calls",
            "GET /accounts/2001/phone_calls",
            "GET /accounts/2001/phone_calls",
        ]
    );
}

#[test]
fn inside_an_async_runtime_it_refuses_with_a_clear_panic() {
    let (server, sandbox) = server();
    let auth = handler(&sandbox);
    let refused = server.block_on(async {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| auth.valid_token()))
    });
    let panic = refused.unwrap_err();
    let message = panic.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(
        message.starts_with("a blocking client was called from inside an async runtime"),
        "{message}"
    );
    assert!(sandbox.requests().is_empty());
}
