//! Interop tests: oauth-core against oidc-provider, an independent and
//! certified OpenID Provider, on loopback.
//!
//! The Node side lives beside this file (`package.json`, `server.js`); each
//! run of this test binary starts one server and stops it at the end.
#![allow(clippy::unwrap_used)] // Tests: a panic is the failure report.
#![allow(unreachable_pub)] // A test binary: `pub` only shares items between its modules.

mod harness;
mod mtls_pki;
mod user_agent;

mod authorization_code;
mod client_assertion;
mod client_credentials;
mod device;
mod discovery;
mod dpop;
mod mutual_tls;
mod native_app;
mod openid_login;
mod pushed_authorization;
