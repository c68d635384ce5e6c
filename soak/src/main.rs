//! The soak run behind `cargo xtask soak`: many tasks call an API through
//! one `Session` (a user token with rotating refresh tokens) while the
//! sandbox injects faults at a steady share of requests and expires the
//! tokens again and again. It prints what happened and fails when a
//! secret leaked, a refresh token was lost, or a call hung.
//!
//! `cargo run --release -p soak -- [--seconds N] [--tasks N]`
#![forbid(unsafe_code)]
// A report program: what it prints is its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use oauth_core::transport::{ReqwestTransport, TransportConfig};
use oauth_core::{
    Client, Error, GenericProvider, MemoryStore, RetryPolicy, Session, Token, TokenStore,
    TransportErrorKind,
};
use oauth_sandbox::browser::{self, Decision};
use oauth_sandbox::{ClientConfig, Fault, FaultRule, Grant, Sandbox, UserConfig};

/// Every secret here is 43 characters of base64url, like the sandbox's
/// tokens, so one scan finds them all.
const SECRET_LEN: usize = 43;
const ID: &str = "soak-client";
const SECRET: &str = "soak-client-secret-0123456789abcdefghijklmn";
const LOGIN: &str = "soak-user";
const PASSWORD: &str = "soak-user-password-0123456789abcdefghijklmn";
const REDIRECT: &str = "http://127.0.0.1:9/callback";
/// Access tokens live this long (sandbox time), so the session also renews
/// ahead of expiry (60 s skew) every half minute of real time.
const LIFETIME: Duration = Duration::from_secs(90);
/// No call may take longer than this, retries included.
const HANG: Duration = Duration::from_secs(30);

struct Options {
    seconds: u64,
    tasks: usize,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        seconds: 180,
        tasks: 16,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<u64, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .ok_or(format!("{name} takes a whole number"))
        };
        match arg.as_str() {
            "--seconds" => options.seconds = number("--seconds")?,
            "--tasks" => {
                options.tasks = usize::try_from(number("--tasks")?.max(1)).unwrap_or(1);
            }
            "--help" | "-h" => {
                return Err(
                    "usage: soak [--seconds N (default 180)] [--tasks N (default 16)]".into(),
                );
            }
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok(options)
}

/// What the captured log held: its size, the events counted, and every
/// 43-character run of token characters, to look secrets up in.
#[derive(Default)]
struct LogScan {
    lines: u64,
    api_sends: u64,
    unauthorized: u64,
    retries: u64,
    token_sends: u64,
    windows: HashSet<String>,
}

impl LogScan {
    fn add(&mut self, text: &str) {
        for line in text.lines() {
            self.lines += 1;
            if line.contains("api request will be retried") {
                self.retries += 1;
            } else if line.contains("oauth_core::session: api request") {
                self.api_sends += 1;
                if line.contains("status=401") {
                    self.unauthorized += 1;
                }
            }
            if line.contains("oauth request") && line.contains("oauth_core::client") {
                self.token_sends += 1;
            }
        }
        add_windows(&mut self.windows, text);
    }
}

/// Every `SECRET_LEN`-long window of every run of base64url characters.
fn add_windows(windows: &mut HashSet<String>, text: &str) {
    let is_token_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    for run in text.split(|c: char| !is_token_char(c)) {
        if run.len() >= SECRET_LEN {
            for start in 0..=run.len() - SECRET_LEN {
                windows.insert(run[start..start + SECRET_LEN].to_owned());
            }
        }
    }
}

#[derive(Clone)]
struct ScanWriter(Arc<Mutex<LogScan>>);

impl Write for ScanWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(bytes);
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .add(&text);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A memory store that remembers every token it was given: the secrets to
/// look for, and a check that no save drops the refresh token.
#[derive(Debug, Default)]
struct WatchingStore {
    inner: MemoryStore,
    secrets: Mutex<HashSet<String>>,
    saves: AtomicU64,
    saves_without_refresh: AtomicU64,
}

#[oauth_core::async_trait]
impl TokenStore for WatchingStore {
    async fn load(&self, key: &str) -> Result<Option<Token>, Error> {
        self.inner.load(key).await
    }

