//! oauth-core's integration tests, in one binary: every grant, error,
//! session, store and flow against the sandbox (or a child process) on
//! loopback, through each transport compiled in.
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used)] // Tests: a panic is the failure report.

mod cache;
mod callback_proptests;
mod client_assertion;
mod device;
mod discovery;
mod errors;
mod form_login;
mod grants;
mod layers;
mod loopback;
mod more_grants;
mod openid;
mod session;
mod session_send;
mod store_contention;
mod store_file;
#[cfg(all(feature = "redis-store", any(feature = "reqwest", feature = "hyper")))]
mod store_redis;
#[cfg(any(feature = "reqwest", feature = "hyper"))]
mod support;
mod temp;
