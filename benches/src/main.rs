//! `cargo xtask bench`: this workspace side by side with what users would
//! pick instead (the `oauth2` crate with reqwest, raw hyper and raw reqwest
//! with a static token, Python's requests-oauthlib) on one loopback
//! oauth-sandbox, in interleaved repetitions; writes `docs/benchmarks.md`.

#![forbid(unsafe_code)]
// A benchmark program: its table is its output, its progress goes to stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cache;
mod exchange;
mod fast_path;
mod fleet;
mod get;
mod machine;
mod memory;
mod python;
mod report;
mod setup;
mod stampede;
mod stats;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::get::Flavor;
use crate::report::Results;
use crate::setup::Server;

const HELP: &str = "\
usage: cargo xtask bench [options]

Runs every case in interleaved rounds on one loopback oauth-sandbox, prints
the table and writes it to docs/benchmarks.md.

options:
  --reps N         rounds (repetitions of each case), at least 5 for the
                   record (default 9)
  --quick          2 rounds with a tenth of the requests: for trying it out;
                   writes nothing unless --out is given
  --build-times    also time clean release builds (slow: minutes)
  --no-python      skip the Python requests-oauthlib case
  --only CASES     run only these cases (comma-separated: get, exchange,
                   cold-start, stampede, fast-path, memory, cache, fleet),
                   for profiling
  --get-impls IMPLS  only these GET implementations (comma-separated:
                   ours-hyper, ours-reqwest, raw-hyper, raw-reqwest,
                   oauth2-reqwest; and, not run otherwise, oauth-core's
                   transports alone: transport-hyper, transport-reqwest),
                   for profiling
  --out PATH       where to write the report (default docs/benchmarks.md)
  --no-write       print only
";

/// Where the generated part of the report ends and notes by hand begin.
const NOTES_MARKER: &str =
    "<!-- Notes by hand below this line are kept when the file is regenerated. -->";

/// What one run does.
#[derive(Debug)]
struct Options {
    reps: usize,
    scale: usize,
    build_times: bool,
    python: bool,
    out: Option<PathBuf>,
    only: Option<Vec<String>>,
    get_impls: Option<Vec<String>>,
    args: Vec<String>,
}

impl Options {
    fn runs(&self, case: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|c| c == case))
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag] = args.as_slice()
        && flag == setup::CHILD_FLAG
    {
        return match setup::child() {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("sandbox process: {message}");
                ExitCode::FAILURE
            }
        };
    }
    if let [flag] = args.as_slice()
        && flag == fleet::WORKER_FLAG
    {
        return match fleet::worker() {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("fleet worker: {message}");
                ExitCode::FAILURE
            }
        };
    }
    if let [flag, kind, users] = args.as_slice()
        && flag == "--memory-child"
    {
        return match memory::child(kind, users) {
            Ok(bytes) => {
                println!("{bytes}");
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("memory child: {message}");
                ExitCode::FAILURE
            }
        };
    }
    if let [flag, bound, requests] = args.as_slice()
        && flag == cache::MEMORY_CHILD_FLAG
    {
        return match cache::memory_child(bound, requests) {
            Ok(ratio) => {
                println!("{ratio}");
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("cache memory child: {message}");
                ExitCode::FAILURE
            }
        };
    }
    let options = match parse(args) {
        Ok(Some(options)) => options,
        Ok(None) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("bench: {message}\n\n{HELP}");
            return ExitCode::FAILURE;
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse(args: Vec<String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        reps: 9,
        scale: 10,
        build_times: false,
        python: true,
        out: Some(workspace().join("docs").join("benchmarks.md")),
        only: None,
        get_impls: None,
        args: args.clone(),
    };
    let mut quick_out = None;
    let mut quick = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--reps" => {
                let value = args.next().ok_or("--reps needs a number")?;
                options.reps = value
                    .parse()
                    .map_err(|e| format!("--reps `{value}`: {e}"))?;
                if options.reps == 0 {
                    return Err("--reps must be at least 1".into());
                }
            }
            "--quick" => quick = true,
            "--build-times" => options.build_times = true,
            "--no-python" => options.python = false,
            "--out" => {
                let path = PathBuf::from(args.next().ok_or("--out needs a path")?);
                quick_out = Some(path.clone());
                options.out = Some(path);
            }
            "--no-write" => options.out = None,
            "--get-impls" => {
                let impls = args.next().ok_or("--get-impls needs a list")?;
                options.get_impls = Some(impls.split(',').map(str::to_owned).collect());
            }
            "--only" => {
                let cases = args.next().ok_or("--only needs a list of cases")?;
                options.only = Some(cases.split(',').map(str::to_owned).collect());
            }
            "help" | "--help" | "-h" => return Ok(None),
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    if quick {
        options.reps = options.reps.min(2);
        options.scale = 1;
        options.out = quick_out;
    }
    Ok(Some(options))
}

