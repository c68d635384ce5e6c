//! The native-app flow of RFC 8252: a one-shot HTTP listener on
//! 127.0.0.1 catches the authorization server's redirect, so a command-line
//! or desktop app can sign a user in through their own browser.

use std::fmt;
use std::future::{Future as _, poll_fn};
use std::pin::pin;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio::time::{Instant, timeout};
use url::Url;

use crate::authorization::{AuthorizationRequest, PendingAuthorization};
use crate::client::Client;
use crate::error::{ConfigError, Endpoint, Error, TransportError, TransportErrorKind};
use crate::secret::CsrfState;
use crate::token::Token;
use crate::url_policy::same_redirect_target;

/// The largest request head the listener reads.
const MAX_HEAD: usize = 16 * 1024;
/// How long a connection has to send its request head (a browser's
/// speculative connection sends nothing; the redirect comes at once).
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How many connections are served at once; more wait to be accepted.
const MAX_CONNECTIONS: usize = 32;

const SIGNED_IN_PAGE: &str = "<!doctype html><meta charset=utf-8><title>Signed in</title>\
<p>You are signed in. You may close this window and return to the application.</p>";
const FAILED_PAGE: &str = "<!doctype html><meta charset=utf-8><title>Sign-in failed</title>\
<p>The sign-in did not complete. You may close this window and return to the application.</p>";
const NOT_THIS_PAGE: &str = "<!doctype html><meta charset=utf-8><title>Unexpected request</title>\
<p>This is not the answer to the sign-in under way.</p>";

/// How the authorization URL reaches the user.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum OpenBrowser {
    /// Open the system browser (`xdg-open` with a display, `open`,
    /// `rundll32 url.dll`) and print the URL on stderr too, in case no
    /// browser opens.
    #[default]
    System,
    /// Only print the URL on stderr.
    Print,
    /// Hand the URL to this function (to show it in an app's own window,
    /// or to drive a test).
    With(Arc<dyn Fn(&Url) + Send + Sync>),
}

impl fmt::Debug for OpenBrowser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenBrowser::System => f.write_str("System"),
            OpenBrowser::Print => f.write_str("Print"),
            OpenBrowser::With(_) => f.write_str("With(..)"),
        }
    }
}

/// Options of a [`LoopbackRedirect`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LoopbackConfig {
    /// The redirect URI's path. Default: `/callback`.
    pub path: String,
    /// The port; 0 (the default) lets the system pick a free one, which
    /// RFC 8252 §7.3 servers accept for native clients.
    pub port: u16,
    /// How long to wait for the browser to come back. Default: 5 minutes.
    pub timeout: Duration,
    /// How the URL reaches the user. Default: [`OpenBrowser::System`].
    pub open: OpenBrowser,
}

impl Default for LoopbackConfig {
    fn default() -> Self {
        LoopbackConfig {
            path: "/callback".to_owned(),
            port: 0,
            timeout: Duration::from_secs(300),
            open: OpenBrowser::System,
        }
    }
}

impl LoopbackConfig {
    /// Sets the redirect URI's path.
    #[must_use]
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Sets a fixed port (for servers that do not accept any port).
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets how long to wait for the browser.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets how the URL reaches the user.
    #[must_use]
    pub fn open(mut self, open: OpenBrowser) -> Self {
        self.open = open;
        self
    }
}

