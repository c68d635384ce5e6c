//! What the test harness's services (`redis-server`, `tinyproxy`) share:
//! whether the program is installed (else the suite reports itself
//! skipped), a free loopback port, a random password, and starting again
//! when the port was taken in between.

use std::net::TcpListener;
use std::process::{Command, Stdio};

/// Whether `program` runs here (`program version_flag`); when it does not,
/// `suite` is reported skipped with how to install it (and fails in CI,
/// [`crate::skip::report`]).
pub(crate) fn installed(program: &str, version_flag: &str, suite: &str, enable: &str) -> bool {
    let runs = Command::new(program)
        .arg(version_flag)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !runs {
        crate::skip::report(suite, &format!("{program} is not installed"), enable);
    }
    runs
}

/// Starts a service with `try_start`, again when it fails: the port the OS
/// picked is freed for the service, and another process may take it in
/// between.
///
/// # Panics
/// When five tries fail, with the last one's words.
pub(crate) fn start_retrying<T>(program: &str, try_start: impl Fn() -> Result<T, String>) -> T {
    let mut last = String::new();
    for _ in 0..5 {
        match try_start() {
            Ok(service) => return service,
            Err(error) => last = error,
        }
    }
    panic!("{program} did not start: {last}");
}

/// A loopback port free now.
pub(crate) fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// `bytes` random bytes, in hex: a password.
pub(crate) fn random_hex(bytes: usize) -> Result<String, String> {
    let mut token = vec![0u8; bytes];
    getrandom::fill(&mut token).map_err(|e| e.to_string())?;
    Ok(token.iter().map(|b| format!("{b:02x}")).collect())
}