/// The workspace root (this package's parent directory).
fn workspace() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// The sizes of each case, at full scale (10) or a tenth (1).
#[derive(Clone, Copy, Debug)]
struct Sizes {
    /// GETs made by the single task at concurrency 1.
    get_c1: usize,
    /// GETs made by each of the 32 tasks.
    get_c32_per_task: usize,
    python_gets: usize,
    exchanges: usize,
    cold_starts: usize,
    stampede_tasks: usize,
    memory_users: usize,
    fast_path_calls: u32,
    /// Distinct documents of the cached scan, each asked for three times.
    scan_documents: u64,
    cache_hits: u32,
    cache_memory_requests: u32,
}

impl Sizes {
    fn at(scale: usize) -> Sizes {
        Sizes {
            get_c1: 200 * scale,
            get_c32_per_task: 30 * scale,
            python_gets: 150 * scale,
            exchanges: 30 * scale,
            cold_starts: 2 * scale,
            // The stampede and the memory case keep their sizes: they are
            // what the targets speak of.
            stampede_tasks: 10_000,
            memory_users: 100_000,
            fast_path_calls: 1_000_000 * u32::try_from(scale).unwrap_or(1),
            scan_documents: 200 * u64::try_from(scale).unwrap_or(1),
            cache_hits: 2_000 * u32::try_from(scale).unwrap_or(1),
            // What the target speaks of.
            cache_memory_requests: 100_000,
        }
    }
}

