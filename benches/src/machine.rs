//! The machine the numbers come from, crate counts of the dependency trees,
//! and clean build times.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// What the report says about the machine.
#[derive(Clone, Debug)]
pub(crate) struct Machine {
    pub(crate) cpu: String,
    pub(crate) cores: usize,
    pub(crate) memory: String,
    pub(crate) kernel: String,
    pub(crate) rustc: String,
    pub(crate) commit: String,
    pub(crate) load: String,
}

impl Machine {
    pub(crate) fn describe(workspace: &Path) -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| {
                l.strip_prefix("model name")?
                    .split_once(':')
                    .map(|(_, v)| v.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".to_owned());
        let memory = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| {
                let kb: u64 = m
                    .lines()
                    .find_map(|l| l.strip_prefix("MemTotal:"))?
                    .trim()
                    .strip_suffix("kB")?
                    .trim()
                    .parse()
                    .ok()?;
                Some(format!("{} GiB", kb.div_ceil(1024 * 1024)))
            })
            .unwrap_or_else(|| "unknown".to_owned());
        Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(0, usize::from),
            memory,
            kernel: first_line(
                &std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default(),
            ),
            rustc: output(
                Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
                    .arg("--version"),
            ),
            commit: output(
                Command::new("git")
                    .args(["rev-parse", "--short", "HEAD"])
                    .current_dir(workspace),
            ),
            load: std::fs::read_to_string("/proc/loadavg")
                .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
                .unwrap_or_default(),
        }
    }
}

/// Crates in a dependency tree, and how that was counted.
#[derive(Clone, Debug)]
pub(crate) struct CrateCount {
    pub(crate) what: &'static str,
    pub(crate) command: String,
    pub(crate) crates: usize,
}

/// The trees the issue names: `oauth-core` bare, `battlenet` with its
/// defaults, and the `oauth2` crate with its reqwest integration.
const TREES: [(&str, &[&str]); 3] = [
    (
        "`oauth-core`, no default features",
        &["-p", "oauth-core", "--no-default-features"],
    ),
    (
        "`battlenet`, default features (reqwest)",
        &["-p", "battlenet"],
    ),
    (
        "`oauth2` 5 + its reqwest 0.12 integration (rustls)",
        &["-p", "oauth2"],
    ),
];

/// Counts the distinct crates (name and version) in each tree, as
/// `cargo tree … -e normal --prefix none | sort -u | wc -l` would after
/// dropping cargo's `(*)` marks.
pub(crate) fn crate_counts(workspace: &Path) -> Result<Vec<CrateCount>, String> {
    TREES
        .iter()
        .map(|(what, args)| {
            let mut command = Command::new(cargo());
            command
                .arg("tree")
                .args(*args)
                .args(["-e", "normal", "--prefix", "none"])
                .current_dir(workspace);
            let out = command
                .output()
                .map_err(|e| format!("cannot run cargo tree: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "cargo tree {} failed: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
            let crates: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| {
                    let mut words = l.split_whitespace();
                    Some(format!("{} {}", words.next()?, words.next()?))
                })
                .collect();
            Ok(CrateCount {
                what,
                command: format!("cargo tree {} -e normal --prefix none", args.join(" ")),
                crates: crates.len(),
            })
        })
        .collect()
}

/// A clean release build's wall time.
#[derive(Clone, Debug)]
pub(crate) struct BuildTime {
    pub(crate) seconds: f64,
}

/// Builds each tree in release into a fresh target directory of its own,
/// one after another, and times it.
pub(crate) fn build_times(workspace: &Path) -> Result<Vec<BuildTime>, String> {
    let mut times = Vec::new();
    for (i, (what, args)) in TREES.iter().enumerate() {
        let target =
            std::env::temp_dir().join(format!("oauth-bench-build-{}-{i}", std::process::id()));
        let _ = std::fs::remove_dir_all(&target);
        let started = Instant::now();
        let status = Command::new(cargo())
            .args(["build", "--release", "--quiet"])
            .args(*args)
            .arg("--target-dir")
            .arg(&target)
            .current_dir(workspace)
            .status()
            .map_err(|e| format!("cannot run cargo build: {e}"))?;
        let seconds = started.elapsed().as_secs_f64();
        let _ = std::fs::remove_dir_all(&target);
        if !status.success() {
            return Err(format!("cargo build {} failed ({status})", args.join(" ")));
        }
        eprintln!("bench: {what}: {seconds:.0} s");
        times.push(BuildTime { seconds });
    }
    Ok(times)
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

fn output(command: &mut Command) -> String {
    command
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or_else(
            || "unknown".to_owned(),
            |o| first_line(&String::from_utf8_lossy(&o.stdout)),
        )
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_owned()
}
