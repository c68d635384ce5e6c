//! Drives the `battlenet_web_login` example in a real headless Chromium:
//! home page, "Log in with Battle.net", the sandbox's sign-in and consent
//! forms, and the profile page with the BattleTag.
//!
//! Needs `chromium` and `chromedriver` (Debian packages `chromium` and
//! `chromium-driver`, which `cargo xtask test` installs when it runs as
//! root on Debian). In CI it never skips;
//! elsewhere, without them, it says so loudly, is counted in the summary
//! of `cargo xtask test`, and passes.
#![allow(clippy::unwrap_used, clippy::print_stderr)] // Tests: panics and notes are the report.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use serde_json::json;

/// Kills a child process when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// The example's binary, which `cargo test` builds next to this test.
fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    profile_dir.join("examples").join("battlenet_web_login")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn sign_in_through_a_real_browser() {
    let (Some(chromium), Some(chromedriver)) = (
        find_program(&["chromium", "chromium-browser", "google-chrome"]),
        find_program(&["chromedriver"]),
    ) else {
        oauth_sandbox::skip::report(
            "browser test of the web login example",
            "chromium or chromedriver is not on PATH",
            "apt-get install chromium chromium-driver (as root, `cargo xtask test` does it)",
        );
        return;
    };

    // The site, on the embedded sandbox; it prints its address.
    let binary = example_binary();
    assert!(binary.is_file(), "{} is not built", binary.display());
    let mut site = Running(
        Command::new(&binary)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let stdout = site.0.stdout.take().unwrap();
    let origin = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("listening on ").map(str::to_owned))
        .expect("the site prints its address");

    let port = free_port();
    let _driver = Running(
        Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(port);

    let profile = std::env::temp_dir().join(format!("oauth-ws-chromium-{}", std::process::id()));
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                format!("--user-data-dir={}", profile.display()),
            ],
        },
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!("a JSON object literal")
    };
    let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .unwrap();

    let result = async {
        browser.goto(&origin).await?;
        browser.find(Locator::Id("login")).await?.click().await?;

        // The sandbox's Battle.net sign-in page, on another origin.
        let login = browser.wait().for_element(Locator::Id("username")).await?;
        login.send_keys("alice").await?;
        browser
            .find(Locator::Id("password"))
            .await?
            .send_keys("wonderland")
            .await?;
        browser
            .find(Locator::Css("button[type=submit]"))
            .await?
            .click()
            .await?;

        // Consent, then back to the site's profile page.
        browser
            .wait()
            .for_element(Locator::Css("button[value=approve]"))
            .await?
            .click()
            .await?;
        let battletag = browser
            .wait()
            .for_element(Locator::Id("battletag"))
            .await?
            .text()
            .await?;
        let url = browser.current_url().await?;
        let characters = browser.find_all(Locator::Css("li.character")).await?;
        let first = match characters.first() {
            Some(c) => c.text().await?,
            None => String::new(),
        };

        browser.find(Locator::Id("logout")).await?.click().await?;
        let login_again = browser
            .wait()
            .for_element(Locator::Id("login"))
            .await?
            .text()
            .await?;
        Ok::<_, fantoccini::error::CmdError>((battletag, url, first, login_again))
    }
    .await;
    let _ = browser.close().await;
    let _ = std::fs::remove_dir_all(&profile);

    let (battletag, url, first_character, login_again) = result.unwrap();
    assert_eq!(battletag, "Alice#1234");
    assert_eq!(url.as_str(), format!("{origin}/profile"));
    assert_eq!(first_character, "Alicemage — level 80 Mage on Tarren Mill");
    assert_eq!(login_again, "Log in with Battle.net");
}
