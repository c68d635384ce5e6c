//! A command-line app signs a person in through their browser (RFC 8252):
//! a listener on 127.0.0.1 catches the redirect, checks its `state`, shows
//! the browser a "you may close this window" page, and the code is
//! exchanged with PKCE. The app is a public client: it has no secret.
//!
//! It runs against an embedded sandbox. By default a scripted browser signs
//! the sandbox's user in, so the example finishes on its own; with
//! `--browser` it opens your browser instead (sign in as `alice`, password
//! `wonderland`).
//!
//! `cargo run --example native_app [-- --browser]`

// An example program: what it prints is its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::Duration;

use oauth_core::transport::{HttpTransport as _, ReqwestTransport};
use oauth_core::{Client, GenericProvider, LoopbackConfig, LoopbackRedirect, OpenBrowser};
use oauth_sandbox::browser::{self, Decision};
use oauth_sandbox::{ClientConfig, Profile, Sandbox, UserConfig};

const CLIENT_ID: &str = "native-example";

fn main() -> std::process::ExitCode {
    examples::run(run())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let with_browser = std::env::args().any(|a| a == "--browser");

    // How the authorization URL reaches the user: the system browser, or a
    // scripted one that signs the sandbox's user in and follows the
    // redirect to our listener, as a browser would.
    let open = if with_browser {
        OpenBrowser::System
    } else {
        OpenBrowser::With(Arc::new(|url: &url::Url| {
            let url = url.clone();
            tokio::spawn(async move {
                if let Err(e) = scripted_browser(&url).await {
                    eprintln!("scripted browser: {e}");
                }
            });
        }))
    };
    let loopback = LoopbackRedirect::bind(
        LoopbackConfig::default()
            .open(open)
            .timeout(Duration::from_secs(120)),
    )
    .await?;
    println!("Listening for the redirect at {}", loopback.redirect_uri());

    // The sandbox compares redirect URIs byte for byte, so it learns ours.
    // (Servers that follow RFC 8252 §7.3 accept any loopback port.)
    let sandbox = Sandbox::builder()
        .profile(Profile::Generic)
        .client(ClientConfig::public(CLIENT_ID).redirect_uri(loopback.redirect_uri().as_str()))
        .user(UserConfig::new("alice", "wonderland"))
        .start()
        .await?;
    let provider = GenericProvider::discover(sandbox.oauth_url().as_str()).await?;
    let client = Client::builder(provider, CLIENT_ID)
        .redirect_uri(loopback.redirect_uri().as_str())
        .build()?;

    let token = loopback
        .authorize(&client, client.authorization_url().scope("profile"))
        .await?;
    println!(
        "Signed in: a {} token for {:?}, expiring in {:?}, refresh token: {}",
        token.token_type().as_str(),
        token.scopes().unwrap_or_default(),
        token.expires_in(),
        if token.refresh_token().is_some() {
            "yes"
        } else {
            "no"
        },
    );
    Ok(())
}

/// Signs `alice` in on the sandbox's pages, then requests the redirect
/// like a browser, and shows what the listener answered.
async fn scripted_browser(url: &url::Url) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let callback = browser::sign_in(url, "alice", "wonderland", Decision::Approve).await?;
    let request = oauth_core::http::Request::get(callback.as_str()).body(Vec::new())?;
    let page = ReqwestTransport::new()?.send(request).await?;
    println!(
        "The browser was told: {}",
        String::from_utf8_lossy(page.body())
            .split("<p>")
            .nth(1)
            .unwrap_or_default()
            .trim_end_matches("</p>")
    );
    Ok(())
}
