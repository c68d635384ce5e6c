//! Shared helpers of oauth-core's integration tests: sandboxes, clients and
//! the transports every flow is run through.

#![allow(dead_code, unreachable_pub)] // Each test file uses a different part.

use std::sync::Arc;

use oauth_core::transport::HttpTransport;
use oauth_core::{Client, ClientAuth, GenericProvider};
use oauth_sandbox::{ClientConfig, Profile, Sandbox};

/// The client secret every test uses: RFC 6749 §2.3.1 form-encoding must
/// carry each of these characters through HTTP Basic intact.
pub const SECRET: &str = "p@ss w:rd/+%&=?";
pub const CLIENT_ID: &str = "test-client";
pub const REDIRECT: &str = "http://127.0.0.1:9/callback";
pub const USER: &str = "alice";
pub const PASSWORD: &str = "wonderland";

/// Every built-in transport compiled in, by name.
#[allow(clippy::vec_init_then_push)] // Which pushes exist depends on the features.
pub fn transports() -> Vec<(&'static str, Arc<dyn HttpTransport>)> {
    let mut all: Vec<(&'static str, Arc<dyn HttpTransport>)> = Vec::new();
    #[cfg(feature = "reqwest")]
    all.push((
        "reqwest",
        Arc::new(oauth_core::transport::ReqwestTransport::new().expect("reqwest transport")),
    ));
    #[cfg(feature = "hyper")]
    all.push((
        "hyper",
        Arc::new(oauth_core::transport::HyperTransport::new().expect("hyper transport")),
    ));
    all
}

/// A generic sandbox with one confidential client and one user.
pub async fn sandbox(client: ClientConfig) -> Sandbox {
    Sandbox::builder()
        .profile(Profile::Generic)
        .client(client)
        .user(oauth_sandbox::UserConfig::new(USER, PASSWORD))
        .start()
        .await
        .expect("sandbox starts")
}

/// The sandbox's issuer, as its discovery documents name it (no trailing
/// slash).
pub fn issuer(sandbox: &Sandbox) -> String {
    sandbox
        .oauth_url()
        .as_str()
        .trim_end_matches('/')
        .to_owned()
}

/// A provider discovered from the sandbox's documents through `transport`.
pub async fn discovered_provider(
    sandbox: &Sandbox,
    transport: &dyn HttpTransport,
) -> GenericProvider {
    GenericProvider::discover_with(&issuer(sandbox), transport)
        .await
        .expect("the sandbox's documents are read")
}

pub fn provider(sandbox: &Sandbox, auth: ClientAuth) -> GenericProvider {
    GenericProvider::new(
        sandbox.oauth_url().join("authorize").expect("url").as_str(),
        sandbox.oauth_url().join("token").expect("url").as_str(),
    )
    .expect("loopback endpoints are accepted")
    .with_client_auth(auth)
}

pub fn client(
    sandbox: &Sandbox,
    auth: ClientAuth,
    secret: Option<&str>,
    transport: &Arc<dyn HttpTransport>,
) -> Client {
    let mut builder = Client::builder(provider(sandbox, auth), CLIENT_ID)
        .redirect_uri(REDIRECT)
        .shared_transport(transport.clone());
    if let Some(secret) = secret {
        builder = builder.client_secret(secret);
    }
    builder.build().expect("client builds")
}

/// The requests the sandbox received at `path`.
pub fn requests_to(sandbox: &Sandbox, path: &str) -> Vec<oauth_sandbox::RecordedRequest> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path == path)
        .collect()
}

/// The form fields of a request, sorted by name, for exact comparison.
pub fn sorted_form(request: &oauth_sandbox::RecordedRequest) -> Vec<(String, String)> {
    let mut form = request.form();
    form.sort();
    form
}
