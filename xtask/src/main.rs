//! Project automation, run as `cargo xtask <command>`.
//!
//! `cargo xtask test` is what CI runs: formatting, the licences of the
//! dependency tree, lints, every test, the feature combinations users can
//! pick, examples and documentation.

#![forbid(unsafe_code)]
// A command-line tool: what it prints is its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod licences;

use std::env;
use std::process::{Command, ExitCode};
use std::time::Instant;

const HELP: &str = "\
usage: cargo xtask <command>

commands:
  test      everything CI checks: rustfmt, licences, clippy (warnings denied),
            the tests of the whole workspace with all features, oauth-core
            with no default features and with each transport alone, doc
            tests, examples, rustdoc
  ci        the same as `test`
  licences  every dependency's licence on the allow-list (offline, from
            `cargo metadata`)
  bench     the benchmarks in release (`cargo xtask bench --help`); writes
            docs/benchmarks.md
  help    this text
";

fn main() -> ExitCode {
    let command = env::args().nth(1);
    let result = match command.as_deref() {
        Some("test" | "ci") => test(),
        Some("licences" | "licenses") => licences::check(),
        Some("bench") => bench(&env::args().skip(2).collect::<Vec<_>>()),
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
struct Step {
    name: &'static str,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
}

const TEST_STEPS: &[Step] = &[
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
    // Plain `cargo test` builds the examples as programs (the browser test
    // runs one) and runs the doc tests too.
    Step {
        name: "tests of the workspace with all features, examples built, doc tests",
        args: &["test", "--workspace", "--all-features"],
        env: &[],
    },
    Step {
        name: "oauth-core tests without default features",
        args: &["test", "-p", "oauth-core", "--no-default-features"],
        env: &[],
    },
    Step {
        name: "oauth-core tests with reqwest alone",
        args: &[
            "test",
            "-p",
            "oauth-core",
            "--no-default-features",
            "--features",
            "reqwest",
        ],
        env: &[],
    },
    Step {
        name: "oauth-core tests with hyper alone",
        args: &[
            "test",
            "-p",
            "oauth-core",
            "--no-default-features",
            "--features",
            "hyper",
        ],
        env: &[],
    },
    Step {
        name: "rustdoc, warnings denied",
        args: &["doc", "--workspace", "--no-deps", "--all-features"],
        env: &[("RUSTDOCFLAGS", "-D warnings")],
    },
];

fn test() -> Result<(), String> {
    let started = Instant::now();
    // Licences after the first clippy run, which has fetched every crate
    // the offline `cargo metadata` reads.
    let (first, rest) = TEST_STEPS.split_at(2);
    for step in first {
        run(step)?;
    }
    licences::check()?;
    for step in rest {
        run(step)?;
    }
    eprintln!("xtask: all checks passed in {:.0?}", started.elapsed());
    Ok(())
}

fn run(step: &Step) -> Result<(), String> {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("xtask: == {} ==", step.name);
    eprintln!("xtask: $ cargo {}", step.args.join(" "));
    let started = Instant::now();
    let status = Command::new(&cargo)
        .args(step.args)
        .envs(step.env.iter().copied())
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
