//! The results of every round, the ratios and targets, rendered as the
//! Markdown of `docs/benchmarks.md` (also printed).

use std::fmt::Write as _;

use crate::machine::{BuildTime, CrateCount, Machine};
use crate::stats::{Series, median};
use crate::{cache, exchange, fast_path, fleet, get, memory, stampede};

/// Every sample of every round.
#[derive(Debug)]
pub(crate) struct Results {
    reps: usize,
    sizes: String,
    get_c1: [Vec<get::Sample>; 8],
    get_c32: [Vec<get::Sample>; 8],
    /// The same GETs with the clients on a current-thread runtime.
    current_c1: [Vec<get::Sample>; 8],
    current_c32: [Vec<get::Sample>; 8],
    pub(crate) python: Vec<get::Sample>,
    pub(crate) python_version: Result<String, String>,
    exchange: [Series; 3],
    cold_start: [Series; 3],
    pub(crate) stampede: Vec<stampede::Sample>,
    pub(crate) fast_path: Vec<fast_path::Sample>,
    memory: [Series; 3],
    cache_scans: [Vec<cache::ScanSample>; 3],
    cache_hits: [Series; 3],
    /// Time of a scan of distinct documents with the memory cache, divided
    /// by the same scan with none.
    pub(crate) cache_miss: Series,
    pub(crate) cache_miss_cpu: Series,
    /// The memory store's resident growth over its bound.
    pub(crate) cache_memory: Series,
    pub(crate) fleet_ran: bool,
    pub(crate) fleet_stampede: Vec<fleet::Stampede>,
    pub(crate) fleet_takeover: Vec<fleet::Takeover>,
    pub(crate) fleet_budget: Option<fleet::Budget>,
    pub(crate) fleet_soak: Option<fleet::Soak>,
    pub(crate) crates: Vec<CrateCount>,
    pub(crate) build_times: Option<Vec<BuildTime>>,
}

impl Results {
    pub(crate) fn new(reps: usize, sizes: &str) -> Results {
        Results {
            reps,
            sizes: sizes.to_owned(),
            get_c1: Default::default(),
            get_c32: Default::default(),
            current_c1: Default::default(),
            current_c32: Default::default(),
            python: Vec::new(),
            python_version: Err("not run".to_owned()),
            exchange: Default::default(),
            cold_start: Default::default(),
            stampede: Vec::new(),
            fast_path: Vec::new(),
            memory: Default::default(),
            cache_scans: Default::default(),
            cache_hits: Default::default(),
            cache_miss: Series::default(),
            cache_miss_cpu: Series::default(),
            cache_memory: Series::default(),
            fleet_ran: false,
            fleet_stampede: Vec::new(),
            fleet_takeover: Vec::new(),
            fleet_budget: None,
            fleet_soak: None,
            crates: Vec::new(),
            build_times: None,
        }
    }

    pub(crate) fn cache_scan(&mut self, store: cache::Store) -> &mut Vec<cache::ScanSample> {
        &mut self.cache_scans[store as usize]
    }

    pub(crate) fn cache_hit(&mut self, store: cache::Store) -> &mut Series {
        &mut self.cache_hits[store as usize]
    }

    pub(crate) fn get(
        &mut self,
        which: get::Impl,
        concurrency: usize,
        flavor: get::Flavor,
    ) -> &mut Vec<get::Sample> {
        let index = impl_index(which);
        match (flavor, concurrency) {
            (get::Flavor::MultiThread, 1) => &mut self.get_c1[index],
            (get::Flavor::MultiThread, _) => &mut self.get_c32[index],
            (get::Flavor::CurrentThread, 1) => &mut self.current_c1[index],
            (get::Flavor::CurrentThread, _) => &mut self.current_c32[index],
        }
    }

    pub(crate) fn exchange(&mut self, which: exchange::Impl) -> &mut Series {
        &mut self.exchange[exchange_index(which)]
    }

    pub(crate) fn cold_start(&mut self, which: exchange::Impl) -> &mut Series {
        &mut self.cold_start[exchange_index(which)]
    }

    pub(crate) fn memory(&mut self, kind: memory::Kind) -> &mut Series {
        let index = memory::Kind::ALL
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(0);
        &mut self.memory[index]
    }

    fn throughput(&self, which: get::Impl, concurrency: usize) -> Series {
        self.get_metric(which, concurrency, get::Flavor::MultiThread, |s| {
            s.per_second
        })
    }

    /// The samples of `which` at `concurrency` on a `flavor` runtime.
    fn samples(&self, which: get::Impl, concurrency: usize, flavor: get::Flavor) -> &[get::Sample] {
        let index = impl_index(which);
        match (flavor, concurrency) {
            (get::Flavor::MultiThread, 1) => &self.get_c1[index],
            (get::Flavor::MultiThread, _) => &self.get_c32[index],
            (get::Flavor::CurrentThread, 1) => &self.current_c1[index],
            (get::Flavor::CurrentThread, _) => &self.current_c32[index],
        }
    }

