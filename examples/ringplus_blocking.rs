//! RingPlus's tutorial as a script, without async: the blocking
//! `OAuthHandler` (`ringplus` feature `blocking`) gives the authorization
//! URL, fetches the token from the redirected URL, refreshes it, and lists
//! accounts and calls page by page.
//!
//! Runs against the sandbox's RingPlus emulation (RingPlus itself is no
//! longer online); the user's visit to RingPlus is played by the sandbox's
//! scripted browser.
//!
//! `cargo run --example ringplus_blocking`

// An example program: what it prints is its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]
#![forbid(unsafe_code)]

use oauth_sandbox::browser::{self, Decision};
use oauth_sandbox::{ClientAuth, ClientConfig, Profile, Sandbox, UserConfig};
use ringplus::UsageQuery;
use ringplus::blocking::OAuthHandler;

const REDIRECT_URI: &str = "https://www.ringplus.net/callback";

fn main() -> std::process::ExitCode {
    examples::exit(run())
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    // The sandbox (and the user's browser) run on a runtime of their own.
    let server = tokio::runtime::Runtime::new()?;
    let sandbox = server.block_on(
        Sandbox::builder()
            .profile(Profile::RingPlus)
            .client(
                ClientConfig::confidential("client-id", "client-secret")
                    .redirect_uri(REDIRECT_URI)
                    .auth(ClientAuth::Body),
            )
            .user(UserConfig::new("ann@example.com", "secret"))
            .start(),
    )?;

    // auth = ringplus.OAuthHandler(client_id, client_secret, redirect_uri)
    let auth = OAuthHandler::builder("client-id", "client-secret", REDIRECT_URI)
        .with(|b| {
            b.oauth_base(sandbox.oauth_url().as_str())
                .api_base(sandbox.api_url().as_str())
        })
        .build()?;
    // auth_url = auth.get_authorization_url()
    let auth_url = auth.authorization_url()?;
    println!("send the user to {auth_url}");
    let final_redirected_url = server.block_on(browser::sign_in(
        &auth_url,
        "ann@example.com",
        "secret",
        Decision::Approve,
    ))?;
    // auth.fetch_token(final_redirected_url); print(auth.token)
    auth.fetch_token(final_redirected_url.as_str())?;
    let token = auth.token().ok_or("fetch_token keeps the token")?;
    println!("token valid for {:?}", token.expires_in());
    // auth.refresh_token()
    auth.refresh_token()?;

    let api = auth.api();
    for account in api.accounts()? {
        println!("account {} ({})", account.id, account.phone_number);
        for page in api.phone_calls(account.id, UsageQuery::new().per_page(2)) {
            let page = page?;
            println!(
                "  page {} of {}: {} calls",
                page.meta.page,
                page.meta.total_pages,
                page.items.len()
            );
        }
    }
    Ok(())
}
