//! Workspace integration tests; the tests live in `tests/`.
#![forbid(unsafe_code)]

use oauth_core::{ClientAuth, GenericProvider};
use oauth_sandbox::Sandbox;

/// The generic provider of `sandbox`, its client authenticating with HTTP
/// Basic.
///
/// # Panics
/// When the sandbox's URLs are not accepted (they always are: loopback).
#[must_use]
pub fn sandbox_provider(sandbox: &Sandbox) -> GenericProvider {
    let url = |path: &str| {
        sandbox
            .oauth_url()
            .join(path)
            .expect("a path on the sandbox")
    };
    GenericProvider::new(url("authorize").as_str(), url("token").as_str())
        .expect("loopback endpoints are accepted")
        .with_client_auth(ClientAuth::Basic)
}