    fn get_metric(
        &self,
        which: get::Impl,
        concurrency: usize,
        flavor: get::Flavor,
        metric: fn(&get::Sample) -> f64,
    ) -> Series {
        series(self.samples(which, concurrency, flavor).iter().map(metric))
    }
}

fn impl_index(which: get::Impl) -> usize {
    get::Impl::EVERY
        .iter()
        .position(|i| *i == which)
        .unwrap_or(0)
}

/// The header and one row per implementation that ran.
fn get_table(w: &mut String, results: &Results, concurrency: usize, flavor: get::Flavor) {
    let _ = writeln!(
        w,
        "| implementation | requests/s (median) | min–max | p50 µs | p99 µs | client CPU µs/request | sandbox CPU µs/request |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|");
    for which in get::Impl::EVERY {
        let samples = results.samples(which, concurrency, flavor);
        if !samples.is_empty() {
            get_row(w, which.name(), samples);
        }
    }
}

fn exchange_index(which: exchange::Impl) -> usize {
    exchange::Impl::ALL
        .iter()
        .position(|i| *i == which)
        .unwrap_or(0)
}

/// The ratios `a / b` of the same rounds.
fn paired(a: &Series, b: &Series) -> Series {
    series(a.values().iter().zip(b.values()).map(|(a, b)| a / b))
}

fn series(values: impl Iterator<Item = f64>) -> Series {
    let mut series = Series::default();
    for value in values {
        series.push(value);
    }
    series
}

/// One target: what it asks, what was measured, whether it is met.
struct Target {
    what: String,
    measured: String,
    met: bool,
}