/// A listener on 127.0.0.1 waiting for one authorization redirect.
///
/// ```
/// # #[cfg(any(feature = "reqwest", feature = "hyper"))]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use oauth_core::{Client, LoopbackConfig, LoopbackRedirect};
///
/// let loopback = LoopbackRedirect::bind(LoopbackConfig::default()).await?;
/// # // The user's browser, scripted: signs in and approves.
/// # let loopback = LoopbackRedirect::bind(LoopbackConfig::default().open(
/// #     oauth_core::OpenBrowser::With(std::sync::Arc::new(|url: &url::Url| {
/// #         let url = url.clone();
/// #         tokio::spawn(async move {
/// #             let callback = oauth_sandbox::browser::sign_in(&url, "alice", "wonderland",
/// #                 oauth_sandbox::browser::Decision::Approve).await.expect("signed in");
/// #             use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
/// #             let port = callback.port().expect("a port");
/// #             let mut browser = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
/// #             let target = &callback[url::Position::BeforePath..];
/// #             browser.write_all(format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
/// #                 .await.expect("the redirect is sent");
/// #             let _ = browser.read_to_end(&mut Vec::new()).await;
/// #         });
/// #     })))).await?;
/// # let sandbox = oauth_sandbox::Sandbox::builder()
/// #     .client(oauth_sandbox::ClientConfig::public("my-cli")
/// #         .redirect_uri(loopback.redirect_uri().as_str()))
/// #     .user(oauth_sandbox::UserConfig::new("alice", "wonderland"))
/// #     .start().await?;
/// # let provider = oauth_core::GenericProvider::new(
/// #     sandbox.authorization_endpoint().as_str(), sandbox.token_endpoint().as_str())?;
/// let client = Client::builder(provider, "my-cli")
///     .redirect_uri(loopback.redirect_uri().as_str())
///     .build()?;
/// // Opens the browser, waits for the redirect, checks it, exchanges the code.
/// let token = loopback
///     .authorize(&client, client.authorization_url().scope("openid"))
///     .await?;
/// assert!(token.refresh_token().is_some());
/// # Ok(()) }
/// # #[cfg(not(any(feature = "reqwest", feature = "hyper")))] fn main() {}
/// ```
#[derive(Debug)]
pub struct LoopbackRedirect {
    listener: TcpListener,
    redirect_uri: Url,
    config: LoopbackConfig,
}

impl LoopbackRedirect {
    /// Binds 127.0.0.1 on the configured port (by default one the system
    /// picks).
    ///
    /// # Errors
    /// [`Error::Config`] for a path that does not make a URL;
    /// [`Error::Transport`] when the port cannot be bound.
    pub async fn bind(config: LoopbackConfig) -> Result<Self, Error> {
        let path = if config.path.starts_with('/') {
            config.path.clone()
        } else {
            format!("/{}", config.path)
        };
        let wanted =
            Url::parse(&format!("http://127.0.0.1:{}{path}", config.port)).map_err(|e| {
                ConfigError::InvalidUrl {
                    what: "loopback redirect path",
                    url: path.clone(),
                    reason: e.to_string(),
                }
            })?;
        let listener = TcpListener::bind(("127.0.0.1", config.port))
            .await
            .map_err(|e| io_error(&wanted, e))?;
        let port = listener
            .local_addr()
            .map_err(|e| io_error(&wanted, e))?
            .port();
        let mut redirect_uri = wanted.clone();
        redirect_uri
            .set_port(Some(port))
            .map_err(|()| ConfigError::InvalidUrl {
                what: "loopback redirect URI",
                url: wanted.to_string(),
                reason: "it cannot take a port".into(),
            })?;
        Ok(LoopbackRedirect {
            listener,
            redirect_uri,
            config,
        })
    }

