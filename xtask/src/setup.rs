//! What `cargo xtask test` installs before it tests, so a fresh machine
//! runs every suite: oidc-provider for the interop tests (`npm ci`) and
//! Chromium with its WebDriver for the browser test, `redis-server` for
//! the fleet's tests and `tinyproxy` for the proxy tests (`apt-get`, as root on
//! Debian). What cannot be installed here is said with the one command that
//! would; the suites that need it then skip, and the summary counts them.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::SystemTime;

/// The Node.js major version oidc-provider needs.
const NODE_MAJOR: u32 = 20;

/// Installs what the test suites need and can be installed here.
pub(crate) fn prepare(root: &Path) -> Result<(), String> {
    interop_packages(&root.join("tests/interop"))?;
    debian_packages(&[
        ("chromium", "chromium"),
        ("chromedriver", "chromium-driver"),
        ("redis-server", "redis-server"),
        ("tinyproxy", "tinyproxy"),
    ])
}

/// `npm ci` in `dir` when Node 20+ is here and `node_modules` is missing or
/// older than the lock file.
fn interop_packages(dir: &Path) -> Result<(), String> {
    let Some(major) = node_major() else {
        eprintln!(
            "xtask: setup: no `node` on PATH: the interop tests will skip (install Node {NODE_MAJOR}+)"
        );
        return Ok(());
    };
    if major < NODE_MAJOR {
        eprintln!(
            "xtask: setup: Node {major} is too old for oidc-provider: the interop tests will skip (install Node {NODE_MAJOR}+)"
        );
        return Ok(());
    }
    let installed = modified(&dir.join("node_modules/.package-lock.json"));
    let locked = modified(&dir.join("package-lock.json"));
    if installed.is_some() && installed >= locked {
        return Ok(());
    }
    eprintln!("xtask: setup: npm ci in {}", dir.display());
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run npm: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("npm ci in {} failed ({status})", dir.display()))
    }
}

fn node_major() -> Option<u32> {
    let output = Command::new("node").arg("--version").output().ok()?;
    let version = String::from_utf8(output.stdout).ok()?;
    version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()?
        .parse()
        .ok()
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Installs the Debian packages whose programs are missing, when this runs
/// as root on Debian; otherwise prints the command that would.
fn debian_packages(wanted: &[(&str, &str)]) -> Result<(), String> {
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(program, _)| !on_path(program))
        .map(|&(_, package)| package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let command = format!("apt-get install -y {}", missing.join(" "));
    let debian = Path::new("/etc/debian_version").exists();
    if !debian || !is_root() {
        eprintln!(
            "xtask: setup: {} missing; the suites that need them will skip. To install: sudo apt-get update && sudo {command}",
            missing.join(", ")
        );
        return Ok(());
    }
    eprintln!("xtask: setup: {command}");
    let update = Command::new("apt-get")
        .args(["update", "-qq"])
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run apt-get: {e}"))?;
    let install = Command::new("apt-get")
        .args(["install", "-y", "-qq"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run apt-get: {e}"))?;
    if update.success() && install.success() {
        Ok(())
    } else {
        Err(format!("`{command}` failed ({install})"))
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}
