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

use ringplus::time::{Date, Month};
use ringplus::{Password, UsageQuery};

fn main() -> std::process::ExitCode {
    examples::run(run())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox_user = ("ann@example.com", "correct horse");
    let (auth, _sandbox) = examples::ringplus_handler(sandbox_user).await?;
    let (email, password) = match (
        std::env::var("RINGPLUS_EMAIL"),
        std::env::var("RINGPLUS_PASSWORD"),
    ) {
        (Ok(email), Ok(password)) if _sandbox.is_none() => (email, password),
        _ => {
            println!(
                "signing in to an embedded RingPlus sandbox as {}",
                sandbox_user.0
            );
            (sandbox_user.0.to_owned(), sandbox_user.1.to_owned())
        }
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