    /// The redirect URI to build the client with:
    /// `http://127.0.0.1:{port}{path}`.
    #[must_use]
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }

    /// Runs the whole flow: builds the authorization URL from `request`,
    /// shows it to the user (see [`OpenBrowser`]), waits for the one valid
    /// redirect, answers the browser with a short page, and exchanges the
    /// code.
    ///
    /// # Errors
    /// [`Error::Config`] when the client's redirect URI is not this
    /// listener's; those of [`LoopbackRedirect::receive`]; then those of the
    /// code exchange.
    pub async fn authorize(
        self,
        client: &Client,
        request: AuthorizationRequest<'_>,
    ) -> Result<Token, Error> {
        if !client
            .redirect_uri()
            .is_some_and(|uri| same_redirect_target(uri, &self.redirect_uri))
        {
            return Err(ConfigError::NotTheLoopbackRedirect {
                listener: self.redirect_uri.to_string(),
            }
            .into());
        }
        let (url, pending) = request.build()?;
        show(&self.config.open, &url);
        let callback = self.receive(&pending).await?;
        client.exchange_callback(pending, callback.as_str()).await
    }

    /// Waits for the browser's redirect that answers `pending`, and
    /// returns its full URL for [`Client::exchange_callback`].
    ///
    /// Requests to other paths get a 404, and requests whose `state` is not
    /// `pending`'s a 400; both are ignored, so nothing but the real answer
    /// ends the wait. The first request with the right `state` ends it, a
    /// `code` or an `error` alike; the browser gets a page saying it may be
    /// closed.
    ///
    /// # Errors
    /// [`Error::Transport`] with [`TransportErrorKind::Timeout`] when no
    /// valid redirect came in time, or with another kind when the listener
    /// fails.
    pub async fn receive(self, pending: &PendingAuthorization) -> Result<Url, Error> {
        let deadline = Instant::now() + self.config.timeout;
        let expected = Arc::new(Expected {
            redirect_uri: self.redirect_uri.clone(),
            state: pending.state().clone(),
        });
        // Connections are served side by side, so a silent or slow one (a
        // browser's speculative connection, or another local user's) never
        // holds up the browser's redirect; at most `MAX_CONNECTIONS` at
        // once, each given `HEAD_TIMEOUT` to send its request.
        let mut connections = JoinSet::new();
        let mut expiry = pin!(tokio::time::sleep_until(deadline));
        loop {
            let event = poll_fn(|cx| {
                if let Poll::Ready(Some(served)) = connections.poll_join_next(cx) {
                    return Poll::Ready(Event::Served(served.ok().flatten()));
                }
                if connections.len() < MAX_CONNECTIONS
                    && let Poll::Ready(accepted) = self.listener.poll_accept(cx)
                {
                    return Poll::Ready(Event::Accepted(accepted));
                }
                if expiry.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Event::TimedOut);
                }
                Poll::Pending
            })
            .await;
            match event {
                Event::Accepted(accepted) => {
                    let (stream, _) = accepted.map_err(|e| io_error(&self.redirect_uri, e))?;
                    connections.spawn(serve(stream, Arc::clone(&expected)));
                }
                // Dropping the set ends every other connection.
                Event::Served(Some(url)) => return Ok(url),
                Event::Served(None) => {}
                Event::TimedOut => return Err(self.timed_out()),
            }
        }
    }

    fn timed_out(&self) -> Error {
        Error::Transport {
            endpoint: Endpoint::new("loopback redirect", &self.redirect_uri),
            source: TransportError::from_kind(TransportErrorKind::Timeout),
        }
    }
}

fn io_error(url: &Url, error: std::io::Error) -> Error {
    Error::Transport {
        endpoint: Endpoint::new("loopback redirect", url),
        source: TransportError::new(TransportErrorKind::Other, error),
    }
}

/// What happened while waiting for the redirect.
enum Event {
    Accepted(std::io::Result<(TcpStream, std::net::SocketAddr)>),
    Served(Option<Url>),
    TimedOut,
}

/// What the awaited redirect must look like.
struct Expected {
    redirect_uri: Url,
    state: CsrfState,
}

/// Serves one connection: the awaited redirect's URL if this is it (the
/// browser is told it may close the window), else `None` (the request was
/// answered with a 404 or 400, or never came in time).
async fn serve(mut stream: TcpStream, expected: Arc<Expected>) -> Option<Url> {
    let Ok(Ok(Some(target))) = timeout(HEAD_TIMEOUT, read_target(&mut stream)).await else {
        // Silent, malformed or not a GET: not the browser's redirect.
        let _ = respond(&mut stream, 400, "Bad Request", NOT_THIS_PAGE).await;
        return None;
    };
    let Ok(url) = expected.redirect_uri.join(&target) else {
        let _ = respond(&mut stream, 400, "Bad Request", NOT_THIS_PAGE).await;
        return None;
    };
    if url.path() != expected.redirect_uri.path() {
        let _ = respond(&mut stream, 404, "Not Found", NOT_THIS_PAGE).await;
        return None;
    }
    if !has_state(&url, &expected.state) {
        let _ = respond(&mut stream, 400, "Bad Request", NOT_THIS_PAGE).await;
        return None;
    }
    let page = if url.query_pairs().any(|(name, _)| name == "code") {
        SIGNED_IN_PAGE
    } else {
        FAILED_PAGE
    };
    // The answer is what matters; a browser that went away is fine.
    let _ = timeout(HEAD_TIMEOUT, respond(&mut stream, 200, "OK", page)).await;
    Some(url)
}

