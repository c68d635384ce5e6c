//! Adding a provider of your own on `oauth-core`: one file, twice.
//!
//! 1. From discovery: `GenericProvider::discover` reads the server's
//!    OpenID Connect (or RFC 8414) metadata and fills the endpoints, the
//!    client authentication and PKCE support. Most standard servers need
//!    nothing else.
//! 2. By hand: a type that implements `Provider` for a server with its own
//!    ways: fixed endpoints as data a user can override, credentials in the
//!    form body, comma-separated scopes, and a hook that repairs its token
//!    answers before they are parsed.
//!
//! 3. A client that proves itself with a private key instead of a secret
//!    (`private_key_jwt`, RFC 7523): each token request carries a fresh
//!    assertion it signs; the key never leaves the process.
//!
//! Either way every grant, refresh, revocation, introspection, session and
//! typed error comes from `oauth-core`. It runs against an embedded sandbox;
//! `cargo run --example custom_provider`.

// An example program: what it prints is its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]
#![forbid(unsafe_code)]

use oauth_core::http::HeaderValue;
use oauth_core::http::header::CONTENT_TYPE;
use oauth_core::jose::SigningKey;
use oauth_core::transport::HttpResponse;
use oauth_core::{Client, ClientAuth, Endpoints, Error, GenericProvider, Provider};
use oauth_sandbox::{ClientConfig, Profile, Sandbox};

/// A provider written by hand: Acme's OAuth server.
#[derive(Debug)]
struct Acme {
    endpoints: Endpoints,
}

impl Acme {
    /// Acme's production hosts.
    const AUTHORIZE: &'static str = "https://login.acme.example/oauth/authorize";
    const TOKEN: &'static str = "https://login.acme.example/oauth/token";

    /// Acme in production.
    #[allow(dead_code)] // The example runs against the sandbox.
    fn new() -> Result<Self, Error> {
        Self::at(Self::AUTHORIZE, Self::TOKEN)
    }

    /// Acme at other URLs: a staging host, or a sandbox in tests.
    fn at(authorize: &str, token: &str) -> Result<Self, Error> {
        Ok(Acme {
            endpoints: Endpoints::new(authorize, token)?,
        })
    }

    fn with_revocation(mut self, url: &str) -> Result<Self, Error> {
        self.endpoints = self.endpoints.with_revocation(url)?;
        Ok(self)
    }
}

impl Provider for Acme {
    fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    // Acme wants the secret in the form body, not in HTTP Basic.
    fn client_auth(&self) -> ClientAuth {
        ClientAuth::RequestBody
    }

    // And joins scopes with commas.
    fn scope_separator(&self) -> &str {
        ","
    }

    // Acme labels its JSON answers `text/plain`; say what they are.
    fn adapt_token_response(&self, mut response: HttpResponse) -> HttpResponse {
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}

fn main() -> std::process::ExitCode {
    examples::run(run())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // The key of part 3: made here; in production, read from a file with
    // `SigningKey::from_pkcs8_pem` (or `from_jwk`), its public half
    // registered with the server.
    let key = SigningKey::generate_es256()?.with_kid("acme-key-1");
    let sandbox = Sandbox::builder()
        .profile(Profile::Generic)
        .client(ClientConfig::confidential("acme-app", "acme-secret"))
        .client(
            ClientConfig::public("acme-service")
                .public_key(key.public_jwk().ok_or("an ES256 key has a public half")?),
        )
        .start()
        .await?;
    let issuer = sandbox.oauth_url().as_str().trim_end_matches('/');
    println!("A sandbox authorization server at {issuer}");

    // 1. From discovery.
    let discovered = GenericProvider::discover(issuer).await?;
    println!(
        "Discovered: token endpoint {}, client authentication {:?}, PKCE {}",
        discovered.endpoints().token(),
        discovered.client_auth(),
        discovered.pkce(),
    );
    let client = Client::builder(discovered, "acme-app")
        .client_secret("acme-secret")
        .build()?;
    let token = client.client_credentials(&["profile"]).await?;
    let answer = client.introspect(token.access_token()).await?;
    println!(
        "  an app token: active {}, scopes {:?}",
        answer.active, answer.scopes
    );
    client.revoke(token.access_token()).await?;
    let answer = client.introspect(token.access_token()).await?;
    println!("  revoked: active {}", answer.active);

    // 2. By hand, pointed at the sandbox instead of Acme's hosts.
    let acme = Acme::at(&format!("{issuer}/authorize"), &format!("{issuer}/token"))?
        .with_revocation(&format!("{issuer}/revoke"))?;
    let client = Client::builder(acme, "acme-app")
        .client_secret("acme-secret")
        .build()?;
    let token = client.client_credentials(&["profile"]).await?;
    println!(
        "By hand: an app token for {:?}, expiring in {:?}",
        token.scopes().unwrap_or_default(),
        token.expires_in(),
    );
    client.revoke(token.access_token()).await?;
    println!("  revoked");

    // A wrong secret is the server's own typed error.
    let wrong = Client::builder(
        Acme::at(&format!("{issuer}/authorize"), &format!("{issuer}/token"))?,
        "acme-app",
    )
    .client_secret("not-the-secret")
    .build()?;
    match wrong.client_credentials(&[]).await {
        Err(e) => println!("With a wrong secret: {e}"),
        Ok(_) => return Err("a wrong secret was accepted".into()),
    }

    // 3. With a private key: the provider says nothing of it; a key given
    // is enough (with discovery, only if the server lists private_key_jwt).
    let signed = Client::builder(
        Acme::at(&format!("{issuer}/authorize"), &format!("{issuer}/token"))?,
        "acme-service",
    )
    .signing_key(key)
    .build()?;
    let token = signed.client_credentials(&["profile"]).await?;
    println!(
        "With a private key ({:?}): an app token for {:?}",
        signed.auth_method(),
        token.scopes().unwrap_or_default(),
    );
    Ok(())
}
