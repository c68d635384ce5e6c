//! The RingPlus tutorial's "avoiding the redirect dance": sign in with an
//! email and a password, without a browser, then read the account's recent
//! calls page by page. Needs the `login` feature of ringplus.
//!
//! Runs against an embedded RingPlus sandbox by default. Against the real
//! RingPlus when `RINGPLUS_CLIENT_ID`, `RINGPLUS_CLIENT_SECRET`,
//! `RINGPLUS_REDIRECT_URI`, `RINGPLUS_EMAIL` and `RINGPLUS_PASSWORD` are set.
//!
//! `cargo run --example ringplus_login --features ringplus-login`

// An example program: what it prints is its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]
#![forbid(unsafe_code)]

use oauth_sandbox::{ClientAuth, ClientConfig, Profile, Sandbox, UserConfig};
use ringplus::time::{Date, Month};
use ringplus::{OAuthHandler, Password, UsageQuery};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut _sandbox = None;
    let (auth, email, password) = if let (Ok(id), Ok(secret), Ok(redirect), Ok(email), Ok(pw)) = (
        std::env::var("RINGPLUS_CLIENT_ID"),
        std::env::var("RINGPLUS_CLIENT_SECRET"),
        std::env::var("RINGPLUS_REDIRECT_URI"),
        std::env::var("RINGPLUS_EMAIL"),
        std::env::var("RINGPLUS_PASSWORD"),
    ) {
        (OAuthHandler::new(id, secret, redirect)?, email, pw)
    } else {
        let redirect_uri = "https://www.ringplus.net/callback";
        let (email, password) = ("ann@example.com", "correct horse");
        let sandbox = Sandbox::builder()
            .profile(Profile::RingPlus)
            .client(
                ClientConfig::confidential("my-app", "my-secret")
                    .redirect_uri(redirect_uri)
                    .auth(ClientAuth::Body),
            )
            .user(UserConfig::new(email, password))
            .start()
            .await?;
        let auth = OAuthHandler::builder("my-app", "my-secret", redirect_uri)
            .oauth_base(sandbox.oauth_url().as_str())
            .api_base(sandbox.api_url().as_str())
            .build()?;
        _sandbox = Some(sandbox);
        println!("signing in to an embedded RingPlus sandbox as {email}");
        (auth, email.to_owned(), password.to_owned())
    };

    // auth.login(username, password)
    let token = auth.login(&email, &Password::new(password)).await?;
    println!("signed in; token: {token:?}");

    let api = auth.api();
    let accounts = api.accounts().await?;
    let Some(account) = accounts.first() else {
        println!("no accounts");
        return Ok(());
    };
    println!("calls on {} in March 2015:", account.phone_number);
    let query = UsageQuery::new()
        .start_date(Date::from_calendar_date(2015, Month::March, 1)?)
        .end_date(Date::from_calendar_date(2015, Month::March, 31)?)
        .per_page(2);
    let mut pages = api.phone_calls(account.id, query);
    while let Some(page) = pages.next_page().await {
        let page = page?;
        println!("  page {} of {}", page.meta.page, page.meta.total_pages);
        for call in page.items {
            println!(
                "    {} {:?} {} for {} s",
                call.started_at,
                call.direction,
                call.phone_number,
                call.duration().as_secs()
            );
        }
    }
    if let Some(limit) = api.rate_limit() {
        println!("rate limit: {} requests left", limit.remaining);
    }
    Ok(())
}
