//! The loopback sandbox, in a process of its own, and the
//! clients under test, each built the way its users build it.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use battlenet::{BattleNetClient, Region};
use oauth_core::transport::{HyperTransport, ReqwestTransport};
use oauth_core::url::Url;
use oauth_core::{HttpTransport, Token};
use oauth_sandbox::{ClientConfig, Grant, Profile, Sandbox};

/// The app's credentials, registered with the sandbox.
pub(crate) const CLIENT_ID: &str = "bench-client";
pub(crate) const CLIENT_SECRET: &str = "bench-secret";

/// The API path every GET asks for, and the query that goes with it.
pub(crate) const ENDPOINT: &str = "/data/wow/token/index";
const QUERY: &str = "namespace=dynamic-us";

/// One Battle.net sandbox on 127.0.0.1 in a process of its own (this
/// program, started with `--sandbox-child`), as a user's server is: its
/// work and its allocator never share the client's process. It takes one
/// command a line on stdin and answers one line on stdout; closing stdin
/// stops it.
pub(crate) struct Server {
    child: Child,
    control: Mutex<Option<Control>>,
    oauth_url: Url,
    api_url: Url,
    token_url: Url,
}

struct Control {
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Server {
    pub(crate) fn start() -> Result<Self, String> {
        let program =
            std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
        let mut child = Command::new(program)
            .arg(CHILD_FLAG)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the sandbox process: {e}"))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err("the sandbox process has no pipes".to_owned());
        };
        let mut stdout = BufReader::new(stdout);
        let mut ready = String::new();
        stdout
            .read_line(&mut ready)
            .map_err(|e| format!("the sandbox process did not start: {e}"))?;
        let urls: Vec<Url> = ready
            .strip_prefix("ready ")
            .ok_or_else(|| format!("the sandbox process said {ready:?}"))?
            .split_whitespace()
            .map(Url::parse)
            .collect::<Result<_, _>>()
            .map_err(|e| format!("the sandbox process gave a bad URL: {e}"))?;
        let [oauth_url, api_url, token_url] = <[Url; 3]>::try_from(urls)
            .map_err(|urls| format!("the sandbox process gave {} URLs", urls.len()))?;
        Ok(Server {
            child,
            control: Mutex::new(Some(Control { stdin, stdout })),
            oauth_url,
            api_url,
            token_url,
        })
    }

    /// Sends one command and returns the answer line.
    fn ask(&self, command: &str) -> Result<String, String> {
        let mut guard = self
            .control
            .lock()
            .map_err(|_| "the sandbox control is poisoned")?;
        let control = guard.as_mut().ok_or("the sandbox process is stopped")?;
        writeln!(control.stdin, "{command}")
            .and_then(|()| control.stdin.flush())
            .map_err(|e| format!("the sandbox process is gone: {e}"))?;
        let mut answer = String::new();
        control
            .stdout
            .read_line(&mut answer)
            .map_err(|e| format!("the sandbox process is gone: {e}"))?;
        match answer.trim_end().strip_prefix("error ") {
            Some(error) => Err(format!("the sandbox process: {error}")),
            None if answer.is_empty() => Err("the sandbox process has exited".to_owned()),
            None => Ok(answer.trim_end().to_owned()),
        }
    }

    pub(crate) fn oauth_url(&self) -> &Url {
        &self.oauth_url
    }

    pub(crate) fn api_url(&self) -> &Url {
        &self.api_url
    }

    /// The token endpoint, as a string for the clients that want one.
    pub(crate) fn token_url(&self) -> String {
        self.token_url.to_string()
    }

    /// The full URL of the GET, query included.
    pub(crate) fn get_url(&self) -> String {
        let mut url = self.api_url.clone();
        url.set_path(ENDPOINT);
        url.set_query(Some(QUERY));
        url.to_string()
    }

    /// Forgets the request log, which grows with every request.
    pub(crate) fn forget_requests(&self) -> Result<(), String> {
        self.ask("clear").map(drop)
    }

    /// Moves the sandbox's clock forward.
    pub(crate) fn advance(&self, by: Duration) -> Result<(), String> {
        self.ask(&format!("advance {}", by.as_millis())).map(drop)
    }

    /// How many client credentials token requests the sandbox has had.
    pub(crate) fn client_credentials_requests(&self) -> Result<usize, String> {
        let answer = self.ask("token-requests")?;
        answer
            .parse()
            .map_err(|_| format!("the sandbox process counted {answer:?}"))
    }

    /// Makes each API answer wait this long, as a server that far away.
    pub(crate) fn set_api_latency(&self, latency: Duration) -> Result<(), String> {
        self.ask(&format!("latency {}", latency.as_millis()))
            .map(drop)
    }

    /// How many requests the sandbox has logged whose path starts with
    /// `prefix`, since it last forgot them.
    pub(crate) fn requests_under(&self, prefix: &str) -> Result<usize, String> {
        let answer = self.ask(&format!("requests {prefix}"))?;
        answer
            .parse()
            .map_err(|_| format!("the sandbox process counted {answer:?}"))
    }

    /// When the requests the sandbox logged whose path starts with `prefix`
    /// arrived, in microseconds after the first of them, in order.
    pub(crate) fn arrivals(&self, prefix: &str) -> Result<Vec<u64>, String> {
        self.ask(&format!("arrivals {prefix}"))?
            .split_whitespace()
            .map(|n| {
                n.parse()
                    .map_err(|_| format!("the sandbox process gave {n:?}"))
            })
            .collect()
    }

