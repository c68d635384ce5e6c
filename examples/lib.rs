//! Support for the examples' documentation tests: `docs/from-python.md`,
//! the guide for people coming from the Python libraries, runs here as doc
//! tests, with the sandboxes its snippets talk to.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]

/// The guide for Python users; its snippets run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../docs/from-python.md")]
pub struct FromPythonGuide;

/// What the guide's hidden lines call: sandboxes served by a runtime of
/// their own threads (the snippets are blocking code, outside any
/// runtime), and the user's visit to the authorization page.
#[doc(hidden)]
pub mod guide {
    use oauth_sandbox::browser::{self, BrowserError, Decision};
    use oauth_sandbox::{ClientAuth, ClientConfig, Profile, Sandbox, UserConfig};
    use tokio::runtime::Runtime;
    use url::Url;

    fn start(profile: Profile, client: ClientConfig, user: UserConfig) -> (Runtime, Sandbox) {
        let server = Runtime::new().expect("a runtime for the sandbox");
        let sandbox = server
            .block_on(
                Sandbox::builder()
                    .profile(profile)
                    .client(client)
                    .user(user)
                    .start(),
            )
            .expect("the sandbox starts");
        (server, sandbox)
    }

    /// A Battle.net sandbox knowing `CLIENT_ID` / `CLIENT_SECRET` (redirect
    /// `https://app.example/callback`) and the user `alice`.
    pub fn battlenet_sandbox() -> (Runtime, Sandbox) {
        start(
            Profile::BattleNet,
            ClientConfig::confidential("CLIENT_ID", "CLIENT_SECRET")
                .redirect_uri("https://app.example/callback"),
            UserConfig::new("alice", "wonderland"),
        )
    }

    /// A RingPlus sandbox knowing `client-id` / `client-secret` and the
    /// user `ann@example.com`.
    pub fn ringplus_sandbox() -> (Runtime, Sandbox) {
        start(
            Profile::RingPlus,
            ClientConfig::confidential("client-id", "client-secret")
                .redirect_uri("https://www.ringplus.net/callback")
                .auth(ClientAuth::Body),
            UserConfig::new("ann@example.com", "secret"),
        )
    }

    /// The user signs in at `url` and approves; the URL they are sent back to.
    ///
    /// # Errors
    /// The scripted browser's.
    pub fn sign_in(server: &Runtime, url: &Url) -> Result<String, BrowserError> {
        let (login, password) = if url.path().starts_with("/oauth/") {
            ("ann@example.com", "secret")
        } else {
            ("alice", "wonderland")
        };
        server
            .block_on(browser::sign_in(url, login, password, Decision::Approve))
            .map(String::from)
    }
}
