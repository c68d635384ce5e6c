//! Both built-in transports through a real proxy on loopback (tinyproxy,
//! started for the test with a user and password it requires): plain
//! `http` sent to the proxy whole, `https` through a `CONNECT` tunnel with
//! TLS to the destination inside it; a proxy given explicitly and one read
//! from the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`,
//! `NO_PROXY`, in a child process of this test binary), where only
//! `http://` proxies are used and a `NO_PROXY` entry turns the proxy off
//! for its destinations only; credentials that the proxy refuses are a
//! typed error that never shows them.

#![allow(clippy::unwrap_used)] // Tests: a panic is the failure report.

use std::process::Command;

use oauth_core::transport::Proxy;
use oauth_core::{Error, Password};
use oauth_sandbox::proxy::ProxyServer;
use oauth_sandbox::{ClientConfig, Sandbox};

use crate::tls::{ID, SECRET, adapters, chain, client, config, pki, tls_front};

const SUITE: &str = "the transports through a proxy";

/// Where the child process is told to send its requests.
const CHILD_URLS: &str = "PROXY_TEST_CHILD_URLS";

async fn sandbox() -> Sandbox {
    Sandbox::builder()
        .client(ClientConfig::confidential(ID, SECRET))
        .start()
        .await
        .unwrap()
}

/// A sandbox, and its base URLs: plain `http`, and `https` through a TLS
/// front with a certificate of the test's CA.
async fn destinations() -> (Sandbox, crate::tls::Pki, String, String) {
    let sandbox = sandbox().await;
    let pki = pki();
    let https = tls_front(&pki, &sandbox).await;
    let http = sandbox
        .oauth_url()
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    (sandbox, pki, http, https)
}

fn count(requests: &[String], prefix: &str) -> usize {
    requests.iter().filter(|r| r.starts_with(prefix)).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_transports_go_through_a_proxy_given_with_credentials() {
    let Some(proxy) = ProxyServer::start(SUITE) else {
        return;
    };
    let (sandbox, pki, http, https) = destinations().await;
    let given = Proxy::all(&proxy.url())
        .unwrap()
        .basic_auth(proxy.user(), Password::new(proxy.password()));
    assert!(!format!("{given:?}").contains(proxy.password()));
    for (name, adapter) in adapters() {
        let transport = adapter(
            &config()
                .add_root_certificate(pki.ca.to_vec())
                .proxy(given.clone()),
        );
        for base in [&http, &https] {
            client(base, transport.clone())
                .client_credentials(&[])
                .await
                .unwrap_or_else(|e| panic!("{name} to {base}: {}", chain(&e)));
        }
    }
    let requests = proxy.requests();
    let tunnel = https.trim_start_matches("https://");
    assert_eq!(
        count(&requests, &format!("POST {http}/token")),
        2,
        "{requests:?}"
    );
    assert_eq!(
        count(&requests, &format!("CONNECT {tunnel}")),
        2,
        "{requests:?}"
    );
    // The sandbox saw the plain requests arrive from the proxy, and every
    // token request was granted.
    assert_eq!(sandbox.requests().len(), 4);

    // Credentials the proxy refuses: a typed error, the password in none
    // of it.
    let wrong = Proxy::all(&proxy.url())
        .unwrap()
        .basic_auth(proxy.user(), Password::new("not-the-proxy-password"));
    for (name, adapter) in adapters() {
        let transport = adapter(
            &config()
                .add_root_certificate(pki.ca.to_vec())
                .proxy(wrong.clone()),
        );
        // Plain http: the proxy answers 407 in the server's place (and
        // may close before the request's body is read: then a transport
        // error); https: the tunnel is refused, a transport error.
        for base in [&http, &https] {
            let error = client(base, transport.clone())
                .client_credentials(&[])
                .await
                .unwrap_err();
            let refused = error.status().is_some_and(|s| s.as_u16() == 407)
                || matches!(error, Error::Transport { .. });
            assert!(refused, "{name} to {base}: {error:?}");
            for shown in [format!("{error:?}"), chain(&error)] {
                assert!(!shown.contains("not-the-proxy-password"), "{name}: {shown}");
            }
        }
    }
}

/// Run in a child process with the proxy variables set: the default
/// transports (which read them) make token requests to the URLs it is
/// given. Not a test of its own: without the variable it does nothing.
#[tokio::test]
#[ignore = "run by the env_proxies_* tests in a child process"]
async fn env_proxy_child() {
    let Ok(urls) = std::env::var(CHILD_URLS) else {
        return;
    };
    // The transports' warnings, for the parent to read.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
    let ca = std::env::var("PROXY_TEST_CHILD_CA").unwrap();
    let ca = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, ca).unwrap();
    for (name, adapter) in adapters() {
        // The default proxy setting: the environment's.
        let transport = adapter(&config().add_root_certificate(ca.clone()));
        for base in urls.split(' ') {
            client(base, transport.clone())
                .client_credentials(&[])
                .await
                .unwrap_or_else(|e| panic!("{name} to {base}: {}", chain(&e)));
        }
    }
}

