//! Project automation, run as `cargo xtask <command>`.
//!
//! `cargo xtask test` is what CI runs: formatting, the licences of the
//! dependency tree, lints, every test, the feature combinations users can
//! pick, examples and documentation.

#![forbid(unsafe_code)]
// A command-line tool: what it prints is its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod licences;
mod mutants;
mod runner;
mod setup;
mod tidy;

use std::env;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;

const HELP: &str = "\
usage: cargo xtask <command>

commands:
  test      installs what the suites need (npm ci for the interop tests;
            chromium and its driver with apt-get, as root on Debian), then
            everything CI checks: rustfmt, licences, clippy (warnings denied),
            the tests of the whole workspace with all features, oauth-core
            with no default features and with each transport alone, doc
            tests, examples, rustdoc
  ci        the same as `test`
  tidy      the house rules no compiler checks (also a step of `test`):
            every module opens with `//!`, every path ARCHITECTURE.md names
            exists, library crates deny missing docs, `unwrap` only in tests
  licences  every dependency's licence on the allow-list (from
            `cargo metadata`, every platform's crates)
  bench     the benchmarks in release (`cargo xtask bench --help`); writes
            docs/benchmarks.md
  fuzz      the property tests of every parser of outside input, in release,
            with many more cases: `--cases N` (default 100000 per property)
  soak      many tasks calling an API through one session while the sandbox
            injects faults and expires tokens, in release: `--seconds N`
            (default 180), `--tasks N` (default 16); fails on a leaked
            secret, a lost refresh token or a hung call
  mutants   mutation testing (cargo-mutants) of the modules that judge
            input, secrets and tokens, unit tests only: fails on a mutant
            no test catches unless `.cargo/mutants.toml` excludes it with
            its reason; options after `--` go to cargo-mutants (e.g.
            `-- --shard 1/2`). Not part of `test`: it takes tens of minutes
  help      this text
";

fn main() -> ExitCode {
    let command = env::args().nth(1);
    let result = match command.as_deref() {
        Some("test" | "ci") => test(),
        Some("licences" | "licenses") => licences::check(),
        Some("tidy") => workspace_root().and_then(|root| tidy::check(&root)),
        Some("bench") => bench(&env::args().skip(2).collect::<Vec<_>>()),
        Some("fuzz") => fuzz(&env::args().skip(2).collect::<Vec<_>>()),
        Some("soak") => soak(&env::args().skip(2).collect::<Vec<_>>()),
        Some("mutants") => mutants::run(&env::args().skip(2).collect::<Vec<_>>()),
        Some("help" | "--help" | "-h") | None => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// One step of a check: a cargo invocation with a name and optional env.
struct Step<'a> {
    name: &'a str,
    args: &'a [&'a str],
    env: &'a [(&'a str, &'a str)],
}

const TEST_STEPS: &[Step<'static>] = &[
    Step {
        name: "rustfmt",
        args: &["fmt", "--all", "--", "--check"],
        env: &[],
    },
    Step {
        name: "clippy, all targets and features",
        args: &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ],
        env: &[],
    },
    Step {
        name: "clippy, oauth-core without default features",
        args: &[
            "clippy",
            "-p",
            "oauth-core",
            "--no-default-features",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        env: &[],
    },
];

/// After the tests.
const RUSTDOC: Step<'static> = Step {
    name: "rustdoc, warnings denied",
    args: &["doc", "--workspace", "--no-deps", "--all-features"],
    env: &[("RUSTDOCFLAGS", "-D warnings")],
};

/// The test builds: each one's binaries are listed by `cargo test --no-run`
/// with these arguments, and run side by side (see `runner`). Plain `cargo
/// test` builds the examples as programs too (the browser test runs one).
/// oauth-core's unit tests run with all features and with none; with one
/// transport alone, its integration tests run, which go through that
/// transport to the sandbox (the unit tests would be the same again).
const TEST_BUILDS: &[(&str, &[&str])] = &[
    ("all features", &["--workspace", "--all-features"]),
    (
        "oauth-core, no default features",
        &[
            "-p",
            "oauth-core",
            "--no-default-features",
            "--lib",
            "--tests",
        ],
    ),
    (
        "oauth-core, reqwest alone",
        &[
            "-p",
            "oauth-core",
            "--no-default-features",
            "--features",
            "reqwest",
            "--tests",
        ],
    ),
    (
        "oauth-core, hyper alone",
        &[
            "-p",
            "oauth-core",
            "--no-default-features",
            "--features",
            "hyper",
            "--tests",
        ],
    ),
];

