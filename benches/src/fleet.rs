//! Case 9: a fleet on Redis. Worker processes (this program, started with
//! `--fleet-worker`), each its own Battle.net client or oauth-core session
//! as a fleet's processes are, share one token, one rate budget and one
//! response cache through a `redis-server` the bench starts on a free
//! loopback port with a password. A worker reads its configuration (the
//! Redis URL and the client secret among it) as one JSON line on stdin,
//! says `ready`, waits for `go`, works, and answers one JSON line.

use std::collections::BTreeSet;
use std::fs::File;
use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::io::{BufRead as _, BufReader, Lines, StdinLock, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use battlenet::{BattleNetClient, Namespace, Region};
use oauth_core::cache::{RedisCache, ResponseCache};
use oauth_core::layer::Stack;
use oauth_core::{
    AccessToken, Client, GenericProvider, RateLimiter, RedisStore, Session, Token, TokenStore as _,
};
use oauth_sandbox::redis::RedisServer;
use oauth_sandbox::{ClientConfig, Fault, FaultRule, Grant, Profile, Sandbox, UserConfig};
use serde_json::{Value, json};
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

use crate::setup::{CLIENT_ID, CLIENT_SECRET, ENDPOINT, Server};

/// The flag that makes this program a fleet worker.
pub(crate) const WORKER_FLAG: &str = "--fleet-worker";

/// Processes in the stampede and the rate budget, as the targets
/// speak of them.
pub(crate) const PROCESSES: usize = 8;
/// Tasks per process in the stampede.
pub(crate) const STAMPEDE_TASKS: usize = 500;
/// The fleet's rate budget, per second, and how long it is hammered.
pub(crate) const BUDGET: u32 = 100;
pub(crate) const BUDGET_SECONDS: u64 = 20;
/// The renewal lease in the takeover.
pub(crate) const LEASE: Duration = Duration::from_secs(3);
/// The soak: workers, its length, and when Redis is stopped and for how
/// long.
pub(crate) const SOAK_WORKERS: usize = 4;
pub(crate) const SOAK_SECONDS: u64 = 16;
const OUTAGE_AT: Duration = Duration::from_secs(4);
const OUTAGE_FOR: Duration = Duration::from_secs(5);
/// The soak's app tokens live this long (and are renewed a second before
/// they end), so that one falls due while Redis is away.
const SOAK_TOKEN_LIFETIME: Duration = Duration::from_secs(6);

/// Eight processes × 500 tasks on one expired app token.
#[derive(Clone, Debug)]
pub(crate) struct Stampede {
    /// Token requests the sandbox received, fleet-wide.
    pub(crate) token_requests: usize,
    /// Distinct tokens the tasks were given, across processes.
    pub(crate) distinct_tokens: usize,
    /// From `go` until every process answered.
    pub(crate) millis: f64,
}

/// Eight processes hammering one client id with the fleet's budget.
#[derive(Clone, Debug)]
pub(crate) struct Budget {
    /// Requests the sandbox received in each second from the first.
    pub(crate) per_second: Vec<usize>,
    /// The most in any window of one second (sliding, from each arrival).
    pub(crate) most_in_a_window: usize,
    /// Requests received in the seconds counted over the budget of those
    /// seconds.
    pub(crate) used: f64,
    /// Calls that failed, fleet-wide.
    pub(crate) errors: u64,
}

/// A renewer killed while it holds the renewal lease.
#[derive(Clone, Debug)]
pub(crate) struct Takeover {
    /// From the dead renewer's token request (the lease taken just before)
    /// until another worker has the renewed token.
    pub(crate) after_lease_ms: f64,
    /// From the kill until then.
    pub(crate) after_kill_ms: f64,
    /// Refresh requests the server served.
    pub(crate) refreshes: usize,
    /// The refresh token kept on Redis is a new one, and the server takes it.
    pub(crate) refresh_token_kept: bool,
}

/// Workers calling through the fleet while Redis is stopped and restarted.
#[derive(Clone, Debug, Default)]
pub(crate) struct Soak {
    pub(crate) ok: u64,
    /// Calls that failed with `Error::Store` (Redis out of reach while a
    /// token fell due), the documented failure.
    pub(crate) store_errors: u64,
    /// Any other failure (none expected), and the first one's words.
    pub(crate) other_errors: u64,
    pub(crate) first_other: Option<String>,
    /// The longest any call took.
    pub(crate) longest_call_ms: f64,
    /// From the restart until the last failed call ended (0 when none
    /// failed after it).
    pub(crate) recovered_after_ms: f64,
    /// Successful calls in the last three seconds, fleet-wide.
    pub(crate) ok_at_the_end: u64,
    /// Whether a worker said it paces locally.
    pub(crate) said_so: bool,
    /// Secrets (the Redis password, the client secret, every access token
    /// the sandbox saw) found in the workers' logs and answers.
    pub(crate) leaks: usize,
    /// Log lines the workers wrote (every `tracing` event at DEBUG).
    pub(crate) log_lines: usize,
    /// Workers that panicked or did not exit cleanly.
    pub(crate) crashed: usize,
    /// Token requests the sandbox served during the soak.
    pub(crate) token_requests: usize,
}

/// One worker process, from the parent's side.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    log: PathBuf,
}

