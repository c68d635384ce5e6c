//! Battle.net (Blizzard) OAuth 2.0 client built on [`oauth_core`].
//!
//! This crate is being filled in: today it re-exports the core so that
//! applications can depend on it already.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]

pub use oauth_core;
