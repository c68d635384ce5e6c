//! ringplus's integration tests, in one binary: the handler, the API, the
//! form login and the default dependency tree, against the sandbox on loopback.
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used)] // Tests: a panic is the failure report.

mod api;
mod default_build;
mod handler;
mod login;
#[cfg(any(feature = "reqwest", feature = "hyper"))]
mod support;