    /// The CPU time the sandbox process has used so far.
    pub(crate) fn cpu(&self) -> Result<Duration, String> {
        let answer = self.ask("cpu")?;
        let nanos: u64 = answer
            .parse()
            .map_err(|_| format!("the sandbox process timed {answer:?}"))?;
        Ok(Duration::from_nanos(nanos))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Closing stdin ends the child's command loop.
        if let Ok(control) = self.control.get_mut() {
            control.take();
        }
        let _ = self.child.wait();
    }
}

/// The flag that makes this program the sandbox process.
pub(crate) const CHILD_FLAG: &str = "--sandbox-child";

/// The sandbox process: starts the sandbox on a multi-thread runtime,
/// prints its URLs, then serves commands from stdin until it closes.
pub(crate) fn child() -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name("sandbox")
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the sandbox runtime: {e}"))?;
    let sandbox = runtime
        .block_on(
            Sandbox::builder()
                .profile(Profile::BattleNet)
                .rate_limit(None)
                .client(ClientConfig::confidential(CLIENT_ID, CLIENT_SECRET))
                .start(),
        )
        .map_err(|e| format!("cannot start the sandbox: {e}"))?;
    let mut stdout = std::io::stdout().lock();
    let say = |stdout: &mut std::io::StdoutLock<'_>, line: &str| {
        writeln!(stdout, "{line}")
            .and_then(|()| stdout.flush())
            .map_err(|e| format!("cannot answer: {e}"))
    };
    say(
        &mut stdout,
        &format!(
            "ready {} {} {}",
            sandbox.oauth_url(),
            sandbox.api_url(),
            sandbox.token_endpoint()
        ),
    )?;
    for line in std::io::stdin().lines() {
        let line = line.map_err(|e| format!("cannot read a command: {e}"))?;
        let answer = match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["clear"] => {
                sandbox.clear_requests();
                "ok".to_owned()
            }
            ["advance", millis] => match millis.parse() {
                Ok(millis) => {
                    sandbox.advance(Duration::from_millis(millis));
                    "ok".to_owned()
                }
                Err(_) => format!("error bad milliseconds {millis:?}"),
            },
            ["token-requests"] => sandbox.token_requests(Grant::ClientCredentials).to_string(),
            ["latency", millis] => match millis.parse() {
                Ok(millis) => {
                    sandbox.set_api_latency(Duration::from_millis(millis));
                    "ok".to_owned()
                }
                Err(_) => format!("error bad milliseconds {millis:?}"),
            },
            ["requests", prefix] => sandbox
                .requests()
                .iter()
                .filter(|request| request.path.starts_with(prefix))
                .count()
                .to_string(),
            ["arrivals", prefix] => {
                let mut times: Vec<_> = sandbox
                    .requests()
                    .iter()
                    .filter(|request| request.path.starts_with(prefix))
                    .map(|request| request.received)
                    .collect();
                times.sort_unstable();
                let first = times.first().copied();
                times
                    .iter()
                    .filter_map(|at| {
                        first.map(|first| at.duration_since(first).as_micros().to_string())
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            ["cpu"] => crate::stats::nanos(crate::stats::process_cpu()).to_string(),
            _ => format!("error unknown command {line:?}"),
        };
        say(&mut stdout, &answer)?;
    }
    drop(sandbox);
    drop(runtime);
    Ok(())
}

/// The transport of one of our clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Transport {
    Hyper,
    Reqwest,
}

impl Transport {
    pub(crate) fn build(self) -> Result<Arc<dyn HttpTransport>, String> {
        Ok(match self {
            Transport::Hyper => Arc::new(HyperTransport::new().map_err(|e| e.to_string())?),
            Transport::Reqwest => Arc::new(ReqwestTransport::new().map_err(|e| e.to_string())?),
        })
    }
}

/// Our Battle.net client in the credential workflow, on the sandbox.
pub(crate) fn ours(server: &Server, transport: Transport) -> Result<BattleNetClient, String> {
    BattleNetClient::builder(Region::Us, CLIENT_ID, CLIENT_SECRET)
        .oauth_base(server.oauth_url().clone())
        .api_base(server.api_url().clone())
        .transport(transport.build()?)
        .build()
        .map_err(|e| e.to_string())
}

/// An app token for the clients that are handed a static one.
pub(crate) async fn app_token(server: &Server) -> Result<Token, String> {
    ours(server, Transport::Reqwest)?
        .oauth()
        .client_credentials(&[])
        .await
        .map_err(|e| e.to_string())
}

/// The oauth2 crate's client for the sandbox, as its documentation builds
/// one, with the reqwest client its users pass to `request_async`.
pub(crate) fn oauth2_client(
    server: &Server,
) -> Result<(Oauth2Client, oauth2::reqwest::Client), String> {
    let client = oauth2::basic::BasicClient::new(oauth2::ClientId::new(CLIENT_ID.to_owned()))
        .set_client_secret(oauth2::ClientSecret::new(CLIENT_SECRET.to_owned()))
        .set_token_uri(oauth2::TokenUrl::new(server.token_url()).map_err(|e| e.to_string())?);
    // The oauth2 crate's documented setting: no redirects from the token
    // endpoint (SSRF).
    let http = oauth2::reqwest::ClientBuilder::new()
        .redirect(oauth2::reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    Ok((client, http))
}

/// The oauth2 crate's basic client with a secret and a token URL.
pub(crate) type Oauth2Client = oauth2::basic::BasicClient<
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;
