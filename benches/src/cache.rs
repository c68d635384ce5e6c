//! Case 8: the response cache, as a scanning tool uses it.
//!
//! - A scan: 2,000 distinct item documents (static game data, fresh for a
//!   day), each asked for three times in a shuffled order by 32 tasks,
//!   through `BattleNetClient::get` on the default transport, with no
//!   cache, the memory cache and the SQLite cache, from a sandbox whose
//!   API answers after 20 ms (as a server that far away): wall time and
//!   the requests the sandbox received.
//! - A hit's client CPU, from memory and from SQLite: `Session::send` of a
//!   stored URL in a loop (no parsing: the cache's own cost).
//! - The cache on every miss: 2,000 distinct documents asked once each,
//!   with the memory cache and with none.
//! - The memory store at its byte bound: 100,000 requests over 40,000
//!   documents of 0.5–4 KiB in a child process, through the cache layer
//!   over an in-process answerer; resident memory against the bound.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use battlenet::{BattleNetClient, Namespace, Region};
use oauth_core::cache::{CacheStatus, ResponseCache, SqliteCache};
use oauth_core::layer::{Cached, Stack};
use oauth_core::transport::{HttpRequest, HttpTransport, transport_fn};
use oauth_core::{Session, http};
use serde_json::Value;

use crate::setup::{CLIENT_ID, CLIENT_SECRET, Server, Transport};
use crate::stats::{nanos, process_cpu};

/// How far away the scanned server is: Battle.net's API answers a client
/// in a data centre in tens of milliseconds; the scan takes the low end.
pub(crate) const SCAN_LATENCY: std::time::Duration = std::time::Duration::from_millis(20);

/// Where a scan keeps its answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Store {
    None,
    Memory,
    Sqlite,
}

impl Store {
    pub(crate) const ALL: [Store; 3] = [Store::None, Store::Memory, Store::Sqlite];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Store::None => "no cache",
            Store::Memory => "memory cache",
            Store::Sqlite => "SQLite cache",
        }
    }

    /// A cache of this kind, in `dir` for SQLite.
    fn cache(self, dir: &std::path::Path) -> Result<Option<ResponseCache>, String> {
        Ok(match self {
            Store::None => None,
            Store::Memory => Some(ResponseCache::memory(256 << 20)),
            Store::Sqlite => Some(ResponseCache::new(
                SqliteCache::open(dir.join("cache.sqlite"), 256 << 20)
                    .map_err(|e| e.to_string())?,
            )),
        })
    }
}

/// One scan.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScanSample {
    pub(crate) millis: f64,
    /// Requests the sandbox received for the scanned documents.
    pub(crate) upstream: usize,
    pub(crate) revalidations: u64,
}