    async fn save(&self, key: &str, token: &Token) -> Result<(), Error> {
        self.saves.fetch_add(1, Ordering::Relaxed);
        {
            let mut secrets = self.secrets.lock().unwrap_or_else(PoisonError::into_inner);
            secrets.insert(token.access_token().secret().to_owned());
            match token.refresh_token() {
                Some(refresh) => {
                    secrets.insert(refresh.secret().to_owned());
                }
                None => {
                    self.saves_without_refresh.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        self.inner.save(key, token).await
    }

    async fn remove(&self, key: &str) -> Result<(), Error> {
        self.inner.remove(key).await
    }
}

/// The outcomes of API calls, by kind.
#[derive(Default)]
struct Tally {
    calls: u64,
    successes: u64,
    hung: u64,
    refresh_rejected: u64,
    errors: BTreeMap<String, u64>,
    /// Every error's text, scanned for secrets at the end.
    error_windows: HashSet<String>,
}

fn kind(error: &Error) -> String {
    match error {
        Error::Transport { source, .. } => match source.kind() {
            TransportErrorKind::Timeout => "transport: timeout".into(),
            TransportErrorKind::Io => "transport: connection failed mid-exchange".into(),
            TransportErrorKind::Connect => "transport: connect".into(),
            other => format!("transport: {other}"),
        },
        Error::Http {
            endpoint, status, ..
        } => {
            format!(
                "http {} from the {} endpoint",
                status.as_u16(),
                endpoint.name
            )
        }
        Error::Server {
            endpoint, error, ..
        } => format!(
            "server error {} from the {} endpoint",
            error.error, endpoint.name
        ),
        Error::Parse(parse) => format!("parse error from the {} endpoint", parse.endpoint.name),
        Error::RefreshTokenRejected(_) => "refresh token rejected".into(),
        other => format!("other: {other}"),
    }
}

fn inject_faults(sandbox: &Sandbox) {
    let status = |status: u16, retry_after: Option<&str>| Fault::Status {
        status,
        headers: retry_after
            .map(|v| vec![("retry-after".to_owned(), v.to_owned())])
            .unwrap_or_default(),
        body: format!("{{\"error\":\"injected {status}\"}}"),
    };
    for path in ["/api/me", "/api/echo"] {
        for (fault, share) in [
            (status(503, Some("0")), 0.04),
            (status(502, None), 0.03),
            (status(429, Some("0")), 0.02),
            (status(500, None), 0.005),
            (Fault::CloseConnection, 0.005),
            (Fault::TruncatedBody, 0.005),
            (Fault::InvalidJson, 0.005),
            (Fault::Delay(Duration::from_millis(300)), 0.01),
        ] {
            sandbox.inject(FaultRule::on(path, fault).fraction(share));
        }
    }
    // At the token endpoint only faults that stop a request before the
    // server acts: a refresh the server performs but whose answer is lost
    // would burn a rotated refresh token whatever the client does.
    for (fault, share) in [
        (status(503, Some("1")), 0.05),
        (Fault::CloseConnection, 0.02),
        (Fault::Delay(Duration::from_millis(200)), 0.05),
    ] {
        sandbox.inject(FaultRule::on("/token", fault).fraction(share));
    }
}

async fn worker(
    session: Session,
    api: oauth_core::url::Url,
    stop: Arc<AtomicBool>,
    tally: Arc<Mutex<Tally>>,
    n: u64,
) {
    let me = api.join("api/me").expect("url");
    let echo = api.join("api/echo").expect("url");
    let mut i = 0_u64;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let call = async {
            let result: Result<(), Outcome> = if (i + n).is_multiple_of(4) {
                let answer = session
                    .post(echo.as_str())
                    .retry_safe()
                    .json_body(&serde_json::json!({"task": n, "call": i}))
                    .send()
                    .await
                    .map_err(Outcome::Error)?;
                if answer.status().is_success() {
                    Ok(())
                } else {
                    Err(Outcome::Answer(format!(
                        "answer {} from the api endpoint",
                        answer.status().as_u16()
                    )))
                }
            } else {
                session
                    .get(me.as_str())
                    .json::<serde_json::Value>()
                    .await
                    .map(drop)
                    .map_err(Outcome::Error)
            };
            result
        };
        let outcome = tokio::time::timeout(HANG, call).await;
        let mut tally = tally.lock().unwrap_or_else(PoisonError::into_inner);
        tally.calls += 1;
        match outcome {
            Ok(Ok(())) => tally.successes += 1,
            Ok(Err(Outcome::Answer(answer))) => *tally.errors.entry(answer).or_default() += 1,
            Ok(Err(Outcome::Error(error))) => {
                if matches!(error, Error::RefreshTokenRejected(_)) {
                    tally.refresh_rejected += 1;
                }
                *tally.errors.entry(kind(&error)).or_default() += 1;
                let text = format!("{error} {error:?}");
                add_windows(&mut tally.error_windows, &text);
            }
            Err(_) => tally.hung += 1,
        }
    }
}

/// A call's failure: a typed error, or an answer that was not a success.
enum Outcome {
    Error(Error),
    Answer(String),
}

impl From<Error> for Outcome {
    fn from(error: Error) -> Self {
        Outcome::Error(error)
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("soak: {message}");
            return ExitCode::FAILURE;
        }
    };
    match run(&options).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("soak: {message}");
            ExitCode::FAILURE
        }
    }
}

