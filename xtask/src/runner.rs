//! Runs the test binaries of several cargo builds side by side.
//!
//! The suites wait on loopback servers, timers, child processes and a
//! browser far more than they compute, so on two cores one suite at a time
//! leaves the machine idle most of the run. Each build's binaries are
//! listed by `cargo test --no-run` (which compiles what is stale, one build
//! after another, as cargo must); then they run a few at a time, the
//! slowest of the last run first, next to the doc tests. A binary's output
//! is shown whole when it fails, and by its summary line when it passes.

use std::collections::{BTreeMap, VecDeque};
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// One test binary, run the way `cargo test` runs it.
pub(crate) struct Binary {
    /// The executable.
    path: PathBuf,
    /// Its package's directory: cargo runs tests there.
    dir: PathBuf,
    /// The source it was built from and the build, as shown.
    label: String,
}

/// Compiles the test binaries of one build (`cargo test --no-run` with
/// `args`) and lists them; `build` names the build in the labels.
pub(crate) fn build(
    cargo: &str,
    root: &Path,
    args: &[&str],
    build: &str,
) -> Result<Vec<Binary>, String> {
    eprintln!("xtask: $ cargo test --no-run {}", args.join(" "));
    let mut child = Command::new(cargo)
        .args([
            "test",
            "--no-run",
            "--message-format=json-render-diagnostics",
        ])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let mut binaries = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|e| format!("cannot read cargo's output: {e}"))?;
            if let Some(binary) = artifact(&line, root, build) {
                binaries.push(binary);
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("cannot wait for cargo: {e}"))?;
    if status.success() {
        Ok(binaries)
    } else {
        Err(format!("building the tests ({build}) failed ({status})"))
    }
}

/// The test binary one line of cargo's JSON messages announces, if any.
fn artifact(line: &str, root: &Path, build: &str) -> Option<Binary> {
    let message: serde_json::Value = serde_json::from_str(line).ok()?;
    if message["reason"] != "compiler-artifact" || message["profile"]["test"] != true {
        return None;
    }
    let path = PathBuf::from(message["executable"].as_str()?);
    let dir = Path::new(message["manifest_path"].as_str()?)
        .parent()?
        .to_owned();
    let source = Path::new(message["target"]["src_path"].as_str()?);
    let source = source.strip_prefix(root).unwrap_or(source);
    Some(Binary {
        path,
        dir,
        label: format!("{} ({build})", source.display()),
    })
}

/// What one binary's run came to.
struct Finished {
    label: String,
    elapsed: Duration,
    output: Result<Output, String>,
}

impl Finished {
    fn passed(&self) -> bool {
        self.output.as_ref().is_ok_and(|o| o.status.success())
    }
}

/// Runs the binaries, `jobs` at a time, with `env` set, next to `cargo
/// test --doc` with `doc_args`; fails if any of them fails. The durations
/// are kept in `times` to order the next run.
pub(crate) fn run(
    cargo: &str,
    binaries: Vec<Binary>,
    doc_args: &[&str],
    env: &[(&str, &str)],
    jobs: usize,
    times: &Path,
) -> Result<(), String> {
    let started = Instant::now();
    let last = read_times(times);
    let mut queue: Vec<Binary> = binaries;
    // Slowest first; a binary never timed is taken for a slow one.
    queue.sort_by_key(|b| std::cmp::Reverse(last.get(&b.label).copied().unwrap_or(u64::MAX)));
    let count = queue.len();
    let queue = Mutex::new(VecDeque::from(queue));
    let finished = Mutex::new(Vec::new());
    let print = Mutex::new(());
    let doc = thread::scope(|scope| {
        let doc = scope.spawn(|| {
            let started = Instant::now();
            let output = Command::new(cargo)
                .args(["test", "--doc"])
                .args(doc_args)
                .envs(env.iter().copied())
                .output()
                .map_err(|e| format!("cannot run cargo: {e}"));
            let done = Finished {
                label: format!("doc tests ({})", doc_args.join(" ")),
                elapsed: started.elapsed(),
                output,
            };
            show(&done, &print);
            done
        });
        for _ in 0..jobs.max(1) {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().map(|mut q| q.pop_front());
                    let Ok(Some(binary)) = next else { break };
                    let started = Instant::now();
                    let output = Command::new(&binary.path)
                        .current_dir(&binary.dir)
                        .envs(env.iter().copied())
                        .output()
                        .map_err(|e| format!("cannot run {}: {e}", binary.path.display()));
                    let done = Finished {
                        label: binary.label,
                        elapsed: started.elapsed(),
                        output,
                    };
                    show(&done, &print);
                    if let Ok(mut all) = finished.lock() {
                        all.push(done);
                    }
                }
            });
        }
        doc.join()
    });
    let mut all = finished.into_inner().unwrap_or_default();
    write_times(times, &all);
    match doc {
        Ok(doc) => all.push(doc),
        Err(_) => return Err("the doc tests' thread panicked".to_owned()),
    }
    let failed: Vec<&str> = all
        .iter()
        .filter(|f| !f.passed())
        .map(|f| f.label.as_str())
        .collect();
    eprintln!(
        "xtask: {} test binaries and the doc tests ran in {:.1?}, {jobs} at a time",
        count,
        started.elapsed()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("tests failed: {}", failed.join(", ")))
    }
}

/// Shows one result as it comes in: the summary line of a pass, all of a
/// failure.
fn show(done: &Finished, print: &Mutex<()>) {
    let _guard = print.lock();
    match &done.output {
        Ok(output) if output.status.success() => {
            let stdout = String::from_utf8_lossy(&output.stdout);
            let summary = stdout
                .lines()
                .rfind(|l| l.starts_with("test result:"))
                .unwrap_or("no tests");
            eprintln!("xtask: {} ({:.1?}): {summary}", done.label, done.elapsed);
        }
        Ok(output) => {
            eprintln!("xtask: ---- {} FAILED ({}) ----", done.label, output.status);
            eprint!("{}", String::from_utf8_lossy(&output.stdout));
            eprint!("{}", String::from_utf8_lossy(&output.stderr));
            eprintln!("xtask: ---- end of {} ----", done.label);
        }
        Err(error) => eprintln!("xtask: {}: {error}", done.label),
    }
}

/// Each binary's duration in the last run, in milliseconds, by label.
fn read_times(path: &Path) -> BTreeMap<String, u64> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            let (ms, label) = line.split_once('\t')?;
            Some((label.to_owned(), ms.parse().ok()?))
        })
        .collect()
}

fn write_times(path: &Path, all: &[Finished]) {
    let text: String = all
        .iter()
        .map(|f| format!("{}\t{}\n", f.elapsed.as_millis(), f.label))
        .collect();
    // Only the order of the next run depends on it.
    let _ = fs::write(path, text);
}