impl Worker {
    /// Starts a worker with `config`; its stderr goes to a file in `logs`.
    fn start(config: &Value, logs: &Path, name: &str) -> Result<Worker, String> {
        let program =
            std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
        let log = logs.join(format!("{name}.log"));
        let file =
            File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let mut child = Command::new(program)
            .arg(WORKER_FLAG)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(file))
            .spawn()
            .map_err(|e| format!("cannot start a fleet worker: {e}"))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err("a fleet worker has no pipes".to_owned());
        };
        let mut worker = Worker {
            child,
            stdin,
            stdout: BufReader::new(stdout),
            log,
        };
        worker.say(&config.to_string())?;
        Ok(worker)
    }

    fn say(&mut self, line: &str) -> Result<(), String> {
        writeln!(self.stdin, "{line}")
            .and_then(|()| self.stdin.flush())
            .map_err(|e| format!("a fleet worker is gone: {e}{}", self.log_tail()))
    }

    fn hear(&mut self) -> Result<String, String> {
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(0) => Err(format!("a fleet worker ended early{}", self.log_tail())),
            Ok(_) => Ok(line.trim_end().to_owned()),
            Err(e) => Err(format!("a fleet worker is gone: {e}")),
        }
    }

    fn ready(&mut self) -> Result<(), String> {
        match self.hear()?.as_str() {
            "ready" => Ok(()),
            other => Err(format!("a fleet worker said {other:?}")),
        }
    }

    fn answer(&mut self) -> Result<Value, String> {
        let line = self.hear()?;
        serde_json::from_str(&line).map_err(|e| format!("a fleet worker answered {line:?}: {e}"))
    }

    /// Waits for the worker to exit; its log, and whether it exited
    /// cleanly.
    fn finish(mut self) -> (String, bool) {
        drop(self.stdin);
        let clean = self.child.wait().is_ok_and(|status| status.success());
        (
            std::fs::read_to_string(&self.log).unwrap_or_default(),
            clean,
        )
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        if tail.is_empty() {
            String::new()
        } else {
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            format!("; its log ends: {}", tail.join(" | "))
        }
    }
}

/// A directory for the workers' logs, removed when dropped.
pub(crate) struct Logs(PathBuf);