/// A fresh directory for one SQLite file.
fn temp_dir(what: &str) -> Result<std::path::PathBuf, String> {
    let dir = std::env::temp_dir().join(format!(
        "oauth-bench-{what}-{}-{}",
        std::process::id(),
        nanos(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
        )
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

fn client(server: &Server, cache: Option<ResponseCache>) -> Result<BattleNetClient, String> {
    let mut builder = BattleNetClient::builder(Region::Us, CLIENT_ID, CLIENT_SECRET)
        .oauth_base(server.oauth_url().clone())
        .api_base(server.api_url().clone())
        .transport(Transport::Reqwest.build()?);
    if let Some(cache) = cache {
        builder = builder.cache(cache);
    }
    builder.build().map_err(|e| e.to_string())
}

/// A shuffle that is the same in every run of a round (xorshift, then
/// Fisher–Yates).
fn shuffled(mut items: Vec<u64>, seed: u64) -> Vec<u64> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for i in (1..items.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let j = usize::try_from(state % (i as u64 + 1)).unwrap_or(0);
        items.swap(i, j);
    }
    items
}

/// The token fetched and a connection made, outside the scanned documents.
async fn warm_up(client: &BattleNetClient) -> Result<(), String> {
    let _: Value = client
        .get(
            "/data/wow/token/index",
            None,
            Namespace::dynamic(Region::Us),
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// Asks for each item of `asks` with 32 tasks; the time it took.
async fn ask_all(client: &BattleNetClient, asks: Vec<u64>) -> Result<f64, String> {
    let asks = Arc::new(asks);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..32)
        .map(|_| {
            let (client, asks, next) = (client.clone(), Arc::clone(&asks), Arc::clone(&next));
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = asks.get(i) else {
                        return Ok::<(), String>(());
                    };
                    let _: Value = client
                        .get(
                            &format!("/data/wow/item/{item}"),
                            None,
                            Namespace::static_data(Region::Us),
                        )
                        .await
                        .map_err(|e| e.to_string())?;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.map_err(|e| e.to_string())??;
    }
    Ok(started.elapsed().as_secs_f64() * 1_000.0)
}

/// A scan of `distinct` documents, each asked for `times` times in a
/// shuffled order.
pub(crate) async fn scan(
    store: Store,
    server: &Server,
    distinct: u64,
    times: u64,
    seed: u64,
) -> Result<ScanSample, String> {
    let dir = temp_dir("scan")?;
    let cache = store.cache(&dir)?;
    let client = client(server, cache.clone())?;
    warm_up(&client).await?;
    server.forget_requests()?;
    server.set_api_latency(SCAN_LATENCY)?;
    let asks = shuffled(
        (0..distinct)
            .flat_map(|item| std::iter::repeat_n(item + 1, usize::try_from(times).unwrap_or(1)))
            .collect(),
        seed,
    );
    let millis = ask_all(&client, asks).await;
    server.set_api_latency(std::time::Duration::ZERO)?;
    let millis = millis?;
    let upstream = server.requests_under("/data/wow/item/")?;
    server.forget_requests()?;
    drop(client);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(ScanSample {
        millis,
        upstream,
        revalidations: cache.as_ref().map_or(0, |c| c.stats().revalidations),
    })
}

/// Client CPU per hit, in microseconds: `Session::send` of one stored URL,
/// `calls` times, on this task.
pub(crate) async fn hit_cpu(store: Store, server: &Server, calls: u32) -> Result<f64, String> {
    let dir = temp_dir("hits")?;
    let cache = store.cache(&dir)?.ok_or("a hit needs a cache")?;
    let battlenet = crate::setup::ours(server, Transport::Reqwest)?;
    let session = Session::client_credentials(battlenet.oauth(), &[])
        .stack(Stack::new().cache(cache.clone()))
        .build()
        .map_err(|e| e.to_string())?;
    let url = server
        .api_url()
        .join("data/wow/item/7?namespace=static-us")
        .map_err(|e| e.to_string())?
        .to_string();
    let request = || {
        http::Request::get(url.as_str())
            .body(Vec::new())
            .map_err(|e| e.to_string())
    };
    // Stored, and one hit to warm up.
    for _ in 0..2 {
        session.send(request()?).await.map_err(|e| e.to_string())?;
    }
    let before = process_cpu();
    for _ in 0..calls {
        let answer = session.send(request()?).await.map_err(|e| e.to_string())?;
        if answer.extensions().get::<CacheStatus>() != Some(&CacheStatus::Hit) {
            return Err(format!("a {} call was not a hit", store.name()));
        }
    }
    let cpu = process_cpu().saturating_sub(before);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(nanos(cpu) as f64 / 1_000.0 / f64::from(calls))
}

/// The time (milliseconds) and this process's CPU (milliseconds) of
/// `distinct` documents asked once each, with `store`.
pub(crate) async fn misses(
    store: Store,
    server: &Server,
    distinct: u64,
) -> Result<(f64, f64), String> {
    let dir = temp_dir("misses")?;
    let client = client(server, store.cache(&dir)?)?;
    warm_up(&client).await?;
    let before = process_cpu();
    let millis = ask_all(&client, (1..=distinct).collect()).await?;
    let cpu = process_cpu().saturating_sub(before);
    server.forget_requests()?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok((millis, cpu.as_secs_f64() * 1_000.0))
}

/// The memory store's resident bytes at its bound, against the bound: runs
/// [`memory_child`] in a fresh process.
pub(crate) fn memory_at_bound(bound: u64, requests: u32) -> Result<f64, String> {
    crate::memory::child_number(&[MEMORY_CHILD_FLAG, &bound.to_string(), &requests.to_string()])
}

/// The flag that makes this program the cache memory child.
pub(crate) const MEMORY_CHILD_FLAG: &str = "--cache-memory-child";

/// The child's side: `requests` random requests over 40,000 documents
/// through a memory cache of `bound` bytes; returns the resident bytes it
/// grew by, divided by the bound.
pub(crate) fn memory_child(bound: &str, requests: &str) -> Result<f64, String> {
    let bound: u64 = bound.parse().map_err(|e| format!("bound: {e}"))?;
    let requests: u32 = requests.parse().map_err(|e| format!("requests: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| e.to_string())?;
    // Answers made here, sized by the document's number: 0.5–4 KiB of
    // JSON-ish bytes with the headers Battle.net sends.
    let answerer: Arc<dyn HttpTransport> = Arc::new(transport_fn(|request: HttpRequest| {
        let item: u64 = request
            .uri()
            .path()
            .rsplit('/')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let len = 512 + usize::try_from(item.wrapping_mul(2_654_435_761) % 3_584).unwrap_or(0);
        async move {
            let mut response = http::Response::new(vec![b'x'; len].into());
            let headers = response.headers_mut();
            for (name, value) in [
                ("content-type", "application/json;charset=UTF-8".to_owned()),
                ("cache-control", "public, max-age=86400".to_owned()),
                ("etag", format!("\"{item:016x}\"")),
                ("last-modified", "Mon, 30 Nov 2026 00:00:00 GMT".to_owned()),
                ("battlenet-namespace", "static-us".to_owned()),
            ] {
                if let Ok(value) = http::HeaderValue::try_from(value) {
                    headers.insert(name, value);
                }
            }
            Ok(response)
        }
    }));
    let cache = ResponseCache::memory(bound);
    let layer = Cached::new(cache.clone(), "app:bench", answerer);
    let before = resident_bytes()?;
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    runtime.block_on(async {
        for _ in 0..requests {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let item = state % 40_000;
            let request =
                http::Request::get(format!("https://eu.api.blizzard.com/data/wow/item/{item}"))
                    .body(Vec::new())
                    .map_err(|e| e.to_string())?;
            layer.send(request).await.map_err(|e| e.to_string())?;
        }
        Ok::<(), String>(())
    })?;
    let grown = resident_bytes()?.saturating_sub(before);
    #[allow(clippy::cast_precision_loss)] // Bytes, far below 2^52.
    Ok(grown as f64 / bound as f64)
}

/// Resident bytes of this process (`/proc/self/statm`).
fn resident_bytes() -> Result<u64, String> {
    let statm = std::fs::read_to_string("/proc/self/statm").map_err(|e| e.to_string())?;
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| format!("statm reads {statm:?}"))?;
    Ok(pages * 4096)
}
