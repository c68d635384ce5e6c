//! Case 1: an authenticated GET of `/data/wow/token/index`, through each
//! implementation, at a given concurrency.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use battlenet::{BattleNetClient, Namespace, Region};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::header::AUTHORIZATION;
use hyper::{Request, Uri};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use oauth_core::http::HeaderValue;
use oauth2::TokenResponse;
use oauth2::basic::BasicTokenResponse;
use serde_json::Value;
use tokio::task::JoinSet;

use crate::setup::{self, ENDPOINT, Server, Transport};
use crate::stats::{CpuClock, nanos, percentile_us};

/// The runtime the clients run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// As `#[tokio::main]` builds it: a worker thread per core. The
    /// figures that count.
    MultiThread,
    /// One thread: a diagnostic, since few users run a client this way.
    CurrentThread,
}

impl Flavor {
    pub(crate) const ALL: [Flavor; 2] = [Flavor::MultiThread, Flavor::CurrentThread];
}

/// The implementations of the GET.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Impl {
    OursHyper,
    OursReqwest,
    RawHyper,
    RawReqwest,
    Oauth2Reqwest,
    /// oauth-core's transports alone with a static header: which layer
    /// costs what (run only when named in `--get-impls`).
    TransportHyper,
    TransportReqwest,
    /// oauth-core's `Session` alone on hyper: the session's layers without
    /// the provider's request building (run only when named).
    SessionHyper,
}

impl Impl {
    /// In the order they run: each of ours next to the raw client of its
    /// transport.
    pub(crate) const ALL: [Impl; 5] = [
        Impl::OursHyper,
        Impl::RawHyper,
        Impl::OursReqwest,
        Impl::RawReqwest,
        Impl::Oauth2Reqwest,
    ];

    /// Every implementation, the diagnostic ones included.
    pub(crate) const EVERY: [Impl; 8] = [
        Impl::OursHyper,
        Impl::RawHyper,
        Impl::OursReqwest,
        Impl::RawReqwest,
        Impl::Oauth2Reqwest,
        Impl::TransportHyper,
        Impl::TransportReqwest,
        Impl::SessionHyper,
    ];

    pub(crate) fn arg(self) -> &'static str {
        match self {
            Impl::OursHyper => "ours-hyper",
            Impl::OursReqwest => "ours-reqwest",
            Impl::RawHyper => "raw-hyper",
            Impl::RawReqwest => "raw-reqwest",
            Impl::Oauth2Reqwest => "oauth2-reqwest",
            Impl::TransportHyper => "transport-hyper",
            Impl::TransportReqwest => "transport-reqwest",
            Impl::SessionHyper => "session-hyper",
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Impl::OursHyper => "ours on hyper (`BattleNetClient::get`)",
            Impl::OursReqwest => "ours on reqwest (`BattleNetClient::get`)",
            Impl::RawHyper => "raw hyper (TCP_NODELAY), static Bearer header",
            Impl::RawReqwest => "raw reqwest, static Bearer header",
            Impl::Oauth2Reqwest => "oauth2 crate token + reqwest 0.12",
            Impl::TransportHyper => "oauth-core `HyperTransport` alone, static header",
            Impl::TransportReqwest => "oauth-core `ReqwestTransport` alone, static header",
            Impl::SessionHyper => "oauth-core `Session::send` alone on hyper",
        }
    }
}

/// One run: requests per second over the run, and latency percentiles.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sample {
    pub(crate) per_second: f64,
    pub(crate) p50_us: f64,
    pub(crate) p99_us: f64,
    /// CPU time of the client (the thread every client task runs on) per
    /// request, in microseconds.
    pub(crate) client_cpu_us: f64,
    /// CPU time of the rest of the process (the sandbox) per request.
    pub(crate) server_cpu_us: f64,
}