impl Logs {
    pub(crate) fn new() -> Result<Logs, String> {
        let dir = std::env::temp_dir().join(format!("bench-fleet-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Logs(dir))
    }
}

impl Drop for Logs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What every Battle.net worker is told.
fn battlenet_config(mode: &str, redis: &RedisServer, oauth: &str, api: &str, ns: &str) -> Value {
    json!({
        "mode": mode,
        "redis": redis.url(),
        "oauth": oauth,
        "api": api,
        "namespace": ns,
        "client_id": CLIENT_ID,
        "secret": CLIENT_SECRET,
    })
}

/// Starts `count` workers with `config` and waits until each is ready.
fn start_all(
    config: &Value,
    logs: &Logs,
    prefix: &str,
    count: usize,
) -> Result<Vec<Worker>, String> {
    let mut workers = (0..count)
        .map(|n| Worker::start(config, &logs.0, &format!("{prefix}-{n}")))
        .collect::<Result<Vec<_>, _>>()?;
    for worker in &mut workers {
        worker.ready()?;
    }
    Ok(workers)
}

/// Eight processes × 500 tasks on one expired app token, on the bench's
/// sandbox process: the token requests it received.
pub(crate) fn stampede(
    runtime: &Runtime,
    server: &Server,
    redis: &RedisServer,
    logs: &Logs,
    round: usize,
) -> Result<Stampede, String> {
    let ns = format!("bench-stampede-{round}:{CLIENT_ID}");
    // The token the fleet had, expired.
    let expired = Token::bearer(AccessToken::new("expired-in-the-bench"))
        .with_expires_at(SystemTime::now() - Duration::from_secs(60));
    runtime.block_on(async {
        RedisStore::connect(&redis.url(), &ns)
            .map_err(|e| e.to_string())?
            .save("app", &expired)
            .await
            .map_err(|e| e.to_string())
    })?;
    let mut config = battlenet_config(
        "stampede",
        redis,
        server.oauth_url().as_str(),
        server.api_url().as_str(),
        &ns,
    );
    config["tasks"] = json!(STAMPEDE_TASKS);
    let mut workers = start_all(&config, logs, "stampede", PROCESSES)?;
    let before = server.client_credentials_requests()?;
    let started = Instant::now();
    for worker in &mut workers {
        worker.say("go")?;
    }
    let mut tokens = BTreeSet::new();
    for worker in &mut workers {
        let answer = worker.answer()?;
        for token in answer["tokens"].as_array().into_iter().flatten() {
            tokens.insert(token.as_u64().unwrap_or_default());
        }
    }
    let millis = started.elapsed().as_secs_f64() * 1_000.0;
    for worker in workers {
        if !worker.finish().1 {
            return Err("a stampede worker failed".to_owned());
        }
    }
    Ok(Stampede {
        token_requests: server.client_credentials_requests()? - before,
        distinct_tokens: tokens.len(),
        millis,
    })
}

/// Eight processes hammering one client id for 20 s at 100 a second for
/// the fleet; the sandbox process counts what it received, by arrival.
pub(crate) fn budget(server: &Server, redis: &RedisServer, logs: &Logs) -> Result<Budget, String> {
    let ns = format!("bench-budget:{CLIENT_ID}");
    let mut config = battlenet_config(
        "budget",
        redis,
        server.oauth_url().as_str(),
        server.api_url().as_str(),
        &ns,
    );
    config["tasks"] = json!(4);
    config["seconds"] = json!(BUDGET_SECONDS);
    config["limit"] = json!(BUDGET);
    config["share"] = json!(PROCESSES);
    let mut workers = start_all(&config, logs, "budget", PROCESSES)?;
    server.forget_requests()?;
    for worker in &mut workers {
        worker.say("go")?;
    }
    let mut errors = 0;
    for worker in &mut workers {
        errors += worker.answer()?["errors"].as_u64().unwrap_or(u64::MAX);
    }
    for worker in workers {
        if !worker.finish().1 {
            return Err("a budget worker failed".to_owned());
        }
    }
    let arrivals = server.arrivals(ENDPOINT)?;
    server.forget_requests()?;
    Ok(count_windows(&arrivals, BUDGET, BUDGET_SECONDS, errors))
}

/// Per-second counts, the fullest sliding second and the share of the
/// budget used, from arrival times in microseconds (sorted).
fn count_windows(arrivals: &[u64], limit: u32, seconds: u64, errors: u64) -> Budget {
    const SECOND: u64 = 1_000_000;
    let first = arrivals.first().copied().unwrap_or(0);
    let mut per_second = vec![0; usize::try_from(seconds).unwrap_or(0)];
    for at in arrivals {
        if let Ok(index) = usize::try_from((at - first) / SECOND)
            && let Some(count) = per_second.get_mut(index)
        {
            *count += 1;
        }
    }
    let mut most = 0;
    let mut end = 0;
    for (start, at) in arrivals.iter().enumerate() {
        while end < arrivals.len() && arrivals[end] < at + SECOND {
            end += 1;
        }
        most = most.max(end - start);
    }
    let counted: usize = per_second.iter().sum();
    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    let used = counted as f64 / (f64::from(limit) * seconds as f64);
    Budget {
        per_second,
        most_in_a_window: most,
        used,
        errors,
    }
}

/// A generic sandbox (refresh tokens rotated) in this process for the
/// takeover: the clients under test are the worker processes.
async fn refreshing_sandbox() -> Result<Sandbox, String> {
    Sandbox::builder()
        .profile(Profile::Generic)
        .client(
            ClientConfig::confidential(CLIENT_ID, CLIENT_SECRET)
                .grants([Grant::Password, Grant::RefreshToken]),
        )
        .user(UserConfig::new("alice", "wonderland"))
        .start()
        .await
        .map_err(|e| format!("cannot start the sandbox: {e}"))
}

fn generic_client(oauth: &str) -> Result<Client, String> {
    let base = oauth_core::url::Url::parse(oauth).map_err(|e| e.to_string())?;
    let join = |path: &str| base.join(path).map(String::from).map_err(|e| e.to_string());
    let provider =
        GenericProvider::new(&join("authorize")?, &join("token")?).map_err(|e| e.to_string())?;
    Client::builder(provider, CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .build()
        .map_err(|e| e.to_string())
}

/// A user's token on Redis, expired; a renewer takes the lease, sends its
/// refresh request (which the sandbox holds) and is killed; another worker,
/// already waiting, renews once the lease runs out.
pub(crate) fn takeover(
    runtime: &Runtime,
    redis: &RedisServer,
    logs: &Logs,
    round: usize,
) -> Result<Takeover, String> {
    let ns = format!("bench-takeover-{round}:{CLIENT_ID}");
    let sandbox = runtime.block_on(refreshing_sandbox())?;
    let oauth = sandbox.oauth_url().to_string();
    let client = generic_client(&oauth)?;
    let first = runtime.block_on(async {
        let token = client
            .request_token(&[
                ("grant_type", "password"),
                ("username", "alice"),
                ("password", "wonderland"),
            ])
            .await
            .map_err(|e| e.to_string())?;
        let expired = token.with_expires_at(SystemTime::now() - Duration::from_secs(60));
        RedisStore::connect(&redis.url(), &ns)
            .map_err(|e| e.to_string())?
            .save("user", &expired)
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(expired)
    })?;
    let first_refresh = fingerprint(
        first
            .refresh_token()
            .ok_or("the sandbox issued no refresh token")?
            .secret(),
    );
    let token_path = sandbox.token_endpoint().path().to_owned();
    sandbox.clear_requests();
    sandbox.inject(FaultRule::on(
        token_path.clone(),
        Fault::Delay(Duration::from_secs(60)),
    ));
    let config = json!({
        "mode": "takeover",
        "redis": redis.url(),
        "oauth": oauth,
        "namespace": ns,
        "client_id": CLIENT_ID,
        "secret": CLIENT_SECRET,
        "lease_ms": u64::try_from(LEASE.as_millis()).unwrap_or(u64::MAX),
    });
    let mut renewer = Worker::start(&config, &logs.0, "renewer")?;
    renewer.ready()?;
    renewer.say("go")?;
    // Its refresh request arrives: it holds the lease.
    let deadline = Instant::now() + Duration::from_secs(10);
    let leased_at = loop {
        if let Some(request) = sandbox.requests().iter().find(|r| r.path == token_path) {
            break request.received;
        }
        if Instant::now() > deadline {
            renewer.kill();
            return Err("the renewer sent no refresh request".to_owned());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut other = Worker::start(&config, &logs.0, "taker")?;
    other.ready()?;
    other.say("go")?;
    // The other waits on the lease a while, then the renewer dies.
    std::thread::sleep(Duration::from_millis(300));
    renewer.kill();
    let killed_at = Instant::now();
    let answer = other.answer()?;
    let done = Instant::now();
    if !other.finish().1 {
        return Err("the worker that took over failed".to_owned());
    }
    let refreshes = sandbox.token_requests(Grant::RefreshToken);
    // The refresh token kept is a new one, and the server takes it.
    let kept = runtime.block_on(async {
        let stored = RedisStore::connect(&redis.url(), &ns)
            .map_err(|e| e.to_string())?
            .load("user")
            .await
            .map_err(|e| e.to_string())?
            .ok_or("no token on Redis")?;
        let refresh = stored
            .refresh_token()
            .ok_or("the stored token has no refresh token")?;
        let new = fingerprint(refresh.secret()) != first_refresh
            && answer["refresh"].as_u64() == Some(fingerprint(refresh.secret()));
        Ok::<_, String>(new && client.refresh(refresh).await.is_ok())
    })?;
    sandbox.clear_faults();
    Ok(Takeover {
        after_lease_ms: done.duration_since(leased_at).as_secs_f64() * 1_000.0,
        after_kill_ms: done.duration_since(killed_at).as_secs_f64() * 1_000.0,
        refreshes,
        refresh_token_kept: kept,
    })
}

/// Four workers call through the fleet (token, budget and cache on Redis)
/// for 16 s; Redis is stopped 4 s in and restarted 5 s later.
pub(crate) fn soak(runtime: &Runtime, logs: &Logs) -> Result<Soak, String> {
    let Some(mut redis) = RedisServer::start("the fleet benchmark's soak") else {
        return Err("redis-server is not installed".to_owned());
    };
    let sandbox = runtime.block_on(async {
        Sandbox::builder()
            .profile(Profile::BattleNet)
            .rate_limit(None)
            .access_token_lifetime(SOAK_TOKEN_LIFETIME)
            .client(ClientConfig::confidential(CLIENT_ID, CLIENT_SECRET))
            .start()
            .await
            .map_err(|e| format!("cannot start the sandbox: {e}"))
    })?;
    let mut config = battlenet_config(
        "soak",
        &redis,
        sandbox.oauth_url().as_str(),
        sandbox.api_url().as_str(),
        &format!("bench-soak:{CLIENT_ID}"),
    );
    config["tasks"] = json!(4);
    config["seconds"] = json!(SOAK_SECONDS);
    config["limit"] = json!(BUDGET);
    config["share"] = json!(SOAK_WORKERS);
    let mut workers = start_all(&config, logs, "soak", SOAK_WORKERS)?;
    for worker in &mut workers {
        worker.say("go")?;
    }
    std::thread::sleep(OUTAGE_AT);
    redis.stop();
    std::thread::sleep(OUTAGE_FOR);
    redis.restart()?;
    let restarted = epoch_ms(SystemTime::now());

    let mut soak = Soak::default();
    let mut texts = Vec::new();
    let mut last_error = 0;
    for worker in &mut workers {
        let answer = worker.answer()?;
        texts.push(answer.to_string());
        let count = |name: &str| answer[name].as_u64().unwrap_or(0);
        soak.ok += count("ok");
        soak.store_errors += count("store");
        soak.other_errors += count("other");
        if soak.first_other.is_none() {
            soak.first_other = answer["first_other"].as_str().map(str::to_owned);
        }
        soak.longest_call_ms = soak
            .longest_call_ms
            .max(answer["longest_ms"].as_f64().unwrap_or(f64::INFINITY));
        last_error = last_error.max(count("last_error_at"));
        // The calls that ended in its last three seconds.
        let last_seconds = count("ended_at").saturating_sub(3_000) / 1_000;
        for bucket in answer["ok_by_second"].as_array().into_iter().flatten() {
            if bucket[0]
                .as_u64()
                .is_some_and(|second| second >= last_seconds)
            {
                soak.ok_at_the_end += bucket[1].as_u64().unwrap_or(0);
            }
        }
    }
    for worker in workers {
        let (log, clean) = worker.finish();
        soak.crashed += usize::from(!clean || log.contains("panicked"));
        soak.said_so |= log.contains("pacing locally");
        soak.log_lines += log.lines().count();
        texts.push(log);
    }
    #[expect(clippy::cast_precision_loss, reason = "milliseconds far below 2^52")]
    let recovered = last_error.saturating_sub(restarted) as f64;
    soak.recovered_after_ms = recovered;
    soak.token_requests = sandbox.token_requests(Grant::ClientCredentials);

    // Every secret the workers held: none may be in what they wrote.
    let mut secrets = vec![redis.password().to_owned(), CLIENT_SECRET.to_owned()];
    for request in sandbox.requests() {
        if let Some(token) = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        {
            secrets.push(token.to_owned());
        }
    }
    secrets.sort();
    secrets.dedup();
    soak.leaks = secrets
        .iter()
        .map(|secret| texts.iter().filter(|text| text.contains(secret)).count())
        .sum();
    Ok(soak)
}

fn epoch_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A token's fingerprint, to compare tokens across processes without
/// printing them.
fn fingerprint(secret: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    secret.hash(&mut hasher);
    hasher.finish()
}

// The worker's side.

/// A fleet worker: reads its configuration, builds its client, says
/// `ready`, waits for `go`, works and answers.
pub(crate) fn worker() -> Result<(), String> {
    let mut lines = std::io::stdin().lines();
    let config: Value = serde_json::from_str(&next_line(&mut lines)?)
        .map_err(|e| format!("a bad configuration: {e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the worker's runtime: {e}"))?;
    let text = |name: &str| {
        config[name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("no {name} in the configuration"))
    };
    let number = |name: &str| {
        config[name]
            .as_u64()
            .ok_or_else(|| format!("no {name} in the configuration"))
    };
    let redis = text("redis")?;
    let ns = text("namespace")?;
    let answer = match text("mode")?.as_str() {
        "stampede" => {
            let client = battlenet_client(&config, RedisStore::connect(&redis, &ns), None, None)?;
            ready(&mut lines)?;
            runtime.block_on(stampede_work(&client, number("tasks")?))?
        }
        "budget" => {
            let limiter = fleet_limiter(&redis, &ns, &config)?;
            let client = battlenet_client(
                &config,
                RedisStore::connect(&redis, &ns),
                Some(limiter),
                None,
            )?;
            runtime
                .block_on(client.access_token())
                .map_err(|e| e.to_string())?;
            ready(&mut lines)?;
            runtime.block_on(hammer(&client, &config, false))?
        }
        "soak" => {
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::DEBUG)
                .with_writer(std::io::stderr)
                .with_ansi(false)
                .init();
            let limiter = fleet_limiter(&redis, &ns, &config)?;
            let cache = RedisCache::connect(&redis, &ns).map_err(|e| e.to_string())?;
            let client = battlenet_client(
                &config,
                RedisStore::connect(&redis, &ns),
                Some(limiter),
                Some(ResponseCache::new(cache)),
            )?;
            runtime
                .block_on(client.access_token())
                .map_err(|e| e.to_string())?;
            ready(&mut lines)?;
            runtime.block_on(hammer(&client, &config, true))?
        }
        "takeover" => {
            let client = generic_client(&text("oauth")?)?;
            let store = RedisStore::connect(&redis, &ns)
                .map_err(|e| e.to_string())?
                .lease_time(Duration::from_millis(number("lease_ms")?));
            let session = Session::refreshing(&client)
                .fleet(store)
                .key("user")
                .build()
                .map_err(|e| e.to_string())?;
            ready(&mut lines)?;
            runtime.block_on(async {
                let token = session.access_token().await.map_err(|e| e.to_string())?;
                let refresh = token
                    .token()
                    .refresh_token()
                    .map(|r| fingerprint(r.secret()));
                Ok::<_, String>(json!({ "refresh": refresh }))
            })?
        }
        other => return Err(format!("no mode {other:?}")),
    };
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{answer}")
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("cannot answer: {e}"))?;
    // Wait for the parent to close stdin, so it reads the answer first.
    for _ in lines {}
    Ok(())
}

fn next_line(lines: &mut Lines<StdinLock<'static>>) -> Result<String, String> {
    lines
        .next()
        .ok_or("stdin closed")?
        .map_err(|e| format!("cannot read stdin: {e}"))
}

/// Says `ready` and waits for `go`.
fn ready(lines: &mut Lines<StdinLock<'static>>) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "ready")
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("cannot say ready: {e}"))?;
    match next_line(lines)?.as_str() {
        "go" => Ok(()),
        other => Err(format!("told {other:?} instead of go")),
    }
}

fn fleet_limiter(redis: &str, ns: &str, config: &Value) -> Result<RateLimiter, String> {
    let limit = config["limit"].as_u64().ok_or("no limit")?;
    let share = config["share"].as_u64().ok_or("no share")?;
    RateLimiter::fleet(
        redis,
        ns,
        &[(
            u32::try_from(limit).map_err(|e| e.to_string())?,
            Duration::from_secs(1),
        )],
        u32::try_from(share).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())
}

/// A worker's Battle.net client, as a fleet's user builds it.
fn battlenet_client(
    config: &Value,
    store: Result<RedisStore, oauth_core::Error>,
    limiter: Option<RateLimiter>,
    cache: Option<ResponseCache>,
) -> Result<BattleNetClient, String> {
    let text = |name: &str| config[name].as_str().ok_or_else(|| format!("no {name}"));
    let url = |name: &str| {
        text(name).and_then(|u| oauth_core::url::Url::parse(u).map_err(|e| e.to_string()))
    };
    let mut stack = Stack::new();
    if let Some(cache) = cache {
        stack = stack.cache(cache);
    }
    if let Some(limiter) = limiter {
        stack = stack.rate_limiter(limiter);
    }
    BattleNetClient::builder(Region::Us, text("client_id")?, text("secret")?)
        .oauth_base(url("oauth")?)
        .api_base(url("api")?)
        .refresh_skew(Duration::from_secs(1))
        .fleet(store.map_err(|e| e.to_string())?)
        .stack(stack)
        .build()
        .map_err(|e| e.to_string())
}

/// Many tasks of one process ask for the app token at once.
async fn stampede_work(client: &BattleNetClient, tasks: u64) -> Result<Value, String> {
    let mut set = JoinSet::new();
    for _ in 0..tasks {
        let client = client.clone();
        set.spawn(async move { client.access_token().await.map(|t| fingerprint(t.secret())) });
    }
    let mut tokens = BTreeSet::new();
    while let Some(joined) = set.join_next().await {
        tokens.insert(
            joined
                .map_err(|e| format!("a task failed: {e}"))?
                .map_err(|e| e.to_string())?,
        );
    }
    Ok(json!({ "tokens": tokens }))
}

/// What a hammering worker saw.
#[derive(Default)]
struct Tally {
    ok: u64,
    store: u64,
    other: u64,
    first_other: Option<String>,
    longest: Duration,
    last_error_at: u64,
    ok_by_second: std::collections::BTreeMap<u64, u64>,
}

/// Tasks calling the API through the client until the time is up. In the
/// soak, items go round 50 documents (through the shared cache); else the
/// one document of the GET case.
async fn hammer(client: &BattleNetClient, config: &Value, items: bool) -> Result<Value, String> {
    let tasks = config["tasks"].as_u64().ok_or("no tasks")?;
    let seconds = config["seconds"].as_u64().ok_or("no seconds")?;
    let until = Instant::now() + Duration::from_secs(seconds);
    let tally = Arc::new(Mutex::new(Tally::default()));
    let mut set = JoinSet::new();
    for task in 0..tasks {
        let client = client.clone();
        let tally = Arc::clone(&tally);
        set.spawn(async move {
            let mut n = task;
            while Instant::now() < until {
                n += tasks;
                let started = Instant::now();
                let result = if items {
                    let path = format!("/data/wow/item/{}", n % 50 + 1);
                    client
                        .get(&path, None, Namespace::static_data(Region::Us))
                        .await
                } else {
                    client
                        .get(ENDPOINT, None, Namespace::dynamic(Region::Us))
                        .await
                };
                let took = started.elapsed();
                let now = epoch_ms(SystemTime::now());
                let mut tally = tally.lock().unwrap_or_else(PoisonError::into_inner);
                tally.longest = tally.longest.max(took);
                match result {
                    Ok(_) => {
                        tally.ok += 1;
                        *tally.ok_by_second.entry(now / 1_000).or_default() += 1;
                    }
                    Err(error) => {
                        tally.last_error_at = now;
                        if is_store(&error) {
                            tally.store += 1;
                        } else {
                            tally.other += 1;
                            if tally.first_other.is_none() {
                                tally.first_other = Some(error.to_string());
                            }
                        }
                    }
                }
            }
        });
    }
    while let Some(joined) = set.join_next().await {
        joined.map_err(|e| format!("a task failed: {e}"))?;
    }
    let tally = tally.lock().unwrap_or_else(PoisonError::into_inner);
    Ok(json!({
        "ok": tally.ok,
        "store": tally.store,
        "other": tally.other,
        "errors": tally.store + tally.other,
        "first_other": tally.first_other,
        "longest_ms": tally.longest.as_secs_f64() * 1_000.0,
        "last_error_at": tally.last_error_at,
        "ended_at": epoch_ms(SystemTime::now()),
        "ok_by_second": tally.ok_by_second.iter().map(|(s, n)| [*s, *n]).collect::<Vec<_>>(),
    }))
}

/// Whether a call failed for the token store (Redis out of reach).
fn is_store(error: &battlenet::Error) -> bool {
    matches!(error, battlenet::Error::OAuth(inner) if matches!(**inner, oauth_core::Error::Store(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_counted_by_arrival() {
        // 100 a second spaced evenly for 3 s, then one more a hair early.
        let mut arrivals: Vec<u64> = (0..300).map(|i| i * 10_000).collect();
        arrivals.push(2_999_999);
        arrivals.sort_unstable();
        let budget = count_windows(&arrivals, 100, 3, 0);
        assert_eq!(budget.per_second, [100, 100, 101]);
        assert_eq!(budget.most_in_a_window, 101);
        assert!((budget.used - 301.0 / 300.0).abs() < 1e-9);
    }
}