#[allow(clippy::too_many_lines)] // One report, read top to bottom.
async fn run(options: &Options) -> Result<bool, String> {
    let scan = Arc::new(Mutex::new(LogScan::default()));
    let writer = ScanWriter(Arc::clone(&scan));
    tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .without_time()
        .with_writer(move || writer.clone())
        .try_init()
        .map_err(|e| format!("cannot capture the logs: {e}"))?;

    let sandbox = Sandbox::builder()
        .client(
            ClientConfig::confidential(ID, SECRET)
                .redirect_uri(REDIRECT)
                .rotate_refresh_tokens(true),
        )
        .user(UserConfig::new(LOGIN, PASSWORD))
        .access_token_lifetime(LIFETIME)
        .start()
        .await
        .map_err(|e| format!("cannot start the sandbox: {e}"))?;
    let transport = ReqwestTransport::with_config(
        &TransportConfig::default()
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(2)),
    )
    .map_err(|e| e.to_string())?;
    let provider = GenericProvider::new(
        sandbox.oauth_url().join("authorize").expect("url").as_str(),
        sandbox.oauth_url().join("token").expect("url").as_str(),
    )
    .map_err(|e| e.to_string())?;
    let client = Client::builder(provider, ID)
        .client_secret(SECRET)
        .redirect_uri(REDIRECT)
        .transport(transport)
        .build()
        .map_err(|e| e.to_string())?;

    // A user signs in once; the session lives on its refresh tokens.
    let (url, pending) = client
        .authorization_url()
        .build()
        .map_err(|e| e.to_string())?;
    let callback = browser::sign_in(&url, LOGIN, PASSWORD, Decision::Approve)
        .await
        .map_err(|e| e.to_string())?;
    let token = client
        .exchange_callback(pending, callback.as_str())
        .await
        .map_err(|e| e.to_string())?;
    let store = Arc::new(WatchingStore::default());
    let session = Session::refreshing(&client)
        .shared_store(Arc::clone(&store) as Arc<dyn TokenStore>)
        .retry(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(20))
                .max_elapsed(Duration::from_secs(5)),
        )
        .build()
        .map_err(|e| e.to_string())?;
    session.set_token(token).await.map_err(|e| e.to_string())?;
    inject_faults(&sandbox);

    println!(
        "soak: {} s, {} tasks on one session; faults on a share of API and token requests; tokens expired every 0.5 s",
        options.seconds, options.tasks
    );
    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let workers: Vec<_> = (0..options.tasks)
        .zip(0_u64..)
        .map(|(_, n)| {
            tokio::spawn(worker(
                session.clone(),
                sandbox.api_url().clone(),
                Arc::clone(&stop),
                Arc::clone(&tally),
                n,
            ))
        })
        .collect();
    // Expire every token the server issued, again and again.
    let deadline = started + Duration::from_secs(options.seconds);
    let mut expiries = 0_u64;
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500).min(deadline - Instant::now())).await;
        sandbox.advance(LIFETIME + Duration::from_secs(1));
        expiries += 1;
    }
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.map_err(|e| format!("a task panicked: {e}"))?;
    }
    let elapsed = started.elapsed();

    // The refresh token the store ends with must still be good.
    sandbox.clear_faults();
    let final_refresh = session.refresh().await;
    let mut lost = store.saves_without_refresh.load(Ordering::Relaxed);
    let tally = tally.lock().unwrap_or_else(PoisonError::into_inner);
    lost += tally.refresh_rejected;
    if let Err(error) = &final_refresh {
        eprintln!("soak: the stored refresh token no longer works: {error}");
        lost += 1;
    }

    let scan = scan.lock().unwrap_or_else(PoisonError::into_inner);
    let mut secrets = store
        .secrets
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    secrets.insert(SECRET.to_owned());
    secrets.insert(PASSWORD.to_owned());
    let leaked_in_logs = secrets.iter().filter(|s| scan.windows.contains(*s)).count();
    let leaked_in_errors = secrets
        .iter()
        .filter(|s| tally.error_windows.contains(*s))
        .count();
    let leaked = leaked_in_logs + leaked_in_errors;

    let failures: u64 = tally.errors.values().sum();
    let line = |label: &str, value: String| println!("{:<50} {value}", format!("{label}:"));
    line("duration", format!("{elapsed:.0?}"));
    #[allow(clippy::cast_precision_loss)] // A rate for people to read.
    let rate = tally.calls as f64 / elapsed.as_secs_f64();
    line("API calls", format!("{} ({rate:.0}/s)", tally.calls));
    line("  successes", tally.successes.to_string());
    line("  typed errors", failures.to_string());
    for (kind, count) in &tally.errors {
        line(&format!("    {kind}"), count.to_string());
    }
    line("  hung", format!("{} (limit {HANG:?})", tally.hung));
    line("API requests sent", scan.api_sends.to_string());
    line("  retries", scan.retries.to_string());
    line("  401s renewed and resent", scan.unauthorized.to_string());
    line(
        "token requests sent",
        format!(
            "{} (refresh grants served: {}, forced expiries: {expiries})",
            scan.token_sends,
            sandbox.token_requests(Grant::RefreshToken)
        ),
    );
    line(
        "tokens saved",
        store.saves.load(Ordering::Relaxed).to_string(),
    );
    line(
        "log lines scanned",
        format!("{} (secrets tracked: {})", scan.lines, secrets.len()),
    );
    line("secrets leaked", leaked.to_string());
    line("refresh tokens lost", lost.to_string());
    let ok = leaked == 0 && lost == 0 && tally.hung == 0 && tally.successes > 0;
    println!("soak: {}", if ok { "ok" } else { "FAILED" });
    Ok(ok)
}