/// Builds `which` afresh, warms it up (token fetched, one connection per
/// task in the pool), then times `concurrency` tasks of `per_task` GETs.
pub(crate) async fn measure(
    which: Impl,
    server: &Server,
    concurrency: usize,
    per_task: usize,
) -> Result<Sample, String> {
    match which {
        Impl::OursHyper => {
            drive(
                Ours::new(server, Transport::Hyper)?,
                server,
                concurrency,
                per_task,
            )
            .await
        }
        Impl::OursReqwest => {
            drive(
                Ours::new(server, Transport::Reqwest)?,
                server,
                concurrency,
                per_task,
            )
            .await
        }
        Impl::RawHyper => drive(RawHyper::new(server).await?, server, concurrency, per_task).await,
        Impl::RawReqwest => {
            drive(
                RawReqwest::new(server).await?,
                server,
                concurrency,
                per_task,
            )
            .await
        }
        Impl::TransportHyper => {
            drive(
                TransportOnly::new(server, Transport::Hyper).await?,
                server,
                concurrency,
                per_task,
            )
            .await
        }
        Impl::TransportReqwest => {
            drive(
                TransportOnly::new(server, Transport::Reqwest).await?,
                server,
                concurrency,
                per_task,
            )
            .await
        }
        Impl::SessionHyper => drive(SessionOnly::new(server)?, server, concurrency, per_task).await,
        Impl::Oauth2Reqwest => {
            drive(
                Oauth2Reqwest::new(server).await?,
                server,
                concurrency,
                per_task,
            )
            .await
        }
    }
}

/// One GET, its JSON answer read and parsed.
trait Get: Send + Sync + 'static {
    fn get(&self) -> impl Future<Output = Result<(), String>> + Send;
}

/// How many GETs each task makes before the clock starts.
const WARM_UP_PER_TASK: usize = 20;

async fn drive<G: Get>(
    getter: G,
    server: &Server,
    concurrency: usize,
    per_task: usize,
) -> Result<Sample, String> {
    let getter = Arc::new(getter);
    run(&getter, concurrency, WARM_UP_PER_TASK).await?;
    let cpu = CpuClock::now(server)?;
    let started = Instant::now();
    let mut latencies = run(&getter, concurrency, per_task).await?;
    let elapsed = started.elapsed();
    let (client_cpu, server_cpu) = cpu.elapsed(server)?;
    latencies.sort_unstable();
    #[expect(clippy::cast_precision_loss, reason = "request counts far below 2^52")]
    let requests = latencies.len() as f64;
    Ok(Sample {
        per_second: requests / elapsed.as_secs_f64(),
        p50_us: percentile_us(&latencies, 50.0),
        p99_us: percentile_us(&latencies, 99.0),
        client_cpu_us: client_cpu.as_secs_f64() * 1e6 / requests,
        server_cpu_us: server_cpu.as_secs_f64() * 1e6 / requests,
    })
}

/// `concurrency` tasks making `per_task` GETs each, one after another:
/// every request's latency in nanoseconds.
async fn run<G: Get>(
    getter: &Arc<G>,
    concurrency: usize,
    per_task: usize,
) -> Result<Vec<u64>, String> {
    let mut tasks = JoinSet::new();
    for _ in 0..concurrency {
        let getter = Arc::clone(getter);
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(per_task);
            for _ in 0..per_task {
                let started = Instant::now();
                getter.get().await?;
                latencies.push(nanos(started.elapsed()));
            }
            Ok::<_, String>(latencies)
        });
    }
    let mut all = Vec::with_capacity(concurrency * per_task);
    while let Some(joined) = tasks.join_next().await {
        all.extend(joined.map_err(|e| format!("a GET task failed: {e}"))??);
    }
    Ok(all)
}

/// Ours: the app token is fetched on first use and renewed by itself.
struct Ours {
    client: BattleNetClient,
}

impl Ours {
    fn new(server: &Server, transport: Transport) -> Result<Self, String> {
        Ok(Ours {
            client: setup::ours(server, transport)?,
        })
    }
}