/// Whether the URL carries exactly one `state`, and it is `expected`.
fn has_state(url: &Url, expected: &CsrfState) -> bool {
    let mut states = url.query_pairs().filter(|(name, _)| name == "state");
    match (states.next(), states.next()) {
        (Some((_, state)), None) => expected.ct_eq(&CsrfState::new(state.into_owned())),
        _ => false,
    }
}

/// Reads a request head and returns the target of a `GET`, or `None` for
/// anything else.
async fn read_target(stream: &mut TcpStream) -> std::io::Result<Option<String>> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() > MAX_HEAD {
            return Ok(None);
        }
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(None);
        }
        head.extend_from_slice(&buf[..n]);
    }
    let Ok(head) = std::str::from_utf8(&head) else {
        return Ok(None);
    };
    let mut request_line = head.lines().next().unwrap_or_default().split(' ');
    match (
        request_line.next(),
        request_line.next(),
        request_line.next(),
    ) {
        (Some("GET"), Some(target), Some(version))
            if target.starts_with('/') && version.starts_with("HTTP/1.") =>
        {
            Ok(Some(target.to_owned()))
        }
        _ => Ok(None),
    }
}

async fn respond(
    stream: &mut TcpStream,
    status: u16,
    reason: &str,
    page: &str,
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n\
         Connection: close\r\n\r\n",
        page.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(page.as_bytes()).await?;
    stream.shutdown().await
}

/// Shows the authorization URL as `open` says.
fn show(open: &OpenBrowser, url: &Url) {
    match open {
        OpenBrowser::With(f) => f(url),
        OpenBrowser::Print => print_url(url),
        OpenBrowser::System => {
            open_system_browser(url);
            print_url(url);
        }
    }
}

// The one place this crate writes to the terminal: the user asked for the
// URL to be shown (`OpenBrowser::Print` or `System`), and a CLI has no other
// way to show it.
#[allow(clippy::print_stderr)]
fn print_url(url: &Url) {
    eprintln!("Open this URL in your browser to sign in:\n\n    {url}\n");
}

