//! The examples' tests, in one binary: every example run against the
//! embedded sandbox, and the web login example driven in a real headless
//! Chromium.
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used)] // Tests: a panic is the failure report.

mod battlenet_web_login_browser;
mod examples_run;
