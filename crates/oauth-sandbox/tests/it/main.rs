//! The sandbox's integration tests, in one binary: the OAuth server, the
//! Battle.net and RingPlus emulations and the injected faults, over real HTTP.
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used)] // Tests: a panic is the failure report.

mod battlenet;
mod faults;
mod oauth;
mod ringplus;
mod support;
