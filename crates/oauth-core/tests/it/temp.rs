//! Temporary directories for the tests that write files.
#![allow(dead_code)] // Each feature build uses it or not.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

/// A fresh, empty directory for one test, named after it.
pub(crate) fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "oauth-core-{name}-{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
