//! The RingPlus tutorial's redirect flow: print the authorization URL, read
//! the URL RingPlus redirected to, fetch the token, list the user's
//! accounts, and refresh the token.
//!
//! Runs against an embedded RingPlus sandbox by default: open the printed
//! URL, sign in as `ann@example.com` / `correct horse`, approve, and paste
//! the URL the browser ends on (it will not load: nothing serves the
//! redirect URI). When standard input is not a terminal, or the pasted line
//! is empty, the example signs in with the sandbox's scripted browser and
//! says so. Against the real RingPlus when `RINGPLUS_CLIENT_ID`,
//! `RINGPLUS_CLIENT_SECRET` and `RINGPLUS_REDIRECT_URI` are set.
//!
//! `cargo run --example ringplus_redirect`

// An example program: what it prints is its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]
#![forbid(unsafe_code)]

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use oauth_sandbox::browser::{self, Decision};

const SANDBOX_USER: &str = "ann@example.com";
const SANDBOX_PASSWORD: &str = "correct horse";

fn main() -> std::process::ExitCode {
    examples::run(run())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (auth, sandbox) = examples::ringplus_handler((SANDBOX_USER, SANDBOX_PASSWORD)).await?;

    // auth_url = auth.get_authorization_url()
    let auth_url = auth.authorization_url()?;
    println!("Go to this URL, sign in and approve the app:\n\n  {auth_url}\n");

    let pasted = if std::io::stdin().is_terminal() || sandbox.is_none() {
        print!("Then paste the URL you were redirected to: ");
        std::io::stdout().flush()?;
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim().to_owned()
    } else {
        String::new()
    };
    let final_redirected_url = if pasted.is_empty() && sandbox.is_some() {
        println!("(no URL given: signing in to the sandbox with its scripted browser)");
        browser::sign_in(&auth_url, SANDBOX_USER, SANDBOX_PASSWORD, Decision::Approve)
            .await?
            .to_string()
    } else {
        pasted
    };

    // auth.fetch_token(final_redirected_url); print(auth.token)
    let token = auth.fetch_token(&final_redirected_url).await?;
    println!("token: {token:?}");
    if let Some(left) = token.expires_in() {
        println!("valid for {:.1} hours", left.as_secs_f64() / 3600.0);
    }

    let api = auth.api();
    for account in api.accounts().await? {
        println!(
            "account {}: {} ({}), voicemail box {}",
            account.id, account.name, account.phone_number, account.voicemail_box_id
        );
    }

    // auth.refresh_token()
    auth.refresh_token().await?;
    println!("refreshed; the handler keeps the new token");
    drop(sandbox);
    Ok(())
}