#[expect(
    clippy::too_many_lines,
    reason = "one report, written top to bottom in the order it reads"
)]
pub(crate) fn render(
    results: &Results,
    before: &Machine,
    after: &Machine,
    command: &str,
) -> String {
    let mut out = String::new();
    let mut targets = Vec::new();
    let w = &mut out;
    let _ = writeln!(w, "# Benchmarks\n");
    let _ = writeln!(
        w,
        "This workspace side by side with what users would pick instead, on one \
         loopback oauth-sandbox (Battle.net profile, rate limit off). Generated by \
         `{command}`; do not edit by hand.\n"
    );
    let _ = writeln!(w, "## Machine\n");
    let _ = writeln!(
        w,
        "- CPU: {} ({} cores seen by the process)",
        before.cpu, before.cores
    );
    let _ = writeln!(w, "- memory: {}; Linux {}", before.memory, before.kernel);
    let _ = writeln!(w, "- {}", before.rustc);
    let _ = writeln!(w, "- commit: {}", before.commit);
    let _ = writeln!(
        w,
        "- load average (1, 5, 15 min) at start: {}; at end: {}",
        before.load, after.load
    );
    let _ = writeln!(
        w,
        "- command: `{command}` (release build: `cargo run --release -p benches`)\n"
    );
    let _ = writeln!(w, "## Method\n");
    let _ = writeln!(
        w,
        "- {} rounds; each round runs every case once per implementation, in the \
         same order (A B C … A B C …), so slow phases of a shared machine hit all \
         of them alike. Tables give the median over rounds and the min–max range; \
         ratios are taken within each round, then the median over rounds.",
        results.reps
    );
    let _ = writeln!(
        w,
        "- As users run it: the sandbox is a process of its own (this program \
         started with `--sandbox-child`) on a multi-thread tokio runtime; the Rust \
         clients run on a multi-thread runtime with a worker per core, as \
         `#[tokio::main]` builds it, so client and server share the machine's \
         cores as a client and a local server do. Client CPU is the client \
         process's CPU time (all its threads), sandbox CPU the sandbox process's. \
         Python is its own process. Every client is built afresh for each run and \
         warmed up (token fetched, one pooled connection per task) before the \
         clock starts. Every GET reads and parses the JSON answer into \
         `serde_json::Value`. The same GETs with the clients on a current-thread \
         runtime are a diagnostic table at the end of section 1."
    );
    let _ = writeln!(
        w,
        "- The sandbox records every request in a log; the log is cleared after \
         each run. Recording costs every implementation the same per request."
    );
    let _ = writeln!(w, "- {}\n", results.sizes);

    // Case 1 and 6.
    let _ = writeln!(w, "## 1. Authenticated GET `/data/wow/token/index`\n");
    for concurrency in [1, 32] {
        let _ = writeln!(w, "Concurrency {concurrency}:\n");
        get_table(w, results, concurrency, get::Flavor::MultiThread);
        if concurrency == 1 {
            match &results.python_version {
                Ok(version) if !results.python.is_empty() => {
                    get_row(
                        w,
                        &format!("Python requests-oauthlib ({version})"),
                        &results.python,
                    );
                }
                Ok(_) => {}
                Err(why) => {
                    let _ = writeln!(w, "| Python requests-oauthlib | skipped: {why} | | | | | |");
                }
            }
        }
        let _ = writeln!(w);
    }

    let _ = writeln!(
        w,
        "Ratios of throughput, taken within each round (the two runs are next to \
         each other in time, so a burst of load elsewhere hits both alike): median \
         over rounds, and min–max. Higher is better for ours.\n"
    );
    let _ = writeln!(
        w,
        "| ratio | concurrency 1 | min–max | concurrency 32 | min–max | target |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---|");
    let ratio = |a: get::Impl, b: get::Impl, c: usize| {
        paired(&results.throughput(a, c), &results.throughput(b, c))
    };
    for (a, b, label, target) in [
        (
            get::Impl::OursHyper,
            get::Impl::RawHyper,
            "ours on hyper / raw hyper",
            Some(0.97),
        ),
        (
            get::Impl::OursReqwest,
            get::Impl::RawReqwest,
            "ours on reqwest / raw reqwest",
            Some(0.97),
        ),
        (
            get::Impl::OursHyper,
            get::Impl::Oauth2Reqwest,
            "ours on hyper / oauth2 + reqwest",
            None,
        ),
        (
            get::Impl::OursReqwest,
            get::Impl::Oauth2Reqwest,
            "ours on reqwest / oauth2 + reqwest",
            None,
        ),
        (
            get::Impl::RawHyper,
            get::Impl::RawReqwest,
            "raw hyper / raw reqwest",
            None,
        ),
        // Diagnostic pairs, when `--get-impls` names them: which part of
        // the path costs what.
        (
            get::Impl::TransportHyper,
            get::Impl::RawHyper,
            "`HyperTransport` alone / raw hyper",
            None,
        ),
        (
            get::Impl::SessionHyper,
            get::Impl::TransportHyper,
            "`Session::send` on hyper / `HyperTransport` alone",
            None,
        ),
        (
            get::Impl::OursHyper,
            get::Impl::SessionHyper,
            "ours on hyper / `Session::send` on hyper",
            None,
        ),
    ] {
        let (r1, r32) = (ratio(a, b, 1), ratio(a, b, 32));
        // A pair the run left out (`--get-impls`) has no row.
        if r1.median().is_nan() && r32.median().is_nan() {
            continue;
        }
        let target_text = target.map_or_else(String::new, |t| format!("≥ {t} at both"));
        let _ = writeln!(
            w,
            "| {label} | {:.3} | {:.3}–{:.3} | {:.3} | {:.3}–{:.3} | {target_text} |",
            r1.median(),
            r1.min(),
            r1.max(),
            r32.median(),
            r32.min(),
            r32.max()
        );
        if let Some(t) = target {
            for (c, r) in [(1, r1.median()), (32, r32.median())] {
                targets.push(Target {
                    what: format!("{label} ≥ {t}, concurrency {c}"),
                    measured: format!("{r:.3}"),
                    met: r >= t,
                });
            }
        }
    }
    let faster = [get::Impl::OursHyper, get::Impl::OursReqwest]
        .into_iter()
        .max_by(|a, b| {
            results
                .throughput(*a, 32)
                .median()
                .total_cmp(&results.throughput(*b, 32).median())
        })
        .unwrap_or(get::Impl::OursHyper);
    let best = ratio(faster, get::Impl::Oauth2Reqwest, 32).median();
    let faster_name = if faster == get::Impl::OursHyper {
        "hyper"
    } else {
        "reqwest"
    };
    // Not measured when the run left either out (`--get-impls`).
    if best.is_finite() {
        let _ = writeln!(
            w,
            "| ours on the faster transport ({faster_name}) / oauth2 + reqwest | | | {best:.3} | | ≥ 1.3 at 32 |"
        );
        targets.push(Target {
            what: "ours on the faster transport / oauth2 + reqwest ≥ 1.3, concurrency 32".into(),
            measured: format!("{best:.3} ({faster_name})"),
            met: best >= 1.3,
        });
    }
    if !results.python.is_empty() {
        let python = median(
            &results
                .python
                .iter()
                .map(|s| s.per_second)
                .collect::<Vec<_>>(),
        );
        let ours = results.throughput(faster, 1).median();
        let _ = writeln!(
            w,
            "| ours on {faster_name} / Python requests-oauthlib (medians) | {:.1} | | | | |",
            ours / python
        );
    }
    let _ = writeln!(w);

    let _ = writeln!(
        w,
        "Client CPU time per request, within each round (the work each client does, \
         which other load on the machine does not change; at concurrency 32 the \
         client's core is the limit, so throughput follows it). Lower is better for \
         ours:\n"
    );
    let _ = writeln!(
        w,
        "| ratio of client CPU per request | concurrency 1 | min–max | concurrency 32 | min–max |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---:|");
    for (a, b, label) in [
        (
            get::Impl::OursHyper,
            get::Impl::RawHyper,
            "ours on hyper / raw hyper",
        ),
        (
            get::Impl::OursReqwest,
            get::Impl::RawReqwest,
            "ours on reqwest / raw reqwest",
        ),
        (
            get::Impl::OursHyper,
            get::Impl::Oauth2Reqwest,
            "ours on hyper / oauth2 + reqwest",
        ),
        (
            get::Impl::OursReqwest,
            get::Impl::Oauth2Reqwest,
            "ours on reqwest / oauth2 + reqwest",
        ),
    ] {
        let cpu = |c| {
            paired(
                &results.get_metric(a, c, get::Flavor::MultiThread, |s| s.client_cpu_us),
                &results.get_metric(b, c, get::Flavor::MultiThread, |s| s.client_cpu_us),
            )
        };
        let (r1, r32) = (cpu(1), cpu(32));
        if r1.median().is_nan() && r32.median().is_nan() {
            continue;
        }
        let _ = writeln!(
            w,
            "| {label} | {:.3} | {:.3}–{:.3} | {:.3} | {:.3}–{:.3} |",
            r1.median(),
            r1.min(),
            r1.max(),
            r32.median(),
            r32.min(),
            r32.max()
        );
    }
    let _ = writeln!(w);

    // Case 1 on a current-thread runtime: a diagnostic.
    let _ = writeln!(
        w,
        "Diagnostic: the same GETs with the clients on a current-thread runtime \
         (one thread; few users run a client this way, so no target reads these):\n"
    );
    for concurrency in [1, 32] {
        let _ = writeln!(w, "Current-thread runtime, concurrency {concurrency}:\n");
        get_table(w, results, concurrency, get::Flavor::CurrentThread);
        let _ = writeln!(w);
    }
    let _ = writeln!(
        w,
        "| current-thread ratio of throughput | concurrency 1 | concurrency 32 |"
    );
    let _ = writeln!(w, "|---|---:|---:|");
    for (a, b, label) in [
        (
            get::Impl::OursHyper,
            get::Impl::RawHyper,
            "ours on hyper / raw hyper",
        ),
        (
            get::Impl::OursReqwest,
            get::Impl::RawReqwest,
            "ours on reqwest / raw reqwest",
        ),
    ] {
        let ratio = |c| {
            paired(
                &results.get_metric(a, c, get::Flavor::CurrentThread, |s| s.per_second),
                &results.get_metric(b, c, get::Flavor::CurrentThread, |s| s.per_second),
            )
            .median()
        };
        let (r1, r32) = (ratio(1), ratio(32));
        if r1.is_nan() && r32.is_nan() {
            continue;
        }
        let _ = writeln!(w, "| {label} | {r1:.3} | {r32:.3} |");
    }
    let _ = writeln!(w);

    // Case 2.
    let _ = writeln!(w, "## 2. Client-credentials exchange latency\n");
    let _ = writeln!(
        w,
        "Median latency of one exchange (token request and parsed answer), one after another on one client:\n"
    );
    let _ = writeln!(w, "| implementation | median µs | min–max µs |");
    let _ = writeln!(w, "|---|---:|---:|");
    for which in exchange::Impl::ALL {
        let s = &results.exchange[exchange_index(which)];
        let _ = writeln!(
            w,
            "| {} | {:.0} | {:.0}–{:.0} |",
            which.name(),
            s.median(),
            s.min(),
            s.max()
        );
    }
    let oauth2 = &results.exchange[exchange_index(exchange::Impl::Oauth2Reqwest)];
    let _ = writeln!(w);
    for which in [exchange::Impl::OursReqwest, exchange::Impl::OursHyper] {
        let ratios = paired(&results.exchange[exchange_index(which)], oauth2);
        let r = ratios.median();
        let _ = writeln!(
            w,
            "- {} / oauth2 crate, within each round: median {r:.3}, {:.3}–{:.3} (target ≤ 1.0)",
            which.name(),
            ratios.min(),
            ratios.max()
        );
        targets.push(Target {
            what: format!("exchange latency, {} / oauth2 ≤ 1.0", which.name()),
            measured: format!("{r:.3}"),
            met: r <= 1.0,
        });
    }
    let _ = writeln!(w);

    // Case 3.
    let _ = writeln!(w, "## 3. Cold start\n");
    let _ = writeln!(
        w,
        "From constructing the client (transport, TLS configuration, OAuth client) to the first API answer parsed, token request included:\n"
    );
    let _ = writeln!(w, "| implementation | median ms | min–max ms |");
    let _ = writeln!(w, "|---|---:|---:|");
    for which in exchange::Impl::ALL {
        let s = &results.cold_start[exchange_index(which)];
        let _ = writeln!(
            w,
            "| {} | {:.2} | {:.2}–{:.2} |",
            which.name(),
            s.median(),
            s.min(),
            s.max()
        );
    }
    let _ = writeln!(w);

    // Case 4.
    let _ = writeln!(w, "## 4. 10,000 tasks on an expired token\n");
    let _ = writeln!(
        w,
        "An oauth-core `Session` (client credentials, on our Battle.net client's OAuth \
         client, reqwest) fetches a token; the session's clock and the sandbox's move \
         past its expiry; then 10,000 tasks each await `Session::access_token()` at once. \
         (Each task asks for the token rather than making a GET: 10,000 simultaneous \
         loopback connections would exhaust the process's file descriptors.)\n"
    );
    let counts: Vec<String> = results
        .stampede
        .iter()
        .map(|s| s.token_requests.to_string())
        .collect();
    let times = series(results.stampede.iter().map(|s| s.millis));
    let _ = writeln!(
        w,
        "| token requests, each round | time until all finish, median ms | min–max ms |"
    );
    let _ = writeln!(w, "|---|---:|---:|");
    let _ = writeln!(
        w,
        "| {} | {:.1} | {:.1}–{:.1} |\n",
        counts.join(", "),
        times.median(),
        times.min(),
        times.max()
    );
    targets.push(Target {
        what: "exactly one token request for 10,000 tasks on an expired token".into(),
        measured: format!("{} (each round)", counts.join(", ")),
        met: !results.stampede.is_empty() && results.stampede.iter().all(|s| s.token_requests == 1),
    });

    // Case 5.
    let _ = writeln!(w, "## 5. Memory per stored user session\n");
    let _ = writeln!(
        w,
        "Resident bytes (`/proc/self/statm`) added per user, for 100,000 users, each \
         kind in a fresh child process. The token is a Battle.net user token as \
         oauth-core keeps it: a 43-character access token, bearer, expiry, two scopes, \
         `sub`; the key is `user-NNNNNN`.\n"
    );
    let _ = writeln!(
        w,
        "| what is kept per user | bytes per user (median) | min–max |"
    );
    let _ = writeln!(w, "|---|---:|---:|");
    for (i, kind) in memory::Kind::ALL.into_iter().enumerate() {
        let s = &results.memory[i];
        let _ = writeln!(
            w,
            "| {} | {:.0} | {:.0}–{:.0} |",
            kind.name(),
            s.median(),
            s.min(),
            s.max()
        );
    }
    let stored = &results.memory[0];
    targets.push(Target {
        what: "≤ 1 KiB per stored user session (a `Token` in a `MemoryStore` by user id)".into(),
        measured: format!("{:.0} bytes", stored.median()),
        met: stored.median() <= 1024.0,
    });
    let _ = writeln!(w);

    // Case 7.
    let _ = writeln!(w, "## 7. `Session::access_token()` on a valid token\n");
    let _ = writeln!(
        w,
        "One poll of the future with a no-op waker (the fast path never waits), in a \
         loop; two threads share one session.\n"
    );
    let one = series(results.fast_path.iter().map(|s| s.one_thread_ns));
    let two = series(results.fast_path.iter().map(|s| s.two_threads_ns));
    let clock = series(results.fast_path.iter().map(|s| s.clock_read_ns));
    let _ = writeln!(w, "| | ns per call (median) | min–max |");
    let _ = writeln!(w, "|---|---:|---:|");
    for (label, s) in [
        ("uncontended, one thread", &one),
        ("two threads at once, per thread", &two),
        ("for scale: `SystemTime::now()` alone", &clock),
    ] {
        let _ = writeln!(
            w,
            "| {label} | {:.1} | {:.1}–{:.1} |",
            s.median(),
            s.min(),
            s.max()
        );
    }
    let _ = writeln!(w);
    targets.push(Target {
        what: "`Session::access_token()` ≤ 25 ns per call, uncontended".into(),
        measured: format!("{:.1} ns", one.median()),
        met: one.median() <= 25.0,
    });
    let contended = paired(&two, &one).median();
    targets.push(Target {
        what: "`Session::access_token()` on two threads ≤ 1.5 × uncontended, per thread".into(),
        measured: format!("{contended:.2} ×"),
        met: contended <= 1.5,
    });

    // Case 8.
    render_cache(w, results, &mut targets);

    // Case 9.
    render_fleet(w, results, &mut targets);

    // Crates and build times.
    let _ = writeln!(w, "## Dependency trees and clean builds\n");
    let _ = writeln!(w, "| tree | crates | counted with | clean release build |");
    let _ = writeln!(w, "|---|---:|---|---:|");
    for (i, count) in results.crates.iter().enumerate() {
        let build = results
            .build_times
            .as_ref()
            .and_then(|t| t.get(i))
            .map_or_else(
                || "not run (`--build-times`)".to_owned(),
                |t| format!("{:.0} s", t.seconds),
            );
        let _ = writeln!(
            w,
            "| {} | {} | `{}` | {build} |",
            count.what, count.crates, count.command
        );
    }
    let _ = writeln!(
        w,
        "\nCrates are distinct name and version pairs, the crate itself included. \
         Builds go one after another, each into an empty target directory, with the \
         machine's other work going on.\n"
    );
    if let Some(bare) = results.crates.first() {
        targets.push(Target {
            what: "`oauth-core` with no default features: under 30 crates".into(),
            measured: bare.crates.to_string(),
            met: bare.crates < 30,
        });
    }

    // Targets.
    let _ = writeln!(w, "## Targets\n");
    let _ = writeln!(w, "| target | measured | met |");
    let _ = writeln!(w, "|---|---|---|");
    for t in &targets {
        let _ = writeln!(
            w,
            "| {} | {} | {} |",
            t.what,
            t.measured,
            if t.met { "yes" } else { "**no**" }
        );
    }
    out
}

