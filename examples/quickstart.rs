//! The main job, end to end on an embedded sandbox (no network needed):
//! an app token by client credentials, a user signed in through the
//! authorization code flow with PKCE, a refresh, and an API call.
//!
//! Run it with `cargo run --example quickstart`.

// An example program: what it prints is its output.
#![allow(clippy::print_stdout)]

use oauth_core::http::{Method, Request, header};
use oauth_core::{Client, GenericProvider};
use oauth_sandbox::browser::{self, Decision};
use oauth_sandbox::{ClientConfig, Profile, Sandbox, UserConfig};

const CLIENT_ID: &str = "quickstart";
const CLIENT_SECRET: &str = "quickstart-secret";
const REDIRECT_URI: &str = "http://127.0.0.1:8080/callback";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // An authorization server on 127.0.0.1, emulating a standard provider.
    let sandbox = Sandbox::builder()
        .profile(Profile::Generic)
        .client(ClientConfig::confidential(CLIENT_ID, CLIENT_SECRET).redirect_uri(REDIRECT_URI))
        .user(UserConfig::new("alice", "wonderland"))
        .start()
        .await?;
    println!("sandbox authorization server at {}", sandbox.oauth_url());

    let provider = GenericProvider::new(
        sandbox.oauth_url().join("authorize")?.as_str(),
        sandbox.oauth_url().join("token")?.as_str(),
    )?;
    let client = Client::builder(provider, CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .redirect_uri(REDIRECT_URI)
        .build()?;

    // 1. A backend job's token: client credentials.
    let app_token = client.client_credentials(&[]).await?;
    println!(
        "app token: {:?}, expires in {:?}",
        app_token.access_token(),
        app_token.expires_in()
    );

    // 2. A user signs in: send them to `url`, keep `pending` until they return.
    let (url, pending) = client.authorization_url().scope("profile").build()?;
    println!("authorization URL: {url}");
    // A browser would do this part; the sandbox's scripted browser signs in
    // as alice and approves, and hands back where it was redirected.
    let callback = browser::sign_in(&url, "alice", "wonderland", Decision::Approve).await?;
    let user_token = client.exchange_callback(pending, callback.as_str()).await?;
    println!("user token: {user_token:?}");

    // 3. Refresh it, as a long-running app does before it expires.
    let refresh_token = user_token
        .refresh_token()
        .ok_or("the sandbox issues refresh tokens")?;
    let user_token = client.refresh(refresh_token).await?;
    println!("refreshed; scopes granted: {:?}", user_token.scopes());

    // 4. Call the API with the bearer token.
    let request = Request::builder()
        .method(Method::GET)
        .uri(sandbox.api_url().join("api/me")?.as_str())
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", user_token.access_token().secret()),
        )
        .body(Vec::new())?;
    let response = client.transport().send(request).await?;
    println!(
        "GET /api/me -> {} {}",
        response.status(),
        String::from_utf8_lossy(response.body())
    );
    Ok(())
}
