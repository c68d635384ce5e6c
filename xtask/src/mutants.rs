//! `cargo xtask mutants`: mutation testing (cargo-mutants) of the modules
//! that judge input, secrets and tokens, with a score per file.
//!
//! Every mutant of the listed files must make the crate's unit tests fail
//! (caught), fail to compile (unviable), hang them (timeout), or be
//! excluded in `.cargo/mutants.toml`, where each exclusion says why it
//! cannot change behaviour anyone relies on. A missed mutant fails the
//! command. Each mutant is first tested by the crate's unit tests alone
//! (`--lib`, the one binary that rebuilds in seconds); the mutants they
//! miss are tested again with the integration tests too, which check what
//! goes over the wire to the sandbox (cargo-mutants' `--iterate`).

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The files mutated, by package, with the features their tests need.
struct Target {
    package: &'static str,
    /// Passed to cargo as they are.
    features: &'static [&'static str],
    files: &'static [&'static str],
}

const TARGETS: &[Target] = &[
    Target {
        package: "oauth-core",
        features: &["--all-features"],
        files: &[
            "crates/oauth-core/src/authorization.rs",
            "crates/oauth-core/src/session.rs",
            "crates/oauth-core/src/session/*.rs",
            "crates/oauth-core/src/url_policy.rs",
            "crates/oauth-core/src/store.rs",
            "crates/oauth-core/src/store/file.rs",
            "crates/oauth-core/src/retry.rs",
            "crates/oauth-core/src/secret.rs",
            "crates/oauth-core/src/challenge.rs",
            "crates/oauth-core/src/error.rs",
            "crates/oauth-core/src/redact.rs",
            "crates/oauth-core/src/token.rs",
            "crates/oauth-core/src/answer.rs",
            "crates/oauth-core/src/oidc.rs",
            "crates/oauth-core/src/discovery.rs",
            "crates/oauth-core/src/device.rs",
            "crates/oauth-core/src/introspection.rs",
            "crates/oauth-core/src/client.rs",
            "crates/oauth-core/src/loopback.rs",
            "crates/oauth-core/src/form_login.rs",
            "crates/oauth-core/src/form_login/html.rs",
        ],
    },
    Target {
        package: "battlenet",
        features: &["--all-features"],
        files: &[
            "crates/battlenet/src/error.rs",
            "crates/battlenet/src/region.rs",
            "crates/battlenet/src/locale.rs",
            "crates/battlenet/src/namespace.rs",
            "crates/battlenet/src/request.rs",
        ],
    },
    Target {
        package: "ringplus",
        features: &["--all-features"],
        files: &[
            "crates/ringplus/src/error.rs",
            "crates/ringplus/src/api/mod.rs",
            "crates/ringplus/src/api/params.rs",
            "crates/ringplus/src/handler.rs",
        ],
    },
];

/// What cargo-mutants concluded about each mutant, by the file it writes.
/// With `--iterate`, what earlier runs caught or found unviable is not
/// tested again and is listed in `previously_caught.txt`.
const OUTCOMES: [(&str, &str); 5] = [
    ("caught", "caught.txt"),
    ("missed", "missed.txt"),
    ("timeout", "timeout.txt"),
    ("unviable", "unviable.txt"),
    ("earlier", "previously_caught.txt"),
];