impl Get for Ours {
    async fn get(&self) -> Result<(), String> {
        let _: Value = self
            .client
            .get(ENDPOINT, None, Namespace::dynamic(Region::Us))
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// hyper-util's pooled client, plain HTTP with `TCP_NODELAY`, and a header
/// made once.
struct RawHyper {
    client: HyperClient<HttpConnector, Empty<Bytes>>,
    uri: Uri,
    authorization: HeaderValue,
}

impl RawHyper {
    async fn new(server: &Server) -> Result<Self, String> {
        // TCP_NODELAY as our hyper transport (and reqwest) set it, so the
        // comparison is of the layers above the connection.
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Ok(RawHyper {
            client: HyperClient::builder(TokioExecutor::new()).build(connector),
            uri: server.get_url().parse().map_err(|e| format!("{e}"))?,
            authorization: bearer(server).await?,
        })
    }
}

impl Get for RawHyper {
    async fn get(&self) -> Result<(), String> {
        let request = Request::get(self.uri.clone())
            .header(AUTHORIZATION, self.authorization.clone())
            .body(Empty::new())
            .map_err(|e| e.to_string())?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("raw hyper: HTTP {}", response.status()));
        }
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        let _: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// reqwest's client with a header made once.
struct RawReqwest {
    client: reqwest::Client,
    url: String,
    authorization: HeaderValue,
}

impl RawReqwest {
    async fn new(server: &Server) -> Result<Self, String> {
        Ok(RawReqwest {
            client: reqwest::Client::builder()
                .build()
                .map_err(|e| e.to_string())?,
            url: server.get_url(),
            authorization: bearer(server).await?,
        })
    }
}

impl Get for RawReqwest {
    async fn get(&self) -> Result<(), String> {
        let response = self
            .client
            .get(&self.url)
            .header(AUTHORIZATION, self.authorization.clone())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("raw reqwest: HTTP {}", response.status()));
        }
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        let _: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// The oauth2 crate's token (fetched through its reqwest integration) on
/// each request with `bearer_auth`, as its users write it. No expiry check:
/// that is the user's own code, and it would only slow this side down.
struct Oauth2Reqwest {
    http: oauth2::reqwest::Client,
    url: String,
    token: BasicTokenResponse,
}

impl Oauth2Reqwest {
    async fn new(server: &Server) -> Result<Self, String> {
        let (client, http) = setup::oauth2_client(server)?;
        let token = client
            .exchange_client_credentials()
            .request_async(&http)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Oauth2Reqwest {
            http,
            url: server.get_url(),
            token,
        })
    }
}

impl Get for Oauth2Reqwest {
    async fn get(&self) -> Result<(), String> {
        let response = self
            .http
            .get(&self.url)
            .bearer_auth(self.token.access_token().secret())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("oauth2 + reqwest: HTTP {}", response.status()));
        }
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        let _: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// One of oauth-core's transports, sent a request with a static header.
struct TransportOnly {
    transport: Arc<dyn oauth_core::HttpTransport>,
    uri: Uri,
    authorization: HeaderValue,
}

impl TransportOnly {
    async fn new(server: &Server, transport: Transport) -> Result<Self, String> {
        Ok(TransportOnly {
            transport: transport.build()?,
            uri: server.get_url().parse().map_err(|e| format!("{e}"))?,
            authorization: bearer(server).await?,
        })
    }
}

impl Get for TransportOnly {
    async fn get(&self) -> Result<(), String> {
        let request = Request::get(self.uri.clone())
            .header(AUTHORIZATION, self.authorization.clone())
            .body(Vec::new())
            .map_err(|e| e.to_string())?;
        let response = self
            .transport
            .send(request)
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("transport: HTTP {}", response.status()));
        }
        let _: Value = serde_json::from_slice(response.body()).map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// oauth-core's session on hyper, sent a prebuilt GET.
struct SessionOnly {
    session: oauth_core::Session,
    uri: Uri,
}

impl SessionOnly {
    fn new(server: &Server) -> Result<Self, String> {
        let client = setup::ours(server, Transport::Hyper)?;
        Ok(SessionOnly {
            session: oauth_core::Session::client_credentials(client.oauth(), &[])
                .build()
                .map_err(|e| e.to_string())?,
            uri: server.get_url().parse().map_err(|e| format!("{e}"))?,
        })
    }
}

impl Get for SessionOnly {
    async fn get(&self) -> Result<(), String> {
        let request = Request::get(self.uri.clone())
            .body(Vec::new())
            .map_err(|e| e.to_string())?;
        let response = self
            .session
            .send(request)
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("session: HTTP {}", response.status()));
        }
        let _: Value = serde_json::from_slice(response.body()).map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// `Bearer <app token>`, made once.
async fn bearer(server: &Server) -> Result<HeaderValue, String> {
    let token = setup::app_token(server).await?;
    let mut value = HeaderValue::try_from(format!("Bearer {}", token.access_token().secret()))
        .map_err(|e| e.to_string())?;
    value.set_sensitive(true);
    Ok(value)
}
