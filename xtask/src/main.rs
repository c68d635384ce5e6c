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
    // Licences after rustfmt and the first clippy run, so that a formatting
    // slip is reported first.
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

fn run(step: &Step<'_>) -> Result<(), String> {
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