/// Runs [`env_proxy_child`] with these proxy variables (and no others) to
/// `http` and `https`; what it logged.
fn run_child(http: &str, https: &str, pki: &crate::tls::Pki, vars: &[(&str, &str)]) -> String {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            "proxy::env_proxy_child",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_URLS, format!("{http} {https}"))
        .env(
            "PROXY_TEST_CHILD_CA",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &pki.ca),
        )
        .env_remove("REQUEST_METHOD");
    for name in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
    ] {
        command.env_remove(name);
    }
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{vars:?}: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_proxies_are_read_by_both_transports() {
    let Some(proxy) = ProxyServer::start(SUITE) else {
        return;
    };
    // Held: the TLS front hands its connections to the sandbox.
    let (_sandbox, pki, http, https) = destinations().await;
    let run = |vars: &[(&str, &str)]| run_child(&http, &https, &pki, vars);
    let tunnel = https.trim_start_matches("https://").to_owned();
    let with_credentials = proxy.url_with_credentials();

    // HTTP_PROXY for http, HTTPS_PROXY for https, the credentials in the
    // URL: each transport's two requests go through.
    run(&[
        ("HTTP_PROXY", &with_credentials),
        ("https_proxy", &with_credentials),
    ]);
    let requests = proxy.requests();
    assert_eq!(
        count(&requests, &format!("POST {http}/token")),
        2,
        "{requests:?}"
    );
    assert_eq!(
        count(&requests, &format!("CONNECT {tunnel}")),
        2,
        "{requests:?}"
    );

    // ALL_PROXY covers both; NO_PROXY sends the loopback address direct.
    run(&[("ALL_PROXY", &with_credentials), ("NO_PROXY", "127.0.0.1")]);
    assert_eq!(
        proxy.requests().len(),
        requests.len(),
        "nothing more went through the proxy"
    );

    // ALL_PROXY alone: all four through it. A NO_PROXY naming other
    // destinations (`.invalid` among them, the reserved TLD) leaves the
    // proxy on for these: each run sends four more through it.
    let mut through = 2;
    for no_proxy in [
        None,
        Some(".invalid"),
        Some("invalid"),
        Some("example.com,.invalid"),
    ] {
        let mut vars = vec![("ALL_PROXY", with_credentials.as_str())];
        vars.extend(no_proxy.map(|list| ("NO_PROXY", list)));
        run(&vars);
        through += 2;
        let requests = proxy.requests();
        assert_eq!(
            count(&requests, &format!("POST {http}/token")),
            through,
            "NO_PROXY {no_proxy:?}: {requests:?}"
        );
        assert_eq!(
            count(&requests, &format!("CONNECT {tunnel}")),
            through,
            "NO_PROXY {no_proxy:?}: {requests:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_proxies_of_other_schemes_are_ignored_and_their_credentials_never_sent() {
    let Some(proxy) = ProxyServer::start(SUITE) else {
        return;
    };
    let (_sandbox, pki, http, https) = destinations().await;
    // The proxy's own port and credentials under another scheme: were the
    // scheme not checked, the transports would send `CONNECT` and the
    // credentials to it in cleartext (or an HTTP request to a SOCKS port).
    let port = proxy.url().rsplit(':').next().unwrap().to_owned();
    let (user, password) = (proxy.user(), proxy.password());
    let https_proxy = format!("https://{user}:{password}@127.0.0.1:{port}");
    let socks_proxy = format!("socks5://{user}:{password}@127.0.0.1:{port}");
    for (variable, value) in [
        ("HTTPS_PROXY", &https_proxy),
        ("https_proxy", &https_proxy),
        ("ALL_PROXY", &socks_proxy),
    ] {
        let log = run_child(&http, &https, &pki, &[(variable, value)]);
        // Every request went direct: the proxy saw nothing.
        assert_eq!(proxy.requests(), Vec::<String>::new(), "{variable}");
        // One warning per transport, naming the variable, never the value.
        let warnings: Vec<&str> = log
            .lines()
            .filter(|line| line.contains(&format!("ignoring the proxy in {variable}")))
            .collect();
        assert_eq!(warnings.len(), 2, "{variable}: {log}");
        assert!(warnings.iter().all(|w| w.contains("WARN")), "{log}");
        assert!(!log.contains(password), "{variable}: {log}");
    }
}
