//! How a test suite that needs a tool this machine lacks (Node, Chromium)
//! says it skipped: loudly, counted by `cargo xtask test`, and never in CI.

use std::io::Write as _;

/// The environment variable naming the file where skipped suites are
/// listed, one per line (`suite<TAB>command that enables it`); `cargo xtask
/// test` sets it and prints the list in its summary.
pub const SKIPS_FILE_ENV: &str = "OAUTH_TEST_SKIPS";

/// Reports that `suite` skips because `missing`, and which command would
/// enable it: a banner straight on the process's stderr (past the test
/// harness's capture), and a line in the file [`SKIPS_FILE_ENV`] names.
///
/// # Panics
/// When the `CI` environment variable is set: CI must run every suite.
pub fn report(suite: &str, missing: &str, enable: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{suite}: {missing}; CI must run it (`{enable}`)"
    );
    let banner = format!(
        "\n==================== SKIPPED: {suite} ====================\n\
         {missing}. To run it: {enable}\n\
         ==========================================================\n\n"
    );
    let _ = std::io::stderr().write_all(banner.as_bytes());
    if let Some(path) = std::env::var_os(SKIPS_FILE_ENV) {
        let line = format!("{suite}\t{enable}\n");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path);
        if let Ok(mut file) = file {
            let _ = file.write_all(line.as_bytes());
        }
    }
}
