//! What the examples share: the entry point that turns an error into a
//! message and an exit status, the Battle.net app client that is the real
//! service when credentials are set and an embedded sandbox otherwise; and
//! the guide for people coming from the Python libraries
//! (`docs/from-python.md`), whose snippets run here as doc tests.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]

use std::error::Error;
use std::future::Future;
use std::process::ExitCode;

use battlenet::{BattleNetClient, BattleNetClientBuilder, Region};
use oauth_sandbox::{ClientConfig, Profile, Sandbox};

/// What an example's body returns.
pub type Outcome = Result<(), Box<dyn Error>>;

/// An example's exit: success, or the error on stderr and status 1.
#[must_use]
#[allow(clippy::print_stderr)] // A program's error report.
pub fn exit(outcome: Outcome) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs an async example body on a multi-thread tokio runtime (as
/// `#[tokio::main]` does), then [`exit`]s.
#[must_use]
pub fn run(body: impl Future<Output = Outcome>) -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build();
    match runtime {
        Ok(runtime) => exit(runtime.block_on(body)),
        Err(e) => exit(Err(e.into())),
    }
}

/// A Battle.net client in the credential workflow: the real service when
/// `BATTLENET_CLIENT_ID` and `BATTLENET_CLIENT_SECRET` are set (region
/// `BATTLENET_REGION`, else `region`), otherwise an embedded sandbox that
/// emulates it, returned too so it lives as long as the client.
///
/// # Errors
/// An unknown region, a client that cannot be built, a sandbox that cannot
/// start.
pub async fn battlenet_app(
    region: Region,
) -> Result<(BattleNetClient, Option<Sandbox>), Box<dyn Error>> {
    battlenet_app_with(region, |builder| builder).await
}

/// As [`battlenet_app`], with the client's builder finished by `configure`
/// (a cache, a rate limit, …).
///
/// # Errors
/// As [`battlenet_app`].
#[allow(clippy::print_stdout)] // Says which Battle.net the example uses.
pub async fn battlenet_app_with(
    region: Region,
    configure: impl FnOnce(BattleNetClientBuilder) -> BattleNetClientBuilder,
) -> Result<(BattleNetClient, Option<Sandbox>), Box<dyn Error>> {
    if let (Ok(id), Ok(secret)) = (
        std::env::var("BATTLENET_CLIENT_ID"),
        std::env::var("BATTLENET_CLIENT_SECRET"),
    ) {
        let region = match std::env::var("BATTLENET_REGION") {
            Ok(region) => region.parse()?,
            Err(_) => region,
        };
        println!("Using the real Battle.net, region {region}");
        let builder = BattleNetClient::builder(region, id, secret);
        return Ok((configure(builder).build()?, None));
    }
    let sandbox = battlenet_sandbox().await?;
    let builder = BattleNetClient::builder(region, "my-app", "my-secret")
        .oauth_base(sandbox.oauth_url().clone())
        .api_base(sandbox.api_url().clone());
    let client = configure(builder).build()?;
    Ok((client, Some(sandbox)))
}

/// An embedded sandbox that emulates Battle.net, with the client
/// `my-app` / `my-secret`.
///
/// # Errors
/// A sandbox that cannot start.
#[allow(clippy::print_stdout)] // Examples say what they use, as they print their results.
pub async fn battlenet_sandbox() -> Result<Sandbox, Box<dyn Error>> {
    let sandbox = Sandbox::builder()
        .profile(Profile::BattleNet)
        .client(ClientConfig::confidential("my-app", "my-secret"))
        .start()
        .await?;
    println!("Using a sandbox Battle.net at {}", sandbox.oauth_url());
    Ok(sandbox)
}

/// The names of the game-data items `items` (in that order, `concurrency`
/// at a time), as a scan of Battle.net's item documents asks for them.
///
/// # Errors
/// The first call that failed.
pub async fn item_names(
    client: &BattleNetClient,
    items: impl Iterator<Item = u64>,
    concurrency: usize,
) -> Result<Vec<String>, battlenet::Error> {
    use futures_util::stream::{self, StreamExt as _, TryStreamExt as _};
    stream::iter(items)
        .map(|item| async move {
            let document: serde_json::Value = client
                .get(
                    &format!("/data/wow/item/{item}"),
                    None,
                    battlenet::Namespace::static_data(Region::Us),
                )
                .await?;
            Ok::<_, battlenet::Error>(document["name"].to_string())
        })
        .buffer_unordered(concurrency)
        .try_collect()
        .await
}

/// A RingPlus `OAuthHandler`: the real service when `RINGPLUS_CLIENT_ID`,
/// `RINGPLUS_CLIENT_SECRET` and `RINGPLUS_REDIRECT_URI` are set, otherwise
/// an embedded sandbox that emulates it with `user` signed up (login and
/// password), returned too so it lives as long as the handler.
///
/// # Errors
/// A handler that cannot be built, a sandbox that cannot start.
pub async fn ringplus_handler(
    user: (&str, &str),
) -> Result<(ringplus::OAuthHandler, Option<Sandbox>), Box<dyn Error>> {
    if let (Ok(id), Ok(secret), Ok(redirect_uri)) = (
        std::env::var("RINGPLUS_CLIENT_ID"),
        std::env::var("RINGPLUS_CLIENT_SECRET"),
        std::env::var("RINGPLUS_REDIRECT_URI"),
    ) {
        return Ok((ringplus::OAuthHandler::new(id, secret, redirect_uri)?, None));
    }
    let redirect_uri = "https://www.ringplus.net/callback";
    let sandbox = Sandbox::builder()
        .profile(Profile::RingPlus)
        .client(
            ClientConfig::confidential("my-app", "my-secret")
                .redirect_uri(redirect_uri)
                .auth(oauth_sandbox::ClientAuth::Body),
        )
        .user(oauth_sandbox::UserConfig::new(user.0, user.1))
        .start()
        .await?;
    let auth = ringplus::OAuthHandler::builder("my-app", "my-secret", redirect_uri)
        .oauth_base(sandbox.oauth_url().as_str())
        .api_base(sandbox.api_url().as_str())
        .build()?;
    Ok((auth, Some(sandbox)))
}

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