fn get_row(w: &mut String, name: &str, samples: &[get::Sample]) {
    let throughput = series(samples.iter().map(|s| s.per_second));
    let of = |f: fn(&get::Sample) -> f64| median(&samples.iter().map(f).collect::<Vec<_>>());
    let _ = writeln!(
        w,
        "| {name} | {:.0} | {:.0}–{:.0} | {:.0} | {:.0} | {:.1} | {:.1} |",
        throughput.median(),
        throughput.min(),
        throughput.max(),
        of(|s| s.p50_us),
        of(|s| s.p99_us),
        of(|s| s.client_cpu_us),
        of(|s| s.server_cpu_us),
    );
}

/// Case 8: the response cache.
fn render_cache(w: &mut String, results: &Results, targets: &mut Vec<Target>) {
    if results.cache_scans.iter().all(Vec::is_empty) {
        return;
    }
    let _ = writeln!(w, "## 8. Response cache\n");
    let _ = writeln!(
        w,
        "A scan through `BattleNetClient::get` (reqwest, 32 tasks): every distinct item \
         document (static game data, fresh for a day) asked for three times in a shuffled \
         order, with no cache, the memory cache and the SQLite cache (a new file each \
         run), from a sandbox whose API answers after 20 ms, as a server that far away \
         does (Battle.net is tens of milliseconds from most clients). Requests sent: what \
         the sandbox received for the scanned documents.\n"
    );
    let _ = writeln!(
        w,
        "| scan | time, median ms | min–max | requests sent, each round | revalidations |"
    );
    let _ = writeln!(w, "|---|---:|---:|---|---:|");
    let distinct = results.cache_scans[cache::Store::None as usize]
        .first()
        .map_or(0, |s| s.upstream / 3);
    for store in cache::Store::ALL {
        let samples = &results.cache_scans[store as usize];
        let times = series(samples.iter().map(|s| s.millis));
        let sent: Vec<String> = samples.iter().map(|s| s.upstream.to_string()).collect();
        let revalidations: u64 = samples.iter().map(|s| s.revalidations).sum();
        let _ = writeln!(
            w,
            "| {} | {:.0} | {:.0}–{:.0} | {} | {revalidations} |",
            store.name(),
            times.median(),
            times.min(),
            times.max(),
            sent.join(", ")
        );
    }
    let _ = writeln!(w);
    let none = series(
        results.cache_scans[cache::Store::None as usize]
            .iter()
            .map(|s| s.millis),
    );
    for store in [cache::Store::Memory, cache::Store::Sqlite] {
        let samples = &results.cache_scans[store as usize];
        let most = samples
            .iter()
            .map(|s| s.upstream)
            .max()
            .unwrap_or(usize::MAX);
        targets.push(Target {
            what: format!(
                "cached scan, {}: requests sent ≤ 1.0 × the distinct documents",
                store.name()
            ),
            measured: format!("{most} for {distinct} (the most in a round)"),
            met: !samples.is_empty() && most <= distinct,
        });
        let times = series(samples.iter().map(|s| s.millis));
        let ratio = paired(&times, &none).median();
        targets.push(Target {
            what: format!("cached scan, {}: time ≤ 0.4 × uncached", store.name()),
            measured: format!("{ratio:.3}"),
            met: ratio <= 0.4,
        });
    }

    let _ = writeln!(
        w,
        "A hit: `Session::send` of one stored URL in a loop on one task (no parsing), \
         client CPU per call. The cache on a miss: distinct documents asked once each \
         through `BattleNetClient::get` with 32 tasks, with the memory cache against \
         none: the client process's CPU and the time, as ratios (each run twice per \
         round, in the order none, memory, memory, none). The memory store at its bound: 100,000 random requests over 40,000 \
         documents of 0.5–4 KiB through the cache layer, in a fresh process; resident \
         growth over the 64 MiB bound.\n"
    );
    let hit_memory = &results.cache_hits[cache::Store::Memory as usize];
    let hit_sqlite = &results.cache_hits[cache::Store::Sqlite as usize];
    let _ = writeln!(w, "| measure | median | min–max |");
    let _ = writeln!(w, "|---|---:|---:|");
    for (label, s, unit) in [
        ("hit from memory, client CPU", hit_memory, "µs"),
        ("hit from SQLite, client CPU", hit_sqlite, "µs"),
        (
            "memory cache on misses / no cache, client CPU",
            &results.cache_miss_cpu,
            "×",
        ),
        (
            "memory cache on misses / no cache, time",
            &results.cache_miss,
            "×",
        ),
        ("memory store resident / bound", &results.cache_memory, "×"),
    ] {
        let _ = writeln!(
            w,
            "| {label} | {:.3} {unit} | {:.3}–{:.3} |",
            s.median(),
            s.min(),
            s.max()
        );
    }
    let _ = writeln!(w);
    targets.push(Target {
        what: "a hit from memory ≤ 2 µs of client CPU".into(),
        measured: format!("{:.2} µs", hit_memory.median()),
        met: hit_memory.median() <= 2.0,
    });
    targets.push(Target {
        what: "a hit from SQLite ≤ 50 µs of client CPU".into(),
        measured: format!("{:.1} µs", hit_sqlite.median()),
        met: hit_sqlite.median() <= 50.0,
    });
    targets.push(Target {
        what: "the cache on a miss ≤ 1.05 × no cache (client CPU)".into(),
        measured: format!(
            "{:.3} (time: {:.3})",
            results.cache_miss_cpu.median(),
            results.cache_miss.median()
        ),
        met: results.cache_miss_cpu.median() <= 1.05,
    });
    let most = results.cache_memory.max();
    targets.push(Target {
        what: "memory store at its byte bound within 10 % of it (100,000 requests)".into(),
        measured: format!("{most:.3} × the bound (the most in a round)"),
        met: most <= 1.10,
    });
}