fn run(options: &Options) -> Result<(), String> {
    let workspace = workspace();
    let sizes = Sizes::at(options.scale);
    let machine_before = machine::Machine::describe(&workspace);
    eprintln!(
        "bench: {} round(s); load average {}",
        options.reps, machine_before.load
    );

    let python = if options.python {
        eprintln!("bench: preparing target/bench-venv with requests-oauthlib");
        match python::prepare(&workspace) {
            Ok(python) => Ok(python),
            Err(message) => {
                eprintln!("bench: skipping the Python case: {message}");
                Err(message)
            }
        }
    } else {
        Err("skipped (--no-python)".to_owned())
    };

    // Raw reqwest (the workspace's, built without a TLS provider) takes the
    // process default; ours and oauth2's reqwest bring their own.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = Server::start()?;
    // The clients run as `#[tokio::main]` runs them: on a multi-thread
    // runtime with a worker per core. The current-thread runtime is only
    // for the diagnostic table.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the client runtime: {e}"))?;
    let current_thread = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the current-thread runtime: {e}"))?;
    let fast_session = runtime.block_on(async { fast_path::session(&server) })?;

    // The fleet's cases need a `redis-server` of their own.
    let fleet = if options.runs("fleet") {
        match oauth_sandbox::redis::RedisServer::start("the fleet benchmark") {
            Some(redis) => Some((redis, fleet::Logs::new()?)),
            None => None,
        }
    } else {
        None
    };

    let mut results = Results::new(options.reps, &sizes_note(&sizes));
    for round in 1..=options.reps {
        eprintln!("bench: round {round}/{}", options.reps);
        let get_runs = if options.runs("get") {
            vec![(1, sizes.get_c1), (32, sizes.get_c32_per_task)]
        } else {
            Vec::new()
        };
        for (concurrency, per_task) in get_runs {
            for flavor in Flavor::ALL {
                let on = match flavor {
                    Flavor::MultiThread => &runtime,
                    Flavor::CurrentThread => &current_thread,
                };
                for which in get::Impl::EVERY
                    .into_iter()
                    .filter(|i| match &options.get_impls {
                        Some(only) => only.iter().any(|n| n == i.arg()),
                        None => get::Impl::ALL.contains(i),
                    })
                {
                    let sample =
                        on.block_on(get::measure(which, &server, concurrency, per_task))?;
                    server.forget_requests()?;
                    results.get(which, concurrency, flavor).push(sample);
                }
            }
            if concurrency == 1
                && let Ok(python) = &python
            {
                let sample = python::measure(python, &server, sizes.python_gets)?;
                server.forget_requests()?;
                results.python.push(sample);
            }
        }
        for which in exchange::Impl::ALL
            .into_iter()
            .filter(|_| options.runs("exchange"))
        {
            let micros = runtime.block_on(exchange::exchange(which, &server, sizes.exchanges))?;
            results.exchange(which).push(micros);
        }
        for which in exchange::Impl::ALL
            .into_iter()
            .filter(|_| options.runs("cold-start"))
        {
            let millis =
                runtime.block_on(exchange::cold_start(which, &server, sizes.cold_starts))?;
            results.cold_start(which).push(millis);
        }
        server.forget_requests()?;
        if options.runs("stampede") {
            let sample = runtime.block_on(stampede::stampede(&server, sizes.stampede_tasks))?;
            results.stampede.push(sample);
        }
        if options.runs("fast-path") {
            results
                .fast_path
                .push(fast_path::measure(&fast_session, sizes.fast_path_calls)?);
        }
        if options.runs("cache") {
            let seed = u64::try_from(round).unwrap_or(0);
            for store in cache::Store::ALL {
                let sample =
                    runtime.block_on(cache::scan(store, &server, sizes.scan_documents, 3, seed))?;
                results.cache_scan(store).push(sample);
            }
            for store in [cache::Store::Memory, cache::Store::Sqlite] {
                let micros = runtime.block_on(cache::hit_cpu(store, &server, sizes.cache_hits))?;
                results.cache_hit(store).push(micros);
            }
            // Twice each, in the order none, memory, memory, none: a slow
            // phase of the machine weighs on both alike.
            let (mut none, mut memory) = ((0.0, 0.0), (0.0, 0.0));
            for store in [
                cache::Store::None,
                cache::Store::Memory,
                cache::Store::Memory,
                cache::Store::None,
            ] {
                let (millis, cpu) =
                    runtime.block_on(cache::misses(store, &server, sizes.scan_documents))?;
                let sums = match store {
                    cache::Store::None => &mut none,
                    _ => &mut memory,
                };
                sums.0 += millis;
                sums.1 += cpu;
            }
            results.cache_miss.push(memory.0 / none.0);
            results.cache_miss_cpu.push(memory.1 / none.1);
            results.cache_memory.push(cache::memory_at_bound(
                64 << 20,
                sizes.cache_memory_requests,
            )?);
        }
        if let Some((redis, logs)) = &fleet {
            results
                .fleet_stampede
                .push(fleet::stampede(&runtime, &server, redis, logs, round)?);
            results
                .fleet_takeover
                .push(fleet::takeover(&runtime, redis, logs, round)?);
            // The long ones once a run.
            if round == 1 {
                eprintln!(
                    "bench: the fleet's rate budget ({} s)",
                    fleet::BUDGET_SECONDS
                );
                results.fleet_budget = Some(fleet::budget(&server, redis, logs)?);
                eprintln!("bench: the fleet's soak ({} s)", fleet::SOAK_SECONDS);
                results.fleet_soak = Some(fleet::soak(&runtime, logs)?);
            }
        }
        for kind in memory::Kind::ALL
            .into_iter()
            .filter(|_| options.runs("memory"))
        {
            let bytes = memory::measure(kind, sizes.memory_users)?;
            results.memory(kind).push(bytes);
        }
        server.forget_requests()?;
    }

    results.fleet_ran = fleet.is_some();
    results.python_version = python
        .as_ref()
        .map(|p| p.version.clone())
        .map_err(Clone::clone);
    eprintln!("bench: counting crates");
    results.crates = machine::crate_counts(&workspace)?;
    if options.build_times {
        eprintln!("bench: timing clean release builds (minutes)");
        results.build_times = Some(machine::build_times(&workspace)?);
    }
    let machine_after = machine::Machine::describe(&workspace);

    let command = if options.args.is_empty() {
        "cargo xtask bench".to_owned()
    } else {
        format!("cargo xtask bench {}", options.args.join(" "))
    };
    let mut text = report::render(&results, &machine_before, &machine_after, &command);
    println!("{text}");
    if let Some(out) = &options.out {
        // Notes written by hand below the marker survive regeneration.
        let notes = std::fs::read_to_string(out)
            .ok()
            .and_then(|old| old.find(NOTES_MARKER).map(|at| old[at..].to_owned()))
            .unwrap_or_else(|| format!("{NOTES_MARKER}\n"));
        text.push('\n');
        text.push_str(&notes);
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        std::fs::write(out, &text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        eprintln!("bench: wrote {}", out.display());
    }
    Ok(())
}

fn sizes_note(sizes: &Sizes) -> String {
    format!(
        "GETs per run: {} at concurrency 1, 32 × {} at concurrency 32, {} for Python \
         (after 20 per task to warm up); {} exchanges per run (after 10); {} cold starts \
         per run; {} tasks in the stampede; {} users in the memory case; {} calls per \
         fast-path run; {} distinct documents in the cached scan (each asked for three \
         times), {} hits per cache-hit run, {} requests in the cache memory case.",
        sizes.get_c1,
        sizes.get_c32_per_task,
        sizes.python_gets,
        sizes.exchanges,
        sizes.cold_starts,
        sizes.stampede_tasks,
        sizes.memory_users,
        sizes.fast_path_calls,
        sizes.scan_documents,
        sizes.cache_hits,
        sizes.cache_memory_requests,
    )
}