/// Starts the platform's URL opener, if there is one; never waits for it.
fn open_system_browser(url: &Url) {
    let mut command = if cfg!(target_os = "macos") {
        Command::new("open")
    } else if cfg!(windows) {
        // Not `cmd /c start`: cmd would interpret the `&` of the query.
        let mut command = Command::new("rundll32");
        command.arg("url.dll,FileProtocolHandler");
        command
    } else {
        let graphical =
            std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
        if !graphical {
            return;
        }
        Command::new("xdg-open")
    };
    let child = command
        .arg(url.as_str())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    if let Ok(mut child) = child {
        // Reap it whenever it exits, without blocking the flow.
        std::thread::spawn(move || child.wait());
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt as _;
    use tokio::net::TcpListener;

    use super::*;

    /// What `read_target` makes of `head`, sent over a real loopback
    /// connection.
    async fn target_of(head: Vec<u8>) -> Option<String> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let address = listener.local_addr().expect("address");
        let writer = tokio::spawn(async move {
            let mut stream = TcpStream::connect(address).await.expect("connect");
            // The reader may stop early and close: a failed write is fine.
            let _ = stream.write_all(&head).await;
            let _ = stream.shutdown().await;
        });
        let (mut stream, _) = listener.accept().await.expect("accept");
        let target = read_target(&mut stream).await.expect("read");
        writer.await.expect("writer");
        target
    }

    fn head_with_header_of(bytes: usize) -> Vec<u8> {
        format!(
            "GET /callback?code=c&state=s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: {}\r\n\r\n",
            "a".repeat(bytes)
        )
        .into_bytes()
    }

    #[tokio::test]
    async fn a_head_up_to_sixteen_kib_is_read_and_a_larger_one_refused() {
        assert_eq!(
            target_of(head_with_header_of(8 * 1024)).await.as_deref(),
            Some("/callback?code=c&state=s"),
            "a browser's head with long cookies is still read"
        );
        assert_eq!(target_of(head_with_header_of(20 * 1024)).await, None);
        let just_over = head_with_header_of(16 * 1024 + 100 - head_with_header_of(0).len());
        assert_eq!(
            target_of(just_over).await.as_deref(),
            Some("/callback?code=c&state=s"),
            "read until it passes 16 KiB, then refused"
        );
        for (head, why) in [
            (
                &b"POST /callback HTTP/1.1\r\n\r\n"[..],
                "only a GET is a redirect",
            ),
            (
                b"GET http://evil.example/cb HTTP/1.1\r\n\r\n",
                "only a path",
            ),
            (b"GET /callback HTTP/2.0\r\n\r\n", "only HTTP/1"),
            (b"GET /callback\r\n\r\n", "a request line has a version"),
        ] {
            assert_eq!(target_of(head.to_vec()).await, None, "{why}");
        }
    }

    #[test]
    fn the_options_and_how_they_show() {
        let config = LoopbackConfig::default();
        assert_eq!(
            (config.path.as_str(), config.port, config.timeout),
            ("/callback", 0, Duration::from_secs(300))
        );
        let config = config
            .path("/cb")
            .port(8123)
            .timeout(Duration::from_secs(9))
            .open(OpenBrowser::Print);
        assert_eq!(
            (config.path.as_str(), config.port, config.timeout),
            ("/cb", 8123, Duration::from_secs(9))
        );
        assert_eq!(format!("{:?}", config.open), "Print");
        assert_eq!(format!("{:?}", OpenBrowser::System), "System");
        let with = OpenBrowser::With(Arc::new(|_url: &Url| {}));
        assert_eq!(format!("{with:?}"), "With(..)");
    }

    const SHOW_ENV: &str = "OAUTH_CORE_LOOPBACK_SHOW";

    /// Shows the URL of `SHOW_ENV` with the system browser: the child
    /// process of `the_system_browser_is_started_and_the_url_printed`,
    /// which sets its `PATH` and display. Not a test of its own.
    #[test]
    #[ignore = "a child process of the_system_browser_is_started_and_the_url_printed"]
    fn show_in_a_child() {
        let url = std::env::var(SHOW_ENV).expect("started by its parent test");
        show(&OpenBrowser::System, &Url::parse(&url).expect("url"));
    }

    /// Runs `show_in_a_child` with a stand-in `xdg-open` that writes the
    /// URL it is given to `opened`; returns the child's stderr.
    #[cfg(all(unix, not(target_os = "macos")))]
    fn show_with(dir: &std::path::Path, opened: &std::path::Path, display: bool) -> String {
        use std::os::unix::fs::PermissionsExt as _;
        let script = dir.join("xdg-open");
        std::fs::write(
            &script,
            format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", opened.display()),
        )
        .expect("script");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let mut child = Command::new(std::env::current_exe().expect("test binary"));
        child
            .args([
                "loopback::tests::show_in_a_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(SHOW_ENV, "http://127.0.0.1:9/cb?state=s&x=1")
            .env("PATH", dir)
            .env_remove("WAYLAND_DISPLAY");
        if display {
            child.env("DISPLAY", ":9");
        } else {
            child.env_remove("DISPLAY");
        }
        let output = child.output().expect("child");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn the_system_browser_is_started_and_the_url_printed() {
        let dir = std::env::temp_dir().join(format!("oauth-core-show-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let url = "http://127.0.0.1:9/cb?state=s&x=1";

        let opened = dir.join("opened-with-display");
        let shown = show_with(&dir, &opened, true);
        assert!(
            shown.contains(&format!(
                "Open this URL in your browser to sign in:\n\n    {url}\n"
            )),
            "{shown}"
        );
        // The opener runs detached: wait for what it writes.
        let mut given = None;
        for _ in 0..100 {
            if let Ok(text) = std::fs::read_to_string(&opened)
                && !text.is_empty()
            {
                given = Some(text);
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(given.as_deref(), Some(url), "the browser was given the URL");

        let unopened = dir.join("opened-without-display");
        let shown = show_with(&dir, &unopened, false);
        assert!(shown.contains(url), "still printed: {shown}");
        std::thread::sleep(Duration::from_millis(200));
        assert!(!unopened.exists(), "no display, no browser");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