fn render_fleet(w: &mut String, results: &Results, targets: &mut Vec<Target>) {
    let _ = writeln!(w, "## 9. A fleet on Redis\n");
    if !results.fleet_ran {
        let _ = writeln!(
            w,
            "Not run: this machine has no `redis-server` (`apt-get install redis-server`).\n"
        );
        return;
    }
    let _ = writeln!(
        w,
        "Worker processes (this program again), each its own `BattleNetClient` (or, for \
         the takeover, an oauth-core `Session` on a user's token) with `.fleet` on a \
         `RedisStore`, `RateLimiter::fleet` and a `RedisCache` as the case needs, share a \
         `redis-server` the bench starts on a free loopback port with a password. Each \
         worker is told its configuration on stdin, says it is ready, and starts when \
         every worker is.\n"
    );

    // The stampede.
    let counts: Vec<String> = results
        .fleet_stampede
        .iter()
        .map(|s| s.token_requests.to_string())
        .collect();
    let distinct: Vec<String> = results
        .fleet_stampede
        .iter()
        .map(|s| s.distinct_tokens.to_string())
        .collect();
    let times = series(results.fleet_stampede.iter().map(|s| s.millis));
    let _ = writeln!(
        w,
        "**One expired app token, {} processes × {} tasks** (the bench's sandbox \
         process; the token on Redis expired a minute ago; every task awaits \
         `BattleNetClient::access_token()`).\n",
        fleet::PROCESSES,
        fleet::STAMPEDE_TASKS
    );
    let _ = writeln!(
        w,
        "| token requests, each round | distinct tokens given, each round | time until all answer, median ms | min–max ms |"
    );
    let _ = writeln!(w, "|---|---|---:|---:|");
    let _ = writeln!(
        w,
        "| {} | {} | {:.0} | {:.0}–{:.0} |\n",
        counts.join(", "),
        distinct.join(", "),
        times.median(),
        times.min(),
        times.max()
    );
    targets.push(Target {
        what: format!(
            "fleet: {} processes × {} tasks on one expired app token make exactly 1 token request",
            fleet::PROCESSES,
            fleet::STAMPEDE_TASKS
        ),
        measured: format!("{} (each round)", counts.join(", ")),
        met: !results.fleet_stampede.is_empty()
            && results
                .fleet_stampede
                .iter()
                .all(|s| s.token_requests == 1 && s.distinct_tokens == 1),
    });

    // The takeover.
    let lease_ms = fleet::LEASE.as_secs_f64() * 1_000.0;
    let after_lease = series(results.fleet_takeover.iter().map(|t| t.after_lease_ms));
    let after_kill = series(results.fleet_takeover.iter().map(|t| t.after_kill_ms));
    let refreshes: Vec<String> = results
        .fleet_takeover
        .iter()
        .map(|t| t.refreshes.to_string())
        .collect();
    let kept = results.fleet_takeover.iter().all(|t| t.refresh_token_kept);
    let _ = writeln!(
        w,
        "**A renewer killed holding the lease** (a generic sandbox in the bench's \
         process, refresh tokens rotated; a user's token on Redis, expired; lease \
         {lease_ms:.0} ms). One worker takes the lease and sends its refresh request, \
         which the sandbox holds; a second worker starts and waits; the first is killed \
         (SIGKILL) 300 ms later. Measured until the second has the renewed token.\n"
    );
    let _ = writeln!(
        w,
        "| from the lease taken, median ms | min–max ms | from the kill, median ms | refreshes served, each round | the rotated refresh token kept on Redis and accepted |"
    );
    let _ = writeln!(w, "|---:|---:|---:|---|---|");
    let _ = writeln!(
        w,
        "| {:.0} | {:.0}–{:.0} | {:.0} | {} | {} |\n",
        after_lease.median(),
        after_lease.min(),
        after_lease.max(),
        after_kill.median(),
        refreshes.join(", "),
        if kept {
            "every round"
        } else {
            "**not every round**"
        }
    );
    targets.push(Target {
        what: "fleet: a renewer killed holding the lease: another renews within the lease + 1 s, no refresh token lost".into(),
        measured: format!(
            "{:.0} ms after the lease was taken at most (lease {lease_ms:.0} ms); refresh token kept: {}",
            after_lease.max(),
            if kept { "yes" } else { "no" }
        ),
        met: !results.fleet_takeover.is_empty()
            && after_lease.max() <= lease_ms + 1_000.0
            && kept
            && results.fleet_takeover.iter().all(|t| t.refreshes == 1),
    });

    // The budget.
    if let Some(budget) = &results.fleet_budget {
        let counts: Vec<String> = budget.per_second.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            w,
            "**One rate budget, {} processes × 4 tasks for {} s** at {} a second for the \
             fleet (`RateLimiter::fleet`, a share of {} each if Redis fails), calling \
             `BattleNetClient::get` on the bench's sandbox process, which notes when each \
             request arrives. Once a run.\n",
            fleet::PROCESSES,
            fleet::BUDGET_SECONDS,
            fleet::BUDGET,
            fleet::PROCESSES
        );
        let _ = writeln!(
            w,
            "| requests received in each second from the first | most in any one-second window (sliding) | budget used | failed calls |"
        );
        let _ = writeln!(w, "|---|---:|---:|---:|");
        let _ = writeln!(
            w,
            "| {} | {} | {:.1} % | {} |\n",
            counts.join(", "),
            budget.most_in_a_window,
            budget.used * 100.0,
            budget.errors
        );
        let most_fixed = budget.per_second.iter().copied().max().unwrap_or(0);
        targets.push(Target {
            what: format!(
                "fleet: {} processes at {} a second for {} s: ≤ {} received in every second, ≥ 90 % of the budget used",
                fleet::PROCESSES,
                fleet::BUDGET,
                fleet::BUDGET_SECONDS,
                fleet::BUDGET
            ),
            measured: format!(
                "at most {most_fixed} in a second ({} in any sliding second); {:.1} % used",
                budget.most_in_a_window,
                budget.used * 100.0
            ),
            met: budget.most_in_a_window <= fleet::BUDGET as usize
                && budget.used >= 0.9
                && budget.errors == 0,
        });
    }

    // The soak.
    if let Some(soak) = &results.fleet_soak {
        let _ = writeln!(
            w,
            "**Redis stopped for 5 s and restarted during a soak**: {} workers × 4 tasks for \
             {} s, each on the fleet's token (app tokens living 6 s, so one falls due while \
             Redis is away), rate budget ({} a second) and cache on a Redis of its own; \
             every `tracing` event at DEBUG written to the worker's log. Redis is stopped \
             4 s in and started again, empty, 5 s later. Once a run.\n",
            fleet::SOAK_WORKERS,
            fleet::SOAK_SECONDS,
            fleet::BUDGET
        );
        let _ = writeln!(
            w,
            "| calls that succeeded | failed with `Error::Store` | failed otherwise | longest call | last failure after the restart | successful calls in each worker's last 3 s | local pacing said | workers crashed | secrets in {} log lines |",
            soak.log_lines
        );
        let _ = writeln!(w, "|---:|---:|---:|---:|---:|---:|---|---:|---:|");
        let _ = writeln!(
            w,
            "| {} | {} | {}{} | {:.0} ms | {:.0} ms | {} | {} | {} | {} |\n",
            soak.ok,
            soak.store_errors,
            soak.other_errors,
            soak.first_other
                .as_deref()
                .map(|m| format!(" (first: {m})"))
                .unwrap_or_default(),
            soak.longest_call_ms,
            soak.recovered_after_ms,
            soak.ok_at_the_end,
            if soak.said_so { "yes" } else { "no" },
            soak.crashed,
            soak.leaks
        );
        targets.push(Target {
            what: "fleet: Redis stopped 5 s and restarted in a soak: typed errors or local pacing, recovery by itself, no panic, hang or secret".into(),
            measured: format!(
                "{} typed failures, {} others; last failure {:.0} ms after the restart; longest call {:.0} ms; {} crashed; {} secrets in the logs",
                soak.store_errors,
                soak.other_errors,
                soak.recovered_after_ms,
                soak.longest_call_ms,
                soak.crashed,
                soak.leaks
            ),
            met: soak.other_errors == 0
                && soak.crashed == 0
                && soak.leaks == 0
                && soak.said_so
                && soak.ok_at_the_end > 0
                && soak.recovered_after_ms <= 3_000.0
                && soak.longest_call_ms <= 5_000.0,
        });
    }
}