/// `cargo xtask mutants [-- cargo-mutants options]`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let extra = match args {
        [] => &[][..],
        [dashes, rest @ ..] if dashes == "--" => rest,
        _ => {
            return Err(
                "usage: cargo xtask mutants [-- options of cargo-mutants, e.g. --shard 1/2]"
                    .to_owned(),
            );
        }
    };
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let installed = Command::new(&cargo)
        .args(["mutants", "--version"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !installed {
        return Err(
            "cargo-mutants is not installed: cargo install cargo-mutants --locked".to_owned(),
        );
    }
    let target_dir =
        PathBuf::from(env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".to_owned()));
    let started = Instant::now();
    let mut rows = Vec::new();
    for target in TARGETS {
        let output = target_dir.join("mutants").join(target.package);
        fs::create_dir_all(&output)
            .map_err(|e| format!("cannot create {}: {e}", output.display()))?;
        let out = output.join("mutants.out");
        // First the unit tests alone, which rebuild in seconds; then what
        // they missed again with the integration tests too, which talk to
        // the sandbox and take longer to build and run.
        mutate(&cargo, target, &output, &["--cargo-arg=--lib"], extra)?;
        if fs::read_to_string(out.join("missed.txt")).is_ok_and(|m| !m.trim().is_empty()) {
            let again: &[&str] = if extra.iter().any(|a| a == "--iterate") {
                &["--cargo-arg=--tests"]
            } else {
                &["--cargo-arg=--tests", "--iterate"]
            };
            mutate(&cargo, target, &output, again, extra)?;
        }
        let excluded = excluded(&cargo, target)?;
        rows.extend(tally(&out, &excluded)?);
    }
    report(&rows, started.elapsed().as_secs())
}

/// One cargo-mutants run over `target`'s files, with `tests` saying which
/// test targets build and run, writing under `output`.
fn mutate(
    cargo: &str,
    target: &Target,
    output: &Path,
    tests: &[&str],
    extra: &[String],
) -> Result<(), String> {
    let mut args = vec!["mutants", "--package", target.package];
    args.extend(target.features);
    for file in target.files {
        args.extend(["--file", file]);
    }
    // One mutant at a time: a build takes both cores of a small machine.
    // The build timeout covers a cold incremental cache under load.
    args.extend(["--jobs", "1", "--build-timeout", "600", "--timeout", "60"]);
    let output_arg = output.to_string_lossy().into_owned();
    args.extend(["--output", &output_arg]);
    // The test targets as cargo arguments rather than after `--`, so that
    // each mutant's build skips the other targets too.
    args.extend(tests);
    args.extend(extra.iter().map(String::as_str));
    eprintln!("xtask: $ cargo {}", args.join(" "));
    // cargo-mutants exits non-zero when a mutant was missed or timed out;
    // the files it writes say which, so they decide. The tests wait on
    // timers and loopback servers more than they compute: more threads
    // than cores overlap the waiting.
    let status = Command::new(cargo)
        .args(&args)
        .env("RUST_TEST_THREADS", "8")
        .status()
        .map_err(|e| format!("cannot run cargo-mutants: {e}"))?;
    if output.join("mutants.out/caught.txt").exists() {
        Ok(())
    } else {
        Err(format!("cargo-mutants wrote no results ({status})"))
    }
}

/// One file's outcomes.
#[derive(Default)]
struct Row {
    file: String,
    caught: usize,
    missed: usize,
    timeout: usize,
    unviable: usize,
    excluded: usize,
    /// Caught or unviable in an earlier run (`--iterate`).
    earlier: usize,
}

/// Counts each outcome per file from cargo-mutants' lists, whose lines read
/// `path:line:column: description`.
fn tally(out: &Path, excluded: &BTreeMap<String, usize>) -> Result<Vec<Row>, String> {
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    for (file, count) in excluded {
        rows.entry(file.clone()).or_default().excluded = *count;
    }
    for (outcome, name) in OUTCOMES {
        let path = out.join(name);
        if outcome == "earlier" && !path.exists() {
            continue;
        }
        let text = fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        for line in text.lines().filter(|l| !l.is_empty()) {
            let file = line.split(':').next().unwrap_or(line).to_owned();
            let row = rows.entry(file).or_default();
            match outcome {
                "caught" => row.caught += 1,
                "missed" => row.missed += 1,
                "timeout" => row.timeout += 1,
                "unviable" => row.unviable += 1,
                _ => row.earlier += 1,
            }
        }
    }
    Ok(rows
        .into_iter()
        .map(|(file, row)| Row { file, ..row })
        .collect())
}

/// How many mutants of each file `.cargo/mutants.toml` excludes: those
/// listed without it and not with it.
fn excluded(cargo: &str, target: &Target) -> Result<BTreeMap<String, usize>, String> {
    let list = |with_config: bool| -> Result<Vec<String>, String> {
        let mut command = Command::new(cargo);
        command.args(["mutants", "--list", "--package", target.package]);
        command.args(target.features);
        for file in target.files {
            command.args(["--file", file]);
        }
        if !with_config {
            command.arg("--no-config");
        }
        let out = command
            .output()
            .map_err(|e| format!("cannot run cargo-mutants: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "cargo mutants --list failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect())
    };
    let kept = list(true)?;
    let mut excluded = BTreeMap::new();
    for line in list(false)? {
        if !kept.contains(&line) {
            let file = line.split(':').next().unwrap_or(&line).to_owned();
            *excluded.entry(file).or_insert(0) += 1;
        }
    }
    Ok(excluded)
}

fn report(rows: &[Row], seconds: u64) -> Result<(), String> {
    println!(
        "{:<44} {:>6} {:>6} {:>8} {:>7} {:>8} {:>7} {:>6}",
        "file", "total", "caught", "unviable", "timeout", "excluded", "earlier", "missed"
    );
    let mut sum = Row::default();
    for row in rows {
        let total =
            row.caught + row.missed + row.timeout + row.unviable + row.excluded + row.earlier;
        println!(
            "{:<44} {:>6} {:>6} {:>8} {:>7} {:>8} {:>7} {:>6}",
            row.file,
            total,
            row.caught,
            row.unviable,
            row.timeout,
            row.excluded,
            row.earlier,
            row.missed
        );
        sum.caught += row.caught;
        sum.missed += row.missed;
        sum.timeout += row.timeout;
        sum.unviable += row.unviable;
        sum.excluded += row.excluded;
        sum.earlier += row.earlier;
    }
    let tested = sum.caught + sum.missed + sum.timeout;
    println!(
        "score: {} of {tested} viable mutants tested were caught or timed out; \
         {} unviable, {} excluded, {} caught or unviable in an earlier run; {seconds} s",
        sum.caught + sum.timeout,
        sum.unviable,
        sum.excluded,
        sum.earlier,
    );
    if sum.missed == 0 {
        Ok(())
    } else {
        Err(format!(
            "{} mutants were missed: strengthen the tests (or, if one cannot change behaviour \
             anyone relies on, exclude it in .cargo/mutants.toml with the reason)",
            sum.missed
        ))
    }
}