fn test() -> Result<(), String> {
    let started = Instant::now();
    let root = workspace_root()?;
    let root = root.as_path();
    setup::prepare(root)?;
    // Suites that skip (a tool is missing) list themselves here.
    let skips_file = env::temp_dir().join(format!("oauth-xtask-skips-{}", std::process::id()));
    let _ = std::fs::remove_file(&skips_file);
    let skips_env = skips_file.to_string_lossy().into_owned();
    // Licences after rustfmt and the first clippy run, so that a formatting
    // slip is reported first.
    let (first, rest) = TEST_STEPS.split_at(2);
    for step in first {
        run(step)?;
    }
    tidy::check(root)?;
    licences::check()?;
    for step in rest {
        run(step)?;
    }
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("xtask: == building the tests ==");
    let mut binaries = Vec::new();
    for (build, args) in TEST_BUILDS {
        binaries.extend(runner::build(&cargo, root, args, build)?);
    }
    // The suites wait on loopback servers, timers and child processes far
    // more than they compute: more test threads than cores overlap the
    // waiting, and so do several binaries at once.
    eprintln!("xtask: == running the tests ==");
    let threads = env::var("RUST_TEST_THREADS").unwrap_or_else(|_| "8".to_owned());
    let jobs = env::var("XTASK_TEST_JOBS")
        .ok()
        .and_then(|j| j.parse().ok())
        .unwrap_or(3);
    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), std::path::PathBuf::from);
    runner::run(
        &cargo,
        binaries,
        &["--workspace", "--all-features"],
        &[(SKIPS_ENV, &skips_env), ("RUST_TEST_THREADS", &threads)],
        jobs,
        &target_dir.join("xtask-test-times.txt"),
    )?;
    run(&RUSTDOC)?;
    let skipped = read_skips(&skips_file);
    let _ = std::fs::remove_file(&skips_file);
    let elapsed = started.elapsed();
    if skipped.is_empty() {
        eprintln!("xtask: all checks passed in {elapsed:.0?}");
        return Ok(());
    }
    eprintln!("xtask: these suites skipped:");
    for (suite, enable) in &skipped {
        eprintln!("xtask:   - {suite}: {enable}");
    }
    if env::var_os("CI").is_some() {
        return Err(format!(
            "{} suites skipped, and CI must run every one",
            skipped.len()
        ));
    }
    eprintln!(
        "xtask: passed, with {} suites skipped, in {elapsed:.0?}",
        skipped.len()
    );
    Ok(())
}

/// The workspace's root directory: xtask's parent.
fn workspace_root() -> Result<std::path::PathBuf, String> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_owned)
        .ok_or_else(|| "xtask is not inside the workspace".to_owned())
}

/// The environment variable the skipping suites read (see
/// `oauth_sandbox::skip`).
const SKIPS_ENV: &str = "OAUTH_TEST_SKIPS";

/// The suites that skipped, once each, in the order they said so.
fn read_skips(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut skipped: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some((suite, enable)) = line.split_once('\t')
            && !skipped.iter().any(|(s, _)| s == suite)
        {
            skipped.push((suite.to_owned(), enable.to_owned()));
        }
    }
    skipped
}

fn run(step: &Step<'_>) -> Result<(), String> {
    run_with(step, &[])
}

/// Runs a step with more environment variables than it names.
fn run_with(step: &Step<'_>, env: &[(&str, &str)]) -> Result<(), String> {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("xtask: == {} ==", step.name);
    eprintln!("xtask: $ cargo {}", step.args.join(" "));
    let started = Instant::now();
    let status = Command::new(&cargo)
        .args(step.args)
        .envs(step.env.iter().copied())
        .envs(env.iter().copied())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        eprintln!("xtask: ok ({:.1?})", started.elapsed());
        Ok(())
    } else {
        Err(format!("step failed: {} ({status})", step.name))
    }
}

/// `cargo xtask bench [options]`: the `benches` program, built in release,
/// with the options passed on.
fn bench(args: &[String]) -> Result<(), String> {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(&cargo)
        .args(["run", "--release", "--quiet", "-p", "benches", "--"])
        .args(args)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the benchmarks failed ({status})"))
    }
}

/// `cargo xtask soak [--seconds N] [--tasks N]`: the soak program, built in
/// release, with the options passed on.
fn soak(args: &[String]) -> Result<(), String> {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(&cargo)
        .args(["run", "--release", "--quiet", "-p", "soak", "--"])
        .args(args)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the soak run failed ({status})"))
    }
}

/// `cargo xtask fuzz [--cases N]`: the property tests of every parser of
/// outside input, in release, with `PROPTEST_CASES` raised. (cargo-fuzz
/// would need a nightly compiler; these are the same properties the
/// normal test run checks with 256 cases each.)
fn fuzz(args: &[String]) -> Result<(), String> {
    let cases = match args {
        [] => 100_000,
        [flag, n] if flag == "--cases" => n
            .parse::<u32>()
            .map_err(|_| format!("--cases takes a whole number, not `{n}`"))?,
        _ => return Err("usage: cargo xtask fuzz [--cases N]".to_owned()),
    };
    let cases = cases.to_string();
    let env = [("PROPTEST_CASES", cases.as_str())];
    let runs: [(&str, &[&str]); 2] = [
        (
            "property tests in the crates",
            &[
                "test",
                "--release",
                "-p",
                "oauth-core",
                "-p",
                "battlenet",
                "-p",
                "ringplus",
                "--all-features",
                "--lib",
                "proptests",
            ],
        ),
        (
            "property tests of the callback",
            &[
                "test",
                "--release",
                "-p",
                "oauth-core",
                "--all-features",
                "--test",
                "it",
                "callback_proptests",
            ],
        ),
    ];
    let started = Instant::now();
    for (name, args) in runs {
        run(&Step {
            name,
            args,
            env: &env,
        })?;
    }
    eprintln!(
        "xtask: every property held for {cases} cases in {:.0?}",
        started.elapsed()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::read_skips;

    #[test]
    fn each_skipped_suite_is_listed_once_in_order() {
        let path = std::env::temp_dir().join(format!("xtask-skips-test-{}", std::process::id()));
        std::fs::write(
            &path,
            "interop\tnpm ci\nbrowser\tapt-get install chromium\ninterop\tnpm ci\nnot a line\n",
        )
        .expect("write");
        assert_eq!(
            read_skips(&path),
            [
                ("interop".to_owned(), "npm ci".to_owned()),
                ("browser".to_owned(), "apt-get install chromium".to_owned()),
            ]
        );
        std::fs::remove_file(&path).expect("cleanup");
        assert!(read_skips(&path).is_empty(), "no file: nothing skipped");
    }
}
