//! Shared helpers of the ringplus integration tests: a RingPlus sandbox,
//! a handler pointed at it, and a signed-in handler.

#![allow(dead_code, unreachable_pub)] // Each test file uses a different part.

use oauth_sandbox::browser::{self, Decision};
use oauth_sandbox::{
    ClientAuth, ClientConfig, Profile, RecordedRequest, Sandbox, SandboxBuilder, UserConfig,
};
use ringplus::OAuthHandler;

pub const CLIENT_ID: &str = "ringplus-app";
/// Characters that must survive form encoding in the refresh body.
pub const SECRET: &str = "s3cr3t/+&=?";
pub const REDIRECT: &str = "https://www.ringplus.net/callback";
pub const EMAIL: &str = "ann@example.com";
pub const PASSWORD: &str = "correct horse";
/// The first seeded user's RingPlus ids.
pub const ACCOUNT: u64 = 2001;
pub const VOICEMAIL_BOX: u64 = 4001;

/// A sandbox whose client takes its credentials in the body, as RingPlus
/// does.
pub fn client_config(rotate: bool) -> ClientConfig {
    ClientConfig::confidential(CLIENT_ID, SECRET)
        .redirect_uri(REDIRECT)
        .auth(ClientAuth::Body)
        .rotate_refresh_tokens(rotate)
}

/// A RingPlus sandbox with this client and user, to be set further.
pub fn sandbox_builder(client: ClientConfig, user: UserConfig) -> SandboxBuilder {
    Sandbox::builder()
        .profile(Profile::RingPlus)
        .client(client)
        .user(user)
}

pub async fn sandbox_with(client: ClientConfig, user: UserConfig) -> Sandbox {
    start(sandbox_builder(client, user)).await
}

pub async fn start(builder: SandboxBuilder) -> Sandbox {
    builder.start().await.expect("sandbox starts")
}

/// The usual client and user, with the sandbox's other settings to come.
pub fn usual_builder() -> SandboxBuilder {
    sandbox_builder(client_config(true), UserConfig::new(EMAIL, PASSWORD))
}

pub async fn sandbox(rotate: bool) -> Sandbox {
    sandbox_with(client_config(rotate), UserConfig::new(EMAIL, PASSWORD)).await
}

pub fn builder(sandbox: &Sandbox) -> ringplus::OAuthHandlerBuilder {
    OAuthHandler::builder(CLIENT_ID, SECRET, REDIRECT)
        .oauth_base(sandbox.oauth_url().as_str())
        .api_base(sandbox.api_url().as_str())
}

pub fn handler(sandbox: &Sandbox) -> OAuthHandler {
    builder(sandbox).build().expect("handler builds")
}

/// Signs the user in through the scripted browser and fetches the token.
pub async fn signed_in(handler: &OAuthHandler) {
    let url = handler.authorization_url().expect("authorization URL");
    let callback = browser::sign_in(&url, EMAIL, PASSWORD, Decision::Approve)
        .await
        .expect("the user signs in");
    handler
        .fetch_token(callback.as_str())
        .await
        .expect("token fetched");
}

/// A sandbox and a handler holding a token, with the request log cleared.
pub async fn ready(rotate: bool) -> (Sandbox, OAuthHandler) {
    let sandbox = sandbox(rotate).await;
    let handler = handler(&sandbox);
    signed_in(&handler).await;
    sandbox.clear_requests();
    (sandbox, handler)
}

pub fn requests_to(sandbox: &Sandbox, path: &str) -> Vec<RecordedRequest> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path == path)
        .collect()
}

/// The form fields of a request, sorted, for exact comparison.
pub fn sorted_form(request: &RecordedRequest) -> Vec<(String, String)> {
    let mut form = request.form();
    form.sort();
    form
}

pub fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    pairs.sort();
    pairs
}
